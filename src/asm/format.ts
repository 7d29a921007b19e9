/**
 * Single-instruction text format: the reference disassembler's symbolic syntax (`a0 = a1 + a2`,
 * `u32 [sp + 0x4] = ra`, `jump @3 if a0 == 0`, …), which the assembler reads back.
 */
import type { DecodedInstruction } from '../isa/code.js';
import { INSTRUCTIONS, type InstructionName } from '../isa/instruction-table.js';
import { REGISTER_NAMES } from '../isa/registers.js';

/** Options of {@link formatInstruction}. */
export interface FormatOptions {
  /**
   * Produce text the assembler reads back as the same instruction, where the reference format is ambiguous:
   * `load_imm64` of a small value gets an `i64` prefix, and a 32-bit `rotate_right_imm_32` prints `>>r` (the
   * reference prints `>>`, making it look like a shift).
   */
  readonly assembleable?: boolean;
}

/**
 * Templates: `{r1}`..`{r3}` registers, `{i1}`/`{i2}` immediates in the reference's hex style, `{n1}` a signed
 * decimal immediate, `{t}` a code target. Which decoded field each placeholder reads is fixed per operand kind
 * (see {@link DecodedInstruction}); for branches with an immediate the target is `imm2`, else `imm1`.
 * Instructions named `*_32` get an `i32 ` prefix in 64-bit programs.
 */
