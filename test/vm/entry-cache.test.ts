/**
 * Host entries whose outcome depends on what the reference interpreter has compiled in the instance: it looks an
 * entry point up in its per-instance block cache first, and only on a miss walks back to the start of the block,
 * which fails at implicit invalid instructions (they have no bitmask bit) and in blocks that start where no jump
 * may go. Both backends reproduce that per instance (found by the differential fuzzer; see
 * test/differential/regressions.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { asm, buildProgram, moduleOf, Reg, runFrom, startAt, withCode } from '../helpers/program.js';

const { A0, A1 } = Reg;
const GAS = { gasMetering: 'sync' } as const;

/** `trap` at 0; `ecalli 0` at 1 runs into the implicit invalid at the code length, END. */
const ECALLI_AT_END = buildProgram({ code: [asm.trap(), asm.ecalli(0)], exports: { main: 0, tail: 1 } });
const END = ECALLI_AT_END.offsets[2]!;

test('entering at the implicit invalid at the code length traps at entry, uncharged, while its block never ran', () => {
  const instance = startAt(moduleOf(ECALLI_AT_END, GAS));
  instance.setGas(100n);
  assert.equal(runFrom(instance, END).kind, 'trap');
  assert.equal(instance.programCounter, END);
  assert.equal(instance.nextProgramCounter, END);
  assert.equal(instance.gas, 100n);
});

test('once its block ran, entering at the implicit invalid charges the block and traps there', () => {
  const module = moduleOf(ECALLI_AT_END, GAS);
  const instance = startAt(module);
  instance.setGas(100n);
  assert.equal(runFrom(instance, 1).kind, 'ecalli');
  assert.equal(instance.run().kind, 'trap');
  assert.equal(instance.programCounter, END);
  assert.equal(instance.gas, 98n);
  assert.equal(runFrom(instance, END).kind, 'trap');
  assert.equal(instance.programCounter, END);
  assert.equal(instance.nextProgramCounter, null);
  assert.equal(instance.gas, 96n);

  // The cache is per instance: another instance of the module has not run that block.
  const other = startAt(module);
  other.setGas(100n);
  assert.equal(runFrom(other, END).kind, 'trap');
  assert.equal(other.nextProgramCounter, END);
  assert.equal(other.gas, 100n);
});

test('a branch that runs compiles both of its edges, so either edge ending in an implicit invalid can be entered', () => {
  // 0: branch a0 != 0 → @end; @mid: trap; @end: a1 = 1, then the implicit invalid at the code length.
  const program = buildProgram({
    code: [asm.branchImm('branch_not_eq_imm', A0, 0, 2), asm.trap(), asm.loadImm(A1, 1)],
  });
  const end = program.offsets[3]!;
  const module = moduleOf(program, GAS);

  const fresh = startAt(module);
  fresh.setGas(100n);
  assert.equal(runFrom(fresh, end).kind, 'trap');
  assert.equal(fresh.gas, 100n);
  assert.equal(fresh.nextProgramCounter, end);

  const instance = startAt(module);
  instance.setGas(100n);
  instance.setReg(A0, 0n);
  assert.equal(runFrom(instance, 0).kind, 'trap'); // not taken: traps at @mid
  assert.equal(instance.programCounter, program.offsets[1]);
  assert.equal(instance.gas, 98n);
  assert.equal(runFrom(instance, end).kind, 'trap'); // @end was compiled by the branch: charged (2), then traps
  assert.equal(instance.programCounter, end);
  assert.equal(instance.nextProgramCounter, null);
  assert.equal(instance.gas, 96n);
});

/** `fallthrough` at 0, 25 bytes of padding, `trap` at 26: the fallthrough continues into an implicit invalid at 25. */
function fallthroughIntoGap() {
  const program = buildProgram({ code: [asm.fallthrough(), asm.trap()], isa: 'latest64' });
  const [fallthrough, trap] = [program.blob.code[0]!, program.blob.code[1]!];
  const code = new Uint8Array(27);
  code[0] = fallthrough;
  code[26] = trap;
  const bitmask = new Uint8Array(4);
  bitmask[0] = 1;
  bitmask[3] = 1 << (26 - 24);
  return withCode(program.blob, code, bitmask);
}

