/**
 * The low-level instance API: registers, gas, program counter, guest memory, and `run()` returning
 * {@link Interrupt}s. Mirrors the reference's `RawInstance`.
 */
import { InvalidArgumentError, MemoryAccessError, PolkaVMError } from '../errors.js';
import { Exit, InterpreterInstance, NO_PC } from '../interpreter/interpreter-instance.js';
import { DynamicMemory } from '../interpreter/dynamic-memory.js';
import { StandardMemory, type GuestMemory, type MemoryProtection } from '../interpreter/memory.js';
import { warmUpInterpreter } from '../interpreter/warm-up.js';
import { CompiledInstance } from '../compiler/compiled-instance.js';
import { type CompiledSetup, prepareCompiled } from '../compiler/compiled-setup.js';
import { ARGUMENT_REGISTERS, REGISTER_COUNT, Reg } from '../isa/registers.js';
import { RETURN_TO_HOST_ADDRESS } from '../program/code-and-jump-table.js';
import { FINISHED, NOT_ENOUGH_GAS, STEP, TRAP, type Interrupt } from './interrupt.js';
import type { Module } from './module.js';

const ADDRESS_SPACE_END = 0x1_0000_0000;
const MIN_HOST_ADDRESS = 0x10000;
const U64_MASK = 0xffffffffffffffffn;

/** @internal The compiler backend's parts of an instance, possibly instantiated asynchronously. */
export interface PreparedInstance {
  readonly setup: CompiledSetup;
  /** The WebAssembly instance, or null to instantiate synchronously. */
  readonly wasmInstance: WebAssembly.Instance | null;
}

/** @internal Memory and imports for a compiler-backend instance of `module`. */
export function prepareInstance(module: Module): PreparedInstance {
  const { program } = module.compiledWasm();
  const setup = prepareCompiled({
    map: module.memoryMap,
    layout: program.layout,
    dynamicPaging: module.dynamicPaging,
    roData: module.blob.roData,
    rwData: module.blob.rwData,
  });
  return { setup, wasmInstance: null };
}

/** A register value accepted by setters: a bigint, or a safe integer. */
export type RegisterValue = bigint | number;

function toBigInt(value: RegisterValue, what: string): bigint {
  if (typeof value === 'bigint') return value;
  if (!Number.isSafeInteger(value)) throw new InvalidArgumentError(`${what} must be a bigint or a safe integer, got ${value}`);
  return BigInt(value);
}

function checkAddress(address: number, length: number): void {
  if (!Number.isInteger(address) || address < 0 || address > 0xffffffff) {
    throw new InvalidArgumentError(`address must be a u32, got ${address}`);
  }
  if (!Number.isInteger(length) || length < 0 || length > 0xffffffff) {
    throw new InvalidArgumentError(`length must be a u32, got ${length}`);
  }
}

export class RawInstance {
  /** @internal */
  readonly vm: InterpreterInstance;
  /** @internal */
  readonly memory: GuestMemory;
  private hostSideAuxWriteProtect = false;

  /**
   * @param compiled for the compiler backend: the instance's memory, imports and WebAssembly instance when created
   *   asynchronously ({@link Module.instantiateAsync}); created synchronously here otherwise.
   */
  constructor(
    readonly module: Module,
    compiled?: PreparedInstance,
  ) {
    warmUpInterpreter();
    const map = module.memoryMap;
    const blob = module.blob;
    if (module.usesCompiler) {
      const { program, module: wasmModule } = module.compiledWasm();
      const prepared = compiled ?? prepareInstance(module);
      const wasmInstance = prepared.wasmInstance ?? new WebAssembly.Instance(wasmModule, prepared.setup.imports.object());
      this.memory = prepared.setup.memory;
      this.vm = new CompiledInstance(program, wasmInstance, prepared.setup.imports, module.boundaryCompiled(), this.memory, blob.jumpTable, blob.is64Bit, module.gasMode());
    } else {
      this.memory = module.dynamicPaging ? new DynamicMemory(map) : new StandardMemory(map, blob.roData, blob.rwData);
      this.vm = new InterpreterInstance(module.compiled(), this.memory, blob.jumpTable, blob.is64Bit, module.gasMode());
    }
  }

