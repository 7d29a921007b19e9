import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { InstructionName } from '../../src/isa/instruction-table.js';
import { asm, buildProgram, moduleOf, Reg, startAt, type TestInstruction } from '../helpers/program.js';

const { A0, A1, A2 } = Reg;
const MAX = 0xffff_ffff_ffff_ffffn;
const MIN64 = 0x8000_0000_0000_0000n;
/** Value the destination holds before the instruction (visible when a conditional move does nothing). */
const PRESET = 0x5555n;

type Isa = 'latest32' | 'latest64';

/** Runs `[instruction, ret]` with a0/a1 preset and returns a2. */
function execute(isa: Isa, instruction: TestInstruction, a0: bigint, a1 = 0n): bigint {
  const instance = startAt(moduleOf(buildProgram({ isa, code: [instruction, asm.ret()] })));
  instance.setReg(A0, a0);
  instance.setReg(A1, a1);
  instance.setReg(A2, PRESET);
  assert.equal(instance.run().kind, 'finished');
  return instance.reg(A2);
}

function hex(value: bigint): string {
  return `0x${value.toString(16)}`;
}

type ThreeRegisterCase = [name: InstructionName, a: bigint, b: bigint, expected: bigint];
type ImmediateCase = [name: InstructionName, register: bigint, imm: number, expected: bigint];
type TwoRegisterCase = [name: InstructionName, source: bigint, expected: bigint];

function checkThreeRegister(isa: Isa, cases: readonly ThreeRegisterCase[]): void {
  for (const [name, a, b, expected] of cases) {
    const actual = execute(isa, asm.rrr(name, A2, A0, A1), a, b);
    assert.equal(actual, expected, `${isa} ${name}(${hex(a)}, ${hex(b)}) = ${hex(actual)}, expected ${hex(expected)}`);
  }
}

function checkImmediate(isa: Isa, cases: readonly ImmediateCase[]): void {
  for (const [name, register, imm, expected] of cases) {
    const actual = execute(isa, asm.rri(name, A2, A0, imm), register);
    assert.equal(actual, expected, `${isa} ${name}(${hex(register)}, imm ${imm}) = ${hex(actual)}, expected ${hex(expected)}`);
  }
}

function checkTwoRegister(isa: Isa, cases: readonly TwoRegisterCase[]): void {
  for (const [name, source, expected] of cases) {
    const actual = execute(isa, asm.rr(name, A2, A0), source);
    assert.equal(actual, expected, `${isa} ${name}(${hex(source)}) = ${hex(actual)}, expected ${hex(expected)}`);
  }
}

test('64-bit programs: *_32 operations work on the low halves and sign-extend the 32-bit result', () => {
  checkThreeRegister('latest64', [
    ['add_32', 0x3333333322222222n, 0x3333333366666666n, 0xffffffff88888888n],
    ['add_32', 0xffffffffn, 1n, 0n],
    ['sub_32', 0n, 0x80000000n, 0xffffffff80000000n],
    ['mul_32', 0x10001n, 0x10001n, 0x20001n],
    ['mul_32', 0x80000000n, 1n, 0xffffffff80000000n],
    ['shift_logical_left_32', 1n, 31n, 0xffffffff80000000n],
    ['shift_logical_right_32', 0xffffffff80000000n, 31n, 1n],
  ]);
  checkImmediate('latest64', [
    ['add_imm_32', 0xffffffffn, 1, 0n],
    ['add_imm_32', 0x7fffffffn, 1, 0xffffffff80000000n],
    ['mul_imm_32', 0x40000000n, 4, 0n],
    ['shift_logical_left_imm_32', 1n, 31, 0xffffffff80000000n],
    ['shift_logical_right_imm_32', 0x1_8000_0000n, 31, 1n],
    ['shift_arithmetic_right_imm_32', 0x80000000n, 4, 0xfffffffff8000000n],
    ['negate_and_add_imm_32', 3n, 10, 7n],
    ['negate_and_add_imm_32', 1n, 0, MAX],
  ]);
});

