import { InvalidArgumentError } from '../../src/errors.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Code, DecodedInstruction, ENDS_BLOCK } from '../../src/isa/code.js';
import { encodeInstructions, layoutInstructions, type InstructionFields } from '../../src/isa/encoder.js';
import { INSTRUCTION_SETS, type InstructionSet } from '../../src/isa/instruction-sets.js';
import { Op } from '../../src/isa/instruction-table.js';
import { Reg } from '../../src/isa/registers.js';
import { parseCodeAndJumpTable } from '../../src/program/code-and-jump-table.js';
import type { CostModel } from '../../src/gas/cost-model.js';
import {
  FULL_L1_COST_MODEL,
  FULL_L2_COST_MODEL,
  FULL_L3_COST_MODEL,
  pipelineCostModel,
} from '../../src/gas/pipeline-cost-model.js';

const { RA, SP, T0, S0, S1, A0, A1, A2, A3, A4 } = Reg;
const L64 = INSTRUCTION_SETS.latest64;
const L32 = INSTRUCTION_SETS.latest32;
const JAM = INSTRUCTION_SETS.jam_v1;

/** An instruction to encode; unspecified operand fields are 0. */
function op(id: number, fields: Partial<Omit<InstructionFields, 'id'>> = {}): InstructionFields {
  return { id, reg1: 0, reg2: 0, reg3: 0, imm1: 0, imm2: 0, ...fields };
}
/** `d = s1 <id> s2` for reg_reg_reg instructions. */
const rrr = (id: number, d: number, s1: number, s2: number): InstructionFields =>
  op(id, { reg1: d, reg2: s1, reg3: s2 });
/** `d = s <id> imm` for reg_reg_imm instructions. */
const rri = (id: number, d: number, s: number, imm: number): InstructionFields =>
  op(id, { reg1: d, reg2: s, imm1: imm });
const trap = op(Op.trap);
const fallthrough = op(Op.fallthrough);
const unlikely = op(Op.unlikely);

/** Cost of the basic block starting at `pc`, walked the way the interpreter walks it. */
function costAt(model: CostModel, code: Code, pc: number): number {
  const calculator = model.calculator(code);
  code.walkBounded(pc, new DecodedInstruction(), (instruction) => {
    calculator.add(instruction);
    return !ENDS_BLOCK[instruction.id];
  });
  return calculator.finish();
}

/** Cost of the first block of a program given as instructions (targets absolute). */
function cost(
  instructions: readonly InstructionFields[],
  model: CostModel = FULL_L1_COST_MODEL,
  isa: InstructionSet = L64,
): number {
  const { code, bitmask } = encodeInstructions(isa, instructions);
  return costAt(model, new Code(code, bitmask, isa), 0);
}

/** Cost of the first block of a program whose targets are instruction indices (`targets[i]`, -1 = none). */
function costWithTargets(
  instructions: readonly InstructionFields[],
  targets: readonly number[],
  isa: InstructionSet = L64,
): number {
  const { code, bitmask } = layoutInstructions(isa, instructions, targets);
  return costAt(FULL_L1_COST_MODEL, new Code(code, bitmask, isa), 0);
}

// ---------------------------------------------------------------------------------------------------------------
// Conformance: the JAM test vectors' block-gas-costs (computed by the reference with Full(L2Hit), jam_v1).

