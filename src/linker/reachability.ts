/**
 * The reachability graph: which blocks and data sections the program can reach from its exports, and from
 * where. It drives dead code elimination, tells which blocks need a jump table entry (their address is taken by
 * code or data), and is kept up to date while the optimizer rewrites blocks.
 */
import { ElfLinkError } from './elf-link-error.js';
import type { BasicBlock, BasicInst, AnyTarget, ControlInst } from './ir.js';
import type { ElfExport } from './metadata.js';
import { locationKey, type RelocationMap, relocationTargets } from './relocations.js';

/** How one block or data section is reached. */
export class Reachability {
  /** Blocks that jump or branch here. */
  readonly reachableFrom = new Set<number>();
  /** Blocks that take this block's (or section's) address. */
  readonly addressTakenIn = new Set<number>();
  /** Data sections holding a pointer to this. */
  readonly referencedByData = new Set<number>();
  alwaysReachable = false;
  alwaysDynamicallyReachable = false;
  /** Indices of the exports that start here. */
  exports: number[] = [];

  isOnlyStaticallyReachable(): boolean {
    return !this.alwaysReachable && !this.alwaysDynamicallyReachable && this.referencedByData.size === 0 && this.addressTakenIn.size === 0 && this.exports.length === 0;
  }

  isOnlyReachableFrom(block: number): boolean {
    return this.isOnlyStaticallyReachable() && this.reachableFrom.size === 1 && this.reachableFrom.has(block);
  }

  isUnreachable(): boolean {
    return this.reachableFrom.size === 0 && this.addressTakenIn.size === 0 && this.referencedByData.size === 0 && !this.alwaysReachable && !this.alwaysDynamicallyReachable && this.exports.length === 0;
  }

  /** Reachable through an address (so it needs a jump table entry). */
  isDynamicallyReachable(): boolean {
    return this.addressTakenIn.size > 0 || this.referencedByData.size > 0 || this.alwaysDynamicallyReachable;
  }

  alwaysReachableOrExported(): boolean {
    return this.alwaysReachable || this.exports.length > 0;
  }
}

export class ReachabilityGraph {
  readonly code = new Map<number, Reachability>();
  readonly data = new Map<number, Reachability>();
  /** Blocks whose addresses a data section holds. */
  readonly codeReferencesInData = new Map<number, number[]>();
  /** Data sections whose addresses a data section holds. */
  readonly dataReferencesInData = new Map<number, number[]>();

  isCodeReachable(block: number): boolean {
    return this.code.has(block);
  }

  isDataReachable(section: number): boolean {
    return this.data.has(section);
  }

  codeEntry(block: number): Reachability {
    let entry = this.code.get(block);
    if (entry === undefined) this.code.set(block, (entry = new Reachability()));
    return entry;
  }

  dataEntry(section: number): Reachability {
    let entry = this.data.get(section);
    if (entry === undefined) this.data.set(section, (entry = new Reachability()));
    return entry;
  }
}

/**
 * A reference from a block, packed into a number so sets of references sort like the reference implementation:
 * addresses of blocks first, then jumps, then data addresses, each by index.
 */
export type ExtRef = number;
const KIND_STRIDE = 0x1_0000_0000;
export const addressRef = (block: number): ExtRef => block;
export const jumpRef = (block: number): ExtRef => KIND_STRIDE + block;
export const dataRef = (section: number): ExtRef => 2 * KIND_STRIDE + section;
export const refKind = (ref: ExtRef): 'address' | 'jump' | 'data' => (ref < KIND_STRIDE ? 'address' : ref < 2 * KIND_STRIDE ? 'jump' : 'data');
export const refValue = (ref: ExtRef): number => ref % KIND_STRIDE;

export function basicReferences(inst: BasicInst<AnyTarget>, callback: (ref: ExtRef) => void): void {
  switch (inst.op) {
    case 'load-abs': case 'store-abs':
      callback(dataRef(inst.target.section));
      return;
    case 'load-address': case 'load-address-indirect':
      callback(inst.target.block !== undefined ? addressRef(inst.target.block) : dataRef(inst.target.data.section));
      return;
    default:
      return;
  }
}

