/**
 * Where everything lives in an instance's WebAssembly memory. The guest address space is sparse (RO data near the
 * bottom, the stack near the top of 4 GiB), so regions are packed instead of mapped 1:1: only what the guest can use
 * is allocated, and each access adds its region's constant offset.
 *
 * Standard memory: `[state][jump table → block map][RO][aux][stack][RW + heap → grows]`.
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
  NotEnoughGas = -4,
  /** Continue in the interpreter at `exitPc` (work the compiled code does not do), charging its block. */
  Fallback = -5,
  /** Continue in the interpreter at `exitPc`, whose block the compiled code has charged already. */
  FallbackCharged = -6,
  /** Dynamic paging: an access touched a missing page (details in the state area); resumable. */
  Segfault = -7,
}

export interface WasmLayout {
  /** Jump table entry i → block index (or -1), i32 each. */
  readonly jumpTableOffset: number;
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
    return { jumpTableOffset, roBase: -1, auxBase: -1, stackBase: -1, rwBase: -1, initialBytes: end, pageDirectory };
  }
  const roBase = align(jumpTableOffset + 4 * jumpTableLength, 0x1000);
  const auxBase = align(roBase + map.roDataSize, 0x1000);
  const stackBase = align(auxBase + map.auxDataSize, 0x1000);
  const rwBase = align(stackBase + map.stackSize, 0x1000);
  return { jumpTableOffset, roBase, auxBase, stackBase, rwBase, initialBytes: rwBase + map.rwDataSize, pageDirectory: -1 };
}
