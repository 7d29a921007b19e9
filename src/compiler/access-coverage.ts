/**
 * Bounds checks hoisted to the start of a block. Inside a block, many accesses go through registers whose value
 * is the block's entry value of some register plus a constant (`u64 [sp + 0x40]` after `sp = sp - 80`, or
 * `a0 = a1 + 0xc` then `[a0]`). Those accesses are grouped by that root register: one test at the start of the
 * block shows whether every access of a group lies inside one memory window, and the accesses themselves then
 * need no test of their own. Windows never shrink while a block runs (the heap only grows), so the test stays
 * true for the whole block.
 */
import { type Code, type DecodedInstruction, ENDS_BLOCK } from '../isa/code.js';
import { INSTRUCTIONS, INVALID } from '../isa/instruction-table.js';
import { registerMask } from './analysis.js';
import { LOAD_KIND_SIZE, OPERATION, SHAPE, Shape } from './recipes.js';

const ID = (name: string): number => INSTRUCTIONS.findIndex((def) => def.name === name);
const ADD_IMM_32 = ID('add_imm_32');
const ADD_IMM_64 = ID('add_imm_64');
const MOVE_REG = ID('move_reg');
const ECALLI = ID('ecalli');

/** Groups wider than this are left to per-access tests (their accesses may well lie in different windows). */
const MAX_SPAN = 4096;
/** Offsets from the root beyond this are left to per-access tests, so that spans never wrap. */
const MAX_OFFSET = 1 << 24;
/** A test at the block start costs about as much as testing one access where it happens. */
const MIN_ACCESSES = 2;
const UNKNOWN = -1;

export class BlockAccessCoverage {
  /** Per root register: lowest and highest (exclusive) byte offset accessed, and whether any access stores. */
  readonly low = new Int32Array(13);
  readonly high = new Int32Array(13);
  readonly stores = new Uint8Array(13);
  /** Per root register: how many accesses the group has. */
  private readonly counts = new Uint16Array(13);
  /** Bit r: register r roots a group that is tested at the block start. */
  groups = 0;
  /** Program counters of the covered accesses, in order, and the next one to emit. */
  private covered = new Int32Array(64);
  private coveredRoot = new Int8Array(64);
  /** Per covered access: its offset from its root's entry value (`delta + imm`). */
  private coveredOffset = new Int32Array(64);
  private coveredCount = 0;
  private cursor = 0;
  private readonly root = new Int8Array(13);
  private readonly delta = new Int32Array(13);

  constructor(private readonly decoded: DecodedInstruction) {}

  /** Scans the block at `pc`, up to where compiled code stops emitting it. */
  scan(code: Code, pc: number): void {
    this.groups = 0;
    this.coveredCount = 0;
    this.cursor = 0;
    for (let r = 0; r < 13; r++) {
      this.root[r] = r;
      this.delta[r] = 0;
    }
    code.walkBounded(pc, this.decoded, (ins) => {
      const id = ins.id;
      if (id === INVALID || id === ECALLI) return false;
      const shape = SHAPE[id]!;
      if (shape === Shape.LoadIndirect) this.access(ins.pc, ins.reg2, ins.imm1, LOAD_KIND_SIZE[OPERATION[id]!]!, false);
      else if (shape === Shape.StoreIndirect) this.access(ins.pc, ins.reg2, ins.imm1, OPERATION[id]!, true);
      else if (shape === Shape.StoreImmIndirect) this.access(ins.pc, ins.reg1, ins.imm1, OPERATION[id]!, true);
      const written = registerMask(ins) >>> 13;
      if (written !== 0) {
        if ((id === ADD_IMM_32 || id === ADD_IMM_64 || id === MOVE_REG) && this.root[ins.reg2] !== UNKNOWN) {
          const offset = id === MOVE_REG ? 0 : ins.imm1;
          this.root[ins.reg1] = this.root[ins.reg2]!;
          this.delta[ins.reg1] = (this.delta[ins.reg2]! + offset) | 0;
        } else {
          for (let r = 0; r < 13; r++) if ((written & (1 << r)) !== 0) this.root[r] = UNKNOWN;
        }
      }
      return !ENDS_BLOCK[id];
    });
    // Keep the groups narrow enough to lie in one window, with enough accesses to pay for the test.
    let groups = this.groups;
    for (let r = 0; r < 13; r++) {
      if ((groups & (1 << r)) === 0) continue;
      if (this.high[r]! - this.low[r]! > MAX_SPAN || this.counts[r]! < MIN_ACCESSES) groups &= ~(1 << r);
    }
    this.groups = groups;
  }

  private access(pc: number, base: number, imm: number, size: number, store: boolean): void {
    const root = this.root[base]!;
    if (root === UNKNOWN) return;
    const offset = (this.delta[base]! + imm) | 0;
    if (offset > MAX_OFFSET || offset < -MAX_OFFSET) return;
    const bit = 1 << root;
    if ((this.groups & bit) === 0) {
      this.groups |= bit;
      this.low[root] = offset;
      this.high[root] = offset + size;
      this.stores[root] = 0;
      this.counts[root] = 0;
    } else {
      if (offset < this.low[root]!) this.low[root] = offset;
      if (offset + size > this.high[root]!) this.high[root] = offset + size;
    }
    if (store) this.stores[root] = 1;
    if (this.counts[root]! < 0xffff) this.counts[root]++;
    if (this.coveredCount === this.covered.length) {
      const covered = new Int32Array(this.covered.length * 2);
      covered.set(this.covered);
      this.covered = covered;
      const roots = new Int8Array(this.coveredRoot.length * 2);
      roots.set(this.coveredRoot);
      this.coveredRoot = roots;
      const offsets = new Int32Array(this.coveredOffset.length * 2);
      offsets.set(this.coveredOffset);
      this.coveredOffset = offsets;
    }
    this.covered[this.coveredCount] = pc;
    this.coveredRoot[this.coveredCount] = root;
    this.coveredOffset[this.coveredCount] = offset;
    this.coveredCount++;
  }

  /**
   * If the access at `pc` (visited in order) was tested at the block start, its root register, and in
   * {@link takenOffset} its offset from the group's lowest offset; otherwise -1.
   */
  takeCovered(pc: number): number {
    while (this.cursor < this.coveredCount && this.covered[this.cursor]! < pc) this.cursor++;
    if (this.cursor === this.coveredCount || this.covered[this.cursor] !== pc) return -1;
    const i = this.cursor++;
    const root = this.coveredRoot[i]!;
    if ((this.groups & (1 << root)) === 0) return -1;
    this.takenOffset = this.coveredOffset[i]! - this.low[root]!;
    return root;
  }

  /** See {@link takeCovered}: at most the group's span less the access size, so never negative. */
  takenOffset = 0;
}
