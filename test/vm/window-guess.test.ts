/**
 * The compiler tests an access's memory windows in the order of a guess of where its base register points
 * (src/compiler/window-guess.ts; test/compiler/window-guess.test.ts checks the guesses). A wrong guess must only
 * cost time: loads, stores and traps through registers guessed to point elsewhere behave exactly as anywhere else,
 * whether a miss leaves for the interpreter (no aux data) or calls the slow path (aux data).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { asm, buildProgram, moduleOf, Reg, startAt, type TestInstruction } from '../helpers/program.js';

const { A0, A1, A2 } = Reg;
const PAGE = 0x1000;

type Window = 'ro' | 'rw' | 'stack' | 'gap';
const WINDOWS: readonly Window[] = ['ro', 'rw', 'stack', 'gap'];

function moduleFor(code: TestInstruction[], auxDataSize: number) {
  const program = buildProgram({
    isa: 'latest64',
    code,
    roDataSize: PAGE,
    rwDataSize: PAGE,
    stackSize: PAGE,
    roData: new Uint8Array(PAGE).fill(0x42),
    rwData: new Uint8Array(PAGE).fill(0x73),
  });
  return moduleOf(program, { pageSize: PAGE, auxDataSize });
}

/** An address inside each window, under the memory map with `auxDataSize` bytes of aux data. */
function addresses(auxDataSize: number): Record<Window, number> {
  const map = moduleFor([asm.trap()], auxDataSize).memoryMap;
  return { ro: map.roDataAddress + 0x10, rw: map.rwDataAddress + 0x20, stack: map.stackAddressLow + 0x30, gap: map.rwDataAddress + 0x8000 };
}

function run(code: TestInstruction[], auxDataSize: number): bigint | 'trap' {
  const instance = startAt(moduleFor(code, auxDataSize));
  const interrupt = instance.run();
  if (interrupt.kind === 'trap') return 'trap';
  assert.equal(interrupt.kind, 'finished');
  return instance.reg(A0);
}

/**
 * `a1` gets an address in window `guessed` (so it is guessed to point there), then moves by an offset the guess
 * cannot see, to `actual`; the access goes through it. A store writes 0x11 and loads it back.
 */
function access(at: Record<Window, number>, guessed: Window, actual: Window, store: boolean): TestInstruction[] {
  const delta = (at[actual] - at[guessed]) | 0;
  const through: TestInstruction[] = store
    ? [asm.storeImmIndirect('store_imm_indirect_u32', A1, 0, 0x11), asm.indirect('load_indirect_u32', A0, A1, 0)]
    : [asm.indirect('load_indirect_u32', A0, A1, 0)];
  return [
    asm.loadImm(A1, at[guessed]),
    asm.loadImm64(A2, BigInt(delta)),
    asm.rrr('add_64', A1, A1, A2),
    asm.jump(4),
    /* 4: a new block, the guess carried into it */ ...through,
    asm.jumpIndirect(Reg.RA, 0),
  ];
}

const loaded: Record<Window, bigint | 'trap'> = { ro: 0x42424242n, rw: 0x73737373n, stack: 0n, gap: 'trap' };
const stored: Record<Window, bigint | 'trap'> = { ro: 'trap', rw: 0x11n, stack: 0x11n, gap: 'trap' };

for (const auxDataSize of [0, 2 * PAGE]) {
  test(`accesses through registers guessed to point into another window load, store and trap as anywhere (aux data ${auxDataSize / PAGE} pages)`, () => {
    const at = addresses(auxDataSize);
    for (const guessed of WINDOWS) {
      for (const actual of WINDOWS) {
        assert.equal(run(access(at, guessed, actual, false), auxDataSize), loaded[actual], `load guessed ${guessed}, at ${actual}`);
        assert.equal(run(access(at, guessed, actual, true), auxDataSize), stored[actual], `store guessed ${guessed}, at ${actual}`);
      }
    }
  });
}
