/**
 * Guest memory for the interpreter.
 *
 * Both kinds expose the same "fast windows" (resident, directly accessible byte ranges) that the execution loop
 * checks inline, and a slow path for everything else: lazy growth, zero-filled non-resident ranges, traps, and
 * (with dynamic paging) page lookups and segfaults.
 *
 * - {@link StandardMemory}: the reference's fixed regions (RO, RW + heap, stack, aux), allocated lazily: a region
 *   only holds the bytes up to the highest one written, and reads beyond that return zeros.
 * - {@link DynamicMemory} (dynamic-memory.ts): starts empty; the host maps pages; touching a missing page is a
 *   segfault.
 */
import { MemoryAccessError } from '../errors.js';
import type { MemoryMap } from '../program/memory-map.js';

/** Result of a slow-path access that did not succeed. */
export const enum Fault {
  None = 0,
  Trap = 1,
  Segfault = 2,
}

/** Sentinel returned by `slowLoad` when the access faulted (loaded values are u32, never negative). */
export const LOAD_FAULT = -1;

const EMPTY = new Uint8Array(0);
const EMPTY_VIEW = new DataView(new ArrayBuffer(0));
/** Resident buffers grow in steps of at least this many bytes. */
const GROWTH_GRANULARITY = 0x4000;

/** Access protection for host-side checks and dynamic paging. */
export type MemoryProtection = 'read' | 'read-write';

/** State shared by both memory kinds and read by the execution loop's inline fast path. */
export abstract class GuestMemory {
  // Fast windows: an access of N bytes at `addr` may go straight to `xView` at `addr - xBase` when that offset
  // is >= 0 and <= `xLen - N`. Windows only ever cover accessible, resident bytes.
  rwBase = 0;
  rwLen = 0;
  rwView: DataView = EMPTY_VIEW;
  stackBase = 0;
  stackLen = 0;
  stackView: DataView = EMPTY_VIEW;
  roBase = 0;
  roLen = 0;
  roView: DataView = EMPTY_VIEW;

  /** Details of the last fault reported by the slow path. */
  faultKind: Fault = Fault.None;
  faultPageAddress = 0;
  faultIsWriteProtected = false;
  /** High 32 bits of the last 8-byte slow-path load. */
  loadHigh = 0;

  constructor(readonly map: MemoryMap) {}

  /** Loads `size` bytes; returns the low 32 bits as a u32 (high bits in `loadHigh`) or {@link LOAD_FAULT}. */
  abstract slowLoad(address: number, size: number): number;
  /** Stores `size` bytes of (`low`, `high`); returns false on a fault. */
  abstract slowStore(address: number, size: number, low: number, high: number): boolean;
  /** Restores the initial memory contents. */
  abstract reset(): void;

  abstract readMemory(address: number, length: number): Uint8Array;
  abstract writeMemory(address: number, data: Uint8Array): void;
  abstract zeroMemory(address: number, length: number): void;
  abstract isMemoryAccessible(address: number, length: number, protection: MemoryProtection): boolean;

  /** Approximate bytes of guest memory currently allocated (for tests and stats). */
  abstract residentBytes(): number;

  /** Whether this memory has a heap and an aux region (standard memory; dynamic paging has neither). */
  abstract readonly isStandard: boolean;
  /** Current heap size in bytes. */
  heapSize = 0;

  /** Grows the heap like the `sbrk` instruction; returns the new heap top, or null. Standard memory only. */
  sbrk(_size: number): number | null {
    return null;
  }

  /** Makes `size` bytes (page aligned) of the aux region accessible. Standard memory only. */
  setAccessibleAuxSize(_size: number): void {}
}

export function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function storeBytes(view: DataView, offset: number, size: number, low: number, high: number): void {
  switch (size) {
    case 1:
      view.setUint8(offset, low);
      return;
    case 2:
      view.setUint16(offset, low, true);
      return;
    case 4:
      view.setInt32(offset, low, true);
      return;
    default:
      view.setInt32(offset, low, true);
      view.setInt32(offset + 4, high, true);
  }
}

/** Reads `size` bytes at `offset` of `bytes`, treating bytes past its end as zero. */
function loadPadded(bytes: Uint8Array, offset: number, size: number, memory: GuestMemory): number {
  let low = 0;
  let high = 0;
  for (let i = 0; i < size; i++) {
    const at = offset + i;
    const byte = at < bytes.length ? bytes[at]! : 0;
    if (i < 4) low |= byte << (8 * i);
    else high |= byte << (8 * (i - 4));
  }
  memory.loadHigh = high;
  return low >>> 0;
}

