/**
 * `npm run fuzz`: the differential property of differential.test.ts with random seeds, for as many cases or as long
 * as asked. Each batch is one fast-check run with its own seed, so a failure names the seed and replay path that
 * reproduce it (`npm run fuzz -- --isa I --seed S --path P --cases N`), and the shrunk case is written as JSON for
 * test/differential/regressions.ts.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { FUZZ_ISAS, type FuzzIsa } from './case.js';
import { DEFAULT_FLAGS } from './generator.js';
import { checkDifferential, type DifferentialStats } from './property.js';

const USAGE = `usage: npm run fuzz -- [--cases N] [--time SECONDS] [--seed S] [--isa latest64|latest32|jam_v1]
                       [--batch N] [--path P] [--all-features] [--out FILE]

Runs random programs on the interpreter and the compiler backend and compares everything the host observes.
  --cases N       stop after N generated blobs (each holds a few program segments); default: unlimited with --time,
                  else 10000
  --time SECONDS  stop after this long (checked between batches)
  --seed S        first seed (default: random); batch k uses seed S + k
  --isa I         only this instruction set (default: all three in turn)
  --batch N       blobs per fast-check run (default 200)
  --path P        fast-check replay path of a failure (with --seed and --isa)
  --out FILE      where a failing case is written as JSON (default fuzz-failure.json)`;

interface Totals {
  blobs: number;
  cases: number;
  runs: number;
  readonly interrupts: Map<string, number>;
}

function main(): number {
  const { values } = parseArgs({
    options: {
      cases: { type: 'string' },
      time: { type: 'string' },
      seed: { type: 'string' },
      isa: { type: 'string' },
      batch: { type: 'string' },
      path: { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help === true) {
    console.log(USAGE);
    return 0;
  }
  const number = (name: string, text: string | undefined, fallback: number): number => {
    if (text === undefined) return fallback;
    const value = Number(text);
    if (!Number.isFinite(value) || value < 0) throw new Error(`--${name} must be a non-negative number, got ${text}`);
    return value;
  };
  const seconds = number('time', values.time, 0);
  const maxBlobs = number('cases', values.cases, seconds > 0 ? Infinity : 10_000);
  const batch = Math.max(1, Math.floor(number('batch', values.batch, 200)));
  const firstSeed = Math.floor(number('seed', values.seed, Math.floor(Math.random() * 0x7fff_ffff)));
  if (values.isa !== undefined && !(FUZZ_ISAS as readonly string[]).includes(values.isa)) {
    throw new Error(`--isa must be one of ${FUZZ_ISAS.join(', ')}, got ${values.isa}`);
  }
  const isas: readonly FuzzIsa[] = values.isa === undefined ? FUZZ_ISAS : [values.isa as FuzzIsa];
  const out = values.out ?? 'fuzz-failure.json';
  // Everything the generator can do, including the decoder edge cases the CI run keeps to their default mix.
  const flags = { ...DEFAULT_FLAGS };

  const totals: Totals = { blobs: 0, cases: 0, runs: 0, interrupts: new Map() };
  const started = Date.now();
  const deadline = seconds > 0 ? started + seconds * 1000 : Infinity;
  console.log(`fuzzing from seed ${firstSeed}, ${isas.join('/')}, batches of ${batch} blobs`);
  for (let k = 0; totals.blobs < maxBlobs && Date.now() < deadline; k++) {
    const isa = isas[k % isas.length]!;
    const seed = (firstSeed + k) | 0;
    const numRuns = Math.min(batch, maxBlobs - totals.blobs);
    let stats: DifferentialStats;
    try {
      stats = checkDifferential({ isa, numRuns, seed, flags, ...(values.path !== undefined ? { path: values.path } : {}) });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const json = /^(\{"isa".*)$/m.exec(message); // the case line of formatReport
      if (json !== null) writeFileSync(out, json[1]!);
      console.error(`\nDIVERGENCE (isa ${isa}, seed ${seed}):\n${message}`);
      if (json !== null) console.error(`\nthe shrunk case is in ${out}`);
      return 1;
    }
    totals.blobs += stats.blobs;
    totals.cases += stats.cases;
    totals.runs += stats.runs;
    for (const [kind, count] of stats.interrupts) totals.interrupts.set(kind, (totals.interrupts.get(kind) ?? 0) + count);
    const elapsed = (Date.now() - started) / 1000;
    console.log(
      `${elapsed.toFixed(0).padStart(6)} s  ${totals.blobs} blobs, ${totals.cases} program segments, ${totals.runs} runs agree` +
        ` (${Math.round(totals.cases / elapsed)} segments/s)`,
    );
  }
  const interrupts = [...totals.interrupts].map(([kind, count]) => `${kind} ${count}`).join(', ');
  console.log(`no divergence: ${totals.cases} program segments in ${totals.blobs} blobs (${interrupts})`);
  return 0;
}

try {
  process.exitCode = main();
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 2;
}
