/**
 * The operation kinds the linker reasons about, shared by the RISC-V decoder, the intermediate representation,
 * the optimizer and the code emitter. `32`/`64` name the operand width; `32sx` marks RV64 "W" instructions
 * (32-bit operation, result sign-extended to 64 bits).
 */

/** Binary operations that PolkaVM can encode with an immediate operand on either side. */
export type AluKind =
  | 'add32' | 'add32sx' | 'add64'
  | 'sub32' | 'sub32sx' | 'sub64'
  | 'and32' | 'and64' | 'or32' | 'or64' | 'xor32' | 'xor64'
  | 'sltu32' | 'sltu64' | 'slt32' | 'slt64'
  | 'sll32' | 'sll32sx' | 'sll64'
  | 'srl32' | 'srl32sx' | 'srl64'
  | 'sra32' | 'sra32sx' | 'sra64'
  | 'mul32' | 'mul32sx' | 'mul64'
  | 'rotr32' | 'rotr32sx' | 'rotr64';

/** Binary operations PolkaVM only has in register-register form. */
export type RegRegKind =
  | 'mulh32' | 'mulh64' | 'mulhu32' | 'mulhu64' | 'mulhsu32' | 'mulhsu64'
  | 'div32' | 'div32sx' | 'div64' | 'divu32' | 'divu32sx' | 'divu64'
  | 'rem32' | 'rem32sx' | 'rem64' | 'remu32' | 'remu32sx' | 'remu64'
  | 'andn' | 'orn' | 'xnor' | 'max' | 'maxu' | 'min' | 'minu'
  | 'rotl32' | 'rotl32sx' | 'rotl64';

/** Single-operand (Zbb) operations. */
export type UnaryKind =
  | 'clz32' | 'clz64' | 'ctz32' | 'ctz64' | 'cpop32' | 'cpop64'
  | 'rev8' | 'sext8' | 'sext16' | 'zext16';

/** Branch conditions. */
export type BranchKind =
  | 'eq32' | 'eq64' | 'ne32' | 'ne64'
  | 'lt32' | 'lt64' | 'ge32' | 'ge64'
  | 'ltu32' | 'ltu64' | 'geu32' | 'geu64';

export type LoadKind = 'i8' | 'i16' | 'i32' | 'u8' | 'u16' | 'u32' | 'u64';
export type StoreKind = 'u8' | 'u16' | 'u32' | 'u64';

/** Everything the constant folder can evaluate: binary operations plus the branch comparisons. */
export type FoldKind = AluKind | RegRegKind | 'eq32' | 'eq64' | 'ne32' | 'ne64' | 'sge32' | 'sge64' | 'sgeu32' | 'sgeu64';

/** A branch condition as the comparison the constant folder evaluates. */
export function branchAsFold(kind: BranchKind): FoldKind {
  switch (kind) {
    case 'eq32': case 'eq64': case 'ne32': case 'ne64':
      return kind;
    case 'lt32': return 'slt32';
    case 'lt64': return 'slt64';
    case 'ltu32': return 'sltu32';
    case 'ltu64': return 'sltu64';
    case 'ge32': return 'sge32';
    case 'ge64': return 'sge64';
    case 'geu32': return 'sgeu32';
    case 'geu64': return 'sgeu64';
  }
}

const MASK64 = (1n << 64n) - 1n;
const i64 = (x: bigint): bigint => BigInt.asIntN(64, x);
const u64 = (x: bigint): bigint => BigInt.asUintN(64, x);
const i32 = (x: bigint): bigint => BigInt.asIntN(32, x);
const u32 = (x: bigint): bigint => BigInt.asUintN(32, x);

/** RISC-V division semantics: x/0 = -1 (all ones), MIN/-1 = MIN. Operands are already in the signed domain. */
function divSigned(a: bigint, b: bigint, bits: bigint): bigint {
  if (b === 0n) return -1n;
  if (a === -(1n << (bits - 1n)) && b === -1n) return a;
  return a / b; // BigInt division truncates toward zero, like RISC-V.
}
function remSigned(a: bigint, b: bigint, bits: bigint): bigint {
  if (b === 0n) return a;
  if (a === -(1n << (bits - 1n)) && b === -1n) return 0n;
  return a % b;
}
function divUnsigned(a: bigint, b: bigint, mask: bigint): bigint {
  return b === 0n ? mask : a / b;
}
function remUnsigned(a: bigint, b: bigint): bigint {
  return b === 0n ? a : a % b;
}
function rotl(x: bigint, n: bigint, bits: bigint): bigint {
  const mask = (1n << bits) - 1n;
  const v = x & mask;
  const s = n % bits;
  return ((v << s) | (v >> ((bits - s) % bits))) & mask;
}

