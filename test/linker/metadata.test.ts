import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GuestBuilder, linkAndInstantiate, R, rv, X } from './helpers/guest.js';
import { ElfLinkError, link } from '../../src/linker/index.js';

/** f(x) = zeta(alpha(x)) through import stubs; `unused` is declared but never called. */
function importingGuest(is64: boolean, indexes?: { alpha: number; zeta: number; unused: number }): GuestBuilder {
  const g = new GuestBuilder(is64);
  const saveRa = is64 ? rv.sd : rv.sw;
  const loadRa = is64 ? rv.ld : rv.lw;
  g.label('f').emit(rv.addi(X.sp, X.sp, -16), saveRa(X.ra, X.sp, 0));
  g.reloc(R.JAL, 'alpha').emit(rv.jal(X.ra, 0));
  g.reloc(R.JAL, 'zeta').emit(rv.jal(X.ra, 0));
  g.emit(loadRa(X.ra, X.sp, 0), rv.addi(X.sp, X.sp, 16), rv.ret());
  g.importStub('zeta', 1, 1, indexes?.zeta);
  g.importStub('alpha', 1, 1, indexes?.alpha);
  g.importStub('unused', 0, 0, indexes?.unused);
  return g.export('f', 'f', 1, 1);
}

const hosts = { alpha: (_c: unknown, x: bigint): bigint => x + 1n, zeta: (_c: unknown, x: bigint): bigint => x * 10n };

test('used imports are numbered in symbol order; unused ones are left out', () => {
  const { result, instance } = linkAndInstantiate(importingGuest(true).build(), {}, hosts);
  assert.deepEqual(result.blob.imports.map(String), ['alpha', 'zeta']);
  assert.equal(instance.call('f', [4]), 50n);
});

test('explicit import indexes are kept, and holes are filled with empty imports', () => {
  const { result, instance } = linkAndInstantiate(importingGuest(false, { alpha: 3, zeta: 1, unused: 5 }).build(), {}, { ...hosts, unused: () => 0n, '': () => 0n });
  assert.deepEqual(result.blob.imports.map(String), ['', 'zeta', '', 'alpha', '', 'unused']);
  assert.equal(instance.call('f', [4]), 50n);
});

test('mixing explicit and implicit import indexes is an error', () => {
  const g = new GuestBuilder(true);
  g.label('f');
  g.reloc(R.JAL, 'a').emit(rv.jal(X.ra, 0));
  g.reloc(R.JAL, 'b').emit(rv.jal(X.zero, 0));
  g.importStub('a', 0, 0, 0).importStub('b', 0, 0).export('f', 'f', 0, 0);
  assert.throws(() => link(g.build()), (e: unknown) => e instanceof ElfLinkError && /import without a specified index: b/.test(e.message));
});

test('two imports with the same symbol but different prototypes are an error', () => {
  const clash = new GuestBuilder(true);
  clash.label('f');
  clash.reloc(R.JAL, 'dupaa').emit(rv.jal(X.ra, 0));
  clash.reloc(R.JAL, 'dupab').emit(rv.jal(X.zero, 0));
  clash.importStub('dupaa', 1, 1).importStub('dupab', 2, 1).export('f', 'f', 0, 0);
  const bytes = clash.build();
  // Rename the second import's symbol to the first one's (the names are stored back to back).
  const at = findBytes(bytes, new TextEncoder().encode('dupaadupab'));
  assert.ok(at >= 0);
  bytes[at + 9] = 0x61;
  assert.throws(() => link(bytes), (e: unknown) => e instanceof ElfLinkError && /same symbol yet different prototype: dupaa/.test(e.message));
});

function findBytes(haystack: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let k = 0; k < needle.length; k++) if (haystack[i + k] !== needle[k]) continue outer;
    return i;
  }
  return -1;
}

test('exports keep their names and start where the function starts, even after optimization', () => {
  const g = new GuestBuilder(true);
  g.label('first').emit(rv.addi(X.a0, X.a0, 1), rv.ret());
  // `second` only jumps on: the export moves to the jump's target.
  g.label('second').reloc(R.JAL, 'third').emit(rv.jal(X.zero, 0));
  g.label('third').emit(rv.addi(X.a0, X.a0, 3), rv.ret());
  g.export('first', 'first', 1, 1).export('second', 'second', 1, 1).export('third', 'third', 1, 1);
  for (const optLevel of [0, 1, 2] as const) {
    const { result, instance } = linkAndInstantiate(g.build(), { optLevel });
    assert.deepEqual(result.blob.exports.map((e) => String(e.symbol)).sort(), ['first', 'second', 'third']);
    assert.deepEqual(['first', 'second', 'third'].map((name) => instance.call(name, [10])), [11n, 13n, 13n]);
  }
});

test('the stack size is the largest of the option and the .polkavm_min_stack_size values, in whole pages', () => {
  const build = (minStack: number | null): Uint8Array => {
    const g = new GuestBuilder(false);
    g.label('f').emit(rv.ret()).export('f', 'f', 0, 0);
    if (minStack !== null) g.minStackSize(minStack);
    return g.build();
  };
  assert.equal(link(build(null)).blob.stackSize, 8192);
  assert.equal(link(build(null), { minStackSize: 0 }).blob.stackSize, 0);
  assert.equal(link(build(100_000)).blob.stackSize, 102_400);
  assert.equal(link(build(100), { minStackSize: 5000 }).blob.stackSize, 8192);
});

test('malformed metadata is rejected with its location', () => {
  const g = new GuestBuilder(true);
  g.label('f').emit(rv.ret()).export('f', 'f', 10, 0); // more than nine input registers
  assert.throws(() => link(g.build()), (e: unknown) => e instanceof ElfLinkError && /too many input registers: 10/.test(e.message) && e.location.section === '.polkavm_metadata');
  const h = new GuestBuilder(true);
  h.label('f').emit(rv.ret()).export('f', 'f', 0, 3);
  assert.throws(() => link(h.build()), /too many output registers: 3/);
});

test('the ISA option selects the instruction set; 32-bit programs only link for the latest ISA', () => {
  const g = new GuestBuilder(true);
  g.label('f').emit(rv.addi(X.a0, X.a0, 1), rv.ret()).export('f', 'f', 1, 1);
  const elf = g.build();
  assert.equal(link(elf, { isa: 'jam_v1' }).blob.isa.kind, 'jam_v1');
  assert.equal(link(elf, { isa: 'revive_v1' }).blob.isa.kind, 'revive_v1');
  assert.equal(link(elf).blob.isa.kind, 'latest64');
  const g32 = new GuestBuilder(false);
  g32.label('f').emit(rv.ret()).export('f', 'f', 0, 0);
  assert.equal(link(g32.build()).blob.isa.kind, 'latest32');
  assert.throws(() => link(g32.build(), { isa: 'jam_v1' }), /only supports 64-bit/);
});

test('instructions missing from the chosen ISA are reported (sbrk in JAM)', () => {
  const g = new GuestBuilder(true);
  g.label('f').emit(rv.rType(0, 0, X.a0, 1, X.a0, 0x0b), rv.ret()).export('f', 'f', 1, 1); // sbrk a0, a0
  assert.equal(link(g.build()).blob.isa.kind, 'latest64');
  assert.throws(() => link(g.build(), { isa: 'jam_v1' }), (e: unknown) => e instanceof ElfLinkError && /not available in the 'jam_v1' instruction set/.test(e.message));
});
