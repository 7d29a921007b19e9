/**
 * The guest address space layout, computed exactly like the reference's memory map builder:
 *
 * `[64 KiB guard] RO [gap] RW + heap [gap] ... stack [64 KiB gap] aux [64 KiB guard]`, with regions placed at
 * 64 KiB granularity and sized in pages.
 */
import { ModuleError } from '../errors.js';

export const MIN_PAGE_SIZE = 0x1000;
export const MAX_PAGE_SIZE = 0x10000;
const ADDRESS_SPACE_SIZE = 0x1_0000_0000;
const ADDRESS_SPACE_BOTTOM = MAX_PAGE_SIZE;
const ADDRESS_SPACE_TOP = ADDRESS_SPACE_SIZE - MAX_PAGE_SIZE;

/** Inputs of {@link buildMemoryMap}. */
export interface MemoryMapConfig {
  pageSize: number;
  roDataSize: number;
  rwDataSize: number;
  stackSize: number;
  auxDataSize: number;
}

/** Where each region of guest memory lives. All values are u32 numbers. */
export interface MemoryMap {
  readonly pageSize: number;
  readonly roDataAddress: number;
  /** Read-only data size, rounded up to whole pages. */
  readonly roDataSize: number;
  readonly rwDataAddress: number;
  /** Read-write data size, rounded up to whole pages (the heap grows beyond it). */
  readonly rwDataSize: number;
  readonly stackAddressLow: number;
  readonly stackAddressHigh: number;
  readonly stackSize: number;
  readonly auxDataAddress: number;
  readonly auxDataSize: number;
  /** First heap byte: the end of the declared (unaligned) read-write data. */
  readonly heapBase: number;
  /** Largest size `sbrk` may grow the heap to. */
  readonly maxHeapSize: number;
}

function alignUp(value: number, alignment: number): number {
  return Math.ceil(value / alignment) * alignment;
}

/** Builds the memory map; throws {@link ModuleError} with the reference's message when it does not fit. */
export function buildMemoryMap(config: MemoryMapConfig): MemoryMap {
  const { pageSize, roDataSize, rwDataSize, stackSize, auxDataSize } = config;
  if (!Number.isInteger(pageSize) || pageSize < MIN_PAGE_SIZE) {
    throw new ModuleError('invalid page size: page size is too small');
  }
  if (pageSize > MAX_PAGE_SIZE) throw new ModuleError('invalid page size: page size is too big');
  if ((pageSize & (pageSize - 1)) !== 0) throw new ModuleError('invalid page size: page size is not a power of two');

  const sized = (size: number, what: string): [space: number, aligned: number] => {
    const aligned = alignUp(size, pageSize);
    if (aligned >= ADDRESS_SPACE_SIZE) throw new ModuleError(`the size of ${what} is too big`);
    return [alignUp(size, MAX_PAGE_SIZE), aligned];
  };
  const [roSpace, roSize] = sized(roDataSize, 'read-only data');
  const [rwSpace, rwSize] = sized(rwDataSize, 'read-write data');
  const [stackSpace, stackAligned] = sized(stackSize, 'the stack');
  const [auxSpace, auxSize] = sized(auxDataSize, 'the aux data');

  let low = ADDRESS_SPACE_BOTTOM + roSpace + MAX_PAGE_SIZE;
  const rwDataAddress = low;
  const heapBase = low + rwDataSize;
  low += rwSpace;
  const heapSlack = low - heapBase;
  low += MAX_PAGE_SIZE;

  let high = ADDRESS_SPACE_TOP - auxSpace;
  const auxDataAddress = high;
  high -= MAX_PAGE_SIZE;
  const stackAddressHigh = high;
  high -= stackSpace;
  if (low > high) throw new ModuleError('maximum memory size exceeded');

  return Object.freeze({
    pageSize,
    roDataAddress: ADDRESS_SPACE_BOTTOM,
    roDataSize: roSize,
    rwDataAddress,
    rwDataSize: rwSize,
    stackAddressLow: stackAddressHigh - stackAligned,
    stackAddressHigh,
    stackSize: stackAligned,
    auxDataAddress,
    auxDataSize: auxSize,
    heapBase: heapBase >>> 0,
    maxHeapSize: (high - low + heapSlack) >>> 0,
  });
}
