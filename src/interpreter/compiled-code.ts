/**
 * The interpreter's pre-decoded program: a growing stream of handlers with operands in parallel typed arrays,
 * compiled lazily one basic block at a time (the reference interpreter's design). Shared by all instances of a
 * module: compilation is deterministic, and execution never runs while another instance compiles (host calls
 * happen between runs).
 */
import type { BlockCostCalculator, CostModel } from '../gas/cost-model.js';
import { Code, DecodedInstruction } from '../isa/code.js';
import { INSTRUCTIONS, INVALID, type InstructionName } from '../isa/instruction-table.js';
import { H, UNRESOLVED_BRANCH_DELTA, ZERO_REGISTER, word } from './handlers.js';

/** Options fixed per module that change how blocks compile. */
export interface CompileOptions {
  gasMetering: boolean;
  stepTracing: boolean;
  costModel: CostModel;
  /**
   * Falling through past the end of the code executes a trap at the code length, charged as its own block
   * (the Gray Paper's and the JAM test vectors' semantics). When false (PolkaVM 0.35), the `fallthrough`
   * instruction itself traps and nothing more is charged.
   */
  trapAtCodeEnd: boolean;
  /**
   * Emit a BOUNDARY handler at the start of every block that is a valid jump target, so that the compiled
   * backend can hand control back to compiled code there.
   */
  boundaries?: boolean;
}

/**
 * Handler for each instruction that maps 1:1 onto a handler with the standard operand layout of its kind:
 * `[for 64-bit programs, for 32-bit programs]`.
 */
