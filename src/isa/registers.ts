/** The 13 guest registers: index, ABI name and alternative name. */

/** Register indices (the reference's `Reg` enum). */
export const Reg = Object.freeze({
  RA: 0,
  SP: 1,
  T0: 2,
  T1: 3,
  T2: 4,
  S0: 5,
  S1: 6,
  A0: 7,
  A1: 8,
  A2: 9,
  A3: 10,
  A4: 11,
  A5: 12,
} as const);

export const REGISTER_COUNT = 13;

/** ABI names by register index. */
export const REGISTER_NAMES: readonly string[] = Object.freeze([
  'ra', 'sp', 't0', 't1', 't2', 's0', 's1', 'a0', 'a1', 'a2', 'a3', 'a4', 'a5',
]);

/** Registers holding call arguments, in order (at most 9 inputs). */
export const ARGUMENT_REGISTERS: readonly number[] = Object.freeze([
  Reg.A0, Reg.A1, Reg.A2, Reg.A3, Reg.A4, Reg.A5, Reg.T0, Reg.T1, Reg.T2,
]);

/** Parses `ra`, `a0`, ... or `r0`..`r12`; returns the index or undefined. */
export function parseRegister(name: string): number | undefined {
  const abi = REGISTER_NAMES.indexOf(name);
  if (abi >= 0) return abi;
  const match = /^r(\d+)$/.exec(name);
  if (match) {
    const index = Number(match[1]);
    if (index < REGISTER_COUNT) return index;
  }
  return undefined;
}

/** Register index encoded in a 4-bit field: values above 12 alias `a5`. */
export function clampRegister(nibble: number): number {
  const r = nibble & 0xf;
  return r > 12 ? 12 : r;
}
