/**
 * The linker's intermediate representation: RISC-V code translated into basic blocks of PolkaVM-like
 * instructions ("basic" instructions) each ended by one control-flow instruction.
 *
 * Registers are PolkaVM register indices 0..12 plus four temporary "fake" registers (13..16) that some
 * translations need; they are spilled to memory before code is emitted. Targets are generic: while parsing they
 * are section locations, after block splitting code targets are block indices.
 */
import { ElfLinkError } from './elf-link-error.js';
import type { AluKind, BranchKind, LoadKind, RegRegKind, StoreKind, UnaryKind } from './operations.js';

export const REG_RA = 0;
export const REG_SP = 1;
export const REG_T0 = 2;
export const REG_T1 = 3;
export const REG_T2 = 4;
export const REG_S0 = 5;
export const REG_S1 = 6;
export const REG_A0 = 7;
export const REG_A1 = 8;
export const REG_A2 = 9;
export const REG_A3 = 10;
export const REG_A4 = 11;
export const REG_A5 = 12;
/** Temporary registers E0..E3, only used inside the translation of one RISC-V instruction. */
export const REG_E0 = 13;
export const REG_E1 = 14;
export const REG_E2 = 15;
export const REG_E3 = 16;
export const REGISTER_COUNT_WITH_TEMPORARIES = 17;
export const REAL_REGISTER_COUNT = 13;

/** Registers carrying host-call / export arguments, in order. */
export const INPUT_REGS: readonly number[] = [REG_A0, REG_A1, REG_A2, REG_A3, REG_A4, REG_A5, REG_T0, REG_T1, REG_T2];
export const MAX_OUTPUT_REGS = 2;

/** A set of registers as a bit mask (bit i = register i). */
export type RegMask = number;
export const ALL_REGS_MASK: RegMask = (1 << REGISTER_COUNT_WITH_TEMPORARIES) - 1;
export const TEMPORARY_REGS_MASK: RegMask = 0b1111 << REG_E0;
export const regBit = (reg: number): RegMask => 1 << reg;

/** A location inside an ELF section. */
export interface SectionTarget {
  readonly section: number;
  readonly offset: number;
}

/** A range of ELF section bytes some instruction came from. */
export interface Source {
  readonly section: number;
  readonly start: number;
  readonly end: number;
}

/**
 * Where an instruction came from: the outermost location first. Instructions of an inlined block carry the
 * location of the jump they replaced followed by their own location(s).
 */
export type SourceStack = readonly Source[];

/** A register or a (sign-extended 32-bit) immediate operand. */
export type RegImm = { readonly reg: number; readonly imm?: undefined } | { readonly reg?: undefined; readonly imm: number };
export const reg = (r: number): RegImm => ({ reg: r });
export const imm = (value: number): RegImm => ({ imm: value | 0 });

/** A data location, or a basic block (code). */
export type AnyTarget = { readonly data: SectionTarget; readonly block?: undefined } | { readonly block: number; readonly data?: undefined };

/** A non-control instruction; `T` is the type of address targets. */
export type BasicInst<T> =
  | { readonly op: 'load-abs'; readonly kind: LoadKind; readonly dst: number; readonly target: SectionTarget }
  | { readonly op: 'store-abs'; readonly kind: StoreKind; readonly src: RegImm; readonly target: SectionTarget }
  | { readonly op: 'load'; readonly kind: LoadKind; readonly dst: number; readonly base: number; readonly offset: number }
  | { readonly op: 'store'; readonly kind: StoreKind; readonly src: RegImm; readonly base: number; readonly offset: number }
  | { readonly op: 'load-address'; readonly dst: number; readonly target: T }
  /** Loads an address from the GOT instead of as an immediate (only kept when not optimizing). */
  | { readonly op: 'load-address-indirect'; readonly dst: number; readonly target: T }
  | { readonly op: 'load-imm'; readonly dst: number; readonly imm: number }
  | { readonly op: 'load-imm64'; readonly dst: number; readonly imm: bigint }
  | { readonly op: 'move'; readonly dst: number; readonly src: number }
  | { readonly op: 'unary'; readonly kind: UnaryKind; readonly dst: number; readonly src: number }
  | { readonly op: 'reg-reg'; readonly kind: RegRegKind; readonly dst: number; readonly src1: number; readonly src2: number }
  | { readonly op: 'alu'; readonly kind: AluKind; readonly dst: number; readonly src1: RegImm; readonly src2: RegImm }
  | { readonly op: 'cmov'; readonly ifZero: boolean; readonly dst: number; readonly src: RegImm; readonly cond: number }
  | { readonly op: 'ecalli'; readonly importIndex: number }
  | { readonly op: 'sbrk'; readonly dst: number; readonly size: number }
  | { readonly op: 'memset' }
  | { readonly op: 'heap-base'; readonly dst: number }
  | { readonly op: 'nop' };

