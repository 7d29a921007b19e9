import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GuestBuilder, linkAndInstantiate, R, rv, X } from './helpers/guest.js';
import { ElfLinkError } from '../../src/linker/index.js';
import { TrapError } from '../../src/errors.js';

type Body = (g: GuestBuilder) => void;

/**
 * Builds `f(args...)` from `body` (which must leave the result in a0; `ret` is appended), links it unoptimized
 * and optimized, runs both and checks they agree. Returns the result as an unsigned XLEN-bit value.
 */
function evaluate(is64: boolean, body: Body, args: readonly (number | bigint)[] = [], data?: (g: GuestBuilder) => void): bigint {
  const g = new GuestBuilder(is64);
  g.label('f');
  body(g);
  g.emit(rv.ret());
  g.export('f', 'f', args.length, 1);
  data?.(g);
  const elf = g.build();
  const results = ([0, 1, 2] as const).map((optLevel) => linkAndInstantiate(elf, { optLevel }).instance.call('f', args.map((a) => BigInt.asUintN(is64 ? 64 : 32, BigInt(a)))));
  assert.equal(results[1], results[0], 'O1 and O0 disagree');
  assert.equal(results[2], results[0], 'O2 and O0 disagree');
  return results[0]!;
}

const u = (is64: boolean, value: bigint | number): bigint => BigInt.asUintN(is64 ? 64 : 32, BigInt(value));
const { a0, a1, a2, a3, t0, s0 } = X;

