/**
 * Calls and returns between functions far apart in the code, nested deeply. The compiler makes a call to another
 * region's function a WebAssembly call, which returns right after the call site (src/compiler/region-emitter.ts,
 * callRegion); deep call chains, host calls, running out of gas and trapping inside them, and a callee that returns
 * somewhere else must all leave the same state as the interpreter.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Engine } from '../../src/api/engine.js';
import { Module } from '../../src/api/module.js';
import type { RawInstance } from '../../src/api/raw-instance.js';
import type { Interrupt } from '../../src/api/interrupt.js';
import { asm, buildProgram, moduleOf, Reg, startAt, BITNESSES, type TestInstruction } from '../helpers/program.js';

const { A0, A1, A2, A3, RA, SP, T0 } = Reg;

/** Traps between the two functions: enough blocks that they never share a region. */
const PADDING = 80;
/** The jump-table address of `g` (see mutualRecursion). */
const G_ADDRESS = 8;

/**
 * `f(a0)`: if a0 == 0 return; a0 -= 1; g() (directly, or through t0 = G_ADDRESS when `indirect`); a1 += 1. `g()`: [ecalli 0]; f(); a2 += 1; and when a2 reaches 7
 * (once, on the way back), return to `fx` instead, which counts in a3 and goes on as the normal return would.
 * Return addresses are kept on the stack, so the chain is 2 × a0 calls deep.
 */
function mutualRecursion(isa: (typeof BITNESSES)[number], withEcalli: boolean, indirect = false) {
  const addSp = (delta: number): TestInstruction => (isa === 'latest64' ? asm.rri('add_imm_64', SP, SP, delta) : asm.addImm32(SP, SP, delta));
  const f = 0;
  const fBack = 5;
  const fReturn = 9;
  const fx = 10;
  const g = 12;
  const gOffset = withEcalli ? 1 : 0;
  const gBack = g + gOffset + 3;
  const gAlternative = gBack + 5;
  const jumpTable = [fBack, gBack, fx, g];
  const address = (index: number): number => 2 * (jumpTable.indexOf(index) + 1);
  const code: TestInstruction[] = [
    /* 0 f */ asm.branchImm('branch_eq_imm', A0, 0, fReturn),
    /* 1 */ asm.addImm32(A0, A0, -1),
    /* 2 */ addSp(-8),
    /* 3 */ asm.indirect('store_indirect_u32', RA, SP, 0),
    /* 4 */ indirect ? asm.loadImmAndJumpIndirect(RA, T0, address(fBack), 0) : asm.loadImmAndJump(RA, address(fBack), g),
    /* 5 fBack */ asm.indirect('load_indirect_i32', RA, SP, 0),
    /* 6 */ addSp(8),
    /* 7 */ asm.addImm32(A1, A1, 1),
    /* 8 */ asm.ret(),
    /* 9 fReturn */ asm.ret(),
    /* 10 fx */ asm.addImm32(A3, A3, 1),
    /* 11 */ asm.jump(fBack),
  ];
  assert.equal(code.length, g);
  if (withEcalli) code.push(asm.ecalli(0));
  code.push(
    addSp(-8),
    asm.indirect('store_indirect_u32', RA, SP, 0),
    asm.loadImmAndJump(RA, address(gBack), f),
    /* gBack */ asm.indirect('load_indirect_i32', RA, SP, 0),
    addSp(8),
    asm.addImm32(A2, A2, 1),
    asm.branchImm('branch_eq_imm', A2, 7, gAlternative),
    asm.ret(),
    /* gAlternative */ asm.loadImm(RA, address(fx)),
    asm.ret(),
  );
  assert.equal(code.length, gAlternative + 2);
  // The functions lie apart: f first, then the padding, then g (targets shifted past the padding).
  const shift = (index: number): number => (index >= g ? index + PADDING : index);
  const shifted = code.map((ins) => (ins.target === undefined ? ins : { ...ins, target: shift(ins.target) }));
  return buildProgram({
    isa,
    code: [...shifted.slice(0, g), ...Array.from({ length: PADDING }, () => asm.trap()), ...shifted.slice(g)],
    jumpTable: jumpTable.map(shift),
    imports: ['hostfn'],
    stackSize: 64 * 1024,
  });
}

