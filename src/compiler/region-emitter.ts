/**
 * Emits one region (a run of consecutive blocks) as one WebAssembly function:
 *
 * ```
 * load the registers the region uses, and gas, from the state area
 * block $exit
 *   block $fault                      ; an exit recorded in the state area by a helper
 *     block $record                   ; an exit: code in $result, program counter in $target
 *     loop $dispatch
 *       block $b(n-1) … block $b0 block $outside
 *         br_table on $target         ; to the block's label, or $outside
 *       end  → return $target to the caller
 *       end  → code of block 0 (falls through into block 1)
 *       …
 *     end → record $result and $target in the state area, go to $exit
 *   end → $result = the recorded exit code
 * end → store the registers the region wrote, and gas; return $result
 * ```
 *
 * Block k's code sits right after the end of label $b(k), so a jump forward to block j of the same region is a
 * plain `br` to $b(j); a jump to another region returns the block index to the caller, which calls that region's
 * function. Blocks h … e that a jump from e back to h makes a loop (region-loops.ts) sit inside a WebAssembly
 * `loop`, which opens the labels of its own blocks and dispatches on `$target` only when entered elsewhere than at
 * h:
 *
 * ```
 * end $b(h)
 * loop $L
 *   block $b(e) … block $b(h+1)
 *     if $target != h: br_table on $target to the label of block $target (or of the loop inside $L holding it)
 *     code of block h …               ; back edges: $target = h, br $L
 * ```
 *
 * Other jumps backward set `$target` and go round the innermost loop that holds both blocks, or `$dispatch`.
 * A call to another region whose return address leads back into this one calls that region's function and, when
 * it returns that block, continues there (see {@link RegionEmitter.callRegion}).
 */
import { DecodedInstruction, ENDS_BLOCK } from '../isa/code.js';
import { INVALID } from '../isa/instruction-table.js';
import { jumpTableIndex } from '../program/code-and-jump-table.js';
import { BlockEntry, blockCodeOffset, DYNAMIC_CALLEE, MAX_REGION_BLOCKS, NO_TARGET, regionEnd, regionOf } from './analysis.js';
import { RegionAccessEmitter } from './region-access.js';
import { RegionLoops, TOP } from './region-loops.js';
import { type EmitContext, GAS, Level, NO_BASE, OFFSET, RESULT, SCRATCH, TARGET } from './region-writer.js';
import { ExitCode, STATE } from './layout.js';
import { OPERATION, OPERATION_32, SHAPE, Shape, SPECIAL, Special } from './recipes.js';
import type { ByteWriter } from './wasm/byte-writer.js';
import { ValType, W } from './wasm/opcodes.js';

/**
 * Most region functions called by region functions (see {@link RegionEmitter.callRegion}) that may be running at
 * once; deeper guest calls return to `run` instead, so deep guest recursion never exhausts the host's stack.
 */
export const MAX_CALL_DEPTH = 64;

/**
 * Copies of a metered self-loop's body (see RegionEmitter.emitMeteredLoop) by its size in bytes of guest code:
 * small loops, where the balance test weighs most, are unrolled most; large ones not at all (1).
 */
function unrolledCopies(bytes: number): number {
  return bytes <= 40 ? 4 : bytes <= 120 ? 2 : 1;
}

/**
 * Emits region functions. One emitter is reused for every region of a program: its buffers and caches are
 * allocated once.
 */
export class RegionEmitter extends RegionAccessEmitter {
  /** `height` where the current block's code starts (constructs opened inside a block lie above it). */
  private blockHeight = 0;
  /** The block being emitted, relative to the region's first block. */
  private here = 0;
  private first = 0;
  private end_ = 0;
  private readonly loops = new RegionLoops();
  /** Per block of the region: the `height` of the label a forward branch to it ends at (see {@link emit}). */
  private readonly labelHeight = new Int32Array(MAX_REGION_BLOCKS);
  /** Per loop header of the region: the `height` of its `loop`. */
  private readonly loopHeight = new Int32Array(MAX_REGION_BLOCKS);
  private readonly helperIndex: readonly number[];
  private readonly decoded = new DecodedInstruction();
  /** Set when the rest of the current block is not emitted (after a terminator or trap). */
  private blockDone = false;
  /** `height` of the `loop` around the current block when it jumps back to its own start, or -1. */
  private selfLoop = -1;
  /** The registers the region uses (bit r) and writes (bit 13 + r), as in ProgramAnalysis.blockRegisters. */
  private registers = 0;
  /** Regions whose functions are in the module being emitted (first, end), and the function index of the first. */
  private moduleFirstRegion = 0;
  private moduleEndRegion = 0;
  private moduleFirstFunction = 0;
  /** Per block of the region: the block its call returns to inline (see {@link callRegion}), or -1. */
  private readonly inlineReturn = new Int32Array(MAX_REGION_BLOCKS);
  private readonly visit = (ins: DecodedInstruction): boolean => {
    if (!this.emitInstruction(ins)) this.blockDone = true;
    this.guess.observe(ins);
    return !this.blockDone && !ENDS_BLOCK[ins.id];
  };

