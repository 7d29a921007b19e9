import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Linker } from '../../src/api/linker.js';
import { HostCallError, InvalidArgumentError, LinkError, OutOfGasError, TrapError } from '../../src/errors.js';
import { ARGUMENT_REGISTERS } from '../../src/isa/registers.js';
import { asm, buildProgram, moduleOf, Reg, RETURN_TO_HOST, BITNESSES } from '../helpers/program.js';

const { A0, A1, A2, A3, A4, A5, S0, SP, RA } = Reg;
const RW = 0x20000; // rw_data_address when there is no RO data

/** The shape of the reference's hello-world example: add_numbers(a, b) = a + b + get_third_number(). */
function helloWorld() {
  return buildProgram({
    isa: 'latest32',
    stackSize: 0x2000,
    imports: ['get_third_number'],
    exports: { add_numbers: 0 },
    code: [
      asm.addImm32(SP, SP, -8),
      asm.indirect('store_indirect_u32', RA, SP, 4),
      asm.indirect('store_indirect_u32', S0, SP, 0),
      asm.add32(S0, A1, A0),
      asm.ecalli(0),
      asm.add32(A0, A0, S0),
      asm.indirect('load_indirect_i32', RA, SP, 4),
      asm.indirect('load_indirect_i32', S0, SP, 0),
      asm.addImm32(SP, SP, 8),
      asm.ret(),
    ],
  });
}

