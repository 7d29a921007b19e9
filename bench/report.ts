/** The text report of a benchmark run: a header with the conditions, then one Markdown table per section. */
import type { AssembledRow } from './assembled.js';
import type { DoomResult } from './doom.js';
import type { GuestRow } from './guests.js';
import type { InstanceCost } from './instances.js';
import { type LoadTimeResult, usPerKiB } from './load-time.js';
import type { BenchResults } from './results.js';
import { count, kib, markdownTable, mips, ms, percent, ratio } from './table.js';

const over = (a: number | null, b: number | null): number | null => (a === null || b === null ? null : a / b);
const overhead = (metered: number, plain: number): number => (metered - plain) / plain;

function guestTable(rows: readonly GuestRow[]): string[] {
  return markdownTable(
    ['program', 'target', 'instructions', 'interpreter ms', 'compiler ms', 'compiler + gas ms', 'native ms', 'interpreter / compiler', 'compiler / native', 'gas overhead', 'interpreter Minstr/s', 'compiler Minstr/s'],
    rows.map((row) => [
      row.program,
      row.target,
      count(row.instructions),
      ms(row.interpreterMs),
      ms(row.compilerMs),
      ms(row.compilerGasMs),
      row.nativeAgrees === false ? `${ms(row.nativeMs)} (result differs!)` : ms(row.nativeMs),
      ratio(over(row.interpreterMs, row.compilerMs)),
      ratio(over(row.compilerMs, row.nativeMs)),
      percent(overhead(row.compilerGasMs, row.compilerMs)),
      mips(row.instructions, row.interpreterMs),
      mips(row.instructions, row.compilerMs),
    ]),
  );
}

function workloads(rows: readonly GuestRow[]): string[] {
  const seen = new Map<string, string>();
  for (const row of rows) seen.set(row.program, `${row.workload} = ${row.result}`);
  return [...seen.values()].map((line) => `- ${line}`);
}

function assembledTable(rows: readonly AssembledRow[]): string[] {
  return markdownTable(
    ['program', 'ISA', 'instructions', 'interpreter ms', 'Minstr/s', 'with gas', 'compiler ms', 'Minstr/s', 'with gas', 'interpreter / compiler'],
    rows.map((row) => [
      row.program,
      row.isa,
      count(row.instructions),
      ms(row.interpreterMs),
      mips(row.instructions, row.interpreterMs),
      percent(overhead(row.interpreterGasMs, row.interpreterMs)),
      ms(row.compilerMs),
      mips(row.instructions, row.compilerMs),
      percent(overhead(row.compilerGasMs, row.compilerMs)),
      ratio(row.interpreterMs / row.compilerMs),
    ]),
  );
}

function loadTable(load: LoadTimeResult): string[] {
  const lines = markdownTable(
    ['program', 'code', 'WebAssembly', 'parse ms', 'translate ms', 'wasm compile ms', 'eager: ready ms', 'µs/KiB', 'default', 'instantiate ms', 'ready ms', 'µs/KiB', 'ready (async) ms', 'cold ready ms', 'cold µs/KiB'],
    load.rows.map((row) => [
      row.program,
      kib(row.codeBytes),
      kib(row.wasmBytes),
      ms(row.parseMs),
      ms(row.translateMs),
      ms(row.wasmCompileMs),
      ms(row.eagerReadyMs),
      usPerKiB(row.eagerReadyMs, row.codeBytes).toFixed(0),
      row.translation,
      ms(row.instantiateMs),
      ms(row.readyMs),
      usPerKiB(row.readyMs, row.codeBytes).toFixed(0),
      ms(row.readyAsyncMs),
      ms(row.coldReadyMs),
      row.coldReadyMs === null ? '—' : usPerKiB(row.coldReadyMs, row.codeBytes).toFixed(0),
    ]),
  );
  if (load.setupMs !== null) lines.push('', `One-time set-up at a fresh process's first instance (not in the cold figures): ${ms(load.setupMs)} ms.`);
  return lines;
}

