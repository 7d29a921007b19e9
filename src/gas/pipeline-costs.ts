/**
 * Per-instruction costs for the pipeline ("full") gas cost model: how long each instruction executes, how many
 * decode slots it takes, which execution resources it occupies, and which registers it reads and writes.
 *
 * The numbers describe a simple out-of-order x86-64 core running the recompiled instruction; they are facts of the
 * reference model (PolkaVM 0.35 `CostModelKind::Full`) and must stay bit-exact with it.
 */
import { INSTRUCTIONS, INVALID, type InstructionName } from '../isa/instruction-table.js';

/** A register operand field of a decoded instruction. */
export type RegisterField = 'reg1' | 'reg2' | 'reg3';

/** How an instruction's latency is determined. */
export type LatencyKind =
  /** `latency` cycles. */
  | 'fixed'
  /** The cache model's memory access latency (loads). */
  | 'memory'
  /** 1 cycle if the branch is predictable (an edge leads to `trap`/`unlikely`), else 20. */
  | 'branch';

/** Extra decode slot taken when the destination differs from the sources (the x86 form needs a `mov` first). */
export type ExtraDecode = 'none' | 'dst-differs-from-src1' | 'dst-differs-from-all-sources';

/** Cost description of one instruction. */
export interface PipelineCost {
  readonly latencyKind: LatencyKind;
  /** Execution latency in cycles (for `fixed`). */
  readonly latency: number;
  /** Decode slots taken (4 are available per cycle). */
  readonly decode: number;
  readonly extraDecode: ExtraDecode;
  /** A 32-bit operation: on 64-bit programs it takes one more cycle and decode slot (for the sign extension). */
  readonly narrow: boolean;
  readonly alu: number;
  readonly mul: number;
  readonly div: number;
  readonly load: number;
  readonly store: number;
  /** The register written (whose readers must wait for this instruction), if any. */
  readonly dst: RegisterField | null;
  /** The registers read (this instruction waits for their producers), if any. */
  readonly src1: RegisterField | null;
  readonly src2: RegisterField | null;
  /** The instruction ends the block: the pipeline is drained after it. */
  readonly drain: boolean;
  /** A register move: renamed at decode, never executes. */
  readonly move: boolean;
  /** For branches: the operand holding the absolute target. */
  readonly target: 'imm1' | 'imm2' | null;
}

const BASE: PipelineCost = {
  latencyKind: 'fixed',
  latency: 0,
  decode: 1,
  extraDecode: 'none',
  narrow: false,
  alu: 0,
  mul: 0,
  div: 0,
  load: 0,
  store: 0,
  dst: null,
  src1: null,
  src2: null,
  drain: false,
  move: false,
  target: null,
};

const cost = (fields: Partial<PipelineCost>): PipelineCost => Object.freeze({ ...BASE, ...fields });

// Operand shapes of the common instruction forms (d = destination, s = sources).
const D_SS = { dst: 'reg1', src1: 'reg2', src2: 'reg3' } as const; // reg_reg_reg: d = s1 op s2
const D_S = { dst: 'reg1', src1: 'reg2' } as const; // reg_reg_imm / reg_reg: d = s op imm
const D = { dst: 'reg1' } as const; // reg_imm, reg_imm64: d = imm / load

