/**
 * The textual syntax of operators, keyed by the operator as written and mapping to instruction names of the
 * instruction table. Shared knowledge of the assembler (text → instruction); the formatter has its own templates.
 */
import type { InstructionName } from '../isa/instruction-table.js';

/** Instruction for the plain (64-bit) form and for the `i32`-prefixed form; null = that form is not supported. */
export type Variants = readonly [plain: InstructionName | null, i32: InstructionName | null];

/** `d = a OP b` for each combination of register (r) and immediate (i) operands. */
export interface BinaryOperator {
  readonly rr: Variants;
  /** The register-register form takes its sources swapped (`a >u b` is `b <u a`). */
  readonly rrSwapped?: boolean;
  readonly ri: Variants;
  /** The register-immediate form negates the immediate (`a - 5` is `a + -5`). */
  readonly riNegated?: boolean;
  readonly ir: Variants;
}

const none: Variants = [null, null];

/** Binary operators; longer spellings first so that a regular expression alternation prefers them. */
export const BINARY_OPERATORS: ReadonlyMap<string, BinaryOperator> = new Map<string, BinaryOperator>([
  ['& ~', { rr: ['and_inverted', null], ri: none, ir: none }],
  ['| ~', { rr: ['or_inverted', null], ri: none, ir: none }],
  ['mulhsu', { rr: ['mul_upper_signed_unsigned', null], ri: none, ir: none }],
  ['mulhu', { rr: ['mul_upper_unsigned_unsigned', null], ri: none, ir: none }],
  ['mulh', { rr: ['mul_upper_signed_signed', null], ri: none, ir: none }],
  ['>>a', {
    rr: ['shift_arithmetic_right_64', 'shift_arithmetic_right_32'],
    ri: ['shift_arithmetic_right_imm_64', 'shift_arithmetic_right_imm_32'],
    ir: ['shift_arithmetic_right_imm_alt_64', 'shift_arithmetic_right_imm_alt_32'],
  }],
  ['>>r', {
    rr: ['rotate_right_64', 'rotate_right_32'],
    ri: ['rotate_right_imm_64', 'rotate_right_imm_32'],
    ir: ['rotate_right_imm_alt_64', 'rotate_right_imm_alt_32'],
  }],
  ['<<r', { rr: ['rotate_left_64', 'rotate_left_32'], ri: none, ir: none }],
  ['<<', {
    rr: ['shift_logical_left_64', 'shift_logical_left_32'],
    ri: ['shift_logical_left_imm_64', 'shift_logical_left_imm_32'],
    ir: ['shift_logical_left_imm_alt_64', 'shift_logical_left_imm_alt_32'],
  }],
  ['>>', {
    rr: ['shift_logical_right_64', 'shift_logical_right_32'],
    ri: ['shift_logical_right_imm_64', 'shift_logical_right_imm_32'],
    ir: ['shift_logical_right_imm_alt_64', 'shift_logical_right_imm_alt_32'],
  }],
  ['<u', { rr: ['set_less_than_unsigned', null], ri: ['set_less_than_unsigned_imm', null], ir: ['set_greater_than_unsigned_imm', null] }],
  ['<s', { rr: ['set_less_than_signed', null], ri: ['set_less_than_signed_imm', null], ir: ['set_greater_than_signed_imm', null] }],
  ['>u', {
    rr: ['set_less_than_unsigned', null],
    rrSwapped: true,
    ri: ['set_greater_than_unsigned_imm', null],
    ir: ['set_less_than_unsigned_imm', null],
  }],
  ['>s', {
    rr: ['set_less_than_signed', null],
    rrSwapped: true,
    ri: ['set_greater_than_signed_imm', null],
    ir: ['set_less_than_signed_imm', null],
  }],
  ['/u', { rr: ['div_unsigned_64', 'div_unsigned_32'], ri: none, ir: none }],
  ['/s', { rr: ['div_signed_64', 'div_signed_32'], ri: none, ir: none }],
  ['%u', { rr: ['rem_unsigned_64', 'rem_unsigned_32'], ri: none, ir: none }],
  ['%s', { rr: ['rem_signed_64', 'rem_signed_32'], ri: none, ir: none }],
  ['+', { rr: ['add_64', 'add_32'], ri: ['add_imm_64', 'add_imm_32'], ir: ['add_imm_64', 'add_imm_32'] }],
  ['-', {
    rr: ['sub_64', 'sub_32'],
    ri: ['add_imm_64', 'add_imm_32'],
    riNegated: true,
    ir: ['negate_and_add_imm_64', 'negate_and_add_imm_32'],
  }],
  ['*', { rr: ['mul_64', 'mul_32'], ri: ['mul_imm_64', 'mul_imm_32'], ir: ['mul_imm_64', 'mul_imm_32'] }],
  ['&', { rr: ['and', null], ri: ['and_imm', null], ir: ['and_imm', null] }],
  ['|', { rr: ['or', null], ri: ['or_imm', null], ir: ['or_imm', null] }],
  ['^', { rr: ['xor', null], ri: ['xor_imm', null], ir: ['xor_imm', null] }],
]);

