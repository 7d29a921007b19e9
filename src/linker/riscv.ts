/**
 * RISC-V instruction decoder for the subset the PolkaVM linker accepts: RV32/RV64 I, M, A, C and Zbb, plus the
 * conditional moves of XTheadCondMov (`th.mveqz`/`th.mvnez`) and the MIPS `ccmov` extension.
 *
 * Registers are RISC-V register numbers (0 = `zero` ... 31). Returns null for anything else (including hints and
 * reserved encodings), which the caller reports as an unsupported instruction.
 */
import type { AluKind, BranchKind, LoadKind, RegRegKind, StoreKind, UnaryKind } from './operations.js';

export type AtomicKind = 'add' | 'swap' | 'and' | 'or' | 'xor' | 'max' | 'min' | 'maxu' | 'minu';

/** A decoded RISC-V instruction. Offsets and immediates are sign-extended 32-bit values. */
export type RiscvInstruction =
  | { readonly op: 'lui'; readonly dst: number; readonly value: number }
  | { readonly op: 'auipc'; readonly dst: number; readonly value: number }
  | { readonly op: 'jal'; readonly dst: number; readonly offset: number }
  | { readonly op: 'jalr'; readonly dst: number; readonly base: number; readonly offset: number }
  | { readonly op: 'branch'; readonly kind: BranchKind; readonly src1: number; readonly src2: number; readonly offset: number }
  | { readonly op: 'load'; readonly kind: LoadKind; readonly dst: number; readonly base: number; readonly offset: number }
  | { readonly op: 'store'; readonly kind: StoreKind; readonly src: number; readonly base: number; readonly offset: number }
  | { readonly op: 'alu-imm'; readonly kind: AluKind; readonly dst: number; readonly src: number; readonly imm: number }
  | { readonly op: 'alu'; readonly kind: AluKind | RegRegKind; readonly dst: number; readonly src1: number; readonly src2: number }
  | { readonly op: 'unary'; readonly kind: UnaryKind | 'orcb'; readonly dst: number; readonly src: number }
  | { readonly op: 'lr'; readonly is64: boolean; readonly dst: number; readonly addr: number }
  | { readonly op: 'sc'; readonly is64: boolean; readonly dst: number; readonly addr: number; readonly src: number }
  | { readonly op: 'amo'; readonly kind: AtomicKind; readonly is64: boolean; readonly dst: number; readonly addr: number; readonly src: number }
  | { readonly op: 'cmov'; readonly ifZero: boolean; readonly dst: number; readonly src: number; readonly cond: number }
  | { readonly op: 'select'; readonly dst: number; readonly ifTrue: number; readonly ifFalse: number; readonly cond: number }
  | { readonly op: 'fence' }
  | { readonly op: 'ecall' }
  | { readonly op: 'unimp' };

/** RISC-V register numbers used by the linker. */
export const RV_ZERO = 0;
export const RV_RA = 1;
export const RV_SP = 2;

/** True if the instruction starting with this byte is a 16-bit compressed instruction. */
export function isCompressed(firstByte: number): boolean {
  return (firstByte & 3) !== 3;
}

/** Extracts `count` bits of `value` starting at bit `from`, and places them at bit `to`. */
function field(value: number, from: number, count: number, to: number): number {
  return ((value >>> from) & ((1 << count) - 1)) << to;
}

/** Sign-extends the low `bits` bits. */
function signExtend(value: number, bits: number): number {
  const shift = 32 - bits;
  return (value << shift) >> shift;
}

/** Decodes one instruction (`raw` holds 2 or 4 bytes, little-endian). */
export function decodeRiscv(raw: number, rv64: boolean): RiscvInstruction | null {
  return isCompressed(raw & 0xff) ? decodeCompressed(raw & 0xffff, rv64) : decodeFull(raw >>> 0, rv64);
}

const xlen = <T>(rv64: boolean, k32: T, k64: T): T => (rv64 ? k64 : k32);

