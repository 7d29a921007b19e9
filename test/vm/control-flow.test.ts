import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JumpTable } from '../../src/program/code-and-jump-table.js';
import { ProgramBlob } from '../../src/program/program-blob.js';
import { asm, buildProgram, moduleOf, Reg, RETURN_TO_HOST, runFrom, startAt, withCode, BITNESSES, type TestInstruction } from '../helpers/program.js';

const { A0, A1, RA } = Reg;

test('a straight-line program runs to the return-to-host jump', () => {
  const instance = startAt(moduleOf(buildProgram({ code: [asm.loadImm(A0, 0x1234), asm.addImm32(A1, A1, 100), asm.ret()] })));
  assert.equal(instance.run().kind, 'finished');
  assert.equal(instance.reg(A0), 0x1234n);
  assert.equal(instance.reg(A1), 100n);
  assert.equal(instance.programCounter, null);
  assert.equal(instance.nextProgramCounter, null);
});

test('returning with ra = 0 traps at the ret (dynamic jump to null)', () => {
  for (const code of [
    [asm.moveReg(A0, A0), asm.ret()],
    [asm.moveReg(A0, A0), asm.ret(), asm.moveReg(A0, A0)],
  ]) {
    const program = buildProgram({ code });
    const instance = moduleOf(program).instantiate();
    assert.equal(runFrom(instance, 0).kind, 'trap');
    assert.equal(instance.programCounter, program.offsets[1]);
    assert.equal(instance.nextProgramCounter, null);
  }
});

test('a branch whose fall-through edge is the end of the code traps at the branch (out of range execution)', () => {
  const program = buildProgram({ code: [asm.loadImm(A0, 1), asm.loadImm(A0, 2), asm.branchImm('branch_eq_imm', RA, 0, 0)] });
  const instance = startAt(moduleOf(program));
  assert.equal(instance.run().kind, 'trap');
  assert.equal(instance.programCounter, program.offsets[2]);
  assert.equal(instance.reg(A0), 2n);
});

test('the host may enter in the middle of a basic block; each entry charges the whole block', () => {
  const program = buildProgram({
    code: [asm.addImm32(A0, A0, 2), asm.addImm32(A0, A0, 4), asm.addImm32(A0, A0, 8), asm.addImm32(A0, A0, 16), asm.ret()],
  });
  const instance = startAt(moduleOf(program, { gasMetering: 'sync' }));
  instance.setGas(1000);
  const cases: [entry: number, a0: bigint][] = [
    [4, 0n],
    [3, 16n],
    [1, 4n + 8n + 16n],
    [2, 8n + 16n],
    [0, 2n + 4n + 8n + 16n],
  ];
  let gas = 1000n;
  for (const [entry, expected] of cases) {
    instance.setReg(A0, 0);
    assert.equal(runFrom(instance, program.offsets[entry]!).kind, 'finished', `entry at instruction ${entry}`);
    gas -= 5n;
    assert.equal(instance.reg(A0), expected);
    assert.equal(instance.gas, gas);
  }
});

test('a jump from inside the program into the middle of a basic block traps after charging only the jump', () => {
  const program = buildProgram({ code: [asm.jump(1), asm.addImm32(A0, A0, 100), asm.ret()] });
  const good = startAt(moduleOf(program, { gasMetering: 'sync' }));
  good.setGas(1000);
  assert.equal(good.run().kind, 'finished');
  assert.equal(good.reg(A0), 100n);
  assert.equal(good.gas, 997n);

  // Patch the jump's offset so that it lands on the `ret`, in the middle of the block [add_imm_32, ret].
  const code = program.blob.code.slice();
  assert.equal(code.length, program.offsets[3]);
  code[1] = program.offsets[2]! - program.offsets[0]!;
  const bad = startAt(moduleOf(withCode(program.blob, code), { gasMetering: 'sync' }));
  bad.setGas(1000);
  assert.equal(bad.run().kind, 'trap');
  assert.equal(bad.programCounter, 0);
  assert.equal(bad.gas, 999n);
  assert.equal(bad.reg(A0), 0n);
});

test('a jump to the instruction after an undefined opcode traps (that is not a valid jump target)', () => {
  const program = buildProgram({ code: [asm.trap(), asm.addImm32(A0, A0, 100), asm.jump(1)] });
  const code = program.blob.code.slice();
  code[0] = 255;
  const instance = startAt(moduleOf(withCode(program.blob, code), { gasMetering: 'sync' }), program.offsets[1]);
  instance.setGas(1000);
  assert.equal(instance.run().kind, 'trap');
  assert.equal(instance.programCounter, program.offsets[2]);
  assert.equal(instance.reg(A0), 100n);
  assert.equal(instance.gas, 998n);
});

