/**
 * The backend the VM behaviour suites run on. scripts/test.mjs runs those suites once per backend, selecting the
 * backend with `POLKAVM_TEST_BACKEND`, so every behavioural expectation holds for the interpreter and the compiler.
 */
import { type BackendKind, Engine } from '../../src/api/engine.js';

export const TEST_BACKEND: BackendKind = process.env['POLKAVM_TEST_BACKEND'] === 'compiler' ? 'compiler' : 'interpreter';

/** A new engine using {@link TEST_BACKEND}. */
export function testEngine(): Engine {
  return new Engine({ backend: TEST_BACKEND });
}
