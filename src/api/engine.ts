/**
 * The engine: process-wide settings shared by modules (which backend executes guest code).
 */
import { InvalidArgumentError } from '../errors.js';

/**
 * Which backend executes guest code: the interpreter, or the compiler, which translates the program into
 * WebAssembly that the JavaScript engine compiles to native code (falling back to the interpreter for step
 * tracing).
 */
export type BackendKind = 'interpreter' | 'compiler';

export interface EngineOptions {
  /** Defaults to `'interpreter'`. */
  backend?: BackendKind;
}

export class Engine {
  readonly backend: BackendKind;

  constructor(options: EngineOptions = {}) {
    const backend = options.backend ?? 'interpreter';
    if (backend !== 'interpreter' && backend !== 'compiler') {
      throw new InvalidArgumentError(`unknown backend '${String(backend)}' (expected 'interpreter' or 'compiler')`);
    }
    this.backend = backend;
  }
}
