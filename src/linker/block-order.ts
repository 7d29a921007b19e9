/**
 * Final block arrangement before code emission. Blocks are emitted in their original order; a block that
 * continues into a block which is not next in that order (a branch's not-taken edge, a call's return) gets a small
 * trampoline block behind it, and empty blocks that merely jump to the next block are dropped. Also reuses
 * registers that already hold an immediate instead of encoding the immediate again.
 */
import {
  type AnyTarget,
  type BasicBlock,
  basicDestinations,
  type BasicInst,
  type ControlInst,
  fallthroughTarget,
  mapBasicTarget,
  mapControlTargets,
  type RegImm,
  registersIn,
} from './ir.js';
import { gatherReferences, type ReachabilityGraph, removeCodeIfUnreachable, updateReferences } from './reachability.js';

/** The reachable blocks in original order. */
export function collectUsedBlocks(blocks: readonly BasicBlock[], graph: ReachabilityGraph): number[] {
  return blocks.filter((block) => graph.isCodeReachable(block.index)).map((block) => block.index);
}

/** Blocks whose successor (jump target, not-taken edge, return address) is the block emitted right after them. */
export function blocksFallingThrough(blocks: readonly BasicBlock[], used: readonly number[]): Set<number> {
  const result = new Set<number>();
  for (let i = 0; i + 1 < used.length; i++) {
    const inst = blocks[used[i]!]!.next.inst;
    const target = inst.op === 'jump' ? inst.target : fallthroughTarget(inst);
    if (target !== undefined && target === used[i + 1]) result.add(used[i]!);
  }
  return result;
}

/** Gives every block that must fall through a block to fall into; returns the new emission order. */
export function addMissingFallthroughBlocks(blocks: BasicBlock[], graph: ReachabilityGraph, used: readonly number[]): number[] {
  const fallsThrough = blocksFallingThrough(blocks, used);
  const result: number[] = [];
  for (const current of used) {
    result.push(current);
    if (fallsThrough.has(current)) continue;
    const block = blocks[current]!;
    const target = fallthroughTarget(block.next.inst);
    if (target === undefined) continue;
    const targetBlock = blocks[target]!;
    // If the fall-through target is just a jump (or return, or trap), copy that instead of jumping to it.
    const copyTarget = target !== current && targetBlock.ops.length === 0 && fallthroughTarget(targetBlock.next.inst) === undefined;
    const index = blocks.length;
    blocks.push({
      index,
      source: block.source,
      ops: [],
      next: copyTarget ? { source: targetBlock.next.source, inst: targetBlock.next.inst } : { source: block.next.source, inst: { op: 'jump', target } },
      isUnlikely: false,
    });
    result.push(index);
    const entry = graph.codeEntry(index);
    entry.alwaysReachable = true; // keeps the new block alive while its references are registered
    updateReferences(blocks, graph, null, index, new Set());
    entry.alwaysReachable = false;

    const oldReferences = gatherReferences(block);
    block.next.inst = replaceFallthroughTarget(block.next.inst, index);
    updateReferences(blocks, graph, null, current, oldReferences);
  }
  // A fall-through target that only this block reached may have just become unreachable.
  return result.filter((block) => graph.isCodeReachable(block));
}

function replaceFallthroughTarget(inst: ControlInst<number>, target: number): ControlInst<number> {
  switch (inst.op) {
    case 'branch': return { ...inst, ifFalse: target };
    case 'call': case 'call-indirect': return { ...inst, returnTo: target };
    default: return inst;
  }
}

/**
 * Drops empty blocks that only jump to the block emitted next, redirecting everything that referred to them
 * (code, and data pointers via `sectionToBlock`).
 */
