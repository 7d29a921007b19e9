/** State shared by the optimization passes. */
import type { ElfFile } from './elf.js';
import type { BasicBlock, RegMask } from './ir.js';
import type { ElfExport } from './metadata.js';
import type { ReachabilityGraph } from './reachability.js';
import type { RegValue } from './register-values.js';
import type { RelocationMap } from './relocations.js';
import type { Terminator } from './terminators.js';

/** Per-block facts the passes accumulate. */
export interface BlockInfo {
  /** What each register holds on entry (as far as all predecessors agree). */
  inputRegs: RegValue[];
  /** What each register holds on exit. */
  outputRegs: RegValue[];
  /** Registers whose values the block (or its successors) may read. */
  registersNeeded: RegMask;
  /** How execution starting here can end (computed once, before optimizing). */
  readonly terminator: Terminator;
}

export interface OptimizerContext {
  readonly elf: ElfFile;
  readonly is64Bit: boolean;
  readonly blocks: BasicBlock[];
  readonly graph: ReachabilityGraph;
  readonly info: BlockInfo[];
  /** Input register count of each import (for `ecalli` operands). */
  readonly importInputs: readonly number[];
  readonly relocations: RelocationMap;
  readonly exports: ElfExport[];
  readonly inlineThreshold: number;
  readonly elideUnusedLoads: boolean;
  /** Pairs (outer, inner) already inlined; keeps inlining from looping forever. */
  readonly inlineHistory: Set<number>;
  /** Source of unique ids for unknown values. */
  unknownCounter: number;
}

export const inlineKey = (outer: number, inner: number): number => outer * 0x4000000 + inner;
