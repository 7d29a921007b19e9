/**
 * One pass over the program: splits it into blocks and groups consecutive blocks into regions, each compiled into
 * one WebAssembly function. Each block's gas cost, the registers it touches and its jump target are computed per
 * region just before it is translated (BlockDetails). Instructions are not kept: the emitter decodes each block
 * again, which is cheaper than holding 100,000s of objects.
 *
 * Compiled blocks are the gas-metering basic blocks, additionally split after every `ecalli` so that execution can
 * resume in compiled code after a host call. Such a continuation costs nothing on entry (its basic block was
 * charged already) and is entered only when resuming.
 */
import type { BlockCostCalculator, CostModel } from '../gas/cost-model.js';
import { BITMASK_MAX, type Code, DecodedInstruction, ENDS_BLOCK, INSTRUCTIONS_CAN_FALL_THROUGH, offsetOperandTarget, WalkCursor } from '../isa/code.js';
import { INSTRUCTIONS, INVALID, type OperandKind } from '../isa/instruction-table.js';

/** How compiled code may be entered at a block. */
export const enum BlockEntry {
  /**
   * Not a valid jump target: compiled code reaches it only by a `fallthrough` (into a gap, or past a 24-byte skip
   * the reference reads as one); the host enters it through the interpreter.
   */
  None = 0,
  /** A basic block start: entered by jumps and by the host. */
  Jump = 1,
  /** The continuation after an `ecalli`: entered only when resuming after the host call. */
  Resume = 2,
}

export interface ProgramAnalysis {
  /** Per block: code offset of its first instruction. */
  readonly blockPc: Uint32Array;
  /** Per block: gas charged on entry (0 for continuations). */
  readonly blockCost: Uint32Array;
  /** Per block: a {@link BlockEntry}. */
  readonly blockEntry: Uint8Array;
  /** Per block: bit r set if the block reads or writes register r; bit 13 + r if it writes register r. */
  readonly blockRegisters: Uint32Array;
  /**
   * Per block: the code offset its terminator jumps or branches to (a static `jump` or a branch's taken edge), or
   * {@link CALL} when it ends in a call or a host call, or {@link NO_TARGET}. Loops are found from these
   * (region-loops.ts).
   */
  readonly blockTarget: Uint32Array;
  /** Per block: 1 if it may continue into the next block in code order (a branch not taken, `fallthrough`, `ecalli`). */
  readonly blockNext: Uint8Array;
  /**
   * Per block ending in a call: the code offset it jumps to ({@link DYNAMIC_CALLEE} for `load_imm_and_jump_indirect`),
   * and the value it loads (the return address); {@link NO_TARGET} and 0 for other blocks.
   */
  readonly blockCallee: Uint32Array;
  readonly blockCallReturn: Uint32Array;
  /**
   * Per basic block (its first compiled block): 1 if it ends in an implicit invalid instruction, so that entering
   * it, or running a branch to it, marks the instance (see InterpreterInstance.markBlock).
   */
  readonly blockImplicitEnd: Uint8Array;
  readonly blockCount: number;
  /** Per region: index of its first block; the region ends where the next begins (or at blockCount). */
  readonly regionFirst: Uint32Array;
  readonly regionCount: number;
  /** Block index per code offset of a block start (-1 elsewhere); length code length + 1. */
  readonly blockAt: Int32Array;
  /**
   * With gas metered (null otherwise): per code offset, how many static jumps, branches and calls in the program
   * go there (at most 255). Gas budgets (gas-budget.ts) tell from it whether a block has predecessors elsewhere.
   */
  readonly staticTargets: Uint8Array | null;
  /**
   * blockRegisters, blockTarget, blockCallee, blockCallReturn and blockCost hold their values only for the blocks
   * {@link BlockDetails.complete} was called for (the emitter completes each region before it emits it).
   */
  readonly details: BlockDetails;
}