/** A block-ending instruction; `T` is the type of code targets. */
export type ControlInst<T> =
  | { readonly op: 'jump'; readonly target: T }
  | { readonly op: 'call'; readonly ra: number; readonly target: T; readonly returnTo: T }
  | { readonly op: 'jump-indirect'; readonly base: number; readonly offset: number }
  | { readonly op: 'call-indirect'; readonly ra: number; readonly base: number; readonly offset: number; readonly returnTo: T }
  | {
      readonly op: 'branch';
      readonly kind: BranchKind;
      readonly src1: RegImm;
      readonly src2: RegImm;
      readonly ifTrue: T;
      readonly ifFalse: T;
    }
  | { readonly op: 'trap' };

export type Inst<B, C> = { readonly basic: BasicInst<B>; readonly control?: undefined } | { readonly control: ControlInst<C>; readonly basic?: undefined };

export interface BlockOp {
  source: SourceStack;
  inst: BasicInst<AnyTarget>;
}

/** A basic block after block splitting. */
export interface BasicBlock {
  readonly index: number;
  /** The ELF range the block was split from. */
  readonly source: Source;
  ops: BlockOp[];
  next: { source: SourceStack; inst: ControlInst<number> };
  /** Emit an `unlikely` hint at the start of this block. */
  isUnlikely: boolean;
}

export const NOP: BasicInst<never> = { op: 'nop' };

/** Registers an instruction reads. `importInputs` gives the input register count of each import. */
export function basicSources(inst: BasicInst<unknown>, importInputs: readonly number[]): RegMask {
  switch (inst.op) {
    case 'nop': case 'heap-base': case 'load-imm': case 'load-imm64': case 'load-abs':
    case 'load-address': case 'load-address-indirect':
      return 0;
    case 'move': case 'unary':
      return regBit(inst.src);
    case 'store-abs':
      return regImmMask(inst.src);
    case 'load':
      return regBit(inst.base);
    case 'store':
      return regImmMask(inst.src) | regBit(inst.base);
    case 'reg-reg':
      return regBit(inst.src1) | regBit(inst.src2);
    case 'alu':
      return regImmMask(inst.src1) | regImmMask(inst.src2);
    case 'cmov':
      return regBit(inst.dst) | regImmMask(inst.src) | regBit(inst.cond);
    case 'ecalli':
      return importSourceMask(importInputs[inst.importIndex] ?? 0);
    case 'sbrk':
      return regBit(inst.size);
    case 'memset':
      return regBit(REG_A0) | regBit(REG_A1) | regBit(REG_A2);
  }
}

/** Registers an instruction writes. */
export function basicDestinations(inst: BasicInst<unknown>): RegMask {
  switch (inst.op) {
    case 'nop': case 'store-abs': case 'store':
      return 0;
    case 'ecalli':
      return IMPORT_DESTINATION_MASK;
    case 'memset':
      return regBit(REG_A0) | regBit(REG_A2);
    default:
      return regBit(inst.dst);
  }
}

/** A host call reads its argument registers and the stack pointer... */
export function importSourceMask(inputRegs: number): RegMask {
  let mask = regBit(REG_SP);
  for (let i = 0; i < inputRegs && i < INPUT_REGS.length; i++) mask |= regBit(INPUT_REGS[i]!);
  return mask;
}

/** ...and may clobber every caller-saved register. */
export const IMPORT_DESTINATION_MASK: RegMask = [REG_T0, REG_T1, REG_T2, REG_A0, REG_A1, REG_A2, REG_A3, REG_A4, REG_A5].reduce((m, r) => m | regBit(r), 0);

export function regImmMask(value: RegImm): RegMask {
  return value.reg === undefined ? 0 : regBit(value.reg);
}

/** Instructions that must be kept even when their result is unused. */
export function hasSideEffects(inst: BasicInst<unknown>, elideUnusedLoads: boolean): boolean {
  switch (inst.op) {
    case 'sbrk': case 'ecalli': case 'store-abs': case 'store': case 'memset':
      return true;
    case 'load-abs': case 'load':
      return !elideUnusedLoads;
    default:
      return false;
  }
}

export function controlSources(inst: ControlInst<unknown>): RegMask {
  switch (inst.op) {
    case 'jump-indirect': case 'call-indirect':
      return regBit(inst.base);
    case 'branch':
      return regImmMask(inst.src1) | regImmMask(inst.src2);
    default:
      return 0;
  }
}

export function controlDestinations(inst: ControlInst<unknown>): RegMask {
  return inst.op === 'call' || inst.op === 'call-indirect' ? regBit(inst.ra) : 0;
}

