/** `polkavm run`: call an export of a program and print the exit status, a0 and gas. */
import { Engine } from '../../api/engine.js';
import { Module } from '../../api/module.js';
import { OutOfGasError, TrapError } from '../../errors.js';
import { parseBigInt, parseChoice, parseList, parseU32, UsageError } from '../args.js';
import type { Command } from '../command.js';
import { cliLinker } from '../host.js';
import { readProgramFile } from '../load.js';
import { describeSourceLocation } from '../../program/debug-info.js';

export const runCommand: Command = {
  name: 'run',
  summary: 'call an exported function of a .polkavm program',
  usage: `Usage: polkavm run FILE --export NAME [options]

Calls NAME with the given arguments and prints the exit status, a0 and the remaining gas. When the program
traps and carries debug information (see 'polkavm link'), the source location of the trap is printed too.

Options:
  --export NAME                 export to call (required)
  --args A,B,...                up to 9 integer arguments (decimal or 0x hex)
  --backend interpreter|compiler
  --gas N                       initial gas (enables metering; default metering: sync)
  --gas-metering sync|async     gas metering mode
  --page-size N                 page size (default 0x1000)
  --import NAME=VALUE           define an import returning a constant (repeatable)
  --allow-missing-imports       instantiate even if imports are missing (calling one traps)
  --json                        print the result as JSON
  -h, --help                    show this help

Host functions provided: ext_stdout(pointer, length) writes guest memory to standard output.`,
  options: {
    export: { type: 'string' },
    args: { type: 'string', default: '' },
    backend: { type: 'string', default: 'interpreter' },
    gas: { type: 'string' },
    'gas-metering': { type: 'string' },
    'page-size': { type: 'string', default: '0x1000' },
    import: { type: 'string', multiple: true },
    'allow-missing-imports': { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  },
  run(values, positionals) {
    const exportName = values['export'];
    if (typeof exportName !== 'string') throw new UsageError('missing --export NAME');
    const blob = readProgramFile(positionals[0]);
    const backend = parseChoice(String(values['backend']), ['interpreter', 'compiler'] as const, '--backend');
    const gasText = values['gas'];
    const meteringText = values['gas-metering'];
    const gasMetering =
      typeof meteringText === 'string'
        ? parseChoice(meteringText, ['sync', 'async'] as const, '--gas-metering')
        : typeof gasText === 'string'
          ? 'sync'
          : null;
    const module = Module.fromBlob(new Engine({ backend }), blob, {
      pageSize: parseU32(String(values['page-size']), '--page-size'),
      gasMetering,
    });
    const json = values['json'] === true;
    const output: Uint8Array[] = [];
    const linker = cliLinker({
      constants: (values['import'] as unknown as string[] | undefined) ?? [],
      allowMissing: values['allow-missing-imports'] === true,
      write: (bytes) => (json ? output.push(bytes) : process.stdout.write(bytes)),
    });
    const instance = linker.instantiate(module);
    if (typeof gasText === 'string') instance.setGas(parseBigInt(gasText, '--gas'));

    let status = 'finished';
    let a0: bigint | null = null;
    try {
      a0 = instance.call(exportName, parseList(String(values['args']), '--args'));
    } catch (error) {
      if (error instanceof TrapError) status = 'trap';
      else if (error instanceof OutOfGasError) status = 'out-of-gas';
      else throw error;
    }
    const gas = gasMetering === null ? null : instance.gas;
    const pc = instance.programCounter;
    // With debug information in the blob, say where in the source the program stopped.
    const location = status !== 'finished' && pc !== null ? describeSourceLocation(blob, pc) : null;
    if (json) {
      const stdout = Buffer.concat(output).toString('utf8');
      const result = { status, a0: a0?.toString() ?? null, gas: gas?.toString() ?? null, pc, location, stdout };
      process.stdout.write(`${JSON.stringify(result)}\n`);
    } else {
      const parts = [`status: ${status}`];
      if (a0 !== null) parts.push(`a0: ${a0}`);
      if (status !== 'finished' && pc !== null) parts.push(`pc: ${pc}`);
      if (gas !== null) parts.push(`gas: ${gas}`);
      process.stdout.write(`${parts.join(', ')}\n`);
      if (location !== null) process.stdout.write(`  at ${location}\n`);
    }
    return status === 'finished' ? 0 : 1;
  },
};
