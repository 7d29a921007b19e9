/**
 * The linker entry point: RISC-V ELF → `.polkavm` program blob.
 *
 * Pipeline: read the ELF → classify sections → harvest relocations → translate code → split into basic blocks →
 * reachability from the exports → optimize → spill temporaries → order blocks → lay out memory → emit code and
 * jump table → apply data relocations → assemble the blob.
 */
import { INSTRUCTION_SETS, type InstructionSet } from '../isa/instruction-sets.js';
import { layoutInstructions } from '../isa/encoder.js';
import { Op } from '../isa/instruction-table.js';
import { jumpTableEntrySize, JumpTable } from '../program/code-and-jump-table.js';
import { ProgramBlob, ProgramSymbol, type ProgramExport } from '../program/program-blob.js';
import { applyRelocations } from './apply-relocations.js';
import { addMissingFallthroughBlocks, collectUsedBlocks, mergeConsecutiveFallthroughBlocks, replaceImmediatesWithRegisters } from './block-order.js';
import { harvestJumpTargets, resolveBlocks, splitIntoBlocks } from './blocks.js';
import { withDebugInfo } from './debug-sections.js';
import { ElfLinkError } from './elf-link-error.js';
import { ElfFile, SHF_ALLOC } from './elf.js';
import { emitCode, type EmitContext, targetKey } from './emit.js';
import type { BasicBlock, SectionTarget } from './ir.js';
import { dataBytes, layOutMemory } from './memory-layout.js';
import { assignImportIndexes, compareBytes, type ElfExport, type ElfImport, extractExports } from './metadata.js';
import type { BlockInfo } from './optimizer-context.js';
import { optimizeProgram, removeNops } from './optimizer.js';
import { calculateReachability, ReachabilityGraph } from './reachability.js';
import { harvestCodeRelocations, harvestDataRelocations, type InstructionOverrides, keyToTarget, locationKey, RelocationMap } from './relocations.js';
import { classifySections } from './sections.js';
import { spillTemporaryRegisters } from './spill.js';
import { translateCodeSection, type TranslatedInst } from './translate.js';
import { markUnlikelyBlocks } from './unlikely-hints.js';

/** Options of {@link link}. */
export interface LinkOptions {
  /**
   * Instruction set of the output: `latest` (Latest32 or Latest64, following the ELF's class; default),
   * `jam_v1` or `revive_v1` (both 64-bit only).
   */
  readonly isa?: 'latest' | 'jam_v1' | 'revive_v1';
  /** Optimization level: 0 (none), 1 (dead code removal only) or 2 (everything; default). */
  readonly optLevel?: 0 | 1 | 2;
  /** Minimum stack size in bytes (default 8 KiB); the guest may ask for more via `.polkavm_min_stack_size`. */
  readonly minStackSize?: number;
  /** Leave out debug information (DWARF line tables, or function symbols without DWARF → debug sections 128-130). */
  readonly strip?: boolean;
  /** Blocks of at most this many instructions are always inlined (default 2). */
  readonly inlineThreshold?: number;
  /** Use the pipeline gas model to place `unlikely` hints (default true). */
  readonly gasCostModelAwareOptimizations?: boolean;
}

/** Where one emitted instruction came from. */
export interface InstructionSource {
  /** Code offset of the instruction in the blob. */
  readonly codeOffset: number;
  /** Code offset just past the instruction. */
  readonly codeEnd: number;
  /**
   * The RISC-V code it was translated from, outermost first: an instruction of an inlined block lists the jump
   * it replaced, then its own origin. `address` is the ELF address (section address + offset).
   */
  readonly origins: readonly { readonly section: string; readonly offset: number; readonly length: number; readonly address: number }[];
}

export interface LinkResult {
  readonly blob: ProgramBlob;
  /** The serialized blob. */
  readonly bytes: Uint8Array;
  /** One entry per instruction, in code order. */
  readonly sourceMap: readonly InstructionSource[];
}

/**
 * Links a RISC-V ELF file (32- or 64-bit, built for PolkaVM with relocations kept) into a program blob.
 * Throws {@link ElfLinkError} if the input is malformed or uses something PolkaVM cannot run.
 */