/** The reference's `basic_test_blob`: stores a marker, then a0 = a0 + a1 + hostcall(). */
function basicTestProgram(isa: 'latest32' | 'latest64' = 'latest32') {
  return buildProgram({
    isa,
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

test('asynchronous compilation and instantiation give an instance that behaves like a synchronous one', async () => {
  const module = moduleOf(helloWorld());
  await module.compile();
  const linker = new Linker().define('get_third_number', () => 100);
  const instances = [await linker.instantiateAsync(module), linker.instantiate(module), await linker.instantiateAsync(module)];
  for (const instance of instances) assert.equal(instance.call('add_numbers', [1, 10]), 111n);
  const raw = await module.instantiateAsync();
  raw.setReg(RA, RETURN_TO_HOST);
  raw.setReg(SP, module.defaultSp);
  raw.setReg(A0, 5);
  raw.setReg(A1, 6);
  raw.setNextProgramCounter(module.exportProgramCounter('add_numbers')!);
  assert.deepEqual(raw.run(), { kind: 'ecalli', hostcall: 0 });
  raw.setReg(A0, 100);
  assert.equal(raw.run().kind, 'finished');
  assert.equal(raw.reg(A0), 111n);
});

test('hello-world: add_numbers(1, 10) calls the import and returns 111', () => {
  const module = moduleOf(helloWorld());
  const calls: bigint[][] = [];
  const instance = new Linker()
    .define('get_third_number', (_caller, ...args) => {
      calls.push(args);
      return 100;
    })
    .instantiate(module);
  assert.equal(instance.call('add_numbers', [1, 10]), 111n);
  assert.equal(calls.length, 1);
  // The guest restored its stack pointer and returned to the host.
  assert.equal(instance.reg(SP), BigInt(module.defaultSp));
  assert.equal(instance.programCounter, null);
  assert.equal(instance.nextProgramCounter, null);
});

for (const isa of BITNESSES) {
  test(`${isa}: a host function can read guest memory written before the ecalli`, () => {
    const module = moduleOf(basicTestProgram(isa));
    let seen = -1;
    const instance = new Linker()
      .define('hostcall', (caller) => {
        seen = caller.readU32(RW);
        return 100;
      })
      .instantiate(module);
    assert.equal(instance.call('main', [1, 10]), 111n);
    assert.equal(seen, 0x12345678);
  });
}

test('the fallback handler receives the host call number of an unbound import and can set a0', () => {
  const module = moduleOf(basicTestProgram());
  const numbers: number[] = [];
  const instance = new Linker()
    .defineFallback((caller, hostcall) => {
      numbers.push(hostcall);
      caller.setReg(A0, 100);
    })
    .instantiate(module);
  assert.equal(instance.call('main', [1, 10]), 111n);
  assert.deepEqual(numbers, [0]);
});

test('the fallback handler also handles ecalli numbers beyond the import list', () => {
  const module = moduleOf(buildProgram({ code: [asm.ecalli(0xffffffff), asm.ret()] }));
  const numbers: number[] = [];
  const instance = new Linker().defineFallback((_caller, n) => void numbers.push(n)).instantiate(module);
  instance.call('main');
  assert.deepEqual(numbers, [0xffffffff]);
});

test('an ecalli with no bound function and no fallback traps at the ecalli', () => {
  const program = buildProgram({ code: [asm.loadImm(A0, 1), asm.ecalli(5), asm.ret()] });
  const instance = new Linker().instantiate(moduleOf(program));
  assert.throws(
    () => instance.call('main'),
    (error: unknown) => error instanceof TrapError && error.programCounter === program.offsets[1],
  );
});

test('a bound import wins over the fallback handler', () => {
  const module = moduleOf(basicTestProgram());
  const instance = new Linker()
    .define('hostcall', () => 5)
    .defineFallback(() => assert.fail('fallback must not be called'))
    .instantiate(module);
  assert.equal(instance.call('main', [1, 10]), 16n);
});

test('instantiating a module whose import is not defined is a LinkError naming the import', () => {
  const module = moduleOf(helloWorld());
  assert.throws(() => new Linker().instantiate(module), (error: unknown) => error instanceof LinkError && /get_third_number/.test(error.message));
  assert.throws(() => new Linker().define('something_else', () => 0).instantiate(module), LinkError);
});

test('defining the same host function twice is a LinkError', () => {
  const linker = new Linker().define('f', () => 1);
  assert.throws(() => linker.define('f', () => 2), LinkError);
  assert.throws(() => linker.defineUntyped('f', () => undefined), LinkError);
});

test('a host function that throws surfaces as HostCallError carrying the original error', () => {
  const program = basicTestProgram();
  const module = moduleOf(program);
  const original = new Error('boom');
  const instance = new Linker()
    .define('hostcall', () => {
      throw original;
    })
    .instantiate(module);
  assert.throws(
    () => instance.call('main', [1, 10]),
    (error: unknown) => error instanceof HostCallError && error.cause === original && error.symbol === 'hostcall' && /boom/.test(error.message),
  );
  // The guest stopped at the ecalli.
  assert.equal(instance.programCounter, program.offsets[2]);
});

test('a TrapError thrown by a host function is propagated as a trap, not wrapped', () => {
  const module = moduleOf(basicTestProgram());
  const instance = new Linker()
    .define('hostcall', (caller) => {
      throw new TrapError(caller.programCounter, 'host requested a trap');
    })
    .instantiate(module);
  assert.throws(() => instance.call('main', [1, 10]), (error: unknown) => error instanceof TrapError && !(error instanceof HostCallError));
});

for (const isa of BITNESSES) {
  test(`${isa}: host functions get a0..a5 as unsigned bigints (low 32 bits on 32-bit programs)`, () => {
    const program = buildProgram({
      isa,
      imports: ['f'],
      code: [
        asm.loadImm(A0, -1),
        asm.loadImm(A1, 1),
        asm.loadImm(A2, 0x7fffffff),
        asm.loadImm(A3, -0x80000000),
        asm.loadImm(A4, 4),
        asm.loadImm(A5, 5),
        asm.ecalli(0),
        asm.ret(),
      ],
    });
    let received: bigint[] = [];
    const instance = new Linker()
      .define('f', (_caller, ...args) => {
        received = args;
      })
      .instantiate(moduleOf(program));
    instance.call('main');
    const minusOne = isa === 'latest32' ? 0xffffffffn : 0xffffffffffffffffn;
    const min32 = isa === 'latest32' ? 0x80000000n : 0xffffffff80000000n;
    assert.deepEqual(received, [minusOne, 1n, 0x7fffffffn, min32, 4n, 5n]);
    // Returning nothing leaves a0 untouched.
    assert.equal(instance.reg(A0), minusOne);
  });
}

test('a host function returning [a0, a1] sets both result registers', () => {
  const program = buildProgram({ isa: 'latest64', imports: ['pair'], code: [asm.ecalli(0), asm.ret()] });
  const instance = new Linker().define('pair', () => [0x123456789abcdefen, 0x1122334455667788n]).instantiate(moduleOf(program));
  assert.equal(instance.call('main'), 0x123456789abcdefen);
  assert.equal(instance.reg(A1), 0x1122334455667788n);
});

test('a host function can write guest memory and registers that the guest then uses', () => {
  // a0 = host(); a1 = u32 [RW]; a0 = a0 + a1
  const program = buildProgram({
    isa: 'latest32',
    rwDataSize: 0x1000,
    imports: ['host'],
    code: [asm.ecalli(0), asm.absolute('load_i32', A1, RW), asm.add32(A0, A0, A1), asm.ret()],
  });
  const instance = new Linker()
    .defineUntyped('host', (caller) => {
      caller.writeU32(RW, 40);
      caller.setReg(A0, 2);
    })
    .instantiate(moduleOf(program));
  assert.equal(instance.call('main'), 42n);
  assert.equal(instance.readU32(RW), 40);
});

test('call puts up to nine arguments into a0..a5, t0..t2 and sets sp and ra', () => {
  const module = moduleOf(buildProgram({ isa: 'latest64', stackSize: 0x1000, code: [asm.ret()] }));
  const instance = new Linker().instantiate(module);
  const args = [1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n, 9n];
  instance.setReg(Reg.S1, 77);
  assert.equal(instance.call('main', args), 1n);
  assert.deepEqual(ARGUMENT_REGISTERS.map((r) => instance.reg(r)), args);
  assert.equal(instance.reg(SP), BigInt(module.defaultSp));
  assert.equal(instance.reg(RA), BigInt(RETURN_TO_HOST));
  assert.equal(instance.reg(Reg.S1), 0n, 'registers are cleared before the call');
  assert.throws(() => instance.call('main', [...args, 10n]), InvalidArgumentError);
});

test('call accepts an export by code offset and rejects an unknown export name', () => {
  const program = buildProgram({ code: [asm.loadImm(A0, 10), asm.ret(), asm.loadImm(A0, 11), asm.ret()], exports: { first: 0, second: 2 } });
  const instance = new Linker().instantiate(moduleOf(program));
  assert.equal(instance.call('second'), 11n);
  assert.equal(instance.call(program.offsets[0]!), 10n);
  assert.throws(() => instance.call('third'), InvalidArgumentError);
});

test('a guest trap during call is a TrapError with the trapping program counter', () => {
  const program = buildProgram({ code: [asm.loadImm(A0, 1), asm.trap()] });
  const instance = new Linker().instantiate(moduleOf(program));
  assert.throws(() => instance.call('main'), (error: unknown) => error instanceof TrapError && error.programCounter === program.offsets[1]);
  assert.equal(instance.reg(A0), 1n);
});

test('running out of gas during call is an OutOfGasError', () => {
  const program = buildProgram({ code: [asm.loadImm(A0, 1), asm.ret()] });
  const instance = new Linker().instantiate(moduleOf(program, { gasMetering: 'sync' }));
  instance.setGas(1);
  assert.throws(() => instance.call('main'), OutOfGasError);
  assert.equal(instance.gas, 1n);
});

test('instances of one module are independent', () => {
  const program = buildProgram({ rwDataSize: 4, code: [asm.absolute('load_i32', A0, RW), asm.addImm32(A0, A0, 1), asm.absolute('store_u32', A0, RW), asm.ret()] });
  const module = moduleOf(program);
  const first = new Linker().instantiate(module);
  const second = new Linker().instantiate(module);
  assert.equal(first.call('main'), 1n);
  assert.equal(first.call('main'), 2n);
  assert.equal(second.call('main'), 1n);
});
