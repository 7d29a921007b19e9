import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Engine } from '../../src/api/engine.js';
import { InvalidArgumentError, PolkaVMError } from '../../src/errors.js';
import { REGISTER_COUNT } from '../../src/isa/registers.js';
import { asm, buildProgram, moduleOf, Reg, RETURN_TO_HOST, startAt } from '../helpers/program.js';

const { A0, A1, A2, SP, RA } = Reg;

const ALL_REGISTERS = Array.from({ length: REGISTER_COUNT }, (_, i) => i);

test('32-bit programs: setReg truncates to 32 bits and reg() returns the low 32 bits zero-extended', () => {
  const instance = moduleOf(buildProgram({ isa: 'latest32', code: [asm.ret()] })).instantiate();
  instance.setReg(A0, -1n);
  assert.equal(instance.reg(A0), 0xffffffffn);
  instance.setReg(A0, 0x1_2345_6789n);
  assert.equal(instance.reg(A0), 0x2345_6789n);
  instance.setReg(A0, 0x8000_0000);
  assert.equal(instance.reg(A0), 0x8000_0000n);
  instance.setReg(A0, 0xffff_ffff_8000_0000n);
  assert.equal(instance.reg(A0), 0x8000_0000n);
});

test('32-bit programs: a host-set value with bit 31 set is seen sign-extended by the guest', () => {
  // a1 = (a0 <s 0), a2 = a0 >>u 31 via 32-bit shift; both only hold if the value is a negative i32.
  const program = buildProgram({
    isa: 'latest32',
    code: [asm.rri('set_less_than_signed_imm', A1, A0, 0), asm.rri('shift_logical_right_imm_32', A2, A0, 31), asm.ret()],
  });
  const instance = startAt(moduleOf(program));
  instance.setReg(A0, 0x8000_0000n);
  assert.equal(instance.run().kind, 'finished');
  assert.deepEqual([instance.reg(A1), instance.reg(A2)], [1n, 1n]);
});

test('64-bit programs: registers hold the full 64 bits, taken modulo 2^64', () => {
  const instance = moduleOf(buildProgram({ isa: 'latest64', code: [asm.ret()] })).instantiate();
  instance.setReg(A0, 0xffff_ffff_ffff_ffffn);
  assert.equal(instance.reg(A0), 0xffff_ffff_ffff_ffffn);
  instance.setReg(A0, -2n);
  assert.equal(instance.reg(A0), 0xffff_ffff_ffff_fffen);
  instance.setReg(A0, (1n << 64n) + 5n);
  assert.equal(instance.reg(A0), 5n);
  instance.setReg(A0, 0x1234_5678_9abc_def0n);
  assert.equal(instance.reg(A0), 0x1234_5678_9abc_def0n);
  instance.setReg(A0, Number.MAX_SAFE_INTEGER);
  assert.equal(instance.reg(A0), BigInt(Number.MAX_SAFE_INTEGER));
});

test('register accessors reject invalid register indices and non-integer values', () => {
  const instance = moduleOf(buildProgram({ code: [asm.ret()] })).instantiate();
  for (const bad of [-1, 13, 16, 1.5, Number.NaN]) {
    assert.throws(() => instance.reg(bad), InvalidArgumentError);
    assert.throws(() => instance.setReg(bad, 0), InvalidArgumentError);
  }
  assert.throws(() => instance.setReg(A0, 2 ** 60), InvalidArgumentError);
  assert.throws(() => instance.setReg(A0, 0.5), InvalidArgumentError);
});

test('a fresh instance has zeroed registers and no program counters', () => {
  const instance = moduleOf(buildProgram({ isa: 'latest64', code: [asm.ret()] })).instantiate();
  assert.deepEqual(ALL_REGISTERS.map((r) => instance.reg(r)), ALL_REGISTERS.map(() => 0n));
  assert.equal(instance.programCounter, null);
  assert.equal(instance.nextProgramCounter, null);
});

