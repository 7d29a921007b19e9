/**
 * How execution entering a block can end: in a trap, in an infinite loop, or by leaving through an indirect jump
 * (return or call through a pointer). Used to mark cold blocks with `unlikely`: a branch edge that can only trap
 * is unlikely to be taken.
 */
import type { BasicBlock } from './ir.js';

/** A set of ways to end, as bit flags. */
export type Terminator = number;
export const ENDS_IN_TRAP = 1;
export const ENDS_IN_INFINITE_LOOP = 2;
export const ENDS_IN_INDIRECT_JUMP = 4;

/** True if every path from the block traps. */
export const alwaysTraps = (terminator: Terminator): boolean => terminator === ENDS_IN_TRAP;
export const mayLoopForever = (terminator: Terminator): boolean => (terminator & ENDS_IN_INFINITE_LOOP) !== 0;

/** Computes the terminator of every block (the same fixpoint order as the reference linker). */
export function gatherTerminators(blocks: readonly BasicBlock[]): Terminator[] {
  const count = blocks.length;
  const jumpsTo: number[][] = Array.from({ length: count }, () => []);
  const terminatorFor: (Terminator | null)[] = new Array<Terminator | null>(count).fill(null);
  const resolved: number[] = [];
  const unresolved = new Uint8Array(count);
  let unresolvedCursor = 0;
  const branchQueue: number[] = [];

  blocks.forEach((block, current) => {
    const inst = block.next.inst;
    switch (inst.op) {
      case 'jump':
      case 'call':
        if (inst.target === current) {
          terminatorFor[current] = ENDS_IN_INFINITE_LOOP;
          resolved.push(current);
        } else {
          jumpsTo[inst.target]!.push(current);
          unresolved[current] = 1;
        }
        break;
      case 'jump-indirect':
      case 'call-indirect':
        terminatorFor[current] = ENDS_IN_INDIRECT_JUMP;
        resolved.push(current);
        break;
      case 'branch':
        if (inst.ifTrue === current && inst.ifFalse === current) {
          terminatorFor[current] = ENDS_IN_INFINITE_LOOP;
          resolved.push(current);
          break;
        }
        if (inst.ifTrue === current) jumpsTo[inst.ifFalse]!.push(current);
        else if (inst.ifFalse === current) jumpsTo[inst.ifTrue]!.push(current);
        unresolved[current] = 1;
        break;
      case 'trap':
        terminatorFor[current] = ENDS_IN_TRAP;
        resolved.push(current);
        break;
    }
  });

  const markResolved = (block: number, terminator: Terminator): void => {
    terminatorFor[block] = terminator;
    resolved.push(block);
    unresolved[block] = 0;
  };

  /** Depth-first search (iterative, to survive long jump chains); a block seen twice on the path is a loop. */
  const find = (start: number): Terminator => {
    const seen = new Set<number>();
    const frames: { block: number; state: number; left: Terminator }[] = [{ block: start, state: 0, left: 0 }];
    let result: Terminator = 0;
    const finish = (frame: { block: number }, terminator: Terminator): void => {
      seen.delete(frame.block);
      markResolved(frame.block, terminator);
      result = terminator;
      frames.pop();
    };
    while (frames.length > 0) {
      const frame = frames[frames.length - 1]!;
      const inst = blocks[frame.block]!.next.inst;
      if (frame.state === 0) {
        const known = terminatorFor[frame.block];
        if (known !== null && known !== undefined) {
          result = known;
          frames.pop();
          continue;
        }
        if (seen.has(frame.block)) {
          result = ENDS_IN_INFINITE_LOOP;
          frames.pop();
          continue;
        }
        seen.add(frame.block);
        switch (inst.op) {
          case 'jump': case 'call':
            frame.state = 1;
            frames.push({ block: inst.target, state: 0, left: 0 });
            break;
          case 'branch':
            frame.state = 2;
            frames.push({ block: inst.ifTrue, state: 0, left: 0 });
            break;
          case 'trap':
            finish(frame, ENDS_IN_TRAP);
            break;
          default:
            finish(frame, ENDS_IN_INDIRECT_JUMP);
        }
      } else if (frame.state === 1) {
        finish(frame, result);
      } else if (frame.state === 2 && inst.op === 'branch') {
        frame.left = result;
        frame.state = 3;
        frames.push({ block: inst.ifFalse, state: 0, left: 0 });
      } else {
        finish(frame, frame.left | result);
      }
    }
    return result;
  };

  const hasUnresolved = (): boolean => {
    while (unresolvedCursor < count && unresolved[unresolvedCursor] === 0) unresolvedCursor++;
    return unresolvedCursor < count;
  };

  while (resolved.length > 0 || branchQueue.length > 0 || hasUnresolved()) {
    for (let expected = resolved.pop(); expected !== undefined; expected = resolved.pop()) {
      for (const current of jumpsTo[expected]!) {
        const inst = blocks[current]!.next.inst;
        if (inst.op === 'jump' || inst.op === 'call') {
          markResolved(current, terminatorFor[expected]!);
        } else if (inst.op === 'branch') {
          const other = inst.ifTrue === expected ? terminatorFor[inst.ifFalse] : terminatorFor[inst.ifTrue];
          if (other !== null && other !== undefined) markResolved(current, terminatorFor[expected]! | other);
          else branchQueue.push(current);
        }
      }
    }
    for (let current = branchQueue.pop(); current !== undefined; current = branchQueue.pop()) {
      const inst = blocks[current]!.next.inst;
      if (inst.op !== 'branch') continue;
      if (terminatorFor[inst.ifTrue] !== null && terminatorFor[inst.ifFalse] !== null) continue;
      find(current);
    }
    while (resolved.length === 0 && hasUnresolved()) find(unresolvedCursor);
  }
  return terminatorFor.map((t) => t ?? ENDS_IN_INFINITE_LOOP);
}