  // ------------------------------------------------------------------ registers

  private checkRegister(reg: number): void {
    if (!Number.isInteger(reg) || reg < 0 || reg >= REGISTER_COUNT) {
      throw new InvalidArgumentError(`register index must be 0..12, got ${reg}`);
    }
  }

  /** Register value (on 32-bit programs: the low 32 bits, zero-extended). */
  reg(reg: number): bigint {
    this.checkRegister(reg);
    const low = BigInt(this.vm.lo[reg]! >>> 0);
    if (!this.module.is64Bit) return low;
    return (BigInt(this.vm.hi[reg]! >>> 0) << 32n) | low;
  }

  /** Sets a register (taken modulo 2^64; on 32-bit programs truncated to 32 bits and sign-extended). */
  setReg(reg: number, value: RegisterValue): void {
    this.checkRegister(reg);
    const v = toBigInt(value, 'register value') & U64_MASK;
    const low = Number(v & 0xffffffffn) | 0;
    this.vm.lo[reg] = low;
    this.vm.hi[reg] = this.module.is64Bit ? Number(v >> 32n) | 0 : low >> 31;
  }

  /** Sets every register to zero. */
  clearRegs(): void {
    this.vm.lo.fill(0);
    this.vm.hi.fill(0);
  }

  // ------------------------------------------------------------------ gas and program counter

  /** Remaining gas (may be negative after asynchronous metering ran out). */
  get gas(): bigint {
    return this.vm.getGas();
  }

  setGas(gas: RegisterValue): void {
    const value = toBigInt(gas, 'gas');
    if (value < -(1n << 63n) || value >= 1n << 63n) throw new InvalidArgumentError('gas must fit in an i64');
    this.vm.setGas(value);
  }

  /** PC of the instruction that caused the last interruption, or null. */
  get programCounter(): number | null {
    return this.vm.programCounterValid ? this.vm.programCounter : null;
  }

  /**
   * @internal The program counter of the dynamic jump to the return-to-host address that finished the last run
   * (the JAM test vectors expect it; the reference API reports no program counter once finished).
   */
  get finishedAtProgramCounter(): number | null {
    return this.vm.finishedAt === NO_PC ? null : this.vm.finishedAt;
  }

  /** Where the next `run()` starts or resumes, or null. */
  get nextProgramCounter(): number | null {
    return this.vm.nextProgramCounter === NO_PC ? null : this.vm.nextProgramCounter;
  }

  /** Sets where the next `run()` starts; entering in the middle of a basic block charges the whole block. */
  setNextProgramCounter(pc: number): void {
    if (!Number.isInteger(pc) || pc < 0 || pc > 0xffffffff) {
      throw new InvalidArgumentError(`program counter must be a u32, got ${pc}`);
    }
    this.vm.setNextProgramCounter(pc);
  }

  /** Host call number of the last `ecalli` interruption. */
  get hostcall(): number {
    return this.vm.hostcall;
  }

  /**
   * Prepares a call: clears registers, sets `sp` to the stack top and `ra` to the return-to-host address,
   * puts up to 9 arguments into a0..a5, t0..t2 and sets the next program counter.
   */
  prepareCall(pc: number, args: readonly RegisterValue[] = []): void {
    if (args.length > ARGUMENT_REGISTERS.length) {
      throw new InvalidArgumentError(`too many arguments: ${args.length} (at most ${ARGUMENT_REGISTERS.length})`);
    }
    this.clearRegs();
    this.setReg(Reg.SP, this.module.defaultSp);
    this.setReg(Reg.RA, RETURN_TO_HOST_ADDRESS);
    args.forEach((arg, index) => this.setReg(ARGUMENT_REGISTERS[index]!, arg));
    this.setNextProgramCounter(pc);
  }

  // ------------------------------------------------------------------ running

