import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { foldConstants } from '../../src/linker/operations.js';
import { evaluate, constant, type RegValue } from '../../src/linker/register-values.js';

const i64 = (x: bigint): bigint => BigInt.asIntN(64, x);
const MIN64 = -(1n << 63n);

test('constant folding follows RISC-V semantics (division by zero, overflow, 32-bit results sign-extended)', () => {
  assert.equal(foldConstants('div64', 7n, 0n), -1n);
  assert.equal(foldConstants('divu64', 7n, 0n), -1n);
  assert.equal(foldConstants('rem64', 7n, 0n), 7n);
  assert.equal(foldConstants('div64', MIN64, -1n), MIN64);
  assert.equal(foldConstants('rem64', MIN64, -1n), 0n);
  assert.equal(foldConstants('div32', -0x80000000n, -1n), -0x80000000n);
  assert.equal(foldConstants('divu32sx', 0xffffffffn, 1n), -1n);
  assert.equal(foldConstants('add32sx', 0x7fffffffn, 1n), -0x80000000n);
  assert.equal(foldConstants('sll32', 1n, 33n), 2n, 'shift amounts are taken modulo 32');
  assert.equal(foldConstants('sra64', -8n, 1n), -4n);
  assert.equal(foldConstants('srl64', -1n, 60n), 0xfn);
  assert.equal(foldConstants('mulhu64', -1n, -1n), -2n);
  assert.equal(foldConstants('mulh64', -1n, -1n), 0n);
  assert.equal(foldConstants('mulhsu64', -1n, -1n), -1n);
  assert.equal(foldConstants('rotl32', 0x80000001n, 1n), 3n);
  assert.equal(foldConstants('rotr64', 1n, 1n), MIN64);
  assert.equal(foldConstants('minu', -1n, 5n), 5n);
  assert.equal(foldConstants('max', -1n, 5n), 5n);
  assert.equal(foldConstants('sgeu32', -1n, 5n), 1n);
  assert.equal(foldConstants('slt32', 0xffffffffn, 0n), 1n);
});

test('property: 64-bit arithmetic folds like wrapping two\'s complement arithmetic', () => {
  const any64 = fc.bigInt({ min: MIN64, max: (1n << 63n) - 1n });
  fc.assert(
    fc.property(any64, any64, (a, b) => {
      assert.equal(foldConstants('add64', a, b), i64(a + b));
      assert.equal(foldConstants('sub64', a, b), i64(a - b));
      assert.equal(foldConstants('mul64', a, b), i64(a * b));
      assert.equal(foldConstants('xor64', a, b), a ^ b);
      assert.equal(foldConstants('andn', a, b), a & ~b);
      if (b !== 0n && !(a === MIN64 && b === -1n)) {
        assert.equal(foldConstants('div64', a, b), a / b);
        assert.equal(foldConstants('rem64', a, b), a % b);
      }
    }),
  );
});

test('symbolic evaluation: identities, address arithmetic and unknowns', () => {
  const x: RegValue = { kind: 'unknown', unique: 1, bits: 0xffn };
  const sizes = (): number => 100;
  assert.equal(evaluate('and64', x, constant(0n), sizes, true)?.kind, 'const');
  assert.equal(evaluate('add64', x, constant(0n), sizes, true), x);
  assert.deepEqual(evaluate('eq64', x, x, sizes, true), constant(1n));
  assert.equal(evaluate('add64', x, constant(1n), sizes, true), null);
  const address: RegValue = { kind: 'data', section: 3, offset: 10 };
  assert.deepEqual(evaluate('add32', address, constant(5n), sizes, false), { kind: 'data', section: 3, offset: 15 });
  assert.equal(evaluate('add32', address, constant(500n), sizes, false), null, 'past the end of the section');
  assert.deepEqual(evaluate('div64', x, constant(0n), sizes, true), constant(-1n));
});
