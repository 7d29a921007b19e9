import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Code, DecodedInstruction, offsetOperandTarget } from '../../src/isa/code.js';
import { INSTRUCTION_SETS, type InstructionSetKind } from '../../src/isa/instruction-sets.js';
import { INSTRUCTIONS, INVALID, Op } from '../../src/isa/instruction-table.js';
import { encodeInstructions } from '../../src/isa/encoder.js';

const latest64 = INSTRUCTION_SETS.latest64;

function bitmaskOf(length: number, starts: number[]): Uint8Array {
  const bitmask = new Uint8Array((length + 7) >> 3);
  for (const s of starts) bitmask[s >> 3]! |= 1 << (s & 7);
  return bitmask;
}

function codeOf(bytes: number[], starts: number[], kind: InstructionSetKind = 'latest64'): Code {
  return new Code(Uint8Array.from(bytes), bitmaskOf(bytes.length, starts), INSTRUCTION_SETS[kind]);
}

function decode(code: Code, pc: number): DecodedInstruction {
  const out = new DecodedInstruction();
  code.decodeAt(pc, out);
  return out;
}

test('instruction length is the distance to the next set bit, capped at 25 bytes', () => {
  const trap = latest64.idToByte[Op.trap]!;
  for (const [starts, expectedLength] of [
    [[0, 1], 1],
    [[0, 2], 2],
    [[0, 7], 7],
    [[0, 8], 8],
    [[0, 24], 24],
    [[0, 25], 25],
    [[0, 40], 25],
  ] as const) {
    const code = codeOf(new Array(48).fill(trap), [...starts]);
    assert.equal(code.instructionLength(0), expectedLength, `starts ${starts.join(',')}`);
  }
});

test('a gap longer than 24 bytes puts an implicit invalid instruction after an instruction that can fall through', () => {
  const add = latest64.idToByte[Op.add_64]!;
  const code = codeOf([add, 0x21, 0x03, ...new Array(30).fill(0), add, 0, 0], [0, 33]);
  const seen: [number, string][] = [];
  code.walkAll(new DecodedInstruction(), (ins) => seen.push([ins.pc, ins.id === INVALID ? 'invalid' : INSTRUCTIONS[ins.id]!.name]));
  assert.deepEqual(seen, [
    [0, 'add_64'],
    [25, 'invalid'],
    [33, 'add_64'],
    [36, 'invalid'],
  ]);
});

test('no implicit invalid instruction follows a final instruction that cannot fall through', () => {
  const code = codeOf([latest64.idToByte[Op.trap]!], [0]);
  const seen: number[] = [];
  code.walkAll(new DecodedInstruction(), (ins) => seen.push(ins.id));
  assert.deepEqual(seen, [Op.trap]);
});

test('a fallthrough at the end of the code is followed by an implicit invalid at the code length', () => {
  const code = codeOf([latest64.idToByte[Op.fallthrough]!], [0]);
  const seen: [number, number][] = [];
  code.walkBounded(0, new DecodedInstruction(), (ins) => {
    seen.push([ins.pc, ins.nextPc]);
    return true;
  });
  assert.deepEqual(seen, [
    [0, 1],
    [1, 2],
  ]);
});

test('operand bytes are read from a zero-padded window regardless of the instruction length', () => {
  // add_32 is reg_reg_reg: it reads its destination from the byte after the operands even if skip says 1 byte.
  const add32 = latest64.idToByte[Op.add_32]!;
  const code = codeOf([add32, 0x21, 0x05, add32], [0, 3]);
  const ins = decode(code, 0);
  assert.deepEqual([ins.reg1, ins.reg2, ins.reg3], [5, 1, 2]);
  const short = codeOf([add32, 0x21], [0, 1]);
  assert.deepEqual([decode(short, 0).reg1, decode(short, 0).reg2, decode(short, 0).reg3], [0, 1, 2]);
  const atEnd = decode(codeOf([add32], [0]), 0);
  assert.deepEqual([atEnd.reg1, atEnd.reg2, atEnd.reg3], [0, 0, 0]);
});

test('register nibbles 13..15 decode as a5', () => {
  const move = latest64.idToByte[Op.move_reg]!;
  const ins = decode(codeOf([move, 0xfd], [0]), 0);
  assert.deepEqual([ins.reg1, ins.reg2], [12, 12]);
});

test('immediates are sign-extended from their encoded length, which is clamped to 0..4 bytes', () => {
  const loadImm = latest64.idToByte[Op.load_imm]!;
  assert.equal(decode(codeOf([loadImm, 7, 0x80], [0]), 0).imm1, -128);
  assert.equal(decode(codeOf([loadImm, 7, 0x80, 0x00], [0]), 0).imm1, 0x80);
  assert.equal(decode(codeOf([loadImm, 7], [0]), 0).imm1, 0);
  // 8 bytes of operands: only 4 immediate bytes are read
  assert.equal(decode(codeOf([loadImm, 7, 1, 2, 3, 4, 5, 6, 7], [0]), 0).imm1, 0x04030201);
});