  /**
   * @param jumpTableBlocks per jump table entry, the block it leads to (-1: not a valid target), as compiled code
   *   resolves dynamic jumps.
   */
  constructor(
    ctx: EmitContext,
    private readonly jumpTableBlocks: Int32Array,
  ) {
    super(ctx);
    const h = ctx.helpers;
    this.helperIndex = [h.divU32, h.divS32, h.remU32, h.remS32, h.divU64, h.divS64, h.remU64, h.remS64];
  }

  // ------------------------------------------------------------------ control transfers

  /**
   * Transfers to block `block` — when `conditional`, only if the i32 on top of the stack is not 0 (it is
   * consumed). An unconditional transfer to the next block in layout emits nothing.
   *
   * Inside the region, the branch goes to the label that leads towards the block (see {@link emit}): forward, the
   * block's own label or that of the header of a loop that holds it; backward, the innermost loop that holds both
   * blocks, or the dispatch loop. Wherever the branch arrives at a loop's header or the dispatch loop, `$target`
   * says which block is meant. Setting it also when a conditional branch is not taken is harmless: it is read only
   * where every way in has just set it.
   */
  private goTo(block: number, conditional = false): void {
    const loops = this.loops;
    const here = this.here;
    const to = block - this.first;
    const brOp = conditional ? W.br_if : W.br;
    if (to === here && this.selfLoop >= 0) {
      this.body.byte(brOp).u32(this.depth(this.selfLoop));
      return;
    }
    if (to < 0 || to >= loops.count) {
      this.i32(block);
      this.set(RESULT);
      this.body.byte(brOp).u32(this.exitDepth());
      return;
    }
    // The innermost scope that holds both blocks.
    let scope = loops.innermost(here);
    while (!loops.holds(scope, to)) scope = loops.scope[scope]!;
    let height: number;
    let setsTarget: boolean;
    if (to > here) {
      const label = loops.representative(scope, to);
      setsTarget = loops.isHeader(label);
      if (!conditional && label === here + 1 && this.height === this.blockHeight) {
        // The next block in layout: fall through (a loop header still learns which block is meant).
        if (setsTarget) {
          this.i32(block);
          this.set(TARGET);
        }
        return;
      }
      height = this.labelHeight[label]!;
    } else {
      setsTarget = true;
      height = scope === TOP ? Level.Dispatch : this.loopHeight[scope]!;
    }
    if (setsTarget) {
      this.i32(block);
      this.set(TARGET);
    }
    this.body.byte(brOp).u32(this.depth(height));
  }

  /** Transfers to the block at a code offset reached by a static jump, or traps at `pc` if it is not a valid target. */
  private jumpTo(target: number, pc: number): void {
    if (this.ctx.code.isJumpTargetValid(target)) this.goTo(this.ctx.analysis.blockAt[target]!);
    else this.trap(pc);
  }

  /**
   * Dynamic jump to the 32-bit address on top of the stack (consumed). Jump-table addresses are resolved inline:
   * `entry = rotr(address - 2, 1)` is below the table length exactly for even non-zero addresses in range, and
   * the table holds the block index (or -1). Everything else (return to host, traps) goes to `resolveJump`.
   */
  private jumpIndirect(pc: number, back = -1): void {
    const body = this.body;
    const jumpTableLength = this.ctx.jumpTableLength;
    this.i32(2);
    this.op(W.i32_sub);
    this.i32(1);
    this.op(W.i32_rotr);
    this.tee(OFFSET);
    if (jumpTableLength > 0) {
      this.i32(jumpTableLength);
      this.op(W.i32_lt_u);
      this.openIf(ValType.I32);
      this.get(OFFSET);
      this.i32(2);
      this.op(W.i32_shl);
      this.op(W.i32_load);
      this.memarg(this.ctx.layout.jumpTableOffset);
      this.op(W.else);
      this.i32(-1);
      this.end();
      this.tee(TARGET);
      // A target in the innermost loop around this block: round that loop (a `switch` in a loop stays in it).
      const loop = this.loops.innermost(this.here);
      if (loop !== TOP) {
        this.i32(this.first + loop);
        this.op(W.i32_sub);
        this.i32(this.loops.last[loop]! - loop + 1);
        this.op(W.i32_lt_u);
        body.byte(W.br_if).u32(this.depth(this.loopHeight[loop]!));
        this.get(TARGET);
      }
      if (back >= 0) {
        // A call: to a block of this region through the dispatch, to another region as a function call.
        this.i32(this.first);
        this.op(W.i32_sub);
        this.i32(this.end_ - this.first);
        this.op(W.i32_lt_u);
        body.byte(W.br_if).u32(this.dispatchDepth());
        this.get(TARGET);
        this.i32(0);
        this.op(W.i32_ge_s);
        this.openIf();
        this.callRegion(-1, back);
        this.end();
      } else {
        this.i32(0);
        this.op(W.i32_ge_s);
        body.byte(W.br_if).u32(this.dispatchDepth());
      }
      this.get(OFFSET);
    }
    // address = rotl(entry, 1) + 2
    this.i32(1);
    this.op(W.i32_rotl);
    this.i32(2);
    this.op(W.i32_add);
    this.i32(pc);
    this.call(this.ctx.runtime.resolveJump);
    this.checkFault();
    this.set(TARGET);
    this.br(this.dispatchDepth());
  }

