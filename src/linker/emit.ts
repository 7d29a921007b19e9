/**
 * Code emission: turns the final blocks into PolkaVM instructions. Block-to-block control flow becomes jumps,
 * branches and calls to block ordinals (resolved to code offsets by the layout); code addresses become jump
 * table addresses; data targets become absolute addresses. A block whose jump was elided because it falls into
 * the next block ends with `fallthrough` so every block starts a PolkaVM basic block.
 */
import type { InstructionFields } from '../isa/encoder.js';
import { type InstructionName, Op } from '../isa/instruction-table.js';
import { ElfLinkError } from './elf-link-error.js';
import type { AnyTarget, BasicBlock, BasicInst, ControlInst, SectionTarget, SourceStack } from './ir.js';
import { type AluKind, type BranchKind, foldConstants, type RegRegKind, type UnaryKind } from './operations.js';
import { blocksFallingThrough } from './block-order.js';
import { locationKey } from './relocations.js';

/** One emitted instruction. `target` is the ordinal of the block it jumps/branches to, or -1. */
export interface EmittedInstruction {
  readonly fields: InstructionFields;
  readonly target: number;
  readonly source: SourceStack;
}

export interface EmittedCode {
  readonly instructions: EmittedInstruction[];
  /** Index of the first instruction of each emitted block (by ordinal). */
  readonly blockStarts: number[];
}

export interface EmitContext {
  readonly blocks: readonly BasicBlock[];
  /** Blocks in emission order. */
  readonly used: readonly number[];
  /** Jump table address ((index + 1) * 2) of dynamically reachable blocks, by block index. */
  readonly codeAddress: ReadonlyMap<number, number>;
  /** Base address of every data section placed in memory. */
  readonly sectionAddress: ReadonlyMap<number, number>;
  readonly gotSection: number;
  /** GOT slot offset of each address target loaded indirectly (by target key). */
  readonly gotOffsets: ReadonlyMap<string, number>;
  readonly importIndex: (nthImport: number) => number;
  readonly heapBase: number;
  readonly isOptimized: boolean;
  readonly is64Bit: boolean;
  readonly sectionName: (section: number) => string;
}

const fields = (name: InstructionName, reg1 = 0, reg2 = 0, reg3 = 0, imm1 = 0, imm2 = 0): InstructionFields => ({ id: Op[name], reg1, reg2, reg3, imm1: imm1 | 0, imm2: imm2 | 0 });

export const targetKey = (target: AnyTarget): string => (target.block !== undefined ? `b${target.block}` : `d${locationKey(target.data.section, target.data.offset)}`);

const LOADS = { i8: 'load_i8', i16: 'load_i16', i32: 'load_i32', u8: 'load_u8', u16: 'load_u16', u32: 'load_u32', u64: 'load_u64' } as const;
const LOADS_INDIRECT = { i8: 'load_indirect_i8', i16: 'load_indirect_i16', i32: 'load_indirect_i32', u8: 'load_indirect_u8', u16: 'load_indirect_u16', u32: 'load_indirect_u32', u64: 'load_indirect_u64' } as const;
const STORES = { u8: 'store_u8', u16: 'store_u16', u32: 'store_u32', u64: 'store_u64' } as const;
const STORES_IMM = { u8: 'store_imm_u8', u16: 'store_imm_u16', u32: 'store_imm_u32', u64: 'store_imm_u64' } as const;
const STORES_INDIRECT = { u8: 'store_indirect_u8', u16: 'store_indirect_u16', u32: 'store_indirect_u32', u64: 'store_indirect_u64' } as const;
const STORES_IMM_INDIRECT = { u8: 'store_imm_indirect_u8', u16: 'store_imm_indirect_u16', u32: 'store_imm_indirect_u32', u64: 'store_imm_indirect_u64' } as const;

const UNARY: Record<UnaryKind, InstructionName> = {
  clz32: 'count_leading_zero_bits_32', clz64: 'count_leading_zero_bits_64', cpop32: 'count_set_bits_32', cpop64: 'count_set_bits_64',
  ctz32: 'count_trailing_zero_bits_32', ctz64: 'count_trailing_zero_bits_64', rev8: 'reverse_byte', sext8: 'sign_extend_8',
  sext16: 'sign_extend_16', zext16: 'zero_extend_16',
};

