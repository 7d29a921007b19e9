/**
 * The assembled programs of bench/programs/ (one source, assembled for each instruction set): `loop` (ALU and
 * branches), `memory` (fill and sum a 256 KiB array), `calls` (recursive Fibonacci through the jump table and the
 * stack), on both backends, with and without gas metering.
 */
import { readFileSync } from 'node:fs';
import { assemble } from '../src/asm/assembler.js';
import type { GuestWorkload } from './guest-workloads.js';
import { repoPath } from './paths.js';
import { measureSideBySide } from './side-by-side.js';
import { median } from './stats.js';

const PROGRAMS = [
  { name: 'loop', arg: 2_000_000 },
  { name: 'memory', arg: 16 },
  { name: 'calls', arg: 25 },
] as const;

const ISAS = ['latest64', 'latest32'] as const;

export interface AssembledRow {
  readonly program: string;
  readonly isa: string;
  readonly instructions: number;
  /** Median milliseconds per run. */
  readonly interpreterMs: number;
  readonly interpreterGasMs: number;
  readonly compilerMs: number;
  readonly compilerGasMs: number;
}

export function benchAssembled(runs: number, log: (line: string) => void): AssembledRow[] {
  const rows: AssembledRow[] = [];
  for (const program of PROGRAMS) {
    const source = readFileSync(repoPath('bench', 'programs', `${program.name}.s`), 'utf8');
    const workload: GuestWorkload = { program: program.name, exportName: 'main', args: [program.arg], result: (_instance, a0) => String(a0) };
    for (const isa of ISAS) {
      log(`${program.name} ${isa}: main(${program.arg})`);
      const measured = measureSideBySide(workload, assemble(source, { isa }).toBytes(), [
        { backend: 'interpreter', gas: false, runs },
        { backend: 'interpreter', gas: true, runs },
        { backend: 'compiler', gas: false, runs },
        { backend: 'compiler', gas: true, runs },
      ]);
      const [interpreter, interpreterGas, compiler, compilerGas] = measured.ms.map(median) as [number, number, number, number];
      rows.push({ program: program.name, isa, instructions: measured.instructions!, interpreterMs: interpreter, interpreterGasMs: interpreterGas, compilerMs: compiler, compilerGasMs: compilerGas });
    }
  }
  return rows;
}