export function link(elfBytes: Uint8Array, options: LinkOptions = {}): LinkResult {
  try {
    const result = linkElf(elfBytes, options);
    return options.strip === true ? result : withDebugInfo(elfBytes, result);
  } catch (error) {
    if (error instanceof RangeError && /call stack/i.test(error.message)) throw new ElfLinkError('program is too complex to link (recursion limit reached)');
    throw error;
  }
}

function chooseIsa(option: LinkOptions['isa'], is64Bit: boolean): InstructionSet {
  switch (option ?? 'latest') {
    case 'latest':
      return is64Bit ? INSTRUCTION_SETS.latest64 : INSTRUCTION_SETS.latest32;
    case 'jam_v1':
      if (!is64Bit) throw new ElfLinkError('the JamV1 ISA only supports 64-bit');
      return INSTRUCTION_SETS.jam_v1;
    case 'revive_v1':
      if (!is64Bit) throw new ElfLinkError('the ReviveV1 ISA only supports 64-bit');
      return INSTRUCTION_SETS.revive_v1;
    default:
      throw new ElfLinkError(`unknown instruction set '${String(option)}'`);
  }
}

function linkElf(elfBytes: Uint8Array, options: LinkOptions): LinkResult {
  const optLevel = options.optLevel ?? 2;
  if (optLevel !== 0 && optLevel !== 1 && optLevel !== 2) throw new ElfLinkError(`invalid optimization level ${String(optLevel)}`);
  const minStackSize = options.minStackSize ?? 2 * 4096;
  if (!Number.isInteger(minStackSize) || minStackSize < 0 || minStackSize > 0xffffffff) throw new ElfLinkError(`invalid minimum stack size ${minStackSize}`);

  const elf = new ElfFile(elfBytes);
  const is64Bit = elf.is64Bit;
  const isa = chooseIsa(options.isa, is64Bit);
  if (!elf.sections.some((s) => s.name === '.got')) elf.addEmptySection('.got');

  const classes = classifySections(elf);
  if (classes.code.length === 0) throw new ElfLinkError('the program contains no code (linking empty programs is not supported!)');
  const regspill = elf.addEmptySection('.regspill');
  classes.rwData.unshift(regspill);

  const codeSections = new Set(classes.code);
  const relocations = new RelocationMap();
  const otherWithMetadata = classes.other.filter((index) => !elf.sections[index]!.name.startsWith('.debug_'));
  for (const index of [...classes.roData, ...classes.rwData, ...classes.bss, ...otherWithMetadata, ...classes.metadata, ...classes.exports]) {
    harvestDataRelocations(elf, elf.sections[index]!, codeSections, relocations);
  }
  const overrides: InstructionOverrides = new Map();
  for (const index of classes.code) harvestCodeRelocations(elf, elf.sections[index]!, overrides, relocations);

  const exports: ElfExport[] = classes.exports.flatMap((index) => extractExports(elf, relocations, elf.sections[index]!));

  const imports: ElfImport[] = [];
  const instructions: TranslatedInst[] = [];
  for (const index of classes.code) {
    const section = elf.sections[index]!;
    const before = instructions.length;
    translateCodeSection({ elf, section, relocations, overrides, imports, output: instructions });
    if (instructions.length > before) {
      // A section may end with a call whose return address lies past its end; give that address a trap.
      const end = instructions[instructions.length - 1]!.source.end;
      instructions.push({ source: { section: index, start: end, end: end + 4 }, inst: { control: { op: 'trap' } } });
    }
  }
  for (const key of overrides.keys()) {
    const at = keyToTarget(key);
    throw new ElfLinkError('a relocation does not point at the start of an instruction', { section: elf.sections[at.section]!.name, offset: at.offset });
  }
  relocations.deleteInSections(new Set([...classes.metadata, ...classes.exports]));

  const dataSections = new Set([...classes.roData, ...classes.rwData, ...classes.bss]);
  const jumpTargets = harvestJumpTargets(elf, dataSections, codeSections, instructions, relocations, exports);
  const unresolved = splitIntoBlocks(elf, jumpTargets, instructions);
  instructions.length = 0;
  const { blocks, sectionToBlock } = resolveBlocks(elf, dataSections, unresolved);
  const importInputs = imports.map((entry) => entry.metadata.inputRegs);

  let graph: ReachabilityGraph;
  let used: number[];
  let info: BlockInfo[] = [];
  let regspillSize: number;
  if (optLevel >= 1) {
    graph = calculateReachability(sectionToBlock, blocks, exports, relocations);
    const ctx = {
      elf,
      is64Bit,
      blocks,
      graph,
      info,
      importInputs,
      relocations,
      exports,
      inlineThreshold: options.inlineThreshold ?? 2,
      elideUnusedLoads: true,
      inlineHistory: new Set<number>(),
      unknownCounter: 0,
    };
    if (optLevel === 2) info = optimizeProgram(ctx, isa.idToByte[Op.unlikely]! >= 0);
    else for (const block of blocks) removeNops(ctx, block.index);
    used = collectUsedBlocks(blocks, graph);
    const needs = info.length > 0 ? (block: number): number => info[block]?.registersNeeded ?? 0x1ffff : null;
    regspillSize = spillTemporaryRegisters({ blocks, graph, importInputs, regspillSection: regspill, is64Bit, registersNeeded: needs }, used);
    used = addMissingFallthroughBlocks(blocks, graph, used);
    used = mergeConsecutiveFallthroughBlocks(blocks, graph, sectionToBlock, used);
    if (optLevel === 2) replaceImmediatesWithRegisters(blocks, used);
  } else {
    graph = new ReachabilityGraph();
    for (const block of blocks) {
      removeNopsInBlock(block);
      const entry = graph.codeEntry(block.index);
      entry.alwaysReachable = true;
      entry.alwaysDynamicallyReachable = true;
    }
    for (const section of [...classes.roData, ...classes.rwData]) {
      const entry = graph.dataEntry(section);
      entry.alwaysReachable = true;
      entry.alwaysDynamicallyReachable = true;
    }
    exports.forEach((entry, index) => {
      const block = sectionToBlock.get(locationKey(entry.location.section, entry.location.offset));
      if (block === undefined) throw new ElfLinkError('export points to a non-block');
      graph.codeEntry(block).exports.push(index);
    });
    used = blocks.map((block) => block.index);
    regspillSize = spillTemporaryRegisters({ blocks, graph, importInputs, regspillSection: regspill, is64Bit, registersNeeded: null }, used);
  }
  elf.extendSection(regspill, regspillSize);

  for (const index of classes.other) {
    if (graph.isDataReachable(index)) throw new ElfLinkError(`unsupported section used in program graph: '${elf.sections[index]!.name}'`);
  }

  // A GOT for addresses the code loads indirectly (only left in unoptimized code).
  const got = elf.addEmptySection('.got');
  classes.roData.push(got);
  graph.dataEntry(got).alwaysReachable = true;
  const gotOffsets = new Map<string, number>();
  const usedImports = new Set<number>();
  const pointerSize = is64Bit ? 8 : 4;
  for (const block of blocks) {
    if (!graph.isCodeReachable(block.index)) continue;
    for (const { inst } of block.ops) {
      if (inst.op === 'ecalli') usedImports.add(inst.importIndex);
      if (inst.op !== 'load-address-indirect' || gotOffsets.has(targetKey(inst.target))) continue;
      const offset = gotOffsets.size * pointerSize;
      gotOffsets.set(targetKey(inst.target), offset);
      const target: SectionTarget = inst.target.block !== undefined ? { section: blocks[inst.target.block]!.source.section, offset: blocks[inst.target.block]!.source.start } : inst.target.data;
      relocations.set({ section: got, offset }, { kind: 'abs', target, size: pointerSize });
    }
  }
  elf.extendSection(got, gotOffsets.size * pointerSize);
  assignImportIndexes(imports, usedImports);

  const layout = layOutMemory(
    elf,
    classes.roData.filter((s) => graph.isDataReachable(s)),
    [...classes.rwData.filter((s) => graph.isDataReachable(s)), ...classes.bss],
    classes.minStackSize,
    minStackSize,
  );
  if (layout.heapBase > 0x7fffffff) throw new ElfLinkError('overflow when emitting the heap base address');

  // Jump table: every block whose address is taken, in emission order; its address is (index + 1) * 2.
  const jumpTableBlocks: number[] = [];
  const codeAddress = new Map<number, number>();
  for (const block of used) {
    const entry = graph.code.get(block);
    if (entry === undefined) throw new ElfLinkError('internal error: emitting an unreachable block');
    if (!entry.isDynamicallyReachable()) continue;
    jumpTableBlocks.push(block);
    codeAddress.set(block, jumpTableBlocks.length * 2);
  }

  const emitContext: EmitContext = {
    blocks,
    used,
    codeAddress,
    sectionAddress: layout.sectionAddress,
    gotSection: got,
    gotOffsets,
    importIndex: (nth) => imports[nth]!.index ?? 0,
    heapBase: layout.heapBase,
    isOptimized: optLevel === 2,
    is64Bit,
    sectionName: (section) => elf.sections[section]?.name ?? `#${section}`,
  };
  let code = emitCode(emitContext);
  if (isa.idToByte[Op.unlikely]! >= 0) {
    markUnlikelyBlocks(blocks, used, graph, info, code, options.gasCostModelAwareOptimizations ?? true);
    code = emitCode(emitContext);
  }

  applyRelocations({ elf, graph, sectionAddress: layout.sectionAddress, sectionToBlock, codeAddress: (block) => codeAddress.get(block) }, relocations);

  return assembleBlob(elf, isa, used, graph, code, jumpTableBlocks, layout, imports, exports);
}