function doomLines(doom: DoomResult): string[] {
  const rows = [
    ['interpreter', doom.interpreter],
    ['compiler', doom.compiler],
    ['compiler + sync gas', doom.compilerGas],
    ['compiler, eager translation', doom.compilerEager],
  ] as const;
  return [
    ...markdownTable(
      ['backend', 'median ms per tick', 'mean ms per tick', 'Minstr/s', 'ext_initialize ms'],
      rows
        .filter(([, result]) => result !== null)
        .map(([name, result]) => [name, ms(result!.msPerTick), ms(result!.meanMsPerTick), mips(doom.instructionsPerTick, result!.msPerTick), ms(result!.initMs)]),
    ),
    '',
    `${count(doom.instructionsPerTick)} guest instructions per tick (median); last frame fnv1a64 ${doom.frameHash} on every backend;` +
      ` interpreter / compiler ${ratio(over(doom.interpreter?.msPerTick ?? null, doom.compiler.msPerTick))},` +
      ` gas overhead ${percent(overhead(doom.compilerGas.msPerTick, doom.compiler.msPerTick))}.`,
    `ext_initialize on a second compiler instance of the same module (WebAssembly functions compiled at their first call already): ${ms(doom.compilerSecondInitMs)} ms.`,
    `Parse + module (interpreter) ${ms(doom.loadMs)} ms; all ${count(doom.blocks)} block costs under full-l2 ${ms(doom.blockCostsMs)} ms.`,
  ];
}

function instancesTable(costs: readonly InstanceCost[]): string[] {
  return markdownTable(
    ['backend', 'instances', 'instantiate µs', 'JS heap', 'outside the heap', 'resident (RSS)', 'guest memory allocated'],
    costs.map((cost) => [cost.backend, count(cost.instances), cost.instantiateUs.toFixed(1), kib(cost.heap), kib(cost.external), kib(cost.rss), kib(cost.guestMemory)]),
  );
}

export function textReport(results: BenchResults): string {
  const env = results.environment;
  const lines = [
    `polkavm-ts benchmarks, ${env.date}: Node ${env.node}, ${env.platform}, ${env.cpus} × ${env.cpuModel}`,
    `sources ${env.commit ?? '(unknown)'}; native: ${env.nativeCompiler ?? 'none'}`,
    `load average ${env.loadAverageStart.map((l) => l.toFixed(2)).join(' ')} at the start, ${env.loadAverageEnd.map((l) => l.toFixed(2)).join(' ')} at the end; ` +
      `calibration loop ${ms(env.calibrationMsStart)} ms at the start, ${ms(env.calibrationMsEnd)} ms at the end; ${env.seconds.toFixed(0)} s`,
    `medians of ${env.runs.compiler} compiler runs, ${env.runs.interpreter} interpreter runs, ${env.runs.native} native runs (after one warm-up run each)`,
  ];
  const section = (title: string, body: string[]): void => void lines.push('', `## ${title}`, '', ...body);
  if (results.guests !== null) section('Guest programs (-O2), ms per run', [...guestTable(results.guests), '', ...workloads(results.guests)]);
  if (results.coremark !== null) section('CoreMark (-O2), ms per run', [...guestTable(results.coremark), '', ...workloads(results.coremark)]);
  if (results.assembled !== null) section('Assembled programs, ms per run (gas: sync metering overhead)', assembledTable(results.assembled));
  if (results.loadTime !== null) section('Load time on the compiler backend (bytes → ready instance)', loadTable(results.loadTime));
  if (results.doom !== null) section('Doom', doomLines(results.doom));
  if (results.instances !== null) section('Per-instance cost (hello, rv64 -O2)', instancesTable(results.instances));
  section(
    'Targets',
    markdownTable(
      ['target', 'measured', 'met'],
      results.targets.map((check) => [check.target, check.measured, check.met === null ? '—' : check.met ? 'yes' : 'NO']),
      ['left', 'left', 'left'],
    ),
  );
  if (results.notes.length > 0) section('Notes', results.notes.map((note) => `- ${note}`));
  return `${lines.join('\n')}\n`;
}
