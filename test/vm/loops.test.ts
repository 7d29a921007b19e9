/**
 * Loops of several blocks, entered at their start, in their middle (by the host, by a forward jump from outside,
 * by a dynamic jump), nested, and interleaved. The compiler turns such loops into WebAssembly
 * loops where they nest (src/compiler/region-loops.ts); every way in must still reach the right block with the
 * right gas.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { asm, buildProgram, moduleOf, Reg, runFrom, startAt, BITNESSES } from '../helpers/program.js';

const { A0, A1, A2, A3, T0 } = Reg;

/**
 * Nested loops: `for i in 0..4 { for j in 0..=3 { sum += i + 1 } }`, entered at 0, or with a3 = 1 by a forward
 * branch straight into the inner loop's last block, or by a dynamic jump (instruction 14) to the same block.
 */
function nestedLoops(isa: (typeof BITNESSES)[number]) {
  return buildProgram({
    isa,
    code: [
      /* 0 */ asm.branchImm('branch_eq_imm', A3, 1, 9),
      /* 1 */ asm.loadImm(A0, 0),
      /* 2 */ asm.loadImm(A1, 0),
      /* 3 */ asm.fallthrough(),
      /* 4: outer loop */ asm.loadImm(A2, 0),
      /* 5 */ asm.fallthrough(),
      /* 6: inner loop */ asm.add32(A0, A0, A1),
      /* 7 */ asm.addImm32(A0, A0, 1),
      /* 8 */ asm.branchImm('branch_eq_imm', A2, 3, 11),
      /* 9 */ asm.addImm32(A2, A2, 1),
      /* 10 */ asm.jump(6),
      /* 11 */ asm.addImm32(A1, A1, 1),
      /* 12 */ asm.branchImm('branch_not_eq_imm', A1, 4, 4),
      /* 13 */ asm.ret(),
      /* 14 */ asm.loadImm(T0, 2),
      /* 15 */ asm.jumpIndirect(T0, 0),
    ],
    jumpTable: [9],
    exports: { main: 0, jump: 14 },
  });
}

/**
 * Runs `program` from instruction `entry` with a0 and a1 set and sync gas metering; it must finish. Returns a0, a1
 * and the gas used.
 */
function runCounting(program: ReturnType<typeof buildProgram>, entry: number, a0: number, a1: number): [bigint, bigint, bigint] {
  const instance = startAt(moduleOf(program, { gasMetering: 'sync' }));
  instance.setGas(1000);
  instance.setReg(A0, a0);
  instance.setReg(A1, a1);
  assert.equal(runFrom(instance, program.offsets[entry]!).kind, 'finished');
  return [instance.reg(A0), instance.reg(A1), 1000n - instance.gas];
}

