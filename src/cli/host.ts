/**
 * Host functions the `polkavm` CLI offers to guests it runs:
 * - `ext_stdout(pointer, length) -> length`: writes guest bytes to standard output;
 * - `--import NAME=VALUE`: an import that returns a constant.
 * Imports the CLI cannot provide fail instantiation, unless `--allow-missing-imports` makes them trap when called.
 */
import { Linker } from '../api/linker.js';
import { TrapError } from '../errors.js';
import { UsageError, parseBigInt } from './args.js';

export interface HostOptions {
  /** `NAME=VALUE` pairs. */
  constants: readonly string[];
  allowMissing: boolean;
  write: (bytes: Uint8Array) => void;
}

export function cliLinker(options: HostOptions): Linker {
  const linker = new Linker();
  linker.define('ext_stdout', (caller, pointer, length) => {
    options.write(caller.readMemory(Number(pointer & 0xffffffffn), Number(length & 0xffffffffn)));
    return length;
  });
  for (const pair of options.constants) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new UsageError(`--import expects NAME=VALUE, got '${pair}'`);
    const value = parseBigInt(pair.slice(at + 1), `--import ${pair.slice(0, at)}`);
    linker.define(pair.slice(0, at), () => value);
  }
  if (options.allowMissing) {
    linker.defineFallback((caller, hostcall) => {
      throw new TrapError(caller.programCounter, `the guest called import #${hostcall}, which the CLI does not provide`);
    });
  }
  return linker;
}
