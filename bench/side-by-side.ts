/**
 * Measures one workload in several configurations (backend, gas metering) side by side: after a warm-up run of
 * each, timed runs go in rounds (one run of every configuration per round), so that load from other processes
 * affects them alike. Every run of every configuration must give the same result, and every metered run the same
 * gas; with the naive cost model (1 per instruction) that gas is the run's instruction count.
 */
import { Engine, type BackendKind } from '../src/api/engine.js';
import type { Instance } from '../src/api/linker.js';
import { Module } from '../src/api/module.js';
import { type GuestWorkload, guestLinker } from './guest-workloads.js';
import { timed } from './stats.js';

/** Gas given before every metered run: far more than any workload uses. */
const GAS = 1n << 60n;

export interface Configuration {
  readonly backend: BackendKind;
  /** Synchronous gas metering under the naive cost model, or none. */
  readonly gas: boolean;
  /** Timed runs (the rounds after the last run of a configuration leave it out). */
  readonly runs: number;
}

export interface SideBySide {
  /** Milliseconds of every timed run, per configuration (in the order given). */
  readonly ms: readonly (readonly number[])[];
  /** Gas used by one metered run (instructions), or null when no configuration meters gas. */
  readonly instructions: number | null;
  readonly result: string;
}

class Runner {
  private readonly instance: Instance;
  /** Gas used by each metered run. */
  readonly used = new Set<bigint>();
  readonly results = new Set<string>();

  constructor(
    private readonly workload: GuestWorkload,
    bytes: Uint8Array,
    readonly configuration: Configuration,
  ) {
    const options = configuration.gas ? { gasMetering: 'sync' as const, costModel: 'naive' as const } : {};
    this.instance = guestLinker().instantiate(Module.fromBlob(new Engine({ backend: configuration.backend }), bytes, options));
  }

  /** One run; returns its milliseconds. */
  run(): number {
    const { instance, workload } = this;
    if (this.configuration.gas) instance.setGas(GAS);
    const [a0, ms] = timed(() => instance.call(workload.exportName, workload.args));
    if (this.configuration.gas) this.used.add(GAS - instance.gas);
    this.results.add(workload.result(instance, a0));
    return ms;
  }
}

export function measureSideBySide(workload: GuestWorkload, bytes: Uint8Array, configurations: readonly Configuration[]): SideBySide {
  // A configuration without timed runs is left out entirely (no instance, no warm-up).
  const runners = configurations.map((configuration) => (configuration.runs > 0 ? new Runner(workload, bytes, configuration) : null));
  const active = runners.filter((runner): runner is Runner => runner !== null);
  // Warm-up: a first run compiles what the workload needs and grows the guest's heap to its final size. Its gas
  // may differ from later runs' (heap growth takes another path), so it is not counted.
  for (const runner of active) runner.run();
  for (const runner of active) runner.used.clear();
  const ms = runners.map((): number[] => []);
  const rounds = Math.max(0, ...configurations.map((c) => c.runs));
  for (let round = 0; round < rounds; round++) {
    runners.forEach((runner, i) => {
      if (runner !== null && round < runner.configuration.runs) ms[i]!.push(runner.run());
    });
  }
  const name = `${workload.program} ${workload.exportName}`;
  const results = new Set(active.flatMap((runner) => [...runner.results]));
  if (results.size !== 1) throw new Error(`${name}: runs disagree: ${[...results].join(', ')}`);
  const used = new Set(active.flatMap((runner) => [...runner.used]));
  if (used.size > 1) throw new Error(`${name}: gas used differs between runs: ${[...used].join(', ')}`);
  return { ms, instructions: used.size === 1 ? Number([...used][0]) : null, result: [...results][0]! };
}
