import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GuestBuilder, linkAndInstantiate, R, rv, X } from './helpers/guest.js';
import { link } from '../../src/linker/index.js';
import { Op } from '../../src/isa/instruction-table.js';
import { DecodedInstruction } from '../../src/isa/code.js';
import type { ProgramBlob } from '../../src/program/program-blob.js';

function instructionNames(blob: ProgramBlob): number[] {
  const ids: number[] = [];
  blob.instructions.walkAll(new DecodedInstruction(), (inst) => {
    ids.push(inst.id);
  });
  return ids;
}

const le32 = (v: number): number[] => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24];

test('code and data nothing reaches are removed; unoptimized links keep them', () => {
  // `dead` is only referenced from a data section nothing references.
  const g = new GuestBuilder(true)
    .data('.rodata.used', 'ro', Uint8Array.of(...le32(7)), { used: 0 })
    .data('.rodata.unused', 'ro', new Uint8Array(1000), { unused: 0 }, [{ offset: 0, type: R.R64, symbol: 'dead' }]);
  g.label('f');
  g.reloc(R.HI20, 'used').emit(rv.lui(X.a0, 0));
  g.reloc(R.LO12_I, 'used').emit(rv.lw(X.a0, X.a0, 0), rv.ret());
  g.label('dead');
  g.reloc(R.HI20, 'unused').emit(rv.lui(X.a0, 0));
  g.reloc(R.LO12_I, 'unused').emit(rv.lw(X.a0, X.a0, 0));
  for (let i = 0; i < 20; i++) g.emit(rv.addi(X.a0, X.a0, i));
  g.emit(rv.ret()).export('f', 'f', 0, 1);
  const optimized = link(g.build());
  const unoptimized = link(g.build(), { optLevel: 0 });
  assert.ok(optimized.blob.roDataSize < 100, `ro data ${optimized.blob.roDataSize}`);
  assert.ok(unoptimized.blob.roDataSize > 1000);
  assert.ok(optimized.blob.code.length < 12, `code ${optimized.blob.code.length}`);
  assert.ok(unoptimized.blob.code.length > 40);
  // The load from read-only data became a constant.
  assert.deepEqual(instructionNames(optimized.blob), [Op.load_imm, Op.jump_indirect]);
});

test('only blocks whose address is taken get jump table entries; code addresses are (index + 1) * 2', () => {
  const g = new GuestBuilder(false).data('.data', 'rw', new Uint8Array(4), { fnptr: 0 }, [{ offset: 0, type: R.R32, symbol: 'target' }]);
  g.label('f');
  g.reloc(R.HI20, 'fnptr').emit(rv.lui(X.a1, 0));
  g.reloc(R.LO12_I, 'fnptr').emit(rv.lw(X.a0, X.a1, 0), rv.ret());
  g.label('target').emit(rv.addi(X.a0, X.zero, 5), rv.ret());
  g.export('f', 'f', 0, 1);
  for (const optLevel of [1, 2] as const) {
    const { result, instance } = linkAndInstantiate(g.build(), { optLevel });
    assert.equal(result.blob.jumpTable.length, 1);
    assert.equal(instance.call('f'), 2n, 'the first jump table entry has address 2');
  }
  // Unoptimized, every block is dynamically reachable.
  assert.equal(link(g.build(), { optLevel: 0 }).blob.jumpTable.length, 2);
});

test('an address load followed by an indirect jump becomes a direct jump', () => {
  const g = new GuestBuilder(true);
  g.label('f');
  g.label('hi').reloc(R.PCREL_HI20, 'target').emit(rv.auipc(X.a1, 0));
  g.reloc(R.PCREL_LO12_I, 'hi').emit(rv.addi(X.a1, X.a1, 0), rv.jalr(X.zero, X.a1, 0));
  g.label('target').emit(rv.addi(X.a0, X.a0, 5), rv.ret());
  g.export('f', 'f', 1, 1);
  const { result, instance } = linkAndInstantiate(g.build());
  // No indirect jump through a1 is left (the unused address load itself stays, as in the reference linker).
  const indirect: number[] = [];
  result.blob.instructions.walkAll(new DecodedInstruction(), (inst) => {
    if (inst.id === Op.jump_indirect) indirect.push(inst.reg1);
  });
  assert.ok(indirect.length > 0 && indirect.every((reg) => reg === 0), `indirect jumps through ${indirect.join(', ')}`);
  assert.equal(instance.call('f', [1]), 6n);
  // Unoptimized, the indirect jump stays.
  assert.ok(instructionNames(link(g.build(), { optLevel: 0 }).blob).includes(Op.jump_indirect));
});

