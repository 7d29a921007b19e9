import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidArgumentError, MemoryAccessError, PolkaVMError } from '../../src/errors.js';
import type { RawInstance } from '../../src/api/raw-instance.js';
import { asm, buildProgram, moduleOf, Reg, startAt } from '../helpers/program.js';

const { A0 } = Reg;
const PAGE = 0x1000;

function accessError(fn: () => unknown, address: number, length: number): void {
  assert.throws(fn, (error: unknown) => error instanceof MemoryAccessError && error.address === address && error.length === length);
}

test('host access to each region: bounds, read-only RO, zero-initialised contents', () => {
  const program = buildProgram({ code: [asm.trap()], roDataSize: 1, rwDataSize: 1, stackSize: 1 });
  const module = moduleOf(program, { pageSize: PAGE, auxDataSize: 1 });
  const mm = module.memoryMap;
  const instance = module.instantiate();
  const page = new Uint8Array(PAGE).fill(1);
  const pagePlusOne = new Uint8Array(PAGE + 1).fill(1);
  const regions: [name: string, start: number, readOnly: boolean][] = [
    ['ro', mm.roDataAddress, true],
    ['rw', mm.rwDataAddress, false],
    ['stack', mm.stackAddressLow, false],
    ['aux', mm.auxDataAddress, false],
  ];
  for (const [name, start, readOnly] of regions) {
    // Failing writes first: they must not clobber anything.
    assert.throws(() => instance.writeMemory(start - 1, Uint8Array.of(1)), MemoryAccessError, name);
    assert.throws(() => instance.writeMemory(start + PAGE, Uint8Array.of(1)), MemoryAccessError, name);
    assert.throws(() => instance.writeMemory(start, pagePlusOne), MemoryAccessError, name);
    assert.ok(instance.readMemory(start, PAGE).every((b) => b === 0), name);

    assert.deepEqual([...instance.readMemory(start, 1)], [0]);
    assert.deepEqual([...instance.readMemory(start + PAGE - 1, 1)], [0]);
    assert.throws(() => instance.readMemory(start - 1, 1), MemoryAccessError, name);
    assert.throws(() => instance.readMemory(start + PAGE, 1), MemoryAccessError, name);
    assert.throws(() => instance.readMemory(start, PAGE + 1), MemoryAccessError, name);

    if (readOnly) {
      assert.throws(() => instance.writeMemory(start, Uint8Array.of(1)), MemoryAccessError);
      assert.throws(() => instance.writeMemory(start + PAGE - 1, Uint8Array.of(1)), MemoryAccessError);
      assert.throws(() => instance.writeMemory(start, page), MemoryAccessError);
      assert.throws(() => instance.zeroMemory(start, 1), MemoryAccessError);
      assert.throws(() => instance.zeroMemory(start + PAGE - 1, 1), MemoryAccessError);
      assert.throws(() => instance.zeroMemory(start, PAGE), MemoryAccessError);
      assert.ok(instance.isMemoryAccessible(start, PAGE, 'read'));
      assert.ok(!instance.isMemoryAccessible(start, 1, 'read-write'));
    } else {
      instance.writeMemory(start, Uint8Array.of(1));
      assert.deepEqual([...instance.readMemory(start, 2)], [1, 0]);
      instance.writeMemory(start + PAGE - 1, Uint8Array.of(1));
      instance.writeMemory(start, page);
      assert.ok(instance.readMemory(start, PAGE).every((b) => b === 1), name);
      instance.zeroMemory(start, 1);
      instance.zeroMemory(start + PAGE - 1, 1);
      assert.deepEqual([...instance.readMemory(start, 2)], [0, 1]);
      instance.zeroMemory(start, PAGE);
      assert.ok(instance.readMemory(start, PAGE).every((b) => b === 0), name);
      assert.ok(instance.isMemoryAccessible(start, PAGE, 'read-write'));
    }
    assert.ok(!instance.isMemoryAccessible(start, PAGE + 1, 'read'));
    assert.equal(instance.readMemory(start, 0).length, 0);
  }

  // Zero-length accesses always succeed, wherever they point.
  assert.equal(instance.readMemory(0, 0).length, 0);
  assert.equal(instance.readMemory(0xffffffff, 0).length, 0);
  instance.writeMemory(0, new Uint8Array(0));
  instance.writeMemory(0xffffffff, new Uint8Array(0));
  instance.zeroMemory(0, 0);
  instance.zeroMemory(0xffffffff, 0);
  assert.ok(instance.isMemoryAccessible(0, 0));
});

