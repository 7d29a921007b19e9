/**
 * Constant propagation: tracks what every register holds through a block (starting from what all predecessors
 * agree on), and rewrites instructions accordingly: known results become `load_imm`/address loads, register
 * operands with known small values become immediates, loads and stores through a known data address become
 * absolute, loads from read-only data become constants, and branches with known outcomes become jumps.
 */
import { SHF_ALLOC, SHF_WRITE } from './elf.js';
import {
  type AnyTarget,
  type BasicInst,
  basicDestinations,
  type ControlInst,
  REGISTER_COUNT_WITH_TEMPORARIES,
  type RegImm,
} from './ir.js';
import { branchAsFold } from './operations.js';
import type { OptimizerContext } from './optimizer-context.js';
import { addToOptimizeQueue, gatherReferences, updateReferences, type WorkQueue, type ExtRef } from './reachability.js';
import { bitsUsed, constant, evaluate, MASK32, type RegValue, sameValue, valueToInstruction } from './register-values.js';

const MASK64 = (1n << 64n) - 1n;

export const isNop = (inst: BasicInst<unknown>): boolean => inst.op === 'nop' || (inst.op === 'move' && inst.dst === inst.src);

/** The fresh "value on entry" of every register of a block. */
export function inputValues(block: number, is64Bit: boolean): RegValue[] {
  const bits = is64Bit ? MASK64 : MASK32;
  return Array.from({ length: REGISTER_COUNT_WITH_TEMPORARIES }, (_, reg): RegValue => ({ kind: 'reg', reg, output: false, block, bits, addend: 0n }));
}

export function outputValues(block: number, is64Bit: boolean): RegValue[] {
  const bits = is64Bit ? MASK64 : MASK32;
  return Array.from({ length: REGISTER_COUNT_WITH_TEMPORARIES }, (_, reg): RegValue => ({ kind: 'reg', reg, output: true, block, bits, addend: 0n }));
}

const fitsI32 = (value: bigint): boolean => BigInt.asIntN(32, value) === value;

/** Immediates recur constantly; share their values instead of allocating new ones. */
const immediateValues = new Map<number, RegValue>();
function immediateValue(imm: number): RegValue {
  let value = immediateValues.get(imm);
  if (value === undefined) {
    value = constant(BigInt(imm));
    if (immediateValues.size < 65536) immediateValues.set(imm, value);
  }
  return value;
}

const freshInputCache = new WeakMap<OptimizerContext, RegValue[][]>();
/** The "value on entry" objects of a block, created once per block. */
function freshInputs(ctx: OptimizerContext, block: number): RegValue[] {
  let cache = freshInputCache.get(ctx);
  if (cache === undefined) freshInputCache.set(ctx, (cache = []));
  return (cache[block] ??= inputValues(block, ctx.is64Bit));
}

/** Register state while walking through a block. */
class RegisterState {
  constructor(
    readonly regs: RegValue[],
    private readonly ctx: OptimizerContext,
  ) {}

  private get fullMask(): bigint {
    return this.ctx.is64Bit ? MASK64 : MASK32;
  }

  get(operand: RegImm | number): RegValue {
    if (typeof operand === 'number') return this.regs[operand]!;
    return operand.reg !== undefined ? this.regs[operand.reg]! : immediateValue(operand.imm);
  }

  private evaluate(kind: Parameters<typeof evaluate>[0], lhs: RegValue, rhs: RegValue): RegValue | null {
    const sections = this.ctx.elf.sections;
    return evaluate(kind, lhs, rhs, (section) => sections[section]?.size ?? 0, this.ctx.is64Bit);
  }

