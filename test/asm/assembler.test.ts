import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { assemble } from '../../src/asm/assembler.js';
import { AssemblyError } from '../../src/asm/assembly-error.js';
import { PolkaVMError } from '../../src/errors.js';
import type { InstructionSetKind } from '../../src/isa/instruction-sets.js';
import { writeCodeAndJumpTable } from '../../src/program/code-and-jump-table.js';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const codeHex = (source: string, isa?: InstructionSetKind): string => hex(assemble(source, { isa }).code);

// ---------------------------------------------------------------------------------------------------------------
// Known encodings. Expected blobs are polkatool `assemble` output: each was checked against the reference
// assembler (polkavm-common 0.35 built from /work/ref) when this test was written.

const SNIPPETS: readonly (readonly [InstructionSetKind, string, string, string])[] = [
  ['latest64', 'add with and without i32', 'i32 a2 = a0 + a1\na3 = a4 + a5\ntrap',
    '50564d00021b00000000000000060b000007be8709c8cb0a004900'],
  ['latest64', 'loads and stores', 'u32 [sp + 0x4] = ra\na0 = i8 [0x20000]\na1 = u16 [a0 ]\nu64 [a0 + 8] = 0x1234\nu8 [0x30000] = 7\ntrap',
    '50564d00022c00000000000000061c0000167a100435070000027e7849170834121e03000003070009852000'],
  ['latest64', 'branches to labels', '@loop:\na0 = a0 - 1\njump @loop if a0 != 0\njump @done if a1 <u a2\n@done:\ntrap',
    '50564d00021f00000000000000060f00000a9577ff5207fdac980300490200'],
  ['latest64', 'indirect jumps', 'jump [a0 + 4]\n@a:\nra = 2, jump @a\n@b:\ntmp = a0, a0 = 1234, jump [tmp + 1]\n@c:\na1 = 5, jump [a2]\n@d:\nret',
    '50564d000228000000000000000618000012320704501002b47702d20401b4980105320049100100'],
  ['latest64', 'load_imm versus load_imm64', 'a0 = 0x7fffffff\na1 = 0xffffffff\na2 = 0xffffffffffffffff\na3 = i64 0x5\na4 = -1\ntrap',
    '50564d0002390000000000000006290000213307ffffff7f1408ffffffff000000003309ff140a0500000000000000330bff00410009200100'],
  ['latest64', 'ALU with immediates', 'a0 = a1 - 5\na0 = 5 - a1\ni32 a0 = a1 << 3\na0 = 0x10 >> a1\na0 = a1 >>r 7\na0 = a1 <u 9\na0 = 9 <s a1\na0 = a1 & 0xff\ntrap',
    '50564d00023100000000000000062100001a9587fb9a87058a87039c87109e87078887098f87098487ff00004992240200'],
  ['latest64', 'ALU with registers', 'a0 = a1 >u a2\na0 = a1 & ~a2\na0 = a1 | ~a2\na0 = ~(a1 ^ a2)\na0 = maxs(a1, a2)\na0 = minu(a1, a2)\ni32 a0 = a1 /u a2\na0 = a1 %s a2\ntrap',
    '50564d000230000000000000000620000019d88907e09807e19807e29807e39807e69807c19807ce9807004992240100'],
  ['latest64', 'unary operations and conditional moves', 'i32 a0 = cpop a1\na0 = clz a1\na0 = sext8 a1\na0 = reverse a1\na0 = a1 if a2 == 0\na0 = 5 if a2 == 0\nnop\ntrap',
    '50564d000227000000000000000617000011678768876c876f87da980793970564000055490100'],
  ['latest64', 'fallthrough before a mid-block label', 'a0 = 1\n@next:\na0 = 2\n@after: %no_fallthrough\ntrap',
    '50564d00021c00000000000000060c00000833070101330702009900'],
  ['latest64', 'exports sorted by name', 'pub @zeta:\na0 = 1\ntrap\npub @alpha:\na0 = 2\ntrap',
    '50564d00022c00000000000000050e020405616c70686100047a657461060c00000833070100330702009900'],
  ['latest64', 'jump table of address-taken labels', '@start:\na0 = @second\na1 = @third\ntrap\n@second:\nfallthrough\n@third:\nret',
    '50564d00022100000000000000061102010a070833070233080400013200c90100'],
  ['latest64', 'memory directives', '%ro_data_size = 8\n%ro_data = 01 02 03\n%rw_data_size = 4\n%rw_data = aabb\n%stack_size = 4096\ntrap',
    '50564d0002240000000000000001040804900002030102030302aabb0605000001000100'],
  ['jam_v1', '%isa directive and jam_v1 opcodes', '%isa = jam_v1\nunlikely\na0 = clz a1\necalli 3\ntrap',
    '50564d00031a00000000000000060a0000060267870a03002b00'],
  ['latest32', 'latest32 with i32 markers', 'i32 a0 = a1 + a2\na0 = a1 & a2\ni32 a0 = a1 - 5\ntrap',
    '50564d00011f00000000000000060f00000abe9807d298078387fb00490200'],
  ['revive_v1', 'revive_v1', 'a0 = u64 [a1 + 16]\na0 = a0 * a1\nret',
    '50564d00001c00000000000000060c000008828710ca870732004900'],
];