for (const isa of BITNESSES) {
  test(`${isa}: jump_indirect resolves addresses through the jump table and traps on anything else`, () => {
    const program = buildProgram({
      isa,
      code: [asm.jumpIndirect(A0, 0), asm.loadImm(A1, 100), asm.ret(), asm.loadImm(A1, 200), asm.ret()],
      jumpTable: [1, 3],
    });
    const module = moduleOf(program);
    const run = (address: bigint | number) => {
      const instance = startAt(module);
      instance.setReg(A0, address);
      return instance;
    };
    let instance = run(2);
    assert.equal(instance.run().kind, 'finished');
    assert.equal(instance.reg(A1), 100n);
    instance = run(4);
    assert.equal(instance.run().kind, 'finished');
    assert.equal(instance.reg(A1), 200n);

    instance = run(RETURN_TO_HOST);
    assert.equal(instance.run().kind, 'finished');
    assert.equal(instance.reg(A1), 0n);

    for (const address of [0, 1, 3, 5, 6, 7, 1024 * 1024 - 1, 1024 * 1024, 0xffffffffffffffffn, 0xfffffffen]) {
      instance = run(address);
      assert.equal(instance.run().kind, 'trap', `address ${address}`);
      assert.equal(instance.programCounter, 0);
      assert.equal(instance.nextProgramCounter, null);
    }
  });
}

test('jump_indirect adds the offset and ignores the upper 32 bits of the address', () => {
  const program = buildProgram({ isa: 'latest64', code: [asm.jumpIndirect(A0, 3), asm.loadImm(A1, 100), asm.ret()], jumpTable: [1] });
  const module = moduleOf(program);
  for (const base of [-1n, 0x1_ffff_ffffn]) {
    const instance = startAt(module);
    instance.setReg(A0, base);
    assert.equal(instance.run().kind, 'finished', `base ${base}`);
    assert.equal(instance.reg(A1), 100n);
  }
});

test('a jump table with 2^20 entries resolves its last entry', () => {
  const program = buildProgram({
    isa: 'latest64',
    code: [asm.jumpIndirect(A0, 1024 * 1024), asm.trap(), asm.ret()],
    jumpTable: new Array<number>(1024 * 1024).fill(2),
  });
  const instance = startAt(moduleOf(program));
  assert.equal(instance.run().kind, 'finished');
});

test('falling through into an already compiled block gives the same result and gas', () => {
  // Blocks: [jump], [add 2, fallthrough], [add 4, ret].
  const program = buildProgram({
    code: [asm.jump(3), asm.addImm32(A0, A0, 2), asm.fallthrough(), asm.addImm32(A0, A0, 4), asm.ret()],
  });
  const instance = startAt(moduleOf(program, { gasMetering: 'sync' }));
  instance.setGas(1000);
  assert.equal(instance.run().kind, 'finished');
  assert.equal(instance.reg(A0), 4n);
  const costs: bigint[] = [];
  for (let i = 0; i < 2; i++) {
    instance.setReg(A0, 0);
    instance.setGas(1000);
    assert.equal(runFrom(instance, program.offsets[1]!).kind, 'finished');
    assert.equal(instance.reg(A0), 6n);
    costs.push(1000n - instance.gas);
  }
  assert.deepEqual(costs, [4n, 4n]);
});

test('falling through past the end of the code traps at the fallthrough (PolkaVM 0.35)', () => {
  const program = buildProgram({ code: [asm.fallthrough()] });
  const instance = moduleOf(program).instantiate();
  assert.equal(runFrom(instance, 0).kind, 'trap');
  assert.equal(instance.programCounter, 0);
  assert.equal(instance.nextProgramCounter, null);

  const metered = moduleOf(program, { gasMetering: 'sync' }).instantiate();
  metered.setGas(10);
  assert.equal(runFrom(metered, 0).kind, 'trap');
  assert.equal(metered.programCounter, 0);
  assert.equal(metered.gas, 9n);
});

