/**
 * Guest code: the instruction bytes, the bitmask marking instruction starts, and the instruction set that gives
 * the bytes meaning. Knows how to decode an instruction, walk instructions the way the reference does (including
 * implicit trap instructions), and decide which offsets are valid jump targets.
 */
import { INSTRUCTIONS, INVALID, type OperandKind } from './instruction-table.js';
import type { InstructionSet } from './instruction-sets.js';
import { clampRegister } from './registers.js';

/** An instruction may be followed by at most this many non-instruction bytes. */
export const BITMASK_MAX = 24;

/**
 * A decoded instruction. Reused by decoders to avoid allocation; copy it if you keep it.
 *
 * Operand fields by kind (targets are absolute code offsets, u32):
 * - `reg_imm`: reg1, imm1 · `reg_imm_offset`: reg1, imm1, imm2 = target · `reg_imm_imm`: reg1, imm1, imm2
 * - `reg_reg_imm`: reg1, reg2, imm1 · `reg_reg_offset`: reg1, reg2, imm1 = target
 * - `reg_reg_reg`: reg1 = destination, reg2 = first source, reg3 = second source
 * - `offset`: imm1 = target · `imm`: imm1 · `imm_imm`: imm1, imm2 · `reg_reg`: reg1 = destination, reg2 = source
 * - `reg_reg_imm_imm`: reg1, reg2, imm1, imm2 · `reg_imm64`: reg1, imm1 = low 32 bits, imm2 = high 32 bits
 */
export class DecodedInstruction {
  /** Instruction id (index into the instruction table) or {@link INVALID}. */
  id = INVALID;
  /** Code offset of this instruction. */
  pc = 0;
  /** Code offset of the instruction after this one. */
  nextPc = 0;
  reg1 = 0;
  reg2 = 0;
  reg3 = 0;
  /** Immediates as signed 32-bit values; targets as unsigned 32-bit values. */
  imm1 = 0;
  imm2 = 0;
  /**
   * An implicit invalid instruction the walk inserted (after a gap of more than 24 bytes or at the code end),
   * rather than a decoded opcode byte.
   */
  implicit = false;

  copyFrom(other: DecodedInstruction): this {
    this.id = other.id;
    this.pc = other.pc;
    this.nextPc = other.nextPc;
    this.reg1 = other.reg1;
    this.reg2 = other.reg2;
    this.reg3 = other.reg3;
    this.imm1 = other.imm1;
    this.imm2 = other.imm2;
    this.implicit = other.implicit;
    return this;
  }

  clone(): DecodedInstruction {
    return new DecodedInstruction().copyFrom(this);
  }
}

/** Byte `index` of the code, or 0 past its end (operands are read from a zero-padded window). */
function byteAt(code: Uint8Array, index: number): number {
  return index < code.length ? code[index]! : 0;
}

/** Reads `length` (0..4) little-endian bytes at `at` and sign-extends them to 32 bits. */
function readImmediate(code: Uint8Array, at: number, length: number): number {
  if (length === 0) return 0;
  let value = 0;
  for (let i = 0; i < length; i++) value |= byteAt(code, at + i) << (8 * i);
  const shift = 32 - 8 * length;
  return (value << shift) >> shift;
}

function clamp4(value: number): number {
  return value < 0 ? 0 : value > 4 ? 4 : value;
}

/**
 * The jump target of the `reg_imm_offset` instruction (`load_imm_and_jump`, a branch with an immediate) at `pc`,
 * whose length is `skip + 1`: its second immediate added to `pc`, exactly as {@link Code.decodeAt} decodes it.
 */
export function offsetOperandTarget(code: Uint8Array, pc: number, skip: number): number {
  const l1 = Math.min(4, (byteAt(code, pc + 1) >> 4) & 7);
  return (pc + readImmediate(code, pc + 2 + l1, clamp4(skip - l1 - 1))) >>> 0;
}

