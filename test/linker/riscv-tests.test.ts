import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { link } from '../../src/linker/index.js';
import { Engine } from '../../src/api/engine.js';
import { Module } from '../../src/api/module.js';
import { RETURN_TO_HOST_ADDRESS } from '../../src/program/code-and-jump-table.js';

// The reference's compiled riscv-tests (rv32/rv64 ui, um, ua, uc, uzbb); they are not part of this repository,
// so this only runs where a checkout of the reference is available.
const ROOT = process.env['POLKAVM_RISCV_TESTS'] ?? '/work/ref/polkavm/guest-programs/riscv-tests/output';
const missing = existsSync(ROOT) ? false : `the reference riscv-tests ELFs are not available (${ROOT}); set POLKAVM_RISCV_TESTS`;

function runTest(elf: Uint8Array, optLevel: 0 | 1 | 2): string {
  // Linked and run the way the reference's tests_riscv.rs does.
  const { bytes } = link(elf, { optLevel, strip: true, minStackSize: 0 });
  const module = Module.fromBlob(new Engine(), bytes, { gasMetering: 'sync' });
  const instance = module.instantiate();
  instance.setGas(10_000);
  instance.setReg(0, RETURN_TO_HOST_ADDRESS);
  const main = module.exports.find((e) => e.name === 'main');
  assert.ok(main, 'no main export');
  instance.setNextProgramCounter(main.programCounter);
  return instance.run().kind;
}

const suites = missing ? [] : readdirSync(ROOT).sort();
test('riscv-tests: every test ELF links and finishes (unoptimized and optimized)', { skip: missing }, () => {
  let count = 0;
  for (const suite of suites) {
    for (const file of readdirSync(join(ROOT, suite)).sort()) {
      if (!file.endsWith('.elf')) continue;
      const elf = readFileSync(join(ROOT, suite, file));
      for (const optLevel of [0, 1, 2] as const) assert.equal(runTest(elf, optLevel), 'finished', `${suite}/${file} at O${optLevel}`);
      count++;
    }
  }
  assert.equal(count, 180);
});
