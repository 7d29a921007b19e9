/**
 * The differential harness: runs one {@link DifferentialCase} on the interpreter and on the compiler backend in
 * lockstep and compares everything the host can observe after every interruption — the interruption itself, all
 * 13 registers, the program counters, gas, heap size and the contents of every accessible memory region. Host calls
 * are answered by a deterministic host function and execution continues, and synchronous out-of-gas interruptions
 * are refilled and resumed, so that resumption paths are compared too.
 */
import { Engine, type BackendKind } from '../../src/api/engine.js';
import type { Interrupt } from '../../src/api/interrupt.js';
import { Module, type ModuleOptions } from '../../src/api/module.js';
import type { RawInstance } from '../../src/api/raw-instance.js';
import { Reg, REGISTER_NAMES } from '../../src/isa/registers.js';
import { ProgramBlob } from '../../src/program/program-blob.js';
import type { DifferentialCase, HostAction } from './case.js';

/** Most `run()` calls per host call (each ecalli and refill is one); keeps unmetered host loops finite. */
const MAX_RUNS_PER_CALL = 48;

const INTERPRETER = new Engine({ backend: 'interpreter' });
const EAGER_COMPILER = new Engine({ backend: 'compiler', translation: 'eager' });
const LAZY_COMPILERS = new Map<number, Engine>();

/** The engine for one side of a case. */
function engineFor(backend: BackendKind, lazyChunkBytes: number): Engine {
  if (backend === 'interpreter') return INTERPRETER;
  if (lazyChunkBytes === 0) return EAGER_COMPILER;
  let engine = LAZY_COMPILERS.get(lazyChunkBytes);
  if (engine === undefined) {
    engine = new Engine({ backend: 'compiler', translation: 'lazy', lazyChunkBytes });
    LAZY_COMPILERS.set(lazyChunkBytes, engine);
  }
  return engine;
}

/** What the host observes after an interruption. */
export interface Observation {
  readonly interrupt: string;
  readonly regs: readonly bigint[];
  readonly pc: number | null;
  readonly nextPc: number | null;
  readonly gas: bigint;
  readonly heapSize: number;
  readonly memory: readonly RegionContents[];
}

export interface RegionContents {
  readonly name: string;
  readonly address: number;
  /** The bytes, or the error message if the host could not read them. */
  readonly bytes: Uint8Array | string;
}

/** One event of the lockstep run, identical on both backends so far. */
export interface TraceEvent {
  readonly what: string;
}

export interface Mismatch {
  /** Where the backends diverged, e.g. `call 1, run 3`. */
  readonly where: string;
  /** Which observations differ, with both values. */
  readonly differences: readonly string[];
  /** Observations of both backends at the divergence (memory summarized). */
  readonly interpreter: string;
  readonly compiler: string;
}

export interface DifferentialResult {
  /** Events both backends agreed on, in order. */
  readonly trace: readonly TraceEvent[];
  readonly mismatch: Mismatch | null;
  /** Number of `run()` calls made on each backend. */
  readonly runs: number;
  /** Whether the compiler engine really ran compiled code (false = it fell back to the interpreter). */
  readonly compiled: boolean;
}

const hex = (value: bigint | number): string => `0x${value.toString(16)}`;

