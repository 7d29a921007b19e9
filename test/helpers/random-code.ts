/** Random code for properties of the analysis: block terminators, calls and `ecalli` among arbitrary bytes. */
import fc from 'fast-check';
import { Code } from '../../src/isa/code.js';
import { INSTRUCTION_SETS } from '../../src/isa/instruction-sets.js';

/** The random bytes of a program and the jump table entries drawn from them. */
export interface RandomCode {
  readonly code: Code;
  readonly jumpTable: readonly number[];
}

/**
 * Up to 160 bytes of opcodes 10 (ecalli), 80 (load_imm_and_jump), branches, jumps and arbitrary bytes, with
 * instruction starts 1 to 30 bytes apart (gaps and 24-byte skips included), in either bitness; four jump table
 * entries anywhere in the code.
 */
export const randomCode: fc.Arbitrary<RandomCode> = fc
  .tuple(fc.uint8Array({ minLength: 1, maxLength: 160 }), fc.integer({ min: 1, max: 30 }), fc.boolean())
  .map(([raw, spacing, wide]) => {
    const bytes = raw.map((byte) => [0, 1, 10, 40, 50, 80, 81, 170, 2, byte][byte % 10]!);
    const bitmask = new Uint8Array((bytes.length + 7) >>> 3);
    for (let pc = 0; pc < bytes.length; pc += 1 + ((raw[pc]! * 5) % spacing)) bitmask[pc >>> 3]! |= 1 << (pc & 7);
    const jumpTable = [...raw.slice(0, 4)].map((byte) => byte % (bytes.length + 1));
    return { code: new Code(bytes, bitmask, INSTRUCTION_SETS[wide ? 'latest64' : 'latest32']), jumpTable };
  });
