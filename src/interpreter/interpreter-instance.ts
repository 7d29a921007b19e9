/**
 * One interpreted guest: registers, gas, program-counter bookkeeping and memory, plus the entry into the
 * execution loop. The program-counter state machine follows the reference interpreter exactly, since hosts
 * observe it (which PC an interruption reports, when entering charges gas, how execution resumes).
 */
import type { JumpTable } from '../program/code-and-jump-table.js';
import { RETURN_TO_HOST_ADDRESS } from '../program/code-and-jump-table.js';
import type { CompiledCode } from './compiled-code.js';
import { execute } from './execute.js';
import { H } from './handlers.js';
import { Fault, type GuestMemory } from './memory.js';

/** Why `run` returned. */
export const enum Exit {
  Finished = 0,
  Trap = 1,
  Ecalli = 2,
  Segfault = 3,
  NotEnoughGas = 4,
  Step = 5,
  /** Reached a block where compiled code can continue (compiled backend only); the block's pc is `boundaryPc`. */
  Boundary = 6,
}

export const enum GasMode {
  None = 0,
  Sync = 1,
  Async = 2,
}

/** No program counter (the reference's `None`). */
export const NO_PC = -1;

/** Gas is held as a float (fast) plus a bigint reserve for values beyond 2^52. */
const GAS_CHUNK = 2 ** 52;

export class InterpreterInstance {
  /**
   * Low and high 32-bit halves of the 13 registers; index 13 is a constant zero. Sized 16 so that a 4-bit
   * register field is always in bounds, which lets V8 drop the bounds checks.
   */
  readonly lo = new Int32Array(16);
  readonly hi = new Int32Array(16);
  gas = 0;
  gasReserve = 0n;

  programCounter = 0xffffffff;
  programCounterValid = false;
  nextProgramCounter = NO_PC;
  nextProgramCounterChanged = true;
  chargeGasOnEntry = true;
  /** The next entry, if at a block start, does not charge that block (it was charged by compiled code). */
  skipEntryCharge = false;
  /** Handler index to resume at. */
  nextIndex = 0;

  /** Payload of the last interruption. */
  hostcall = 0;
  /** Block start reached by a `Boundary` exit. */
  boundaryPc = 0;
  segfaultPageAddress = 0;
  segfaultIsWriteProtected = false;

  constructor(
    readonly compiled: CompiledCode,
    readonly memory: GuestMemory,
    readonly jumpTable: JumpTable,
    readonly is64Bit: boolean,
    readonly gasMode: GasMode,
  ) {}

  // --- registers and gas (host side) ---

  getGas(): bigint {
    return this.gasReserve + BigInt(this.gas);
  }

  setGas(value: bigint): void {
    if (value <= BigInt(GAS_CHUNK) && value >= -BigInt(GAS_CHUNK)) {
      this.gas = Number(value);
      this.gasReserve = 0n;
    } else {
      const chunk = value > 0n ? GAS_CHUNK : -GAS_CHUNK;
      this.gas = chunk;
      this.gasReserve = value - BigInt(chunk);
    }
  }

  /** Moves gas from the bigint reserve into the float counter; returns false if the reserve is empty. */
  refillGas(): boolean {
    if (this.gasReserve <= 0n) return false;
    const take = this.gasReserve < BigInt(GAS_CHUNK) ? this.gasReserve : BigInt(GAS_CHUNK);
    this.gasReserve -= take;
    this.gas += Number(take);
    return true;
  }

  setNextProgramCounter(pc: number): void {
    this.skipEntryCharge = false;
    this.programCounterValid = false;
    this.nextProgramCounter = pc;
    this.nextProgramCounterChanged = true;
    this.chargeGasOnEntry = true;
  }

  // --- entering ---

  /**
   * Runs until the next interruption. The caller guarantees a next program counter is set and gas is not
   * negative (checked by the public API, as in the reference).
   */
  run(): Exit {
    if (this.nextProgramCounterChanged) {
      const pc = this.nextProgramCounter;
      const index = this.resolveArbitraryJump(pc);
      if (index < 0) {
        this.programCounterValid = true;
        this.programCounter = pc;
        return Exit.Trap;
      }
      const cost = this.entryCost;
      if (cost > 0) {
        while (this.gas < cost && this.refillGas());
        if (this.gas < cost) return Exit.NotEnoughGas;
        this.gas -= cost;
      }
      // Entering at a block start: its boundary marker is not a reason to stop.
      const words = this.compiled.words;
      let next = (words[index]! & 0xff) === H.BOUNDARY ? index + 1 : index;
      if (this.skipEntryCharge) {
        // Compiled code ran the block's start already (its mark and its charge).
        if ((words[next]! & 0xff) === H.MARK) next++;
        if ((words[next]! & 0xff) === H.CHARGE_GAS) next++;
      }
      this.skipEntryCharge = false;
      this.nextIndex = next;
      this.programCounter = pc;
      this.nextProgramCounter = NO_PC;
      this.nextProgramCounterChanged = false;
      this.chargeGasOnEntry = false;
    }
    return execute(this);
  }

  /** Gas charged by the last {@link resolveArbitraryJump} for entering mid-block. */
  private entryCost = 0;

  /**
   * Tracked blocks the reference interpreter would have compiled in this instance by now: entered, an edge of a
   * branch that ran, or found by a host entry. The reference caches compiled blocks per instance, and a host
   * entry goes through that cache first; only when it misses does it walk back to the block start, which fails
   * at implicit invalid instructions and in blocks that start where no jump may go (reached by `fallthrough`
   * only). So such entries trap before their block was compiled and are charged like any mid-block entry after;
   * and entering at the start of a block that is not a valid jump target charges it once when that compiles it,
   * twice (on entry, then by the block) when it was compiled before. Tracked are the blocks where this shows:
   * those ending in an implicit invalid instruction or starting where no jump may go.
   */
  private readonly markedBlocks = new Set<number>();

