/**
 * Proof of equivalence: random valid programs run on the interpreter and on the compiler backend must be
 * indistinguishable to the host (interruptions, registers, program counters, gas, heap, memory), through host
 * calls, gas refills and several calls per instance. See test/differential/generator.ts for what is generated.
 *
 * Runs are deterministic (fixed seeds) so CI failures reproduce; `npm run fuzz` runs the same property with random
 * seeds and many more cases. FUZZ_SEED overrides the seed here, FUZZ_SCALE multiplies the run counts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FuzzIsa } from './case.js';
import { checkDifferential, type DifferentialStats } from './property.js';

/** Blobs per ISA; each holds about four independent program segments (about 12,000 segments in all). */
const BLOBS: Readonly<Record<FuzzIsa, number>> = { latest64: 1100, latest32: 900, jam_v1: 800 };
const SEEDS: Readonly<Record<FuzzIsa, number>> = { latest64: 0x5eed64, latest32: 0x5eed32, jam_v1: 0x5eedab };
const MINIMUM_CASES = 10_000;

const scale = Number(process.env['FUZZ_SCALE'] ?? '1');
const seedOverride = process.env['FUZZ_SEED'] === undefined ? undefined : Number(process.env['FUZZ_SEED']);

let totalCases = 0;

function describe(stats: DifferentialStats): string {
  const interrupts = [...stats.interrupts].map(([kind, count]) => `${kind} ${count}`).join(', ');
  return `${stats.blobs} blobs, ${stats.cases} program segments, ${stats.runs} run() calls compared (${interrupts})`;
}

for (const isa of Object.keys(BLOBS) as FuzzIsa[]) {
  test(`${isa}: interpreter and compiler agree on random programs`, (t) => {
    const seed = seedOverride ?? SEEDS[isa];
    const stats = checkDifferential({ isa, numRuns: Math.max(1, Math.round(BLOBS[isa] * scale)), seed });
    t.diagnostic(`seed ${seed}: ${describe(stats)}`);
    totalCases += stats.cases;
    // Every case must have reached the compiled code, and runs must have happened at all.
    assert.equal(stats.rejected, 0);
    assert.ok(stats.runs >= stats.cases, `only ${stats.runs} runs for ${stats.cases} cases`);
  });
}

test(`at least ${MINIMUM_CASES} program segments were compared across the instruction sets`, (t) => {
  t.diagnostic(`${totalCases} program segments`);
  if (scale >= 1) assert.ok(totalCases >= MINIMUM_CASES, `only ${totalCases} cases`);
  else assert.ok(totalCases > 0);
});
