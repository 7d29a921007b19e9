import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { assemble } from '../../src/asm/assembler.js';
import { disassemble } from '../../src/asm/disassembler.js';
import { formatInstruction } from '../../src/asm/format.js';
import { DecodedInstruction } from '../../src/isa/code.js';
import { encodeInstructions, layoutInstructions, targetOperand, type InstructionFields } from '../../src/isa/encoder.js';
import { INSTRUCTION_SETS, type InstructionSetKind } from '../../src/isa/instruction-sets.js';
import { INSTRUCTIONS } from '../../src/isa/instruction-table.js';
import { JumpTable, jumpTableEntrySize, parseCodeAndJumpTable } from '../../src/program/code-and-jump-table.js';
import { ProgramBlob, ProgramSymbol } from '../../src/program/program-blob.js';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

function decodeAll(blob: ProgramBlob): DecodedInstruction[] {
  const list: DecodedInstruction[] = [];
  blob.instructions.walkAll(new DecodedInstruction(), (ins) => {
    list.push(ins.clone());
  });
  return list;
}

// ---------------------------------------------------------------------------------------------------------------
// The listing format.

const HOSTCALL_PROGRAM = [
  '%isa = latest32',
  '%rw_data_size = 16384',
  '%import hostcall',
  'pub @main:',
  '    u32 [0x20000] = 0x12345678',
  '    s0 = a0 + a1',
  '    ecalli @hostcall',
  '    a0 = a0 + s0',
  '    ret',
].join('\n');

test('lists a program exactly as the reference disassembler does', () => {
  // The reference disassembler's own unit test program and expected output.
  const listing = disassemble(assemble(HOSTCALL_PROGRAM), { gas: (pc) => (pc === 0 ? 5 : null) });
  assert.equal(
    listing,
    [
      '// RO data = 0/0 bytes',
      '// RW data = 0/16384 bytes',
      '// Stack size = 0 bytes',
      '',
      '// Instructions = 5',
      '// Code size = 18 bytes',
      '',
      "      : @0 [export #0: 'main'] (gas: 5)",
      '     0: u32 [0x20000] = 0x12345678',
      '     9: s0 = a0 + a1',
      "    12: ecalli 0 // 'hostcall'",
      '    13: a0 = a0 + s0',
      '    16: ret',
      '',
    ].join('\n'),
  );
});

test('shows raw bytes in a 24-column field', () => {
  const lines = disassemble(assemble(HOSTCALL_PROGRAM), { showRawBytes: true }).split('\n');
  assert.equal(lines[7], `      : ${' '.repeat(24)} @0 [export #0: 'main']`);
  assert.equal(lines[8], '     0: 20 03 00 00 02 78 56 34 12 u32 [0x20000] = 0x12345678');
  assert.equal(lines[9], '     9: be 87 05                 s0 = a0 + a1');
});

test('labels every basic block, marks jump table entries and lists the implicit trailing invalid', () => {
  const blob = assemble('pub @main:\na0 = @second\njump @third if a0 == 3\na1 = @third\njump [a0 + 4]\n@second:\nfallthrough\n@third:\na0 = a0 + 1');
  assert.equal(
    disassemble(blob, { showOffsets: false }).split('\n').slice(4).join('\n'),
    [
      '// Instructions = 7',
      '// Code size = 17 bytes',
      '',
      "@0 [export #0: 'main']",
      'a0 = 0x2',
      'jump @3 if a0 == 3',
      '@1',
      'a1 = 0x4',
      'jump [a0 + 0x4]',
      '@2 [@dyn 1]',
      'fallthrough',
      '@3 [@dyn 2]',
      'a0 = a0 + 0x1',
      'invalid',
      '',
    ].join('\n'),
  );
});

test('a jump to an offset that starts no basic block prints the raw offset', () => {
  const blob = assemble('a0 = 1\n@mid: %no_fallthrough\na0 = 2\njump @mid');
  assert.match(disassemble(blob), /     6: jump 3\n$/);
});

// ---------------------------------------------------------------------------------------------------------------
// Single instructions. Expected texts are the reference formatter's output for the same bytes.

