/**
 * The "full" gas cost model: each basic block is charged the number of cycles a simple out-of-order CPU would take
 * to run it (PolkaVM 0.35 `CostModelKind::Full(CacheModel)`), reproduced bit-exactly.
 *
 * The simulated core decodes up to 4 slots per cycle into a 32-entry reorder buffer; an entry waits for the
 * producers of its source registers, starts when its execution resources are free (at most 5 starts per cycle),
 * runs for its latency, and retires in order. Block ends drain the pipeline; the block cost is
 * `max(1, cycles - 3)`. Per-instruction numbers live in `pipeline-costs.ts`.
 *
 * Cost: a bounded number of 32-entry mask operations per simulated cycle, and the cycles per instruction are
 * bounded by the largest latency, so a block costs time linear in its length.
 */
import { InvalidArgumentError } from '../errors.js';
import type { Code, DecodedInstruction } from '../isa/code.js';
import { Op } from '../isa/instruction-table.js';
import type { BlockCostCalculator, CostModel } from './cost-model.js';
import {
  ALL_RESOURCES,
  buildCostTables,
  type CostTables,
  EXTRA_ALL,
  EXTRA_SRC1,
  KIND_BRANCH_IMM1,
  KIND_BRANCH_IMM2,
  KIND_MOVE,
  KIND_NORMAL,
  RESOURCE_GUARDS,
} from './pipeline-costs.js';

/** Memory access latencies (cycles) of the reference's cache models. */
export const CACHE_L1_HIT_LATENCY = 4;
export const CACHE_L2_HIT_LATENCY = 25;
export const CACHE_L3_HIT_LATENCY = 37;

const DECODE_SLOTS_PER_CYCLE = 4;
const ROB_SIZE = 32;
const ROB_MASK = ROB_SIZE - 1;
const MAX_STARTS_PER_CYCLE = 5;
/** Cycles refunded at the end of every block (a block's tail overlaps the next block's head). */
const GAS_COST_SLACK = 3;
const BRANCH_PREDICTED_LATENCY = 1;
const BRANCH_MISPREDICTED_LATENCY = 20;
/** The reference compares code bytes against this when an ISA lacks `unlikely` (so 0xFF bytes then match). */
const UNUSED_OPCODE_BYTE = 255;

// Reorder-buffer slot sets are 32-bit masks indexed by physical slot; "program order" starts at the head.
const rotateRight = (x: number, n: number): number => (x >>> n) | (x << (32 - n));
const rotateLeft = (x: number, n: number): number => (x << n) | (x >>> (32 - n));
/** Index of the lowest set bit; `x` must be non-zero. */
const lowestBit = (x: number): number => 31 - Math.clz32(x & -x);

/** Register field code (0 none, 1..3 = reg1..reg3) to a register index, or -1. */
function operand(instruction: DecodedInstruction, field: number): number {
  return field === 1 ? instruction.reg1 : field === 2 ? instruction.reg2 : field === 3 ? instruction.reg3 : -1;
}

/**
 * Cycle-level simulator for one program; reusable across blocks. All state is preallocated, so adding
 * instructions allocates nothing.
 */
class PipelineSimulator implements BlockCostCalculator {
  private readonly kind: Uint8Array;
  private readonly latency: Uint8Array;
  private readonly decode: Uint8Array;
  private readonly resourceNeeds: Uint16Array;
  private readonly operands: Uint8Array;
  private readonly bytes: Uint8Array;
  private readonly trapByte: number;
  private readonly unlikelyByte: number;