/** Fills the operand fields of `out` for an instruction of `kind` whose opcode is at `pc`. */
function decodeOperands(code: Uint8Array, kind: OperandKind, pc: number, skip: number, out: DecodedInstruction): void {
  const a = pc + 1; // first operand byte
  out.reg1 = out.reg2 = out.reg3 = out.imm1 = out.imm2 = 0;
  switch (kind) {
    case 'argless':
      return;
    case 'reg_imm': {
      out.reg1 = clampRegister(byteAt(code, a));
      out.imm1 = readImmediate(code, a + 1, clamp4(skip - 1));
      return;
    }
    case 'reg_imm_offset':
    case 'reg_imm_imm': {
      const b0 = byteAt(code, a);
      const l1 = Math.min(4, (b0 >> 4) & 7);
      const l2 = clamp4(skip - l1 - 1);
      out.reg1 = clampRegister(b0);
      out.imm1 = readImmediate(code, a + 1, l1);
      out.imm2 = readImmediate(code, a + 1 + l1, l2);
      if (kind === 'reg_imm_offset') out.imm2 = (pc + out.imm2) >>> 0;
      return;
    }
    case 'reg_reg_imm':
    case 'reg_reg_offset': {
      const b0 = byteAt(code, a);
      out.reg1 = clampRegister(b0);
      out.reg2 = clampRegister(b0 >> 4);
      out.imm1 = readImmediate(code, a + 1, clamp4(skip - 1));
      if (kind === 'reg_reg_offset') out.imm1 = (pc + out.imm1) >>> 0;
      return;
    }
    case 'reg_reg_reg': {
      const b0 = byteAt(code, a);
      out.reg1 = clampRegister(byteAt(code, a + 1));
      out.reg2 = clampRegister(b0);
      out.reg3 = clampRegister(b0 >> 4);
      return;
    }
    case 'offset':
      out.imm1 = (pc + readImmediate(code, a, Math.min(4, skip))) >>> 0;
      return;
    case 'imm':
      out.imm1 = readImmediate(code, a, Math.min(4, skip));
      return;
    case 'imm_imm': {
      const l1 = Math.min(4, byteAt(code, a) & 7);
      out.imm1 = readImmediate(code, a + 1, l1);
      out.imm2 = readImmediate(code, a + 1 + l1, clamp4(skip - l1 - 1));
      return;
    }
    case 'reg_reg': {
      const b0 = byteAt(code, a);
      out.reg1 = clampRegister(b0);
      out.reg2 = clampRegister(b0 >> 4);
      return;
    }
    case 'reg_reg_imm_imm': {
      const b0 = byteAt(code, a);
      const l1 = Math.min(4, byteAt(code, a + 1) & 7);
      out.reg1 = clampRegister(b0);
      out.reg2 = clampRegister(b0 >> 4);
      out.imm1 = readImmediate(code, a + 2, l1);
      out.imm2 = readImmediate(code, a + 2 + l1, clamp4(skip - l1 - 2));
      return;
    }
    case 'reg_imm64':
      out.reg1 = clampRegister(byteAt(code, a));
      out.imm1 = readImmediate(code, a + 1, 4);
      out.imm2 = readImmediate(code, a + 5, 4);
      return;
  }
}

/** Code bytes + bitmask + instruction set, with the reference's decoding and control-flow rules. */
export class Code {
  constructor(
    readonly code: Uint8Array,
    readonly bitmask: Uint8Array,
    readonly isa: InstructionSet,
  ) {}

  get length(): number {
    return this.code.length;
  }

  /** Whether an instruction starts at `offset` (its bitmask bit is set). */
  isInstructionStart(offset: number): boolean {
    if (offset > this.code.length || offset < 0) return false;
    const byte = this.bitmask[offset >>> 3];
    return byte !== undefined && ((byte >> (offset & 7)) & 1) === 1;
  }

