/**
 * Which blocks of a region run inside WebAssembly `loop`s. A jump or branch from block `e` back to an earlier block
 * `h` of the same region makes blocks h..e a loop: its back edges are then plain branches to the `loop`, and the
 * JIT sees a natural loop whose values it can keep in registers. Without it, a backward jump goes round the
 * region's dispatch loop (a `br_table` over every block), and the JIT keeps every guest register in memory across
 * that merge point.
 *
 * WebAssembly loops nest, so loops that overlap without nesting cannot all be kept: inner (shorter) ones are
 * preferred. Calls (`load_imm_and_jump`) make no loops. A block of the region belongs to a *scope*: the innermost
 * loop whose header lies before it and whose last block lies at or after it, or the region's top level. The label a
 * forward branch to the block ends at is opened at the start of that scope (see RegionEmitter).
 */
import { MAX_REGION_BLOCKS, NO_TARGET, type ProgramAnalysis } from './analysis.js';
import type { Code } from '../isa/code.js';

/** The scope of blocks that lie in no loop. */
export const TOP = -1;

/** Loops of one region; block numbers are relative to the region's first block. */
export class RegionLoops {
  /** Blocks in the region. */
  count = 0;
  /** Per block: the last block of the loop it heads, or -1 when it heads none. */
  readonly last = new Int32Array(MAX_REGION_BLOCKS);
  /** Per block: its scope, the header of the innermost loop L with header < block ≤ last(L), or {@link TOP}. */
  readonly scope = new Int32Array(MAX_REGION_BLOCKS);
  /** Candidate loops (header, last) in the order they are considered. */
  private readonly candidates: number[] = [];

  /** Finds the loops of the blocks first … end - 1. */
  find(code: Code, analysis: ProgramAnalysis, first: number, end: number): void {
    const count = end - first;
    this.count = count;
    const last = this.last;
    last.fill(-1, 0, count);
    // Per header, its furthest back edge.
    const furthest = this.scope;
    furthest.fill(-1, 0, count);
    let any = false;
    for (let e = 1; e < count; e++) {
      const target = analysis.blockTarget[first + e]!;
      if (target === NO_TARGET || !code.isJumpTargetValid(target)) continue;
      const h = analysis.blockAt[target]! - first;
      if (h < 0 || h >= e) continue;
      if (e > furthest[h]!) furthest[h] = e;
      any = true;
    }
    if (any) this.keepNested(furthest, count);
    this.assignScopes();
  }

  /** Keeps the candidate loops that nest with each other, shorter ones first. */
  private keepNested(furthest: Int32Array, count: number): void {
    const candidates = this.candidates;
    candidates.length = 0;
    for (let h = 0; h < count; h++) if (furthest[h]! >= 0) candidates.push(h);
    candidates.sort((a, b) => furthest[a]! - a - (furthest[b]! - b));
    const last = this.last;
    for (const h of candidates) {
      const e = furthest[h]!;
      let crosses = false;
      for (let k = 0; k < count && !crosses; k++) {
        const l = last[k]!;
        if (l < 0) continue;
        // Loops h..e and k..l cross when one starts inside the other and ends after it.
        crosses = (k < h && h <= l && l < e) || (h < k && k <= e && e < l);
      }
      if (!crosses) last[h] = e;
    }
  }

  /** Fills `scope` from `last`: a stack of the loops open at each block, innermost on top. */
  private assignScopes(): void {
    const { last, scope } = this;
    const open: number[] = [];
    for (let b = 0; b < this.count; b++) {
      while (open.length > 0 && last[open[open.length - 1]!]! < b) open.pop();
      scope[b] = open.length > 0 ? open[open.length - 1]! : TOP;
      if (last[b]! >= 0) open.push(b);
    }
  }

  /** Whether block `b` heads a loop. */
  isHeader(b: number): boolean {
    return this.last[b]! >= 0;
  }

  /** The innermost loop that holds block `b` (its header, or {@link TOP}). */
  innermost(b: number): number {
    return this.last[b]! >= 0 ? b : this.scope[b]!;
  }

  /** Whether loop `s` (or the top level) holds block `b`. */
  holds(s: number, b: number): boolean {
    return s === TOP || (s <= b && b <= this.last[s]!);
  }

  /**
   * The block whose label in scope `s` leads towards block `b` (which `s` holds, after its header): `b` itself if
   * its label lies in `s`, otherwise the header of the loop inside `s` that holds it.
   */
  representative(s: number, b: number): number {
    let r = b;
    while (this.scope[r] !== s) r = this.scope[r]!;
    return r;
  }
}
