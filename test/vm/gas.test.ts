import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Linker } from '../../src/api/linker.js';
import type { GasMeteringKind } from '../../src/api/module.js';
import { OutOfGasError, TrapError } from '../../src/errors.js';
import { asm, buildProgram, moduleOf, Reg, runFrom, startAt, withIsa } from '../helpers/program.js';

const { A0 } = Reg;

for (const kind of ['sync', 'async'] as const satisfies readonly GasMeteringKind[]) {
  test(`${kind} metering: blocks are charged on entry; running out stops before the block`, () => {
    // Blocks: [fallthrough] (cost 1), [add_imm_32, ret] (cost 2).
    const module = moduleOf(buildProgram({ code: [asm.fallthrough(), asm.addImm32(A0, A0, 666), asm.ret()] }), { gasMetering: kind });
    const linker = new Linker();
    let instance = linker.instantiate(module);

    instance.setGas(3);
    assert.equal(instance.call('main'), 666n);
    assert.equal(instance.gas, 0n);
    assert.equal(instance.programCounter, null);
    assert.equal(instance.nextProgramCounter, null);

    instance.setGas(2);
    assert.throws(() => instance.call('main'), OutOfGasError);
    if (kind === 'sync') {
      // The first block was paid; the second was not charged and can be retried.
      assert.equal(instance.gas, 1n);
      assert.equal(instance.reg(A0), 0n);
      assert.equal(instance.programCounter, 1);
      assert.equal(instance.nextProgramCounter, 1);
      assert.equal(instance.run().kind, 'not-enough-gas');
      assert.equal(instance.gas, 1n);
      assert.equal(instance.programCounter, 1);
      assert.equal(instance.nextProgramCounter, 1);
      instance.setGas(2);
      assert.equal(instance.run().kind, 'finished');
      assert.equal(instance.reg(A0), 666n);
      assert.equal(instance.gas, 0n);
      assert.equal(instance.programCounter, null);
      assert.equal(instance.nextProgramCounter, null);
    } else {
      assert.ok(instance.gas < 0n);
      assert.equal(instance.programCounter, null);
      assert.equal(instance.nextProgramCounter, null);
    }

    instance.setGas(6);
    assert.equal(instance.call('main'), 666n);
    assert.equal(instance.gas, 3n);
    assert.equal(instance.call('main'), 666n);
    assert.equal(instance.gas, 0n);
    assert.throws(() => instance.call('main'), OutOfGasError);
    if (kind === 'sync') assert.equal(instance.gas, 0n);
    else assert.ok(instance.gas < 0n);

    instance = linker.instantiate(module);
    assert.equal(instance.gas, 0n);
    assert.throws(() => instance.call('main'), OutOfGasError);
    if (kind === 'sync') assert.equal(instance.gas, 0n);
    else assert.ok(instance.gas < 0n);

    instance = linker.instantiate(module);
    for (let i = 0; i < 100; i++) {
      instance.setGas(2);
      assert.throws(() => instance.call('main'), OutOfGasError);
      if (kind === 'sync') {
        assert.equal(instance.reg(A0), 0n);
        assert.equal(instance.gas, 1n);
      } else {
        assert.ok(instance.gas < 0n);
      }
      instance.setGas(5);
      assert.equal(instance.call('main'), 666n);
      assert.equal(instance.gas, 2n);
    }
  });

  test(`${kind} metering: a host function can read and change the remaining gas`, () => {
    const program = buildProgram({ imports: ['hostfn'], code: [asm.ecalli(0), asm.ret()] });
    let consume = 0n;
    const seen: bigint[] = [];
    const instance = new Linker()
      .define('hostfn', (caller) => {
        seen.push(caller.gas);
        caller.setGas(1n - consume);
        return 666;
      })
      .instantiate(moduleOf(program, { gasMetering: kind }));

    instance.setGas(3);
    assert.equal(instance.call('main'), 666n);
    assert.equal(instance.gas, 1n);

    consume = 1n;
    instance.setGas(3);
    assert.equal(instance.call('main'), 666n);
    assert.equal(instance.gas, 0n);

    consume = 2n;
    instance.setGas(3);
    assert.throws(() => instance.call('main'), OutOfGasError);
    assert.equal(instance.gas, -1n);
    assert.deepEqual(seen, [1n, 1n, 1n], 'the whole block [ecalli, ret] was paid before the host call');
  });
}