  private cycles = 0;
  /** Set once a block end drained the pipeline. */
  private finished = false;
  private decodeSlots = DECODE_SLOTS_PER_CYCLE;
  /** Free execution resources, packed with guard bits (see pipeline-costs.ts). */
  private resources = ALL_RESOURCES;
  private inFlight = 0;
  private head = 0;
  private tail = 0;
  // Entry states as slot masks; every in-flight entry is in exactly one.
  private decoding = 0;
  private waiting = 0;
  private executing = 0;
  private executed = 0;
  /** Per slot: cycles of execution left (reaches 0 when the result is ready, -1 one cycle later). */
  private readonly remaining = new Int32Array(ROB_SIZE);
  /** Per slot: packed resources held while executing. */
  private readonly held = new Int32Array(ROB_SIZE);
  /** Per slot: mask of slots whose results it still waits for. */
  private readonly dependencies = new Int32Array(ROB_SIZE);
  /** Per slot: mask of registers whose latest value it produces. */
  private readonly writes = new Int32Array(ROB_SIZE);
  /** Per register: the slot producing its latest value, or -1 if the value is ready. */
  private readonly producer = new Int32Array(16).fill(-1);

  constructor(code: Code, tables: CostTables) {
    this.kind = tables.kind;
    this.latency = tables.latency;
    this.decode = tables.decode;
    this.resourceNeeds = tables.resources;
    this.operands = tables.operands;
    this.bytes = code.code;
    this.trapByte = code.isa.idToByte[Op.trap]!;
    const unlikely = code.isa.idToByte[Op.unlikely]!;
    this.unlikelyByte = unlikely < 0 ? UNUSED_OPCODE_BYTE : unlikely;
  }

  add(instruction: DecodedInstruction): void {
    const id = instruction.id;
    const kind = this.kind[id]!;
    const operands = this.operands[id]!;
    if (kind === KIND_MOVE) {
      this.move(instruction.reg1, instruction.reg2);
      return;
    }
    const dst = operand(instruction, operands & 3);
    const src1 = operand(instruction, (operands >> 2) & 3);
    const src2 = operand(instruction, (operands >> 4) & 3);
    const extra = operands >> 6;
    let slots = this.decode[id]!;
    // An x86 two-operand form needs a preceding `mov` when the destination is not a source.
    if (extra === EXTRA_SRC1) {
      if (dst !== src1) slots++;
    } else if (extra === EXTRA_ALL) {
      if (dst !== src1 && dst !== src2) slots++;
    }
    let latency = this.latency[id]!;
    if (kind === KIND_BRANCH_IMM1) latency = this.branchLatency(instruction.nextPc, instruction.imm1 >>> 0);
    else if (kind === KIND_BRANCH_IMM2) latency = this.branchLatency(instruction.nextPc, instruction.imm2 >>> 0);
    this.dispatch(dst, src1, src2, latency, this.resourceNeeds[id]!, slots);
    if (kind !== KIND_NORMAL) this.drain(); // block ends and branches
  }

  finish(): number {
    // Blocks always end with a draining instruction; drain anyway so a truncated block still gets a cost.
    if (!this.finished) this.drain();
    const cost = Math.max(1, this.cycles - GAS_COST_SLACK);
    this.reset();
    return cost;
  }

  private reset(): void {
    this.cycles = 0;
    this.finished = false;
    this.decodeSlots = DECODE_SLOTS_PER_CYCLE;
    this.resources = ALL_RESOURCES;
    this.inFlight = 0;
    this.head = 0;
    this.tail = 0;
    this.decoding = this.waiting = this.executing = this.executed = 0;
    this.remaining.fill(0);
    this.held.fill(0);
    this.dependencies.fill(0);
    this.writes.fill(0);
    this.producer.fill(-1);
  }

  /**
   * A branch is cheap when either edge obviously is the cold one: the raw byte at the fall-through offset or at
   * the target is the `trap` or `unlikely` opcode, or lies past the end of the code.
   */
  private branchLatency(nextPc: number, target: number): number {
    const bytes = this.bytes;
    if (nextPc >= bytes.length) return BRANCH_PREDICTED_LATENCY;
    let byte = bytes[nextPc]!;
    if (byte === this.trapByte || byte === this.unlikelyByte) return BRANCH_PREDICTED_LATENCY;
    if (target >= bytes.length) return BRANCH_PREDICTED_LATENCY;
    byte = bytes[target]!;
    if (byte === this.trapByte || byte === this.unlikelyByte) return BRANCH_PREDICTED_LATENCY;
    return BRANCH_MISPREDICTED_LATENCY;
  }

