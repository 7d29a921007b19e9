/**
 * Where everything lives in an instance's WebAssembly memory.
 *
 * Standard memory: `[state][jump table → block map][stack … aux … RO … RW + heap → grows]`. The guest regions
 * follow one linear map, `wasm = guest + guestToWasm (mod 2^32)`, taken from the bottom of the stack: the top of
 * the guest address space (stack, aux data) wraps around to its bottom (RO data, RW data, heap), so every region
 * keeps its guest-side distance to the others. One address computation then serves every region, and only the
 * guard gaps between them (a few 64 KiB units, never touched, so never resident) separate them; nothing is
 * reserved for the rest of the 4 GiB guest address space.
 *
 * Dynamic paging: `[state][jump table → block map][page directory][page tables and frames → grow]`.
 */
import type { MemoryMap } from '../program/memory-map.js';

export const WASM_PAGE_SIZE = 0x10000;

/** Offsets inside the state area. */
export const STATE = {
  /** 13 registers, i64 each. */
  registers: 0,
  gas: 104,
  /** The PC an exit reports (trap, ecalli, out of gas, fallback). */
  exitPc: 112,
  /** Next PC after an `ecalli`. */
  exitNextPc: 116,
  /** Host call number of an `ecalli`. */
  exitHostcall: 120,
  /** The {@link ExitCode} of an exit raised by a helper function. */
  exitCode: 124,
  /** Page address and write-protection flag of a segfault. */
  segfaultPage: 128,
  segfaultWriteProtected: 132,
  /** A value passed from a host import to compiled code (i64). */
  scratch: 136,
  size: 256,
} as const;

/** Results of compiled code: a block index (continue there) or one of these negative exit codes. */
export const enum ExitCode {
  Finished = -1,
  Trap = -2,
  Ecalli = -3,
  /**
   * The balance does not cover the budget of the checkpoint at `exitPc` (gas-budget.ts): continue there in the
   * interpreter, the block not charged.
   */
  LowGas = -4,
  /** Continue in the interpreter at `exitPc` (work the compiled code does not do), whose block it has charged. */
  FallbackCharged = -6,
  /** Dynamic paging: an access touched a missing page (details in the state area); resumable. */
  Segfault = -7,
  /** Lazy translation: the block in `exitPc` is not translated yet; nothing has run. */
  Translate = -8,
}

export interface WasmLayout {
  /** Jump table entry i → block index (or -1), i32 each. */
  readonly jumpTableOffset: number;
  /** Standard memory: `wasm address = (guest address + guestToWasm) mod 2^32` in every region. */
  readonly guestToWasm: number;
  readonly roBase: number;
  readonly auxBase: number;
  readonly stackBase: number;
  readonly rwBase: number;
  /** Memory size needed before the heap grows. */
  readonly initialBytes: number;
  /** Dynamic paging: offset of the page directory (1024 i32 entries, one per 4 MiB), or -1. */
  readonly pageDirectory: number;
}

/** Dynamic paging: each page directory entry covers 2^22 bytes of guest address space. */
export const PAGE_DIRECTORY_SHIFT = 22;

const align = (value: number, alignment: number): number => Math.ceil(value / alignment) * alignment;

export function computeLayout(map: MemoryMap, jumpTableLength: number, dynamicPaging: boolean): WasmLayout {
  const jumpTableOffset = STATE.size;
  if (dynamicPaging) {
    const pageDirectory = align(jumpTableOffset + 4 * jumpTableLength, 0x1000);
    const end = pageDirectory + 4 * (1 << (32 - PAGE_DIRECTORY_SHIFT));
    return { jumpTableOffset, guestToWasm: 0, roBase: -1, auxBase: -1, stackBase: -1, rwBase: -1, initialBytes: end, pageDirectory };
  }
  const stackBase = align(jumpTableOffset + 4 * jumpTableLength, 0x1000);
  const guestToWasm = (stackBase - map.stackAddressLow) | 0;
  const toWasm = (address: number): number => (address + guestToWasm) >>> 0;
  const rwBase = toWasm(map.rwDataAddress);
  return {
    jumpTableOffset,
    guestToWasm,
    roBase: toWasm(map.roDataAddress),
    auxBase: toWasm(map.auxDataAddress),
    stackBase,
    rwBase,
    initialBytes: rwBase + map.rwDataSize,
    pageDirectory: -1,
  };
}