test('with trapAtCodeEnd the end-of-code trap is at the code length and costs one more gas', () => {
  const program = buildProgram({ code: [asm.fallthrough()] });
  const instance = moduleOf(program, { gasMetering: 'sync', trapAtCodeEnd: true }).instantiate();
  instance.setGas(10);
  assert.equal(runFrom(instance, 0).kind, 'trap');
  assert.equal(instance.programCounter, 1);
  assert.equal(instance.nextProgramCounter, null);
  assert.equal(instance.gas, 8n);
});

test('a block without a terminator runs into an implicit trap at the code length', () => {
  const program = buildProgram({ code: [asm.addImm32(A0, A0, 666)] });
  const instance = moduleOf(program, { gasMetering: 'sync' }).instantiate();
  instance.setGas(10);
  assert.equal(runFrom(instance, 0).kind, 'trap');
  assert.equal(instance.reg(A0), 666n);
  assert.equal(instance.programCounter, program.offsets[1]);
  assert.equal(instance.gas, 8n);
});

test('falling through into an undefined opcode traps at that opcode and charges its block', () => {
  const program = buildProgram({ code: [asm.fallthrough(), asm.fallthrough(), asm.ret()] });
  const code = program.blob.code.slice();
  code[program.offsets[1]!] = 255;
  const instance = startAt(moduleOf(withCode(program.blob, code), { gasMetering: 'sync' }));
  instance.setGas(1000);
  assert.equal(instance.run().kind, 'trap');
  assert.equal(instance.gas, 998n);
  assert.equal(instance.programCounter, program.offsets[1]);
  assert.equal(instance.nextProgramCounter, null);
});

test('a branch with an invalid edge traps at the branch whichever way it would go', () => {
  const program = buildProgram({
    code: [
      asm.branchImm('branch_eq_imm', A0, 33, 3),
      asm.loadImm(A1, 1),
      asm.trap(),
      asm.loadImm(A1, 2),
      asm.trap(),
      asm.loadImm(A1, 2),
      asm.loadImm(A1, 2),
      asm.loadImm(A1, 2),
      asm.loadImm(A1, 2),
      asm.loadImm(A1, 2),
      asm.loadImm(A1, 3),
    ],
  });
  const { offsets } = program;
  const runWith = (blob: typeof program.blob, a0: number) => {
    const instance = moduleOf(blob, { gasMetering: 'sync' }).instantiate();
    instance.setGas(100);
    instance.setReg(A0, a0);
    return { interrupt: runFrom(instance, 0), instance };
  };

  // Valid branch: both directions work.
  for (const [a0, pc, a1] of [
    [0, offsets[2], 1n],
    [33, offsets[4], 2n],
  ] as const) {
    const { interrupt, instance } = runWith(program.blob, a0);
    assert.equal(interrupt.kind, 'trap');
    assert.equal(instance.gas, 97n);
    assert.equal(instance.programCounter, pc);
    assert.equal(instance.reg(A1), a1);
  }

  // The taken edge points into the middle of an instruction.
  const code = program.blob.code.slice();
  code[offsets[1]! - 1]! -= 1;
  // The fall-through edge is not an instruction start (the bitmask only marks the branch).
  const bitmask = new Uint8Array(program.blob.bitmask.length);
  bitmask[0] = 1;
  for (const blob of [withCode(program.blob, code), withCode(program.blob, program.blob.code, bitmask)]) {
    const module = moduleOf(blob, { gasMetering: 'sync' });
    for (let round = 0; round < 2; round++) {
      for (const a0 of [0, 33]) {
        const instance = module.instantiate();
        instance.setGas(100);
        instance.setReg(A0, a0);
        assert.equal(runFrom(instance, 0).kind, 'trap');
        assert.equal(instance.gas, 99n);
        assert.equal(instance.programCounter, 0);
        assert.equal(instance.nextProgramCounter, null);
        assert.equal(instance.reg(A1), 0n);
      }
    }
  }
});

test('entering at an offset that is not an instruction start traps at entry without consuming anything', () => {
  const program = buildProgram({ code: [asm.loadImm(A0, 0x1234), asm.ret()] });
  const instance = startAt(moduleOf(program, { gasMetering: 'sync' }));
  instance.setGas(10);
  const codeLength = program.offsets[2]!;
  for (const pc of [1, codeLength, codeLength + 1, codeLength + 1000, 0xffffffff]) {
    for (let round = 0; round < 2; round++) {
      if (round === 0) instance.setNextProgramCounter(pc);
      assert.equal(instance.run().kind, 'trap');
      assert.equal(instance.programCounter, pc);
      assert.equal(instance.nextProgramCounter, pc, 'the next program counter is kept, so running again traps again');
      assert.equal(instance.gas, 10n);
      assert.equal(instance.reg(A0), 0n);
    }
  }
});