  /**
   * Records that the reference would have compiled the block at `pc` (see {@link markedBlocks}), and compiles it
   * in the shared code if no instance has (which may reallocate the handler arrays).
   */
  markBlock(pc: number): void {
    this.markedBlocks.add(pc);
    if (this.compiled.offsets[pc]! < 0) this.compiled.compileBlock(pc);
  }

  /** Handler index for a host-chosen entry point (which may be mid-block), or -1 (trap). */
  private resolveArbitraryJump(pc: number): number {
    const compiled = this.compiled;
    const code = compiled.code;
    this.entryCost = 0;
    if (pc < 0 || pc > code.length) {
      return -1;
    }
    // Cached in the reference's instance: the block holding `pc` was compiled there (see markedBlocks).
    const owner = compiled.trackedOwner.get(pc);
    if (owner !== undefined && this.markedBlocks.has(owner)) return this.targetAndEntryCost(compiled.offsets[pc]!);
    // Compiled by some instance in an untracked block: the walk back would find the same start.
    const known = compiled.offsets[pc]!;
    if (owner === undefined && known >= 0) return this.targetAndEntryCost(known);
    // Not cached: the block must be found by walking back from an instruction start.
    if (!code.isInstructionStart(pc)) return -1;
    const start = code.findStartOfBasicBlock(pc);
    if (start < 0) return -1;
    let packed = compiled.offsets[pc]!;
    if (packed < 0) {
      if (compiled.compileBlock(start) < 0) return -1;
      packed = compiled.offsets[pc]!;
      if (packed < 0) return -1;
    }
    if (compiled.trackedOwner.get(start) === start) this.markBlock(start);
    return start === pc ? packed >>> 1 : this.targetAndEntryCost(packed);
  }

  private targetAndEntryCost(packed: number): number {
    const target = packed >>> 1;
    const compiled = this.compiled;
    if ((packed & 1) === 1 || this.gasMode === GasMode.None || !this.chargeGasOnEntry) return target;
    // Entering mid-block: charge the whole block, whose CHARGE_GAS handler lies at or before the target.
    const words = compiled.words;
    const op = (index: number): number => words[index]! & 0xff;
    let start = target;
    if (op(start) === H.MARK) start++;
    if (op(start) === H.STEP && op(start + 1) === H.CHARGE_GAS) {
      start += 1;
    } else {
      while (start > 0 && op(start) !== H.CHARGE_GAS) start--;
    }
    this.entryCost = compiled.xs[start]!;
    return target;
  }

  // --- exits used by the execution loop ---

  trap(pc: number): Exit {
    this.programCounter = pc;
    this.programCounterValid = true;
    this.nextProgramCounter = NO_PC;
    this.nextProgramCounterChanged = true;
    return Exit.Trap;
  }

  /** The program counter of the jump that finished the last run (the reference reports none; test vectors do). */
  finishedAt = NO_PC;

  finish(pc: number): Exit {
    this.finishedAt = pc;
    this.programCounter = 0xffffffff;
    this.programCounterValid = false;
    this.nextProgramCounter = NO_PC;
    this.nextProgramCounterChanged = true;
    return Exit.Finished;
  }

  notEnoughGas(index: number, newGas: number): Exit {
    if (this.gasMode === GasMode.Async) {
      this.gas = newGas;
      this.programCounterValid = false;
      this.nextProgramCounter = NO_PC;
      this.nextProgramCounterChanged = true;
    } else {
      const pc = this.compiled.pcs[index]!;
      this.programCounter = pc;
      this.programCounterValid = true;
      this.nextProgramCounter = pc;
      this.nextProgramCounterChanged = false;
    }
    this.nextIndex = index;
    return Exit.NotEnoughGas;
  }

  /** A load or store at handler `index` faulted: trap, or segfault (resumable) with dynamic paging. */
  memoryFault(index: number): Exit {
    const memory = this.memory;
    const pc = this.compiled.pcs[index]!;
    if (memory.faultKind === Fault.Segfault && memory.faultPageAddress >= 0x4000) {
      this.programCounter = pc;
      this.programCounterValid = true;
      this.nextProgramCounter = pc;
      this.nextIndex = index;
      this.segfaultPageAddress = memory.faultPageAddress;
      this.segfaultIsWriteProtected = memory.faultIsWriteProtected;
      return Exit.Segfault;
    }
    return this.trap(pc);
  }

  /** Handler index for a dynamic jump, -1 for a trap, -2 for return-to-host. */
  resolveIndirectJump(address: number): number {
    if (address === RETURN_TO_HOST_ADDRESS) return -2;
    const target = this.jumpTable.getByAddress(address);
    return target < 0 ? -1 : this.compiled.resolveJump(target);
  }

  /**
   * `sbrk d, s`: grows the heap; d = new heap top or 0. Returns false when the memory has no heap (dynamic
   * paging), where the reference aborts the host process; here the instruction traps instead.
   */
  sbrk(d: number, s: number): boolean {
    const memory = this.memory;
    if (!memory.isStandard) return false;
    let size: number;
    if (this.is64Bit) {
      // Sizes outside 0..u32::MAX become 0 (a query of the current top).
      size = this.hi[s] === 0 ? this.lo[s]! >>> 0 : 0;
    } else {
      size = this.lo[s]! >>> 0;
    }
    // The reference sign-extends the 32-bit result, in 64-bit programs too.
    const value = (memory.sbrk(size) ?? 0) | 0;
    this.lo[d] = value;
    this.hi[d] = value >> 31;
    return true;
  }
}
