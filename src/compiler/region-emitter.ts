/**
 * Emits one region (a run of consecutive basic blocks) as one WebAssembly function:
 *
 * ```
 * load registers and gas from the state area
 * block $exit
 *   loop $dispatch
 *     block $b(n-1) … block $b0 block $outside
 *       br_table on $target           ; to the block's label, or $outside
 *     end  → return $target to the dispatcher
 *     end  → code of block 0 (falls through into block 1)
 *     …
 * end → store registers and gas; return $result
 * ```
 *
 * A transfer to a block of this region sets `$target` and branches to `$dispatch`; a transfer elsewhere returns
 * the block index; an interruption returns a negative exit code with details in the state area.
 */
import { INSTRUCTIONS, INVALID, type InstructionName } from '../isa/instruction-table.js';
import type { DecodedInstruction } from '../isa/code.js';
import { RETURN_TO_HOST_ADDRESS } from '../program/code-and-jump-table.js';
import type { MemoryMap } from '../program/memory-map.js';
import type { Block, Region } from './analysis.js';
import type { HelperFunctions } from './helpers.js';
import { STATE, type WasmLayout } from './layout.js';
import { ByteWriter } from './wasm/byte-writer.js';
import { EMPTY_BLOCK, ValType, W } from './wasm/opcodes.js';

/** Negative results of a region function. */
export const enum ExitCode {
  Finished = -1,
  Trap = -2,
  Ecalli = -3,
  NotEnoughGas = -4,
  /** Continue in the interpreter at `exitPc` (mid-block work the compiled code does not do). */
  Fallback = -5,
}

/** Module-wide context shared by all region emitters. */
export interface EmitContext {
  readonly wide: boolean;
  readonly gas: 'none' | 'sync' | 'async';
  readonly map: MemoryMap;
  readonly layout: WasmLayout;
  readonly helpers: HelperFunctions;
  readonly sbrkImport: number;
  /** Globals holding exclusive access limits for the dynamically sized windows, per access size 1/2/4/8. */
  readonly rwLimitGlobals: readonly [number, number, number, number];
  readonly auxLimitGlobals: readonly [number, number, number, number];
  readonly jumpTableLength: number;
  /** Whether `pc` is a valid jump target (compile-time decision for static jumps and branches). */
  isJumpTargetValid(pc: number): boolean;
  /** Block index of the block starting at `pc` (which must be a block start). */
  blockAt(pc: number): number;
}

// Local variable indices.
const TARGET = 0;
const REG0 = 1;
const GAS = 14;
const ADDR = 15;
const OFFSET = 16;
const RESULT = 17;
const SCRATCH32 = 18;

/** Locals after the parameter: 13 registers (i64 or i32), gas, address, offset, result, scratch. */
export function regionLocals(wide: boolean): readonly (readonly [number, ValType])[] {
  return [
    [13, wide ? ValType.I64 : ValType.I32],
    [1, ValType.I64],
    [4, ValType.I32],
  ];
}

const SIZE_INDEX: Record<number, number> = { 1: 0, 2: 1, 4: 2, 8: 3 };

type LoadKind = 'u8' | 'i8' | 'u16' | 'i16' | 'u32' | 'i32' | 'u64';

const LOADS: Partial<Record<InstructionName, LoadKind>> = {
  load_u8: 'u8',
  load_i8: 'i8',
  load_u16: 'u16',
  load_i16: 'i16',
  load_u32: 'u32',
  load_i32: 'i32',
  load_u64: 'u64',
  load_indirect_u8: 'u8',
  load_indirect_i8: 'i8',
  load_indirect_u16: 'u16',
  load_indirect_i16: 'i16',
  load_indirect_u32: 'u32',
  load_indirect_i32: 'i32',
  load_indirect_u64: 'u64',
};

const STORES: Partial<Record<InstructionName, 1 | 2 | 4 | 8>> = {
  store_u8: 1,
  store_u16: 2,
  store_u32: 4,
  store_u64: 8,
  store_indirect_u8: 1,
  store_indirect_u16: 2,
  store_indirect_u32: 4,
  store_indirect_u64: 8,
  store_imm_u8: 1,
  store_imm_u16: 2,
  store_imm_u32: 4,
  store_imm_u64: 8,
  store_imm_indirect_u8: 1,
  store_imm_indirect_u16: 2,
  store_imm_indirect_u32: 4,
  store_imm_indirect_u64: 8,
};

