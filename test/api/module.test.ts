import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Module, type GasMeteringKind } from '../../src/api/module.js';
import { InvalidArgumentError, ModuleError } from '../../src/errors.js';
import { JumpTable } from '../../src/program/code-and-jump-table.js';
import { ProgramBlob, ProgramSymbol } from '../../src/program/program-blob.js';
import { asm, buildProgram, moduleOf, Reg, startAt, withCode, withIsa, type TestInstruction } from '../helpers/program.js';
import { testEngine } from '../helpers/backend.js';

const { A0, A1 } = Reg;

function validationError(blob: ProgramBlob, offset: number): void {
  assert.throws(
    () => moduleOf(blob),
    (error: unknown) => error instanceof ModuleError && error.message === `validation failed at offset ${offset}`,
  );
}

/** The reference's branch program for the JAM validation tests; `fillers` load_imm instructions pad it. */
function jamBranchProgram(fillers: number) {
  const code: TestInstruction[] = [asm.branchImm('branch_eq_imm', A0, 33, 3), asm.loadImm(A1, 1), asm.trap(), asm.loadImm(A1, 2), asm.trap()];
  for (let i = 0; i < fillers; i++) code.push(asm.loadImm(A1, 2));
  code.push(asm.loadImm(A1, 3), asm.trap());
  return buildProgram({ isa: 'jam_v1', code });
}

test('JamV1: valid code loads and runs', () => {
  const program = buildProgram({ isa: 'jam_v1', code: [asm.loadImm(A0, 0x12345678), asm.ret()] });
  const instance = startAt(moduleOf(program));
  assert.equal(instance.run().kind, 'finished');
  assert.equal(instance.reg(A0), 0x12345678n);
});

test('JamV1: an undefined opcode is rejected at load time', () => {
  const program = buildProgram({ isa: 'jam_v1', code: [asm.loadImm(A0, 0x12345678), asm.ret()] });
  const code = program.blob.code.slice();
  code[0] = 255;
  validationError(withCode(program.blob, code), 0);
  const later = program.blob.code.slice();
  later[program.offsets[1]!] = 255;
  validationError(withCode(program.blob, later), program.offsets[1]!);
});

test('JamV1: a last instruction that can fall through is rejected (offset = code length)', () => {
  const program = buildProgram({ isa: 'jam_v1', code: [asm.loadImm(A0, 0x12345678), asm.fallthrough()] });
  validationError(program.blob, program.offsets[2]!);
  const noTerminator = buildProgram({ isa: 'jam_v1', code: [asm.loadImm(A0, 1)] });
  validationError(noTerminator.blob, noTerminator.offsets[1]!);
});

test('JamV1: an invalid static branch target is not a validation error', () => {
  const program = jamBranchProgram(5);
  const code = program.blob.code.slice();
  code[program.offsets[1]! - 1]! -= 1;
  const instance = moduleOf(withCode(program.blob, code)).instantiate();
  instance.setNextProgramCounter(0);
  assert.equal(instance.run().kind, 'trap');
  assert.equal(instance.programCounter, 0);
});

test('JamV1: a gap of more than 24 bytes after an instruction that can fall through is rejected', () => {
  const program = jamBranchProgram(9);
  const bitmask = program.blob.bitmask.slice();
  assert.ok(bitmask.length >= 5);
  bitmask.fill(0, 0, 4);
  bitmask[0] = 1;
  validationError(withCode(program.blob, program.blob.code, bitmask), 25);
});

test('JamV1: validateJamCode: false loads invalid code, which then traps where it is invalid', () => {
  const program = buildProgram({ isa: 'jam_v1', code: [asm.loadImm(A0, 1), asm.fallthrough()] });
  const module = moduleOf(program, { validateJamCode: false, gasMetering: 'sync' });
  const instance = module.instantiate();
  instance.setGas(10);
  instance.setNextProgramCounter(0);
  assert.equal(instance.run().kind, 'trap');
  assert.equal(instance.reg(A0), 1n);
  assert.equal(instance.programCounter, program.offsets[1]);
});

test('the other instruction sets are not validated at load time', () => {
  const program = buildProgram({ isa: 'latest64', code: [asm.loadImm(A0, 1)] });
  const code = program.blob.code.slice();
  code[0] = 255;
  const instance = moduleOf(withCode(program.blob, code)).instantiate();
  instance.setNextProgramCounter(0);
  assert.equal(instance.run().kind, 'trap');
  assert.equal(instance.programCounter, 0);
});

test('the same opcode byte means different instructions in different instruction sets', () => {
  // Byte 101 is `sbrk` in Latest64 and `count_set_bits_64` in JamV1.
  const program = buildProgram({ isa: 'latest64', rwDataSize: 4, code: [asm.sbrk(A0, A1), asm.ret()] });
  const latest = startAt(moduleOf(program));
  latest.setReg(A1, 0xff);
  assert.equal(latest.run().kind, 'finished');
  assert.equal(latest.reg(A0), BigInt(0x20004 + 0xff));

  const jam = startAt(moduleOf(withIsa(program.blob, 'jam_v1')));
  jam.setReg(A1, 0xff);
  assert.equal(jam.run().kind, 'finished');
  assert.equal(jam.reg(A0), 8n);
});

