/**
 * Shared helpers of the guest-program tests: the committed blobs in guest/bin/ (built by guest/build.sh from the C
 * sources in guest/), loaded through the public API.
 */
import { existsSync, readFileSync } from 'node:fs';
import { testEngine } from '../helpers/backend.js';
import { type Instance, Linker } from '../../src/api/linker.js';
import { Module, type ModuleOptions } from '../../src/api/module.js';
import { Reg } from '../../src/isa/registers.js';

export const GUEST_BIN = 'guest/bin';

/** The guests whose blobs are committed. */
export const PROGRAMS = ['hello', 'abi', 'sieve', 'sha256', 'sort', 'nqueens', 'mandelbrot'] as const;

/**
 * CoreMark is built from EEMBC's sources, which are not in this repository: `COREMARK_DIR=… guest/build.sh
 * coremark` leaves its blobs in guest/build/ (or COREMARK_BLOB_DIR), and its tests run when they are there.
 */
const COREMARK_BLOBS = process.env['COREMARK_BLOB_DIR'] ?? 'guest/build';

export interface Variant {
  readonly target: 'rv32' | 'rv64';
  readonly opt: 'O2' | 'O0';
}

export const VARIANTS: readonly Variant[] = [
  { target: 'rv32', opt: 'O2' },
  { target: 'rv32', opt: 'O0' },
  { target: 'rv64', opt: 'O2' },
  { target: 'rv64', opt: 'O0' },
];

export const variantName = (v: Variant): string => `${v.target}-${v.opt}`;
export const blobPath = (program: string, v: Variant): string => `${program === 'coremark' ? COREMARK_BLOBS : GUEST_BIN}/${program}-${variantName(v)}.polkavm`;

/** Every blob guest/build.sh produces. */
export const ALL_BLOBS: readonly string[] = PROGRAMS.flatMap((p) => VARIANTS.map((v) => blobPath(p, v)));

export function loadModule(program: string, v: Variant, options: ModuleOptions = {}): Module {
  return Module.fromBlob(testEngine(), readFileSync(blobPath(program, v)), options);
}

/** Calls `body` for each variant of the program whose blob exists; `skip` receives the reason for the others. */
export function forEachVariant(program: string, body: (v: Variant, skip: string | false) => void): void {
  for (const v of VARIANTS) {
    const path = blobPath(program, v);
    const build = program === 'coremark' ? 'COREMARK_DIR=<eembc/coremark checkout> guest/build.sh coremark' : 'guest/build.sh';
    body(v, existsSync(path) ? false : `${path} is missing (run ${build})`);
  }
}

/** A linker with `ext_stdout` writing into `output.text`. */
export function stdoutLinker(output: { text: string }): Linker {
  const decoder = new TextDecoder();
  return new Linker().define('ext_stdout', (caller, pointer, length) => {
    output.text += decoder.decode(caller.readMemory(Number(pointer & 0xffffffffn), Number(length & 0xffffffffn)));
    return length;
  });
}

const MASK32 = 0xffffffffn;
const MASK64 = (1n << 64n) - 1n;

/** The register arguments of a 64-bit value: one register on rv64, low and high halves on rv32. */
export function arg64(v: Variant, value: bigint): bigint[] {
  const bits = value & MASK64;
  return v.target === 'rv64' ? [bits] : [bits & MASK32, bits >> 32n];
}

/** A 64-bit result: a0 on rv64, a0 (low) and a1 (high) on rv32. Unsigned. */
export function result64(v: Variant, instance: Instance): bigint {
  if (v.target === 'rv64') return instance.reg(Reg.A0) & MASK64;
  return (instance.reg(Reg.A0) & MASK32) | ((instance.reg(Reg.A1) & MASK32) << 32n);
}

/** Reinterprets an unsigned 64-bit value as signed. */
export const signed64 = (value: bigint): bigint => BigInt.asIntN(64, value);

/** xorshift32, as the sort guest computes it. */
export function xorshift32(state: number): number {
  let x = state >>> 0;
  x = (x ^ (x << 13)) >>> 0;
  x = (x ^ (x >>> 17)) >>> 0;
  x = (x ^ (x << 5)) >>> 0;
  return x;
}
