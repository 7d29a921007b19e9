/** Small helpers shared by the CLI subcommands: number parsing and usage errors. */
import { InvalidArgumentError } from '../errors.js';

/** A wrong command-line argument: printed with the subcommand's usage, exit code 2. */
export class UsageError extends InvalidArgumentError {
  override name = 'UsageError';
}

/** Parses a decimal or 0x-hex integer (may be negative) as a bigint. */
export function parseBigInt(text: string, what: string): bigint {
  const trimmed = text.trim();
  if (!/^-?(0x[0-9a-fA-F_]+|[0-9_]+)$/.test(trimmed)) throw new UsageError(`${what}: '${text}' is not an integer`);
  const negative = trimmed.startsWith('-');
  const digits = (negative ? trimmed.slice(1) : trimmed).replaceAll('_', '');
  const value = BigInt(digits);
  return negative ? -value : value;
}

/** Parses an integer that must fit in a u32. */
export function parseU32(text: string, what: string): number {
  const value = parseBigInt(text, what);
  if (value < 0n || value > 0xffffffffn) throw new UsageError(`${what}: ${text} is out of range (0..2^32-1)`);
  return Number(value);
}

/** Parses a comma-separated list of integers (empty string → empty list). */
export function parseList(text: string, what: string): bigint[] {
  return text.trim() === '' ? [] : text.split(',').map((part) => parseBigInt(part, what));
}

/** Narrows an option value to one of the allowed strings. */
export function parseChoice<T extends string>(text: string, choices: readonly T[], what: string): T {
  if ((choices as readonly string[]).includes(text)) return text as T;
  throw new UsageError(`${what}: '${text}' is not one of ${choices.join(', ')}`);
}
