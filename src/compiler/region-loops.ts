/**
 * Which blocks of a region run inside WebAssembly `loop`s. A jump or branch from block `e` back to an earlier block
 * `h` of the same region makes a loop of h and every block that reaches e without passing h (the natural loop; its
 * blocks may lie after e, as when a compiler places an inner loop after its outer loop's latch): the blocks from h
 * to the last of these become one WebAssembly `loop`. Its back edges are then plain branches, and the JIT sees a
 * natural loop whose values it can keep in registers. Without it, a backward jump goes round the region's dispatch
 * loop (a `br_table` over every block), and the JIT keeps every guest register in memory across that merge point.
 *
 * WebAssembly loops nest, so of loops whose code ranges overlap without nesting only some can be kept: shorter
 * ones first. Calls make no loops. A call to another region's function returns right after the call (see
 * RegionEmitter.callRegion); other calls (and host calls) make no loops around them: their return comes back through
 * the region's dispatch, and then through every loop's own on its way in, which costs more than the loop saves.
 *
 * A block of the region belongs to a *scope*: the innermost loop whose header lies before it and whose last block
 * lies at or after it, or the region's top level. The label a forward branch to the block ends at is opened at the
 * start of that scope (see RegionEmitter).
 */
import { CALL, MAX_REGION_BLOCKS, NO_TARGET, type ProgramAnalysis } from './analysis.js';
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
  /** Per block: how many blocks before it end in a call. */
  private readonly callsBefore = new Int32Array(MAX_REGION_BLOCKS + 1);
  /** Per block: the block of the region its static jump or branch goes to, or -1. */
  private readonly targetBlock = new Int32Array(MAX_REGION_BLOCKS);
  /** Predecessors inside the region: per block the first edge, per edge its source and the next edge (-1: none). */
  private readonly firstEdge = new Int32Array(MAX_REGION_BLOCKS);
  private readonly edgeFrom = new Int32Array(2 * MAX_REGION_BLOCKS);
  private readonly nextEdge = new Int32Array(2 * MAX_REGION_BLOCKS);
  /** Blocks seen by the current search (marked with its number), and the search's stack. */
  private readonly seen = new Int32Array(MAX_REGION_BLOCKS);
  private readonly stack = new Int32Array(MAX_REGION_BLOCKS);
  private search = 0;
  private edges = 0;

  /**
   * Finds the loops of the blocks first … end - 1. `inlineReturn[b]` is the block a call ending block first + b
   * returns to inline (not through the dispatch), or -1; such calls may lie inside loops.
   */
  find(code: Code, analysis: ProgramAnalysis, first: number, end: number, inlineReturn: Int32Array): void {
    const count = end - first;
    this.count = count;
    const last = this.last;
    last.fill(-1, 0, count);
    // Per header, its furthest back edge.
    const furthest = this.scope;
    furthest.fill(-1, 0, count);
    const callsBefore = this.callsBefore;
    for (let b = 0; b < count; b++) callsBefore[b + 1] = callsBefore[b]! + (analysis.blockTarget[first + b] === CALL && inlineReturn[b]! < 0 ? 1 : 0);
    this.findEdges(code, analysis, first, count, inlineReturn);
    let any = false;
    for (let e = 1; e < count; e++) {
      const h = this.targetBlock[e]!;
      if (h < 0 || h >= e) continue;
      const loopLast = this.naturalLast(h, e);
      if (callsBefore[loopLast + 1]! !== callsBefore[h]!) continue;
      if (loopLast > furthest[h]!) furthest[h] = loopLast;
      any = true;
    }
    if (any) this.keepNested(furthest, count);
    this.assignScopes();
  }

  /**
   * Records every edge between blocks of the region (continuing into the next block, static jumps and branches to
   * valid targets, returns from calls made inline), and each block's target.
   */
  private findEdges(code: Code, analysis: ProgramAnalysis, first: number, count: number, inlineReturn: Int32Array): void {
    this.firstEdge.fill(-1, 0, count);
    this.edges = 0;
    for (let b = 0; b < count; b++) {
      if (analysis.blockNext[first + b] === 1 && b + 1 < count) this.addEdge(b, b + 1);
      if (inlineReturn[b]! >= 0) this.addEdge(b, inlineReturn[b]! - first);
      const target = analysis.blockTarget[first + b]!;
      let to = -1;
      if (target !== NO_TARGET && target !== CALL && code.isJumpTargetValid(target)) {
        to = analysis.blockAt[target]! - first;
        if (to >= count) to = -1;
      }
      this.targetBlock[b] = to < 0 ? -1 : to;
      if (to >= 0) this.addEdge(b, to);
    }
  }

  private addEdge(from: number, to: number): void {
    const edge = this.edges++;
    this.edgeFrom[edge] = from;
    this.nextEdge[edge] = this.firstEdge[to]!;
    this.firstEdge[to] = edge;
  }

  /**
   * The last block (in code order) of the natural loop of the back edge e → h: the blocks after h that reach e
   * without passing h. (Blocks before h that jump into the loop enter it elsewhere than at its header, which the
   * loop's dispatch handles; they are not part of it.)
   */
  private naturalLast(h: number, e: number): number {
    const { firstEdge, edgeFrom, nextEdge, seen, stack } = this;
    const mark = ++this.search;
    seen[e] = mark;
    seen[h] = mark;
    let top = 0;
    stack[top++] = e;
    let last = e;
    while (top > 0) {
      const b = stack[--top]!;
      for (let edge = firstEdge[b]!; edge >= 0; edge = nextEdge[edge]!) {
        const p = edgeFrom[edge]!;
        if (seen[p] === mark || p < h) continue;
        seen[p] = mark;
        stack[top++] = p;
        if (p > last) last = p;
      }
    }
    return last;
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
