import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { analyzeProgram, BlockEntry, CALL, NO_TARGET, regionEnd, registerMask } from '../../src/compiler/analysis.js';
import { NAIVE_COST_MODEL, type CostModel } from '../../src/gas/cost-model.js';
import { FULL_L2_COST_MODEL } from '../../src/gas/pipeline-cost-model.js';
import { Code, DecodedInstruction, ENDS_BLOCK } from '../../src/isa/code.js';
import { INSTRUCTIONS, INVALID } from '../../src/isa/instruction-table.js';
import { INSTRUCTION_SETS } from '../../src/isa/instruction-sets.js';
import { ProgramBlob } from '../../src/program/program-blob.js';
import { asm, buildProgram, Reg, type TestInstruction } from '../helpers/program.js';
import { randomCode } from '../helpers/random-code.js';

/**
 * The analysis decides which blocks jumps may enter without asking Code.isJumpTargetValid for most of them; the
 * two must agree everywhere, gaps, unknown opcodes and 24-byte skips included.
 */
function assertEntriesMatchJumpTargets(code: Code): void {
  const analysis = analyzeProgram(code, null);
  for (let b = 0; b < analysis.blockCount; b++) {
    const pc = analysis.blockPc[b]!;
    const entry = analysis.blockEntry[b]!;
    if (entry === BlockEntry.Resume) continue;
    assert.equal(entry === BlockEntry.Jump, code.isJumpTargetValid(pc), `block ${b} at ${pc}`);
  }
  for (let pc = 0; pc < code.length; pc++) {
    if (!code.isJumpTargetValid(pc)) continue;
    const block = analysis.blockAt[pc]!;
    assert.ok(block >= 0 && analysis.blockEntry[block] === BlockEntry.Jump, `valid jump target ${pc} starts no block entered by jumps`);
  }
}

test('blocks entered by jumps are exactly the valid jump targets, in every guest program', () => {
  const dir = new URL('../../../guest/bin/', import.meta.url);
  const names = readdirSync(dir).filter((name) => name.endsWith('.polkavm'));
  assert.ok(names.length > 0);
  for (const name of names) assertEntriesMatchJumpTargets(ProgramBlob.parse(readFileSync(new URL(name, dir))).instructions);
});

test('blocks entered by jumps are exactly the valid jump targets, in random code with random bitmasks', () => {
  // Few opcodes, mostly terminators (trap, fallthrough, jump, ret-like) and sparse bitmasks, so that gaps of
  // around 24 bytes, unknown bytes and implicit invalid instructions are common.
  const bytes = fc.uint8Array({ minLength: 1, maxLength: 120 });
  const density = fc.integer({ min: 1, max: 40 });
  fc.assert(
    fc.property(bytes, density, fc.boolean(), (raw, spacing, wide) => {
      const code = raw.map((byte) => [0, 1, 40, 50, 2, byte][byte % 6]!);
      const bitmask = new Uint8Array((code.length + 7) >>> 3);
      for (let pc = 0; pc < code.length; pc += 1 + ((raw[pc]! * 7) % spacing)) bitmask[pc >>> 3]! |= 1 << (pc & 7);
      assertEntriesMatchJumpTargets(new Code(code, bitmask, INSTRUCTION_SETS[wide ? 'latest64' : 'latest32']));
    }),
    { numRuns: 2000 },
  );
});

/**
 * The block details as a plain walk over the whole program computes them: per block the registers it touches
 * (registerMask), its static target (a jump's or branch's; CALL for calls and ecalli; NO_TARGET otherwise), and
 * per basic block its cost.
 */
