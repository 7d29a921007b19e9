/**
 * Splitting translated code into basic blocks. A block starts at every location something can jump to (a
 * branch or call target, an address taken by code or data, an export) and ends at a control instruction;
 * instructions no block reaches are dropped right away.
 */
import { ElfLinkError } from './elf-link-error.js';
import type { ElfFile } from './elf.js';
import {
  type AnyTarget,
  type BasicBlock,
  type BasicInst,
  type BlockOp,
  type ControlInst,
  mapBasicTarget,
  mapControlTargets,
  type SectionTarget,
  type Source,
  type SourceStack,
} from './ir.js';
import type { ElfExport } from './metadata.js';
import { locationKey, type RelocationMap, relocationTargets } from './relocations.js';
import type { TranslatedInst } from './translate.js';

/** A block whose targets are still section locations. */
export interface UnresolvedBlock {
  readonly source: Source;
  readonly ops: { source: SourceStack; inst: BasicInst<SectionTarget> }[];
  readonly next: { source: SourceStack; inst: ControlInst<SectionTarget> };
}

const describe = (elf: ElfFile, target: SectionTarget): { section: string; offset: number } => ({
  section: elf.sections[target.section]?.name ?? `#${target.section}`,
  offset: target.offset,
});

/** Every code location that must start a basic block (as location keys). */
export function harvestJumpTargets(
  elf: ElfFile,
  dataSections: ReadonlySet<number>,
  codeSections: ReadonlySet<number>,
  instructions: readonly TranslatedInst[],
  relocations: RelocationMap,
  exports: readonly ElfExport[],
): Set<number> {
  const targets = new Set<number>();
  const add = (target: SectionTarget): void => {
    targets.add(locationKey(target.section, target.offset));
  };
  for (const { inst } of instructions) {
    if (inst.basic !== undefined) {
      const b = inst.basic;
      if ((b.op === 'load-abs' || b.op === 'store-abs') && !dataSections.has(b.target.section)) {
        throw new ElfLinkError('found an instruction which accesses a non-data section', describe(elf, b.target));
      }
      if (b.op === 'load-address' || b.op === 'load-address-indirect') {
        if (codeSections.has(b.target.section)) add(b.target);
        else if (!dataSections.has(b.target.section)) {
          throw new ElfLinkError('found an instruction which refers to neither a data nor a code section', describe(elf, b.target));
        }
      }
    } else {
      for (const target of controlTargets(inst.control)) {
        if (!codeSections.has(target.section)) throw new ElfLinkError('found a control instruction which refers to a non-code section', describe(elf, target));
        add(target);
      }
    }
  }
  for (const [location, relocation] of relocations.sorted()) {
    if (!dataSections.has(location.section)) continue;
    for (const target of relocationTargets(relocation)) if (codeSections.has(target.section)) add(target);
  }
  for (const entry of exports) {
    if (!codeSections.has(entry.location.section)) throw new ElfLinkError('export points to a non-code section', describe(elf, entry.location));
    add(entry.location);
  }
  return targets;
}

export function controlTargets<T>(inst: ControlInst<T>): T[] {
  switch (inst.op) {
    case 'jump': return [inst.target];
    case 'call': return [inst.target, inst.returnTo];
    case 'call-indirect': return [inst.returnTo];
    case 'branch': return [inst.ifTrue, inst.ifFalse];
    default: return [];
  }
}

const sameSource = (a: Source, b: Source): boolean => a.section === b.section && a.start === b.start && a.end === b.end;

/** Groups instructions into basic blocks. */
export function splitIntoBlocks(elf: ElfFile, jumpTargets: ReadonlySet<number>, instructions: readonly TranslatedInst[]): UnresolvedBlock[] {
  const blocks: UnresolvedBlock[] = [];
  let ops: { source: SourceStack; inst: BasicInst<SectionTarget> }[] = [];
  let blockStart: SectionTarget | null = null;
  let lastSource: Source | null = null;
  for (const { source, inst } of instructions) {
    // Several IR instructions translated from one RISC-V instruction stay together.
    if (lastSource !== null && sameSource(source, lastSource)) {
      if (inst.basic === undefined) throw new ElfLinkError('internal error: control instruction in the middle of a translated instruction');
      ops.push({ source: [source], inst: inst.basic });
      continue;
    }
    let start: SectionTarget;
    if (!jumpTargets.has(locationKey(source.section, source.start))) {
      for (let offset = source.start + 2; offset < source.end; offset += 2) {
        if (jumpTargets.has(locationKey(source.section, offset))) {
          throw new ElfLinkError('found a jump into the middle of an instruction', describe(elf, { section: source.section, offset }));
        }
      }
      if (blockStart === null) continue; // nothing can reach this instruction
      start = blockStart;
    } else {
      if (blockStart !== null && ops.length > 0) {
        // Something jumps here: end the current block with an explicit jump to this instruction.
        const lastStart = ops[ops.length - 1]!.source[0]!.start;
        blocks.push({
          source: { section: blockStart.section, start: blockStart.offset, end: source.start },
          ops,
          next: { source: [{ section: blockStart.section, start: lastStart, end: source.start }], inst: { op: 'jump', target: { section: source.section, offset: source.start } } },
        });
        ops = [];
      }
      start = blockStart = { section: source.section, offset: source.start };
    }

    if (inst.control !== undefined) {
      lastSource = null;
      blockStart = null;
      blocks.push({ source: { section: start.section, start: start.offset, end: source.end }, ops, next: { source: [source], inst: inst.control } });
      ops = [];
      if (inst.control.op === 'branch') {
        if (inst.control.ifFalse.section !== source.section) throw new ElfLinkError('found a branch with a fallthrough to another section', describe(elf, start));
        blockStart = { section: start.section, offset: source.end };
      }
    } else {
      lastSource = source;
      ops.push({ source: [source], inst: inst.basic });
    }
  }
  if (ops.length > 0) throw new ElfLinkError("code doesn't end with a control-flow affecting instruction");
  return blocks;
}

/** Turns section-location targets into block indices (code) or data locations; returns the blocks and the block of each start location. */
export function resolveBlocks(
  elf: ElfFile,
  dataSections: ReadonlySet<number>,
  unresolved: readonly UnresolvedBlock[],
): { blocks: BasicBlock[]; sectionToBlock: Map<number, number> } {
  const sectionToBlock = new Map<number, number>();
  unresolved.forEach((block, index) => {
    const key = locationKey(block.source.section, block.source.start);
    if (sectionToBlock.has(key)) throw new ElfLinkError('found two or more basic blocks with the same location', describe(elf, { section: block.source.section, offset: block.source.start }));
    sectionToBlock.set(key, index);
  });
  const blockAt = (target: SectionTarget, what: string): number => {
    const block = sectionToBlock.get(locationKey(target.section, target.offset));
    if (block === undefined) throw new ElfLinkError(`${what} does not point at the start of a basic block`, describe(elf, target));
    return block;
  };
  const blocks = unresolved.map((block, index): BasicBlock => {
    const ops = block.ops.map(
      (op): BlockOp => ({
        source: op.source,
        inst: mapBasicTarget(op.inst, (target): AnyTarget => (dataSections.has(target.section) ? { data: target } : { block: blockAt(target, 'an address taken by code') })),
      }),
    );
    const next = { source: block.next.source, inst: mapControlTargets(block.next.inst, (target) => blockAt(target, 'a jump or branch')) };
    return { index, source: block.source, ops, next, isUnlikely: false };
  });
  return { blocks, sectionToBlock };
}
