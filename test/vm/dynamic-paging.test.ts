import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Interrupt } from '../../src/api/interrupt.js';
import type { ModuleOptions } from '../../src/api/module.js';
import { Linker } from '../../src/api/linker.js';
import { InvalidArgumentError, MemoryAccessError, TrapError } from '../../src/errors.js';
import { asm, buildProgram, moduleOf, Reg, startAt, type ProgramSpec, type TestInstruction } from '../helpers/program.js';

const { A0, A1, A2, A3, T0 } = Reg;
const PAGE = 0x1000;

function dynamic(code: TestInstruction[], spec: Partial<ProgramSpec> = {}, options: ModuleOptions = {}) {
  const program = buildProgram({ ...spec, code });
  const module = moduleOf(program, { pageSize: PAGE, dynamicPaging: true, ...options });
  return { program, module, offsets: program.offsets };
}

type Segfault = Extract<Interrupt, { kind: 'segfault' }>;

function expectSegfault(interrupt: Interrupt, pageAddress: number, isWriteProtected = false): Segfault {
  assert.equal(interrupt.kind, 'segfault', `expected a segfault, got ${interrupt.kind}`);
  const segfault = interrupt as Segfault;
  assert.equal(segfault.pageAddress, pageAddress);
  assert.equal(segfault.pageSize, PAGE);
  assert.equal(segfault.isWriteProtected, isWriteProtected);
  return segfault;
}

function accessError(fn: () => unknown, address: number, length: number): void {
  assert.throws(fn, (error: unknown) => error instanceof MemoryAccessError && error.address === address && error.length === length);
}

test('memory starts empty; each missing page is a resumable segfault; the host maps pages to continue', () => {
  const { module, offsets } = dynamic([
    asm.loadImm(A3, 0x1234),
    asm.storeImm('store_imm_u32', 0x10004, 1),
    asm.absolute('load_i32', A0, 0x10004),
    asm.absolute('load_i32', A1, 0x10008),
    asm.absolute('load_i32', A2, 0x10000 + PAGE),
    asm.ret(),
  ]);
  const instance = startAt(module, offsets[0]);
  instance.setReg(A0, 0x10);
  instance.setReg(A1, 0x11);
  instance.setReg(A2, 0x12);
  instance.setReg(A3, 0x13);
  assert.equal(instance.residentMemory, 0);

  expectSegfault(instance.run(), 0x10000);
  assert.equal(instance.programCounter, offsets[1]);
  assert.equal(instance.nextProgramCounter, offsets[1]);
  assert.equal(instance.reg(A3), 0x1234n, 'instructions before the fault ran');
  instance.setReg(T0, 0x5678);

  // Not handled: the same segfault again.
  expectSegfault(instance.run(), 0x10000);
  assert.equal(instance.programCounter, offsets[1]);
  assert.equal(instance.nextProgramCounter, offsets[1]);

  // Ordinary host accesses cannot map pages.
  accessError(() => instance.zeroMemory(0x10000, PAGE), 0x10000, PAGE);
  accessError(() => instance.writeMemory(0x10000, Uint8Array.of(0, 0)), 0x10000, 2);
  accessError(() => instance.readU8(0x10000), 0x10000, 1);

  instance.zeroMemoryWithMemoryProtection(0x10000, PAGE, 'read-write');
  assert.ok(instance.isMemoryAccessible(0x10000, 4, 'read'));
  assert.ok(!instance.isMemoryAccessible(0x10000 + PAGE, 4, 'read'));

  expectSegfault(instance.run(), 0x10000 + PAGE);
  assert.equal(instance.programCounter, offsets[4]);
  assert.equal(instance.nextProgramCounter, offsets[4]);
  assert.equal(instance.reg(A0), 1n);
  assert.equal(instance.reg(A1), 0n);
  assert.equal(instance.reg(A2), 0x12n, 'the faulting load did not write its destination');
  assert.equal(instance.reg(T0), 0x5678n);
  instance.zeroMemoryWithMemoryProtection(0x10000 + PAGE, PAGE, 'read-write');

  assert.equal(instance.run().kind, 'finished');
  assert.equal(instance.reg(A2), 0n);
  assert.equal(instance.reg(T0), 0x5678n);
  assert.equal(instance.residentMemory, 2 * PAGE);

  // Everything is mapped now.
  instance.setNextProgramCounter(offsets[0]!);
  assert.equal(instance.run().kind, 'finished');

  // Re-mapping the first page read-only: zeroed, readable, not writable by host or guest.
  instance.zeroMemoryWithMemoryProtection(0x10000, PAGE, 'read');
  accessError(() => instance.zeroMemory(0x10000, PAGE), 0x10000, PAGE);
  accessError(() => instance.zeroMemory(0x10000, 1), 0x10000, 1);
  accessError(() => instance.writeMemory(0x10000, Uint8Array.of(0)), 0x10000, 1);
  assert.equal(instance.readU8(0x10000), 0);
  assert.equal(instance.readU32(0x10004), 0, 'remapping zeroes the page');

  instance.setNextProgramCounter(offsets[0]!);
  expectSegfault(instance.run(), 0x10000, true);
  assert.equal(instance.programCounter, offsets[1]);
  assert.equal(instance.nextProgramCounter, offsets[1]);

  // Reading it is fine.
  instance.setNextProgramCounter(offsets[2]!);
  assert.equal(instance.run().kind, 'finished');
});