test('load_imm_and_jump writes the register before checking the target', () => {
  // Target instruction 3 follows a load_imm, so it is not a valid jump target; instruction 1 is.
  const code = (target: number) => [
    asm.loadImmAndJump(A0, 1234, target),
    asm.ret(),
    asm.loadImm(A1, 1),
    asm.ret(),
  ];
  const ok = startAt(moduleOf(buildProgram({ code: code(1) })));
  assert.equal(ok.run().kind, 'finished');
  assert.equal(ok.reg(A0), 1234n);

  const bad = startAt(moduleOf(buildProgram({ code: code(3) })));
  assert.equal(bad.run().kind, 'trap');
  assert.equal(bad.programCounter, 0);
  assert.equal(bad.reg(A0), 1234n);
  assert.equal(bad.reg(A1), 0n);
});

for (const isa of BITNESSES) {
  test(`${isa}: load_imm_and_jump_indirect computes the address from the base before writing the destination`, () => {
    const program = buildProgram({
      isa,
      code: [asm.loadImmAndJumpIndirect(A0, A0, -1234, 0), asm.loadImm(A1, 7), asm.ret()],
      jumpTable: [1],
    });
    const module = moduleOf(program);
    const minus1234 = isa === 'latest32' ? 0xfffffb2en : 0xfffffffffffffb2en;

    // dst == base: the jump goes to the address held in a0 *before* it was overwritten.
    let instance = startAt(module);
    instance.setReg(A0, 2);
    assert.equal(instance.run().kind, 'finished');
    assert.equal(instance.reg(A0), minus1234);
    assert.equal(instance.reg(A1), 7n);

    // Invalid address: traps at the jump with the destination already written.
    instance = startAt(module);
    instance.setReg(A0, 3);
    assert.equal(instance.run().kind, 'trap');
    assert.equal(instance.programCounter, 0);
    assert.equal(instance.reg(A0), minus1234);

    // The return-to-host address finishes, also with the destination written.
    instance = startAt(module);
    instance.setReg(A0, RETURN_TO_HOST);
    assert.equal(instance.run().kind, 'finished');
    assert.equal(instance.reg(A0), minus1234);
    assert.equal(instance.reg(A1), 0n);
  });
}

test('the same module can be entered at different blocks by several instances', () => {
  // Three exported blocks returning different values (the shape of the reference's dispatch table test).
  const program = buildProgram({
    code: [asm.loadImm(A0, 10), asm.ret(), asm.loadImm(A0, 11), asm.ret(), asm.loadImm(A0, 12), asm.ret()],
    exports: { block_0: 0, block_1: 2, block_2: 4 },
  });
  const module = moduleOf(program);
  assert.deepEqual(
    module.exports.map((e) => [e.name, e.programCounter]),
    [
      ['block_0', program.offsets[0]],
      ['block_1', program.offsets[2]],
      ['block_2', program.offsets[4]],
    ],
  );
  for (const [index, expected] of [
    [4, 12n],
    [0, 10n],
    [2, 11n],
  ] as const) {
    const instance = startAt(module, program.offsets[index]);
    assert.equal(instance.run().kind, 'finished');
    assert.equal(instance.reg(A0), expected);
  }
});

test('ecalli stops with the host call number and resumes after it', () => {
  const program = buildProgram({ code: [asm.loadImm(A0, 1), asm.ecalli(0x1234), asm.addImm32(A0, A0, 1), asm.ecalli(0xffffffff), asm.ret()] });
  const instance = startAt(moduleOf(program));
  let interrupt = instance.run();
  assert.deepEqual(interrupt, { kind: 'ecalli', hostcall: 0x1234 });
  assert.equal(instance.programCounter, program.offsets[1]);
  assert.equal(instance.nextProgramCounter, program.offsets[2]);
  assert.equal(instance.reg(A0), 1n);
  instance.setReg(A0, 10);
  interrupt = instance.run();
  assert.deepEqual(interrupt, { kind: 'ecalli', hostcall: 0xffffffff });
  assert.equal(instance.reg(A0), 11n);
  assert.equal(instance.run().kind, 'finished');
});