function decodeCompressed(op: number, rv64: boolean): RiscvInstruction | null {
  const quadrant = op & 3;
  const funct3 = op >>> 13;
  const rdFull = (op >>> 7) & 31;
  const rs2Full = (op >>> 2) & 31;
  const rdShort = ((op >>> 2) & 7) + 8; // rd' / rs2' in bits 4:2
  const rs1Short = ((op >>> 7) & 7) + 8; // rs1' / rd' in bits 9:7
  const bit12 = (op >>> 12) & 1;
  const add = xlen<AluKind>(rv64, 'add32', 'add64');

  if (quadrant === 0) {
    switch (funct3) {
      case 0: {
        if (op === 0) return { op: 'unimp' };
        const imm = field(op, 11, 2, 4) | field(op, 7, 4, 6) | field(op, 6, 1, 2) | field(op, 5, 1, 3);
        if (imm === 0) return null;
        return { op: 'alu-imm', kind: add, dst: rdShort, src: RV_SP, imm }; // c.addi4spn
      }
      case 2: {
        const offset = field(op, 10, 3, 3) | field(op, 6, 1, 2) | field(op, 5, 1, 6);
        return { op: 'load', kind: 'i32', dst: rdShort, base: rs1Short, offset }; // c.lw
      }
      case 3: {
        if (!rv64) return null;
        const offset = field(op, 10, 3, 3) | field(op, 5, 2, 6);
        return { op: 'load', kind: 'u64', dst: rdShort, base: rs1Short, offset }; // c.ld
      }
      case 6: {
        const offset = field(op, 10, 3, 3) | field(op, 6, 1, 2) | field(op, 5, 1, 6);
        return { op: 'store', kind: 'u32', src: rdShort, base: rs1Short, offset }; // c.sw
      }
      case 7: {
        if (!rv64) return null;
        const offset = field(op, 10, 3, 3) | field(op, 5, 2, 6);
        return { op: 'store', kind: 'u64', src: rdShort, base: rs1Short, offset }; // c.sd
      }
      default:
        return null;
    }
  }

  if (quadrant === 1) {
    const imm6 = signExtend((bit12 << 5) | field(op, 2, 5, 0), 6);
    switch (funct3) {
      case 0:
        if ((op & 0xfffe) === 0) return { op: 'alu-imm', kind: add, dst: 0, src: 0, imm: 0 }; // c.nop
        if (imm6 === 0) return null; // hint
        return { op: 'alu-imm', kind: add, dst: rdFull, src: rdFull, imm: imm6 }; // c.addi
      case 1:
        if (!rv64) return { op: 'jal', dst: RV_RA, offset: compressedJumpOffset(op) }; // c.jal
        return { op: 'alu-imm', kind: 'add32sx', dst: rdFull, src: rdFull, imm: imm6 }; // c.addiw
      case 2:
        if (rdFull === 0) return null;
        return { op: 'alu-imm', kind: add, dst: rdFull, src: RV_ZERO, imm: imm6 }; // c.li
      case 3: {
        if ((op & 0x107c) === 0 || rdFull === 0) return null;
        if (rdFull === RV_SP) {
          const imm = field(op, 12, 1, 9) | field(op, 6, 1, 4) | field(op, 5, 1, 6) | field(op, 3, 2, 7) | field(op, 2, 1, 5);
          return { op: 'alu-imm', kind: add, dst: RV_SP, src: RV_SP, imm: signExtend(imm, 10) }; // c.addi16sp
        }
        const value = signExtend(field(op, 12, 1, 17) | field(op, 2, 5, 12), 18);
        return { op: 'lui', dst: rdFull, value }; // c.lui
      }
      case 4: {
        const rd = rs1Short;
        const sub = (op >>> 10) & 7;
        const shamt = field(op, 2, 5, 0);
        switch (sub) {
          case 0:
          case 1:
            if (shamt === 0) return null;
            return { op: 'alu-imm', kind: sub === 0 ? xlen(rv64, 'srl32', 'srl64') : xlen(rv64, 'sra32', 'sra64'), dst: rd, src: rd, imm: shamt };
          case 4:
          case 5:
            if (!rv64) return null;
            return { op: 'alu-imm', kind: sub === 4 ? 'srl64' : 'sra64', dst: rd, src: rd, imm: 32 | shamt };
          case 2:
          case 6:
            return { op: 'alu-imm', kind: xlen(rv64, 'and32', 'and64'), dst: rd, src: rd, imm: imm6 }; // c.andi
          default: {
            const rs2 = rdShort;
            const which = (bit12 << 2) | ((op >>> 5) & 3);
            const kinds: readonly (AluKind | null)[] = [
              xlen(rv64, 'sub32', 'sub64'),
              xlen(rv64, 'xor32', 'xor64'),
              xlen(rv64, 'or32', 'or64'),
              xlen(rv64, 'and32', 'and64'),
              rv64 ? 'sub32sx' : null,
              rv64 ? 'add32sx' : null,
              null,
              null,
            ];
            const kind = kinds[which];
            return kind ? { op: 'alu', kind, dst: rd, src1: rd, src2: rs2 } : null;
          }
        }
      }
      case 5:
        return { op: 'jal', dst: RV_ZERO, offset: compressedJumpOffset(op) }; // c.j
      default: {
        // c.beqz / c.bnez
        const offset = signExtend(field(op, 12, 1, 8) | field(op, 10, 2, 3) | field(op, 5, 2, 6) | field(op, 3, 2, 1) | field(op, 2, 1, 5), 9);
        const kind: BranchKind = funct3 === 6 ? xlen(rv64, 'eq32', 'eq64') : xlen(rv64, 'ne32', 'ne64');
        return { op: 'branch', kind, src1: rs1Short, src2: RV_ZERO, offset };
      }
    }
  }

  if (quadrant === 2) {
    switch (funct3) {
      case 0: {
        const shamt = field(op, 2, 5, 0);
        if (rdFull === 0 || (bit12 === 0 && shamt === 0)) return null;
        if (bit12 === 0) return { op: 'alu-imm', kind: xlen(rv64, 'sll32', 'sll64'), dst: rdFull, src: rdFull, imm: shamt };
        if (!rv64) return null;
        return { op: 'alu-imm', kind: 'sll64', dst: rdFull, src: rdFull, imm: 32 | shamt }; // c.slli
      }
      case 2: {
        if (rdFull === 0) return null;
        const offset = field(op, 12, 1, 5) | field(op, 4, 3, 2) | field(op, 2, 2, 6);
        return { op: 'load', kind: 'i32', dst: rdFull, base: RV_SP, offset }; // c.lwsp
      }
      case 3: {
        if (!rv64 || rdFull === 0) return null;
        const offset = field(op, 12, 1, 5) | field(op, 5, 2, 3) | field(op, 2, 3, 6);
        return { op: 'load', kind: 'u64', dst: rdFull, base: RV_SP, offset }; // c.ldsp
      }
      case 4: {
        if (rdFull === 0) return null;
        if (bit12 === 0) {
          if (rs2Full === 0) return { op: 'jalr', dst: RV_ZERO, base: rdFull, offset: 0 }; // c.jr
          return { op: 'alu', kind: xlen(rv64, 'add32', 'add64'), dst: rdFull, src1: RV_ZERO, src2: rs2Full }; // c.mv
        }
        if (rs2Full === 0) return { op: 'jalr', dst: RV_RA, base: rdFull, offset: 0 }; // c.jalr
        return { op: 'alu', kind: xlen(rv64, 'add32', 'add64'), dst: rdFull, src1: rdFull, src2: rs2Full }; // c.add
      }
      case 6: {
        const offset = field(op, 9, 4, 2) | field(op, 7, 2, 6);
        return { op: 'store', kind: 'u32', src: rs2Full, base: RV_SP, offset }; // c.swsp
      }
      case 7: {
        if (!rv64) return null;
        const offset = field(op, 10, 3, 3) | field(op, 7, 3, 6);
        return { op: 'store', kind: 'u64', src: rs2Full, base: RV_SP, offset }; // c.sdsp
      }
      default:
        return null;
    }
  }
  return null;
}