export function mergeConsecutiveFallthroughBlocks(blocks: BasicBlock[], graph: ReachabilityGraph, sectionToBlock: Map<number, number>, used: number[]): number[] {
  if (used.length < 2) return used;
  const removed = new Set<number>();
  for (let i = 0; i + 1 < used.length; i++) {
    const current = used[i]!;
    const next = used[i + 1]!;
    const block = blocks[current]!;
    if (block.ops.length > 0 || block.next.inst.op !== 'jump' || block.next.inst.target !== next) continue;
    const entry = graph.code.get(current);
    if (entry === undefined || entry.alwaysReachableOrExported()) continue;
    removed.add(current);

    const dependents = [...new Set([...entry.reachableFrom, ...entry.addressTakenIn])].sort((a, b) => a - b);
    const redirect = (target: number): number => (target === current ? next : target);
    for (const dependent of dependents) {
      const dependentBlock = blocks[dependent]!;
      const oldReferences = gatherReferences(dependentBlock);
      for (const op of dependentBlock.ops) {
        op.inst = mapBasicTarget(op.inst, (target: AnyTarget): AnyTarget => (target.block === current ? { block: next } : target)) as BasicInst<AnyTarget>;
      }
      dependentBlock.next.inst = mapControlTargets(dependentBlock.next.inst, redirect);
      updateReferences(blocks, graph, null, dependent, oldReferences);
    }
    removeCodeIfUnreachable(blocks, graph, null, current);

    const remaining = graph.code.get(current);
    if (remaining === undefined) continue;
    if (remaining.referencedByData.size > 0) {
      // Data holding this block's address now points at the next block.
      for (const [key, block] of sectionToBlock) if (block === current) sectionToBlock.set(key, next);
      const sections = [...remaining.referencedByData];
      remaining.referencedByData.clear();
      const nextEntry = graph.codeEntry(next);
      for (const section of sections) {
        nextEntry.referencedByData.add(section);
        const list = graph.codeReferencesInData.get(section);
        if (list !== undefined) {
          const updated = [...new Set([...list.filter((b) => b !== current), next])].sort((a, b) => a - b);
          graph.codeReferencesInData.set(section, updated);
        }
      }
    }
    removeCodeIfUnreachable(blocks, graph, null, current);
  }
  return used.filter((block) => !removed.has(block));
}

const SHIFT_OR_ROTATE = new Set(['sll32', 'srl32', 'sra32', 'sll64', 'srl64', 'sra64', 'sll32sx', 'srl32sx', 'sra32sx', 'rotr32', 'rotr32sx', 'rotr64']);

/** Within each block, uses a register that already holds an immediate's value instead of the immediate. */
export function replaceImmediatesWithRegisters(blocks: BasicBlock[], used: readonly number[]): void {
  for (const index of used) {
    const block = blocks[index]!;
    const valueOf: (bigint | null)[] = new Array<bigint | null>(17).fill(null);
    const holders = new Map<bigint, number>(); // value -> register mask
    const forget = (reg: number): void => {
      const old = valueOf[reg];
      if (old === null || old === undefined) return;
      valueOf[reg] = null;
      holders.set(old, (holders.get(old) ?? 0) & ~(1 << reg));
    };
    const remember = (reg: number, value: bigint): void => {
      forget(reg);
      holders.set(value, (holders.get(value) ?? 0) | (1 << reg));
      valueOf[reg] = value;
    };
    const replace = (operand: RegImm): RegImm => {
      if (operand.imm === undefined || operand.imm === 0) return operand;
      const mask = holders.get(BigInt(operand.imm)) ?? 0;
      return mask === 0 ? operand : { reg: 31 - Math.clz32(mask & -mask) };
    };
    for (const op of block.ops) {
      const inst = op.inst;
      if (inst.op === 'load-imm') {
        remember(inst.dst, BigInt(inst.imm));
        continue;
      }
      if (inst.op === 'load-imm64') {
        remember(inst.dst, inst.imm);
        continue;
      }
      if (inst.op === 'alu') {
        op.inst = { ...inst, src1: replace(inst.src1), src2: SHIFT_OR_ROTATE.has(inst.kind) ? inst.src2 : replace(inst.src2) };
      } else if (inst.op === 'store-abs' || inst.op === 'store') {
        op.inst = { ...inst, src: replace(inst.src) };
      } else if (inst.op === 'cmov') {
        op.inst = { ...inst, src: replace(inst.src) };
      }
      for (const reg of registersIn(basicDestinations(op.inst))) forget(reg);
    }
    const next = block.next.inst;
    if (next.op === 'branch') block.next.inst = { ...next, src1: replace(next.src1), src2: replace(next.src2) };
  }
}