/** `d = s1 op s2` done by a single ALU op (plus a `mov` when d is neither source). */
const ALU_3 = cost({ ...D_SS, latency: 1, extraDecode: 'dst-differs-from-all-sources', alu: 1 });
const ALU_3_NARROW = cost({ ...ALU_3, narrow: true });
const ALU_2 = cost({ ...D_S, latency: 1, extraDecode: 'dst-differs-from-src1', alu: 1 });
const ALU_2_NARROW = cost({ ...ALU_2, narrow: true });
const UNARY_1 = cost({ ...D_S, latency: 1, alu: 1 });
const UNARY_2 = cost({ ...D_S, latency: 2, alu: 2 });
/** Variable shifts need the count in `cl`: one more decode slot. */
const SHIFT = cost({ ...D_SS, latency: 1, decode: 2, extraDecode: 'dst-differs-from-src1', alu: 1 });
const SHIFT_NARROW = cost({ ...SHIFT, narrow: true });
const SHIFT_ALT = cost({ ...D_S, latency: 1, decode: 3, alu: 1 });
const SHIFT_ALT_32 = cost({ ...D_S, latency: 2, decode: 4, alu: 1 });
const COMPARE = cost({ ...D_SS, latency: 3, decode: 3, alu: 1 });
const COMPARE_IMM = cost({ ...D_S, latency: 3, decode: 3, alu: 1 });
const MIN_MAX = cost({ ...D_SS, latency: 3, decode: 2, extraDecode: 'dst-differs-from-all-sources', alu: 1 });
const DIVISION = cost({ ...D_SS, latency: 60, decode: 4, alu: 1, div: 1 });
const MUL_UPPER = cost({ ...D_SS, latency: 4, decode: 4, alu: 1, mul: 1 });

const LOAD_DIRECT = cost({ ...D, latencyKind: 'memory', alu: 1, load: 1 });
const LOAD_INDIRECT = cost({ ...D_S, latencyKind: 'memory', alu: 1, load: 1 });
const STORE_DIRECT = cost({ src1: 'reg1', latency: 25, alu: 1, store: 1 });
const STORE_IMM = cost({ latency: 25, alu: 1, store: 1 });
const STORE_INDIRECT = cost({ src1: 'reg1', src2: 'reg2', latency: 25, alu: 1, store: 1 });
const STORE_IMM_INDIRECT = cost({ src1: 'reg1', latency: 25, alu: 1, store: 1 });

const BRANCH = cost({ src1: 'reg1', src2: 'reg2', latencyKind: 'branch', alu: 1, drain: true, target: 'imm1' });
const BRANCH_IMM = cost({ src1: 'reg1', latencyKind: 'branch', alu: 1, drain: true, target: 'imm2' });
const BLOCK_END = cost({ latency: 2, drain: true });
const DIRECT_JUMP = cost({ latency: 15, drain: true });
/** Host calls and other expensive operations. */
const SLOW_100 = cost({ latency: 100, decode: 4, alu: 1 });

