/** The shape of a CLI subcommand. */
import type { ParseArgsConfig } from 'node:util';

export interface Command {
  readonly name: string;
  /** One line for the command list. */
  readonly summary: string;
  /** Full usage text shown by `--help`. */
  readonly usage: string;
  readonly options: NonNullable<ParseArgsConfig['options']>;
  /** Runs the command; returns the process exit code. */
  run(values: Record<string, string | boolean | undefined>, positionals: string[]): Promise<number> | number;
}
