import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Linker } from '../../src/api/linker.js';
import { OutOfGasError, TrapError } from '../../src/errors.js';
import { asm, buildProgram, moduleOf, Reg, startAt, type TestInstruction, BITNESSES } from '../helpers/program.js';
import { TEST_BACKEND } from '../helpers/backend.js';

const { A0, A1, A2, A3 } = Reg;
const PAGE = 0x1000;

/** The reference's `access_memory_from_within` layout: RO/RW 3 pages (payload page-2 bytes), stack 2 pages, aux 2 pages. */
function spawnWithin(code: TestInstruction[]) {
  const program = buildProgram({
    isa: 'latest64',
    code,
    roDataSize: PAGE * 3,
    rwDataSize: PAGE * 3,
    stackSize: PAGE * 2,
    roData: new Uint8Array(PAGE - 2).fill(0x42),
    rwData: new Uint8Array(PAGE - 2).fill(0x73),
  });
  const module = moduleOf(program, { pageSize: PAGE, auxDataSize: PAGE * 2 });
  return { module, instance: startAt(module) };
}

const map = spawnWithin([asm.ret()]).module.memoryMap;

test('memory map of the guest-access layout matches the reference formulas', () => {
  assert.equal(map.roDataAddress, 0x10000);
  assert.equal(map.rwDataAddress, 0x30000);
  assert.equal(map.auxDataAddress, 0xfffe0000);
  assert.equal(map.stackAddressHigh, 0xfffd0000);
  assert.equal(map.stackAddressLow, 0xfffd0000 - 2 * PAGE);
});

test('guest loads and stores see region contents and trap outside of them', () => {
  const load = (address: number) => [asm.absolute('load_u32', A0, address), asm.ret()];
  const cases: [what: string, code: TestInstruction[], result: bigint | 'trap'][] = [
    ['RO end straddled', load(map.roDataAddress + PAGE * 3 - 3), 'trap'],
    ['RO last word', load(map.roDataAddress + PAGE * 3 - 4), 0n],
    ['RO start', load(map.roDataAddress), 0x42424242n],
    ['RO payload', load(map.roDataAddress + PAGE - 6), 0x42424242n],
    ['RO past payload', load(map.roDataAddress + PAGE - 2), 0n],
    ['RO payload end', load(map.roDataAddress + PAGE - 4), 0x4242n],
    ['RW end straddled', load(map.rwDataAddress + PAGE * 3 - 3), 'trap'],
    ['RW last word', load(map.rwDataAddress + PAGE * 3 - 4), 0n],
    ['RW start', load(map.rwDataAddress), 0x73737373n],
    ['RW payload', load(map.rwDataAddress + PAGE - 6), 0x73737373n],
    ['RW past payload', load(map.rwDataAddress + PAGE - 2), 0n],
    ['RW payload end', load(map.rwDataAddress + PAGE - 4), 0x7373n],
    [
      'RW store then unaligned load',
      [
        asm.loadImm(A1, 0x12345678),
        asm.absolute('store_u32', A1, map.rwDataAddress + PAGE - 4),
        asm.absolute('load_u32', A0, map.rwDataAddress + PAGE - 3),
        asm.ret(),
      ],
      0x123456n,
    ],
    ['RW store straddling the end', [asm.storeImm('store_imm_u32', map.rwDataAddress + PAGE * 3 - 3, 0), asm.ret()], 'trap'],
    ['stack top word', load(map.stackAddressHigh - 4), 0n],
    ['stack top straddled', load(map.stackAddressHigh - 3), 'trap'],
    ['stack bottom', load(map.stackAddressLow), 0n],
    ['below the stack', load(map.stackAddressLow - 1), 'trap'],
    [
      'stack store then load',
      [
        asm.loadImm(A1, 0x12345678),
        asm.absolute('store_u32', A1, map.stackAddressLow + PAGE - 4),
        asm.absolute('load_u32', A0, map.stackAddressLow + PAGE - 2),
        asm.ret(),
      ],
      0x1234n,
    ],
    ['store below the stack', [asm.storeImm('store_imm_u32', map.stackAddressLow - 1, 0), asm.ret()], 'trap'],
    ['address 0', load(0), 'trap'],
    ['just below 0x10000', load(0xfffc), 'trap'],
    ['gap between RO and RW', load(map.roDataAddress + PAGE * 3), 'trap'],
    ['gap above RW', load(map.rwDataAddress + PAGE * 3 + 0x8000), 'trap'],
    ['gap between stack and aux', load(map.stackAddressHigh + 0x100), 'trap'],
    ['wrapping past the end of the address space', load(0xfffffffe), 'trap'],
    ['store to RO', [asm.storeImm('store_imm_u8', map.roDataAddress, 1), asm.ret()], 'trap'],
  ];
  for (const [what, code, expected] of cases) {
    const { instance } = spawnWithin(code);
    instance.setReg(A0, 0xdead);
    const interrupt = instance.run();
    if (expected === 'trap') {
      assert.equal(interrupt.kind, 'trap', what);
      assert.equal(instance.reg(A0), 0xdeadn, `${what}: a failed load leaves the destination unchanged`);
    } else {
      assert.equal(interrupt.kind, 'finished', what);
      assert.equal(instance.reg(A0), expected, what);
    }
  }
});