  /** One simplification step of a basic instruction, or null if it cannot be simplified further. */
  simplify(inst: BasicInst<AnyTarget>): BasicInst<AnyTarget> | null {
    switch (inst.op) {
      case 'reg-reg': {
        const value = this.evaluate(inst.kind, this.get(inst.src1), this.get(inst.src2));
        return value === null ? null : valueToInstruction(value, inst.dst);
      }
      case 'alu': {
        const lhs = this.get(inst.src1);
        const rhs = this.get(inst.src2);
        const value = this.evaluate(inst.kind, lhs, rhs);
        if (value !== null) {
          const replacement = valueToInstruction(value, inst.dst);
          if (replacement !== null) return replacement;
        }
        if (inst.src1.reg !== undefined && lhs.kind === 'const' && fitsI32(lhs.value)) return { ...inst, src1: { imm: Number(lhs.value) } };
        if (inst.src2.reg !== undefined && rhs.kind === 'const' && fitsI32(rhs.value)) return { ...inst, src2: { imm: Number(rhs.value) } };
        const isAdd = inst.kind === 'add32' || inst.kind === 'add64';
        if (isAdd) {
          const leftZero = lhs.kind === 'const' && lhs.value === 0n;
          const rightZero = rhs.kind === 'const' && rhs.value === 0n;
          if (leftZero) {
            if (inst.src2.reg !== undefined) return { op: 'move', dst: inst.dst, src: inst.src2.reg };
          } else if (rightZero) {
            if (inst.src1.reg !== undefined) return { op: 'move', dst: inst.dst, src: inst.src1.reg };
          }
          // Curiously LLVM never turns an `add` of disjoint bits into an `or`; an `or` can be cheaper to encode.
          if (!leftZero && !rightZero && (bitsUsed(lhs) & bitsUsed(rhs)) === 0n) {
            return { ...inst, kind: inst.kind === 'add32' ? 'or32' : 'or64' };
          }
        }
        return null;
      }
      case 'cmov': {
        if (inst.src.reg === undefined) return null;
        const value = this.get(inst.src.reg);
        return value.kind === 'const' && fitsI32(value.value) ? { ...inst, src: { imm: Number(value.value) } } : null;
      }
      case 'load': {
        const base = this.get(inst.base);
        if (base.kind !== 'data') return null;
        return { op: 'load-abs', kind: inst.kind, dst: inst.dst, target: { section: base.section, offset: base.offset + inst.offset } };
      }
      case 'load-address-indirect':
        return { op: 'load-address', dst: inst.dst, target: inst.target };
      case 'store': {
        const base = this.get(inst.base);
        if (base.kind === 'data') return { op: 'store-abs', kind: inst.kind, src: inst.src, target: { section: base.section, offset: base.offset + inst.offset } };
        if (inst.src.reg !== undefined) {
          const value = this.get(inst.src.reg);
          if (value.kind === 'const' && fitsI32(value.value)) return { ...inst, src: { imm: Number(value.value) } };
        }
        return null;
      }
      case 'store-abs': {
        if (inst.src.reg === undefined) return null;
        const value = this.get(inst.src.reg);
        return value.kind === 'const' && fitsI32(value.value) ? { ...inst, src: { imm: Number(value.value) } } : null;
      }
      case 'move':
        return inst.dst === inst.src ? { op: 'nop' } : null;
      default:
        return null;
    }
  }

  /** Simplifies a block's control instruction; may also produce an extra instruction to append to the block. */
  simplifyControl(inst: ControlInst<number>): { extra: BasicInst<AnyTarget> | null; inst: ControlInst<number> } | null {
    switch (inst.op) {
      case 'jump-indirect': {
        const base = this.get(inst.base);
        return inst.offset === 0 && base.kind === 'code' ? { extra: null, inst: { op: 'jump', target: base.block } } : null;
      }
      case 'call-indirect': {
        const base = this.get(inst.base);
        if (inst.offset !== 0 || base.kind !== 'code') return null;
        return { extra: { op: 'load-address', dst: inst.ra, target: { block: inst.returnTo } }, inst: { op: 'jump', target: base.block } };
      }
      case 'branch': {
        if (inst.ifTrue === inst.ifFalse) return { extra: null, inst: { op: 'jump', target: inst.ifTrue } };
        const lhs = this.get(inst.src1);
        const rhs = this.get(inst.src2);
        const value = this.evaluate(branchAsFold(inst.kind), lhs, rhs);
        if (value !== null && value.kind === 'const') {
          return { extra: null, inst: { op: 'jump', target: value.value === 0n ? inst.ifFalse : inst.ifTrue } };
        }
        if (inst.src1.reg !== undefined && lhs.kind === 'const' && fitsI32(lhs.value)) return { extra: null, inst: { ...inst, src1: { imm: Number(lhs.value) } } };
        if (inst.src2.reg !== undefined && rhs.kind === 'const' && fitsI32(rhs.value)) return { extra: null, inst: { ...inst, src2: { imm: Number(rhs.value) } } };
        return null;
      }
      default:
        return null;
    }
  }

  private setUnknown(dst: number, bits: bigint): void {
    const masked = bits === this.fullMask ? bits : bits & this.fullMask;
    this.regs[dst] = masked === 0n ? constant(0n) : { kind: 'unknown', unique: this.ctx.unknownCounter++, bits: masked };
  }

