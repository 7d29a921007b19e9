/**
 * Runner for the JAM PVM test vectors (JSON), in both generations:
 * - v0.5 (`steps`, JamV1 ISA, pipeline gas model, multi-step runs with map/write/set-reg/run/assert);
 * - v0.4 (`initial-*` / `expected-*`, Latest64 numbering, 1 gas per instruction).
 *
 * Execution mirrors the reference's spectool: dynamic paging, sync gas, step tracing (the PC reported for a
 * `halt` is that of the last instruction executed), and memory compared over every mapped page.
 */
import { type BackendKind, Engine } from '../api/engine.js';
import type { Interrupt } from '../api/interrupt.js';
import { Module } from '../api/module.js';
import type { RawInstance } from '../api/raw-instance.js';
import { PolkaVMError } from '../errors.js';
import { NAIVE_COST_MODEL, type CostModel } from '../gas/cost-model.js';
import { FULL_L2_COST_MODEL } from '../gas/pipeline-cost-model.js';
import { INSTRUCTION_SETS, type InstructionSetKind } from '../isa/instruction-sets.js';
import { parseCodeAndJumpTable } from '../program/code-and-jump-table.js';
import { ProgramBlob } from '../program/program-blob.js';
import type { JsonValue } from './json.js';

type JsonObject = { [key: string]: JsonValue };

/** Options of {@link runJamVector}. */
export interface VectorOptions {
  /** Check gas assertions and block costs. Default true. */
  checkGas?: boolean;
  /** The cost model to use for an ISA, or null if none is available (gas checks are then skipped). */
  costModelFor?: (isa: InstructionSetKind) => CostModel | null;
  /** The backend to run on. Default `interpreter`. */
  backend?: BackendKind;
  /** The engine to run on (overrides `backend`). */
  engine?: Engine;
  /**
   * Run with dynamic paging, as the vectors describe (default). With false the module has standard memory and
   * no pages: only for vectors that map no memory and expect no page fault.
   */
  dynamicPaging?: boolean;
}

/** Result of one vector. */
export interface VectorResult {
  readonly name: string;
  /** Human-readable descriptions of every failed assertion (empty when the vector passed). */
  readonly failures: readonly string[];
  /** Gas assertions and block costs compared. */
  readonly gasChecks: number;
  /** Gas assertions and block costs not compared (no cost model, or `checkGas: false`). */
  readonly gasChecksSkipped: number;
  /** Whether the vector ran as compiled code (the compiler backend was selected and could run it). */
  readonly ranCompiled: boolean;
}

interface Page {
  address: number;
  length: number;
}

const engines = { interpreter: new Engine({ backend: 'interpreter' }), compiler: new Engine({ backend: 'compiler' }) };

function asObject(value: JsonValue | undefined, what: string): JsonObject {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new PolkaVMError(`${what} is not an object`);
  return value;
}

function asArray(value: JsonValue | undefined, what: string): JsonValue[] {
  if (!Array.isArray(value)) throw new PolkaVMError(`${what} is not an array`);
  return value;
}

function asInt(value: JsonValue | undefined, what: string): number {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  throw new PolkaVMError(`${what} is not a safe integer`);
}

function asBig(value: JsonValue | undefined, what: string): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
  throw new PolkaVMError(`${what} is not an integer`);
}

function asBytes(value: JsonValue | undefined, what: string): Uint8Array {
  return Uint8Array.from(asArray(value, what).map((byte, i) => asInt(byte, `${what}[${i}]`)));
}

function statusOf(interrupt: Interrupt): string {
  switch (interrupt.kind) {
    case 'finished':
      return 'halt';
    case 'trap':
      return 'panic';
    case 'ecalli':
      return 'ecalli';
    case 'segfault':
      return 'page-fault';
    case 'not-enough-gas':
      return 'out-of-gas';
    case 'step':
      return 'step';
  }
}