/** The reference's standard memory: RO, RW + heap, stack and aux regions. */
export class StandardMemory extends GuestMemory {
  readonly isStandard = true;
  private rw: Uint8Array = EMPTY;
  /** Accessible RW size (grows with sbrk, page aligned). */
  private rwSize = 0;
  private stack: Uint8Array = EMPTY;
  private aux: Uint8Array = EMPTY;
  private accessibleAuxSize = 0;

  constructor(
    map: MemoryMap,
    private readonly roData: Uint8Array,
    private readonly rwData: Uint8Array,
  ) {
    super(map);
    this.reset();
  }

  reset(): void {
    const map = this.map;
    this.roBase = map.roDataAddress;
    this.roView = viewOf(this.roData);
    this.roLen = Math.min(this.roData.length, map.roDataSize);
    this.rw = this.rwData.length > 0 ? this.rwData.slice() : EMPTY;
    this.rwSize = map.rwDataSize;
    this.heapSize = 0;
    this.stack = EMPTY;
    this.aux = EMPTY;
    this.accessibleAuxSize = map.auxDataSize;
    this.refreshWindows();
  }

  private refreshWindows(): void {
    this.rwBase = this.map.rwDataAddress;
    this.rwView = viewOf(this.rw);
    this.rwLen = this.rw.length;
    this.stackBase = this.map.stackAddressHigh - this.stack.length;
    this.stackView = viewOf(this.stack);
    this.stackLen = this.stack.length;
  }

  residentBytes(): number {
    return this.rw.length + this.stack.length + this.aux.length;
  }

  get accessibleAuxDataSize(): number {
    return this.accessibleAuxSize;
  }

  override setAccessibleAuxSize(size: number): void {
    this.accessibleAuxSize = size;
    if (this.aux.length > size) this.aux = this.aux.slice(0, size);
  }

  private growRw(required: number): void {
    const size = Math.min(this.rwSize, Math.max(required, this.rw.length * 2, GROWTH_GRANULARITY));
    const grown = new Uint8Array(Math.ceil(size / GROWTH_GRANULARITY) * GROWTH_GRANULARITY);
    const bytes = grown.length > this.rwSize ? grown.subarray(0, Math.max(required, this.rwSize)) : grown;
    bytes.set(this.rw);
    this.rw = bytes;
    this.refreshWindows();
  }

  private growStack(required: number): void {
    const size = Math.min(this.map.stackSize, Math.max(required, this.stack.length * 2, GROWTH_GRANULARITY));
    const grown = new Uint8Array(size);
    grown.set(this.stack, size - this.stack.length);
    this.stack = grown;
    this.refreshWindows();
  }

  private growAux(required: number): void {
    const size = Math.min(this.accessibleAuxSize, Math.max(required, this.aux.length * 2, GROWTH_GRANULARITY));
    const grown = new Uint8Array(size);
    grown.set(this.aux);
    this.aux = grown;
  }

  slowLoad(address: number, size: number): number {
    const map = this.map;
    const end = address + size;
    if (address >= map.auxDataAddress) {
      const offset = address - map.auxDataAddress;
      if (offset + size <= this.accessibleAuxSize) return loadPadded(this.aux, offset, size, this);
    } else if (address >= map.stackAddressLow) {
      if (end <= map.stackAddressHigh) {
        return this.loadStack(address, size);
      }
    } else if (address >= map.rwDataAddress) {
      const offset = address - map.rwDataAddress;
      if (offset + size <= this.rwSize) return loadPadded(this.rw, offset, size, this);
    } else if (address >= map.roDataAddress) {
      const offset = address - map.roDataAddress;
      if (offset + size <= map.roDataSize) return loadPadded(this.roData, offset, size, this);
    }
    this.faultKind = Fault.Trap;
    return LOAD_FAULT;
  }

  /** Stack load where some bytes may lie below the resident part (those read as zero). */
  private loadStack(address: number, size: number): number {
    const residentLow = this.map.stackAddressHigh - this.stack.length;
    let low = 0;
    let high = 0;
    for (let i = 0; i < size; i++) {
      const at = address + i;
      const byte = at >= residentLow ? this.stack[at - residentLow]! : 0;
      if (i < 4) low |= byte << (8 * i);
      else high |= byte << (8 * (i - 4));
    }
    this.loadHigh = high;
    return low >>> 0;
  }

  slowStore(address: number, size: number, low: number, high: number): boolean {
    const map = this.map;
    if (address >= map.stackAddressLow) {
      if (address + size <= map.stackAddressHigh) {
        const required = map.stackAddressHigh - address;
        if (required > this.stack.length) this.growStack(required);
        storeBytes(this.stackView, address - this.stackBase, size, low, high);
        return true;
      }
    } else if (address >= map.rwDataAddress) {
      const offset = address - map.rwDataAddress;
      if (offset + size <= this.rwSize) {
        if (offset + size > this.rw.length) this.growRw(offset + size);
        storeBytes(this.rwView, offset, size, low, high);
        return true;
      }
    }
    this.faultKind = Fault.Trap;
    return false;
  }

