/**
 * The compiler issue's performance targets, checked against one run's figures: compiler ≥ 10× the interpreter on
 * the guest benchmarks, within 3× of native C on the CPU-bound guests, Doom tick ≤ 3 ms, a 1 MB program (Doom)
 * ready within 50 ms with load time per KiB flat from 10 KiB to 1 MiB, sync gas overhead ≤ 15%, and at most
 * 128 KiB per instance beyond guest memory.
 */
import type { GuestRow } from './guests.js';
import { usPerKiB } from './load-time.js';
import type { BenchResults, TargetCheck } from './results.js';
import { ms, percent, ratio } from './table.js';

/**
 * "Flat" read as "no growth": the largest program's warm µs per KiB at most this many times the smallest's. (Small
 * programs cost more per KiB, for fixed costs; the spread over all sizes is reported next to it.)
 */
export const FLAT_GROWTH = 1.5;

const label = (row: GuestRow): string => `${row.program} ${row.target}`;

/** The row with the largest (or smallest) `value`, or null when no row has one. */
function extreme(rows: readonly GuestRow[], value: (row: GuestRow) => number | null, which: 'max' | 'min'): { row: GuestRow; value: number } | null {
  let found: { row: GuestRow; value: number } | null = null;
  for (const row of rows) {
    const v = value(row);
    if (v === null || !Number.isFinite(v)) continue;
    if (found === null || (which === 'max' ? v > found.value : v < found.value)) found = { row, value: v };
  }
  return found;
}

export function checkTargets(results: Omit<BenchResults, 'targets'>): TargetCheck[] {
  const guests = [...(results.guests ?? []), ...(results.coremark ?? [])];
  const checks: TargetCheck[] = [];
  const none = (target: string, why: string): TargetCheck => ({ target, measured: why, met: null });

  const slowest = extreme(guests, (row) => (row.interpreterMs === null ? null : row.interpreterMs / row.compilerMs), 'min');
  checks.push(
    slowest === null
      ? none('compiler ≥ 10× faster than the interpreter on the guests', 'not measured')
      : { target: 'compiler ≥ 10× faster than the interpreter on the guests', measured: `lowest ${ratio(slowest.value)} (${label(slowest.row)})`, met: slowest.value >= 10 },
  );
  const farthest = extreme(guests, (row) => (row.nativeMs === null ? null : row.compilerMs / row.nativeMs), 'max');
  checks.push(
    farthest === null
      ? none('compiler within 3× of native C on the CPU-bound guests', 'not measured')
      : { target: 'compiler within 3× of native C on the CPU-bound guests', measured: `highest ${ratio(farthest.value)} (${label(farthest.row)})`, met: farthest.value <= 3 },
  );
  const doom = results.doom;
  checks.push(
    doom === null
      ? none('Doom tick ≤ 3 ms (compiler; mean of the timed ticks)', 'not measured (--doom)')
      : {
          target: 'Doom tick ≤ 3 ms (compiler; mean of the timed ticks)',
          measured: `mean ${ms(doom.compiler.meanMsPerTick)} ms, median ${ms(doom.compiler.msPerTick)} ms`,
          met: doom.compiler.meanMsPerTick <= 3,
        },
  );
  const doomLoad = results.loadTime?.rows.find((row) => row.program === 'doom');
  checks.push(
    doomLoad === undefined
      ? none('Doom (1 MB) compiled to ready-to-run ≤ 50 ms', 'not measured (--doom)')
      : {
          target: 'Doom (1 MB) compiled to ready-to-run ≤ 50 ms',
          measured: `${ms(doomLoad.readyMs)} ms warm, ${ms(doomLoad.coldReadyMs)} ms cold`,
          met: doomLoad.readyMs <= 50 && (doomLoad.coldReadyMs ?? 0) <= 50,
        },
  );
  const generated = (results.loadTime?.rows ?? []).filter((row) => row.program.startsWith('generated'));
  const flat = `load time per KiB flat from 10 KiB to 1 MiB (largest ≤ ${FLAT_GROWTH}× smallest)`;
  if (generated.length < 2) {
    checks.push(none(flat, 'not measured'));
  } else {
    // Eager translation: all of the code is translated, so this is the cost per KiB of translating it.
    const perKiB = generated.map((row) => usPerKiB(row.eagerReadyMs, row.codeBytes));
    const growth = perKiB[perKiB.length - 1]! / perKiB[0]!;
    const spread = Math.max(...perKiB) / Math.min(...perKiB);
    const measured = `${perKiB.map((v) => v.toFixed(0)).join(', ')} µs/KiB warm, translating everything: largest ${ratio(growth)} smallest, spread ${ratio(spread)}`;
    checks.push({ target: flat, measured, met: growth <= FLAT_GROWTH });
  }
  const heaviest = extreme(guests, (row) => (row.compilerGasMs - row.compilerMs) / row.compilerMs, 'max');
  checks.push(
    heaviest === null
      ? none('sync gas overhead ≤ 15% on the CPU-bound guests', 'not measured')
      : { target: 'sync gas overhead ≤ 15% on the CPU-bound guests', measured: `highest ${percent(heaviest.value)} (${label(heaviest.row)})`, met: heaviest.value <= 0.15 },
  );
  const compiled = results.instances?.find((cost) => cost.backend === 'compiler');
  checks.push(
    compiled === undefined
      ? none('≤ 128 KiB per instance beyond guest memory (compiler)', 'not measured')
      : {
          target: '≤ 128 KiB per instance beyond guest memory (compiler)',
          measured: `${(compiled.rss / 1024).toFixed(1)} KiB resident (guest memory included), ${(compiled.heap / 1024).toFixed(1)} KiB JS heap`,
          met: compiled.rss <= 128 * 1024,
        },
  );
  return checks;
}
