/**
 * The differential property: for every generated program, the interpreter and the compiler backend agree. Shared
 * by the CI test (fixed run counts) and the long fuzzing mode (scripts/fuzz.mjs).
 */
import fc from 'fast-check';
import type { FuzzIsa } from './case.js';
import { caseArbitrary, DEFAULT_FLAGS, type GeneratorFlags } from './generator.js';
import { runDifferential } from './harness.js';
import { formatReport } from './report.js';

export interface DifferentialRunOptions {
  readonly isa: FuzzIsa;
  readonly numRuns: number;
  readonly seed?: number;
  /** fast-check replay path (printed with a failure). */
  readonly path?: string;
  readonly flags?: GeneratorFlags;
  /** Called after each case (for progress output). */
  readonly onCase?: (stats: DifferentialStats) => void;
}

export interface DifferentialStats {
  /** Generated blobs (one module compilation per backend each). */
  blobs: number;
  /** Program segments checked: the independent programs batched into the blobs. */
  cases: number;
  /** `run()` calls compared (each ecalli continuation and gas refill is one more). */
  runs: number;
  /** Cases whose module both backends rejected identically. */
  rejected: number;
  /** Interruption kinds seen at the end of runs. */
  readonly interrupts: Map<string, number>;
}

/** Thrown (through fast-check) when the backends diverge; the message is the full report. */
export class BackendMismatchError extends Error {
  override name = 'BackendMismatchError';
}

/** Checks the property; throws fast-check's failure (with the shrunk case's report) on a mismatch. */
export function checkDifferential(options: DifferentialRunOptions): DifferentialStats {
  const stats: DifferentialStats = { blobs: 0, cases: 0, runs: 0, rejected: 0, interrupts: new Map() };
  const property = fc.property(caseArbitrary(options.isa, options.flags ?? DEFAULT_FLAGS), (c) => {
    const result = runDifferential(c);
    if (result.mismatch !== null) throw new BackendMismatchError(formatReport(c, result));
    if (!result.compiled && result.trace[0]?.what.startsWith('module rejected') !== true) {
      throw new BackendMismatchError('the compiler engine fell back to the interpreter, so the case compared nothing');
    }
    stats.blobs++;
    stats.cases += c.segments;
    stats.runs += result.runs;
    if (!result.compiled) stats.rejected++;
    for (const event of result.trace) {
      const match = /run \d+: ([a-z-]+)/.exec(event.what);
      if (match !== null) stats.interrupts.set(match[1]!, (stats.interrupts.get(match[1]!) ?? 0) + 1);
    }
    options.onCase?.(stats);
  });
  fc.assert(property, {
    numRuns: options.numRuns,
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
    ...(options.path !== undefined ? { path: options.path } : {}),
  });
  return stats;
}