/** The cost of every instruction of the table. */
export const PIPELINE_COSTS: Readonly<Record<InstructionName, PipelineCost>> = Object.freeze({
  trap: BLOCK_END,
  fallthrough: BLOCK_END,
  memset: SLOW_100,
  unlikely: cost({ latency: 40 }),
  ecalli: SLOW_100,
  load_imm64: cost({ ...D, latency: 1, decode: 2 }),
  store_imm_u8: STORE_IMM,
  store_imm_u16: STORE_IMM,
  store_imm_u32: STORE_IMM,
  store_imm_u64: STORE_IMM,
  jump: DIRECT_JUMP,
  jump_indirect: cost({ src1: 'reg1', latency: 22, drain: true }),
  load_imm: cost({ ...D, latency: 1 }),
  load_u8: LOAD_DIRECT,
  load_i8: LOAD_DIRECT,
  load_u16: LOAD_DIRECT,
  load_i16: LOAD_DIRECT,
  load_u32: LOAD_DIRECT,
  load_i32: LOAD_DIRECT,
  load_u64: LOAD_DIRECT,
  store_u8: STORE_DIRECT,
  store_u16: STORE_DIRECT,
  store_u32: STORE_DIRECT,
  store_u64: STORE_DIRECT,
  store_imm_indirect_u8: STORE_IMM_INDIRECT,
  store_imm_indirect_u16: STORE_IMM_INDIRECT,
  store_imm_indirect_u32: STORE_IMM_INDIRECT,
  store_imm_indirect_u64: STORE_IMM_INDIRECT,
  load_imm_and_jump: DIRECT_JUMP,
  branch_eq_imm: BRANCH_IMM,
  branch_not_eq_imm: BRANCH_IMM,
  branch_less_unsigned_imm: BRANCH_IMM,
  branch_less_or_equal_unsigned_imm: BRANCH_IMM,
  branch_greater_or_equal_unsigned_imm: BRANCH_IMM,
  branch_greater_unsigned_imm: BRANCH_IMM,
  branch_less_signed_imm: BRANCH_IMM,
  branch_less_or_equal_signed_imm: BRANCH_IMM,
  branch_greater_or_equal_signed_imm: BRANCH_IMM,
  branch_greater_signed_imm: BRANCH_IMM,
  move_reg: cost({ dst: 'reg1', src1: 'reg2', move: true }),
  sbrk: cost({ ...SLOW_100, ...D_S }),
  count_set_bits_64: UNARY_1,
  count_set_bits_32: UNARY_1,
  count_leading_zero_bits_64: UNARY_1,
  count_leading_zero_bits_32: UNARY_1,
  count_trailing_zero_bits_64: UNARY_2,
  count_trailing_zero_bits_32: UNARY_2,
  sign_extend_8: UNARY_1,
  sign_extend_16: UNARY_1,
  zero_extend_16: UNARY_1,
  reverse_byte: ALU_2,
  store_indirect_u8: STORE_INDIRECT,
  store_indirect_u16: STORE_INDIRECT,
  store_indirect_u32: STORE_INDIRECT,
  store_indirect_u64: STORE_INDIRECT,
  load_indirect_u8: LOAD_INDIRECT,
  load_indirect_i8: LOAD_INDIRECT,
  load_indirect_u16: LOAD_INDIRECT,
  load_indirect_i16: LOAD_INDIRECT,
  load_indirect_u32: LOAD_INDIRECT,
  load_indirect_i32: LOAD_INDIRECT,
  load_indirect_u64: LOAD_INDIRECT,
  add_imm_32: ALU_2_NARROW,
  and_imm: ALU_2,
  xor_imm: ALU_2,
  or_imm: ALU_2,
  mul_imm_32: cost({ ...D_S, latency: 4, decode: 2, extraDecode: 'dst-differs-from-src1', alu: 1, mul: 1 }),
  set_less_than_unsigned_imm: COMPARE_IMM,
  set_less_than_signed_imm: COMPARE_IMM,
  shift_logical_left_imm_32: ALU_2_NARROW,
  shift_logical_right_imm_32: ALU_2_NARROW,
  shift_arithmetic_right_imm_32: ALU_2_NARROW,
  negate_and_add_imm_32: cost({ ...D_S, latency: 3, decode: 4, alu: 1 }),
  set_greater_than_unsigned_imm: COMPARE_IMM,
  set_greater_than_signed_imm: COMPARE_IMM,
  shift_logical_left_imm_alt_32: SHIFT_ALT_32,
  shift_logical_right_imm_alt_32: SHIFT_ALT_32,
  shift_arithmetic_right_imm_alt_32: SHIFT_ALT_32,
  // The condition register is the only source considered (reg2 of reg_reg_imm).
  cmov_if_zero_imm: cost({ ...D_S, latency: 2, decode: 3, alu: 1 }),
  cmov_if_not_zero_imm: cost({ ...D_S, latency: 2, decode: 3, alu: 1 }),
  add_imm_64: ALU_2,
  mul_imm_64: cost({ ...D_S, latency: 3, extraDecode: 'dst-differs-from-src1', alu: 1, mul: 1 }),
  shift_logical_left_imm_64: ALU_2,
  shift_logical_right_imm_64: ALU_2,
  shift_arithmetic_right_imm_64: ALU_2,
  negate_and_add_imm_64: cost({ ...D_S, latency: 2, decode: 3, alu: 1 }),
  shift_logical_left_imm_alt_64: SHIFT_ALT,
  shift_logical_right_imm_alt_64: SHIFT_ALT,
  shift_arithmetic_right_imm_alt_64: SHIFT_ALT,
  rotate_right_imm_64: ALU_2,
  rotate_right_imm_alt_64: SHIFT_ALT,
  rotate_right_imm_32: ALU_2_NARROW,
  rotate_right_imm_alt_32: SHIFT_ALT_32,
  branch_eq: BRANCH,
  branch_not_eq: BRANCH,
  branch_less_unsigned: BRANCH,
  branch_less_signed: BRANCH,
  branch_greater_or_equal_unsigned: BRANCH,
  branch_greater_or_equal_signed: BRANCH,
  // Only the base register is a source (reg2 of reg_reg_imm_imm); the written `ra` is irrelevant at a block end.
  load_imm_and_jump_indirect: cost({ src1: 'reg2', latency: 22, drain: true }),
  add_32: ALU_3_NARROW,
  sub_32: ALU_3_NARROW,
  mul_32: cost({ ...D_SS, latency: 4, decode: 2, extraDecode: 'dst-differs-from-all-sources', alu: 1, mul: 1 }),
  div_unsigned_32: DIVISION,
  div_signed_32: DIVISION,
  rem_unsigned_32: DIVISION,
  rem_signed_32: DIVISION,
  shift_logical_left_32: SHIFT_NARROW,
  shift_logical_right_32: SHIFT_NARROW,
  shift_arithmetic_right_32: SHIFT_NARROW,
  add_64: ALU_3,
  sub_64: ALU_3,
  mul_64: cost({ ...D_SS, latency: 3, extraDecode: 'dst-differs-from-all-sources', alu: 1, mul: 1 }),
  div_unsigned_64: DIVISION,
  div_signed_64: DIVISION,
  rem_unsigned_64: DIVISION,
  rem_signed_64: DIVISION,
  shift_logical_left_64: SHIFT,
  shift_logical_right_64: SHIFT,
  shift_arithmetic_right_64: SHIFT,
  and: ALU_3,
  xor: ALU_3,
  or: ALU_3,
  mul_upper_signed_signed: MUL_UPPER,
  mul_upper_unsigned_unsigned: MUL_UPPER,
  mul_upper_signed_unsigned: cost({ ...MUL_UPPER, latency: 6 }),
  set_less_than_unsigned: COMPARE,
  set_less_than_signed: COMPARE,
  // Sources are the moved value and the condition; the old destination value is not tracked.
  cmov_if_zero: cost({ ...D_SS, latency: 2, decode: 2, alu: 1 }),
  cmov_if_not_zero: cost({ ...D_SS, latency: 2, decode: 2, alu: 1 }),
  rotate_left_64: SHIFT,
  rotate_left_32: SHIFT_NARROW,
  rotate_right_64: SHIFT,
  rotate_right_32: SHIFT_NARROW,
  and_inverted: cost({ ...D_SS, latency: 2, decode: 3, alu: 1 }),
  or_inverted: cost({ ...D_SS, latency: 2, decode: 3, alu: 1 }),
  xnor: cost({ ...D_SS, latency: 2, decode: 2, extraDecode: 'dst-differs-from-all-sources', alu: 1 }),
  maximum: MIN_MAX,
  maximum_unsigned: MIN_MAX,
  minimum: MIN_MAX,
  minimum_unsigned: MIN_MAX,
});