test('each basic block is charged for its own instructions', () => {
  const program = buildProgram({
    code: [asm.addImm32(A0, A0, 666), asm.ret(), asm.addImm32(A0, A0, 666), asm.addImm32(A0, A0, 100), asm.ret()],
    exports: { export_1: 0, export_2: 2 },
  });
  const instance = new Linker().instantiate(moduleOf(program, { gasMetering: 'sync' }));
  instance.setGas(10);
  assert.equal(instance.call('export_1'), 666n);
  assert.equal(instance.gas, 8n);
  instance.setGas(10);
  assert.equal(instance.call('export_2'), 766n);
  assert.equal(instance.gas, 7n);
});

test('the implicit trap at the end of a block counts as an instruction', () => {
  const instance = new Linker().instantiate(moduleOf(buildProgram({ code: [asm.addImm32(A0, A0, 666)] }), { gasMetering: 'sync' }));
  instance.setGas(10);
  assert.throws(() => instance.call('main'), TrapError);
  assert.equal(instance.reg(A0), 666n);
  assert.equal(instance.gas, 8n);
});

test('resuming after an ecalli does not recharge, but setting the program counter does', () => {
  const program = buildProgram({
    code: [
      asm.addImm32(A0, A0, 1),
      asm.addImm32(A0, A0, 2),
      asm.ecalli(0),
      asm.addImm32(A0, A0, 4),
      asm.addImm32(A0, A0, 8),
      asm.ret(),
    ],
  });
  const { offsets } = program;
  const instance = startAt(moduleOf(program, { gasMetering: 'sync' }));
  const initial = 100n;
  const cost = 6n;

  // From the first instruction.
  instance.setGas(initial);
  assert.deepEqual(instance.run(), { kind: 'ecalli', hostcall: 0 });
  assert.equal(instance.gas, initial - cost);
  assert.equal(instance.reg(A0), 3n);
  assert.equal(instance.run().kind, 'finished');
  assert.equal(instance.gas, initial - cost);
  assert.equal(instance.reg(A0), 15n);

  // From the second and third instructions: still the whole block.
  for (const [index, before, after] of [
    [1, 2n, 14n],
    [2, 0n, 12n],
  ] as const) {
    instance.setGas(initial);
    instance.setReg(A0, 0);
    assert.equal(runFrom(instance, offsets[index]!).kind, 'ecalli');
    assert.equal(instance.gas, initial - cost);
    assert.equal(instance.reg(A0), before);
    assert.equal(instance.run().kind, 'finished');
    assert.equal(instance.gas, initial - cost);
    assert.equal(instance.reg(A0), after);
  }

  // Explicitly setting the program counter after the ecalli (to where it would resume anyway) charges again.
  instance.setGas(initial);
  instance.setReg(A0, 0);
  assert.equal(runFrom(instance, offsets[0]!).kind, 'ecalli');
  assert.equal(instance.nextProgramCounter, offsets[3]);
  assert.equal(runFrom(instance, offsets[3]!).kind, 'finished');
  assert.equal(instance.gas, initial - 2n * cost);
  assert.equal(instance.reg(A0), 15n);

  // Entering mid-block without enough gas: nothing is charged, and it can be retried.
  instance.setGas(0);
  instance.setReg(A0, 0);
  assert.equal(runFrom(instance, offsets[1]!).kind, 'not-enough-gas');
  assert.equal(instance.nextProgramCounter, offsets[1]);
  assert.equal(instance.gas, 0n);
  instance.setGas(cost);
  assert.equal(instance.run().kind, 'ecalli');
  assert.equal(instance.gas, 0n);
  assert.equal(instance.run().kind, 'finished');
  assert.equal(instance.gas, 0n);
  assert.equal(instance.reg(A0), 14n);
});

