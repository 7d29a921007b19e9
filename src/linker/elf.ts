/**
 * A small, defensive reader for little-endian RISC-V ELF files (32- and 64-bit; relocatable, executable or
 * shared): section headers with their data, the symbol table, and the RELA relocations attached to each section.
 * Every offset and size is bounds-checked, so a truncated or corrupted file raises {@link ElfLinkError}.
 */
import { ElfLinkError } from './elf-link-error.js';

export const SHF_WRITE = 0x1;
export const SHF_ALLOC = 0x2;
export const SHF_EXECINSTR = 0x4;

export const SHT_NULL = 0;
export const SHT_PROGBITS = 1;
export const SHT_SYMTAB = 2;
export const SHT_STRTAB = 3;
export const SHT_RELA = 4;
export const SHT_HASH = 5;
export const SHT_NOBITS = 8;
export const SHT_REL = 9;
export const SHT_DYNSYM = 11;
export const SHT_SYMTAB_SHNDX = 18;
export const SHT_GNU_HASH = 0x6ffffff6;

export const STT_NOTYPE = 0;
export const STT_OBJECT = 1;
export const STT_FUNC = 2;
export const STT_SECTION = 3;
export const STT_FILE = 4;

const EM_RISCV = 243;
const ET_REL = 1;
const ET_EXEC = 2;
const ET_DYN = 3;
const SHN_UNDEF = 0;
const SHN_LORESERVE = 0xff00;
const SHN_ABS = 0xfff1;
const SHN_COMMON = 0xfff2;
const SHN_XINDEX = 0xffff;

/** One RELA entry. `offset` is `r_offset` as stored (an address, or a section offset in relocatable files). */
export interface ElfRelocation {
  readonly offset: number;
  readonly type: number;
  /** Index into the symbol table; 0 means "no symbol". */
  readonly symbol: number;
  readonly addend: number;
}

/** A section header plus its contents. */
export interface ElfSection {
  readonly index: number;
  readonly name: string;
  /** `sh_addr`: where the section was linked (0 in relocatable files). */
  readonly address: number;
  /** `sh_addralign`, at least 1. */
  readonly align: number;
  /** Size in memory. */
  size: number;
  /** Bytes present in the file (empty for NOBITS); may be shorter than `size`. */
  data: Uint8Array;
  readonly flags: number;
  readonly type: number;
  /** RELA entries that apply to this section, in file order. */
  readonly relocations: ElfRelocation[];
  /** Set for sections the linker created itself (they have no file contents). */
  readonly synthetic: boolean;
}

/** Where a symbol is defined. */
export type SymbolPlace =
  | { readonly kind: 'section'; readonly section: number; readonly offset: number }
  | { readonly kind: 'undefined' }
  | { readonly kind: 'absolute' }
  | { readonly kind: 'common' }
  | { readonly kind: 'none' };

export interface ElfSymbol {
  readonly name: string | null;
  readonly address: number;
  readonly size: number;
  /** `STT_*`. */
  readonly type: number;
  readonly place: SymbolPlace;
}

const latin1 = new TextDecoder('latin1');
const utf8 = new TextDecoder('utf-8', { fatal: false });

/** Bounds-checked little-endian reads from the file. */
class FileReader {
  private readonly view: DataView;
  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  private check(offset: number, length: number, what: string): void {
    if (!Number.isSafeInteger(offset) || offset < 0 || offset + length > this.bytes.length) {
      throw new ElfLinkError(`truncated ELF file: ${what} at file offset 0x${offset.toString(16)} is out of bounds`);
    }
  }

  u8(offset: number, what: string): number {
    this.check(offset, 1, what);
    return this.view.getUint8(offset);
  }

  u16(offset: number, what: string): number {
    this.check(offset, 2, what);
    return this.view.getUint16(offset, true);
  }

  u32(offset: number, what: string): number {
    this.check(offset, 4, what);
    return this.view.getUint32(offset, true);
  }

  /** An unsigned 64-bit value that must fit in a JavaScript number. */
  u64(offset: number, what: string): number {
    this.check(offset, 8, what);
    const value = this.view.getBigUint64(offset, true);
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new ElfLinkError(`ELF ${what} is too large: 0x${value.toString(16)}`);
    return Number(value);
  }