for (const isa of BITNESSES) {
  test(`nested loops run to the end with every block charged per run (${isa})`, () => {
    const program = nestedLoops(isa);
    const instance = startAt(moduleOf(program, { gasMetering: 'sync' }));
    instance.setGas(1000);
    assert.equal(instance.run().kind, 'finished');
    assert.equal(instance.reg(A0), 40n);
    assert.equal(instance.reg(A1), 4n);
    // [branch] 1, [load_imm ×2, fallthrough] 3, outer [load_imm, fallthrough] 2 ×4, inner [add, add, branch] 3 ×16,
    // [add, jump] 2 ×12, [add, branch] 2 ×4, [ret] 1.
    assert.equal(instance.gas, 1000n - (1n + 3n + 8n + 48n + 24n + 8n + 1n));
  });

  test(`a loop entered in its middle continues in it: by the host, a forward branch and a dynamic jump (${isa})`, () => {
    const program = nestedLoops(isa);
    const module = moduleOf(program, { gasMetering: 'sync' });
    // From the inner loop's last block with i = 2, j = 1: j = 2, 3 for i = 2, then i = 3 in full: 3 + 3 + 4 × 4.
    const ways: [name: string, entry: number, a3: number, extraGas: bigint][] = [
      ['host entry', program.offsets[9]!, 0, 0n],
      ['forward branch from outside the loop', program.offsets[0]!, 1, 1n],
      ['dynamic jump', program.offsets[14]!, 0, 2n],
    ];
    for (const [name, entry, a3, extraGas] of ways) {
      const instance = startAt(module);
      instance.setGas(1000);
      instance.setReg(A0, 0);
      instance.setReg(A1, 2);
      instance.setReg(A2, 1);
      instance.setReg(A3, a3);
      assert.equal(runFrom(instance, entry).kind, 'finished', name);
      assert.equal(instance.reg(A0), 22n, name);
      assert.equal(instance.reg(A1), 4n, name);
      // [add, jump] ×5, inner [add, add, branch] ×6, [add, branch] ×2, outer [load_imm, fallthrough] ×1, [ret].
      assert.equal(instance.gas, 1000n - (extraGas + 10n + 18n + 4n + 2n + 1n), name);
    }
  });

  test(`loops A..C and B..D, where D leads back into A..C, run like any other jumps (${isa})`, () => {
    const program = buildProgram({
      isa,
      code: [
        /* 0 */ asm.loadImm(A0, 0),
        /* 1 */ asm.loadImm(A1, 0),
        /* 2 */ asm.fallthrough(),
        /* 3: A */ asm.addImm32(A0, A0, 1),
        /* 4 */ asm.fallthrough(),
        /* 5: B */ asm.addImm32(A1, A1, 1),
        /* 6 */ asm.fallthrough(),
        /* 7: C */ asm.branchImm('branch_less_unsigned_imm', A0, 5, 3),
        /* 8: D */ asm.branchImm('branch_less_unsigned_imm', A1, 20, 5),
        /* 9 */ asm.ret(),
      ],
    });
    // [load_imm ×2, fallthrough] 3, A 2 ×5, B 2 ×20, C 1 ×20, D 1 ×16, [ret] 1.
    assert.deepEqual(runCounting(program, 0, 0, 0), [5n, 20n, 3n + 10n + 40n + 20n + 16n + 1n]);
    // Entered at B with a1 = 18: C sends it back to A until a0 = 5, D lets it out. B 2 ×6, C 1 ×6, A 2 ×5, D 1, [ret] 1.
    assert.deepEqual(runCounting(program, 5, 0, 18), [5n, 24n, 12n + 6n + 10n + 1n + 1n]);
  });

  test(`loops whose blocks interleave (b1 ⇄ b3, b2 ⇄ b4) run like any other jumps, entered anywhere (${isa})`, () => {
    const program = buildProgram({
      isa,
      code: [
        /* 0 */ asm.loadImm(A0, 0),
        /* 1 */ asm.loadImm(A1, 0),
        /* 2 */ asm.fallthrough(),
        /* 3: b1 */ asm.addImm32(A0, A0, 1),
        /* 4 */ asm.jump(7),
        /* 5: b2 */ asm.addImm32(A1, A1, 1),
        /* 6 */ asm.jump(8),
        /* 7: b3 */ asm.branchImm('branch_less_unsigned_imm', A0, 5, 3),
        /* 8: b4 */ asm.branchImm('branch_less_unsigned_imm', A1, 20, 5),
        /* 9 */ asm.ret(),
      ],
    });
    // [load_imm ×2, fallthrough] 3, b1 2 ×5, b3 1 ×5, b4 1 ×21, b2 2 ×20, [ret] 1.
    assert.deepEqual(runCounting(program, 0, 0, 0), [5n, 20n, 3n + 10n + 5n + 21n + 40n + 1n]);
    // Entered at b2 with a1 = 18: b2 2 ×2, b4 1 ×2, [ret] 1.
    assert.deepEqual(runCounting(program, 5, 0, 18), [0n, 20n, 4n + 2n + 1n]);
  });

  test(`a loop runs out of gas in its middle at the block that could not be paid for (${isa})`, () => {
    const program = nestedLoops(isa);
    const module = moduleOf(program, { gasMetering: 'sync' });
    // Costs in order: 1, 3, 2, then per inner iteration 3 (+ 2 for the latch when j < 3).
    for (const [gas, pc, left] of [
      [6n, 6, 0n],
      [10n, 9, 1n],
      [13n, 6, 2n],
    ] as const) {
      const instance = startAt(module);
      instance.setGas(gas);
      instance.setReg(A3, 0);
      const interrupt = instance.run();
      assert.equal(interrupt.kind, 'not-enough-gas', `gas ${gas}`);
      assert.equal(instance.programCounter, program.offsets[pc], `gas ${gas}`);
      assert.equal(instance.gas, left, `gas ${gas}`);
    }
  });
}