// prettier-ignore
const TEMPLATES: Partial<Record<InstructionName, string>> = {
  trap: 'trap', fallthrough: 'fallthrough', unlikely: 'unlikely', memset: '[a0..a0 + a2] = u8 a1',
  store_imm_u8: 'u8 [{i1}] = {i2}', store_imm_u16: 'u16 [{i1}] = {i2}',
  store_imm_u32: 'u32 [{i1}] = {i2}', store_imm_u64: 'u64 [{i1}] = {i2}',
  jump: 'jump {t}', load_imm: '{r1} = {i1}',
  load_u8: '{r1} = u8 [{i1}]', load_i8: '{r1} = i8 [{i1}]', load_u16: '{r1} = u16 [{i1}]', load_i16: '{r1} = i16 [{i1}]',
  load_u32: '{r1} = u32 [{i1}]', load_i32: '{r1} = i32 [{i1}]', load_u64: '{r1} = u64 [{i1}]',
  store_u8: 'u8 [{i1}] = {r1}', store_u16: 'u16 [{i1}] = {r1}', store_u32: 'u32 [{i1}] = {r1}', store_u64: 'u64 [{i1}] = {r1}',
  store_imm_indirect_u8: 'u8 [{r1} + {n1}] = {i2}', store_imm_indirect_u16: 'u16 [{r1} + {n1}] = {i2}',
  store_imm_indirect_u32: 'u32 [{r1} + {n1}] = {i2}', store_imm_indirect_u64: 'u64 [{r1} + {n1}] = {i2}',
  load_imm_and_jump: '{r1} = {n1}, jump {t}',
  branch_eq_imm: 'jump {t} if {r1} == {n1}', branch_not_eq_imm: 'jump {t} if {r1} != {n1}',
  branch_less_unsigned_imm: 'jump {t} if {r1} <u {n1}', branch_less_signed_imm: 'jump {t} if {r1} <s {n1}',
  branch_less_or_equal_unsigned_imm: 'jump {t} if {r1} <=u {n1}', branch_less_or_equal_signed_imm: 'jump {t} if {r1} <=s {n1}',
  branch_greater_or_equal_unsigned_imm: 'jump {t} if {r1} >=u {n1}', branch_greater_or_equal_signed_imm: 'jump {t} if {r1} >=s {n1}',
  branch_greater_unsigned_imm: 'jump {t} if {r1} >u {n1}', branch_greater_signed_imm: 'jump {t} if {r1} >s {n1}',
  move_reg: '{r1} = {r2}', sbrk: '{r1} = sbrk {r2}',
  count_set_bits_64: '{r1} = cpop {r2}', count_set_bits_32: '{r1} = cpop {r2}',
  count_leading_zero_bits_64: '{r1} = clz {r2}', count_leading_zero_bits_32: '{r1} = clz {r2}',
  count_trailing_zero_bits_64: '{r1} = ctz {r2}', count_trailing_zero_bits_32: '{r1} = ctz {r2}',
  sign_extend_8: '{r1} = sext8 {r2}', sign_extend_16: '{r1} = sext16 {r2}', zero_extend_16: '{r1} = zext16 {r2}',
  reverse_byte: '{r1} = reverse {r2}',
  and_imm: '{r1} = {r2} & {i1}', xor_imm: '{r1} = {r2} ^ {i1}', or_imm: '{r1} = {r2} | {i1}',
  mul_imm_32: '{r1} = {r2} * {i1}', mul_imm_64: '{r1} = {r2} * {i1}',
  set_less_than_unsigned_imm: '{r1} = {r2} <u {i1}', set_less_than_signed_imm: '{r1} = {r2} <s {i1}',
  set_greater_than_unsigned_imm: '{r1} = {r2} >u {i1}', set_greater_than_signed_imm: '{r1} = {r2} >s {i1}',
  shift_logical_left_imm_32: '{r1} = {r2} << {i1}', shift_logical_left_imm_64: '{r1} = {r2} << {i1}',
  shift_logical_right_imm_32: '{r1} = {r2} >> {i1}', shift_logical_right_imm_64: '{r1} = {r2} >> {i1}',
  shift_arithmetic_right_imm_32: '{r1} = {r2} >>a {i1}', shift_arithmetic_right_imm_64: '{r1} = {r2} >>a {i1}',
  shift_logical_left_imm_alt_32: '{r1} = {i1} << {r2}', shift_logical_left_imm_alt_64: '{r1} = {i1} << {r2}',
  shift_logical_right_imm_alt_32: '{r1} = {i1} >> {r2}', shift_logical_right_imm_alt_64: '{r1} = {i1} >> {r2}',
  shift_arithmetic_right_imm_alt_32: '{r1} = {i1} >>a {r2}', shift_arithmetic_right_imm_alt_64: '{r1} = {i1} >>a {r2}',
  cmov_if_zero_imm: '{r1} = {i1} if {r2} == 0', cmov_if_not_zero_imm: '{r1} = {i1} if {r2} != 0',
  rotate_right_imm_32: '{r1} = {r2} >>r {i1}', rotate_right_imm_64: '{r1} = {r2} >>r {i1}',
  rotate_right_imm_alt_32: '{r1} = {i1} >>r {r2}', rotate_right_imm_alt_64: '{r1} = {i1} >>r {r2}',
  branch_eq: 'jump {t} if {r1} == {r2}', branch_not_eq: 'jump {t} if {r1} != {r2}',
  branch_less_unsigned: 'jump {t} if {r1} <u {r2}', branch_less_signed: 'jump {t} if {r1} <s {r2}',
  branch_greater_or_equal_unsigned: 'jump {t} if {r1} >=u {r2}', branch_greater_or_equal_signed: 'jump {t} if {r1} >=s {r2}',
  add_32: '{r1} = {r2} + {r3}', add_64: '{r1} = {r2} + {r3}', sub_32: '{r1} = {r2} - {r3}', sub_64: '{r1} = {r2} - {r3}',
  mul_32: '{r1} = {r2} * {r3}', mul_64: '{r1} = {r2} * {r3}',
  div_unsigned_32: '{r1} = {r2} /u {r3}', div_unsigned_64: '{r1} = {r2} /u {r3}',
  div_signed_32: '{r1} = {r2} /s {r3}', div_signed_64: '{r1} = {r2} /s {r3}',
  rem_unsigned_32: '{r1} = {r2} %u {r3}', rem_unsigned_64: '{r1} = {r2} %u {r3}',
  rem_signed_32: '{r1} = {r2} %s {r3}', rem_signed_64: '{r1} = {r2} %s {r3}',
  shift_logical_left_32: '{r1} = {r2} << {r3}', shift_logical_left_64: '{r1} = {r2} << {r3}',
  shift_logical_right_32: '{r1} = {r2} >> {r3}', shift_logical_right_64: '{r1} = {r2} >> {r3}',
  shift_arithmetic_right_32: '{r1} = {r2} >>a {r3}', shift_arithmetic_right_64: '{r1} = {r2} >>a {r3}',
  and: '{r1} = {r2} & {r3}', xor: '{r1} = {r2} ^ {r3}', or: '{r1} = {r2} | {r3}',
  mul_upper_signed_signed: '{r1} = {r2} mulh {r3}', mul_upper_unsigned_unsigned: '{r1} = {r2} mulhu {r3}',
  mul_upper_signed_unsigned: '{r1} = {r2} mulhsu {r3}',
  set_less_than_unsigned: '{r1} = {r2} <u {r3}', set_less_than_signed: '{r1} = {r2} <s {r3}',
  cmov_if_zero: '{r1} = {r2} if {r3} == 0', cmov_if_not_zero: '{r1} = {r2} if {r3} != 0',
  rotate_left_32: '{r1} = {r2} <<r {r3}', rotate_left_64: '{r1} = {r2} <<r {r3}',
  rotate_right_32: '{r1} = {r2} >>r {r3}', rotate_right_64: '{r1} = {r2} >>r {r3}',
  and_inverted: '{r1} = {r2} & ~{r3}', or_inverted: '{r1} = {r2} | ~{r3}', xnor: '{r1} = ~({r2} ^ {r3})',
  maximum: '{r1} = maxs({r2}, {r3})', maximum_unsigned: '{r1} = maxu({r2}, {r3})',
  minimum: '{r1} = mins({r2}, {r3})', minimum_unsigned: '{r1} = minu({r2}, {r3})',
};

/** An immediate the way the reference prints it: 0, or hex of the value sign-extended to the register width. */
export function formatImmediate(value: number, is64Bit: boolean): string {
  if (value === 0) return '0';
  if (!is64Bit || value > 0) return `0x${(value >>> 0).toString(16)}`;
  return `0x${BigInt.asUintN(64, BigInt(value)).toString(16)}`;
}