for (const [isa, name, source, expected] of SNIPPETS) {
  test(`assembles ${name} (${isa}) to the reference's bytes`, () => {
    assert.equal(hex(assemble(source, { isa }).toBytes()), expected);
  });
}

test('a %isa directive overrides the isa option', () => {
  assert.equal(assemble('%isa = jam_v1\ntrap', { isa: 'latest32' }).isa.kind, 'jam_v1');
  assert.equal(assemble('trap').isa.kind, 'latest64');
});

// ---------------------------------------------------------------------------------------------------------------
// The spectool sources against the JAM vectors made from them (needs the reference checkout; not in CI).

const SPEC_SOURCES = '/work/ref/polkavm/tools/spectool/spec/src';
const VECTORS = resolve(process.cwd(), '../shared/conformance/jam-pvm/programs');

/** spectool strips these lines (keeping the line count) before assembling. */
function stripTestDirectives(text: string): string {
  return text
    .split('\n')
    .map((line) => (/^(pre|post|step):/.test(line) ? '' : line))
    .join('\n');
}

/**
 * The vectors predate reference commit 25221690 ("spectool: add explicit traps"), which appended a `trap` line to
 * 226 sources, preceded in 189 of them by `pub @expected_exit: %no_fallthrough`. This undoes exactly that: drop
 * a final `trap` statement and, if the statement before it is that label line, the label too. Returns null if
 * the source does not end with `trap`.
 */
function withoutAppendedTrap(text: string): string | null {
  const lines = text.split('\n');
  const isStatement = (line: string): boolean => line.trim() !== '' && !line.trim().startsWith('//');
  let last = lines.length - 1;
  while (last >= 0 && !isStatement(lines[last]!)) last--;
  if (last < 0 || lines[last]!.trim() !== 'trap') return null;
  lines[last] = '';
  let previous = last - 1;
  while (previous >= 0 && !isStatement(lines[previous]!)) previous--;
  if (previous >= 0 && lines[previous]!.trim() === 'pub @expected_exit: %no_fallthrough') lines[previous] = '';
  return lines.join('\n');
}

const haveSpec = existsSync(SPEC_SOURCES) && existsSync(VECTORS);
test(
  'every spectool source assembles to the code of its JAM vector',
  { skip: !haveSpec && 'the reference checkout (/work/ref/polkavm) or the JAM vectors are not available' },
  (t) => {
    let exact = 0;
    let afterNormalisation = 0;
    const mismatches: string[] = [];
    const names = readdirSync(SPEC_SOURCES)
      .filter((file) => file.endsWith('.txt'))
      .map((file) => file.slice(0, -4))
      .filter((name) => existsSync(join(VECTORS, `${name}.json`)));
    for (const name of names) {
      const vector = JSON.parse(readFileSync(join(VECTORS, `${name}.json`), 'utf8')) as { program: number[] };
      const expected = hex(Uint8Array.from(vector.program));
      const source = stripTestDirectives(readFileSync(join(SPEC_SOURCES, `${name}.txt`), 'utf8'));
      const payload = (text: string): string => hex(writeCodeAndJumpTable(assemble(text, { isa: 'jam_v1' })));
      if (payload(source) === expected) {
        exact++;
        continue;
      }
      const older = withoutAppendedTrap(source);
      if (older !== null && payload(older) === expected) afterNormalisation++;
      else mismatches.push(name);
    }
    t.diagnostic(`${names.length} spectool sources with a vector: ${exact} identical, ${afterNormalisation} identical without the appended trap`);
    assert.deepEqual(mismatches, []);
    assert.equal(names.length, 256);
  },
);

// ---------------------------------------------------------------------------------------------------------------
// Syntax details.

test('accepts decimal, hex, binary and negative immediates', () => {
  assert.equal(codeHex('a0 = 10\na0 = 0xa\na0 = 0b1010\na0 = +10\ntrap'), codeHex('a0 = 10\na0 = 10\na0 = 10\na0 = 10\ntrap'));
  assert.equal(codeHex('a0 = -16'), codeHex('a0 = 0xfffffffffffffff0'));
  assert.equal(codeHex('a0 = a1 + -16'), codeHex('a0 = a1 - 16'));
});

