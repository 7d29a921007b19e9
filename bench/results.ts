/** Everything one benchmark run measures: the `--json` output, and the input of the text report. */
import type { AssembledRow } from './assembled.js';
import type { DoomResult } from './doom.js';
import type { GuestRow } from './guests.js';
import type { InstanceCost } from './instances.js';
import type { LoadTimeResult } from './load-time.js';

export interface Environment {
  readonly date: string;
  readonly node: string;
  readonly platform: string;
  readonly cpus: number;
  readonly cpuModel: string;
  /** `os.loadavg()` when the run started and when it ended: how busy the shared machine was. */
  readonly loadAverageStart: readonly number[];
  readonly loadAverageEnd: readonly number[];
  /** Milliseconds of a fixed JavaScript loop (calibration.ts) at the start and at the end: the machine's speed. */
  readonly calibrationMsStart: number;
  readonly calibrationMsEnd: number;
  /** `git describe` of the measured sources, when available. */
  readonly commit: string | null;
  /** The host C compiler of the native column, or null. */
  readonly nativeCompiler: string | null;
  readonly runs: { readonly compiler: number; readonly interpreter: number; readonly native: number };
  readonly seconds: number;
}

export interface TargetCheck {
  /** The target, as the compiler issue states it. */
  readonly target: string;
  /** What was measured, in words. */
  readonly measured: string;
  /** null when the sections needed were not run. */
  readonly met: boolean | null;
}

export interface BenchResults {
  environment: Environment;
  assembled: AssembledRow[] | null;
  guests: GuestRow[] | null;
  coremark: GuestRow[] | null;
  loadTime: LoadTimeResult | null;
  instances: InstanceCost[] | null;
  doom: DoomResult | null;
  targets: TargetCheck[];
  notes: string[];
}
