import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { forEachVariant, loadModule, stdoutLinker, variantName } from './guest-helpers.js';

/** The guest's pattern: byte i = (i * 31 + (i >> 8) + 7) mod 256. */
function pattern(length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = (i * 31 + (i >>> 8) + 7) & 0xff;
  return bytes;
}

const sha256 = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

forEachVariant('sha256', (v, skip) => {
  test(`sha256 (${variantName(v)}): digests of the guest-generated pattern match node:crypto`, { skip }, () => {
    const output = { text: '' };
    const instance = stdoutLinker(output).instantiate(loadModule('sha256', v));
    for (const length of [0, 1, 55, 56, 63, 64, 65, 1000, 65_537]) {
      output.text = '';
      const address = Number(instance.call('sha256_pattern', [length]));
      const expected = sha256(pattern(length));
      assert.equal(hex(instance.readMemory(address, 32)), expected, `length ${length}`);
      assert.equal(output.text, `sha256(pattern, ${length}) = ${expected}\n`);
    }
  });

  test(`sha256 (${variantName(v)}): hashes data the host writes into the guest`, { skip }, () => {
    const instance = stdoutLinker({ text: '' }).instantiate(loadModule('sha256', v));
    for (const length of [3, 200, 5000]) {
      const data = new Uint8Array(length);
      for (let i = 0; i < length; i++) data[i] = (i * i + 17) & 0xff;
      const buffer = Number(instance.call('input_buffer', [length]));
      assert.notEqual(buffer, 0);
      instance.writeMemory(buffer, data);
      const address = Number(instance.call('sha256', [buffer, length]));
      assert.equal(hex(instance.readMemory(address, 32)), sha256(data), `length ${length}`);
    }
  });
});
