import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Linker } from '../../src/api/linker.js';
import { forEachVariant, loadModule, result64, variantName } from './guest-helpers.js';

// pi(n): primes below n.
const PRIME_COUNTS: [number, number][] = [[0, 0], [2, 0], [3, 1], [10, 4], [100, 25], [1000, 168], [10_000, 1229], [100_000, 9592], [1_000_000, 78498]];

forEachVariant('sieve', (v, skip) => {
  test(`sieve (${variantName(v)}): count_primes(n) for n up to 10^6`, { skip }, () => {
    const instance = new Linker().instantiate(loadModule('sieve', v));
    for (const [n, expected] of PRIME_COUNTS) assert.equal(instance.call('count_primes', [n]), BigInt(expected), `n = ${n}`);
  });

  test(`sieve (${variantName(v)}): sum_primes returns a 64-bit sum`, { skip }, () => {
    const instance = new Linker().instantiate(loadModule('sieve', v));
    instance.call('sum_primes', [10]);
    assert.equal(result64(v, instance), 17n);
    instance.call('sum_primes', [2_000_000]);
    assert.equal(result64(v, instance), 142_913_828_922n); // beyond 32 bits: a0/a1 on rv32
  });
});