  /** Puts an instruction into the reorder buffer (state: decoding). */
  private dispatch(dst: number, src1: number, src2: number, latency: number, needs: number, slots: number): void {
    if (this.decodeSlots < slots || this.inFlight === ROB_SIZE) this.advanceUntilDecodable();
    const slot = this.tail;
    this.tail = (slot + 1) & ROB_MASK;
    this.remaining[slot] = latency;
    this.held[slot] = needs;
    const producer = this.producer;
    let waitFor = 0;
    if (src1 >= 0) {
      const p = producer[src1]!;
      if (p >= 0) waitFor |= 1 << p;
    }
    if (src2 >= 0) {
      const p = producer[src2]!;
      if (p >= 0) waitFor |= 1 << p;
    }
    this.dependencies[slot] = waitFor;
    if (dst >= 0) {
      const previous = producer[dst]!;
      if (previous >= 0) this.writes[previous]! &= ~(1 << dst);
      this.writes[slot]! |= 1 << dst;
      producer[dst] = slot;
    }
    this.decoding |= 1 << slot;
    this.inFlight++;
    this.decodeSlots -= slots;
  }

  /** A register move is resolved by renaming: `dst` now names whatever `src` names. */
  private move(dst: number, src: number): void {
    if (this.decodeSlots < 1 || this.inFlight === ROB_SIZE) this.advanceUntilDecodable();
    const producer = this.producer;
    const previous = producer[dst]!;
    if (previous >= 0) this.writes[previous]! &= ~(1 << dst);
    const source = producer[src]!;
    if (source >= 0) this.writes[source]! |= 1 << dst;
    producer[dst] = source;
    this.decodeSlots -= 1;
  }

  /** Runs cycles until the next instruction can be decoded (fresh decode slots and a free buffer entry). */
  private advanceUntilDecodable(): void {
    this.tick(false, true);
    while (this.inFlight > ROB_SIZE - 1) this.tick(false, false);
  }

  /** Runs cycles until every in-flight instruction retired. */
  private drain(): void {
    this.finished = true;
    this.tick(true, true);
    while (this.inFlight > 0) this.tick(true, false);
  }

  /**
   * Advances one cycle: retire, start, execute, decode. Like the reference, it may fast-forward to the next
   * completion when nothing was just decoded (nor, before the block end, retired). That never changes the
   * result: without a fresh decode or completion no instruction can become startable, and the tick after a
   * completion is never skipped (the completed entry still counts as executing with 0 cycles left).
   */
  private tick(finishing: boolean, decodedPending: boolean): void {
    // Retire the executed entries at the head, in order.
    let retired = 0;
    const executed = this.executed;
    if (executed !== 0) {
      const notDone = ~rotateRight(executed, this.head);
      retired = notDone === 0 ? ROB_SIZE : lowestBit(notDone);
      if (retired > 0) {
        const span = retired === ROB_SIZE ? -1 : (1 << retired) - 1;
        this.executed = executed & ~rotateLeft(span, this.head);
        this.inFlight -= retired;
        this.head = (this.head + retired) & ROB_MASK;
      }
    }

    // Start waiting entries whose inputs are ready, oldest first, while their resources are free.
    const waiting = this.waiting;
    if (waiting !== 0) {
      const dependencies = this.dependencies;
      let ready = 0;
      for (let m = waiting; m !== 0; m &= m - 1) {
        const slot = lowestBit(m);
        if (dependencies[slot] === 0) ready |= 1 << slot;
      }
      if (ready !== 0) {
        const head = this.head;
        const held = this.held;
        let pool = this.resources;
        let started = 0;
        let count = 0;
        // Resources only shrink here, so one pass in age order equals repeatedly picking the oldest that fits.
        for (let order = rotateRight(ready, head); order !== 0 && count < MAX_STARTS_PER_CYCLE; order &= order - 1) {
          const slot = (lowestBit(order) + head) & ROB_MASK;
          const needs = held[slot]!;
          if (((pool - needs) & RESOURCE_GUARDS) === RESOURCE_GUARDS) {
            pool -= needs;
            started |= 1 << slot;
            count++;
          }
        }
        this.resources = pool;
        this.waiting = waiting & ~started;
        this.executing |= started;
      }
    }

    // Execute.
    let step = 1;
    const executing = this.executing;
    if (executing !== 0) {
      const remaining = this.remaining;
      if (!decodedPending && (finishing || retired === 0)) {
        let soonest = 255;
        for (let m = executing; m !== 0; m &= m - 1) {
          const r = remaining[lowestBit(m)]!;
          if (r < soonest) soonest = r;
        }
        if (soonest > 0) step = soonest;
      }
      let completed = 0;
      let done = 0;
      for (let m = executing; m !== 0; m &= m - 1) {
        const slot = lowestBit(m);
        const r = remaining[slot]! - step;
        remaining[slot] = r;
        if (r === 0) completed |= 1 << slot;
        else if (r === -1) done |= 1 << slot;
      }
      if (completed !== 0) this.complete(completed);
      if (done !== 0) {
        this.executing = executing & ~done;
        this.executed |= done;
      }
    }

    if (decodedPending) {
      this.waiting |= this.decoding;
      this.decoding = 0;
      this.decodeSlots = DECODE_SLOTS_PER_CYCLE;
    }
    this.cycles += step;
  }