function expectedDetails(
  code: Code,
  costModel: CostModel | null,
  blockCount: number,
): { registers: number[]; targets: number[]; costs: number[]; staticTargets: number[] } {
  const registers: number[] = [];
  const targets: number[] = [];
  const costs = new Array<number>(blockCount).fill(0);
  const staticTargets = new Array<number>(code.length + 1).fill(0);
  const calculator = costModel?.calculator(code) ?? null;
  let mask = 0;
  let basicFirst = 0;
  code.walkAll(new DecodedInstruction(), (ins) => {
    mask |= registerMask(ins);
    calculator?.add(ins);
    const def = ins.id === INVALID ? null : INSTRUCTIONS[ins.id]!;
    if (def?.name === 'ecalli') {
      registers.push(mask);
      targets.push(CALL);
      mask = 0;
    } else if (ENDS_BLOCK[ins.id]) {
      registers.push(mask);
      const name = def?.name ?? '';
      const target =
        name.startsWith('load_imm_and_jump') ? CALL : name === 'jump' || def?.kind === 'reg_reg_offset' ? ins.imm1 >>> 0 : def?.kind === 'reg_imm_offset' ? ins.imm2 >>> 0 : NO_TARGET;
      targets.push(target);
      const edge = name === 'load_imm_and_jump' ? ins.imm2 >>> 0 : target;
      if (edge < staticTargets.length) staticTargets[edge] = Math.min(255, staticTargets[edge]! + 1);
      if (calculator !== null) costs[basicFirst] = calculator.finish();
      basicFirst = registers.length;
      mask = 0;
    }
  });
  return { registers, targets, costs, staticTargets };
}

/** Regions completed in any order (lazy translation) must give exactly what a walk over the whole program gives. */
function assertDetailsMatch(code: Code, costModel: CostModel | null, maxRegionBytes: number): void {
  const analysis = analyzeProgram(code, costModel, maxRegionBytes);
  const n = analysis.blockCount;
  // Regions from the last to the first, so that continuations after an ecalli are met before their basic block.
  for (let r = analysis.regionCount - 1; r >= 0; r--) analysis.details.complete(analysis.regionFirst[r]!, regionEnd(analysis, r));
  const expected = expectedDetails(code, costModel, n);
  assert.equal(expected.registers.length, n);
  assert.deepEqual([...analysis.blockRegisters.subarray(0, n)], expected.registers, 'registers');
  assert.deepEqual([...analysis.blockTarget.subarray(0, n)], expected.targets, 'targets');
  assert.deepEqual([...analysis.blockCost.subarray(0, n)], expected.costs, 'costs');
  // Counted by the scan, before any details, when gas is metered.
  if (costModel === null) assert.equal(analysis.staticTargets, null);
  else assert.deepEqual([...analysis.staticTargets!], expected.staticTargets, 'static targets');
}

test('block details equal a walk over the whole program, in every guest program, without gas and under two cost models', () => {
  const dir = new URL('../../../guest/bin/', import.meta.url);
  for (const name of readdirSync(dir).filter((file) => file.endsWith('.polkavm'))) {
    const code = ProgramBlob.parse(readFileSync(new URL(name, dir))).instructions;
    for (const model of [null, NAIVE_COST_MODEL, FULL_L2_COST_MODEL]) assertDetailsMatch(code, model, 64);
  }
});

test('block details equal a walk over the whole program in random code (gaps, ecalli, unknown opcodes)', () => {
  fc.assert(
    fc.property(randomCode, fc.integer({ min: 0, max: 40 }), ({ code }, chunk) => assertDetailsMatch(code, NAIVE_COST_MODEL, chunk)),
    { numRuns: 1500 },
  );
});

/** The blocks and regions the analysis finds with its default scan and with the reference walk must be the same. */
function assertScansAgree(code: Code, maxRegionBytes: number): void {
  const fast = analyzeProgram(code, null, maxRegionBytes);
  const walk = analyzeProgram(code, null, maxRegionBytes, 'walk');
  const n = walk.blockCount;
  assert.equal(fast.blockCount, n);
  const first = (a: Uint32Array | Uint8Array): number[] => [...a.subarray(0, n)];
  assert.deepEqual(first(fast.blockPc), first(walk.blockPc), 'block starts');
  assert.deepEqual(first(fast.blockEntry), first(walk.blockEntry), 'entries');
  assert.deepEqual(first(fast.blockNext), first(walk.blockNext), 'continuations');
  assert.deepEqual(first(fast.blockImplicitEnd), first(walk.blockImplicitEnd), 'implicit ends');
  assert.deepEqual([...fast.blockAt], [...walk.blockAt], 'blocks by offset');
  assert.deepEqual([...fast.regionFirst], [...walk.regionFirst], 'regions');
}

