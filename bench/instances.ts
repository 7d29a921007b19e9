/**
 * Per-instance cost: 1000 instances of the hello guest (rv64, -O2) per backend, each called once. Reports the
 * instantiation time and the growth of the JS heap, of memory outside the heap (ArrayBuffers and WebAssembly
 * memories, counted at their full size) and of the process's resident set, divided by the instance count, next to
 * the guest memory each instance has allocated. Each backend is measured in a fresh process
 * (bench/instances-child.ts), so that memory the benchmark used before does not blur the resident set.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Engine, type BackendKind } from '../src/api/engine.js';
import { type Instance, Linker } from '../src/api/linker.js';
import { Module } from '../src/api/module.js';
import { repoPath } from './paths.js';

export interface InstanceCost {
  readonly backend: BackendKind;
  readonly instances: number;
  /** Microseconds per `linker.instantiate(module)` (the module compiled already). */
  readonly instantiateUs: number;
  /** Bytes per instance. */
  readonly heap: number;
  readonly external: number;
  readonly rss: number;
  /** Guest memory allocated per instance (RawInstance.residentMemory). */
  readonly guestMemory: number;
}

/** Measures in this process, which must run with --expose-gc. */
export function measureInstances(backend: BackendKind, count: number): InstanceCost {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run with --expose-gc');
  const module = Module.fromBlob(new Engine({ backend }), readFileSync(repoPath('guest', 'bin', 'hello-rv64-O2.polkavm')));
  const linker = new Linker().define('ext_stdout', (_caller, _pointer, length) => length);
  // The first instance compiles the module (and warms the library up); it is not counted.
  linker.instantiate(module).call('add_numbers', [1, 2]);
  gc();
  const before = process.memoryUsage();
  const instances: Instance[] = [];
  const start = performance.now();
  for (let k = 0; k < count; k++) instances.push(linker.instantiate(module));
  const instantiateMs = performance.now() - start;
  instances.forEach((instance, k) => instance.call('add_numbers', [k, 1]));
  gc();
  const after = process.memoryUsage();
  return {
    backend,
    instances: count,
    instantiateUs: (instantiateMs * 1000) / count,
    heap: (after.heapUsed - before.heapUsed) / count,
    external: (after.external - before.external) / count,
    rss: (after.rss - before.rss) / count,
    guestMemory: instances.reduce((sum, instance) => sum + instance.residentMemory, 0) / count,
  };
}

export function benchInstances(count: number): InstanceCost[] {
  return (['interpreter', 'compiler'] as const).map((backend) => {
    const child = spawnSync(process.execPath, ['--expose-gc', repoPath('build', 'bench', 'instances-child.js'), backend, String(count)], { encoding: 'utf8' });
    if (child.status !== 0) throw new Error(`instance benchmark (${backend}) failed:\n${child.stderr}`);
    return JSON.parse(child.stdout) as InstanceCost;
  });
}
