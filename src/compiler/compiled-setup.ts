/**
 * What an instance of the compiler backend needs before its WebAssembly instance exists: its memory (standard
 * regions, or dynamic-paging page tables) and the host imports. Instantiation itself may then be synchronous or
 * asynchronous (browsers discourage synchronous compilation and instantiation of large modules on the main thread).
 */
import { DynamicMemory } from '../interpreter/dynamic-memory.js';
import type { GuestMemory } from '../interpreter/memory.js';
import type { MemoryMap } from '../program/memory-map.js';
import { CompiledImports } from './compiled-instance.js';
import { WASM_PAGE_SIZE, type WasmLayout } from './layout.js';
import { WasmGuestMemory } from './wasm-memory.js';
import { WasmPageStore } from './wasm-page-store.js';

export interface CompiledSetup {
  readonly memory: GuestMemory;
  readonly imports: CompiledImports;
}

export interface SetupInput {
  readonly map: MemoryMap;
  readonly layout: WasmLayout;
  readonly dynamicPaging: boolean;
  readonly roData: Uint8Array;
  readonly rwData: Uint8Array;
}

export function prepareCompiled(input: SetupInput): CompiledSetup {
  const { map, layout } = input;
  if (input.dynamicPaging) {
    const wasmMemory = new WebAssembly.Memory({ initial: Math.ceil(layout.initialBytes / WASM_PAGE_SIZE) });
    const memory = new DynamicMemory(map, new WasmPageStore(wasmMemory, layout.pageDirectory, map.pageSize));
    return { memory, imports: new CompiledImports(memory, wasmMemory) };
  }
  const memory = new WasmGuestMemory(map, layout, input.roData, input.rwData);
  return { memory, imports: new CompiledImports(memory, memory.memory) };
}
