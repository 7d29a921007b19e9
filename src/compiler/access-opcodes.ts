/** WebAssembly opcodes for guest loads and stores, shared by the inline code and the out-of-line helpers. */
import type { LoadKind } from './recipes.js';
import type { ByteWriter } from './wasm/byte-writer.js';
import { W } from './wasm/opcodes.js';

export const SIZE_INDEX: Readonly<Record<number, number>> = { 1: 0, 2: 1, 4: 2, 8: 3 };

/** The WebAssembly load opcode producing a register value of the program's width. */
export function loadOpcode(kind: LoadKind, wide: boolean): W {
  const ops64 = [W.i64_load8_u, W.i64_load8_s, W.i64_load16_u, W.i64_load16_s, W.i64_load32_u, W.i64_load32_s, W.i64_load];
  const ops32 = [W.i32_load8_u, W.i32_load8_s, W.i32_load16_u, W.i32_load16_s, W.i32_load, W.i32_load, W.i32_load];
  return (wide ? ops64 : ops32)[kind]!;
}

export function storeOpcode(size: number, wide: boolean): W {
  const index = SIZE_INDEX[size]!;
  return (wide ? [W.i64_store8, W.i64_store16, W.i64_store32, W.i64_store] : [W.i32_store8, W.i32_store16, W.i32_store, W.i32_store])[index]!;
}

/** Pushes a zero of the register type. */
export function zeroValue(w: ByteWriter, wide: boolean): void {
  if (wide) w.byte(W.i64_const).i32(0);
  else w.byte(W.i32_const).i32(0);
}