/** Most blocks per region: bounds the size of each WebAssembly function (and so its compile time). */
export const MAX_REGION_BLOCKS = 64;
/** {@link ProgramAnalysis.blockTarget} of a block whose terminator has no static jump target. */
export const NO_TARGET = 0xffffffff;
/** {@link ProgramAnalysis.blockTarget} of a block ending in a call (`load_imm_and_jump[_indirect]`) or `ecalli`. */
export const CALL = 0xfffffffe;
/** {@link ProgramAnalysis.blockCallee} of a block ending in `load_imm_and_jump_indirect`. */
export const DYNAMIC_CALLEE = 0xfffffffe;
/** A region may end early at a call target once it has this many blocks, so functions tend to stay whole. */
const MIN_REGION_BLOCKS = 12;
/** A function this small (in blocks, up to the next call target) joins the region before it if it fits. */
const SMALL_FUNCTION_BLOCKS = 16;

/** Register fields an operand kind uses. */
const FIELDS: Record<OperandKind, number> = {
  argless: 0,
  reg_imm: 1,
  reg_imm_offset: 1,
  reg_imm_imm: 1,
  reg_reg_imm: 3,
  reg_reg_offset: 3,
  reg_reg_reg: 7,
  offset: 0,
  imm: 0,
  imm_imm: 0,
  reg_reg: 3,
  reg_reg_imm_imm: 3,
  reg_imm64: 1,
};

/** Whether the instruction writes its first register operand. */
const WRITES_REG1: readonly boolean[] = INSTRUCTIONS.map((def) => {
  const name = def.name;
  if (name.startsWith('store') || name.startsWith('branch') || name === 'jump_indirect') return false;
  return (FIELDS[def.kind] & 1) !== 0;
});
const FIELDS_BY_ID: readonly number[] = INSTRUCTIONS.map((def) => FIELDS[def.kind]);
const ID = (name: string): number => INSTRUCTIONS.findIndex((def) => def.name === name);
const MEMSET = ID('memset');
const ECALLI = ID('ecalli');
const LOAD_IMM_AND_JUMP = ID('load_imm_and_jump');
const LOAD_IMM_AND_JUMP_INDIRECT = ID('load_imm_and_jump_indirect');

const A0 = 7;
const A2 = 9;

/** Per instruction id: which immediate holds a static jump or branch target (1 or 2), 3 for calls, or 0. */
const TARGET_FIELD: readonly number[] = INSTRUCTIONS.map((def) =>
  def.name.startsWith('load_imm_and_jump') ? 3 : def.name === 'jump' || def.kind === 'reg_reg_offset' ? 1 : def.kind === 'reg_imm_offset' ? 2 : 0,
);

/** The static jump or branch target of a block terminator, CALL, or NO_TARGET. */
function staticTarget(ins: DecodedInstruction): number {
  const field = ins.id === INVALID ? 0 : TARGET_FIELD[ins.id]!;
  return field === 1 ? ins.imm1 >>> 0 : field === 2 ? ins.imm2 >>> 0 : field === 3 ? CALL : NO_TARGET;
}

/** Bit r: the instruction uses register r; bit 13 + r: it writes register r. */
export function registerMask(ins: DecodedInstruction): number {
  const id = ins.id;
  if (id === INVALID) return 0;
  const fields = FIELDS_BY_ID[id]!;
  let mask = 0;
  if (fields & 1) mask |= 1 << ins.reg1;
  if (fields & 2) mask |= 1 << ins.reg2;
  if (fields & 4) mask |= 1 << ins.reg3;
  if (WRITES_REG1[id]) mask |= 1 << (13 + ins.reg1);
  if (id === MEMSET) mask |= (0b111 << A0) | (1 << (13 + A0)) | (1 << (13 + A2));
  return mask;
}

/** Typed arrays that double when full: the block count is not known before the walk. */
function grown<T extends Uint8Array | Uint32Array | Int32Array>(array: T, make: (length: number) => T): T {
  const bigger = make(array.length * 2);
  bigger.set(array);
  return bigger;
}

/**
 * The per-block arrays, filled in code order. A class rather than closures in analyzeProgram, so that V8's
 * optimized code for the walk stays valid from one program to the next.
 */
