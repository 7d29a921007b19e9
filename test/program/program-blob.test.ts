import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ProgramBlob, ProgramSymbol } from '../../src/program/program-blob.js';
import { JumpTable } from '../../src/program/code-and-jump-table.js';
import { ProgramParseError, PolkaVMError } from '../../src/errors.js';
import { INSTRUCTION_SETS } from '../../src/isa/instruction-sets.js';
import { encodeInstructions } from '../../src/isa/encoder.js';
import { Op } from '../../src/isa/instruction-table.js';
import { DecodedInstruction } from '../../src/isa/code.js';
import { Engine } from '../../src/api/engine.js';
import { Module } from '../../src/api/module.js';

function sampleBlob(): ProgramBlob {
  const isa = INSTRUCTION_SETS.latest32;
  const { code, bitmask } = encodeInstructions(isa, [
    { id: Op.add_imm_32, reg1: 1, reg2: 1, reg3: 0, imm1: -8, imm2: 0 },
    { id: Op.ecalli, reg1: 0, reg2: 0, reg3: 0, imm1: 0, imm2: 0 },
    { id: Op.add_32, reg1: 7, reg2: 7, reg3: 8, imm1: 0, imm2: 0 },
    { id: Op.jump_indirect, reg1: 0, reg2: 0, reg3: 0, imm1: 0, imm2: 0 },
  ]);
  return ProgramBlob.fromParts({
    isa,
    roDataSize: 0x1234,
    rwDataSize: 0x100,
    stackSize: 0x2000,
    roData: Uint8Array.of(1, 2, 3),
    rwData: Uint8Array.of(4, 5),
    imports: [ProgramSymbol.fromString('get_third_number'), ProgramSymbol.fromString('ext_stdout')],
    exports: [{ programCounter: 0, symbol: ProgramSymbol.fromString('add_numbers') }],
    jumpTable: new JumpTable(Uint32Array.of(0, 3), 1),
    code,
    bitmask,
    customSections: [{ id: 128, bytes: Uint8Array.of(3, 97, 98, 99) }, { id: 200, bytes: Uint8Array.of(9) }],
  });
}

function parseError(bytes: Uint8Array): ProgramParseError {
  try {
    ProgramBlob.parse(bytes);
  } catch (error) {
    assert.ok(error instanceof ProgramParseError, `expected ProgramParseError, got ${String(error)}`);
    return error;
  }
  assert.fail('parsing succeeded');
}

function withLength(bytes: number[]): Uint8Array {
  const blob = Uint8Array.from(bytes);
  new DataView(blob.buffer).setBigUint64(5, BigInt(blob.length), true);
  return blob;
}

test('a written blob parses back to the same parts and rewrites byte-identically', () => {
  const bytes = sampleBlob().toBytes();
  const parsed = ProgramBlob.parse(bytes);
  assert.equal(parsed.isa.kind, 'latest32');
  assert.equal(parsed.roDataSize, 0x1234);
  assert.deepEqual([...parsed.rwData], [4, 5]);
  assert.deepEqual(parsed.imports.map(String), ['get_third_number', 'ext_stdout']);
  assert.deepEqual(parsed.exports.map((e) => [e.symbol.toString(), e.programCounter]), [['add_numbers', 0]]);
  assert.deepEqual([...parsed.jumpTable.entries], [0, 3]);
  assert.deepEqual(parsed.customSections.map((s) => s.id), [128, 200]);
  assert.deepEqual(parsed.toBytes(), bytes);
});

test('the header carries magic, version byte and the total length', () => {
  const bytes = sampleBlob().toBytes();
  assert.deepEqual([...bytes.subarray(0, 5)], [0x50, 0x56, 0x4d, 0x00, 1]);
  assert.equal(new DataView(bytes.buffer).getBigUint64(5, true), BigInt(bytes.length));
});

test('bad magic, unknown version and a wrong length field are reported with their kind and offset', () => {
  const bytes = sampleBlob().toBytes();
  const badMagic = bytes.slice();
  badMagic[0] = 0x51;
  assert.equal(parseError(badMagic).kind, 'Other');
  const badVersion = bytes.slice();
  badVersion[4] = 9;
  const versionError = parseError(badVersion);
  assert.equal(versionError.kind, 'UnsupportedVersion');
  assert.equal(versionError.offset, 4);
  const badLength = bytes.slice();
  badLength[5]! ^= 1;
  assert.match(parseError(badLength).message, /blob length/);
  assert.equal(parseError(bytes.subarray(0, 8)).kind, 'UnexpectedEnd');
});

