/**
 * One pass over the program: splits it into basic blocks (with their gas cost) and groups consecutive blocks into
 * regions, each compiled into one WebAssembly function.
 */
import type { CostModel } from '../gas/cost-model.js';
import { type Code, DecodedInstruction, ENDS_BLOCK } from '../isa/code.js';

/** A basic block: instructions from a block start through its terminator. */
export interface Block {
  readonly index: number;
  readonly pc: number;
  readonly instructions: readonly DecodedInstruction[];
  /** Gas charged on entry. */
  readonly cost: number;
  /** Compiled code may be entered here (a valid jump target); other blocks run through the interpreter. */
  readonly entry: boolean;
}

/** Consecutive blocks compiled into one function. */
export interface Region {
  readonly index: number;
  readonly first: number;
  /** One past the last block. */
  readonly end: number;
}

export interface ProgramAnalysis {
  readonly blocks: readonly Block[];
  readonly regions: readonly Region[];
  /** Block index per code offset of a block start (-1 elsewhere); length code length + 1. */
  readonly blockAt: Int32Array;
}

/** Most blocks per region: bounds the size of each WebAssembly function (and so its compile time). */
const MAX_REGION_BLOCKS = 48;

export function analyzeProgram(code: Code, costModel: CostModel): ProgramAnalysis {
  const blocks: Block[] = [];
  const blockAt = new Int32Array(code.length + 1).fill(-1);
  const costs = costModel.calculator(code);
  let current: DecodedInstruction[] = [];
  code.walkAll(new DecodedInstruction(), (ins) => {
    current.push(ins.clone());
    costs.add(ins);
    if (!ENDS_BLOCK[ins.id]) return;
    const pc = current[0]!.pc;
    const index = blocks.length;
    if (pc <= code.length) blockAt[pc] = index;
    blocks.push({ index, pc, instructions: current, cost: costs.finish(), entry: code.isJumpTargetValid(pc) });
    current = [];
  });
  if (current.length > 0) throw new Error('internal error: the program does not end with a block terminator');

  const regions: Region[] = [];
  for (let first = 0; first < blocks.length; first += MAX_REGION_BLOCKS) {
    regions.push({ index: regions.length, first, end: Math.min(blocks.length, first + MAX_REGION_BLOCKS) });
  }
  return { blocks, regions, blockAt };
}