  /** Instruction id of the opcode byte at `offset` (INVALID past the end or for unknown bytes). */
  idAt(offset: number): number {
    return offset < this.code.length ? this.isa.byteToId[this.code[offset]!]! : INVALID;
  }

  /**
   * Skip of the instruction at `offset` (its length minus one, at most 24) and whether an implicit invalid
   * instruction follows it (gap longer than 24 bytes, or the code ends). Packed as `skip | (invalid << 8)`.
   */
  private skipAndNextInvalid(offset: number): number {
    const n = this.code.length;
    const origin = offset + 1;
    let at = origin;
    let nextInvalid = true;
    for (;;) {
      const byte = this.bitmask[at >>> 3];
      if (byte === undefined) break;
      const mask = byte >> (at & 7);
      if (mask === 0) {
        at += 8 - (at & 7);
        if (at - origin < BITMASK_MAX) continue;
      } else {
        at += 31 - Math.clz32(mask & -mask);
        nextInvalid = at >= n || at - origin > BITMASK_MAX;
      }
      break;
    }
    const end = Math.min(at, n);
    const skip = Math.min(end - origin, BITMASK_MAX);
    if (nextInvalid && offset + skip + 1 >= n && !INSTRUCTIONS_CAN_FALL_THROUGH[this.idAt(offset)]) {
      // The last instruction cannot continue, so no implicit trap is needed after it.
      nextInvalid = false;
    }
    return skip | (nextInvalid ? 0x100 : 0);
  }

  /** Length in bytes of the instruction at `offset` (skip + 1). */
  instructionLength(offset: number): number {
    return (this.skipAndNextInvalid(offset) & 0xff) + 1;
  }

  /**
   * Decodes the instruction at `offset` (which must be an instruction start below the code length) into `out`.
   * Returns true if an implicit invalid instruction follows it at `out.nextPc`. With `operands` false only the
   * id, pc and next pc are filled (the operand fields keep whatever they held).
   */
  decodeAt(offset: number, out: DecodedInstruction, operands = true): boolean {
    const n = this.code.length;
    // The common case inline (walks over whole programs run this before V8 has optimized them, where every call
    // costs): the next instruction starts within the next two bitmask bytes, before the end of the code.
    const bitmask = this.bitmask;
    const origin = offset + 1;
    const byte = origin >>> 3;
    const mask = bitmask[byte]! >> (origin & 7);
    let next = -1;
    if (mask !== 0) {
      next = origin + 31 - Math.clz32(mask & -mask);
    } else {
      const following = bitmask[byte + 1]!;
      if (following) next = ((byte + 1) << 3) + 31 - Math.clz32(following & -following);
    }
    let skip: number;
    let nextInvalid: boolean;
    if (next > 0 && next < n) {
      // At most 15 bytes on: within the 24-byte limit, and no implicit invalid instruction follows.
      skip = next - origin;
      nextInvalid = false;
    } else {
      const packed = this.skipAndNextInvalid(offset);
      skip = packed & 0xff;
      nextInvalid = packed > 0xff;
    }
    const id = offset < n ? this.isa.byteToId[this.code[offset]!]! : INVALID;
    out.id = id;
    out.pc = offset;
    out.nextPc = offset + skip + 1;
    out.implicit = false;
    if (!operands) return nextInvalid;
    if (id === INVALID) {
      out.reg1 = out.reg2 = out.reg3 = out.imm1 = out.imm2 = 0;
    } else {
      decodeOperands(this.code, INSTRUCTIONS[id]!.kind, offset, skip, out);
    }
    return nextInvalid;
  }

  /** First set bit at or after `offset`, or the code length (the reference's `find_next_offset_unbounded`). */
  nextInstructionStart(offset: number): number {
    let at = offset;
    for (;;) {
      const byte = this.bitmask[at >>> 3];
      if (byte === undefined) break;
      const mask = byte >> (at & 7);
      if (mask === 0) {
        at += 8 - (at & 7);
      } else {
        at += 31 - Math.clz32(mask & -mask);
        break;
      }
    }
    return Math.min(this.code.length, at);
  }

