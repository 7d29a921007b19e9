/**
 * The engine: process-wide settings shared by modules (which backend executes guest code).
 */
import { InvalidArgumentError } from '../errors.js';

/** Which backend executes guest code. */
export type BackendKind = 'interpreter' | 'compiler';

export interface EngineOptions {
  /** Defaults to `'interpreter'`. */
  backend?: BackendKind;
}

export class Engine {
  readonly backend: BackendKind;

  constructor(options: EngineOptions = {}) {
    const backend = options.backend ?? 'interpreter';
    if (backend === 'compiler') {
      throw new InvalidArgumentError("the 'compiler' backend is not available yet; use 'interpreter'");
    }
    if (backend !== 'interpreter') {
      throw new InvalidArgumentError(`unknown backend '${String(backend)}' (expected 'interpreter' or 'compiler')`);
    }
    this.backend = backend;
  }
}