/** Cost of an unknown opcode and of the implicit trap: like `trap`. */
export const INVALID_PIPELINE_COST: PipelineCost = BLOCK_END;

// ---------------------------------------------------------------------------------------------------------------
// Packed tables for the simulator's hot path.

/** Execution resources available per cycle. */
export const MAX_ALU = 4;
export const MAX_LOAD = 4;
export const MAX_STORE = 4;
export const MAX_MUL = 1;
export const MAX_DIV = 1;

// Resource counts are packed into one integer, each field with a guard bit above it: subtracting a request from
// the available pool clears a field's guard bit exactly when that field is short, so one subtraction checks all.
const ALU_SHIFT = 0; // 3 bits + guard
const LOAD_SHIFT = 4; // 3 bits + guard
const STORE_SHIFT = 8; // 3 bits + guard
const MUL_SHIFT = 12; // 1 bit + guard
const DIV_SHIFT = 14; // 1 bit + guard

/** The guard bits of the packed resource pool. */
export const RESOURCE_GUARDS = (1 << 3) | (1 << 7) | (1 << 11) | (1 << 13) | (1 << 15);

function packResources(alu: number, load: number, store: number, mul: number, div: number): number {
  return (alu << ALU_SHIFT) | (load << LOAD_SHIFT) | (store << STORE_SHIFT) | (mul << MUL_SHIFT) | (div << DIV_SHIFT);
}

