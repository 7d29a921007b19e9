/**
 * Block inlining: a block that jumps to a small block (or to one nothing else reaches) absorbs it, removing the
 * jump. Also moves exports off empty forwarding blocks, and lets branches skip blocks that only jump on.
 */
import { fallthroughTarget, type SourceStack } from './ir.js';
import { inlineKey, type OptimizerContext } from './optimizer-context.js';
import { addToOptimizeQueue, eachReference, refKind, refValue, removeCodeIfUnreachable, type WorkQueue } from './reachability.js';

const isInfiniteLoop = (ctx: OptimizerContext, block: number): boolean => {
  const next = ctx.blocks[block]!.next.inst;
  return next.op === 'jump' && next.target === block;
};

function shouldInline(ctx: OptimizerContext, current: number, target: number): boolean {
  if (target === current || isInfiniteLoop(ctx, target)) return false;
  // Inlining a block that falls through to its successor would need a new fall-through block.
  const fallthrough = fallthroughTarget(ctx.blocks[target]!.next.inst);
  if (fallthrough !== undefined && fallthrough === target + 1) return false;
  if (ctx.blocks[target]!.ops.length <= ctx.inlineThreshold) return true;
  return ctx.graph.code.get(target)?.isOnlyReachableFrom(current) ?? false;
}

function inline(ctx: OptimizerContext, queue: WorkQueue | null, outer: number, inner: number): void {
  const { blocks, graph } = ctx;
  if (queue !== null) {
    addToOptimizeQueue(blocks, graph, queue, outer);
    addToOptimizeQueue(blocks, graph, queue, inner);
  }
  // Must happen before the references below are added: the inner block might jump back to us.
  graph.code.get(inner)?.reachableFrom.delete(outer);
  eachReference(blocks[inner]!, (ref) => {
    const value = refValue(ref);
    switch (refKind(ref)) {
      case 'jump': graph.codeEntry(value).reachableFrom.add(outer); break;
      case 'address': graph.codeEntry(value).addressTakenIn.add(outer); break;
      case 'data': graph.dataEntry(value).addressTakenIn.add(outer); break;
    }
  });
  removeCodeIfUnreachable(blocks, graph, queue, inner);

  const outerBlock = blocks[outer]!;
  const innerBlock = blocks[inner]!;
  const jumpSource: SourceStack = outerBlock.next.source;
  for (const op of innerBlock.ops) outerBlock.ops.push({ source: [...jumpSource, ...op.source], inst: op.inst });
  outerBlock.next = { source: [...jumpSource, ...innerBlock.next.source], inst: innerBlock.next.inst };
}

/** Tries to inline into `current`; returns true if the program changed. */
export function performInlining(ctx: OptimizerContext, queue: WorkQueue | null, current: number): boolean {
  const { blocks, graph } = ctx;
  if (!graph.isCodeReachable(current)) return false;
  const block = blocks[current]!;
  const next = block.next.inst;
  if (next.op === 'jump') {
    const target = next.target;
    // An empty block exporting a function: export its target instead. (The history entry is recorded even if
    // there is nothing to move, which also keeps such blocks from inlining their target.)
    if (block.ops.length === 0 && !ctx.inlineHistory.has(inlineKey(current, target))) {
      ctx.inlineHistory.add(inlineKey(current, target));
      const entry = graph.code.get(current)!;
      if (entry.exports.length > 0) {
        const moved = entry.exports;
        entry.exports = [];
        for (const index of moved) ctx.exports[index]!.location = { section: blocks[target]!.source.section, offset: blocks[target]!.source.start };
        graph.codeEntry(target).exports.push(...moved);
        removeCodeIfUnreachable(blocks, graph, queue, current);
        return true;
      }
    }
    if (shouldInline(ctx, current, target) && !ctx.inlineHistory.has(inlineKey(current, target))) {
      ctx.inlineHistory.add(inlineKey(current, target));
      inline(ctx, queue, current, target);
      return true;
    }
  } else if (next.op === 'branch') {
    const taken = blocks[next.ifTrue]!;
    // Branching to a block that only jumps on: branch straight to where it goes.
    if (taken.next.inst.op === 'jump' && taken.next.inst.target !== next.ifTrue && taken.ops.length === 0) {
      const destination = taken.next.inst.target;
      if (next.ifFalse !== next.ifTrue) graph.code.get(next.ifTrue)?.reachableFrom.delete(current);
      graph.codeEntry(destination).reachableFrom.add(current);
      block.next.inst = { ...next, ifTrue: destination };
      removeCodeIfUnreachable(blocks, graph, queue, next.ifTrue);
      return true;
    }
  }
  return false;
}