test('async metering: entering mid-block without enough gas leaves the gas unchanged', () => {
  const program = buildProgram({ code: [asm.addImm32(A0, A0, 1), asm.addImm32(A0, A0, 2), asm.ret()] });
  const instance = startAt(moduleOf(program, { gasMetering: 'async' }), program.offsets[1]);
  instance.setGas(2);
  assert.equal(instance.run().kind, 'not-enough-gas');
  assert.equal(instance.gas, 2n);
  assert.equal(instance.programCounter, null);
  assert.equal(instance.nextProgramCounter, program.offsets[1]);
  assert.equal(instance.reg(A0), 0n);
});

test('async metering: running out at a block start makes the gas negative by the block cost', () => {
  const program = buildProgram({ code: [asm.fallthrough(), asm.addImm32(A0, A0, 1), asm.addImm32(A0, A0, 2), asm.ret()] });
  const instance = startAt(moduleOf(program, { gasMetering: 'async' }));
  instance.setGas(2);
  assert.equal(instance.run().kind, 'not-enough-gas');
  assert.equal(instance.gas, 1n - 3n);
  assert.equal(instance.reg(A0), 0n);
  assert.equal(instance.programCounter, null);
  assert.equal(instance.nextProgramCounter, null);
});

test('run() with negative gas returns not-enough-gas without executing anything', () => {
  for (const kind of ['sync', 'async'] as const) {
    const instance = startAt(moduleOf(buildProgram({ code: [asm.loadImm(A0, 1), asm.ret()] }), { gasMetering: kind }));
    instance.setGas(-1);
    assert.equal(instance.run().kind, 'not-enough-gas');
    assert.equal(instance.reg(A0), 0n);
    assert.equal(instance.gas, -1n);
    assert.equal(instance.nextProgramCounter, 0, 'the next program counter is still set');
    instance.setGas(2);
    assert.equal(instance.run().kind, 'finished');
    assert.equal(instance.reg(A0), 1n);
  }
});

test('gas is an exact 64-bit quantity, also far above 2^53', () => {
  // A loop running three blocks: [a0 += 1, branch a0 != 3 → 0], ..., then [ret].
  const program = buildProgram({
    code: [asm.addImm32(A0, A0, 1), asm.branchImm('branch_not_eq_imm', A0, 3, 0), asm.ret()],
  });
  const module = moduleOf(program, { gasMetering: 'sync' });
  for (const start of [2n ** 62n, 2n ** 63n - 1n, 2n ** 53n + 1n, 2n ** 52n + 3n]) {
    const instance = startAt(module);
    instance.setGas(start);
    assert.equal(instance.run().kind, 'finished');
    assert.equal(instance.reg(A0), 3n);
    assert.equal(instance.gas, start - 3n * 2n - 1n, `start ${start}`);
  }
});

test('gas just above 2^52 can be consumed down across the internal boundary', () => {
  const program = buildProgram({ code: [asm.addImm32(A0, A0, 1), asm.ret()] });
  const instance = startAt(moduleOf(program, { gasMetering: 'sync' }));
  const start = 2n ** 52n + 1n;
  instance.setGas(start);
  for (let i = 1n; i <= 3n; i++) {
    assert.equal(runFrom(instance, 0).kind, 'finished');
    assert.equal(instance.gas, start - 2n * i);
  }
});

test('without gas metering the gas counter is not touched', () => {
  const instance = startAt(moduleOf(buildProgram({ code: [asm.loadImm(A0, 1), asm.ret()] })));
  instance.setGas(5);
  assert.equal(instance.run().kind, 'finished');
  assert.equal(instance.gas, 5n);
});