test('accepts r0..r12 as register names', () => {
  assert.equal(codeHex('r7 = r8 + r9'), codeHex('a0 = a1 + a2'));
  assert.equal(codeHex('r0 = r1'), codeHex('ra = sp'));
});

test('ignores comments, blank lines and extra whitespace', () => {
  assert.equal(codeHex('// comment\n\n   a0   =   a1   +   a2   // trailing\r\n\ttrap'), codeHex('a0 = a1 + a2\ntrap'));
});

test('a label in the middle of a block gets a fallthrough unless %no_fallthrough', () => {
  assert.equal(codeHex('a0 = 1\n@x:\ntrap'), codeHex('a0 = 1\nfallthrough\ntrap'));
  assert.equal(codeHex('a0 = 1\n@x: %no_fallthrough\ntrap'), codeHex('a0 = 1\ntrap'));
  assert.equal(codeHex('trap\n@x:\ntrap'), codeHex('trap\ntrap'));
});

test('a mid-block %no_fallthrough label refers to the next instruction (deviation from the reference)', () => {
  const blob = assemble('a0 = 1\n@mid: %no_fallthrough\na0 = 2\njump @mid');
  // jump at offset 6 back to offset 3 (the reference would jump to offset 0, the start of the block).
  assert.equal(hex(blob.code.subarray(6)), '28fd');
});

test('exports carry their label names and offsets', () => {
  const blob = assemble('pub @main:\na0 = 1\ntrap\npub @other:\nret');
  assert.deepEqual(
    blob.exports.map((entry) => [entry.symbol.toString(), entry.programCounter]),
    [['main', 0], ['other', 4]],
  );
});

test('the jump table holds each address-taken label once, in order of first use', () => {
  const blob = assemble('@a:\na0 = @c\na1 = @b\na2 = @c\ntrap\n@b:\ntrap\n@c:\nret');
  assert.deepEqual([...blob.jumpTable.entries], [11, 10]);
  assert.equal(hex(blob.code.subarray(0, 9)), '330702330804330902');
});

test('%jump_table declares explicit entries ahead of address-taken labels (extension)', () => {
  const blob = assemble('%jump_table = @b, @a, 0x3\n@a:\na0 = @b\na1 = @c\ntrap\n@b:\ntrap\n@c:\ntrap');
  assert.deepEqual([...blob.jumpTable.entries], [7, 0, 3, 8]);
  assert.equal(hex(blob.code.subarray(0, 6)), '330702330808');
});

test('%import and ecalli @name assign import indices (extension)', () => {
  const blob = assemble('%import first\necalli @second\necalli @first\necalli 7\ntrap');
  assert.deepEqual(blob.imports.map((symbol) => symbol?.toString()), ['first', 'second']);
  assert.equal(hex(blob.code), '0a010a0a0700');
});

test('extensions for instructions the reference cannot assemble', () => {
  assert.equal(codeHex('a0 = a1 mulh a2\na0 = a1 mulhu a2\na0 = a1 mulhsu a2'), 'd59807d69807d79807');
  assert.equal(codeHex('a0 = sbrk a1\n[a0..a0 + a2] = u8 a1'), '658702');
  assert.equal(codeHex('a0 = -a1\ni32 a0 = -a1'), '9a878d87');
  assert.equal(codeHex('a0 = a1 if a2 != 0\na0 = 5 if a2 != 0'), 'db9807949705');
  assert.equal(codeHex('a0 = u8 [a1 - 4]'), codeHex('a0 = u8 [a1 + -4]'));
});

test('in a 32-bit instruction set, operations without i32 select the 32-bit instruction', () => {
  assert.equal(codeHex('a0 = a1 + a2\na0 = clz a1\na0 = a1 << 3', 'latest32'), codeHex('i32 a0 = a1 + a2\ni32 a0 = clz a1\ni32 a0 = a1 << 3', 'latest32'));
  assert.equal(codeHex('a0 = 0xfffffff0\na0 = a1 + 0xfffffff0', 'latest32'), codeHex('a0 = -16\na0 = a1 - 16', 'latest32'));
});

test('data without a declared size gets a size equal to its length', () => {
  const blob = assemble('%rw_data = 01 02 03\ntrap');
  assert.equal(blob.rwDataSize, 3);
});

// ---------------------------------------------------------------------------------------------------------------
// Errors.

function assertAssemblyError(source: string, line: number, pattern: RegExp, isa?: InstructionSetKind): void {
  assert.throws(
    () => assemble(source, { isa }),
    (error: unknown) => {
      assert.ok(error instanceof AssemblyError, `expected an AssemblyError, got ${String(error)}`);
      assert.ok(error instanceof PolkaVMError);
      assert.equal(error.line, line, error.message);
      assert.match(error.reason, pattern);
      assert.ok(error.column >= 1);
      return true;
    },
  );
}

