/**
 * Accesses of one block through one root register (the register itself, or registers derived from it by adding
 * constants) are bounds-tested together at the block's start; the compiler then addresses each from the group's
 * lowest byte plus a constant offset (src/compiler/region-access.ts, hoistAccessTests). These programs put such
 * groups at every window's edges — ending on its last byte, and one byte past it — with negative and derived
 * offsets, and more groups in one block than the compiler keeps bases for: every load must read, and every store
 * write, the byte it names, and a group reaching past a window must trap at the access that leaves it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { asm, BITNESSES, buildProgram, moduleOf, Reg, startAt, type TestInstruction } from '../helpers/program.js';
import type { InstructionSetKind } from '../../src/isa/instruction-sets.js';

const { A0, A1, A2, A3, A4, A5, T0, T1, T2, S0, S1 } = Reg;
const PAGE = 0x1000;
const RO = Uint8Array.from({ length: PAGE }, (_, i) => (i * 7 + 1) & 0xff);
const RW = Uint8Array.from({ length: PAGE }, (_, i) => (i * 13 + 5) & 0xff);

function moduleFor(isa: InstructionSetKind, code: TestInstruction[]) {
  const sizes = { roDataSize: PAGE, rwDataSize: PAGE, stackSize: PAGE };
  return moduleOf(buildProgram({ isa, code, roData: RO, rwData: RW, ...sizes }), { pageSize: PAGE });
}

/** Little-endian value of `size` bytes at `offset` of `bytes`. */
function read(bytes: Uint8Array, offset: number, size: number): bigint {
  let value = 0n;
  for (let i = size - 1; i >= 0; i--) value = (value << 8n) | BigInt(bytes[offset + i]!);
  return value;
}

/** The 32-bit load: `load_indirect_i32` in 32-bit programs (which have no u32 load), else `load_indirect_u32`. */
function word(isa: InstructionSetKind): 'load_indirect_i32' | 'load_indirect_u32' {
  return isa === 'latest32' ? 'load_indirect_i32' : 'load_indirect_u32';
}

interface Run {
  readonly kind: string;
  readonly pc: number;
  readonly regs: readonly bigint[];
}

function run(isa: InstructionSetKind, code: TestInstruction[]): Run {
  const instance = startAt(moduleFor(isa, code));
  const interrupt = instance.run();
  const regs = [A0, A2, A3, A4, A5, T0].map((r) => instance.reg(r));
  return { kind: interrupt.kind, pc: instance.programCounter ?? -1, regs };
}

/**
 * `a1` = `base` in one block; the next block loads through `a1`, and through `a3 = a1 + 8` with offsets -4, 2 and
 * 8: the group spans the 20 bytes from `base`, its last access (4 bytes at `base + 16`) reaching furthest.
 */
function groupedLoads(isa: InstructionSetKind, base: number): TestInstruction[] {
  const load32 = word(isa);
  return [
    asm.loadImm(A1, base),
    asm.jump(2),
    /* 2 */ asm.indirect(load32, A0, A1, 4),
    asm.indirect('load_indirect_u8', A2, A1, 0),
    asm.rri('add_imm_32', A3, A1, 8),
    asm.indirect('load_indirect_u16', A4, A3, 2),
    asm.indirect(load32, A5, A3, 8),
    asm.indirect('load_indirect_u16', T0, A3, -4),
    asm.ret(),
  ];
}

/**
 * The values {@link groupedLoads} leaves in a0, a2, a3, a4, a5, t0 for a group at `offset` of `bytes` (u32 loads
 * zero-extend; `reg()` of a 32-bit program reads the low 32 bits).
 */
function expectedLoads(bytes: Uint8Array, offset: number, base: number): bigint[] {
  const at = (delta: number, size: number): bigint => read(bytes, offset + delta, size);
  return [at(4, 4), at(0, 1), BigInt(base + 8), at(10, 2), at(16, 4), at(4, 2)];
}

