/**
 * The compiler's view of the instruction table: for every instruction id, how to emit it, as small integers the
 * emitter switches on (no string comparisons in the per-instruction loop). Most instructions map onto one
 * WebAssembly opcode in one of a few shapes; the rest are {@link Shape.Special} with their own emission code.
 */
import { INSTRUCTIONS, type InstructionName } from '../isa/instruction-table.js';
import { W } from './wasm/opcodes.js';

export const enum Shape {
  /** Own emission code, selected by {@link Special}. */
  Special = 0,
  /** `reg1 = load(imm1)` (absolute address). */
  Load,
  /** `reg1 = load(reg2 + imm1)`. */
  LoadIndirect,
  /** `store(imm1, reg1)`. */
  Store,
  /** `store(reg2 + imm1, reg1)`. */
  StoreIndirect,
  /** `store(imm1, imm2)`. */
  StoreImm,
  /** `store(reg1 + imm1, imm2)`. */
  StoreImmIndirect,
  /** 32-bit `reg1 = reg2 op reg3`, result sign-extended. */
  Binary32,
  /** 32-bit `reg1 = reg2 op imm1`. */
  BinaryImm32,
  /** 32-bit `reg1 = imm1 op reg2`. */
  BinaryImmAlt32,
  /** 32-bit `reg1 = op reg2`. */
  Unary32,
  /** 32-bit `reg1 = helper(reg2, reg3)`. */
  Helper32,
  /** 64-bit `reg1 = reg2 op reg3`. */
  Binary64,
  BinaryImm64,
  BinaryImmAlt64,
  Unary64,
  Helper64,
  /** Register-width `reg1 = reg2 op reg3` (i64 in 64-bit programs, i32 otherwise). */
  BinaryWide,
  BinaryImmWide,
  /** Register-width comparison producing 0/1. */
  CompareWide,
  CompareImmWide,
  UnaryWide,
  /** `if reg1 op reg2 goto imm1`. */
  Branch,
  /** `if reg1 op imm1 goto imm2`. */
  BranchImm,
}

export const enum Special {
  None = 0,
  Trap,
  Fallthrough,
  Unlikely,
  Jump,
  LoadImmAndJump,
  JumpIndirect,
  LoadImmAndJumpIndirect,
  Ecalli,
  Memset,
  Sbrk,
  MoveReg,
  LoadImm,
  LoadImm64,
  AndInverted,
  OrInverted,
  Xnor,
  CmovIfZero,
  CmovIfNotZero,
  CmovIfZeroImm,
  CmovIfNotZeroImm,
  Maximum,
  MaximumUnsigned,
  Minimum,
  MinimumUnsigned,
  ZeroExtend16,
  ReverseByte,
  MulUpperSignedSigned,
  MulUpperUnsignedUnsigned,
  MulUpperSignedUnsigned,
}

/** Out-of-line helpers an instruction may call (index into the emit context's helper list). */
export const enum Helper {
  DivU32 = 0,
  DivS32,
  RemU32,
  RemS32,
  DivU64,
  DivS64,
  RemU64,
  RemS64,
}

/** Load kinds; the index of the per-kind slow-path helper. */
export const enum LoadKind {
  U8 = 0,
  I8,
  U16,
  I16,
  U32,
  I32,
  U64,
}
export const LOAD_KIND_COUNT = 7;
export const LOAD_KIND_SIZE: readonly (1 | 2 | 4 | 8)[] = [1, 1, 2, 2, 4, 4, 8];

interface Recipe {
  shape: Shape;
  /** The WebAssembly opcode (64-bit form for register-width shapes), load kind, store size, or helper. */
  a: number;
  /** The 32-bit form for register-width shapes. */
  b: number;
  special: Special;
}