/** The full resource pool, with guard bits set. */
export const ALL_RESOURCES = packResources(MAX_ALU, MAX_LOAD, MAX_STORE, MAX_MUL, MAX_DIV) | RESOURCE_GUARDS;

/** Instruction kinds of the hot path. */
export const KIND_NORMAL = 0;
export const KIND_DRAIN = 1;
export const KIND_MOVE = 2;
export const KIND_BRANCH_IMM1 = 3;
export const KIND_BRANCH_IMM2 = 4;

/** Operand field codes in {@link CostTables.operands}: 0 = none, 1..3 = reg1..reg3. */
const FIELD_CODE: Readonly<Record<RegisterField, number>> = { reg1: 1, reg2: 2, reg3: 3 };

/** Extra-decode rule codes in {@link CostTables.operands} bits 6..7. */
export const EXTRA_NONE = 0;
export const EXTRA_SRC1 = 1;
export const EXTRA_ALL = 2;

/** Flat per-instruction tables (indexed by instruction id, {@link INVALID} included) for one bitness and cache. */
export interface CostTables {
  readonly kind: Uint8Array;
  /** Latency in cycles; unused for branches. */
  readonly latency: Uint8Array;
  /** Base decode slots. */
  readonly decode: Uint8Array;
  /** Packed resources (no guard bits). */
  readonly resources: Uint16Array;
  /** dst field (bits 0..1), src1 field (bits 2..3), src2 field (bits 4..5), extra-decode rule (bits 6..7). */
  readonly operands: Uint8Array;
}

/** Builds the flat tables for programs of the given bitness and a memory access latency. */
export function buildCostTables(is64Bit: boolean, memoryLatency: number): CostTables {
  const size = INVALID + 1;
  const tables: CostTables = {
    kind: new Uint8Array(size),
    latency: new Uint8Array(size),
    decode: new Uint8Array(size),
    resources: new Uint16Array(size),
    operands: new Uint8Array(size),
  };
  const wide = is64Bit ? 1 : 0;
  for (let id = 0; id < size; id++) {
    const c = id === INVALID ? INVALID_PIPELINE_COST : PIPELINE_COSTS[INSTRUCTIONS[id]!.name];
    const narrowExtra = c.narrow ? wide : 0;
    tables.kind[id] = c.move
      ? KIND_MOVE
      : c.target === 'imm1'
        ? KIND_BRANCH_IMM1
        : c.target === 'imm2'
          ? KIND_BRANCH_IMM2
          : c.drain
            ? KIND_DRAIN
            : KIND_NORMAL;
    tables.latency[id] = (c.latencyKind === 'memory' ? memoryLatency : c.latency) + narrowExtra;
    tables.decode[id] = c.decode + narrowExtra;
    tables.resources[id] = packResources(c.alu, c.load, c.store, c.mul, c.div);
    const extra =
      c.extraDecode === 'dst-differs-from-src1'
        ? EXTRA_SRC1
        : c.extraDecode === 'dst-differs-from-all-sources'
          ? EXTRA_ALL
          : EXTRA_NONE;
    tables.operands[id] =
      (c.dst === null ? 0 : FIELD_CODE[c.dst]) |
      ((c.src1 === null ? 0 : FIELD_CODE[c.src1]) << 2) |
      ((c.src2 === null ? 0 : FIELD_CODE[c.src2]) << 4) |
      (extra << 6);
  }
  return tables;
}