class BlockArrays {
  capacity: number;
  blockPc: Uint32Array;
  blockCost: Uint32Array;
  blockEntry: Uint8Array;
  blockRegisters: Uint32Array;
  blockTarget: Uint32Array;
  blockNext: Uint8Array;
  blockImplicitEnd: Uint8Array;
  readonly blockAt: Int32Array;
  count = 0;

  /** @param capacity blocks to make room for; by default a guess (blocks average several bytes of code). */
  constructor(
    private readonly code: Code,
    capacity = Math.max(256, code.length >> 3),
  ) {
    this.capacity = capacity;
    this.blockPc = new Uint32Array(capacity);
    this.blockCost = new Uint32Array(capacity);
    this.blockEntry = new Uint8Array(capacity);
    this.blockRegisters = new Uint32Array(capacity);
    this.blockTarget = new Uint32Array(capacity);
    this.blockNext = new Uint8Array(capacity);
    this.blockImplicitEnd = new Uint8Array(capacity);
    this.blockAt = new Int32Array(code.length + 1).fill(-1);
  }

  /** Records a block starting at `start`, entered as `entry`; `next`: whether it may continue into the next block. */
  add(start: number, entry: BlockEntry, next: boolean): void {
    if (this.count === this.capacity) this.grow();
    const count = this.count;
    this.blockPc[count] = start;
    this.blockEntry[count] = entry;
    this.blockNext[count] = next ? 1 : 0;
    if (start <= this.code.length) this.blockAt[start] = count;
    this.count = count + 1;
  }

  private grow(): void {
    this.capacity *= 2;
    this.blockPc = grown(this.blockPc, (n) => new Uint32Array(n));
    this.blockCost = grown(this.blockCost, (n) => new Uint32Array(n));
    this.blockEntry = grown(this.blockEntry, (n) => new Uint8Array(n));
    this.blockRegisters = grown(this.blockRegisters, (n) => new Uint32Array(n));
    this.blockTarget = grown(this.blockTarget, (n) => new Uint32Array(n));
    this.blockNext = grown(this.blockNext, (n) => new Uint8Array(n));
    this.blockImplicitEnd = grown(this.blockImplicitEnd, (n) => new Uint8Array(n));
  }
}

/**
 * Counts the static target of the block terminator `ins` (a jump, a branch's taken edge or a call's callee) in
 * `targets`, which saturates at 255.
 */
function countStaticTarget(ins: DecodedInstruction, targets: Uint8Array): void {
  const target = ins.id === LOAD_IMM_AND_JUMP ? ins.imm2 >>> 0 : staticTarget(ins);
  if (target < targets.length && targets[target]! < 255) targets[target]!++;
}

/** Marks the target of the call at `pc` (a `load_imm_and_jump`, `skip + 1` bytes long) as a call target. */
function markCallTarget(bytes: Uint8Array, pc: number, skip: number, callTarget: Uint8Array): void {
  const target = offsetOperandTarget(bytes, pc, skip);
  if (target <= bytes.length) callTarget[target] = 1;
}

/**
 * Finds the blocks by walking the program as the reference does (WalkCursor), implicit invalid instructions
 * included.
 */
