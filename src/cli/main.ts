#!/usr/bin/env node
/** The `polkavm` command-line tool: run, inspect and test PolkaVM programs. */
import { parseArgs } from 'node:util';
import { PolkaVMError } from '../errors.js';
import { UsageError } from './args.js';
import type { Command } from './command.js';
import { asmCommand } from './commands/asm.js';
import { conformanceCommand } from './commands/conformance.js';
import { disasmCommand } from './commands/disasm.js';
import { linkCommand } from './commands/link.js';
import { runCommand } from './commands/run.js';
import { statsCommand } from './commands/stats.js';

const COMMANDS: readonly Command[] = [runCommand, disasmCommand, asmCommand, linkCommand, statsCommand, conformanceCommand];

function globalUsage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'Usage: polkavm COMMAND [options]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    "Run 'polkavm COMMAND --help' for a command's options.",
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${globalUsage()}\n`);
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (command === undefined) {
    process.stderr.write(`polkavm: unknown command '${name}'\n\n${globalUsage()}\n`);
    return 2;
  }
  try {
    const { values, positionals } = parseArgs({
      args: rest,
      options: { ...command.options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
    if (values['help'] === true) {
      process.stdout.write(`${command.usage}\n`);
      return 0;
    }
    return await command.run(values as Record<string, string | boolean | undefined>, positionals);
  } catch (error) {
    if (error instanceof UsageError || (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS'))) {
      process.stderr.write(`polkavm ${name}: ${error.message}\n\n${command.usage}\n`);
      return 2;
    }
    if (error instanceof PolkaVMError) {
      process.stderr.write(`polkavm ${name}: ${error.name}: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`polkavm: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 70;
  },
);