/** Converts a v0.4 vector into the v0.5 step list. */
function stepsOfV04(json: JsonObject): JsonValue[] {
  const steps: JsonValue[] = [];
  for (const page of asArray(json['initial-page-map'], 'initial-page-map')) {
    const p = asObject(page, 'page');
    steps.push({ map: { address: p['address']!, length: p['length']!, 'is-writable': p['is-writable']! } });
  }
  for (const chunk of asArray(json['initial-memory'], 'initial-memory')) steps.push({ write: chunk });
  asArray(json['initial-regs'], 'initial-regs').forEach((value, reg) => steps.push({ 'set-reg': { reg, value } }));
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

/** Runs one test vector and reports every failed assertion. */
export function runJamVector(vector: JsonValue, options: VectorOptions = {}): VectorResult {
  const json = asObject(vector, 'vector');
  const name = typeof json['name'] === 'string' ? json['name'] : '<unnamed>';
  const isV05 = json['steps'] !== undefined;
  const isaKind: InstructionSetKind = isV05 ? 'jam_v1' : 'latest64';
  // v0.4 vectors charge 1 per instruction; v0.5 vectors use the pipeline model with L2 hits.
  const modelFor = options.costModelFor ?? ((isa) => (isa === 'jam_v1' ? FULL_L2_COST_MODEL : NAIVE_COST_MODEL));
  const costModel = modelFor(isaKind);
  const checkGas = (options.checkGas ?? true) && costModel !== null;
  const failures: string[] = [];
  let gasChecks = 0;
  let gasChecksSkipped = 0;

  const blob = ProgramBlob.fromCode(INSTRUCTION_SETS[isaKind], parseCodeAndJumpTable(asBytes(json['program'], 'program')));
  const module = Module.fromBlob(options.engine ?? engines[options.backend ?? 'interpreter'], blob, {
    dynamicPaging: options.dynamicPaging ?? true,
    gasMetering: 'sync',
    validateJamCode: false,
    // The vectors were generated before PolkaVM moved this trap onto the `fallthrough` itself.
    trapAtCodeEnd: true,
    costModel: costModel ?? NAIVE_COST_MODEL,
  });

  for (const entry of isV05 ? asArray(json['block-gas-costs'], 'block-gas-costs') : []) {
    const block = asObject(entry, 'block-gas-costs entry');
    if (!checkGas) {
      gasChecksSkipped++;
      continue;
    }
    gasChecks++;
    const pc = asInt(block['pc'], 'block pc');
    const expected = asInt(block['cost'], 'block cost');
    const actual = module.calculateGasCostFor(pc);
    if (actual !== expected) failures.push(`block cost at pc ${pc}: expected ${expected}, got ${String(actual)}`);
  }

  const instance = module.instantiate();
  instance.setGas(asBig(json['initial-gas'], 'initial-gas'));
  instance.setNextProgramCounter(asInt(json['initial-pc'], 'initial-pc'));

  const pages: Page[] = [];
  let status = '';
  let pc = asInt(json['initial-pc'], 'initial-pc');
  let pageFaultAddress: number | null = null;
  let hostcall: number | null = null;
  let nthRun = 0;

  for (const stepValue of isV05 ? asArray(json['steps'], 'steps') : stepsOfV04(json)) {
    const step = asObject(stepValue, 'step');
    if (step['map'] !== undefined) {
      const map = asObject(step['map'], 'map');
      const page = { address: asInt(map['address'], 'map address'), length: asInt(map['length'], 'map length') };
      instance.zeroMemoryWithMemoryProtection(page.address, page.length, map['is-writable'] === true ? 'read-write' : 'read');
      pages.push(page);
    } else if (step['write'] !== undefined) {
      const write = asObject(step['write'], 'write');
      instance.writeMemoryUnprotected(asInt(write['address'], 'write address'), asBytes(write['contents'], 'contents'));
    } else if (step['set-reg'] !== undefined) {
      const setReg = asObject(step['set-reg'], 'set-reg');
      instance.setReg(asInt(setReg['reg'], 'reg'), asBig(setReg['value'], 'value'));
    } else if (step['run'] !== undefined) {
      nthRun++;
      const interrupt = instance.run();
      status = statusOf(interrupt);
      pageFaultAddress = interrupt.kind === 'segfault' ? interrupt.pageAddress : null;
      hostcall = interrupt.kind === 'ecalli' ? interrupt.hostcall : null;
      // A finished run reports the pc of the jump that returned to the host.
      pc = (status === 'halt' ? instance.finishedAtProgramCounter : instance.programCounter) ?? -1;
    } else if (step['assert'] !== undefined) {
      const expected = asObject(step['assert'], 'assert');
      const where = `after run ${nthRun}`;
      const expect = (what: string, wanted: unknown, actual: unknown): void => {
        if (wanted !== actual) failures.push(`${what} ${where}: expected ${String(wanted)}, got ${String(actual)}`);
      };
      if (expected['status'] !== undefined) expect('status', expected['status'], status);
      const wantedFault = expected['page-fault-address'];
      expect('page-fault address', wantedFault === undefined ? null : asInt(wantedFault, 'page-fault-address'), pageFaultAddress);
      const wantedHostcall = expected['hostcall'];
      expect('hostcall', wantedHostcall === undefined ? null : asInt(wantedHostcall, 'hostcall'), hostcall);
      if (expected['pc'] !== undefined) expect('pc', asInt(expected['pc'], 'pc'), pc);
      if (expected['gas'] !== undefined) {
        if (checkGas) {
          gasChecks++;
          expect('gas', asBig(expected['gas'], 'gas'), instance.gas);
        } else {
          gasChecksSkipped++;
        }
      }
      asArray(expected['regs'] ?? [], 'regs').forEach((value, reg) => {
        if (value !== null) expect(`register ${reg}`, asBig(value, 'register'), instance.reg(reg));
      });
      if (expected['memory'] !== undefined) compareMemory(instance, pages, asArray(expected['memory'], 'memory'), where, failures);
    } else {
      throw new PolkaVMError(`unknown step ${JSON.stringify(Object.keys(step))}`);
    }
  }
  return { name, failures, gasChecks, gasChecksSkipped, ranCompiled: module.usesCompiler };
}

/** Compares every mapped page with the expected chunks (bytes not covered by a chunk must be zero). */
function compareMemory(instance: RawInstance, pages: readonly Page[], chunks: JsonValue[], where: string, failures: string[]): void {
  const expected = new Map<number, number>();
  for (const chunkValue of chunks) {
    const chunk = asObject(chunkValue, 'memory chunk');
    const address = asInt(chunk['address'], 'chunk address');
    asBytes(chunk['contents'], 'chunk contents').forEach((byte, i) => expected.set(address + i, byte));
  }
  const seen = new Set<number>();
  for (const page of pages) {
    const actual = instance.readMemory(page.address, page.length);
    for (let i = 0; i < actual.length; i++) {
      const address = page.address + i;
      seen.add(address);
      const wanted = expected.get(address) ?? 0;
      if (actual[i] !== wanted) {
        failures.push(`memory at 0x${address.toString(16)} ${where}: expected ${wanted}, got ${actual[i]}`);
        return;
      }
    }
  }
  for (const address of expected.keys()) {
    if (!seen.has(address)) {
      failures.push(`memory at 0x${address.toString(16)} ${where}: expected a mapped byte`);
      return;
    }
  }
}