test('host accesses below 0x10000 or past 2^32 fail with the requested address and length', () => {
  const module = moduleOf(buildProgram({ code: [asm.trap()], rwDataSize: PAGE }));
  const instance = module.instantiate();
  accessError(() => instance.readMemory(0xfffe, 4), 0xfffe, 4);
  accessError(() => instance.writeMemory(0x100, Uint8Array.of(1, 2)), 0x100, 2);
  accessError(() => instance.readMemory(0xfffffffe, 4), 0xfffffffe, 4);
  accessError(() => instance.zeroMemory(module.memoryMap.roDataAddress, 1), module.memoryMap.roDataAddress, 1);
  assert.ok(!instance.isMemoryAccessible(0xfffe, 4));
  assert.throws(() => instance.readMemory(-1, 1), InvalidArgumentError);
  assert.throws(() => instance.readMemory(0x20000, -1), InvalidArgumentError);
});

test('initial data is followed by zeros; host writes to aux and stack land where expected', () => {
  const program = buildProgram({
    code: [asm.trap()],
    roDataSize: 4,
    roData: Uint8Array.of(1, 2, 3, 4),
    rwDataSize: 4,
    rwData: Uint8Array.of(5, 6, 7, 8),
    stackSize: 4096 + 1,
  });
  const module = moduleOf(program, { pageSize: PAGE, auxDataSize: 4096 + 1 });
  const mm = module.memoryMap;
  const instance = module.instantiate();
  assert.deepEqual([...instance.readMemory(mm.roDataAddress + 2, 4)], [3, 4, 0, 0]);
  assert.deepEqual([...instance.readMemory(mm.rwDataAddress + 2, 4)], [7, 8, 0, 0]);
  instance.writeMemory(mm.auxDataAddress, Uint8Array.of(9, 10, 11, 12));
  assert.deepEqual([...instance.readMemory(mm.auxDataAddress + 2, 4)], [11, 12, 0, 0]);
  instance.writeMemory(mm.auxDataAddress + 4096 - 2, Uint8Array.of(13, 14));
  assert.deepEqual([...instance.readMemory(mm.auxDataAddress + 4096 - 2, 4)], [13, 14, 0, 0]);
  instance.writeMemory(mm.stackAddressLow + 4096 - 2, Uint8Array.of(15, 16));
  assert.deepEqual([...instance.readMemory(mm.stackAddressLow + 4096 - 2, 4)], [15, 16, 0, 0]);
});

test('host writes scattered over large RW, aux and stack regions read back', () => {
  const program = buildProgram({ isa: 'latest64', code: [asm.trap()], rwDataSize: PAGE * 32, stackSize: PAGE * 32 });
  const module = moduleOf(program, { pageSize: PAGE, auxDataSize: PAGE * 32 });
  const mm = module.memoryMap;
  const check = (instance: RawInstance, base: number, sign: 1 | -1, first: number) => {
    const spots = [4, 1, 16].map((n) => base + sign * n * PAGE);
    spots.forEach((address, i) => instance.writeMemory(address, Uint8Array.of(first + i)));
    spots.forEach((address, i) => assert.deepEqual([...instance.readMemory(address, 1)], [first + i]));
  };
  const instance = module.instantiate();
  check(instance, mm.rwDataAddress, 1, 1);
  check(instance, mm.auxDataAddress, 1, 4);
  check(instance, mm.stackAddressLow, 1, 7);
  check(module.instantiate(), mm.stackAddressHigh, -1, 7);
});

test('zeroMemory clears bytes the guest wrote, which the guest then sees', () => {
  const program = buildProgram({
    rwDataSize: 0x4000,
    code: [asm.storeImm('store_imm_u32', 0x20000, 0x12345678), asm.ecalli(0), asm.absolute('load_i32', A0, 0x20000), asm.ret()],
  });
  const module = moduleOf(program, { pageSize: 0x4000 });
  const instance = startAt(module);
  assert.equal(instance.run().kind, 'ecalli');
  assert.equal(instance.readU32(0x20000), 0x12345678);
  instance.zeroMemory(0x20000, 2);
  assert.equal(instance.readU32(0x20000), 0x12340000);
  assert.equal(instance.run().kind, 'finished');
  assert.equal(instance.reg(A0), 0x12340000n);
});

