/**
 * A module: a parsed program plus the per-module configuration (page size, gas metering, paging mode, ...),
 * its memory map, and the compiled code shared by all of its instances.
 */
import { InvalidArgumentError, ModuleError } from '../errors.js';
import type { CostModel } from '../gas/cost-model.js';
import { defaultCostModel, resolveCostModel, type CostModelName } from '../gas/cost-models.js';
import { DecodedInstruction } from '../isa/code.js';
import { INVALID } from '../isa/instruction-table.js';
import { CompiledCode } from '../interpreter/compiled-code.js';
import { compileProgram, type CompiledProgram } from '../compiler/compile-program.js';
import { GasMode } from '../interpreter/interpreter-instance.js';
import { buildMemoryMap, type MemoryMap } from '../program/memory-map.js';
import { ProgramBlob } from '../program/program-blob.js';
import type { Engine } from './engine.js';
import { type PreparedInstance, prepareInstance, RawInstance } from './raw-instance.js';

/** How gas is metered: `sync` stops before a block that cannot be paid; `async` lets gas go negative. */
export type GasMeteringKind = 'sync' | 'async';

/** Per-module configuration; every field is optional. */
export interface ModuleOptions {
  /** Page size, a power of two in [0x1000, 0x10000]. Default 0x1000. */
  pageSize?: number;
  /** Gas metering; default off. */
  gasMetering?: GasMeteringKind | null;
  /** Start with empty memory and let the host map pages (segfault interrupts). Default false. */
  dynamicPaging?: boolean;
  /** Interrupt with `step` before every instruction. Default false. */
  stepTracing?: boolean;
  /** Size of the auxiliary data region at the top of the address space. Default 0. */
  auxDataSize?: number;
  /**
   * Gas cost model: `'naive'` (1 per instruction), `'full-l1'`, `'full-l2'`, `'full-l3'` (the pipeline model with
   * loads hitting that cache level), or a custom {@link CostModel}. Default: `'full-l2'` for JamV1 programs,
   * `'naive'` otherwise.
   */
  costModel?: CostModel | CostModelName;
  /**
   * Reject invalid import symbols, out-of-range jump table entries and exports, and duplicate exports.
   * Default false.
   */
  strict?: boolean;
  /**
   * Validate JamV1 code at load (no invalid opcodes, no skip gaps, no falling off the end), as the reference
   * does. Default true; test harnesses for the JAM vectors turn it off.
   */
  validateJamCode?: boolean;
  /**
   * Falling through past the end of the code runs a trap at the code length that costs gas like a one-instruction
   * block, as the Gray Paper (ζ = c ⌢ [0, 0, ...]) and the JAM test vectors specify. Default false: PolkaVM 0.35
   * reports the trap at the `fallthrough` instruction and charges nothing more.
   */
  trapAtCodeEnd?: boolean;
}

/** An exported entry point. */
export interface ModuleExport {
  readonly name: string;
  readonly programCounter: number;
}

function checkSize(name: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) {
    throw new InvalidArgumentError(`${name} must be an integer between 0 and 2^32-1, got ${String(value)}`);
  }
  return v;
}

export class Module {
  readonly blob: ProgramBlob;
  readonly memoryMap: MemoryMap;
  readonly exports: readonly ModuleExport[];
  /** Import names by index (null where the blob's symbol is malformed). */
  readonly imports: readonly (string | null)[];
  readonly gasMetering: GasMeteringKind | null;
  readonly dynamicPaging: boolean;
  readonly stepTracing: boolean;
  readonly costModel: CostModel;
  readonly trapAtCodeEnd: boolean;
  private readonly exportsByName = new Map<string, number>();
  private compiledCode: CompiledCode | undefined;
  private boundaryCode: CompiledCode | undefined;
  private wasm: { program: CompiledProgram; module: WebAssembly.Module } | undefined;

