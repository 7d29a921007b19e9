/**
 * Dead code elimination within blocks: an instruction without side effects whose result no later instruction
 * (of this block or of any block it continues to) reads is removed. Per block it records which registers are
 * needed on entry, so predecessors can be cleaned up against it.
 */
import {
  ALL_REGS_MASK,
  basicDestinations,
  basicSources,
  controlDestinations,
  controlSources,
  hasSideEffects,
  type RegMask,
} from './ir.js';
import { isNop } from './constant-propagation.js';
import type { OptimizerContext } from './optimizer-context.js';
import { addToOptimizeQueue, gatherReferences, updateReferences, type WorkQueue } from './reachability.js';
import { ElfLinkError } from './elf-link-error.js';

/** Removes dead instructions from one block; returns true if any were removed. */
export function eliminateDeadCode(ctx: OptimizerContext, queue: WorkQueue | null, current: number): boolean {
  const { graph, blocks, info } = ctx;
  const entry = graph.code.get(current);
  if (entry === undefined) return false;

  // Predecessors that jump straight here must be revisited if our needs change.
  const jumpingHere = [...entry.reachableFrom]
    .filter((previous) => {
      const inst = blocks[previous]!.next.inst;
      return previous !== current && inst.op === 'jump' && inst.target === current;
    })
    .sort((a, b) => a - b);

  const block = blocks[current]!;
  const end = block.next.inst;
  let needed: RegMask;
  switch (end.op) {
    case 'trap':
      needed = 0; // a trap does not care about any register
      break;
    case 'jump':
      needed = info[end.target]!.registersNeeded;
      break;
    case 'branch':
      needed = info[end.ifTrue]!.registersNeeded | info[end.ifFalse]!.registersNeeded;
      break;
    case 'call':
      throw new ElfLinkError('internal error: unexpected direct call during optimization');
    default:
      needed = ALL_REGS_MASK; // an indirect jump may go anywhere
  }
  needed = (needed & ~controlDestinations(end)) | controlSources(end);

  const dead: number[] = [];
  for (let i = block.ops.length - 1; i >= 0; i--) {
    const inst = block.ops[i]!.inst;
    const destinations = basicDestinations(inst);
    if (!hasSideEffects(inst, ctx.elideUnusedLoads) && (destinations & needed) === 0) {
      dead.push(i);
      continue;
    }
    needed = (needed & ~destinations) | basicSources(inst, ctx.importInputs);
  }

  let modified = false;
  if (dead.length > 0) {
    modified = true;
    if (queue !== null) addToOptimizeQueue(blocks, graph, queue, current);
    const oldReferences = gatherReferences(block);
    for (const i of dead) block.ops[i]!.inst = { op: 'nop' };
    block.ops = block.ops.filter((op) => !isNop(op.inst));
    updateReferences(blocks, graph, queue, current, oldReferences);
  }

  if (info[current]!.registersNeeded !== needed) {
    info[current]!.registersNeeded = needed;
    if (queue !== null) for (const previous of jumpingHere) addToOptimizeQueue(blocks, graph, queue, previous);
  }
  return modified;
}