test('unlikely is a no-op that does not end the block', () => {
  const program = buildProgram({ code: [asm.loadImm(A0, 5), asm.unlikely(), asm.addImm32(A0, A0, 1), asm.ret()] });
  const instance = startAt(moduleOf(program, { gasMetering: 'sync' }));
  instance.setGas(10);
  assert.equal(instance.run().kind, 'finished');
  assert.equal(instance.reg(A0), 6n);
  assert.equal(instance.gas, 6n, 'one block of four instructions, unlikely included');
});

for (const isa of BITNESSES) {
  test(`${isa}: branches compare full register values (signed and unsigned)`, () => {
    // a1 = 1 if taken else 2; block layout: [branch], [a1=2, ret], [a1=1, ret]
    const check = (name: Parameters<typeof asm.branch>[0], a: bigint, b: bigint, taken: boolean) => {
      const program = buildProgram({
        isa,
        code: [asm.branch(name, A0, A1, 3), asm.loadImm(Reg.A2, 2), asm.ret(), asm.loadImm(Reg.A2, 1), asm.ret()],
      });
      const instance = startAt(moduleOf(program));
      instance.setReg(A0, a);
      instance.setReg(A1, b);
      assert.equal(instance.run().kind, 'finished');
      assert.equal(instance.reg(Reg.A2), taken ? 1n : 2n, `${name}(${a}, ${b})`);
    };
    const neg = -1n;
    check('branch_eq', 5n, 5n, true);
    check('branch_not_eq', 5n, 5n, false);
    check('branch_less_unsigned', 1n, neg, true);
    check('branch_less_signed', 1n, neg, false);
    check('branch_greater_or_equal_unsigned', neg, 1n, true);
    check('branch_greater_or_equal_signed', neg, 1n, false);
    check('branch_less_signed', neg, 0n, true);
  });
}

test('branch_*_imm forms compare against the sign-extended immediate', () => {
  const cases: [name: Parameters<typeof asm.branchImm>[0], value: bigint, imm: number, taken: boolean][] = [
    ['branch_eq_imm', 0xffff_ffff_ffff_ffffn, -1, true],
    ['branch_not_eq_imm', 7n, 7, false],
    ['branch_less_unsigned_imm', 5n, -1, true],
    ['branch_less_signed_imm', 5n, -1, false],
    ['branch_less_or_equal_unsigned_imm', 7n, 7, true],
    ['branch_less_or_equal_signed_imm', -8n, -8, true],
    ['branch_greater_or_equal_unsigned_imm', 6n, 7, false],
    ['branch_greater_or_equal_signed_imm', 0n, -1, true],
    ['branch_greater_unsigned_imm', 0xffff_ffff_ffff_ffffn, 5, true],
    ['branch_greater_signed_imm', 0xffff_ffff_ffff_ffffn, 5, false],
  ];
  for (const [name, value, imm, taken] of cases) {
    const program = buildProgram({
      isa: 'latest64',
      code: [asm.branchImm(name, A0, imm, 3), asm.loadImm(A1, 2), asm.ret(), asm.loadImm(A1, 1), asm.ret()],
    });
    const instance = startAt(moduleOf(program));
    instance.setReg(A0, value);
    assert.equal(instance.run().kind, 'finished');
    assert.equal(instance.reg(A1), taken ? 1n : 2n, `${name}(${value}, ${imm})`);
  }
});

test('instructions after ecalli, memset or sbrk are not valid jump targets (those do not end a block)', () => {
  for (const middle of [asm.ecalli(0), asm.memset(), asm.sbrk(A1, A1)]) {
    const program = buildProgram({ code: [asm.jump(2), middle, asm.loadImm(A0, 1), asm.ret()] });
    const instance = startAt(moduleOf(program));
    assert.equal(instance.run().kind, 'trap');
    assert.equal(instance.programCounter, 0);
    assert.equal(instance.reg(A0), 0n);
  }
});

test('a branch into the middle of its own block traps at the branch, after its block was charged', () => {
  const program = buildProgram({ code: [asm.addImm32(A0, A0, 1), asm.addImm32(A0, A0, 1), asm.branchImm('branch_eq_imm', A0, 0, 1), asm.ret()] });
  const instance = startAt(moduleOf(program, { gasMetering: 'sync' }));
  instance.setGas(10);
  assert.equal(instance.run().kind, 'trap');
  assert.equal(instance.programCounter, program.offsets[2]);
  assert.equal(instance.reg(A0), 2n);
  assert.equal(instance.gas, 7n);
});