  private constructor(
    readonly engine: Engine,
    blob: ProgramBlob,
    options: ModuleOptions,
  ) {
    this.blob = blob;
    const pageSize = checkSize('pageSize', options.pageSize, 0x1000);
    const auxDataSize = checkSize('auxDataSize', options.auxDataSize, 0);
    const gasMetering = options.gasMetering ?? null;
    if (gasMetering !== null && gasMetering !== 'sync' && gasMetering !== 'async') {
      throw new InvalidArgumentError(`gasMetering must be 'sync', 'async' or null, got '${String(gasMetering)}'`);
    }
    this.gasMetering = gasMetering;
    this.dynamicPaging = options.dynamicPaging ?? false;
    this.stepTracing = options.stepTracing ?? false;
    this.costModel = options.costModel === undefined ? defaultCostModel(blob.isa.kind) : resolveCostModel(options.costModel);
    this.trapAtCodeEnd = options.trapAtCodeEnd ?? false;

    if (blob.isa.kind === 'jam_v1' && (options.validateJamCode ?? true)) {
      const failure = firstInvalidInstruction(blob);
      if (failure >= 0) throw new ModuleError(`validation failed at offset ${failure}`);
    }
    this.memoryMap = buildMemoryMap({
      pageSize,
      roDataSize: blob.roDataSize,
      rwDataSize: blob.rwDataSize,
      stackSize: blob.stackSize,
      auxDataSize,
    });

    this.imports = blob.imports.map((symbol) => (symbol === null ? null : symbol.toString()));
    const exports: ModuleExport[] = [];
    for (const entry of blob.exports) {
      const name = entry.symbol.toString();
      if (this.exportsByName.has(name)) {
        if (options.strict) throw new ModuleError(`duplicate export '${name}'`);
        continue;
      }
      this.exportsByName.set(name, entry.programCounter);
      exports.push({ name, programCounter: entry.programCounter });
    }
    this.exports = exports;

    if (options.strict) {
      if (this.imports.includes(null)) throw new ModuleError('found an invalid import');
      const codeLength = blob.code.length;
      if (blob.jumpTable.entries.some((offset) => offset >= codeLength)) {
        throw new ModuleError('out of range jump table entry found');
      }
      for (const entry of exports) {
        if (entry.programCounter >= codeLength) {
          throw new ModuleError(`out of range export found; export ${entry.name} points to code offset ${entry.programCounter}`);
        }
      }
    }
  }

  /** Creates a module from `.polkavm` bytes or a parsed {@link ProgramBlob}. */
  static fromBlob(engine: Engine, blob: Uint8Array | ProgramBlob, options: ModuleOptions = {}): Module {
    return new Module(engine, blob instanceof ProgramBlob ? blob : ProgramBlob.parse(blob), options);
  }

  get is64Bit(): boolean {
    return this.blob.is64Bit;
  }

  /** Initial stack pointer for calls: the top of the stack. */
  get defaultSp(): number {
    return this.memoryMap.stackAddressHigh;
  }

  /** Code offset of an export, or undefined. */
  exportProgramCounter(name: string): number | undefined {
    return this.exportsByName.get(name);
  }

  /** @internal The interpreter's compiled code, created on first use and shared by all instances. */
  compiled(): CompiledCode {
    return (this.compiledCode ??= new CompiledCode(this.blob.instructions, {
      gasMetering: this.gasMetering !== null,
      stepTracing: this.stepTracing,
      costModel: this.costModel,
      trapAtCodeEnd: this.trapAtCodeEnd,
    }));
  }

  /** @internal The interpreter code used by the compiled backend (with block boundaries). */
  boundaryCompiled(): CompiledCode {
    return (this.boundaryCode ??= new CompiledCode(this.blob.instructions, {
      gasMetering: this.gasMetering !== null,
      stepTracing: false,
      costModel: this.costModel,
      trapAtCodeEnd: this.trapAtCodeEnd,
      boundaries: true,
    }));
  }

