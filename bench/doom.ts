/**
 * Doom (the reference `doom.polkavm`, Latest32, page size 0x4000, with a WAD): `ext_initialize` once, warm-up
 * ticks, then timed `ext_tick`s on the interpreter, the compiler (lazy translation, its default for a program of
 * this size), the compiler with gas metering and the compiler translating eagerly, one tick of each in turn, so
 * that all play the same ticks of the same game side by side; their last frames must be identical. Also times the pipeline cost model (`full-l2`) over every basic block of Doom.
 */
import { Engine, type BackendKind, type TranslationKind } from '../src/api/engine.js';
import { type Instance, Linker } from '../src/api/linker.js';
import { Module } from '../src/api/module.js';
import { ProgramBlob } from '../src/program/program-blob.js';
import type { CostModel } from '../src/gas/cost-model.js';
import { FULL_L2_COST_MODEL } from '../src/gas/pipeline-cost-model.js';
import { DecodedInstruction, ENDS_BLOCK } from '../src/isa/code.js';
import { defineDoomHost } from './doom-host.js';
import { median, samples, timed } from './stats.js';

const GAS = 1n << 60n;
const PAGE_SIZE = 0x4000;
/**
 * Ticks before timing starts. The compiler's code reaches its final speed after about 100 ticks: V8 first runs
 * WebAssembly functions as baseline (Liftoff) code and moves the hot ones to its optimizing compiler after enough
 * calls. Ticks 120-320 show the title screen; the demo that follows starts with a level load (a ~270 ms tick).
 */
const WARM_UP_TICKS = 120;

export interface DoomBackendResult {
  /** Median milliseconds per tick. */
  readonly msPerTick: number;
  /** Mean milliseconds per tick (the title screen's ticks alternate between two costs, so both are shown). */
  readonly meanMsPerTick: number;
  /** Milliseconds of `ext_initialize` (the first call, compilation of what it runs included). */
  readonly initMs: number;
  readonly ticks: readonly number[];
}

export interface DoomResult {
  readonly interpreter: DoomBackendResult | null;
  /** The compiler as configured by default (lazy translation, for a program of Doom's size). */
  readonly compiler: DoomBackendResult;
  /** The compiler with every region translated before the first run, into one module. */
  readonly compilerEager: DoomBackendResult;
  /** `ext_initialize` on a second instance of the compiler's module (its WebAssembly compiled already). */
  readonly compilerSecondInitMs: number;
  readonly compilerGas: DoomBackendResult;
  /** Median guest instructions per timed tick (gas under the naive cost model). */
  readonly instructionsPerTick: number;
  /** FNV-1a 64 of the last frame (the same on every backend, else this throws). */
  readonly frameHash: string;
  /** Parsing the blob and creating the module (interpreter). */
  readonly loadMs: number;
  /** Computing every basic block's cost under the pipeline model (`full-l2`). */
  readonly blockCostsMs: number;
  readonly blocks: number;
}

function fnv1a64(bytes: Uint8Array): string {
  let hash = 0xcbf29ce484222325n;
  for (const byte of bytes) hash = BigInt.asUintN(64, (hash ^ BigInt(byte)) * 0x100000001b3n);
  return `0x${hash.toString(16).padStart(16, '0')}`;
}

/** Median time to compute the cost of every basic block of a program under a cost model. */
function blockCostTime(blob: ProgramBlob, model: CostModel, runs: number): { ms: number; blocks: number } {
  let blocks = 0;
  const ms = median(
    samples(() => {
      const calculator = model.calculator(blob.instructions);
      blocks = 0;
      blob.instructions.walkAll(new DecodedInstruction(), (ins) => {
        calculator.add(ins);
        if (ENDS_BLOCK[ins.id]) {
          calculator.finish();
          blocks++;
        }
      });
    }, runs),
  );
  return { ms, blocks };
}

class DoomPlayer {
  private readonly instance: Instance;
  private readonly gas: boolean;
  private capture = false;
  frame: Uint8Array | null = null;
  readonly ticks: number[] = [];
  readonly used: number[] = [];
  initMs = 0;

