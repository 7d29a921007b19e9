/**
 * Standard guest memory kept inside a WebAssembly.Memory, laid out as in layout.ts. Compiled code accesses it
 * directly; this class gives the interpreter (which runs the rare mid-block resumptions) and the host API the same
 * view, and keeps the compiled code's dynamic window limits (heap growth, accessible aux size) up to date.
 */
import { MemoryAccessError } from '../errors.js';
import { Fault, GuestMemory, LOAD_FAULT, type MemoryProtection } from '../interpreter/memory.js';
import type { MemoryMap } from '../program/memory-map.js';
import { WASM_PAGE_SIZE, type WasmLayout } from './layout.js';

/** The compiled code's mutable limit globals, `limit = max(0, size - accessSize + 1)` per access size 1/2/4/8. */
export interface WindowLimits {
  rw: readonly WebAssembly.Global[];
  aux: readonly WebAssembly.Global[];
}

const ACCESS_SIZES = [1, 2, 4, 8] as const;

export class WasmGuestMemory extends GuestMemory {
  readonly isStandard = true;
  readonly memory: WebAssembly.Memory;
  private bytes!: Uint8Array;
  private rwSize = 0;
  private accessibleAuxSize = 0;
  private limits: WindowLimits | null = null;

  constructor(
    map: MemoryMap,
    readonly layout: WasmLayout,
    private readonly roData: Uint8Array,
    private readonly rwData: Uint8Array,
  ) {
    super(map);
    this.memory = new WebAssembly.Memory({ initial: Math.ceil(layout.initialBytes / WASM_PAGE_SIZE) });
    this.refreshViews();
    this.bytes.set(roData, layout.roBase);
    this.bytes.set(rwData, layout.rwBase);
    this.rwSize = map.rwDataSize;
    this.accessibleAuxSize = map.auxDataSize;
    this.refreshWindows();
  }

  /** Connects the compiled code's limit globals (once its instance exists). */
  attach(limits: WindowLimits): void {
    this.limits = limits;
    this.updateLimits();
  }

  private refreshViews(): void {
    this.bytes = new Uint8Array(this.memory.buffer);
  }

  private refreshWindows(): void {
    const { map, layout } = this;
    const buffer = this.memory.buffer;
    this.rwBase = map.rwDataAddress;
    this.rwLen = this.rwSize;
    this.rwView = new DataView(buffer, layout.rwBase, this.rwSize);
    this.stackBase = map.stackAddressLow;
    this.stackLen = map.stackSize;
    this.stackView = new DataView(buffer, layout.stackBase, map.stackSize);
    this.roBase = map.roDataAddress;
    this.roLen = map.roDataSize;
    this.roView = new DataView(buffer, layout.roBase, map.roDataSize);
  }

  private updateLimits(): void {
    if (this.limits === null) return;
    ACCESS_SIZES.forEach((size, i) => {
      this.limits!.rw[i]!.value = Math.max(0, this.rwSize - size + 1);
      this.limits!.aux[i]!.value = Math.max(0, this.accessibleAuxSize - size + 1);
    });
  }

  residentBytes(): number {
    return this.memory.buffer.byteLength;
  }

  reset(): void {
    const { layout, map } = this;
    // Region by region: the guard gaps between them were never touched and stay unbacked.
    this.bytes.fill(0, layout.stackBase, layout.stackBase + map.stackSize);
    this.bytes.fill(0, layout.auxBase, layout.auxBase + map.auxDataSize);
    this.bytes.fill(0, layout.rwBase, layout.rwBase + this.rwSize);
    this.bytes.set(this.roData, layout.roBase);
    this.bytes.set(this.rwData, layout.rwBase);
    this.rwSize = map.rwDataSize;
    this.heapSize = 0;
    this.accessibleAuxSize = map.auxDataSize;
    this.refreshWindows();
    this.updateLimits();
  }