function loadSize(kind: LoadKind): 1 | 2 | 4 | 8 {
  return kind === 'u8' || kind === 'i8' ? 1 : kind === 'u16' || kind === 'i16' ? 2 : kind === 'u64' ? 8 : 4;
}

/** The WebAssembly load opcode producing a register value of the program's width. */
function loadOpcode(kind: LoadKind, wide: boolean): W {
  if (wide) {
    return { u8: W.i64_load8_u, i8: W.i64_load8_s, u16: W.i64_load16_u, i16: W.i64_load16_s, u32: W.i64_load32_u, i32: W.i64_load32_s, u64: W.i64_load }[kind];
  }
  return { u8: W.i32_load8_u, i8: W.i32_load8_s, u16: W.i32_load16_u, i16: W.i32_load16_s, u32: W.i32_load, i32: W.i32_load, u64: W.i32_load }[kind];
}

function storeOpcode(size: 1 | 2 | 4 | 8, wide: boolean): W {
  if (wide) return { 1: W.i64_store8, 2: W.i64_store16, 4: W.i64_store32, 8: W.i64_store }[size];
  return { 1: W.i32_store8, 2: W.i32_store16, 4: W.i32_store, 8: W.i32_store }[size];
}

export class RegionEmitter {
  readonly body = new ByteWriter(4096);
  /** Labels opened inside the current block's code (if/else), on top of the region-level labels. */
  private nesting = 0;
  /** Position of the block being emitted inside the region. */
  private position = 0;
  private readonly vt: ValType;

  constructor(
    private readonly ctx: EmitContext,
    private readonly region: Region,
    private readonly blocks: readonly Block[],
  ) {
    this.vt = ctx.wide ? ValType.I64 : ValType.I32;
  }

  // ------------------------------------------------------------------ small encoders

  private op(opcode: W): this {
    this.body.byte(opcode);
    return this;
  }
  private get(local: number): this {
    this.body.byte(W.local_get).u32(local);
    return this;
  }
  private set(local: number): this {
    this.body.byte(W.local_set).u32(local);
    return this;
  }
  private tee(local: number): this {
    this.body.byte(W.local_tee).u32(local);
    return this;
  }
  private i32(value: number): this {
    this.body.byte(W.i32_const).i32(value);
    return this;
  }
  private i64(low: number, high: number): this {
    this.body.byte(W.i64_const).i64(low, high);
    return this;
  }
  /** A register-width constant: the 32-bit immediate sign-extended. */
  private imm(value: number): this {
    return this.ctx.wide ? this.i64(value, value >> 31) : this.i32(value);
  }
  private memarg(offset: number): this {
    this.body.u32(0).u32(offset >>> 0);
    return this;
  }

  private reg(r: number): this {
    return this.get(REG0 + r);
  }
  private setReg(r: number): this {
    return this.set(REG0 + r);
  }
  /** Low 32 bits of a register as an i32. */
  private reg32(r: number): this {
    this.reg(r);
    return this.ctx.wide ? this.op(W.i32_wrap_i64) : this;
  }
  /** Stores an i32 result into a register, sign-extended in 64-bit programs. */
  private setReg32(r: number): this {
    if (this.ctx.wide) this.op(W.i64_extend_i32_s);
    return this.setReg(r);
  }
  /** Stores a 0/1 i32 into a register. */
  private setRegBool(r: number): this {
    if (this.ctx.wide) this.op(W.i64_extend_i32_u);
    return this.setReg(r);
  }
  private call(index: number): this {
    this.body.byte(W.call).u32(index);
    return this;
  }

  /** Register-width opcode: picks the i64 form in 64-bit programs and the i32 form otherwise. */
  private vop(op64: W, op32: W): this {
    return this.op(this.ctx.wide ? op64 : op32);
  }

  private openIf(type: number = EMPTY_BLOCK): this {
    this.body.byte(W.if).byte(type);
    this.nesting++;
    return this;
  }
  private else_(): this {
    return this.op(W.else);
  }
  private end(): this {
    this.nesting--;
    return this.op(W.end);
  }

  private dispatchDepth(): number {
    return this.region.end - this.region.first - 1 - this.position + this.nesting;
  }
  private exitDepth(): number {
    return this.dispatchDepth() + 1;
  }

  // ------------------------------------------------------------------ control transfers

  /** Leaves the region function with a negative exit code. */
  private exit(code: ExitCode): void {
    this.i32(code).set(RESULT);
    this.body.byte(W.br).u32(this.exitDepth());
  }

