import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Linker } from '../../src/api/linker.js';
import { TrapError } from '../../src/errors.js';
import { asm, buildProgram, moduleOf, Reg } from '../helpers/program.js';

const { A0, A1, S0 } = Reg;
const RW = 0x20000;

/** The reference's `basic_test_blob`. */
function basicTestProgram() {
  return buildProgram({
    rwDataSize: 0x4000,
    imports: ['hostcall'],
    code: [
      asm.storeImm('store_imm_u32', RW, 0x12345678),
      asm.add32(S0, A0, A1),
      asm.ecalli(0),
      asm.add32(A0, A0, S0),
      asm.ret(),
    ],
  });
}

test('step tracing interrupts before every instruction with the right program counters', () => {
  const program = basicTestProgram();
  const { offsets } = program;
  const codeLength = offsets[5]!;
  const instance = moduleOf(program, { stepTracing: true }).instantiate();
  assert.equal(instance.programCounter, null);
  assert.equal(instance.nextProgramCounter, null);
  for (let pc = 0; pc <= codeLength + 1; pc++) {
    instance.setNextProgramCounter(pc);
    assert.equal(instance.programCounter, null);
    assert.equal(instance.nextProgramCounter, pc);
  }

  instance.prepareCall(0, [1, 10]);
  assert.equal(instance.programCounter, null);
  assert.equal(instance.nextProgramCounter, 0);

  const expectStep = (index: number) => {
    assert.equal(instance.run().kind, 'step');
    assert.equal(instance.programCounter, offsets[index]);
    assert.equal(instance.nextProgramCounter, offsets[index]);
  };

  expectStep(0);
  assert.equal(instance.readU32(RW), 0, 'the store has not run yet');
  expectStep(1);
  assert.equal(instance.readU32(RW), 0x12345678);
  assert.equal(instance.reg(S0), 0n);
  expectStep(2);
  assert.equal(instance.reg(S0), 11n);

  assert.deepEqual(instance.run(), { kind: 'ecalli', hostcall: 0 });
  assert.equal(instance.programCounter, offsets[2]);
  assert.equal(instance.nextProgramCounter, offsets[3]);
  instance.setReg(A0, 100);

  expectStep(3);
  assert.equal(instance.reg(A0), 100n);
  expectStep(4);
  assert.equal(instance.reg(A0), 111n);

  assert.equal(instance.run().kind, 'finished');
  assert.equal(instance.programCounter, null);
  assert.equal(instance.nextProgramCounter, null);
  assert.equal(instance.reg(A0), 111n);
  assert.throws(() => instance.run(), /failed to run: next program counter is not set/);

  // Entry points outside the code or inside an instruction trap at entry, repeatedly.
  for (const pc of [codeLength, codeLength + 1, codeLength + 1000, 0xffffffff, 1]) {
    instance.setNextProgramCounter(pc);
    assert.equal(instance.programCounter, null);
    for (let round = 0; round < 2; round++) {
      assert.equal(instance.run().kind, 'trap', `entry at ${pc}`);
      assert.equal(instance.programCounter, pc);
      assert.equal(instance.nextProgramCounter, pc);
    }
  }
});

test('step tracing: a store to an invalid address steps first, then traps at the store', () => {
  for (const faulting of [asm.storeImm('store_imm_u32', 0, 0x12345678), asm.absolute('load_i32', A0, 0)]) {
    const program = buildProgram({ code: [asm.fallthrough(), faulting, asm.ret()] });
    const instance = moduleOf(program, { stepTracing: true }).instantiate();
    instance.setNextProgramCounter(1);
    assert.equal(instance.run().kind, 'step');
    assert.equal(instance.programCounter, 1);
    assert.equal(instance.run().kind, 'trap');
    assert.equal(instance.programCounter, 1);
    assert.equal(instance.nextProgramCounter, null);
  }
});