const REG_REG: Record<RegRegKind, InstructionName> = {
  mulh32: 'mul_upper_signed_signed', mulh64: 'mul_upper_signed_signed', mulhu32: 'mul_upper_unsigned_unsigned',
  mulhu64: 'mul_upper_unsigned_unsigned', mulhsu32: 'mul_upper_signed_unsigned', mulhsu64: 'mul_upper_signed_unsigned',
  div32: 'div_signed_32', div32sx: 'div_signed_32', div64: 'div_signed_64', divu32: 'div_unsigned_32', divu32sx: 'div_unsigned_32',
  divu64: 'div_unsigned_64', rem32: 'rem_signed_32', rem32sx: 'rem_signed_32', rem64: 'rem_signed_64', remu32: 'rem_unsigned_32',
  remu32sx: 'rem_unsigned_32', remu64: 'rem_unsigned_64', andn: 'and_inverted', orn: 'or_inverted', xnor: 'xnor', max: 'maximum',
  maxu: 'maximum_unsigned', min: 'minimum', minu: 'minimum_unsigned', rotl32: 'rotate_left_32', rotl32sx: 'rotate_left_32', rotl64: 'rotate_left_64',
};

/** Register-register forms of the ALU operations. */
const ALU_REG: Record<AluKind, InstructionName> = {
  add32: 'add_32', add32sx: 'add_32', add64: 'add_64', sub32: 'sub_32', sub32sx: 'sub_32', sub64: 'sub_64',
  sll32: 'shift_logical_left_32', sll32sx: 'shift_logical_left_32', sll64: 'shift_logical_left_64',
  slt32: 'set_less_than_signed', slt64: 'set_less_than_signed', sltu32: 'set_less_than_unsigned', sltu64: 'set_less_than_unsigned',
  xor32: 'xor', xor64: 'xor', srl32: 'shift_logical_right_32', srl32sx: 'shift_logical_right_32', srl64: 'shift_logical_right_64',
  sra32: 'shift_arithmetic_right_32', sra32sx: 'shift_arithmetic_right_32', sra64: 'shift_arithmetic_right_64',
  or32: 'or', or64: 'or', and32: 'and', and64: 'and', mul32: 'mul_32', mul32sx: 'mul_32', mul64: 'mul_64',
  rotr32: 'rotate_right_32', rotr32sx: 'rotate_right_32', rotr64: 'rotate_right_64',
};

/** `dst = reg OP imm` forms (subtraction is handled separately). */
const ALU_REG_IMM: Record<Exclude<AluKind, 'sub32' | 'sub32sx' | 'sub64'>, InstructionName> = {
  add32: 'add_imm_32', add32sx: 'add_imm_32', add64: 'add_imm_64',
  sll32: 'shift_logical_left_imm_32', sll32sx: 'shift_logical_left_imm_32', sll64: 'shift_logical_left_imm_64',
  slt32: 'set_less_than_signed_imm', slt64: 'set_less_than_signed_imm', sltu32: 'set_less_than_unsigned_imm', sltu64: 'set_less_than_unsigned_imm',
  xor32: 'xor_imm', xor64: 'xor_imm', srl32: 'shift_logical_right_imm_32', srl32sx: 'shift_logical_right_imm_32', srl64: 'shift_logical_right_imm_64',
  sra32: 'shift_arithmetic_right_imm_32', sra32sx: 'shift_arithmetic_right_imm_32', sra64: 'shift_arithmetic_right_imm_64',
  or32: 'or_imm', or64: 'or_imm', and32: 'and_imm', and64: 'and_imm', mul32: 'mul_imm_32', mul32sx: 'mul_imm_32', mul64: 'mul_imm_64',
  rotr32: 'rotate_right_imm_32', rotr32sx: 'rotate_right_imm_32', rotr64: 'rotate_right_imm_64',
};