  /** Distance-minus-one back to the previous instruction start, if within 25 bytes; otherwise -1. */
  private previousInstructionSkip(offset: number): number {
    const i = offset >>> 3;
    const bm = this.bitmask;
    let mask = (bm[i]! << 24) >>> 0;
    if (offset >= 8) mask |= bm[i - 1]! << 16;
    if (offset >= 16) mask |= bm[i - 2]! << 8;
    if (offset >= 24) mask |= bm[i - 3]!;
    mask = (mask << (8 - (offset & 7))) >>> 1;
    const skip = Math.clz32(mask) - 1;
    return skip > BITMASK_MAX ? -1 : skip;
  }

  /**
   * Whether code may jump to `offset`: an instruction starts there, and it is the first instruction or the
   * previous instruction is a known opcode that ends a basic block.
   */
  isJumpTargetValid(offset: number): boolean {
    if (!this.isInstructionStart(offset)) return false;
    if (offset === 0) return true;
    const skip = this.previousInstructionSkip(offset);
    if (skip < 0) return false;
    const id = this.idAt(offset - skip - 1);
    return id !== INVALID && INSTRUCTIONS[id]!.endsBlock;
  }

  /**
   * Start of the basic block containing `offset`, for host entry: walks back over instructions until one that
   * ends a block; unknown opcodes count as block ends here. Returns -1 if `offset` is not an instruction start or
   * the walk finds a gap longer than 24 bytes.
   */
  findStartOfBasicBlock(offset: number): number {
    if (!this.isInstructionStart(offset)) return -1;
    let at = offset;
    while (at !== 0) {
      const skip = this.previousInstructionSkip(at);
      if (skip < 0) return -1;
      const previous = at - skip - 1;
      const id = this.idAt(previous);
      if (id === INVALID || INSTRUCTIONS[id]!.endsBlock) return at;
      at = previous;
    }
    return 0;
  }

  private mayHaveImplicit: boolean | null = null;

  /**
   * False if no walk can meet an implicit invalid instruction: no run of 24 or more bytes without an instruction
   * start (such a run spans two whole zero bitmask bytes; instructions never do), and the last instruction cannot
   * fall through past the end. Lets per-block checks be skipped for ordinary programs.
   */
  get mayHaveImplicitInvalid(): boolean {
    if (this.mayHaveImplicit === null) {
      const n = this.code.length;
      const bytes = Math.min(this.bitmask.length, (n + 7) >>> 3);
      let zeros = 0;
      let found = false;
      for (let i = 0; i < bytes && !found; i++) {
        zeros = this.bitmask[i] === 0 ? zeros + 1 : 0;
        found = zeros >= 2;
      }
      let last = n - 1;
      while (last >= 0 && !this.isInstructionStart(last)) last--;
      this.mayHaveImplicit = found || last < 0 || INSTRUCTIONS_CAN_FALL_THROUGH[this.idAt(last)]!;
    }
    return this.mayHaveImplicit;
  }

  /**
   * Whether the walk of the block starting at `offset` (see {@link walkBounded}) ends at an implicit invalid
   * instruction: the block runs into a gap of more than 24 bytes or off the end of the code, or no instruction
   * starts at `offset` itself.
   */
  blockEndsInImplicitInvalid(offset: number, scratch: DecodedInstruction): boolean {
    let implicit = false;
    this.walkBounded(offset, scratch, (ins) => {
      implicit = ins.implicit;
      return !ENDS_BLOCK[ins.id]!;
    });
    return implicit;
  }

