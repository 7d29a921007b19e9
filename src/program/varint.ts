/**
 * The two integer encodings of the PolkaVM formats.
 *
 * - Container varints (section lengths, counts, sizes): the number of leading one bits of the first byte says how
 *   many little-endian bytes follow. The reader accepts non-canonical forms and, for a 4-byte tail, ORs the low
 *   nibble of the first byte into bits 0..3 (a quirk of the reference reader we reproduce).
 * - Instruction immediates: 0..4 little-endian bytes, sign-extended from the top bit of the last byte.
 */

/** Result of {@link readVarint}: the value and the total number of bytes consumed, or null if malformed. */
export interface VarintRead {
  value: number;
  length: number;
}

/** Reads a container varint at `offset`. Returns null for a first byte 0xF8..0xFF or a truncated tail. */
export function readVarint(bytes: Uint8Array, offset: number): VarintRead | null {
  if (offset >= bytes.length) return null;
  const first = bytes[offset]!;
  const extra = Math.clz32(~first << 24); // leading ones of the byte
  if (extra > 4 || offset + 1 + extra > bytes.length) return null;
  let tail = 0;
  for (let i = 0; i < extra; i++) tail += bytes[offset + 1 + i]! * 2 ** (8 * i);
  const upper = first & (0xff >>> extra);
  // For extra == 4 the reference shifts by 32 with wrapping semantics, i.e. by 0.
  const value = extra === 4 ? (tail | upper) >>> 0 : upper * 2 ** (8 * extra) + tail;
  return { value, length: 1 + extra };
}

/** Number of bytes {@link writeVarint} uses for `value`. */
export function varintLength(value: number): number {
  if (value < 0x80) return 1;
  if (value < 0x4000) return 2;
  if (value < 0x200000) return 3;
  if (value < 0x10000000) return 4;
  return 5;
}

/** Appends the canonical container varint encoding of a u32 to `out`. */
export function writeVarint(value: number, out: number[]): void {
  const v = value >>> 0;
  const length = varintLength(v);
  if (length === 1) {
    out.push(v);
  } else if (length === 5) {
    out.push(0xf0, v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24);
  } else {
    const extra = length - 1;
    const marker = (0xff00 >>> extra) & 0xff; // `extra` leading ones
    out.push(marker | (v >>> (8 * extra)));
    for (let i = 0; i < extra; i++) out.push((v >>> (8 * i)) & 0xff);
  }
}

/** Minimal byte count (0..4) whose sign extension reproduces the 32-bit `value`. */
export function immediateLength(value: number): number {
  const v = value | 0;
  if (v === 0) return 0;
  if (v >= -0x80 && v < 0x80) return 1;
  if (v >= -0x8000 && v < 0x8000) return 2;
  if (v >= -0x800000 && v < 0x800000) return 3;
  return 4;
}

/** Appends the minimal immediate encoding of a 32-bit value (see {@link immediateLength}); returns its length. */
export function writeImmediate(value: number, out: number[]): number {
  const length = immediateLength(value);
  for (let i = 0; i < length; i++) out.push((value >>> (8 * i)) & 0xff);
  return length;
}
