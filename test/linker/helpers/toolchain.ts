/**
 * Test helper: builds guest ELF files with the LLVM toolchain (clang-19 and ld.lld-19). Tests that need it are
 * skipped, with a message, when the tools are not installed.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function available(tool: string): boolean {
  const result = spawnSync(tool, ['--version'], { encoding: 'utf8' });
  return result.status === 0;
}

export const CLANG = 'clang-19';
export const LLD = 'ld.lld-19';
/** Why toolchain tests are skipped, or false if the tools are there. */
export const TOOLCHAIN_MISSING: string | false = available(CLANG) && available(LLD) ? false : `${CLANG} and ${LLD} are not installed`;

export const TARGETS = {
  32: ['--target=riscv32-unknown-none-elf', '-march=rv32emac_zbb', '-mabi=ilp32e'],
  64: ['--target=riscv64-unknown-none-elf', '-march=rv64emac_zbb', '-mabi=lp64e'],
} as const;

/** The ld.lld flags PolkaVM guests are linked with (a shared object with relocations kept). */
export const SHARED_LINK_FLAGS = ['-shared', '--emit-relocs', '--unique', '--apply-dynamic-relocs', '--no-allow-shlib-undefined', '-Bsymbolic', '-z', 'notext', '--gc-sections'];

function run(tool: string, args: readonly string[]): void {
  const result = spawnSync(tool, args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${tool} ${args.join(' ')} failed:\n${result.stderr}`);
}

/** Compiles (or assembles) `sources` for a bitness and links them; returns the ELF bytes. */
export function buildGuest(sources: readonly string[], bits: 32 | 64, compileFlags: readonly string[], linkFlags: readonly string[]): Uint8Array {
  const dir = mkdtempSync(join(tmpdir(), 'polkavm-linker-test-'));
  try {
    const objects = sources.map((source, i) => {
      const object = join(dir, `${i}.o`);
      run(CLANG, [...TARGETS[bits], ...compileFlags, '-c', source, '-o', object]);
      return object;
    });
    const output = join(dir, 'guest.elf');
    run(LLD, [...linkFlags, ...objects, '-o', output]);
    return readFileSync(output);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
