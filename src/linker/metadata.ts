/**
 * The guest ABI's metadata: `.polkavm_metadata` records describing an import or export (symbol, register
 * counts, optional explicit import index) and the `.polkavm_exports` table (version byte, pointer to metadata,
 * pointer to code). Pointers are read through their relocations, never from the bytes as linked.
 */
import { atLocation, ElfLinkError } from './elf-link-error.js';
import type { ElfFile, ElfSection } from './elf.js';
import { INPUT_REGS, MAX_OUTPUT_REGS, type SectionTarget } from './ir.js';
import type { RelocationMap } from './relocations.js';

/** One import or export description. */
export interface ExternMetadata {
  /** Explicit import index (metadata version 2 with `has_index`), else null. */
  readonly index: number | null;
  readonly symbol: Uint8Array;
  readonly inputRegs: number;
  readonly outputRegs: number;
}

export interface ElfExport {
  /** Where the exported function starts (updated when the optimizer moves the entry point). */
  location: SectionTarget;
  readonly metadata: ExternMetadata;
}

export interface ElfImport {
  readonly metadata: ExternMetadata;
  /** The `ecalli` number assigned to this import; null if it is not used. */
  index: number | null;
}

/** Reads the pointer stored at `location` by following its absolute relocation. */
function pointerAt(elf: ElfFile, relocations: RelocationMap, location: SectionTarget, what: string): SectionTarget {
  const relocation = relocations.get(location);
  if (relocation === undefined) throw new ElfLinkError(`missing relocation for ${what}`);
  if (relocation.kind !== 'abs' || relocation.size !== (elf.is64Bit ? 8 : 4)) throw new ElfLinkError(`unexpected relocation for ${what}`);
  return relocation.target;
}

/** Little-endian reader over one section's bytes. */
class SectionCursor {
  constructor(
    private readonly section: ElfSection,
    public offset: number,
  ) {}

  get remaining(): number {
    return this.section.data.length - this.offset;
  }

  private take(length: number): number {
    if (this.offset < 0 || this.offset + length > this.section.data.length) {
      throw new ElfLinkError('unexpected end of section', { section: this.section.name, offset: this.offset });
    }
    const at = this.offset;
    this.offset += length;
    return at;
  }

  u8(): number {
    return this.section.data[this.take(1)]!;
  }

  u32(): number {
    const at = this.take(4);
    const d = this.section.data;
    return (d[at]! | (d[at + 1]! << 8) | (d[at + 2]! << 16) | (d[at + 3]! << 24)) >>> 0;
  }

  skip(length: number): void {
    this.take(length);
  }
}

/** Parses a metadata record at `target`. */
export function parseExternMetadata(elf: ElfFile, relocations: RelocationMap, target: SectionTarget): ExternMetadata {
  const section = elf.sections[target.section];
  if (section === undefined) throw new ElfLinkError('metadata pointer refers to a missing section');
  return atLocation({ section: section.name, offset: target.offset }, () => {
    const cursor = new SectionCursor(section, target.offset);
    const version = cursor.u8();
    if (version !== 1 && version !== 2) throw new ElfLinkError(`unsupported extern metadata version: ${version} (expected 1 or 2)`);
    const flags = cursor.u32();
    const symbolLength = cursor.u32();
    const symbolTarget = pointerAt(elf, relocations, { section: section.index, offset: cursor.offset }, 'the symbol name in extern metadata');
    cursor.skip(elf.is64Bit ? 8 : 4);
    const symbolSection = elf.sections[symbolTarget.section]!;
    const end = symbolTarget.offset + symbolLength;
    if (end > symbolSection.data.length) throw new ElfLinkError('extern metadata symbol is out of bounds');
    const symbol = symbolSection.data.slice(symbolTarget.offset, end);
    const inputRegs = cursor.u8();
    if (inputRegs > INPUT_REGS.length) throw new ElfLinkError(`too many input registers: ${inputRegs}`);
    const outputRegs = cursor.u8();
    if (outputRegs > MAX_OUTPUT_REGS) throw new ElfLinkError(`too many output registers: ${outputRegs}`);
    let index: number | null = null;
    if (version >= 2) {
      const hasIndex = cursor.u8();
      const value = cursor.u32();
      if (hasIndex > 0) index = value;
    }
    if (flags !== 0) throw new ElfLinkError(`found unsupported extern metadata flags: 0x${flags.toString(16)}`);
    return { index, symbol, inputRegs, outputRegs };
  });
}

