/**
 * The JAM PVM conformance vectors (../shared/conformance/jam-pvm) on the compiler backend with standard memory.
 * test/conformance runs every vector on both backends as the vectors describe it, with dynamic paging, where every
 * access goes through the page table. Vectors that map no memory and expect no page fault behave the same with
 * standard memory (no region is accessible, every access traps), which exercises the compiler's inline memory
 * checks instead: they run here that way, compiled, with every expectation of the vector checked.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseJson, type JsonValue } from '../../src/conformance/json.js';
import { runJamVector } from '../../src/conformance/jam-vectors.js';

type JsonObject = { [key: string]: JsonValue };

const root = resolve(process.cwd(), '../shared/conformance/jam-pvm');
const DIRS = [join(root, 'v0.4/programs'), join(root, 'programs')];

const list = (value: JsonValue | undefined): JsonValue[] => (Array.isArray(value) ? value : []);
const field = (value: JsonValue, key: string): JsonValue | undefined => (value as JsonObject)[key];

/** Whether a vector (v0.4 or v0.5 format) maps no memory, writes none and expects no page fault. */
function needsNoPages(json: JsonValue): boolean {
  if (field(json, 'steps') === undefined) {
    return (
      list(field(json, 'initial-page-map')).length === 0 &&
      list(field(json, 'initial-memory')).length === 0 &&
      field(json, 'expected-status') !== 'page-fault'
    );
  }
  return list(field(json, 'steps')).every((step) => {
    const expected = field(step, 'assert');
    return field(step, 'map') === undefined && field(step, 'write') === undefined && (expected === undefined || field(expected, 'status') !== 'page-fault');
  });
}

const vectors = DIRS.flatMap((dir) =>
  existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => f.endsWith('.json'))
        .sort()
        .map((file) => ({ file, json: parseJson(readFileSync(join(dir, file), 'utf8')) }))
    : [],
);
const withoutPages = vectors.filter((v) => needsNoPages(v.json));

test('JAM vectors without memory pages: the compiler backend, running compiled code with standard memory, gives the expected results', (t) => {
  const failures: string[] = [];
  for (const { file, json } of withoutPages) {
    const result = runJamVector(json, { backend: 'compiler', dynamicPaging: false });
    if (!result.ranCompiled) failures.push(`${file}: did not run compiled code`);
    failures.push(...result.failures.map((f) => `${file}: ${f}`));
  }
  t.diagnostic(`${withoutPages.length} of ${vectors.length} vectors need no pages`);
  assert.equal(vectors.length, 307 + 362, `vectors missing under ${root}`);
  assert.ok(withoutPages.length > 400);
  assert.deepEqual(failures, []);
});
