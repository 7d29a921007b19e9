/**
 * Timing and summary statistics shared by the benchmark sections. Every figure the benchmarks report is a median:
 * the development machine is shared, and a median ignores the runs that another process slowed down.
 */

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Milliseconds taken by `run`, and its value. */
export function timed<T>(run: () => T): [T, number] {
  const start = performance.now();
  const value = run();
  return [value, performance.now() - start];
}

/** Milliseconds of `runs` calls of `run` after one untimed warm-up call. */
export function samples(run: () => void, runs: number): number[] {
  run();
  const out: number[] = [];
  for (let k = 0; k < runs; k++) out.push(timed(run)[1]);
  return out;
}

/** A number that fits the JSON output (NaN and infinities become null). */
export function finite(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}