test('a store that fails writes nothing, even the bytes that would have fit', () => {
  const { instance } = spawnWithin([asm.loadImm(A1, -1), asm.absolute('store_u32', A1, map.rwDataAddress + PAGE * 3 - 2), asm.ret()]);
  assert.equal(instance.run().kind, 'trap');
  assert.deepEqual([...instance.readMemory(map.rwDataAddress + PAGE * 3 - 4, 4)], [0, 0, 0, 0]);
  const ro = spawnWithin([asm.storeImm('store_imm_u32', map.roDataAddress, 0), asm.ret()]).instance;
  assert.equal(ro.run().kind, 'trap');
  assert.equal(ro.readU32(map.roDataAddress), 0x42424242);
});

test('guest reads of the aux region see host-written data; guest stores to it trap', () => {
  const read = spawnWithin([asm.absolute('load_u32', A0, map.auxDataAddress + PAGE - 2), asm.ret()]).instance;
  read.writeMemory(map.auxDataAddress, new Uint8Array(PAGE - 1).fill(0x23));
  assert.equal(read.run().kind, 'finished');
  assert.equal(read.reg(A0), 0x23n);

  const program = buildProgram({
    code: [asm.indirect('load_indirect_i32', A1, A0, 0), asm.storeImmIndirect('store_imm_indirect_u32', A0, 0, 0x11223344), asm.ret()],
  });
  const module = moduleOf(program, { pageSize: PAGE, auxDataSize: 1 });
  const instance = startAt(module);
  instance.writeU32(module.memoryMap.auxDataAddress, 0x12345678);
  instance.setReg(A0, module.memoryMap.auxDataAddress);
  assert.equal(instance.run().kind, 'trap');
  assert.equal(instance.programCounter, program.offsets[1]);
  assert.equal(instance.reg(A1), 0x12345678n);
  assert.equal(instance.readU32(module.memoryMap.auxDataAddress), 0x12345678);
});

test('guest access to the aux region follows the accessible aux size (rounded up to pages)', () => {
  const program = buildProgram({ code: [asm.indirect('load_indirect_i32', A1, A0, 0), asm.ret()] });
  const module = moduleOf(program, { pageSize: PAGE, auxDataSize: 2 ** 24 });
  const aux = module.memoryMap.auxDataAddress;
  const instance = module.instantiate();
  instance.setAccessibleAuxSize(1);
  instance.writeU32(aux, 0x12345678);
  instance.setReg(Reg.RA, 0xffff0000);
  const load = (address: number) => {
    instance.setReg(A0, address);
    instance.setNextProgramCounter(0);
    return instance.run().kind;
  };
  assert.equal(load(aux), 'finished');
  assert.equal(instance.reg(A1), 0x12345678n);
  assert.equal(load(aux + PAGE - 4), 'finished');
  assert.equal(load(aux + PAGE - 3), 'trap');
  instance.setAccessibleAuxSize(PAGE + 1);
  assert.equal(load(aux + PAGE - 3), 'finished');
  assert.equal(load(aux + PAGE * 2 - 4), 'finished');
  assert.equal(load(aux + PAGE * 2 - 3), 'trap');
});