  /**
   * Walks instructions from `offset` the way the reference's bounded iterator does, calling `visit` for each
   * (including implicit invalid instructions) until `visit` returns false or the walk ends. The walk ends after
   * the first implicit invalid instruction, or at the end of code.
   */
  walkBounded(offset: number, out: DecodedInstruction, visit: (instruction: DecodedInstruction) => boolean): void {
    const n = this.code.length;
    let at: number;
    let invalidAt = -1;
    let done = false;
    if (this.isInstructionStart(offset)) {
      at = offset;
    } else {
      done = true;
      at = Math.min(offset + 1, n);
      invalidAt = offset;
    }
    for (;;) {
      if (invalidAt >= 0) {
        setInvalid(out, invalidAt, at);
        invalidAt = -1;
        if (!visit(out)) return;
        continue;
      }
      if (done || at >= n) return;
      const nextInvalid = this.decodeAt(at, out);
      const next = out.nextPc;
      if (!nextInvalid) {
        at = next;
      } else {
        const canFallThrough = INSTRUCTIONS_CAN_FALL_THROUGH[out.id]!;
        if (next === n) {
          at = n + 1;
        } else {
          done = true;
          at = canFallThrough ? n : next;
        }
        if (canFallThrough) invalidAt = next;
      }
      if (!visit(out)) return;
    }
  }

  /**
   * Walks every instruction of the program from offset 0 (the reference's unbounded iterator), including
   * implicit invalid instructions; after an implicit invalid it resumes at the next instruction start.
   */
  walkAll(out: DecodedInstruction, visit: (instruction: DecodedInstruction) => void): void {
    const cursor = new WalkCursor(this);
    while (cursor.next(out)) visit(out);
  }
}

/**
 * {@link Code.walkAll} as a loop the caller drives (`while (cursor.next(out)) …`): no callback, so hot loops over
 * a whole program stay monomorphic and allocate nothing.
 */
export class WalkCursor {
  private at = 0;
  /** Where an implicit invalid instruction is due before the next decoded one (-1: none), and where it resumes. */
  private invalidAt = -1;
  private resume = 0;

  /** @param operands false: fill only the id, pc and next pc of each instruction (a faster walk). */
  constructor(
    private readonly code: Code,
    private readonly operands = true,
  ) {
    if (!code.isInstructionStart(0)) {
      this.invalidAt = 0;
      this.resume = code.nextInstructionStart(0);
    }
  }

  /** Decodes the next instruction into `out`; false at the end of the program. */
  next(out: DecodedInstruction): boolean {
    const code = this.code;
    if (this.invalidAt >= 0) {
      setInvalid(out, this.invalidAt, this.resume);
      this.invalidAt = -1;
      this.at = this.resume;
      return true;
    }
    const n = code.length;
    if (this.at >= n) return false;
    const nextInvalid = code.decodeAt(this.at, out, this.operands);
    const next = out.nextPc;
    if (!nextInvalid) {
      this.at = next;
      return true;
    }
    const resume = next === n ? n + 1 : code.nextInstructionStart(next);
    if (INSTRUCTIONS_CAN_FALL_THROUGH[out.id]!) {
      this.invalidAt = next;
      this.resume = resume;
    }
    this.at = resume;
    return true;
  }
}

function setInvalid(out: DecodedInstruction, pc: number, nextPc: number): void {
  out.id = INVALID;
  out.pc = pc;
  out.nextPc = nextPc;
  out.reg1 = out.reg2 = out.reg3 = out.imm1 = out.imm2 = 0;
  out.implicit = true;
}

/** `canFallThrough` per instruction id, with INVALID treated as `trap`. */
export const INSTRUCTIONS_CAN_FALL_THROUGH: readonly boolean[] = [...INSTRUCTIONS.map((d) => d.canFallThrough), false];

/** `endsBlock` per instruction id, with INVALID treated as `trap` (a block end). */
export const ENDS_BLOCK: readonly boolean[] = [...INSTRUCTIONS.map((d) => d.endsBlock), true];
