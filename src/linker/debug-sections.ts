/**
 * Debug information for the linked program: DWARF (`.debug_line`, `.debug_info`, DWARF 2-5) or, without it,
 * the ELF's function symbols, turned into the blob's debug sections 128-130.
 */
import { writeDebugSections, type DebugInstruction, type SourceFrame } from '../program/debug-info.js';
import { ProgramBlob, type CustomSection } from '../program/program-blob.js';
import { SourceLocator, type FunctionSymbol } from './dwarf/locations.js';
import type { DwarfSections } from './dwarf/forms.js';
import { appendAll, readDebugInfo, type DebugInfo } from './dwarf/units.js';
import { ElfFile, STT_FUNC } from './elf.js';
import type { LinkResult } from './link.js';

/** One emitted instruction and the RISC-V code it came from (outermost origin first, as inlining nests them). */
export interface EmittedInstruction {
  /** Code range `[start, end)` of the instruction in the blob. */
  readonly start: number;
  readonly end: number;
  /** ELF address ranges the instruction was translated from; an inlined instruction lists the call it replaced first. */
  readonly origins: readonly { readonly address: number; readonly length: number }[];
}

const DWARF_SECTION_NAMES: Record<string, keyof DwarfSections> = {
  '.debug_info': 'info',
  '.debug_abbrev': 'abbrev',
  '.debug_line': 'line',
  '.debug_str': 'str',
  '.debug_line_str': 'lineStr',
  '.debug_str_offsets': 'strOffsets',
  '.debug_addr': 'addr',
  '.debug_ranges': 'ranges',
  '.debug_rnglists': 'rnglists',
};

/**
 * The ELF's DWARF sections, one set per input object: with `ld.lld --unique` every input section stays a
 * separate output section, so each object's `.debug_*` sections follow one another and a repeated name starts
 * the next object's set. Without `--unique` there is a single set.
 */
function dwarfSectionSets(elf: ElfFile): DwarfSections[] {
  const sets: Partial<Record<keyof DwarfSections, Uint8Array>>[] = [];
  let current: Partial<Record<keyof DwarfSections, Uint8Array>> | undefined;
  for (const section of elf.sections) {
    const key = DWARF_SECTION_NAMES[section.name];
    if (key === undefined) continue;
    if (current === undefined || current[key] !== undefined) sets.push((current = {}));
    current[key] = section.data;
  }
  return sets;
}

function functionSymbols(elf: ElfFile): FunctionSymbol[] {
  const symbols: FunctionSymbol[] = [];
  for (const symbol of elf.symbols) {
    if (symbol.type !== STT_FUNC || symbol.name === null || symbol.name === '' || symbol.place.kind !== 'section' || symbol.size <= 0) continue;
    symbols.push({ start: symbol.address, end: symbol.address + symbol.size, name: symbol.name });
  }
  return symbols;
}

/** Builds a locator for the ELF's code addresses. Throws `ElfLinkError` if the DWARF data is malformed. */
export function sourceLocatorFor(elf: ElfFile): SourceLocator {
  const info: DebugInfo = { roots: [], functions: new Map(), lines: [] };
  dwarfSectionSets(elf).forEach((sections, index) => {
    // DIE offsets are only unique within one set; keep them apart in the shared function map.
    const part = readDebugInfo(sections, index * 2 ** 40);
    appendAll(info.roots, part.roots);
    appendAll(info.lines, part.lines);
    for (const [offset, record] of part.functions) info.functions.set(offset, record);
  });
  return new SourceLocator(info, functionSymbols(elf));
}

const framesKey = (frames: readonly SourceFrame[]): string => JSON.stringify(frames);

/**
 * The blob's debug sections for `instructions` (in code order). Empty if the ELF has neither DWARF line
 * information nor function symbols for the emitted code.
 */
export function buildDebugSections(elf: ElfFile, instructions: readonly EmittedInstruction[]): CustomSection[] {
  const locator = sourceLocatorFor(elf);
  if (locator.isEmpty) return [];
  const cache = new Map<number, SourceFrame[] | null>();
  const framesAt = (address: number): SourceFrame[] | null => {
    let frames = cache.get(address);
    if (frames === undefined) cache.set(address, (frames = locator.framesAt(address)));
    return frames;
  };

  const described: DebugInstruction[] = instructions.map((instruction) => {
    // Several RISC-V instructions may fuse into one; the first (2-byte aligned) address with a location names it.
    // For inlined code, each level of origin adds its frames below the previous level's, unless they repeat.
    const levels: SourceFrame[][] = [];
    for (const origin of instruction.origins) {
      for (let address = origin.address; address < origin.address + Math.max(origin.length, 1); address += 2) {
        const frames = framesAt(address);
        if (frames === null) continue;
        const previous = levels[levels.length - 1];
        if (previous === undefined || framesKey(previous) !== framesKey(frames)) levels.push(frames);
        break;
      }
      if (levels.length === 0) break;
    }
    return { start: instruction.start, end: instruction.end, frames: levels.length === 0 ? null : levels.flat() };
  });
  return writeDebugSections(described);
}

/**
 * Adds debug sections 128-130 to a link result, from the ELF it was linked from. The result is returned
 * unchanged if the ELF has no usable debug information.
 */
export function withDebugInfo(elfBytes: Uint8Array, result: LinkResult): LinkResult {
  const { blob, sourceMap } = result;
  const instructions: EmittedInstruction[] = sourceMap.map((entry, index) => ({
    start: entry.codeOffset,
    end: sourceMap[index + 1]?.codeOffset ?? blob.code.length,
    origins: entry.origins,
  }));
  const sections = buildDebugSections(new ElfFile(elfBytes), instructions);
  if (sections.length === 0) return result;
  const parts = blob.toParts();
  const withDebug = ProgramBlob.fromParts({
    ...parts,
    customSections: [...parts.customSections.filter((s) => s.id < 128 || s.id > 130), ...sections].sort((a, b) => a.id - b.id),
  });
  return { ...result, blob: withDebug, bytes: withDebug.toBytes() };
}