/** The offset of `c.j` / `c.jal`. */
function compressedJumpOffset(op: number): number {
  const value =
    field(op, 12, 1, 11) | field(op, 11, 1, 4) | field(op, 9, 2, 8) | field(op, 8, 1, 10) |
    field(op, 7, 1, 6) | field(op, 6, 1, 7) | field(op, 3, 3, 1) | field(op, 2, 1, 5);
  return signExtend(value, 12);
}

const BRANCH_KINDS: readonly (readonly [BranchKind, BranchKind] | null)[] = [
  ['eq32', 'eq64'], ['ne32', 'ne64'], null, null, ['lt32', 'lt64'], ['ge32', 'ge64'], ['ltu32', 'ltu64'], ['geu32', 'geu64'],
];
const ATOMIC_KINDS = new Map<number, AtomicKind>([
  [0b00000, 'add'], [0b00001, 'swap'], [0b00100, 'xor'], [0b01100, 'and'], [0b01000, 'or'],
  [0b10000, 'min'], [0b10100, 'max'], [0b11000, 'minu'], [0b11100, 'maxu'],
]);

function decodeFull(op: number, rv64: boolean): RiscvInstruction | null {
  if (op === 0xc0001073) return { op: 'unimp' }; // `csrrw zero, cycle, zero`: the canonical 32-bit `unimp`
  const rd = (op >>> 7) & 31;
  const rs1 = (op >>> 15) & 31;
  const rs2 = (op >>> 20) & 31;
  const funct3 = (op >>> 12) & 7;
  const funct7 = op >>> 25;
  const immI = op >> 20;

  switch (op & 0x7f) {
    case 0b0110111:
      return { op: 'lui', dst: rd, value: (op & 0xfffff000) | 0 };
    case 0b0010111:
      return { op: 'auipc', dst: rd, value: (op & 0xfffff000) | 0 };
    case 0b1101111: {
      const offset = field(op, 21, 10, 1) | field(op, 20, 1, 11) | field(op, 12, 8, 12) | field(op, 31, 1, 20);
      return { op: 'jal', dst: rd, offset: signExtend(offset, 21) };
    }
    case 0b1100111:
      return funct3 === 0 ? { op: 'jalr', dst: rd, base: rs1, offset: immI } : null;
    case 0b1100011: {
      const kinds = BRANCH_KINDS[funct3];
      if (!kinds) return null;
      const offset = field(op, 8, 4, 1) | field(op, 25, 6, 5) | field(op, 7, 1, 11) | field(op, 31, 1, 12);
      return { op: 'branch', kind: kinds[rv64 ? 1 : 0], src1: rs1, src2: rs2, offset: signExtend(offset, 13) };
    }
    case 0b0000011: {
      const kind = (['i8', 'i16', 'i32', rv64 ? 'u64' : null, 'u8', 'u16', rv64 ? 'u32' : null, null] as const)[funct3];
      return kind ? { op: 'load', kind, dst: rd, base: rs1, offset: immI } : null;
    }
    case 0b0100011: {
      const kind = (['u8', 'u16', 'u32', rv64 ? 'u64' : null] as const)[funct3];
      const offset = signExtend(field(op, 7, 5, 0) | field(op, 25, 7, 5), 12);
      return kind ? { op: 'store', kind, src: rs2, base: rs1, offset } : null;
    }
    case 0b0010011:
      return decodeOpImm(op, rv64, rd, rs1, rs2, funct3, funct7, immI);
    case 0b0011011:
      return rv64 ? decodeOpImm32(rd, rs1, rs2, funct3, funct7, immI) : null;
    case 0b0110011:
      return decodeOp(op, rv64, rd, rs1, rs2, funct3, funct7);
    case 0b0111011:
      return rv64 ? decodeOp32(op, rd, rs1, rs2, funct3, funct7) : null;
    case 0b1110011:
      return op === 0x00000073 ? { op: 'ecall' } : null;
    case 0b0001111:
      if (op === 0x0000100f || (op & 0x000fffff) === 0x0000000f) return { op: 'fence' };
      return null;
    case 0b0101111: {
      const is64 = funct3 === 3;
      if (funct3 !== 2 && !(is64 && rv64)) return null;
      const kind = op >>> 27;
      if (kind === 0b00010) return rs2 === 0 ? { op: 'lr', is64, dst: rd, addr: rs1 } : null;
      if (kind === 0b00011) return { op: 'sc', is64, dst: rd, addr: rs1, src: rs2 };
      const atomic = ATOMIC_KINDS.get(kind);
      return atomic ? { op: 'amo', kind: atomic, is64, dst: rd, addr: rs1, src: rs2 } : null;
    }
    case 0b0001011:
      // MIPS `ccmov rd, rs2, rs1, rs3` (rd = rs2 != 0 ? rs1 : rs3).
      if (((op >>> 25) & 3) === 3 && funct3 === 3) return { op: 'select', dst: rd, ifTrue: rs1, ifFalse: op >>> 27, cond: rs2 };
      // XTheadCondMov `th.mveqz` / `th.mvnez`.
      if (funct3 === 1 && (funct7 === 0b0100000 || funct7 === 0b0100001)) {
        return { op: 'cmov', ifZero: funct7 === 0b0100000, dst: rd, src: rs1, cond: rs2 };
      }
      return null;
    default:
      return null;
  }
}