test('64-bit programs: 64-bit arithmetic wraps modulo 2^64 and immediates are sign-extended', () => {
  checkThreeRegister('latest64', [
    ['add_64', MAX, 2n, 1n],
    ['sub_64', 0n, 0xffffffff80000000n, 0x80000000n],
    ['mul_64', MAX, 2n, 0xfffffffffffffffen],
  ]);
  checkImmediate('latest64', [
    ['add_imm_64', 1n, -2, MAX],
    ['mul_imm_64', 0x40000000n, 4, 0x1_0000_0000n],
    ['negate_and_add_imm_64', 1n, 0, MAX],
    ['negate_and_add_imm_64', 0x1_0000_0000n, 0, 0xffffffff00000000n],
  ]);
});

test('32-bit division and remainder follow RISC-V: no traps on zero or overflow', () => {
  checkThreeRegister('latest64', [
    ['div_unsigned_32', 7n, 0n, MAX],
    ['div_unsigned_32', 0xfffffffffffffffen, 2n, 0x7fffffffn],
    ['div_signed_32', 7n, 0n, MAX],
    ['div_signed_32', 0x80000000n, 0xffffffffn, 0xffffffff80000000n],
    ['div_signed_32', 0xfffffff9n, 2n, 0xfffffffffffffffdn],
    ['rem_unsigned_32', 0x80000001n, 0n, 0xffffffff80000001n],
    ['rem_unsigned_32', 10n, 9n, 1n],
    ['rem_signed_32', 0x80000000n, 0xffffffffn, 0n],
    ['rem_signed_32', 0xfffffff9n, 2n, MAX],
    ['rem_signed_32', 7n, 0xfffffffen, 1n],
    ['rem_signed_32', 0xfffffff9n, 0n, 0xfffffffffffffff9n],
  ]);
  checkThreeRegister('latest32', [
    ['div_unsigned_32', 7n, 0n, 0xffffffffn],
    ['div_unsigned_32', 0xffffffffn, 2n, 0x7fffffffn],
    ['div_signed_32', 7n, 0n, 0xffffffffn],
    ['div_signed_32', 0x80000000n, 0xffffffffn, 0x80000000n],
    ['div_signed_32', 0xfffffff9n, 2n, 0xfffffffdn],
    ['rem_unsigned_32', 0x80000001n, 0n, 0x80000001n],
    ['rem_signed_32', 0x80000000n, 0xffffffffn, 0n],
    ['rem_signed_32', 0xfffffff9n, 2n, 0xffffffffn],
    ['rem_signed_32', 0xfffffff9n, 0n, 0xfffffff9n],
  ]);
});

test('64-bit division and remainder follow RISC-V: no traps on zero or overflow', () => {
  checkThreeRegister('latest64', [
    ['div_unsigned_64', 7n, 0n, MAX],
    ['div_unsigned_64', MAX, 2n, 0x7fffffffffffffffn],
    ['div_signed_64', MIN64, MAX, MIN64],
    ['div_signed_64', 7n, 0n, MAX],
    ['div_signed_64', 0xfffffffffffffff9n, 2n, 0xfffffffffffffffdn],
    ['rem_unsigned_64', 0x8000000000000001n, 0n, 0x8000000000000001n],
    ['rem_unsigned_64', MAX, 10n, 5n],
    ['rem_signed_64', MIN64, MAX, 0n],
    ['rem_signed_64', 0xfffffffffffffff9n, 2n, MAX],
    ['rem_signed_64', 0xfffffffffffffff9n, 0n, 0xfffffffffffffff9n],
  ]);
});