test('the scan over the bitmask finds the blocks and regions the reference walk finds, in every guest program', () => {
  const dir = new URL('../../../guest/bin/', import.meta.url);
  for (const name of readdirSync(dir).filter((file) => file.endsWith('.polkavm'))) {
    const code = ProgramBlob.parse(readFileSync(new URL(name, dir))).instructions;
    assert.equal(code.mayHaveImplicitInvalid, false, `${name} takes the bitmask scan`);
    assertScansAgree(code, 64);
  }
});

test('the scan over the bitmask finds the blocks and regions the reference walk finds, in random dense code', () => {
  let dense = 0;
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 1, maxLength: 200 }), fc.integer({ min: 1, max: 12 }), fc.boolean(), fc.integer({ min: 0, max: 40 }), (raw, spacing, wide, chunk) => {
      // Opcodes: ecalli, load_imm_and_jump (with operand bytes), branches, jumps, trap, fallthrough, unknown bytes.
      const code = raw.map((byte) => [0, 1, 10, 40, 50, 80, 81, 170, 2, byte][byte % 10]!);
      code[code.length - 1] = 0; // a trap at the end, so that no implicit invalid follows
      const bitmask = new Uint8Array((code.length + 7) >>> 3);
      for (let pc = 0; pc < code.length; pc += 1 + ((raw[pc]! * 5) % spacing)) bitmask[pc >>> 3]! |= 1 << (pc & 7);
      bitmask[(code.length - 1) >>> 3]! |= 1 << ((code.length - 1) & 7);
      const instructions = new Code(code, bitmask, INSTRUCTION_SETS[wide ? 'latest64' : 'latest32']);
      if (!instructions.mayHaveImplicitInvalid) dense++;
      assertScansAgree(instructions, chunk);
    }),
    { numRuns: 2000 },
  );
  assert.ok(dense > 1000, `${dense} of 2000 programs took the bitmask scan`);
});

/**
 * A program of functions, each `blocks` blocks long (fallthroughs, then a `ret`); the first calls every other one,
 * so each starts at a call target. Returns the analysis's regions as the index of the function and block each
 * region starts at.
 */
function regionsOf(functionBlocks: readonly number[]): string[] {
  const starts: number[] = [];
  let total = 0;
  for (const blocks of functionBlocks) {
    starts.push(total);
    total += blocks;
  }
  const code: TestInstruction[] = [];
  functionBlocks.forEach((blocks, f) => {
    for (let b = 0; b < blocks - 1; b++) {
      const callee = f === 0 && b + 1 < functionBlocks.length ? starts[b + 1] : undefined;
      code.push(callee === undefined ? asm.fallthrough() : asm.loadImmAndJump(Reg.RA, 0, callee));
    }
    code.push(asm.ret());
  });
  const analysis = analyzeProgram(buildProgram({ code }).blob.instructions, null);
  assert.equal(analysis.blockCount, total);
  return [...analysis.regionFirst].map((block) => {
    let f = 0;
    while (f + 1 < starts.length && starts[f + 1]! <= block) f++;
    return `f${f}+${block - starts[f]!}`;
  });
}

test('a small function joins the region before it when it fits; larger functions start their own region', () => {
  // f1 (4 blocks) and f3 (16) are small and join the region before them; f2 (17 blocks) starts a region.
  assert.deepEqual(regionsOf([14, 4, 17, 16]), ['f0+0', 'f2+0']);
  // Regions shorter than MIN_REGION_BLOCKS (12) never end at a call target.
  assert.deepEqual(regionsOf([6, 17, 30]), ['f0+0', 'f2+0']);
  // A small function that would take the region past 64 blocks starts a new one instead (which f2 then joins:
  // that region is still shorter than MIN_REGION_BLOCKS).
  assert.deepEqual(regionsOf([60, 8, 20]), ['f0+0', 'f1+0']);
  assert.deepEqual(regionsOf([56, 8, 20]), ['f0+0', 'f2+0']);
  // A region is cut at 64 blocks wherever that falls.
  assert.deepEqual(regionsOf([80, 20]), ['f0+0', 'f0+64', 'f1+0']);
});
