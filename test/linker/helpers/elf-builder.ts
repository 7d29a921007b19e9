/**
 * Test helper: writes small relocatable RISC-V ELF files (32- or 64-bit) from a description of sections,
 * symbols and relocations, so linker tests do not need a compiler. Written from the ELF specification.
 */

export const SHT_PROGBITS = 1;
export const SHT_NOTE = 7;
export const SHT_NOBITS = 8;
const SHT_SYMTAB = 2;
const SHT_STRTAB = 3;
const SHT_RELA = 4;
export const SHF_WRITE = 1;
export const SHF_ALLOC = 2;
export const SHF_EXECINSTR = 4;
export const STT_NOTYPE = 0;
export const STT_OBJECT = 1;
export const STT_FUNC = 2;

export interface RelocationSpec {
  readonly offset: number;
  readonly type: number;
  /** Symbol name; omitted for symbol-less relocations. */
  readonly symbol?: string;
  readonly addend?: number;
}

export interface SectionSpec {
  readonly name: string;
  readonly type?: number;
  readonly flags: number;
  readonly data?: Uint8Array;
  /** Size of a NOBITS section. */
  readonly size?: number;
  readonly align?: number;
  readonly relocations?: readonly RelocationSpec[];
}

export interface SymbolSpec {
  readonly name: string;
  /** Name of the defining section; omitted for undefined symbols. */
  readonly section?: string;
  readonly offset?: number;
  readonly size?: number;
  readonly type?: number;
}

export interface ElfSpec {
  readonly is64: boolean;
  readonly sections: readonly SectionSpec[];
  readonly symbols: readonly SymbolSpec[];
  /** Override e_machine (default 243, RISC-V). */
  readonly machine?: number;
}

class Bytes {
  readonly out: number[] = [];
  get length(): number {
    return this.out.length;
  }
  u8(v: number): void {
    this.out.push(v & 0xff);
  }
  u16(v: number): void {
    this.u8(v);
    this.u8(v >>> 8);
  }
  u32(v: number): void {
    this.u16(v & 0xffff);
    this.u16(v >>> 16);
  }
  u64(v: bigint): void {
    const x = BigInt.asUintN(64, v);
    this.u32(Number(x & 0xffffffffn));
    this.u32(Number(x >> 32n));
  }
  word(is64: boolean, v: number | bigint): void {
    if (is64) this.u64(BigInt(v));
    else this.u32(Number(BigInt.asUintN(32, BigInt(v))));
  }
  bytes(data: ArrayLike<number>): void {
    for (let i = 0; i < data.length; i++) this.out.push(data[i]!);
  }
  align(n: number): void {
    while (this.out.length % n !== 0) this.out.push(0);
  }
}

class StringTable {
  readonly bytes: number[] = [0];
  add(name: string): number {
    const offset = this.bytes.length;
    for (const c of new TextEncoder().encode(name)) this.bytes.push(c);
    this.bytes.push(0);
    return offset;
  }
}