export function controlReferences(inst: ControlInst<number>, callback: (ref: ExtRef) => void): void {
  switch (inst.op) {
    case 'jump':
      callback(jumpRef(inst.target));
      return;
    case 'call':
      callback(jumpRef(inst.target));
      callback(addressRef(inst.returnTo));
      return;
    case 'call-indirect':
      callback(addressRef(inst.returnTo));
      return;
    case 'branch':
      callback(jumpRef(inst.ifTrue));
      callback(jumpRef(inst.ifFalse));
      return;
    default:
      return;
  }
}

export function eachReference(block: BasicBlock, callback: (ref: ExtRef) => void): void {
  for (const op of block.ops) basicReferences(op.inst, callback);
  controlReferences(block.next.inst, callback);
}

export function gatherReferences(block: BasicBlock): Set<ExtRef> {
  const refs = new Set<ExtRef>();
  eachReference(block, (ref) => refs.add(ref));
  return refs;
}

const sortedNumbers = (values: Iterable<number>): number[] => [...values].sort((a, b) => a - b);

/** A FIFO work list that holds each item at most once. */
export class WorkQueue {
  private items: number[] = [];
  private head = 0;
  private readonly queued = new Set<number>();

  push(item: number): void {
    if (this.queued.has(item)) return;
    this.queued.add(item);
    this.items.push(item);
  }

  /** Removes the next item; it may be queued again afterwards. */
  pop(): number | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head++]!;
    this.queued.delete(item);
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  /** Removes the next item; it can never be queued again (for one-shot traversals). */
  popOnce(): number | undefined {
    return this.head < this.items.length ? this.items[this.head++] : undefined;
  }

  get isEmpty(): boolean {
    return this.head >= this.items.length;
  }

  /** Everything ever queued (for one-shot traversals). */
  get everQueued(): ReadonlySet<number> {
    return this.queued;
  }
}

/** Builds the graph by walking from the exports through code references and data relocations. */
export function calculateReachability(
  sectionToBlock: ReadonlyMap<number, number>,
  blocks: readonly BasicBlock[],
  exports: readonly ElfExport[],
  relocations: RelocationMap,
): ReachabilityGraph {
  const graph = new ReachabilityGraph();
  const blockQueue = new WorkQueue();
  const sectionQueue = new WorkQueue();
  const relocationsBySection = relocations.bySection();
  exports.forEach((entry, index) => {
    const block = sectionToBlock.get(locationKey(entry.location.section, entry.location.offset));
    if (block === undefined) throw new ElfLinkError('export points to a non-block');
    graph.codeEntry(block).exports.push(index);
    blockQueue.push(block);
  });

  while (!blockQueue.isEmpty || !sectionQueue.isEmpty) {
    for (let current = blockQueue.popOnce(); current !== undefined; current = blockQueue.popOnce()) {
      const from = current;
      eachReference(blocks[from]!, (ref) => {
        const value = refValue(ref);
        switch (refKind(ref)) {
          case 'jump':
            graph.codeEntry(value).reachableFrom.add(from);
            blockQueue.push(value);
            break;
          case 'address':
            graph.codeEntry(value).addressTakenIn.add(from);
            blockQueue.push(value);
            break;
          case 'data':
            graph.dataEntry(value).addressTakenIn.add(from);
            sectionQueue.push(value);
            break;
        }
      });
    }
    for (let section = sectionQueue.popOnce(); section !== undefined; section = sectionQueue.popOnce()) {
      for (const relocation of relocationsBySection.get(section) ?? []) {
        for (const target of relocationTargets(relocation)) {
          const block = sectionToBlock.get(locationKey(target.section, target.offset));
          if (block !== undefined) {
            pushToList(graph.codeReferencesInData, section, block);
            graph.codeEntry(block).referencedByData.add(section);
            blockQueue.push(block);
          } else {
            pushToList(graph.dataReferencesInData, section, target.section);
            graph.dataEntry(target.section).referencedByData.add(section);
            sectionQueue.push(target.section);
          }
        }
      }
    }
  }
  for (const [key, list] of graph.codeReferencesInData) graph.codeReferencesInData.set(key, [...new Set(list)].sort((a, b) => a - b));
  for (const [key, list] of graph.dataReferencesInData) graph.dataReferencesInData.set(key, [...new Set(list)].sort((a, b) => a - b));
  return graph;
}

function pushToList(map: Map<number, number[]>, key: number, value: number): void {
  let list = map.get(key);
  if (list === undefined) map.set(key, (list = []));
  list.push(value);
}

