/**
 * Handler ids of the interpreter's pre-decoded instruction stream. Each guest instruction compiles to one
 * handler (`unlikely` to none); blocks additionally start with `CHARGE_GAS` (gas metering) and every
 * instruction is preceded by `STEP` when step tracing is on.
 *
 * Each handler is one int32 word `op | r0 << 8 | r1 << 12 | r2 << 16` (up to three register operands, so one
 * load fetches the opcode and its registers) plus two int32 operands `x` and `y`; their meaning per handler is
 * given below. Register operands are indices into the register file; index 13 is a constant zero register that
 * lets absolute-address loads and stores share the indirect handlers.
 *
 * A branch continues at the next handler when not taken: the block compiler places the fall-through block (or a
 * JUMP to it) right after every branch.
 */

/** Packs a handler word. */
export function word(op: number, r0 = 0, r1 = 0, r2 = 0): number {
  return op | (r0 << 8) | (r1 << 12) | (r2 << 16);
}

/** Register index that always reads as zero. */
export const ZERO_REGISTER = 13;

export const enum H {
  // --- control ---
  /** Step-tracing interrupt before an instruction. */
  STEP,
  /** x = block cost. */
  CHARGE_GAS,
  TRAP,
  /** Continue with the next handler. */
  FALLTHROUGH,
  /** x = code offset to fall through to. */
  UNRESOLVED_FALLTHROUGH,
  /** x = handler index. */
  JUMP,
  /** x = code offset. */
  UNRESOLVED_JUMP,
  /** r0 = base register, x = offset. */
  JUMP_INDIRECT,
  /** r0 = ra, x = value, y = handler index. */
  LOAD_IMM_AND_JUMP,
  /** r0 = ra, x = value, y = code offset. */
  UNRESOLVED_LOAD_IMM_AND_JUMP,
  /** r0 = ra, r1 = base, x = value, y = offset. */
  LOAD_IMM_AND_JUMP_INDIRECT,
  /** x = host call number, y = code offset of the next instruction. */
  ECALLI,
  /** r0 = destination, r1 = size register. */
  SBRK,
  MEMSET,
  /**
   * Start of a block where compiled code can take over (compiled backend only): exits with `Boundary` unless it
   * is the first handler of the run. If compiled code does not take over, the interpreter goes on after it.
   */
  BOUNDARY,
  /**
   * x = code offset of a block that ends in an implicit invalid instruction: records, for this instance, that the
   * reference would have compiled that block by now (see InterpreterInstance.markBlock).
   */
  MARK,

  // --- memory: r0 = value register (destination for loads, source for stores), r1 = base, x = offset ---
  LOAD_U8,
  LOAD_I8,
  LOAD_U16,
  LOAD_I16,
  LOAD_U32,
  LOAD_I32,
  LOAD_U64,
  STORE_U8,
  STORE_U16,
  STORE_U32,
  STORE_U64,
  // r0 = base, x = offset, y = value
  STORE_IMM_U8,
  STORE_IMM_U16,
  STORE_IMM_U32,
  STORE_IMM_U64,

  // --- moves: r0 = destination ---
  /** r1 = source. */
  MOVE_REG,
  /** x = immediate. */
  LOAD_IMM,
  /** x = low 32 bits, y = high 32 bits. */
  LOAD_IMM64,

  // --- three registers: r0 = destination, r1 = first source, r2 = second source ---
  ADD_32,
  SUB_32,
  MUL_32,
  DIV_U_32,
  DIV_S_32,
  REM_U_32,
  REM_S_32,
  SHL_32,
  SHR_32,
  SAR_32,
  ROL_32,
  ROR_32,
  ADD_64,
  SUB_64,
  MUL_64,
  DIV_U_64,
  DIV_S_64,
  REM_U_64,
  REM_S_64,
  SHL_64,
  SHR_64,
  SAR_64,
  ROL_64,
  ROR_64,
  AND,
  XOR,
  OR,
  AND_INV,
  OR_INV,
  XNOR,
  MULH_SS_32,
  MULH_UU_32,
  MULH_SU_32,
  MULH_SS_64,
  MULH_UU_64,
  MULH_SU_64,
  SLT_U,
  SLT_S,
  /** r0 = destination, r1 = value, r2 = condition. */
  CMOV_Z,
  CMOV_NZ,
  MAX,
  MAX_U,
  MIN,
  MIN_U,

  // --- register and immediate: r0 = destination, r1 = register, x = immediate ---
  ADD_IMM_32,
  ADD_IMM_64,
  MUL_IMM_32,
  MUL_IMM_64,
  AND_IMM,
  XOR_IMM,
  OR_IMM,
  SLT_U_IMM,
  SLT_S_IMM,
  SGT_U_IMM,
  SGT_S_IMM,
  SHL_IMM_32,
  SHR_IMM_32,
  SAR_IMM_32,
  SHL_IMM_64,
  SHR_IMM_64,
  SAR_IMM_64,
  /** The `_ALT` forms shift the immediate by the register. */
  SHL_IMM_ALT_32,
  SHR_IMM_ALT_32,
  SAR_IMM_ALT_32,
  SHL_IMM_ALT_64,
  SHR_IMM_ALT_64,
  SAR_IMM_ALT_64,
  NEG_ADD_IMM_32,
  NEG_ADD_IMM_64,
  /** r1 = condition register. */
  CMOV_Z_IMM,
  CMOV_NZ_IMM,
  ROR_IMM_32,
  ROR_IMM_ALT_32,
  ROR_IMM_64,
  ROR_IMM_ALT_64,

  // --- two registers: r0 = destination, r1 = source ---
  CLZ_32,
  CLZ_64,
  CTZ_32,
  CTZ_64,
  POPCNT_32,
  POPCNT_64,
  SEXT_8,
  SEXT_16,
  ZEXT_16,
  REV_32,
  REV_64,

  // --- branches: r0 = first register, r1 = second register or x = immediate, y = taken handler index ---
  // 64-bit comparisons:
  BR_EQ,
  BR_NE,
  BR_LT_U,
  BR_LT_S,
  BR_GE_U,
  BR_GE_S,
  BR_EQ_IMM,
  BR_NE_IMM,
  BR_LT_U_IMM,
  BR_LE_U_IMM,
  BR_GE_U_IMM,
  BR_GT_U_IMM,
  BR_LT_S_IMM,
  BR_LE_S_IMM,
  BR_GE_S_IMM,
  BR_GT_S_IMM,
  // The same on 32-bit programs, where registers are sign-extended 32-bit values and low words suffice:
  BR32_EQ,
  BR32_NE,
  BR32_LT_U,
  BR32_LT_S,
  BR32_GE_U,
  BR32_GE_S,
  BR32_EQ_IMM,
  BR32_NE_IMM,
  BR32_LT_U_IMM,
  BR32_LE_U_IMM,
  BR32_GE_U_IMM,
  BR32_GT_U_IMM,
  BR32_LT_S_IMM,
  BR32_LE_S_IMM,
  BR32_GE_S_IMM,
  BR32_GT_S_IMM,
  /**
   * Unresolved branches: the same order as above, offset by {@link UNRESOLVED_BRANCH_DELTA}; y holds the taken
   * edge's code offset until the first execution resolves it into a handler index.
   */
  U_BR_EQ,
  U_LAST_BRANCH = U_BR_EQ + 31,

  COUNT,
}

export const FIRST_BRANCH = H.BR_EQ;
export const UNRESOLVED_BRANCH_DELTA = H.U_BR_EQ - H.BR_EQ;