  /** Runs until the next interruption. */
  run(): Interrupt {
    const vm = this.vm;
    if (vm.nextProgramCounter === NO_PC) {
      throw new PolkaVMError('failed to run: next program counter is not set');
    }
    if (vm.getGas() < 0n) return NOT_ENOUGH_GAS;
    const exit = vm.run();
    if (vm.gas < 0 && vm.getGas() < 0n) return NOT_ENOUGH_GAS;
    switch (exit) {
      case Exit.Finished:
        return FINISHED;
      case Exit.Trap:
        return TRAP;
      case Exit.Ecalli:
        return { kind: 'ecalli', hostcall: vm.hostcall };
      case Exit.Segfault:
        return {
          kind: 'segfault',
          pageAddress: vm.segfaultPageAddress,
          pageSize: this.module.memoryMap.pageSize,
          isWriteProtected: vm.segfaultIsWriteProtected,
        };
      case Exit.NotEnoughGas:
        return NOT_ENOUGH_GAS;
      case Exit.Step:
        return STEP;
      default:
        throw new PolkaVMError(`internal error: unexpected exit ${exit}`);
    }
  }

  // ------------------------------------------------------------------ memory

  /** Reads guest memory; throws {@link MemoryAccessError} if any byte is inaccessible. */
  readMemory(address: number, length: number): Uint8Array {
    checkAddress(address, length);
    if (length === 0) return new Uint8Array(0);
    if (address < MIN_HOST_ADDRESS || address + length > ADDRESS_SPACE_END) throw new MemoryAccessError(address, length);
    return this.memory.readMemory(address, length);
  }

  private writeUpperLimit(): number {
    return this.hostSideAuxWriteProtect ? this.module.memoryMap.stackAddressHigh : ADDRESS_SPACE_END;
  }

  /** Writes guest memory; throws {@link MemoryAccessError} if any byte is not writable by the host. */
  writeMemory(address: number, data: Uint8Array): void {
    checkAddress(address, data.length);
    if (data.length === 0) return;
    if (address < MIN_HOST_ADDRESS || address + data.length > this.writeUpperLimit()) {
      throw new MemoryAccessError(address, data.length);
    }
    this.memory.writeMemory(address, data);
  }

  /** Sets `length` bytes of guest memory to zero. */
  zeroMemory(address: number, length: number): void {
    checkAddress(address, length);
    if (length === 0) return;
    if (address < MIN_HOST_ADDRESS || address + length > this.writeUpperLimit()) throw new MemoryAccessError(address, length);
    this.memory.zeroMemory(address, length);
  }