  // ------------------------------------------------------------------ the region

  /** Emits the function body of region `r` into `body`. */
  emit(r: number, body: ByteWriter): void {
    const { analysis, runtime } = this.ctx;
    this.body = body;
    this.first = analysis.regionFirst[r]!;
    this.end_ = regionEnd(analysis, r);
    const count = this.end_ - this.first;
    analysis.details.complete(this.first, this.end_);
    this.ctx.budgets?.computeRegion(r);
    let registers = 0;
    for (let b = this.first; b < this.end_; b++) registers |= analysis.blockRegisters[b]!;
    this.registers = registers;
    for (let b = this.first; b < this.end_; b++) this.inlineReturn[b - this.first] = this.findInlineReturn(b);
    this.loops.find(this.ctx.code, analysis, this.first, this.end_, this.inlineReturn);
    this.guess.reset();

    this.loadState();

    this.height = 0;
    this.open(W.block); // $exit
    this.open(W.block); // $fault
    this.open(W.block); // $record
    this.open(W.loop); // $dispatch
    this.openLabels(TOP, 0, count - 1);
    this.open(W.block); // $outside
    this.dispatch(TOP, 0, count - 1);
    this.end(); // $outside: the target lies in another region
    this.get(TARGET);
    this.set(RESULT);
    this.br(this.exitDepth());
    this.emitScope(TOP, 0, count - 1);
    this.op(W.unreachable);
    this.end(); // $dispatch
    this.op(W.unreachable);
    this.end(); // $record
    this.i32(0);
    this.get(TARGET);
    this.op(W.i32_store);
    this.memarg(STATE.exitPc);
    this.i32(0);
    this.get(RESULT);
    this.op(W.i32_store);
    this.memarg(STATE.exitCode);
    this.br(1);
    this.end(); // $fault: the exit code was recorded by a helper
    this.i32(0);
    this.op(W.i32_load);
    this.memarg(STATE.exitCode);
    this.set(RESULT);
    this.i32(0);
    body.byte(W.global_set).u32(runtime.fault);
    this.end(); // $exit

    this.storeState();
    this.get(RESULT);
    this.op(W.end);
  }

  /** The region's registers (those it uses), and gas, from the state area; the RW window's limits. */
  private loadState(): void {
    const registers = this.registers;
    for (let k = 0; k < 13; k++) {
      if ((registers & (1 << k)) === 0) continue;
      this.i32(0);
      this.op(this.wide ? W.i64_load : W.i32_load);
      this.memarg(STATE.registers + 8 * k);
      this.setReg(k);
    }
    if (this.ctx.gas !== 'none') {
      this.i32(0);
      this.op(W.i64_load);
      this.memarg(STATE.gas);
      this.set(GAS);
    }
    // After a call to another region too: the callee may have grown the heap.
    this.loadRwLimits();
  }

  /** The registers the region writes, and gas, to the state area. */
  private storeState(): void {
    const registers = this.registers;
    for (let k = 0; k < 13; k++) {
      if ((registers & (1 << (13 + k))) === 0) continue;
      this.i32(0);
      this.reg(k);
      // 32-bit programs keep registers as i32; the state area holds them sign-extended.
      if (!this.wide) this.op(W.i64_extend_i32_s);
      this.op(W.i64_store);
      this.memarg(STATE.registers + 8 * k);
    }
    if (this.ctx.gas !== 'none') {
      this.i32(0);
      this.get(GAS);
      this.op(W.i64_store);
      this.memarg(STATE.gas);
    }
  }