test('calls become load_imm_and_jump; small callees and callees with one caller are inlined', () => {
  const g = new GuestBuilder(true);
  const save = [rv.addi(X.sp, X.sp, -16), rv.sd(X.ra, X.sp, 0)];
  const restore = [rv.ld(X.ra, X.sp, 0), rv.addi(X.sp, X.sp, 16), rv.ret()];
  g.label('f').emit(...save);
  g.reloc(R.JAL, 'big').emit(rv.jal(X.ra, 0));
  g.emit(...restore);
  g.label('big');
  for (let i = 0; i < 10; i++) g.emit(rv.addi(X.a0, X.a0, 1), rv.xori(X.a0, X.a0, 3));
  g.emit(rv.ret());
  g.label('g').emit(...save);
  g.reloc(R.JAL, 'small').emit(rv.jal(X.ra, 0));
  g.emit(...restore);
  g.label('small').emit(rv.addi(X.a0, X.a0, 7), rv.ret());
  // A second caller keeps `big` from being inlined into `f`.
  g.label('h').emit(...save);
  g.reloc(R.JAL, 'big').emit(rv.jal(X.ra, 0));
  g.emit(...restore);
  g.export('f', 'f', 1, 1).export('g', 'g', 1, 1).export('h', 'h', 1, 1);
  const { result, instance } = linkAndInstantiate(g.build());
  const ids = instructionNames(result.blob);
  assert.ok(ids.includes(Op.load_imm_and_jump), 'the call to `big` is a load_imm_and_jump');
  assert.equal(instance.call('g', [1]), 8n);
  let expected = 3n;
  for (let i = 0; i < 10; i++) expected = (expected + 1n) ^ 3n;
  assert.equal(instance.call('f', [3]), expected);
});

test('a branch to a trap is marked unlikely (gas-cost-aware hints)', () => {
  const g = new GuestBuilder(true);
  // if (a0 == 0) { store a0; trap } — the block before the trap is cold.
  g.label('f').emit(rv.bne(X.a0, X.zero, 12), rv.sw(X.a0, X.sp, -8)).emit16(rv.cUnimp(), rv.cUnimp()).emit(rv.addi(X.a0, X.a0, 1), rv.ret());
  g.export('f', 'f', 1, 1);
  const withHints = linkAndInstantiate(g.build());
  assert.ok(instructionNames(withHints.result.blob).includes(Op.unlikely));
  assert.equal(withHints.instance.call('f', [1]), 2n);
  // JAM and ReviveV1 differ: ReviveV1 has no `unlikely`.
  assert.ok(!instructionNames(link(g.build(), { isa: 'revive_v1' }).blob).includes(Op.unlikely));
});

test('the source map gives every instruction its code offset and the ELF code it came from', () => {
  const g = new GuestBuilder(true);
  g.label('f').emit(rv.addi(X.a0, X.a0, 1), rv.addi(X.a0, X.a0, 2)).emit16(rv.cAddi(X.a0, 3)).emit(rv.ret());
  g.export('f', 'f', 1, 1);
  const { blob, sourceMap } = link(g.build(), { optLevel: 0 });
  assert.equal(sourceMap.length, instructionNames(blob).length);
  assert.deepEqual(sourceMap.map((s) => s.codeOffset), [0, 3, 6, 9]);
  assert.deepEqual(sourceMap.map((s) => s.origins.map((o) => [o.section, o.offset, o.length])), [
    [['.text', 0, 4]],
    [['.text', 4, 4]],
    [['.text', 8, 2]],
    [['.text', 10, 4]],
  ]);
});

test('inlined instructions list the call site first, then their own origin', () => {
  const g = new GuestBuilder(true);
  g.label('f').emit(rv.addi(X.a0, X.a0, 2));
  g.reloc(R.JAL, 'tail').emit(rv.jal(X.zero, 0));
  g.emit(rv.ret());
  g.label('tail').emit(rv.addi(X.a0, X.a0, 1), rv.ret());
  g.export('f', 'f', 1, 1);
  const { sourceMap } = link(g.build());
  assert.deepEqual(sourceMap.map((s) => s.origins.map((o) => o.offset)), [[0], [4, 12], [4, 16]]);
});