  /** Whether instances run compiled code (the compiler backend, and no step tracing). */
  get usesCompiler(): boolean {
    return this.engine.backend === 'compiler' && !this.stepTracing;
  }

  private translated: CompiledProgram | undefined;

  /** The program translated to WebAssembly bytes (once per module). */
  private translation(): CompiledProgram {
    this.translated ??= compileProgram({
      code: this.blob.instructions,
      jumpTable: this.blob.jumpTable,
      map: this.memoryMap,
      gas: this.gasMetering ?? 'none',
      costModel: this.costModel,
      trapAtCodeEnd: this.trapAtCodeEnd,
      dynamicPaging: this.dynamicPaging,
      lazyChunkBytes: this.engine.lazyChunkBytesFor(this.blob.instructions.length),
    });
    return this.translated;
  }

  /** @internal The WebAssembly translation of the program, compiled on first use and shared by all instances. */
  compiledWasm(): { program: CompiledProgram; module: WebAssembly.Module } {
    if (this.wasm === undefined) {
      const program = this.translation();
      this.wasm = { program, module: new WebAssembly.Module(program.wasm as Uint8Array<ArrayBuffer>) };
    }
    return this.wasm;
  }

  /**
   * Prepares the compiled code without blocking: translates the program and compiles the WebAssembly with
   * `WebAssembly.compile`. Optional (the first instance compiles synchronously otherwise); recommended in browsers,
   * which discourage synchronous compilation of large modules on the main thread. Does nothing for the
   * interpreter.
   */
  async compile(): Promise<void> {
    if (!this.usesCompiler || this.wasm !== undefined) return;
    const program = this.translation();
    const module = await WebAssembly.compile(program.wasm as Uint8Array<ArrayBuffer>);
    this.wasm ??= { program, module };
  }

  /** Like {@link instantiate}, compiling and instantiating the WebAssembly asynchronously (see {@link compile}). */
  async instantiateAsync(): Promise<RawInstance> {
    return new RawInstance(this, await this.prepareAsync());
  }

  /** @internal The compiler backend's parts of a new instance, instantiated asynchronously (null: interpreter). */
  async prepareAsync(): Promise<PreparedInstance | undefined> {
    if (!this.usesCompiler) return undefined;
    await this.compile();
    const prepared = prepareInstance(this);
    const wasmInstance = await WebAssembly.instantiate(this.compiledWasm().module, prepared.setup.imports.object());
    return { ...prepared, wasmInstance };
  }

  /** @internal */
  gasMode(): GasMode {
    return this.gasMetering === null ? GasMode.None : this.gasMetering === 'sync' ? GasMode.Sync : GasMode.Async;
  }

  /** Gas cost of the basic block starting at `pc` under this module's cost model (null if not a block start). */
  calculateGasCostFor(pc: number): number | null {
    const code = this.blob.instructions;
    if (!code.isJumpTargetValid(pc) && pc < code.length) return null;
    const calculator = this.costModel.calculator(code);
    code.walkBounded(pc, new DecodedInstruction(), (ins) => {
      calculator.add(ins);
      return !(ins.id === INVALID || isTerminator(ins.id));
    });
    return calculator.finish();
  }

  /** Creates a low-level instance (no host functions; see {@link Linker} for the high-level API). */
  instantiate(): RawInstance {
    return new RawInstance(this);
  }
}

import { ENDS_BLOCK } from '../isa/code.js';

function isTerminator(id: number): boolean {
  return ENDS_BLOCK[id]!;
}

/** Offset of the first invalid instruction reached by the reference's JamV1 validation walk, or -1. */
function firstInvalidInstruction(blob: ProgramBlob): number {
  let failure = -1;
  blob.instructions.walkBounded(0, new DecodedInstruction(), (ins) => {
    if (ins.id === INVALID) {
      failure = ins.pc;
      return false;
    }
    return true;
  });
  return failure;
}