  /** Grows the heap by `size` bytes; returns the new heap top, or null if it does not fit. */
  override sbrk(size: number): number | null {
    const newHeapSize = this.heapSize + size;
    if (newHeapSize > 0xffffffff || newHeapSize > this.map.maxHeapSize) return null;
    this.heapSize = newHeapSize;
    const heapTop = this.map.heapBase + newHeapSize;
    if (heapTop > this.map.rwDataAddress + this.rwSize) {
      const pageSize = this.map.pageSize;
      this.rwSize = Math.ceil(heapTop / pageSize) * pageSize - this.map.rwDataAddress;
    }
    return heapTop >>> 0;
  }

  /** Locates a host access in one region: [bytes, offset, resident growth callback] or null if inaccessible. */
  private hostRegion(address: number, length: number, write: boolean): { kind: 'ro' | 'rw' | 'stack' | 'aux'; offset: number } | null {
    const map = this.map;
    const end = address + length;
    if (address >= map.auxDataAddress) {
      if (end - map.auxDataAddress <= this.accessibleAuxSize) return { kind: 'aux', offset: address - map.auxDataAddress };
    } else if (address >= map.stackAddressLow) {
      if (end <= map.stackAddressHigh) return { kind: 'stack', offset: address - map.stackAddressLow };
    } else if (address >= map.rwDataAddress) {
      if (end - map.rwDataAddress <= this.rwSize) return { kind: 'rw', offset: address - map.rwDataAddress };
    } else if (!write && address >= map.roDataAddress) {
      if (end - map.roDataAddress <= map.roDataSize) return { kind: 'ro', offset: address - map.roDataAddress };
    }
    return null;
  }

  readMemory(address: number, length: number): Uint8Array {
    const out = new Uint8Array(length);
    if (length === 0) return out;
    const region = this.hostRegion(address, length, false);
    if (region === null) throw new MemoryAccessError(address, length);
    const copy = (source: Uint8Array, offset: number): void => {
      if (offset < source.length) out.set(source.subarray(offset, Math.min(source.length, offset + length)));
    };
    switch (region.kind) {
      case 'ro':
        copy(this.roData, region.offset);
        break;
      case 'rw':
        copy(this.rw, region.offset);
        break;
      case 'aux':
        copy(this.aux, region.offset);
        break;
      case 'stack': {
        const residentLow = this.map.stackSize - this.stack.length;
        for (let i = 0; i < length; i++) {
          const at = region.offset + i;
          if (at >= residentLow) out[i] = this.stack[at - residentLow]!;
        }
        break;
      }
    }
    return out;
  }

  private writeOrZero(address: number, length: number, data: Uint8Array | null): void {
    if (length === 0) return;
    const region = this.hostRegion(address, length, true);
    if (region === null) throw new MemoryAccessError(address, length);
    const end = region.offset + length;
    let target: Uint8Array;
    let at: number;
    switch (region.kind) {
      case 'rw':
        if (end > this.rw.length) this.growRw(end);
        target = this.rw;
        at = region.offset;
        break;
      case 'aux':
        if (end > this.aux.length) this.growAux(end);
        target = this.aux;
        at = region.offset;
        break;
      case 'stack': {
        const required = this.map.stackSize - region.offset;
        if (required > this.stack.length) this.growStack(required);
        target = this.stack;
        at = region.offset - (this.map.stackSize - this.stack.length);
        break;
      }
      default:
        throw new MemoryAccessError(address, length);
    }
    if (data === null) target.fill(0, at, at + length);
    else target.set(data, at);
  }

  writeMemory(address: number, data: Uint8Array): void {
    this.writeOrZero(address, data.length, data);
  }

  zeroMemory(address: number, length: number): void {
    this.writeOrZero(address, length, null);
  }

  isMemoryAccessible(address: number, length: number, protection: MemoryProtection): boolean {
    if (length === 0) return true;
    const map = this.map;
    const within = (start: number, end: number): boolean => address >= start && address + length <= end;
    if (within(map.stackAddressLow, map.stackAddressHigh)) return true;
    const heapTop = Math.ceil((map.heapBase + this.heapSize) / map.pageSize) * map.pageSize;
    if (within(map.rwDataAddress, heapTop)) return true;
    if (within(map.auxDataAddress, map.auxDataAddress + this.accessibleAuxSize)) return true;
    return protection === 'read' && within(map.roDataAddress, map.roDataAddress + map.roDataSize);
  }
}