const SIMPLE: Partial<Record<InstructionName, readonly [H, H]>> = {
  load_u8: [H.LOAD_U8, H.LOAD_U8],
  load_i8: [H.LOAD_I8, H.LOAD_I8],
  load_u16: [H.LOAD_U16, H.LOAD_U16],
  load_i16: [H.LOAD_I16, H.LOAD_I16],
  load_u32: [H.LOAD_U32, H.LOAD_U32],
  load_i32: [H.LOAD_I32, H.LOAD_I32],
  load_u64: [H.LOAD_U64, H.LOAD_U64],
  store_u8: [H.STORE_U8, H.STORE_U8],
  store_u16: [H.STORE_U16, H.STORE_U16],
  store_u32: [H.STORE_U32, H.STORE_U32],
  store_u64: [H.STORE_U64, H.STORE_U64],
  load_indirect_u8: [H.LOAD_U8, H.LOAD_U8],
  load_indirect_i8: [H.LOAD_I8, H.LOAD_I8],
  load_indirect_u16: [H.LOAD_U16, H.LOAD_U16],
  load_indirect_i16: [H.LOAD_I16, H.LOAD_I16],
  load_indirect_u32: [H.LOAD_U32, H.LOAD_U32],
  load_indirect_i32: [H.LOAD_I32, H.LOAD_I32],
  load_indirect_u64: [H.LOAD_U64, H.LOAD_U64],
  store_indirect_u8: [H.STORE_U8, H.STORE_U8],
  store_indirect_u16: [H.STORE_U16, H.STORE_U16],
  store_indirect_u32: [H.STORE_U32, H.STORE_U32],
  store_indirect_u64: [H.STORE_U64, H.STORE_U64],
  store_imm_u8: [H.STORE_IMM_U8, H.STORE_IMM_U8],
  store_imm_u16: [H.STORE_IMM_U16, H.STORE_IMM_U16],
  store_imm_u32: [H.STORE_IMM_U32, H.STORE_IMM_U32],
  store_imm_u64: [H.STORE_IMM_U64, H.STORE_IMM_U64],
  store_imm_indirect_u8: [H.STORE_IMM_U8, H.STORE_IMM_U8],
  store_imm_indirect_u16: [H.STORE_IMM_U16, H.STORE_IMM_U16],
  store_imm_indirect_u32: [H.STORE_IMM_U32, H.STORE_IMM_U32],
  store_imm_indirect_u64: [H.STORE_IMM_U64, H.STORE_IMM_U64],
  move_reg: [H.MOVE_REG, H.MOVE_REG],
  load_imm: [H.LOAD_IMM, H.LOAD_IMM],
  load_imm64: [H.LOAD_IMM64, H.LOAD_IMM64],
  sbrk: [H.SBRK, H.SBRK],
  add_32: [H.ADD_32, H.ADD_32],
  sub_32: [H.SUB_32, H.SUB_32],
  mul_32: [H.MUL_32, H.MUL_32],
  div_unsigned_32: [H.DIV_U_32, H.DIV_U_32],
  div_signed_32: [H.DIV_S_32, H.DIV_S_32],
  rem_unsigned_32: [H.REM_U_32, H.REM_U_32],
  rem_signed_32: [H.REM_S_32, H.REM_S_32],
  shift_logical_left_32: [H.SHL_32, H.SHL_32],
  shift_logical_right_32: [H.SHR_32, H.SHR_32],
  shift_arithmetic_right_32: [H.SAR_32, H.SAR_32],
  rotate_left_32: [H.ROL_32, H.ROL_32],
  rotate_right_32: [H.ROR_32, H.ROR_32],
  add_64: [H.ADD_64, H.ADD_64],
  sub_64: [H.SUB_64, H.SUB_64],
  mul_64: [H.MUL_64, H.MUL_64],
  div_unsigned_64: [H.DIV_U_64, H.DIV_U_64],
  div_signed_64: [H.DIV_S_64, H.DIV_S_64],
  rem_unsigned_64: [H.REM_U_64, H.REM_U_64],
  rem_signed_64: [H.REM_S_64, H.REM_S_64],
  shift_logical_left_64: [H.SHL_64, H.SHL_64],
  shift_logical_right_64: [H.SHR_64, H.SHR_64],
  shift_arithmetic_right_64: [H.SAR_64, H.SAR_64],
  rotate_left_64: [H.ROL_64, H.ROL_64],
  rotate_right_64: [H.ROR_64, H.ROR_64],
  and: [H.AND, H.AND],
  xor: [H.XOR, H.XOR],
  or: [H.OR, H.OR],
  and_inverted: [H.AND_INV, H.AND_INV],
  or_inverted: [H.OR_INV, H.OR_INV],
  xnor: [H.XNOR, H.XNOR],
  mul_upper_signed_signed: [H.MULH_SS_64, H.MULH_SS_32],
  mul_upper_unsigned_unsigned: [H.MULH_UU_64, H.MULH_UU_32],
  mul_upper_signed_unsigned: [H.MULH_SU_64, H.MULH_SU_32],
  set_less_than_unsigned: [H.SLT_U, H.SLT_U],
  set_less_than_signed: [H.SLT_S, H.SLT_S],
  cmov_if_zero: [H.CMOV_Z, H.CMOV_Z],
  cmov_if_not_zero: [H.CMOV_NZ, H.CMOV_NZ],
  maximum: [H.MAX, H.MAX],
  maximum_unsigned: [H.MAX_U, H.MAX_U],
  minimum: [H.MIN, H.MIN],
  minimum_unsigned: [H.MIN_U, H.MIN_U],
  add_imm_32: [H.ADD_IMM_32, H.ADD_IMM_32],
  add_imm_64: [H.ADD_IMM_64, H.ADD_IMM_64],
  mul_imm_32: [H.MUL_IMM_32, H.MUL_IMM_32],
  mul_imm_64: [H.MUL_IMM_64, H.MUL_IMM_64],
  and_imm: [H.AND_IMM, H.AND_IMM],
  xor_imm: [H.XOR_IMM, H.XOR_IMM],
  or_imm: [H.OR_IMM, H.OR_IMM],
  set_less_than_unsigned_imm: [H.SLT_U_IMM, H.SLT_U_IMM],
  set_less_than_signed_imm: [H.SLT_S_IMM, H.SLT_S_IMM],
  set_greater_than_unsigned_imm: [H.SGT_U_IMM, H.SGT_U_IMM],
  set_greater_than_signed_imm: [H.SGT_S_IMM, H.SGT_S_IMM],
  shift_logical_left_imm_32: [H.SHL_IMM_32, H.SHL_IMM_32],
  shift_logical_right_imm_32: [H.SHR_IMM_32, H.SHR_IMM_32],
  shift_arithmetic_right_imm_32: [H.SAR_IMM_32, H.SAR_IMM_32],
  shift_logical_left_imm_64: [H.SHL_IMM_64, H.SHL_IMM_64],
  shift_logical_right_imm_64: [H.SHR_IMM_64, H.SHR_IMM_64],
  shift_arithmetic_right_imm_64: [H.SAR_IMM_64, H.SAR_IMM_64],
  shift_logical_left_imm_alt_32: [H.SHL_IMM_ALT_32, H.SHL_IMM_ALT_32],
  shift_logical_right_imm_alt_32: [H.SHR_IMM_ALT_32, H.SHR_IMM_ALT_32],
  shift_arithmetic_right_imm_alt_32: [H.SAR_IMM_ALT_32, H.SAR_IMM_ALT_32],
  shift_logical_left_imm_alt_64: [H.SHL_IMM_ALT_64, H.SHL_IMM_ALT_64],
  shift_logical_right_imm_alt_64: [H.SHR_IMM_ALT_64, H.SHR_IMM_ALT_64],
  shift_arithmetic_right_imm_alt_64: [H.SAR_IMM_ALT_64, H.SAR_IMM_ALT_64],
  negate_and_add_imm_32: [H.NEG_ADD_IMM_32, H.NEG_ADD_IMM_32],
  negate_and_add_imm_64: [H.NEG_ADD_IMM_64, H.NEG_ADD_IMM_64],
  cmov_if_zero_imm: [H.CMOV_Z_IMM, H.CMOV_Z_IMM],
  cmov_if_not_zero_imm: [H.CMOV_NZ_IMM, H.CMOV_NZ_IMM],
  rotate_right_imm_32: [H.ROR_IMM_32, H.ROR_IMM_32],
  rotate_right_imm_alt_32: [H.ROR_IMM_ALT_32, H.ROR_IMM_ALT_32],
  rotate_right_imm_64: [H.ROR_IMM_64, H.ROR_IMM_64],
  rotate_right_imm_alt_64: [H.ROR_IMM_ALT_64, H.ROR_IMM_ALT_64],
  count_leading_zero_bits_32: [H.CLZ_32, H.CLZ_32],
  count_leading_zero_bits_64: [H.CLZ_64, H.CLZ_64],
  count_trailing_zero_bits_32: [H.CTZ_32, H.CTZ_32],
  count_trailing_zero_bits_64: [H.CTZ_64, H.CTZ_64],
  count_set_bits_32: [H.POPCNT_32, H.POPCNT_32],
  count_set_bits_64: [H.POPCNT_64, H.POPCNT_64],
  sign_extend_8: [H.SEXT_8, H.SEXT_8],
  sign_extend_16: [H.SEXT_16, H.SEXT_16],
  zero_extend_16: [H.ZEXT_16, H.ZEXT_16],
  reverse_byte: [H.REV_64, H.REV_32],
  branch_eq: [H.BR_EQ, H.BR32_EQ],
  branch_not_eq: [H.BR_NE, H.BR32_NE],
  branch_less_unsigned: [H.BR_LT_U, H.BR32_LT_U],
  branch_less_signed: [H.BR_LT_S, H.BR32_LT_S],
  branch_greater_or_equal_unsigned: [H.BR_GE_U, H.BR32_GE_U],
  branch_greater_or_equal_signed: [H.BR_GE_S, H.BR32_GE_S],
  branch_eq_imm: [H.BR_EQ_IMM, H.BR32_EQ_IMM],
  branch_not_eq_imm: [H.BR_NE_IMM, H.BR32_NE_IMM],
  branch_less_unsigned_imm: [H.BR_LT_U_IMM, H.BR32_LT_U_IMM],
  branch_less_or_equal_unsigned_imm: [H.BR_LE_U_IMM, H.BR32_LE_U_IMM],
  branch_greater_or_equal_unsigned_imm: [H.BR_GE_U_IMM, H.BR32_GE_U_IMM],
  branch_greater_unsigned_imm: [H.BR_GT_U_IMM, H.BR32_GT_U_IMM],
  branch_less_signed_imm: [H.BR_LT_S_IMM, H.BR32_LT_S_IMM],
  branch_less_or_equal_signed_imm: [H.BR_LE_S_IMM, H.BR32_LE_S_IMM],
  branch_greater_or_equal_signed_imm: [H.BR_GE_S_IMM, H.BR32_GE_S_IMM],
  branch_greater_signed_imm: [H.BR_GT_S_IMM, H.BR32_GT_S_IMM],
};