  /** Applies the effect of an instruction to the register state. */
  apply(inst: BasicInst<AnyTarget>): void {
    const regs = this.regs;
    switch (inst.op) {
      case 'load-imm':
        regs[inst.dst] = constant(BigInt(inst.imm));
        return;
      case 'load-imm64':
        regs[inst.dst] = constant(inst.imm);
        return;
      case 'load-address':
      case 'load-address-indirect':
        regs[inst.dst] = inst.target.block !== undefined ? { kind: 'code', block: inst.target.block } : { kind: 'data', section: inst.target.data.section, offset: inst.target.data.offset };
        return;
      case 'move':
        regs[inst.dst] = this.get(inst.src);
        return;
      case 'alu':
        return this.applyAlu(inst);
      case 'load-abs':
      case 'load': {
        const bits = inst.kind === 'u8' ? 0xffn : inst.kind === 'u16' ? 0xffffn : inst.kind === 'u32' ? MASK32 : null;
        if (bits !== null) return this.setUnknown(inst.dst, bits);
        break;
      }
      default:
        break;
    }
    const full = this.fullMask;
    for (let mask = basicDestinations(inst); mask !== 0; mask &= mask - 1) this.setUnknown(31 - Math.clz32(mask & -mask), full);
  }

  private applyAlu(inst: Extract<BasicInst<AnyTarget>, { op: 'alu' }>): void {
    const { kind, dst, src1, src2 } = inst;
    const isAdd = kind === 'add32' || kind === 'add64';
    if ((isAdd || kind === 'or32' || kind === 'or64') && src2.imm === 0) {
      this.regs[dst] = this.get(src1);
      return;
    }
    if ((isAdd || kind === 'or32' || kind === 'or64') && src1.imm === 0) {
      this.regs[dst] = this.get(src2);
      return;
    }
    const nativeAdd = this.ctx.is64Bit ? 'add64' : 'add32';
    if (kind === nativeAdd) {
      const [regOperand, immOperand] = src1.reg !== undefined && src2.imm !== undefined ? [src1.reg, src2.imm] : src1.imm !== undefined && src2.reg !== undefined ? [src2.reg, src1.imm] : [null, null];
      if (regOperand !== null && immOperand !== null) {
        const value = this.regs[regOperand]!;
        if (value.kind === 'reg') {
          this.regs[dst] = { ...value, addend: BigInt.asIntN(64, BigInt(immOperand) + value.addend) };
          return;
        }
      }
    }
    const lhs = bitsUsed(this.get(src1));
    const rhs = bitsUsed(this.get(src2));
    switch (kind) {
      case 'add32': case 'add64':
        return this.setUnknown(dst, (lhs | rhs | (lhs << 1n) | (rhs << 1n)) & MASK64);
      case 'and32': case 'and64':
        return this.setUnknown(dst, lhs & rhs);
      case 'or32': case 'or64':
        return this.setUnknown(dst, lhs | rhs);
      case 'srl32':
        if (src2.imm !== undefined) return this.setUnknown(dst, lhs >> BigInt(src2.imm & 63));
        break;
      case 'sll32':
        if (src2.imm !== undefined) return this.setUnknown(dst, (lhs << BigInt(src2.imm & 63)) & MASK64);
        break;
      case 'slt32': case 'slt64': case 'sltu32': case 'sltu64':
        return this.setUnknown(dst, 1n);
      default:
        break;
    }
    this.setUnknown(dst, this.fullMask);
  }
}

/**
 * Runs constant propagation over one block. Returns true if anything changed (the block, or what is known
 * about its registers on entry or exit).
 */