  i64(offset: number, what: string): number {
    this.check(offset, 8, what);
    const value = this.view.getBigInt64(offset, true);
    if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
      throw new ElfLinkError(`ELF ${what} is out of range: ${value}`);
    }
    return Number(value);
  }

  i32(offset: number, what: string): number {
    this.check(offset, 4, what);
    return this.view.getInt32(offset, true);
  }

  slice(offset: number, length: number, what: string): Uint8Array {
    this.check(offset, length, what);
    return this.bytes.subarray(offset, offset + length);
  }
}

interface RawSectionHeader {
  nameOffset: number;
  type: number;
  flags: number;
  address: number;
  offset: number;
  size: number;
  link: number;
  info: number;
  align: number;
  entrySize: number;
}

/** A parsed ELF file. Sections may be added (synthetic, empty) and grown by the linker. */
export class ElfFile {
  readonly is64Bit: boolean;
  /** `e_type`: relocatable, executable or shared object. */
  readonly fileType: number;
  readonly sections: ElfSection[] = [];
  /** Entries of the main symbol table (`.symtab`, else `.dynsym`), indexed like the file (entry 0 is null). */
  readonly symbols: ElfSymbol[] = [];
  private readonly reader: FileReader;

  constructor(bytes: Uint8Array) {
    const reader = (this.reader = new FileReader(bytes));
    if (bytes.length < 16 || reader.u32(0, 'magic') !== 0x464c457f) throw new ElfLinkError('not an ELF file (bad magic)');
    const elfClass = reader.u8(4, 'class');
    if (elfClass !== 1 && elfClass !== 2) throw new ElfLinkError(`unsupported ELF class ${elfClass}`);
    this.is64Bit = elfClass === 2;
    if (reader.u8(5, 'data encoding') !== 1) throw new ElfLinkError('file is not a little endian ELF file');
    const osAbi = reader.u8(7, 'OS ABI');
    if (osAbi !== 0 && osAbi !== 3) throw new ElfLinkError("file doesn't use the System V nor GNU ABI");
    this.fileType = reader.u16(16, 'e_type');
    if (this.fileType !== ET_REL && this.fileType !== ET_EXEC && this.fileType !== ET_DYN) {
      throw new ElfLinkError('file is not a supported ELF file (ET_EXEC or ET_REL or ET_DYN)');
    }
    const machine = reader.u16(18, 'e_machine');
    if (machine !== EM_RISCV) throw new ElfLinkError(`file is not a RISC-V file (e_machine is ${machine}, expected ${EM_RISCV})`);

    const headers = this.readSectionHeaders();
    const nameTable = this.readSectionNameTable(headers);
    headers.forEach((header, index) => {
      const name = readString(nameTable, header.nameOffset) ?? '';
      const data =
        header.type === SHT_NOBITS || header.type === SHT_NULL ? new Uint8Array(0) : reader.slice(header.offset, header.size, `data of section '${name}'`);
      this.sections.push({
        index,
        name,
        address: header.address,
        align: Math.max(1, header.align),
        size: header.size,
        data,
        flags: header.flags,
        type: header.type,
        relocations: [],
        synthetic: false,
      });
    });
    this.readRelocations(headers);
    this.readSymbols(headers);
  }

  private readSectionHeaders(): RawSectionHeader[] {
    const r = this.reader;
    const is64 = this.is64Bit;
    const shoff = is64 ? r.u64(0x28, 'e_shoff') : r.u32(0x20, 'e_shoff');
    const shentsize = r.u16(is64 ? 0x3a : 0x2e, 'e_shentsize');
    let shnum = r.u16(is64 ? 0x3c : 0x30, 'e_shnum');
    if (shoff === 0) return [];
    const expectedSize = is64 ? 64 : 40;
    if (shentsize !== expectedSize) throw new ElfLinkError(`unexpected section header size ${shentsize} (expected ${expectedSize})`);
    const readHeader = (index: number): RawSectionHeader => {
      const at = shoff + index * shentsize;
      const what = `section header #${index}`;
      return is64
        ? {
            nameOffset: r.u32(at, what),
            type: r.u32(at + 4, what),
            flags: r.u64(at + 8, what),
            address: r.u64(at + 16, what),
            offset: r.u64(at + 24, what),
            size: r.u64(at + 32, what),
            link: r.u32(at + 40, what),
            info: r.u32(at + 44, what),
            align: r.u64(at + 48, what),
            entrySize: r.u64(at + 56, what),
          }
        : {
            nameOffset: r.u32(at, what),
            type: r.u32(at + 4, what),
            flags: r.u32(at + 8, what),
            address: r.u32(at + 12, what),
            offset: r.u32(at + 16, what),
            size: r.u32(at + 20, what),
            link: r.u32(at + 24, what),
            info: r.u32(at + 28, what),
            align: r.u32(at + 32, what),
            entrySize: r.u32(at + 36, what),
          };
    };
    // With more than 0xff00 sections the real count lives in the size field of section 0.
    if (shnum === 0) shnum = readHeader(0).size;
    if (shnum * shentsize > this.reader.bytes.length) throw new ElfLinkError(`truncated ELF file: ${shnum} section headers do not fit`);
    const headers: RawSectionHeader[] = [];
    for (let i = 0; i < shnum; i++) headers.push(readHeader(i));
    return headers;
  }