  /**
   * Sets the regions whose functions the module being emitted defines: regions `first` … `end - 1`, the first
   * of them at function index `firstFunction`. Calls to them are direct; others go through the function table.
   */
  setModule(first: number, end: number, firstFunction: number): void {
    this.moduleFirstRegion = first;
    this.moduleEndRegion = end;
    this.moduleFirstFunction = firstFunction;
  }

  /**
   * The block of the region that the call ending block `block` returns to when the callee (in another region)
   * returns normally, or -1 when the call is not made as a function call (see {@link callRegion}).
   */
  private findInlineReturn(block: number): number {
    const { analysis, code } = this.ctx;
    const callee = analysis.blockCallee[block]!;
    if (callee === NO_TARGET) return -1;
    if (callee !== DYNAMIC_CALLEE) {
      if (!code.isJumpTargetValid(callee)) return -1;
      const calleeBlock = analysis.blockAt[callee]!;
      if (calleeBlock >= this.first && calleeBlock < this.end_) return -1;
    }
    // The return address resolves as `ret` will resolve it: through the jump table.
    const entry = jumpTableIndex(analysis.blockCallReturn[block]!, this.jumpTableBlocks.length);
    if (entry < 0) return -1;
    const back = this.jumpTableBlocks[entry]!;
    return back >= this.first && back < this.end_ ? back : -1;
  }

  /**
   * A call to block `callee` of another region (-1: the block in `$target`), made as a WebAssembly call of that
   * region's function, so that its return comes back here instead of through `run` and this region's dispatch:
   *
   * ```
   * store the registers the region wrote, and gas     ; the callee reads them from the state area
   * if callDepth >= MAX_CALL_DEPTH: return callee to the caller (as a jump to another region)
   * result = callee's region function (callee)
   * if result != back: return result                 ; an exit, or a jump elsewhere: the caller handles it
   * load the registers, and gas; go to block `back`
   * ```
   *
   * The state area is current whenever the callee runs and whenever this function returns early, so a callee that
   * exits (host call, trap, out of gas) or returns elsewhere leaves everything as a jump to `run` would have.
   */
  private callRegion(callee: number, back: number): void {
    const body = this.body;
    const depth = this.ctx.runtime.callDepth;
    this.storeState();
    body.byte(W.global_get).u32(depth);
    this.i32(MAX_CALL_DEPTH);
    this.op(W.i32_ge_u);
    // The callee block: a constant, or `$target`.
    const pushCallee = (): void => (callee >= 0 ? this.i32(callee) : this.get(TARGET));
    this.openIf();
    pushCallee();
    this.set(RESULT);
    this.br(this.exitDepth());
    this.end();
    body.byte(W.global_get).u32(depth);
    this.i32(1);
    this.op(W.i32_add);
    body.byte(W.global_set).u32(depth);
    pushCallee();
    const region = callee >= 0 ? regionOf(this.ctx.analysis, callee) : -1;
    if (region >= this.moduleFirstRegion && region < this.moduleEndRegion) {
      this.call(this.moduleFirstFunction + region - this.moduleFirstRegion);
    } else {
      pushCallee(); // the table index
      body.byte(W.call_indirect).u32(this.ctx.regionType).u32(0);
    }
    this.set(RESULT);
    body.byte(W.global_get).u32(depth);
    this.i32(1);
    this.op(W.i32_sub);
    body.byte(W.global_set).u32(depth);
    this.get(RESULT);
    this.i32(back);
    this.op(W.i32_ne);
    this.openIf();
    this.get(RESULT);
    this.op(W.return);
    this.end();
    this.loadState();
    this.goTo(back);
  }

  /**
   * Opens the labels of the blocks whose scope is `scope` (the loop headed by `from`, or TOP), `from` … `to`
   * (a loop's header excluded: its label lies outside the loop), the smallest innermost: block b's code follows
   * the end of its label.
   */
  private openLabels(scope: number, from: number, to: number): void {
    const loops = this.loops;
    for (let b = to; b >= from; b--) {
      if (loops.scope[b] === scope && b !== scope) this.labelHeight[b] = this.open(W.block);
    }
  }

