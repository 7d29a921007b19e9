/**
 * The interpreter's execution loop: dispatches pre-decoded handlers until an interruption.
 *
 * Written for V8: one monomorphic function, typed arrays for registers and operands, no allocation per
 * instruction, registers as (low, high) int32 pairs, and memory accesses that hit a resident region inline.
 */
import { H, UNRESOLVED_BRANCH_DELTA } from './handlers.js';
import {
  bswap32,
  ctz32,
  divRem64,
  divs32,
  divu32,
  mul64,
  mulh32,
  mulHigh64,
  mulhsu32,
  mulhu32,
  popcount32,
  rems32,
  remu32,
  rol32,
  ror32,
  ror64,
  sar64,
  shl64,
  shr64,
} from './int64.js';
import { Exit, GasMode, type InterpreterInstance } from './interpreter-instance.js';
import { LOAD_FAULT } from './memory.js';

/** a < b for signed 64-bit (al, ah), (bl, bh). */
function lt64(al: number, ah: number, bl: number, bh: number): boolean {
  return ah < bh || (ah === bh && al >>> 0 < bl >>> 0);
}

/** a < b for unsigned 64-bit. */
function ltu64(al: number, ah: number, bl: number, bh: number): boolean {
  return ah >>> 0 < bh >>> 0 || (ah === bh && al >>> 0 < bl >>> 0);
}