function scanWalk(code: Code, callTarget: Uint8Array, targets: Uint8Array | null): BlockArrays {
  const blocks = new BlockArrays(code);
  let start = -1;
  /** First compiled block of the current basic block. */
  let basicFirst = 0;
  /** How the current basic block may be entered (its later parts, after an `ecalli`, only by resuming). */
  let entry = BlockEntry.None;
  let implicitEnd = false;
  /** Code offsets of the last block terminator that is a known opcode, and of the instruction after it. */
  let terminatorPc = -1;
  let afterTerminator = -1;
  const ins = new DecodedInstruction();
  const operands = new DecodedInstruction();
  const cursor = new WalkCursor(code, false);
  while (cursor.next(ins)) {
    if (start < 0) {
      start = ins.pc;
      basicFirst = blocks.count;
      // Right after a known terminator less than 24 bytes back, the reference's backward bitmask reader always
      // finds it: a valid jump target. Anything else (the first instruction, gaps, unknown opcodes) is checked.
      const valid = start === afterTerminator && start - terminatorPc <= BITMASK_MAX && !ins.implicit ? true : code.isJumpTargetValid(start);
      entry = valid ? BlockEntry.Jump : BlockEntry.None;
    }
    const id = ins.id;
    if (ins.implicit) implicitEnd = true;
    if (id === LOAD_IMM_AND_JUMP) markCallTarget(code.code, ins.pc, ins.nextPc - ins.pc - 1, callTarget);
    if (ENDS_BLOCK[id]) {
      if (targets !== null && (TARGET_FIELD[id] ?? 0) !== 0) {
        // The cursor leaves operands undecoded.
        code.decodeAt(ins.pc, operands);
        countStaticTarget(operands, targets);
      }
      blocks.add(start, entry, INSTRUCTIONS_CAN_FALL_THROUGH[id]!);
      terminatorPc = ins.pc;
      afterTerminator = id === INVALID || ins.implicit ? -1 : ins.nextPc;
      if (implicitEnd) blocks.blockImplicitEnd[basicFirst] = 1;
      implicitEnd = false;
      start = -1;
    } else if (id === ECALLI) {
      blocks.add(start, entry, true);
      entry = BlockEntry.Resume;
      start = ins.nextPc;
    }
  }
  if (start >= 0) throw new Error('internal error: the program does not end with a block terminator');
  return blocks;
}

/** Per instruction id: 1 for instructions that end a compiled block (terminators and `ecalli`), else 0. */
const ENDS_COMPILED_BLOCK = Uint8Array.from([...ENDS_BLOCK.keys()], (id) => (ENDS_BLOCK[id] || id === ECALLI ? 1 : 0));

/**
 * {@link scanWalk} for the programs compilers produce: an instruction starts at 0, no gap between instruction
 * starts is longer than 24 bytes, and the last instruction cannot fall through (`Code.mayHaveImplicitInvalid` is
 * false; returns null for other programs). The walk then meets no implicit invalid instruction and every
 * instruction ends where the next set bitmask bit is, so the instructions are simply the set bits. This pass runs
 * before V8 has optimized it, and V8 takes longer to optimize a loop the more it calls, so it is two small loops:
 * one over the set bits that only collects the instructions ending blocks, and one over those that records the
 * blocks.
 */
function scanDense(code: Code, callTarget: Uint8Array, targets: Uint8Array | null): BlockArrays | null {
  const bytes = code.code;
  const bitmask = code.bitmask;
  const byteToId = code.isa.byteToId;
  const n = bytes.length;
  const bitmaskBytes = Math.min(bitmask.length, (n + 7) >>> 3);
  if (n === 0 || (bitmask[0]! & 1) === 0) return null;
  let ends = new Int32Array(Math.max(64, n >>> 2));
  let count = 0;
  let last = 0;
  let zeroBefore = false;
  for (let i = 0; i < bitmaskBytes; i++) {
    let bits = bitmask[i]!;
    // Two zero bitmask bytes in a row hold a run of at least 16 bytes without an instruction start, and every
    // run of 24 or more holds two (see Code.mayHaveImplicitInvalid): this scan is only for programs without.
    if (bits === 0 && zeroBefore) return null;
    zeroBefore = bits === 0;
    while (bits !== 0) {
      const pc = (i << 3) + 31 - Math.clz32(bits & -bits);
      bits &= bits - 1;
      if (pc >= n) break;
      last = pc;
      if (ENDS_COMPILED_BLOCK[byteToId[bytes[pc]!]!] === 1) {
        if (count === ends.length) ends = grown(ends, (length) => new Int32Array(length));
        ends[count++] = pc;
      }
    }
  }
  if (INSTRUCTIONS_CAN_FALL_THROUGH[byteToId[bytes[last]!]!]!) return null;
  // Each of those ends one block: the arrays are filled in place, exactly full.
  const blocks = new BlockArrays(code, count);
  const { blockPc, blockEntry, blockNext, blockAt } = blocks;
  let start = 0;
  /** How the next block may be entered (the first: an instruction starts at 0, which is always a valid target). */
  let entry = BlockEntry.Jump;
  const ins = new DecodedInstruction();
  for (let k = 0; k < count; k++) {
    const pc = ends[k]!;
    const id = byteToId[bytes[pc]!]!;
    const next = code.nextInstructionStart(pc + 1);
    if (id === LOAD_IMM_AND_JUMP) markCallTarget(bytes, pc, next - pc - 1, callTarget);
    if (targets !== null && (TARGET_FIELD[id] ?? 0) !== 0) {
      code.decodeAt(pc, ins);
      countStaticTarget(ins, targets);
    }
    blockPc[k] = start;
    blockEntry[k] = entry;
    blockAt[start] = k;
    if (id === ECALLI) {
      blockNext[k] = 1;
      entry = BlockEntry.Resume;
    } else {
      blockNext[k] = INSTRUCTIONS_CAN_FALL_THROUGH[id]! ? 1 : 0;
      // After a known terminator, the reference's backward bitmask reader finds it (it lies at most 23 bytes back).
      entry = id !== INVALID ? BlockEntry.Jump : next < n && code.isJumpTargetValid(next) ? BlockEntry.Jump : BlockEntry.None;
    }
    start = next;
  }
  blocks.count = count;
  if (start < n || entry === BlockEntry.Resume) throw new Error('internal error: the program does not end with a block terminator');
  return blocks;
}

