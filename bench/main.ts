/**
 * `npm run bench`: interpreter speed on assembled guest programs (and optionally Doom), printing
 * instructions/second. Every figure is the median of several runs measured in this one process, side by side.
 *
 *   npm run bench [-- --json] [-- --runs N] [-- --doom ROM WAD]
 *
 * The instruction count of a run is the gas it uses under the naive cost model (1 per instruction).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { assemble } from '../src/asm/assembler.js';
import { Engine } from '../src/api/engine.js';
import { Linker } from '../src/api/linker.js';
import { Module, type GasMeteringKind } from '../src/api/module.js';
import { ProgramBlob } from '../src/program/program-blob.js';
import type { CostModel } from '../src/gas/cost-model.js';
import { FULL_L2_COST_MODEL } from '../src/gas/pipeline-cost-model.js';
import { DecodedInstruction, ENDS_BLOCK } from '../src/isa/code.js';

interface Result {
  name: string;
  isa: string;
  instructions: number;
  /** Median milliseconds per run without gas metering. */
  ms: number;
  /** Median milliseconds per run with synchronous gas metering. */
  msGas: number;
  instructionsPerSecond: number;
}

const PROGRAMS = [
  { name: 'loop', file: 'bench/programs/loop.s', arg: 2_000_000 },
  { name: 'memory', file: 'bench/programs/memory.s', arg: 16 },
  { name: 'calls', file: 'bench/programs/calls.s', arg: 25 },
] as const;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1]!;
}

function time(run: () => void, runs: number): number {
  run(); // warm-up
  const samples: number[] = [];
  for (let k = 0; k < runs; k++) {
    const start = performance.now();
    run();
    samples.push(performance.now() - start);
  }
  return median(samples);
}

function callRunner(blob: ProgramBlob, gasMetering: GasMeteringKind | null, arg: number): () => bigint {
  const module = Module.fromBlob(new Engine(), blob, { gasMetering });
  const instance = new Linker().instantiate(module);
  return () => {
    instance.setGas(1n << 60n);
    instance.call('main', [arg]);
    return instance.gas;
  };
}

function benchProgram(name: string, source: string, isa: 'latest64' | 'latest32', arg: number, runs: number): Result {
  const blob = assemble(source, { isa });
  const metered = callRunner(blob, 'sync', arg);
  const instructions = Number((1n << 60n) - metered());
  const ms = time(callRunner(blob, null, arg), runs);
  const msGas = time(metered, runs);
  return { name, isa, instructions, ms, msGas, instructionsPerSecond: instructions / (ms / 1000) };
}

interface DoomResult {
  msPerTick: number;
  init: number;
  /** Parsing the blob and creating the module. */
  load: number;
  /** Computing every basic block's cost under the pipeline model (`full-l2`). */
  blockCosts: number;
  blocks: number;
}

/** Median time to compute the cost of every basic block of a program under a cost model. */
function blockCostTime(blob: ProgramBlob, model: CostModel, runs: number): { ms: number; blocks: number } {
  let blocks = 0;
  const ms = time(() => {
    const calculator = model.calculator(blob.instructions);
    blocks = 0;
    blob.instructions.walkAll(new DecodedInstruction(), (ins) => {
      calculator.add(ins);
      if (ENDS_BLOCK[ins.id]) {
        calculator.finish();
        blocks++;
      }
    });
  }, runs);
  return { ms, blocks };
}

