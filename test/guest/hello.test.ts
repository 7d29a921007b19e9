import { test } from 'node:test';
import assert from 'node:assert/strict';
import { forEachVariant, loadModule, stdoutLinker, variantName } from './guest-helpers.js';

forEachVariant('hello', (v, skip) => {
  test(`hello (${variantName(v)}): main prints the greeting and returns what ext_stdout returned`, { skip }, () => {
    const output = { text: '' };
    const instance = stdoutLinker(output).instantiate(loadModule('hello', v));
    assert.equal(instance.call('main'), 14n);
    assert.equal(output.text, 'Hello, world!\n');
  });

  test(`hello (${variantName(v)}): add_numbers adds modulo 2^32`, { skip }, () => {
    const instance = stdoutLinker({ text: '' }).instantiate(loadModule('hello', v));
    assert.equal(instance.call('add_numbers', [1, 10]), 11n);
    assert.equal(instance.call('add_numbers', [0xffffffff, 2]), 1n);
  });
});
