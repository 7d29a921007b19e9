import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { buildGuest, TOOLCHAIN_MISSING } from './helpers/toolchain.js';
import { linkAndInstantiate } from './helpers/guest.js';
import { ElfFile } from '../../src/linker/elf.js';

// The fixture is plain source; tests run from build/test/linker, so resolve it in the source tree.
const FIXTURE = fileURLToPath(new URL('../../../test/linker/fixtures/all-relocations.S', import.meta.url));

const EXPECTED_RELOCATIONS: Record<string, number> = {
  R_RISCV_32: 1, R_RISCV_64: 2, R_RISCV_BRANCH: 16, R_RISCV_JAL: 17, R_RISCV_CALL_PLT: 19, R_RISCV_GOT_HI20: 20,
  R_RISCV_PCREL_HI20: 23, R_RISCV_PCREL_LO12_I: 24, R_RISCV_PCREL_LO12_S: 25, R_RISCV_HI20: 26, R_RISCV_LO12_I: 27,
  R_RISCV_LO12_S: 28, R_RISCV_ADD8: 33, R_RISCV_ADD16: 34, R_RISCV_ADD32: 35, R_RISCV_ADD64: 36, R_RISCV_SUB8: 37,
  R_RISCV_SUB16: 38, R_RISCV_SUB32: 39, R_RISCV_SUB64: 40, R_RISCV_ALIGN: 43, R_RISCV_RVC_BRANCH: 44,
  R_RISCV_RVC_JUMP: 45, R_RISCV_RELAX: 51, R_RISCV_SUB6: 52, R_RISCV_SET6: 53, R_RISCV_SET8: 54, R_RISCV_SET16: 55,
  R_RISCV_SET32: 56, R_RISCV_SET_ULEB128: 60, R_RISCV_SUB_ULEB128: 61, R_RISCV_NONE: 0,
};

const built = new Map<string, Uint8Array>();
function build(bits: 32 | 64, withUnusedSection: boolean): Uint8Array {
  const key = `${bits}:${withUnusedSection}`;
  let elf = built.get(key);
  if (elf === undefined) {
    const defines = withUnusedSection ? [] : ['-DWITHOUT_UNUSED_SECTION'];
    elf = buildGuest([FIXTURE], bits, defines, ['--emit-relocs', '--unique', '-e', '0']);
    built.set(key, elf);
  }
  return elf;
}

function call(elf: Uint8Array, optLevel: 0 | 1 | 2, name: string, args: readonly number[] = []): bigint {
  const { instance } = linkAndInstantiate(elf, { optLevel }, { host_add: (_caller, a, b) => a + b });
  return instance.call(name, args);
}

for (const bits of [32, 64] as const) {
  test(`rv${bits}: the assembled fixture really contains every relocation kind`, { skip: TOOLCHAIN_MISSING }, () => {
    const elf = new ElfFile(build(bits, true));
    const present = new Set(elf.sections.flatMap((s) => s.relocations.map((r) => r.type)));
    // Pointers are R_RISCV_32 in 32-bit code and R_RISCV_64 in 64-bit code.
    const notApplicable = bits === 32 ? 'R_RISCV_64' : 'R_RISCV_32';
    const missing = Object.entries(EXPECTED_RELOCATIONS).filter(([name, type]) => name !== notApplicable && !present.has(type));
    assert.deepEqual(missing, []);
  });

  for (const optLevel of [0, 1, 2] as const) {
    test(`rv${bits} O${optLevel}: every relocation kind links into a program that computes the right values`, { skip: TOOLCHAIN_MISSING }, () => {
      // Unoptimized links keep every section, including one holding a difference between two code addresses.
      const elf = build(bits, optLevel !== 0);
      assert.equal(call(elf, optLevel, 'hi_lo'), 0x33n);
      assert.equal(call(elf, optLevel, 'pcrel'), 0x111n);
      assert.equal(call(elf, optLevel, 'got'), 0x11n);
      assert.equal(call(elf, optLevel, 'calls', [0]), 1035n);
      assert.equal(call(elf, optLevel, 'calls', [7]), 42n);
      assert.equal(call(elf, optLevel, 'pointers'), 31n);
      assert.equal(call(elf, optLevel, 'differences'), 1n);
      assert.deepEqual([0, 1, 2, 3].map((i) => call(elf, optLevel, 'switch_table', [i])), [10n, 20n, 30n, 40n]);
      assert.equal(call(elf, optLevel, 'imports', [9]), 14n);
    });
  }
}