function removeNopsInBlock(block: BasicBlock): void {
  block.ops = block.ops.filter((op) => op.inst.op !== 'nop' && !(op.inst.op === 'move' && op.inst.dst === op.inst.src));
}

function assembleBlob(
  elf: ElfFile,
  isa: InstructionSet,
  used: readonly number[],
  graph: ReachabilityGraph,
  code: ReturnType<typeof emitCode>,
  jumpTableBlocks: readonly number[],
  layout: ReturnType<typeof layOutMemory>,
  imports: readonly ElfImport[],
  exports: readonly ElfExport[],
): LinkResult {
  for (const { fields } of code.instructions) {
    if (isa.idToByte[fields.id]! < 0) {
      throw new ElfLinkError(`the program needs an instruction that is not available in the '${isa.kind}' instruction set (opcode #${fields.id})`);
    }
  }
  const targetIndex = code.instructions.map(({ target }) => (target < 0 ? -1 : code.blockStarts[target]!));
  const encoded = layoutInstructions(
    isa,
    code.instructions.map(({ fields }) => fields),
    targetIndex,
  );
  const ordinal = new Map<number, number>(used.map((block, n) => [block, n]));
  const blockOffset = (block: number): number => encoded.offsets[code.blockStarts[ordinal.get(block)!]!]!;
  const jumpTableEntries = jumpTableBlocks.map(blockOffset);

  const programExports: ProgramExport[] = [];
  for (const block of used) {
    for (const index of graph.code.get(block)?.exports ?? []) {
      programExports.push({ programCounter: blockOffset(block), symbol: new ProgramSymbol(exports[index]!.metadata.symbol) });
    }
  }
  const programImports = imports
    .filter((entry) => entry.index !== null)
    .sort((a, b) => a.index! - b.index! || compareBytes(a.metadata.symbol, b.metadata.symbol))
    .map((entry) => new ProgramSymbol(entry.metadata.symbol));

  const blob = ProgramBlob.fromParts({
    isa,
    roDataSize: layout.roDataSize,
    rwDataSize: layout.rwDataSize,
    stackSize: layout.stackSize,
    roData: dataBytes(elf, layout.roChunks),
    rwData: dataBytes(elf, layout.rwChunks),
    imports: programImports,
    exports: programExports,
    jumpTable: new JumpTable(Uint32Array.from(jumpTableEntries), jumpTableEntrySize(jumpTableEntries)),
    code: encoded.code,
    bitmask: encoded.bitmask,
    customSections: [],
  });

  const sourceMap: InstructionSource[] = code.instructions.map(({ source }, n) => ({
    codeOffset: encoded.offsets[n]!,
    codeEnd: encoded.offsets[n + 1]!,
    origins: source.map((s) => {
      const section = elf.sections[s.section]!;
      return { section: section.name, offset: s.start, length: s.end - s.start, address: (section.flags & SHF_ALLOC) !== 0 ? section.address + s.start : s.start };
    }),
  }));
  return { blob, bytes: blob.toBytes(), sourceMap };
}