function decodeOpImm(op: number, rv64: boolean, rd: number, rs1: number, rs2: number, funct3: number, funct7: number, immI: number): RiscvInstruction | null {
  const shamt = rv64 ? field(op, 20, 6, 0) : field(op, 20, 5, 0);
  const shiftForm = (f7: number): boolean => funct7 === f7 || (rv64 && funct7 === (f7 | 1));
  switch (funct3) {
    case 0: return { op: 'alu-imm', kind: xlen(rv64, 'add32', 'add64'), dst: rd, src: rs1, imm: immI };
    case 2: return { op: 'alu-imm', kind: xlen(rv64, 'slt32', 'slt64'), dst: rd, src: rs1, imm: immI };
    case 3: return { op: 'alu-imm', kind: xlen(rv64, 'sltu32', 'sltu64'), dst: rd, src: rs1, imm: immI };
    case 4: return { op: 'alu-imm', kind: xlen(rv64, 'xor32', 'xor64'), dst: rd, src: rs1, imm: immI };
    case 6: return { op: 'alu-imm', kind: xlen(rv64, 'or32', 'or64'), dst: rd, src: rs1, imm: immI };
    case 7: return { op: 'alu-imm', kind: xlen(rv64, 'and32', 'and64'), dst: rd, src: rs1, imm: immI };
    case 1: {
      if (shiftForm(0)) return { op: 'alu-imm', kind: xlen(rv64, 'sll32', 'sll64'), dst: rd, src: rs1, imm: shamt };
      if (funct7 !== 0b0110000) return null;
      const unary = ([xlen(rv64, 'clz32', 'clz64'), xlen(rv64, 'ctz32', 'ctz64'), xlen(rv64, 'cpop32', 'cpop64'), null, 'sext8', 'sext16'] as const)[rs2];
      return unary ? { op: 'unary', kind: unary, dst: rd, src: rs1 } : null;
    }
    case 5: {
      if (shiftForm(0b0000000)) return { op: 'alu-imm', kind: xlen(rv64, 'srl32', 'srl64'), dst: rd, src: rs1, imm: shamt };
      if (shiftForm(0b0100000)) return { op: 'alu-imm', kind: xlen(rv64, 'sra32', 'sra64'), dst: rd, src: rs1, imm: shamt };
      if (shiftForm(0b0110000)) return { op: 'alu-imm', kind: xlen(rv64, 'rotr32', 'rotr64'), dst: rd, src: rs1, imm: shamt };
      const funct12 = op >>> 20;
      if (funct12 === 0x287) return { op: 'unary', kind: 'orcb', dst: rd, src: rs1 };
      if (funct12 === (rv64 ? 0x6b8 : 0x698)) return { op: 'unary', kind: 'rev8', dst: rd, src: rs1 };
      return null;
    }
    default:
      return null;
  }
}

