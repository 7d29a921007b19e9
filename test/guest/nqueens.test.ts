import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Linker } from '../../src/api/linker.js';
import { forEachVariant, loadModule, variantName } from './guest-helpers.js';

// OEIS A000170: the number of ways to place n non-attacking queens on an n x n board.
const SOLUTIONS = [1, 0, 0, 2, 10, 4, 40, 92, 352, 724];

forEachVariant('nqueens', (v, skip) => {
  test(`nqueens (${variantName(v)}): counts for n = 1..10 and the bad-size answer`, { skip }, () => {
    const instance = new Linker().instantiate(loadModule('nqueens', v));
    SOLUTIONS.forEach((expected, i) => assert.equal(instance.call('nqueens', [i + 1]), BigInt(expected), `n = ${i + 1}`));
    assert.equal(instance.call('nqueens', [0]) & 0xffffffffn, 0xffffffffn);
    assert.equal(instance.call('nqueens', [17]) & 0xffffffffn, 0xffffffffn);
  });
});