  private storeState(offset: number, value: number): void {
    this.i32(0).i32(value).op(W.i32_store).memarg(offset);
  }

  private trap(pc: number): void {
    this.storeState(STATE.exitPc, pc);
    this.exit(ExitCode.Trap);
  }

  private fallback(pc: number): void {
    this.storeState(STATE.exitPc, pc);
    this.exit(ExitCode.Fallback);
  }

  /** Transfers to the block with this index; `fallsThrough` says whether it may simply be the next in layout. */
  private goTo(block: number, fallsThrough = true): void {
    const region = this.region;
    const here = region.first + this.position;
    if (fallsThrough && block === here + 1 && block < region.end && this.nesting === 0) return;
    this.i32(block);
    if (block >= region.first && block < region.end) {
      this.set(TARGET);
      this.body.byte(W.br).u32(this.dispatchDepth());
    } else {
      this.set(RESULT);
      this.body.byte(W.br).u32(this.exitDepth());
    }
  }

  /** Transfers to the block at a code offset reached by a static jump, or traps at `pc` if it is not a valid target. */
  private jumpTo(target: number, pc: number): void {
    if (this.ctx.isJumpTargetValid(target)) this.goTo(this.ctx.blockAt(target));
    else this.trap(pc);
  }

  /** Dynamic jump to the 32-bit address on top of the stack (consumed). */
  private jumpIndirect(pc: number): void {
    const jumpTableLength = this.ctx.jumpTableLength;
    this.set(ADDR);
    this.get(ADDR).i32(RETURN_TO_HOST_ADDRESS | 0).op(W.i32_eq).openIf();
    this.exit(ExitCode.Finished);
    this.end();
    // index = addr / 2 - 1; valid when addr is even, non-zero and the index is in range.
    this.get(ADDR).i32(1).op(W.i32_and);
    this.get(ADDR).i32(1).op(W.i32_shr_u).i32(1).op(W.i32_sub).tee(OFFSET).i32(jumpTableLength).op(W.i32_ge_u);
    this.op(W.i32_or).openIf();
    this.trap(pc);
    this.end();
    this.get(OFFSET).i32(2).op(W.i32_shl).op(W.i32_load).memarg(this.ctx.layout.jumpTableOffset).tee(OFFSET);
    this.i32(0).op(W.i32_lt_s).openIf();
    this.trap(pc);
    this.end();
    this.get(OFFSET).set(TARGET);
    this.body.byte(W.br).u32(this.dispatchDepth());
  }

  // ------------------------------------------------------------------ memory

  /** Pushes the 32-bit guest address `base + offset`. */
  private address(base: number, offset: number): void {
    if (base === 13) {
      this.i32(offset);
    } else {
      this.reg32(base);
      if (offset !== 0) this.i32(offset).op(W.i32_add);
    }
  }

  /**
   * Emits a window test: `(ADDR - start) <u limit` where `limit` is a constant or a global, leaving the offset in
   * OFFSET and the boolean on the stack.
   */
  private windowTest(start: number, limit: number, global: number | null): void {
    this.get(ADDR);
    if (start !== 0) this.i32(start).op(W.i32_sub);
    this.tee(OFFSET);
    if (global === null) this.i32(limit);
    else this.body.byte(W.global_get).u32(global);
    this.op(W.i32_lt_u);
  }

  /** The windows a `size`-byte access may use, in the order they are tried. */
  private windows(size: 1 | 2 | 4 | 8, write: boolean, stackFirst: boolean): { start: number; base: number; limit: number; global: number | null }[] {
    const { map, layout } = this.ctx;
    const index = SIZE_INDEX[size]!;
    const fixed = (start: number, base: number, length: number) => ({ start, base, limit: Math.max(0, length - size + 1), global: null });
    const rw = { start: map.rwDataAddress, base: layout.rwBase, limit: 0, global: this.ctx.rwLimitGlobals[index]! };
    const stack = fixed(map.stackAddressLow, layout.stackBase, map.stackSize);
    const list = stackFirst ? [stack, rw] : [rw, stack];
    if (!write) {
      list.push(fixed(map.roDataAddress, layout.roBase, map.roDataSize));
      list.push({ start: map.auxDataAddress, base: layout.auxBase, limit: 0, global: this.ctx.auxLimitGlobals[index]! });
    }
    return list.filter((w) => w.global !== null || w.limit > 0);
  }

