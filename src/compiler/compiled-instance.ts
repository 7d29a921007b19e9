/**
 * An instance of the compiled backend. Compiled code runs from block starts; everything that begins in the middle
 * of a block (resuming after `ecalli`, `memset`, a host entry mid-block, fall-throughs the compiled code does not
 * handle) runs in the interpreter, which hands control back at the next block where compiled code can continue.
 * Both share the WebAssembly memory; registers and gas are copied between them at each switch.
 *
 * The interpreter's program-counter state (inherited) stays the single source of truth for the host API, and
 * compiled exits update it exactly as the interpreter would.
 */
import type { JumpTable } from '../program/code-and-jump-table.js';
import type { CompiledCode } from '../interpreter/compiled-code.js';
import { Exit, GasMode, InterpreterInstance, NO_PC } from '../interpreter/interpreter-instance.js';
import { Fault, type GuestMemory, LOAD_FAULT } from '../interpreter/memory.js';
import { BlockEntry } from './analysis.js';
import type { CompiledProgram } from './compile-program.js';
import { ExitCode, STATE } from './layout.js';
import { CHUNK_GLOBALS } from './lazy-chunks.js';
import { LOAD_KIND_SIZE, LoadKind } from './recipes.js';
import { WasmGuestMemory } from './wasm-memory.js';

interface CompiledExports {
  run(block: number): number;
  /** Present with lazy translation. */
  table: WebAssembly.Table;
  // Present for standard memory only.
  rw1: WebAssembly.Global;
  rw2: WebAssembly.Global;
  rw4: WebAssembly.Global;
  rw8: WebAssembly.Global;
  aux1: WebAssembly.Global;
  aux2: WebAssembly.Global;
  aux4: WebAssembly.Global;
  aux8: WebAssembly.Global;
}

/** Result of {@link CompiledInstance.runCompiled} when the interpreter must continue. */
const CONTINUE_IN_INTERPRETER = -1;

/**
 * The host functions compiled code imports. They exist before the WebAssembly instance (which needs them) and are
 * bound to the {@link CompiledInstance} once it is constructed.
 */
export class CompiledImports {
  target: CompiledInstance | null = null;
  private imports: WebAssembly.Imports | null = null;

  constructor(
    readonly memory: GuestMemory,
    readonly wasmMemory: WebAssembly.Memory,
  ) {}

  /** The import object (one per instance: the main module and its lazily translated chunks share it). */
  object(): WebAssembly.Imports {
    const memory = this.memory;
    return (this.imports ??= {
      env: {
        memory: this.wasmMemory,
        sbrk: (size: number): number => (memory.sbrk(size >>> 0) ?? 0) | 0,
        markBlock: (pc: number): void => this.target!.markBlock(pc >>> 0),
        pagedLoad: (address: number, kind: number, pc: number): number => this.target!.pagedLoad(address >>> 0, kind, pc),
        pagedStore: (address: number, low: number, high: number, size: number, pc: number): number =>
          memory.slowStore(address >>> 0, size, low, high) ? 0 : this.target!.recordFault(pc),
      },
    });
  }
}

export class CompiledInstance extends InterpreterInstance {
  private readonly exports: CompiledExports;
  private readonly wasmMemory: WebAssembly.Memory;
  private readonly imports: CompiledImports;
  /** Lazy translation: per chunk, whether this instance has instantiated it. */
  private readonly chunkReady: Uint8Array;
  private words: Int32Array;
  private view: DataView;
  /** Compiled block the interpreter stopped at (a `Boundary` exit), or -1. */
  private resumeBlock = -1;
  /** The next run starts in the interpreter (after a fallback exit from compiled code). */
  private interpretNext = false;

  /**
   * @param wasmInstance the compiled module instantiated with `imports.object()`.
   * @param memory the guest memory: a {@link WasmGuestMemory}, or (dynamic paging) a DynamicMemory whose pages
   *   live in `imports.wasmMemory`.
   */
  constructor(
    private readonly program: CompiledProgram,
    wasmInstance: WebAssembly.Instance,
    imports: CompiledImports,
    interpreterCode: CompiledCode,
    memory: GuestMemory,
    jumpTable: JumpTable,
    is64Bit: boolean,
    gasMode: GasMode,
  ) {
    super(interpreterCode, memory, jumpTable, is64Bit, gasMode);
    imports.target = this;
    this.imports = imports;
    this.chunkReady = new Uint8Array(program.chunks?.chunkCount ?? 0);
    this.wasmMemory = imports.wasmMemory;
    this.exports = wasmInstance.exports as unknown as CompiledExports;
    const e = this.exports;
    if (memory instanceof WasmGuestMemory) memory.attach({ rw: [e.rw1, e.rw2, e.rw4, e.rw8], aux: [e.aux1, e.aux2, e.aux4, e.aux8] });
    this.words = new Int32Array(this.wasmMemory.buffer);
    this.view = new DataView(this.wasmMemory.buffer);
    this.words.set(program.jumpTableBlocks, program.layout.jumpTableOffset >> 2);
  }