/**
 * Analyses the program; `costModel` is null when gas is not metered (costs are then all 0). A region also ends
 * once it holds `maxRegionBytes` of code (0: no limit), so that lazy translation can translate small chunks.
 * The pass only finds the blocks (decoding no operands but call targets); each block's registers, target and cost
 * are left to {@link ProgramAnalysis.details}, so that a program translated lazily is ready sooner and pays for
 * them only for the code it runs. `scan: 'walk'` finds the blocks with the reference walk even where the faster
 * bitmask scan applies (the tests compare the two).
 */
export function analyzeProgram(code: Code, costModel: CostModel | null, maxRegionBytes = 0, scan: 'auto' | 'walk' = 'auto'): ProgramAnalysis {
  const callTarget = new Uint8Array(code.length + 1);
  const staticTargets = costModel === null ? null : new Uint8Array(code.length + 1);
  const blocks = (scan === 'auto' ? scanDense(code, callTarget, staticTargets) : null) ?? scanWalk(code, callTarget, staticTargets);
  const { count, blockPc, blockCost, blockEntry, blockRegisters, blockTarget, blockNext, blockImplicitEnd, blockAt } = blocks;

  const regionFirst = formRegions(blockPc, count, callTarget, maxRegionBytes);
  const blockCallee = new Uint32Array(count).fill(NO_TARGET);
  const blockCallReturn = new Uint32Array(count);
  const details = new BlockDetails(code, costModel, blocks, blockCallee, blockCallReturn);
  return { blockPc, blockCost, blockEntry, blockRegisters, blockTarget, blockNext, blockCallee, blockCallReturn, blockImplicitEnd, blockCount: count, regionFirst, regionCount: regionFirst.length, blockAt, staticTargets, details };
}

/** Registers, static targets and gas costs of blocks, computed when first needed: each basic block is walked once. */
export class BlockDetails {
  /** Per block: 1 once its details are computed. */
  private readonly done: Uint8Array;
  private readonly costs: BlockCostCalculator | null;
  private readonly ins = new DecodedInstruction();
  /** The block being walked, its basic block's first block, and the registers it touched so far. */
  private current = 0;
  private basicFirst = 0;
  private registers = 0;
  private readonly visit = (ins: DecodedInstruction): boolean => {
    const blocks = this.blocks;
    const id = ins.id;
    this.registers |= registerMask(ins);
    this.costs?.add(ins);
    if (ENDS_BLOCK[id]) {
      if (id === LOAD_IMM_AND_JUMP) {
        this.callee[this.current] = ins.imm2 >>> 0;
        this.callReturn[this.current] = ins.imm1 >>> 0;
      } else if (id === LOAD_IMM_AND_JUMP_INDIRECT) {
        this.callee[this.current] = DYNAMIC_CALLEE;
        this.callReturn[this.current] = ins.imm1 >>> 0;
      }
      this.finishBlock(staticTarget(ins));
      if (this.costs !== null) blocks.blockCost[this.basicFirst] = this.costs.finish();
      return false;
    }
    if (id === ECALLI) {
      this.finishBlock(CALL);
      this.current++;
    }
    return true;
  };

