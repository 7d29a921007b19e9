/**
 * The code-and-jump-table payload: section 6 of a `.polkavm` blob, and on its own the JAM code blob
 * (`E(|j|) ++ E_1(z) ++ E(|c|) ++ E_z(j) ++ c ++ bitmask`).
 */
import { ByteReader } from './byte-reader.js';
import { writeVarint } from './varint.js';

/** Largest code size a program may have (32 MiB). */
export const MAXIMUM_CODE_SIZE = 32 * 1024 * 1024;
/** Largest number of jump table entries (16 Mi). */
export const MAXIMUM_JUMP_TABLE_ENTRIES = 16 * 1024 * 1024;
/** Dynamic code addresses are multiples of this. */
export const CODE_ADDRESS_ALIGNMENT = 2;
/** A dynamic jump to this address returns to the host (execution finishes). */
export const RETURN_TO_HOST_ADDRESS = 0xffff0000;

/** The jump table: dynamic code address `(i + 1) * 2` refers to entry `i`, a code offset. */
export class JumpTable {
  constructor(
    /** Code offsets, one per entry. */
    readonly entries: Uint32Array,
    /** Bytes per entry in the serialized form (0..4). */
    readonly entrySize: number,
  ) {}

  get length(): number {
    return this.entries.length;
  }

  /** The code offset a dynamic address refers to, or -1 if the address is not a valid jump table address. */
  getByAddress(address: number): number {
    const index = jumpTableIndex(address, this.entries.length);
    return index < 0 ? -1 : this.entries[index]!;
  }
}

/**
 * The entry of a jump table of `length` entries that a dynamic address refers to (address 2 is entry 0, 4 entry 1,
 * …), or -1 if the address is 0, odd or past the table.
 */
export function jumpTableIndex(address: number, length: number): number {
  const a = address >>> 0;
  if (a === 0 || (a & (CODE_ADDRESS_ALIGNMENT - 1)) !== 0) return -1;
  const index = (a - CODE_ADDRESS_ALIGNMENT) / CODE_ADDRESS_ALIGNMENT;
  return index < length ? index : -1;
}

/** Decoded code-and-jump-table payload. */
export interface CodeAndJumpTable {
  jumpTable: JumpTable;
  code: Uint8Array;
  bitmask: Uint8Array;
}

/**
 * Parses a code-and-jump-table payload. `baseOffset` is the payload's position in the enclosing input, so errors
 * report absolute offsets.
 */
export function parseCodeAndJumpTable(bytes: Uint8Array, baseOffset = 0): CodeAndJumpTable {
  const reader = new ByteReader(bytes, 0, baseOffset);
  const entryCount = reader.readVarint();
  if (entryCount > MAXIMUM_JUMP_TABLE_ENTRIES) throw reader.error('the jump table section is too long', 0);
  const entrySizeOffset = reader.position;
  const entrySize = reader.readByte();
  const codeLength = reader.readVarint();
  if (codeLength > MAXIMUM_CODE_SIZE) throw reader.error('the code section is too long', entrySizeOffset + 1);
  if (entrySize > 4) throw reader.error('invalid jump table entry size', entrySizeOffset);

  const tableBytes = reader.readSlice(entryCount * entrySize);
  const code = reader.readSlice(codeLength);
  const bitmaskOffset = reader.position;
  const bitmask = reader.readSlice(reader.remaining);
  if (bitmask.length !== (codeLength + 7) >>> 3) {
    throw reader.error('the bitmask length does not match the code length', bitmaskOffset);
  }
  const padding = bitmask.length * 8 - codeLength;
  if (padding > 0 && (bitmask[bitmask.length - 1]! & (0xff << (8 - padding)) & 0xff) !== 0) {
    throw reader.error('the bitmask is padded with non-zero bits', bitmaskOffset + bitmask.length - 1);
  }

  const entries = new Uint32Array(entrySize === 0 ? 0 : entryCount);
  for (let i = 0, at = 0; i < entries.length; i++, at += entrySize) {
    // Little-endian; the store into the Uint32Array makes a 4-byte value unsigned.
    let value = 0;
    for (let k = entrySize - 1; k >= 0; k--) value = (value << 8) | tableBytes[at + k]!;
    entries[i] = value;
  }
  return { jumpTable: new JumpTable(entries, entrySize), code, bitmask };
}

/**
 * Jump table entry size as the reference writer picks it: the largest count of leading non-zero little-endian
 * bytes among the entries. That count is too small for an entry with an inner zero byte (e.g. 0x100) or for an
 * all-zero table; where the reference would write a corrupt table, the smallest size holding every entry is used.
 */
export function jumpTableEntrySize(entries: ArrayLike<number>): number {
  if (entries.length === 0) return 0;
  let leadingNonZero = 0;
  let minimal = 1;
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]!;
    let leading = 0;
    while (leading < 4 && ((entry >>> (8 * leading)) & 0xff) !== 0) leading++;
    leadingNonZero = Math.max(leadingNonZero, leading);
    let needed = 4;
    while (needed > 1 && entry >>> (8 * (needed - 1)) === 0) needed--;
    minimal = Math.max(minimal, needed);
  }
  return leadingNonZero >= minimal ? leadingNonZero : minimal;
}

/** Serializes a code-and-jump-table payload (the inverse of {@link parseCodeAndJumpTable}). */
export function writeCodeAndJumpTable(part: CodeAndJumpTable): Uint8Array {
  const head: number[] = [];
  const { entries, entrySize } = part.jumpTable;
  writeVarint(entries.length, head);
  head.push(entrySize);
  writeVarint(part.code.length, head);
  const out = new Uint8Array(head.length + entries.length * entrySize + part.code.length + part.bitmask.length);
  out.set(head, 0);
  let at = head.length;
  for (let i = 0; i < entries.length; i++) {
    for (let k = 0; k < entrySize; k++) out[at++] = Math.floor(entries[i]! / 2 ** (8 * k)) & 0xff;
  }
  out.set(part.code, at);
  out.set(part.bitmask, at + part.code.length);
  return out;
}