test('freed pages fault again', () => {
  const { module } = dynamic([asm.absolute('load_i32', A0, 0x10000), asm.ret()]);
  const instance = startAt(module);
  const segfault = expectSegfault(instance.run(), 0x10000);
  instance.zeroMemoryWithMemoryProtection(segfault.pageAddress, PAGE, 'read-write');
  assert.equal(instance.run().kind, 'finished');
  instance.setNextProgramCounter(0);
  assert.equal(instance.run().kind, 'finished');
  instance.freePages(0x10000, PAGE);
  assert.equal(instance.residentMemory, 0);
  instance.setNextProgramCounter(0);
  expectSegfault(instance.run(), 0x10000);
  assert.throws(() => instance.freePages(0x10001, PAGE), InvalidArgumentError);
  instance.freePages(0x10001, 0);
});

test('freePages rejects a range that runs past the end of the address space (found by the differential fuzzer)', () => {
  const { module } = dynamic([asm.ret()]);
  const instance = startAt(module);
  instance.zeroMemoryWithMemoryProtection(0xffff_f000, PAGE, 'read-write');
  accessError(() => instance.freePages(0xffff_f000, 2 * PAGE), 0xffff_f000, 2 * PAGE);
  assert.ok(instance.isMemoryAccessible(0xffff_f000, PAGE, 'read-write'));
  instance.freePages(0xffff_f000, PAGE);
  assert.equal(instance.residentMemory, 0);
});

test('protectMemory makes a page read-only (write segfaults with isWriteProtected) until unprotected', () => {
  const { module, offsets } = dynamic([asm.absolute('load_i32', A0, 0x10000), asm.storeImm('store_imm_u32', 0x10000, 0x12345678), asm.ret()]);
  const instance = module.instantiate();
  accessError(() => instance.protectMemory(0x10000, PAGE), 0x10000, PAGE);
  accessError(() => instance.unprotectMemory(0x10000, PAGE), 0x10000, PAGE);

  instance.setReg(Reg.RA, 0xffff0000);
  instance.setNextProgramCounter(0);
  expectSegfault(instance.run(), 0x10000, false);
  assert.equal(instance.programCounter, offsets[0]);
  instance.zeroMemoryWithMemoryProtection(0x10000, PAGE, 'read-write');
  instance.protectMemory(0x10000, PAGE);
  for (let i = 0; i < 2; i++) {
    expectSegfault(instance.run(), 0x10000, true);
    assert.equal(instance.programCounter, offsets[1]);
    assert.equal(instance.nextProgramCounter, offsets[1]);
  }
  instance.unprotectMemory(0x10000, PAGE);
  assert.equal(instance.run().kind, 'finished');
  assert.equal(instance.readU32(0x10000), 0x12345678);
});