test('shift and rotate amounts are masked to the operand width', () => {
  checkThreeRegister('latest64', [
    ['shift_logical_left_32', 1n, 33n, 2n],
    ['shift_logical_right_32', 0x80000000n, 63n, 1n],
    ['shift_arithmetic_right_32', 0x80000000n, 31n, MAX],
    ['shift_logical_left_64', 1n, 65n, 2n],
    ['shift_logical_right_64', MIN64, 127n, 1n],
    ['shift_arithmetic_right_64', MIN64, 63n, MAX],
    ['rotate_left_32', 0x80000001n, 1n, 3n],
    ['rotate_right_32', 3n, 1n, 0xffffffff80000001n],
    ['rotate_right_32', 3n, 33n, 0xffffffff80000001n],
    ['rotate_left_64', 0x8000000000000001n, 1n, 3n],
    ['rotate_right_64', 3n, 1n, 0x8000000000000001n],
    ['rotate_right_64', 3n, 65n, 0x8000000000000001n],
  ]);
  checkThreeRegister('latest32', [
    ['shift_logical_left_32', 1n, 33n, 2n],
    ['shift_logical_right_32', 0x80000000n, 63n, 1n],
    ['shift_arithmetic_right_32', 0x80000000n, 31n, 0xffffffffn],
    ['rotate_left_32', 0x80000001n, 1n, 3n],
    ['rotate_right_32', 3n, 1n, 0x80000001n],
  ]);
  checkImmediate('latest64', [
    ['shift_logical_left_imm_64', 1n, 63, MIN64],
    ['shift_logical_right_imm_64', MAX, 60, 0xfn],
    ['shift_arithmetic_right_imm_64', MIN64, 60, 0xfffffffffffffff8n],
    ['rotate_right_imm_64', 3n, 1, 0x8000000000000001n],
    ['rotate_right_imm_32', 3n, 1, 0xffffffff80000001n],
  ]);
});

test('*_imm_alt instructions shift or rotate the immediate by the register', () => {
  checkImmediate('latest64', [
    ['shift_logical_left_imm_alt_32', 33n, 3, 6n],
    ['shift_logical_right_imm_alt_32', 4n, -0x80000000, 0x08000000n],
    ['shift_arithmetic_right_imm_alt_32', 4n, -0x80000000, 0xfffffffff8000000n],
    ['shift_logical_left_imm_alt_64', 4n, -1, 0xfffffffffffffff0n],
    ['shift_logical_right_imm_alt_64', 60n, -1, 0xfn],
    ['shift_arithmetic_right_imm_alt_64', 60n, -0x80000000, MAX],
    ['rotate_right_imm_alt_64', 4n, 0x10, 1n],
    ['rotate_right_imm_alt_64', 1n, 1, MIN64],
    ['rotate_right_imm_alt_32', 1n, 3, 0xffffffff80000001n],
  ]);
  checkImmediate('latest32', [
    ['shift_logical_left_imm_alt_32', 33n, 3, 6n],
    ['rotate_right_imm_alt_32', 1n, 3, 0x80000001n],
  ]);
});

test('rotate_right_imm_alt_64 with the rotated value equal to the amount register (reference regression)', () => {
  // d = rotr(sext(0x80000000), a0 & 63) with a0 = 0xffffffff80000000: the amount is 0.
  const instance = startAt(moduleOf(buildProgram({ isa: 'latest64', code: [asm.rri('rotate_right_imm_alt_64', A0, A0, 0x80000000), asm.ret()] })));
  instance.setReg(A0, 0xffffffff80000000n);
  assert.equal(instance.run().kind, 'finished');
  assert.equal(instance.reg(A0), 0xffffffff80000000n);
});

test('bit counting: zero inputs and the 0xFFFF0000 pattern', () => {
  checkTwoRegister('latest64', [
    ['count_leading_zero_bits_32', 0n, 32n],
    ['count_leading_zero_bits_64', 0n, 64n],
    ['count_leading_zero_bits_64', 0xffff0000n, 32n],
    ['count_leading_zero_bits_64', 1n, 63n],
    ['count_leading_zero_bits_32', 0xffffffff00000001n, 31n],
    ['count_trailing_zero_bits_32', 0n, 32n],
    ['count_trailing_zero_bits_64', 0n, 64n],
    ['count_trailing_zero_bits_64', 0xffff0000n, 16n],
    ['count_trailing_zero_bits_32', 0x1_0000_0000n, 32n],
    ['count_set_bits_64', MAX, 64n],
    ['count_set_bits_32', 0xffffffff0000000fn, 4n],
  ]);
  checkTwoRegister('latest32', [
    ['count_leading_zero_bits_32', 0n, 32n],
    ['count_leading_zero_bits_32', 1n, 31n],
    ['count_trailing_zero_bits_32', 0n, 32n],
    ['count_trailing_zero_bits_32', 0x80000000n, 31n],
    ['count_set_bits_32', 0xffffffffn, 32n],
  ]);
});