const FORMATTED: readonly (readonly [InstructionSetKind, string, readonly string[]])[] = [
  ['latest64', 'u32 [sp + 0x4] = ra\na0 = i8 [0x20000]\na1 = u16 [a0 ]\nu64 [a0 + 8] = 0x1234\nu8 [0x30000] = 7\ntrap',
    ['u32 [sp + 0x4] = ra', 'a0 = i8 [0x20000]', 'a1 = u16 [a0 ]', 'u64 [a0 + 8] = 0x1234', 'u8 [0x30000] = 0x7', 'trap']],
  ['latest64', '@loop:\na0 = a0 - 1\njump @loop if a0 != 0\njump @done if a1 <u a2\n@done:\ntrap',
    ['a0 = a0 - 1', 'jump 0 if a0 != 0', 'jump 9 if a1 <u a2', 'trap']],
  ['latest64', 'jump [a0 + 4]\n@a:\nra = 2, jump @a\n@b:\ntmp = a0, a0 = 1234, jump [tmp + 1]\n@c:\na1 = 5, jump [a2]\n@d:\nret',
    ['jump [a0 + 0x4]', 'ra = 2, jump 3', 'tmp = a0, a0 = 1234, jump [tmp + 0x1]', 'a1 = 5, jump [a2]', 'ret']],
  ['latest64', 'a0 = 0x7fffffff\na1 = 0xffffffff\na2 = 0xffffffffffffffff\na3 = i64 0x5\na4 = -1\ntrap',
    ['a0 = 0x7fffffff', 'a1 = 0xffffffff', 'a2 = 0xffffffffffffffff', 'a3 = 0x5', 'a4 = 0xffffffffffffffff', 'trap']],
  ['latest64', 'a0 = a1 - 5\na0 = 5 - a1\ni32 a0 = a1 << 3\na0 = 0x10 >> a1\na0 = a1 >>r 7\na0 = a1 <u 9\na0 = 9 <s a1\na0 = a1 & 0xff\ntrap',
    ['a0 = a1 - 5', 'a0 = 0x5 - a1', 'i32 a0 = a1 << 0x3', 'a0 = 0x10 >> a1', 'a0 = a1 >>r 0x7', 'a0 = a1 <u 0x9', 'a0 = a1 >s 0x9', 'a0 = a1 & 0xff', 'trap']],
  ['latest64', 'a0 = a1 >u a2\na0 = a1 & ~a2\na0 = a1 | ~a2\na0 = ~(a1 ^ a2)\na0 = maxs(a1, a2)\na0 = minu(a1, a2)\ni32 a0 = a1 /u a2\na0 = a1 %s a2\ntrap',
    ['a0 = a2 <u a1', 'a0 = a1 & ~a2', 'a0 = a1 | ~a2', 'a0 = ~(a1 ^ a2)', 'a0 = maxs(a1, a2)', 'a0 = minu(a1, a2)', 'i32 a0 = a1 /u a2', 'a0 = a1 %s a2', 'trap']],
  ['latest64', 'i32 a0 = cpop a1\na0 = clz a1\na0 = sext8 a1\na0 = reverse a1\na0 = a1 if a2 == 0\na0 = 5 if a2 == 0\nnop\ntrap',
    ['i32 a0 = cpop a1', 'a0 = clz a1', 'a0 = sext8 a1', 'a0 = reverse a1', 'a0 = a1 if a2 == 0', 'a0 = 0x5 if a2 == 0', 'ra = ra', 'trap']],
  ['latest32', 'i32 a0 = a1 + a2\na0 = a1 & a2\ni32 a0 = a1 - 5\ntrap', ['a0 = a1 + a2', 'a0 = a1 & a2', 'a0 = a1 - 5', 'trap']],
  ['jam_v1', 'unlikely\na0 = clz a1\necalli 3\ntrap', ['unlikely', 'a0 = clz a1', 'ecalli 3', 'trap']],
];

for (const [isa, source, expected] of FORMATTED) {
  test(`formats ${isa} instructions like the reference: ${expected[0]}`, () => {
    const blob = assemble(source, { isa });
    assert.deepEqual(decodeAll(blob).map((ins) => formatInstruction(ins, blob.is64Bit)), expected);
  });
}