export function execute(vm: InterpreterInstance): Exit {
  const lo = vm.lo;
  const hi = vm.hi;
  const mem = vm.memory;
  const cc = vm.compiled;
  let ops = cc.ops;
  let A0 = cc.a0;
  let A1 = cc.a1;
  let A2 = cc.a2;
  let A3 = cc.a3;
  let i = vm.nextIndex;
  let gas = vm.gas;

  for (;;) {
    switch (ops[i]) {
      // ----------------------------------------------------------------- control
      case H.STEP: {
        const pc = cc.pcs[i]!;
        vm.gas = gas;
        vm.programCounter = pc;
        vm.programCounterValid = true;
        vm.nextProgramCounter = pc;
        vm.nextProgramCounterChanged = false;
        vm.nextIndex = i + 1;
        return Exit.Step;
      }
      case H.CHARGE_GAS: {
        const next = gas - A0[i]!;
        if (next < 0) {
          vm.gas = gas;
          if (vm.refillGas()) {
            gas = vm.gas;
            continue;
          }
          return vm.notEnoughGas(i, next);
        }
        gas = next;
        i++;
        break;
      }
      case H.TRAP:
        vm.gas = gas;
        return vm.trap(cc.pcs[i]!);
      case H.FALLTHROUGH:
        i++;
        break;
      case H.JUMP:
        i = A0[i]!;
        break;
      case H.UNRESOLVED_JUMP:
      case H.UNRESOLVED_FALLTHROUGH: {
        const isJump = ops[i] === H.UNRESOLVED_JUMP;
        const target = isJump ? cc.resolveJump(A0[i]!) : cc.resolveFallthrough(A0[i]!);
        ops = cc.ops;
        A0 = cc.a0;
        A1 = cc.a1;
        A2 = cc.a2;
        A3 = cc.a3;
        if (target < 0) {
          vm.gas = gas;
          return vm.trap(cc.pcs[i]!);
        }
        if (target === i + 1) {
          ops[i] = H.FALLTHROUGH;
        } else {
          ops[i] = H.JUMP;
          A0[i] = target;
        }
        i = target;
        break;
      }
      case H.LOAD_IMM_AND_JUMP: {
        const value = A1[i]!;
        const ra = A0[i]!;
        lo[ra] = value;
        hi[ra] = value >> 31;
        i = A2[i]!;
        break;
      }
      case H.UNRESOLVED_LOAD_IMM_AND_JUMP: {
        // The return address is written even if the target turns out to be invalid.
        const value = A1[i]!;
        const ra = A0[i]!;
        lo[ra] = value;
        hi[ra] = value >> 31;
        const target = cc.resolveJump(A2[i]!);
        ops = cc.ops;
        A0 = cc.a0;
        A1 = cc.a1;
        A2 = cc.a2;
        A3 = cc.a3;
        if (target < 0) {
          vm.gas = gas;
          return vm.trap(cc.pcs[i]!);
        }
        ops[i] = H.LOAD_IMM_AND_JUMP;
        A2[i] = target;
        i = target;
        break;
      }
      case H.JUMP_INDIRECT:
      case H.LOAD_IMM_AND_JUMP_INDIRECT: {
        let address: number;
        if (ops[i] === H.JUMP_INDIRECT) {
          address = (lo[A0[i]!]! + A1[i]!) >>> 0;
        } else {
          // The address uses the base register's value from before `ra` is written.
          address = (lo[A1[i]!]! + A3[i]!) >>> 0;
          const value = A2[i]!;
          const ra = A0[i]!;
          lo[ra] = value;
          hi[ra] = value >> 31;
        }
        const target = vm.resolveIndirectJump(address);
        ops = cc.ops;
        A0 = cc.a0;
        A1 = cc.a1;
        A2 = cc.a2;
        A3 = cc.a3;
        if (target < 0) {
          vm.gas = gas;
          return target === -2 ? vm.finish() : vm.trap(cc.pcs[i]!);
        }
        i = target;
        break;
      }
      case H.ECALLI:
        vm.gas = gas;
        vm.programCounter = cc.pcs[i]!;
        vm.programCounterValid = true;
        vm.nextProgramCounter = A1[i]!;
        vm.nextProgramCounterChanged = true;
        vm.nextIndex = i + 1;
        vm.hostcall = A0[i]! >>> 0;
        return Exit.Ecalli;
      case H.SBRK:
        vm.sbrk(A0[i]!, A1[i]!);
        i++;
        break;
      case H.MEMSET: {
        vm.gas = gas;
        const exit = memset(vm, i);
        gas = vm.gas;
        if (exit >= 0) return exit;
        i++;
        break;
      }

      // ----------------------------------------------------------------- loads
      case H.LOAD_U8:
      case H.LOAD_I8: {
        const address = (lo[A1[i]!]! + A2[i]!) >>> 0;
        let o = address - mem.rwBase;
        let v: number;
        if (o >= 0 && o < mem.rwLen) v = mem.rwView.getUint8(o);
        else if ((o = address - mem.stackBase) >= 0 && o < mem.stackLen) v = mem.stackView.getUint8(o);
        else if ((o = address - mem.roBase) >= 0 && o < mem.roLen) v = mem.roView.getUint8(o);
        else if ((v = mem.slowLoad(address, 1)) === LOAD_FAULT) {
          vm.gas = gas;
          return vm.memoryFault(i);
        }
        if (ops[i] === H.LOAD_I8) v = (v << 24) >> 24;
        const d = A0[i]!;
        lo[d] = v;
        hi[d] = v >> 31;
        i++;
        break;
      }
      case H.LOAD_U16:
      case H.LOAD_I16: {
        const address = (lo[A1[i]!]! + A2[i]!) >>> 0;
        let o = address - mem.rwBase;
        let v: number;
        if (o >= 0 && o <= mem.rwLen - 2) v = mem.rwView.getUint16(o, true);
        else if ((o = address - mem.stackBase) >= 0 && o <= mem.stackLen - 2) v = mem.stackView.getUint16(o, true);
        else if ((o = address - mem.roBase) >= 0 && o <= mem.roLen - 2) v = mem.roView.getUint16(o, true);
        else if ((v = mem.slowLoad(address, 2)) === LOAD_FAULT) {
          vm.gas = gas;
          return vm.memoryFault(i);
        }
        if (ops[i] === H.LOAD_I16) v = (v << 16) >> 16;
        const d = A0[i]!;
        lo[d] = v;
        hi[d] = v >> 31;
        i++;
        break;
      }
      case H.LOAD_U32:
      case H.LOAD_I32: {
        const address = (lo[A1[i]!]! + A2[i]!) >>> 0;
        let o = address - mem.rwBase;
        let v: number;
        if (o >= 0 && o <= mem.rwLen - 4) v = mem.rwView.getInt32(o, true);
        else if ((o = address - mem.stackBase) >= 0 && o <= mem.stackLen - 4) v = mem.stackView.getInt32(o, true);
        else if ((o = address - mem.roBase) >= 0 && o <= mem.roLen - 4) v = mem.roView.getInt32(o, true);
        else if ((v = mem.slowLoad(address, 4)) === LOAD_FAULT) {
          vm.gas = gas;
          return vm.memoryFault(i);
        } else v |= 0;
        const d = A0[i]!;
        lo[d] = v;
        hi[d] = ops[i] === H.LOAD_I32 ? v >> 31 : 0;
        i++;
        break;
      }
      case H.LOAD_U64: {
        const address = (lo[A1[i]!]! + A2[i]!) >>> 0;
        let o = address - mem.rwBase;
        let v: number;
        let h: number;
        if (o >= 0 && o <= mem.rwLen - 8) {
          v = mem.rwView.getInt32(o, true);
          h = mem.rwView.getInt32(o + 4, true);
        } else if ((o = address - mem.stackBase) >= 0 && o <= mem.stackLen - 8) {
          v = mem.stackView.getInt32(o, true);
          h = mem.stackView.getInt32(o + 4, true);
        } else if ((o = address - mem.roBase) >= 0 && o <= mem.roLen - 8) {
          v = mem.roView.getInt32(o, true);
          h = mem.roView.getInt32(o + 4, true);
        } else if ((v = mem.slowLoad(address, 8)) === LOAD_FAULT) {
          vm.gas = gas;
          return vm.memoryFault(i);
        } else {
          v |= 0;
          h = mem.loadHigh;
        }
        const d = A0[i]!;
        lo[d] = v;
        hi[d] = h;
        i++;
        break;
      }

      // ----------------------------------------------------------------- stores
      case H.STORE_U8:
      case H.STORE_IMM_U8: {
        let address: number;
        let v: number;
        if (ops[i] === H.STORE_U8) {
          address = (lo[A1[i]!]! + A2[i]!) >>> 0;
          v = lo[A0[i]!]!;
        } else {
          address = (lo[A0[i]!]! + A1[i]!) >>> 0;
          v = A2[i]!;
        }
        let o = address - mem.rwBase;
        if (o >= 0 && o < mem.rwLen) mem.rwView.setUint8(o, v);
        else if ((o = address - mem.stackBase) >= 0 && o < mem.stackLen) mem.stackView.setUint8(o, v);
        else if (!mem.slowStore(address, 1, v, 0)) {
          vm.gas = gas;
          return vm.memoryFault(i);
        }
        i++;
        break;
      }
      case H.STORE_U16:
      case H.STORE_IMM_U16: {
        let address: number;
        let v: number;
        if (ops[i] === H.STORE_U16) {
          address = (lo[A1[i]!]! + A2[i]!) >>> 0;
          v = lo[A0[i]!]!;
        } else {
          address = (lo[A0[i]!]! + A1[i]!) >>> 0;
          v = A2[i]!;
        }
        let o = address - mem.rwBase;
        if (o >= 0 && o <= mem.rwLen - 2) mem.rwView.setUint16(o, v, true);
        else if ((o = address - mem.stackBase) >= 0 && o <= mem.stackLen - 2) mem.stackView.setUint16(o, v, true);
        else if (!mem.slowStore(address, 2, v, 0)) {
          vm.gas = gas;
          return vm.memoryFault(i);
        }
        i++;
        break;
      }
      case H.STORE_U32:
      case H.STORE_IMM_U32: {
        let address: number;
        let v: number;
        if (ops[i] === H.STORE_U32) {
          address = (lo[A1[i]!]! + A2[i]!) >>> 0;
          v = lo[A0[i]!]!;
        } else {
          address = (lo[A0[i]!]! + A1[i]!) >>> 0;
          v = A2[i]!;
        }
        let o = address - mem.rwBase;
        if (o >= 0 && o <= mem.rwLen - 4) mem.rwView.setInt32(o, v, true);
        else if ((o = address - mem.stackBase) >= 0 && o <= mem.stackLen - 4) mem.stackView.setInt32(o, v, true);
        else if (!mem.slowStore(address, 4, v, 0)) {
          vm.gas = gas;
          return vm.memoryFault(i);
        }
        i++;
        break;
      }
      case H.STORE_U64:
      case H.STORE_IMM_U64: {
        let address: number;
        let v: number;
        let h: number;
        if (ops[i] === H.STORE_U64) {
          address = (lo[A1[i]!]! + A2[i]!) >>> 0;
          v = lo[A0[i]!]!;
          h = hi[A0[i]!]!;
        } else {
          address = (lo[A0[i]!]! + A1[i]!) >>> 0;
          v = A2[i]!;
          h = v >> 31;
        }
        let o = address - mem.rwBase;
        if (o >= 0 && o <= mem.rwLen - 8) {
          mem.rwView.setInt32(o, v, true);
          mem.rwView.setInt32(o + 4, h, true);
        } else if ((o = address - mem.stackBase) >= 0 && o <= mem.stackLen - 8) {
          mem.stackView.setInt32(o, v, true);
          mem.stackView.setInt32(o + 4, h, true);
        } else if (!mem.slowStore(address, 8, v, h)) {
          vm.gas = gas;
          return vm.memoryFault(i);
        }
        i++;
        break;
      }

      // ----------------------------------------------------------------- moves
      case H.MOVE_REG: {
        const d = A0[i]!;
        const s = A1[i]!;
        lo[d] = lo[s]!;
        hi[d] = hi[s]!;
        i++;
        break;
      }
      case H.LOAD_IMM: {
        const d = A0[i]!;
        const v = A1[i]!;
        lo[d] = v;
        hi[d] = v >> 31;
        i++;
        break;
      }
      case H.LOAD_IMM64: {
        const d = A0[i]!;
        lo[d] = A1[i]!;
        hi[d] = A2[i]!;
        i++;
        break;
      }

      // ----------------------------------------------------------------- 32-bit arithmetic (sign-extended result)
      case H.ADD_32: {
        const v = (lo[A1[i]!]! + lo[A2[i]!]!) | 0;
        const d = A0[i]!;
        lo[d] = v;
        hi[d] = v >> 31;
        i++;
        break;
      }
      case H.SUB_32: {
        const v = (lo[A1[i]!]! - lo[A2[i]!]!) | 0;
        const d = A0[i]!;
        lo[d] = v;
        hi[d] = v >> 31;
        i++;
        break;
      }
      case H.MUL_32: {
        const v = Math.imul(lo[A1[i]!]!, lo[A2[i]!]!);
        const d = A0[i]!;
        lo[d] = v;
        hi[d] = v >> 31;
        i++;
        break;
      }
      case H.DIV_U_32:
      case H.DIV_S_32:
      case H.REM_U_32:
      case H.REM_S_32:
      case H.MULH_SS_32:
      case H.MULH_UU_32:
      case H.MULH_SU_32: {
        const a = lo[A1[i]!]!;
        const b = lo[A2[i]!]!;
        let v: number;
        switch (ops[i]) {
          case H.DIV_U_32:
            v = divu32(a, b);
            break;
          case H.DIV_S_32:
            v = divs32(a, b);
            break;
          case H.REM_U_32:
            v = remu32(a, b);
            break;
          case H.REM_S_32:
            v = rems32(a, b);
            break;
          case H.MULH_SS_32:
            v = mulh32(a, b);
            break;
          case H.MULH_UU_32:
            v = mulhu32(a, b);
            break;
          default:
            v = mulhsu32(a, b);
        }
        const d = A0[i]!;
        lo[d] = v;
        hi[d] = v >> 31;
        i++;
        break;
      }
      case H.SHL_32: {
        const v = lo[A1[i]!]! << lo[A2[i]!]!;
        const d = A0[i]!;
        lo[d] = v;
        hi[d] = v >> 31;
        i++;
        break;
      }
      case H.SHR_32: {
        const v = (lo[A1[i]!]! >>> lo[A2[i]!]!) | 0;
        const d = A0[i]!;
        lo[d] = v;
        hi[d] = v >> 31;
        i++;
        break;
      }
      case H.SAR_32: {
        const v = lo[A1[i]!]! >> lo[A2[i]!]!;
        const d = A0[i]!;
        lo[d] = v;
        hi[d] = v >> 31;
        i++;
        break;
      }
      case H.ROL_32: {
        const v = rol32(lo[A1[i]!]!, lo[A2[i]!]!);
        const d = A0[i]!;
        lo[d] = v;
        hi[d] = v >> 31;
        i++;
        break;
      }
      case H.ROR_32: {
        const v = ror32(lo[A1[i]!]!, lo[A2[i]!]!);
        const d = A0[i]!;
        lo[d] = v;
        hi[d] = v >> 31;
        i++;
        break;
      }

      // ----------------------------------------------------------------- 64-bit arithmetic
      case H.ADD_64: {
        const a = A1[i]!;
        const b = A2[i]!;
        const al = lo[a]!;
        const v = (al + lo[b]!) | 0;
        const d = A0[i]!;
        hi[d] = (hi[a]! + hi[b]! + (v >>> 0 < al >>> 0 ? 1 : 0)) | 0;
        lo[d] = v;
        i++;
        break;
      }
      case H.SUB_64: {
        const a = A1[i]!;
        const b = A2[i]!;
        const al = lo[a]!;
        const bl = lo[b]!;
        const d = A0[i]!;
        hi[d] = (hi[a]! - hi[b]! - (al >>> 0 < bl >>> 0 ? 1 : 0)) | 0;
        lo[d] = (al - bl) | 0;
        i++;
        break;
      }
      case H.MUL_64: {
        const a = A1[i]!;
        const b = A2[i]!;
        mul64(lo, hi, A0[i]!, lo[a]!, hi[a]!, lo[b]!, hi[b]!);
        i++;
        break;
      }
      case H.DIV_U_64:
      case H.DIV_S_64:
      case H.REM_U_64:
      case H.REM_S_64: {
        const a = A1[i]!;
        const b = A2[i]!;
        const op = ops[i]!;
        divRem64(lo, hi, A0[i]!, lo[a]!, hi[a]!, lo[b]!, hi[b]!, op === H.DIV_S_64 || op === H.REM_S_64, op >= H.REM_U_64);
        i++;
        break;
      }
      case H.MULH_SS_64:
      case H.MULH_UU_64:
      case H.MULH_SU_64: {
        const a = A1[i]!;
        const b = A2[i]!;
        const op = ops[i]!;
        mulHigh64(lo, hi, A0[i]!, lo[a]!, hi[a]!, lo[b]!, hi[b]!, op !== H.MULH_UU_64, op === H.MULH_SS_64);
        i++;
        break;
      }
      case H.SHL_64: {
        const a = A1[i]!;
        shl64(lo, hi, A0[i]!, lo[a]!, hi[a]!, lo[A2[i]!]!);
        i++;
        break;
      }
      case H.SHR_64: {
        const a = A1[i]!;
        shr64(lo, hi, A0[i]!, lo[a]!, hi[a]!, lo[A2[i]!]!);
        i++;
        break;
      }
      case H.SAR_64: {
        const a = A1[i]!;
        sar64(lo, hi, A0[i]!, lo[a]!, hi[a]!, lo[A2[i]!]!);
        i++;
        break;
      }
      case H.ROL_64: {
        const a = A1[i]!;
        ror64(lo, hi, A0[i]!, lo[a]!, hi[a]!, -lo[A2[i]!]!);
        i++;
        break;
      }
      case H.ROR_64: {
        const a = A1[i]!;
        ror64(lo, hi, A0[i]!, lo[a]!, hi[a]!, lo[A2[i]!]!);
        i++;
        break;
      }

      // ----------------------------------------------------------------- bitwise (64-bit; exact on 32-bit programs too)
      case H.AND: {
        const a = A1[i]!;
        const b = A2[i]!;
        const d = A0[i]!;
        lo[d] = lo[a]! & lo[b]!;
        hi[d] = hi[a]! & hi[b]!;
        i++;
        break;
      }
      case H.XOR: {
        const a = A1[i]!;
        const b = A2[i]!;
        const d = A0[i]!;
        lo[d] = lo[a]! ^ lo[b]!;
        hi[d] = hi[a]! ^ hi[b]!;
        i++;
        break;
      }
      case H.OR: {
        const a = A1[i]!;
        const b = A2[i]!;
        const d = A0[i]!;
        lo[d] = lo[a]! | lo[b]!;
        hi[d] = hi[a]! | hi[b]!;
        i++;
        break;
      }
      case H.AND_INV: {
        const a = A1[i]!;
        const b = A2[i]!;
        const d = A0[i]!;
        lo[d] = lo[a]! & ~lo[b]!;
        hi[d] = hi[a]! & ~hi[b]!;
        i++;
        break;
      }
      case H.OR_INV: {
        const a = A1[i]!;
        const b = A2[i]!;
        const d = A0[i]!;
        lo[d] = lo[a]! | ~lo[b]!;
        hi[d] = hi[a]! | ~hi[b]!;
        i++;
        break;
      }
      case H.XNOR: {
        const a = A1[i]!;
        const b = A2[i]!;
        const d = A0[i]!;
        lo[d] = ~(lo[a]! ^ lo[b]!);
        hi[d] = ~(hi[a]! ^ hi[b]!);
        i++;
        break;
      }
      case H.SLT_U: {
        const a = A1[i]!;
        const b = A2[i]!;
        const d = A0[i]!;
        lo[d] = ltu64(lo[a]!, hi[a]!, lo[b]!, hi[b]!) ? 1 : 0;
        hi[d] = 0;
        i++;
        break;
      }
      case H.SLT_S: {
        const a = A1[i]!;
        const b = A2[i]!;
        const d = A0[i]!;
        lo[d] = lt64(lo[a]!, hi[a]!, lo[b]!, hi[b]!) ? 1 : 0;
        hi[d] = 0;
        i++;
        break;
      }
      case H.CMOV_Z: {
        const c = A2[i]!;
        if ((lo[c]! | hi[c]!) === 0) {
          const s = A1[i]!;
          const d = A0[i]!;
          lo[d] = lo[s]!;
          hi[d] = hi[s]!;
        }
        i++;
        break;
      }
      case H.CMOV_NZ: {
        const c = A2[i]!;
        if ((lo[c]! | hi[c]!) !== 0) {
          const s = A1[i]!;
          const d = A0[i]!;
          lo[d] = lo[s]!;
          hi[d] = hi[s]!;
        }
        i++;
        break;
      }
      case H.MAX:
      case H.MAX_U:
      case H.MIN:
      case H.MIN_U: {
        const a = A1[i]!;
        const b = A2[i]!;
        const op = ops[i]!;
        const aLess =
          op === H.MAX || op === H.MIN ? lt64(lo[a]!, hi[a]!, lo[b]!, hi[b]!) : ltu64(lo[a]!, hi[a]!, lo[b]!, hi[b]!);
        const pick = (op === H.MAX || op === H.MAX_U) === aLess ? b : a;
        const d = A0[i]!;
        lo[d] = lo[pick]!;
        hi[d] = hi[pick]!;
        i++;
        break;
      }

      // ----------------------------------------------------------------- register and immediate
      case H.ADD_IMM_32: {
        const v = (lo[A1[i]!]! + A2[i]!) | 0;
        const d = A0[i]!;
        lo[d] = v;
        hi[d] = v >> 31;
        i++;
        break;
      }
      case H.ADD_IMM_64: {
        const a = A1[i]!;
        const imm = A2[i]!;
        const al = lo[a]!;
        const v = (al + imm) | 0;
        const d = A0[i]!;
        hi[d] = (hi[a]! + (imm >> 31) + (v >>> 0 < al >>> 0 ? 1 : 0)) | 0;
        lo[d] = v;
        i++;
        break;
      }
      case H.MUL_IMM_32: {
        const v = Math.imul(lo[A1[i]!]!, A2[i]!);
        const d = A0[i]!;
        lo[d] = v;
        hi[d] = v >> 31;
        i++;
        break;
      }
      case H.MUL_IMM_64: {
        const a = A1[i]!;
        const imm = A2[i]!;
        mul64(lo, hi, A0[i]!, lo[a]!, hi[a]!, imm, imm >> 31);
        i++;
        break;
      }
      case H.AND_IMM: {
        const a = A1[i]!;
        const imm = A2[i]!;
        const d = A0[i]!;
        lo[d] = lo[a]! & imm;
        hi[d] = hi[a]! & (imm >> 31);
        i++;
        break;
      }
      case H.XOR_IMM: {
        const a = A1[i]!;
        const imm = A2[i]!;
        const d = A0[i]!;
        lo[d] = lo[a]! ^ imm;
        hi[d] = hi[a]! ^ (imm >> 31);
        i++;
        break;
      }
      case H.OR_IMM: {
        const a = A1[i]!;
        const imm = A2[i]!;
        const d = A0[i]!;
        lo[d] = lo[a]! | imm;
        hi[d] = hi[a]! | (imm >> 31);
        i++;
        break;
      }
      case H.SLT_U_IMM:
      case H.SLT_S_IMM:
      case H.SGT_U_IMM:
      case H.SGT_S_IMM: {
        const a = A1[i]!;
        const imm = A2[i]!;
        const al = lo[a]!;
        const ah = hi[a]!;
        const ih = imm >> 31;
        let r: boolean;
        switch (ops[i]) {
          case H.SLT_U_IMM:
            r = ltu64(al, ah, imm, ih);
            break;
          case H.SLT_S_IMM:
            r = lt64(al, ah, imm, ih);
            break;
          case H.SGT_U_IMM:
            r = ltu64(imm, ih, al, ah);
            break;
          default:
            r = lt64(imm, ih, al, ah);
        }
        const d = A0[i]!;
        lo[d] = r ? 1 : 0;
        hi[d] = 0;
        i++;
        break;
      }
      case H.SHL_IMM_32: {
        const v = lo[A1[i]!]! << A2[i]!;
        const d = A0[i]!;
        lo[d] = v;
        hi[d] = v >> 31;
        i++;
        break;
      }
      case H.SHR_IMM_32: {
        const v = (lo[A1[i]!]! >>> A2[i]!) | 0;
        const d = A0[i]!;
        lo[d] = v;
        hi[d] = v >> 31;
        i++;
        break;
      }
      case H.SAR_IMM_32: {
        const v = lo[A1[i]!]! >> A2[i]!;
        const d = A0[i]!;
        lo[d] = v;
        hi[d] = v >> 31;
        i++;
        break;
      }
      case H.SHL_IMM_ALT_32: {
        const v = A2[i]! << lo[A1[i]!]!;
        const d = A0[i]!;
        lo[d] = v;
        hi[d] = v >> 31;
        i++;
        break;
      }
      case H.SHR_IMM_ALT_32: {
        const v = (A2[i]! >>> lo[A1[i]!]!) | 0;
        const d = A0[i]!;
        lo[d] = v;
        hi[d] = v >> 31;
        i++;
        break;
      }
      case H.SAR_IMM_ALT_32: {
        const v = A2[i]! >> lo[A1[i]!]!;
        const d = A0[i]!;
        lo[d] = v;
        hi[d] = v >> 31;
        i++;
        break;
      }
      case H.SHL_IMM_64: {
        const a = A1[i]!;
        shl64(lo, hi, A0[i]!, lo[a]!, hi[a]!, A2[i]!);
        i++;
        break;
      }
      case H.SHR_IMM_64: {
        const a = A1[i]!;
        shr64(lo, hi, A0[i]!, lo[a]!, hi[a]!, A2[i]!);
        i++;
        break;
      }
      case H.SAR_IMM_64: {
        const a = A1[i]!;
        sar64(lo, hi, A0[i]!, lo[a]!, hi[a]!, A2[i]!);
        i++;
        break;
      }
      case H.SHL_IMM_ALT_64: {
        const imm = A2[i]!;
        shl64(lo, hi, A0[i]!, imm, imm >> 31, lo[A1[i]!]!);
        i++;
        break;
      }
      case H.SHR_IMM_ALT_64: {
        const imm = A2[i]!;
        shr64(lo, hi, A0[i]!, imm, imm >> 31, lo[A1[i]!]!);
        i++;
        break;
      }
      case H.SAR_IMM_ALT_64: {
        const imm = A2[i]!;
        sar64(lo, hi, A0[i]!, imm, imm >> 31, lo[A1[i]!]!);
        i++;
        break;
      }
      case H.NEG_ADD_IMM_32: {
        const v = (A2[i]! - lo[A1[i]!]!) | 0;
        const d = A0[i]!;
        lo[d] = v;
        hi[d] = v >> 31;
        i++;
        break;
      }
      case H.NEG_ADD_IMM_64: {
        const a = A1[i]!;
        const imm = A2[i]!;
        const al = lo[a]!;
        const d = A0[i]!;
        hi[d] = ((imm >> 31) - hi[a]! - (imm >>> 0 < al >>> 0 ? 1 : 0)) | 0;
        lo[d] = (imm - al) | 0;
        i++;
        break;
      }
      case H.CMOV_Z_IMM: {
        const c = A1[i]!;
        if ((lo[c]! | hi[c]!) === 0) {
          const v = A2[i]!;
          const d = A0[i]!;
          lo[d] = v;
          hi[d] = v >> 31;
        }
        i++;
        break;
      }
      case H.CMOV_NZ_IMM: {
        const c = A1[i]!;
        if ((lo[c]! | hi[c]!) !== 0) {
          const v = A2[i]!;
          const d = A0[i]!;
          lo[d] = v;
          hi[d] = v >> 31;
        }
        i++;
        break;
      }
      case H.ROR_IMM_32: {
        const v = ror32(lo[A1[i]!]!, A2[i]!);
        const d = A0[i]!;
        lo[d] = v;
        hi[d] = v >> 31;
        i++;
        break;
      }
      case H.ROR_IMM_ALT_32: {
        const v = ror32(A2[i]!, lo[A1[i]!]!);
        const d = A0[i]!;
        lo[d] = v;
        hi[d] = v >> 31;
        i++;
        break;
      }
      case H.ROR_IMM_64: {
        const a = A1[i]!;
        ror64(lo, hi, A0[i]!, lo[a]!, hi[a]!, A2[i]!);
        i++;
        break;
      }
      case H.ROR_IMM_ALT_64: {
        const imm = A2[i]!;
        ror64(lo, hi, A0[i]!, imm, imm >> 31, lo[A1[i]!]!);
        i++;
        break;
      }

      // ----------------------------------------------------------------- two registers
      case H.CLZ_32:
      case H.CTZ_32:
      case H.POPCNT_32:
      case H.CLZ_64:
      case H.CTZ_64:
      case H.POPCNT_64: {
        const s = A1[i]!;
        const l = lo[s]!;
        const h = hi[s]!;
        let v: number;
        switch (ops[i]) {
          case H.CLZ_32:
            v = Math.clz32(l);
            break;
          case H.CTZ_32:
            v = ctz32(l);
            break;
          case H.POPCNT_32:
            v = popcount32(l);
            break;
          case H.CLZ_64:
            v = h !== 0 ? Math.clz32(h) : 32 + Math.clz32(l);
            break;
          case H.CTZ_64:
            v = l !== 0 ? ctz32(l) : 32 + ctz32(h);
            break;
          default:
            v = popcount32(l) + popcount32(h);
        }
        const d = A0[i]!;
        lo[d] = v;
        hi[d] = 0;
        i++;
        break;
      }
      case H.SEXT_8: {
        const v = (lo[A1[i]!]! << 24) >> 24;
        const d = A0[i]!;
        lo[d] = v;
        hi[d] = v >> 31;
        i++;
        break;
      }
      case H.SEXT_16: {
        const v = (lo[A1[i]!]! << 16) >> 16;
        const d = A0[i]!;
        lo[d] = v;
        hi[d] = v >> 31;
        i++;
        break;
      }
      case H.ZEXT_16: {
        const d = A0[i]!;
        lo[d] = lo[A1[i]!]! & 0xffff;
        hi[d] = 0;
        i++;
        break;
      }
      case H.REV_32: {
        const v = bswap32(lo[A1[i]!]!);
        const d = A0[i]!;
        lo[d] = v;
        hi[d] = v >> 31;
        i++;
        break;
      }
      case H.REV_64: {
        const s = A1[i]!;
        const l = lo[s]!;
        const h = hi[s]!;
        const d = A0[i]!;
        lo[d] = bswap32(h);
        hi[d] = bswap32(l);
        i++;
        break;
      }

      // ----------------------------------------------------------------- branches (32-bit programs)
      case H.BR32_EQ:
        i = lo[A0[i]!] === lo[A1[i]!] ? A2[i]! : A3[i]!;
        break;
      case H.BR32_NE:
        i = lo[A0[i]!] !== lo[A1[i]!] ? A2[i]! : A3[i]!;
        break;
      case H.BR32_LT_U:
        i = lo[A0[i]!]! >>> 0 < lo[A1[i]!]! >>> 0 ? A2[i]! : A3[i]!;
        break;
      case H.BR32_LT_S:
        i = lo[A0[i]!]! < lo[A1[i]!]! ? A2[i]! : A3[i]!;
        break;
      case H.BR32_GE_U:
        i = lo[A0[i]!]! >>> 0 >= lo[A1[i]!]! >>> 0 ? A2[i]! : A3[i]!;
        break;
      case H.BR32_GE_S:
        i = lo[A0[i]!]! >= lo[A1[i]!]! ? A2[i]! : A3[i]!;
        break;
      case H.BR32_EQ_IMM:
        i = lo[A0[i]!] === A1[i] ? A2[i]! : A3[i]!;
        break;
      case H.BR32_NE_IMM:
        i = lo[A0[i]!] !== A1[i] ? A2[i]! : A3[i]!;
        break;
      case H.BR32_LT_U_IMM:
        i = lo[A0[i]!]! >>> 0 < A1[i]! >>> 0 ? A2[i]! : A3[i]!;
        break;
      case H.BR32_LE_U_IMM:
        i = lo[A0[i]!]! >>> 0 <= A1[i]! >>> 0 ? A2[i]! : A3[i]!;
        break;
      case H.BR32_GE_U_IMM:
        i = lo[A0[i]!]! >>> 0 >= A1[i]! >>> 0 ? A2[i]! : A3[i]!;
        break;
      case H.BR32_GT_U_IMM:
        i = lo[A0[i]!]! >>> 0 > A1[i]! >>> 0 ? A2[i]! : A3[i]!;
        break;
      case H.BR32_LT_S_IMM:
        i = lo[A0[i]!]! < A1[i]! ? A2[i]! : A3[i]!;
        break;
      case H.BR32_LE_S_IMM:
        i = lo[A0[i]!]! <= A1[i]! ? A2[i]! : A3[i]!;
        break;
      case H.BR32_GE_S_IMM:
        i = lo[A0[i]!]! >= A1[i]! ? A2[i]! : A3[i]!;
        break;
      case H.BR32_GT_S_IMM:
        i = lo[A0[i]!]! > A1[i]! ? A2[i]! : A3[i]!;
        break;

      // ----------------------------------------------------------------- branches (64-bit)
      case H.BR_EQ: {
        const a = A0[i]!;
        const b = A1[i]!;
        i = lo[a] === lo[b] && hi[a] === hi[b] ? A2[i]! : A3[i]!;
        break;
      }
      case H.BR_NE: {
        const a = A0[i]!;
        const b = A1[i]!;
        i = lo[a] !== lo[b] || hi[a] !== hi[b] ? A2[i]! : A3[i]!;
        break;
      }
      case H.BR_LT_U: {
        const a = A0[i]!;
        const b = A1[i]!;
        i = ltu64(lo[a]!, hi[a]!, lo[b]!, hi[b]!) ? A2[i]! : A3[i]!;
        break;
      }
      case H.BR_LT_S: {
        const a = A0[i]!;
        const b = A1[i]!;
        i = lt64(lo[a]!, hi[a]!, lo[b]!, hi[b]!) ? A2[i]! : A3[i]!;
        break;
      }
      case H.BR_GE_U: {
        const a = A0[i]!;
        const b = A1[i]!;
        i = ltu64(lo[a]!, hi[a]!, lo[b]!, hi[b]!) ? A3[i]! : A2[i]!;
        break;
      }
      case H.BR_GE_S: {
        const a = A0[i]!;
        const b = A1[i]!;
        i = lt64(lo[a]!, hi[a]!, lo[b]!, hi[b]!) ? A3[i]! : A2[i]!;
        break;
      }
      case H.BR_EQ_IMM: {
        const a = A0[i]!;
        const imm = A1[i]!;
        i = lo[a] === imm && hi[a] === imm >> 31 ? A2[i]! : A3[i]!;
        break;
      }
      case H.BR_NE_IMM: {
        const a = A0[i]!;
        const imm = A1[i]!;
        i = lo[a] !== imm || hi[a] !== imm >> 31 ? A2[i]! : A3[i]!;
        break;
      }
      case H.BR_LT_U_IMM: {
        const a = A0[i]!;
        const imm = A1[i]!;
        i = ltu64(lo[a]!, hi[a]!, imm, imm >> 31) ? A2[i]! : A3[i]!;
        break;
      }
      case H.BR_LE_U_IMM: {
        const a = A0[i]!;
        const imm = A1[i]!;
        i = ltu64(imm, imm >> 31, lo[a]!, hi[a]!) ? A3[i]! : A2[i]!;
        break;
      }
      case H.BR_GE_U_IMM: {
        const a = A0[i]!;
        const imm = A1[i]!;
        i = ltu64(lo[a]!, hi[a]!, imm, imm >> 31) ? A3[i]! : A2[i]!;
        break;
      }
      case H.BR_GT_U_IMM: {
        const a = A0[i]!;
        const imm = A1[i]!;
        i = ltu64(imm, imm >> 31, lo[a]!, hi[a]!) ? A2[i]! : A3[i]!;
        break;
      }
      case H.BR_LT_S_IMM: {
        const a = A0[i]!;
        const imm = A1[i]!;
        i = lt64(lo[a]!, hi[a]!, imm, imm >> 31) ? A2[i]! : A3[i]!;
        break;
      }
      case H.BR_LE_S_IMM: {
        const a = A0[i]!;
        const imm = A1[i]!;
        i = lt64(imm, imm >> 31, lo[a]!, hi[a]!) ? A3[i]! : A2[i]!;
        break;
      }
      case H.BR_GE_S_IMM: {
        const a = A0[i]!;
        const imm = A1[i]!;
        i = lt64(lo[a]!, hi[a]!, imm, imm >> 31) ? A3[i]! : A2[i]!;
        break;
      }
      case H.BR_GT_S_IMM: {
        const a = A0[i]!;
        const imm = A1[i]!;
        i = lt64(imm, imm >> 31, lo[a]!, hi[a]!) ? A2[i]! : A3[i]!;
        break;
      }

      default: {
        // Unresolved branches: resolve both edges once, then run as the resolved branch.
        const op = ops[i]!;
        if (op < H.U_BR_EQ || op > H.U_LAST_BRANCH) {
          throw new Error(`internal error: unknown interpreter handler ${op}`);
        }
        const takenPc = A2[i]!;
        const notTakenPc = A3[i]!;
        const taken = cc.resolveJump(takenPc);
        const notTaken = cc.resolveJump(notTakenPc);
        ops = cc.ops;
        A0 = cc.a0;
        A1 = cc.a1;
        A2 = cc.a2;
        A3 = cc.a3;
        if (taken < 0 || notTaken < 0) {
          // Not reachable with validated targets; the reference traps at the fall-through edge here.
          vm.gas = gas;
          return vm.trap(notTakenPc);
        }
        ops[i] = op - UNRESOLVED_BRANCH_DELTA;
        A2[i] = taken;
        A3[i] = notTaken;
        break;
      }
    }
  }
}