/** Handler per instruction id, for 64-bit and 32-bit programs (-1: needs special handling). */
const HANDLER_64 = new Int16Array(INSTRUCTIONS.length + 1).fill(-1);
const HANDLER_32 = new Int16Array(INSTRUCTIONS.length + 1).fill(-1);
for (const def of INSTRUCTIONS) {
  const pair = SIMPLE[def.name];
  if (pair !== undefined) {
    HANDLER_64[def.id] = pair[0];
    HANDLER_32[def.id] = pair[1];
  }
}

const NO_BLOCK = -1;

/** Lazily compiled handler stream for one module. */
export class CompiledCode {
  /** Handler words: `op | r0 << 8 | r1 << 12 | r2 << 16` (see handlers.ts). */
  words = new Int32Array(1024);
  xs = new Int32Array(1024);
  ys = new Int32Array(1024);
  /** Code offset of the instruction each handler belongs to. */
  pcs = new Uint32Array(1024);
  /** Number of handlers emitted so far. */
  length = 0;
  /**
   * Per code offset (plus one past the end): `-1` if not compiled, else `handlerIndex * 2 + validJumpTarget`.
   * The handler index points at the instruction's first handler (its STEP or CHARGE_GAS if any).
   */
  readonly offsets: Int32Array;

  private readonly handlers: Int16Array;
  private readonly decoded = new DecodedInstruction();
  /**
   * Instructions of tracked blocks (blocks ending in an implicit invalid instruction, or starting where no jump
   * may go) by code offset: the start of their block. See InterpreterInstance.markBlock.
   */
  readonly trackedOwner = new Map<number, number>();
  /** Per block start, whether its walk ends in an implicit invalid instruction (filled as needed). */
  private readonly implicitEnd = new Map<number, boolean>();
  private readonly scratch = new DecodedInstruction();
  private readonly costs: BlockCostCalculator;

