/**
 * The guest-programs section: every CPU-bound guest (and CoreMark) for rv64 and rv32 at -O2, on the interpreter,
 * the compiler and the compiler with gas metering, next to the same C compiled natively.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, type GuestWorkload, type Target, TARGETS } from './guest-workloads.js';
import type { NativeGuests, NativeRun } from './native-guests.js';
import { measureSideBySide } from './side-by-side.js';
import { median } from './stats.js';

export interface GuestRow {
  readonly program: string;
  readonly target: Target;
  readonly workload: string;
  readonly result: string;
  readonly instructions: number;
  /** Medians, in milliseconds per run (null: not measured). */
  readonly interpreterMs: number | null;
  readonly compilerMs: number;
  readonly compilerGasMs: number;
  readonly nativeMs: number | null;
  /** Whether the native build computed the same result (null: no native run). */
  readonly nativeAgrees: boolean | null;
  /** Every timed run, in milliseconds. */
  readonly samples: { interpreter: readonly number[]; compiler: readonly number[]; compilerGas: readonly number[]; native: readonly number[] };
}

export interface GuestOptions {
  readonly runs: number;
  readonly interpreterRuns: number;
  readonly nativeRuns: number;
  /** The host compiler, or null (no native column). */
  readonly native: NativeGuests | null;
  readonly coremarkSource: string | null;
  /** Called with a line of progress. */
  readonly log: (line: string) => void;
  /** Called with a note for the report (something skipped). */
  readonly note: (line: string) => void;
}

/** The native run of a workload, or null with a note when it cannot be built or run. */
function runNative(workload: GuestWorkload, options: GuestOptions): NativeRun | null {
  if (options.native === null) return null;
  try {
    const executable = options.native.build(workload, options.coremarkSource);
    return options.native.run(executable, workload, options.nativeRuns);
  } catch (error) {
    options.note(`no native ${workload.program}: ${error instanceof Error ? error.message : String(error)}`);
    return null;
  }
}

/** Measures `workload` from the blobs `blobDir/PROGRAM-TARGET-O2.polkavm` (targets whose blob is missing are skipped). */
export function benchGuest(workload: GuestWorkload, blobDir: string, options: GuestOptions): GuestRow[] {
  const rows: GuestRow[] = [];
  const native = runNative(workload, options);
  for (const target of TARGETS) {
    const path = join(blobDir, `${workload.program}-${target}-O2.polkavm`);
    if (!existsSync(path)) {
      options.note(`${path} is missing; ${workload.program} ${target} skipped`);
      continue;
    }
    options.log(`${workload.program} ${target}: ${describe(workload)}`);
    const measured = measureSideBySide(workload, readFileSync(path), [
      { backend: 'interpreter', gas: false, runs: options.interpreterRuns },
      { backend: 'compiler', gas: false, runs: options.runs },
      { backend: 'compiler', gas: true, runs: options.runs },
    ]);
    const [interpreter, compiler, compilerGas] = measured.ms as [number[], number[], number[]];
    rows.push({
      program: workload.program,
      target,
      workload: describe(workload),
      result: measured.result,
      instructions: measured.instructions!,
      interpreterMs: interpreter.length > 0 ? median(interpreter) : null,
      compilerMs: median(compiler),
      compilerGasMs: median(compilerGas),
      nativeMs: native === null ? null : median(native.ms),
      nativeAgrees: native === null ? null : native.result === measured.result,
      samples: { interpreter, compiler, compilerGas, native: native?.ms ?? [] },
    });
  }
  return rows;
}
