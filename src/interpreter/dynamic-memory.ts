/**
 * Guest memory with dynamic paging (the reference's `ModuleConfig::set_dynamic_paging`): memory starts empty, the
 * host maps pages, and touching a missing page is a segfault the host may resolve and resume from.
 */
import { MemoryAccessError } from '../errors.js';
import type { MemoryMap } from '../program/memory-map.js';
import { Fault, GuestMemory, LOAD_FAULT, type MemoryProtection, storeBytes, viewOf } from './memory.js';

/** Where the pages of a {@link DynamicMemory} are kept. Page addresses are page aligned. */
export interface PageStore {
  get(page: number): Page | undefined;
  /** Maps a zeroed page (re-zeroing it if already mapped) with the given protection. */
  map(page: number, readOnly: boolean): void;
  setReadOnly(page: number, readOnly: boolean): void;
  unmap(page: number): void;
  clear(): void;
  readonly count: number;
}

/** Pages as separate JavaScript arrays. */
export class ArrayPageStore implements PageStore {
  private readonly pages = new Map<number, Page>();

  constructor(private readonly pageSize: number) {}

  get(page: number): Page | undefined {
    return this.pages.get(page);
  }

  map(page: number, readOnly: boolean): void {
    const entry = this.pages.get(page);
    if (entry !== undefined) entry.bytes.fill(0);
    const bytes = entry?.bytes ?? new Uint8Array(this.pageSize);
    this.pages.set(page, { bytes, view: entry?.view ?? viewOf(bytes), readOnly });
  }

  setReadOnly(page: number, readOnly: boolean): void {
    const entry = this.pages.get(page);
    if (entry !== undefined) this.pages.set(page, { ...entry, readOnly });
  }

  unmap(page: number): void {
    this.pages.delete(page);
  }

  clear(): void {
    this.pages.clear();
  }

  get count(): number {
    return this.pages.size;
  }
}

/** A mapped page: its bytes (valid until pages are mapped or unmapped again) and protection. */
export interface Page {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  readonly readOnly: boolean;
}

/**
 * Dynamic paging: memory starts empty and the host maps pages; missing pages fault.
 *
 * The access rules live here; where page contents are kept is up to {@link PageStore}s (JavaScript arrays for the
 * interpreter, WebAssembly memory for the compiler).
 */
export class DynamicMemory extends GuestMemory {
  readonly isStandard = false;
  private readonly pageMask: number;

  constructor(
    map: MemoryMap,
    private readonly pages: PageStore = new ArrayPageStore(map.pageSize),
  ) {
    super(map);
    this.pageMask = map.pageSize - 1;
    this.reset();
  }

  reset(): void {
    this.pages.clear();
    // No fast windows: every access goes through the page map.
    this.rwLen = this.stackLen = this.roLen = 0;
  }

  residentBytes(): number {
    return this.pages.count * this.map.pageSize;
  }

  private pageOf(address: number): number {
    return (address & ~this.pageMask) >>> 0;
  }

  private segfault(pageAddress: number, isWriteProtected: boolean): void {
    this.faultKind = Fault.Segfault;
    this.faultPageAddress = pageAddress;
    this.faultIsWriteProtected = isWriteProtected;
  }

  /** Finds the pages an access touches; sets the fault and returns null if one is missing. */
  private pagesFor(address: number, size: number): [Page, Page | null] | null {
    if (address + size > 0x1_0000_0000) {
      // The access wraps around the end of the address space.
      const last = this.pageOf(0xffffffff);
      if (this.pages.get(last) !== undefined) this.faultKind = Fault.Trap;
      else this.segfault(last, false);
      return null;
    }
    const lo = this.pageOf(address);
    const hi = this.pageOf(address + size - 1);
    const first = this.pages.get(lo);
    if (lo === hi) {
      if (first === undefined) {
        this.segfault(lo, false);
        return null;
      }
      return [first, null];
    }
    const second = this.pages.get(hi);
    if (first === undefined || second === undefined) {
      this.segfault(first === undefined ? lo : hi, false);
      return null;
    }
    return [first, second];
  }

  slowLoad(address: number, size: number): number {
    const pages = this.pagesFor(address, size);
    if (pages === null) return LOAD_FAULT;
    const offset = address & this.pageMask;
    const [first, second] = pages;
    if (second === null) {
      this.loadHigh = size === 8 ? first.view.getInt32(offset + 4, true) : 0;
      switch (size) {
        case 1:
          return first.bytes[offset]!;
        case 2:
          return first.view.getUint16(offset, true);
        default:
          return first.view.getUint32(offset, true);
      }
    }
    let low = 0;
    let high = 0;
    const pageSize = this.map.pageSize;
    for (let i = 0; i < size; i++) {
      const at = offset + i;
      const byte = at < pageSize ? first.bytes[at]! : second.bytes[at - pageSize]!;
      if (i < 4) low |= byte << (8 * i);
      else high |= byte << (8 * (i - 4));
    }
    this.loadHigh = high;
    return low >>> 0;
  }

