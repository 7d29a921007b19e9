import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeRiscv, isCompressed } from '../../src/linker/riscv.js';
import { rv, X } from './helpers/guest.js';

const { a0, a1, a2, sp } = X;

test('base instructions decode with sign-extended immediates', () => {
  assert.deepEqual(decodeRiscv(rv.addi(a0, a1, -5), false), { op: 'alu-imm', kind: 'add32', dst: a0, src: a1, imm: -5 });
  assert.deepEqual(decodeRiscv(rv.addi(a0, a1, -5), true), { op: 'alu-imm', kind: 'add64', dst: a0, src: a1, imm: -5 });
  assert.deepEqual(decodeRiscv(rv.lui(a0, 0xfffff), true), { op: 'lui', dst: a0, value: -4096 });
  assert.deepEqual(decodeRiscv(rv.jal(X.ra, -2048), false), { op: 'jal', dst: X.ra, offset: -2048 });
  assert.deepEqual(decodeRiscv(rv.jalr(X.zero, X.ra, 0), false), { op: 'jalr', dst: 0, base: X.ra, offset: 0 });
  assert.deepEqual(decodeRiscv(rv.bgeu(a0, a1, -4096), true), { op: 'branch', kind: 'geu64', src1: a0, src2: a1, offset: -4096 });
  assert.deepEqual(decodeRiscv(rv.sw(a2, sp, -4), false), { op: 'store', kind: 'u32', src: a2, base: sp, offset: -4 });
  assert.deepEqual(decodeRiscv(rv.lhu(a0, a1, 2047), false), { op: 'load', kind: 'u16', dst: a0, base: a1, offset: 2047 });
  assert.deepEqual(decodeRiscv(rv.srai(a0, a0, 31), false), { op: 'alu-imm', kind: 'sra32', dst: a0, src: a0, imm: 31 });
  assert.deepEqual(decodeRiscv(rv.srai(a0, a0, 63), true), { op: 'alu-imm', kind: 'sra64', dst: a0, src: a0, imm: 63 });
  assert.equal(decodeRiscv(rv.srai(a0, a0, 63), false), null, 'a 6-bit shift amount is RV64-only');
});

test('RV64-only instructions are rejected in RV32 code', () => {
  for (const word of [rv.ld(a0, a1, 0), rv.sd(a0, a1, 0), rv.lwu(a0, a1, 0), rv.addw(a0, a0, a1), rv.addiw(a0, a0, 1), rv.amoaddd(a0, a1, a2)]) {
    assert.equal(decodeRiscv(word, false), null, word.toString(16));
    assert.notEqual(decodeRiscv(word, true), null, word.toString(16));
  }
});

test('M, A, Zbb and the conditional-move extensions decode', () => {
  assert.deepEqual(decodeRiscv(rv.mulhsu(a0, a1, a2), true), { op: 'alu', kind: 'mulhsu64', dst: a0, src1: a1, src2: a2 });
  assert.deepEqual(decodeRiscv(rv.remuw(a0, a1, a2), true), { op: 'alu', kind: 'remu32sx', dst: a0, src1: a1, src2: a2 });
  assert.deepEqual(decodeRiscv(rv.lrw(a0, a1), true), { op: 'lr', is64: false, dst: a0, addr: a1 });
  assert.deepEqual(decodeRiscv(rv.amomaxw(a0, a1, a2), false), { op: 'amo', kind: 'max', is64: false, dst: a0, addr: a2, src: a1 });
  assert.deepEqual(decodeRiscv(rv.andn(a0, a1, a2), false), { op: 'alu', kind: 'andn', dst: a0, src1: a1, src2: a2 });
  assert.deepEqual(decodeRiscv(rv.rev8(a0, a1, true), true), { op: 'unary', kind: 'rev8', dst: a0, src: a1 });
  assert.equal(decodeRiscv(rv.rev8(a0, a1, true), false), null, 'rev8 has different encodings per XLEN');
  assert.deepEqual(decodeRiscv(rv.zexth(a0, a1, false), false), { op: 'unary', kind: 'zext16', dst: a0, src: a1 });
  assert.deepEqual(decodeRiscv(rv.orcb(a0, a1), false), { op: 'unary', kind: 'orcb', dst: a0, src: a1 });
  // th.mveqz a0, a1, a2 / th.mvnez
  assert.deepEqual(decodeRiscv(rv.rType(0b0100000, a2, a1, 1, a0, 0x0b), true), { op: 'cmov', ifZero: true, dst: a0, src: a1, cond: a2 });
  assert.deepEqual(decodeRiscv(rv.rType(0b0100001, a2, a1, 1, a0, 0x0b), true), { op: 'cmov', ifZero: false, dst: a0, src: a1, cond: a2 });
  assert.deepEqual(decodeRiscv(0xc0001073, false), { op: 'unimp' });
  assert.deepEqual(decodeRiscv(rv.fence(), false), { op: 'fence' });
  assert.deepEqual(decodeRiscv(rv.ecall(), false), { op: 'ecall' });
});

test('compressed instructions expand to their base forms', () => {
  assert.ok(isCompressed(0x01) && !isCompressed(0x13));
  assert.deepEqual(decodeRiscv(rv.cAddi(a0, -3), true), { op: 'alu-imm', kind: 'add64', dst: a0, src: a0, imm: -3 });
  assert.deepEqual(decodeRiscv(rv.cLi(a1, 31), false), { op: 'alu-imm', kind: 'add32', dst: a1, src: 0, imm: 31 });
  assert.deepEqual(decodeRiscv(rv.cMv(a1, a2), false), { op: 'alu', kind: 'add32', dst: a1, src1: 0, src2: a2 });
  assert.deepEqual(decodeRiscv(rv.cJr(X.ra), false), { op: 'jalr', dst: 0, base: X.ra, offset: 0 });
  assert.deepEqual(decodeRiscv(rv.cJ(-2), false), { op: 'jal', dst: 0, offset: -2 });
  assert.deepEqual(decodeRiscv(rv.cBeqz(a0, 254), false), { op: 'branch', kind: 'eq32', src1: a0, src2: 0, offset: 254 });
  assert.deepEqual(decodeRiscv(rv.cSlli(a0, 33), true), { op: 'alu-imm', kind: 'sll64', dst: a0, src: a0, imm: 33 });
  assert.equal(decodeRiscv(rv.cSlli(a0, 33), false), null);
  assert.deepEqual(decodeRiscv(rv.cLwsp(a0, 252), false), { op: 'load', kind: 'i32', dst: a0, base: sp, offset: 252 });
  assert.deepEqual(decodeRiscv(rv.cSwsp(a0, 252), false), { op: 'store', kind: 'u32', src: a0, base: sp, offset: 252 });
  assert.deepEqual(decodeRiscv(rv.cUnimp(), false), { op: 'unimp' });
  assert.equal(decodeRiscv(0x9002, false), null, 'c.ebreak is not supported');
  assert.equal(decodeRiscv(rv.cAddi(a0, 0), false), null, 'c.addi with a zero immediate is a hint');
});

test('decoding never throws, and compressed encodings only look at 16 bits', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.boolean(), (word, rv64) => {
      const decoded = decodeRiscv(word, rv64);
      if (isCompressed(word & 0xff)) assert.deepEqual(decodeRiscv(word & 0xffff, rv64), decoded);
    }),
    { numRuns: 20000 },
  );
});