/** Parses a `.polkavm_exports` section: repeated `u8 version (1), pointer metadata, pointer code`. */
export function extractExports(elf: ElfFile, relocations: RelocationMap, section: ElfSection): ElfExport[] {
  const exports: ElfExport[] = [];
  const cursor = new SectionCursor(section, 0);
  const pointerSize = elf.is64Bit ? 8 : 4;
  while (cursor.remaining > 0) {
    const at = cursor.offset;
    atLocation({ section: section.name, offset: at }, () => {
      const version = cursor.u8();
      if (version !== 1) throw new ElfLinkError(`unsupported export metadata version: ${version}`);
      const metadataTarget = pointerAt(elf, relocations, { section: section.index, offset: cursor.offset }, 'the export metadata');
      cursor.skip(pointerSize);
      const metadata = parseExternMetadata(elf, relocations, metadataTarget);
      const location = pointerAt(elf, relocations, { section: section.index, offset: cursor.offset }, 'the exported function');
      cursor.skip(pointerSize);
      exports.push({ location, metadata });
    });
  }
  return exports;
}

export function sameMetadata(a: ExternMetadata, b: ExternMetadata): boolean {
  return a.index === b.index && a.inputRegs === b.inputRegs && a.outputRegs === b.outputRegs && sameBytes(a.symbol, b.symbol);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

const symbolText = (symbol: Uint8Array): string => new TextDecoder().decode(symbol);

/**
 * Gives imports their `ecalli` numbers. If any import has an explicit index, all must, and gaps are filled with
 * dummy (empty-named) imports; otherwise the used imports are numbered in symbol order.
 */
export function assignImportIndexes(imports: ElfImport[], usedImports: ReadonlySet<number>): void {
  const bySymbol = new Map<string, ElfImport>();
  for (const entry of imports) {
    const key = symbolText(entry.metadata.symbol);
    const previous = bySymbol.get(key);
    if (previous !== undefined && !sameMetadata(previous.metadata, entry.metadata)) {
      throw new ElfLinkError(`duplicate imports with the same symbol yet different prototype: ${key}`);
    }
    if (previous === undefined) bySymbol.set(key, entry);
  }

  if (imports.some((entry) => entry.metadata.index !== null)) {
    const byIndex = new Map<number, ExternMetadata>();
    let maxIndex = 0;
    for (const entry of imports) {
      const index = entry.metadata.index;
      if (index === null) throw new ElfLinkError(`import without a specified index: ${symbolText(entry.metadata.symbol)}`);
      const previous = byIndex.get(index);
      if (previous !== undefined && !sameMetadata(previous, entry.metadata)) {
        throw new ElfLinkError(`duplicate imports with the same index yet different prototypes: ${symbolText(previous.symbol)}, ${symbolText(entry.metadata.symbol)}`);
      }
      byIndex.set(index, entry.metadata);
      maxIndex = Math.max(maxIndex, index);
      entry.index = index;
    }
    if (maxIndex >= 1024) throw new ElfLinkError(`import index ${maxIndex} is too large (at most 1023)`);
    for (let index = 0; index < maxIndex; index++) {
      if (!byIndex.has(index)) imports.push({ metadata: { index, symbol: new Uint8Array(0), inputRegs: 0, outputRegs: 0 }, index });
    }
  } else {
    const ordered = [...usedImports].sort((a, b) => compareBytes(imports[a]!.metadata.symbol, imports[b]!.metadata.symbol));
    ordered.forEach((nth, assigned) => (imports[nth]!.index = assigned));
  }
}