  private load(kind: LoadKind, dst: number, base: number, offset: number, pc: number): void {
    const size = loadSize(kind);
    const opcode = loadOpcode(kind, this.ctx.wide);
    this.address(base, offset);
    this.set(ADDR);
    const windows = this.windows(size, false, base === 1);
    for (const window of windows) {
      this.windowTest(window.start, window.limit, window.global);
      this.openIf(this.vt);
      this.get(OFFSET).op(opcode).memarg(window.base);
      this.else_();
    }
    this.trap(pc);
    // The unreachable value keeps the if-result typing valid after the branch out.
    this.op(W.unreachable);
    for (let k = 0; k < windows.length; k++) this.end();
    this.setReg(dst);
  }

  /** `value` pushes the value to store (register width). */
  private store(size: 1 | 2 | 4 | 8, base: number, offset: number, pc: number, value: () => void): void {
    const opcode = storeOpcode(size, this.ctx.wide);
    this.address(base, offset);
    this.set(ADDR);
    const windows = this.windows(size, true, base === 1);
    for (const window of windows) {
      this.windowTest(window.start, window.limit, window.global);
      this.openIf();
      this.get(OFFSET);
      value();
      this.op(opcode).memarg(window.base);
      this.else_();
    }
    this.trap(pc);
    for (let k = 0; k < windows.length; k++) this.end();
  }

  // ------------------------------------------------------------------ the region

  /** Emits the whole function body. */
  emit(): ByteWriter {
    const count = this.region.end - this.region.first;
    // Prologue: registers and gas from the state area.
    for (let r = 0; r < 13; r++) {
      this.i32(0);
      this.op(this.ctx.wide ? W.i64_load : W.i32_load).memarg(STATE.registers + 8 * r);
      this.setReg(r);
    }
    if (this.ctx.gas !== 'none') this.i32(0).op(W.i64_load).memarg(STATE.gas).set(GAS);

    this.body.byte(W.block).byte(EMPTY_BLOCK); // $exit
    this.body.byte(W.loop).byte(EMPTY_BLOCK); // $dispatch
    for (let k = 0; k < count; k++) this.body.byte(W.block).byte(EMPTY_BLOCK);
    this.body.byte(W.block).byte(EMPTY_BLOCK); // $outside
    this.get(TARGET).i32(this.region.first).op(W.i32_sub);
    this.body.byte(W.br_table).u32(count);
    for (let k = 0; k < count; k++) this.body.u32(k + 1);
    this.body.u32(0);
    this.op(W.end); // $outside: the target lies in another region
    this.get(TARGET).set(RESULT);
    this.body.byte(W.br).u32(count + 1);

    for (let k = 0; k < count; k++) {
      this.op(W.end); // $b(k)
      this.position = k;
      this.emitBlock(this.blocks[this.region.first + k]!);
    }
    this.op(W.unreachable);
    this.op(W.end); // $dispatch
    this.op(W.end); // $exit

    // Epilogue: registers and gas back to the state area.
    for (let r = 0; r < 13; r++) {
      this.i32(0).reg(r);
      // 32-bit programs keep registers as i32; the state area holds them sign-extended.
      if (!this.ctx.wide) this.op(W.i64_extend_i32_s);
      this.op(W.i64_store).memarg(STATE.registers + 8 * r);
    }
    if (this.ctx.gas !== 'none') this.i32(0).get(GAS).op(W.i64_store).memarg(STATE.gas);
    this.get(RESULT);
    this.op(W.end);
    return this.body;
  }

  private emitBlock(block: Block): void {
    if (!block.entry) {
      // Only reachable through the interpreter (or as a fall-through validated below): let it run this block.
      this.fallback(block.pc);
      return;
    }
    if (this.ctx.gas !== 'none' && block.cost > 0) {
      this.get(GAS).i64(block.cost, 0).op(W.i64_sub).tee(GAS).i64(0, 0).op(W.i64_lt_s).openIf();
      if (this.ctx.gas === 'sync') this.get(GAS).i64(block.cost, 0).op(W.i64_add).set(GAS);
      this.storeState(STATE.exitPc, block.pc);
      this.exit(ExitCode.NotEnoughGas);
      this.end();
    }
    for (const ins of block.instructions) {
      if (!this.emitInstruction(ins)) return;
    }
  }