  constructor(
    private readonly code: Code,
    costModel: CostModel | null,
    private readonly blocks: BlockArrays,
    private readonly callee: Uint32Array,
    private readonly callReturn: Uint32Array,
  ) {
    this.done = new Uint8Array(blocks.count);
    this.costs = costModel?.calculator(code) ?? null;
  }

  /** Computes the details of blocks first … end - 1 (and of the rest of the basic blocks they belong to). */
  complete(first: number, end: number): void {
    const { blockEntry, blockPc } = this.blocks;
    let b = first;
    while (b > 0 && blockEntry[b] === BlockEntry.Resume) b--;
    while (b < end) {
      if (this.done[b] === 1) {
        b++;
        continue;
      }
      this.current = b;
      this.basicFirst = b;
      this.registers = 0;
      this.code.walkBounded(blockPc[b]!, this.ins, this.visit);
      b = this.current + 1;
    }
  }

  private finishBlock(target: number): void {
    const b = this.current;
    this.blocks.blockRegisters[b] = this.registers;
    this.blocks.blockTarget[b] = target;
    this.done[b] = 1;
    this.registers = 0;
  }
}

/**
 * Regions: at most MAX_REGION_BLOCKS blocks (and `maxRegionBytes` of code, if not 0); cut early at a call target
 * when the region is big enough. Returns each region's first block.
 */
function formRegions(blockPc: Uint32Array, count: number, callTarget: Uint8Array, maxRegionBytes: number): Uint32Array {
  const firsts = new Uint32Array(count);
  let regions = 0;
  let size = 0;
  let regionPc = 0;
  for (let b = 0; b < count; b++) {
    const pc = blockPc[b]!;
    let cut = false;
    if (size >= MIN_REGION_BLOCKS && callTarget[pc] === 1) {
      // The blocks of the function starting here (up to the next call target), counted no further than it takes
      // to tell that it is not small: linear over the program.
      const limit = Math.min(count, b + SMALL_FUNCTION_BLOCKS + 1);
      let end = b + 1;
      while (end < limit && callTarget[blockPc[end]!] !== 1) end++;
      const blocks = end - b;
      cut = blocks > SMALL_FUNCTION_BLOCKS || size + blocks > MAX_REGION_BLOCKS;
    }
    if (
      size === 0 ||
      size >= MAX_REGION_BLOCKS ||
      cut ||
      (maxRegionBytes > 0 && pc - regionPc >= maxRegionBytes)
    ) {
      firsts[regions++] = b;
      size = 0;
      regionPc = pc;
    }
    size++;
  }
  return firsts.slice(0, regions);
}

/** Code offset where block `block` starts; for `blockCount` (one past the last block), the code length. */
export function blockCodeOffset(analysis: ProgramAnalysis, codeLength: number, block: number): number {
  return block < analysis.blockCount ? analysis.blockPc[block]! : codeLength;
}

/** The region holding block `block`. */
export function regionOf(analysis: ProgramAnalysis, block: number): number {
  const { regionFirst } = analysis;
  let low = 0;
  let high = analysis.regionCount - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if (regionFirst[mid]! <= block) low = mid;
    else high = mid - 1;
  }
  return low;
}

/** One past the last block of region `r`. */
export function regionEnd(analysis: ProgramAnalysis, r: number): number {
  return r + 1 < analysis.regionCount ? analysis.regionFirst[r + 1]! : analysis.blockCount;
}