function decodeOpImm32(rd: number, rs1: number, rs2: number, funct3: number, funct7: number, immI: number): RiscvInstruction | null {
  switch (funct3) {
    case 0:
      return { op: 'alu-imm', kind: 'add32sx', dst: rd, src: rs1, imm: immI };
    case 1:
      if (funct7 === 0) return { op: 'alu-imm', kind: 'sll32sx', dst: rd, src: rs1, imm: rs2 };
      if (funct7 === 0b0110000) {
        const unary = (['clz32', 'ctz32', 'cpop32'] as const)[rs2];
        return unary ? { op: 'unary', kind: unary, dst: rd, src: rs1 } : null;
      }
      return null;
    case 5:
      if (funct7 === 0) return { op: 'alu-imm', kind: 'srl32sx', dst: rd, src: rs1, imm: rs2 };
      if (funct7 === 0b0100000) return { op: 'alu-imm', kind: 'sra32sx', dst: rd, src: rs1, imm: rs2 };
      if (funct7 === 0b0110000) return { op: 'alu-imm', kind: 'rotr32sx', dst: rd, src: rs1, imm: rs2 };
      return null;
    default:
      return null;
  }
}

function decodeOp(op: number, rv64: boolean, rd: number, rs1: number, rs2: number, funct3: number, funct7: number): RiscvInstruction | null {
  if (!rv64 && (op & 0xfff07000) === 0x08004000) return { op: 'unary', kind: 'zext16', dst: rd, src: rs1 }; // zext.h
  const x = <T>(k32: T, k64: T): T => (rv64 ? k64 : k32);
  let kind: AluKind | RegRegKind | null = null;
  switch ((funct7 << 3) | funct3) {
    case 0x000: kind = x('add32', 'add64'); break;
    case 0x100: kind = x('sub32', 'sub64'); break;
    case 0x001: kind = x('sll32', 'sll64'); break;
    case 0x002: kind = x('slt32', 'slt64'); break;
    case 0x003: kind = x('sltu32', 'sltu64'); break;
    case 0x004: kind = x('xor32', 'xor64'); break;
    case 0x005: kind = x('srl32', 'srl64'); break;
    case 0x105: kind = x('sra32', 'sra64'); break;
    case 0x006: kind = x('or32', 'or64'); break;
    case 0x007: kind = x('and32', 'and64'); break;
    case 0x008: kind = x('mul32', 'mul64'); break;
    case 0x009: kind = x('mulh32', 'mulh64'); break;
    case 0x00a: kind = x('mulhsu32', 'mulhsu64'); break;
    case 0x00b: kind = x('mulhu32', 'mulhu64'); break;
    case 0x00c: kind = x('div32', 'div64'); break;
    case 0x00d: kind = x('divu32', 'divu64'); break;
    case 0x00e: kind = x('rem32', 'rem64'); break;
    case 0x00f: kind = x('remu32', 'remu64'); break;
    case 0x02c: kind = 'min'; break;
    case 0x02d: kind = 'minu'; break;
    case 0x02e: kind = 'max'; break;
    case 0x02f: kind = 'maxu'; break;
    case 0x104: kind = 'xnor'; break;
    case 0x106: kind = 'orn'; break;
    case 0x107: kind = 'andn'; break;
    case 0x181: kind = x('rotl32', 'rotl64'); break;
    case 0x185: kind = x('rotr32', 'rotr64'); break;
  }
  return kind ? { op: 'alu', kind, dst: rd, src1: rs1, src2: rs2 } : null;
}

function decodeOp32(op: number, rd: number, rs1: number, rs2: number, funct3: number, funct7: number): RiscvInstruction | null {
  if ((op & 0xfff07000) === 0x08004000) return { op: 'unary', kind: 'zext16', dst: rd, src: rs1 }; // zext.h
  let kind: AluKind | RegRegKind | null = null;
  switch ((funct7 << 3) | funct3) {
    case 0x000: kind = 'add32sx'; break;
    case 0x001: kind = 'sll32sx'; break;
    case 0x005: kind = 'srl32sx'; break;
    case 0x008: kind = 'mul32sx'; break;
    case 0x00c: kind = 'div32sx'; break;
    case 0x00d: kind = 'divu32sx'; break;
    case 0x00e: kind = 'rem32sx'; break;
    case 0x00f: kind = 'remu32sx'; break;
    case 0x100: kind = 'sub32sx'; break;
    case 0x105: kind = 'sra32sx'; break;
    case 0x181: kind = 'rotl32sx'; break;
    case 0x185: kind = 'rotr32sx'; break;
  }
  return kind ? { op: 'alu', kind, dst: rd, src1: rs1, src2: rs2 } : null;
}