  /**
   * Branches on `$target` to the label leading towards it (see {@link RegionLoops.representative}), in the scope
   * holding blocks `from` … `to`: at the top level every block, `$outside` for other regions (the innermost
   * label); in a loop, the blocks after its header (the header itself runs on: it is what back edges mean).
   */
  private dispatch(scope: number, from: number, to: number): void {
    const body = this.body;
    const start = scope === TOP ? from : from + 1;
    if (scope !== TOP) {
      this.get(TARGET);
      this.i32(this.first + from);
      this.op(W.i32_ne);
      this.openIf();
    }
    this.get(TARGET);
    if (this.first + start !== 0) {
      this.i32(this.first + start);
      this.op(W.i32_sub);
    }
    body.byte(W.br_table).u32(to - start + 1);
    for (let b = start; b <= to; b++) body.u32(this.depth(this.labelHeight[this.loops.representative(scope, b)]!));
    body.u32(0);
    if (scope !== TOP) this.end();
  }

  /** Emits the blocks `from` … `to` of a scope (TOP, or the loop headed by `from`), and the loops inside it. */
  private emitScope(scope: number, from: number, to: number): void {
    const loops = this.loops;
    for (let b = from; b <= to; ) {
      if (b === scope) {
        this.emitBlock(b);
        b++;
        continue;
      }
      this.end(); // the label of block b
      if (!loops.isHeader(b)) {
        this.emitBlock(b);
        b++;
        continue;
      }
      const last = loops.last[b]!;
      this.loopHeight[b] = this.open(W.loop);
      this.openLabels(b, b, last);
      this.dispatch(b, b, last);
      this.emitScope(b, b, last);
      this.end(); // the loop
      b = last + 1;
    }
  }

  private emitBlock(here: number): void {
    const { analysis } = this.ctx;
    this.here = here;
    this.blockHeight = this.height;
    const block = this.first + here;
    const pc = analysis.blockPc[block]!;
    // Blocks that are not valid jump targets are reached here only by a `fallthrough` (into a gap, or past a
    // 24-byte skip the reference reads as one), which compiles and charges them like any block; the host enters
    // them through the interpreter. They, and blocks ending in an implicit invalid, mark the instance.
    if (analysis.blockImplicitEnd[block] === 1 || analysis.blockEntry[block] === BlockEntry.None) this.mark(pc);
    // A block that jumps back to itself runs inside a `loop`, its back edge a plain branch.
    const loops = analysis.blockTarget[block] === pc;
    const budgets = this.ctx.budgets;
    const cost = analysis.blockCost[block]!;
    // Continuations after `ecalli` are entered only by the host, which tests their budget.
    const tested = budgets !== null && budgets.isCheckpoint(block) && analysis.blockEntry[block] !== BlockEntry.Resume;
    const budget = tested ? budgets.budgetOf(block) : 0;
    if (loops && cost > 0 && budgets !== null) {
      const copies = unrolledCopies(this.blockBytes(block));
      if (copies > 1) {
        this.emitMeteredLoop(pc, cost, budget, copies);
        return;
      }
    }
    if (loops) this.openSelfLoop();
    if (tested) this.testBudget(pc, budget);
    if (cost > 0) this.charge(cost);
    this.emitBody(pc);
    if (loops) {
      this.end();
      this.selfLoop = -1;
    }
  }

  /** Guest code bytes of a block (up to the next block's start). */
  private blockBytes(block: number): number {
    const { analysis, code } = this.ctx;
    return blockCodeOffset(analysis, code.length, block + 1) - analysis.blockPc[block]!;
  }

  private openSelfLoop(): void {
    this.selfLoop = this.open(W.loop);
  }

  /** `gas -= cost`. */
  private charge(cost: number): void {
    this.get(GAS);
    this.i64Const(cost);
    this.op(W.i64_sub);
    this.set(GAS);
  }

  /**
   * At a checkpoint (gas-budget.ts): leave for the interpreter at `pc`, the block not charged, unless the balance
   * covers `budget`.
   */
  private testBudget(pc: number, budget: number): void {
    this.get(GAS);
    this.i64Const(budget);
    this.op(W.i64_lt_s);
    this.openIf();
    this.exitAt(ExitCode.LowGas, pc);
    this.end();
  }

  /** A non-negative integer below 2^53 as an `i64.const`. */
  private i64Const(value: number): void {
    this.body.byte(W.i64_const).i64(value >>> 0, Math.floor(value / 0x100000000));
  }

