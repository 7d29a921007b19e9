import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Engine, LAZY_TRANSLATION_THRESHOLD } from '../../src/api/engine.js';
import { Linker } from '../../src/api/linker.js';
import { Module } from '../../src/api/module.js';
import { InvalidArgumentError } from '../../src/errors.js';

const NQUEENS = readFileSync('guest/bin/nqueens-rv64-O2.polkavm');
const ABI = readFileSync('guest/bin/abi-rv64-O2.polkavm');

test('the engine rejects an unknown translation mode and a chunk size that is not a positive integer', () => {
  assert.throws(() => new Engine({ backend: 'compiler', translation: 'sometimes' as 'lazy' }), InvalidArgumentError);
  for (const lazyChunkBytes of [0, -1, 1.5, Number.NaN]) {
    assert.throws(() => new Engine({ backend: 'compiler', lazyChunkBytes }), InvalidArgumentError, String(lazyChunkBytes));
  }
});

test("'auto' translates lazily from the threshold on; 'eager' and 'lazy' regardless of size", () => {
  const auto = new Engine({ backend: 'compiler' });
  assert.equal(auto.translation, 'auto');
  assert.equal(auto.lazyChunkBytesFor(LAZY_TRANSLATION_THRESHOLD - 1), 0);
  assert.equal(auto.lazyChunkBytesFor(LAZY_TRANSLATION_THRESHOLD), 16 * 1024);
  assert.equal(new Engine({ backend: 'compiler', translation: 'eager' }).lazyChunkBytesFor(1 << 30), 0);
  assert.equal(new Engine({ backend: 'compiler', translation: 'lazy', lazyChunkBytes: 100 }).lazyChunkBytesFor(10), 100);
});

test('lazy translation translates only the chunks that run, once, for every instance of the module', () => {
  // The abi guest has 17 small exports; one of them runs a small part of its code.
  const module = Module.fromBlob(new Engine({ backend: 'compiler', translation: 'lazy', lazyChunkBytes: 64 }), ABI);
  const chunks = module.compiledWasm().program.chunks;
  assert.ok(chunks !== null && chunks.chunkCount > 10, 'the program is split into many chunks');
  const linker = new Linker().define('ext_sum9', () => 0n).define('ext_record', () => 0n).define('ext_increment64', () => 0n);
  const first = linker.instantiate(module);
  assert.equal(chunks.translatedCount, 0, 'nothing is translated before it runs');
  assert.equal(first.call('negate_i32', [5]), 0xffff_ffff_ffff_fffbn);
  const translated = chunks.translatedCount;
  assert.ok(translated > 0 && translated < 4, `${translated} of ${chunks.chunkCount} chunks translated`);

  const second = linker.instantiate(module);
  assert.equal(second.call('negate_i32', [7]), 0xffff_ffff_ffff_fff9n);
  assert.equal(chunks.translatedCount, translated, 'the second instance reuses the translated chunks');
  assert.equal(first.call('negate_i32', [-2]), 2n);
});

test('a lazily translated program gives the same results as an eager one, with and without gas metering', () => {
  for (const gasMetering of [undefined, 'sync', 'async'] as const) {
    const results = [1, 2, 5].map((lazyChunkBytes) => {
      const engine = new Engine({ backend: 'compiler', translation: lazyChunkBytes === 1 ? 'eager' : 'lazy', lazyChunkBytes });
      const instance = new Linker().instantiate(Module.fromBlob(engine, NQUEENS, gasMetering === undefined ? {} : { gasMetering }));
      instance.setGas(1n << 40n);
      return [instance.call('nqueens', [7]), instance.gas];
    });
    assert.deepEqual(results[1], results[0], `${gasMetering ?? 'no'} gas, 2-byte chunks`);
    assert.deepEqual(results[2], results[0], `${gasMetering ?? 'no'} gas, 5-byte chunks`);
  }
});