/** `d = name s` unary operations (`sbrk` is our extension; the reference assembler cannot parse it). */
export const UNARY_OPERATORS: ReadonlyMap<string, Variants> = new Map<string, Variants>([
  ['cpop', ['count_set_bits_64', 'count_set_bits_32']],
  ['clz', ['count_leading_zero_bits_64', 'count_leading_zero_bits_32']],
  ['ctz', ['count_trailing_zero_bits_64', 'count_trailing_zero_bits_32']],
  ['sext8', ['sign_extend_8', 'sign_extend_8']],
  ['sext16', ['sign_extend_16', 'sign_extend_16']],
  ['zext16', ['zero_extend_16', 'zero_extend_16']],
  ['reverse', ['reverse_byte', 'reverse_byte']],
  ['sbrk', ['sbrk', 'sbrk']],
]);

/** `d = name(a, b)` operations. */
export const CALL_OPERATORS: ReadonlyMap<string, InstructionName> = new Map<string, InstructionName>([
  ['maxs', 'maximum'],
  ['maxu', 'maximum_unsigned'],
  ['mins', 'minimum'],
  ['minu', 'minimum_unsigned'],
]);

/** A branch condition `a OP b`. */
export interface Condition {
  /** Register-register branch, and whether its operands are swapped (`a <=u b` is `b >=u a`). */
  readonly rr: readonly [InstructionName, boolean];
  /** Register-immediate branch. */
  readonly ri: InstructionName;
  /** The same condition with its operands exchanged, to turn `imm OP reg` into `reg OP' imm`. */
  readonly reversed: string;
}

export const CONDITIONS: ReadonlyMap<string, Condition> = new Map<string, Condition>([
  ['==', { rr: ['branch_eq', false], ri: 'branch_eq_imm', reversed: '==' }],
  ['!=', { rr: ['branch_not_eq', false], ri: 'branch_not_eq_imm', reversed: '!=' }],
  ['<u', { rr: ['branch_less_unsigned', false], ri: 'branch_less_unsigned_imm', reversed: '>u' }],
  ['<s', { rr: ['branch_less_signed', false], ri: 'branch_less_signed_imm', reversed: '>s' }],
  ['>=u', { rr: ['branch_greater_or_equal_unsigned', false], ri: 'branch_greater_or_equal_unsigned_imm', reversed: '<=u' }],
  ['>=s', { rr: ['branch_greater_or_equal_signed', false], ri: 'branch_greater_or_equal_signed_imm', reversed: '<=s' }],
  ['<=u', { rr: ['branch_greater_or_equal_unsigned', true], ri: 'branch_less_or_equal_unsigned_imm', reversed: '>=u' }],
  ['<=s', { rr: ['branch_greater_or_equal_signed', true], ri: 'branch_less_or_equal_signed_imm', reversed: '>=s' }],
  ['>u', { rr: ['branch_less_unsigned', true], ri: 'branch_greater_unsigned_imm', reversed: '<u' }],
  ['>s', { rr: ['branch_less_signed', true], ri: 'branch_greater_signed_imm', reversed: '<s' }],
]);

/** Load widths: `d = u8 [..]` etc. */
export const LOADS: ReadonlyMap<string, readonly [indirect: InstructionName, absolute: InstructionName]> = new Map([
  ['u8', ['load_indirect_u8', 'load_u8']],
  ['i8', ['load_indirect_i8', 'load_i8']],
  ['u16', ['load_indirect_u16', 'load_u16']],
  ['i16', ['load_indirect_i16', 'load_i16']],
  ['u32', ['load_indirect_u32', 'load_u32']],
  ['i32', ['load_indirect_i32', 'load_i32']],
  ['u64', ['load_indirect_u64', 'load_u64']],
] as const);

/** Store widths: register source (indirect, absolute) and immediate source (indirect, absolute). */
export const STORES: ReadonlyMap<string, readonly [InstructionName, InstructionName, InstructionName, InstructionName]> = new Map([
  ['u8', ['store_indirect_u8', 'store_u8', 'store_imm_indirect_u8', 'store_imm_u8']],
  ['u16', ['store_indirect_u16', 'store_u16', 'store_imm_indirect_u16', 'store_imm_u16']],
  ['u32', ['store_indirect_u32', 'store_u32', 'store_imm_indirect_u32', 'store_imm_u32']],
  ['u64', ['store_indirect_u64', 'store_u64', 'store_imm_indirect_u64', 'store_imm_u64']],
] as const);
