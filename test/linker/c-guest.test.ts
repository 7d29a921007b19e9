import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { buildGuest, SHARED_LINK_FLAGS, TOOLCHAIN_MISSING } from './helpers/toolchain.js';
import { linkAndInstantiate } from './helpers/guest.js';
import { link } from '../../src/linker/index.js';
import { INSTRUCTION_SETS } from '../../src/isa/instruction-sets.js';

const FIXTURE = fileURLToPath(new URL('../../../test/linker/fixtures/c-guest.c', import.meta.url));
const COMPILE_FLAGS = ['-O2', '-fPIC', '-ffreestanding', '-nostdlib', '-ffunction-sections', '-fdata-sections'];

for (const bits of [32, 64] as const) {
  const elf = TOOLCHAIN_MISSING ? new Uint8Array(0) : buildGuest([FIXTURE], bits, COMPILE_FLAGS, SHARED_LINK_FLAGS);

  for (const optLevel of [0, 1, 2] as const) {
    test(`rv${bits} O${optLevel}: a C guest built like real guests links and runs`, { skip: TOOLCHAIN_MISSING }, () => {
      const { result, instance } = linkAndInstantiate(elf, { optLevel }, {
        alpha_increment: (_caller, x) => x + 1n,
        zeta_double: (_caller, x) => x * 2n,
      });
      // Imports are numbered by symbol name.
      assert.deepEqual(result.blob.imports.map(String), ['alpha_increment', 'zeta_double']);
      assert.equal(result.blob.stackSize, 65536);
      assert.equal(result.blob.isa, bits === 32 ? INSTRUCTION_SETS.latest32 : INSTRUCTION_SETS.latest64);
      assert.equal(instance.call('imports', [5]), 12n);
      assert.equal(instance.call('counter_add', [3]), 17n);
      assert.equal(instance.call('counter_add', [1]), 10n);
      assert.equal(instance.call('apply', [0, 7]), 14n);
      assert.equal(instance.call('apply', [1, 7]), 21n);
      assert.deepEqual([0, 1, 2, 3, 4, 5, 6, 100].map((x) => instance.call('classify', [x])), [100n, 205n, 310n, 415n, 520n, 625n, 7n, 7n]);
      assert.equal(instance.call('heap'), 4096n + 16n * 0xabn);
      assert.deepEqual(result.blob.exports.map((e) => String(e.symbol)).sort(), ['apply', 'classify', 'counter_add', 'heap', 'imports']);
    });
  }

  test(`rv${bits}: optimizing shrinks the program`, { skip: TOOLCHAIN_MISSING }, () => {
    const sizes = ([0, 1, 2] as const).map((optLevel) => link(elf, { optLevel }).blob.code.length);
    assert.ok(sizes[2]! < sizes[1]! && sizes[1]! <= sizes[0]!, `code sizes O0/O1/O2: ${sizes.join('/')}`);
    // Only the function pointers' targets need jump table entries.
    assert.equal(link(elf).blob.jumpTable.length, 2);
  });
}
