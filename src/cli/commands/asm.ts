/** `polkavm asm FILE -o OUT`: assemble a program written in the polkatool/spectool text syntax. */
import { readFileSync, writeFileSync } from 'node:fs';
import { assemble } from '../../asm/assembler.js';
import type { InstructionSetKind } from '../../isa/instruction-sets.js';
import { parseChoice, UsageError } from '../args.js';
import type { Command } from '../command.js';

const ISAS: readonly InstructionSetKind[] = ['latest64', 'latest32', 'jam_v1', 'revive_v1'];

export const asmCommand: Command = {
  name: 'asm',
  summary: 'assemble a program from text into a .polkavm blob',
  usage: `Usage: polkavm asm FILE -o OUT [options]

Assembles FILE (polkatool syntax: 'a0 = a1 + a2', 'jump @loop if a0 != 0', 'pub @main:', '%rw_data_size = N', ...)
into the .polkavm blob OUT. A '%isa = ...' directive in the source overrides --isa.

Options:
  -o, --output OUT                          output file (required)
  --isa latest64|latest32|jam_v1|revive_v1  instruction set (default latest64)
  -h, --help                                show this help`,
  options: {
    output: { type: 'string', short: 'o' },
    isa: { type: 'string', default: 'latest64' },
  },
  run(values, positionals) {
    const input = positionals[0];
    if (input === undefined) throw new UsageError('missing input FILE');
    const output = values['output'];
    if (typeof output !== 'string') throw new UsageError('missing -o OUT');
    const isa = parseChoice(String(values['isa']), ISAS, '--isa');
    let source: string;
    try {
      source = readFileSync(input, 'utf8');
    } catch (error) {
      throw new UsageError(`cannot read '${input}': ${(error as Error).message}`);
    }
    const bytes = assemble(source, { isa }).toBytes();
    writeFileSync(output, bytes);
    process.stdout.write(`wrote ${output} (${bytes.length} bytes)\n`);
    return 0;
  },
};