interface Run {
  interrupts: string[];
  registers: bigint[];
  gas: bigint;
  pc: number | null;
}

/**
 * Runs the program from f with a0 = depth on both backends' engines; every interrupt is handled by `handle`,
 * which returns false to stop. Returns what the run looked like.
 */
function runOn(module: Module, depth: number, gas: bigint, handle: (instance: RawInstance, interrupt: Interrupt) => boolean): Run {
  const instance = startAt(module);
  instance.setReg(SP, module.defaultSp);
  instance.setReg(A0, depth);
  instance.setReg(T0, G_ADDRESS);
  instance.setGas(gas);
  const interrupts: string[] = [];
  for (let k = 0; k < 10_000; k++) {
    const interrupt = instance.run();
    interrupts.push(interrupt.kind);
    if (!handle(instance, interrupt)) break;
  }
  const registers = Array.from({ length: 13 }, (_, r) => instance.reg(r));
  return { interrupts, registers, gas: instance.gas, pc: instance.programCounter };
}

const INTERPRETER = new Engine({ backend: 'interpreter' });

/** Runs on the backend under test and on the interpreter; they must agree. Returns the run. */
function agreed(program: ReturnType<typeof buildProgram>, depth: number, gas: bigint, handle: (instance: RawInstance, interrupt: Interrupt) => boolean): Run {
  const options = { gasMetering: 'sync' } as const;
  const tested = runOn(moduleOf(program, options), depth, gas, handle);
  const reference = runOn(Module.fromBlob(INTERPRETER, program.blob, options), depth, gas, handle);
  assert.deepEqual(tested, reference);
  return tested;
}

const continueAll = (_: RawInstance, interrupt: Interrupt): boolean => interrupt.kind === 'ecalli';

for (const isa of BITNESSES) {
  test(`a call chain far deeper than the compiler's call nesting returns through every level (${isa})`, () => {
    const run = agreed(mutualRecursion(isa, false), 500, 1_000_000n, continueAll);
    assert.deepEqual(run.interrupts, ['finished']);
    assert.equal(run.registers[A1], 500n);
    assert.equal(run.registers[A2], 500n);
    assert.equal(run.registers[A3], 1n, 'one callee returned to another address');
  });

  test(`an indirect call chain deeper than the compiler's call nesting returns through every level (${isa})`, () => {
    const run = agreed(mutualRecursion(isa, false, true), 500, 1_000_000n, continueAll);
    assert.deepEqual(run.interrupts, ['finished']);
    assert.equal(run.registers[A1], 500n);
    assert.equal(run.registers[A3], 1n);
  });

  test(`host calls deep inside a call chain resume where they left off (${isa})`, () => {
    const run = agreed(mutualRecursion(isa, true), 100, 1_000_000n, continueAll);
    assert.equal(run.interrupts.length, 101);
    assert.equal(run.interrupts.at(-1), 'finished');
    assert.equal(run.registers[A1], 100n);
  });

  test(`running out of gas deep inside a call chain, then refilling, ends as the interpreter does (${isa})`, () => {
    let refills = 0;
    const run = agreed(mutualRecursion(isa, true, true), 120, 700n, (instance, interrupt) => {
      if (interrupt.kind === 'not-enough-gas') {
        refills++;
        instance.setGas(700n);
      }
      return interrupt.kind !== 'finished' && interrupt.kind !== 'trap';
    });
    assert.ok(refills >= 3, `ran out of gas ${refills} times`);
    assert.equal(run.interrupts.at(-1), 'finished');
    assert.equal(run.registers[A2], 120n);
  });

  test(`a trap deep inside a call chain reports the interpreter's state (${isa})`, () => {
    // The stack holds 4096 levels: a store below it traps deep in the chain.
    const program = mutualRecursion(isa, false);
    const run = agreed(program, 10_000, 1_000_000n, continueAll);
    assert.deepEqual(run.interrupts, ['trap']);
  });
}
