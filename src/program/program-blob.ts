/**
 * The `.polkavm` program blob: parsing and writing.
 *
 * Layout: magic `PVM\0`, version byte (selects the instruction set), u64 total length, then sections
 * `id, varint length, payload` in a fixed order, ended by section 0.
 */
import { ProgramParseError } from '../errors.js';
import { Code } from '../isa/code.js';
import { instructionSetForBlobVersion, type InstructionSet } from '../isa/instruction-sets.js';
import { ByteReader } from './byte-reader.js';
import {
  JumpTable,
  parseCodeAndJumpTable,
  writeCodeAndJumpTable,
  type CodeAndJumpTable,
} from './code-and-jump-table.js';
import { writeVarint } from './varint.js';

export const BLOB_MAGIC = Uint8Array.of(0x50, 0x56, 0x4d, 0x00);
const BLOB_LEN_OFFSET = 5;
const HEADER_SIZE = 13;

export const SECTION_MEMORY_CONFIG = 1;
export const SECTION_RO_DATA = 2;
export const SECTION_RW_DATA = 3;
export const SECTION_IMPORTS = 4;
export const SECTION_EXPORTS = 5;
export const SECTION_CODE_AND_JUMP_TABLE = 6;
export const SECTION_DEBUG_STRINGS = 128;
export const SECTION_DEBUG_LINE_PROGRAMS = 129;
export const SECTION_DEBUG_LINE_PROGRAM_RANGES = 130;
const SECTION_END_OF_FILE = 0;

/** Most imports a program may declare. */
export const MAXIMUM_IMPORT_COUNT = 1024;

const utf8 = new TextDecoder('utf-8', { fatal: false });

/** An import or export name: raw bytes (the format does not require UTF-8) plus a string view. */
export class ProgramSymbol {
  constructor(readonly bytes: Uint8Array) {}

  /** The name decoded as UTF-8 (invalid sequences become U+FFFD). */
  toString(): string {
    return utf8.decode(this.bytes);
  }

  static fromString(name: string): ProgramSymbol {
    return new ProgramSymbol(new TextEncoder().encode(name));
  }
}

/** An exported entry point. */
export interface ProgramExport {
  readonly programCounter: number;
  readonly symbol: ProgramSymbol;
}

/** A section this library does not interpret, kept so that writing a parsed blob reproduces it. */
export interface CustomSection {
  readonly id: number;
  readonly bytes: Uint8Array;
}

/** Everything a program blob consists of; input to {@link ProgramBlob.fromParts}. */
export interface ProgramParts extends CodeAndJumpTable {
  isa: InstructionSet;
  roDataSize: number;
  rwDataSize: number;
  stackSize: number;
  roData: Uint8Array;
  rwData: Uint8Array;
  /** Import symbols by index; null for an entry whose symbol bytes are out of range. */
  imports: readonly (ProgramSymbol | null)[];
  exports: readonly ProgramExport[];
  /** Debug sections 128..130 and unknown optional sections, in file order. */
  customSections: readonly CustomSection[];
}

/** A parsed program: memory configuration, data, imports, exports, code and jump table. */
export class ProgramBlob {
  readonly isa: InstructionSet;
  readonly roDataSize: number;
  readonly rwDataSize: number;
  readonly stackSize: number;
  readonly roData: Uint8Array;
  readonly rwData: Uint8Array;
  readonly imports: readonly (ProgramSymbol | null)[];
  readonly exports: readonly ProgramExport[];
  readonly jumpTable: JumpTable;
  readonly code: Uint8Array;
  readonly bitmask: Uint8Array;
  readonly customSections: readonly CustomSection[];
  private codeView: Code | undefined;

  private constructor(parts: ProgramParts) {
    this.isa = parts.isa;
    this.roDataSize = parts.roDataSize;
    this.rwDataSize = parts.rwDataSize;
    this.stackSize = parts.stackSize;
    this.roData = parts.roData;
    this.rwData = parts.rwData;
    this.imports = parts.imports;
    this.exports = parts.exports;
    this.jumpTable = parts.jumpTable;
    this.code = parts.code;
    this.bitmask = parts.bitmask;
    this.customSections = parts.customSections;
  }

  /** Whether registers are 64 bits wide (every instruction set except `latest32`). */
  get is64Bit(): boolean {
    return this.isa.is64Bit;
  }

  /** The code with its decoding rules. */
  get instructions(): Code {
    return (this.codeView ??= new Code(this.code, this.bitmask, this.isa));
  }

  /** Raw bytes of a custom/debug section, if present. */
  section(id: number): Uint8Array | undefined {
    return this.customSections.find((s) => s.id === id)?.bytes;
  }

