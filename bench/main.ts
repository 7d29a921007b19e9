/**
 * `npm run bench`: every guest program on every backend and natively, CoreMark, the assembled programs, load time
 * of the compiler backend, Doom and the per-instance cost, measured side by side in one process (children only
 * where a fresh process is the point). Prints Markdown tables and checks the compiler issue's targets; `--json`
 * prints everything, every timed run included. See BENCHMARKS.md and `--help`.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { againstReport, benchAgainst } from './against.js';
import { benchAssembled } from './assembled.js';
import { calibrate } from './calibration.js';
import { benchDoom } from './doom.js';
import { COREMARK_WORKLOAD, GUEST_WORKLOADS } from './guest-workloads.js';
import { benchGuest, type GuestOptions, type GuestRow } from './guests.js';
import { benchInstances } from './instances.js';
import { benchLoadTime } from './load-time.js';
import { NativeGuests } from './native-guests.js';
import { repoPath, ROOT } from './paths.js';
import { textReport } from './report.js';
import type { BenchResults } from './results.js';
import { checkTargets } from './targets.js';

const SECTIONS = ['guests', 'coremark', 'assembled', 'load', 'doom', 'instances'] as const;
type Section = (typeof SECTIONS)[number];

const USAGE = `usage: npm run bench -- [options] [--doom DOOM.polkavm WAD]

  --only LIST            sections to run, comma-separated: ${SECTIONS.join(',')} (default: all)
  --skip LIST            sections to leave out
  --json                 print every figure as JSON on stdout (progress goes to stderr)
  --runs N               timed runs per compiler measurement (default 5)
  --interpreter-runs N   timed runs per interpreter measurement of a guest (default 3; 0 leaves it out)
  --native-runs N        timed runs of a native build (default 9)
  --cc CC                host C compiler for the native column (default clang-19)
  --no-native            no native column
  --coremark-src DIR     EEMBC CoreMark sources for native CoreMark (default: $COREMARK_DIR)
  --coremark-blobs DIR   directory of coremark-{rv64,rv32}-O2.polkavm (default: $COREMARK_BLOB_DIR or guest/build)
  --doom                 Doom section: the positional arguments are doom.polkavm and a WAD
  --ticks N              timed Doom ticks per backend (default 200)
  --load-runs N          warm loads per program size (default 5)
  --cold-runs N          fresh-process loads per program size (default 3)
  --instances N          instances per backend in the per-instance section (default 1000)
  --against DIR          instead: compare this build's compiler with the build in checkout DIR (its dist/ built),
                         side by side in one process, on the guests, CoreMark (if its blobs exist) and Doom (with
                         --doom; --ticks per run); --runs rounds (default 5), --only guests,coremark,doom`;

function positiveInteger(name: string, value: string, allowZero = false): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < (allowZero ? 0 : 1)) throw new Error(`--${name} must be an integer ≥ ${allowZero ? 0 : 1}, got ${value}`);
  return n;
}

function sectionList(value: string | undefined, fallback: readonly Section[]): Section[] {
  if (value === undefined) return [...fallback];
  return value.split(',').map((name) => {
    if (!(SECTIONS as readonly string[]).includes(name)) throw new Error(`unknown section '${name}' (sections: ${SECTIONS.join(', ')})`);
    return name as Section;
  });
}

function commit(): string | null {
  try {
    return execFileSync('git', ['describe', '--always', '--dirty'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      only: { type: 'string' },
      skip: { type: 'string' },
      json: { type: 'boolean', default: false },
      runs: { type: 'string', default: '5' },
      'interpreter-runs': { type: 'string', default: '3' },
      'native-runs': { type: 'string', default: '9' },
      cc: { type: 'string', default: 'clang-19' },
      'no-native': { type: 'boolean', default: false },
      'coremark-src': { type: 'string' },
      'coremark-blobs': { type: 'string' },
      doom: { type: 'boolean', default: false },
      ticks: { type: 'string', default: '200' },
      'load-runs': { type: 'string', default: '5' },
      'cold-runs': { type: 'string', default: '3' },
      instances: { type: 'string', default: '1000' },
      against: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const skipped = sectionList(values.skip, []);
  const sections = new Set(sectionList(values.only, SECTIONS).filter((s) => !skipped.includes(s)));
  const runs = positiveInteger('runs', values.runs);
  const interpreterRuns = positiveInteger('interpreter-runs', values['interpreter-runs'], true);
  const nativeRuns = positiveInteger('native-runs', values['native-runs']);
  const loadRuns = positiveInteger('load-runs', values['load-runs']);
  const coldRuns = positiveInteger('cold-runs', values['cold-runs'], true);
  const ticks = positiveInteger('ticks', values.ticks);
  const instanceCount = positiveInteger('instances', values.instances);
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  const notes: string[] = [];
  const note = (line: string): void => {
    notes.push(line);
    log(`note: ${line}`);
  };
  let failed = false;
  /** Runs a section; a failure becomes a note (and a non-zero exit status) instead of ending the whole run. */
  const attempt = async <T>(name: Section, run: () => T | Promise<T>): Promise<T | null> => {
    if (!sections.has(name)) return null;
    try {
      return await run();
    } catch (error) {
      failed = true;
      note(`section ${name} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      return null;
    }
  };

  const started = performance.now();
  const loadAverageStart = os.loadavg();
  const calibrationMsStart = calibrate();
  const doomFiles = values.doom ? positionals : null;
  if (doomFiles !== null && doomFiles.length !== 2) throw new Error('--doom needs the paths of doom.polkavm and a WAD');

  if (values.against !== undefined) {
    const blobs = values['coremark-blobs'] ?? process.env['COREMARK_BLOB_DIR'] ?? repoPath('guest', 'build');
    const rows = await benchAgainst({
      baseline: values.against,
      runs,
      guests: sections.has('guests'),
      coremarkBlobs: sections.has('coremark') ? blobs : null,
      doom: doomFiles === null || !sections.has('doom') ? null : { rom: readFileSync(doomFiles[0]!), wad: readFileSync(doomFiles[1]!), ticks },
      log,
    });
    process.stdout.write(`${commit() ?? 'this build'} against ${values.against}; calibration loop ${calibrationMsStart.toFixed(1)} ms at the start\n\n`);
    process.stdout.write(againstReport(rows, values.against));
    return 0;
  }

  const native = values['no-native'] || !(sections.has('guests') || sections.has('coremark')) ? null : NativeGuests.open(values.cc);
  if (typeof native === 'string') note(native);
  const nativeGuests = native instanceof NativeGuests ? native : null;
  const coremarkSource = values['coremark-src'] ?? process.env['COREMARK_DIR'] ?? null;
  const guestOptions: GuestOptions = { runs, interpreterRuns, nativeRuns, native: nativeGuests, coremarkSource, log, note };
  if (doomFiles === null && sections.has('doom')) {
    sections.delete('doom');
    notes.push('no Doom section (pass --doom DOOM.polkavm WAD)');
  }
  const doomRom = doomFiles === null ? null : readFileSync(doomFiles[0]!);


  const results: Omit<BenchResults, 'targets'> = {
    environment: {
      date: new Date().toISOString(),
      node: process.version,
      platform: `${process.platform} ${process.arch}`,
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
      loadAverageStart,
      loadAverageEnd: [],
      calibrationMsStart,
      calibrationMsEnd: 0,
      commit: commit(),
      nativeCompiler: nativeGuests?.version ?? null,
      runs: { compiler: runs, interpreter: interpreterRuns, native: nativeRuns },
      seconds: 0,
    },
    assembled: null,
    guests: null,
    coremark: null,
    loadTime: null,
    instances: null,
    doom: null,
    notes,
  };
  try {
    results.guests = await attempt('guests', () => GUEST_WORKLOADS.flatMap((workload) => benchGuest(workload, repoPath('guest', 'bin'), guestOptions)));
    results.coremark = await attempt('coremark', (): GuestRow[] | null => {
      // CoreMark's blobs contain EEMBC's code and are never committed: without them the section is skipped.
      const blobs = values['coremark-blobs'] ?? process.env['COREMARK_BLOB_DIR'] ?? repoPath('guest', 'build');
      if (!['rv64', 'rv32'].some((target) => existsSync(join(blobs, `coremark-${target}-O2.polkavm`)))) {
        note(`no CoreMark blobs in ${blobs} (COREMARK_DIR=… guest/build.sh coremark builds them): no CoreMark section`);
        return null;
      }
      return benchGuest(COREMARK_WORKLOAD, blobs, guestOptions);
    });
    results.assembled = await attempt('assembled', () => benchAssembled(runs, log));
    results.loadTime = await attempt('load', () => benchLoadTime({ runs: loadRuns, coldRuns, doom: sections.has('doom') ? doomRom : null, log }));
    results.doom = await attempt('doom', () => benchDoom(doomRom!, readFileSync(doomFiles![1]!), ticks, interpreterRuns > 0, log));
    results.instances = await attempt('instances', () => {
      log('per-instance cost');
      return benchInstances(instanceCount);
    });
  } finally {
    nativeGuests?.dispose();
  }
  results.environment = { ...results.environment, loadAverageEnd: os.loadavg(), calibrationMsEnd: calibrate(), seconds: (performance.now() - started) / 1000 };
  const complete: BenchResults = { ...results, targets: checkTargets(results) };
  process.stdout.write(values.json ? `${JSON.stringify(complete, null, 2)}\n` : textReport(complete));
  return failed ? 1 : 0;
}

main().then(
  (status) => {
    process.exitCode = status;
  },
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n${USAGE}\n`);
    process.exitCode = 2;
  },
);
