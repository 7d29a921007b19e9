/** `polkavm disasm FILE`: print a program's instructions. */
import { writeFileSync } from 'node:fs';
import { disassemble } from '../../asm/disassembler.js';
import { Engine } from '../../api/engine.js';
import { Module } from '../../api/module.js';
import { COST_MODELS, type CostModelName } from '../../gas/cost-models.js';
import { parseChoice } from '../args.js';
import type { Command } from '../command.js';
import { readProgramFile } from '../load.js';

export const disasmCommand: Command = {
  name: 'disasm',
  summary: 'disassemble a .polkavm program',
  usage: `Usage: polkavm disasm FILE [options]

Prints the program in the polkatool listing format: one label line per basic block, then each instruction with its
code offset. Programs with debug information (see 'polkavm link') also get a <function>: line where the function
changes and a // file:line comment where the source line changes.

Options:
  --gas                 show each basic block's gas cost
  --cost-model NAME     cost model for --gas: ${Object.keys(COST_MODELS).join(', ')} (default: the program's default)
  --raw-bytes           show each instruction's bytes
  --no-offsets          hide code offsets
  --assembleable        print source that 'polkavm asm' turns back into the same program
  --no-source           leave out function names and source lines from debug information
  -o, --output FILE     write to FILE instead of standard output
  -h, --help            show this help`,
  options: {
    gas: { type: 'boolean', default: false },
    'cost-model': { type: 'string' },
    'raw-bytes': { type: 'boolean', default: false },
    'no-offsets': { type: 'boolean', default: false },
    assembleable: { type: 'boolean', default: false },
    'no-source': { type: 'boolean', default: false },
    output: { type: 'string', short: 'o' },
  },
  run(values, positionals) {
    const blob = readProgramFile(positionals[0]);
    let gas: ((pc: number) => number | null) | undefined;
    if (values['gas'] === true) {
      const name = values['cost-model'];
      const costModel =
        typeof name === 'string' ? parseChoice(name, Object.keys(COST_MODELS) as CostModelName[], '--cost-model') : undefined;
      const module = Module.fromBlob(new Engine(), blob, { costModel, validateJamCode: false });
      gas = (pc) => module.calculateGasCostFor(pc);
    }
    const text = disassemble(blob, {
      gas,
      showRawBytes: values['raw-bytes'] === true,
      showOffsets: values['no-offsets'] !== true,
      assembleable: values['assembleable'] === true,
      showSource: values['no-source'] !== true,
    });
    const output = values['output'];
    if (typeof output === 'string') writeFileSync(output, text.endsWith('\n') ? text : `${text}\n`);
    else process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
    return 0;
  },
};