  /**
   * A blob holding only code: no data, stack, imports or exports (what a JAM code blob describes; the JAM standard
   * program format sets up memory itself).
   */
  static fromCode(isa: InstructionSet, codeAndJumpTable: CodeAndJumpTable): ProgramBlob {
    return ProgramBlob.fromParts({
      isa,
      roDataSize: 0,
      rwDataSize: 0,
      stackSize: 0,
      roData: new Uint8Array(0),
      rwData: new Uint8Array(0),
      imports: [],
      exports: [],
      customSections: [],
      ...codeAndJumpTable,
    });
  }

  /**
   * Builds a blob from parts, checking the same invariants as parsing: data payloads within their declared
   * sizes, a bitmask of the right length.
   */
  static fromParts(parts: ProgramParts): ProgramBlob {
    if (parts.roData.length > parts.roDataSize) {
      throw new ProgramParseError('Other', 0, 'size of the read-only data payload exceeds the declared size of the section');
    }
    if (parts.rwData.length > parts.rwDataSize) {
      throw new ProgramParseError('Other', 0, 'size of the read-write data payload exceeds the declared size of the section');
    }
    if (parts.bitmask.length !== (parts.code.length + 7) >>> 3) {
      throw new ProgramParseError('Other', 0, 'the bitmask length does not match the code length');
    }
    return new ProgramBlob(parts);
  }

  /** Parses a `.polkavm` blob. Throws {@link ProgramParseError} on malformed input. */
  static parse(bytes: Uint8Array): ProgramBlob {
    if (bytes.length < BLOB_MAGIC.length || BLOB_MAGIC.some((b, i) => bytes[i] !== b)) {
      throw new ProgramParseError('Other', 0, "blob doesn't start with the expected magic bytes");
    }
    const reader = new ByteReader(bytes, BLOB_MAGIC.length);
    const version = reader.readByte();
    const isa = instructionSetForBlobVersion(version);
    if (isa === undefined) {
      throw new ProgramParseError('UnsupportedVersion', 4, `unsupported blob version ${version}`);
    }
    const lengthBytes = reader.readSlice(8);
    let declared = 0n;
    for (let i = 7; i >= 0; i--) declared = (declared << 8n) | BigInt(lengthBytes[i]!);
    if (declared !== BigInt(bytes.length)) {
      throw new ProgramParseError('Other', BLOB_LEN_OFFSET, "blob size doesn't match the blob length metadata");
    }

    let roDataSize = 0;
    let rwDataSize = 0;
    let stackSize = 0;
    let section = reader.readByte();
    if (section === SECTION_MEMORY_CONFIG) {
      const length = reader.readVarint();
      const start = reader.position;
      roDataSize = reader.readVarint();
      rwDataSize = reader.readVarint();
      stackSize = reader.readVarint();
      if (reader.position !== start + length) {
        throw reader.error('the memory config section contains more data than expected', start);
      }
      section = reader.readByte();
    }

    const readSection = (expected: number): { bytes: Uint8Array; offset: number } => {
      if (section !== expected) return { bytes: new Uint8Array(0), offset: reader.position };
      const length = reader.readVarint();
      const offset = reader.position;
      const payload = reader.readSlice(length);
      section = reader.readByte();
      return { bytes: payload, offset };
    };

    const roData = readSection(SECTION_RO_DATA).bytes;
    const rwData = readSection(SECTION_RW_DATA).bytes;

    let imports: (ProgramSymbol | null)[] = [];
    if (section === SECTION_IMPORTS) {
      const length = reader.readVarint();
      const start = reader.position;
      const count = reader.readVarint();
      if (count > MAXIMUM_IMPORT_COUNT) throw reader.error('too many imports', start);
      const offsets = reader.readSlice(count * 4);
      const symbolsLength = length - (reader.position - start);
      if (symbolsLength < 0) throw reader.error('the imports section is invalid', start);
      const symbols = reader.readSlice(symbolsLength);
      imports = parseImports(offsets, symbols);
      section = reader.readByte();
    }

    const exportsSection = readSection(SECTION_EXPORTS);
    const codeSection = readSection(SECTION_CODE_AND_JUMP_TABLE);
    const customSections: CustomSection[] = [];
    for (const id of [SECTION_DEBUG_STRINGS, SECTION_DEBUG_LINE_PROGRAMS, SECTION_DEBUG_LINE_PROGRAM_RANGES]) {
      if (section !== id) continue;
      customSections.push({ id, bytes: readSection(id).bytes });
    }
    while ((section & 0x80) !== 0) {
      // Unknown optional section: kept verbatim, otherwise ignored.
      const id = section;
      const payload = reader.readBytesWithLength();
      customSections.push({ id, bytes: payload });
      section = reader.readByte();
    }
    if (section !== SECTION_END_OF_FILE) {
      throw new ProgramParseError('UnexpectedSection', reader.position - 1, `unexpected section ${section}`);
    }

    if (codeSection.bytes.length === 0) throw new ProgramParseError('Other', codeSection.offset, 'no code found');
    const codeAndJumpTable = parseCodeAndJumpTable(codeSection.bytes, codeSection.offset);
    return ProgramBlob.fromPartsAt(
      {
        isa,
        roDataSize,
        rwDataSize,
        stackSize,
        roData,
        rwData,
        imports,
        exports: parseExports(exportsSection.bytes),
        ...codeAndJumpTable,
        customSections,
      },
      HEADER_SIZE,
    );
  }