/** Recomputes reachability from the roots and drops everything no longer reachable; true if anything was dropped. */
export function garbageCollectReachability(blocks: readonly BasicBlock[], graph: ReachabilityGraph): boolean {
  const codeQueue = new WorkQueue();
  const dataQueue = new WorkQueue();
  for (const block of sortedNumbers(graph.code.keys())) if (graph.code.get(block)!.alwaysReachableOrExported()) codeQueue.push(block);
  for (const section of sortedNumbers(graph.data.keys())) if (graph.data.get(section)!.alwaysReachableOrExported()) dataQueue.push(section);
  while (!codeQueue.isEmpty || !dataQueue.isEmpty) {
    for (let block = codeQueue.popOnce(); block !== undefined; block = codeQueue.popOnce()) {
      eachReference(blocks[block]!, (ref) => (refKind(ref) === 'data' ? dataQueue.push(refValue(ref)) : codeQueue.push(refValue(ref))));
    }
    for (let section = dataQueue.popOnce(); section !== undefined; section = dataQueue.popOnce()) {
      for (const block of graph.codeReferencesInData.get(section) ?? []) codeQueue.push(block);
      for (const target of graph.dataReferencesInData.get(section) ?? []) dataQueue.push(target);
    }
  }
  const liveCode = codeQueue.everQueued;
  const liveData = dataQueue.everQueued;
  if (liveCode.size === graph.code.size && liveData.size === graph.data.size) return false;

  for (const [block, entry] of [...graph.code]) {
    retainIn(entry.reachableFrom, liveCode);
    retainIn(entry.addressTakenIn, liveCode);
    retainIn(entry.referencedByData, liveData);
    if (!liveCode.has(block)) graph.code.delete(block);
  }
  for (const [section, entry] of [...graph.data]) {
    retainIn(entry.addressTakenIn, liveCode);
    retainIn(entry.referencedByData, liveData);
    if (!liveData.has(section)) graph.data.delete(section);
  }
  for (const section of [...graph.codeReferencesInData.keys()]) if (!liveData.has(section)) graph.codeReferencesInData.delete(section);
  for (const section of [...graph.dataReferencesInData.keys()]) if (!liveData.has(section)) graph.dataReferencesInData.delete(section);
  return true;
}

function retainIn(set: Set<number>, keep: ReadonlySet<number>): void {
  for (const value of [...set]) if (!keep.has(value)) set.delete(value);
}

/** Removes a block that nothing reaches any more, and everything that becomes unreachable through it. */
export function removeCodeIfUnreachable(blocks: readonly BasicBlock[], graph: ReachabilityGraph, queue: WorkQueue | null, block: number): void {
  const entry = graph.code.get(block);
  if (entry === undefined || !entry.isUnreachable()) return;
  const codeQueue = new WorkQueue();
  const dataQueue = new WorkQueue();
  removeUnreachableCode(blocks, graph, queue, codeQueue, dataQueue, block);
  drainRemovals(blocks, graph, queue, codeQueue, dataQueue);
}

/** Removes a data section that nothing references any more, and everything that becomes unreachable through it. */
export function removeDataIfUnreachable(blocks: readonly BasicBlock[], graph: ReachabilityGraph, queue: WorkQueue | null, section: number): void {
  const entry = graph.data.get(section);
  if (entry === undefined || !entry.isUnreachable()) return;
  const codeQueue = new WorkQueue();
  const dataQueue = new WorkQueue();
  removeUnreachableData(graph, queue, codeQueue, dataQueue, section);
  drainRemovals(blocks, graph, queue, codeQueue, dataQueue);
}

function drainRemovals(blocks: readonly BasicBlock[], graph: ReachabilityGraph, queue: WorkQueue | null, codeQueue: WorkQueue, dataQueue: WorkQueue): void {
  while (!codeQueue.isEmpty || !dataQueue.isEmpty) {
    for (let next = codeQueue.popOnce(); next !== undefined; next = codeQueue.popOnce()) removeUnreachableCode(blocks, graph, queue, codeQueue, dataQueue, next);
    for (let next = dataQueue.popOnce(); next !== undefined; next = dataQueue.popOnce()) removeUnreachableData(graph, queue, codeQueue, dataQueue, next);
  }
}

