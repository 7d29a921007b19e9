import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Engine } from '../../src/api/engine.js';
import { instantiateStandardProgram } from '../../src/api/standard-program.js';
import { ProgramParseError } from '../../src/errors.js';
import { encodeInstructions, type InstructionFields } from '../../src/isa/encoder.js';
import { INSTRUCTION_SETS } from '../../src/isa/instruction-sets.js';
import { Op } from '../../src/isa/instruction-table.js';
import { Reg } from '../../src/isa/registers.js';
import { JumpTable, writeCodeAndJumpTable } from '../../src/program/code-and-jump-table.js';
import { parseStandardProgram, splitServiceCode, standardProgramLayout } from '../../src/program/standard-program.js';

const ins = (id: number, reg1 = 0, reg2 = 0, imm1 = 0, imm2 = 0, reg3 = 0): InstructionFields => ({ id, reg1, reg2, reg3, imm1, imm2 });

function le(value: number, bytes: number): number[] {
  return Array.from({ length: bytes }, (_, i) => Math.floor(value / 2 ** (8 * i)) & 0xff);
}

function standardProgram(ro: number[], rw: number[], heapPages: number, stack: number, code: Uint8Array): Uint8Array {
  return Uint8Array.from([...le(ro.length, 3), ...le(rw.length, 3), ...le(heapPages, 2), ...le(stack, 3), ...ro, ...rw, ...le(code.length, 4), ...code]);
}

function codeBlob(instructions: InstructionFields[]): Uint8Array {
  const { code, bitmask } = encodeInstructions(INSTRUCTION_SETS.jam_v1, instructions);
  return writeCodeAndJumpTable({ jumpTable: new JumpTable(new Uint32Array(0), 0), code, bitmask });
}

test('a standard program decomposes into RO data, RW data, heap pages, stack size and code', () => {
  const code = codeBlob([ins(Op.trap)]);
  const parsed = parseStandardProgram(standardProgram([1, 2], [3], 2, 0x1234, code));
  assert.deepEqual([...parsed.roData], [1, 2]);
  assert.deepEqual([...parsed.rwData], [3]);
  assert.equal(parsed.heapPages, 2);
  assert.equal(parsed.stackSize, 0x1234);
  assert.deepEqual(parsed.code, code);
});

test('trailing or missing bytes make a standard program invalid', () => {
  const bytes = standardProgram([], [], 0, 0, codeBlob([ins(Op.trap)]));
  assert.throws(() => parseStandardProgram(Uint8Array.from([...bytes, 0])), ProgramParseError);
  assert.throws(() => parseStandardProgram(bytes.subarray(0, bytes.length - 1)), ProgramParseError);
});

test('the layout follows the Gray Paper: zones between regions, stack below the argument zone', () => {
  const program = parseStandardProgram(standardProgram(new Array(0x10001).fill(1), [5], 3, 0x2001, codeBlob([ins(Op.trap)])));
  const layout = standardProgramLayout(program, Uint8Array.of(9, 9));
  assert.deepEqual([layout.ro.address, layout.ro.size], [0x10000, 0x11000]);
  assert.deepEqual([layout.rw.address, layout.rw.size], [0x20000 + 0x20000, 0x1000 + 3 * 0x1000]);
  assert.deepEqual([layout.stack.address, layout.stack.size], [0xfefe0000 - 0x3000, 0x3000]);
  assert.deepEqual([layout.args.address, layout.args.size], [0xfeff0000, 0x1000]);
  assert.deepEqual(layout.registers, [0xffff0000n, 0xfefe0000n, 0n, 0n, 0n, 0n, 0n, 0xfeff0000n, 2n, 0n, 0n, 0n, 0n]);
});

test('arguments larger than the 16 MiB input zone are rejected', () => {
  // (The address-space check cannot fail for 24-bit sizes: even the largest fields need only ~0x1405_0000 bytes.)
  const program = parseStandardProgram(standardProgram([], [], 0xffff, 0xffffff, codeBlob([ins(Op.trap)])));
  assert.doesNotThrow(() => standardProgramLayout(program, new Uint8Array(1 << 24)));
  assert.throws(() => standardProgramLayout(program, new Uint8Array((1 << 24) + 1)), /arguments larger/);
});

test('an instantiated standard program reads its arguments and RO data, writes RW data, and halts', () => {
  const rwAddress = 0x20000 + 0x10000;
  const code = codeBlob([
    ins(Op.load_indirect_u32, Reg.A2, Reg.A0, 0), // a2 = u32 [a0]           (arguments)
    ins(Op.load_u8, Reg.A3, 0, 0x10001), //          a3 = u8 [0x10001]        (RO data)
    ins(Op.add_64, Reg.A4, Reg.A2, 0, 0, Reg.A3), // a4 = a2 + a3
    ins(Op.store_u32, Reg.A4, 0, rwAddress + 4), //  u32 [rw + 4] = a4        (RW data)
    ins(Op.jump_indirect, Reg.RA, 0, 0),
  ]);
  const { instance } = instantiateStandardProgram(
    new Engine(),
    standardProgram([7, 8], [1, 2, 3, 4], 1, 0x1000, code),
    Uint8Array.of(0x10, 0x20, 0, 0),
  );
  instance.setGas(10_000n);
  assert.equal(instance.run().kind, 'finished');
  assert.equal(instance.reg(Reg.A4), 0x2010n + 8n);
  assert.deepEqual([...instance.readMemory(rwAddress, 8)], [1, 2, 3, 4, 0x18, 0x20, 0, 0]);
});

test('touching memory outside the standard regions is a page fault with the page address', () => {
  const code = codeBlob([ins(Op.load_u8, Reg.A3, 0, 0x10000 + 0x1000), ins(Op.jump_indirect, Reg.RA, 0, 0)]);
  const { instance } = instantiateStandardProgram(new Engine(), standardProgram([1], [], 0, 0, code));
  instance.setGas(10_000n);
  const interrupt = instance.run();
  assert.equal(interrupt.kind, 'segfault');
  assert.equal(interrupt.kind === 'segfault' && interrupt.pageAddress, 0x11000);
});

test('writing to the read-only argument zone is a write-protection fault', () => {
  const code = codeBlob([ins(Op.store_u8, Reg.A1, 0, 0xfeff0000 | 0), ins(Op.jump_indirect, Reg.RA, 0, 0)]);
  const { instance } = instantiateStandardProgram(new Engine(), standardProgram([], [], 0, 0, code), Uint8Array.of(1));
  instance.setGas(10_000n);
  const interrupt = instance.run();
  assert.ok(interrupt.kind === 'segfault' && interrupt.isWriteProtected && interrupt.pageAddress === 0xfeff0000);
});

test('service code splits into metadata and the standard program', () => {
  const { metadata, program } = splitServiceCode(Uint8Array.of(2, 0xaa, 0xbb, 1, 2, 3));
  assert.deepEqual([...metadata], [0xaa, 0xbb]);
  assert.deepEqual([...program], [1, 2, 3]);
  const long = splitServiceCode(Uint8Array.of(0x80, 0x02, ...new Array(2).fill(7), 9));
  assert.equal(long.metadata.length, 2);
  assert.throws(() => splitServiceCode(Uint8Array.of(5, 1)), ProgramParseError);
});