  private readView(address: number, length: number): DataView {
    const bytes = this.readMemory(address, length);
    return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  readU8(address: number): number {
    return this.readView(address, 1).getUint8(0);
  }
  readU16(address: number): number {
    return this.readView(address, 2).getUint16(0, true);
  }
  readU32(address: number): number {
    return this.readView(address, 4).getUint32(0, true);
  }
  readU64(address: number): bigint {
    return this.readView(address, 8).getBigUint64(0, true);
  }
  writeU8(address: number, value: number): void {
    this.writeMemory(address, Uint8Array.of(value & 0xff));
  }
  writeU16(address: number, value: number): void {
    const bytes = new Uint8Array(2);
    new DataView(bytes.buffer).setUint16(0, value & 0xffff, true);
    this.writeMemory(address, bytes);
  }
  writeU32(address: number, value: number): void {
    const bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setUint32(0, value >>> 0, true);
    this.writeMemory(address, bytes);
  }
  writeU64(address: number, value: bigint): void {
    const bytes = new Uint8Array(8);
    new DataView(bytes.buffer).setBigUint64(0, BigInt.asUintN(64, value), true);
    this.writeMemory(address, bytes);
  }

  /** Whether `length` bytes at `address` are accessible with at least the given protection. */
  isMemoryAccessible(address: number, length: number, protection: MemoryProtection = 'read'): boolean {
    checkAddress(address, length);
    if (length === 0) return true;
    if (address < MIN_HOST_ADDRESS) return false;
    const limit = protection === 'read' ? ADDRESS_SPACE_END : this.writeUpperLimit();
    if (address + length > limit) return false;
    return this.memory.isMemoryAccessible(address, length, protection);
  }

  /** Current heap size in bytes (standard memory only). */
  get heapSize(): number {
    return this.memory.heapSize;
  }

  /** Grows the heap like the `sbrk` instruction; returns the new heap top or null. */
  sbrk(size: number): number | null {
    if (!this.memory.isStandard) throw new PolkaVMError('sbrk is not available with dynamic paging');
    checkAddress(0, size);
    return this.memory.sbrk(size);
  }

  /** Restores the initial memory contents (and an empty heap). */
  resetMemory(): void {
    this.memory.reset();
  }

  /** Makes `size` bytes (rounded up to a page) of the aux region accessible to the guest. */
  setAccessibleAuxSize(size: number): void {
    if (!this.memory.isStandard) {
      throw new PolkaVMError('setting accessible aux size is only possible on modules without dynamic paging');
    }
    const map = this.module.memoryMap;
    checkAddress(0, size);
    if (size > map.auxDataSize) {
      throw new InvalidArgumentError(`cannot set accessible aux size: the maximum is ${map.auxDataSize}, while tried to set ${size}`);
    }
    this.memory.setAccessibleAuxSize(Math.ceil(size / map.pageSize) * map.pageSize);
  }

  /** When set, the host cannot write the aux region either. */
  setHostSideAuxWriteProtect(isWriteProtected: boolean): void {
    if (this.module.dynamicPaging) {
      throw new PolkaVMError('write-protecting the aux data region is only possible on modules without dynamic paging');
    }
    this.hostSideAuxWriteProtect = isWriteProtected;
  }

  private dynamicMemory(what: string): DynamicMemory {
    if (!(this.memory instanceof DynamicMemory)) {
      throw new PolkaVMError(`'${what}' is only possible on modules with dynamic paging`);
    }
    return this.memory;
  }

  private checkPageRange(address: number, length: number): void {
    checkAddress(address, length);
    if (address < MIN_HOST_ADDRESS || address + length > ADDRESS_SPACE_END) throw new MemoryAccessError(address, length);
  }

  /** Dynamic paging: maps zeroed pages covering [address, address + length) with the given protection. */
  zeroMemoryWithMemoryProtection(address: number, length: number, protection: MemoryProtection): void {
    const memory = this.dynamicMemory('zeroMemoryWithMemoryProtection');
    if (length === 0) return;
    const pageSize = this.module.memoryMap.pageSize;
    if (address % pageSize !== 0) throw new InvalidArgumentError('address not a multiple of page size');
    checkAddress(address, length);
    if (address < MIN_HOST_ADDRESS || address + length > this.writeUpperLimit()) throw new MemoryAccessError(address, length);
    memory.mapPages(address, Math.ceil(length / pageSize) * pageSize, protection);
  }

  /** Dynamic paging: makes mapped pages read-only for the guest. */
  protectMemory(address: number, length: number): void {
    const memory = this.dynamicMemory('protectMemory');
    if (length === 0) return;
    this.checkPageRange(address, length);
    memory.protect(address, length, 'read');
  }

  /** Dynamic paging: makes mapped pages writable again. */
  unprotectMemory(address: number, length: number): void {
    const memory = this.dynamicMemory('unprotectMemory');
    if (length === 0) return;
    this.checkPageRange(address, length);
    memory.protect(address, length, 'read-write');
  }

  /** Dynamic paging: unmaps pages. */
  freePages(address: number, length: number): void {
    const memory = this.dynamicMemory('freePages');
    if (length === 0) return;
    if (address % this.module.memoryMap.pageSize !== 0) throw new InvalidArgumentError('address not a multiple of page size');
    checkAddress(address, length);
    // A range past the end of the 32-bit address space names pages that cannot exist.
    if (address + length > ADDRESS_SPACE_END) throw new MemoryAccessError(address, length);
    memory.freePages(address, length);
  }

  /** Dynamic paging: host write that ignores page protection (for test harnesses filling read-only pages). */
  writeMemoryUnprotected(address: number, data: Uint8Array): void {
    const memory = this.dynamicMemory('writeMemoryUnprotected');
    if (data.length === 0) return;
    this.checkPageRange(address, data.length);
    memory.writeMemoryUnprotected(address, data);
  }

  /** Bytes of guest memory currently allocated for this instance. */
  get residentMemory(): number {
    return this.memory.residentBytes();
  }
}