test('run() without a next program counter is an error, also after the guest finished', () => {
  const instance = moduleOf(buildProgram({ code: [asm.ret()] })).instantiate();
  assert.throws(() => instance.run(), (error: unknown) => error instanceof PolkaVMError && /next program counter is not set/.test(error.message));
  instance.setReg(RA, RETURN_TO_HOST);
  instance.setNextProgramCounter(0);
  assert.equal(instance.run().kind, 'finished');
  assert.equal(instance.nextProgramCounter, null);
  assert.throws(() => instance.run(), /next program counter is not set/);
});

test('setNextProgramCounter accepts any u32, clears the current program counter and rejects other values', () => {
  const program = buildProgram({ code: [asm.trap()] });
  const instance = startAt(moduleOf(program));
  assert.equal(instance.run().kind, 'trap');
  assert.equal(instance.programCounter, 0);
  for (const pc of [0, 1, 2, 1000, 0xffffffff]) {
    instance.setNextProgramCounter(pc);
    assert.equal(instance.programCounter, null);
    assert.equal(instance.nextProgramCounter, pc);
  }
  for (const bad of [-1, 2 ** 32, 0.5]) assert.throws(() => instance.setNextProgramCounter(bad), InvalidArgumentError);
});

test('prepareCall clears registers, sets sp/ra and the arguments, and the next program counter', () => {
  const program = buildProgram({ isa: 'latest64', stackSize: 0x4000, code: [asm.ret(), asm.loadImm(A0, 1), asm.ret()] });
  const module = moduleOf(program);
  const instance = module.instantiate();
  instance.setReg(Reg.S0, 99);
  instance.prepareCall(program.offsets[1]!, [7n, -1n]);
  assert.equal(instance.reg(Reg.S0), 0n);
  assert.equal(instance.reg(SP), BigInt(module.defaultSp));
  assert.equal(module.defaultSp, module.memoryMap.stackAddressHigh);
  assert.equal(instance.reg(RA), 0xffff0000n);
  assert.equal(instance.reg(A0), 7n);
  assert.equal(instance.reg(A1), 0xffff_ffff_ffff_ffffn);
  assert.equal(instance.nextProgramCounter, program.offsets[1]);
  assert.equal(instance.programCounter, null);
  assert.equal(instance.run().kind, 'finished');
  assert.equal(instance.reg(A0), 1n);
  assert.throws(() => instance.prepareCall(0, Array.from({ length: 10 }, () => 0)), InvalidArgumentError);
});

test('setGas accepts the whole i64 range and nothing beyond it', () => {
  const instance = moduleOf(buildProgram({ code: [asm.ret()] }), { gasMetering: 'sync' }).instantiate();
  assert.equal(instance.gas, 0n, 'a new metered instance starts with zero gas');
  for (const value of [(1n << 63n) - 1n, -(1n << 63n), 0n, -1n, 123]) {
    instance.setGas(value);
    assert.equal(instance.gas, BigInt(value));
  }
  assert.throws(() => instance.setGas(1n << 63n), InvalidArgumentError);
  assert.throws(() => instance.setGas(-(1n << 63n) - 1n), InvalidArgumentError);
});

test('the engine defaults to the interpreter, offers the compiler, and rejects unknown backends', () => {
  assert.equal(new Engine().backend, 'interpreter');
  assert.equal(new Engine({ backend: 'interpreter' }).backend, 'interpreter');
  assert.equal(new Engine({ backend: 'compiler' }).backend, 'compiler');
  assert.throws(() => new Engine({ backend: 'jit' as 'compiler' }), InvalidArgumentError);
});

test('trapping preserves every register (explicit trap and invalid store)', () => {
  for (const code of [[asm.trap()], [asm.storeImm('store_imm_u32', 0, 0x12345678), asm.ret()]]) {
    const instance = moduleOf(buildProgram({ code })).instantiate();
    instance.setNextProgramCounter(0);
    for (const r of ALL_REGISTERS) instance.setReg(r, r + 0x100);
    assert.equal(instance.run().kind, 'trap');
    assert.deepEqual(ALL_REGISTERS.map((r) => instance.reg(r)), ALL_REGISTERS.map((r) => BigInt(r + 0x100)));
  }
});