  constructor(
    readonly module: Module,
    wad: Uint8Array,
  ) {
    this.gas = module.gasMetering !== null;
    // Only the last frame is read: copying every frame would add host work to the timed ticks.
    this.instance = defineDoomHost(new Linker(), wad, (read) => {
      if (this.capture) this.frame = read();
    }).instantiate(module);
  }

  /** Calls an export; returns its milliseconds and the gas it used (0 without metering). */
  private call(name: string): [number, number] {
    if (this.gas) this.instance.setGas(GAS);
    const [, ms] = timed(() => this.instance.call(name));
    return [ms, this.gas ? Number(GAS - this.instance.gas) : 0];
  }

  initialize(): void {
    this.initMs = this.call('ext_initialize')[0];
  }

  tick(measured: boolean, last: boolean): void {
    this.capture = last;
    const [ms, used] = this.call('ext_tick');
    if (!measured) return;
    this.ticks.push(ms);
    this.used.push(used);
  }

  result(): DoomBackendResult {
    const mean = this.ticks.reduce((sum, t) => sum + t, 0) / this.ticks.length;
    return { msPerTick: median(this.ticks), meanMsPerTick: mean, initMs: this.initMs, ticks: this.ticks };
  }
}

function doomModule(rom: Uint8Array, backend: BackendKind, gas: boolean, translation: TranslationKind = 'auto'): Module {
  const options = gas ? { pageSize: PAGE_SIZE, gasMetering: 'sync' as const, costModel: 'naive' as const } : { pageSize: PAGE_SIZE };
  return Module.fromBlob(new Engine({ backend, translation }), rom, options);
}

export function benchDoom(rom: Uint8Array, wad: Uint8Array, ticks: number, withInterpreter: boolean, log: (line: string) => void): DoomResult {
  const loadMs = median(samples(() => Module.fromBlob(new Engine(), ProgramBlob.parse(rom), { pageSize: PAGE_SIZE }), 5));
  const costs = blockCostTime(ProgramBlob.parse(rom), FULL_L2_COST_MODEL, 5);
  const interpreter = withInterpreter ? new DoomPlayer(doomModule(rom, 'interpreter', false), wad) : null;
  const compiler = new DoomPlayer(doomModule(rom, 'compiler', false), wad);
  const compilerGas = new DoomPlayer(doomModule(rom, 'compiler', true), wad);
  const compilerEager = new DoomPlayer(doomModule(rom, 'compiler', false, 'eager'), wad);
  const players = [interpreter, compiler, compilerGas, compilerEager].filter((p): p is DoomPlayer => p !== null);
  log(`doom: ext_initialize, ${WARM_UP_TICKS} warm-up ticks, ${ticks} timed ticks on ${players.length} instances`);
  for (const player of players) player.initialize();
  for (let k = 0; k < WARM_UP_TICKS + ticks; k++) {
    for (const player of players) player.tick(k >= WARM_UP_TICKS, k === WARM_UP_TICKS + ticks - 1);
  }
  // ext_initialize once more, on a second instance of the compiled module: V8 compiles WebAssembly functions
  // lazily, at their first call, so the first instance's ext_initialize also paid for compiling what it ran.
  const again = new DoomPlayer(compiler.module, wad);
  again.initialize();
  const hashes = new Set(players.map((player) => (player.frame === null ? 'no frame' : fnv1a64(player.frame))));
  if (hashes.size !== 1) throw new Error(`doom: the backends' last frames differ: ${[...hashes].join(', ')}`);
  return {
    interpreter: interpreter?.result() ?? null,
    compiler: compiler.result(),
    compilerSecondInitMs: again.initMs,
    compilerGas: compilerGas.result(),
    compilerEager: compilerEager.result(),
    instructionsPerTick: median(compilerGas.used),
    frameHash: [...hashes][0]!,
    loadMs,
    blockCostsMs: costs.ms,
    blocks: costs.blocks,
  };
}
