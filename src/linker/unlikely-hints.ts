/**
 * `unlikely` hints for cold blocks, as the reference linker places them: blocks that are only entered from a
 * branch and whose gas cost (under the pipeline cost model) does not grow by starting with `unlikely`, and the
 * exit of a loop whose other edge can loop forever. A hinted block makes the branches into it cheap in gas.
 */
import { FULL_L2_COST_MODEL } from '../gas/pipeline-cost-model.js';
import { Code, DecodedInstruction } from '../isa/code.js';
import { INSTRUCTION_SETS } from '../isa/instruction-sets.js';
import { Op } from '../isa/instruction-table.js';
import { type InstructionFields, targetOperand } from '../isa/encoder.js';
import type { EmittedCode } from './emit.js';
import type { BasicBlock } from './ir.js';
import type { BlockInfo } from './optimizer-context.js';
import type { ReachabilityGraph } from './reachability.js';
import { mayLoopForever } from './terminators.js';

/**
 * Blocks whose cost is the same with a leading `unlikely`. Costs are simulated in isolation, every branch
 * treated as mispredicted: the fake code below is one byte that is neither `trap` nor `unlikely`, and all
 * targets point at it.
 */
function blocksWithFreeUnlikely(code: EmittedCode, used: readonly number[]): Set<number> {
  const fake = new Code(Uint8Array.of(1), Uint8Array.of(1), INSTRUCTION_SETS.latest64);
  const calculator = FULL_L2_COST_MODEL.calculator(fake);
  const decoded = new DecodedInstruction();
  const add = (fields: InstructionFields): void => {
    decoded.id = fields.id;
    decoded.pc = 0;
    decoded.nextPc = 0;
    decoded.reg1 = fields.reg1;
    decoded.reg2 = fields.reg2;
    decoded.reg3 = fields.reg3;
    decoded.imm1 = fields.imm1;
    decoded.imm2 = fields.imm2;
    const operand = targetOperand(fields.id);
    if (operand !== null) decoded[operand] = 0;
    calculator.add(decoded);
  };
  const unlikely: InstructionFields = { id: Op.unlikely, reg1: 0, reg2: 0, reg3: 0, imm1: 0, imm2: 0 };
  const result = new Set<number>();
  const starts = [...code.blockStarts, code.instructions.length];
  used.forEach((block, n) => {
    const range = code.instructions.slice(starts[n], starts[n + 1]);
    const simulate = (withUnlikely: boolean): number => {
      if (withUnlikely) add(unlikely);
      for (const { fields } of range) add(fields);
      return calculator.finish();
    };
    if (simulate(false) === simulate(true)) result.add(block);
  });
  return result;
}

/** Marks blocks `unlikely` (sets `isUnlikely`) based on the first emission of the code. */
export function markUnlikelyBlocks(
  blocks: BasicBlock[],
  used: readonly number[],
  graph: ReachabilityGraph,
  info: readonly BlockInfo[],
  code: EmittedCode,
  gasCostModelAware: boolean,
): void {
  const free = gasCostModelAware ? blocksWithFreeUnlikely(code, used) : new Set<number>();
  for (const block of used) {
    if (!free.has(block)) continue;
    const entry = graph.code.get(block);
    if (entry === undefined || !entry.isOnlyStaticallyReachable()) continue;
    if (![...entry.reachableFrom].some((source) => blocks[source]!.next.inst.op === 'branch')) continue;
    blocks[block]!.isUnlikely = true;
  }
  if (info.length === 0) return;
  for (const block of used) {
    const next = blocks[block]!.next.inst;
    if (next.op !== 'branch') continue;
    const whenTrue = info[next.ifTrue]?.terminator;
    const whenFalse = info[next.ifFalse]?.terminator;
    if (whenTrue === undefined || whenFalse === undefined) continue;
    // Leaving a loop (the false edge) while the other edge may loop forever: leaving is the cold path.
    if (mayLoopForever(whenTrue) && !mayLoopForever(whenFalse) && next.ifTrue < next.ifFalse && !blocks[next.ifTrue]!.isUnlikely) {
      if (graph.code.get(next.ifFalse)?.isOnlyReachableFrom(block)) blocks[next.ifFalse]!.isUnlikely = true;
    }
  }
}