/** `dst = imm OP reg` forms. */
const ALU_IMM_REG: Record<AluKind, InstructionName> = {
  add32: 'add_imm_32', add32sx: 'add_imm_32', add64: 'add_imm_64', xor32: 'xor_imm', xor64: 'xor_imm', or32: 'or_imm', or64: 'or_imm',
  and32: 'and_imm', and64: 'and_imm', mul32: 'mul_imm_32', mul32sx: 'mul_imm_32', mul64: 'mul_imm_64',
  sub32: 'negate_and_add_imm_32', sub32sx: 'negate_and_add_imm_32', sub64: 'negate_and_add_imm_64',
  sll32: 'shift_logical_left_imm_alt_32', sll32sx: 'shift_logical_left_imm_alt_32', sll64: 'shift_logical_left_imm_alt_64',
  slt32: 'set_greater_than_signed_imm', slt64: 'set_greater_than_signed_imm', sltu32: 'set_greater_than_unsigned_imm', sltu64: 'set_greater_than_unsigned_imm',
  srl32: 'shift_logical_right_imm_alt_32', srl32sx: 'shift_logical_right_imm_alt_32', srl64: 'shift_logical_right_imm_alt_64',
  sra32: 'shift_arithmetic_right_imm_alt_32', sra32sx: 'shift_arithmetic_right_imm_alt_32', sra64: 'shift_arithmetic_right_imm_alt_64',
  rotr32: 'rotate_right_imm_alt_32', rotr32sx: 'rotate_right_imm_alt_32', rotr64: 'rotate_right_imm_alt_64',
};

type BranchOp = 'eq' | 'ne' | 'lt' | 'ltu' | 'ge' | 'geu';
const branchOp = (kind: BranchKind): BranchOp => kind.replace(/(32|64)$/, '') as BranchOp;
const BRANCH_REG: Record<BranchOp, InstructionName> = {
  eq: 'branch_eq', ne: 'branch_not_eq', lt: 'branch_less_signed', ltu: 'branch_less_unsigned', ge: 'branch_greater_or_equal_signed', geu: 'branch_greater_or_equal_unsigned',
};
/** `reg OP imm`. */
const BRANCH_REG_IMM: Record<BranchOp, InstructionName> = {
  eq: 'branch_eq_imm', ne: 'branch_not_eq_imm', lt: 'branch_less_signed_imm', ltu: 'branch_less_unsigned_imm',
  ge: 'branch_greater_or_equal_signed_imm', geu: 'branch_greater_or_equal_unsigned_imm',
};
/** `imm OP reg`, i.e. `reg (mirrored OP) imm`. */
const BRANCH_IMM_REG: Record<BranchOp, InstructionName> = {
  eq: 'branch_eq_imm', ne: 'branch_not_eq_imm', lt: 'branch_greater_signed_imm', ltu: 'branch_greater_unsigned_imm',
  ge: 'branch_less_or_equal_signed_imm', geu: 'branch_less_or_equal_unsigned_imm',
};

