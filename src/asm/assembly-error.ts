/** The error type of the assembler. */
import { PolkaVMError } from '../errors.js';

/** Assembly source could not be assembled; `line` and `column` (both 1-based) locate the problem. */
export class AssemblyError extends PolkaVMError {
  override name = 'AssemblyError';
  constructor(
    /** What is wrong, without the location prefix. */
    readonly reason: string,
    /** 1-based line number in the source. */
    readonly line: number,
    /** 1-based column in the source. */
    readonly column: number,
  ) {
    super(`line ${line}, column ${column}: ${reason}`);
  }
}
