/**
 * Lowerings of RISC-V instructions PolkaVM has no direct equivalent for: atomics (load, operate, store), `orc.b`,
 * MIPS-style selects, and Zbb operations whose `zero` operand has no PolkaVM encoding. Some need temporary
 * registers (E0..E3), which are replaced by real ones before code emission (see spill.ts).
 */
import { ElfLinkError } from './elf-link-error.js';
import { type BasicInst, fromRiscvRegister, imm, type Inst, NOP, reg, REG_E0, REG_E1, REG_E2, REG_E3, type RegImm, type SectionTarget } from './ir.js';
import type { AluKind, RegRegKind } from './operations.js';
import type { AtomicKind } from './riscv.js';

export type Emit = (inst: Inst<SectionTarget, SectionTarget>) => void;
const basic = (inst: BasicInst<SectionTarget>): Inst<SectionTarget, SectionTarget> => ({ basic: inst });

/**
 * The value of a register-only operation when one operand is `zero`: a constant, `'other'` for "the other
 * operand", or null when it cannot be simplified.
 */
export function zeroOperandIdentity(kind: RegRegKind, zeroSide: 'left' | 'right'): number | 'other' | null {
  const left = zeroSide === 'left';
  switch (kind) {
    case 'mulh32': case 'mulh64': case 'mulhu32': case 'mulhu64': case 'mulhsu32': case 'mulhsu64':
      return 0;
    case 'rem32': case 'rem64': case 'remu32': case 'remu64': case 'rem32sx': case 'remu32sx':
      return left ? 0 : 'other'; // 0 % x = 0, x % 0 = x
    case 'div32': case 'div64': case 'divu32': case 'divu64': case 'div32sx': case 'divu32sx':
      return left ? 0 : -1; // 0 / x = 0, x / 0 = -1
    case 'andn':
      return left ? 0 : 'other';
    case 'orn':
      return left ? null : -1;
    case 'maxu':
      return 'other';
    case 'minu':
      return 0;
    case 'rotl32': case 'rotl64':
      return left ? 0 : 'other';
    case 'rotl32sx':
      return left ? 0 : null;
    default:
      return null;
  }
}

/** Rewrites Zbb operations whose `zero` operand PolkaVM cannot express directly. */
export function resolveZeroRegisterUsage(kind: AluKind | RegRegKind, dst: number, src1: number | null, src2: number | null, rv64: boolean, emit: Emit): boolean {
  const xor = rv64 ? 'xor64' : 'xor32';
  if ((kind === 'orn' || kind === 'xnor') && src1 === null && src2 !== null) {
    emit(basic({ op: 'alu', kind: xor, dst, src1: imm(-1), src2: reg(src2) })); // ~x
    return true;
  }
  if (kind === 'xnor' && src1 !== null && src2 === null) {
    emit(basic({ op: 'alu', kind: xor, dst, src1: reg(src1), src2: imm(-1) }));
    return true;
  }
  if ((kind === 'min' || kind === 'max') && (src1 === null || src2 === null)) {
    if (src1 === null && src2 === null) {
      emit(basic({ op: 'load-imm', dst, imm: 0 }));
      return true;
    }
    // tmp = (a < b); dst = a; if tmp == 0 then dst = b
    const lhs: RegImm = src1 === null ? imm(0) : reg(src1);
    const rhs: RegImm = src2 === null ? imm(0) : reg(src2);
    const lessThan = rv64 ? 'slt64' : 'slt32';
    const [compareLeft, compareRight] = kind === 'min' ? [lhs, rhs] : [rhs, lhs];
    emit(basic({ op: 'alu', kind: lessThan, dst: REG_E2, src1: compareLeft, src2: compareRight }));
    emit(basic(lhs.reg !== undefined ? { op: 'move', dst, src: lhs.reg } : { op: 'load-imm', dst, imm: lhs.imm }));
    emit(basic({ op: 'cmov', ifZero: true, dst, src: rhs, cond: REG_E2 }));
    return true;
  }
  if ((kind === 'rotl32sx' || kind === 'rotr32sx') && src1 !== null && src2 === null) {
    emit(basic({ op: 'alu', kind: 'add32sx', dst, src1: reg(src1), src2: imm(0) })); // rotating by 0 only sign-extends
    return true;
  }
  return false;
}

/** `orc.b`: every non-zero byte becomes 0xff. There is no PolkaVM equivalent, so it is emulated per byte. */
export function emitOrCombineBytes(dst: number, src: number, rv64: boolean, emit: Emit): void {
  const value = dst;
  const test = REG_E1;
  const candidate = REG_E2;
  const mask = dst !== src ? src : REG_E3;
  if (dst !== src) emit(basic({ op: 'move', dst, src }));
  for (let shift = 0; shift < (rv64 ? 64 : 32); shift += 8) {
    emit(basic({ op: 'move', dst: candidate, src: value }));
    if (shift === 0) emit(basic({ op: 'load-imm', dst: mask, imm: 0xff }));
    else emit(basic({ op: 'alu', kind: rv64 ? 'sll64' : 'sll32', dst: mask, src1: reg(mask), src2: imm(8) }));
    emit(basic({ op: 'alu', kind: rv64 ? 'or64' : 'or32', dst: candidate, src1: reg(candidate), src2: reg(mask) }));
    emit(basic({ op: 'alu', kind: rv64 ? 'and64' : 'and32', dst: test, src1: reg(value), src2: reg(mask) }));
    emit(basic({ op: 'cmov', ifZero: false, dst: value, src: reg(candidate), cond: test }));
  }
}

