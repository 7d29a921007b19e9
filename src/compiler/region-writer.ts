/**
 * The WebAssembly function body of a region as it is written: the small encoders, the control constructs open at
 * each point (`height`), the branch depths of the region-level constructs, and the exits. RegionAccessEmitter and
 * RegionEmitter build on it (see region-emitter.ts for the function's layout).
 */
import type { Code } from '../isa/code.js';
import type { MemoryMap } from '../program/memory-map.js';
import type { ProgramAnalysis } from './analysis.js';
import type { GasBudgets } from './gas-budget.js';
import type { HelperFunctions } from './helpers.js';
import { ExitCode, type WasmLayout } from './layout.js';
import type { RuntimeFunctions } from './runtime-helpers.js';
import type { ByteWriter } from './wasm/byte-writer.js';
import { EMPTY_BLOCK, ValType, W } from './wasm/opcodes.js';

/** Module-wide context shared by all region emitters. */
export interface EmitContext {
  readonly code: Code;
  readonly analysis: ProgramAnalysis;
  readonly wide: boolean;
  readonly gas: 'none' | 'sync' | 'async';
  /** Gas checkpoints and budgets (null when gas is not metered). */
  readonly budgets: GasBudgets | null;
  readonly map: MemoryMap;
  readonly layout: WasmLayout;
  readonly helpers: HelperFunctions;
  readonly runtime: RuntimeFunctions;
  readonly sbrkImport: number;
  /** `markBlock(pc)`: see InterpreterInstance.markBlock. */
  readonly markImport: number;
  readonly jumpTableLength: number;
  /** Falling through past the end of the code runs into a trap block at the code length (Gray Paper semantics). */
  readonly trapAtCodeEnd: boolean;
  /** Every access walks the page table (out of line); there are no fixed regions. */
  readonly dynamicPaging: boolean;
  /** Type of region functions (and of `run`): `(block) → block or exit code`. */
  readonly regionType: number;
}

// Local variable indices.
export const TARGET = 0;
export const REG0 = 1;
export const GAS = 14;
export const OFFSET = 15;
/** The address of the memory access being emitted. */
export const ADDRESS = OFFSET;
export const RESULT = 16;
export const SCRATCH = 17;
/**
 * The first of {@link GROUP_BASES} locals holding, for a group of accesses whose bounds a block tests at its start,
 * the WebAssembly address of the group's lowest byte; the group's accesses add their offset in the instruction's
 * `memarg`, which the JIT folds into the address.
 */
export const GROUP_BASE = 18;
export const GROUP_BASES = 4;
/**
 * Four locals holding the RW window's limits for 1-, 2-, 4- and 8-byte accesses (copies of the runtime's globals,
 * which only `sbrk` changes): V8 keeps a local in a register or one stack slot, a global behind two loads. The heap
 * only grows, so a copy is never above the global: a stale one could only send an access to the interpreter.
 */
export const RW_LIMIT = GROUP_BASE + GROUP_BASES;
/** Pseudo base register: an absolute address. */
export const NO_BASE = 13;
export const SP = 1;

/** Locals after the parameter: 13 registers (i64 or i32), gas, offset, result, scratch, group bases, RW limits. */
export function regionLocals(wide: boolean): readonly (readonly [number, ValType])[] {
  return [
    [13, wide ? ValType.I64 : ValType.I32],
    [1, ValType.I64],
    [3 + GROUP_BASES + 4, ValType.I32],
  ];
}

/** Heights of the region-level constructs (see {@link RegionEmitter.emit}). */
export const enum Level {
  Exit = 0,
  Fault = 1,
  Record = 2,
  Dispatch = 3,
}

/** Writes region function bodies: see the file comment. */
export abstract class RegionWriter {
  protected body!: ByteWriter;
  /** WebAssembly control constructs (block, loop, if) open at the current point of the function. */
  protected height = 0;
  protected readonly vt: ValType;
  protected readonly wide: boolean;

  constructor(protected readonly ctx: EmitContext) {
    this.wide = ctx.wide;
    this.vt = ctx.wide ? ValType.I64 : ValType.I32;
  }

  // ------------------------------------------------------------------ small encoders

  protected op(opcode: W): void {
    this.body.byte(opcode);
  }
  protected get(local: number): void {
    this.body.byte2(W.local_get, local);
  }
  protected set(local: number): void {
    this.body.byte2(W.local_set, local);
  }
  protected tee(local: number): void {
    this.body.byte2(W.local_tee, local);
  }
  protected i32(value: number): void {
    this.body.byte(W.i32_const).i32(value);
  }
  /** A register-width constant: the 32-bit immediate sign-extended. */
  protected imm(value: number): void {
    if (this.wide) this.body.byte(W.i64_const).i64(value, value >> 31);
    else this.body.byte(W.i32_const).i32(value);
  }
  protected memarg(offset: number): void {
    this.body.byte(0).u32(offset >>> 0);
  }
  protected reg(r: number): void {
    this.body.byte2(W.local_get, REG0 + r);
  }
  protected setReg(r: number): void {
    this.body.byte2(W.local_set, REG0 + r);
  }
  /** Low 32 bits of a register as an i32. */
  protected reg32(r: number): void {
    this.body.byte2(W.local_get, REG0 + r);
    if (this.wide) this.body.byte(W.i32_wrap_i64);
  }
  /** Stores an i32 result into a register, sign-extended in 64-bit programs. */
  protected setReg32(r: number): void {
    if (this.wide) this.body.byte(W.i64_extend_i32_s);
    this.body.byte2(W.local_set, REG0 + r);
  }
  /** Stores a 0/1 i32 into a register. */
  protected setRegBool(r: number): void {
    if (this.wide) this.body.byte(W.i64_extend_i32_u);
    this.body.byte2(W.local_set, REG0 + r);
  }
  protected call(index: number): void {
    this.body.byte(W.call).u32(index);
  }
  protected br(depth: number): void {
    this.body.byte(W.br).u32(depth);
  }
  /** Opens a control construct (`block`, `loop` or `if`); returns its height. */
  protected open(opcode: W, type: number = EMPTY_BLOCK): number {
    this.body.byte2(opcode, type);
    return this.height++;
  }
  protected openIf(type: number = EMPTY_BLOCK): void {
    this.open(W.if, type);
  }
  protected end(): void {
    this.height--;
    this.body.byte(W.end);
  }
  /** Branch depth of the construct opened at `height`. */
  protected depth(height: number): number {
    return this.height - 1 - height;
  }

  protected dispatchDepth(): number {
    return this.depth(Level.Dispatch);
  }
  protected recordDepth(): number {
    return this.depth(Level.Record);
  }
  protected faultDepth(): number {
    return this.depth(Level.Fault);
  }
  protected exitDepth(): number {
    return this.depth(Level.Exit);
  }

  // ------------------------------------------------------------------ exits

  /**
   * Leaves with exit `code` at `pc`. The exit is recorded after the dispatch loop, so that hot code holds no
   * calls (around which the JIT would have to keep registers in memory) on its rarely taken exit paths.
   */
  protected exitAt(code: ExitCode, pc: number): void {
    this.i32(pc);
    this.set(TARGET);
    this.i32(code);
    this.set(RESULT);
    this.br(this.recordDepth());
  }

  protected trap(pc: number): void {
    this.exitAt(ExitCode.Trap, pc);
  }

  /** After a slow-path helper call: leave if it recorded a fault. */
  protected checkFault(): void {
    this.body.byte(W.global_get).u32(this.ctx.runtime.fault);
    this.body.byte(W.br_if).u32(this.faultDepth());
  }
}