/** Emits the code of all used blocks. */
export function emitCode(ctx: EmitContext): EmittedCode {
  const { blocks, used } = ctx;
  const ordinal = new Map<number, number>(used.map((block, n) => [block, n]));
  const fallsThrough = blocksFallingThrough(blocks, used);
  const instructions: EmittedInstruction[] = [];
  const blockStarts: number[] = [];
  const ordinalOf = (block: number): number => {
    const n = ordinal.get(block);
    if (n === undefined) throw new ElfLinkError('internal error: jump to a block that is not emitted');
    return n;
  };
  const codeAddressOf = (block: number): number => {
    const address = ctx.codeAddress.get(block);
    if (address === undefined) throw new ElfLinkError('internal error: address of a block without a jump table entry');
    return address;
  };
  const dataAddressOf = (target: SectionTarget): number => {
    const base = ctx.sectionAddress.get(target.section);
    if (base === undefined) throw new ElfLinkError(`internal error: section '${ctx.sectionName(target.section)}' has no address`);
    const address = base + target.offset;
    if (address < 0 || address > 0x7fffffff) throw new ElfLinkError(`address overflow when relocating an access to section '${ctx.sectionName(target.section)}'`);
    return address;
  };

  let delimited = true;
  for (const index of used) {
    const block = blocks[index]!;
    const blockSource: SourceStack = [{ section: block.source.section, start: block.source.start, end: block.source.start + 4 }];
    if (!delimited) {
      delimited = true;
      instructions.push({ fields: fields('fallthrough'), target: -1, source: blockSource });
    }
    blockStarts.push(instructions.length);
    if (block.isUnlikely && !(block.ops.length === 0 && block.next.inst.op === 'trap')) {
      instructions.push({ fields: fields('unlikely'), target: -1, source: blockSource });
    }
    for (const op of block.ops) {
      for (const f of emitBasic(ctx, op.inst, codeAddressOf, dataAddressOf)) instructions.push({ fields: f, target: -1, source: op.source });
    }
    const source = block.next.source;
    const push = (f: InstructionFields, target = -1): void => {
      instructions.push({ fields: f, target, source });
    };
    const next = block.next.inst;
    switch (next.op) {
      case 'jump':
        if (fallsThrough.has(index)) delimited = false;
        else push(fields('jump'), ordinalOf(next.target));
        break;
      case 'call':
        requireFallthrough(fallsThrough, index);
        push(fields('load_imm_and_jump', next.ra, 0, 0, codeAddressOf(next.returnTo)), ordinalOf(next.target));
        break;
      case 'jump-indirect':
        if (next.offset !== 0) throw new ElfLinkError('found an indirect jump with a non-zero offset - this would most likely result in a broken program; aborting');
        push(fields('jump_indirect', next.base, 0, 0, 0));
        break;
      case 'call-indirect':
        if (next.offset !== 0) throw new ElfLinkError('found an indirect call with a non-zero offset - this would most likely result in a broken program; aborting');
        requireFallthrough(fallsThrough, index);
        push(fields('load_imm_and_jump_indirect', next.ra, next.base, 0, codeAddressOf(next.returnTo), 0));
        break;
      case 'branch':
        requireFallthrough(fallsThrough, index);
        emitBranch(ctx, next, ordinalOf(next.ifTrue), push);
        break;
      case 'trap':
        push(fields('trap'));
        break;
    }
  }
  return { instructions, blockStarts };
}

function requireFallthrough(fallsThrough: ReadonlySet<number>, block: number): void {
  if (!fallsThrough.has(block)) throw new ElfLinkError('internal error: a block that must fall through is not followed by its successor');
}

function emitBranch(ctx: EmitContext, inst: Extract<ControlInst<number>, { op: 'branch' }>, target: number, push: (f: InstructionFields, target?: number) => void): void {
  const op = branchOp(inst.kind);
  const { src1, src2 } = inst;
  if (src1.reg !== undefined && src2.reg !== undefined) return push(fields(BRANCH_REG[op], src1.reg, src2.reg), target);
  if (src1.reg === undefined && src2.reg !== undefined) return push(fields(BRANCH_IMM_REG[op], src2.reg, 0, 0, src1.imm), target);
  if (src1.reg !== undefined && src2.imm !== undefined) return push(fields(BRANCH_REG_IMM[op], src1.reg, 0, 0, src2.imm), target);
  if (ctx.isOptimized) throw new ElfLinkError('internal error: branch with only constant operands');
  // Unoptimized code may compare two constants: the outcome is fixed.
  const taken = foldConstants(branchFold(op, ctx.is64Bit), BigInt(src1.imm!), BigInt(src2.imm!)) === 1n;
  push(taken ? fields('jump') : fields('fallthrough'), taken ? target : -1);
}

function branchFold(op: BranchOp, is64Bit: boolean): Parameters<typeof foldConstants>[0] {
  const w = is64Bit ? '64' : '32';
  switch (op) {
    case 'eq': return `eq${w}`;
    case 'ne': return `ne${w}`;
    case 'lt': return `slt${w}`;
    case 'ltu': return `sltu${w}`;
    case 'ge': return `sge${w}`;
    case 'geu': return `sgeu${w}`;
  }
}