  /** Dynamic paging: a load the compiled code could not do inline; the value goes to the scratch slot. */
  pagedLoad(address: number, kind: LoadKind, pc: number): number {
    const memory = this.memory;
    const value = memory.slowLoad(address, LOAD_KIND_SIZE[kind]!);
    if (value === LOAD_FAULT) return this.recordFault(pc);
    let low = value | 0;
    let high = 0;
    switch (kind) {
      case LoadKind.I8:
        low = (value << 24) >> 24;
        high = low >> 31;
        break;
      case LoadKind.I16:
        low = (value << 16) >> 16;
        high = low >> 31;
        break;
      case LoadKind.I32:
        high = low >> 31;
        break;
      case LoadKind.U64:
        high = memory.loadHigh;
        break;
    }
    this.syncViews();
    this.words[STATE.scratch >> 2] = low;
    this.words[(STATE.scratch >> 2) + 1] = high;
    return 0;
  }

  /** Records the exit for a faulting paged access (as the interpreter reports it); returns the failure status. */
  recordFault(pc: number): number {
    const memory = this.memory;
    this.syncViews();
    const words = this.words;
    words[STATE.exitPc >> 2] = pc;
    if (memory.faultKind === Fault.Segfault && memory.faultPageAddress >= 0x4000) {
      words[STATE.exitCode >> 2] = ExitCode.Segfault;
      words[STATE.segfaultPage >> 2] = memory.faultPageAddress;
      words[STATE.segfaultWriteProtected >> 2] = memory.faultIsWriteProtected ? 1 : 0;
    } else {
      words[STATE.exitCode >> 2] = ExitCode.Trap;
    }
    return 1;
  }

  override setNextProgramCounter(pc: number): void {
    super.setNextProgramCounter(pc);
    this.interpretNext = false;
    this.resumeBlock = -1;
  }

  /**
   * Compiled block starting at `pc`, if compiled code may be entered there; otherwise -1. Continuations after an
   * `ecalli` are entered only when resuming, as their basic block was charged already.
   */
  private entryBlock(pc: number, resuming: boolean): number {
    const { analysis } = this.program;
    if (pc < 0 || pc >= analysis.blockAt.length) return -1;
    const block = analysis.blockAt[pc]!;
    if (block < 0) return -1;
    const entry = analysis.blockEntry[block];
    return entry === BlockEntry.Jump || (resuming && entry === BlockEntry.Resume) ? block : -1;
  }

  /**
   * Whether compiled code may start at `block` as far as gas goes: the balance covers the block's budget (see
   * gas-budget.ts), or gas is not metered. Otherwise the interpreter runs on, charging block by block.
   */
  private coversBudget(block: number): boolean {
    const budgets = this.program.budgets;
    if (budgets === null) return true;
    const budget = budgets.budgetOf(block);
    return this.gas >= budget || this.getGas() >= BigInt(budget);
  }

  override run(): Exit {
    for (;;) {
      let exit: number;
      if (this.interpretNext) {
        // The compiled code handed this work to the interpreter: never straight back.
        this.interpretNext = false;
        exit = super.run();
      } else if (this.nextProgramCounterChanged) {
        this.resumeBlock = -1;
        const pc = this.nextProgramCounter;
        const block = this.entryBlock(pc, !this.chargeGasOnEntry);
        if (block >= 0 && this.coversBudget(block)) {
          this.programCounter = pc;
          this.nextProgramCounter = NO_PC;
          this.nextProgramCounterChanged = false;
          this.chargeGasOnEntry = false;
          exit = this.runCompiled(block);
        } else {
          exit = super.run();
        }
      } else if (this.resumeBlock >= 0) {
        const block = this.resumeBlock;
        this.resumeBlock = -1;
        // Otherwise the interpreter goes on past the block's boundary marker.
        exit = this.coversBudget(block) ? this.runCompiled(block) : super.run();
      } else {
        exit = super.run();
      }
      if (exit === Exit.Boundary) {
        this.resumeBlock = this.entryBlock(this.boundaryPc, false);
        continue;
      }
      if (exit !== CONTINUE_IN_INTERPRETER) return exit as Exit;
    }
  }