test('sections out of order are rejected as UnexpectedSection at the section id', () => {
  // header, then section 6 (code) followed by section 2 (ro data)
  const code = [0, 0, 1, 0, 1];
  const blob = withLength([0x50, 0x56, 0x4d, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 6, code.length, ...code, 2, 1, 0xaa, 0]);
  const error = parseError(blob);
  assert.equal(error.kind, 'UnexpectedSection');
  assert.equal(error.offset, 13 + 2 + code.length);
});

test('code section errors: missing code, bitmask length, non-zero padding, entry size, too many imports', () => {
  const header = [0x50, 0x56, 0x4d, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0];
  assert.match(parseError(withLength([...header, 0])).message, /no code found/);
  assert.match(parseError(withLength([...header, 6, 6, 0, 0, 1, 0, 1, 1, 0])).message, /bitmask length/);
  assert.match(parseError(withLength([...header, 6, 5, 0, 0, 1, 0, 0b11, 0])).message, /padded with non-zero/);
  assert.match(parseError(withLength([...header, 6, 5, 0, 5, 1, 0, 1, 0])).message, /entry size/);
  assert.match(parseError(withLength([...header, 4, 3, 0x88, 0x01, 0, 0])).message, /too many imports/);
  assert.match(parseError(withLength([...header, 1, 4, 1, 1, 1, 1, 0])).message, /memory config/);
});

test('a varint with a 0xF8.. first byte is FailedToReadVarint at its offset', () => {
  const header = [0x50, 0x56, 0x4d, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0];
  const error = parseError(withLength([...header, 2, 0xf9, 0, 0, 0, 0, 0, 0]));
  assert.equal(error.kind, 'FailedToReadVarint');
  assert.equal(error.offset, 14);
});

test('unknown optional sections after the known ones are kept; unknown mandatory ones are rejected', () => {
  const bytes = sampleBlob().toBytes();
  assert.deepEqual(ProgramBlob.parse(bytes).section(200), Uint8Array.of(9));
  const header = [0x50, 0x56, 0x4d, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0];
  assert.equal(parseError(withLength([...header, 6, 5, 0, 0, 1, 0, 1, 7, 1, 0, 0])).kind, 'UnexpectedSection');
});

test('exports are read lazily until the first malformed entry, like the reference', () => {
  const header = [0x50, 0x56, 0x4d, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0];
  // two exports declared, the second one truncated
  const exports = [2, 0, 1, 0x61, 5, 9];
  const blob = ProgramBlob.parse(withLength([...header, 5, exports.length, ...exports, 6, 5, 0, 0, 1, 0, 1, 0]));
  assert.deepEqual(blob.exports.map((e) => e.symbol.toString()), ['a']);
});

test('parsing corrupted blobs only ever throws ProgramParseError', () => {
  const bytes = sampleBlob().toBytes();
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.nat(bytes.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }),
      fc.nat(bytes.length),
      (edits, cut) => {
        const corrupted = bytes.slice(0, Math.max(13, cut));
        for (const [at, value] of edits) if (at < corrupted.length) corrupted[at] = value;
        try {
          const blob = ProgramBlob.parse(corrupted);
          // Whatever parsed must be safe to walk and to turn into a module.
          blob.instructions.walkAll(new DecodedInstruction(), () => {});
          Module.fromBlob(new Engine(), blob);
        } catch (error) {
          assert.ok(error instanceof PolkaVMError, `untyped error: ${String(error)}`);
        }
      },
    ),
    { numRuns: 2000 },
  );
});

test('parsing random bytes behind a valid header only ever throws ProgramParseError', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), fc.integer({ min: 0, max: 3 }), (tail, version) => {
      const blob = withLength([0x50, 0x56, 0x4d, 0, version, 0, 0, 0, 0, 0, 0, 0, 0, ...tail]);
      try {
        ProgramBlob.parse(blob);
      } catch (error) {
        assert.ok(error instanceof ProgramParseError, `untyped error: ${String(error)}`);
      }
    }),
    { numRuns: 3000 },
  );
});