test('reverse_byte reverses 8 bytes in 64-bit programs and 4 bytes in 32-bit programs', () => {
  checkTwoRegister('latest64', [
    ['reverse_byte', 0x0102030405060708n, 0x0807060504030201n],
    ['reverse_byte', 0xffn, 0xff00000000000000n],
  ]);
  checkTwoRegister('latest32', [
    ['reverse_byte', 0x01020304n, 0x04030201n],
    ['reverse_byte', 0xffn, 0xff000000n],
  ]);
});

test('sign and zero extension', () => {
  checkTwoRegister('latest64', [
    ['sign_extend_8', 0x80n, 0xffffffffffffff80n],
    ['sign_extend_8', 0x17fn, 0x7fn],
    ['sign_extend_16', 0x8000n, 0xffffffffffff8000n],
    ['sign_extend_16', 0xffffffff00007fffn, 0x7fffn],
    ['zero_extend_16', 0xffffffffffff1234n, 0x1234n],
    ['move_reg', MAX, MAX],
  ]);
  checkTwoRegister('latest32', [
    ['sign_extend_8', 0x80n, 0xffffff80n],
    ['sign_extend_16', 0x8000n, 0xffff8000n],
    ['zero_extend_16', 0xffff1234n, 0x1234n],
  ]);
});

test('multiply-high variants', () => {
  checkThreeRegister('latest64', [
    ['mul_upper_signed_signed', MAX, MAX, 0n],
    ['mul_upper_signed_signed', 1n << 62n, 4n, 1n],
    ['mul_upper_signed_signed', MIN64, 2n, MAX],
    ['mul_upper_unsigned_unsigned', MAX, MAX, 0xfffffffffffffffen],
    ['mul_upper_signed_unsigned', MAX, MAX, MAX],
    ['mul_upper_signed_unsigned', 2n, MAX, 1n],
  ]);
  checkThreeRegister('latest32', [
    ['mul_upper_signed_signed', 0xffffffffn, 0xffffffffn, 0n],
    ['mul_upper_signed_signed', 0x40000000n, 4n, 1n],
    ['mul_upper_unsigned_unsigned', 0xffffffffn, 0xffffffffn, 0xfffffffen],
    ['mul_upper_signed_unsigned', 0xffffffffn, 0xffffffffn, 0xffffffffn],
    ['mul_upper_signed_unsigned', 2n, 0xffffffffn, 1n],
  ]);
});

test('bitwise operations, including the inverted forms', () => {
  checkThreeRegister('latest64', [
    ['and', 0xff00ff00ff00ff00n, 0x0ff00ff00ff00ff0n, 0x0f000f000f000f00n],
    ['or', 0xf0n, 0x0fn, 0xffn],
    ['xor', MAX, 1n, 0xfffffffffffffffen],
    ['and_inverted', 0xffn, 0x0fn, 0xf0n],
    ['or_inverted', 0n, 0n, MAX],
    ['or_inverted', 1n, MAX, 1n],
    ['xnor', 0x1234n, 0x1234n, MAX],
    ['xnor', 0n, MAX, 0n],
  ]);
  checkThreeRegister('latest32', [
    ['and_inverted', 0xffn, 0x0fn, 0xf0n],
    ['or_inverted', 0n, 0n, 0xffffffffn],
    ['xnor', 0x1234n, 0x1234n, 0xffffffffn],
  ]);
  checkImmediate('latest64', [
    ['and_imm', MAX, -2, 0xfffffffffffffffen],
    ['and_imm', MAX, 0x7f, 0x7fn],
    ['xor_imm', 0n, -1, MAX],
    ['or_imm', 0x1_0000_0000n, 1, 0x1_0000_0001n],
  ]);
  checkImmediate('latest32', [['and_imm', 0xffffffffn, -2, 0xfffffffen]]);
});

