/**
 * Gas cost models. A cost model turns a basic block (a run of decoded instructions ending with a terminator)
 * into the gas charged when execution enters that block. Models are pluggable: the interpreter and compiler
 * only ever ask for block costs.
 */
import type { Code, DecodedInstruction } from '../isa/code.js';

/** Computes the cost of one basic block at a time. */
export interface BlockCostCalculator {
  /** Adds the next instruction of the current block. */
  add(instruction: DecodedInstruction): void;
  /** Returns the cost of the instructions added since the last call, and starts a new block. */
  finish(): number;
}

/** A named cost model. */
export interface CostModel {
  readonly name: string;
  /** Creates a calculator for blocks of `code`. */
  calculator(code: Code): BlockCostCalculator;
}

/** Every instruction costs 1 gas, including `trap`, `fallthrough`, `unlikely` and implicit traps. */
export const NAIVE_COST_MODEL: CostModel = Object.freeze({
  name: 'naive',
  calculator(): BlockCostCalculator {
    let cost = 0;
    return {
      add(): void {
        cost += 1;
      },
      finish(): number {
        const result = cost;
        cost = 0;
        return result;
      },
    };
  },
});
