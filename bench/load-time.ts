/**
 * Load time on the compiler backend: from `.polkavm` bytes to an instance ready to run (parsing, module creation,
 * translation to WebAssembly, WebAssembly compilation, instantiation), for generated programs of growing size and
 * for Doom. "Warm" loads run in this process after the translator has run a few times; "cold" loads are the first
 * load in a fresh process (bench/load-time-cold.ts).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Engine } from '../src/api/engine.js';
import { Module } from '../src/api/module.js';
import { compileProgram } from '../src/compiler/compile-program.js';
import { ProgramBlob } from '../src/program/program-blob.js';
import { generateProgram } from './generated-program.js';
import { variant } from './load-variants.js';
import { repoPath } from './paths.js';
import { median, timed } from './stats.js';

/** Code sizes of the generated programs, in KiB. */
export const GENERATED_SIZES_KIB = [10, 30, 100, 300, 1024] as const;

export interface LoadTimeRow {
  readonly program: string;
  readonly codeBytes: number;
  readonly wasmBytes: number;
  /**
   * Warm medians, in milliseconds: the steps, then everything from bytes to a ready instance. Translation and
   * WebAssembly compilation are timed apart on another copy of the program (see translateAndCompile).
   */
  readonly parseMs: number;
  readonly translateMs: number;
  readonly wasmCompileMs: number;
  readonly instantiateMs: number;
  /** Ready with the default translation (`'auto'`: lazy for programs of 128 KiB of code or more). */
  readonly readyMs: number;
  /** What `'auto'` chose for this program. */
  readonly translation: 'lazy' | 'eager';
  /** Ready with every region translated up front (`translation: 'eager'`). */
  readonly eagerReadyMs: number;
  /** The same with `await module.compile()` (WebAssembly.compile) before instantiating. */
  readonly readyAsyncMs: number;
  /** Median first load in a fresh process, in milliseconds (null: not measured). */
  readonly coldReadyMs: number | null;
}

export interface LoadTimeResult {
  readonly rows: LoadTimeRow[];
  /** Median one-time set-up at a fresh process's first instance (see load-time-cold.ts), in milliseconds. */
  readonly setupMs: number | null;
}

export interface LoadTimeOptions {
  readonly runs: number;
  readonly coldRuns: number;
  /** Doom's blob, when given. */
  readonly doom: Uint8Array | null;
  readonly log: (line: string) => void;
}

const compilerEngine = new Engine({ backend: 'compiler' });
const eagerEngine = new Engine({ backend: 'compiler', translation: 'eager' });

interface Load {
  readonly parseMs: number;
  /** Instantiation once the module's WebAssembly is compiled: memory, imports, the WebAssembly instance. */
  readonly instantiateMs: number;
  readonly readyMs: number;
}

/** Module.fromBlob, then the first instance, compiling synchronously (compiledWasm() is what it calls first). */
function loadSync(bytes: Uint8Array, pageSize: number, engine = compilerEngine): Load {
  const start = performance.now();
  const module = Module.fromBlob(engine, bytes, { pageSize });
  const parsed = performance.now();
  module.compiledWasm();
  const compiled = performance.now();
  module.instantiate();
  const ready = performance.now();
  return { parseMs: parsed - start, instantiateMs: ready - compiled, readyMs: ready - start };
}

async function loadAsync(bytes: Uint8Array, pageSize: number): Promise<number> {
  const start = performance.now();
  const module = Module.fromBlob(compilerEngine, bytes, { pageSize });
  await module.compile();
  module.instantiate();
  return performance.now() - start;
}

/** The translation step alone, then WebAssembly compilation of its output; returns [translate ms, compile ms, wasm bytes]. */
function translateAndCompile(bytes: Uint8Array, pageSize: number): [number, number, number] {
  const module = Module.fromBlob(compilerEngine, bytes, { pageSize });
  const blob = module.blob;
  const [program, translateMs] = timed(() =>
    compileProgram({
      code: blob.instructions,
      jumpTable: blob.jumpTable,
      map: module.memoryMap,
      gas: 'none',
      costModel: module.costModel,
      trapAtCodeEnd: false,
      dynamicPaging: false,
      lazyChunkBytes: 0,
    }),
  );
  const [, compileMs] = timed(() => new WebAssembly.Module(program.wasm as Uint8Array<ArrayBuffer>));
  return [translateMs, compileMs, program.wasm.length];
}

