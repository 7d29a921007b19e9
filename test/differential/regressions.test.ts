/**
 * Reduced cases where the interpreter and the compiler backend diverged (see regressions.ts); the failure message
 * is the full report.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runDifferential } from './harness.js';
import { REGRESSIONS } from './regressions.js';
import { formatReport } from './report.js';

for (const regression of REGRESSIONS) {
  test(`${regression.id}: ${regression.title} (same on both backends)`, () => {
    const c = regression.build();
    const result = runDifferential(c);
    assert.ok(result.compiled, 'the compiler engine fell back to the interpreter');
    assert.equal(result.mismatch, null, formatReport(c, result));
  });
}