test('64-bit programs: effective addresses are taken modulo 2^32', () => {
  const program = buildProgram({
    isa: 'latest64',
    rwDataSize: PAGE,
    rwData: Uint8Array.of(0x11, 0x22, 0x33, 0x44),
    code: [asm.indirect('load_indirect_u32', A1, A0, 4), asm.indirect('load_indirect_u8', A2, A0, 5), asm.ret()],
  });
  const module = moduleOf(program);
  const cases: [base: bigint, a1: bigint, a2: bigint][] = [
    [0x1_0001_fffcn, 0x44332211n, 0x22n], // 0x1_0002_0000 wraps to 0x20000
    [0xffff_ffff_0001_fffcn, 0x44332211n, 0x22n], // the upper half is ignored
  ];
  for (const [base, a1, a2] of cases) {
    const instance = startAt(module);
    instance.setReg(A0, base);
    assert.equal(instance.run().kind, 'finished');
    assert.deepEqual([instance.reg(A1), instance.reg(A2)], [a1, a2]);
  }
  const trapping = startAt(module);
  trapping.setReg(A0, 0x1_0000_fffcn);
  assert.equal(trapping.run().kind, 'trap', '0x10000 + 4 is read-only data of size 0, i.e. inaccessible');
  assert.equal(trapping.programCounter, 0);
});

for (const isa of BITNESSES) {
  test(`${isa}: loads zero- or sign-extend and stores write the low bytes`, () => {
    const rw = 0x20000;
    const program = buildProgram({
      isa,
      rwDataSize: 16,
      rwData: Uint8Array.of(0x80, 0xff, 0x34, 0x92, 0x78, 0x56, 0x34, 0x12),
      code: [
        asm.absolute('load_u8', A0, rw),
        asm.absolute('load_i8', A1, rw),
        asm.absolute('load_u16', A2, rw),
        asm.absolute('load_i16', A3, rw),
        asm.absolute('load_i32', Reg.A4, rw),
        asm.loadImm(Reg.A5, -2),
        asm.absolute('store_u16', Reg.A5, rw + 8),
        asm.storeImm('store_imm_u8', rw + 10, 0x1ff),
        asm.storeImmIndirect('store_imm_indirect_u16', Reg.T0, rw + 11, -3),
        asm.ret(),
      ],
    });
    const instance = startAt(moduleOf(program));
    assert.equal(instance.run().kind, 'finished');
    const ext = (v: bigint) => (isa === 'latest32' ? v & 0xffffffffn : v);
    assert.equal(instance.reg(A0), 0x80n);
    assert.equal(instance.reg(A1), ext(0xffff_ffff_ffff_ff80n));
    assert.equal(instance.reg(A2), 0xff80n);
    assert.equal(instance.reg(A3), ext(0xffff_ffff_ffff_ff80n));
    assert.equal(instance.reg(Reg.A4), ext(0xffff_ffff_9234_ff80n));
    assert.deepEqual([...instance.readMemory(rw + 8, 6)], [0xfe, 0xff, 0xff, 0xfd, 0xff, 0]);
  });
}

test('64-bit loads and stores move all eight bytes', () => {
  const rw = 0x20000;
  const program = buildProgram({
    isa: 'latest64',
    rwDataSize: 32,
    code: [
      asm.loadImm64(A0, 0x8877665544332211n),
      asm.absolute('store_u64', A0, rw),
      asm.absolute('load_u64', A1, rw),
      asm.absolute('load_u32', A2, rw + 4),
      asm.storeImm('store_imm_u64', rw + 8, -2),
      asm.storeImmIndirect('store_imm_indirect_u64', A3, rw + 16, 0x7fffffff),
      asm.ret(),
    ],
  });
  const instance = startAt(moduleOf(program));
  assert.equal(instance.run().kind, 'finished');
  assert.equal(instance.reg(A1), 0x8877665544332211n);
  assert.equal(instance.reg(A2), 0x88776655n);
  assert.equal(instance.readU64(rw + 8), 0xffff_ffff_ffff_fffen);
  assert.equal(instance.readU64(rw + 16), 0x7fffffffn);
});