test('step tracing with gas: the step comes before the block is charged, and out-of-gas keeps the step position', () => {
  const mv = () => asm.moveReg(A0, A0);
  // Blocks: [fallthrough] [mv, fallthrough] [mv, mv, fallthrough] [mv, mv, mv, ret]
  const program = buildProgram({
    code: [asm.fallthrough(), mv(), asm.fallthrough(), mv(), mv(), asm.fallthrough(), mv(), mv(), mv(), asm.ret()],
  });
  const { offsets } = program;
  const instance = moduleOf(program, { stepTracing: true, gasMetering: 'sync' }).instantiate();
  const expect = (kind: string, index: number, gas: bigint) => {
    assert.equal(instance.run().kind, kind);
    assert.equal(instance.gas, gas);
    assert.equal(instance.programCounter, offsets[index]);
    assert.equal(instance.nextProgramCounter, offsets[index]);
  };

  instance.setGas(4);
  instance.setNextProgramCounter(offsets[1]!);
  expect('step', 1, 4n);
  // Setting the program counter again restarts stepping at that instruction.
  instance.setNextProgramCounter(offsets[1]!);
  expect('step', 1, 4n);
  expect('step', 2, 2n); // the block [mv, fallthrough] (cost 2) has been charged
  expect('step', 3, 2n); // the next block is not charged before its first step
  expect('not-enough-gas', 3, 2n);
  expect('not-enough-gas', 3, 2n);

  for (const pc of [offsets[10]!, 10000]) {
    instance.setNextProgramCounter(pc);
    assert.equal(instance.run().kind, 'trap');
    assert.equal(instance.gas, 2n);
  }
});

test('step tracing with gas: after refilling, execution continues from the step that ran out', () => {
  const program = buildProgram({ code: [asm.loadImm(A0, 1), asm.addImm32(A0, A0, 1), asm.ret()] });
  const instance = moduleOf(program, { stepTracing: true, gasMetering: 'sync' }).instantiate();
  instance.setReg(Reg.RA, 0xffff0000);
  instance.setGas(2);
  instance.setNextProgramCounter(0);
  assert.equal(instance.run().kind, 'step');
  assert.equal(instance.run().kind, 'not-enough-gas');
  assert.equal(instance.programCounter, 0);
  instance.setGas(3);
  const kinds: string[] = [];
  for (;;) {
    const interrupt = instance.run();
    kinds.push(interrupt.kind);
    if (interrupt.kind !== 'step') break;
  }
  assert.deepEqual(kinds, ['step', 'step', 'finished']);
  assert.equal(instance.reg(A0), 2n);
  assert.equal(instance.gas, 0n);
});

test('Instance.call drives step tracing through onStep and stops when it returns false', () => {
  const program = buildProgram({ code: [asm.loadImm(A0, 1), asm.addImm32(A0, A0, 1), asm.ret()] });
  const instance = new Linker().instantiate(moduleOf(program, { stepTracing: true }));
  const seen: (number | null)[] = [];
  assert.equal(instance.call('main', [], { onStep: (i) => void seen.push(i.programCounter) }), 2n);
  assert.deepEqual(seen, program.offsets.slice(0, 3));
  assert.throws(() => instance.call('main', [], { onStep: () => false }), TrapError);
});

test('step tracing with gas: entering mid-block charges the whole block before the first step', () => {
  const program = buildProgram({
    code: [asm.addImm32(A0, A0, 1), asm.addImm32(A0, A0, 2), asm.addImm32(A0, A0, 4), asm.ret()],
  });
  const { offsets } = program;
  const module = moduleOf(program, { stepTracing: true, gasMetering: 'sync' });

  // At the block start the charge happens after the first step.
  let instance = module.instantiate();
  instance.setReg(Reg.RA, 0xffff0000);
  instance.setGas(10);
  instance.setNextProgramCounter(0);
  assert.equal(instance.run().kind, 'step');
  assert.equal(instance.gas, 10n);
  assert.equal(instance.run().kind, 'step');
  assert.equal(instance.gas, 6n);

  // In the middle, the entry itself pays for the whole block.
  instance = module.instantiate();
  instance.setReg(Reg.RA, 0xffff0000);
  instance.setGas(10);
  instance.setNextProgramCounter(offsets[2]!);
  assert.equal(instance.run().kind, 'step');
  assert.equal(instance.programCounter, offsets[2]);
  assert.equal(instance.gas, 6n);
  let kind = instance.run().kind;
  while (kind === 'step') kind = instance.run().kind;
  assert.equal(kind, 'finished');
  assert.equal(instance.reg(A0), 4n);
  assert.equal(instance.gas, 6n);
});