test('sbrk is an ordinary instruction in Latest64 but an invalid opcode in ReviveV1 (charged as one)', () => {
  const program = buildProgram({ isa: 'latest64', code: [asm.sbrk(A0, A0), asm.ret()] });
  const latest = startAt(moduleOf(program, { gasMetering: 'sync' }));
  latest.setGas(5);
  assert.equal(latest.run().kind, 'finished');
  assert.equal(latest.gas, 3n);

  const revive = startAt(moduleOf(withIsa(program.blob, 'revive_v1'), { gasMetering: 'sync' }));
  revive.setGas(5);
  assert.equal(revive.run().kind, 'trap');
  assert.equal(revive.programCounter, 0);
  assert.equal(revive.gas, 4n);
});

test('the gas cost of a block can be queried from the module', () => {
  const program = buildProgram({ code: [asm.fallthrough(), asm.addImm32(A0, A0, 1), asm.addImm32(A0, A0, 1), asm.ret()] });
  const module = moduleOf(program, { gasMetering: 'sync' });
  assert.equal(module.calculateGasCostFor(0), 1);
  assert.equal(module.calculateGasCostFor(program.offsets[1]!), 3);
});

for (const kind of ['sync', 'async'] as const satisfies readonly GasMeteringKind[]) {
  test(`${kind} metering: a loop of one block runs out of gas at exactly the iteration the balance cannot cover`, () => {
    // [load_imm a0, 0; load_imm a1, 11] (cost 2), then a block that jumps back to itself (cost 2):
    // `a0 += 1; branch_ne a0, a1 → itself`, run 11 times, then [trap]. Compiled loops of one block test the
    // balance once per several iterations; every balance must still stop at the same iteration.
    const { blob, offsets } = buildProgram({
      isa: 'latest64',
      code: [asm.loadImm(A0, 0), asm.loadImm(Reg.A1, 11), asm.fallthrough(), asm.rri('add_imm_64', A0, A0, 1), asm.branch('branch_not_eq', A0, Reg.A1, 3), asm.trap()],
    });
    const module = moduleOf(blob, { gasMetering: kind });
    const loop = offsets[3]!;
    for (let gas = 0; gas <= 30; gas++) {
      const instance = startAt(module);
      instance.setGas(BigInt(gas));
      const interrupt = instance.run();
      // Entry block: 3 (two load_imm and the fallthrough); each iteration 2; the trap block 1.
      const iterations = Math.max(0, Math.min(11, Math.floor((gas - 3) / 2)));
      const label = `gas ${gas}`;
      if (gas < 3) {
        assert.equal(interrupt.kind, 'not-enough-gas', label);
        continue;
      }
      assert.equal(instance.reg(A0), BigInt(iterations), label);
      if (iterations < 11 || gas < 3 + 22 + 1) {
        assert.equal(interrupt.kind, 'not-enough-gas', label);
        if (kind === 'sync') {
          assert.equal(instance.gas, BigInt(gas - 3 - 2 * iterations), label);
          assert.equal(instance.programCounter, iterations < 11 ? loop : offsets[5], label);
        } else {
          assert.ok(instance.gas < 0n, label);
        }
      } else {
        assert.equal(interrupt.kind, 'trap', label);
        assert.equal(instance.gas, BigInt(gas - 3 - 22 - 1), label);
      }
    }
  });
}

/**
 * Runs `module` from `entry` with every balance from 0 up to what the whole run costs, and checks that it stops
 * exactly where charging block by block stops: the blocks run in the order `path` (indices into `starts`, the
 * blocks' code offsets), each costing `costs[b]` and adding `adds[b]` to a0.
 */
