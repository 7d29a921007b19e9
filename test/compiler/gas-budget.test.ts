import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { analyzeProgram, BlockEntry, CALL, regionEnd, regionOf, type ProgramAnalysis } from '../../src/compiler/analysis.js';
import { GasBudgets } from '../../src/compiler/gas-budget.js';
import { NAIVE_COST_MODEL } from '../../src/gas/cost-model.js';
import { Code } from '../../src/isa/code.js';
import { ProgramBlob } from '../../src/program/program-blob.js';
import { asm, buildProgram, Reg } from '../helpers/program.js';
import { randomCode } from '../helpers/random-code.js';

const { A0, A1, A2 } = Reg;

/** Every static edge of the program (jumps, branches' taken edges, calls) as [from block, to block]. */
function staticEdges(analysis: ProgramAnalysis): [number, number][] {
  const edges: [number, number][] = [];
  for (let b = 0; b < analysis.blockCount; b++) {
    const target = analysis.blockTarget[b]! < CALL ? analysis.blockTarget[b]! : analysis.blockCallee[b]!;
    const t = target < analysis.blockAt.length ? analysis.blockAt[target]! : -1;
    if (t >= 0) edges.push([b, t]);
  }
  return edges;
}

/**
 * What compiled code relies on: a block that does not test the balance is entered only from the blocks before it
 * in its region (so that every cycle passes a checkpoint, and the host tests any other entry), and a checkpoint's
 * budget covers every path to the next checkpoints.
 */
function assertBudgetsSound(code: Code, jumpTable: readonly number[], maxRegionBytes: number): void {
  const analysis = analyzeProgram(code, NAIVE_COST_MODEL, maxRegionBytes);
  const n = analysis.blockCount;
  analysis.details.complete(0, n);
  const jumpTableBlocks = Int32Array.from(jumpTable, (pc) => (pc < code.length ? analysis.blockAt[pc]! : -1));
  const budgets = new GasBudgets(analysis, jumpTableBlocks);
  const budget = (b: number): number => budgets.budgetOf(b);
  const edges = staticEdges(analysis);
  for (let b = 0; b < n; b++) {
    budget(b);
    if (budgets.isCheckpoint(b)) continue;
    const r = regionOf(analysis, b);
    assert.notEqual(analysis.regionFirst[r], b, `block ${b} starts a region`);
    assert.notEqual(analysis.blockEntry[b], BlockEntry.Resume, `block ${b} continues after ecalli`);
    assert.ok(!jumpTableBlocks.includes(b), `block ${b} is in the jump table`);
    for (const [from, to] of edges) {
      if (to === b) assert.ok(from < b && from >= analysis.regionFirst[r]!, `block ${b} is entered from block ${from}`);
    }
  }
  for (let b = 0; b < n; b++) {
    const end = regionEnd(analysis, regionOf(analysis, b));
    const successors: number[] = [];
    if (analysis.blockNext[b] === 1 && b + 1 < end) successors.push(b + 1);
    for (const [from, to] of edges) if (from === b && to > b && to < end) successors.push(to);
    let most = 0;
    for (const s of successors) if (!budgets.isCheckpoint(s)) most = Math.max(most, budget(s));
    assert.equal(budget(b), analysis.blockCost[b]! + most, `budget of block ${b}`);
  }
}

test('blocks that do not test the gas balance are entered only from earlier blocks of their region, in every guest program', () => {
  const dir = new URL('../../../guest/bin/', import.meta.url);
  const names = readdirSync(dir).filter((name) => name.endsWith('.polkavm'));
  assert.ok(names.length > 0);
  for (const name of names) {
    const blob = ProgramBlob.parse(readFileSync(new URL(name, dir)));
    assertBudgetsSound(blob.instructions, [...blob.jumpTable.entries], 0);
  }
});

test('blocks that do not test the gas balance are entered only from earlier blocks of their region, in random code', () => {
  fc.assert(
    fc.property(randomCode, fc.integer({ min: 0, max: 40 }), ({ code, jumpTable }, chunk) => assertBudgetsSound(code, jumpTable, chunk)),
    { numRuns: 1500 },
  );
});

test('a loop header, a call target, a jump table entry and a block after ecalli test the balance; a forward chain does not', () => {
  const { blob, offsets } = buildProgram({
    code: [
      asm.loadImm(A2, 3), // 0: block 0 (region start)
      asm.fallthrough(),
      asm.addImm32(A0, A0, 1), // 2: block 1, the loop header
      asm.branchImm('branch_eq_imm', A1, 9, 9), // forward to block 4
      asm.addImm32(A2, A2, -1), // 4: block 2
      asm.branchImm('branch_not_eq_imm', A2, 0, 2), // back to the header
      asm.ecalli(0), // 6: block 3
      asm.addImm32(A0, A0, 1), // 7: its continuation
      asm.fallthrough(),
      asm.addImm32(A0, A0, 1), // 9: block 5: entered from block 1 and block 4, both earlier
      asm.loadImmAndJump(Reg.RA, 2, 12), // a call
      asm.trap(), // 11: block 6, in the jump table
      asm.addImm32(A0, A0, 1), // 12: block 7, the callee
      asm.ret(),
    ],
    jumpTable: [11],
  });
  const analysis = analyzeProgram(blob.instructions, NAIVE_COST_MODEL);
  const block = (index: number): number => analysis.blockAt[offsets[index]!]!;
  const budgets = new GasBudgets(analysis, Int32Array.of(block(11)));
  assert.equal(analysis.regionCount, 1);
  budgets.computeRegion(0);
  const checkpoints = [0, 2, 4, 6, 7, 9, 11, 12].map((index) => budgets.isCheckpoint(block(index)));
  assert.deepEqual(checkpoints, [true, true, false, false, true, false, true, true]);
  // Block 0 (cost 2) falls into the header, which tests the balance itself.
  assert.equal(budgets.budgetOf(block(0)), 2);
  // Block 5 (2) ends in a call. The ecalli's basic block (3) is charged before the host call; its continuation
  // is a checkpoint, entered by the host.
  assert.equal(budgets.budgetOf(block(9)), 2);
  assert.equal(budgets.budgetOf(block(6)), 3);
  // Block 2 (2) goes on to the ecalli (3) or back to the header.
  assert.equal(budgets.budgetOf(block(4)), 5);
  // The header (2) goes on to block 2 (5) or to block 5 (2).
  assert.equal(budgets.budgetOf(block(2)), 7);
});
