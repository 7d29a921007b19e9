/**
 * The backend the VM behaviour suites run on. scripts/test.mjs runs those suites once per backend, selecting the
 * backend with `POLKAVM_TEST_BACKEND`, so every behavioural expectation holds for the interpreter and the compiler;
 * and once more on the compiler with lazy translation in tiny chunks (`POLKAVM_TEST_LAZY_CHUNK_BYTES`), so that
 * it holds when every few blocks are translated on their own.
 */
import { type BackendKind, Engine } from '../../src/api/engine.js';

export const TEST_BACKEND: BackendKind = process.env['POLKAVM_TEST_BACKEND'] === 'compiler' ? 'compiler' : 'interpreter';

/** Lazy translation's chunk size in bytes of code, when set (compiler only). */
const LAZY_CHUNK_BYTES = process.env['POLKAVM_TEST_LAZY_CHUNK_BYTES'] === undefined ? null : Number(process.env['POLKAVM_TEST_LAZY_CHUNK_BYTES']);

/** A new engine using {@link TEST_BACKEND}. */
export function testEngine(): Engine {
  if (LAZY_CHUNK_BYTES !== null) return new Engine({ backend: TEST_BACKEND, translation: 'lazy', lazyChunkBytes: LAZY_CHUNK_BYTES });
  return new Engine({ backend: TEST_BACKEND });
}