function assertChargedBlockByBlock(
  module: ReturnType<typeof moduleOf>,
  kind: GasMeteringKind,
  entry: number,
  path: readonly number[],
  starts: readonly number[],
  costs: readonly number[],
  adds: readonly number[],
): void {
  const total = path.reduce((sum, b) => sum + costs[b]!, 0);
  for (let gas = 0; gas <= total; gas++) {
    const instance = startAt(module, entry);
    instance.setGas(BigInt(gas));
    const interrupt = instance.run();
    let left = gas;
    let a0 = 0;
    let stop = -1;
    for (const b of path) {
      if (left < costs[b]!) {
        stop = b;
        break;
      }
      left -= costs[b]!;
      a0 += adds[b]!;
    }
    const label = `entry ${entry}, gas ${gas}`;
    assert.equal(instance.reg(A0), BigInt(a0), label);
    if (stop < 0) {
      assert.equal(interrupt.kind, 'finished', label);
      assert.equal(instance.gas, BigInt(left), label);
    } else if (kind === 'sync') {
      assert.equal(interrupt.kind, 'not-enough-gas', label);
      assert.equal(instance.gas, BigInt(left), label);
      assert.equal(instance.programCounter, starts[stop], label);
    } else {
      assert.equal(interrupt.kind, 'not-enough-gas', label);
      assert.equal(instance.gas, BigInt(left - costs[stop]!), label);
    }
  }
}

for (const kind of ['sync', 'async'] as const satisfies readonly GasMeteringKind[]) {
  test(`${kind} metering: a chain of blocks entered only from the block before runs out exactly where charging block by block would, from every entry and balance`, () => {
    // Six blocks, each adding to a0; a1 = 0, so neither branch is taken. Compiled code tests the balance at the
    // first block only, for the whole chain; the host tests it when it enters any other.
    const { blob, offsets } = buildProgram({
      code: [
        asm.addImm32(A0, A0, 1), // block 0 (cost 2)
        asm.branchImm('branch_eq_imm', Reg.A1, 7, 11),
        asm.addImm32(A0, A0, 1), // block 1 (2)
        asm.fallthrough(),
        asm.addImm32(A0, A0, 1), // block 2 (3)
        asm.addImm32(A0, A0, 1),
        asm.fallthrough(),
        asm.addImm32(A0, A0, 1), // block 3 (2)
        asm.branchImm('branch_eq_imm', Reg.A1, 5, 11),
        asm.addImm32(A0, A0, 1), // block 4 (2)
        asm.fallthrough(),
        asm.addImm32(A0, A0, 1), // block 5 (2)
        asm.ret(),
      ],
    });
    const starts = [0, 2, 4, 7, 9, 11].map((index) => offsets[index]!);
    const module = moduleOf(blob, { gasMetering: kind });
    for (let entry = 0; entry < starts.length; entry++) {
      const path = [0, 1, 2, 3, 4, 5].slice(entry);
      assertChargedBlockByBlock(module, kind, starts[entry]!, path, starts, [2, 2, 3, 2, 2, 2], [1, 1, 2, 1, 1, 1]);
    }
  });

  test(`${kind} metering: a loop of two blocks, the second untested, runs out exactly where charging block by block would`, () => {
    // [a2 = 3] (2), the header [a0 += 1; branch a1 == 9 → exit] (2), [a2 -= 1; branch a2 != 0 → header] (2), the
    // exit [a0 += 1; ret] (2).
    const { blob, offsets } = buildProgram({
      code: [
        asm.loadImm(Reg.A2, 3),
        asm.fallthrough(),
        asm.addImm32(A0, A0, 1),
        asm.branchImm('branch_eq_imm', Reg.A1, 9, 6),
        asm.addImm32(Reg.A2, Reg.A2, -1),
        asm.branchImm('branch_not_eq_imm', Reg.A2, 0, 2),
        asm.addImm32(A0, A0, 1),
        asm.ret(),
      ],
    });
    const starts = [0, 2, 4, 6].map((index) => offsets[index]!);
    const module = moduleOf(blob, { gasMetering: kind });
    assertChargedBlockByBlock(module, kind, 0, [0, 1, 2, 1, 2, 1, 2, 3], starts, [2, 2, 2, 2], [0, 1, 0, 1]);
  });
}
