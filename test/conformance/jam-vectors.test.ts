/**
 * The JAM PVM conformance vectors (../shared/conformance/jam-pvm): one test per vector, so the runner counts them.
 * v0.4 vectors check everything including gas; v0.5 vectors check status, registers, PC, memory and page faults,
 * and gas once a cost model for their ISA is registered.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseJson } from '../../src/conformance/json.js';
import { runJamVector } from '../../src/conformance/jam-vectors.js';
import { TEST_BACKEND, testEngine } from '../helpers/backend.js';

const ENGINE = testEngine();
const root = resolve(process.cwd(), '../shared/conformance/jam-pvm');
const suites = [
  { name: 'v0.4', dir: join(root, 'v0.4/programs'), expectedCount: 307 },
  { name: 'v0.5', dir: join(root, 'programs'), expectedCount: 362 },
];

for (const suite of suites) {
  test(`${suite.name} vector directory holds all ${suite.expectedCount} vectors`, () => {
    assert.ok(existsSync(suite.dir), `missing ${suite.dir}: the shared conformance vectors must be beside the project`);
    assert.equal(readdirSync(suite.dir).filter((f) => f.endsWith('.json')).length, suite.expectedCount);
  });
  if (!existsSync(suite.dir)) continue;
  for (const file of readdirSync(suite.dir).filter((f) => f.endsWith('.json')).sort()) {
    test(`${suite.name} vector ${file.replace(/\.json$/, '')}`, () => {
      const result = runJamVector(parseJson(readFileSync(join(suite.dir, file), 'utf8')), { engine: ENGINE });
      assert.deepEqual(result.failures, []);
      assert.equal(result.ranCompiled, TEST_BACKEND === 'compiler', 'ran on the selected backend');
    });
  }
}
