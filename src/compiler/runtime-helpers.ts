/**
 * WebAssembly functions shared by all region functions of a program: the rare paths kept out of line so that the
 * inline code stays small.
 *
 * - `trapAt` (for the helpers below) and `ecalli` record an exit in the state area; the caller then branches to
 *   its exit path, which reads the exit code back. (Region code records its own exits; see region-emitter.ts.)
 * - Slow memory accesses try every region of the guest address space; on failure they record a trap and set the
 *   `fault` global, which the caller tests right after the call.
 * - `resolveJump` maps a dynamic jump address to a block index through the jump table.
 */
import { RETURN_TO_HOST_ADDRESS } from '../program/code-and-jump-table.js';
import type { MemoryMap } from '../program/memory-map.js';
import { ExitCode, STATE, type WasmLayout } from './layout.js';
import { LOAD_KIND_COUNT, LOAD_KIND_SIZE, LoadKind } from './recipes.js';
import { loadOpcode, SIZE_INDEX, storeOpcode, zeroValue } from './access-opcodes.js';
import { definePagedAccess, type PagingImports } from './paged-access.js';
import { ByteWriter } from './wasm/byte-writer.js';
import type { ModuleBuilder } from './wasm/module-builder.js';
import { EMPTY_BLOCK, ValType, W } from './wasm/opcodes.js';

export interface RuntimeFunctions {
  /** Global (i32) set to 1 by a slow access or jump that failed. */
  readonly fault: number;
  /** Global (i32): how many region functions called by other region functions are running (see RegionEmitter). */
  readonly callDepth: number;
  /** Mutable globals: exclusive limits on `address - start` of the RW / aux windows, per access size 1/2/4/8. */
  readonly rwLimit: readonly number[];
  readonly auxLimit: readonly number[];
  /** `(pc)`: records a trap at pc. */
  readonly trapAt: number;
  /** `(pc, nextPc, hostcall)`: records a host call. */
  readonly ecalli: number;
  /**
   * Per {@link LoadKind}: `(address, pc) → value`. The address is the WebAssembly address (see layout.ts) under
   * standard memory and the guest address under dynamic paging.
   */
  readonly slowLoad: readonly number[];
  /** Per access size index (1, 2, 4, 8 → 0..3): `(address, value, pc)`, the address as for `slowLoad`. */
  readonly slowStore: readonly number[];
  /** `(address, pc) → block`: the block a dynamic jump goes to; `finishBlock` for the return-to-host address. */
  readonly resolveJump: number;
}

/** A guest region, by the WebAssembly address of its start. */
interface Region {
  readonly start: number;
  /** Constant exclusive limit on `address - start`, or a global holding it. */
  readonly limit: number;
  readonly global: number | null;
}

export interface RuntimeInput {
  readonly module: ModuleBuilder;
  readonly map: MemoryMap;
  readonly layout: WasmLayout;
  readonly wide: boolean;
  readonly jumpTableLength: number;
  /** Block index returned for a jump to the return-to-host address. */
  readonly finishBlock: number;
  /** Dynamic paging: the host imports for accesses the inline page-table walk does not handle; else null. */
  readonly paging: PagingImports | null;
}

function fn(build: (w: ByteWriter) => void): ByteWriter {
  const w = new ByteWriter(128);
  build(w);
  w.byte(W.end);
  return w;
}

/** Emits `state[offset] = local` (i32). */
function storeLocal(w: ByteWriter, offset: number, local: number): void {
  w.byte(W.i32_const).i32(0).byte(W.local_get).u32(local).byte(W.i32_store).u32(2).u32(offset);
}

function storeCode(w: ByteWriter, code: ExitCode): void {
  w.byte(W.i32_const).i32(0).byte(W.i32_const).i32(code).byte(W.i32_store).u32(2).u32(STATE.exitCode);
}

/** `if ((address - start) <u limit) { hit }` */
function tryRegion(w: ByteWriter, region: Region, address: number, hit: () => void): void {
  w.byte(W.local_get).u32(address).byte(W.i32_const).i32(region.start).byte(W.i32_sub);
  if (region.global === null) w.byte(W.i32_const).i32(region.limit);
  else w.byte(W.global_get).u32(region.global);
  w.byte(W.i32_lt_u).byte(W.if).byte(EMPTY_BLOCK);
  hit();
  w.byte(W.end);
}

/**
 * Slow loads and stores of standard memory, given the WebAssembly address (see layout.ts): try each region in
 * turn, else trap.
 */