test('formatInstruction renders targets through labelFor', () => {
  const [, branch] = decodeAll(assemble('@l:\na0 = 1\njump @l if a0 <=s 7'));
  assert.equal(formatInstruction(branch!, true, (target) => `@L${target}`), 'jump @L0 if a0 <=s 7');
});

test('formatInstruction follows the reference quirks for 32-bit rotates and negative immediates', () => {
  const [rotate, add, shift] = decodeAll(assemble('a0 = a1 >>r 3\na0 = a1 + 0xfffff000\na0 = a1 >> 0xfffffff0\ntrap', { isa: 'latest32' }));
  assert.equal(formatInstruction(rotate!, false), 'a0 = a1 >> 0x3');
  assert.equal(formatInstruction(rotate!, false, undefined, { assembleable: true }), 'a0 = a1 >>r 0x3');
  assert.equal(formatInstruction(add!, false), 'a0 = a1 + 0xfffff000');
  assert.equal(formatInstruction(shift!, false), 'a0 = a1 >> 0xfffffff0');
});

// ---------------------------------------------------------------------------------------------------------------
// Assembler-readable output.

function assertSameProgram(actual: ProgramBlob, expected: ProgramBlob): void {
  assert.equal(actual.isa.kind, expected.isa.kind);
  assert.equal(hex(actual.code), hex(expected.code));
  assert.equal(hex(actual.bitmask), hex(expected.bitmask));
  assert.deepEqual([...actual.jumpTable.entries], [...expected.jumpTable.entries]);
  assert.equal(actual.jumpTable.entrySize, expected.jumpTable.entrySize);
  assert.deepEqual(actual.imports.map(String), expected.imports.map(String));
  const exports = (blob: ProgramBlob): string[] => blob.exports.map((e) => `${e.symbol.toString()}@${e.programCounter}`).sort();
  assert.deepEqual(exports(actual), exports(expected));
  assert.equal(hex(actual.roData), hex(expected.roData));
  assert.equal(hex(actual.rwData), hex(expected.rwData));
  assert.deepEqual([actual.roDataSize, actual.rwDataSize, actual.stackSize], [expected.roDataSize, expected.rwDataSize, expected.stackSize]);
}

test('assembleable output reassembles to the same program', () => {
  const source = [
    '%ro_data_size = 16',
    '%ro_data = 01 02',
    '%rw_data_size = 8',
    '%stack_size = 4096',
    '%import first',
    '%import second',
    'pub @main:',
    '    a0 = @target',
    '    a1 = a0 mulhu a2',
    '    a2 = sbrk a3',
    '    [a0..a0 + a2] = u8 a1',
    '    a3 = -a4',
    '    a4 = i64 0x7',
    '    ecalli @second',
    '    jump @target if a0 >=u 10',
    '@target:',
    '    a0 = a1 if a2 != 0',
    'pub @inner: %no_fallthrough',
    '    ra = 0, jump @inner',
  ].join('\n');
  const blob = assemble(source);
  const text = disassemble(blob, { assembleable: true });
  assert.match(text, /^pub @inner: %no_fallthrough$/m);
  assertSameProgram(assemble(text), blob);
});

test('assembleable output of a 32-bit program reassembles to the same program', () => {
  const blob = assemble('a0 = a1 >>r 3\na0 = 3 >>r a1\na0 = a1 + 0xfffff000\na0 = clz a1\na0 = 0x80000000\nu32 [a0 + 0xfffffff0] = 0xffffff00\nret', { isa: 'latest32' });
  assertSameProgram(assemble(disassemble(blob, { assembleable: true })), blob);
});

test('undecodable bytes are listed as invalid, which the assembler rejects', () => {
  const blob = ProgramBlob.fromParts({ ...assemble('trap').toParts(), code: Uint8Array.of(0xff, 0), bitmask: Uint8Array.of(3) });
  const text = disassemble(blob, { assembleable: true });
  assert.match(text, /^ {4}invalid$/m);
  assert.throws(() => assemble(text), /cannot be assembled/);
});