test('memory is allocated lazily: 16 MiB RW and stack regions with one touched page each stay small (compiler: sized to the regions)', () => {
  const rw = 0x20000;
  const program = buildProgram({
    rwDataSize: 16 * 1024 * 1024,
    stackSize: 16 * 1024 * 1024,
    code: [
      asm.storeImm('store_imm_u32', rw, 7),
      asm.loadImm(A1, 9),
      asm.indirect('store_indirect_u32', A1, Reg.SP, -4),
      asm.absolute('load_i32', A0, rw + 16 * 1024 * 1024 - 4),
      asm.indirect('load_indirect_i32', A2, Reg.SP, -16 * 1024 * 1024),
      asm.ret(),
    ],
  });
  const module = moduleOf(program);
  const instance = startAt(module);
  instance.setReg(Reg.SP, module.defaultSp);
  instance.setReg(A0, 0xdead);
  instance.setReg(A2, 0xdead);
  // The interpreter allocates pages on first touch; the compiler's WebAssembly memory holds the regions and the
  // few 64 KiB guard gaps between them (the OS commits pages on first touch, which the process cannot observe),
  // never a 4 GiB reservation.
  const limit = TEST_BACKEND === 'compiler' ? 32 * 1024 * 1024 + 512 * 1024 : 256 * 1024;
  assert.ok(instance.residentMemory < limit, `resident before: ${instance.residentMemory}`);
  assert.equal(instance.run().kind, 'finished');
  assert.equal(instance.reg(A0), 0n, 'untouched RW memory reads as zero');
  assert.equal(instance.reg(A2), 0n, 'untouched stack memory reads as zero');
  assert.equal(instance.readU32(rw), 7);
  assert.equal(instance.readU32(module.defaultSp - 4), 9);
  assert.ok(instance.residentMemory < limit, `resident after: ${instance.residentMemory}`);
});

// ---------------------------------------------------------------------------------------------- sbrk

function sbrkProgram(isa: 'latest32' | 'latest64', rwDataSize = 5) {
  return buildProgram({ isa, rwDataSize, code: [asm.sbrk(A0, A0), asm.ret()] });
}

for (const isa of BITNESSES) {
  for (const via of ['guest', 'host'] as const) {
    test(`${isa}: sbrk from the ${via} returns the new heap top and grows the RW region in pages`, () => {
      const program = sbrkProgram(isa);
      const module = moduleOf(program, { pageSize: PAGE });
      const mm = module.memoryMap;
      const instance = new Linker().instantiate(module);
      const sbrk = (size: number): number =>
        via === 'guest' ? Number(instance.call('main', [size])) : (instance.sbrk(size) ?? 0);
      const heapBase = mm.heapBase;
      const rwEnd = mm.rwDataAddress + mm.rwDataSize;
      assert.equal(heapBase, mm.rwDataAddress + 5);
      assert.equal(rwEnd, mm.rwDataAddress + PAGE);

      assert.deepEqual([...instance.readMemory(rwEnd - 1, 1)], [0]);
      assert.throws(() => instance.readMemory(rwEnd, 1));
      assert.equal(instance.heapSize, 0);
      assert.equal(sbrk(0), heapBase);
      assert.equal(instance.heapSize, 0);
      assert.equal(sbrk(1), heapBase + 1);
      assert.equal(instance.heapSize, 1);
      assert.equal(sbrk(0), heapBase + 1);
      assert.equal(sbrk(0xffffffff), 0, 'a failed sbrk returns 0');
      assert.equal(sbrk(0), heapBase + 1, 'and changes nothing');

      instance.writeMemory(heapBase, Uint8Array.of(0x33));
      assert.deepEqual([...instance.readMemory(heapBase, 1)], [0x33]);

      const newOrigin = rwEnd;
      assert.equal(sbrk(newOrigin - (heapBase + 1)), newOrigin);
      assert.deepEqual([...instance.readMemory(newOrigin - 1, 1)], [0]);
      assert.throws(() => instance.readMemory(newOrigin, 1));
      assert.throws(() => instance.writeMemory(newOrigin, Uint8Array.of(0x34)));
      assert.equal(sbrk(1), newOrigin + 1);
      assert.equal(instance.readMemory(newOrigin, PAGE).length, PAGE);
      assert.throws(() => instance.readMemory(newOrigin, PAGE + 1));
      instance.writeMemory(newOrigin, Uint8Array.of(0x35));
      assert.equal(sbrk(PAGE - 1), newOrigin + PAGE);
      assert.throws(() => instance.readMemory(newOrigin, PAGE + 1));
      assert.ok(instance.isMemoryAccessible(newOrigin, PAGE, 'read-write'));
      assert.ok(!instance.isMemoryAccessible(newOrigin, PAGE + 1, 'read'));

      instance.resetMemory();
      assert.equal(sbrk(0), heapBase);
      assert.equal(instance.heapSize, 0);
      assert.throws(() => instance.readMemory(rwEnd, 1));
      assert.equal(sbrk(1), heapBase + 1);
      assert.deepEqual([...instance.readMemory(heapBase, 1)], [0], 'reset cleared the heap');
    });
  }
}