export function propagateConstants(ctx: OptimizerContext, queue: WorkQueue | null, current: number): boolean {
  const { graph, blocks, info } = ctx;
  const entry = graph.code.get(current);
  if (entry === undefined || entry.isUnreachable()) return false;
  const blockInfo = info[current]!;
  let modified = false;

  // Registers on entry: whatever all predecessors agree on (only for blocks entered by direct jumps).
  if (!entry.isDynamicallyReachable() && !entry.alwaysReachableOrExported() && entry.reachableFrom.size > 0 && entry.reachableFrom.size < 64) {
    const predecessors = [...entry.reachableFrom].map((source) => info[source]!.outputRegs);
    for (let reg = 0; reg < REGISTER_COUNT_WITH_TEMPORARIES; reg++) {
      const common = predecessors[0]![reg]!;
      let agreed = true;
      for (let i = 1; i < predecessors.length; i++) {
        if (!sameValue(common, predecessors[i]![reg]!)) {
          agreed = false;
          break;
        }
      }
      if (agreed && !sameValue(common, blockInfo.inputRegs[reg]!)) {
        blockInfo.inputRegs[reg] = common;
        modified = true;
      }
    }
  }

  // In a loop the block may see its own entry values; start those fresh.
  const fresh = freshInputs(ctx, current);
  const regs = blockInfo.inputRegs.slice();
  for (let reg = 0; reg < REGISTER_COUNT_WITH_TEMPORARIES; reg++) {
    const value = regs[reg]!;
    if (value.kind === 'reg' && !value.output && value.block === current) regs[reg] = fresh[reg]!;
  }
  const state = new RegisterState(regs, ctx);
  const block = blocks[current]!;
  let oldReferences: Set<ExtRef> | null = null;
  const noteChange = (): void => {
    if (oldReferences === null) {
      oldReferences = gatherReferences(block);
      modified = true;
    }
  };

  for (const op of block.ops) {
    let inst = op.inst;
    if (isNop(inst)) continue;
    for (let next = state.simplify(inst); next !== null; next = state.simplify(inst)) {
      noteChange();
      inst = next;
      op.inst = next;
    }
    if (inst.op === 'load-abs') {
      const folded = loadReadOnlyConstant(ctx, inst);
      if (folded !== null) {
        noteChange();
        inst = folded;
        op.inst = folded;
      }
    }
    state.apply(inst);
  }

  const control = state.simplifyControl(block.next.inst);
  if (control !== null) {
    noteChange();
    if (control.extra !== null) {
      state.apply(control.extra);
      block.ops.push({ source: block.next.source, inst: control.extra });
    }
    block.next.inst = control.inst;
  }
  const next = block.next.inst;
  if (next.op === 'call-indirect') state.apply({ op: 'load-address', dst: next.ra, target: { block: next.returnTo } });

  // Values computed here are known only as "this block's output"; reuse the previous objects when unchanged.
  const previous = blockInfo.outputRegs;
  let outputChanged = false;
  for (let reg = 0; reg < REGISTER_COUNT_WITH_TEMPORARIES; reg++) {
    let value = regs[reg]!;
    const before = previous[reg]!;
    if (value.kind === 'unknown') {
      value =
        before.kind === 'reg' && before.output && before.block === current && before.reg === reg && before.bits === value.bits && before.addend === 0n
          ? before
          : { kind: 'reg', reg, output: true, block: current, bits: value.bits, addend: 0n };
      regs[reg] = value;
    }
    if (!outputChanged && !sameValue(value, before)) outputChanged = true;
  }
  if (outputChanged) {
    blockInfo.outputRegs = regs;
    modified = true;
  }

  if (oldReferences !== null) {
    updateReferences(blocks, graph, queue, current, oldReferences);
    if (queue !== null && graph.isCodeReachable(current)) addToOptimizeQueue(blocks, graph, queue, current);
  }
  if (queue !== null && outputChanged) {
    const end = block.next.inst;
    if (end.op === 'jump') addToOptimizeQueue(blocks, graph, queue, end.target);
    else if (end.op === 'branch') {
      addToOptimizeQueue(blocks, graph, queue, end.ifTrue);
      addToOptimizeQueue(blocks, graph, queue, end.ifFalse);
    }
  }
  return modified;
}

const LOAD_SIZES = { i8: 1, u8: 1, i16: 2, u16: 2, i32: 4, u32: 4, u64: 8 } as const;

/** A load from read-only data whose bytes are known (and not patched by a relocation) becomes a constant. */
function loadReadOnlyConstant(ctx: OptimizerContext, inst: Extract<BasicInst<AnyTarget>, { op: 'load-abs' }>): BasicInst<AnyTarget> | null {
  const section = ctx.elf.sections[inst.target.section];
  if (section === undefined || (section.flags & SHF_ALLOC) === 0 || (section.flags & SHF_WRITE) !== 0) return null;
  const size = LOAD_SIZES[inst.kind];
  const offset = inst.target.offset;
  if (offset < 0 || offset + size > section.data.length) return null;
  // The bytes of a relocated pointer are only final after layout; never fold them.
  if (ctx.relocations.overlaps(section.index, offset, size)) return null;
  let value = 0n;
  for (let i = size - 1; i >= 0; i--) value = (value << 8n) | BigInt(section.data[offset + i]!);
  if (inst.kind === 'i8' || inst.kind === 'i16' || inst.kind === 'i32') value = BigInt.asIntN(size * 8, value);
  else value = BigInt.asIntN(64, value);
  if (fitsI32(value)) return { op: 'load-imm', dst: inst.dst, imm: Number(value) };
  if (!ctx.is64Bit) return null;
  return { op: 'load-imm64', dst: inst.dst, imm: value };
}