for (const isa of BITNESSES) {
  const map = moduleFor(isa, [asm.trap()]).memoryMap;
  const windows = [
    { name: 'RO data', start: map.roDataAddress, bytes: RO },
    { name: 'RW data', start: map.rwDataAddress, bytes: RW },
  ];

  test(`grouped loads read the bytes they name, up to a window's last byte (${isa})`, () => {
    for (const { name, start, bytes } of windows) {
      for (const offset of [0, 0x123, PAGE - 20]) {
        const result = run(isa, groupedLoads(isa, start + offset));
        assert.equal(result.kind, 'finished', `${name} + ${offset}`);
        assert.deepEqual(result.regs, expectedLoads(bytes, offset, start + offset), `${name} + ${offset}`);
      }
    }
  });

  test(`a group reaching one byte past a window traps at the access that leaves it (${isa})`, () => {
    for (const { name, start } of [...windows, { name: 'stack', start: map.stackAddressLow }]) {
      const code = groupedLoads(isa, start + PAGE - 19);
      // The access at a3 + 8 (4 bytes, the group's last) is instruction 6.
      const { offsets } = buildProgram({ isa, code });
      const result = run(isa, code);
      assert.equal(result.kind, 'trap', name);
      assert.equal(result.pc, offsets[6], name);
    }
  });

  test(`grouped stores on the stack write the bytes they name, down to the stack's first byte (${isa})`, () => {
    const absoluteWord = isa === 'latest32' ? 'load_i32' : 'load_u32';
    for (const offset of [0, 0x400, PAGE - 16]) {
      const at = map.stackAddressLow + offset;
      const code = [
        asm.loadImm(A1, at),
        asm.jump(2),
        /* 2 */ asm.storeImmIndirect('store_imm_indirect_u32', A1, 0, 0x11223344),
        asm.storeImmIndirect('store_imm_indirect_u16', A1, 14, 0x5566),
        asm.rri('add_imm_32', A3, A1, 4),
        asm.storeImmIndirect('store_imm_indirect_u8', A3, 1, 0x77),
        asm.loadImm(T1, 0x99aabbcc),
        asm.indirect('store_indirect_u32', T1, A3, 4),
        asm.jump(9),
        // Read back by absolute loads, which no group covers.
        /* 9 */ asm.absolute(absoluteWord, A0, at),
        asm.absolute(absoluteWord, A2, at + 4),
        asm.absolute(absoluteWord, A4, at + 8),
        asm.absolute(absoluteWord, A5, at + 12),
        asm.ret(),
      ];
      const result = run(isa, code);
      assert.equal(result.kind, 'finished', `stack + ${offset}`);
      const [a0, a2, , a4, a5] = result.regs;
      assert.deepEqual([a0, a2, a4, a5], [0x1122_3344n, 0x0000_7700n, 0x99aa_bbccn, 0x5566_0000n], `stack + ${offset}`);
    }
  });

  test(`a block with more groups than the compiler keeps bases for addresses each of them right (${isa})`, () => {
    const roots = [A1, A2, A3, A4, A5, S0, S1];
    const starts = roots.map((_, i) => map.rwDataAddress + 0x100 * (i + 1) + i);
    const code: TestInstruction[] = [...roots.map((r, i) => asm.loadImm(r, starts[i]!)), asm.jump(roots.length + 1)];
    // Each root: sum two loads into t2, then add them up in a0.
    code.push(asm.loadImm(A0, 0));
    for (const r of roots) {
      code.push(asm.indirect('load_indirect_u8', T1, r, 3));
      code.push(asm.indirect('load_indirect_u16', T2, r, 9));
      code.push(asm.add32(A0, A0, T1));
      code.push(asm.add32(A0, A0, T2));
    }
    code.push(asm.ret());
    const expected = starts.reduce((sum, at) => {
      const offset = at - map.rwDataAddress;
      return sum + read(RW, offset + 3, 1) + read(RW, offset + 9, 2);
    }, 0n);
    const result = run(isa, code);
    assert.equal(result.kind, 'finished');
    assert.equal(result.regs[0], expected);
  });
}
