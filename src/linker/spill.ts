/**
 * Replacing the temporary registers E0..E3 with real ones. Temporaries only live inside the translation of a
 * single RISC-V instruction, so each such run of instructions borrows real registers the run does not mention;
 * a borrowed register whose value is still needed afterwards is saved to (and restored from) a `.regspill` slot
 * in read-write memory around the run.
 */
import { ElfLinkError } from './elf-link-error.js';
import {
  ALL_REGS_MASK,
  type BasicBlock,
  basicDestinations,
  basicSources,
  type BlockOp,
  controlDestinations,
  controlSources,
  mapRegisters,
  REAL_REGISTER_COUNT,
  REG_S0,
  REG_S1,
  type RegMask,
  registersIn,
  TEMPORARY_REGS_MASK,
} from './ir.js';
import type { ReachabilityGraph } from './reachability.js';

export interface SpillContext {
  readonly blocks: BasicBlock[];
  readonly graph: ReachabilityGraph;
  readonly importInputs: readonly number[];
  readonly regspillSection: number;
  readonly is64Bit: boolean;
  /** Registers needed on entry to each block, when known (after optimization); else everything is assumed live. */
  readonly registersNeeded: ((block: number) => RegMask) | null;
}

/** Rewrites every used block that mentions a temporary register; returns the size the `.regspill` section needs. */
export function spillTemporaryRegisters(ctx: SpillContext, used: readonly number[]): number {
  let spillSize = 0;
  const slotSize = ctx.is64Bit ? 8 : 4;
  // Prefer registers that are rarely live across code; s0/s1 are callee-saved and usually are.
  const preference = [...Array(REAL_REGISTER_COUNT).keys()].filter((r) => r !== REG_S0 && r !== REG_S1).concat([REG_S0, REG_S1]);

  for (const index of used) {
    const block = ctx.blocks[index]!;
    const touches = (op: BlockOp): boolean => ((basicSources(op.inst, ctx.importInputs) | basicDestinations(op.inst)) & TEMPORARY_REGS_MASK) !== 0;
    if (!block.ops.some(touches)) continue;

    // Liveness after each instruction (successors' needs are only known after optimization).
    const liveAfter: RegMask[] = new Array<RegMask>(block.ops.length);
    // Temporaries never live across blocks.
    let live = successorNeeds(ctx, block) & ~TEMPORARY_REGS_MASK & ~controlDestinations(block.next.inst);
    live |= controlSources(block.next.inst);
    for (let i = block.ops.length - 1; i >= 0; i--) {
      liveAfter[i] = live;
      const inst = block.ops[i]!.inst;
      live = (live & ~basicDestinations(inst)) | basicSources(inst, ctx.importInputs);
    }

    const output: BlockOp[] = [];
    for (let i = 0; i < block.ops.length; ) {
      if (!touches(block.ops[i]!)) {
        output.push(block.ops[i]!);
        i++;
        continue;
      }
      // The run ends where no temporary is live any more.
      let end = i;
      while ((liveAfter[end]! & TEMPORARY_REGS_MASK) !== 0 && end + 1 < block.ops.length) end++;
      const run = block.ops.slice(i, end + 1);
      let mentioned: RegMask = 0;
      for (const op of run) mentioned |= basicSources(op.inst, ctx.importInputs) | basicDestinations(op.inst);
      const temporaries = [...registersIn(mentioned & TEMPORARY_REGS_MASK)];
      const free = preference.filter((r) => (mentioned & (1 << r)) === 0);
      // Registers dead after the run can be clobbered for free; the others need saving.
      free.sort((a, b) => Number((liveAfter[end]! >> a) & 1) - Number((liveAfter[end]! >> b) & 1));
      if (free.length < temporaries.length) throw new ElfLinkError('internal error: not enough registers to replace temporary registers');
      const mapping = new Map<number, number>();
      temporaries.forEach((temporary, n) => mapping.set(temporary, free[n]!));

      const first = run[0]!.source;
      const last = run[run.length - 1]!.source;
      const saved: { reg: number; offset: number }[] = [];
      for (const borrowed of mapping.values()) {
        if (((liveAfter[end]! >> borrowed) & 1) === 0) continue;
        const offset = saved.length * slotSize;
        saved.push({ reg: borrowed, offset });
        spillSize = Math.max(spillSize, offset + slotSize);
      }
      const slot = (offset: number): { section: number; offset: number } => ({ section: ctx.regspillSection, offset });
      for (const { reg, offset } of saved) {
        output.push({ source: first, inst: { op: 'store-abs', kind: ctx.is64Bit ? 'u64' : 'u32', src: { reg }, target: slot(offset) } });
      }
      for (const op of run) {
        const rewritten = mapRegisters(op.inst, (reg) => mapping.get(reg) ?? reg);
        if (rewritten === null) output.push(op);
        else output.push({ source: op.source, inst: rewritten });
      }
      for (const { reg, offset } of saved) {
        output.push({ source: last, inst: { op: 'load-abs', kind: ctx.is64Bit ? 'u64' : 'i32', dst: reg, target: slot(offset) } });
      }
      if (saved.length > 0) ctx.graph.dataEntry(ctx.regspillSection).addressTakenIn.add(index);
      i = end + 1;
    }
    block.ops = output;
  }
  return spillSize;
}

function successorNeeds(ctx: SpillContext, block: BasicBlock): RegMask {
  const needs = ctx.registersNeeded;
  if (needs === null) return ALL_REGS_MASK;
  const next = block.next.inst;
  switch (next.op) {
    case 'trap': return 0;
    case 'jump': return needs(next.target);
    case 'branch': return needs(next.ifTrue) | needs(next.ifFalse);
    default: return ALL_REGS_MASK;
  }
}