/**
 * `memset`: fills `a2` bytes at `a0` with the low byte of `a1`, one byte at a time, charging 1 gas per byte.
 * Returns -1 to continue, or an exit. On any exit `a0`/`a2` reflect the bytes written so far, so resuming
 * continues where it stopped.
 */
function memset(vm: InterpreterInstance, index: number): number {
  const { lo, hi, memory } = vm;
  const metered = vm.gasMode !== GasMode.None;
  const value = lo[8]! & 0xff;
  const start = lo[7]! >>> 0;
  let count = lo[9]! >>> 0;
  let address = start;
  let exit = -1;
  while (count > 0) {
    if (metered && vm.gas === 0 && !vm.refillGas()) {
      exit = vm.notEnoughGas(index, 0);
      break;
    }
    let o = address - memory.rwBase;
    if (o >= 0 && o < memory.rwLen) memory.rwView.setUint8(o, value);
    else if ((o = address - memory.stackBase) >= 0 && o < memory.stackLen) memory.stackView.setUint8(o, value);
    else if (!memory.slowStore(address, 1, value, 0)) {
      exit = vm.memoryFault(index);
      break;
    }
    if (metered) vm.gas -= 1;
    address = (address + 1) >>> 0;
    count--;
  }
  // a0 advances by the bytes written (64-bit add); a2 holds the remaining count.
  const written = (address - start) >>> 0;
  const a0 = lo[7]!;
  const newLow = (a0 + written) | 0;
  if (vm.is64Bit) {
    hi[7] = (hi[7]! + (newLow >>> 0 < a0 >>> 0 ? 1 : 0)) | 0;
  } else {
    hi[7] = newLow >> 31;
  }
  lo[7] = newLow;
  lo[9] = count | 0;
  hi[9] = vm.is64Bit ? 0 : (count | 0) >> 31;
  return exit;
}
