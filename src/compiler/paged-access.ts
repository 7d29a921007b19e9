/**
 * Loads and stores under dynamic paging: compiled code walks the page table (see wasm-page-store.ts) itself and
 * accesses the frame directly when the access lies inside one mapped page (and the page is writable, for a
 * store). Everything else — a missing page, a write-protected page, an access straddling two pages or wrapping
 * around the address space — goes to the host, which applies the exact rules (segfault or trap) of
 * DynamicMemory and records the exit.
 */
import { PAGE_DIRECTORY_SHIFT, STATE, type WasmLayout } from './layout.js';
import { LOAD_KIND_COUNT, LOAD_KIND_SIZE, type LoadKind } from './recipes.js';
import { loadOpcode, storeOpcode, zeroValue } from './access-opcodes.js';
import { PAGE_PRESENT, PAGE_WRITABLE } from './wasm-page-store.js';
import { ByteWriter } from './wasm/byte-writer.js';
import type { ModuleBuilder } from './wasm/module-builder.js';
import { EMPTY_BLOCK, ValType, W } from './wasm/opcodes.js';

/** Function indices of the host imports. */
export interface PagingImports {
  /** `(address, kind, pc) → status`: 0 and the value in the state's scratch slot, or 1 (exit recorded). */
  readonly load: number;
  /** `(address, low, high, size, pc) → status`: 0, or 1 (exit recorded). */
  readonly store: number;
}

/** Import signatures, for the module's import section. */
export function pagingImportTypes(module: ModuleBuilder): { load: number; store: number } {
  const i32 = ValType.I32;
  return { load: module.type([i32, i32, i32], [i32]), store: module.type([i32, i32, i32, i32, i32], [i32]) };
}

interface PagedAccessInput {
  readonly module: ModuleBuilder;
  readonly layout: WasmLayout;
  readonly wide: boolean;
  readonly fault: number;
  readonly pageSize: number;
  readonly imports: PagingImports;
}

/**
 * Emits the page-table walk for an access of `size` bytes at the address in local `address`; runs `hit` with the
 * WebAssembly address on the stack when the access can be done inline. Uses locals `table`, `entry`, `offset`.
 */
function walk(w: ByteWriter, input: PagedAccessInput, size: number, write: boolean, address: number, table: number, entry: number, offset: number, hit: () => void): void {
  const shift = Math.log2(input.pageSize);
  const required = write ? PAGE_PRESENT | PAGE_WRITABLE : PAGE_PRESENT;
  w.byte(W.local_get).u32(address).byte(W.i32_const).i32(PAGE_DIRECTORY_SHIFT).byte(W.i32_shr_u).byte(W.i32_const).i32(2).byte(W.i32_shl);
  w.byte(W.i32_load).u32(2).u32(input.layout.pageDirectory).byte(W.local_tee).u32(table).byte(W.if).byte(EMPTY_BLOCK);
  w.byte(W.local_get).u32(address).byte(W.i32_const).i32(shift).byte(W.i32_shr_u);
  w.byte(W.i32_const).i32((1 << (PAGE_DIRECTORY_SHIFT - shift)) - 1).byte(W.i32_and).byte(W.i32_const).i32(2).byte(W.i32_shl);
  w.byte(W.local_get).u32(table).byte(W.i32_add).byte(W.i32_load).u32(2).u32(0).byte(W.local_tee).u32(entry);
  w.byte(W.i32_const).i32(required).byte(W.i32_and).byte(W.i32_const).i32(required).byte(W.i32_eq).byte(W.if).byte(EMPTY_BLOCK);
  w.byte(W.local_get).u32(address).byte(W.i32_const).i32(input.pageSize - 1).byte(W.i32_and).byte(W.local_tee).u32(offset);
  w.byte(W.i32_const).i32(input.pageSize - size).byte(W.i32_le_u).byte(W.if).byte(EMPTY_BLOCK);
  w.byte(W.local_get).u32(entry).byte(W.i32_const).i32(-0x1000).byte(W.i32_and).byte(W.local_get).u32(offset).byte(W.i32_add);
  hit();
  w.byte(W.end).byte(W.end).byte(W.end);
}

function setFault(w: ByteWriter, fault: number): void {
  w.byte(W.i32_const).i32(1).byte(W.global_set).u32(fault);
}

export function definePagedAccess(input: PagedAccessInput): { slowLoad: number[]; slowStore: number[] } {
  const { module, wide, imports } = input;
  const vt = wide ? ValType.I64 : ValType.I32;
  const i32 = ValType.I32;

  const loadType = module.type([i32, i32], [vt]);
  const slowLoad: number[] = [];
  for (let kind = 0; kind < LOAD_KIND_COUNT; kind++) {
    const op = loadOpcode(kind as LoadKind, wide);
    const w = new ByteWriter(256);
    // Params: 0 address, 1 pc. Locals: 2 table, 3 entry, 4 offset.
    walk(w, input, LOAD_KIND_SIZE[kind]!, false, 0, 2, 3, 4, () => {
      w.byte(op).u32(0).u32(0).byte(W.return);
    });
    w.byte(W.local_get).u32(0).byte(W.i32_const).i32(kind).byte(W.local_get).u32(1).byte(W.call).u32(imports.load);
    w.byte(W.if).byte(EMPTY_BLOCK);
    setFault(w, input.fault);
    zeroValue(w, wide);
    w.byte(W.return).byte(W.end);
    w.byte(W.i32_const).i32(0).byte(wide ? W.i64_load : W.i32_load).u32(2).u32(STATE.scratch);
    w.byte(W.end);
    slowLoad.push(module.defineFunction(loadType, [[3, i32]], w));
  }

  const storeType = module.type([i32, vt, i32], []);
  const slowStore = [1, 2, 4, 8].map((size) => {
    const op = storeOpcode(size, wide);
    const w = new ByteWriter(256);
    // Params: 0 address, 1 value, 2 pc. Locals: 3 table, 4 entry, 5 offset.
    walk(w, input, size, true, 0, 3, 4, 5, () => {
      w.byte(W.local_get).u32(1).byte(op).u32(0).u32(0).byte(W.return);
    });
    w.byte(W.local_get).u32(0);
    if (wide) {
      w.byte(W.local_get).u32(1).byte(W.i32_wrap_i64);
      w.byte(W.local_get).u32(1).byte(W.i64_const).i32(32).byte(W.i64_shr_u).byte(W.i32_wrap_i64);
    } else {
      w.byte(W.local_get).u32(1).byte(W.i32_const).i32(0);
    }
    w.byte(W.i32_const).i32(size).byte(W.local_get).u32(2).byte(W.call).u32(imports.store);
    w.byte(W.if).byte(EMPTY_BLOCK);
    setFault(w, input.fault);
    w.byte(W.end);
    w.byte(W.end);
    return module.defineFunction(storeType, [[3, i32]], w);
  });
  return { slowLoad, slowStore };
}