  /**
   * A metered block that jumps back to itself (a checkpoint), its body emitted `copies + 1` times so that the
   * balance is tested once per `copies` iterations instead of every time:
   *
   * ```
   * loop $L
   *   if gas < (copies - 1) × cost + budget   ; too little for all copies: one iteration, tested as usual
   *     test budget; gas -= cost; body        ; jumping back → $L
   *   end
   *   block $1  gas -= cost; body (jumping back → $1, i.e. the next copy)  end
   *   …
   *   gas -= cost; body                       ; jumping back → $L
   * end
   * ```
   *
   * Every iteration is charged exactly when it starts, as before. On the unrolled path the balance covers every
   * copy and then the budget of whatever follows the loop, so nothing is tested. Leaving the loop (not jumping
   * back, traps, host calls) is unchanged.
   */
  private emitMeteredLoop(pc: number, cost: number, budget: number, copies: number): void {
    this.openSelfLoop();
    const loopLevel = this.selfLoop;
    this.get(GAS);
    this.i64Const((copies - 1) * cost + budget);
    this.op(W.i64_lt_s);
    this.openIf();
    this.testBudget(pc, budget);
    this.charge(cost);
    this.emitBody(pc);
    this.end();
    for (let k = 1; k <= copies; k++) {
      const last = k === copies;
      if (!last) {
        this.selfLoop = this.open(W.block);
      } else {
        this.selfLoop = loopLevel;
      }
      this.charge(cost);
      this.emitBody(pc);
      if (!last) this.end();
    }
    this.end();
    this.selfLoop = -1;
  }

  /** The block's instructions, with its hoisted access tests. */
  private emitBody(pc: number): void {
    if (!this.ctx.dynamicPaging) this.hoistAccessTests(pc);
    this.blockDone = false;
    this.ctx.code.walkBounded(pc, this.decoded, this.visit);
    if (!this.blockDone) throw new Error(`internal error: the block at ${pc} does not end with a transfer`);
  }

  /** Emits one instruction; returns false when the rest of the block must not be emitted. */
  private emitInstruction(ins: DecodedInstruction): boolean {
    const id = ins.id;
    const pc = ins.pc;
    if (id === INVALID) {
      this.trap(pc);
      return false;
    }
    const { reg1: a, reg2: b, reg3: c, imm1, imm2 } = ins;
    const op = OPERATION[id]!;
    switch (SHAPE[id]) {
      case Shape.Load:
        this.load(op, a, NO_BASE, imm1, pc);
        return true;
      case Shape.LoadIndirect:
        this.load(op, a, b, imm1, pc);
        return true;
      case Shape.Store:
        this.store(op, NO_BASE, imm1, a, 0, pc);
        return true;
      case Shape.StoreIndirect:
        this.store(op, b, imm1, a, 0, pc);
        return true;
      case Shape.StoreImm:
        this.store(op, NO_BASE, imm1, NO_BASE, imm2, pc);
        return true;
      case Shape.StoreImmIndirect:
        this.store(op, a, imm1, NO_BASE, imm2, pc);
        return true;
      case Shape.Binary32:
        this.reg32(b);
        this.reg32(c);
        this.op(op);
        this.setReg32(a);
        return true;
      case Shape.BinaryImm32:
        this.reg32(b);
        this.i32(imm1);
        this.op(op);
        this.setReg32(a);
        return true;
      case Shape.BinaryImmAlt32:
        this.i32(imm1);
        this.reg32(b);
        this.op(op);
        this.setReg32(a);
        return true;
      case Shape.Unary32:
        this.reg32(b);
        this.op(op);
        this.setReg32(a);
        return true;
      case Shape.Helper32:
        this.reg32(b);
        this.reg32(c);
        this.call(this.helperIndex[op]!);
        this.setReg32(a);
        return true;
      case Shape.Binary64:
        this.reg(b);
        this.reg(c);
        this.op(op);
        this.setReg(a);
        return true;
      case Shape.BinaryImm64:
        this.reg(b);
        this.imm(imm1);
        this.op(op);
        this.setReg(a);
        return true;
      case Shape.BinaryImmAlt64:
        this.imm(imm1);
        this.reg(b);
        this.op(op);
        this.setReg(a);
        return true;
      case Shape.Unary64:
        this.reg(b);
        this.op(op);
        this.setReg(a);
        return true;
      case Shape.Helper64:
        this.reg(b);
        this.reg(c);
        this.call(this.helperIndex[op]!);
        this.setReg(a);
        return true;
      case Shape.BinaryWide:
        this.reg(b);
        this.reg(c);
        this.op(this.wide ? op : OPERATION_32[id]!);
        this.setReg(a);
        return true;
      case Shape.BinaryImmWide:
        this.reg(b);
        this.imm(imm1);
        this.op(this.wide ? op : OPERATION_32[id]!);
        this.setReg(a);
        return true;
      case Shape.CompareWide:
        this.reg(b);
        this.reg(c);
        this.op(this.wide ? op : OPERATION_32[id]!);
        this.setRegBool(a);
        return true;
      case Shape.CompareImmWide:
        this.reg(b);
        this.imm(imm1);
        this.op(this.wide ? op : OPERATION_32[id]!);
        this.setRegBool(a);
        return true;
      case Shape.UnaryWide:
        this.reg(b);
        this.op(this.wide ? op : OPERATION_32[id]!);
        this.setReg(a);
        return true;
      case Shape.Branch:
      case Shape.BranchImm:
        this.branch(ins);
        return false;
      default:
        return this.emitSpecial(ins);
    }
  }