test('the first immediate length of a two-immediate instruction comes from 3 bits and is capped at 4', () => {
  const storeImm = latest64.idToByte[Op.store_imm_u32]!;
  // b0 = 7: first immediate 4 bytes (capped), second immediate takes the rest
  const ins = decode(codeOf([storeImm, 7, 1, 0, 0, 0, 0xff, 0, 0], [0]), 0);
  assert.equal(ins.imm1, 1);
  assert.equal(ins.imm2, 0xff);
});

test('load_imm64 always reads 8 immediate bytes', () => {
  const loadImm64 = latest64.idToByte[Op.load_imm64]!;
  const ins = decode(codeOf([loadImm64, 3, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11], [0, 3]), 0);
  assert.equal(ins.reg1, 3);
  assert.equal(ins.imm1 >>> 0, 0x55667788);
  assert.equal(ins.imm2 >>> 0, 0x11223344);
});

test('branch and jump targets are PC-relative and wrap around 2^32', () => {
  const jump = latest64.idToByte[Op.jump]!;
  const code = codeOf([0, 0, jump, 0xfe], [0, 1, 2]);
  assert.equal(decode(code, 2).imm1, 0);
  const back = codeOf([jump, 0xff], [0]);
  assert.equal(decode(back, 0).imm1, 0xffffffff);
});

test('jump targets are valid only after a known block-ending instruction', () => {
  const trap = latest64.idToByte[Op.trap]!;
  const loadImm = latest64.idToByte[Op.load_imm]!;
  assert.equal(codeOf([trap], [0]).isJumpTargetValid(0), true);
  assert.equal(codeOf([trap], []).isJumpTargetValid(0), false);
  assert.equal(codeOf([trap, trap], [0, 1]).isJumpTargetValid(1), true);
  assert.equal(codeOf([trap, trap], [1]).isJumpTargetValid(1), false);
  assert.equal(codeOf(new Array(26).fill(trap), [0, 25]).isJumpTargetValid(25), true);
  assert.equal(codeOf(new Array(27).fill(trap), [0, 26]).isJumpTargetValid(26), false);
  assert.equal(codeOf([loadImm, loadImm], [0, 1]).isJumpTargetValid(1), false);
  assert.equal(codeOf([trap, loadImm], [0, 1]).isJumpTargetValid(1), true);
  // after an opcode unknown to the ISA: not a jump target
  assert.equal(codeOf([0xff, trap], [0, 1]).isJumpTargetValid(1), false);
});

test('host entry finds the start of the basic block, treating unknown opcodes as block ends', () => {
  const add = latest64.idToByte[Op.add_64]!;
  const trap = latest64.idToByte[Op.trap]!;
  const code = codeOf([trap, add, 0, 0, add, 0, 0, 0xff, add, 0, 0], [0, 1, 4, 7, 8]);
  assert.equal(code.findStartOfBasicBlock(4), 1);
  assert.equal(code.findStartOfBasicBlock(1), 1);
  assert.equal(code.findStartOfBasicBlock(8), 8);
  assert.equal(code.findStartOfBasicBlock(5), -1);
});

test('opcode numbering differs per instruction set (JamV1 renumbers unlikely and the bit-counting ops)', () => {
  assert.equal(INSTRUCTION_SETS.jam_v1.byteToId[2], Op.unlikely);
  assert.equal(INSTRUCTION_SETS.latest64.byteToId[2], Op.memset);
  assert.equal(INSTRUCTION_SETS.latest64.byteToId[101], Op.sbrk);
  assert.equal(INSTRUCTION_SETS.jam_v1.byteToId[101], Op.count_set_bits_64);
  assert.equal(INSTRUCTION_SETS.revive_v1.byteToId[101], INVALID);
  assert.equal(INSTRUCTION_SETS.latest32.byteToId[200], INVALID);
});

test('every instruction has an opcode in latest64 and the per-ISA counts match the reference', () => {
  const count = (kind: InstructionSetKind) => INSTRUCTIONS.filter((d) => d.opcode[kind] !== null).length;
  assert.equal(count('latest64'), 141);
  assert.equal(count('latest32'), 106);
  assert.equal(count('jam_v1'), 139);
  assert.equal(count('revive_v1'), 138);
});

