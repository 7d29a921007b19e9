/**
 * The JAM PVM conformance vectors (../shared/conformance/jam-pvm) on the compiler backend, compared with their
 * expected results. test/conformance runs them on the interpreter with dynamic paging and step tracing; neither is
 * compiled (the compiler engine falls back to the interpreter for such modules, `Module.usesCompiler` is false),
 * so here:
 *
 * - vectors that map no memory and expect no page fault run with standard memory (no pages either way, every
 *   access traps), which the compiler does compile — real compiler coverage;
 * - vectors that need pages run with dynamic paging and count as compiler coverage only if the module really uses
 *   the compiler; while it does not, that test is a TODO reporting how many vectors fell back.
 *
 * Without step tracing the pc of a `halt` (the last instruction executed, in the vectors' convention) is not
 * observable, so it is not compared; every other expectation is.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Engine } from '../../src/api/engine.js';
import type { Interrupt } from '../../src/api/interrupt.js';
import { Module } from '../../src/api/module.js';
import type { RawInstance } from '../../src/api/raw-instance.js';
import { parseJson, type JsonValue } from '../../src/conformance/json.js';
import { INSTRUCTION_SETS } from '../../src/isa/instruction-sets.js';
import { parseCodeAndJumpTable } from '../../src/program/code-and-jump-table.js';
import { ProgramBlob } from '../../src/program/program-blob.js';

type JsonObject = { [key: string]: JsonValue };

const root = resolve(process.cwd(), '../shared/conformance/jam-pvm');
const SUITES = [
  { name: 'v0.4', dir: join(root, 'v0.4/programs'), isa: 'latest64', costModel: 'naive' },
  { name: 'v0.5', dir: join(root, 'programs'), isa: 'jam_v1', costModel: 'full-l2' },
] as const;

const engine = new Engine({ backend: 'compiler' });

const obj = (value: JsonValue | undefined): JsonObject => value as JsonObject;
const arr = (value: JsonValue | undefined): JsonValue[] => value as JsonValue[];
const big = (value: JsonValue | undefined): bigint => BigInt(value as number | bigint);
const int = (value: JsonValue | undefined): number => Number(value);

function status(interrupt: Interrupt): string {
  const names: Record<Interrupt['kind'], string> = {
    finished: 'halt',
    trap: 'panic',
    ecalli: 'ecalli',
    segfault: 'page-fault',
    'not-enough-gas': 'out-of-gas',
    step: 'step',
  };
  return names[interrupt.kind];
}

/** The v0.5 step list of a vector (v0.4 vectors are converted). */
function stepsOf(json: JsonObject): JsonValue[] {
  if (json['steps'] !== undefined) return arr(json['steps']);
  const steps: JsonValue[] = [];
  for (const page of arr(json['initial-page-map'])) steps.push({ map: page });
  for (const chunk of arr(json['initial-memory'])) steps.push({ write: chunk });
  arr(json['initial-regs']).forEach((value, reg) => steps.push({ 'set-reg': { reg, value } }));
  steps.push({ run: {} });
  const expected: JsonObject = {
    status: json['expected-status']!,
    regs: json['expected-regs']!,
    pc: json['expected-pc']!,
    memory: json['expected-memory']!,
    gas: json['expected-gas']!,
  };
  if (json['expected-page-fault-address'] !== undefined) expected['page-fault-address'] = json['expected-page-fault-address'];
  steps.push({ assert: expected });
  return steps;
}

/** Whether a vector maps no memory and expects no page fault (so standard memory behaves the same). */
function needsNoPages(json: JsonObject): boolean {
  return stepsOf(json).every((step) => {
    const s = obj(step);
    return s['map'] === undefined && s['write'] === undefined && (s['assert'] === undefined || obj(s['assert'])['status'] !== 'page-fault');
  });
}

interface VectorRun {
  readonly compiled: boolean;
  readonly failures: readonly string[];
}

