/**
 * Operand parsing for the assembler: registers, the three flavours of immediates the reference assembler accepts,
 * memory operands and hex byte strings.
 */
import { parseRegister } from '../isa/registers.js';

/** An immediate as the reference's `parse_immediate` classifies it: fits an i32, or needs 64 bits. */
export type ParsedImmediate = { readonly kind: 'i32'; readonly value: number } | { readonly kind: 'u64'; readonly value: bigint };

const U64_LIMIT = 1n << 64n;
const I32_MIN = -(1n << 31n);
const I32_MAX = (1n << 31n) - 1n;

/** Register index of `text` (ABI name or `r0`..`r12`), or undefined. */
export function parseReg(text: string): number | undefined {
  return parseRegister(text.trim());
}

/** Parses `0x…`, `0b…` or a decimal into a bigint; undefined if malformed or out of the u64/i64 range. */
function parseNumber(text: string): bigint | undefined {
  if (/^0x[0-9a-fA-F]+$/.test(text) || /^0b[01]+$/.test(text)) {
    const value = BigInt(text);
    return value < U64_LIMIT ? value : undefined;
  }
  if (/^[+-]?[0-9]+$/.test(text)) {
    const value = BigInt(text);
    // Negative numbers must fit an i32 (the reference rejects larger negative literals), positive ones a u64.
    if (value < I32_MIN || value >= U64_LIMIT) return undefined;
    return value;
  }
  return undefined;
}

/** Reinterprets a u64 as i64 and returns it as an i32 if it fits (e.g. `0xfffffffffffffff0` → -16). */
function asSignExtendedI32(value: bigint): number | undefined {
  const signed = BigInt.asIntN(64, value);
  return signed >= I32_MIN && signed <= I32_MAX ? Number(signed) : undefined;
}

/**
 * The reference's `parse_immediate`: an optional `i64 ` prefix forces a 64-bit value; otherwise values whose
 * 64-bit two's complement reading fits an i32 are i32 (so `0xffffffffffffffff` is -1 but `0xffffffff` is 64-bit).
 */
export function parseImmediate(text: string): ParsedImmediate | undefined {
  let body = text.trim();
  const force64 = body.startsWith('i64 ');
  if (force64) body = body.slice(4).trim();
  const value = parseNumber(body);
  if (value === undefined) return undefined;
  if (force64) return { kind: 'u64', value: BigInt.asUintN(64, value) };
  const small = asSignExtendedI32(BigInt.asUintN(64, value));
  return small === undefined ? { kind: 'u64', value } : { kind: 'i32', value: small };
}

/**
 * An immediate in a 32-bit operand slot where the reference uses `parse_imm` (memory offsets and addresses,
 * branch and conditional-move operands): u32 values wrap to i32, so `[0xfffe0000]` works. We also accept the
 * sign-extended 64-bit spelling the disassembler prints for negative values.
 */
export function parseImm(text: string): number | undefined {
  const parsed = parseImmediate(text);
  if (parsed === undefined || text.trim().startsWith('i64 ')) return undefined;
  if (parsed.kind === 'i32') return parsed.value;
  return parsed.value <= 0xffffffffn ? Number(BigInt.asIntN(32, parsed.value)) : undefined;
}

/**
 * An immediate operand of an ALU instruction or an immediate store (the reference's `parse_immediate` narrowed to
 * i32). In a 64-bit program the value is sign-extended by the VM, so `0xffffffff` is rejected rather than silently
 * becoming -1; in a 32-bit program registers are 32 bits wide and u32 values wrap.
 */
export function parseImmI32(text: string, is64Bit: boolean): number | undefined {
  const parsed = parseImmediate(text);
  if (parsed === undefined || text.trim().startsWith('i64 ')) return undefined;
  if (parsed.kind === 'i32') return parsed.value;
  return !is64Bit && parsed.value <= 0xffffffffn ? Number(BigInt.asIntN(32, parsed.value)) : undefined;
}

/** An unsigned 32-bit number (decimal or hex), as used by `ecalli` and the size directives. */
export function parseU32(text: string): number | undefined {
  const value = parseNumber(text.trim());
  return value !== undefined && value >= 0n && value <= 0xffffffffn ? Number(value) : undefined;
}

/** A register or an immediate (immediate first, as the reference does). */
export type RegOrImm = { readonly reg: number } | { readonly imm: number };

/** Parses a branch or conditional-move operand. */
export function parseRegOrImm(text: string): RegOrImm | undefined {
  const imm = parseImm(text);
  if (imm !== undefined) return { imm };
  const reg = parseReg(text);
  return reg === undefined ? undefined : { reg };
}

/** A memory operand `[…]`: absolute (`base` undefined) or register-relative. */
export interface MemoryOperand {
  readonly base: number | undefined;
  readonly offset: number;
}

/**
 * Parses `[addr]`, `[reg]`, `[reg + off]` and (our extension) `[reg - off]`. Returns undefined if `text` is not
 * a bracketed memory operand.
 */
export function parseMemory(text: string): MemoryOperand | undefined {
  const match = /^\[(.*)\]$/.exec(text.trim());
  if (!match) return undefined;
  const inner = match[1]!.trim();
  const base = parseReg(inner);
  if (base !== undefined) return { base, offset: 0 };
  const relative = /^(\S+)\s*([+-])\s*(.+)$/.exec(inner);
  if (relative) {
    const reg = parseReg(relative[1]!);
    const offset = parseImm(relative[3]!);
    if (reg !== undefined && offset !== undefined) return { base: reg, offset: relative[2] === '-' ? -offset | 0 : offset };
  }
  const address = parseImm(inner);
  return address === undefined ? undefined : { base: undefined, offset: address };
}

/** Parses hex bytes (`81 82 83` or `818283`), as `%ro_data`/`%rw_data` take them. */
export function parseHexBytes(text: string): Uint8Array | undefined {
  const compact = text.replace(/\s+/g, '');
  if (compact.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(compact)) return undefined;
  const out = new Uint8Array(compact.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(compact.slice(2 * i, 2 * i + 2), 16);
  return out;
}