test('typed host accessors are little-endian and round-trip', () => {
  const instance = moduleOf(buildProgram({ code: [asm.trap()], rwDataSize: 16 })).instantiate();
  instance.writeU64(0x20000, 0x0807060504030201n);
  assert.equal(instance.readU8(0x20000), 1);
  assert.equal(instance.readU16(0x20000), 0x0201);
  assert.equal(instance.readU32(0x20004), 0x08070605);
  assert.equal(instance.readU64(0x20000), 0x0807060504030201n);
  instance.writeU8(0x20008, 0x1ff);
  instance.writeU16(0x20009, 0xbeef);
  instance.writeU32(0x2000b, 0xdeadbeef);
  assert.deepEqual([...instance.readMemory(0x20008, 7)], [0xff, 0xef, 0xbe, 0xef, 0xbe, 0xad, 0xde]);
  instance.writeU64(0x20008, -1n);
  assert.equal(instance.readU64(0x20008), 0xffff_ffff_ffff_ffffn);
});

test('aux data: the host can write and zero it', () => {
  const module = moduleOf(buildProgram({ code: [asm.trap()] }), { pageSize: PAGE, auxDataSize: 1 });
  const aux = module.memoryMap.auxDataAddress;
  const instance = module.instantiate();
  instance.writeU32(aux, 0x12345678);
  instance.zeroMemory(aux, 1);
  assert.equal(instance.readU32(aux), 0x12345600);
  instance.zeroMemory(aux, module.memoryMap.auxDataSize);
  assert.equal(instance.readU32(aux), 0);
});

test('aux data: the accessible size is rounded up to pages and host write protection blocks host writes only', () => {
  const module = moduleOf(buildProgram({ code: [asm.trap()], stackSize: PAGE }), { pageSize: PAGE, auxDataSize: 2 ** 24 });
  const aux = module.memoryMap.auxDataAddress;
  const instance = module.instantiate();
  instance.setAccessibleAuxSize(1);
  assert.ok(instance.isMemoryAccessible(aux + PAGE - 4, 4));
  assert.ok(!instance.isMemoryAccessible(aux + PAGE - 3, 4));
  assert.throws(() => instance.readU32(aux + PAGE - 3), MemoryAccessError);

  instance.setAccessibleAuxSize(PAGE + 1);
  const inside = [aux + PAGE - 3, aux + PAGE * 2 - 4];
  const outside = [aux + PAGE * 2 - 3, aux + PAGE * 2];
  for (const address of inside) {
    assert.ok(instance.isMemoryAccessible(address, 4, 'read'));
    assert.ok(instance.isMemoryAccessible(address, 4, 'read-write'));
    instance.readU32(address);
    instance.writeU32(address, 0);
    instance.zeroMemory(address, 4);
  }
  for (const address of outside) {
    assert.ok(!instance.isMemoryAccessible(address, 4, 'read'));
    assert.ok(!instance.isMemoryAccessible(address, 4, 'read-write'));
    assert.throws(() => instance.readU32(address), MemoryAccessError);
    assert.throws(() => instance.writeU32(address, 0), MemoryAccessError);
    assert.throws(() => instance.zeroMemory(address, 4), MemoryAccessError);
  }

  instance.setHostSideAuxWriteProtect(true);
  for (const address of inside) {
    assert.ok(instance.isMemoryAccessible(address, 4, 'read'));
    assert.ok(!instance.isMemoryAccessible(address, 4, 'read-write'));
    instance.readU32(address);
    assert.throws(() => instance.writeU32(address, 0), MemoryAccessError);
    assert.throws(() => instance.zeroMemory(address, 4), MemoryAccessError);
  }
  for (const address of outside) {
    assert.ok(!instance.isMemoryAccessible(address, 4, 'read-write'));
    assert.throws(() => instance.writeU32(address, 0), MemoryAccessError);
  }
  // Other regions stay writable.
  instance.writeU32(module.memoryMap.stackAddressHigh - 4, 1);

  instance.setHostSideAuxWriteProtect(false);
  instance.writeU32(inside[0]!, 5);
  assert.equal(instance.readU32(inside[0]!), 5);
});

