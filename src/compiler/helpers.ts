/**
 * Out-of-line WebAssembly helper functions for operations without a direct WebAssembly instruction or whose
 * WebAssembly form traps where PolkaVM must not (division by zero, overflowing division), or needs 128-bit
 * arithmetic (upper halves of 64-bit products).
 */
import { ByteWriter } from './wasm/byte-writer.js';
import type { ModuleBuilder } from './wasm/module-builder.js';
import { EMPTY_BLOCK, ValType, W } from './wasm/opcodes.js';

export interface HelperFunctions {
  divU32: number;
  divS32: number;
  remU32: number;
  remS32: number;
  divU64: number;
  divS64: number;
  remU64: number;
  remS64: number;
  mulhU64: number;
  mulhS64: number;
  mulhSU64: number;
  bswap32: number;
  bswap64: number;
}

/** Builds a function body; `emit` writes the instructions (the final `end` is added here). */
function body(emit: (w: ByteWriter) => void): ByteWriter {
  const w = new ByteWriter(64);
  emit(w);
  w.byte(W.end);
  return w;
}

/** `if b == 0 { return zeroResult } ` prelude for division helpers; `a` is local 0, `b` local 1. */
function divisionByZero(w: ByteWriter, wide: boolean, zeroResult: 'all-ones' | 'dividend'): void {
  w.byte2(W.local_get, 1).byte(wide ? W.i64_eqz : W.i32_eqz).byte2(W.if, EMPTY_BLOCK);
  if (zeroResult === 'all-ones') {
    if (wide) w.byte(W.i64_const).i32(-1);
    else w.byte(W.i32_const).i32(-1);
  } else {
    w.byte2(W.local_get, 0);
  }
  w.byte(W.return).byte(W.end);
}

/** `if a == MIN && b == -1 { return result }` for signed division helpers. */
function signedOverflow(w: ByteWriter, wide: boolean, result: 'dividend' | 'zero'): void {
  w.byte2(W.local_get, 0);
  if (wide) w.byte(W.i64_const).i64(0, -0x80000000).byte(W.i64_eq);
  else w.byte(W.i32_const).i32(-0x80000000).byte(W.i32_eq);
  w.byte2(W.local_get, 1);
  if (wide) w.byte(W.i64_const).i32(-1).byte(W.i64_eq);
  else w.byte(W.i32_const).i32(-1).byte(W.i32_eq);
  w.byte(W.i32_and).byte2(W.if, EMPTY_BLOCK);
  if (result === 'dividend') w.byte2(W.local_get, 0);
  else if (wide) w.byte(W.i64_const).i32(0);
  else w.byte(W.i32_const).i32(0);
  w.byte(W.return).byte(W.end);
}

