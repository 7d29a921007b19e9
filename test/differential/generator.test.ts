/**
 * Checks of the differential test's own machinery: the generator covers the whole instruction set and keeps its
 * invariants (termination without gas, bounded heap growth, loadable programs), cases survive the JSON round trip
 * used for regressions, and the comparison really reports differences.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Engine } from '../../src/api/engine.js';
import { Module } from '../../src/api/module.js';
import { DecodedInstruction } from '../../src/isa/code.js';
import { targetOperand } from '../../src/isa/encoder.js';
import { INSTRUCTIONS, INVALID, Op } from '../../src/isa/instruction-table.js';
import { ProgramBlob } from '../../src/program/program-blob.js';
import { caseFromJson, caseToJson, FUZZ_ISAS, type DifferentialCase, type FuzzIsa } from './case.js';
import { caseArbitrary, generatableInstructions } from './generator.js';
import { compareObservations, type Observation } from './harness.js';

const SAMPLES = 250;
const samples = new Map<FuzzIsa, DifferentialCase[]>(
  FUZZ_ISAS.map((isa) => [isa, fc.sample(caseArbitrary(isa), { numRuns: SAMPLES, seed: 42 })]),
);

function decoded(c: DifferentialCase): DecodedInstruction[] {
  const list: DecodedInstruction[] = [];
  ProgramBlob.parse(c.blob).instructions.walkAll(new DecodedInstruction(), (ins) => {
    list.push(ins.clone());
  });
  return list;
}

for (const isa of FUZZ_ISAS) {
  test(`${isa}: generated programs contain every instruction of the instruction set`, () => {
    const seen = new Set<number>();
    for (const c of samples.get(isa)!) for (const ins of decoded(c)) seen.add(ins.id);
    const missing = INSTRUCTIONS.filter((def) => def.opcode[isa] !== null && !seen.has(def.id)).map((def) => def.name);
    assert.deepEqual(missing, []);
    assert.equal(generatableInstructions(isa).length, INSTRUCTIONS.filter((def) => def.opcode[isa] !== null).length);
  });

  test(`${isa}: generated programs load as modules with their options`, () => {
    const engine = new Engine();
    for (const c of samples.get(isa)!) {
      assert.doesNotThrow(() => Module.fromBlob(engine, c.blob, c.options), caseToJson(c));
    }
  });

  test(`${isa}: without gas metering every static jump and branch goes forward, so programs terminate`, () => {
    let checked = 0;
    for (const c of samples.get(isa)!.filter((s) => s.options.gasMetering === null)) {
      for (const ins of decoded(c)) {
        const field = ins.id === INVALID ? null : targetOperand(ins.id);
        if (field === null) continue;
        checked++;
        assert.ok(ins[field] >>> 0 > ins.pc, `target ${ins[field] >>> 0} of the instruction at ${ins.pc}: ${caseToJson(c)}`);
      }
    }
    assert.ok(checked > 0);
  });
}

test('every sbrk is preceded by a guard that bounds its size', () => {
  let checked = 0;
  for (const isa of ['latest64', 'latest32'] as const) {
    for (const c of samples.get(isa)!) {
      const list = decoded(c);
      list.forEach((ins, i) => {
        if (ins.id !== Op.sbrk) return;
        checked++;
        const guard = list[i - 1];
        assert.ok(guard !== undefined, 'sbrk at the start of the code');
        const masks = guard.id === Op.and_imm && guard.reg1 === ins.reg2 && guard.reg2 === ins.reg2 && guard.imm1 >= 0 && guard.imm1 <= 0x3fff;
        const loads = (guard.id === Op.load_imm || guard.id === Op.load_imm64) && guard.reg1 === ins.reg2;
        assert.ok(masks || loads, `sbrk at ${ins.pc} follows ${INSTRUCTIONS[guard.id]?.name ?? 'invalid'}`);
      });
    }
  }
  assert.ok(checked > 0);
});

test('cases survive the JSON round trip used by regression tests', () => {
  for (const c of samples.get('latest64')!.slice(0, 20)) {
    const back = caseFromJson(caseToJson(c));
    assert.deepEqual(Buffer.from(back.blob), Buffer.from(c.blob));
    assert.deepEqual(back.calls, c.calls);
    assert.deepEqual(back.options, c.options);
    assert.deepEqual(back.hostTargets, c.hostTargets);
  }
});

test('the comparison reports differing interruptions, registers, counters, gas, heap and memory', () => {
  const base: Observation = {
    interrupt: 'trap',
    regs: new Array<bigint>(13).fill(0n),
    pc: 4,
    nextPc: null,
    gas: 10n,
    heapSize: 0,
    memory: [{ name: 'stack', address: 0xfffe0000, bytes: Uint8Array.of(1, 2, 3) }],
  };
  assert.deepEqual(compareObservations(base, { ...base }), []);
  const regs = [...base.regs];
  regs[7] = 5n;
  const other: Observation = {
    interrupt: 'finished',
    regs,
    pc: null,
    nextPc: 4,
    gas: 9n,
    heapSize: 16,
    memory: [{ name: 'stack', address: 0xfffe0000, bytes: Uint8Array.of(1, 9, 3) }],
  };
  const differences = compareObservations(base, other);
  for (const expected of ['interruption', 'register a0', 'program counter', 'next program counter', 'gas', 'heap size', 'memory stack first differs at 0xfffe0001']) {
    assert.ok(differences.some((d) => d.startsWith(expected)), `${expected} missing from ${JSON.stringify(differences)}`);
  }
});
