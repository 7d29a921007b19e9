import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { analyzeProgram, BlockEntry, regionEnd } from '../../src/compiler/analysis.js';
import { NAIVE_COST_MODEL, type CostModel } from '../../src/gas/cost-model.js';
import { FULL_L2_COST_MODEL } from '../../src/gas/pipeline-cost-model.js';
import { Code } from '../../src/isa/code.js';
import { INSTRUCTION_SETS } from '../../src/isa/instruction-sets.js';
import { ProgramBlob } from '../../src/program/program-blob.js';

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
 * Lazy translation analyses with deferred details and completes regions in whatever order they first run; the
 * result must be exactly what the up-front analysis computes.
 */
function assertDeferredDetailsMatch(code: Code, costModel: CostModel | null, maxRegionBytes: number): void {
  const full = analyzeProgram(code, costModel, maxRegionBytes);
  const deferred = analyzeProgram(code, costModel, maxRegionBytes, true);
  assert.equal(full.details, null);
  assert.notEqual(deferred.details, null);
  assert.deepEqual([...deferred.regionFirst], [...full.regionFirst]);
  // Regions from the last to the first, so that continuations after an ecalli are met before their basic block.
  for (let r = deferred.regionCount - 1; r >= 0; r--) deferred.details!.complete(deferred.regionFirst[r]!, regionEnd(deferred, r));
  const n = full.blockCount;
  for (const key of ['blockPc', 'blockCost', 'blockEntry', 'blockRegisters', 'blockTarget', 'blockNext', 'blockImplicitEnd'] as const) {
    assert.deepEqual([...deferred[key].subarray(0, n)], [...full[key].subarray(0, n)], key);
  }
}

test('deferred block details equal the up-front ones in every guest program, without gas and under two cost models', () => {
  const dir = new URL('../../../guest/bin/', import.meta.url);
  for (const name of readdirSync(dir).filter((file) => file.endsWith('.polkavm'))) {
    const code = ProgramBlob.parse(readFileSync(new URL(name, dir))).instructions;
    for (const model of [null, NAIVE_COST_MODEL, FULL_L2_COST_MODEL]) assertDeferredDetailsMatch(code, model, 64);
  }
});

test('deferred block details equal the up-front ones in random code (gaps, ecalli, unknown opcodes)', () => {
  const bytes = fc.uint8Array({ minLength: 1, maxLength: 160 });
  fc.assert(
    fc.property(bytes, fc.integer({ min: 1, max: 30 }), fc.boolean(), fc.integer({ min: 0, max: 40 }), (raw, spacing, wide, chunk) => {
      // Opcodes 10 (ecalli), 80 (load_imm_and_jump), branches, jumps and arbitrary bytes.
      const code = raw.map((byte) => [0, 1, 10, 40, 50, 80, 81, 170, 2, byte][byte % 10]!);
      const bitmask = new Uint8Array((code.length + 7) >>> 3);
      for (let pc = 0; pc < code.length; pc += 1 + ((raw[pc]! * 5) % spacing)) bitmask[pc >>> 3]! |= 1 << (pc & 7);
      assertDeferredDetailsMatch(new Code(code, bitmask, INSTRUCTION_SETS[wide ? 'latest64' : 'latest32']), NAIVE_COST_MODEL, chunk);
    }),
    { numRuns: 1500 },
  );
});
