import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { analyzeProgram, BlockEntry } from '../../src/compiler/analysis.js';
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
