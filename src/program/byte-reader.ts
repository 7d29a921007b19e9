/** A cursor over bytes that reports malformed input as {@link ProgramParseError}s with exact offsets. */
import { ProgramParseError } from '../errors.js';
import { readVarint } from './varint.js';

export class ByteReader {
  constructor(
    readonly bytes: Uint8Array,
    public position = 0,
    /** Added to reported offsets, for readers over a sub-slice of a larger input. */
    readonly baseOffset = 0,
  ) {}

  get remaining(): number {
    return this.bytes.length - this.position;
  }

  readByte(): number {
    if (this.position >= this.bytes.length) throw this.unexpectedEnd(1);
    return this.bytes[this.position++]!;
  }

  readSlice(length: number): Uint8Array {
    if (length > this.remaining) throw this.unexpectedEnd(length);
    const slice = this.bytes.subarray(this.position, this.position + length);
    this.position += length;
    return slice;
  }

  readVarint(): number {
    if (this.position >= this.bytes.length) throw this.unexpectedEnd(1);
    const result = readVarint(this.bytes, this.position);
    if (result === null) {
      throw new ProgramParseError('FailedToReadVarint', this.baseOffset + this.position, 'failed to read a varint');
    }
    this.position += result.length;
    return result.value;
  }

  readBytesWithLength(): Uint8Array {
    return this.readSlice(this.readVarint());
  }

  unexpectedEnd(expected: number): ProgramParseError {
    return new ProgramParseError(
      'UnexpectedEnd',
      this.baseOffset + this.position,
      `unexpected end of input: expected ${expected} more byte(s), found ${this.remaining}`,
    );
  }

  error(message: string, offset = this.position): ProgramParseError {
    return new ProgramParseError('Other', this.baseOffset + offset, message);
  }
}