test('zeroMemoryWithMemoryProtection maps whole pages (length rounded up) and requires an aligned address', () => {
  const code = [asm.absolute('load_i32', A0, 0x10004), asm.absolute('load_i32', A1, 0x10004 + PAGE), asm.ret()];
  const { module } = dynamic(code);

  // Mapping two pages up front: no segfault at all.
  let instance = startAt(module);
  instance.zeroMemoryWithMemoryProtection(0x10000, PAGE * 2, 'read-write');
  assert.equal(instance.run().kind, 'finished');

  // Mapping two pages after the first fault resolves the second access too.
  instance = startAt(module);
  expectSegfault(instance.run(), 0x10000);
  instance.zeroMemoryWithMemoryProtection(0x10000, PAGE + 1, 'read-write');
  assert.equal(instance.run().kind, 'finished');
  assert.equal(instance.residentMemory, 2 * PAGE);

  assert.throws(() => instance.zeroMemoryWithMemoryProtection(0x10004, PAGE, 'read-write'), InvalidArgumentError);
  assert.throws(() => instance.zeroMemoryWithMemoryProtection(0x1000, PAGE, 'read-write'), MemoryAccessError);
  instance.zeroMemoryWithMemoryProtection(0x10004, 0, 'read-write');
});

test('reading memory from the host does not resolve segfaults', () => {
  const { module } = dynamic([asm.absolute('load_i32', A0, 0x10000), asm.ret()]);
  const instance = startAt(module);
  expectSegfault(instance.run(), 0x10000);
  assert.throws(() => instance.readU32(0x10000), MemoryAccessError);
  accessError(() => instance.readMemory(0x10000, PAGE), 0x10000, PAGE);
  expectSegfault(instance.run(), 0x10000);
});

test('a load straddling two pages faults on the first missing page and reads both once mapped', () => {
  const { module } = dynamic([asm.absolute('load_i32', A0, 0x10ffe), asm.ret()]);
  const instance = startAt(module);
  expectSegfault(instance.run(), 0x10000);
  instance.zeroMemoryWithMemoryProtection(0x10000, PAGE * 2, 'read-write');
  instance.writeMemory(0x10fff, Uint8Array.of(0xaa, 0xbb));
  assert.equal(instance.run().kind, 'finished');
  assert.equal(instance.reg(A0), 0x00bbaa00n);

  instance.setReg(A0, 0);
  instance.protectMemory(0x10000, PAGE * 2);
  instance.setNextProgramCounter(0);
  assert.equal(instance.run().kind, 'finished');
  assert.equal(instance.reg(A0), 0x00bbaa00n);
});

test('a store straddling two pages faults on the missing page and writes nothing until both exist', () => {
  const code = [asm.storeImm('store_imm_u32', 0x10ffe, 0x12345678), asm.ret()];
  const scenarios: [premapped: number[], faults: number[]][] = [
    [[], [0x10000, 0x11000]],
    [[0x10000], [0x11000]],
    [[0x11000], [0x10000]],
  ];
  for (const [premapped, faults] of scenarios) {
    const { module } = dynamic(code);
    const instance = startAt(module);
    for (const page of premapped) instance.zeroMemoryWithMemoryProtection(page, PAGE, 'read-write');
    for (const page of faults) {
      expectSegfault(instance.run(), page);
      for (const mapped of premapped) {
        const at = mapped === 0x10000 ? 0x10ffe : 0x11000;
        assert.deepEqual([...instance.readMemory(at, 2)], [0, 0], 'nothing was written');
      }
      instance.zeroMemoryWithMemoryProtection(page, PAGE, 'read-write');
      premapped.push(page);
    }
    assert.equal(instance.run().kind, 'finished');
    assert.deepEqual([...instance.readMemory(0x10ffe, 4)], [0x78, 0x56, 0x34, 0x12]);
  }
});