  constructor(
    readonly code: Code,
    readonly options: CompileOptions,
  ) {
    this.offsets = new Int32Array(code.length + 1).fill(NO_BLOCK);
    this.handlers = code.isa.is64Bit ? HANDLER_64 : HANDLER_32;
    this.costs = options.costModel.calculator(code);
  }

  private grow(): void {
    const size = this.words.length * 2;
    const words = new Int32Array(size);
    const xs = new Int32Array(size);
    const ys = new Int32Array(size);
    const pcs = new Uint32Array(size);
    words.set(this.words);
    xs.set(this.xs);
    ys.set(this.ys);
    pcs.set(this.pcs);
    this.words = words;
    this.xs = xs;
    this.ys = ys;
    this.pcs = pcs;
  }

  private emit(pc: number, word: number, x = 0, y = 0): void {
    if (this.length === this.words.length) this.grow();
    const i = this.length++;
    this.words[i] = word;
    this.xs[i] = x;
    this.ys[i] = y;
    this.pcs[i] = pc;
  }

  /** Index of the block starting at a code offset reached by a jump from inside the program, or -1 (trap). */
  resolveJump(pc: number): number {
    const packed = pc >= 0 && pc < this.offsets.length ? this.offsets[pc]! : NO_BLOCK;
    if (packed !== NO_BLOCK) return (packed & 1) === 1 ? packed >>> 1 : -1;
    if (!this.code.isJumpTargetValid(pc)) return -1;
    return this.compileBlock(pc);
  }

  /**
   * Index of the block a `fallthrough` continues into, or -1 (trap at the fallthrough: past the end of the code).
   *
   * The reference also traps when the block is already compiled but is no valid jump target. In one reference
   * instance that cannot happen: such a block is only ever compiled by resolving the one `fallthrough` before it,
   * whose handler then jumps there for good. Here it can: compiled code that ran the `fallthrough` marks the block
   * (InterpreterInstance.markBlock) while the interpreter compiles the `fallthrough` itself only later, for a host
   * entry in its block. The reference instance would long have resolved it, so it continues into the block.
   */
  resolveFallthrough(pc: number): number {
    const packed = pc < this.offsets.length ? this.offsets[pc]! : NO_BLOCK;
    if (packed !== NO_BLOCK) return packed >>> 1;
    return this.compileBlock(pc);
  }

  /**
   * Compiles the basic block starting at `pc`; returns the index of its first handler, or -1 if there is no
   * block there (at or past the end of the code).
   *
   * Blocks whose last instruction continues into the next one (branches when not taken, `fallthrough`) are
   * followed directly by that next block, compiled here as well, or by a JUMP to it if it already exists. This
   * only happens when the next instruction is a valid jump target, where compiling early cannot change what the
   * host observes.
   */
  compileBlock(pc: number): number {
    const end = this.code.length;
    if (pc > end || (pc === end && !this.options.trapAtCodeEnd)) return -1;
    const origin = this.length;
    let next = pc;
    while (next >= 0) {
      next = this.compileOne(next);
      if (next < 0) break;
      const packed = this.offsets[next]!;
      if (packed !== NO_BLOCK) {
        this.emit(next, word(H.JUMP), packed >>> 1);
        break;
      }
    }
    return this.length === origin ? -1 : origin;
  }

