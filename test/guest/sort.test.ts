import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Linker } from '../../src/api/linker.js';
import { forEachVariant, loadModule, variantName, xorshift32 } from './guest-helpers.js';

/** sort_checksum, recomputed: n xorshift32 outputs, sorted, sum of (i + 1) * value modulo 2^32. */
function sortChecksum(n: number, seed: number): bigint {
  let state = seed || 0x9e3779b9;
  const values = new Uint32Array(n);
  for (let i = 0; i < n; i++) values[i] = state = xorshift32(state);
  values.sort();
  let sum = 0;
  for (let i = 0; i < n; i++) sum = (sum + Math.imul(i + 1, values[i])) >>> 0;
  return BigInt(sum);
}

/** alloc_stress, recomputed from the algorithm documented in guest/sort/sort.c (no memory involved). */
function allocStress(rounds: number, seed: number): bigint {
  const SLOTS = 64;
  let state = seed || 0x9e3779b9;
  const sizes: (number | null)[] = new Array(SLOTS).fill(null);
  let sum = 0;
  const release = (s: number): void => {
    const size = sizes[s]!;
    for (let j = 0; j < size; j++) sum = (sum + ((s + size + j) & 0xff)) >>> 0;
    sizes[s] = null;
  };
  for (let round = 0; round < rounds; round++) {
    state = xorshift32(state);
    const s = state % SLOTS;
    if (sizes[s] !== null) {
      release(s);
    } else {
      state = xorshift32(state);
      sizes[s] = state >>> 28 === 0 ? 1 + (state % 65536) : 1 + (state % 4096);
    }
  }
  for (let s = 0; s < SLOTS; s++) if (sizes[s] !== null) release(s);
  return BigInt(sum);
}

forEachVariant('sort', (v, skip) => {
  test(`sort (${variantName(v)}): merge sort over malloc'ed arrays matches a host-side sort`, { skip }, () => {
    const instance = new Linker().instantiate(loadModule('sort', v));
    for (const [n, seed] of [[0, 1], [1, 7], [1000, 1], [100_000, 12345], [1000, 0]]) {
      assert.equal(instance.call('sort_checksum', [n, seed]), sortChecksum(n, seed), `n = ${n}, seed = ${seed}`);
    }
  });

  test(`sort (${variantName(v)}): malloc/free stress keeps every block intact and reuses freed memory`, { skip }, () => {
    const instance = new Linker().instantiate(loadModule('sort', v));
    assert.equal(instance.call('alloc_stress', [4000, 42]), allocStress(4000, 42));
    const afterFirst = Number(instance.call('heap_size'));
    assert.equal(instance.call('alloc_stress', [4000, 43]), allocStress(4000, 43));
    // At most 64 live blocks of <= 64 KiB each: freed memory is reused, so the heap stays far below the ~8 MB that
    // 4000 rounds allocate in total.
    const afterSecond = Number(instance.call('heap_size'));
    assert.ok(afterFirst > 0 && afterSecond < 4 * 1024 * 1024, `heap grew to ${afterFirst} then ${afterSecond} bytes`);
  });
});