  /** Emits one instruction; returns false when the rest of the block must not be emitted. */
  private emitInstruction(ins: DecodedInstruction): boolean {
    const { pc } = ins;
    if (ins.id === INVALID) {
      this.trap(pc);
      return false;
    }
    const name = INSTRUCTIONS[ins.id]!.name;
    const { reg1: a, reg2: b, reg3: c, imm1, imm2 } = ins;
    const wide = this.ctx.wide;

    const loadKind = LOADS[name];
    if (loadKind !== undefined) {
      const absolute = !name.startsWith('load_indirect');
      this.load(loadKind, a, absolute ? 13 : b, imm1, pc);
      return true;
    }
    const storeSize = STORES[name];
    if (storeSize !== undefined) {
      if (name.startsWith('store_imm_indirect')) this.store(storeSize, a, imm1, pc, () => this.imm(imm2));
      else if (name.startsWith('store_imm')) this.store(storeSize, 13, imm1, pc, () => this.imm(imm2));
      else if (name.startsWith('store_indirect')) this.store(storeSize, b, imm1, pc, () => this.reg(a));
      else this.store(storeSize, 13, imm1, pc, () => this.reg(a));
      return true;
    }

    switch (name) {
      // ---------------------------------------------------------------- control flow
      case 'trap':
        this.trap(pc);
        return false;
      case 'fallthrough':
        if (this.ctx.isJumpTargetValid(ins.nextPc)) this.goTo(this.ctx.blockAt(ins.nextPc));
        else this.fallback(pc); // the interpreter reproduces the reference's handling of odd fall-throughs
        return false;
      case 'unlikely':
        return true;
      case 'jump':
        this.jumpTo(imm1, pc);
        return false;
      case 'load_imm_and_jump':
        this.imm(imm1).setReg(a); // written even when the target is invalid
        this.jumpTo(imm2, pc);
        return false;
      case 'jump_indirect':
        this.address(a, imm1);
        this.jumpIndirect(pc);
        return false;
      case 'load_imm_and_jump_indirect':
        this.address(b, imm2); // the base is read before ra is written
        this.set(SCRATCH32);
        this.imm(imm1).setReg(a);
        this.get(SCRATCH32);
        this.jumpIndirect(pc);
        return false;
      case 'ecalli':
        this.storeState(STATE.exitPc, pc);
        this.storeState(STATE.exitNextPc, ins.nextPc);
        this.storeState(STATE.exitHostcall, imm1);
        this.exit(ExitCode.Ecalli);
        return false;
      case 'memset':
        this.fallback(pc);
        return false;
      case 'sbrk':
        if (wide) {
          // Sizes outside 0..u32::MAX become 0: select(low 32 bits, 0, upper 32 bits == 0).
          this.reg(b).op(W.i32_wrap_i64).i32(0);
          this.reg(b).i64(32, 0).op(W.i64_shr_u).op(W.i64_eqz);
          this.op(W.select);
        } else {
          this.reg(b);
        }
        this.call(this.ctx.sbrkImport).setReg32(a);
        return true;

      // ---------------------------------------------------------------- moves and constants
      case 'move_reg':
        this.reg(b).setReg(a);
        return true;
      case 'load_imm':
        this.imm(imm1).setReg(a);
        return true;
      case 'load_imm64':
        this.i64(imm1, imm2).setReg(a);
        return true;

      // ---------------------------------------------------------------- 32-bit arithmetic
      case 'add_32':
        this.reg32(b).reg32(c).op(W.i32_add).setReg32(a);
        return true;
      case 'sub_32':
        this.reg32(b).reg32(c).op(W.i32_sub).setReg32(a);
        return true;
      case 'mul_32':
        this.reg32(b).reg32(c).op(W.i32_mul).setReg32(a);
        return true;
      case 'shift_logical_left_32':
        this.reg32(b).reg32(c).op(W.i32_shl).setReg32(a);
        return true;
      case 'shift_logical_right_32':
        this.reg32(b).reg32(c).op(W.i32_shr_u).setReg32(a);
        return true;
      case 'shift_arithmetic_right_32':
        this.reg32(b).reg32(c).op(W.i32_shr_s).setReg32(a);
        return true;
      case 'rotate_left_32':
        this.reg32(b).reg32(c).op(W.i32_rotl).setReg32(a);
        return true;
      case 'rotate_right_32':
        this.reg32(b).reg32(c).op(W.i32_rotr).setReg32(a);
        return true;
      case 'div_unsigned_32':
        this.reg32(b).reg32(c).call(this.ctx.helpers.divU32).setReg32(a);
        return true;
      case 'div_signed_32':
        this.reg32(b).reg32(c).call(this.ctx.helpers.divS32).setReg32(a);
        return true;
      case 'rem_unsigned_32':
        this.reg32(b).reg32(c).call(this.ctx.helpers.remU32).setReg32(a);
        return true;
      case 'rem_signed_32':
        this.reg32(b).reg32(c).call(this.ctx.helpers.remS32).setReg32(a);
        return true;
      case 'add_imm_32':
        this.reg32(b).i32(imm1).op(W.i32_add).setReg32(a);
        return true;
      case 'mul_imm_32':
        this.reg32(b).i32(imm1).op(W.i32_mul).setReg32(a);
        return true;
      case 'negate_and_add_imm_32':
        this.i32(imm1).reg32(b).op(W.i32_sub).setReg32(a);
        return true;
      case 'shift_logical_left_imm_32':
        this.reg32(b).i32(imm1).op(W.i32_shl).setReg32(a);
        return true;
      case 'shift_logical_right_imm_32':
        this.reg32(b).i32(imm1).op(W.i32_shr_u).setReg32(a);
        return true;
      case 'shift_arithmetic_right_imm_32':
        this.reg32(b).i32(imm1).op(W.i32_shr_s).setReg32(a);
        return true;
      case 'shift_logical_left_imm_alt_32':
        this.i32(imm1).reg32(b).op(W.i32_shl).setReg32(a);
        return true;
      case 'shift_logical_right_imm_alt_32':
        this.i32(imm1).reg32(b).op(W.i32_shr_u).setReg32(a);
        return true;
      case 'shift_arithmetic_right_imm_alt_32':
        this.i32(imm1).reg32(b).op(W.i32_shr_s).setReg32(a);
        return true;
      case 'rotate_right_imm_32':
        this.reg32(b).i32(imm1).op(W.i32_rotr).setReg32(a);
        return true;
      case 'rotate_right_imm_alt_32':
        this.i32(imm1).reg32(b).op(W.i32_rotr).setReg32(a);
        return true;
      case 'count_set_bits_32':
        this.reg32(b).op(W.i32_popcnt).setReg32(a);
        return true;
      case 'count_leading_zero_bits_32':
        this.reg32(b).op(W.i32_clz).setReg32(a);
        return true;
      case 'count_trailing_zero_bits_32':
        this.reg32(b).op(W.i32_ctz).setReg32(a);
        return true;

      // ---------------------------------------------------------------- 64-bit arithmetic (64-bit programs only)
      case 'add_64':
        this.reg(b).reg(c).op(W.i64_add).setReg(a);
        return true;
      case 'sub_64':
        this.reg(b).reg(c).op(W.i64_sub).setReg(a);
        return true;
      case 'mul_64':
        this.reg(b).reg(c).op(W.i64_mul).setReg(a);
        return true;
      case 'shift_logical_left_64':
        this.reg(b).reg(c).op(W.i64_shl).setReg(a);
        return true;
      case 'shift_logical_right_64':
        this.reg(b).reg(c).op(W.i64_shr_u).setReg(a);
        return true;
      case 'shift_arithmetic_right_64':
        this.reg(b).reg(c).op(W.i64_shr_s).setReg(a);
        return true;
      case 'rotate_left_64':
        this.reg(b).reg(c).op(W.i64_rotl).setReg(a);
        return true;
      case 'rotate_right_64':
        this.reg(b).reg(c).op(W.i64_rotr).setReg(a);
        return true;
      case 'div_unsigned_64':
        this.reg(b).reg(c).call(this.ctx.helpers.divU64).setReg(a);
        return true;
      case 'div_signed_64':
        this.reg(b).reg(c).call(this.ctx.helpers.divS64).setReg(a);
        return true;
      case 'rem_unsigned_64':
        this.reg(b).reg(c).call(this.ctx.helpers.remU64).setReg(a);
        return true;
      case 'rem_signed_64':
        this.reg(b).reg(c).call(this.ctx.helpers.remS64).setReg(a);
        return true;
      case 'add_imm_64':
        this.reg(b).imm(imm1).op(W.i64_add).setReg(a);
        return true;
      case 'mul_imm_64':
        this.reg(b).imm(imm1).op(W.i64_mul).setReg(a);
        return true;
      case 'negate_and_add_imm_64':
        this.imm(imm1).reg(b).op(W.i64_sub).setReg(a);
        return true;
      case 'shift_logical_left_imm_64':
        this.reg(b).imm(imm1).op(W.i64_shl).setReg(a);
        return true;
      case 'shift_logical_right_imm_64':
        this.reg(b).imm(imm1).op(W.i64_shr_u).setReg(a);
        return true;
      case 'shift_arithmetic_right_imm_64':
        this.reg(b).imm(imm1).op(W.i64_shr_s).setReg(a);
        return true;
      case 'shift_logical_left_imm_alt_64':
        this.imm(imm1).reg(b).op(W.i64_shl).setReg(a);
        return true;
      case 'shift_logical_right_imm_alt_64':
        this.imm(imm1).reg(b).op(W.i64_shr_u).setReg(a);
        return true;
      case 'shift_arithmetic_right_imm_alt_64':
        this.imm(imm1).reg(b).op(W.i64_shr_s).setReg(a);
        return true;
      case 'rotate_right_imm_64':
        this.reg(b).imm(imm1).op(W.i64_rotr).setReg(a);
        return true;
      case 'rotate_right_imm_alt_64':
        this.imm(imm1).reg(b).op(W.i64_rotr).setReg(a);
        return true;
      case 'count_set_bits_64':
        this.reg(b).op(W.i64_popcnt).setReg(a);
        return true;
      case 'count_leading_zero_bits_64':
        this.reg(b).op(W.i64_clz).setReg(a);
        return true;
      case 'count_trailing_zero_bits_64':
        this.reg(b).op(W.i64_ctz).setReg(a);
        return true;

      // ---------------------------------------------------------------- register-width operations
      case 'and':
        this.reg(b).reg(c).vop(W.i64_and, W.i32_and).setReg(a);
        return true;
      case 'or':
        this.reg(b).reg(c).vop(W.i64_or, W.i32_or).setReg(a);
        return true;
      case 'xor':
        this.reg(b).reg(c).vop(W.i64_xor, W.i32_xor).setReg(a);
        return true;
      case 'and_inverted':
        this.reg(b).reg(c).imm(-1).vop(W.i64_xor, W.i32_xor).vop(W.i64_and, W.i32_and).setReg(a);
        return true;
      case 'or_inverted':
        this.reg(b).reg(c).imm(-1).vop(W.i64_xor, W.i32_xor).vop(W.i64_or, W.i32_or).setReg(a);
        return true;
      case 'xnor':
        this.reg(b).reg(c).vop(W.i64_xor, W.i32_xor).imm(-1).vop(W.i64_xor, W.i32_xor).setReg(a);
        return true;
      case 'and_imm':
        this.reg(b).imm(imm1).vop(W.i64_and, W.i32_and).setReg(a);
        return true;
      case 'or_imm':
        this.reg(b).imm(imm1).vop(W.i64_or, W.i32_or).setReg(a);
        return true;
      case 'xor_imm':
        this.reg(b).imm(imm1).vop(W.i64_xor, W.i32_xor).setReg(a);
        return true;
      case 'set_less_than_unsigned':
        this.reg(b).reg(c).vop(W.i64_lt_u, W.i32_lt_u).setRegBool(a);
        return true;
      case 'set_less_than_signed':
        this.reg(b).reg(c).vop(W.i64_lt_s, W.i32_lt_s).setRegBool(a);
        return true;
      case 'set_less_than_unsigned_imm':
        this.reg(b).imm(imm1).vop(W.i64_lt_u, W.i32_lt_u).setRegBool(a);
        return true;
      case 'set_less_than_signed_imm':
        this.reg(b).imm(imm1).vop(W.i64_lt_s, W.i32_lt_s).setRegBool(a);
        return true;
      case 'set_greater_than_unsigned_imm':
        this.reg(b).imm(imm1).vop(W.i64_gt_u, W.i32_gt_u).setRegBool(a);
        return true;
      case 'set_greater_than_signed_imm':
        this.reg(b).imm(imm1).vop(W.i64_gt_s, W.i32_gt_s).setRegBool(a);
        return true;
      case 'cmov_if_zero':
        this.reg(b).reg(a).reg(c).vop(W.i64_eqz, W.i32_eqz).op(W.select).setReg(a);
        return true;
      case 'cmov_if_not_zero':
        this.reg(a).reg(b).reg(c).vop(W.i64_eqz, W.i32_eqz).op(W.select).setReg(a);
        return true;
      case 'cmov_if_zero_imm':
        this.imm(imm1).reg(a).reg(b).vop(W.i64_eqz, W.i32_eqz).op(W.select).setReg(a);
        return true;
      case 'cmov_if_not_zero_imm':
        this.reg(a).imm(imm1).reg(b).vop(W.i64_eqz, W.i32_eqz).op(W.select).setReg(a);
        return true;
      case 'maximum':
        this.reg(b).reg(c).reg(b).reg(c).vop(W.i64_gt_s, W.i32_gt_s).op(W.select).setReg(a);
        return true;
      case 'maximum_unsigned':
        this.reg(b).reg(c).reg(b).reg(c).vop(W.i64_gt_u, W.i32_gt_u).op(W.select).setReg(a);
        return true;
      case 'minimum':
        this.reg(b).reg(c).reg(b).reg(c).vop(W.i64_lt_s, W.i32_lt_s).op(W.select).setReg(a);
        return true;
      case 'minimum_unsigned':
        this.reg(b).reg(c).reg(b).reg(c).vop(W.i64_lt_u, W.i32_lt_u).op(W.select).setReg(a);
        return true;
      case 'sign_extend_8':
        this.reg(b).vop(W.i64_extend8_s, W.i32_extend8_s).setReg(a);
        return true;
      case 'sign_extend_16':
        this.reg(b).vop(W.i64_extend16_s, W.i32_extend16_s).setReg(a);
        return true;
      case 'zero_extend_16':
        this.reg(b).imm(0xffff).vop(W.i64_and, W.i32_and).setReg(a);
        return true;
      case 'reverse_byte':
        if (wide) this.reg(b).call(this.ctx.helpers.bswap64).setReg(a);
        else this.reg(b).call(this.ctx.helpers.bswap32).setReg(a);
        return true;
      case 'mul_upper_signed_signed':
      case 'mul_upper_unsigned_unsigned':
      case 'mul_upper_signed_unsigned':
        this.mulUpper(name, a, b, c);
        return true;

      // ---------------------------------------------------------------- branches
      default:
        if (name.startsWith('branch_')) {
          this.branch(name, ins);
          return false;
        }
        throw new Error(`internal error: the compiler has no semantics for '${name}'`);
    }
  }