/**
 * Evaluates an operation on two constants (signed 64-bit values) with RISC-V semantics; the result is a signed
 * 64-bit value. 32-bit operations truncate their operands and sign-extend their result.
 */
export function foldConstants(kind: FoldKind, lhs: bigint, rhs: bigint): bigint {
  const a32 = i32(lhs);
  const b32 = i32(rhs);
  const ua32 = u32(lhs);
  const ub32 = u32(rhs);
  const ua64 = u64(lhs);
  const ub64 = u64(rhs);
  const sh32 = ub32 & 31n;
  const sh64 = ub64 & 63n;
  const bool = (x: boolean): bigint => (x ? 1n : 0n);
  switch (kind) {
    case 'add32': case 'add32sx': return i32(a32 + b32);
    case 'add64': return i64(lhs + rhs);
    case 'sub32': case 'sub32sx': return i32(a32 - b32);
    case 'sub64': return i64(lhs - rhs);
    case 'and32': return i32(a32 & b32);
    case 'and64': return i64(lhs & rhs);
    case 'or32': return i32(a32 | b32);
    case 'or64': return i64(lhs | rhs);
    case 'xor32': return i32(a32 ^ b32);
    case 'xor64': return i64(lhs ^ rhs);
    case 'sltu32': return bool(ua32 < ub32);
    case 'sltu64': return bool(ua64 < ub64);
    case 'slt32': return bool(a32 < b32);
    case 'slt64': return bool(lhs < rhs);
    case 'sgeu32': return bool(ua32 >= ub32);
    case 'sgeu64': return bool(ua64 >= ub64);
    case 'sge32': return bool(a32 >= b32);
    case 'sge64': return bool(lhs >= rhs);
    case 'eq32': return bool(a32 === b32);
    case 'eq64': return bool(lhs === rhs);
    case 'ne32': return bool(a32 !== b32);
    case 'ne64': return bool(lhs !== rhs);
    case 'sll32': case 'sll32sx': return i32(ua32 << sh32);
    case 'sll64': return i64(ua64 << sh64);
    case 'srl32': case 'srl32sx': return i32(ua32 >> sh32);
    case 'srl64': return i64(ua64 >> sh64);
    case 'sra32': case 'sra32sx': return i32(a32 >> sh32);
    case 'sra64': return lhs >> sh64;
    case 'mul32': case 'mul32sx': return i32(a32 * b32);
    case 'mul64': return i64(lhs * rhs);
    case 'mulh32': return i32((a32 * b32) >> 32n);
    case 'mulh64': return i64((lhs * rhs) >> 64n);
    case 'mulhu32': return i32((ua32 * ub32) >> 32n);
    case 'mulhu64': return i64((ua64 * ub64) >> 64n);
    case 'mulhsu32': return i32((a32 * ub32) >> 32n);
    case 'mulhsu64': return i64((lhs * ub64) >> 64n);
    case 'div32': case 'div32sx': return i32(divSigned(a32, b32, 32n));
    case 'div64': return i64(divSigned(lhs, rhs, 64n));
    case 'divu32': case 'divu32sx': return i32(divUnsigned(ua32, ub32, 0xffffffffn));
    case 'divu64': return i64(divUnsigned(ua64, ub64, MASK64));
    case 'rem32': case 'rem32sx': return i32(remSigned(a32, b32, 32n));
    case 'rem64': return i64(remSigned(lhs, rhs, 64n));
    case 'remu32': case 'remu32sx': return i32(remUnsigned(ua32, ub32));
    case 'remu64': return i64(remUnsigned(ua64, ub64));
    case 'andn': return i64(lhs & ~rhs);
    case 'orn': return i64(lhs | ~rhs);
    case 'xnor': return i64(~(lhs ^ rhs));
    case 'max': return lhs > rhs ? lhs : rhs;
    case 'min': return lhs < rhs ? lhs : rhs;
    case 'maxu': return ua64 > ub64 ? lhs : rhs;
    case 'minu': return ua64 < ub64 ? lhs : rhs;
    case 'rotl32': case 'rotl32sx': return i32(rotl(ua32, ub32, 32n));
    case 'rotl64': return i64(rotl(ua64, ub64, 64n));
    case 'rotr32': case 'rotr32sx': return i32(rotl(ua32, (32n - (ub32 & 31n)) & 31n, 32n));
    case 'rotr64': return i64(rotl(ua64, (64n - (ub64 & 63n)) & 63n, 64n));
  }
}

/** Whether an operation produces a 64-bit result (false: a sign-extended 32-bit one). */
export function is64BitAlu(kind: AluKind): boolean {
  return kind.endsWith('64');
}