function defineRegionAccess(input: RuntimeInput, trapAt: number, rwLimit: readonly number[], auxLimit: readonly number[]): { slowLoad: number[]; slowStore: number[] } {
  const { module, map, layout, wide } = input;
  const vt = wide ? ValType.I64 : ValType.I32;
  const i32 = ValType.I32;
  const regions = (size: number, write: boolean): Region[] => {
    const s = SIZE_INDEX[size]!;
    const constant = (start: number, length: number): Region => ({ start, limit: Math.max(0, length - size + 1), global: null });
    const all: Region[] = [{ start: layout.rwBase, limit: 0, global: rwLimit[s]! }, constant(layout.stackBase, map.stackSize)];
    if (!write) {
      all.push(constant(layout.roBase, map.roDataSize));
      all.push({ start: layout.auxBase, limit: 0, global: auxLimit[s]! });
    }
    return all.filter((region) => region.global !== null || region.limit > 0);
  };

  const loadType = module.type([i32, i32], [vt]);
  const slowLoad: number[] = [];
  for (let kind = 0; kind < LOAD_KIND_COUNT; kind++) {
    const op = loadOpcode(kind as LoadKind, wide);
    slowLoad.push(
      module.defineFunction(
        loadType,
        [],
        fn((w) => {
          for (const region of regions(LOAD_KIND_SIZE[kind]!, false)) {
            tryRegion(w, region, 0, () => {
              w.byte(W.local_get).u32(0).byte(op).u32(0).u32(0).byte(W.return);
            });
          }
          w.byte(W.local_get).u32(1).byte(W.call).u32(trapAt);
          zeroValue(w, wide);
        }),
      ),
    );
  }

  const storeType = module.type([i32, vt, i32], []);
  const slowStore = [1, 2, 4, 8].map((size) => {
    const op = storeOpcode(size, wide);
    return module.defineFunction(
      storeType,
      [],
      fn((w) => {
        for (const region of regions(size, true)) {
          tryRegion(w, region, 0, () => {
            w.byte(W.local_get).u32(0).byte(W.local_get).u32(1).byte(op).u32(0).u32(0).byte(W.return);
          });
        }
        w.byte(W.local_get).u32(2).byte(W.call).u32(trapAt);
      }),
    );
  });
  return { slowLoad, slowStore };
}

export function defineRuntime(input: RuntimeInput): RuntimeFunctions {
  const { module, map, layout, wide } = input;
  const fault = module.global(ValType.I32, 0);
  const callDepth = module.global(ValType.I32, 0);
  const limitGlobals = (prefix: string): number[] =>
    [1, 2, 4, 8].map((size) => {
      const g = module.global(ValType.I32, 0);
      module.exportGlobal(`${prefix}${size}`, g);
      return g;
    });
  const rwLimit = limitGlobals('rw');
  const auxLimit = limitGlobals('aux');

  const i32 = ValType.I32;
  const trapAt = module.defineFunction(
    module.type([i32], []),
    [],
    fn((w) => {
      storeLocal(w, STATE.exitPc, 0);
      storeCode(w, ExitCode.Trap);
      w.byte(W.i32_const).i32(1).byte(W.global_set).u32(fault);
    }),
  );
  const ecalli = module.defineFunction(
    module.type([i32, i32, i32], []),
    [],
    fn((w) => {
      storeLocal(w, STATE.exitPc, 0);
      storeLocal(w, STATE.exitNextPc, 1);
      storeLocal(w, STATE.exitHostcall, 2);
      storeCode(w, ExitCode.Ecalli);
    }),
  );

  const { slowLoad, slowStore } =
    input.paging !== null ? definePagedAccess({ module, layout, wide, fault, pageSize: map.pageSize, imports: input.paging }) : defineRegionAccess(input, trapAt, rwLimit, auxLimit);

  const resolveJump = module.defineFunction(
    module.type([i32, i32], [i32]),
    [[1, i32]],
    fn((w) => {
      const failIf = (): void => {
        w.byte(W.if).byte(EMPTY_BLOCK).byte(W.local_get).u32(1).byte(W.call).u32(trapAt).byte(W.i32_const).i32(0).byte(W.return).byte(W.end);
      };
      w.byte(W.local_get).u32(0).byte(W.i32_const).i32(RETURN_TO_HOST_ADDRESS | 0).byte(W.i32_eq);
      // Returning to the host: the jump's pc is kept for reporting where the program finished.
      w.byte(W.if).byte(EMPTY_BLOCK);
      storeLocal(w, STATE.exitPc, 1);
      w.byte(W.i32_const).i32(input.finishBlock).byte(W.return).byte(W.end);
      // entry = address / 2 - 1; valid when the address is even, non-zero and the entry is in range.
      w.byte(W.local_get).u32(0).byte(W.i32_const).i32(1).byte(W.i32_and);
      w.byte(W.local_get).u32(0).byte(W.i32_const).i32(1).byte(W.i32_shr_u).byte(W.i32_const).i32(1).byte(W.i32_sub).byte(W.local_tee).u32(2);
      w.byte(W.i32_const).i32(input.jumpTableLength).byte(W.i32_ge_u).byte(W.i32_or);
      failIf();
      w.byte(W.local_get).u32(2).byte(W.i32_const).i32(2).byte(W.i32_shl).byte(W.i32_load).u32(2).u32(layout.jumpTableOffset).byte(W.local_tee).u32(2);
      w.byte(W.i32_const).i32(0).byte(W.i32_lt_s);
      failIf();
      w.byte(W.local_get).u32(2);
    }),
  );

  return { fault, callDepth, rwLimit, auxLimit, trapAt, ecalli, slowLoad, slowStore, resolveJump };
}