  slowStore(address: number, size: number, low: number, high: number): boolean {
    const pages = this.pagesFor(address, size);
    if (pages === null) return false;
    const [first, second] = pages;
    const offset = address & this.pageMask;
    if (first.readOnly || (second !== null && second.readOnly)) {
      this.segfault(first.readOnly ? this.pageOf(address) : this.pageOf(address + size - 1), true);
      return false;
    }
    if (second === null) {
      storeBytes(first.view, offset, size, low, high);
      return true;
    }
    const pageSize = this.map.pageSize;
    for (let i = 0; i < size; i++) {
      const at = offset + i;
      const byte = i < 4 ? (low >>> (8 * i)) & 0xff : (high >>> (8 * (i - 4))) & 0xff;
      if (at < pageSize) first.bytes[at] = byte;
      else second.bytes[at - pageSize] = byte;
    }
    return true;
  }

  /** Calls `visit(pageAddress, offsetInPage, offsetInBuffer, length)` for each page a range touches. */
  private eachPage(address: number, length: number, visit: (page: number, inPage: number, inBuffer: number, n: number) => void): void {
    const pageSize = this.map.pageSize;
    let done = 0;
    while (done < length) {
      const at = address + done;
      const page = this.pageOf(at);
      const inPage = at - page;
      const n = Math.min(length - done, pageSize - inPage);
      visit(page, inPage, done, n);
      done += n;
    }
  }

  isMemoryAccessible(address: number, length: number, protection: MemoryProtection): boolean {
    if (length === 0) return true;
    let ok = true;
    this.eachPage(address, length, (page) => {
      const entry = this.pages.get(page);
      if (entry === undefined || (protection === 'read-write' && entry.readOnly)) ok = false;
    });
    return ok;
  }

  readMemory(address: number, length: number): Uint8Array {
    const out = new Uint8Array(length);
    this.eachPage(address, length, (page, inPage, inBuffer, n) => {
      const entry = this.pages.get(page);
      if (entry === undefined) throw new MemoryAccessError(page + inPage, n);
      out.set(entry.bytes.subarray(inPage, inPage + n), inBuffer);
    });
    return out;
  }

  writeMemory(address: number, data: Uint8Array): void {
    if (!this.isMemoryAccessible(address, data.length, 'read-write')) throw new MemoryAccessError(address, data.length);
    this.eachPage(address, data.length, (page, inPage, inBuffer, n) => {
      this.pages.get(page)!.bytes.set(data.subarray(inBuffer, inBuffer + n), inPage);
    });
  }

  zeroMemory(address: number, length: number): void {
    if (!this.isMemoryAccessible(address, length, 'read-write')) throw new MemoryAccessError(address, length);
    this.eachPage(address, length, (page, inPage, _inBuffer, n) => {
      this.pages.get(page)!.bytes.fill(0, inPage, inPage + n);
    });
  }

  /** Maps (or re-zeroes) whole pages with the given protection; `address` is page aligned. */
  mapPages(address: number, length: number, protection: MemoryProtection): void {
    this.eachPage(address, length, (page) => {
      this.pages.map(page, protection === 'read');
    });
  }

  /** Changes the protection of mapped pages; throws if a page in the range is not mapped. */
  protect(address: number, length: number, protection: MemoryProtection): void {
    this.eachPage(address, length, (page, inPage, _inBuffer, n) => {
      if (this.pages.get(page) === undefined) throw new MemoryAccessError(page + inPage, n);
      this.pages.setReadOnly(page, protection === 'read');
    });
  }

  /** Unmaps the pages in the range. */
  freePages(address: number, length: number): void {
    this.eachPage(address, length, (page) => {
      this.pages.unmap(page);
    });
  }

  /** Host write that bypasses page protection (used by harnesses to fill read-only pages). */
  writeMemoryUnprotected(address: number, data: Uint8Array): void {
    if (!this.isMemoryAccessible(address, data.length, 'read')) throw new MemoryAccessError(address, data.length);
    this.eachPage(address, data.length, (page, inPage, inBuffer, n) => {
      this.pages.get(page)!.bytes.set(data.subarray(inBuffer, inBuffer + n), inPage);
    });
  }
}
