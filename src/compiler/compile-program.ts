/**
 * Compiles a whole program into one WebAssembly module in a single pass over its code: one function per region,
 * helpers, and a dispatcher `run(block) → exit code` that calls region functions through a table indexed by block.
 * With lazy translation the module holds no regions: each table entry starts at a stub that asks the host to
 * translate the block's chunk (lazy-chunks.ts), whose functions then replace the stub in that instance's table.
 *
 * The module is independent of any instance: memory and the `sbrk` host callback are imported, and the sizes that
 * change at run time (the RW window with the heap, the accessible aux size) are mutable exported globals.
 */
import type { CostModel } from '../gas/cost-model.js';
import type { Code } from '../isa/code.js';
import type { JumpTable } from '../program/code-and-jump-table.js';
import type { MemoryMap } from '../program/memory-map.js';
import { analyzeProgram, BlockEntry, regionEnd, type ProgramAnalysis } from './analysis.js';
import { GasBudgets } from './gas-budget.js';
import { computeLayout, ExitCode, STATE, type WasmLayout } from './layout.js';
import { LazyChunks } from './lazy-chunks.js';
import { buildPrelude } from './prelude.js';
import { RegionEmitter } from './region-emitter.js';
import { regionLocals } from './region-writer.js';
import { ByteWriter } from './wasm/byte-writer.js';
import { ModuleBuilder } from './wasm/module-builder.js';
import { EMPTY_BLOCK, TABLE_FILL, W } from './wasm/opcodes.js';

export interface CompileInput {
  code: Code;
  jumpTable: JumpTable;
  map: MemoryMap;
  gas: 'none' | 'sync' | 'async';
  costModel: CostModel;
  trapAtCodeEnd: boolean;
  dynamicPaging: boolean;
  /**
   * 0: translate every region now, into the one module. Otherwise regions are translated when first run, in
   * chunks of consecutive regions of about this many bytes of guest code, each its own small module (see
   * lazy-chunks.ts).
   */
  lazyChunkBytes: number;
}

/** The compiled program: WebAssembly bytes plus what instances need to drive them. */
export interface CompiledProgram {
  readonly wasm: Uint8Array;
  readonly analysis: ProgramAnalysis;
  readonly layout: WasmLayout;
  /** Jump table entry → block index (-1 when the entry is not a valid jump target), written into each instance. */
  readonly jumpTableBlocks: Int32Array;
  /** Regions translated on demand (null: all are in `wasm`). */
  readonly chunks: LazyChunks | null;
  /** Where compiled code tests the gas balance, and against what (null when gas is not metered). */
  readonly budgets: GasBudgets | null;
}

export function compileProgram(input: CompileInput): CompiledProgram {
  const { code, jumpTable, map } = input;
  const lazy = input.lazyChunkBytes > 0;
  const analysis = analyzeProgram(code, input.gas === 'none' ? null : input.costModel, input.lazyChunkBytes);
  const layout = computeLayout(map, jumpTable.length, input.dynamicPaging);

  // A valid jump target always starts a basic block, whose first block the analysis marked as entered by jumps.
  const jumpTableBlocks = new Int32Array(jumpTable.length);
  const { blockAt, blockEntry } = analysis;
  for (let i = 0; i < jumpTable.length; i++) {
    const target = jumpTable.entries[i]!;
    const block = target < code.length ? blockAt[target]! : -1;
    jumpTableBlocks[i] = block >= 0 && blockEntry[block] === BlockEntry.Jump ? block : -1;
  }
  const budgets = input.gas === 'none' ? null : new GasBudgets(analysis, jumpTableBlocks);

  const module = new ModuleBuilder();
  const { ctx, regionType } = buildPrelude(module, input, analysis, layout, budgets);

  // run(block): call region functions until one returns a negative exit code. Region functions that call each
  // other count their depth (see RegionEmitter.callRegion); it starts at 0 whichever way the last run ended.
  const run = new ByteWriter(64);
  run.byte(W.i32_const).i32(0).byte(W.global_set).u32(ctx.runtime.callDepth);
  run.byte(W.loop).byte(EMPTY_BLOCK);
  run.byte(W.local_get).u32(0).byte(W.local_get).u32(0);
  run.byte(W.call_indirect).u32(regionType).u32(0);
  run.byte(W.local_tee).u32(0).byte(W.i32_const).i32(0).byte(W.i32_ge_s).byte(W.br_if).u32(0);
  run.byte(W.end).byte(W.local_get).u32(0).byte(W.end);
  module.exportFunction('run', module.defineFunction(regionType, [], run));
  const finish = module.defineFunction(regionType, [], new ByteWriter(8).byte(W.i32_const).i32(ExitCode.Finished).byte(W.end));
  const blocks = analysis.blockCount;
  /** Function index of the first region function (eager translation). */
  let firstRegion = 0;
  if (lazy) {
    // Every block starts out at `translate`, which asks the host to translate the block's chunk first. The
    // module's start function fills the table with it: one table.fill instead of an element per block.
    const translate = new ByteWriter(16);
    translate.byte(W.i32_const).i32(0).byte(W.local_get).u32(0).byte(W.i32_store).u32(2).u32(STATE.exitPc);
    translate.byte(W.i32_const).i32(ExitCode.Translate).byte(W.end);
    const stub = module.defineFunction(regionType, [], translate);
    const fill = new ByteWriter(24);
    fill.byte(W.i32_const).i32(1).byte(W.ref_func).u32(stub).byte(W.i32_const).i32(blocks - 1);
    fill.byte(W.prefix_fc).u32(TABLE_FILL).u32(0).byte(W.end);
    module.setStart(module.defineFunction(module.type([], []), [], fill));
    module.setTable(blocks + 1, [
      { offset: 0, functions: [stub] },
      { offset: blocks, functions: [finish] },
    ]);
    module.exportTable('table');
    // Chunks share the globals (heap limits, the fault flag).
    module.exportGlobalsByIndex();
  } else {
    // Region functions come last; their bodies are written straight into the module.
    const table = new Uint32Array(blocks + 1);
    firstRegion = module.declareStreamed(regionType, regionLocals(ctx.wide), analysis.regionCount);
    for (let r = 0; r < analysis.regionCount; r++) table.fill(firstRegion + r, analysis.regionFirst[r]!, regionEnd(analysis, r));
    table[blocks] = finish;
    module.setTable(blocks + 1, [{ offset: 0, functions: table }]);
  }

  const emitter = new RegionEmitter(ctx, jumpTableBlocks);
  if (!lazy) emitter.setModule(0, analysis.regionCount, firstRegion);
  const wasm = lazy ? module.toBytes() : module.toBytes((out, r) => emitter.emit(r, out), code.length * 10 + 2 * blocks + 0x10000);
  const chunks = lazy ? new LazyChunks(input, analysis, layout, emitter, budgets) : null;
  return { wasm, analysis, layout, jumpTableBlocks, chunks, budgets };
}
