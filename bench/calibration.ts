/**
 * A fixed amount of plain JavaScript work, timed at the start and at the end of a run. The development machine is
 * a virtual machine on a shared host: other tenants' load does not show in its load average, but it does slow this
 * loop down, so the two figures tell how fast the machine was while the benchmark ran.
 */
import { median, samples } from './stats.js';

let sink = 0;

function work(): void {
  let x = 0x9e3779b9;
  let sum = 0;
  for (let i = 0; i < 20_000_000; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    sum = (sum + (x & 0xff)) | 0;
  }
  sink ^= sum;
}

/** Median milliseconds of the calibration work (5 runs after a warm-up). */
export function calibrate(): number {
  const ms = median(samples(work, 5));
  if (sink === 0x12345678) process.stderr.write(''); // keeps `sink` observable, so the loop is not optimized away
  return ms;
}
