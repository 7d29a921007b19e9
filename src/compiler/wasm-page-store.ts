/**
 * Dynamic-paging pages kept inside an instance's WebAssembly memory, behind a two-level page table that compiled
 * code walks itself:
 *
 * - the page directory (layout.pageDirectory): 1024 i32 entries, one per 4 MiB of guest address space, each the
 *   WebAssembly offset of a page table or 0;
 * - a page table: one i32 entry per guest page, `frame offset | PRESENT | WRITABLE` or 0 (not mapped).
 *
 * Page tables and frames are allocated at the end of the memory, which grows as needed; freed frames are reused.
 */
import type { Page, PageStore } from '../interpreter/dynamic-memory.js';
import { PAGE_DIRECTORY_SHIFT, WASM_PAGE_SIZE } from './layout.js';

export const PAGE_PRESENT = 1;
export const PAGE_WRITABLE = 2;
/** Frames and page tables are aligned to this, which keeps the flag bits of entries free. */
const ALLOCATION_ALIGNMENT = 0x1000;

export class WasmPageStore implements PageStore {
  private readonly shift: number;
  private readonly tableEntries: number;
  private readonly tableBytes: number;
  private readonly heapStart: number;
  private top: number;
  private freeFrames: number[] = [];
  private mapped = 0;
  private words: Int32Array;

  constructor(
    private readonly memory: WebAssembly.Memory,
    private readonly pageDirectory: number,
    private readonly pageSize: number,
  ) {
    this.shift = Math.log2(pageSize);
    this.tableEntries = 1 << (PAGE_DIRECTORY_SHIFT - this.shift);
    this.tableBytes = Math.max(ALLOCATION_ALIGNMENT, 4 * this.tableEntries);
    this.heapStart = pageDirectory + 4 * (1 << (32 - PAGE_DIRECTORY_SHIFT));
    this.top = this.heapStart;
    this.words = new Int32Array(memory.buffer);
  }

  private allocate(bytes: number): number {
    const at = this.top;
    const end = at + bytes;
    const buffer = this.memory.buffer;
    if (end > buffer.byteLength) this.memory.grow(Math.ceil((end - buffer.byteLength) / WASM_PAGE_SIZE));
    if (this.words.buffer !== this.memory.buffer) this.words = new Int32Array(this.memory.buffer);
    this.top = end;
    return at;
  }

  /** Word index of the page's table entry, or -1 when its table does not exist (and `create` is false). */
  private entryIndex(page: number, create: boolean): number {
    const directoryIndex = (this.pageDirectory >> 2) + (page >>> PAGE_DIRECTORY_SHIFT);
    let table = this.words[directoryIndex]!;
    if (table === 0) {
      if (!create) return -1;
      table = this.allocate(this.tableBytes);
      new Uint8Array(this.memory.buffer, table, this.tableBytes).fill(0);
      this.words[directoryIndex] = table;
    }
    return (table >> 2) + ((page >>> this.shift) & (this.tableEntries - 1));
  }

  get(page: number): Page | undefined {
    const index = this.entryIndex(page, false);
    const entry = index < 0 ? 0 : this.words[index]!;
    if ((entry & PAGE_PRESENT) === 0) return undefined;
    const frame = entry & ~(ALLOCATION_ALIGNMENT - 1);
    const bytes = new Uint8Array(this.memory.buffer, frame, this.pageSize);
    return { bytes, view: new DataView(bytes.buffer, frame, this.pageSize), readOnly: (entry & PAGE_WRITABLE) === 0 };
  }

  map(page: number, readOnly: boolean): void {
    const index = this.entryIndex(page, true);
    let frame = this.words[index]! & ~(ALLOCATION_ALIGNMENT - 1);
    if ((this.words[index]! & PAGE_PRESENT) === 0) {
      frame = this.freeFrames.pop() ?? this.allocate(this.pageSize);
      this.mapped++;
    }
    new Uint8Array(this.memory.buffer, frame, this.pageSize).fill(0);
    this.words[index] = frame | PAGE_PRESENT | (readOnly ? 0 : PAGE_WRITABLE);
  }

  setReadOnly(page: number, readOnly: boolean): void {
    const index = this.entryIndex(page, false);
    if (index < 0) return;
    const entry = this.words[index]!;
    if ((entry & PAGE_PRESENT) !== 0) this.words[index] = readOnly ? entry & ~PAGE_WRITABLE : entry | PAGE_WRITABLE;
  }

  unmap(page: number): void {
    const index = this.entryIndex(page, false);
    if (index < 0) return;
    const entry = this.words[index]!;
    if ((entry & PAGE_PRESENT) === 0) return;
    this.freeFrames.push(entry & ~(ALLOCATION_ALIGNMENT - 1));
    this.words[index] = 0;
    this.mapped--;
  }

  clear(): void {
    // Forget every table and frame; the memory is reused from the start of the allocation area.
    this.words.fill(0, this.pageDirectory >> 2, this.heapStart >> 2);
    this.top = this.heapStart;
    this.freeFrames = [];
    this.mapped = 0;
  }

  get count(): number {
    return this.mapped;
  }
}