  private readSectionNameTable(headers: RawSectionHeader[]): Uint8Array {
    let index = this.reader.u16(this.is64Bit ? 0x3e : 0x32, 'e_shstrndx');
    if (index === SHN_XINDEX && headers.length > 0) index = headers[0]!.link;
    const header = headers[index];
    if (header === undefined || index === 0) return new Uint8Array(0);
    return this.reader.slice(header.offset, header.size, 'section name table');
  }

  private readRelocations(headers: RawSectionHeader[]): void {
    headers.forEach((header, index) => {
      if (header.type === SHT_REL && header.info !== 0 && (header.flags & SHF_ALLOC) === 0) {
        throw new ElfLinkError('REL relocations (without addends) are not supported', { section: this.sections[index]!.name });
      }
      // Dynamic relocations (allocated, or not attached to a section) are for a runtime loader; ignore them.
      if (header.type !== SHT_RELA || header.info === 0 || (header.flags & SHF_ALLOC) !== 0) return;
      const target = this.sections[header.info];
      if (target === undefined) throw new ElfLinkError(`relocation section targets missing section #${header.info}`, { section: this.sections[index]!.name });
      const entrySize = this.is64Bit ? 24 : 12;
      const data = this.sections[index]!.data;
      const r = new FileReader(data);
      const what = `relocation in '${this.sections[index]!.name}'`;
      for (let at = 0; at + entrySize <= data.length; at += entrySize) {
        if (this.is64Bit) {
          const offset = r.u64(at, what);
          const infoLow = r.u32(at + 8, what);
          const infoHigh = r.u32(at + 12, what);
          target.relocations.push({ offset, type: infoLow, symbol: infoHigh, addend: r.i64(at + 16, what) });
        } else {
          const offset = r.u32(at, what);
          const info = r.u32(at + 4, what);
          target.relocations.push({ offset, type: info & 0xff, symbol: info >>> 8, addend: r.i32(at + 8, what) });
        }
      }
    });
  }

  private readSymbols(headers: RawSectionHeader[]): void {
    let tableIndex = headers.findIndex((h) => h.type === SHT_SYMTAB);
    if (tableIndex < 0) tableIndex = headers.findIndex((h) => h.type === SHT_DYNSYM);
    if (tableIndex < 0) return;
    const table = headers[tableIndex]!;
    const strings = this.sections[table.link]?.data ?? new Uint8Array(0);
    const extendedIndexes = headers.findIndex((h) => h.type === SHT_SYMTAB_SHNDX && h.link === tableIndex);
    const extended = extendedIndexes >= 0 ? new FileReader(this.sections[extendedIndexes]!.data) : null;
    const entrySize = this.is64Bit ? 24 : 16;
    const r = new FileReader(this.sections[tableIndex]!.data);
    const count = Math.floor(r.bytes.length / entrySize);
    const fakeSectionByAddress = new Map<number, number>();
    for (let i = 0; i < count; i++) {
      const at = i * entrySize;
      const what = `symbol #${i}`;
      const nameOffset = r.u32(at, what);
      let info: number, shndx: number, address: number, size: number;
      if (this.is64Bit) {
        info = r.u8(at + 4, what);
        shndx = r.u16(at + 6, what);
        address = r.u64(at + 8, what);
        size = r.u64(at + 16, what);
      } else {
        address = r.u32(at + 4, what);
        size = r.u32(at + 8, what);
        info = r.u8(at + 12, what);
        shndx = r.u16(at + 14, what);
      }
      if (shndx === SHN_XINDEX && extended !== null) shndx = extended.u32(i * 4, what);
      const name = nameOffset === 0 ? null : readString(strings, nameOffset);
      const type = info & 0xf;
      let place: SymbolPlace;
      if (shndx === SHN_UNDEF) place = { kind: 'undefined' };
      else if (shndx === SHN_ABS) place = { kind: 'absolute' };
      else if (shndx === SHN_COMMON) place = { kind: 'common' };
      else if (shndx >= SHN_LORESERVE && shndx <= 0xffff && extended === null) place = { kind: 'none' };
      else {
        let section = this.sections[shndx];
        if (section === undefined) throw new ElfLinkError(`symbol '${name ?? ''}' refers to missing section #${shndx}`);
        const end = address + size;
        if (address < section.address || end > section.address + section.size) {
          if (size > 0) {
            throw new ElfLinkError(
              `symbol '${name ?? ''}' at 0x${address.toString(16)}..0x${end.toString(16)} lies outside its section`,
              { section: section.name },
            );
          }
          // Zero-sized symbols of sections that were removed get attached to a neighbour; give them an empty home.
          let fake = fakeSectionByAddress.get(address);
          if (fake === undefined) {
            fake = this.addEmptySection('.data.fake', SHF_ALLOC | SHF_WRITE, SHT_PROGBITS, address, 1);
            fakeSectionByAddress.set(address, fake);
          }
          section = this.sections[fake]!;
        }
        place = { kind: 'section', section: section.index, offset: address - section.address };
      }
      this.symbols.push({ name: name === '' ? null : name, address, size, type, place });
    }
  }