function benchDoom(romPath: string, wadPath: string, ticks: number): DoomResult {
  const rom = readFileSync(romPath);
  const wad = readFileSync(wadPath);
  const load = time(() => Module.fromBlob(new Engine(), ProgramBlob.parse(rom), { pageSize: 0x4000 }), 5);
  const costs = blockCostTime(ProgramBlob.parse(rom), FULL_L2_COST_MODEL, 5);
  const module = Module.fromBlob(new Engine(), rom, { pageSize: 0x4000 });
  const instance = new Linker()
    .define('ext_output_video', () => {})
    .define('ext_output_audio', () => {})
    .define('ext_rom_size', () => BigInt(wad.length))
    .define('ext_rom_read', (caller, pointer, offset, length) => {
      caller.writeMemory(Number(pointer), wad.subarray(Number(offset), Number(offset) + Number(length)));
    })
    .define('ext_stdout', (_caller, _buffer, length) => length)
    .instantiate(module);
  const start = performance.now();
  instance.call('ext_initialize');
  const init = performance.now() - start;
  for (let k = 0; k < 60; k++) instance.call('ext_tick');
  const samples: number[] = [];
  for (let k = 0; k < ticks; k++) {
    const t = performance.now();
    instance.call('ext_tick');
    samples.push(performance.now() - t);
  }
  return { msPerTick: median(samples), init, load, blockCosts: costs.ms, blocks: costs.blocks };
}

/** Heap bytes per idle instance of the hello-world example (after one call), over 1000 instances. */
function instanceOverhead(): { heapPerInstance: number; guestPerInstance: number } {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const module = Module.fromBlob(new Engine(), readFileSync('examples/hello-world/hello-world.polkavm'));
  const linker = new Linker().define('ext_stdout', (_caller, _pointer, length) => length);
  linker.instantiate(module).call('add_numbers', [1, 2]);
  gc();
  const before = process.memoryUsage();
  const instances = [];
  for (let k = 0; k < 1000; k++) {
    const instance = linker.instantiate(module);
    instance.call('add_numbers', [k, 1]);
    instances.push(instance);
  }
  gc();
  const after = process.memoryUsage();
  return {
    heapPerInstance: (after.heapUsed - before.heapUsed) / instances.length,
    guestPerInstance: instances.reduce((sum, instance) => sum + instance.residentMemory, 0) / instances.length,
  };
}

function main(): void {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      json: { type: 'boolean', default: false },
      runs: { type: 'string', default: '7' },
      doom: { type: 'boolean', default: false },
      ticks: { type: 'string', default: '200' },
    },
  });
  const runs = Number(values.runs);
  const results: Result[] = [];
  for (const program of PROGRAMS) {
    const source = readFileSync(program.file, 'utf8');
    for (const isa of ['latest64', 'latest32'] as const) results.push(benchProgram(program.name, source, isa, program.arg, runs));
  }
  let doom: DoomResult | null = null;
  if (values.doom) {
    if (positionals.length !== 2) throw new Error('--doom needs the paths of doom.polkavm and a WAD');
    doom = benchDoom(positionals[0]!, positionals[1]!, Number(values.ticks));
  }

  const instances = instanceOverhead();
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ node: process.version, results, doom, instances }, null, 2)}\n`);
    return;
  }
  const lines = [
    `interpreter, Node ${process.version}, median of ${runs} runs`,
    '',
    'program   isa        instructions     ms  Minstr/s   ms (sync gas)  gas overhead',
  ];
  for (const r of results) {
    lines.push(
      `${r.name.padEnd(9)} ${r.isa.padEnd(9)} ${String(r.instructions).padStart(13)} ${r.ms.toFixed(1).padStart(6)} ${(r.instructionsPerSecond / 1e6).toFixed(0).padStart(9)} ${r.msGas.toFixed(1).padStart(15)} ${(((r.msGas - r.ms) / r.ms) * 100).toFixed(0).padStart(12)}%`,
    );
  }
  if (doom !== null) {
    lines.push(
      '',
      `doom: ext_initialize ${doom.init.toFixed(0)} ms, median ext_tick ${doom.msPerTick.toFixed(2)} ms (${values.ticks} ticks after 60 warm-up ticks)`,
      `doom: load (parse + module) ${doom.load.toFixed(1)} ms; all ${doom.blocks} block costs under full-l2 ${doom.blockCosts.toFixed(1)} ms`,
    );
  }
  lines.push(
    '',
    `idle instance (hello-world, 1000 instances): ${(instances.heapPerInstance / 1024).toFixed(1)} KiB of JS heap + ${(instances.guestPerInstance / 1024).toFixed(1)} KiB of guest memory each`,
  );
  process.stdout.write(`${lines.join('\n')}\n`);
}

main();