test('a fallthrough into a gap of more than 24 bytes runs the implicit invalid there as a block of its own', () => {
  const module = moduleOf(fallthroughIntoGap(), GAS);
  const instance = startAt(module);
  instance.setGas(100n);
  assert.equal(runFrom(instance, 0).kind, 'trap');
  assert.equal(instance.programCounter, 25);
  assert.equal(instance.nextProgramCounter, null);
  assert.equal(instance.gas, 98n); // the fallthrough's block (1) and the implicit invalid's (1)

  // Now compiled, that block can be entered; its start is no valid jump target, so it is charged on entry and
  // again by the block itself, as in the reference.
  assert.equal(runFrom(instance, 25).kind, 'trap');
  assert.equal(instance.gas, 96n);
  const fresh = startAt(module);
  fresh.setGas(100n);
  assert.equal(runFrom(fresh, 25).kind, 'trap');
  assert.equal(fresh.gas, 100n);
  assert.equal(fresh.nextProgramCounter, 25);
});

test('entering mid-block before a fallthrough into a gap that already ran continues into the gap, charging both blocks', () => {
  // `unlikely` at 0, `fallthrough` at 1, 25 bytes of padding, `trap` at 27: the fallthrough continues into an
  // implicit invalid at 26. The reference resolved the fallthrough when it first ran; the host entry at 1 then
  // finds it in the block cache and runs it to the gap (the compiler once trapped at the fallthrough instead).
  const program = buildProgram({ code: [asm.unlikely(), asm.fallthrough(), asm.trap()], isa: 'latest64' });
  const code = new Uint8Array(28);
  code.set(program.blob.code.subarray(0, 2));
  code[27] = program.blob.code[2]!;
  const bitmask = Uint8Array.of(0b11, 0, 0, 1 << (27 - 24));
  const instance = startAt(moduleOf(withCode(program.blob, code, bitmask), GAS));
  instance.setGas(100n);
  assert.equal(runFrom(instance, 0).kind, 'trap');
  assert.equal(instance.programCounter, 26);
  assert.equal(instance.gas, 97n); // [unlikely, fallthrough] 2, the implicit invalid's block 1
  assert.equal(runFrom(instance, 1).kind, 'trap');
  assert.equal(instance.programCounter, 26);
  assert.equal(instance.nextProgramCounter, null);
  assert.equal(instance.gas, 94n);
});

test('entering twice at the start of a block that is not a valid jump target charges it once, then twice', () => {
  // An unknown opcode byte (a trap that is not a known terminator) makes the next block no valid jump target.
  const program = buildProgram({ code: [asm.trap(), asm.loadImm(A0, 7), asm.trap()] });
  const code = program.blob.code.slice();
  code[0] = 0xff;
  const start = program.offsets[1]!;
  const instance = startAt(moduleOf(withCode(program.blob, code), GAS));
  instance.setGas(100n);
  assert.equal(runFrom(instance, start).kind, 'trap');
  assert.equal(instance.reg(A0), 7n);
  assert.equal(instance.gas, 98n);
  assert.equal(runFrom(instance, start).kind, 'trap');
  assert.equal(instance.gas, 94n);
});

test('a 24-byte skip ending at a byte boundary reads as a gap: the fallthrough before it runs into a block no jump may enter', () => {
  // trap at 0 (padded to 7), fallthrough at 7 (padded with 24 bytes), trap at 32: the reference's bitmask reader
  // stops its 24-byte scan at the byte boundary 32 without looking at its bit, so the fallthrough continues into
  // an implicit invalid at 32, and the trap at 32 is no valid jump target (the previous instruction is too far).
  const program = buildProgram({ code: [asm.trap(), asm.fallthrough(), asm.trap()], isa: 'latest64' });
  const code = new Uint8Array(33);
  code[0] = program.blob.code[0]!;
  code[7] = program.blob.code[1]!;
  code[32] = program.blob.code[2]!;
  const bitmask = Uint8Array.of(0b1000_0001, 0, 0, 0, 0b0000_0001);
  const module = moduleOf(withCode(program.blob, code, bitmask), GAS);

  const fresh = startAt(module);
  fresh.setGas(100n);
  assert.equal(runFrom(fresh, 32).kind, 'trap');
  assert.equal(fresh.nextProgramCounter, 32);
  assert.equal(fresh.gas, 100n);

  const instance = startAt(module);
  instance.setGas(100n);
  assert.equal(runFrom(instance, 7).kind, 'trap');
  assert.equal(instance.programCounter, 32);
  assert.equal(instance.nextProgramCounter, null);
  assert.equal(instance.gas, 98n);
  assert.equal(runFrom(instance, 32).kind, 'trap');
  assert.equal(instance.gas, 96n);
});
