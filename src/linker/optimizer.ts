/**
 * The optimizer (opt level 2): repeatedly inlines, removes dead code and propagates constants over the blocks
 * until nothing changes, keeping the reachability graph exact so unreachable code and data disappear; then fuses
 * "load return address + jump" pairs back into calls.
 */
import type { BlockOp } from './ir.js';
import { propagateConstants, inputValues, isNop, outputValues } from './constant-propagation.js';
import { eliminateDeadCode } from './dead-code.js';
import { performInlining } from './inlining.js';
import type { BlockInfo, OptimizerContext } from './optimizer-context.js';
import { garbageCollectReachability, WorkQueue } from './reachability.js';
import { alwaysTraps, gatherTerminators } from './terminators.js';
import { ALL_REGS_MASK } from './ir.js';
import { ElfLinkError } from './elf-link-error.js';

export const removeNops = (ctx: OptimizerContext, block: number): void => {
  const b = ctx.blocks[block]!;
  if (b.ops.some((op) => isNop(op.inst))) b.ops = b.ops.filter((op: BlockOp) => !isNop(op.inst));
};

/** Safety net against a pass pair undoing each other forever (never hit by real programs). */
const MAX_ROUNDS_PER_BLOCK = 10_000;
const MAX_SWEEPS = 10_000;

/** Runs the passes on a block until it stops changing. */
function optimizeBlockFully(ctx: OptimizerContext, queue: WorkQueue, block: number): void {
  for (let round = 0; optimizeBlock(ctx, queue, block); round++) {
    if (round >= MAX_ROUNDS_PER_BLOCK) throw new ElfLinkError('internal error: the optimizer did not converge');
  }
}

/** Runs every pass on one block; true if anything changed. */
function optimizeBlock(ctx: OptimizerContext, queue: WorkQueue | null, block: number): boolean {
  if (!ctx.graph.isCodeReachable(block)) return false;
  removeNops(ctx, block);
  let modified = performInlining(ctx, queue, block);
  modified = eliminateDeadCode(ctx, queue, block) || modified;
  modified = propagateConstants(ctx, queue, block) || modified;
  return modified;
}

/**
 * Optimizes the program in place. `supportsUnlikely` enables marking blocks that can only trap as unlikely.
 * Returns the per-block facts (their terminators are used for more `unlikely` hints after code emission).
 */
export function optimizeProgram(ctx: Omit<OptimizerContext, 'info'> & { info: BlockInfo[] }, supportsUnlikely: boolean): BlockInfo[] {
  const { blocks, graph } = ctx;
  const queue = new WorkQueue();
  for (const block of blocks) {
    if (!graph.isCodeReachable(block.index)) {
      block.ops = [];
      block.next = { source: block.next.source, inst: { op: 'trap' } };
      continue;
    }
    removeNops(ctx, block.index);
    // Calls become "load return address; jump", so the return address is an ordinary value to propagate.
    const next = block.next.inst;
    if (next.op === 'call') {
      block.ops.push({ source: block.next.source, inst: { op: 'load-address', dst: next.ra, target: { block: next.returnTo } } });
      block.next.inst = { op: 'jump', target: next.target };
    } else if (next.op === 'call-indirect' && next.ra !== next.base) {
      block.ops.push({ source: block.next.source, inst: { op: 'load-address', dst: next.ra, target: { block: next.returnTo } } });
      block.next.inst = { op: 'jump-indirect', base: next.base, offset: next.offset };
    }
    queue.push(block.index);
  }

  const terminators = gatherTerminators(blocks);
  ctx.info.length = 0;
  blocks.forEach((block, index) => {
    ctx.info.push({
      inputRegs: inputValues(block.index, ctx.is64Bit),
      outputRegs: outputValues(block.index, ctx.is64Bit),
      registersNeeded: ALL_REGS_MASK,
      terminator: terminators[index]!,
    });
  });

  if (supportsUnlikely) {
    for (const block of blocks) {
      const next = block.next.inst;
      if (next.op !== 'branch') continue;
      if (alwaysTraps(terminators[next.ifTrue]!)) blocks[next.ifTrue]!.isUnlikely = true;
      else if (alwaysTraps(terminators[next.ifFalse]!)) blocks[next.ifFalse]!.isUnlikely = true;
    }
  }

  const context = ctx as OptimizerContext;
  for (const block of blocks) optimizeBlock(context, null, block.index);
  garbageCollectReachability(blocks, graph);
  for (let block = queue.pop(); block !== undefined; block = queue.pop()) optimizeBlockFully(context, queue, block);
  garbageCollectReachability(blocks, graph);

  // Brute force: keep sweeping over every block until a full sweep changes nothing.
  ctx.inlineHistory.clear();
  for (let modified = true, sweep = 0; modified; sweep++) {
    if (sweep >= MAX_SWEEPS) throw new ElfLinkError('internal error: the optimizer did not converge');
    modified = false;
    for (const block of blocks) modified = optimizeBlock(context, queue, block.index) || modified;
    for (let block = queue.pop(); block !== undefined; block = queue.pop()) optimizeBlockFully(context, queue, block);
    if (modified) garbageCollectReachability(blocks, graph);
  }

  fuseLoadAddressAndJump(context);
  return ctx.info;
}

/**
 * "Load return address into ra; jump target" where the return address is the next block becomes a call again
 * (`load_imm_and_jump`), which is shorter.
 */
function fuseLoadAddressAndJump(ctx: OptimizerContext): void {
  const { blocks, graph } = ctx;
  const used = blocks.filter((block) => graph.isCodeReachable(block.index)).map((block) => block.index);
  for (let i = 0; i + 1 < used.length; i++) {
    const current = blocks[used[i]!]!;
    const last = current.ops[current.ops.length - 1];
    if (last === undefined || last.inst.op !== 'load-address' || last.inst.target.block === undefined) continue;
    const returnTo = last.inst.target.block;
    if (returnTo !== used[i + 1]) continue;
    const ra = last.inst.dst;
    const next = current.next.inst;
    if (next.op === 'jump') current.next.inst = { op: 'call', ra, target: next.target, returnTo };
    else if (next.op === 'jump-indirect' && next.base !== ra) current.next.inst = { op: 'call-indirect', ra, base: next.base, offset: next.offset, returnTo };
    else continue;
    current.ops.pop();
  }
}