/** The PolkaVM instruction(s) for one basic instruction. */
function emitBasic(
  ctx: EmitContext,
  inst: BasicInst<AnyTarget>,
  codeAddressOf: (block: number) => number,
  dataAddressOf: (target: SectionTarget) => number,
): InstructionFields[] {
  switch (inst.op) {
    case 'load-imm':
      return [fields('load_imm', inst.dst, 0, 0, inst.imm)];
    case 'load-imm64': {
      if (!ctx.is64Bit) throw new ElfLinkError('internal error: 64-bit immediate in a 32-bit program');
      const bits = BigInt.asUintN(64, inst.imm);
      return [fields('load_imm64', inst.dst, 0, 0, Number(bits & 0xffffffffn), Number(bits >> 32n))];
    }
    case 'heap-base':
      return [fields('load_imm', inst.dst, 0, 0, ctx.heapBase)];
    case 'load-abs':
      return [fields(LOADS[inst.kind], inst.dst, 0, 0, dataAddressOf(inst.target))];
    case 'store-abs': {
      const address = dataAddressOf(inst.target);
      return inst.src.reg !== undefined ? [fields(STORES[inst.kind], inst.src.reg, 0, 0, address)] : [fields(STORES_IMM[inst.kind], 0, 0, 0, address, inst.src.imm)];
    }
    case 'load':
      return [fields(LOADS_INDIRECT[inst.kind], inst.dst, inst.base, 0, inst.offset)];
    case 'store':
      return inst.src.reg !== undefined
        ? [fields(STORES_INDIRECT[inst.kind], inst.src.reg, inst.base, 0, inst.offset)]
        : [fields(STORES_IMM_INDIRECT[inst.kind], inst.base, 0, 0, inst.offset, inst.src.imm)];
    case 'load-address': {
      const value = inst.target.block !== undefined ? codeAddressOf(inst.target.block) : dataAddressOf(inst.target.data);
      return [fields('load_imm', inst.dst, 0, 0, value)];
    }
    case 'load-address-indirect': {
      const offset = ctx.gotOffsets.get(targetKey(inst.target));
      if (offset === undefined) throw new ElfLinkError('internal error: indirect address load without a GOT entry');
      const address = dataAddressOf({ section: ctx.gotSection, offset });
      return [fields(ctx.is64Bit ? 'load_u64' : 'load_i32', inst.dst, 0, 0, address)];
    }
    case 'unary':
      return [fields(UNARY[inst.kind], inst.dst, inst.src)];
    case 'reg-reg':
      return [fields(REG_REG[inst.kind], inst.dst, inst.src1, inst.src2)];
    case 'move':
      return [fields('move_reg', inst.dst, inst.src)];
    case 'alu':
      return emitAlu(ctx, inst);
    case 'cmov':
      if (inst.src.reg !== undefined) return [fields(inst.ifZero ? 'cmov_if_zero' : 'cmov_if_not_zero', inst.dst, inst.src.reg, inst.cond)];
      return [fields(inst.ifZero ? 'cmov_if_zero_imm' : 'cmov_if_not_zero_imm', inst.dst, inst.cond, 0, inst.src.imm)];
    case 'ecalli':
      return [fields('ecalli', 0, 0, 0, ctx.importIndex(inst.importIndex))];
    case 'sbrk':
      return [fields('sbrk', inst.dst, inst.size)];
    case 'memset':
      return [fields('memset')];
    case 'nop':
      throw new ElfLinkError('internal error: a nop instruction was not removed');
  }
}

function emitAlu(ctx: EmitContext, inst: Extract<BasicInst<AnyTarget>, { op: 'alu' }>): InstructionFields[] {
  const { kind, dst, src1, src2 } = inst;
  if (src1.reg !== undefined && src2.reg !== undefined) return [fields(ALU_REG[kind], dst, src1.reg, src2.reg)];
  if (src1.reg !== undefined && src2.imm !== undefined) {
    const value = src2.imm;
    if (kind === 'sub32' || kind === 'sub64') {
      const add = kind === 'sub32' ? 'add_imm_32' : 'add_imm_64';
      if (value === -0x80000000) return [fields(add, dst, src1.reg, 0, 0x7fffffff), fields(add, dst, dst, 0, 1)];
      return [fields(add, dst, src1.reg, 0, -value)];
    }
    if (kind === 'sub32sx') return [fields('add_imm_32', dst, src1.reg, 0, -value | 0)];
    return [fields(ALU_REG_IMM[kind], dst, src1.reg, 0, value)];
  }
  if (src1.imm !== undefined && src2.reg !== undefined) return [fields(ALU_IMM_REG[kind], dst, src2.reg, 0, src1.imm)];
  if (ctx.isOptimized) throw new ElfLinkError('internal error: instruction with only constant operands');
  const value = foldConstants(kind, BigInt(src1.imm!), BigInt(src2.imm!));
  return [fields('load_imm', dst, 0, 0, Number(BigInt.asIntN(32, value)))];
}