  /**
   * Whether the block starting at `pc` ends in an implicit invalid instruction. Such blocks mark the instance when
   * the reference would compile them, because a host entry at that implicit instruction depends on it (see
   * InterpreterInstance.markBlock).
   */
  endsInImplicitInvalid(pc: number): boolean {
    if (!this.code.mayHaveImplicitInvalid) return false;
    let known = this.implicitEnd.get(pc);
    if (known === undefined) {
      known = this.code.blockEndsInImplicitInvalid(pc, this.scratch);
      this.implicitEnd.set(pc, known);
    }
    return known;
  }

  /** Compiles one block; returns the code offset it continues into (see {@link compileBlock}) or -1. */
  private compileOne(pc: number): number {
    const { gasMetering, stepTracing } = this.options;
    const costs = this.costs;
    let chargeIndex = -1;
    let valid = this.code.isJumpTargetValid(pc) ? 1 : 0;
    let continuation = -1;
    const boundaries = this.options.boundaries === true;
    const origin = this.length;
    const validStart = valid === 1;
    let implicitEnd = false;
    let lastPc = pc;
    this.code.walkBounded(pc, this.decoded, (ins) => {
      lastPc = ins.pc;
      if (ins.implicit) implicitEnd = true;
      this.offsets[ins.pc] = this.length * 2 + valid;
      if (boundaries && valid === 1) this.emit(ins.pc, word(H.BOUNDARY));
      valid = 0;
      if (stepTracing) this.emit(ins.pc, word(H.STEP));
      if (gasMetering) {
        if (chargeIndex < 0) {
          chargeIndex = this.length;
          this.emit(ins.pc, word(H.CHARGE_GAS));
        }
        costs.add(ins);
      }
      continuation = this.emitInstruction(ins);
      return continuation === CONTINUE;
    });
    if (implicitEnd || !validStart) chargeIndex = this.track(pc, origin + (boundaries && validStart ? 1 : 0), lastPc, chargeIndex);
    if (gasMetering) {
      const cost = costs.finish();
      if (chargeIndex >= 0) this.xs[chargeIndex] = cost;
    }
    return continuation;
  }

  /**
   * Makes the block at `pc` (compiled at handler indices from `at` on, its instructions at offsets up to `lastPc`)
   * a tracked block: inserts a MARK before its first STEP/CHARGE_GAS/instruction handler, and records it as the
   * owner of its instructions. Returns the moved `chargeIndex`. Done after the walk, as whether the block ends in
   * an implicit invalid instruction is known only then (rare either way: linkers never emit such blocks).
   */
  private track(pc: number, at: number, lastPc: number, chargeIndex: number): number {
    if (this.length === this.words.length) this.grow();
    const end = this.length;
    this.words.copyWithin(at + 1, at, end);
    this.xs.copyWithin(at + 1, at, end);
    this.ys.copyWithin(at + 1, at, end);
    this.pcs.copyWithin(at + 1, at, end);
    this.length++;
    this.words[at] = word(H.MARK);
    this.xs[at] = pc;
    this.ys[at] = 0;
    this.pcs[at] = pc;
    // Every instruction after the block start now begins one handler later (the start keeps its BOUNDARY or
    // now begins with the MARK).
    this.trackedOwner.set(pc, pc);
    for (let offset = pc + 1; offset <= lastPc; offset++) {
      const packed = this.offsets[offset]!;
      if (packed !== NO_BLOCK && packed >>> 1 >= at && packed >>> 1 < end) {
        this.offsets[offset] = packed + 2;
        this.trackedOwner.set(offset, pc);
      }
    }
    return chargeIndex >= at ? chargeIndex + 1 : chargeIndex;
  }