/** Random valid instructions of an ISA (targets point at offset 0, always an instruction start). */
function arbitraryInstruction(kind: InstructionSetKind) {
  const ids = INSTRUCTIONS.filter((d) => d.opcode[kind] !== null).map((d) => d.id);
  const reg = fc.integer({ min: 0, max: 12 });
  const imm = fc.oneof(fc.integer({ min: -300, max: 300 }), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }));
  return fc.record({ id: fc.constantFrom(...ids), reg1: reg, reg2: reg, reg3: reg, imm1: imm, imm2: imm });
}

for (const kind of ['latest64', 'latest32', 'jam_v1', 'revive_v1'] as const) {
  test(`decoding an encoded ${kind} instruction gives back its operands`, () => {
    const isa = INSTRUCTION_SETS[kind];
    fc.assert(
      fc.property(arbitraryInstruction(kind), (raw) => {
        const def = INSTRUCTIONS[raw.id]!;
        // Targets are set to offset 0 so that they stay inside the one-instruction program.
        const ins = { ...raw, imm1: def.kind === 'offset' || def.kind === 'reg_reg_offset' ? 0 : raw.imm1, imm2: def.kind === 'reg_imm_offset' ? 0 : raw.imm2 };
        const { code, bitmask } = encodeInstructions(isa, [ins]);
        const out = decode(new Code(code, bitmask, isa), 0);
        assert.equal(out.id, ins.id);
        const uses = {
          argless: [],
          reg_imm: ['reg1', 'imm1'],
          reg_imm_offset: ['reg1', 'imm1', 'imm2'],
          reg_imm_imm: ['reg1', 'imm1', 'imm2'],
          reg_reg_imm: ['reg1', 'reg2', 'imm1'],
          reg_reg_offset: ['reg1', 'reg2', 'imm1'],
          reg_reg_reg: ['reg1', 'reg2', 'reg3'],
          offset: ['imm1'],
          imm: ['imm1'],
          imm_imm: ['imm1', 'imm2'],
          reg_reg: ['reg1', 'reg2'],
          reg_reg_imm_imm: ['reg1', 'reg2', 'imm1', 'imm2'],
          reg_imm64: ['reg1', 'imm1', 'imm2'],
        }[def.kind] as (keyof typeof ins)[];
        for (const field of uses) assert.equal(out[field], ins[field], `${def.name}.${field}`);
      }),
      { numRuns: 2000 },
    );
  });
}

test('decoding and walking random bytes never throws', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 1, maxLength: 80 }),
      fc.uint8Array({ maxLength: 10 }),
      fc.constantFrom('latest64', 'latest32', 'jam_v1', 'revive_v1'),
      (bytes, mask, kind) => {
        const bitmask = new Uint8Array((bytes.length + 7) >> 3);
        bitmask.set(mask.subarray(0, bitmask.length));
        const pad = bitmask.length * 8 - bytes.length;
        if (pad > 0) bitmask[bitmask.length - 1]! &= 0xff >> pad;
        const code = new Code(bytes, bitmask, INSTRUCTION_SETS[kind as InstructionSetKind]);
        const out = new DecodedInstruction();
        let count = 0;
        code.walkAll(out, (ins) => {
          count++;
          assert.ok(ins.nextPc > ins.pc);
        });
        for (let pc = 0; pc <= bytes.length + 1; pc++) {
          code.isJumpTargetValid(pc);
          code.findStartOfBasicBlock(pc);
          code.walkBounded(pc, out, () => true);
        }
        assert.ok(count >= 0);
      },
    ),
    { numRuns: 3000 },
  );
});

test('offsetOperandTarget decodes the target of load_imm_and_jump exactly as decodeAt does, for every length and operand byte', () => {
  const isa = INSTRUCTION_SETS.latest64;
  const opcode = isa.idToByte[Op.load_imm_and_jump]!;
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 12, maxLength: 12 }), fc.integer({ min: 0, max: 11 }), fc.integer({ min: 0, max: 100 }), (operands, skip, pc) => {
      // The call at `pc`, `skip + 1` bytes long (the next instruction starts there), in code of any length after it.
      const bytes = new Uint8Array(pc + 1 + operands.length);
      bytes[pc] = opcode;
      bytes.set(operands, pc + 1);
      const code = bytes.subarray(0, Math.min(bytes.length, pc + 2 + (operands[0]! % 12)));
      const bitmask = new Uint8Array((code.length + 8) >>> 3);
      bitmask[pc >>> 3]! |= 1 << (pc & 7);
      const next = pc + skip + 1;
      if (next < code.length) bitmask[next >>> 3]! |= 1 << (next & 7);
      const decoded = new DecodedInstruction();
      new Code(code, bitmask, isa).decodeAt(pc, decoded);
      assert.equal(offsetOperandTarget(code, pc, decoded.nextPc - pc - 1), decoded.imm2);
    }),
    { numRuns: 3000 },
  );
});