  private static fromPartsAt(parts: ProgramParts, offset: number): ProgramBlob {
    try {
      return ProgramBlob.fromParts(parts);
    } catch (error) {
      if (error instanceof ProgramParseError) {
        throw new ProgramParseError(error.kind, offset, error.message.replace(/ \(at byte offset \d+\)$/, ''));
      }
      throw error;
    }
  }

  /** The parts of this blob, e.g. to modify and rebuild it. */
  toParts(): ProgramParts {
    return {
      isa: this.isa,
      roDataSize: this.roDataSize,
      rwDataSize: this.rwDataSize,
      stackSize: this.stackSize,
      roData: this.roData,
      rwData: this.rwData,
      imports: this.imports,
      exports: this.exports,
      jumpTable: this.jumpTable,
      code: this.code,
      bitmask: this.bitmask,
      customSections: this.customSections,
    };
  }

  /** Serializes the blob in the canonical layout the reference writer uses. */
  toBytes(): Uint8Array {
    const out: number[] = [...BLOB_MAGIC, this.isa.blobVersion, 0, 0, 0, 0, 0, 0, 0, 0];
    const chunks: Uint8Array[] = [];
    const flush = (): void => {
      chunks.push(Uint8Array.from(out));
      out.length = 0;
    };
    const section = (id: number, payload: ArrayLike<number>): void => {
      if (payload.length === 0) return;
      out.push(id);
      writeVarint(payload.length, out);
      flush();
      chunks.push(payload instanceof Uint8Array ? payload : Uint8Array.from(payload));
    };

    if (this.roDataSize > 0 || this.rwDataSize > 0 || this.stackSize > 0) {
      const config: number[] = [];
      writeVarint(this.roDataSize, config);
      writeVarint(this.rwDataSize, config);
      writeVarint(this.stackSize, config);
      section(SECTION_MEMORY_CONFIG, config);
    }
    section(SECTION_RO_DATA, this.roData);
    section(SECTION_RW_DATA, this.rwData);
    if (this.imports.length > 0) {
      const payload: number[] = [];
      writeVarint(this.imports.length, payload);
      let symbolOffset = 0;
      for (const symbol of this.imports) {
        payload.push(symbolOffset & 0xff, (symbolOffset >>> 8) & 0xff, (symbolOffset >>> 16) & 0xff, symbolOffset >>> 24);
        symbolOffset += symbol?.bytes.length ?? 0;
      }
      for (const symbol of this.imports) if (symbol) payload.push(...symbol.bytes);
      section(SECTION_IMPORTS, payload);
    }
    if (this.exports.length > 0) {
      const payload: number[] = [];
      writeVarint(this.exports.length, payload);
      for (const entry of this.exports) {
        writeVarint(entry.programCounter, payload);
        writeVarint(entry.symbol.bytes.length, payload);
        payload.push(...entry.symbol.bytes);
      }
      section(SECTION_EXPORTS, payload);
    }
    section(SECTION_CODE_AND_JUMP_TABLE, writeCodeAndJumpTable(this));
    for (const custom of this.customSections) section(custom.id, custom.bytes);
    out.push(SECTION_END_OF_FILE);
    flush();

    const total = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
    const blob = new Uint8Array(total);
    let at = 0;
    for (const chunk of chunks) {
      blob.set(chunk, at);
      at += chunk.length;
    }
    new DataView(blob.buffer).setBigUint64(BLOB_LEN_OFFSET, BigInt(total), true);
    return blob;
  }
}

function parseImports(offsets: Uint8Array, symbols: Uint8Array): (ProgramSymbol | null)[] {
  const count = offsets.length / 4;
  const view = new DataView(offsets.buffer, offsets.byteOffset, offsets.byteLength);
  const result: (ProgramSymbol | null)[] = [];
  for (let i = 0; i < count; i++) {
    const start = view.getUint32(i * 4, true);
    const end = i + 1 < count ? view.getUint32((i + 1) * 4, true) : symbols.length;
    result.push(start <= end && end <= symbols.length ? new ProgramSymbol(symbols.subarray(start, end)) : null);
  }
  return result;
}

/** Exports are read until the first malformed entry, as the reference's lazy iterator does. */
function parseExports(bytes: Uint8Array): ProgramExport[] {
  const result: ProgramExport[] = [];
  if (bytes.length === 0) return result;
  const reader = new ByteReader(bytes);
  try {
    const count = reader.readVarint();
    for (let i = 0; i < count; i++) {
      const programCounter = reader.readVarint();
      const symbol = new ProgramSymbol(reader.readBytesWithLength());
      result.push({ programCounter, symbol });
    }
  } catch (error) {
    if (!(error instanceof ProgramParseError)) throw error;
  }
  return result;
}
