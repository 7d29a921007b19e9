/**
 * Compiles a whole program into one WebAssembly module in a single pass over its code: one function per region,
 * helpers, and a dispatcher `run(block) → exit code` that calls region functions through a table indexed by block.
 *
 * The module is independent of any instance: memory and the `sbrk` host callback are imported, and the sizes that
 * change at run time (the RW window with the heap, the accessible aux size) are mutable exported globals.
 */
import type { CostModel } from '../gas/cost-model.js';
import type { Code } from '../isa/code.js';
import type { JumpTable } from '../program/code-and-jump-table.js';
import type { MemoryMap } from '../program/memory-map.js';
import { analyzeProgram, regionEnd, type ProgramAnalysis } from './analysis.js';
import { defineHelpers } from './helpers.js';
import { computeLayout, ExitCode, WASM_PAGE_SIZE, type WasmLayout } from './layout.js';
import { type PagingImports, pagingImportTypes } from './paged-access.js';
import { defineRuntime } from './runtime-helpers.js';
import { type EmitContext, RegionEmitter, regionLocals } from './region-emitter.js';
import { ByteWriter } from './wasm/byte-writer.js';
import { ModuleBuilder } from './wasm/module-builder.js';
import { EMPTY_BLOCK, ValType, W } from './wasm/opcodes.js';

export interface CompileInput {
  code: Code;
  jumpTable: JumpTable;
  map: MemoryMap;
  gas: 'none' | 'sync' | 'async';
  costModel: CostModel;
  trapAtCodeEnd: boolean;
  dynamicPaging: boolean;
}

/** The compiled program: WebAssembly bytes plus what instances need to drive them. */
export interface CompiledProgram {
  readonly wasm: Uint8Array;
  readonly analysis: ProgramAnalysis;
  readonly layout: WasmLayout;
  /** Jump table entry → block index (-1 when the entry is not a valid jump target), written into each instance. */
  readonly jumpTableBlocks: Int32Array;
}

export function compileProgram(input: CompileInput): CompiledProgram {
  const { code, jumpTable, map } = input;
  const wide = code.isa.is64Bit;
  const analysis = analyzeProgram(code, input.gas === 'none' ? null : input.costModel);
  const layout = computeLayout(map, jumpTable.length, input.dynamicPaging);

  const module = new ModuleBuilder();
  module.importMemory('env', 'memory', Math.ceil(layout.initialBytes / WASM_PAGE_SIZE));
  const sbrkImport = module.importFunction('env', 'sbrk', module.type([ValType.I32], [ValType.I32]));
  const markImport = module.importFunction('env', 'markBlock', module.type([ValType.I32], []));
  let paging: PagingImports | null = null;
  if (input.dynamicPaging) {
    const types = pagingImportTypes(module);
    paging = { load: module.importFunction('env', 'pagedLoad', types.load), store: module.importFunction('env', 'pagedStore', types.store) };
  }
  const helpers = defineHelpers(module);
  // Block index `blockCount` stands for "return to the host": its table entry finishes the run.
  const finishBlock = analysis.blockCount;
  const runtime = defineRuntime({ module, map, layout, wide, jumpTableLength: jumpTable.length, finishBlock, paging });
  const ctx: EmitContext = { code, analysis, wide, gas: input.gas, map, layout, helpers, runtime, sbrkImport, markImport, jumpTableLength: jumpTable.length, trapAtCodeEnd: input.trapAtCodeEnd, dynamicPaging: input.dynamicPaging };

  const regionType = module.type([ValType.I32], [ValType.I32]);

  // run(block): call region functions until one returns a negative exit code.
  const run = new ByteWriter(64);
  run.byte(W.loop).byte(EMPTY_BLOCK);
  run.byte(W.local_get).u32(0).byte(W.local_get).u32(0);
  run.byte(W.call_indirect).u32(regionType).u32(0);
  run.byte(W.local_tee).u32(0).byte(W.i32_const).i32(0).byte(W.i32_ge_s).byte(W.br_if).u32(0);
  run.byte(W.end).byte(W.local_get).u32(0).byte(W.end);
  module.exportFunction('run', module.defineFunction(regionType, [], run));
  const finish = module.defineFunction(regionType, [], new ByteWriter(8).byte(W.i32_const).i32(ExitCode.Finished).byte(W.end));

  // Region functions come last; their bodies are written straight into the module.
  const firstRegion = module.declareStreamed(regionType, regionLocals(wide), analysis.regionCount);
  const table = new Uint32Array(analysis.blockCount + 1);
  for (let r = 0; r < analysis.regionCount; r++) table.fill(firstRegion + r, analysis.regionFirst[r]!, regionEnd(analysis, r));
  table[finishBlock] = finish;
  module.setTable(table);

  const emitter = new RegionEmitter(ctx);
  const wasm = module.toBytes((out, r) => emitter.emit(r, out), code.length * 10 + 2 * table.length + 0x10000);

  const jumpTableBlocks = new Int32Array(jumpTable.length);
  for (let i = 0; i < jumpTable.length; i++) {
    const target = jumpTable.entries[i]!;
    jumpTableBlocks[i] = target < code.length && code.isJumpTargetValid(target) ? analysis.blockAt[target]! : -1;
  }
  return { wasm, analysis, layout, jumpTableBlocks };
}
