// Compiles sources and tests, then runs every test file with Node's built-in test runner. The VM behaviour suites
// run once per backend (POLKAVM_TEST_BACKEND selects it; see test/helpers/backend.ts).
import { spawnSync } from 'node:child_process';
import { readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

const run = (cmd, args) => {
  const result = spawnSync(cmd, args, { stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
};

// The toolchain tests (linker, guest rebuild) need clang-19/lld-19: install them when missing. Without them (no
// apt-get, no permission) those tests are reported as skipped, never as passed.
if (spawnSync('bash', ['scripts/install-toolchain.sh'], { stdio: 'inherit' }).status !== 0) {
  console.warn('warning: clang-19/lld-19 are not available; the toolchain tests will be skipped');
}

// A clean build: tests renamed or deleted since the last build must not run from stale output.
rmSync('build', { recursive: true, force: true });
run(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.test.json']);

const files = [];
const walk = (dir) => {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (name.endsWith('.test.js')) files.push(path);
  }
};
walk('build/test');
const filter = process.argv.slice(2);
const selected = filter.length ? files.filter((f) => filter.some((x) => f.includes(x))) : files;
/** Suites whose expectations must hold on every backend. */
const BACKEND_SUITES = ['build/test/vm/', 'build/test/api/', 'build/test/examples/', 'build/test/guest/', 'build/test/conformance/'];
const onCompiler = selected.filter((f) => BACKEND_SUITES.some((suite) => f.startsWith(suite)));
const failures = [];
const runSuite = (label, list, backend, env = {}) => {
  if (list.length === 0) return;
  console.log(`\n# ${label} (backend: ${backend})`);
  const result = spawnSync(process.execPath, ['--test', '--test-reporter=spec', ...list], {
    stdio: 'inherit',
    env: { ...process.env, ...env, POLKAVM_TEST_BACKEND: backend },
  });
  if (result.status !== 0) failures.push(`${label} on ${backend}`);
};
runSuite('all tests', selected, 'interpreter');
runSuite('VM behaviour suites', onCompiler, 'compiler');
// Once more translating lazily, a chunk per ~3 blocks (the default chunk is 16 KiB, far above most test programs).
runSuite('VM behaviour suites, lazy translation in 8-byte chunks', onCompiler, 'compiler', { POLKAVM_TEST_LAZY_CHUNK_BYTES: '8' });
if (failures.length > 0) {
  console.error(`\nFailed: ${failures.join(', ')}`);
  process.exit(1);
}