test('guest stores into memory obtained from sbrk work; beyond the heap top page they trap', () => {
  const rw = 0x20000;
  const program = buildProgram({
    rwDataSize: PAGE,
    code: [asm.loadImm(A0, 1), asm.sbrk(A0, A0), asm.storeImm('store_imm_u32', rw + PAGE + 8, 99), asm.absolute('load_i32', A1, rw + PAGE + 8), asm.storeImm('store_imm_u8', rw + 2 * PAGE, 1), asm.ret()],
  });
  const instance = startAt(moduleOf(program, { pageSize: PAGE }));
  assert.equal(instance.run().kind, 'trap');
  assert.equal(instance.programCounter, program.offsets[4]);
  assert.equal(instance.reg(A0), BigInt(rw + PAGE + 1));
  assert.equal(instance.reg(A1), 99n);
});

test('64-bit sbrk: sizes outside 0..2^32-1 are treated as 0 (a query)', () => {
  const module = moduleOf(sbrkProgram('latest64'));
  const heapBase = BigInt(module.memoryMap.heapBase);
  for (const size of [0x1_0000_0000n, 0xffff_ffff_ffff_ffffn, 0x8000_0000_0000_0000n]) {
    const instance = startAt(module);
    instance.setReg(A0, size);
    assert.equal(instance.run().kind, 'finished');
    assert.equal(instance.reg(A0), heapBase, `size ${size}`);
    assert.equal(instance.heapSize, 0);
  }
  const instance = startAt(module);
  instance.setReg(A0, 0xffff_ffffn);
  assert.equal(instance.run().kind, 'finished');
  assert.equal(instance.reg(A0), 0n, 'u32::MAX is a real request, and fails');
});

test('sbrk fails (returns 0) when the heap would exceed the maximum heap size', () => {
  const module = moduleOf(sbrkProgram('latest32'));
  const max = module.memoryMap.maxHeapSize;
  const instance = module.instantiate();
  assert.equal(instance.sbrk(max + 1), null);
  assert.equal(instance.heapSize, 0);
  assert.equal(instance.sbrk(max), module.memoryMap.heapBase + max);
  assert.equal(instance.sbrk(1), null);
  assert.equal(instance.sbrk(0), module.memoryMap.heapBase + max);
});

test('sbrk sign-extends a heap top at or above 0x80000000 in 64-bit programs', () => {
  // RW data sized so that the heap starts exactly at 0x80000000.
  const rwDataSize = 0x8000_0000 - 0x20000;
  for (const isa of BITNESSES) {
    const module = moduleOf(sbrkProgram(isa, rwDataSize));
    assert.equal(module.memoryMap.heapBase, 0x8000_0000);
    const instance = startAt(module);
    instance.setReg(A0, 0x10);
    assert.equal(instance.run().kind, 'finished');
    assert.equal(instance.reg(A0), isa === 'latest64' ? 0xffff_ffff_8000_0010n : 0x8000_0010n);
  }
});

// ---------------------------------------------------------------------------------------------- memset

