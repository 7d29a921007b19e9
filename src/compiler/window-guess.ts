/**
 * A guess, per register, of the memory window it points into — only to order the inline window tests of an
 * access (see RegionAccessEmitter.windowsFor), never to skip one. An access through a register that a constant
 * table address flowed into (`t1 = 0x104d0; s0 = a2 << 2; s0 = s0 + t1; [s0]`) tests RO data first instead of
 * third, so the usual path takes one test instead of three.
 *
 * The guess follows instructions in the order the emitter visits them (the region's blocks in order), through
 * constants, moves and additions; whatever else writes a register makes it unknown. Control flow is ignored:
 * a wrong guess costs a test or two, as every access did before.
 */
import type { DecodedInstruction } from '../isa/code.js';
import { INSTRUCTIONS, INVALID } from '../isa/instruction-table.js';
import type { MemoryMap } from '../program/memory-map.js';
import { registerMask } from './analysis.js';
import { SP } from './region-writer.js';

/** The window a register probably points into. */
export const enum Guess {
  Unknown = 0,
  Rw = 1,
  Stack = 2,
  Ro = 3,
}

/**
 * The windows in the order to test them for a register guessed `guess`: the guessed one first, then RW data, the
 * stack (pointers to C locals are common) and RO data, as for a register without a guess.
 */
export function inGuessedOrder<T>(guess: Guess, rw: T, stack: T, ro: T): [T, T, T] {
  if (guess === Guess.Stack) return [stack, rw, ro];
  if (guess === Guess.Ro) return [ro, rw, stack];
  return [rw, stack, ro];
}

const enum Rule {
  Other = 0,
  Constant,
  Move,
  AddImm,
  Add,
  Sub,
}

const RULE = new Uint8Array(INSTRUCTIONS.length);
for (const [name, rule] of [
  ['load_imm', Rule.Constant],
  ['load_imm64', Rule.Constant],
  ['move_reg', Rule.Move],
  ['add_imm_32', Rule.AddImm],
  ['add_imm_64', Rule.AddImm],
  ['add_32', Rule.Add],
  ['add_64', Rule.Add],
  ['sub_32', Rule.Sub],
  ['sub_64', Rule.Sub],
] as const) {
  RULE[INSTRUCTIONS.findIndex((def) => def.name === name)] = rule;
}

export class WindowGuess {
  private readonly guess = new Uint8Array(13);

  constructor(private readonly map: MemoryMap) {}

  /** Forgets everything (at the start of a region); `sp` points into the stack. */
  reset(): void {
    this.guess.fill(Guess.Unknown);
    this.guess[SP] = Guess.Stack;
  }

  /** The window register `reg` probably points into. */
  of(reg: number): Guess {
    return this.guess[reg] as Guess;
  }

  /** The window holding guest address `address` (a u32), if any. */
  private classify(address: number): Guess {
    const m = this.map;
    if (address - m.roDataAddress >= 0 && address - m.roDataAddress < m.roDataSize) return Guess.Ro;
    if (address - m.rwDataAddress >= 0 && address - m.rwDataAddress < m.rwDataSize + m.maxHeapSize) return Guess.Rw;
    if (address >= m.stackAddressLow && address < m.stackAddressHigh) return Guess.Stack;
    return Guess.Unknown;
  }

  /** Updates the guesses after instruction `ins`. */
  observe(ins: DecodedInstruction): void {
    if (ins.id === INVALID) return;
    const written = registerMask(ins) >>> 13;
    if (written === 0) return;
    const g = this.guess;
    let result: Guess = Guess.Unknown;
    switch (RULE[ins.id] as Rule) {
      case Rule.Constant:
        result = this.classify(ins.imm1 >>> 0);
        break;
      case Rule.Move:
        result = g[ins.reg2] as Guess;
        break;
      case Rule.AddImm:
        result = g[ins.reg2] !== Guess.Unknown ? (g[ins.reg2] as Guess) : this.classify(ins.imm1 >>> 0);
        break;
      case Rule.Add:
        result = g[ins.reg2] !== Guess.Unknown ? (g[ins.reg2] as Guess) : (g[ins.reg3] as Guess);
        break;
      case Rule.Sub:
        result = g[ins.reg2] as Guess;
        break;
      default:
        for (let r = 0; r < 13; r++) if ((written & (1 << r)) !== 0) g[r] = Guess.Unknown;
        return;
    }
    g[ins.reg1] = result;
  }
}
