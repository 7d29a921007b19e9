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
  let W = cc.words;
  let X = cc.xs;
  let Y = cc.ys;
  let i = vm.nextIndex;
  let gas = vm.gas;
  // Resident memory windows (see GuestMemory); refreshed after anything that may grow them.
  let rwBase = mem.rwBase;
  let rwLen = mem.rwLen;
  let rwView = mem.rwView;
  let stBase = mem.stackBase;
  let stLen = mem.stackLen;
  let stView = mem.stackView;
  const roBase = mem.roBase;
  const roLen = mem.roLen;
  let roView = mem.roView;

  for (;;) {
    const w = W[i]!;
    switch (w & 0xff) {
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
        const next = gas - X[i]!;
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
        i = X[i]!;
        break;
      case H.UNRESOLVED_JUMP:
      case H.UNRESOLVED_FALLTHROUGH: {
        const isJump = (w & 0xff) === H.UNRESOLVED_JUMP;
        const target = isJump ? cc.resolveJump(X[i]!) : cc.resolveFallthrough(X[i]!);
        W = cc.words;
        X = cc.xs;
        Y = cc.ys;
        if (target < 0) {
          vm.gas = gas;
          return vm.trap(cc.pcs[i]!);
        }
        if (target === i + 1) {
          W[i] = H.FALLTHROUGH;
        } else {
          W[i] = H.JUMP;
          X[i] = target;
        }
        i = target;
        break;
      }
      case H.LOAD_IMM_AND_JUMP: {
        const value = X[i]!;
        const ra = (w >>> 8) & 15;
        lo[ra] = value;
        hi[ra] = value >> 31;
        i = Y[i]!;
        break;
      }
      case H.UNRESOLVED_LOAD_IMM_AND_JUMP: {
        // The return address is written even if the target turns out to be invalid.
        const value = X[i]!;
        const ra = (w >>> 8) & 15;
        lo[ra] = value;
        hi[ra] = value >> 31;
        const target = cc.resolveJump(Y[i]!);
        W = cc.words;
        X = cc.xs;
        Y = cc.ys;
        if (target < 0) {
          vm.gas = gas;
          return vm.trap(cc.pcs[i]!);
        }
        W[i] = (w & ~0xff) | H.LOAD_IMM_AND_JUMP;
        Y[i] = target;
        i = target;
        break;
      }
      case H.JUMP_INDIRECT:
      case H.LOAD_IMM_AND_JUMP_INDIRECT: {
        let address: number;
        if ((w & 0xff) === H.JUMP_INDIRECT) {
          address = (lo[(w >>> 8) & 15]! + X[i]!) >>> 0;
        } else {
          // The address uses the base register's value from before `ra` is written.
          address = (lo[(w >>> 12) & 15]! + Y[i]!) >>> 0;
          const value = X[i]!;
          const ra = (w >>> 8) & 15;
          lo[ra] = value;
          hi[ra] = value >> 31;
        }
        const target = vm.resolveIndirectJump(address);
        W = cc.words;
        X = cc.xs;
        Y = cc.ys;
        if (target < 0) {
          vm.gas = gas;
          return target === -2 ? vm.finish(cc.pcs[i]!) : vm.trap(cc.pcs[i]!);
        }
        i = target;
        break;
      }
      case H.ECALLI:
        vm.gas = gas;
        vm.programCounter = cc.pcs[i]!;
        vm.programCounterValid = true;
        vm.nextProgramCounter = Y[i]!;
        vm.nextProgramCounterChanged = true;
        vm.nextIndex = i + 1;
        vm.hostcall = X[i]! >>> 0;
        return Exit.Ecalli;
      case H.SBRK:
        if (!vm.sbrk((w >>> 8) & 15, (w >>> 12) & 15)) {
          vm.gas = gas;
          return vm.trap(cc.pcs[i]!);
        }
        // Growing the heap may replace the memory's buffers (WebAssembly memory grows by reallocation).
        rwBase = mem.rwBase;
        rwLen = mem.rwLen;
        rwView = mem.rwView;
        stBase = mem.stackBase;
        stLen = mem.stackLen;
        stView = mem.stackView;
        roView = mem.roView;
        i++;
        break;
      case H.MARK:
        vm.markBlock(X[i]!);
        W = cc.words;
        X = cc.xs;
        Y = cc.ys;
        i++;
        break;
      case H.BOUNDARY:
        vm.gas = gas;
        vm.boundaryPc = cc.pcs[i]!;
        // Where the interpreter goes on if compiled code does not take over.
        vm.nextIndex = i + 1;
        return Exit.Boundary;
      case H.MEMSET: {
        vm.gas = gas;
        const exit = memset(vm, i);
        gas = vm.gas;
        rwBase = mem.rwBase;
        rwLen = mem.rwLen;
        rwView = mem.rwView;
        stBase = mem.stackBase;
        stLen = mem.stackLen;
        stView = mem.stackView;
        if (exit >= 0) return exit;
        i++;
        break;
      }

      // ----------------------------------------------------------------- loads
      case H.LOAD_U8:
      case H.LOAD_I8: {
        const address = (lo[(w >>> 12) & 15]! + X[i]!) >>> 0;
        let o = address - rwBase;
        let v: number;
        if (o >= 0 && o < rwLen) v = rwView.getUint8(o);
        else if ((o = address - stBase) >= 0 && o < stLen) v = stView.getUint8(o);
        else if ((o = address - roBase) >= 0 && o < roLen) v = roView.getUint8(o);
        else if ((v = mem.slowLoad(address, 1)) === LOAD_FAULT) {
          vm.gas = gas;
          return vm.memoryFault(i);
        }
        if ((w & 0xff) === H.LOAD_I8) v = (v << 24) >> 24;
        const d = (w >>> 8) & 15;
        lo[d] = v;
        hi[d] = v >> 31;
        i++;
        break;
      }
      case H.LOAD_U16:
      case H.LOAD_I16: {
        const address = (lo[(w >>> 12) & 15]! + X[i]!) >>> 0;
        let o = address - rwBase;
        let v: number;
        if (o >= 0 && o <= rwLen - 2) v = rwView.getUint16(o, true);
        else if ((o = address - stBase) >= 0 && o <= stLen - 2) v = stView.getUint16(o, true);
        else if ((o = address - roBase) >= 0 && o <= roLen - 2) v = roView.getUint16(o, true);
        else if ((v = mem.slowLoad(address, 2)) === LOAD_FAULT) {
          vm.gas = gas;
          return vm.memoryFault(i);
        }
        if ((w & 0xff) === H.LOAD_I16) v = (v << 16) >> 16;
        const d = (w >>> 8) & 15;
        lo[d] = v;
        hi[d] = v >> 31;
        i++;
        break;
      }
      case H.LOAD_U32:
      case H.LOAD_I32: {
        const address = (lo[(w >>> 12) & 15]! + X[i]!) >>> 0;
        let o = address - rwBase;
        let v: number;
        if (o >= 0 && o <= rwLen - 4) v = rwView.getInt32(o, true);
        else if ((o = address - stBase) >= 0 && o <= stLen - 4) v = stView.getInt32(o, true);
        else if ((o = address - roBase) >= 0 && o <= roLen - 4) v = roView.getInt32(o, true);
        else if ((v = mem.slowLoad(address, 4)) === LOAD_FAULT) {
          vm.gas = gas;
          return vm.memoryFault(i);
        } else v |= 0;
        const d = (w >>> 8) & 15;
        lo[d] = v;
        hi[d] = (w & 0xff) === H.LOAD_I32 ? v >> 31 : 0;
        i++;
        break;
      }
      case H.LOAD_U64: {
        const address = (lo[(w >>> 12) & 15]! + X[i]!) >>> 0;
        let o = address - rwBase;
        let v: number;
        let h: number;
        if (o >= 0 && o <= rwLen - 8) {
          v = rwView.getInt32(o, true);
          h = rwView.getInt32(o + 4, true);
        } else if ((o = address - stBase) >= 0 && o <= stLen - 8) {
          v = stView.getInt32(o, true);
          h = stView.getInt32(o + 4, true);
        } else if ((o = address - roBase) >= 0 && o <= roLen - 8) {
          v = roView.getInt32(o, true);
          h = roView.getInt32(o + 4, true);
        } else if ((v = mem.slowLoad(address, 8)) === LOAD_FAULT) {
          vm.gas = gas;
          return vm.memoryFault(i);
        } else {
          v |= 0;
          h = mem.loadHigh;
        }
        const d = (w >>> 8) & 15;
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
        if ((w & 0xff) === H.STORE_U8) {
          address = (lo[(w >>> 12) & 15]! + X[i]!) >>> 0;
          v = lo[(w >>> 8) & 15]!;
        } else {
          address = (lo[(w >>> 8) & 15]! + X[i]!) >>> 0;
          v = Y[i]!;
        }
        let o = address - rwBase;
        if (o >= 0 && o <= rwLen - 1) rwView.setUint8(o, v);
        else if ((o = address - stBase) >= 0 && o <= stLen - 1) stView.setUint8(o, v);
        else {
          if (!mem.slowStore(address, 1, v, 0)) {
            vm.gas = gas;
            return vm.memoryFault(i);
          }
          rwBase = mem.rwBase;
          rwLen = mem.rwLen;
          rwView = mem.rwView;
          stBase = mem.stackBase;
          stLen = mem.stackLen;
          stView = mem.stackView;
        }
        i++;
        break;
      }
      case H.STORE_U16:
      case H.STORE_IMM_U16: {
        let address: number;
        let v: number;
        if ((w & 0xff) === H.STORE_U16) {
          address = (lo[(w >>> 12) & 15]! + X[i]!) >>> 0;
          v = lo[(w >>> 8) & 15]!;
        } else {
          address = (lo[(w >>> 8) & 15]! + X[i]!) >>> 0;
          v = Y[i]!;
        }
        let o = address - rwBase;
        if (o >= 0 && o <= rwLen - 2) rwView.setUint16(o, v, true);
        else if ((o = address - stBase) >= 0 && o <= stLen - 2) stView.setUint16(o, v, true);
        else {
          if (!mem.slowStore(address, 2, v, 0)) {
            vm.gas = gas;
            return vm.memoryFault(i);
          }
          rwBase = mem.rwBase;
          rwLen = mem.rwLen;
          rwView = mem.rwView;
          stBase = mem.stackBase;
          stLen = mem.stackLen;
          stView = mem.stackView;
        }
        i++;
        break;
      }
      case H.STORE_U32:
      case H.STORE_IMM_U32: {
        let address: number;
        let v: number;
        if ((w & 0xff) === H.STORE_U32) {
          address = (lo[(w >>> 12) & 15]! + X[i]!) >>> 0;
          v = lo[(w >>> 8) & 15]!;
        } else {
          address = (lo[(w >>> 8) & 15]! + X[i]!) >>> 0;
          v = Y[i]!;
        }
        let o = address - rwBase;
        if (o >= 0 && o <= rwLen - 4) rwView.setInt32(o, v, true);
        else if ((o = address - stBase) >= 0 && o <= stLen - 4) stView.setInt32(o, v, true);
        else {
          if (!mem.slowStore(address, 4, v, 0)) {
            vm.gas = gas;
            return vm.memoryFault(i);
          }
          rwBase = mem.rwBase;
          rwLen = mem.rwLen;
          rwView = mem.rwView;
          stBase = mem.stackBase;
          stLen = mem.stackLen;
          stView = mem.stackView;
        }
        i++;
        break;
      }

      // ----------------------------------------------------------------- stores
      case H.STORE_U64:
      case H.STORE_IMM_U64: {
        let address: number;
        let v: number;
        let h: number;
        if ((w & 0xff) === H.STORE_U64) {
          address = (lo[(w >>> 12) & 15]! + X[i]!) >>> 0;
          v = lo[(w >>> 8) & 15]!;
          h = hi[(w >>> 8) & 15]!;
        } else {
          address = (lo[(w >>> 8) & 15]! + X[i]!) >>> 0;
          v = Y[i]!;
          h = v >> 31;
        }
        let o = address - rwBase;
        if (o >= 0 && o <= rwLen - 8) {
          rwView.setInt32(o, v, true);
          rwView.setInt32(o + 4, h, true);
        }
        else if ((o = address - stBase) >= 0 && o <= stLen - 8) {
          stView.setInt32(o, v, true);
          stView.setInt32(o + 4, h, true);
        }
        else {
          if (!mem.slowStore(address, 8, v, h)) {
            vm.gas = gas;
            return vm.memoryFault(i);
          }
          rwBase = mem.rwBase;
          rwLen = mem.rwLen;
          rwView = mem.rwView;
          stBase = mem.stackBase;
          stLen = mem.stackLen;
          stView = mem.stackView;
        }
        i++;
        break;
      }

      // ----------------------------------------------------------------- moves
      case H.MOVE_REG: {
        const d = (w >>> 8) & 15;
        const s = (w >>> 12) & 15;
        lo[d] = lo[s]!;
        hi[d] = hi[s]!;
        i++;
        break;
      }
      case H.LOAD_IMM: {
        const d = (w >>> 8) & 15;
        const v = X[i]!;
        lo[d] = v;
        hi[d] = v >> 31;
        i++;
        break;
      }
      case H.LOAD_IMM64: {
        const d = (w >>> 8) & 15;
        lo[d] = X[i]!;
        hi[d] = Y[i]!;
        i++;
        break;
      }

      // ----------------------------------------------------------------- 32-bit arithmetic (sign-extended result)
      case H.ADD_32: {
        const v = (lo[(w >>> 12) & 15]! + lo[(w >>> 16) & 15]!) | 0;
        const d = (w >>> 8) & 15;
        lo[d] = v;
        hi[d] = v >> 31;
        i++;
        break;
      }
      case H.SUB_32: {
        const v = (lo[(w >>> 12) & 15]! - lo[(w >>> 16) & 15]!) | 0;
        const d = (w >>> 8) & 15;
        lo[d] = v;
        hi[d] = v >> 31;
        i++;
        break;
      }
      case H.MUL_32: {
        const v = Math.imul(lo[(w >>> 12) & 15]!, lo[(w >>> 16) & 15]!);
        const d = (w >>> 8) & 15;
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
        const a = lo[(w >>> 12) & 15]!;
        const b = lo[(w >>> 16) & 15]!;
        let v: number;
        switch (w & 0xff) {
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
        const d = (w >>> 8) & 15;
        lo[d] = v;
        hi[d] = v >> 31;
        i++;
        break;
      }
      case H.SHL_32: {
        const v = lo[(w >>> 12) & 15]! << lo[(w >>> 16) & 15]!;
        const d = (w >>> 8) & 15;
        lo[d] = v;
        hi[d] = v >> 31;
        i++;
        break;
      }
      case H.SHR_32: {
        const v = (lo[(w >>> 12) & 15]! >>> lo[(w >>> 16) & 15]!) | 0;
        const d = (w >>> 8) & 15;
        lo[d] = v;
        hi[d] = v >> 31;
        i++;
        break;
      }
      case H.SAR_32: {
        const v = lo[(w >>> 12) & 15]! >> lo[(w >>> 16) & 15]!;
        const d = (w >>> 8) & 15;
        lo[d] = v;
        hi[d] = v >> 31;
        i++;
        break;
      }
      case H.ROL_32: {
        const v = rol32(lo[(w >>> 12) & 15]!, lo[(w >>> 16) & 15]!);
        const d = (w >>> 8) & 15;
        lo[d] = v;
        hi[d] = v >> 31;
        i++;
        break;
      }
      case H.ROR_32: {
        const v = ror32(lo[(w >>> 12) & 15]!, lo[(w >>> 16) & 15]!);
        const d = (w >>> 8) & 15;
        lo[d] = v;
        hi[d] = v >> 31;
        i++;
        break;
      }

      // ----------------------------------------------------------------- 64-bit arithmetic
      case H.ADD_64: {
        const a = (w >>> 12) & 15;
        const b = (w >>> 16) & 15;
        const al = lo[a]!;
        const v = (al + lo[b]!) | 0;
        const d = (w >>> 8) & 15;
        hi[d] = (hi[a]! + hi[b]! + (v >>> 0 < al >>> 0 ? 1 : 0)) | 0;
        lo[d] = v;
        i++;
        break;
      }
      case H.SUB_64: {
        const a = (w >>> 12) & 15;
        const b = (w >>> 16) & 15;
        const al = lo[a]!;
        const bl = lo[b]!;
        const d = (w >>> 8) & 15;
        hi[d] = (hi[a]! - hi[b]! - (al >>> 0 < bl >>> 0 ? 1 : 0)) | 0;
        lo[d] = (al - bl) | 0;
        i++;
        break;
      }
      case H.MUL_64: {
        const a = (w >>> 12) & 15;
        const b = (w >>> 16) & 15;
        mul64(lo, hi, (w >>> 8) & 15, lo[a]!, hi[a]!, lo[b]!, hi[b]!);
        i++;
        break;
      }
      case H.DIV_U_64:
      case H.DIV_S_64:
      case H.REM_U_64:
      case H.REM_S_64: {
        const a = (w >>> 12) & 15;
        const b = (w >>> 16) & 15;
        const op = (w & 0xff);
        divRem64(lo, hi, (w >>> 8) & 15, lo[a]!, hi[a]!, lo[b]!, hi[b]!, op === H.DIV_S_64 || op === H.REM_S_64, op >= H.REM_U_64);
        i++;
        break;
      }
      case H.MULH_SS_64:
      case H.MULH_UU_64:
      case H.MULH_SU_64: {
        const a = (w >>> 12) & 15;
        const b = (w >>> 16) & 15;
        const op = (w & 0xff);
        mulHigh64(lo, hi, (w >>> 8) & 15, lo[a]!, hi[a]!, lo[b]!, hi[b]!, op !== H.MULH_UU_64, op === H.MULH_SS_64);
        i++;
        break;
      }
      case H.SHL_64: {
        const a = (w >>> 12) & 15;
        shl64(lo, hi, (w >>> 8) & 15, lo[a]!, hi[a]!, lo[(w >>> 16) & 15]!);
        i++;
        break;
      }
      case H.SHR_64: {
        const a = (w >>> 12) & 15;
        shr64(lo, hi, (w >>> 8) & 15, lo[a]!, hi[a]!, lo[(w >>> 16) & 15]!);
        i++;
        break;
      }
      case H.SAR_64: {
        const a = (w >>> 12) & 15;
        sar64(lo, hi, (w >>> 8) & 15, lo[a]!, hi[a]!, lo[(w >>> 16) & 15]!);
        i++;
        break;
      }
      case H.ROL_64: {
        const a = (w >>> 12) & 15;
        ror64(lo, hi, (w >>> 8) & 15, lo[a]!, hi[a]!, -lo[(w >>> 16) & 15]!);
        i++;
        break;
      }
      case H.ROR_64: {
        const a = (w >>> 12) & 15;
        ror64(lo, hi, (w >>> 8) & 15, lo[a]!, hi[a]!, lo[(w >>> 16) & 15]!);
        i++;
        break;
      }

      // ----------------------------------------------------------------- bitwise (64-bit; exact on 32-bit programs too)
      case H.AND: {
        const a = (w >>> 12) & 15;
        const b = (w >>> 16) & 15;
        const d = (w >>> 8) & 15;
        lo[d] = lo[a]! & lo[b]!;
        hi[d] = hi[a]! & hi[b]!;
        i++;
        break;
      }
      case H.XOR: {
        const a = (w >>> 12) & 15;
        const b = (w >>> 16) & 15;
        const d = (w >>> 8) & 15;
        lo[d] = lo[a]! ^ lo[b]!;
        hi[d] = hi[a]! ^ hi[b]!;
        i++;
        break;
      }
      case H.OR: {
        const a = (w >>> 12) & 15;
        const b = (w >>> 16) & 15;
        const d = (w >>> 8) & 15;
        lo[d] = lo[a]! | lo[b]!;
        hi[d] = hi[a]! | hi[b]!;
        i++;
        break;
      }
      case H.AND_INV: {
        const a = (w >>> 12) & 15;
        const b = (w >>> 16) & 15;
        const d = (w >>> 8) & 15;
        lo[d] = lo[a]! & ~lo[b]!;
        hi[d] = hi[a]! & ~hi[b]!;
        i++;
        break;
      }
      case H.OR_INV: {
        const a = (w >>> 12) & 15;
        const b = (w >>> 16) & 15;
        const d = (w >>> 8) & 15;
        lo[d] = lo[a]! | ~lo[b]!;
        hi[d] = hi[a]! | ~hi[b]!;
        i++;
        break;
      }
      case H.XNOR: {
        const a = (w >>> 12) & 15;
        const b = (w >>> 16) & 15;
        const d = (w >>> 8) & 15;
        lo[d] = ~(lo[a]! ^ lo[b]!);
        hi[d] = ~(hi[a]! ^ hi[b]!);
        i++;
        break;
      }
      case H.SLT_U: {
        const a = (w >>> 12) & 15;
        const b = (w >>> 16) & 15;
        const d = (w >>> 8) & 15;
        lo[d] = ltu64(lo[a]!, hi[a]!, lo[b]!, hi[b]!) ? 1 : 0;
        hi[d] = 0;
        i++;
        break;
      }
      case H.SLT_S: {
        const a = (w >>> 12) & 15;
        const b = (w >>> 16) & 15;
        const d = (w >>> 8) & 15;
        lo[d] = lt64(lo[a]!, hi[a]!, lo[b]!, hi[b]!) ? 1 : 0;
        hi[d] = 0;
        i++;
        break;
      }
      case H.CMOV_Z: {
        const c = (w >>> 16) & 15;
        if ((lo[c]! | hi[c]!) === 0) {
          const s = (w >>> 12) & 15;
          const d = (w >>> 8) & 15;
          lo[d] = lo[s]!;
          hi[d] = hi[s]!;
        }
        i++;
        break;
      }
      case H.CMOV_NZ: {
        const c = (w >>> 16) & 15;
        if ((lo[c]! | hi[c]!) !== 0) {
          const s = (w >>> 12) & 15;
          const d = (w >>> 8) & 15;
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
        const a = (w >>> 12) & 15;
        const b = (w >>> 16) & 15;
        const op = (w & 0xff);
        const aLess =
          op === H.MAX || op === H.MIN ? lt64(lo[a]!, hi[a]!, lo[b]!, hi[b]!) : ltu64(lo[a]!, hi[a]!, lo[b]!, hi[b]!);
        const pick = (op === H.MAX || op === H.MAX_U) === aLess ? b : a;
        const d = (w >>> 8) & 15;
        lo[d] = lo[pick]!;
        hi[d] = hi[pick]!;
        i++;
        break;
      }

      // ----------------------------------------------------------------- register and immediate
      case H.ADD_IMM_32: {
        const v = (lo[(w >>> 12) & 15]! + X[i]!) | 0;
        const d = (w >>> 8) & 15;
        lo[d] = v;
        hi[d] = v >> 31;
        i++;
        break;
      }
      case H.ADD_IMM_64: {
        const a = (w >>> 12) & 15;
        const imm = X[i]!;
        const al = lo[a]!;
        const v = (al + imm) | 0;
        const d = (w >>> 8) & 15;
        hi[d] = (hi[a]! + (imm >> 31) + (v >>> 0 < al >>> 0 ? 1 : 0)) | 0;
        lo[d] = v;
        i++;
        break;
      }
      case H.MUL_IMM_32: {
        const v = Math.imul(lo[(w >>> 12) & 15]!, X[i]!);
        const d = (w >>> 8) & 15;
        lo[d] = v;
        hi[d] = v >> 31;
        i++;
        break;
      }
      case H.MUL_IMM_64: {
        const a = (w >>> 12) & 15;
        const imm = X[i]!;
        mul64(lo, hi, (w >>> 8) & 15, lo[a]!, hi[a]!, imm, imm >> 31);
        i++;
        break;
      }
      case H.AND_IMM: {
        const a = (w >>> 12) & 15;
        const imm = X[i]!;
        const d = (w >>> 8) & 15;
        lo[d] = lo[a]! & imm;
        hi[d] = hi[a]! & (imm >> 31);
        i++;
        break;
      }
      case H.XOR_IMM: {
        const a = (w >>> 12) & 15;
        const imm = X[i]!;
        const d = (w >>> 8) & 15;
        lo[d] = lo[a]! ^ imm;
        hi[d] = hi[a]! ^ (imm >> 31);
        i++;
        break;
      }
      case H.OR_IMM: {
        const a = (w >>> 12) & 15;
        const imm = X[i]!;
        const d = (w >>> 8) & 15;
        lo[d] = lo[a]! | imm;
        hi[d] = hi[a]! | (imm >> 31);
        i++;
        break;
      }
      case H.SLT_U_IMM:
      case H.SLT_S_IMM:
      case H.SGT_U_IMM:
      case H.SGT_S_IMM: {
        const a = (w >>> 12) & 15;
        const imm = X[i]!;
        const al = lo[a]!;
        const ah = hi[a]!;
        const ih = imm >> 31;
        let r: boolean;
        switch (w & 0xff) {
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
        const d = (w >>> 8) & 15;
        lo[d] = r ? 1 : 0;
        hi[d] = 0;
        i++;
        break;
      }
      case H.SHL_IMM_32: {
        const v = lo[(w >>> 12) & 15]! << X[i]!;
        const d = (w >>> 8) & 15;
        lo[d] = v;
        hi[d] = v >> 31;
        i++;
        break;
      }
      case H.SHR_IMM_32: {
        const v = (lo[(w >>> 12) & 15]! >>> X[i]!) | 0;
        const d = (w >>> 8) & 15;
        lo[d] = v;
        hi[d] = v >> 31;
        i++;
        break;
      }
      case H.SAR_IMM_32: {
        const v = lo[(w >>> 12) & 15]! >> X[i]!;
        const d = (w >>> 8) & 15;
        lo[d] = v;
        hi[d] = v >> 31;
        i++;
        break;
      }
      case H.SHL_IMM_ALT_32: {
        const v = X[i]! << lo[(w >>> 12) & 15]!;
        const d = (w >>> 8) & 15;
        lo[d] = v;
        hi[d] = v >> 31;
        i++;
        break;
      }
      case H.SHR_IMM_ALT_32: {
        const v = (X[i]! >>> lo[(w >>> 12) & 15]!) | 0;
        const d = (w >>> 8) & 15;
        lo[d] = v;
        hi[d] = v >> 31;
        i++;
        break;
      }
      case H.SAR_IMM_ALT_32: {
        const v = X[i]! >> lo[(w >>> 12) & 15]!;
        const d = (w >>> 8) & 15;
        lo[d] = v;
        hi[d] = v >> 31;
        i++;
        break;
      }
      case H.SHL_IMM_64: {
        const a = (w >>> 12) & 15;
        shl64(lo, hi, (w >>> 8) & 15, lo[a]!, hi[a]!, X[i]!);
        i++;
        break;
      }
      case H.SHR_IMM_64: {
        const a = (w >>> 12) & 15;
        shr64(lo, hi, (w >>> 8) & 15, lo[a]!, hi[a]!, X[i]!);
        i++;
        break;
      }
      case H.SAR_IMM_64: {
        const a = (w >>> 12) & 15;
        sar64(lo, hi, (w >>> 8) & 15, lo[a]!, hi[a]!, X[i]!);
        i++;
        break;
      }
      case H.SHL_IMM_ALT_64: {
        const imm = X[i]!;
        shl64(lo, hi, (w >>> 8) & 15, imm, imm >> 31, lo[(w >>> 12) & 15]!);
        i++;
        break;
      }
      case H.SHR_IMM_ALT_64: {
        const imm = X[i]!;
        shr64(lo, hi, (w >>> 8) & 15, imm, imm >> 31, lo[(w >>> 12) & 15]!);
        i++;
        break;
      }
      case H.SAR_IMM_ALT_64: {
        const imm = X[i]!;
        sar64(lo, hi, (w >>> 8) & 15, imm, imm >> 31, lo[(w >>> 12) & 15]!);
        i++;
        break;
      }
      case H.NEG_ADD_IMM_32: {
        const v = (X[i]! - lo[(w >>> 12) & 15]!) | 0;
        const d = (w >>> 8) & 15;
        lo[d] = v;
        hi[d] = v >> 31;
        i++;
        break;
      }
      case H.NEG_ADD_IMM_64: {
        const a = (w >>> 12) & 15;
        const imm = X[i]!;
        const al = lo[a]!;
        const d = (w >>> 8) & 15;
        hi[d] = ((imm >> 31) - hi[a]! - (imm >>> 0 < al >>> 0 ? 1 : 0)) | 0;
        lo[d] = (imm - al) | 0;
        i++;
        break;
      }
      case H.CMOV_Z_IMM: {
        const c = (w >>> 12) & 15;
        if ((lo[c]! | hi[c]!) === 0) {
          const v = X[i]!;
          const d = (w >>> 8) & 15;
          lo[d] = v;
          hi[d] = v >> 31;
        }
        i++;
        break;
      }
      case H.CMOV_NZ_IMM: {
        const c = (w >>> 12) & 15;
        if ((lo[c]! | hi[c]!) !== 0) {
          const v = X[i]!;
          const d = (w >>> 8) & 15;
          lo[d] = v;
          hi[d] = v >> 31;
        }
        i++;
        break;
      }
      case H.ROR_IMM_32: {
        const v = ror32(lo[(w >>> 12) & 15]!, X[i]!);
        const d = (w >>> 8) & 15;
        lo[d] = v;
        hi[d] = v >> 31;
        i++;
        break;
      }
      case H.ROR_IMM_ALT_32: {
        const v = ror32(X[i]!, lo[(w >>> 12) & 15]!);
        const d = (w >>> 8) & 15;
        lo[d] = v;
        hi[d] = v >> 31;
        i++;
        break;
      }
      case H.ROR_IMM_64: {
        const a = (w >>> 12) & 15;
        ror64(lo, hi, (w >>> 8) & 15, lo[a]!, hi[a]!, X[i]!);
        i++;
        break;
      }
      case H.ROR_IMM_ALT_64: {
        const imm = X[i]!;
        ror64(lo, hi, (w >>> 8) & 15, imm, imm >> 31, lo[(w >>> 12) & 15]!);
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
        const s = (w >>> 12) & 15;
        const l = lo[s]!;
        const h = hi[s]!;
        let v: number;
        switch (w & 0xff) {
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
        const d = (w >>> 8) & 15;
        lo[d] = v;
        hi[d] = 0;
        i++;
        break;
      }
      case H.SEXT_8: {
        const v = (lo[(w >>> 12) & 15]! << 24) >> 24;
        const d = (w >>> 8) & 15;
        lo[d] = v;
        hi[d] = v >> 31;
        i++;
        break;
      }
      case H.SEXT_16: {
        const v = (lo[(w >>> 12) & 15]! << 16) >> 16;
        const d = (w >>> 8) & 15;
        lo[d] = v;
        hi[d] = v >> 31;
        i++;
        break;
      }
      case H.ZEXT_16: {
        const d = (w >>> 8) & 15;
        lo[d] = lo[(w >>> 12) & 15]! & 0xffff;
        hi[d] = 0;
        i++;
        break;
      }
      case H.REV_32: {
        const v = bswap32(lo[(w >>> 12) & 15]!);
        const d = (w >>> 8) & 15;
        lo[d] = v;
        hi[d] = v >> 31;
        i++;
        break;
      }
      case H.REV_64: {
        const s = (w >>> 12) & 15;
        const l = lo[s]!;
        const h = hi[s]!;
        const d = (w >>> 8) & 15;
        lo[d] = bswap32(h);
        hi[d] = bswap32(l);
        i++;
        break;
      }

      // ----------------------------------------------------------------- branches (32-bit programs)
      case H.BR32_EQ:
        i = lo[(w >>> 8) & 15] === lo[(w >>> 12) & 15] ? Y[i]! : i + 1;
        break;
      case H.BR32_NE:
        i = lo[(w >>> 8) & 15] !== lo[(w >>> 12) & 15] ? Y[i]! : i + 1;
        break;
      case H.BR32_LT_U:
        i = lo[(w >>> 8) & 15]! >>> 0 < lo[(w >>> 12) & 15]! >>> 0 ? Y[i]! : i + 1;
        break;
      case H.BR32_LT_S:
        i = lo[(w >>> 8) & 15]! < lo[(w >>> 12) & 15]! ? Y[i]! : i + 1;
        break;
      case H.BR32_GE_U:
        i = lo[(w >>> 8) & 15]! >>> 0 >= lo[(w >>> 12) & 15]! >>> 0 ? Y[i]! : i + 1;
        break;
      case H.BR32_GE_S:
        i = lo[(w >>> 8) & 15]! >= lo[(w >>> 12) & 15]! ? Y[i]! : i + 1;
        break;
      case H.BR32_EQ_IMM:
        i = lo[(w >>> 8) & 15] === X[i] ? Y[i]! : i + 1;
        break;
      case H.BR32_NE_IMM:
        i = lo[(w >>> 8) & 15] !== X[i] ? Y[i]! : i + 1;
        break;
      case H.BR32_LT_U_IMM:
        i = lo[(w >>> 8) & 15]! >>> 0 < X[i]! >>> 0 ? Y[i]! : i + 1;
        break;
      case H.BR32_LE_U_IMM:
        i = lo[(w >>> 8) & 15]! >>> 0 <= X[i]! >>> 0 ? Y[i]! : i + 1;
        break;
      case H.BR32_GE_U_IMM:
        i = lo[(w >>> 8) & 15]! >>> 0 >= X[i]! >>> 0 ? Y[i]! : i + 1;
        break;
      case H.BR32_GT_U_IMM:
        i = lo[(w >>> 8) & 15]! >>> 0 > X[i]! >>> 0 ? Y[i]! : i + 1;
        break;
      case H.BR32_LT_S_IMM:
        i = lo[(w >>> 8) & 15]! < X[i]! ? Y[i]! : i + 1;
        break;
      case H.BR32_LE_S_IMM:
        i = lo[(w >>> 8) & 15]! <= X[i]! ? Y[i]! : i + 1;
        break;
      case H.BR32_GE_S_IMM:
        i = lo[(w >>> 8) & 15]! >= X[i]! ? Y[i]! : i + 1;
        break;
      case H.BR32_GT_S_IMM:
        i = lo[(w >>> 8) & 15]! > X[i]! ? Y[i]! : i + 1;
        break;

      // ----------------------------------------------------------------- branches (64-bit)
      case H.BR_EQ: {
        const a = (w >>> 8) & 15;
        const b = (w >>> 12) & 15;
        i = ((lo[a]! ^ lo[b]!) | (hi[a]! ^ hi[b]!)) === 0 ? Y[i]! : i + 1;
        break;
      }
      case H.BR_NE: {
        const a = (w >>> 8) & 15;
        const b = (w >>> 12) & 15;
        i = ((lo[a]! ^ lo[b]!) | (hi[a]! ^ hi[b]!)) !== 0 ? Y[i]! : i + 1;
        break;
      }
      case H.BR_LT_U: {
        const a = (w >>> 8) & 15;
        const b = (w >>> 12) & 15;
        i = ltu64(lo[a]!, hi[a]!, lo[b]!, hi[b]!) ? Y[i]! : i + 1;
        break;
      }
      case H.BR_LT_S: {
        const a = (w >>> 8) & 15;
        const b = (w >>> 12) & 15;
        i = lt64(lo[a]!, hi[a]!, lo[b]!, hi[b]!) ? Y[i]! : i + 1;
        break;
      }
      case H.BR_GE_U: {
        const a = (w >>> 8) & 15;
        const b = (w >>> 12) & 15;
        i = ltu64(lo[a]!, hi[a]!, lo[b]!, hi[b]!) ? i + 1 : Y[i]!;
        break;
      }
      case H.BR_GE_S: {
        const a = (w >>> 8) & 15;
        const b = (w >>> 12) & 15;
        i = lt64(lo[a]!, hi[a]!, lo[b]!, hi[b]!) ? i + 1 : Y[i]!;
        break;
      }
      case H.BR_EQ_IMM: {
        const a = (w >>> 8) & 15;
        const imm = X[i]!;
        i = ((lo[a]! ^ imm) | (hi[a]! ^ (imm >> 31))) === 0 ? Y[i]! : i + 1;
        break;
      }
      case H.BR_NE_IMM: {
        const a = (w >>> 8) & 15;
        const imm = X[i]!;
        i = ((lo[a]! ^ imm) | (hi[a]! ^ (imm >> 31))) !== 0 ? Y[i]! : i + 1;
        break;
      }
      case H.BR_LT_U_IMM: {
        const a = (w >>> 8) & 15;
        const imm = X[i]!;
        i = ltu64(lo[a]!, hi[a]!, imm, imm >> 31) ? Y[i]! : i + 1;
        break;
      }
      case H.BR_LE_U_IMM: {
        const a = (w >>> 8) & 15;
        const imm = X[i]!;
        i = ltu64(imm, imm >> 31, lo[a]!, hi[a]!) ? i + 1 : Y[i]!;
        break;
      }
      case H.BR_GE_U_IMM: {
        const a = (w >>> 8) & 15;
        const imm = X[i]!;
        i = ltu64(lo[a]!, hi[a]!, imm, imm >> 31) ? i + 1 : Y[i]!;
        break;
      }
      case H.BR_GT_U_IMM: {
        const a = (w >>> 8) & 15;
        const imm = X[i]!;
        i = ltu64(imm, imm >> 31, lo[a]!, hi[a]!) ? Y[i]! : i + 1;
        break;
      }
      case H.BR_LT_S_IMM: {
        const a = (w >>> 8) & 15;
        const imm = X[i]!;
        i = lt64(lo[a]!, hi[a]!, imm, imm >> 31) ? Y[i]! : i + 1;
        break;
      }
      case H.BR_LE_S_IMM: {
        const a = (w >>> 8) & 15;
        const imm = X[i]!;
        i = lt64(imm, imm >> 31, lo[a]!, hi[a]!) ? i + 1 : Y[i]!;
        break;
      }
      case H.BR_GE_S_IMM: {
        const a = (w >>> 8) & 15;
        const imm = X[i]!;
        i = lt64(lo[a]!, hi[a]!, imm, imm >> 31) ? i + 1 : Y[i]!;
        break;
      }
      case H.BR_GT_S_IMM: {
        const a = (w >>> 8) & 15;
        const imm = X[i]!;
        i = lt64(imm, imm >> 31, lo[a]!, hi[a]!) ? Y[i]! : i + 1;
        break;
      }

      default: {
        // Unresolved branches: resolve the taken edge once, then run as the resolved branch.
        const op = w & 0xff;
        if (op < H.U_BR_EQ || op > H.U_LAST_BRANCH) {
          throw new Error(`internal error: unknown interpreter handler ${op}`);
        }
        const taken = cc.resolveJump(Y[i]!);
        W = cc.words;
        X = cc.xs;
        Y = cc.ys;
        if (taken < 0) {
          // Not reachable with validated targets.
          vm.gas = gas;
          return vm.trap(cc.pcs[i]!);
        }
        W[i] = w - UNRESOLVED_BRANCH_DELTA;
        Y[i] = taken;
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
