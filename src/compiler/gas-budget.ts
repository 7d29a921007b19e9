/**
 * Gas checkpoints and budgets: where compiled code tests the gas balance, and against what.
 *
 * Every block subtracts its cost when it starts, so the balance is exact wherever execution leaves compiled code.
 * Only checkpoints test it. A checkpoint is a block that may be entered from anywhere but a forward edge from a
 * block of its own region: the first block of a region, a continuation after `ecalli`, a jump table entry (dynamic
 * jumps and returns), a call target, a loop header (a backward edge), a block that blocks of other regions jump to.
 * Between checkpoints, execution only moves forward through its region, so the paths from a checkpoint to the
 * next ones are finite; a block's budget is the most gas any of them charges:
 *
 *   budget(X) = cost(X) + max(budget(S) for each successor S of X in its region that is not a checkpoint, or 0)
 *
 * A checkpoint with at least its budget left cannot run out of gas before the next checkpoint, so the blocks in
 * between subtract without testing. With less, compiled code leaves for the interpreter at the checkpoint (its
 * cost not charged), which charges block by block and runs out of gas exactly where the reference does. The host
 * tests a block's budget the same way before it enters compiled code there (compiled-instance.ts), so that any
 * block may be entered.
 */
import { BlockEntry, CALL, type ProgramAnalysis, regionEnd, regionOf } from './analysis.js';

export class GasBudgets {
  /** Per block: its budget, once its region is computed. */
  private readonly budget: Float64Array;
  /** Per block: 1 if it tests the balance itself, once its region is computed. */
  private readonly checkpoint: Uint8Array;
  /** Per region: 1 once computed. */
  private readonly regionDone: Uint8Array;
  /** Per block: 1 if a jump table entry leads to it. */
  private readonly dynamicTarget: Uint8Array;
  /** Scratch, per block of the region being computed: static edges into it from earlier blocks of the region. */
  private forward = new Uint16Array(64);

  constructor(
    private readonly analysis: ProgramAnalysis,
    jumpTableBlocks: Int32Array,
  ) {
    if (analysis.staticTargets === null) throw new Error('internal error: gas budgets need the static targets');
    const blocks = analysis.blockCount;
    this.budget = new Float64Array(blocks);
    this.checkpoint = new Uint8Array(blocks);
    this.regionDone = new Uint8Array(analysis.regionCount);
    this.dynamicTarget = new Uint8Array(blocks);
    for (const block of jumpTableBlocks) if (block >= 0) this.dynamicTarget[block] = 1;
  }

  /** The budget of `block` (computing its region's if needed). */
  budgetOf(block: number): number {
    this.computeRegion(regionOf(this.analysis, block));
    return this.budget[block]!;
  }

  /** Whether compiled code tests the balance at the start of `block`; its region must be computed. */
  isCheckpoint(block: number): boolean {
    return this.checkpoint[block] === 1;
  }

  /** Computes the checkpoints and budgets of region `r` (once). */
  computeRegion(r: number): void {
    if (this.regionDone[r] === 1) return;
    const analysis = this.analysis;
    const { blockPc, blockNext, blockCost, blockEntry } = analysis;
    const staticTargets = analysis.staticTargets!;
    const first = analysis.regionFirst[r]!;
    const end = regionEnd(analysis, r);
    analysis.details.complete(first, end);
    if (this.forward.length < end - first) this.forward = new Uint16Array(end - first);
    const forward = this.forward;
    forward.fill(0, 0, end - first);
    for (let b = first; b < end; b++) {
      const t = this.laterTarget(b, end);
      if (t >= 0) forward[t - first]!++;
    }
    for (let b = first; b < end; b++) {
      const pc = blockPc[b]!;
      // Saturated counts (255) never match: such blocks stay checkpoints.
      const entered =
        b === first || blockEntry[b] === BlockEntry.Resume || this.dynamicTarget[b] === 1 || staticTargets[pc]! !== forward[b - first];
      this.checkpoint[b] = entered ? 1 : 0;
    }
    // Successors lie later in the region unless they are checkpoints: one pass backwards.
    for (let b = end - 1; b >= first; b--) {
      let most = 0;
      if (blockNext[b] === 1 && b + 1 < end && this.checkpoint[b + 1] === 0) most = this.budget[b + 1]!;
      const t = this.laterTarget(b, end);
      if (t >= 0 && this.checkpoint[t] === 0) most = Math.max(most, this.budget[t]!);
      this.budget[b] = blockCost[b]! + most;
    }
    this.regionDone[r] = 1;
  }

  /** The block that block `b`'s static jump or branch goes to, if it lies after `b` and before `end`; else -1. */
  private laterTarget(b: number, end: number): number {
    const { blockAt, blockTarget } = this.analysis;
    const target = blockTarget[b]!;
    if (target >= CALL || target >= blockAt.length) return -1;
    const t = blockAt[target]!;
    return t > b && t < end ? t : -1;
  }
}
