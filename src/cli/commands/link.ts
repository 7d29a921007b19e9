/** `polkavm link IN.elf -o OUT.polkavm`: link a RISC-V ELF file into a PolkaVM program. */
import { readFileSync, writeFileSync } from 'node:fs';
import { link, type LinkOptions } from '../../linker/link.js';
import { parseChoice, parseU32, UsageError } from '../args.js';
import type { Command } from '../command.js';

const ISAS = ['latest', 'jam_v1', 'revive_v1'] as const;
const OPT_LEVELS = ['0', '1', '2'] as const;

export const linkCommand: Command = {
  name: 'link',
  summary: 'link a RISC-V ELF file into a .polkavm program',
  usage: `Usage: polkavm link IN.elf -o OUT.polkavm [options]

Links IN.elf (a 32- or 64-bit RISC-V ELF for rv32emac/rv64emac + Zbb, linked with --emit-relocs, e.g. by ld.lld
-shared --emit-relocs) into the PolkaVM program OUT.polkavm. The guest declares imports, exports and its minimum
stack size through the .polkavm_metadata, .polkavm_exports and .polkavm_min_stack_size sections.

Options:
  -o, --output OUT                  output file (required)
  --isa latest|jam_v1|revive_v1     instruction set (default latest: Latest32 or Latest64 by the ELF's class)
  --strip                           leave out debug information
  --opt-level 0|1|2                 optimization level (default 2)
  --min-stack-size N                minimum stack size in bytes (default 8192)
  -h, --help                        show this help`,
  options: {
    output: { type: 'string', short: 'o' },
    isa: { type: 'string', default: 'latest' },
    strip: { type: 'boolean', default: false },
    'opt-level': { type: 'string', default: '2' },
    'min-stack-size': { type: 'string' },
  },
  run(values, positionals) {
    const input = positionals[0];
    if (input === undefined) throw new UsageError('missing input IN.elf');
    if (positionals.length > 1) throw new UsageError(`unexpected argument '${positionals[1]}'`);
    const output = values['output'];
    if (typeof output !== 'string') throw new UsageError('missing -o OUT');
    const minStack = values['min-stack-size'];
    const options: LinkOptions = {
      isa: parseChoice(String(values['isa']), ISAS, '--isa'),
      strip: values['strip'] === true,
      optLevel: Number(parseChoice(String(values['opt-level']), OPT_LEVELS, '--opt-level')) as 0 | 1 | 2,
      ...(typeof minStack === 'string' ? { minStackSize: parseU32(minStack, '--min-stack-size') } : {}),
    };
    let elf: Uint8Array;
    try {
      elf = readFileSync(input);
    } catch (error) {
      throw new UsageError(`cannot read '${input}': ${(error as Error).message}`);
    }
    const { bytes } = link(elf, options);
    writeFileSync(output, bytes);
    process.stdout.write(`wrote ${output} (${bytes.length} bytes)\n`);
    return 0;
  },
};