test('comparisons: signed and unsigned, register and immediate', () => {
  checkThreeRegister('latest64', [
    ['set_less_than_unsigned', 1n, MAX, 1n],
    ['set_less_than_unsigned', MAX, 1n, 0n],
    ['set_less_than_signed', MAX, 1n, 1n],
    ['set_less_than_signed', 1n, MAX, 0n],
  ]);
  checkThreeRegister('latest32', [
    ['set_less_than_unsigned', 1n, 0xffffffffn, 1n],
    ['set_less_than_signed', 0xffffffffn, 1n, 1n],
  ]);
  for (const isa of ['latest32', 'latest64'] as const) {
    const minusOne = isa === 'latest32' ? 0xffffffffn : MAX;
    checkImmediate(isa, [
      ['set_less_than_unsigned_imm', 5n, -1, 1n],
      ['set_less_than_signed_imm', 5n, -1, 0n],
      ['set_greater_than_unsigned_imm', minusOne, 5, 1n],
      ['set_greater_than_signed_imm', minusOne, 5, 0n],
      ['set_greater_than_signed_imm', 6n, 5, 1n],
    ]);
  }
});

test('minimum and maximum, signed and unsigned', () => {
  checkThreeRegister('latest64', [
    ['maximum', MAX, 1n, 1n],
    ['maximum_unsigned', MAX, 1n, MAX],
    ['minimum', MAX, 1n, MAX],
    ['minimum_unsigned', MAX, 1n, 1n],
    ['minimum', 0xffffffff7ffffffen, 0n, 0xffffffff7ffffffen],
    ['maximum', 0xffffffff7ffffffen, 0n, 0n],
  ]);
  checkThreeRegister('latest32', [
    ['maximum', 0xffffffffn, 1n, 1n],
    ['maximum_unsigned', 0xffffffffn, 1n, 0xffffffffn],
    ['minimum', 0xffffffffn, 1n, 0xffffffffn],
    ['minimum_unsigned', 0xffffffffn, 1n, 1n],
  ]);
});

test('conditional moves test the whole register and leave the destination alone otherwise', () => {
  checkThreeRegister('latest64', [
    ['cmov_if_zero', 7n, 0n, 7n],
    ['cmov_if_zero', 7n, 0x1_0000_0000n, PRESET],
    ['cmov_if_not_zero', 7n, 0x1_0000_0000n, 7n],
    ['cmov_if_not_zero', 7n, 0n, PRESET],
  ]);
  checkThreeRegister('latest32', [
    ['cmov_if_zero', 7n, 0n, 7n],
    ['cmov_if_not_zero', 7n, 0n, PRESET],
  ]);
  checkImmediate('latest64', [
    ['cmov_if_zero_imm', 0n, -1, MAX],
    ['cmov_if_zero_imm', 1n, -1, PRESET],
    ['cmov_if_not_zero_imm', 1n, 7, 7n],
    ['cmov_if_not_zero_imm', 0n, 7, PRESET],
  ]);
  checkImmediate('latest32', [['cmov_if_zero_imm', 0n, -1, 0xffffffffn]]);
});

test('load_imm sign-extends its immediate; load_imm64 loads all 64 bits', () => {
  const run = (isa: Isa, instruction: TestInstruction) => execute(isa, instruction, 0n);
  assert.equal(run('latest64', asm.loadImm(A2, -1)), MAX);
  assert.equal(run('latest64', asm.loadImm(A2, 0x7fffffff)), 0x7fffffffn);
  assert.equal(run('latest32', asm.loadImm(A2, -1)), 0xffffffffn);
  assert.equal(run('latest64', asm.loadImm64(A2, 0x8877665544332211n)), 0x8877665544332211n);
  assert.equal(run('latest64', asm.loadImm64(A2, 0x00000000ffffffffn)), 0xffffffffn);
  assert.equal(run('latest64', asm.loadImm64(A2, MAX)), MAX);
});

test('writes to a register never affect others, also when source and destination coincide', () => {
  const program = buildProgram({
    isa: 'latest64',
    code: [asm.rrr('add_64', A0, A0, A0), asm.rrr('sub_64', A1, A1, A1), asm.rri('add_imm_64', A2, A2, 1), asm.ret()],
  });
  const instance = startAt(moduleOf(program));
  instance.setReg(A0, 0x4000_0000_0000_0001n);
  instance.setReg(A1, 77);
  instance.setReg(A2, MAX);
  instance.setReg(Reg.A3, 0x1234);
  assert.equal(instance.run().kind, 'finished');
  assert.deepEqual([instance.reg(A0), instance.reg(A1), instance.reg(A2), instance.reg(Reg.A3)], [0x8000_0000_0000_0002n, 0n, 0n, 0x1234n]);
});