  private syncViews(): void {
    const buffer = this.wasmMemory.buffer;
    if (this.view.buffer !== buffer) {
      this.words = new Int32Array(buffer);
      this.view = new DataView(buffer);
    }
  }

  /** Lazy translation: instantiates a chunk (translated at its first use by any instance) in this instance. */
  private instantiateChunk(chunk: number): void {
    const chunks = this.program.chunks!;
    if (this.chunkReady[chunk] === 1) throw new Error(`internal error: chunk ${chunk} reached its stub again`);
    const env = this.imports.object()['env']!;
    const instance = new WebAssembly.Instance(chunks.module(chunk), { env, [CHUNK_GLOBALS]: this.exports as unknown as WebAssembly.ModuleImports });
    const table = this.exports.table;
    const [first, end] = chunks.regions(chunk);
    for (let r = first; r < end; r++) {
      const fn = instance.exports[`r${r - first}`];
      const [firstBlock, endBlock] = chunks.blocks(r);
      for (let b = firstBlock; b < endBlock; b++) table.set(b, fn);
    }
    this.chunkReady[chunk] = 1;
  }

  /** Runs compiled code from a block; returns an exit, or CONTINUE_IN_INTERPRETER. */
  private runCompiled(block: number): number {
    this.syncViews();
    const words = this.words;
    const base = STATE.registers >> 2;
    for (let r = 0; r < 13; r++) {
      words[base + 2 * r] = this.lo[r]!;
      words[base + 2 * r + 1] = this.hi[r]!;
    }
    const metered = this.gasMode !== GasMode.None;
    if (metered) this.view.setBigInt64(STATE.gas, this.getGas(), true);

    let code = this.exports.run(block);
    while (code === ExitCode.Translate) {
      // Nothing ran in the block: translate its chunk, then enter it. (The heap may have grown, so views first.)
      this.syncViews();
      const target = this.view.getInt32(STATE.exitPc, true);
      this.instantiateChunk(this.program.chunks!.chunkOf(target));
      code = this.exports.run(target);
    }

    this.syncViews();
    const after = this.words;
    for (let r = 0; r < 13; r++) {
      this.lo[r] = after[base + 2 * r]!;
      this.hi[r] = after[base + 2 * r + 1]!;
    }
    if (metered) this.setGas(this.view.getBigInt64(STATE.gas, true));
    const pc = this.view.getUint32(STATE.exitPc, true);

    switch (code) {
      case ExitCode.Finished:
        return this.finish(pc);
      case ExitCode.Trap:
        return this.trap(pc);
      case ExitCode.Ecalli:
        this.programCounter = pc;
        this.programCounterValid = true;
        this.nextProgramCounter = this.view.getUint32(STATE.exitNextPc, true);
        this.nextProgramCounterChanged = true;
        this.hostcall = this.view.getUint32(STATE.exitHostcall, true);
        return Exit.Ecalli;
      case ExitCode.LowGas:
        // Too little gas to run on untested: the interpreter charges block by block from this block's start.
        this.nextProgramCounter = pc;
        this.nextProgramCounterChanged = true;
        this.chargeGasOnEntry = false;
        this.interpretNext = true;
        return CONTINUE_IN_INTERPRETER;
      case ExitCode.Segfault:
        // Resumable: running again retries the access (in the interpreter, without charging the block again).
        this.programCounter = pc;
        this.programCounterValid = true;
        this.nextProgramCounter = pc;
        this.nextProgramCounterChanged = true;
        this.chargeGasOnEntry = false;
        this.skipEntryCharge = true;
        this.interpretNext = true;
        this.segfaultPageAddress = this.view.getUint32(STATE.segfaultPage, true);
        this.segfaultIsWriteProtected = this.view.getUint32(STATE.segfaultWriteProtected, true) !== 0;
        return Exit.Segfault;
      case ExitCode.FallbackCharged:
        // Continue at `pc` in the interpreter, without charging the block the compiled code charged.
        this.skipEntryCharge = true;
        this.nextProgramCounter = pc;
        this.nextProgramCounterChanged = true;
        this.chargeGasOnEntry = false;
        this.interpretNext = true;
        return CONTINUE_IN_INTERPRETER;
      default:
        throw new Error(`internal error: unexpected compiled exit code ${code}`);
    }
  }
}
