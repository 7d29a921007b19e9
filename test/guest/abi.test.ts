import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TrapError } from '../../src/errors.js';
import { Reg } from '../../src/isa/registers.js';
import { arg64, forEachVariant, loadModule, result64, signed64, stdoutLinker, variantName, type Variant } from './guest-helpers.js';

// guest/abi/abi.c checks the calling convention of guest/include/polkavm.h from both sides.

const ARG_REGS = [Reg.A0, Reg.A1, Reg.A2, Reg.A3, Reg.A4, Reg.A5, Reg.T0, Reg.T1, Reg.T2];

function instantiate(v: Variant) {
  const module = loadModule('abi', v);
  const seen: { sum9?: bigint[]; record?: bigint[]; increment64?: bigint } = {};
  const instance = stdoutLinker({ text: '' })
    .defineUntyped('ext_sum9', (caller) => {
      seen.sum9 = ARG_REGS.map((r) => caller.reg(r));
      caller.setReg(Reg.A0, seen.sum9.reduce((a, b) => a + (b & 0xffffffffn), 0n) & 0xffffffffn);
    })
    .define('ext_record', (_caller, a0, a1, a2, a3, a4) => {
      seen.record = [a0, a1, a2, a3, a4];
    })
    .defineUntyped('ext_increment64', (caller) => {
      const value = v.target === 'rv64' ? caller.reg(Reg.A0) : caller.reg(Reg.A0) | (caller.reg(Reg.A1) << 32n);
      seen.increment64 = value;
      const result = (value + 1n) & 0xffffffffffffffffn;
      caller.setReg(Reg.A0, v.target === 'rv64' ? result : result & 0xffffffffn);
      if (v.target === 'rv32') caller.setReg(Reg.A1, result >> 32n);
    })
    .instantiate(module);
  return { module, instance, seen };
}

forEachVariant('abi', (v, skip) => {
  const name = variantName(v);

  test(`abi (${name}): metadata — exports, imports sorted by symbol, minimum stack size`, { skip }, () => {
    const { module } = instantiate(v);
    assert.equal(module.is64Bit, v.target === 'rv64');
    assert.deepEqual(module.imports, ['ext_increment64', 'ext_record', 'ext_sum9']);
    const exports = module.exports.map((e) => e.name).sort();
    assert.deepEqual(exports, ['call_imports', 'deep_stack', 'div64', 'heap_check', 'heap_used', 'high_u32', 'is_high', 'is_minus_one', 'libc_check', 'mix64', 'negate_i32', 'next_byte', 'nothing', 'nothing_calls', 'rem64', 'sum9', 'trap']);
    assert.ok(module.memoryMap.stackSize >= 64 * 1024, `stack size ${module.memoryMap.stackSize}`);
  });

  test(`abi (${name}): export arguments — nine registers, 64-bit pairs, narrowing and extension`, { skip }, () => {
    const { instance } = instantiate(v);
    assert.equal(instance.call('sum9', [1, 2, 3, 4, 5, 6, 7, 8, 9]), 285n);
    instance.call('mix64', [...arg64(v, 0x1_0000_0005n), 7n, ...arg64(v, 2n)]);
    assert.equal(result64(v, instance), 0x1_0000_000an);
    assert.equal(instance.call('negate_i32', [5]), v.target === 'rv64' ? 0xffff_ffff_ffff_fffbn : 0xffff_fffbn);
    assert.equal(instance.call('high_u32'), 0x8000_0000n); // zero-extended, not sign-extended
    assert.equal(instance.call('is_high', [0x8000_0000]), 1n);
    assert.equal(instance.call('is_high', [0x8000_0001]), 0n);
    assert.equal(instance.call('is_minus_one', [0xffff_ffff]), 1n);
    assert.equal(instance.call('is_minus_one', [0x7fff_ffff]), 0n);
    assert.equal(instance.call('next_byte', [0x12345]), 0x12346n);
    instance.call('nothing');
    instance.call('nothing');
    assert.equal(instance.call('nothing_calls'), 2n);
  });

  test(`abi (${name}): imports receive nine registers, extended and split values, and return 64-bit results`, { skip }, () => {
    const { instance, seen } = instantiate(v);
    assert.equal(instance.call('call_imports'), 0n);
    assert.deepEqual(seen.sum9, [1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n, 9n]);
    // Four registers on rv64, five on rv32; registers beyond those hold whatever the guest left there.
    assert.deepEqual(
      seen.record?.slice(0, v.target === 'rv64' ? 4 : 5),
      v.target === 'rv64'
        ? [0xffff_ffff_ffff_fffbn, 0x8000_0000n, 0x1122_3344_5566_7788n, 0xabn]
        : [0xffff_fffbn, 0x8000_0000n, 0x5566_7788n, 0x1122_3344n, 0xabn],
    );
    assert.equal(seen.increment64, 0x1_ffff_ffffn);
  });

  test(`abi (${name}): heap (sbrk, heap base) and the memset instruction`, { skip }, () => {
    const { instance } = instantiate(v);
    assert.equal(instance.call('heap_check', [10_000]), 0n);
    assert.equal(instance.call('heap_check', [70_000]), 0n);
    assert.ok(instance.call('heap_used') >= 80_000n);
  });

  test(`abi (${name}): freestanding memcpy/memmove/memset/memcmp and 64-bit division`, { skip }, () => {
    const { instance } = instantiate(v);
    assert.equal(instance.call('libc_check'), 0n);
    instance.call('div64', [...arg64(v, 1_000_000_000_000_007n), ...arg64(v, 12_345n)]);
    assert.equal(result64(v, instance), 1_000_000_000_000_007n / 12_345n);
    instance.call('rem64', [...arg64(v, -17n), ...arg64(v, 5n)]);
    assert.equal(signed64(result64(v, instance)), -2n);
  });

  test(`abi (${name}): a 48 KiB stack frame fits the requested stack; POLKAVM_TRAP traps`, { skip }, () => {
    const { instance } = instantiate(v);
    assert.equal(instance.call('deep_stack', [3]), 226_473_984n);
    assert.throws(() => instance.call('trap'), TrapError);
  });
});
