/** `polkavm conformance DIR`: run every JAM PVM test vector (JSON) in a directory. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseJson } from '../../conformance/json.js';
import { runJamVector, type VectorOptions } from '../../conformance/jam-vectors.js';
import { parseChoice, UsageError } from '../args.js';
import type { Command } from '../command.js';

export const conformanceCommand: Command = {
  name: 'conformance',
  summary: 'run the JAM PVM test vectors in a directory',
  usage: `Usage: polkavm conformance DIR [options]

Runs every *.json test vector in DIR (v0.4 flat format or v0.5 multi-step format) and ends with a line
'N passed, M failed'.

Options:
  --backend interpreter|compiler
                 the backend to run the vectors on (default interpreter)
  --no-gas       do not check gas assertions and block costs
  --verbose      list every vector, not only failures
  -h, --help     show this help`,
  options: {
    backend: { type: 'string', default: 'interpreter' },
    'no-gas': { type: 'boolean', default: false },
    verbose: { type: 'boolean', default: false },
  },
  run(values, positionals) {
    const dir = positionals[0];
    if (dir === undefined) throw new UsageError('missing DIR');
    let files: string[];
    try {
      files = readdirSync(dir)
        .filter((name) => name.endsWith('.json') && statSync(join(dir, name)).isFile())
        .sort();
    } catch (error) {
      throw new UsageError(`cannot read directory '${dir}': ${(error as Error).message}`);
    }
    const backend = parseChoice(String(values['backend']), ['interpreter', 'compiler'] as const, '--backend');
    const options: VectorOptions = { checkGas: values['no-gas'] !== true, backend };
    let passed = 0;
    let failed = 0;
    let gasChecks = 0;
    let gasSkipped = 0;
    for (const file of files) {
      let failures: readonly string[];
      try {
        const result = runJamVector(parseJson(readFileSync(join(dir, file), 'utf8')), options);
        failures = result.failures;
        gasChecks += result.gasChecks;
        gasSkipped += result.gasChecksSkipped;
      } catch (error) {
        failures = [`error: ${(error as Error).message}`];
      }
      if (failures.length === 0) {
        passed++;
        if (values['verbose'] === true) process.stdout.write(`ok   ${file}\n`);
      } else {
        failed++;
        process.stdout.write(`FAIL ${file}\n${failures.map((f) => `     ${f}\n`).join('')}`);
      }
    }
    if (gasChecks + gasSkipped > 0) {
      const why = values['no-gas'] === true ? ' (--no-gas)' : '';
      process.stdout.write(`gas: ${gasChecks} checks compared, ${gasSkipped} skipped${why}\n`);
    }
    process.stdout.write(`${passed} passed, ${failed} failed\n`);
    return failed === 0 ? 0 : 1;
  },
};