test('a straddling store: a missing page wins over a read-only one; with both mapped the read-only one faults', () => {
  const code = [asm.storeImm('store_imm_u32', 0x10ffe, 0x12345678), asm.ret()];
  // Low page read-only, high page missing: the missing page is reported, not write-protected.
  let instance = startAt(dynamic(code).module);
  instance.zeroMemoryWithMemoryProtection(0x10000, PAGE, 'read');
  expectSegfault(instance.run(), 0x11000, false);

  // Both mapped, high page read-only.
  instance = startAt(dynamic(code).module);
  instance.zeroMemoryWithMemoryProtection(0x10000, PAGE, 'read-write');
  instance.zeroMemoryWithMemoryProtection(0x11000, PAGE, 'read');
  expectSegfault(instance.run(), 0x11000, true);
  assert.deepEqual([...instance.readMemory(0x10ffe, 4)], [0, 0, 0, 0]);

  // Both mapped, both read-only: the low page is reported.
  instance.protectMemory(0x10000, PAGE);
  expectSegfault(instance.run(), 0x10000, true);
  instance.unprotectMemory(0x10000, 2 * PAGE);
  assert.equal(instance.run().kind, 'finished');
});

test('accesses that wrap past the top of the address space segfault on the last page, or trap if it is mapped', () => {
  const { module } = dynamic([asm.absolute('load_i32', A0, 0xffffffff), asm.ret()]);
  const instance = startAt(module);
  expectSegfault(instance.run(), 0xfffff000);
  instance.zeroMemoryWithMemoryProtection(0xfffff000, PAGE, 'read-write');
  assert.equal(instance.run().kind, 'trap');
  assert.equal(instance.programCounter, 0);

  // Within the last page (no wrap) the access works.
  const inside = startAt(dynamic([asm.absolute('load_i32', A0, 0xfffffffc), asm.ret()]).module);
  inside.zeroMemoryWithMemoryProtection(0xfffff000, PAGE, 'read-write');
  inside.writeU32(0xfffffffc, 0xcafe);
  assert.equal(inside.run().kind, 'finished');
  assert.equal(inside.reg(A0), 0xcafen);
});

test('64-bit addresses are truncated to 32 bits before the page lookup', () => {
  const { module } = dynamic(
    [asm.loadImm64(A0, 0xffffffff10000001n), asm.indirect('load_indirect_i32', A1, A0, 0), asm.ret()],
    { isa: 'latest64' },
  );
  expectSegfault(startAt(module).run(), 0x10000000);
});

test('faults on pages below 0x4000 are traps; pages from 0x4000 up are segfaults', () => {
  for (const [address, kind] of [
    [1, 'trap'],
    [0x3ffc, 'trap'],
    [0x4000, 'segfault'],
    [0xfffc, 'segfault'],
  ] as const) {
    const instance = startAt(dynamic([asm.absolute('load_i32', A0, address), asm.ret()]).module);
    const interrupt = instance.run();
    assert.equal(interrupt.kind, kind, `address 0x${address.toString(16)}`);
    if (interrupt.kind === 'trap') assert.equal(instance.nextProgramCounter, null);
    else assert.equal(interrupt.kind === 'segfault' && interrupt.pageAddress, address & ~(PAGE - 1));
  }
});

test('the host can change the registers of a faulting instruction before it is retried', () => {
  // The store's value and address registers are re-read when the instruction runs again.
  const { module } = dynamic([asm.indirect('store_indirect_u32', A0, A1, 0), asm.ret()]);
  const instance = startAt(module);
  instance.setReg(A0, 0x11223344);
  instance.setReg(A1, 0x10001);
  expectSegfault(instance.run(), 0x10000);
  instance.zeroMemoryWithMemoryProtection(0x10000, PAGE, 'read-write');
  instance.setReg(A0, 0x55667788);
  instance.setReg(A1, 0x10002);
  assert.equal(instance.run().kind, 'finished');
  assert.deepEqual([...instance.readMemory(0x10000, 6)], [0, 0, 0x88, 0x77, 0x66, 0x55]);

  // Pointing the access at a mapped page instead cancels the segfault.
  const other = dynamic([asm.storeImmIndirect('store_imm_indirect_u32', A0, 0, 0x12345678), asm.ret()]).module;
  const second = startAt(other);
  second.zeroMemoryWithMemoryProtection(0x11000, PAGE, 'read-write');
  second.setReg(A0, 0x10000);
  expectSegfault(second.run(), 0x10000);
  second.setReg(A0, 0x11000);
  assert.equal(second.run().kind, 'finished');
  assert.deepEqual([...second.readMemory(0x11000, 4)], [0x78, 0x56, 0x34, 0x12]);
});

