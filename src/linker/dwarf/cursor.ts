/**
 * Bounds-checked little-endian reading of DWARF sections. Every failure is an {@link ElfLinkError} naming the
 * section and offset, so that corrupt debug info can never escape as a plain `RangeError`.
 */
import { ElfLinkError } from '../elf-link-error.js';

/** An address that cannot be represented (a 64-bit tombstone such as `-1`); callers treat it as "no address". */
export const INVALID_ADDRESS = -1;

const utf8 = new TextDecoder('utf-8', { fatal: false });

/** A read position inside one DWARF section. */
export class DwarfCursor {
  private readonly view: DataView;

  constructor(
    /** The whole section (offsets are relative to its start). */
    readonly data: Uint8Array,
    /** Section name, for error messages. */
    readonly section: string,
    public offset = 0,
    /** Where reading must stop (exclusive); defaults to the end of the section. */
    public end = data.length,
  ) {
    this.view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    if (end > data.length || offset > end || offset < 0) this.fail(`range 0x${offset.toString(16)}..0x${end.toString(16)} is out of bounds`);
  }

  /** A cursor over `[offset, offset + length)` of the same section. */
  sub(length: number): DwarfCursor {
    this.need(length);
    const cursor = new DwarfCursor(this.data, this.section, this.offset, this.offset + length);
    this.offset += length;
    return cursor;
  }

  /** A new cursor over the same section at `offset`. */
  at(offset: number): DwarfCursor {
    if (!Number.isSafeInteger(offset) || offset < 0 || offset > this.data.length) this.fail(`offset 0x${offset.toString(16)} is out of bounds`);
    return new DwarfCursor(this.data, this.section, offset);
  }

  get remaining(): number {
    return this.end - this.offset;
  }

  get atEnd(): boolean {
    return this.offset >= this.end;
  }

  fail(message: string): never {
    throw new ElfLinkError(`malformed DWARF: ${message}`, { section: this.section, offset: this.offset });
  }

  private need(length: number): void {
    if (!Number.isSafeInteger(length) || length < 0 || this.offset + length > this.end) this.fail(`unexpected end of data (needed ${length} bytes)`);
  }

  skip(length: number): void {
    this.need(length);
    this.offset += length;
  }

  u8(): number {
    this.need(1);
    return this.data[this.offset++]!;
  }

  i8(): number {
    return (this.u8() << 24) >> 24;
  }

  u16(): number {
    this.need(2);
    const value = this.view.getUint16(this.offset, true);
    this.offset += 2;
    return value;
  }

  u24(): number {
    const low = this.u16();
    return low + this.u8() * 0x10000;
  }

  u32(): number {
    this.need(4);
    const value = this.view.getUint32(this.offset, true);
    this.offset += 4;
    return value;
  }

  /** A u64; values beyond 2^53 come back as {@link INVALID_ADDRESS} (they are never valid offsets or addresses). */
  u64(): number {
    this.need(8);
    const low = this.view.getUint32(this.offset, true);
    const high = this.view.getUint32(this.offset + 4, true);
    this.offset += 8;
    return high >= 0x200000 ? INVALID_ADDRESS : high * 0x100000000 + low;
  }

  /** An unsigned integer of `size` bytes (1, 2, 4 or 8). */
  unsigned(size: number): number {
    switch (size) {
      case 1:
        return this.u8();
      case 2:
        return this.u16();
      case 4:
        return this.u32();
      case 8:
        return this.u64();
      default:
        return this.fail(`unsupported integer size ${size}`);
    }
  }

  /** ULEB128; values beyond 2^53 saturate to {@link INVALID_ADDRESS}. */
  uleb(): number {
    let result = 0;
    let scale = 1;
    let overflow = false;
    for (;;) {
      const byte = this.u8();
      if (scale < 2 ** 53) result += (byte & 0x7f) * scale;
      else if ((byte & 0x7f) !== 0) overflow = true;
      scale *= 128;
      if ((byte & 0x80) === 0) break;
    }
    return overflow || result > Number.MAX_SAFE_INTEGER ? INVALID_ADDRESS : result;
  }

  /** SLEB128, saturated to the safe integer range. */
  sleb(): number {
    let result = 0n;
    let shift = 0n;
    let byte: number;
    do {
      byte = this.u8();
      if (shift < 64n) result |= BigInt(byte & 0x7f) << shift;
      shift += 7n;
    } while ((byte & 0x80) !== 0);
    if (shift < 64n && (byte & 0x40) !== 0) result -= 1n << shift;
    const value = BigInt.asIntN(64, result);
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) return Number.MAX_SAFE_INTEGER;
    if (value < BigInt(Number.MIN_SAFE_INTEGER)) return Number.MIN_SAFE_INTEGER;
    return Number(value);
  }

  /** A NUL-terminated string. */
  cstring(): string {
    const start = this.offset;
    let end = start;
    while (end < this.end && this.data[end] !== 0) end++;
    if (end >= this.end) this.fail('unterminated string');
    this.offset = end + 1;
    return utf8.decode(this.data.subarray(start, end));
  }

  /**
   * A unit's initial length. Returns the length and whether the unit uses the 64-bit DWARF format (offsets
   * are then 8 bytes wide).
   */
  initialLength(): { length: number; is64: boolean } {
    const first = this.u32();
    if (first === 0xffffffff) {
      const length = this.u64();
      if (length === INVALID_ADDRESS) this.fail('unit length is too large');
      return { length, is64: true };
    }
    if (first >= 0xfffffff0) this.fail(`reserved unit length 0x${first.toString(16)}`);
    return { length: first, is64: false };
  }
}

/** A NUL-terminated string at `offset` of a string section (`.debug_str`, `.debug_line_str`). */
export function stringAt(section: Uint8Array | undefined, name: string, offset: number): string {
  if (section === undefined) throw new ElfLinkError(`malformed DWARF: a string refers to the missing section '${name}'`);
  return new DwarfCursor(section, name).at(offset).cstring();
}