export function defineHelpers(module: ModuleBuilder): HelperFunctions {
  const t32 = module.type([ValType.I32, ValType.I32], [ValType.I32]);
  const t64 = module.type([ValType.I64, ValType.I64], [ValType.I64]);
  const u32 = module.type([ValType.I32], [ValType.I32]);
  const u64 = module.type([ValType.I64], [ValType.I64]);

  const division = (wide: boolean, signed: boolean, remainder: boolean): number =>
    module.defineFunction(
      wide ? t64 : t32,
      [],
      body((w) => {
        divisionByZero(w, wide, remainder ? 'dividend' : 'all-ones');
        if (signed) signedOverflow(w, wide, remainder ? 'zero' : 'dividend');
        w.byte2(W.local_get, 0).byte2(W.local_get, 1);
        const op = wide
          ? remainder ? (signed ? W.i64_rem_s : W.i64_rem_u) : signed ? W.i64_div_s : W.i64_div_u
          : remainder ? (signed ? W.i32_rem_s : W.i32_rem_u) : signed ? W.i32_div_s : W.i32_div_u;
        w.byte(op);
      }),
    );

  const helpers: Partial<HelperFunctions> = {};
  helpers.divU32 = division(false, false, false);
  helpers.divS32 = division(false, true, false);
  helpers.remU32 = division(false, false, true);
  helpers.remS32 = division(false, true, true);
  helpers.divU64 = division(true, false, false);
  helpers.divS64 = division(true, true, false);
  helpers.remU64 = division(true, false, true);
  helpers.remS64 = division(true, true, true);

  // Upper 64 bits of the unsigned 128-bit product, from four 32×32 partial products.
  // Locals: 0 a, 1 b, 2 ll, 3 lh, 4 hl, 5 mid.
  const lowHalf = (w: ByteWriter, local: number): void => {
    w.byte2(W.local_get, local).byte(W.i64_const).i64(-1, 0).byte(W.i64_and);
  };
  const highHalf = (w: ByteWriter, local: number): void => {
    w.byte2(W.local_get, local).byte(W.i64_const).i32(32).byte(W.i64_shr_u);
  };
  helpers.mulhU64 = module.defineFunction(
    t64,
    [[4, ValType.I64]],
    body((w) => {
      lowHalf(w, 0);
      lowHalf(w, 1);
      w.byte(W.i64_mul).byte2(W.local_set, 2);
      lowHalf(w, 0);
      highHalf(w, 1);
      w.byte(W.i64_mul).byte2(W.local_set, 3);
      highHalf(w, 0);
      lowHalf(w, 1);
      w.byte(W.i64_mul).byte2(W.local_set, 4);
      // mid = (ll >> 32) + lo32(lh) + lo32(hl)
      highHalf(w, 2);
      lowHalf(w, 3);
      w.byte(W.i64_add);
      lowHalf(w, 4);
      w.byte(W.i64_add).byte2(W.local_set, 5);
      // hi = ah*bh + (lh >> 32) + (hl >> 32) + (mid >> 32)
      highHalf(w, 0);
      highHalf(w, 1);
      w.byte(W.i64_mul);
      highHalf(w, 3);
      w.byte(W.i64_add);
      highHalf(w, 4);
      w.byte(W.i64_add);
      highHalf(w, 5);
      w.byte(W.i64_add);
    }),
  );
  // Signed corrections: mulh(a, b) = mulhu(a, b) - (a < 0 ? b : 0) - (b < 0 ? a : 0).
  const correction = (w: ByteWriter, negative: number, subtract: number): void => {
    w.byte2(W.local_get, subtract).byte(W.i64_const).i32(0);
    w.byte2(W.local_get, negative).byte(W.i64_const).i32(0).byte(W.i64_lt_s).byte(W.select).byte(W.i64_sub);
  };
  helpers.mulhS64 = module.defineFunction(
    t64,
    [],
    body((w) => {
      w.byte2(W.local_get, 0).byte2(W.local_get, 1).byte(W.call).u32(helpers.mulhU64!);
      correction(w, 0, 1);
      correction(w, 1, 0);
    }),
  );
  helpers.mulhSU64 = module.defineFunction(
    t64,
    [],
    body((w) => {
      w.byte2(W.local_get, 0).byte2(W.local_get, 1).byte(W.call).u32(helpers.mulhU64!);
      correction(w, 0, 1);
    }),
  );

  helpers.bswap32 = module.defineFunction(
    u32,
    [],
    body((w) => {
      // rotl(x & 0xff00ff00, 8) | rotr(x & 0x00ff00ff, 8)
      w.byte2(W.local_get, 0).byte(W.i32_const).i32(0xff00ff00 | 0).byte(W.i32_and).byte(W.i32_const).i32(8).byte(W.i32_rotl);
      w.byte2(W.local_get, 0).byte(W.i32_const).i32(0x00ff00ff).byte(W.i32_and).byte(W.i32_const).i32(8).byte(W.i32_rotr);
      w.byte(W.i32_or);
    }),
  );
  helpers.bswap64 = module.defineFunction(
    u64,
    [],
    body((w) => {
      // bswap32 of each half, halves exchanged.
      w.byte2(W.local_get, 0).byte(W.i32_wrap_i64).byte(W.call).u32(helpers.bswap32!).byte(W.i64_extend_i32_u);
      w.byte(W.i64_const).i32(32).byte(W.i64_shl);
      w.byte2(W.local_get, 0).byte(W.i64_const).i32(32).byte(W.i64_shr_u).byte(W.i32_wrap_i64);
      w.byte(W.call).u32(helpers.bswap32!).byte(W.i64_extend_i32_u).byte(W.i64_or);
    }),
  );
  return helpers as HelperFunctions;
}