  /**
   * Emits the handler for one instruction. Returns {@link CONTINUE} if the block goes on, else the code offset
   * the next handler must continue into, or -1 if the block ends without a fall-through edge.
   */
  private emitInstruction(ins: DecodedInstruction): number {
    const { id, pc } = ins;
    if (id === INVALID) {
      this.emit(pc, word(H.TRAP));
      return -1;
    }
    const def = INSTRUCTIONS[id]!;
    const handler = this.handlers[id]!;
    if (handler >= 0) return this.emitSimple(handler, def.kind, ins);
    switch (def.name) {
      case 'trap':
        this.emit(pc, word(H.TRAP));
        return -1;
      case 'fallthrough':
        if (this.code.isJumpTargetValid(ins.nextPc)) {
          // A real handler (not just the layout) so that a host entering at this instruction charges this block.
          this.emit(pc, word(H.FALLTHROUGH));
          return ins.nextPc;
        }
        // Falls into something that is not a block start (or off the end): resolved lazily like the reference.
        this.emit(pc, word(H.UNRESOLVED_FALLTHROUGH), ins.nextPc);
        return -1;
      case 'unlikely':
        return CONTINUE; // a hint only: no handler
      case 'memset':
        this.emit(pc, word(H.MEMSET));
        return CONTINUE;
      case 'ecalli':
        this.emit(pc, word(H.ECALLI), ins.imm1, ins.nextPc);
        return CONTINUE;
      case 'jump':
        this.emit(pc, word(H.UNRESOLVED_JUMP), ins.imm1);
        return -1;
      case 'jump_indirect':
        this.emit(pc, word(H.JUMP_INDIRECT, ins.reg1), ins.imm1);
        return -1;
      case 'load_imm_and_jump':
        this.emit(pc, word(H.UNRESOLVED_LOAD_IMM_AND_JUMP, ins.reg1), ins.imm1, ins.imm2);
        return -1;
      case 'load_imm_and_jump_indirect':
        this.emit(pc, word(H.LOAD_IMM_AND_JUMP_INDIRECT, ins.reg1, ins.reg2), ins.imm1, ins.imm2);
        return -1;
      default:
        throw new Error(`internal error: no interpreter handler for '${def.name}'`);
    }
  }

  private emitSimple(handler: H, kind: string, ins: DecodedInstruction): number {
    const pc = ins.pc;
    switch (kind) {
      case 'reg_reg_reg':
        this.emit(pc, word(handler, ins.reg1, ins.reg2, ins.reg3));
        return CONTINUE;
      case 'reg_reg_imm':
        this.emit(pc, word(handler, ins.reg1, ins.reg2), ins.imm1);
        return CONTINUE;
      case 'reg_imm_imm':
        // store_imm_indirect (base, offset, value)
        this.emit(pc, word(handler, ins.reg1), ins.imm1, ins.imm2);
        return CONTINUE;
      case 'reg_reg':
        this.emit(pc, word(handler, ins.reg1, ins.reg2));
        return CONTINUE;
      case 'reg_imm':
        // load_imm (d, imm), or an absolute load/store (register, address) via the zero register.
        this.emit(pc, handler === H.LOAD_IMM ? word(handler, ins.reg1) : word(handler, ins.reg1, ZERO_REGISTER), ins.imm1);
        return CONTINUE;
      case 'imm_imm':
        // store_imm (address, value)
        this.emit(pc, word(handler, ZERO_REGISTER), ins.imm1, ins.imm2);
        return CONTINUE;
      case 'reg_imm64':
        this.emit(pc, word(handler, ins.reg1), ins.imm1, ins.imm2);
        return CONTINUE;
      case 'reg_imm_offset':
      case 'reg_reg_offset': {
        // Branches: both edges must be valid jump targets, otherwise the branch always traps.
        const withImmediate = kind === 'reg_imm_offset';
        const taken = withImmediate ? ins.imm2 : ins.imm1;
        if (!this.code.isJumpTargetValid(taken) || !this.code.isJumpTargetValid(ins.nextPc)) {
          this.emit(pc, word(H.TRAP));
          return -1;
        }
        // The reference compiles both edges when the branch first runs; edges that end in an implicit invalid
        // instruction are marked for the instance whenever the branch runs.
        if (this.endsInImplicitInvalid(taken)) this.emit(pc, word(H.MARK), taken);
        if (this.endsInImplicitInvalid(ins.nextPc)) this.emit(pc, word(H.MARK), ins.nextPc);
        const op = handler + UNRESOLVED_BRANCH_DELTA;
        this.emit(pc, withImmediate ? word(op, ins.reg1) : word(op, ins.reg1, ins.reg2), withImmediate ? ins.imm1 : 0, taken);
        return ins.nextPc;
      }
      default:
        throw new Error(`internal error: unexpected operand kind '${kind}'`);
    }
  }
}

/** {@link CompiledCode.emitInstruction} result: the block continues with the next instruction. */
const CONTINUE = -2;