/** Where control goes when the block "falls through" (branch not taken, call returns). */
export function fallthroughTarget<T>(inst: ControlInst<T>): T | undefined {
  switch (inst.op) {
    case 'branch': return inst.ifFalse;
    case 'call': case 'call-indirect': return inst.returnTo;
    default: return undefined;
  }
}

/** Replaces the code targets of a control instruction. */
export function mapControlTargets<T, U>(inst: ControlInst<T>, map: (target: T) => U): ControlInst<U> {
  switch (inst.op) {
    case 'jump': return { op: 'jump', target: map(inst.target) };
    case 'call': return { op: 'call', ra: inst.ra, target: map(inst.target), returnTo: map(inst.returnTo) };
    case 'call-indirect': return { ...inst, returnTo: map(inst.returnTo) };
    case 'branch': return { ...inst, ifTrue: map(inst.ifTrue), ifFalse: map(inst.ifFalse) };
    default: return inst;
  }
}

/** Replaces the address target of a basic instruction (only `load-address*` have one of type `T`). */
export function mapBasicTarget<T, U>(inst: BasicInst<T>, map: (target: T) => U): BasicInst<U> {
  if (inst.op === 'load-address' || inst.op === 'load-address-indirect') return { op: inst.op, dst: inst.dst, target: map(inst.target) };
  return inst;
}

/** Rewrites the registers of an instruction; null for `ecalli`, whose registers are implicit. */
export function mapRegisters(inst: BasicInst<AnyTarget>, map: (reg: number) => number): BasicInst<AnyTarget> | null {
  const ri = (value: RegImm): RegImm => (value.reg === undefined ? value : { reg: map(value.reg) });
  switch (inst.op) {
    case 'load-imm': case 'load-imm64': case 'load-abs': case 'load-address': case 'load-address-indirect': case 'heap-base':
      return { ...inst, dst: map(inst.dst) };
    case 'store-abs':
      return { ...inst, src: ri(inst.src) };
    case 'load':
      return { ...inst, base: map(inst.base), dst: map(inst.dst) };
    case 'store':
      return { ...inst, src: ri(inst.src), base: map(inst.base) };
    case 'move': case 'unary':
      return { ...inst, src: map(inst.src), dst: map(inst.dst) };
    case 'reg-reg':
      return { ...inst, src1: map(inst.src1), src2: map(inst.src2), dst: map(inst.dst) };
    case 'alu':
      return { ...inst, src1: ri(inst.src1), src2: ri(inst.src2), dst: map(inst.dst) };
    case 'cmov':
      return { ...inst, src: ri(inst.src), cond: map(inst.cond), dst: map(inst.dst) };
    case 'sbrk':
      return { ...inst, size: map(inst.size), dst: map(inst.dst) };
    case 'memset': case 'nop':
      return inst;
    case 'ecalli':
      return null;
  }
}

/** Iterates the set bits of a register mask. */
export function* registersIn(mask: RegMask): Generator<number> {
  for (let m = mask; m !== 0; m &= m - 1) yield 31 - Math.clz32(m & -m);
}

/** RISC-V register number → PolkaVM register (null for `zero`); other registers do not exist in PolkaVM. */
const RISCV_TO_VM: readonly (number | null | undefined)[] = [
  null, REG_RA, REG_SP, undefined, undefined, REG_T0, REG_T1, REG_T2, REG_S0, REG_S1,
  REG_A0, REG_A1, REG_A2, REG_A3, REG_A4, REG_A5,
];
const RISCV_NAMES = [
  'zero', 'ra', 'sp', 'gp', 'tp', 't0', 't1', 't2', 's0', 's1', 'a0', 'a1', 'a2', 'a3', 'a4', 'a5',
  'a6', 'a7', 's2', 's3', 's4', 's5', 's6', 's7', 's8', 's9', 's10', 's11', 't3', 't4', 't5', 't6',
];

/** Maps a RISC-V register; `zero` gives null. Throws for registers PolkaVM lacks (gp, tp, a6, s2, ...). */
export function fromRiscvRegister(riscv: number): number | null {
  const vm = RISCV_TO_VM[riscv];
  if (vm === undefined) throw new ElfLinkError(`unsupported register: ${RISCV_NAMES[riscv] ?? `x${riscv}`} (PolkaVM only has ra, sp, t0-t2, s0-s1, a0-a5)`);
  return vm;
}

/** Like {@link fromRiscvRegister}, but `zero` becomes the immediate 0. */
export function fromRiscvOperand(riscv: number): RegImm {
  const vm = fromRiscvRegister(riscv);
  return vm === null ? imm(0) : reg(vm);
}