test('the host can move the program counter elsewhere during a segfault', () => {
  const { module, offsets } = dynamic([
    asm.storeImm('store_imm_u32', 0x10000, 1),
    asm.ret(),
    asm.storeImm('store_imm_u32', 0x11000, 2),
    asm.ret(),
  ]);
  const instance = startAt(module, offsets[0]);
  expectSegfault(instance.run(), 0x10000);
  instance.setNextProgramCounter(offsets[2]!);
  const segfault = expectSegfault(instance.run(), 0x11000);
  instance.zeroMemoryWithMemoryProtection(segfault.pageAddress, PAGE, 'read-write');
  assert.equal(instance.run().kind, 'finished');
  assert.equal(instance.readU32(0x11000), 2);
  assert.throws(() => instance.readU32(0x10000), MemoryAccessError);
});

test('resuming after a segfault does not charge the block again', () => {
  const { module } = dynamic([asm.loadImm(A0, 1), asm.storeImm('store_imm_u32', 0x10000, 7), asm.ret()], {}, { gasMetering: 'sync' });
  const instance = startAt(module);
  instance.setGas(10);
  expectSegfault(instance.run(), 0x10000);
  assert.equal(instance.gas, 7n);
  instance.zeroMemoryWithMemoryProtection(0x10000, PAGE, 'read-write');
  assert.equal(instance.run().kind, 'finished');
  assert.equal(instance.gas, 7n);
  assert.equal(instance.readU32(0x10000), 7);
});

test('running out of gas with dynamic paging stops at the next block', () => {
  const { module, offsets } = dynamic(
    [asm.loadImm(A0, 1), asm.fallthrough(), asm.loadImm(A0, 2), asm.ret()],
    {},
    { gasMetering: 'sync' },
  );
  const instance = startAt(module, offsets[0]);
  instance.setGas(2);
  assert.equal(instance.run().kind, 'not-enough-gas');
  assert.equal(instance.programCounter, offsets[2]);
  assert.equal(instance.gas, 0n);
  assert.equal(instance.reg(A0), 1n);
});

test('a segfault preserves every register', () => {
  const instance = startAt(dynamic([asm.storeImm('store_imm_u32', 0x10000, 0x12345678), asm.ret()]).module);
  for (let r = 0; r < 13; r++) instance.setReg(r, r + 0x100);
  expectSegfault(instance.run(), 0x10000);
  for (let r = 0; r < 13; r++) assert.equal(instance.reg(r), BigInt(r + 0x100));
});