const VECTORS = resolve(process.cwd(), '../shared/conformance/jam-pvm/programs');
test(
  'every JAM vector program survives disassemble → assemble unchanged',
  { skip: !existsSync(VECTORS) && 'the JAM vectors are not available' },
  (t) => {
    const files = readdirSync(VECTORS).filter((file) => file.endsWith('.json'));
    for (const file of files) {
      const vector = JSON.parse(readFileSync(join(VECTORS, file), 'utf8')) as { program: number[] };
      const blob = ProgramBlob.fromParts({
        ...assemble('%isa = jam_v1\ntrap').toParts(),
        ...parseCodeAndJumpTable(Uint8Array.from(vector.program)),
      });
      assertSameProgram(assemble(disassemble(blob, { assembleable: true })), blob);
      assert.ok(disassemble(blob, { showRawBytes: true }).startsWith('// RO data'));
    }
    t.diagnostic(`${files.length} vector programs round-tripped`);
  },
);

// ---------------------------------------------------------------------------------------------------------------
// Property: random instruction sequences survive encode → disassemble → assemble.

interface RandomInstruction extends InstructionFields {
  target: number;
}

const immediate = fc.oneof(
  fc.constant(0),
  fc.integer({ min: -128, max: 127 }),
  fc.integer({ min: -5000, max: 5000 }),
  fc.integer({ min: -0x80000000, max: 0x7fffffff }),
);

function randomProgram(kind: InstructionSetKind): fc.Arbitrary<{ instructions: RandomInstruction[]; table: number[]; exports: number[] }> {
  const isa = INSTRUCTION_SETS[kind];
  const ids = INSTRUCTIONS.filter((def) => isa.idToByte[def.id]! >= 0).map((def) => def.id);
  const register = fc.integer({ min: 0, max: 12 });
  const instruction: fc.Arbitrary<RandomInstruction> = fc.record({
    id: fc.constantFrom(...ids),
    reg1: register,
    reg2: register,
    reg3: register,
    imm1: immediate,
    imm2: immediate,
    target: fc.nat(),
  });
  return fc.record({
    instructions: fc.array(instruction, { minLength: 1, maxLength: 40 }),
    table: fc.array(fc.nat(), { maxLength: 4 }),
    exports: fc.array(fc.nat(), { maxLength: 3 }),
  });
}

for (const kind of ['latest64', 'latest32', 'jam_v1', 'revive_v1'] as const) {
  test(`random ${kind} programs survive encode → disassemble → assemble`, () => {
    const isa = INSTRUCTION_SETS[kind];
    fc.assert(
      fc.property(randomProgram(kind), ({ instructions, table, exports }) => {
        const n = instructions.length;
        // Targets point at instruction starts; the layout is the assembler's (the reference writer's) algorithm.
        const targets = instructions.map((ins) => (targetOperand(ins.id) === null ? -1 : ins.target % n));
        const layout = layoutInstructions(isa, instructions, targets);
        // The same bytes come out of the plain encoder given the absolute targets.
        const absolute = instructions.map((ins, i) => {
          const field = targetOperand(ins.id);
          return field === null ? ins : { ...ins, [field]: layout.offsets[targets[i]!]! };
        });
        assert.equal(hex(encodeInstructions(isa, absolute).code), hex(layout.code));

        const entries = table.map((index) => layout.offsets[index % n]!);
        const blob = ProgramBlob.fromParts({
          isa,
          roDataSize: 0,
          rwDataSize: 0,
          stackSize: 0,
          roData: new Uint8Array(0),
          rwData: new Uint8Array(0),
          imports: [ProgramSymbol.fromString('host_a'), ProgramSymbol.fromString('host_b')],
          exports: exports.map((index, k) => ({ programCounter: layout.offsets[index % n]!, symbol: ProgramSymbol.fromString(`export_${k}`) })),
          jumpTable: new JumpTable(Uint32Array.from(entries), jumpTableEntrySize(entries)),
          code: layout.code,
          bitmask: layout.bitmask,
          customSections: [],
        });
        assertSameProgram(assemble(disassemble(blob, { assembleable: true })), blob);
        disassemble(blob, { showRawBytes: true });
      }),
      { numRuns: 300 },
    );
  });
}
