import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeProgram, regionEnd } from '../../src/compiler/analysis.js';
import { RegionLoops, TOP } from '../../src/compiler/region-loops.js';
import { asm, buildProgram, Reg, type TestInstruction } from '../helpers/program.js';

const { A0, A1, RA } = Reg;

/**
 * The loops of the program's first region: per block, the last block of the loop it heads, and its scope.
 * `inlineReturns` maps blocks ending in a call made as a function call to the block it returns to.
 */
function loopsOf(code: readonly TestInstruction[], inlineReturns: ReadonlyMap<number, number> = new Map()): { last: number[]; scope: number[] } {
  const { blob } = buildProgram({ code });
  const analysis = analyzeProgram(blob.instructions, null);
  const loops = new RegionLoops();
  const end = regionEnd(analysis, 0);
  analysis.details.complete(0, end);
  const inlineReturn = new Int32Array(end).fill(-1);
  for (const [block, back] of inlineReturns) inlineReturn[block] = back;
  loops.find(blob.instructions, analysis, 0, end, inlineReturn);
  return { last: [...loops.last.subarray(0, loops.count)], scope: [...loops.scope.subarray(0, loops.count)] };
}

test('loops nest: an inner loop lies in the scope of the outer one', () => {
  // b5 → b1 makes the loop b1..b5; b3 → b2 the loop b2..b3 inside it.
  const { last, scope } = loopsOf([
    /* b0 */ asm.loadImm(A0, 0),
    asm.fallthrough(),
    /* b1: outer */ asm.loadImm(A1, 0),
    asm.fallthrough(),
    /* b2: inner */ asm.addImm32(A1, A1, 1),
    asm.branchImm('branch_eq_imm', A1, 3, 8),
    /* b3 */ asm.jump(4),
    /* b4 */ asm.trap(),
    /* b5 */ asm.addImm32(A0, A0, 1),
    asm.branchImm('branch_not_eq_imm', A0, 5, 2),
    /* b6 */ asm.ret(),
  ]);
  assert.deepEqual(last, [-1, 5, 3, -1, -1, -1, -1]);
  assert.deepEqual(scope, [TOP, TOP, 1, 2, 1, 1, TOP]);
});

test('a loop extends over the blocks after its last back edge that lead back into it', () => {
  // C → A is a back edge, but D (after C) leads back to C through B: the loop of A holds A..D, and B..D nests in it.
  const { last, scope } = loopsOf([
    asm.loadImm(A0, 0),
    asm.fallthrough(),
    /* b1 A */ asm.addImm32(A0, A0, 1),
    asm.fallthrough(),
    /* b2 B */ asm.addImm32(A1, A1, 1),
    asm.fallthrough(),
    /* b3 C */ asm.branchImm('branch_less_unsigned_imm', A0, 5, 2),
    /* b4 D */ asm.branchImm('branch_less_unsigned_imm', A1, 20, 4),
    /* b5 */ asm.ret(),
  ]);
  assert.deepEqual(last, [-1, 4, 4, -1, -1, -1]);
  assert.deepEqual(scope, [TOP, TOP, 1, 2, 2, TOP]);
});

test('of two loops whose blocks interleave, the shorter is kept (the first of equal ones)', () => {
  // b1 ⇄ b3 and b2 ⇄ b4: neither loop leads into the other, but their code ranges b1..b3 and b2..b4 overlap.
  const equal = loopsOf([
    asm.loadImm(A0, 0),
    asm.fallthrough(),
    /* b1 */ asm.addImm32(A0, A0, 1),
    asm.jump(6),
    /* b2 */ asm.addImm32(A1, A1, 1),
    asm.jump(7),
    /* b3 */ asm.branchImm('branch_less_unsigned_imm', A0, 5, 2),
    /* b4 */ asm.branchImm('branch_less_unsigned_imm', A1, 20, 4),
    /* b5 */ asm.ret(),
  ]);
  assert.deepEqual(equal.last, [-1, 3, -1, -1, -1, -1]);
  assert.deepEqual(equal.scope, [TOP, TOP, 1, 1, TOP, TOP]);

  // b1 ⇄ b4 (b1..b4) and b3 ⇄ b5 (b3..b5, shorter).
  const shorter = loopsOf([
    asm.loadImm(A0, 0),
    asm.fallthrough(),
    /* b1 */ asm.addImm32(A0, A0, 1),
    asm.jump(7),
    /* b2 */ asm.trap(),
    /* b3 */ asm.addImm32(A1, A1, 1),
    asm.jump(8),
    /* b4 */ asm.branchImm('branch_less_unsigned_imm', A0, 5, 2),
    /* b5 */ asm.branchImm('branch_less_unsigned_imm', A1, 20, 5),
    /* b6 */ asm.ret(),
  ]);
  assert.deepEqual(shorter.last, [-1, -1, -1, 5, -1, -1, -1]);
});

test('a loop with a call in it is no WebAssembly loop', () => {
  const { last } = loopsOf([
    /* b0 */ asm.loadImm(A0, 0),
    asm.fallthrough(),
    /* b1 */ asm.addImm32(A0, A0, 1),
    asm.loadImmAndJump(RA, 0, 6),
    /* b2 */ asm.branchImm('branch_less_unsigned_imm', A0, 5, 2),
    /* b3 */ asm.ret(),
    /* b4 */ asm.ret(),
  ]);
  assert.deepEqual(last, [-1, -1, -1, -1, -1]);
});

test('a loop around a call made as a WebAssembly call is a loop, the return continuing it', () => {
  // The same loop, its call now returning inline to b2 (the call's callee lies in another region).
  const { last } = loopsOf(
    [
      /* b0 */ asm.loadImm(A0, 0),
      asm.fallthrough(),
      /* b1 */ asm.addImm32(A0, A0, 1),
      asm.loadImmAndJump(RA, 0, 6),
      /* b2 */ asm.branchImm('branch_less_unsigned_imm', A0, 5, 2),
      /* b3 */ asm.ret(),
      /* b4 */ asm.ret(),
    ],
    new Map([[1, 2]]),
  );
  assert.deepEqual(last, [-1, 2, -1, -1, -1]);
});

test('a backward call and a jump to the block itself make no loop of several blocks', () => {
  const { last } = loopsOf([
    /* b0 */ asm.addImm32(A0, A0, 1),
    asm.fallthrough(),
    /* b1: a call back to b0 */ asm.loadImmAndJump(RA, 0, 0),
    /* b2: jumps to itself */ asm.branchImm('branch_eq_imm', A0, 0, 3),
    /* b3 */ asm.ret(),
  ]);
  assert.deepEqual(last, [-1, -1, -1, -1]);
});