function removeUnreachableCode(blocks: readonly BasicBlock[], graph: ReachabilityGraph, queue: WorkQueue | null, codeQueue: WorkQueue, dataQueue: WorkQueue, block: number): void {
  eachReference(blocks[block]!, (ref) => {
    const value = refValue(ref);
    const kind = refKind(ref);
    if (kind === 'data') {
      const entry = graph.data.get(value);
      if (entry === undefined) return;
      entry.addressTakenIn.delete(block);
      if (entry.isUnreachable()) dataQueue.push(value);
      return;
    }
    const entry = graph.code.get(value);
    if (entry === undefined) return;
    if (kind === 'jump') entry.reachableFrom.delete(block);
    else entry.addressTakenIn.delete(block);
    if (entry.isUnreachable()) codeQueue.push(value);
    else queue?.push(value);
  });
  graph.code.delete(block);
}

function removeUnreachableData(graph: ReachabilityGraph, queue: WorkQueue | null, codeQueue: WorkQueue, dataQueue: WorkQueue, section: number): void {
  const codeRefs = graph.codeReferencesInData.get(section);
  const dataRefs = graph.dataReferencesInData.get(section);
  graph.codeReferencesInData.delete(section);
  graph.dataReferencesInData.delete(section);
  for (const block of codeRefs ?? []) {
    const entry = graph.code.get(block);
    if (entry === undefined) continue;
    entry.referencedByData.delete(section);
    if (entry.isUnreachable()) codeQueue.push(block);
    else queue?.push(block);
  }
  for (const target of dataRefs ?? []) {
    const entry = graph.data.get(target);
    if (entry === undefined) continue;
    entry.referencedByData.delete(section);
    if (entry.isUnreachable()) dataQueue.push(target);
  }
  graph.data.delete(section);
}

/** Queues a block, its predecessors and its successors for another optimization round. */
export function addToOptimizeQueue(blocks: readonly BasicBlock[], graph: ReachabilityGraph, queue: WorkQueue, block: number): void {
  const entry = graph.code.get(block);
  if (entry === undefined || entry.isUnreachable()) return;
  queue.push(block);
  for (const previous of sortedNumbers(entry.reachableFrom)) queue.push(previous);
  for (const previous of sortedNumbers(entry.addressTakenIn)) queue.push(previous);
  for (const next of controlTargetBlocks(blocks[block]!.next.inst)) queue.push(next);
  eachReference(blocks[block]!, (ref) => {
    if (refKind(ref) !== 'data') queue.push(refValue(ref));
  });
}

function controlTargetBlocks(inst: ControlInst<number>): number[] {
  switch (inst.op) {
    case 'jump': return [inst.target];
    case 'call': return [inst.target, inst.returnTo];
    case 'call-indirect': return [inst.returnTo];
    case 'branch': return [inst.ifTrue, inst.ifFalse];
    default: return [];
  }
}

/**
 * Updates the graph after a block was rewritten: `oldRefs` are the block's references before the change.
 * Targets that lost their last reference are removed.
 */
export function updateReferences(blocks: readonly BasicBlock[], graph: ReachabilityGraph, queue: WorkQueue | null, block: number, oldRefs: Set<ExtRef>): void {
  const newRefs = gatherReferences(blocks[block]!);
  const removed = sortedNumbers([...oldRefs].filter((ref) => !newRefs.has(ref)));
  const added = sortedNumbers([...newRefs].filter((ref) => !oldRefs.has(ref)));
  for (const ref of removed) {
    const value = refValue(ref);
    switch (refKind(ref)) {
      case 'jump': graph.code.get(value)?.reachableFrom.delete(block); break;
      case 'address': graph.code.get(value)?.addressTakenIn.delete(block); break;
      case 'data': graph.data.get(value)?.addressTakenIn.delete(block); break;
    }
  }
  for (const ref of added) {
    const value = refValue(ref);
    switch (refKind(ref)) {
      case 'jump': graph.codeEntry(value).reachableFrom.add(block); break;
      case 'address': graph.codeEntry(value).addressTakenIn.add(block); break;
      case 'data': graph.dataEntry(value).addressTakenIn.add(block); break;
    }
  }
  for (const ref of [...removed, ...added]) {
    if (refKind(ref) === 'data') removeDataIfUnreachable(blocks, graph, queue, refValue(ref));
    else removeCodeIfUnreachable(blocks, graph, queue, refValue(ref));
  }
}