test('jump table entries pointing at offset 0 or after a terminator are valid; after an undefined opcode they are not', () => {
  const program = buildProgram({
    code: [asm.jumpIndirect(A0, 0), asm.trap(), asm.loadImm(A1, 1), asm.ret()],
    jumpTable: [0, 2, 1],
  });
  let instance = startAt(moduleOf(program));
  instance.setReg(A0, 4);
  assert.equal(instance.run().kind, 'finished');
  assert.equal(instance.reg(A1), 1n);

  // Entry 1 points at the trap (after the jump_indirect terminator).
  instance = startAt(moduleOf(program));
  instance.setReg(A0, 6);
  assert.equal(instance.run().kind, 'trap');
  assert.equal(instance.programCounter, program.offsets[1]);

  // Entry 0 points at the jump_indirect itself: a valid target, so with a0 = 2 the program loops until out of gas.
  instance = startAt(moduleOf(program, { gasMetering: 'sync' }));
  instance.setReg(A0, 2);
  instance.setGas(5);
  assert.equal(instance.run().kind, 'not-enough-gas');
  assert.equal(instance.programCounter, 0);
  assert.equal(instance.gas, 0n);

  // Make instruction 1 an undefined opcode: entry 1 (instruction 2) is then no longer a valid target.
  const code = program.blob.code.slice();
  code[program.offsets[1]!] = 255;
  instance = startAt(moduleOf(withCode(program.blob, code)));
  instance.setReg(A0, 4);
  assert.equal(instance.run().kind, 'trap');
  assert.equal(instance.programCounter, 0);
});

test('an infinite loop is stopped by gas metering at the loop head', () => {
  const program = buildProgram({ code: [asm.addImm32(A0, A0, 1), asm.jump(0)] });
  for (const kind of ['sync', 'async'] as const) {
    const instance = startAt(moduleOf(program, { gasMetering: kind }));
    instance.setGas(5);
    assert.equal(instance.run().kind, 'not-enough-gas');
    assert.equal(instance.reg(A0), 2n);
    if (kind === 'sync') {
      assert.equal(instance.gas, 1n);
      assert.equal(instance.programCounter, 0);
      assert.equal(instance.nextProgramCounter, 0);
    } else {
      assert.equal(instance.gas, -1n);
      assert.equal(instance.programCounter, null);
    }
  }
});

test('a long straight-line block costs one gas per instruction, charged up front', () => {
  const code = [...Array.from({ length: 1000 }, () => asm.addImm32(A0, A0, 1)), asm.ret()];
  const module = moduleOf(buildProgram({ code }), { gasMetering: 'sync' });
  let instance = startAt(module);
  instance.setGas(1000);
  assert.equal(instance.run().kind, 'not-enough-gas');
  assert.equal(instance.reg(A0), 0n, 'nothing ran');
  instance = startAt(module);
  instance.setGas(1001);
  assert.equal(instance.run().kind, 'finished');
  assert.equal(instance.reg(A0), 1000n);
  assert.equal(instance.gas, 0n);
});

test('an instruction more than 25 bytes after the previous one can be neither entered nor jumped to', () => {
  // `first` at offset 0, padding, then `ret` at offset 31; only offsets 0 and 31 are instruction starts.
  const ret = buildProgram({ code: [asm.ret()] }).blob.code;
  const gapped = (first: TestInstruction, jumpTable: number[]) => {
    const head = buildProgram({ code: [first] }).blob.code;
    const code = new Uint8Array(31 + ret.length);
    code.set(head, 0);
    code.set(ret, 31);
    const bitmask = new Uint8Array((code.length + 7) >>> 3);
    bitmask[0] = 1;
    bitmask[31 >>> 3]! |= 1 << (31 & 7);
    const base = buildProgram({ code: [asm.trap()] }).blob;
    return ProgramBlob.fromParts({ ...base.toParts(), code, bitmask, jumpTable: new JumpTable(Uint32Array.from(jumpTable), 1) });
  };

  const instance = startAt(moduleOf(gapped(asm.trap(), [])), 31);
  assert.equal(instance.run().kind, 'trap');
  assert.equal(instance.programCounter, 31);
  assert.equal(instance.nextProgramCounter, 31, 'a trap at entry keeps the next program counter');

  const viaTable = startAt(moduleOf(gapped(asm.jumpIndirect(A0, 0), [31])));
  viaTable.setReg(A0, 2);
  assert.equal(viaTable.run().kind, 'trap');
  assert.equal(viaTable.programCounter, 0);
});
