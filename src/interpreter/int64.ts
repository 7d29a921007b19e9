/**
 * 64-bit integer arithmetic on (low, high) pairs of int32 values, the interpreter's register representation.
 * Helpers that produce a 64-bit result write it into the register file (`lo[d]`, `hi[d]`) to avoid allocation.
 * Rare, expensive operations (64-bit division, upper halves of 64-bit products) fall back to BigInt.
 */

const TWO_32 = 4294967296;

/** Upper 32 bits of the 64-bit product of two u32 values. */
export function mulhu32(a: number, b: number): number {
  const ua = a >>> 0;
  const ub = b >>> 0;
  const x = (ua & 0xffff) * ub; // < 2^48, exact
  const y = (ua >>> 16) * ub; // < 2^48, exact
  const yh = Math.floor(y / 65536);
  const yl = y - yh * 65536;
  return (yh + Math.floor((yl * 65536 + x) / TWO_32)) | 0;
}

/** Upper 32 bits of the product of two i32 values. */
export function mulh32(a: number, b: number): number {
  return (mulhu32(a, b) - (a < 0 ? b : 0) - (b < 0 ? a : 0)) | 0;
}

/** Upper 32 bits of the product of an i32 and a u32. */
export function mulhsu32(a: number, b: number): number {
  return (mulhu32(a, b) - (a < 0 ? b : 0)) | 0;
}

export function toBigInt(low: number, high: number): bigint {
  return (BigInt(high | 0) << 32n) | BigInt(low >>> 0);
}

export function toBigUint(low: number, high: number): bigint {
  return (BigInt(high >>> 0) << 32n) | BigInt(low >>> 0);
}

/** Writes the low 64 bits of a bigint into register `d`. */
export function setBig(lo: Int32Array, hi: Int32Array, d: number, value: bigint): void {
  lo[d] = Number(value & 0xffffffffn) | 0;
  hi[d] = Number((value >> 32n) & 0xffffffffn) | 0;
}

/** d = (al, ah) * (bl, bh) mod 2^64 */
export function mul64(lo: Int32Array, hi: Int32Array, d: number, al: number, ah: number, bl: number, bh: number): void {
  const high = (mulhu32(al, bl) + Math.imul(ah, bl) + Math.imul(al, bh)) | 0;
  lo[d] = Math.imul(al, bl);
  hi[d] = high;
}

/** d = (al, ah) << n (n masked to 0..63) */
export function shl64(lo: Int32Array, hi: Int32Array, d: number, al: number, ah: number, n: number): void {
  const s = n & 63;
  if (s === 0) {
    lo[d] = al;
    hi[d] = ah;
  } else if (s < 32) {
    hi[d] = (ah << s) | (al >>> (32 - s));
    lo[d] = al << s;
  } else {
    hi[d] = al << (s - 32);
    lo[d] = 0;
  }
}

/** d = (al, ah) >>> n (logical, n masked to 0..63) */
export function shr64(lo: Int32Array, hi: Int32Array, d: number, al: number, ah: number, n: number): void {
  const s = n & 63;
  if (s === 0) {
    lo[d] = al;
    hi[d] = ah;
  } else if (s < 32) {
    lo[d] = (al >>> s) | (ah << (32 - s));
    hi[d] = ah >>> s;
  } else {
    lo[d] = ah >>> (s - 32);
    hi[d] = 0;
  }
}

/** d = (al, ah) >> n (arithmetic, n masked to 0..63) */
export function sar64(lo: Int32Array, hi: Int32Array, d: number, al: number, ah: number, n: number): void {
  const s = n & 63;
  if (s === 0) {
    lo[d] = al;
    hi[d] = ah;
  } else if (s < 32) {
    lo[d] = (al >>> s) | (ah << (32 - s));
    hi[d] = ah >> s;
  } else {
    lo[d] = ah >> (s - 32);
    hi[d] = ah >> 31;
  }
}

/** d = (al, ah) rotated right by n (mod 64) */
export function ror64(lo: Int32Array, hi: Int32Array, d: number, al: number, ah: number, n: number): void {
  let s = n & 63;
  let l = al;
  let h = ah;
  if (s >= 32) {
    l = ah;
    h = al;
    s -= 32;
  }
  if (s === 0) {
    lo[d] = l;
    hi[d] = h;
  } else {
    lo[d] = (l >>> s) | (h << (32 - s));
    hi[d] = (h >>> s) | (l << (32 - s));
  }
}

export function ror32(value: number, n: number): number {
  const s = n & 31;
  return s === 0 ? value | 0 : (value >>> s) | (value << (32 - s));
}

export function rol32(value: number, n: number): number {
  const s = n & 31;
  return s === 0 ? value | 0 : (value << s) | (value >>> (32 - s));
}

export function ctz32(value: number): number {
  return value === 0 ? 32 : 31 - Math.clz32(value & -value);
}

export function popcount32(value: number): number {
  let v = value - ((value >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) | 0;
}

export function bswap32(value: number): number {
  return ((value & 0xff) << 24) | ((value & 0xff00) << 8) | ((value >>> 8) & 0xff00) | (value >>> 24);
}

export function divu32(a: number, b: number): number {
  return b === 0 ? -1 : ((a >>> 0) / (b >>> 0)) | 0;
}

export function divs32(a: number, b: number): number {
  if (b === 0) return -1;
  if (a === -0x80000000 && b === -1) return a;
  return (a / b) | 0;
}

export function remu32(a: number, b: number): number {
  return b === 0 ? a | 0 : ((a >>> 0) % (b >>> 0)) | 0;
}

export function rems32(a: number, b: number): number {
  if (b === 0) return a | 0;
  if (a === -0x80000000 && b === -1) return 0;
  return a % b | 0;
}

const U64_MAX = 0xffffffffffffffffn;
const I64_MIN = -0x8000000000000000n;

/** 64-bit division and remainder with RISC-V semantics for zero divisors and overflow. */
export function divRem64(
  lo: Int32Array,
  hi: Int32Array,
  d: number,
  al: number,
  ah: number,
  bl: number,
  bh: number,
  signed: boolean,
  remainder: boolean,
): void {
  if (signed) {
    const a = toBigInt(al, ah);
    const b = toBigInt(bl, bh);
    let r: bigint;
    if (b === 0n) r = remainder ? a : -1n;
    else if (a === I64_MIN && b === -1n) r = remainder ? 0n : a;
    else r = remainder ? a % b : a / b;
    setBig(lo, hi, d, r);
  } else {
    const a = toBigUint(al, ah);
    const b = toBigUint(bl, bh);
    let r: bigint;
    if (b === 0n) r = remainder ? a : U64_MAX;
    else r = remainder ? a % b : a / b;
    setBig(lo, hi, d, r);
  }
}

/** Upper 64 bits of a 128-bit product; `signedA`/`signedB` select the operand interpretation. */
export function mulHigh64(
  lo: Int32Array,
  hi: Int32Array,
  d: number,
  al: number,
  ah: number,
  bl: number,
  bh: number,
  signedA: boolean,
  signedB: boolean,
): void {
  const a = signedA ? toBigInt(al, ah) : toBigUint(al, ah);
  const b = signedB ? toBigInt(bl, bh) : toBigUint(bl, bh);
  setBig(lo, hi, d, (a * b) >> 64n);
}
