/**
 * Human-readable reports of differential cases: the program's disassembly, the host script, the agreed trace and
 * the divergence, plus the case as JSON so that it can be replayed (test/differential/regressions.ts).
 */
import { disassemble } from '../../src/asm/disassembler.js';
import { ProgramBlob } from '../../src/program/program-blob.js';
import { REGISTER_NAMES } from '../../src/isa/registers.js';
import { caseToJson, type DifferentialCase } from './case.js';
import type { DifferentialResult } from './harness.js';

/** The disassembly with offsets and raw bytes (generated programs may contain padding and raw bytes). */
export function disassembly(c: DifferentialCase): string {
  try {
    const blob = ProgramBlob.parse(c.blob);
    const table = [...blob.jumpTable.entries].map((offset, i) => `  @dyn ${i + 1} (address ${2 * (i + 1)}) -> ${offset}`);
    return `${disassemble(blob, { showRawBytes: true })}// jump table:\n${table.join('\n') || '  (empty)'}\n`;
  } catch (error) {
    return `<cannot disassemble: ${String(error)}>`;
  }
}

export function describeCase(c: DifferentialCase): string {
  const lines = [
    `isa ${c.isa}; module options ${JSON.stringify(c.options)}`,
    ...c.calls.map((call, i) => {
      const regs = call.regs.map((value, r) => `${REGISTER_NAMES[r]}=0x${value.toString(16)}`).join(' ');
      const before = call.before.length > 0 ? `; host before: ${JSON.stringify(call.before)}` : '';
      return `call ${i + 1}: entry pc ${call.entry}, gas ${call.gas}, refills [${call.refills.join(', ')}]${before}\n  ${regs}`;
    }),
    `host redirect targets: [${c.hostTargets.join(', ')}]`,
  ];
  return lines.join('\n');
}

export function formatReport(c: DifferentialCase, result: DifferentialResult): string {
  const m = result.mismatch;
  if (m === null) return 'no mismatch';
  return [
    `interpreter and compiler diverge at ${m.where}:`,
    ...m.differences.map((d) => `  - ${d}`),
    `interpreter: ${m.interpreter}`,
    `compiler:    ${m.compiler}`,
    '',
    describeCase(c),
    '',
    'agreed trace before the divergence:',
    ...result.trace.map((event) => `  ${event.what}`),
    '',
    'program:',
    disassembly(c),
    'replay (test/differential/regressions.ts):',
    caseToJson(c),
  ].join('\n');
}