  get accessibleAuxDataSize(): number {
    return this.accessibleAuxSize;
  }

  override setAccessibleAuxSize(size: number): void {
    // Bytes beyond the new size are forgotten (they read as zero if it grows again).
    if (size < this.accessibleAuxSize) this.bytes.fill(0, this.layout.auxBase + size, this.layout.auxBase + this.accessibleAuxSize);
    this.accessibleAuxSize = size;
    this.updateLimits();
  }

  /** Grows the heap like the `sbrk` instruction: returns the new heap top, or null. */
  override sbrk(size: number): number | null {
    const { map, layout } = this;
    const newHeapSize = this.heapSize + size;
    if (newHeapSize > 0xffffffff || newHeapSize > map.maxHeapSize) return null;
    const heapTop = map.heapBase + newHeapSize;
    if (heapTop > map.rwDataAddress + this.rwSize) {
      const rwSize = Math.ceil(heapTop / map.pageSize) * map.pageSize - map.rwDataAddress;
      const needed = layout.rwBase + rwSize;
      if (needed > this.memory.buffer.byteLength) {
        // WebAssembly memory ends at 4 GiB and the host may refuse to grow: the guest sees a failed sbrk.
        try {
          this.memory.grow(Math.ceil((needed - this.memory.buffer.byteLength) / WASM_PAGE_SIZE));
        } catch {
          return null;
        }
        this.refreshViews();
      }
      this.rwSize = rwSize;
      this.refreshWindows();
      this.updateLimits();
    }
    this.heapSize = newHeapSize;
    return heapTop >>> 0;
  }

  /** Accesses outside the RW, stack and RO windows: aux reads, or a trap. */
  slowLoad(address: number, size: number): number {
    const offset = address - this.map.auxDataAddress;
    if (offset >= 0 && offset + size <= this.accessibleAuxSize) {
      const view = new DataView(this.memory.buffer, this.layout.auxBase + offset, size);
      this.loadHigh = size === 8 ? view.getInt32(4, true) : 0;
      return size === 1 ? view.getUint8(0) : size === 2 ? view.getUint16(0, true) : view.getUint32(0, true);
    }
    this.faultKind = Fault.Trap;
    return LOAD_FAULT;
  }

  slowStore(): boolean {
    // Every writable byte lies in the RW or stack window.
    this.faultKind = Fault.Trap;
    return false;
  }

  /** The WebAssembly offset of a host access contained in one region, or -1. */
  private hostOffset(address: number, length: number, write: boolean): number {
    const { map, layout } = this;
    const end = address + length;
    const within = (start: number, size: number): boolean => address >= start && end <= start + size;
    if (within(map.rwDataAddress, this.rwSize)) return layout.rwBase + (address - map.rwDataAddress);
    if (within(map.stackAddressLow, map.stackSize)) return layout.stackBase + (address - map.stackAddressLow);
    if (within(map.auxDataAddress, this.accessibleAuxSize)) return layout.auxBase + (address - map.auxDataAddress);
    if (!write && within(map.roDataAddress, map.roDataSize)) return layout.roBase + (address - map.roDataAddress);
    return -1;
  }

  readMemory(address: number, length: number): Uint8Array {
    if (length === 0) return new Uint8Array(0);
    const at = this.hostOffset(address, length, false);
    if (at < 0) throw new MemoryAccessError(address, length);
    return this.bytes.slice(at, at + length);
  }

  writeMemory(address: number, data: Uint8Array): void {
    if (data.length === 0) return;
    const at = this.hostOffset(address, data.length, true);
    if (at < 0) throw new MemoryAccessError(address, data.length);
    this.bytes.set(data, at);
  }

  zeroMemory(address: number, length: number): void {
    if (length === 0) return;
    const at = this.hostOffset(address, length, true);
    if (at < 0) throw new MemoryAccessError(address, length);
    this.bytes.fill(0, at, at + length);
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