  private mulUpper(name: InstructionName, d: number, s1: number, s2: number): void {
    const { helpers, wide } = this.ctx;
    if (wide) {
      const helper = name === 'mul_upper_signed_signed' ? helpers.mulhS64 : name === 'mul_upper_unsigned_unsigned' ? helpers.mulhU64 : helpers.mulhSU64;
      this.reg(s1).reg(s2).call(helper).setReg(d);
      return;
    }
    // 32-bit programs: the upper half of the 64-bit product.
    this.reg(s1).op(name === 'mul_upper_unsigned_unsigned' ? W.i64_extend_i32_u : W.i64_extend_i32_s);
    this.reg(s2).op(name === 'mul_upper_signed_signed' ? W.i64_extend_i32_s : W.i64_extend_i32_u);
    this.op(W.i64_mul).i64(32, 0).op(W.i64_shr_u).op(W.i32_wrap_i64).setReg(d);
  }

  private branch(name: InstructionName, ins: DecodedInstruction): void {
    const withImmediate = name.endsWith('_imm');
    const taken = withImmediate ? ins.imm2 : ins.imm1;
    if (!this.ctx.isJumpTargetValid(taken) || !this.ctx.isJumpTargetValid(ins.nextPc)) {
      this.trap(ins.pc);
      return;
    }
    const condition = name.slice('branch_'.length, withImmediate ? -'_imm'.length : undefined);
    const ops: Record<string, [W, W]> = {
      eq: [W.i64_eq, W.i32_eq],
      not_eq: [W.i64_ne, W.i32_ne],
      less_unsigned: [W.i64_lt_u, W.i32_lt_u],
      less_signed: [W.i64_lt_s, W.i32_lt_s],
      greater_or_equal_unsigned: [W.i64_ge_u, W.i32_ge_u],
      greater_or_equal_signed: [W.i64_ge_s, W.i32_ge_s],
      less_or_equal_unsigned: [W.i64_le_u, W.i32_le_u],
      less_or_equal_signed: [W.i64_le_s, W.i32_le_s],
      greater_unsigned: [W.i64_gt_u, W.i32_gt_u],
      greater_signed: [W.i64_gt_s, W.i32_gt_s],
    };
    const [op64, op32] = ops[condition]!;
    this.reg(ins.reg1);
    if (withImmediate) this.imm(ins.imm1);
    else this.reg(ins.reg2);
    this.vop(op64, op32);
    this.openIf();
    this.goTo(this.ctx.blockAt(taken), false);
    this.end();
    this.goTo(this.ctx.blockAt(ins.nextPc));
  }
}
