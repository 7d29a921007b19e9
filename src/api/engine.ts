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

/**
 * When the compiler translates guest code: all of it when the module is first instantiated (`'eager'`), or each
 * part when it first runs (`'lazy'`: instances are ready after a quick analysis pass, and code that never runs is
 * never translated). `'auto'` is lazy for programs of {@link LAZY_TRANSLATION_THRESHOLD} bytes of code or more.
 */
export type TranslationKind = 'auto' | 'eager' | 'lazy';

/** Code size from which `translation: 'auto'` translates lazily. */
export const LAZY_TRANSLATION_THRESHOLD = 128 * 1024;

export interface EngineOptions {
  /** Defaults to `'interpreter'`. */
  backend?: BackendKind;
  /** Compiler backend: when guest code is translated. Defaults to `'auto'`. */
  translation?: TranslationKind;
  /**
   * Compiler backend, lazy translation: guest code bytes translated together (one WebAssembly module per such
   * chunk of consecutive code). Defaults to 16 KiB; small values are for testing.
   */
  lazyChunkBytes?: number;
}

export class Engine {
  readonly backend: BackendKind;
  readonly translation: TranslationKind;
  readonly lazyChunkBytes: number;

  constructor(options: EngineOptions = {}) {
    const backend = options.backend ?? 'interpreter';
    if (backend !== 'interpreter' && backend !== 'compiler') {
      throw new InvalidArgumentError(`unknown backend '${String(backend)}' (expected 'interpreter' or 'compiler')`);
    }
    const translation = options.translation ?? 'auto';
    if (translation !== 'auto' && translation !== 'eager' && translation !== 'lazy') {
      throw new InvalidArgumentError(`unknown translation '${String(translation)}' (expected 'auto', 'eager' or 'lazy')`);
    }
    const chunkBytes = options.lazyChunkBytes ?? 16 * 1024;
    if (!Number.isSafeInteger(chunkBytes) || chunkBytes < 1) {
      throw new InvalidArgumentError(`lazyChunkBytes must be a positive integer, got ${String(chunkBytes)}`);
    }
    this.backend = backend;
    this.translation = translation;
    this.lazyChunkBytes = chunkBytes;
  }

  /** @internal Bytes of guest code per lazily translated chunk for a program of `codeLength` bytes (0: eager). */
  lazyChunkBytesFor(codeLength: number): number {
    const lazy = this.translation === 'lazy' || (this.translation === 'auto' && codeLength >= LAZY_TRANSLATION_THRESHOLD);
    return lazy ? this.lazyChunkBytes : 0;
  }
}