function findVectorDirectory(): string | undefined {
  const relative = join('..', 'shared', 'conformance', 'jam-pvm', 'programs');
  for (let dir = process.cwd(), i = 0; i < 6; i++, dir = resolve(dir, '..')) {
    const candidate = resolve(dir, relative);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

interface BlockGasCost {
  pc: number;
  cost: number;
}

const vectorDirectory = findVectorDirectory();
const vectorFiles = vectorDirectory ? readdirSync(vectorDirectory).filter((name) => name.endsWith('.json')).sort() : [];

test('JAM test vectors are present', { skip: vectorDirectory === undefined && 'vector directory not found' }, () => {
  assert.equal(vectorFiles.length, 362);
});

for (const name of vectorFiles) {
  test(`full-l2 block costs match vector ${name}`, () => {
    // Only `program` and `block-gas-costs` are read; both hold small integers, so JSON.parse is exact for them.
    const vector = JSON.parse(readFileSync(join(vectorDirectory!, name), 'utf8')) as {
      program: number[];
      'block-gas-costs': BlockGasCost[];
    };
    const { code, bitmask } = parseCodeAndJumpTable(Uint8Array.from(vector.program));
    const program = new Code(code, bitmask, JAM);
    const expected = vector['block-gas-costs'];
    assert.ok(expected.length > 0);
    const actual = expected.map(({ pc }) => ({ pc, cost: costAt(FULL_L2_COST_MODEL, program, pc) }));
    assert.deepEqual(actual, expected);
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Model rules in isolation (latest64, L1 unless stated).

test('independent instructions execute in parallel', () => {
  // Both adds start in cycle 1 and finish together; the trap's 2 cycles dominate: 5 cycles - 3.
  assert.equal(cost([rrr(Op.add_64, A0, A1, A2), rrr(Op.add_64, A1, A1, A2), trap]), 2);
});

test('a register dependency delays the consumer until its producer finishes', () => {
  // The second add reads a0: it starts one cycle later, and the trap no longer fits in the first decode cycle.
  assert.equal(cost([rrr(Op.add_64, A0, A1, A2), rrr(Op.add_64, A1, A0, A2), trap]), 3);
  // A chain of dependent 3-cycle multiplies costs the sum of their latencies.
  const chain = [rrr(Op.mul_64, A0, A0, A1), rrr(Op.mul_64, A0, A0, A1), rrr(Op.mul_64, A0, A0, A1), trap];
  const independent = [rrr(Op.mul_64, A0, A0, A1), rrr(Op.mul_64, A2, A2, A1), rrr(Op.mul_64, A3, A3, A1), trap];
  assert.equal(cost(chain), 9);
  // Independent multiplies queue for the single multiplier instead: the same cost.
  assert.equal(cost(independent), 9);
  // A multiply reading an add's result starts once the add completes.
  assert.equal(cost([rrr(Op.add_64, A0, A1, A2), rrr(Op.mul_64, A4, A0, A3), trap]), 4);
});

test('decode is limited to 4 slots per cycle', () => {
  // load_imm takes one slot: four fill cycle 0 and the trap is decoded in cycle 1.
  const loadImm = (reg: number): InstructionFields => op(Op.load_imm, { reg1: reg, imm1: 1 });
  assert.equal(cost([loadImm(A0), loadImm(A1), loadImm(A2), trap]), 2);
  assert.equal(cost([loadImm(A0), loadImm(A1), loadImm(A2), loadImm(A3), trap]), 3);
  // load_imm64 takes two slots: two per cycle.
  const loadImm64 = (reg: number): InstructionFields =>
    op(Op.load_imm64, { reg1: reg, imm1: 0x12345678, imm2: 0x1234 });
  assert.equal(cost([loadImm64(A0), loadImm64(A1), loadImm64(A2), loadImm64(A3), trap]), 4);
});

test('a two-operand ALU op needs an extra decode slot when the destination is not a source', () => {
  // `a0 = a0 + a1` takes 1 slot, `a2 = a0 + a1` takes 2. Four 1-slot adds + trap need two decode cycles...
  const inPlace = [A0, A1, A2, A3].map((r) => rrr(Op.add_64, r, r, A4));
  assert.equal(cost([...inPlace, trap]), 3);
  // ...and so do two 2-slot adds + trap, while two 1-slot adds + trap fit into one cycle.
  assert.equal(cost([rrr(Op.add_64, A0, A1, A4), rrr(Op.add_64, A2, A3, A4), trap]), 3);
  assert.equal(cost([rrr(Op.add_64, A0, A0, A4), rrr(Op.add_64, A2, A2, A4), trap]), 2);
});

test('the multiplier accepts one instruction at a time', () => {
  // The second multiply waits for the first to release the multiplier (3 cycles): 9 cycles - 3.
  assert.equal(cost([rrr(Op.mul_64, A0, A1, A2), rrr(Op.mul_64, A1, A3, A4), trap]), 6);
  // The same pair as adds (same decode slots) runs side by side on the four ALUs.
  assert.equal(cost([rrr(Op.add_64, A0, A1, A2), rrr(Op.add_64, A1, A3, A4), trap]), 3);
});

test('the divider accepts one instruction at a time', () => {
  // Divisions take 60 cycles and 4 decode slots; a second one starts only when the first completes.
  assert.equal(cost([rrr(Op.div_unsigned_64, A0, A1, A2), trap]), 60);
  assert.equal(cost([rrr(Op.div_unsigned_64, A0, A1, A2), rrr(Op.div_unsigned_64, A3, A1, A2), trap]), 120);
});

test('at most 5 instructions start per cycle', () => {
  // Four adds wait for the multiply's a0 while four load_imm64 and the trap are decoded behind them. When a0 is
  // ready, six instructions could start together: the four adds and the last load_imm64 take the five starts,
  // and the trap, the sixth, starts one cycle later (without the limit the block would cost 5).
  const { T1, T2, A5 } = Reg;
  const block = [
    rrr(Op.mul_64, A0, A0, A1),
    ...[A2, A3, A4, A5].map((r) => rrr(Op.add_64, r, r, A0)),
    ...[T1, T2, S0, S1].map((r) => op(Op.load_imm64, { reg1: r, imm1: 1, imm2: 1 })),
    trap,
  ];
  assert.equal(cost(block), 6);
});

test('register moves are renamed at decode and forward dependencies', () => {
  // Four moves use the four decode slots of cycle 0 and never execute.
  const moves = [op(Op.move_reg, { reg1: S0, reg2: A1 }), op(Op.move_reg, { reg1: A0, reg2: A1 })];
  moves.push(op(Op.move_reg, { reg1: A1, reg2: T0 }), op(Op.move_reg, { reg1: A2, reg2: S1 }));
  assert.equal(cost([...moves, trap]), 3);
  // `a1 = a0 + 1` waits for the load_imm into s0 through the move `a0 = s0`.
  const forwarded = [
    op(Op.load_imm, { reg1: S0, imm1: 1 }),
    op(Op.move_reg, { reg1: A0, reg2: S0 }),
    rri(Op.add_imm_64, A1, A0, 1),
    trap,
  ];
  assert.equal(cost(forwarded), 3);
});

test('the reorder buffer holds at most 32 instructions', () => {
  // A 60-cycle division at the head blocks retirement. 30 more instructions fit beside it; with 40, the 32nd
  // instruction cannot be decoded until the division retires, and the rest run after it.
  const fill = (count: number): InstructionFields[] => {
    const out = [rrr(Op.div_unsigned_64, A0, A1, A2)];
    for (let i = 0; i < count; i++) out.push(op(Op.load_imm, { reg1: A3, imm1: i }));
    return [...out, trap];
  };
  assert.equal(cost(fill(30)), 60);
  assert.equal(cost(fill(40)), 67);
});

test('loads take the cache model latency', () => {
  const load = [rri(Op.load_indirect_u64, A0, A0, 0), trap];
  assert.equal(cost(load, FULL_L1_COST_MODEL), 4);
  assert.equal(cost(load, FULL_L2_COST_MODEL), 25);
  assert.equal(cost(load, FULL_L3_COST_MODEL), 37);
  assert.equal(cost(load, pipelineCostModel('custom', 100)), 100);
  // Dependent loads add up: four chained L3 loads, then an indirect jump that overlaps the chain.
  const chain = [0, 1, 2, 3].map(() => rri(Op.load_indirect_u64, A0, A0, 0));
  assert.equal(cost([...chain, op(Op.jump_indirect, { reg1: RA })], FULL_L3_COST_MODEL), 148);
  // Stores take 25 cycles whatever the cache model.
  const store = [op(Op.store_u64, { reg1: A0, imm1: 0x20000 }), trap];
  assert.equal(cost(store, FULL_L1_COST_MODEL), 25);
  assert.equal(cost(store, FULL_L3_COST_MODEL), 25);
});

test('branches are cheap when the fall-through or the target starts with trap or unlikely', () => {
  const branch = op(Op.branch_eq, { reg1: A0, reg2: A1 });
  // Layout: [branch -> index 2] [fall-through] [target]; the block is just the branch.
  const at = (fallThrough: InstructionFields, target: InstructionFields): number =>
    costWithTargets([branch, fallThrough, target], [2, -1, -1]);
  assert.equal(at(fallthrough, fallthrough), 20);
  assert.equal(at(trap, fallthrough), 1);
  assert.equal(at(unlikely, fallthrough), 1);
  assert.equal(at(fallthrough, trap), 1);
  assert.equal(at(fallthrough, unlikely), 1);
  // Same for branches against an immediate.
  const branchImm = op(Op.branch_less_unsigned_imm, { reg1: A0, imm1: 7 });
  assert.equal(costWithTargets([branchImm, fallthrough, fallthrough], [2, -1, -1]), 20);
  assert.equal(costWithTargets([branchImm, fallthrough, unlikely], [2, -1, -1]), 1);
  assert.equal(costWithTargets([branchImm, trap, fallthrough], [2, -1, -1]), 1);
});

test('branch prediction reads raw code bytes, and edges past the end of the code count as predictable', () => {
  const costOfBlock = (isa: InstructionSet, instructions: readonly InstructionFields[], index: number): number => {
    const { code, bitmask, offsets } = encodeInstructions(isa, instructions);
    return costAt(FULL_L1_COST_MODEL, new Code(code, bitmask, isa), offsets[index]!);
  };
  const branchTo = (target: number): InstructionFields => op(Op.branch_eq, { reg1: A0, reg2: A1, imm1: target });
  // A branch that is the last instruction: its fall-through offset is the end of the code.
  assert.equal(costOfBlock(L64, [fallthrough, branchTo(0)], 1), 1);
  // A target beyond the code.
  assert.equal(costOfBlock(L64, [branchTo(1000), fallthrough], 0), 1);
  // (Targets 0x10 and the probed offsets all encode in one byte, so the layout does not move.)
  // The target's byte is compared even when no instruction starts there: `load_imm ra, 1` encodes as
  // [opcode, 0x00, 0x01], and its register byte 0x00 equals the trap opcode.
  const loadImmRa = op(Op.load_imm, { reg1: RA, imm1: 1 });
  const loadImmAt = encodeInstructions(L64, [branchTo(0x10), fallthrough, loadImmRa]).offsets[2]!;
  assert.equal(costOfBlock(L64, [branchTo(loadImmAt), fallthrough, loadImmRa, fallthrough], 0), 20);
  assert.equal(costOfBlock(L64, [branchTo(loadImmAt + 1), fallthrough, loadImmRa, fallthrough], 0), 1);
  // An ISA without `unlikely` (revive_v1) compares against the placeholder byte 0xFF instead: the immediate byte
  // of `load_imm a0, -1` then makes the branch predictable.
  const revive = INSTRUCTION_SETS.revive_v1;
  const loadImmMinus1 = op(Op.load_imm, { reg1: A0, imm1: -1 });
  const immAt = encodeInstructions(revive, [branchTo(0x10), fallthrough, loadImmMinus1]).offsets[2]! + 2;
  assert.equal(costOfBlock(revive, [branchTo(immAt), fallthrough, loadImmMinus1, fallthrough], 0), 1);
  assert.equal(costOfBlock(L64, [branchTo(immAt), fallthrough, loadImmMinus1, fallthrough], 0), 20);
});

test('unconditional jumps and block ends have fixed latencies', () => {
  assert.equal(cost([fallthrough]), 2);
  assert.equal(cost([trap]), 2);
  assert.equal(cost([op(Op.jump, { imm1: 0 })]), 15);
  assert.equal(cost([op(Op.jump_indirect, { reg1: A0 })]), 22);
  assert.equal(cost([op(Op.load_imm_and_jump, { reg1: RA, imm1: 4, imm2: 0 })]), 15);
  assert.equal(cost([unlikely, fallthrough]), 40);
  assert.equal(cost([op(Op.ecalli, { imm1: 1 }), fallthrough]), 100);
  // The implicit trap after a block that runs off the end of the code costs like `trap`.
  assert.equal(cost([rrr(Op.add_64, A0, A0, A1)]), 2);
});

test('the pipeline drains at the block end and the cost is max(1, cycles - 3)', () => {
  // The cheapest possible block, a predictable branch, takes 4 cycles (decode, execute, complete, retire): 1.
  assert.equal(costWithTargets([op(Op.branch_eq, { reg1: A0, reg2: A1 }), trap], [1, -1]), 1);
  // A block whose slowest instruction is not the last one still waits for it: the trap retires after the load.
  assert.equal(cost([rri(Op.load_indirect_u64, A0, SP, 0), rrr(Op.add_64, A1, A1, A2), trap], FULL_L2_COST_MODEL), 25);
  // Without any instruction the pipeline needs a single cycle, and the cost is clamped to 1.
  const { code, bitmask } = encodeInstructions(L64, [trap]);
  assert.equal(FULL_L1_COST_MODEL.calculator(new Code(code, bitmask, L64)).finish(), 1);
});

test('32-bit arithmetic costs an extra cycle and decode slot on 64-bit programs only', () => {
  const chain = [rrr(Op.add_32, A0, A0, A1), rrr(Op.add_32, A0, A0, A1), trap];
  assert.equal(cost(chain, FULL_L1_COST_MODEL, L32), 2);
  assert.equal(cost(chain, FULL_L1_COST_MODEL, L64), 4);
  // 64-bit-only instructions are unaffected.
  const chain64 = [rrr(Op.add_64, A0, A0, A1), rrr(Op.add_64, A0, A0, A1), trap];
  assert.equal(cost(chain64, FULL_L1_COST_MODEL, L64), 2);
});

test('worked examples: mixed blocks reproduce the costs of the reference simulator examples', () => {
  const { T1, A5 } = Reg;
  const u8 = (d: number, base: number, offset: number): InstructionFields => rri(Op.load_indirect_u8, d, base, offset);
  const u64 = (d: number, base: number, offset: number): InstructionFields =>
    rri(Op.load_indirect_u64, d, base, offset);
  const shl = (d: number, s: number, amount: number): InstructionFields =>
    rri(Op.shift_logical_left_imm_64, d, s, amount);
  const ret = op(Op.jump_indirect, { reg1: RA });

  // An epilogue: three stack loads, the stack pointer bump and a return.
  const epilogue = [op(Op.move_reg, { reg1: A0, reg2: S1 }), u64(RA, SP, 0x30), u64(S0, SP, 0x28), u64(S1, SP, 0x20)];
  assert.equal(cost([...epilogue, rri(Op.add_imm_64, SP, SP, 0x38), ret]), 26);

  // A register overwritten while an older load into it is still in flight.
  const overwrite = [u64(S0, SP, 0), rrr(Op.add_64, S0, A1, A2), u64(S0, S0, 0), op(Op.jump_indirect, { reg1: S0 })];
  assert.equal(cost(overwrite), 27);

  // A load feeding a backwards branch whose fall-through is the end of the code.
  assert.equal(cost([u8(A2, A0, 11), op(Op.branch_eq_imm, { reg1: A2, imm1: 0, imm2: 0 })]), 5);

  // Bit fiddling ending with a store.
  const fiddle = [
    rri(Op.load_indirect_i16, A2, A0, 6),
    rri(Op.and_imm, A1, A1, 7),
    op(Op.load_imm, { reg1: A3, imm1: 1 }),
    shl(A1, A1, 8),
    rri(Op.and_imm, A2, A2, -0x701),
    rrr(Op.or, A1, A1, A2),
    rrr(Op.add_64, A2, A1, A3),
    rri(Op.store_indirect_u8, A3, A0, 2),
    trap,
  ];
  assert.equal(cost(fiddle), 27);

  // A float-conversion style sequence mixing 32-bit and 64-bit operations.
  const convert = [
    op(Op.count_leading_zero_bits_32, { reg1: A1, reg2: A0 }),
    rrr(Op.shift_logical_left_32, A0, A0, A1),
    shl(A1, A1, 0x17),
    rri(Op.shift_logical_right_imm_32, A2, A0, 8),
    rri(Op.shift_logical_right_imm_64, A3, A0, 7),
    rrr(Op.and_inverted, A3, A3, A2),
    rrr(Op.sub_32, A2, A2, A1),
    shl(A0, A0, 0x18),
    rri(Op.and_imm, A3, A3, 1),
    rrr(Op.sub_32, A0, A0, A3),
    rri(Op.shift_logical_right_imm_32, A0, A0, 0x1f),
    rri(Op.add_imm_64, A1, A2, 0x4e800000),
    rrr(Op.add_32, A0, A0, A1),
    op(Op.load_imm, { reg1: A1, imm1: 0x46008c00 }),
    op(Op.load_imm, { reg1: RA, imm1: 0x24 }),
    op(Op.jump, { imm1: 0 }),
  ];
  assert.equal(cost(convert), 22);

  // `a1 = a0 >> a1` needs its shift count from the xor.
  assert.equal(cost([rri(Op.xor_imm, A1, A1, -1), rrr(Op.shift_logical_right_64, A1, A0, A1), fallthrough]), 3);

  // A long, load-heavy loop body (starting with `unlikely`, which also makes its back edge predictable), under
  // the L1 and L2 cache models.
  const body = [
    unlikely,
    u8(T1, S0, 0),
    u8(A1, S0, 0x11),
    op(Op.load_imm, { reg1: A2, imm1: 0x172d0 }),
    u8(A3, S0, 0x16),
    rri(Op.add_imm_64, T0, SP, 0x58),
    shl(A1, A1, 3),
    rrr(Op.add_64, A1, A1, A2),
    u8(A2, A1, 0),
    u8(A5, A1, 1),
    u8(S1, A1, 2),
    u8(A4, A1, 3),
    rrr(Op.add_64, A3, A3, T0),
    shl(A5, A5, 8),
    shl(S1, S1, 0x10),
    shl(A4, A4, 0x18),
    rrr(Op.or, A2, A2, A5),
    u8(A5, A1, 4),
    u8(A0, A1, 5),
    rrr(Op.or, A4, A4, S1),
    u8(S1, A1, 6),
    u8(A1, A1, 7),
    shl(A0, A0, 8),
    rrr(Op.or, A0, A0, A5),
    shl(S1, S1, 0x10),
    shl(A1, A1, 0x18),
    rrr(Op.or, A1, A1, S1),
    rrr(Op.or, A2, A2, A4),
    rrr(Op.or, A0, A0, A1),
    rrr(Op.sub_64, A1, S0, T1),
    shl(A0, A0, 0x20),
    rrr(Op.or, A0, A0, A2),
    rri(Op.store_indirect_u64, A0, SP, 0x58),
    u8(A0, A3, 0),
    u8(A1, A1, 4),
    rrr(Op.mul_64, A0, A1, A0),
    u8(A1, S0, 0x23),
    op(Op.branch_not_eq_imm, { reg1: A1, imm1: 0, imm2: 0 }),
  ];
  assert.equal(cost(body, FULL_L1_COST_MODEL), 68);
  assert.equal(cost(body, FULL_L2_COST_MODEL), 109);
});

test('a calculator is reusable: finish() resets it for the next block', () => {
  const { code, bitmask, offsets } = encodeInstructions(L64, [
    rrr(Op.div_unsigned_64, A0, A1, A2),
    fallthrough,
    rrr(Op.add_64, A0, A1, A2),
    trap,
  ]);
  const program = new Code(code, bitmask, L64);
  const calculator = FULL_L1_COST_MODEL.calculator(program);
  const decoded = new DecodedInstruction();
  const costs: number[] = [];
  for (const pc of [offsets[0]!, offsets[2]!, offsets[0]!]) {
    program.walkBounded(pc, decoded, (instruction) => {
      calculator.add(instruction);
      return !ENDS_BLOCK[instruction.id];
    });
    costs.push(calculator.finish());
  }
  assert.deepEqual(costs, [60, 2, 60]);
});

test('the built-in pipeline models have their names and reject invalid memory latencies', () => {
  assert.deepEqual(
    [FULL_L1_COST_MODEL.name, FULL_L2_COST_MODEL.name, FULL_L3_COST_MODEL.name],
    ['full-l1', 'full-l2', 'full-l3'],
  );
  assert.throws(() => pipelineCostModel('bad', 0), InvalidArgumentError);
});
