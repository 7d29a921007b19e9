/**
 * Guest memory layout: read-only sections are placed one after another (respecting alignment) from 0x10000,
 * read-write and zero-initialized sections in the next 64 KiB-aligned region after a guard page, exactly where
 * the VM's memory map will put them. Also determines the stack size and the heap base.
 */
import { buildMemoryMap, MAX_PAGE_SIZE, MIN_PAGE_SIZE } from '../program/memory-map.js';
import { ModuleError } from '../errors.js';
import { ElfLinkError } from './elf-link-error.js';
import type { ElfFile } from './elf.js';

/** A run of initial memory contents: section bytes, or zero padding. */
type DataChunk = { readonly section: number; readonly length: number } | { readonly padding: number };

export interface MemoryLayout {
  /** Address of each placed section. */
  readonly sectionAddress: Map<number, number>;
  readonly roDataSize: number;
  readonly rwDataSize: number;
  readonly stackSize: number;
  readonly heapBase: number;
  readonly roChunks: readonly DataChunk[];
  readonly rwChunks: readonly DataChunk[];
}

const alignUp = (value: number, alignment: number): number => Math.ceil(value / alignment) * alignment;

/** Places `sections` from `start`; returns the size they occupy and the address after the following guard gap. */
function placeSections(elf: ElfFile, start: number, sections: readonly number[], addresses: Map<number, number>, chunks: DataChunk[]): { size: number; next: number } {
  let address = start;
  for (const index of sections) {
    const section = elf.sections[index]!;
    const misalignment = address % section.align;
    if (misalignment !== 0) {
      chunks.push({ padding: section.align - misalignment });
      address += section.align - misalignment;
    }
    addresses.set(index, address);
    address += section.size;
    if (section.data.length > 0) chunks.push({ section: index, length: section.data.length });
    if (section.size > section.data.length) chunks.push({ padding: section.size - section.data.length });
  }
  const size = chunks.reduce((sum, chunk) => sum + ('padding' in chunk ? chunk.padding : chunk.length), 0);
  // Trailing zeros need not be stored: memory beyond the stored bytes is zero anyway.
  while (chunks.length > 0 && 'padding' in chunks[chunks.length - 1]!) chunks.pop();
  return { size, next: alignUp(address, MAX_PAGE_SIZE) + MAX_PAGE_SIZE };
}

export function layOutMemory(
  elf: ElfFile,
  roSections: readonly number[],
  rwSections: readonly number[],
  minStackSizeSections: readonly number[],
  minStackSize: number,
): MemoryLayout {
  const sectionAddress = new Map<number, number>();
  const roChunks: DataChunk[] = [];
  const rwChunks: DataChunk[] = [];
  const ro = placeSections(elf, MAX_PAGE_SIZE, roSections, sectionAddress, roChunks);
  const rwAddress = ro.next;
  const rw = placeSections(elf, rwAddress, rwSections, sectionAddress, rwChunks);

  let stack = minStackSize;
  for (const index of minStackSizeSections) {
    const section = elf.sections[index]!;
    if (section.data.length % 4 !== 0) throw new ElfLinkError(`section '${section.name}' has invalid size`, { section: section.name });
    const view = new DataView(section.data.buffer, section.data.byteOffset, section.data.byteLength);
    for (let at = 0; at < section.data.length; at += 4) stack = Math.max(stack, view.getUint32(at, true));
  }
  const stackSize = alignUp(stack, MIN_PAGE_SIZE);
  if (stackSize > 0xffffffff) throw new ElfLinkError('out of range size for the stack');
  if (ro.size > 0xffffffff || rw.size > 0xffffffff) throw new ElfLinkError('the program\'s data does not fit into the 4 GiB address space');

  let heapBase: number;
  try {
    const map = buildMemoryMap({ pageSize: MAX_PAGE_SIZE, roDataSize: ro.size, rwDataSize: rw.size, stackSize, auxDataSize: 0 });
    if (map.rwDataAddress !== rwAddress) throw new ElfLinkError('internal error: memory layout disagrees with the memory map');
    heapBase = map.heapBase;
  } catch (error) {
    if (error instanceof ModuleError) throw new ElfLinkError(`the program does not fit into memory: ${error.message}`);
    throw error;
  }
  return { sectionAddress, roDataSize: ro.size, rwDataSize: rw.size, stackSize, heapBase, roChunks, rwChunks };
}

/** Concatenates chunks into the stored initial data of a region. */
export function dataBytes(elf: ElfFile, chunks: readonly DataChunk[]): Uint8Array {
  const total = chunks.reduce((sum, chunk) => sum + ('padding' in chunk ? chunk.padding : chunk.length), 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    if ('padding' in chunk) at += chunk.padding;
    else {
      out.set(elf.sections[chunk.section]!.data.subarray(0, chunk.length), at);
      at += chunk.length;
    }
  }
  return out;
}