for (const is64 of [false, true]) {
  const bits = is64 ? 'rv64' : 'rv32';

  test(`${bits}: base integer instructions (ALU, immediates, shifts, comparisons)`, () => {
    assert.equal(evaluate(is64, (g) => g.emit(rv.add(a0, a0, a1)), [40, 2]), 42n);
    assert.equal(evaluate(is64, (g) => g.emit(rv.sub(a0, a0, a1)), [2, 5]), u(is64, -3));
    assert.equal(evaluate(is64, (g) => g.emit(rv.addi(a0, a0, -7)), [10]), 3n);
    assert.equal(evaluate(is64, (g) => g.emit(rv.slli(a0, a0, 4), rv.srai(a0, a0, 2)), [-1]), u(is64, -4));
    assert.equal(evaluate(is64, (g) => g.emit(rv.srli(a0, a0, 28)), [0xf0000000]), is64 ? 0xfn : 0xfn);
    assert.equal(evaluate(is64, (g) => g.emit(rv.slt(a0, a0, a1)), [-1, 0]), 1n);
    assert.equal(evaluate(is64, (g) => g.emit(rv.sltu(a0, a0, a1)), [-1, 0]), 0n);
    assert.equal(evaluate(is64, (g) => g.emit(rv.sltiu(a0, a0, 1)), [0]), 1n); // seqz
    assert.equal(evaluate(is64, (g) => g.emit(rv.xori(a0, a0, -1)), [5]), u(is64, -6)); // not
    assert.equal(evaluate(is64, (g) => g.emit(rv.lui(a0, 0x12345), rv.addi(a0, a0, 0x678))), 0x12345678n);
    assert.equal(evaluate(is64, (g) => g.emit(rv.lui(a0, 0x80000))), u(is64, -0x80000000)); // sign-extended on RV64
    assert.equal(evaluate(is64, (g) => g.emit(rv.sll(a0, a0, a1)), [1, is64 ? 63 : 31]), u(is64, 1n << (is64 ? 63n : 31n)));
  });

  test(`${bits}: M extension, including division by zero and overflow`, () => {
    const min = is64 ? -(1n << 63n) : -(1n << 31n);
    assert.equal(evaluate(is64, (g) => g.emit(rv.mul(a0, a0, a1)), [-3, 7]), u(is64, -21));
    assert.equal(evaluate(is64, (g) => g.emit(rv.mulh(a0, a0, a1)), [-1, -1]), 0n);
    assert.equal(evaluate(is64, (g) => g.emit(rv.mulhu(a0, a0, a1)), [-1, -1]), u(is64, -2));
    assert.equal(evaluate(is64, (g) => g.emit(rv.mulhsu(a0, a0, a1)), [-1, -1]), u(is64, -1));
    assert.equal(evaluate(is64, (g) => g.emit(rv.div(a0, a0, a1)), [-7, 2]), u(is64, -3));
    assert.equal(evaluate(is64, (g) => g.emit(rv.div(a0, a0, a1)), [5, 0]), u(is64, -1));
    assert.equal(evaluate(is64, (g) => g.emit(rv.div(a0, a0, a1)), [min, -1]), u(is64, min));
    assert.equal(evaluate(is64, (g) => g.emit(rv.divu(a0, a0, a1)), [5, 0]), u(is64, -1));
    assert.equal(evaluate(is64, (g) => g.emit(rv.rem(a0, a0, a1)), [-7, 2]), u(is64, -1));
    assert.equal(evaluate(is64, (g) => g.emit(rv.rem(a0, a0, a1)), [min, -1]), 0n);
    assert.equal(evaluate(is64, (g) => g.emit(rv.remu(a0, a0, a1)), [7, 0]), 7n);
    // The zero register as an operand is folded by the linker.
    assert.equal(evaluate(is64, (g) => g.emit(rv.div(a0, a0, X.zero)), [9]), u(is64, -1));
    assert.equal(evaluate(is64, (g) => g.emit(rv.rem(a0, a0, X.zero)), [9]), 9n);
    assert.equal(evaluate(is64, (g) => g.emit(rv.mulhu(a0, X.zero, a0)), [9]), 0n);
    if (is64) {
      assert.equal(evaluate(is64, (g) => g.emit(rv.divw(a0, a0, a1)), [0x1_0000_0008n, 2]), 4n);
      assert.equal(evaluate(is64, (g) => g.emit(rv.remuw(a0, a0, a1)), [0xffff_ffffn, 0]), u(is64, -1)); // sign-extended
      assert.equal(evaluate(is64, (g) => g.emit(rv.addw(a0, a0, a1)), [0x7fffffff, 1]), u(is64, -0x80000000));
      assert.equal(evaluate(is64, (g) => g.emit(rv.addiw(a0, a0, 0)), [0x1_8000_0000n]), u(is64, -0x80000000)); // sext.w
    }
  });

  test(`${bits}: Zbb bit manipulation`, () => {
    const w = is64 ? 64n : 32n;
    assert.equal(evaluate(is64, (g) => g.emit(rv.clz(a0, a0)), [1]), w - 1n);
    assert.equal(evaluate(is64, (g) => g.emit(rv.clz(a0, a0)), [0]), w);
    assert.equal(evaluate(is64, (g) => g.emit(rv.ctz(a0, a0)), [0x80]), 7n);
    assert.equal(evaluate(is64, (g) => g.emit(rv.cpop(a0, a0)), [0xf0f0]), 8n);
    assert.equal(evaluate(is64, (g) => g.emit(rv.sextb(a0, a0)), [0x80]), u(is64, -128));
    assert.equal(evaluate(is64, (g) => g.emit(rv.sexth(a0, a0)), [0x18000]), u(is64, -0x8000));
    assert.equal(evaluate(is64, (g) => g.emit(rv.zexth(a0, a0, is64)), [-1]), 0xffffn);
    assert.equal(evaluate(is64, (g) => g.emit(rv.rev8(a0, a0, is64)), [0x11223344]), is64 ? 0x4433221100000000n : 0x44332211n);
    assert.equal(evaluate(is64, (g) => g.emit(rv.orcb(a1, a0), rv.add(a0, a1, X.zero)), [0x00120300]), 0x00ffff00n); // emulated with temporaries
    assert.equal(evaluate(is64, (g) => g.emit(rv.orcb(a0, a0)), [0x01000001]), 0xff0000ffn);
    assert.equal(evaluate(is64, (g) => g.emit(rv.min(a0, a0, a1)), [-5, 3]), u(is64, -5));
    assert.equal(evaluate(is64, (g) => g.emit(rv.minu(a0, a0, a1)), [-5, 3]), 3n);
    assert.equal(evaluate(is64, (g) => g.emit(rv.max(a0, a0, a1)), [-5, 3]), 3n);
    assert.equal(evaluate(is64, (g) => g.emit(rv.maxu(a0, a0, a1)), [-5, 3]), u(is64, -5));
    assert.equal(evaluate(is64, (g) => g.emit(rv.max(a0, a0, X.zero)), [-5]), 0n); // relu: uses a temporary
    assert.equal(evaluate(is64, (g) => g.emit(rv.min(a0, X.zero, a0)), [7]), 0n);
    assert.equal(evaluate(is64, (g) => g.emit(rv.andn(a0, a0, a1)), [0xff, 0x0f]), 0xf0n);
    assert.equal(evaluate(is64, (g) => g.emit(rv.orn(a0, a0, a1)), [0, -2]), 1n);
    assert.equal(evaluate(is64, (g) => g.emit(rv.orn(a0, X.zero, a0)), [0]), u(is64, -1));
    assert.equal(evaluate(is64, (g) => g.emit(rv.xnor(a0, a0, a1)), [5, 5]), u(is64, -1));
    assert.equal(evaluate(is64, (g) => g.emit(rv.rol(a0, a0, a1)), [1, w - 1n]), u(is64, 1n << (w - 1n)));
    assert.equal(evaluate(is64, (g) => g.emit(rv.ror(a0, a0, a1)), [1, 1]), u(is64, 1n << (w - 1n)));
    assert.equal(evaluate(is64, (g) => g.emit(rv.rori(a0, a0, 4)), [0x12]), u(is64, 0x2n << (w - 4n)) | 1n);
  });

  test(`${bits}: A extension is lowered to plain loads and stores`, () => {
    const cell = (g: GuestBuilder): void => {
      g.data('.data', 'rw', Uint8Array.of(10, 0, 0, 0, 0, 0, 0, 0), { cell: 0 });
    };
    const address = (g: GuestBuilder, reg: number): void => {
      g.reloc(R.HI20, 'cell').emit(rv.lui(reg, 0));
      g.reloc(R.LO12_I, 'cell').emit(rv.addi(reg, reg, 0));
    };
    // amoadd returns the old value; the new one is stored.
    assert.equal(evaluate(is64, (g) => { address(g, a1); g.emit(rv.amoaddw(a2, a0, a1), rv.lw(a0, a1, 0), rv.add(a0, a0, a2)); }, [5], cell), 25n);
    assert.equal(evaluate(is64, (g) => { address(g, a1); g.emit(rv.amoswapw(a0, a0, a1)); }, [99], cell), 10n);
    assert.equal(evaluate(is64, (g) => { address(g, a1); g.emit(rv.amomaxw(X.zero, a0, a1), rv.lw(a0, a1, 0)); }, [-3], cell), 10n);
    assert.equal(evaluate(is64, (g) => { address(g, a1); g.emit(rv.amominuw(a0, a0, a1), rv.lw(a0, a1, 0)); }, [3], cell), 3n);
    // The destination may alias the address register.
    assert.equal(evaluate(is64, (g) => { address(g, a1); g.emit(rv.amoaddw(a1, a0, a1)); g.emit(rv.add(a0, a1, X.zero)); }, [1], cell), 10n);
    // lr/sc: the store-conditional always succeeds (writes 0).
    assert.equal(evaluate(is64, (g) => { address(g, a1); g.emit(rv.lrw(a2, a1), rv.add(a2, a2, a0), rv.scw(a3, a2, a1), rv.lw(a0, a1, 0), rv.add(a0, a0, a3)); }, [1], cell), 11n);
    if (is64) assert.equal(evaluate(is64, (g) => { address(g, a1); g.emit(rv.amoaddd(X.zero, a0, a1), rv.ld(a0, a1, 0)); }, [1n << 40n], cell), (1n << 40n) + 10n);
  });

  test(`${bits}: C extension`, () => {
    assert.equal(evaluate(is64, (g) => g.emit16(rv.cAddi(a0, -3), rv.cSlli(a0, 2)), [5]), 8n);
    assert.equal(evaluate(is64, (g) => g.emit16(rv.cLi(a1, 31), rv.cMv(a2, a1), rv.cAdd(a0, a2)), [1]), 32n);
    assert.equal(evaluate(is64, (g) => g.emit16(rv.cAddi(X.sp, -16), rv.cSwsp(a0, 4), rv.cLi(a0, 0), rv.cLwsp(a0, 4), rv.cAddi(X.sp, 16)), [77]), 77n);
    // c.beqz over c.li; c.j over another c.li.
    assert.equal(evaluate(is64, (g) => g.emit16(rv.cBeqz(a0, 4), rv.cLi(a0, 3), rv.cJ(4), rv.cLi(a0, 9)), [0]), 0n);
    assert.equal(evaluate(is64, (g) => g.emit16(rv.cBeqz(a0, 4), rv.cLi(a0, 3), rv.cJ(4), rv.cLi(a0, 9)), [1]), 3n);
  });

  test(`${bits}: control flow without relocations (branches, loops) and traps`, () => {
    // sum = 0; while (n != 0) { sum += n; n -= 1 }
    const loop: Body = (g) => g.emit(rv.addi(a1, X.zero, 0), rv.beq(a0, X.zero, 16), rv.add(a1, a1, a0), rv.addi(a0, a0, -1), rv.jal(X.zero, -12), rv.add(a0, a1, X.zero));
    assert.equal(evaluate(is64, loop, [10]), 55n);
    const g = new GuestBuilder(is64);
    g.label('f').emit16(rv.cUnimp()).export('f', 'f', 0, 1);
    assert.throws(() => linkAndInstantiate(g.build()).instance.call('f'), TrapError);
  });

  test(`${bits}: registers and instructions PolkaVM does not have are rejected with their location`, () => {
    const reject = (word: number, pattern: RegExp): void => {
      const g = new GuestBuilder(is64);
      g.label('f').emit(rv.addi(a0, a0, 1), word, rv.ret()).export('f', 'f', 1, 1);
      assert.throws(() => linkAndInstantiate(g.build()), (error: unknown) => error instanceof ElfLinkError && pattern.test(error.message) && /section '\.text', offset 0x4/.test(error.message));
    };
    reject(rv.addi(X.gp, a0, 1), /unsupported register: gp/);
    reject(rv.add(a0, X.a6, a0), /unsupported register: a6/);
    reject(rv.ecall(), /bare ecall/);
    reject(0x00000053, /unsupported instruction 0x00000053/); // fadd.s
    reject(rv.auipc(a0, 1), /unrelocated auipc/);
  });
}

test('fence is a no-op and t0/s0 are usable registers', () => {
  assert.equal(evaluate(true, (g) => g.emit(rv.fence(), rv.addi(t0, a0, 1), rv.addi(s0, t0, 1), rv.add(a0, s0, X.zero)), [1]), 3n);
});

test('64-bit constants are folded into load_imm64 when optimizing', () => {
  // a0 = 0x1234_5678_9abc_def0 built from 32-bit pieces.
  const body: Body = (g) => g.emit(rv.lui(a0, 0x12345), rv.addi(a0, a0, 0x678), rv.slli(a0, a0, 32), rv.lui(a1, 0x9abce), rv.addi(a1, a1, -0x110), rv.slli(a1, a1, 32), rv.srli(a1, a1, 32), rv.add(a0, a0, a1));
  assert.equal(evaluate(true, body), 0x1234_5678_9abc_def0n);
});
