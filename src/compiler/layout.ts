/**
 * Where everything lives in an instance's WebAssembly memory. The guest address space is sparse (RO data near the
 * bottom, the stack near the top of 4 GiB), so regions are packed instead of mapped 1:1: only what the guest can use
 * is allocated, and each access adds its region's constant offset.
 *
 * `[state][jump table → block map][RO][aux][stack][RW + heap → grows]`
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
}

const align = (value: number, alignment: number): number => Math.ceil(value / alignment) * alignment;

export function computeLayout(map: MemoryMap, jumpTableLength: number): WasmLayout {
  const jumpTableOffset = STATE.size;
  const roBase = align(jumpTableOffset + 4 * jumpTableLength, 0x1000);
  const auxBase = align(roBase + map.roDataSize, 0x1000);
  const stackBase = align(auxBase + map.auxDataSize, 0x1000);
  const rwBase = align(stackBase + map.stackSize, 0x1000);
  return { jumpTableOffset, roBase, auxBase, stackBase, rwBase, initialBytes: rwBase + map.rwDataSize };
}