const SPECIALS: Partial<Record<InstructionName, Special>> = {
  trap: Special.Trap,
  fallthrough: Special.Fallthrough,
  unlikely: Special.Unlikely,
  jump: Special.Jump,
  load_imm_and_jump: Special.LoadImmAndJump,
  jump_indirect: Special.JumpIndirect,
  load_imm_and_jump_indirect: Special.LoadImmAndJumpIndirect,
  ecalli: Special.Ecalli,
  memset: Special.Memset,
  sbrk: Special.Sbrk,
  move_reg: Special.MoveReg,
  load_imm: Special.LoadImm,
  load_imm64: Special.LoadImm64,
  and_inverted: Special.AndInverted,
  or_inverted: Special.OrInverted,
  xnor: Special.Xnor,
  cmov_if_zero: Special.CmovIfZero,
  cmov_if_not_zero: Special.CmovIfNotZero,
  cmov_if_zero_imm: Special.CmovIfZeroImm,
  cmov_if_not_zero_imm: Special.CmovIfNotZeroImm,
  maximum: Special.Maximum,
  maximum_unsigned: Special.MaximumUnsigned,
  minimum: Special.Minimum,
  minimum_unsigned: Special.MinimumUnsigned,
  zero_extend_16: Special.ZeroExtend16,
  reverse_byte: Special.ReverseByte,
  mul_upper_signed_signed: Special.MulUpperSignedSigned,
  mul_upper_unsigned_unsigned: Special.MulUpperUnsignedUnsigned,
  mul_upper_signed_unsigned: Special.MulUpperSignedUnsigned,
};

const LOAD_KINDS: Record<string, LoadKind> = { u8: LoadKind.U8, i8: LoadKind.I8, u16: LoadKind.U16, i16: LoadKind.I16, u32: LoadKind.U32, i32: LoadKind.I32, u64: LoadKind.U64 };
const STORE_SIZES: Record<string, number> = { u8: 1, u16: 2, u32: 4, u64: 8 };

const OPS_32: Record<string, W> = {
  add: W.i32_add,
  sub: W.i32_sub,
  mul: W.i32_mul,
  shift_logical_left: W.i32_shl,
  shift_logical_right: W.i32_shr_u,
  shift_arithmetic_right: W.i32_shr_s,
  rotate_left: W.i32_rotl,
  rotate_right: W.i32_rotr,
  negate_and_add: W.i32_sub,
  count_set_bits: W.i32_popcnt,
  count_leading_zero_bits: W.i32_clz,
  count_trailing_zero_bits: W.i32_ctz,
};
const OPS_64: Record<string, W> = {
  add: W.i64_add,
  sub: W.i64_sub,
  mul: W.i64_mul,
  shift_logical_left: W.i64_shl,
  shift_logical_right: W.i64_shr_u,
  shift_arithmetic_right: W.i64_shr_s,
  rotate_left: W.i64_rotl,
  rotate_right: W.i64_rotr,
  negate_and_add: W.i64_sub,
  count_set_bits: W.i64_popcnt,
  count_leading_zero_bits: W.i64_clz,
  count_trailing_zero_bits: W.i64_ctz,
};
const HELPERS: Record<string, Helper> = {
  div_unsigned_32: Helper.DivU32,
  div_signed_32: Helper.DivS32,
  rem_unsigned_32: Helper.RemU32,
  rem_signed_32: Helper.RemS32,
  div_unsigned_64: Helper.DivU64,
  div_signed_64: Helper.DivS64,
  rem_unsigned_64: Helper.RemU64,
  rem_signed_64: Helper.RemS64,
};
/** Register-width operations: [i64 form, i32 form]. */
const WIDE: Record<string, readonly [W, W]> = {
  and: [W.i64_and, W.i32_and],
  or: [W.i64_or, W.i32_or],
  xor: [W.i64_xor, W.i32_xor],
  sign_extend_8: [W.i64_extend8_s, W.i32_extend8_s],
  sign_extend_16: [W.i64_extend16_s, W.i32_extend16_s],
};
const COMPARISONS: Record<string, readonly [W, W]> = {
  eq: [W.i64_eq, W.i32_eq],
  not_eq: [W.i64_ne, W.i32_ne],
  less_unsigned: [W.i64_lt_u, W.i32_lt_u],
  less_signed: [W.i64_lt_s, W.i32_lt_s],
  greater_or_equal_unsigned: [W.i64_ge_u, W.i32_ge_u],
  greater_or_equal_signed: [W.i64_ge_s, W.i32_ge_s],
  less_or_equal_unsigned: [W.i64_le_u, W.i32_le_u],
  less_or_equal_signed: [W.i64_le_s, W.i32_le_s],
  greater_unsigned: [W.i64_gt_u, W.i32_gt_u],
  greater_signed: [W.i64_gt_s, W.i32_gt_s],
  less_than_unsigned: [W.i64_lt_u, W.i32_lt_u],
  less_than_signed: [W.i64_lt_s, W.i32_lt_s],
  greater_than_unsigned: [W.i64_gt_u, W.i32_gt_u],
  greater_than_signed: [W.i64_gt_s, W.i32_gt_s],
};

