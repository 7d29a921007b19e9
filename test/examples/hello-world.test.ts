import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { assemble } from '../../src/asm/assembler.js';
import { Linker } from '../../src/api/linker.js';
import { Module } from '../../src/api/module.js';
import { testEngine } from '../helpers/backend.js';

const dir = 'examples/hello-world';

test('the checked-in hello-world blob is exactly what its source assembles to', () => {
  const built = assemble(readFileSync(`${dir}/hello-world.s`, 'utf8')).toBytes();
  assert.deepEqual(built, new Uint8Array(readFileSync(`${dir}/hello-world.polkavm`)));
});

test('hello-world greets through ext_stdout and returns the sum of its arguments', () => {
  const module = Module.fromBlob(testEngine(), readFileSync(`${dir}/hello-world.polkavm`), { gasMetering: 'sync' });
  let printed = '';
  const instance = new Linker()
    .define('ext_stdout', (caller, pointer, length) => {
      printed += new TextDecoder().decode(caller.readMemory(Number(pointer), Number(length)));
      return length;
    })
    .instantiate(module);
  instance.setGas(100n);
  assert.equal(instance.call('add_numbers', [1, 10]), 11n);
  assert.equal(printed, 'Hello, world!\n');
  assert.equal(instance.gas, 94n);
});