function runVector(json: JsonObject, suite: (typeof SUITES)[number], dynamicPaging: boolean): VectorRun {
  const blob = ProgramBlob.fromParts({
    isa: INSTRUCTION_SETS[suite.isa],
    roDataSize: 0,
    rwDataSize: 0,
    stackSize: 0,
    roData: new Uint8Array(0),
    rwData: new Uint8Array(0),
    imports: [],
    exports: [],
    customSections: [],
    ...parseCodeAndJumpTable(Uint8Array.from(arr(json['program']).map(int))),
  });
  const module = Module.fromBlob(engine, blob, {
    dynamicPaging,
    gasMetering: 'sync',
    validateJamCode: false,
    trapAtCodeEnd: true,
    costModel: suite.costModel,
  });
  if (!module.usesCompiler) return { compiled: false, failures: [] };

  const instance: RawInstance = module.instantiate();
  instance.setGas(big(json['initial-gas']));
  instance.setNextProgramCounter(int(json['initial-pc']));
  const failures: string[] = [];
  const pages: { address: number; length: number }[] = [];
  let last: Interrupt | null = null;
  let runs = 0;
  for (const stepValue of stepsOf(json)) {
    const step = obj(stepValue);
    if (step['map'] !== undefined) {
      const map = obj(step['map']);
      const page = { address: int(map['address']), length: int(map['length']) };
      instance.zeroMemoryWithMemoryProtection(page.address, page.length, map['is-writable'] === true ? 'read-write' : 'read');
      pages.push(page);
    } else if (step['write'] !== undefined) {
      const write = obj(step['write']);
      instance.writeMemoryUnprotected(int(write['address']), Uint8Array.from(arr(write['contents']).map(int)));
    } else if (step['set-reg'] !== undefined) {
      const setReg = obj(step['set-reg']);
      instance.setReg(int(setReg['reg']), big(setReg['value']));
    } else if (step['run'] !== undefined) {
      runs++;
      last = instance.run();
    } else if (step['assert'] !== undefined) {
      const expected = obj(step['assert']);
      const where = `after run ${runs}`;
      const expect = (what: string, wanted: unknown, actual: unknown): void => {
        if (wanted !== actual) failures.push(`${what} ${where}: expected ${String(wanted)}, got ${String(actual)}`);
      };
      const got = last === null ? 'none' : status(last);
      if (expected['status'] !== undefined) expect('status', expected['status'], got);
      if (expected['page-fault-address'] !== undefined) {
        expect('page-fault address', int(expected['page-fault-address']), last?.kind === 'segfault' ? last.pageAddress : null);
      }
      if (expected['hostcall'] !== undefined) expect('hostcall', int(expected['hostcall']), last?.kind === 'ecalli' ? last.hostcall : null);
      if (expected['pc'] !== undefined && got !== 'halt') expect('pc', int(expected['pc']), instance.programCounter);
      if (expected['gas'] !== undefined) expect('gas', big(expected['gas']), instance.gas);
      arr(expected['regs'] ?? []).forEach((value, reg) => {
        if (value !== null) expect(`register ${reg}`, big(value), instance.reg(reg));
      });
      const wanted = new Map<number, number>();
      for (const chunk of arr(expected['memory'] ?? [])) {
        const c = obj(chunk);
        arr(c['contents']).forEach((byte, i) => wanted.set(int(c['address']) + i, int(byte)));
      }
      for (const page of pages) {
        const actual = instance.readMemory(page.address, page.length);
        const at = actual.findIndex((byte, i) => byte !== (wanted.get(page.address + i) ?? 0));
        if (at >= 0) failures.push(`memory at 0x${(page.address + at).toString(16)} ${where}: expected ${wanted.get(page.address + at) ?? 0}, got ${actual[at]}`);
      }
    }
  }
  return { compiled: true, failures };
}

interface Loaded {
  readonly suite: (typeof SUITES)[number];
  readonly name: string;
  readonly json: JsonObject;
}

const vectors: Loaded[] = SUITES.flatMap((suite) =>
  existsSync(suite.dir)
    ? readdirSync(suite.dir)
        .filter((f) => f.endsWith('.json'))
        .sort()
        .map((file) => ({ suite, name: `${suite.name}/${file.replace(/\.json$/, '')}`, json: obj(parseJson(readFileSync(join(suite.dir, file), 'utf8'))) }))
    : [],
);
const withoutPages = vectors.filter((v) => needsNoPages(v.json));
const withPages = vectors.filter((v) => !needsNoPages(v.json));

test('the JAM vectors are available', () => {
  assert.equal(vectors.length, 307 + 362, `vectors missing under ${root}`);
});

test('JAM vectors without memory pages: the compiler backend, running compiled code, gives the expected results', (t) => {
  const failures: string[] = [];
  let compiled = 0;
  for (const vector of withoutPages) {
    const run = runVector(vector.json, vector.suite, false);
    if (run.compiled) compiled++;
    else failures.push(`${vector.name}: did not run compiled code`);
    failures.push(...run.failures.map((f) => `${vector.name}: ${f}`));
  }
  t.diagnostic(`${compiled} of ${withoutPages.length} vectors ran compiled code (standard memory; halt pc not compared)`);
  assert.ok(withoutPages.length > 400);
  assert.deepEqual(failures, []);
});

/** Whether the compiler backend compiles dynamic-paging modules at all (it falls back to the interpreter otherwise). */
const compilesDynamicPaging = withPages.length > 0 && runVector(withPages[0]!.json, withPages[0]!.suite, true).compiled;

test(
  'JAM vectors with memory pages: the compiler backend runs them compiled (dynamic paging) with the expected results',
  {
    todo: compilesDynamicPaging
      ? false
      : 'the compiler backend falls back to the interpreter for dynamic-paging modules (Module.usesCompiler is false)',
  },
  (t) => {
    const failures: string[] = [];
    let compiled = 0;
    for (const vector of withPages) {
      const run = runVector(vector.json, vector.suite, true);
      if (run.compiled) compiled++;
      failures.push(...run.failures.map((f) => `${vector.name}: ${f}`));
    }
    t.diagnostic(`${compiled} of ${withPages.length} vectors with pages ran compiled code; ${withPages.length - compiled} fell back to the interpreter (not counted as compiler coverage)`);
    assert.equal(compiled, withPages.length, `${withPages.length - compiled} vectors fell back to the interpreter`);
    assert.deepEqual(failures, []);
  },
);