function recipeFor(name: InstructionName): Recipe {
  const special = SPECIALS[name];
  if (special !== undefined) return { shape: Shape.Special, a: 0, b: 0, special };
  const r = (shape: Shape, a: number, b = 0): Recipe => ({ shape, a, b, special: Special.None });
  let m: RegExpMatchArray | null;
  if ((m = /^load_(indirect_)?([ui]\d+)$/.exec(name))) return r(m[1] ? Shape.LoadIndirect : Shape.Load, LOAD_KINDS[m[2]!]!);
  if ((m = /^store_(imm_)?(indirect_)?(u\d+)$/.exec(name))) {
    const size = STORE_SIZES[m[3]!]!;
    if (m[1]) return r(m[2] ? Shape.StoreImmIndirect : Shape.StoreImm, size);
    return r(m[2] ? Shape.StoreIndirect : Shape.Store, size);
  }
  if ((m = /^branch_(.+?)(_imm)?$/.exec(name))) {
    const ops = COMPARISONS[m[1]!]!;
    return r(m[2] ? Shape.BranchImm : Shape.Branch, ops[0], ops[1]);
  }
  if ((m = /^set_(.+?)(_imm)?$/.exec(name))) {
    const ops = COMPARISONS[m[1]!]!;
    return r(m[2] ? Shape.CompareImmWide : Shape.CompareWide, ops[0], ops[1]);
  }
  const helper = HELPERS[name];
  if (helper !== undefined) return r(name.endsWith('_32') ? Shape.Helper32 : Shape.Helper64, helper);
  if ((m = /^(.+?)(_imm)?(_alt)?_(32|64)$/.exec(name))) {
    const wide = m[4] === '64';
    const op = (wide ? OPS_64 : OPS_32)[m[1]!]!;
    if (name.startsWith('count_')) return r(wide ? Shape.Unary64 : Shape.Unary32, op);
    // negate_and_add_imm computes imm - reg: the "alt" operand order.
    const alt = m[3] !== undefined || m[1] === 'negate_and_add';
    if (m[2] === undefined) return r(wide ? Shape.Binary64 : Shape.Binary32, op);
    if (alt) return r(wide ? Shape.BinaryImmAlt64 : Shape.BinaryImmAlt32, op);
    return r(wide ? Shape.BinaryImm64 : Shape.BinaryImm32, op);
  }
  if ((m = /^(and|or|xor)(_imm)?$/.exec(name))) {
    const ops = WIDE[m[1]!]!;
    return r(m[2] ? Shape.BinaryImmWide : Shape.BinaryWide, ops[0], ops[1]);
  }
  const unary = WIDE[name];
  if (unary !== undefined) return r(Shape.UnaryWide, unary[0], unary[1]);
  throw new Error(`internal error: the compiler has no recipe for '${name}'`);
}

const RECIPES = INSTRUCTIONS.map((def) => recipeFor(def.name));

/** Per instruction id: its {@link Shape}. */
export const SHAPE = Uint8Array.from(RECIPES, (recipe) => recipe.shape);
/** Per instruction id: the {@link Special} emission (for `Shape.Special`). */
export const SPECIAL = Uint8Array.from(RECIPES, (recipe) => recipe.special);
/** Per instruction id: opcode (64-bit form), load kind, store size or helper. */
export const OPERATION = Uint16Array.from(RECIPES, (recipe) => recipe.a);
/** Per instruction id: the 32-bit opcode of a register-width shape. */
export const OPERATION_32 = Uint16Array.from(RECIPES, (recipe) => recipe.b);
