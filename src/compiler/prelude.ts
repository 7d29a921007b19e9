/**
 * The start of every WebAssembly module of a program: imports, helper functions and runtime functions, always in
 * the same order, so that their function, type and global indices agree between the main module and the chunks
 * translated lazily (which import the main module's globals instead of defining them).
 */
import type { ProgramAnalysis } from './analysis.js';
import type { CompileInput } from './compile-program.js';
import type { GasBudgets } from './gas-budget.js';
import { defineHelpers } from './helpers.js';
import { WASM_PAGE_SIZE, type WasmLayout } from './layout.js';
import { type PagingImports, pagingImportTypes } from './paged-access.js';
import type { EmitContext } from './region-writer.js';
import { defineRuntime } from './runtime-helpers.js';
import type { ModuleBuilder } from './wasm/module-builder.js';
import { ValType } from './wasm/opcodes.js';

/** What every module of a program defines first, in the same order, so that function and global indices agree. */
export interface Prelude {
  readonly ctx: EmitContext;
  readonly regionType: number;
}

/**
 * Imports, helpers and runtime functions. A chunk is built with `importGlobalsFrom`, so that it shares the main
 * module's globals; it defines its own copies of the helper functions, at the same indices, so region code calls
 * them directly (not through imports).
 */
export function buildPrelude(module: ModuleBuilder, input: CompileInput, analysis: ProgramAnalysis, layout: WasmLayout, budgets: GasBudgets | null): Prelude {
  const { code, jumpTable, map } = input;
  const wide = code.isa.is64Bit;
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
  const regionType = module.type([ValType.I32], [ValType.I32]);
  const ctx: EmitContext = { code, analysis, wide, gas: input.gas, budgets, map, layout, helpers, runtime, sbrkImport, markImport, jumpTableLength: jumpTable.length, trapAtCodeEnd: input.trapAtCodeEnd, dynamicPaging: input.dynamicPaging, regionType };
  return { ctx, regionType };
}