function reg(index: number): string {
  return REGISTER_NAMES[index] ?? `r${index}`;
}

/** Text of instructions whose format depends on operand values. */
function formatSpecial(name: InstructionName, ins: DecodedInstruction, is64Bit: boolean, options: FormatOptions): string | undefined {
  const imm = (value: number): string => formatImmediate(value, is64Bit);
  switch (name) {
    case 'ecalli':
      return `ecalli ${ins.imm1 >>> 0}`;
    case 'load_imm64': {
      const value = (BigInt(ins.imm2 >>> 0) << 32n) | BigInt(ins.imm1 >>> 0);
      // A value that fits an i32 would read back as load_imm; `i64` keeps it a load_imm64.
      const prefix = options.assembleable && BigInt.asIntN(64, value) === BigInt(ins.imm1 | 0) ? 'i64 ' : '';
      return `${reg(ins.reg1)} = ${prefix}0x${value.toString(16)}`;
    }
    case 'jump_indirect':
      if (ins.imm1 !== 0) return `jump [${reg(ins.reg1)} + ${imm(ins.imm1)}]`;
      return ins.reg1 === 0 ? 'ret' : `jump [${reg(ins.reg1)}]`;
    case 'load_imm_and_jump_indirect': {
      const offset = ins.imm2 === 0 ? '' : ` + ${imm(ins.imm2)}`;
      if (ins.reg1 !== ins.reg2) return `${reg(ins.reg1)} = ${ins.imm1 | 0}, jump [${reg(ins.reg2)}${offset}]`;
      return `tmp = ${reg(ins.reg2)}, ${reg(ins.reg1)} = ${ins.imm1 | 0}, jump [tmp${offset}]`;
    }
    case 'add_imm_32':
    case 'add_imm_64':
      // Small negative additions read as subtractions.
      if (ins.imm1 < 0 && ins.imm1 > -4096) return `${reg(ins.reg1)} = ${reg(ins.reg2)} - ${-ins.imm1}`;
      return `${reg(ins.reg1)} = ${reg(ins.reg2)} + ${imm(ins.imm1)}`;
    case 'negate_and_add_imm_32':
    case 'negate_and_add_imm_64':
      if (ins.imm1 === 0) return `${reg(ins.reg1)} = -${reg(ins.reg2)}`;
      return `${reg(ins.reg1)} = ${imm(ins.imm1)} - ${reg(ins.reg2)}`;
    case 'rotate_right_imm_32':
    case 'rotate_right_imm_alt_32':
      // The reference prints these as `>>` in 32-bit programs, indistinguishable from a logical shift.
      if (is64Bit || options.assembleable) return undefined;
      return name === 'rotate_right_imm_32'
        ? `${reg(ins.reg1)} = ${reg(ins.reg2)} >> ${imm(ins.imm1)}`
        : `${reg(ins.reg1)} = ${imm(ins.imm1)} >> ${reg(ins.reg2)}`;
  }
  const access = /^(load|store)_indirect_([ui]\d+)$/.exec(name);
  if (access) {
    const [, direction, width] = access;
    // The reference writes `u16 [base ]` for a zero-offset load_indirect_u16 (sic).
    const address = ins.imm1 !== 0 ? `[${reg(ins.reg2)} + ${imm(ins.imm1)}]` : name === 'load_indirect_u16' ? `[${reg(ins.reg2)} ]` : `[${reg(ins.reg2)}]`;
    return direction === 'load' ? `${reg(ins.reg1)} = ${width} ${address}` : `${width} ${address} = ${reg(ins.reg1)}`;
  }
  return undefined;
}

/**
 * Formats one decoded instruction in the reference's syntax. `labelFor` renders code targets (default: the
 * decimal code offset); `is64Bit` selects the `i32` prefixes and the immediate width.
 */
export function formatInstruction(
  ins: DecodedInstruction,
  is64Bit: boolean,
  labelFor?: (target: number) => string,
  options: FormatOptions = {},
): string {
  const def = INSTRUCTIONS[ins.id];
  if (def === undefined) return 'invalid';
  const prefix = is64Bit && def.name.endsWith('_32') ? 'i32 ' : '';
  const special = formatSpecial(def.name, ins, is64Bit, options);
  if (special !== undefined) return prefix + special;
  const template = TEMPLATES[def.name];
  if (template === undefined) return def.name; // Unreachable: every instruction has a format.
  const target = def.kind === 'reg_imm_offset' ? ins.imm2 : ins.imm1;
  const text = template.replace(/\{(r1|r2|r3|i1|i2|n1|t)\}/g, (_, field: string) => {
    switch (field) {
      case 'r1':
        return reg(ins.reg1);
      case 'r2':
        return reg(ins.reg2);
      case 'r3':
        return reg(ins.reg3);
      case 'i1':
        return formatImmediate(ins.imm1, is64Bit);
      case 'i2':
        return formatImmediate(ins.imm2, is64Bit);
      case 'n1':
        return String(ins.imm1 | 0);
      default:
        return labelFor ? labelFor(target >>> 0) : String(target >>> 0);
    }
  });
  return prefix + text;
}
