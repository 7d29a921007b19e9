import { test } from 'node:test';
import assert from 'node:assert/strict';
import { forEachVariant, loadModule, stdoutLinker, variantName, type Variant } from './guest-helpers.js';

/**
 * CoreMark (EEMBC's sources, unmodified and not part of this repository, with the port in
 * guest/coremark/core_portme.c; see guest-helpers.ts for how to build it — without it these tests are skipped). The seed and
 * per-algorithm CRCs are CoreMark's own known answers for the 2K performance and validation runs; crcfinal
 * depends on the iteration count (values from a native build of the same sources).
 */
const PERFORMANCE = { seeds: [0, 0, 0x66], seedcrc: 0xe9f5, crclist: 0xe714, crcmatrix: 0x1fd7, crcstate: 0x8e3a, crcfinal: { 10: 0xfcaf, 2000: 0x4983 } };
const VALIDATION = { seeds: [0x3415, 0x3415, 0x66], seedcrc: 0x18f2, crclist: 0xe3c1, crcmatrix: 0x0747, crcstate: 0x8d84, crcfinal: { 10: 0xc64e, 2000: 0x0cac } };

/** Runs CoreMark with a fake clock that advances 10 s per reading, so that the run counts as long enough. */
function runCoreMark(v: Variant, seeds: number[], iterations: 10 | 2000) {
  const output = { text: '' };
  let clock = 0;
  const instance = stdoutLinker(output)
    .define('ext_clock_ms', () => {
      const now = clock;
      clock += 10_000;
      return now;
    })
    .instantiate(loadModule('coremark', v));
  const crcfinal = instance.call('run', [...seeds, iterations]);
  const result = (which: number): number => Number(instance.call('result', [which]));
  return { output: output.text, crcfinal, seedcrc: result(0), crclist: result(1), crcmatrix: result(2), crcstate: result(3), iterations: result(5), size: result(7), errors: result(8) };
}

function check(v: Variant, expected: typeof PERFORMANCE, iterations: 10 | 2000): void {
  const run = runCoreMark(v, expected.seeds, iterations);
  const hex = (x: number): string => `0x${x.toString(16).padStart(4, '0')}`;
  assert.equal(run.crcfinal, BigInt(expected.crcfinal[iterations]));
  assert.deepEqual(
    { seedcrc: run.seedcrc, crclist: run.crclist, crcmatrix: run.crcmatrix, crcstate: run.crcstate, iterations: run.iterations, size: run.size, errors: run.errors },
    { seedcrc: expected.seedcrc, crclist: expected.crclist, crcmatrix: expected.crcmatrix, crcstate: expected.crcstate, iterations, size: 666, errors: 0 },
  );
  for (const line of [
    `CoreMark Size    : 666\n`,
    `Total ticks      : 10000\n`,
    `Iterations       : ${iterations}\n`,
    `seedcrc          : ${hex(expected.seedcrc)}\n`,
    `[0]crclist       : ${hex(expected.crclist)}\n`,
    `[0]crcmatrix     : ${hex(expected.crcmatrix)}\n`,
    `[0]crcstate      : ${hex(expected.crcstate)}\n`,
    `[0]crcfinal      : ${hex(expected.crcfinal[iterations])}\n`,
    'Correct operation validated.',
  ]) {
    assert.ok(run.output.includes(line), `missing ${JSON.stringify(line)} in:\n${run.output}`);
  }
  assert.ok(!run.output.includes('ERROR'), run.output);
}

forEachVariant('coremark', (v, skip) => {
  test(`coremark (${variantName(v)}): 10 iterations give the known CRCs (performance and validation seeds)`, { skip }, () => {
    check(v, PERFORMANCE, 10);
    check(v, VALIDATION, 10);
  });

  // The standard 2000-iteration run, on the optimised builds (about 0.6 billion guest instructions each).
  if (v.opt === 'O2') {
    test(`coremark (${variantName(v)}): the 2000-iteration performance run validates`, { skip }, () => {
      check(v, PERFORMANCE, 2000);
    });
  }
});