function describeInterrupt(interrupt: Interrupt): string {
  switch (interrupt.kind) {
    case 'ecalli':
      return `ecalli(${interrupt.hostcall})`;
    case 'segfault':
      return `segfault(page ${hex(interrupt.pageAddress)}, size ${hex(interrupt.pageSize)}, write-protected ${interrupt.isWriteProtected})`;
    default:
      return interrupt.kind;
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? `${error.constructor.name}: ${error.message}` : String(error);
}

/** One backend: its module (or the error creating it), instance, and what its host has set up. */
class Side {
  readonly module: Module | null = null;
  readonly instance: RawInstance | null = null;
  readonly loadError: string | null = null;
  /** Accessible aux size (standard memory), as last set by the host. */
  auxSize = 0;
  /** Pages the host has mapped (dynamic paging). */
  readonly pages = new Set<number>();

  constructor(
    readonly backend: BackendKind,
    blob: Uint8Array,
    options: ModuleOptions,
    lazyChunkBytes: number,
  ) {
    try {
      this.module = Module.fromBlob(engineFor(backend, lazyChunkBytes), ProgramBlob.parse(blob), options);
      this.instance = this.module.instantiate();
      this.auxSize = this.module.memoryMap.auxDataSize;
    } catch (error) {
      this.loadError = errorMessage(error);
    }
  }

  get vm(): RawInstance {
    return this.instance!;
  }

  /** The last interruption (null if `run()` threw). */
  last: Interrupt | null = null;

  /** Runs once; an exception (which `run()` should never throw here) becomes the observed outcome. */
  run(): string {
    try {
      this.last = this.vm.run();
      return describeInterrupt(this.last);
    } catch (error) {
      this.last = null;
      return `threw ${errorMessage(error)}`;
    }
  }

  /** Performs a host operation and describes its outcome. */
  act(what: string, operation: (vm: RawInstance) => unknown): string {
    try {
      const result = operation(this.vm);
      return `${what} -> ${result === undefined ? 'ok' : result instanceof Uint8Array ? hexBytes(result) : String(result)}`;
    } catch (error) {
      return `${what} -> ${errorMessage(error)}`;
    }
  }
}

function hexBytes(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

/** Address ranges whose contents are compared: the accessible regions, or the mapped pages with dynamic paging. */
function regions(side: Side): { name: string; address: number; length: number }[] {
  const map = side.module!.memoryMap;
  if (side.module!.dynamicPaging) {
    return [...side.pages].sort((x, y) => x - y).map((page) => ({ name: `page ${hex(page)}`, address: page, length: map.pageSize }));
  }
  const heapTop = Math.ceil((map.heapBase + side.vm.heapSize) / map.pageSize) * map.pageSize;
  const rwEnd = Math.max(map.rwDataAddress + map.rwDataSize, heapTop);
  return [
    { name: 'ro', address: map.roDataAddress, length: map.roDataSize },
    { name: 'rw+heap', address: map.rwDataAddress, length: rwEnd - map.rwDataAddress },
    { name: 'stack', address: map.stackAddressLow, length: map.stackSize },
    { name: 'aux', address: map.auxDataAddress, length: side.auxSize },
  ].filter((region) => region.length > 0);
}

function observe(side: Side, interrupt: string): Observation {
  const vm = side.vm;
  const regs: bigint[] = [];
  for (let r = 0; r < 13; r++) regs.push(vm.reg(r));
  return { interrupt, regs, pc: vm.programCounter, nextPc: vm.nextProgramCounter, gas: vm.gas, heapSize: vm.heapSize, memory: [] };
}

/** Adds the contents of every compared region (read through the host API) to an observation. */
function withMemory(side: Side, o: Observation): Observation {
  const vm = side.vm;
  const memory = regions(side).map(({ name, address, length }) => {
    try {
      return { name, address, bytes: vm.readMemory(address, length) };
    } catch (error) {
      return { name, address, bytes: errorMessage(error) };
    }
  });
  return { ...o, memory };
}

function sameBytes(a: Uint8Array | string, b: Uint8Array | string): boolean {
  if (typeof a === 'string' || typeof b === 'string') return a === b;
  return a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.length).equals(Buffer.from(b.buffer, b.byteOffset, b.length));
}

function firstDifference(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return n;
}

/** Every difference between two observations, described for a report (empty when they agree). */
export function compareObservations(a: Observation, b: Observation): string[] {
  const diffs: string[] = [];
  if (a.interrupt !== b.interrupt) diffs.push(`interruption: interpreter ${a.interrupt}, compiler ${b.interrupt}`);
  for (let r = 0; r < 13; r++) {
    if (a.regs[r] !== b.regs[r]) diffs.push(`register ${REGISTER_NAMES[r]}: interpreter ${hex(a.regs[r]!)}, compiler ${hex(b.regs[r]!)}`);
  }
  if (a.pc !== b.pc) diffs.push(`program counter: interpreter ${a.pc}, compiler ${b.pc}`);
  if (a.nextPc !== b.nextPc) diffs.push(`next program counter: interpreter ${a.nextPc}, compiler ${b.nextPc}`);
  if (a.gas !== b.gas) diffs.push(`gas: interpreter ${a.gas}, compiler ${b.gas}`);
  if (a.heapSize !== b.heapSize) diffs.push(`heap size: interpreter ${a.heapSize}, compiler ${b.heapSize}`);
  a.memory.forEach((region, i) => {
    const other = b.memory[i];
    if (other === undefined || sameBytes(region.bytes, other.bytes)) return;
    if (typeof region.bytes === 'string' || typeof other.bytes === 'string') {
      const show = (bytes: Uint8Array | string): string => (typeof bytes === 'string' ? bytes : `${bytes.length} bytes`);
      diffs.push(`memory ${region.name}: interpreter ${show(region.bytes)}, compiler ${show(other.bytes)}`);
      return;
    }
    const at = firstDifference(region.bytes, other.bytes);
    const window = (bytes: Uint8Array): string => hexBytes(bytes.subarray(at, at + 16));
    diffs.push(
      `memory ${region.name} first differs at ${hex(region.address + at)}: interpreter ${window(region.bytes)}, compiler ${window(other.bytes)}`,
    );
  });
  return diffs;
}

function summarize(o: Observation): string {
  const regs = o.regs.map((value, r) => `${REGISTER_NAMES[r]}=${hex(value)}`).join(' ');
  return `${o.interrupt}; pc ${o.pc}, next ${o.nextPc}, gas ${o.gas}, heap ${o.heapSize}; ${regs}`;
}

/** Deterministic mixing of register values (splitmix64 steps). */
function mix(values: readonly bigint[]): bigint {
  let h = 0x9e3779b97f4a7c15n;
  for (const v of values) {
    h = BigInt.asUintN(64, (h ^ v) * 0xbf58476d1ce4e5b9n);
    h ^= h >> 31n;
  }
  return h;
}

/** What a host function does, chosen by the host call number. */
type HostStep = { readonly label: string; readonly apply: (vm: RawInstance) => unknown; readonly stop?: boolean };

/**
 * The host function: a deterministic function of the host call number, registers and memory (all equal on both
 * backends when it runs), which modifies registers, memory, heap, gas or the program counter.
 */
function hostFunction(c: DifferentialCase, hostcall: number, side: Side, metered: boolean): HostStep[] {
  const vm = side.vm;
  const reg = (r: number): bigint => vm.reg(r);
  const lo = (r: number): number => Number(reg(r) & 0xffffffffn);
  const { A0, A1, A2, A3, A4, A5 } = Reg;
  const h = mix([BigInt(hostcall), reg(A0), reg(A1), reg(A2), reg(A3), reg(A4), reg(A5)]);
  switch (hostcall % 10) {
    case 0:
      return [];
    case 1:
      return [
        { label: `set a0=${hex(h)}`, apply: (v) => v.setReg(A0, h) },
        { label: 'set a1=~a1', apply: (v) => v.setReg(A1, ~reg(A1) & 0xffffffffffffffffn) },
      ];
    case 2: {
      const bytes = new Uint8Array(8);
      new DataView(bytes.buffer).setBigUint64(0, h, true);
      return [
        { label: `write ${hexBytes(bytes)} at a0=${hex(lo(A0))}`, apply: (v) => v.writeMemory(lo(A0), bytes) },
        { label: 'a0 = is a1 writable', apply: (v) => v.setReg(A0, v.isMemoryAccessible(lo(A1), 4, 'read-write') ? 1 : 0) },
      ];
    }
    case 3:
      return [
        { label: `read 16 at a1=${hex(lo(A1))}`, apply: (v) => v.readMemory(lo(A1), 16) },
        { label: 'a0 = u32 at a1 (or -1)', apply: (v) => v.setReg(A0, v.isMemoryAccessible(lo(A1), 4, 'read') ? v.readU32(lo(A1)) : -1) },
      ];
    case 4: {
      const size = lo(A2) & 0x3fff;
      return [{ label: `host sbrk(${size}) -> a0`, apply: (v) => v.setReg(A0, v.sbrk(size) ?? 0) }];
    }
    case 5:
      if (!metered) return [{ label: 'a0 = gas', apply: (v) => v.setReg(A0, v.gas) }];
      return [{ label: `gas -= ${lo(A3) & 0xff}`, apply: (v) => v.setGas(v.gas - BigInt(lo(A3) & 0xff)) }];
    case 6: {
      if (c.hostTargets.length === 0) return [];
      const pc = c.hostTargets[lo(A4) % c.hostTargets.length]!;
      return [{ label: `setNextProgramCounter(${pc})`, apply: (v) => v.setNextProgramCounter(pc) }];
    }
    case 7: {
      const size = lo(A5) % 0x3000;
      return [
        {
          label: `setAccessibleAuxSize(${size})`,
          apply: (v) => {
            v.setAccessibleAuxSize(size);
            const page = v.module.memoryMap.pageSize;
            side.auxSize = Math.ceil(size / page) * page;
          },
        },
        { label: `zero 16 at a0=${hex(lo(A0))}`, apply: (v) => v.zeroMemory(lo(A0), 16) },
      ];
    }
    case 8:
      return [{ label: 'host ends the call', apply: () => undefined, stop: true }];
    default:
      return [
        { label: 'a0..a5 rotate', apply: (v) => [A0, A1, A2, A3, A4, A5].forEach((r, i, all) => v.setReg(r, mix([h, BigInt(all[(i + 1) % 6]!)]))) },
      ];
  }
}

/** Pages touched by `[address, address + length)`. */
function pagesOf(address: number, length: number, pageSize: number): number[] {
  const pages: number[] = [];
  const first = Math.floor(address / pageSize) * pageSize;
  for (let page = first; page < address + length && page < 0x1_0000_0000; page += pageSize) pages.push(page);
  return pages;
}

/** A host action as a step on one side (keeping that side's record of aux size and mapped pages). */
function hostActionStep(action: HostAction, side: Side): HostStep {
  const map = side.module!.memoryMap;
  switch (action.kind) {
    case 'sbrk':
      return { label: `host sbrk(${action.size})`, apply: (v) => v.sbrk(action.size) };
    case 'write':
      return { label: `write ${action.bytes.length} bytes at ${hex(action.address)}`, apply: (v) => v.writeMemory(action.address, Uint8Array.from(action.bytes)) };
    case 'zero':
      return { label: `zero ${action.length} at ${hex(action.address)}`, apply: (v) => v.zeroMemory(action.address, action.length) };
    case 'aux':
      return {
        label: `setAccessibleAuxSize(${action.size})`,
        apply: (v) => {
          v.setAccessibleAuxSize(action.size);
          side.auxSize = Math.ceil(action.size / map.pageSize) * map.pageSize;
        },
      };
    case 'reset':
      return {
        label: 'resetMemory',
        apply: (v) => {
          v.resetMemory();
          side.auxSize = map.auxDataSize;
          side.pages.clear();
        },
      };
    case 'map':
      return {
        label: `map ${hex(action.length)} bytes at ${hex(action.address)} ${action.writable ? 'read-write' : 'read'}`,
        apply: (v) => {
          v.zeroMemoryWithMemoryProtection(action.address, action.length, action.writable ? 'read-write' : 'read');
          for (const page of pagesOf(action.address, action.length, map.pageSize)) side.pages.add(page);
        },
      };
    case 'free':
      return {
        label: `free ${hex(action.length)} bytes at ${hex(action.address)}`,
        apply: (v) => {
          v.freePages(action.address, action.length);
          for (const page of pagesOf(action.address, action.length, map.pageSize)) side.pages.delete(page);
        },
      };
    case 'protect':
      return {
        label: `${action.writable ? 'unprotect' : 'protect'} ${hex(action.length)} bytes at ${hex(action.address)}`,
        apply: (v) => (action.writable ? v.unprotectMemory(action.address, action.length) : v.protectMemory(action.address, action.length)),
      };
    case 'write-unprotected':
      return {
        label: `write ${action.bytes.length} bytes ignoring protection at ${hex(action.address)}`,
        apply: (v) => v.writeMemoryUnprotected(action.address, Uint8Array.from(action.bytes)),
      };
  }
}

/** How the host resolves a segfault: maps the missing page (read-only for every third page), or unprotects it. */
function segfaultAction(interrupt: Interrupt & { kind: 'segfault' }): HostAction {
  const { pageAddress, pageSize, isWriteProtected } = interrupt;
  if (isWriteProtected) return { kind: 'protect', address: pageAddress, length: pageSize, writable: true };
  return { kind: 'map', address: pageAddress, length: pageSize, writable: (pageAddress / pageSize) % 3 !== 0 };
}

/** Segfaults the host resolves per call before giving up. */
const MAX_FAULTS_PER_CALL = 6;

/** Runs a case on both backends and reports the first divergence. */
export function runDifferential(c: DifferentialCase): DifferentialResult {
  const options: ModuleOptions = {
    pageSize: c.options.pageSize,
    gasMetering: c.options.gasMetering,
    auxDataSize: c.options.auxDataSize,
    costModel: c.options.costModel,
    validateJamCode: c.options.validateJamCode,
    dynamicPaging: c.options.dynamicPaging,
  };
  const lazyChunkBytes = c.options.lazyChunkBytes ?? 0;
  const a = new Side('interpreter', c.blob, options, lazyChunkBytes);
  const b = new Side('compiler', c.blob, options, lazyChunkBytes);
  const trace: TraceEvent[] = [];
  let runs = 0;
  const compiled = b.module?.usesCompiler ?? false;
  const result = (mismatch: Mismatch | null): DifferentialResult => ({ trace, mismatch, runs, compiled });

  if (a.loadError !== null || b.loadError !== null) {
    if (a.loadError === b.loadError) {
      trace.push({ what: `module rejected: ${a.loadError}` });
      return result(null);
    }
    return result({
      where: 'module creation',
      differences: [`interpreter ${a.loadError ?? 'ok'}, compiler ${b.loadError ?? 'ok'}`],
      interpreter: a.loadError ?? 'loaded',
      compiler: b.loadError ?? 'loaded',
    });
  }

  const metered = c.options.gasMetering !== null;

  /** Applies the same host step to both sides; a different outcome is a mismatch. */
  const both = (where: string, stepA: HostStep, stepB: HostStep): Mismatch | null => {
    const outA = a.act(stepA.label, stepA.apply);
    const outB = b.act(stepB.label, stepB.apply);
    if (outA !== outB) return { where, differences: [`host operation: interpreter ${outA}, compiler ${outB}`], interpreter: outA, compiler: outB };
    trace.push({ what: `  host: ${outA}` });
    return null;
  };

  for (const [nth, call] of c.calls.entries()) {
    const where = `call ${nth + 1}`;
    trace.push({ what: `${where}: entry ${call.entry}, gas ${metered ? String(call.gas) : 'unmetered'}` });
    for (const action of call.before) {
      const m = both(`${where}, before the call`, hostActionStep(action, a), hostActionStep(action, b));
      if (m !== null) return result(m);
    }
    for (const side of [a, b]) {
      call.regs.forEach((value, r) => side.vm.setReg(r, value));
      if (metered) side.vm.setGas(call.gas);
      side.vm.setNextProgramCounter(call.entry);
    }
    let refills = 0;
    let faults = 0;
    for (let nthRun = 1; ; nthRun++) {
      runs++;
      let oa = observe(a, a.run());
      let ob = observe(b, b.run());
      const here = `${where}, run ${nthRun}`;
      let differences = compareObservations(oa, ob);

      // What the host does next: answer a host call, refill gas, resolve a segfault, or end the call.
      let steps: [HostStep[], HostStep[]] | null = null;
      const last = a.last;
      if (differences.length === 0 && last !== null && nthRun < MAX_RUNS_PER_CALL) {
        if (last.kind === 'ecalli') {
          steps = [hostFunction(c, last.hostcall, a, metered), hostFunction(c, last.hostcall, b, metered)];
        } else if (last.kind === 'not-enough-gas' && c.options.gasMetering === 'sync' && refills < call.refills.length) {
          const gas = call.refills[refills++]!;
          const refill: HostStep = { label: `refill gas to ${gas}`, apply: (v) => v.setGas(gas) };
          steps = [[refill], [refill]];
        } else if (last.kind === 'segfault' && faults < MAX_FAULTS_PER_CALL) {
          faults++;
          const action = segfaultAction(last);
          steps = [[hostActionStep(action, a)], [hostActionStep(action, b)]];
        }
      }
      const ends = steps === null || steps[0].some((step) => step.stop === true);
      // Memory is compared when the call ends (reading every region after each run would dominate the run time);
      // a divergence in between still shows up here or in what host functions read.
      if (ends || differences.length > 0) {
        oa = withMemory(a, oa);
        ob = withMemory(b, ob);
        differences = compareObservations(oa, ob);
      }
      if (differences.length > 0) return result({ where: here, differences, interpreter: summarize(oa), compiler: summarize(ob) });
      trace.push({ what: `  ${here}: ${summarize(oa)}` });
      if (oa.interrupt.startsWith('threw')) {
        // Both backends threw the same way; `run()` must not throw for a prepared instance.
        return result({ where: here, differences: [`both backends threw: ${oa.interrupt}`], interpreter: summarize(oa), compiler: summarize(ob) });
      }
      if (steps === null) break; // finished, trap, out of gas for good, or the run limit
      const [stepsA, stepsB] = steps;
      for (let i = 0; i < stepsA.length; i++) {
        const m = both(here, stepsA[i]!, stepsB[i]!);
        if (m !== null) return result(m);
      }
      if (ends || a.vm.nextProgramCounter === null) break;
    }
  }
  return result(null);
}