  private emitSpecial(ins: DecodedInstruction): boolean {
    const { pc, reg1: a, reg2: b, reg3: c, imm1, imm2 } = ins;
    const wide = this.wide;
    const vop = (op64: W, op32: W): void => this.op(wide ? op64 : op32);
    switch (SPECIAL[ins.id]) {
      case Special.Trap:
        this.trap(pc);
        return false;
      case Special.Fallthrough: {
        const { code, analysis } = this.ctx;
        const next = ins.nextPc;
        // The next instruction starts a block even when it is not a valid jump target (such a block falls back
        // to the interpreter before it is charged); past the end, 0.35 traps at the fallthrough itself.
        if (next < code.length || (next === code.length && this.ctx.trapAtCodeEnd)) this.goTo(analysis.blockAt[next]!);
        else this.trap(pc);
        return false;
      }
      case Special.Unlikely:
        return true;
      case Special.Jump:
        this.jumpTo(imm1, pc);
        return false;
      case Special.LoadImmAndJump: {
        this.imm(imm1); // written even when the target is invalid
        this.setReg(a);
        const back = this.inlineReturn[this.here]!;
        if (back >= 0) this.callRegion(this.ctx.analysis.blockAt[imm2]!, back);
        else this.jumpTo(imm2, pc);
        return false;
      }
      case Special.JumpIndirect:
        this.address(a, imm1);
        this.jumpIndirect(pc);
        return false;
      case Special.LoadImmAndJumpIndirect:
        this.address(b, imm2); // the base is read before the destination is written
        this.set(SCRATCH);
        this.imm(imm1);
        this.setReg(a);
        this.get(SCRATCH);
        this.jumpIndirect(pc, this.inlineReturn[this.here]!);
        return false;
      case Special.Ecalli:
        this.i32(pc);
        this.i32(ins.nextPc);
        this.i32(imm1);
        this.call(this.ctx.runtime.ecalli);
        this.br(this.faultDepth());
        return false;
      case Special.Memset:
        this.exitAt(ExitCode.FallbackCharged, pc);
        return false;
      case Special.Sbrk:
        if (this.ctx.dynamicPaging) {
          // There is no heap under dynamic paging (the reference aborts; see docs/spec.md).
          this.trap(pc);
          return false;
        }
        if (wide) {
          // Sizes outside 0..u32::MAX become 0: select(low 32 bits, 0, upper 32 bits == 0).
          this.reg(b);
          this.op(W.i32_wrap_i64);
          this.i32(0);
          this.reg(b);
          this.body.byte(W.i64_const).i32(32);
          this.op(W.i64_shr_u);
          this.op(W.i64_eqz);
          this.op(W.select);
        } else {
          this.reg(b);
        }
        this.call(this.ctx.sbrkImport);
        this.setReg32(a);
        this.loadRwLimits();
        return true;
      case Special.MoveReg:
        this.reg(b);
        this.setReg(a);
        return true;
      case Special.LoadImm:
        this.imm(imm1);
        this.setReg(a);
        return true;
      case Special.LoadImm64:
        this.body.byte(W.i64_const).i64(imm1, imm2);
        this.setReg(a);
        return true;
      case Special.AndInverted:
        this.reg(b);
        this.reg(c);
        this.imm(-1);
        vop(W.i64_xor, W.i32_xor);
        vop(W.i64_and, W.i32_and);
        this.setReg(a);
        return true;
      case Special.OrInverted:
        this.reg(b);
        this.reg(c);
        this.imm(-1);
        vop(W.i64_xor, W.i32_xor);
        vop(W.i64_or, W.i32_or);
        this.setReg(a);
        return true;
      case Special.Xnor:
        this.reg(b);
        this.reg(c);
        vop(W.i64_xor, W.i32_xor);
        this.imm(-1);
        vop(W.i64_xor, W.i32_xor);
        this.setReg(a);
        return true;
      case Special.CmovIfZero:
        this.reg(b);
        this.reg(a);
        this.reg(c);
        vop(W.i64_eqz, W.i32_eqz);
        this.op(W.select);
        this.setReg(a);
        return true;
      case Special.CmovIfNotZero:
        this.reg(a);
        this.reg(b);
        this.reg(c);
        vop(W.i64_eqz, W.i32_eqz);
        this.op(W.select);
        this.setReg(a);
        return true;
      case Special.CmovIfZeroImm:
        this.imm(imm1);
        this.reg(a);
        this.reg(b);
        vop(W.i64_eqz, W.i32_eqz);
        this.op(W.select);
        this.setReg(a);
        return true;
      case Special.CmovIfNotZeroImm:
        this.reg(a);
        this.imm(imm1);
        this.reg(b);
        vop(W.i64_eqz, W.i32_eqz);
        this.op(W.select);
        this.setReg(a);
        return true;
      case Special.Maximum:
        this.minMax(a, b, c, W.i64_gt_s, W.i32_gt_s);
        return true;
      case Special.MaximumUnsigned:
        this.minMax(a, b, c, W.i64_gt_u, W.i32_gt_u);
        return true;
      case Special.Minimum:
        this.minMax(a, b, c, W.i64_lt_s, W.i32_lt_s);
        return true;
      case Special.MinimumUnsigned:
        this.minMax(a, b, c, W.i64_lt_u, W.i32_lt_u);
        return true;
      case Special.ZeroExtend16:
        this.reg(b);
        this.imm(0xffff);
        vop(W.i64_and, W.i32_and);
        this.setReg(a);
        return true;
      case Special.ReverseByte:
        this.reg(b);
        this.call(wide ? this.ctx.helpers.bswap64 : this.ctx.helpers.bswap32);
        this.setReg(a);
        return true;
      case Special.MulUpperSignedSigned:
      case Special.MulUpperUnsignedUnsigned:
      case Special.MulUpperSignedUnsigned:
        this.mulUpper(SPECIAL[ins.id]!, a, b, c);
        return true;
      default:
        throw new Error(`internal error: the compiler has no semantics for instruction ${ins.id}`);
    }
  }