test('malformed instructions are reported with their line number', () => {
  assertAssemblyError('trap\n\na0 = a1 ?? a2', 3, /cannot parse/);
  assertAssemblyError('a0 = a1 +', 1, /cannot parse|invalid operand/);
  assertAssemblyError('nonsense', 1, /cannot parse/);
  assertAssemblyError('trap\nfoo = 1', 2, /cannot parse/);
  assertAssemblyError('a0 = 5 + 6', 1, /immediates/);
  assertAssemblyError('jump @x if a0 ~ 1\n@x:\ntrap', 1, /invalid condition/);
  assertAssemblyError('jump @x if 1 == 2\n@x:\ntrap', 1, /immediates/);
  assertAssemblyError('jump 17', 1, /labels/);
  assertAssemblyError('a0 = a1 if a2 == 1', 1, /conditional move/);
  assertAssemblyError('a1 = 5, jump [a1 + 4]', 1, /tmp = base/);
  assertAssemblyError('a0 = a1 /u 5', 1, /not supported/);
  assertAssemblyError('i32 a0 = a1 & a2', 1, /not supported with i32/);
  assertAssemblyError('a0 = a1 + 0xffffffff', 1, /invalid operand/);
  assertAssemblyError('a0 = -2147483649', 1, /cannot parse/);
  assertAssemblyError('u32 [a0 = a1', 1, /cannot parse/);
  assertAssemblyError('ecalli x', 1, /ecalli/);
  assertAssemblyError('invalid', 1, /cannot be assembled/);
});

test('labels that are duplicated, undefined or point past the end are errors', () => {
  assertAssemblyError('@x:\ntrap\n@x:\ntrap', 3, /duplicate label/);
  assertAssemblyError('trap\njump @nowhere', 2, /not defined/);
  assertAssemblyError('trap\na0 = @nowhere', 2, /not defined/);
  assertAssemblyError('jump @end\n@end:', 1, /not followed by any instruction/);
  assertAssemblyError('trap\npub @end:', 2, /not followed by any instruction/);
  assertAssemblyError('@ :\ntrap', 1, /invalid label/);
});

test('bad directives are errors', () => {
  assertAssemblyError('%isa = riscv', 1, /unknown instruction set/);
  assertAssemblyError('trap\n%stack_size = lots', 2, /unsigned 32-bit/);
  assertAssemblyError('%ro_data = 0g', 1, /hex bytes/);
  assertAssemblyError('%frobnicate = 1', 1, /unknown directive/);
  assertAssemblyError('%import a\n%import a', 2, /declared twice/);
  assertAssemblyError('%rw_data_size = 1\n%rw_data = 0102', 2, /larger than its declared size/);
  assertAssemblyError('%jump_table = @a, ?\n@a:\ntrap', 1, /jump table entry/);
});

test('instructions missing from the instruction set are errors', () => {
  assertAssemblyError('trap\na0 = u64 [a1]', 2, /not available in the latest32/, 'latest32');
  assertAssemblyError('a0 = sbrk a1', 1, /not available in the jam_v1/, 'jam_v1');
  assertAssemblyError('i64 = 1', 1, /cannot parse/);
});

test('errors report the column of the statement or of the undefined label', () => {
  assert.throws(() => assemble('    jump @missing'), (error: unknown) => error instanceof AssemblyError && error.column === 10);
  assert.throws(() => assemble('  a0 = ?'), (error: unknown) => error instanceof AssemblyError && error.column === 3);
});

test('arbitrary input either assembles or throws an AssemblyError', () => {
  const tokens = ['a0', 'ra', 'r13', '=', '==', '+', '-', '&', '~', '(', ')', '[', ']', ',', '@x', '@', 'pub', '%no_fallthrough', ':',
    'if', 'jump', 'tmp', 'i32', 'i64', 'u8', '0xffffffffffffffff', '5', '-1', 'ecalli', '%isa', '%ro_data', '%import', '%jump_table',
    'trap', 'maxs', '<u', '>>r', 'mulh', 'sbrk', '..', '//', ' '];
  const line = fc.oneof(fc.string(), fc.array(fc.constantFrom(...tokens), { maxLength: 8 }).map((parts) => parts.join(' ')));
  fc.assert(
    fc.property(fc.array(line, { maxLength: 6 }), (lines) => {
      try {
        assemble(['@x:', ...lines, 'trap'].join('\n'));
      } catch (error) {
        assert.ok(error instanceof AssemblyError, String(error));
      }
    }),
    { numRuns: 2000 },
  );
});