test('module options are validated', () => {
  const blob = buildProgram({ code: [asm.ret()] }).blob;
  for (const pageSize of [0x800, 0x20000, 0x3000]) {
    assert.throws(() => moduleOf(blob, { pageSize }), ModuleError, `page size 0x${pageSize.toString(16)}`);
  }
  for (const pageSize of [0x1000, 0x4000, 0x10000]) assert.equal(moduleOf(blob, { pageSize }).memoryMap.pageSize, pageSize);
  assert.throws(() => moduleOf(blob, { pageSize: 1.5 }), InvalidArgumentError);
  assert.throws(() => moduleOf(blob, { auxDataSize: -1 }), InvalidArgumentError);
  assert.throws(() => moduleOf(blob, { gasMetering: 'sometimes' as unknown as GasMeteringKind }), InvalidArgumentError);
});

test('a program whose memory does not fit the address space is rejected', () => {
  const blob = buildProgram({ code: [asm.ret()], rwDataSize: 0x8000_0000, stackSize: 0x8000_0000 }).blob;
  assert.throws(() => moduleOf(blob), (error: unknown) => error instanceof ModuleError && /maximum memory size exceeded/.test(error.message));
});

test('modules expose the memory map, exports and imports of the blob', () => {
  const program = buildProgram({
    code: [asm.ret(), asm.ret()],
    exports: { first: 0, second: 1 },
    imports: ['a', 'b'],
    roDataSize: 0x1234,
    rwDataSize: 0x10,
    stackSize: 0x2000,
  });
  const module = moduleOf(program);
  assert.deepEqual(module.imports, ['a', 'b']);
  assert.deepEqual(module.exports, [
    { name: 'first', programCounter: 0 },
    { name: 'second', programCounter: program.offsets[1] },
  ]);
  assert.equal(module.exportProgramCounter('second'), program.offsets[1]);
  assert.equal(module.exportProgramCounter('third'), undefined);
  assert.equal(module.is64Bit, false);
  const mm = module.memoryMap;
  assert.deepEqual(
    [mm.roDataAddress, mm.roDataSize, mm.rwDataAddress, mm.rwDataSize, mm.heapBase, mm.stackAddressHigh, mm.stackAddressLow],
    [0x10000, 0x2000, 0x30000, 0x1000, 0x30010, 0xfffe0000, 0xfffde000],
  );
  assert.equal(module.defaultSp, 0xfffe0000);
});

function blobWith(parts: { exports?: { name: string; pc: number }[]; jumpTable?: number[]; imports?: (string | null)[] }): ProgramBlob {
  const base = buildProgram({ code: [asm.ret()] }).blob;
  return ProgramBlob.fromParts({
    ...base.toParts(),
    exports: (parts.exports ?? [{ name: 'main', pc: 0 }]).map(({ name, pc }) => ({ programCounter: pc, symbol: ProgramSymbol.fromString(name) })),
    jumpTable: new JumpTable(Uint32Array.from(parts.jumpTable ?? []), 4),
    imports: (parts.imports ?? []).map((name) => (name === null ? null : ProgramSymbol.fromString(name))),
  });
}

test('strict mode rejects duplicate exports, out-of-range exports and jump table entries, and invalid imports', () => {
  const engine = testEngine();
  const cases: [what: string, blob: ProgramBlob][] = [
    ['duplicate export', blobWith({ exports: [{ name: 'main', pc: 0 }, { name: 'main', pc: 0 }] })],
    ['out-of-range export', blobWith({ exports: [{ name: 'main', pc: 2 }] })],
    ['out-of-range jump table entry', blobWith({ jumpTable: [2] })],
    ['invalid import', blobWith({ imports: [null] })],
  ];
  for (const [what, blob] of cases) {
    assert.throws(() => Module.fromBlob(engine, blob, { strict: true }), ModuleError, what);
    Module.fromBlob(engine, blob); // accepted without strict mode
  }
});

test('without strict mode the first of duplicate exports wins and bad jump table entries trap when used', () => {
  const module = moduleOf(blobWith({ exports: [{ name: 'main', pc: 0 }, { name: 'main', pc: 7 }] }));
  assert.deepEqual(module.exports, [{ name: 'main', programCounter: 0 }]);

  const program = buildProgram({ code: [asm.jumpIndirect(A0, 0), asm.ret()] });
  const blob = ProgramBlob.fromParts({ ...program.blob.toParts(), jumpTable: new JumpTable(Uint32Array.of(1, program.offsets[2]!, 1000), 2) });
  for (const address of [2, 4, 6]) {
    const instance = startAt(moduleOf(blob));
    instance.setReg(A0, address);
    assert.equal(instance.run().kind, 'trap', `address ${address}`);
    assert.equal(instance.programCounter, 0);
  }
});

test('modules can be created from serialized bytes as well as from a parsed blob', () => {
  const program = buildProgram({ isa: 'latest64', code: [asm.loadImm(A0, 42), asm.ret()] });
  const module = Module.fromBlob(testEngine(), program.blob.toBytes());
  assert.equal(module.is64Bit, true);
  const instance = startAt(module);
  assert.equal(instance.run().kind, 'finished');
  assert.equal(instance.reg(A0), 42n);
});