  /** `d = (s1 cmp s2) ? s1 : s2`. */
  private minMax(d: number, s1: number, s2: number, op64: W, op32: W): void {
    this.reg(s1);
    this.reg(s2);
    this.reg(s1);
    this.reg(s2);
    this.op(this.wide ? op64 : op32);
    this.op(W.select);
    this.setReg(d);
  }

  private mulUpper(kind: Special, d: number, s1: number, s2: number): void {
    const { helpers } = this.ctx;
    if (this.wide) {
      const helper = kind === Special.MulUpperSignedSigned ? helpers.mulhS64 : kind === Special.MulUpperUnsignedUnsigned ? helpers.mulhU64 : helpers.mulhSU64;
      this.reg(s1);
      this.reg(s2);
      this.call(helper);
      this.setReg(d);
      return;
    }
    // 32-bit programs: the upper half of the 64-bit product.
    this.reg(s1);
    this.op(kind === Special.MulUpperUnsignedUnsigned ? W.i64_extend_i32_u : W.i64_extend_i32_s);
    this.reg(s2);
    this.op(kind === Special.MulUpperSignedSigned ? W.i64_extend_i32_s : W.i64_extend_i32_u);
    this.op(W.i64_mul);
    this.body.byte(W.i64_const).i32(32);
    this.op(W.i64_shr_u);
    this.op(W.i32_wrap_i64);
    this.setReg(d);
  }

  /** Calls `markBlock(pc)` (blocks ending in an implicit invalid; see InterpreterInstance.markBlock). */
  private mark(pc: number): void {
    this.i32(pc);
    this.call(this.ctx.markImport);
  }

  private branch(ins: DecodedInstruction): void {
    const withImmediate = SHAPE[ins.id] === Shape.BranchImm;
    const taken = withImmediate ? ins.imm2 : ins.imm1;
    const { code, analysis } = this.ctx;
    if (!code.isJumpTargetValid(taken) || !code.isJumpTargetValid(ins.nextPc)) {
      this.trap(ins.pc);
      return;
    }
    // The reference compiles both edges when the branch runs.
    if (analysis.blockImplicitEnd[analysis.blockAt[taken]!] === 1) this.mark(taken);
    if (analysis.blockImplicitEnd[analysis.blockAt[ins.nextPc]!] === 1) this.mark(ins.nextPc);
    this.reg(ins.reg1);
    if (withImmediate) this.imm(ins.imm1);
    else this.reg(ins.reg2);
    this.op(this.wide ? OPERATION[ins.id]! : OPERATION_32[ins.id]!);
    this.goTo(analysis.blockAt[taken]!, true);
    this.goTo(analysis.blockAt[ins.nextPc]!);
  }
}
