/**
 * `npm run bench -- --against DIR`: this build's compiler backend side by side with another build of the project
 * in one process, so that two versions of the sources can be compared on a machine whose speed drifts (as the
 * shared development machine's does by ±20% within minutes). DIR is a checkout whose `dist/` is built, such as a
 * `git worktree` of an older commit with `npx tsc -p tsconfig.json` run in it.
 *
 * Every workload runs on an instance of each build, in a warm-up round and then in rounds with the order
 * alternating (this build first, then the baseline first, …); in each round both must give the same result. Reported per workload: the median milliseconds of each build, the
 * ratio of the medians (this build / baseline: below 1 is faster), and the range of the per-round ratios.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as thisBuild from '../src/index.js';
import { defineDoomHost } from './doom-host.js';
import { COREMARK_WORKLOAD, describe, GUEST_WORKLOADS, type GuestWorkload, guestLinker, TARGETS } from './guest-workloads.js';
import { repoPath } from './paths.js';
import { median, timed } from './stats.js';

/** What the comparison uses of a build: its public API, assumed to be the same in both builds. */
type Build = typeof thisBuild;

export interface AgainstOptions {
  /** Root of the other checkout (its `dist/index.js` is loaded). */
  readonly baseline: string;
  readonly runs: number;
  readonly guests: boolean;
  readonly coremarkBlobs: string | null;
  /** Doom's ROM and WAD, or null. */
  readonly doom: { readonly rom: Uint8Array; readonly wad: Uint8Array; readonly ticks: number } | null;
  readonly log: (line: string) => void;
}

export interface AgainstRow {
  readonly workload: string;
  /** Milliseconds of every timed run: baseline, this build. */
  readonly baselineMs: readonly number[];
  readonly currentMs: readonly number[];
}

/** One build's instance of a workload: `run()` times one run and returns its milliseconds and result. */
type Runner = () => [ms: number, result: string];

async function loadBuild(root: string): Promise<Build> {
  const entry = join(resolve(root), 'dist', 'index.js');
  if (!existsSync(entry)) throw new Error(`--against: ${entry} does not exist (build that checkout with npx tsc -p tsconfig.json)`);
  return (await import(pathToFileURL(entry).href)) as Build;
}

function guestRunner(build: Build, bytes: Uint8Array, workload: GuestWorkload): Runner {
  const module = build.Module.fromBlob(new build.Engine({ backend: 'compiler' }), bytes);
  const instance = guestLinker(new build.Linker()).instantiate(module);
  return () => {
    const [a0, ms] = timed(() => instance.call(workload.exportName, workload.args));
    return [ms, workload.result(instance, a0)];
  };
}

function doomRunner(build: Build, rom: Uint8Array, wad: Uint8Array, ticks: number): Runner {
  const module = build.Module.fromBlob(new build.Engine({ backend: 'compiler' }), rom, { pageSize: 0x4000 });
  let frame: Uint8Array | null = null;
  const instance = defineDoomHost(new build.Linker(), wad, (read) => {
    frame = read();
  }).instantiate(module);
  instance.call('ext_initialize');
  // A run is `ticks` ticks; its result, the last frame's first bytes (both builds must draw the same).
  return () => {
    const [, ms] = timed(() => {
      for (let t = 0; t < ticks; t++) instance.call('ext_tick');
    });
    return [ms, frame === null ? 'no frame' : Buffer.from(frame.subarray(0, 64)).toString('hex')];
  };
}

/**
 * Times both runners in rounds after a warm-up round, the order alternating; in every round both must give the same
 * result (Doom's differ from round to round, as the game goes on).
 */
function rounds(name: string, baseline: Runner, current: Runner, runs: number): AgainstRow {
  const baselineMs: number[] = [];
  const currentMs: number[] = [];
  for (let round = -1; round < runs; round++) {
    const first = round % 2 === 0 ? baseline : current;
    const [msFirst, resultFirst] = first();
    const [msSecond, resultSecond] = (first === baseline ? current : baseline)();
    if (resultFirst !== resultSecond) throw new Error(`${name}: the builds gave different results (${resultFirst}, ${resultSecond})`);
    if (round < 0) continue;
    baselineMs.push(first === baseline ? msFirst : msSecond);
    currentMs.push(first === baseline ? msSecond : msFirst);
  }
  return { workload: name, baselineMs, currentMs };
}

export async function benchAgainst(options: AgainstOptions): Promise<AgainstRow[]> {
  const baseline = await loadBuild(options.baseline);
  const rows: AgainstRow[] = [];
  const compare = (name: string, make: (build: Build) => Runner): void => {
    options.log(`${name}: side by side`);
    rows.push(rounds(name, make(baseline), make(thisBuild), options.runs));
  };
  const guest = (workload: GuestWorkload, dir: string): void => {
    for (const target of TARGETS) {
      const path = join(dir, `${workload.program}-${target}-O2.polkavm`);
      if (!existsSync(path)) continue;
      const bytes = readFileSync(path);
      compare(`${workload.program} ${target}: ${describe(workload)}`, (build) => guestRunner(build, bytes, workload));
    }
  };
  if (options.guests) for (const workload of GUEST_WORKLOADS) guest(workload, repoPath('guest', 'bin'));
  if (options.coremarkBlobs !== null) guest(COREMARK_WORKLOAD, options.coremarkBlobs);
  const doom = options.doom;
  if (doom !== null) compare(`Doom, ${doom.ticks} ticks`, (build) => doomRunner(build, doom.rom, doom.wad, doom.ticks));
  return rows;
}

/** The comparison as a Markdown table. */
export function againstReport(rows: readonly AgainstRow[], baseline: string): string {
  const lines = [
    `## This build against ${baseline} (compiler backend, side by side)`,
    '',
    '| workload | baseline ms | this build ms | this / baseline | per round |',
    '|---|---:|---:|---:|---:|',
  ];
  for (const row of rows) {
    const ratios = row.currentMs.map((ms, k) => ms / row.baselineMs[k]!);
    const a = median(row.baselineMs);
    const b = median(row.currentMs);
    lines.push(`| ${row.workload} | ${a.toFixed(1)} | ${b.toFixed(1)} | ${(b / a).toFixed(2)} | ${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)} |`);
  }
  return `${lines.join('\n')}\n`;
}
