import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GuestBuilder, linkAndInstantiate, R, rv, X } from './helpers/guest.js';
import { ElfLinkError, link } from '../../src/linker/index.js';

const { a0, a1, a2 } = X;
const bytes = (...values: number[]): Uint8Array => Uint8Array.from(values);
const zeros = (n: number): Uint8Array => new Uint8Array(n);
const le32 = (v: number): number[] => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24];

/** `a0 = &symbol` via lui/addi (R_RISCV_HI20 + R_RISCV_LO12_I). */
function loadAddress(g: GuestBuilder, reg: number, symbol: string): void {
  g.reloc(R.HI20, symbol).emit(rv.lui(reg, 0));
  g.reloc(R.LO12_I, symbol).emit(rv.addi(reg, reg, 0));
}

function run(g: GuestBuilder, args: readonly number[] = [], optLevels: readonly (0 | 1 | 2)[] = [0, 1, 2]): bigint {
  const elf = g.build();
  const results = optLevels.map((optLevel) => linkAndInstantiate(elf, { optLevel }).instance.call('f', args));
  for (const result of results) assert.equal(result, results[0]);
  return results[0]!;
}

for (const is64 of [false, true]) {
  const bits = is64 ? 'rv64' : 'rv32';
  const pointer = is64 ? R.R64 : R.R32;
  const pointerSize = is64 ? 8 : 4;
  const loadPointer = is64 ? rv.ld : rv.lw;

  test(`${bits}: R_RISCV_HI20 / LO12_I / LO12_S address, load and store absolute data`, () => {
    const g = new GuestBuilder(is64).data('.data', 'rw', bytes(...le32(0x11), ...le32(0)), { value_a: 0, value_b: 4 });
    g.label('f');
    loadAddress(g, a0, 'value_a');
    g.emit(rv.lw(a1, a0, 0));
    g.reloc(R.HI20, 'value_b').emit(rv.lui(a2, 0));
    g.reloc(R.LO12_S, 'value_b').emit(rv.sw(a1, a2, 0));
    g.reloc(R.LO12_I, 'value_b').emit(rv.lw(a0, a2, 0));
    g.emit(rv.add(a0, a0, a1), rv.ret()).export('f', 'f', 0, 1);
    assert.equal(run(g), 0x22n);
  });

  test(`${bits}: R_RISCV_PCREL_HI20 with PCREL_LO12_I and PCREL_LO12_S`, () => {
    const g = new GuestBuilder(is64).data('.data', 'rw', bytes(...le32(5), ...le32(0)), { value: 0, out: 4 });
    g.label('f');
    const hi1 = g.here;
    g.label('hi1').reloc(R.PCREL_HI20, 'value').emit(rv.auipc(a1, 0));
    g.reloc(R.PCREL_LO12_I, 'hi1').emit(rv.lw(a1, a1, 0));
    g.label('hi2').reloc(R.PCREL_HI20, 'out').emit(rv.auipc(a2, 0));
    g.reloc(R.PCREL_LO12_S, 'hi2').emit(rv.sw(a1, a2, 0));
    g.label('hi3').reloc(R.PCREL_HI20, 'out').emit(rv.auipc(a0, 0));
    g.reloc(R.PCREL_LO12_I, 'hi3').emit(rv.addi(a0, a0, 0));
    g.emit(rv.lw(a0, a0, 0), rv.add(a0, a0, a1), rv.ret()).export('f', 'f', 0, 1);
    assert.equal(hi1, 0);
    assert.equal(run(g), 10n);
  });

  test(`${bits}: R_RISCV_GOT_HI20 loads an address through the GOT (unoptimized) or directly (optimized)`, () => {
    const g = new GuestBuilder(is64).data('.data', 'rw', bytes(...le32(0x77)), { value: 0 });
    g.label('f').label('got').reloc(R.GOT_HI20, 'value').emit(rv.auipc(a0, 0));
    g.reloc(R.PCREL_LO12_I, 'got').emit(loadPointer(a0, a0, 0));
    g.emit(rv.lw(a0, a0, 0), rv.ret()).export('f', 'f', 0, 1);
    assert.equal(run(g), 0x77n);
  });

  test(`${bits}: calls and branches: R_RISCV_CALL_PLT, JAL, BRANCH, RVC_JUMP, RVC_BRANCH (RELAX, ALIGN, NONE ignored)`, () => {
    const g = new GuestBuilder(is64);
    g.label('f');
    g.emit(rv.addi(X.sp, X.sp, -16), (is64 ? rv.sd : rv.sw)(X.ra, X.sp, 0));
    g.reloc(R.CALL_PLT, 'add_one').reloc(R.RELAX).emit(rv.auipc(X.ra, 0), rv.jalr(X.ra, X.ra, 0));
    g.reloc(R.JAL, 'add_one').emit(rv.jal(X.ra, 0));
    g.reloc(R.BRANCH, 'skip').emit(rv.beq(a0, X.zero, 0));
    g.reloc(R.RVC_BRANCH, 'skip').emit16(rv.cBeqz(a0, 0));
    g.emit(rv.addi(a0, a0, 100));
    g.reloc(R.RVC_JUMP, 'skip').emit16(rv.cJ(0));
    g.emit(rv.addi(a0, a0, 1000));
    g.reloc(R.ALIGN).reloc(R.NONE, 'skip');
    g.label('skip').emit((is64 ? rv.ld : rv.lw)(X.ra, X.sp, 0), rv.addi(X.sp, X.sp, 16), rv.ret());
    g.label('add_one').emit(rv.addi(a0, a0, 1), rv.ret());
    g.export('f', 'f', 1, 1);
    assert.equal(run(g, [5]), 107n);
    assert.equal(run(g, [-2]), 0n);
  });

  test(`${bits}: R_RISCV_32/64 pointers to data and code in data`, () => {
    const table = new Uint8Array(2 * pointerSize);
    const g = new GuestBuilder(is64)
      .data('.data.value', 'rw', bytes(...le32(40)), { value: 0 })
      .data('.data.table', 'rw', table, { table: 0 }, [
        { offset: 0, type: pointer, symbol: 'value' },
        { offset: pointerSize, type: pointer, symbol: 'add_two' },
      ]);
    g.label('f').emit(rv.addi(X.sp, X.sp, -16), (is64 ? rv.sd : rv.sw)(X.ra, X.sp, 0));
    loadAddress(g, a1, 'table');
    g.emit(loadPointer(a2, a1, 0), rv.lw(a0, a2, 0), loadPointer(a2, a1, pointerSize), rv.jalr(X.ra, a2, 0));
    g.emit((is64 ? rv.ld : rv.lw)(X.ra, X.sp, 0), rv.addi(X.sp, X.sp, 16), rv.ret());
    g.label('add_two').emit(rv.addi(a0, a0, 2), rv.ret());
    g.export('f', 'f', 0, 1);
    assert.equal(run(g), 42n);
  });

  test(`${bits}: ADD/SUB 8, 16, 32 and 64, SET+SUB, SET6/SUB6, SET32 and ULEB128 pairs recompute differences`, () => {
    // Layout of .rodata.diffs: u32, u16, u8, pad, u64, u32 (SET32 + SUB32), u8 (SET6/SUB6), uleb128 (2 bytes), u32 SET32.
    const diffs = bytes(...zeros(4), ...zeros(2), 0, 0, ...zeros(8), ...zeros(4), 0xc0, 0x80, 0x00, 0, ...zeros(4));
    const pair = (offset: number, add: number, sub: number): { offset: number; type: number; symbol: string }[] => [
      { offset, type: add, symbol: 'far' },
      { offset, type: sub, symbol: 'diffs' },
    ];
    const g = new GuestBuilder(is64)
      .data('.rodata.diffs', 'ro', diffs, { diffs: 0, near: 20 }, [
        ...pair(0, R.ADD32, R.SUB32),
        ...pair(4, R.ADD16, R.SUB16),
        ...pair(6, R.ADD8, R.SUB8),
        ...pair(8, R.ADD64, R.SUB64),
        ...pair(16, R.SET32, R.SUB32),
        { offset: 20, type: R.SET6, symbol: 'near' },
        { offset: 20, type: R.SUB6, symbol: 'diffs' },
        { offset: 21, type: R.SET_ULEB128, symbol: 'far' },
        { offset: 21, type: R.SUB_ULEB128, symbol: 'diffs' },
        { offset: 24, type: R.SET32, symbol: 'far' },
      ])
      .data('.rodata.far', 'ro', zeros(64), { far: 60 });
    // f(n) returns the n-th stored value minus the real difference (or address); 0 means correct.
    g.label('f');
    loadAddress(g, a1, 'far');
    loadAddress(g, a2, 'diffs');
    g.emit(rv.sub(X.t0, a1, a2)); // real difference
    const check = (load: number): void => {
      g.emit(load, rv.sub(a0, X.t1, X.t0), rv.ret());
    };
    g.emit(rv.bne(a0, X.zero, 16));
    check(rv.lw(X.t1, a2, 0));
    g.emit(rv.addi(a0, a0, -1), rv.bne(a0, X.zero, 16));
    check(rv.lhu(X.t1, a2, 4));
    g.emit(rv.addi(a0, a0, -1), rv.bne(a0, X.zero, 16));
    check(rv.lbu(X.t1, a2, 6));
    g.emit(rv.addi(a0, a0, -1), rv.bne(a0, X.zero, 16));
    check(is64 ? rv.ld(X.t1, a2, 8) : rv.lw(X.t1, a2, 8));
    g.emit(rv.addi(a0, a0, -1), rv.bne(a0, X.zero, 16));
    check(rv.lw(X.t1, a2, 16));
    g.emit(rv.addi(a0, a0, -1), rv.bne(a0, X.zero, 16));
    // SET6: the low six bits hold near - diffs (20), the top two bits of 0xc0 are kept.
    g.emit(rv.lbu(a0, a2, 20), rv.addi(a0, a0, -(0xc0 | 20)), rv.ret());
    g.emit(rv.addi(a0, a0, -1), rv.bne(a0, X.zero, 36));
    // ULEB128, two bytes.
    g.emit(rv.lbu(X.t1, a2, 21), rv.andi(X.t1, X.t1, 0x7f), rv.lbu(a0, a2, 22), rv.slli(a0, a0, 7), rv.or(X.t1, X.t1, a0));
    check(rv.addi(X.zero, X.zero, 0)); // t1 already holds the value
    // SET32: the absolute address of `far`.
    g.emit(rv.lw(X.t1, a2, 24), rv.sub(a0, X.t1, a1), rv.ret());
    g.export('f', 'f', 1, 1);
    for (let n = 0; n < 8; n++) assert.equal(run(g, [n]), 0n, `entry ${n}`);
  });

  test(`${bits}: an ADD32/SUB32 pair from code to data is a switch table entry`, () => {
    const g = new GuestBuilder(is64).data('.rodata.cases', 'ro', zeros(8), { cases: 0 }, [
      { offset: 0, type: R.ADD32, symbol: 'case0' },
      { offset: 0, type: R.SUB32, symbol: 'cases' },
      { offset: 4, type: R.ADD32, symbol: 'case1' },
      { offset: 4, type: R.SUB32, symbol: 'cases' },
    ]);
    g.label('f');
    loadAddress(g, a1, 'cases');
    g.emit(rv.slli(a0, a0, 2), rv.add(a0, a0, a1), rv.lw(a0, a0, 0), rv.add(a0, a0, a1), rv.jalr(X.zero, a0, 0));
    g.label('case0').emit(rv.addi(a0, X.zero, 111), rv.ret());
    g.label('case1').emit(rv.addi(a0, X.zero, 222), rv.ret());
    g.export('f', 'f', 1, 1);
    assert.equal(run(g, [0]), 111n);
    assert.equal(run(g, [1]), 222n);
  });

  test(`${bits}: SET8/SET16 of an address that does not fit is an overflow error`, () => {
    const g = new GuestBuilder(is64).data('.data', 'rw', zeros(4), { small: 0 }, [{ offset: 0, type: R.SET8, symbol: 'small' }]);
    g.label('f');
    loadAddress(g, a0, 'small');
    g.emit(rv.lbu(a0, a0, 0), rv.ret()).export('f', 'f', 0, 1);
    assert.throws(() => link(g.build()), (error: unknown) => error instanceof ElfLinkError && /doesn't fit in 8 bits/.test(error.message));
  });

  test(`${bits}: unsupported relocations and undefined symbols are typed errors naming the section`, () => {
    const tls = new GuestBuilder(is64).data('.data', 'rw', zeros(4), { x: 0 });
    tls.label('f').reloc(R.TLS_GOT_HI20, 'x').emit(rv.auipc(a0, 0), rv.ret()).export('f', 'f', 0, 1);
    assert.throws(() => link(tls.build()), (e: unknown) => e instanceof ElfLinkError && /unsupported relocation type 21 in a code section/.test(e.message) && e.location.section === '.text');

    const lonelyLo = new GuestBuilder(is64).data('.data', 'rw', zeros(4), { x: 0 });
    lonelyLo.label('f').label('nowhere').emit(rv.addi(a0, a0, 0)).reloc(R.PCREL_LO12_I, 'nowhere').emit(rv.addi(a0, a0, 0), rv.ret()).export('f', 'f', 0, 1);
    assert.throws(() => link(lonelyLo.build()), (e: unknown) => e instanceof ElfLinkError && /no R_RISCV_PCREL_HI20/.test(e.message));

    const misplaced = new GuestBuilder(is64).data('.data', 'rw', zeros(4), { x: 0 });
    misplaced.label('f').reloc(R.JAL, 'f').emit(rv.addi(a0, a0, 0), rv.ret()).export('f', 'f', 0, 1);
    assert.throws(() => link(misplaced.build()), (e: unknown) => e instanceof ElfLinkError && /R_RISCV_JAL on something other than jal/.test(e.message));
  });
}