test('memset segfaults on each missing page with its progress in a0/a2 and resumes without recharging', () => {
  const { module, offsets } = dynamic([asm.memset(), asm.ret()], { rwDataSize: 2 * PAGE }, { gasMetering: 'sync' });
  const rw = module.memoryMap.rwDataAddress;

  let instance = module.instantiate();
  instance.setGas(100);
  instance.prepareCall(offsets[0]!, [rw, 0x1234567a, 3]);
  const segfault = expectSegfault(instance.run(), rw);
  assert.deepEqual([instance.reg(A0), instance.reg(A1), instance.reg(A2)], [BigInt(rw), 0x1234567an, 3n]);
  assert.equal(instance.programCounter, offsets[0]);
  assert.equal(instance.nextProgramCounter, offsets[0]);
  assert.equal(instance.gas, 98n);
  instance.zeroMemoryWithMemoryProtection(segfault.pageAddress, segfault.pageSize, 'read-write');
  assert.equal(instance.run().kind, 'finished');
  assert.deepEqual([instance.reg(A0), instance.reg(A1), instance.reg(A2)], [BigInt(rw + 3), 0x1234567an, 0n]);
  assert.deepEqual([...instance.readMemory(rw, 5)], [0x7a, 0x7a, 0x7a, 0, 0]);
  assert.equal(instance.gas, 95n);

  instance = module.instantiate();
  instance.zeroMemoryWithMemoryProtection(rw, PAGE, 'read-write');
  instance.setGas(100);
  instance.prepareCall(offsets[0]!, [rw + PAGE - 1, 0x1234567a, 4]);
  expectSegfault(instance.run(), rw + PAGE);
  assert.deepEqual([instance.reg(A0), instance.reg(A1), instance.reg(A2)], [BigInt(rw + PAGE), 0x1234567an, 3n]);
  assert.deepEqual([...instance.readMemory(rw + PAGE - 2, 2)], [0, 0x7a]);
  assert.equal(instance.gas, 97n);
  // Change everything mid-flight.
  instance.setReg(A0, rw + PAGE + 1);
  instance.setReg(A1, 0x1234567b);
  instance.setReg(A2, 2);
  instance.zeroMemoryWithMemoryProtection(rw + PAGE, PAGE, 'read-write');
  assert.equal(instance.run().kind, 'finished');
  assert.deepEqual([instance.reg(A0), instance.reg(A1), instance.reg(A2)], [BigInt(rw + PAGE + 3), 0x1234567bn, 0n]);
  assert.deepEqual([...instance.readMemory(rw + PAGE - 2, 6)], [0, 0x7a, 0, 0x7b, 0x7b, 0]);
  assert.equal(instance.gas, 95n);
});

test('dynamic and standard instances of the same blob are independent', () => {
  const program = buildProgram({ rwDataSize: 1, code: [asm.storeImm('store_imm_u32', 0x20000, 0x12345678), asm.ret()] });
  const dynamicModule = moduleOf(program, { pageSize: PAGE, dynamicPaging: true });
  const standardModule = moduleOf(program, { pageSize: PAGE });
  for (const isDynamic of [false, true, false, true]) {
    const instance = startAt(isDynamic ? dynamicModule : standardModule);
    if (!isDynamic) {
      assert.equal(instance.readU32(0x20000), 0);
      accessError(() => instance.readU32(0x21000), 0x21000, 4);
      assert.equal(instance.run().kind, 'finished');
      assert.equal(instance.readU32(0x20000), 0x12345678);
      continue;
    }
    accessError(() => instance.readU32(0x20000), 0x20000, 4);
    expectSegfault(instance.run(), 0x20000);
    const segfault = expectSegfault(instance.run(), 0x20000);
    accessError(() => instance.readU32(0x21000), 0x21000, 4);
    instance.zeroMemoryWithMemoryProtection(segfault.pageAddress, PAGE + 4, 'read-write');
    assert.equal(instance.run().kind, 'finished');
    assert.equal(instance.readU32(0x20000), 0x12345678);
    assert.equal(instance.readU32(0x21000), 0, 'the length was rounded up to a second page');
    instance.setNextProgramCounter(0);
    assert.equal(instance.run().kind, 'finished');
  }
});

test('host writes need mapped writable pages; writeMemoryUnprotected fills read-only pages', () => {
  const instance = dynamic([asm.ret()]).module.instantiate();
  instance.zeroMemoryWithMemoryProtection(0x10000, PAGE, 'read');
  accessError(() => instance.writeMemory(0x10000, Uint8Array.of(1)), 0x10000, 1);
  instance.writeMemoryUnprotected(0x10000, Uint8Array.of(1, 2));
  assert.deepEqual([...instance.readMemory(0x10000, 3)], [1, 2, 0]);
  accessError(() => instance.writeMemory(0x10fff, Uint8Array.of(1, 2)), 0x10fff, 2);
  assert.ok(!instance.isMemoryAccessible(0x10000, 1, 'read-write'));
  assert.ok(instance.isMemoryAccessible(0x10000, PAGE, 'read'));
  assert.ok(!instance.isMemoryAccessible(0x10000, PAGE + 1, 'read'));
});

