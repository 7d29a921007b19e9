/**
 * A growable byte buffer with the WebAssembly binary encodings (LEB128 integers), tuned for a single-pass code
 * generator: appends only, no per-byte allocation.
 */
export class ByteWriter {
  private bytes: Uint8Array;
  length = 0;

  constructor(capacity = 1024) {
    this.bytes = new Uint8Array(capacity);
  }

  private reserve(extra: number): void {
    if (this.length + extra <= this.bytes.length) return;
    let size = this.bytes.length * 2;
    while (size < this.length + extra) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
  }

  byte(value: number): this {
    if (this.length === this.bytes.length) this.reserve(1);
    this.bytes[this.length++] = value;
    return this;
  }

  /** Two bytes, e.g. an opcode with its immediate. */
  byte2(a: number, b: number): this {
    this.reserve(2);
    this.bytes[this.length++] = a;
    this.bytes[this.length++] = b;
    return this;
  }

  raw(data: ArrayLike<number>): this {
    this.reserve(data.length);
    for (let i = 0; i < data.length; i++) this.bytes[this.length++] = data[i]!;
    return this;
  }

  /** Makes room for `extra` more bytes (avoids repeated growth before a large write). */
  reserveExtra(extra: number): this {
    this.reserve(extra);
    return this;
  }

  /** Appends bytes [start, end) of another writer. */
  appendRange(other: ByteWriter, start: number, end: number): this {
    this.reserve(end - start);
    this.bytes.set(other.bytes.subarray(start, end), this.length);
    this.length += end - start;
    return this;
  }

  /** Appends another writer's content. */
  append(other: ByteWriter): this {
    this.reserve(other.length);
    this.bytes.set(other.bytes.subarray(0, other.length), this.length);
    this.length += other.length;
    return this;
  }

  /** Reserves 5 bytes for a u32 written later with {@link patchU32}; returns their position. */
  placeholderU32(): number {
    this.reserve(5);
    const at = this.length;
    this.length += 5;
    return at;
  }

  /** Writes `value` at `at` as a 5-byte (padded) LEB128, which WebAssembly accepts for any u32. */
  patchU32(at: number, value: number): void {
    let v = value >>> 0;
    for (let i = 0; i < 4; i++) {
      this.bytes[at + i] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    this.bytes[at + 4] = v;
  }

  /** Unsigned LEB128 of a u32. */
  u32(value: number): this {
    this.reserve(5);
    let v = value >>> 0;
    for (;;) {
      const byte = v & 0x7f;
      v >>>= 7;
      if (v === 0) {
        this.bytes[this.length++] = byte;
        return this;
      }
      this.bytes[this.length++] = byte | 0x80;
    }
  }

  /** Signed LEB128 of an i32. */
  i32(value: number): this {
    this.reserve(5);
    let v = value | 0;
    for (;;) {
      const byte = v & 0x7f;
      v >>= 7;
      if ((v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0)) {
        this.bytes[this.length++] = byte;
        return this;
      }
      this.bytes[this.length++] = byte | 0x80;
    }
  }

  /** Signed LEB128 of an i64 given as (low, high) int32 halves. */
  i64(low: number, high: number): this {
    if (high === low >> 31) return this.i32(low);
    this.reserve(10);
    let lo = low >>> 0;
    let hi = high | 0;
    for (;;) {
      const byte = lo & 0x7f;
      // 64-bit arithmetic shift right by 7 across the halves.
      lo = ((lo >>> 7) | (hi << 25)) >>> 0;
      hi >>= 7;
      const done = (hi === 0 && lo === 0 && (byte & 0x40) === 0) || (hi === -1 && lo === 0xffffffff && (byte & 0x40) !== 0);
      if (done) {
        this.bytes[this.length++] = byte;
        return this;
      }
      this.bytes[this.length++] = byte | 0x80;
    }
  }

  /** A length-prefixed UTF-8 name. */
  name(text: string): this {
    const encoded = new TextEncoder().encode(text);
    return this.u32(encoded.length).raw(encoded);
  }

  /** The bytes written so far (a view, valid until the next write). */
  view(): Uint8Array {
    return this.bytes.subarray(0, this.length);
  }

  /** A copy of the bytes written so far. */
  toBytes(): Uint8Array {
    return this.bytes.slice(0, this.length);
  }
}
