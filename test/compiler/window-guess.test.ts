import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Guess, WindowGuess } from '../../src/compiler/window-guess.js';
import { DecodedInstruction } from '../../src/isa/code.js';
import { buildMemoryMap } from '../../src/program/memory-map.js';
import { asm, buildProgram, Reg, type TestInstruction, BITNESSES } from '../helpers/program.js';

const { A0, A1, A2, A3, A4, SP, T0 } = Reg;
const PAGE = 0x1000;
const map = buildMemoryMap({ pageSize: PAGE, roDataSize: 3 * PAGE, rwDataSize: 3 * PAGE, stackSize: 2 * PAGE, auxDataSize: 0 });

/** The guesses after each instruction of `code`, as the emitter makes them (in order, from a reset). */
function guessesAfter(code: TestInstruction[], isa: (typeof BITNESSES)[number]): Guess[] {
  const instructions = buildProgram({ isa, code: [...code, asm.trap()] }).blob.instructions;
  const guess = new WindowGuess(map);
  guess.reset();
  instructions.walkAll(new DecodedInstruction(), (ins) => guess.observe(ins));
  return Array.from({ length: 13 }, (_, r) => guess.of(r));
}

for (const isa of BITNESSES) {
  test(`constants, moves and additions carry the window a register points into (${isa})`, () => {
    const g = guessesAfter(
      [
        asm.loadImm(A0, map.roDataAddress + 0x40),
        asm.loadImm(A1, map.rwDataAddress + 8),
        asm.loadImm(A2, map.stackAddressLow + 16),
        asm.moveReg(A3, A0),
        asm.loadImm(T0, 12),
        asm.add32(A4, T0, A1),
      ],
      isa,
    );
    assert.equal(g[A0], Guess.Ro);
    assert.equal(g[A1], Guess.Rw);
    assert.equal(g[A2], Guess.Stack);
    assert.equal(g[A3], Guess.Ro, 'a move copies the guess');
    assert.equal(g[T0], Guess.Unknown, 'a small constant points nowhere');
    assert.equal(g[A4], Guess.Rw, 'an index added to a pointer keeps the pointer’s window');
    assert.equal(g[SP], Guess.Stack);
  });

  test(`an immediate address added to an index, and sp plus an offset, are guessed too (${isa})`, () => {
    const g = guessesAfter([asm.rri('shift_logical_left_imm_32', A0, A0, 2), asm.addImm32(A0, A0, map.roDataAddress), asm.addImm32(A1, SP, 24)], isa);
    assert.equal(g[A0], Guess.Ro);
    assert.equal(g[A1], Guess.Stack);
  });

  test(`any other write, loads included, forgets the guess (${isa})`, () => {
    const g = guessesAfter(
      [
        asm.loadImm(A0, map.roDataAddress),
        asm.loadImm(A1, map.rwDataAddress),
        asm.loadImm(A2, map.rwDataAddress),
        asm.indirect('load_indirect_u8', A0, A0, 0),
        asm.rri('and_imm', A1, A1, -16),
        asm.addImm32(A3, SP, 8),
        asm.rrr('mul_32', A3, A3, A3),
      ],
      isa,
    );
    assert.equal(g[A0], Guess.Unknown);
    assert.equal(g[A1], Guess.Unknown);
    assert.equal(g[A2], Guess.Rw, 'untouched');
    assert.equal(g[A3], Guess.Unknown);
  });
}
