/**
 * The benchmark harness's own parts: generated programs (sized as asked, runnable, identical on both backends),
 * byte-distinct load variants, side-by-side measurement, and the native build of a guest against
 * bench/native/polkavm.h (when clang-19 is installed).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Engine } from '../../src/api/engine.js';
import { Linker } from '../../src/api/linker.js';
import { Module } from '../../src/api/module.js';
import { ProgramBlob } from '../../src/program/program-blob.js';
import { Reg } from '../../src/isa/registers.js';
import { generateProgram } from '../../bench/generated-program.js';
import { GUEST_WORKLOADS, type GuestWorkload } from '../../bench/guest-workloads.js';
import { variant } from '../../bench/load-variants.js';
import { NativeGuests } from '../../bench/native-guests.js';
import { measureSideBySide } from '../../bench/side-by-side.js';
import { markdownTable } from '../../bench/table.js';

test('generated programs have the code size asked for, within 2%', () => {
  for (const size of [10 * 1024, 50 * 1024]) {
    const blob = generateProgram(size, 5);
    assert.ok(Math.abs(blob.code.length - size) <= size * 0.02, `${blob.code.length} bytes for ${size}`);
    assert.deepEqual(ProgramBlob.parse(blob.toBytes()).code, blob.code);
  }
});

test('a generated program runs to completion with the same registers and gas on both backends', () => {
  const bytes = generateProgram(20 * 1024, 3).toBytes();
  const outcomes = (['interpreter', 'compiler'] as const).map((backend) => {
    const instance = new Linker().instantiate(Module.fromBlob(new Engine({ backend }), bytes, { gasMetering: 'sync' }));
    instance.setGas(10_000_000n);
    instance.call('main', [1, 2, 3]);
    return { registers: [Reg.A0, Reg.A1, Reg.A2, Reg.T0, Reg.S1].map((r) => instance.reg(r)), gas: instance.gas };
  });
  assert.deepEqual(outcomes[0], outcomes[1]);
  assert.ok(outcomes[0]!.gas < 10_000_000n - 100n, 'the program runs more than a few instructions');
});

test('load variants keep the code and differ in their bytes', () => {
  const blob = generateProgram(10 * 1024, 1);
  const [a, b] = [variant(blob, 1), variant(blob, 2)];
  assert.notDeepEqual(a, b);
  assert.deepEqual(ProgramBlob.parse(a).code, blob.code);
  assert.equal(ProgramBlob.parse(b).rwDataSize, blob.rwDataSize + 2 * 0x10000);
});

const nqueens: GuestWorkload = { program: 'nqueens', exportName: 'nqueens', args: [6], result: (_instance, a0) => String(a0) };

test('side-by-side measurement runs every configuration, counts instructions and checks results', () => {
  const bytes = readFileSync('guest/bin/nqueens-rv64-O2.polkavm');
  const measured = measureSideBySide(nqueens, bytes, [
    { backend: 'interpreter', gas: false, runs: 1 },
    { backend: 'compiler', gas: false, runs: 2 },
    { backend: 'compiler', gas: true, runs: 2 },
    { backend: 'interpreter', gas: true, runs: 0 },
  ]);
  assert.equal(measured.result, '4');
  assert.deepEqual(measured.ms.map((runs) => runs.length), [1, 2, 2, 0]);
  assert.ok(measured.instructions !== null && measured.instructions > 100);
});

test('Markdown tables pad their columns', () => {
  assert.deepEqual(markdownTable(['a', 'bb'], [['xyz', '1']]), ['| a   |  bb |', '|-----|----:|', '| xyz |   1 |']);
});

const native = NativeGuests.open('clang-19');
test('a guest built natively against bench/native/polkavm.h computes the guest’s answer', { skip: typeof native === 'string' ? native : false }, (t) => {
  if (typeof native === 'string') return;
  t.after(() => native.dispose());
  const sieve = GUEST_WORKLOADS.find((w) => w.program === 'sieve')!;
  const run = native.run(native.build(sieve, null), { ...sieve, args: [1_000_000] }, 2);
  assert.equal(run.result, '78498');
  assert.equal(run.ms.length, 2);
});