test('memset fills bytes, advances a0, zeroes a2, charges a gas per byte, and stops partially on a fault', () => {
  const program = buildProgram({ roDataSize: 1, roData: Uint8Array.of(0), rwDataSize: 1, code: [asm.memset(), asm.ret()] });
  const module = moduleOf(program, { gasMetering: 'sync' });
  const rw = module.memoryMap.rwDataAddress;
  const rwEnd = rw + module.memoryMap.rwDataSize;
  const instance = new Linker().instantiate(module);
  const regs = () => [instance.reg(A0), instance.reg(A1), instance.reg(A2)];

  instance.setGas(100);
  instance.call('main', [rw + 1, 0x1234567a, 3]);
  assert.deepEqual([...instance.readMemory(rw, 5)], [0, 0x7a, 0x7a, 0x7a, 0]);
  assert.deepEqual(regs(), [BigInt(rw + 4), 0x1234567an, 0n]);
  assert.equal(instance.gas, 95n);

  instance.call('main', [rwEnd - 3, 0x1234567b, 3]);
  assert.deepEqual([...instance.readMemory(rwEnd - 4, 4)], [0, 0x7b, 0x7b, 0x7b]);
  assert.deepEqual(regs(), [BigInt(rwEnd), 0x1234567bn, 0n]);

  // Running off the end of RW: a partial write, then a trap.
  instance.setGas(100);
  assert.throws(() => instance.call('main', [rwEnd - 3, 0x1234567c, 10]), TrapError);
  assert.deepEqual(regs(), [BigInt(rwEnd), 0x1234567cn, 7n]);
  assert.deepEqual([...instance.readMemory(rwEnd - 4, 4)], [0, 0x7c, 0x7c, 0x7c]);
  assert.equal(instance.gas, 95n);

  // Starting outside of RW: nothing written.
  assert.throws(() => instance.call('main', [rwEnd + 2, 0x1234567d, 10]), TrapError);
  assert.deepEqual(regs(), [BigInt(rwEnd + 2), 0x1234567dn, 10n]);

  // Gas-limited: stops at the memset with the progress in a0/a2, and can be resumed.
  instance.zeroMemory(rw, 10);
  instance.setGas(5);
  assert.throws(() => instance.call('main', [rw, 0x1234567e, 100]), OutOfGasError);
  assert.deepEqual(regs(), [BigInt(rw + 3), 0x1234567en, 97n]);
  assert.deepEqual([...instance.readMemory(rw, 5)], [0x7e, 0x7e, 0x7e, 0, 0]);
  assert.equal(instance.gas, 0n);
  assert.equal(instance.programCounter, program.offsets[0]);
  assert.equal(instance.nextProgramCounter, program.offsets[0]);

  instance.setGas(1);
  instance.setReg(A1, 0x1234567f);
  assert.equal(instance.run().kind, 'not-enough-gas');
  assert.deepEqual(regs(), [BigInt(rw + 4), 0x1234567fn, 96n]);
  assert.deepEqual([...instance.readMemory(rw, 5)], [0x7e, 0x7e, 0x7e, 0x7f, 0]);
  assert.equal(instance.programCounter, program.offsets[0]);
  assert.equal(instance.nextProgramCounter, program.offsets[0]);

  instance.setGas(1000);
  assert.equal(instance.run().kind, 'finished');
  assert.deepEqual(regs(), [BigInt(rw + 100), 0x1234567fn, 0n]);
  assert.equal(instance.gas, 1000n - 96n, 'resuming does not charge the block again');

  // A fault during a gas-limited write.
  instance.setGas(50);
  assert.throws(() => instance.call('main', [rwEnd - 3, 0x12345680, 100]), TrapError);
  assert.deepEqual(regs(), [BigInt(rwEnd), 0x12345680n, 97n]);
  assert.deepEqual([...instance.readMemory(rwEnd - 4, 4)], [0, 0x80, 0x80, 0x80]);
  assert.equal(instance.gas, 45n);
});

test('memset with async metering: running out mid-way leaves gas at zero and clears the program counter', () => {
  const program = buildProgram({ rwDataSize: PAGE, code: [asm.memset(), asm.ret()] });
  const module = moduleOf(program, { gasMetering: 'async' });
  const rw = module.memoryMap.rwDataAddress;
  const instance = module.instantiate();
  instance.prepareCall(0, [rw, 0xab, 10]);
  instance.setGas(5);
  assert.equal(instance.run().kind, 'not-enough-gas');
  assert.equal(instance.gas, 0n);
  assert.equal(instance.reg(A2), 7n);
  assert.equal(instance.reg(A0), BigInt(rw + 3));
  assert.equal(instance.programCounter, null);
  assert.equal(instance.nextProgramCounter, null);
});

