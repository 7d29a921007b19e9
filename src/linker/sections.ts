/**
 * Sorting ELF sections into what the program is made of: code, read-only data, read-write data, zero-initialized
 * data, the PolkaVM metadata sections, and everything else (debug info, symbol tables, ...).
 */
import { ElfLinkError } from './elf-link-error.js';
import {
  type ElfFile,
  type ElfSection,
  SHF_ALLOC,
  SHF_EXECINSTR,
  SHF_WRITE,
  SHT_DYNSYM,
  SHT_GNU_HASH,
  SHT_HASH,
  SHT_NOBITS,
  SHT_PROGBITS,
  SHT_RELA,
  SHT_STRTAB,
} from './elf.js';

export interface SectionClasses {
  readonly code: number[];
  readonly roData: number[];
  readonly rwData: number[];
  readonly bss: number[];
  /** `.polkavm_metadata`: import/export descriptions. */
  readonly metadata: number[];
  /** `.polkavm_exports`: the export table. */
  readonly exports: number[];
  /** `.polkavm_min_stack_size`: u32 values, the largest wins. */
  readonly minStackSize: number[];
  /** Not loaded into guest memory (debug info, comments, ...). */
  readonly other: number[];
}

const isWritable = (s: ElfSection): boolean => (s.flags & SHF_WRITE) !== 0;
const isAllocated = (s: ElfSection): boolean => (s.flags & SHF_ALLOC) !== 0;
const isExecutable = (s: ElfSection): boolean => (s.flags & SHF_EXECINSTR) !== 0;
const startsWithAny = (name: string, prefixes: readonly string[]): boolean => prefixes.some((p) => name.startsWith(p));

/** Classifies every section by name (and, for unknown allocated sections, by flags). */
export function classifySections(elf: ElfFile): SectionClasses {
  const classes: SectionClasses = { code: [], roData: [], rwData: [], bss: [], metadata: [], exports: [], minStackSize: [], other: [] };
  for (const section of elf.sections) {
    const name = section.name;
    const where = { section: name };
    if (
      name === '.rodata' || startsWithAny(name, ['.rodata.', '.srodata.', '.data.rel.ro.']) || name === '.data.rel.ro' ||
      name === '.got' || name === '.got.plt' || name === '.relro_padding'
    ) {
      if (name === '.rodata' && isWritable(section)) throw new ElfLinkError(`expected section '${name}' to be read-only, yet it is writable`, where);
      classes.roData.push(section.index);
    } else if (name === '.data' || name === '.sdata' || startsWithAny(name, ['.data.', '.sdata.'])) {
      if (!isWritable(section)) throw new ElfLinkError(`expected section '${name}' to be writable, yet it is read-only`, where);
      classes.rwData.push(section.index);
    } else if (name === '.bss' || name === '.sbss' || startsWithAny(name, ['.bss.', '.sbss.'])) {
      if (!isWritable(section)) throw new ElfLinkError(`expected section '${name}' to be writable, yet it is read-only`, where);
      classes.bss.push(section.index);
    } else if (name === '.text' || name.startsWith('.text.') || (isAllocated(section) && isExecutable(section))) {
      if (isWritable(section)) throw new ElfLinkError(`expected section '${name}' to be read-only, yet it is writable`, where);
      classes.code.push(section.index);
    } else if (name === '.polkavm_metadata') {
      classes.metadata.push(section.index);
    } else if (name === '.polkavm_exports') {
      classes.exports.push(section.index);
    } else if (name === '.polkavm_min_stack_size') {
      classes.minStackSize.push(section.index);
    } else if (name === '.eh_frame' || name === '.dynsym' || name === '.dynstr' || name === '.dynamic') {
      continue;
    } else if (isAllocated(section)) {
      const type = section.type;
      if (type === SHT_HASH || type === SHT_GNU_HASH || type === SHT_DYNSYM || type === SHT_STRTAB || type === SHT_RELA) continue;
      const progbits = type === SHT_PROGBITS;
      if (progbits && !isWritable(section) && !isExecutable(section)) classes.roData.push(section.index);
      else if (progbits && isWritable(section) && !isExecutable(section)) classes.rwData.push(section.index);
      else if (type === SHT_NOBITS && isWritable(section) && !isExecutable(section)) classes.bss.push(section.index);
      else if (progbits && !isWritable(section) && isExecutable(section)) classes.code.push(section.index);
      // Something we would have to load into memory, but we do not know what it is.
      else throw new ElfLinkError(`unsupported section: '${name}'`, where);
    } else {
      classes.other.push(section.index);
    }
  }
  return classes;
}
