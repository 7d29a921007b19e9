import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseJson } from '../../src/conformance/json.js';
import { InvalidArgumentError } from '../../src/errors.js';

test('integers beyond 2^53 parse exactly as bigints', () => {
  assert.deepEqual(parseJson('[18446744073709551615, 9007199254740993, -9223372036854775808]'), [
    18446744073709551615n,
    9007199254740993n,
    -9223372036854775808n,
  ]);
});

test('safe integers, floats, strings, booleans and null parse as plain JSON values', () => {
  assert.deepEqual(parseJson('{"a": 1, "b": -2.5e3, "c": "x\\"y", "d": [true, false, null], "e": {}}'), {
    a: 1,
    b: -2500,
    c: 'x"y',
    d: [true, false, null],
    e: {},
  });
});

test('malformed JSON throws InvalidArgumentError with an offset', () => {
  for (const text of ['', '[1,', '{"a" 1}', '[1] x', '"abc', 'nul']) {
    assert.throws(() => parseJson(text), InvalidArgumentError, text);
  }
});