test('Instance.call maps stack, RO and RW pages on demand with their initial contents', () => {
  const ro = 0x10000;
  const rw = 0x30000;
  const program = buildProgram({
    roDataSize: 2 * PAGE,
    roData: Uint8Array.of(0x11, 0x22, 0x33, 0x44),
    rwDataSize: 2 * PAGE,
    rwData: Uint8Array.of(5, 0, 0, 0),
    stackSize: PAGE,
    code: [
      asm.absolute('load_i32', A0, ro),
      asm.absolute('load_i32', A1, rw),
      asm.absolute('load_i32', A2, ro + PAGE),
      asm.addImm32(A1, A1, 1),
      asm.absolute('store_u32', A1, rw),
      asm.indirect('store_indirect_u32', A1, Reg.SP, -4),
      asm.indirect('load_indirect_i32', A3, Reg.SP, -4),
      asm.ret(),
    ],
  });
  const module = moduleOf(program, { pageSize: PAGE, dynamicPaging: true });
  assert.equal(module.memoryMap.rwDataAddress, rw);
  const instance = new Linker().instantiate(module);
  assert.equal(instance.call('main'), 0x44332211n);
  assert.deepEqual([instance.reg(A1), instance.reg(A2), instance.reg(A3)], [6n, 0n, 6n]);
  assert.equal(instance.readU32(rw), 6);
  assert.ok(instance.isMemoryAccessible(ro, PAGE, 'read'));
  assert.ok(!instance.isMemoryAccessible(ro, 1, 'read-write'), 'RO pages holding data are read-only');
  assert.ok(!instance.isMemoryAccessible(ro + PAGE, 1, 'read-write'), 'RO pages past the data are read-only');
  assert.equal(instance.residentMemory, 4 * PAGE);

  // Anything outside of the program's regions is an ordinary trap.
  const stray = new Linker().instantiate(moduleOf(buildProgram({ code: [asm.absolute('load_i32', A0, 0x5000_0000), asm.ret()] }), { dynamicPaging: true }));
  assert.throws(() => stray.call('main'), TrapError);
});

test('Instance.call traps on a guest write to a read-only program page instead of remapping it forever', () => {
  const program = buildProgram({
    roDataSize: PAGE,
    roData: Uint8Array.of(1, 2, 3, 4),
    code: [asm.absolute('load_i32', A0, 0x10000), asm.absolute('store_u32', A0, 0x10000), asm.ret()],
  });
  const instance = new Linker().instantiate(moduleOf(program, { pageSize: PAGE, dynamicPaging: true }));
  assert.throws(() => instance.call('main'), TrapError);
  assert.equal(instance.readU32(0x10000), 0x04030201);
});

test('sbrk traps with dynamic paging, where there is no heap (the reference aborts the host)', () => {
  const instance = startAt(dynamic([asm.sbrk(A0, A0), asm.ret()]).module);
  instance.setReg(A0, 16);
  assert.equal(instance.run().kind, 'trap');
});

test('resetMemory unmaps every page', () => {
  const instance = startAt(dynamic([asm.absolute('load_i32', A0, 0x10000), asm.ret()]).module);
  instance.zeroMemoryWithMemoryProtection(0x10000, 2 * PAGE, 'read-write');
  instance.writeU32(0x10000, 5);
  instance.resetMemory();
  assert.equal(instance.residentMemory, 0);
  assert.throws(() => instance.readU32(0x10000), MemoryAccessError);
  expectSegfault(instance.run(), 0x10000);
});

test('step tracing: resuming after a segfault retries the access without stepping the same instruction again', () => {
  const { module, offsets } = dynamic([asm.absolute('load_i32', A0, 0x10000), asm.ret()], {}, { stepTracing: true });
  const instance = startAt(module);
  assert.equal(instance.run().kind, 'step');
  assert.equal(instance.programCounter, offsets[0]);
  expectSegfault(instance.run(), 0x10000);
  assert.equal(instance.programCounter, offsets[0]);
  instance.zeroMemoryWithMemoryProtection(0x10000, PAGE, 'read-write');
  instance.writeU32(0x10000, 9);
  assert.equal(instance.run().kind, 'step');
  assert.equal(instance.programCounter, offsets[1]);
  assert.equal(instance.reg(A0), 9n);
  assert.equal(instance.run().kind, 'finished');
});