test('memset keeps the upper bits of a0, ignores those of a2, and leaves other registers alone', () => {
  const program = buildProgram({ isa: 'latest64', code: [asm.memset(), asm.ret()] });
  let instance = startAt(moduleOf(program));
  instance.setReg(A0, 0x0000_0001_0000_0000n);
  instance.setReg(A1, 0);
  instance.setReg(A2, 0);
  instance.setReg(A3, 0xffff_ffff_ff08_bdbdn);
  assert.equal(instance.run().kind, 'finished');
  assert.equal(instance.reg(A0), 0x0000_0001_0000_0000n);
  assert.equal(instance.reg(A2), 0n);
  assert.equal(instance.reg(A3), 0xffff_ffff_ff08_bdbdn);

  // a2 = 2^32: the count is its low 32 bits (0), so nothing is written, and a2 reads back 0.
  instance = startAt(moduleOf(program));
  instance.setReg(A0, 0x1234);
  instance.setReg(A2, 0x1_0000_0000n);
  assert.equal(instance.run().kind, 'finished');
  assert.equal(instance.reg(A2), 0n);
  assert.equal(instance.reg(A0), 0x1234n);

  // The destination is the low 32 bits of a0; a0 advances with a 64-bit add.
  const withRw = buildProgram({ isa: 'latest64', rwDataSize: PAGE, code: [asm.memset(), asm.ret()] });
  instance = startAt(moduleOf(withRw));
  instance.setReg(A0, 0x1_0002_0000n);
  instance.setReg(A1, 0x5a);
  instance.setReg(A2, 2);
  assert.equal(instance.run().kind, 'finished');
  assert.equal(instance.reg(A0), 0x1_0002_0002n);
  assert.deepEqual([...instance.readMemory(0x20000, 3)], [0x5a, 0x5a, 0]);
});

test('memset without gas metering writes everything and does not touch gas', () => {
  const program = buildProgram({ rwDataSize: PAGE, code: [asm.memset(), asm.ret()] });
  const instance = startAt(moduleOf(program));
  instance.setReg(A0, 0x20000);
  instance.setReg(A1, 0xff);
  instance.setReg(A2, PAGE);
  assert.equal(instance.run().kind, 'finished');
  assert.ok(instance.readMemory(0x20000, PAGE).every((b) => b === 0xff));
  assert.equal(instance.gas, 0n);
});

test('memset in the middle of a block: out of gas stops at the memset and resuming does not recharge the block', () => {
  const program = buildProgram({ rwDataSize: PAGE, code: [asm.loadImm(A3, 1), asm.memset(), asm.ret()] });
  const instance = startAt(moduleOf(program, { gasMetering: 'sync' }));
  instance.setReg(A0, 0x20000);
  instance.setReg(A1, 0xee);
  instance.setReg(A2, 2);
  instance.setGas(3);
  assert.equal(instance.run().kind, 'not-enough-gas');
  assert.equal(instance.programCounter, program.offsets[1]);
  assert.equal(instance.nextProgramCounter, program.offsets[1]);
  assert.equal(instance.gas, 0n);
  assert.equal(instance.reg(A3), 1n);
  instance.setGas(2);
  assert.equal(instance.run().kind, 'finished');
  assert.equal(instance.gas, 0n);
  assert.deepEqual([...instance.readMemory(0x20000, 3)], [0xee, 0xee, 0]);
});

test(
  '32-bit programs: memset keeps a0 sign-extended when it crosses 0x80000000 (a documented deviation)',
  () => {
    // The reference's release build stores a0 + written without sign extension here (its debug build asserts
    // against exactly that), which would break the 32-bit register invariant; see docs/spec.md, "Deviations".
    // Dynamic paging keeps this cheap: only the two pages around 0x80000000 exist.
    const program = buildProgram({ isa: 'latest32', code: [asm.memset(), asm.rri('set_less_than_signed_imm', A1, A0, 0), asm.ret()] });
    const instance = startAt(moduleOf(program, { pageSize: PAGE, dynamicPaging: true }));
    instance.zeroMemoryWithMemoryProtection(0x8000_0000 - PAGE, 2 * PAGE, 'read-write');
    instance.setReg(A0, 0x7ffffffe);
    instance.setReg(A2, 4);
    assert.equal(instance.run().kind, 'finished');
    assert.equal(instance.reg(A0), 0x80000002n);
    assert.equal(instance.reg(A1), 1n);
  },
);