  /** Entries whose results just became ready: wake their dependants, free their registers and resources. */
  private complete(completed: number): void {
    const dependencies = this.dependencies;
    for (let m = this.decoding | this.waiting; m !== 0; m &= m - 1) {
      dependencies[lowestBit(m)]! &= ~completed;
    }
    const writes = this.writes;
    const held = this.held;
    let registers = 0;
    let freed = 0;
    for (let m = completed; m !== 0; m &= m - 1) {
      const slot = lowestBit(m);
      registers |= writes[slot]!;
      writes[slot] = 0;
      freed += held[slot]!;
      held[slot] = 0;
    }
    this.resources += freed;
    const producer = this.producer;
    for (let m = registers; m !== 0; m &= m - 1) producer[lowestBit(m)] = -1;
  }
}

/** Creates a pipeline cost model whose loads take `memoryAccessLatency` cycles (1..127). */
export function pipelineCostModel(name: string, memoryAccessLatency: number): CostModel {
  if (!Number.isInteger(memoryAccessLatency) || memoryAccessLatency < 1 || memoryAccessLatency > 127) {
    throw new InvalidArgumentError(`memory access latency must be an integer in 1..127, got ${memoryAccessLatency}`);
  }
  let tables32: CostTables | undefined;
  let tables64: CostTables | undefined;
  return Object.freeze({
    name,
    calculator(code: Code): BlockCostCalculator {
      // 32-bit operations cost an extra sign extension on 64-bit programs.
      const tables = code.isa.is64Bit
        ? (tables64 ??= buildCostTables(true, memoryAccessLatency))
        : (tables32 ??= buildCostTables(false, memoryAccessLatency));
      return new PipelineSimulator(code, tables);
    },
  });
}

/** Full pipeline model, every memory access an L1 hit (the reference's `CostModelKind::Full(CacheModel::L1Hit)`). */
export const FULL_L1_COST_MODEL: CostModel = pipelineCostModel('full-l1', CACHE_L1_HIT_LATENCY);
/** Full pipeline model, every memory access an L2 hit (used by the JAM test vectors). */
export const FULL_L2_COST_MODEL: CostModel = pipelineCostModel('full-l2', CACHE_L2_HIT_LATENCY);
/** Full pipeline model, every memory access an L3 hit. */
export const FULL_L3_COST_MODEL: CostModel = pipelineCostModel('full-l3', CACHE_L3_HIT_LATENCY);