/** MIPS `ccmov`: `dst = cond != 0 ? ifTrue : ifFalse`. */
export function convertSelect(riscvDst: number, riscvTrue: number, riscvFalse: number, riscvCond: number, emit: Emit): void {
  const dst = fromRiscvRegister(riscvDst);
  if (dst === null) return emit(basic(NOP));
  const ifTrue = fromRiscvRegister(riscvTrue);
  const ifFalse = fromRiscvRegister(riscvFalse);
  const cond = fromRiscvRegister(riscvCond);
  const trueOperand: RegImm = ifTrue === null ? imm(0) : reg(ifTrue);
  const falseOperand: RegImm = ifFalse === null ? imm(0) : reg(ifFalse);
  const moveFalse = (): void => emit(basic(ifFalse === null ? { op: 'load-imm', dst, imm: 0 } : { op: 'move', dst, src: ifFalse }));
  if (cond === null) return moveFalse();
  if (dst === ifTrue) return emit(basic({ op: 'cmov', ifZero: true, dst, src: falseOperand, cond }));
  if (dst === ifFalse) return emit(basic({ op: 'cmov', ifZero: false, dst, src: trueOperand, cond }));
  if (dst !== cond) {
    moveFalse();
    emit(basic({ op: 'cmov', ifZero: false, dst, src: trueOperand, cond }));
    return;
  }
  // `dst` is the condition: keep a copy of it first.
  emit(basic({ op: 'move', dst: REG_E0, src: cond }));
  emit(basic({ op: 'cmov', ifZero: false, dst, src: trueOperand, cond }));
  emit(basic({ op: 'cmov', ifZero: true, dst, src: falseOperand, cond: REG_E0 }));
}

/** Atomic read-modify-write, lowered to load + operation + store (the VM is single-threaded). */
export function convertAtomic(kind: AtomicKind, is64: boolean, riscvOld: number, riscvAddr: number, riscvOperand: number, rv64: boolean, emit: Emit): void {
  const addr = fromRiscvRegister(riscvAddr);
  if (addr === null) throw new ElfLinkError('found an atomic operation with a zero register as the address');
  let operand = fromRiscvRegister(riscvOperand);
  if (rv64 && !is64 && operand !== null) {
    // Sign-extend the 32-bit operand so stray upper bits cannot leak into the result.
    emit(basic({ op: 'alu', kind: 'sll64', dst: REG_E3, src1: reg(operand), src2: imm(32) }));
    emit(basic({ op: 'alu', kind: 'sra64', dst: REG_E3, src1: reg(REG_E3), src2: imm(32) }));
    operand = REG_E3;
  }
  const operandValue: RegImm = operand === null ? imm(0) : reg(operand);
  const oldDst = fromRiscvRegister(riscvOld);
  let oldValue: number, newValue: number, output: number | null;
  if (oldDst === null) [oldValue, newValue, output] = [REG_E0, REG_E0, null];
  else if (oldDst === addr || oldDst === operand) [oldValue, newValue, output] = [REG_E0, REG_E1, oldDst];
  else [oldValue, newValue, output] = [oldDst, REG_E0, null];

  emit(basic({ op: 'load', kind: is64 ? 'u64' : 'i32', dst: oldValue, base: addr, offset: 0 }));
  const alu = (k32: AluKind, k64: AluKind, src1: RegImm, src2: RegImm): void =>
    emit(basic({ op: 'alu', kind: is64 ? k64 : k32, dst: newValue, src1, src2 }));
  switch (kind) {
    case 'swap': alu('add32', 'add64', operandValue, imm(0)); break;
    case 'add': alu('add32', 'add64', reg(oldValue), operandValue); break;
    case 'and': alu('and32', 'and64', reg(oldValue), operandValue); break;
    case 'or': alu('or32', 'or64', reg(oldValue), operandValue); break;
    case 'xor': alu('xor32', 'xor64', reg(oldValue), operandValue); break;
    default: {
      // new = min/max(old, operand) via: tmp = (x < y); new = old; if tmp == 0 then new = operand
      const signed = kind === 'max' || kind === 'min';
      const lessThan: AluKind = signed ? (is64 ? 'slt64' : 'slt32') : is64 ? 'sltu64' : 'sltu32';
      const [left, right] = kind === 'min' || kind === 'minu' ? [reg(oldValue), operandValue] : [operandValue, reg(oldValue)];
      emit(basic({ op: 'alu', kind: lessThan, dst: REG_E2, src1: left, src2: right }));
      emit(basic({ op: 'move', dst: newValue, src: oldValue }));
      emit(basic({ op: 'cmov', ifZero: true, dst: newValue, src: operandValue, cond: REG_E2 }));
    }
  }
  emit(basic({ op: 'store', kind: is64 ? 'u64' : 'u32', src: reg(newValue), base: addr, offset: 0 }));
  if (output !== null) emit(basic({ op: 'move', dst: output, src: oldValue }));
}