  /** Adds an empty section (used for sections the linker synthesizes, e.g. `.got`); returns its index. */
  addEmptySection(name: string, flags = SHF_ALLOC, type = SHT_NULL, address = 0, align = 4): number {
    const index = this.sections.length;
    this.sections.push({ index, name, address, align, size: 0, data: new Uint8Array(0), flags, type, relocations: [], synthetic: true });
    return index;
  }

  /** Grows a section (zero-filled) to at least `size` bytes of data. */
  extendSection(index: number, size: number): void {
    const section = this.sections[index]!;
    if (section.data.length < size) {
      const data = new Uint8Array(size);
      data.set(section.data);
      section.data = data;
    }
    section.size = Math.max(section.size, size);
  }

  /** Makes a section's data writable (a private copy), for applying relocations. */
  mutableData(index: number): Uint8Array {
    const section = this.sections[index]!;
    if (!section.synthetic && section.data.buffer === this.reader.bytes.buffer) section.data = section.data.slice();
    return section.data;
  }

  /** The section a symbol is defined in, with the symbol's offset; throws for undefined/absolute symbols. */
  symbolTarget(symbolIndex: number): { section: number; offset: number } {
    const symbol = this.symbols[symbolIndex];
    if (symbol === undefined) throw new ElfLinkError(`relocation refers to missing symbol #${symbolIndex}`);
    const place = symbol.place;
    if (place.kind === 'section') return { section: place.section, offset: place.offset };
    const name = symbol.name ?? '';
    if (place.kind === 'undefined') throw new ElfLinkError(`found undefined symbol: '${name}'`);
    if (place.kind === 'absolute') throw new ElfLinkError(`found symbol '${name}' in absolute section`);
    if (place.kind === 'common') throw new ElfLinkError(`found common symbol '${name}' (not supported)`);
    throw new ElfLinkError(`found symbol '${name}' with no associated section`);
  }

  /** Function symbols by section and offset (first name wins), e.g. for error messages and debug info. */
  functionNames(): Map<number, Map<number, string>> {
    const result = new Map<number, Map<number, string>>();
    for (const symbol of this.symbols) {
      if (symbol.type !== STT_FUNC || symbol.name === null || symbol.place.kind !== 'section') continue;
      let bySection = result.get(symbol.place.section);
      if (bySection === undefined) result.set(symbol.place.section, (bySection = new Map()));
      if (!bySection.has(symbol.place.offset)) bySection.set(symbol.place.offset, symbol.name);
    }
    return result;
  }
}

/** Reads a NUL-terminated string; null if the offset is out of range. */
function readString(table: Uint8Array, offset: number): string | null {
  if (offset >= table.length) return offset === 0 ? '' : null;
  let end = offset;
  while (end < table.length && table[end] !== 0) end++;
  const bytes = table.subarray(offset, end);
  // Names are almost always ASCII; decode as UTF-8 but fall back to Latin-1 byte-for-byte if that fails.
  const text = utf8.decode(bytes);
  return text.includes('\uFFFD') ? latin1.decode(bytes) : text;
}