function coldLoads(blob: ProgramBlob, pageSize: number, runs: number): { ready: number[]; setup: number[] } {
  const dir = mkdtempSync(join(tmpdir(), 'polkavm-bench-load-'));
  const ready: number[] = [];
  const setup: number[] = [];
  try {
    const path = join(dir, 'program.polkavm');
    writeFileSync(path, variant(blob, 0));
    for (let k = 0; k < runs; k++) {
      const child = spawnSync(process.execPath, [repoPath('build', 'bench', 'load-time-cold.js'), path, String(pageSize)], { encoding: 'utf8' });
      if (child.status !== 0) throw new Error(`cold load failed:\n${child.stderr}`);
      const measured = JSON.parse(child.stdout) as { setupMs: number; readyMs: number };
      ready.push(measured.readyMs);
      setup.push(measured.setupMs);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { ready, setup };
}

async function measure(name: string, blob: ProgramBlob, pageSize: number, options: LoadTimeOptions, setup: number[]): Promise<LoadTimeRow> {
  const parse: number[] = [];
  const instantiate: number[] = [];
  const ready: number[] = [];
  const eagerReady: number[] = [];
  const readyAsync: number[] = [];
  const translate: number[] = [];
  const wasmCompile: number[] = [];
  let wasmBytes = 0;
  for (let k = 0; k < options.runs; k++) {
    // A fresh variant for every load that compiles WebAssembly (see load-variants.ts).
    const load = loadSync(variant(blob, 4 * k + 1), pageSize);
    parse.push(load.parseMs);
    instantiate.push(load.instantiateMs);
    ready.push(load.readyMs);
    eagerReady.push(loadSync(variant(blob, 4 * k + 4), pageSize, eagerEngine).readyMs);
    const [translateMs, compileMs, bytes] = translateAndCompile(variant(blob, 4 * k + 2), pageSize);
    translate.push(translateMs);
    wasmCompile.push(compileMs);
    wasmBytes = bytes;
    readyAsync.push(await loadAsync(variant(blob, 4 * k + 3), pageSize));
  }
  const cold = options.coldRuns > 0 ? coldLoads(blob, pageSize, options.coldRuns) : null;
  setup.push(...(cold?.setup ?? []));
  return {
    program: name,
    codeBytes: blob.code.length,
    wasmBytes,
    parseMs: median(parse),
    translateMs: median(translate),
    wasmCompileMs: median(wasmCompile),
    instantiateMs: median(instantiate),
    readyMs: median(ready),
    translation: compilerEngine.lazyChunkBytesFor(blob.code.length) > 0 ? 'lazy' : 'eager',
    eagerReadyMs: median(eagerReady),
    readyAsyncMs: median(readyAsync),
    coldReadyMs: cold === null ? null : median(cold.ready),
  };
}

export async function benchLoadTime(options: LoadTimeOptions): Promise<LoadTimeResult> {
  const setup: number[] = [];
  const rows: LoadTimeRow[] = [];
  // Warm the translator up (the JIT optimizes it) on a mid-sized program that is not measured.
  const warmUp = generateProgram(100 * 1024, 99);
  for (let k = 0; k < 3; k++) {
    loadSync(variant(warmUp, 100 + k), 0x1000);
    translateAndCompile(variant(warmUp, 110 + k), 0x1000);
  }
  await loadAsync(variant(warmUp, 103), 0x1000);
  for (const kib of GENERATED_SIZES_KIB) {
    options.log(`load time: generated program of ${kib} KiB`);
    rows.push(await measure(`generated ${kib} KiB`, generateProgram(kib * 1024), 0x1000, options, setup));
  }
  if (options.doom !== null) {
    options.log('load time: doom');
    rows.push(await measure('doom', ProgramBlob.parse(options.doom), 0x4000, options, setup));
  }
  return { rows, setupMs: setup.length > 0 ? median(setup) : null };
}

/** Microseconds per KiB of code. */
export const usPerKiB = (ms: number, codeBytes: number): number => (ms * 1000 * 1024) / codeBytes;