/** Builds an ET_REL ELF file. */
export function buildElf(spec: ElfSpec): Uint8Array {
  const { is64 } = spec;
  interface Header { name: number; type: number; flags: number; offset: number; size: number; link: number; info: number; align: number; entsize: number }
  const shstrtab = new StringTable();
  const strtab = new StringTable();
  const body = new Bytes();
  const headerSize = is64 ? 64 : 52;
  body.bytes(new Array<number>(headerSize).fill(0));
  const headers: Header[] = [{ name: 0, type: 0, flags: 0, offset: 0, size: 0, link: 0, info: 0, align: 0, entsize: 0 }];

  const sectionIndex = new Map<string, number>();
  spec.sections.forEach((section, i) => sectionIndex.set(section.name, i + 1));
  for (const section of spec.sections) {
    const type = section.type ?? SHT_PROGBITS;
    const align = section.align ?? 4;
    body.align(Math.max(1, align));
    const offset = body.length;
    if (type !== SHT_NOBITS) body.bytes(section.data ?? []);
    headers.push({ name: shstrtab.add(section.name), type, flags: section.flags, offset, size: type === SHT_NOBITS ? (section.size ?? 0) : (section.data?.length ?? 0), link: 0, info: 0, align, entsize: 0 });
  }

  // Symbol table: the null symbol, then every symbol (all local, which is fine for the linker).
  const symbolIndex = new Map<string, number>();
  const symtab = new Bytes();
  const writeSymbol = (name: number, value: number, size: number, info: number, shndx: number): void => {
    if (is64) {
      symtab.u32(name);
      symtab.u8(info);
      symtab.u8(0);
      symtab.u16(shndx);
      symtab.u64(BigInt(value));
      symtab.u64(BigInt(size));
    } else {
      symtab.u32(name);
      symtab.u32(value);
      symtab.u32(size);
      symtab.u8(info);
      symtab.u8(0);
      symtab.u16(shndx);
    }
  };
  writeSymbol(0, 0, 0, 0, 0);
  spec.symbols.forEach((symbol, i) => {
    symbolIndex.set(symbol.name, i + 1);
    const shndx = symbol.section === undefined ? 0 : sectionIndex.get(symbol.section);
    if (shndx === undefined) throw new Error(`unknown section ${symbol.section}`);
    writeSymbol(strtab.add(symbol.name), symbol.offset ?? 0, symbol.size ?? 0, symbol.type ?? STT_NOTYPE, shndx);
  });

  const symtabIndex = headers.length + spec.sections.filter((s) => (s.relocations ?? []).length > 0).length;
  spec.sections.forEach((section, i) => {
    const relocations = section.relocations ?? [];
    if (relocations.length === 0) return;
    body.align(is64 ? 8 : 4);
    const offset = body.length;
    for (const relocation of relocations) {
      const symbol = relocation.symbol === undefined ? 0 : symbolIndex.get(relocation.symbol);
      if (symbol === undefined) throw new Error(`unknown symbol ${relocation.symbol}`);
      if (is64) {
        body.u64(BigInt(relocation.offset));
        body.u64((BigInt(symbol) << 32n) | BigInt(relocation.type));
        body.u64(BigInt(relocation.addend ?? 0));
      } else {
        body.u32(relocation.offset);
        body.u32(((symbol << 8) | relocation.type) >>> 0);
        body.u32((relocation.addend ?? 0) >>> 0);
      }
    }
    headers.push({ name: shstrtab.add(`.rela${section.name}`), type: SHT_RELA, flags: 0x40, offset, size: body.length - offset, link: symtabIndex, info: i + 1, align: 8, entsize: is64 ? 24 : 12 });
  });

  body.align(8);
  headers.push({ name: shstrtab.add('.symtab'), type: SHT_SYMTAB, flags: 0, offset: body.length, size: symtab.length, link: symtabIndex + 1, info: spec.symbols.length + 1, align: 8, entsize: is64 ? 24 : 16 });
  body.bytes(symtab.out);
  headers.push({ name: shstrtab.add('.strtab'), type: SHT_STRTAB, flags: 0, offset: body.length, size: strtab.bytes.length, link: 0, info: 0, align: 1, entsize: 0 });
  body.bytes(strtab.bytes);
  const shstrtabName = shstrtab.add('.shstrtab');
  headers.push({ name: shstrtabName, type: SHT_STRTAB, flags: 0, offset: body.length, size: 0, link: 0, info: 0, align: 1, entsize: 0 });
  const shstrtabHeader = headers[headers.length - 1]!;
  shstrtabHeader.size = shstrtab.bytes.length;
  body.bytes(shstrtab.bytes);

  body.align(8);
  const shoff = body.length;
  for (const h of headers) {
    body.u32(h.name);
    body.u32(h.type);
    body.word(is64, h.flags);
    body.word(is64, 0); // address
    body.word(is64, h.offset);
    body.word(is64, h.size);
    body.u32(h.link);
    body.u32(h.info);
    body.word(is64, h.align);
    body.word(is64, h.entsize);
  }

  const header = new Bytes();
  header.bytes([0x7f, 0x45, 0x4c, 0x46, is64 ? 2 : 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  header.u16(1); // ET_REL
  header.u16(spec.machine ?? 243);
  header.u32(1);
  header.word(is64, 0); // entry
  header.word(is64, 0); // phoff
  header.word(is64, shoff);
  header.u32(is64 ? 0x8 : 0x8); // flags: RVE
  header.u16(headerSize);
  header.u16(0);
  header.u16(0);
  header.u16(is64 ? 64 : 40);
  header.u16(headers.length);
  header.u16(headers.length - 1);
  const out = Uint8Array.from(body.out);
  out.set(header.out, 0);
  return out;
}