test('aux data: shrinking the accessible size discards the bytes beyond it', () => {
  const module = moduleOf(buildProgram({ code: [asm.trap()] }), { pageSize: PAGE, auxDataSize: 2 * PAGE });
  const aux = module.memoryMap.auxDataAddress;
  const instance = module.instantiate();
  instance.writeU32(aux + PAGE, 0xaabbccdd);
  instance.setAccessibleAuxSize(PAGE);
  assert.throws(() => instance.readU32(aux + PAGE), MemoryAccessError);
  instance.setAccessibleAuxSize(2 * PAGE);
  assert.equal(instance.readU32(aux + PAGE), 0);
});

test('aux data: the accessible size cannot exceed the configured size', () => {
  const module = moduleOf(buildProgram({ code: [asm.trap()] }), { pageSize: PAGE, auxDataSize: 100 });
  const instance = module.instantiate();
  assert.equal(module.memoryMap.auxDataSize, PAGE);
  instance.setAccessibleAuxSize(PAGE);
  assert.throws(() => instance.setAccessibleAuxSize(PAGE + 1), InvalidArgumentError);
});

test('aux and heap APIs are unavailable with dynamic paging', () => {
  const instance = moduleOf(buildProgram({ code: [asm.trap()] }), { dynamicPaging: true }).instantiate();
  assert.throws(() => instance.setAccessibleAuxSize(0), PolkaVMError);
  assert.throws(() => instance.setHostSideAuxWriteProtect(true), PolkaVMError);
  assert.throws(() => instance.sbrk(0), PolkaVMError);
});

test('paging APIs are unavailable without dynamic paging', () => {
  const instance = moduleOf(buildProgram({ code: [asm.trap()], rwDataSize: PAGE })).instantiate();
  assert.throws(() => instance.zeroMemoryWithMemoryProtection(0x20000, PAGE, 'read-write'), PolkaVMError);
  assert.throws(() => instance.protectMemory(0x20000, PAGE), PolkaVMError);
  assert.throws(() => instance.unprotectMemory(0x20000, PAGE), PolkaVMError);
  assert.throws(() => instance.freePages(0x20000, PAGE), PolkaVMError);
});

test('resetMemory restores initial data, clears stack, heap and aux, and restores the accessible aux size', () => {
  const program = buildProgram({
    code: [asm.trap()],
    rwDataSize: 8,
    rwData: Uint8Array.of(1, 2, 3, 4),
    stackSize: PAGE,
  });
  const module = moduleOf(program, { pageSize: PAGE, auxDataSize: PAGE });
  const mm = module.memoryMap;
  const instance = module.instantiate();
  instance.writeMemory(mm.rwDataAddress, Uint8Array.of(9, 9, 9, 9, 9));
  instance.writeU32(mm.stackAddressHigh - 4, 0x11111111);
  instance.writeU32(mm.auxDataAddress, 0x22222222);
  assert.equal(instance.sbrk(PAGE * 2), mm.heapBase + PAGE * 2);
  instance.writeU8(mm.rwDataAddress + PAGE + 1, 7);
  instance.setAccessibleAuxSize(0);

  instance.resetMemory();
  assert.deepEqual([...instance.readMemory(mm.rwDataAddress, 6)], [1, 2, 3, 4, 0, 0]);
  assert.equal(instance.readU32(mm.stackAddressHigh - 4), 0);
  assert.equal(instance.readU32(mm.auxDataAddress), 0);
  assert.equal(instance.heapSize, 0);
  assert.throws(() => instance.readU8(mm.rwDataAddress + PAGE + 1), MemoryAccessError);
  assert.ok(instance.isMemoryAccessible(mm.auxDataAddress, PAGE));
});

test('a guest write to RW is undone by resetMemory, and the guest sees the initial data again', () => {
  const rw = 0x20000;
  const program = buildProgram({
    rwDataSize: 4,
    rwData: Uint8Array.of(1, 0, 0, 0),
    code: [asm.absolute('load_i32', A0, rw), asm.addImm32(A0, A0, 1), asm.absolute('store_u32', A0, rw), asm.ret()],
  });
  const instance = startAt(moduleOf(program));
  assert.equal(instance.run().kind, 'finished');
  assert.equal(instance.reg(A0), 2n);
  instance.resetMemory();
  instance.setNextProgramCounter(0);
  assert.equal(instance.run().kind, 'finished');
  assert.equal(instance.reg(A0), 2n);
});
