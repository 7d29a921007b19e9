/**
 * The committed guest blobs are what guest/build.sh makes from the committed sources: rebuilding every guest with
 * clang-19/lld-19 and this project's linker reproduces guest/bin/ byte for byte.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TOOLCHAIN_MISSING } from '../linker/helpers/toolchain.js';
import { ALL_BLOBS, GUEST_BIN } from './guest-helpers.js';

test('rebuilding every guest from source reproduces the committed blobs exactly', { skip: TOOLCHAIN_MISSING, timeout: 600_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'polkavm-guest-rebuild-'));
  try {
    const result = spawnSync('bash', ['guest/build.sh'], {
      encoding: 'utf8',
      // The linker built with the tests (build/src), so the check follows the sources under test.
      env: { ...process.env, BUILD_DIR: join(dir, 'elf'), BIN_DIR: join(dir, 'bin'), POLKAVM_LINK: `${process.execPath} build/src/cli/main.js link`, SKIP_INSTALL: '1' },
    });
    assert.equal(result.status, 0, `guest/build.sh failed:\n${result.stderr}`);
    const differing = ALL_BLOBS.filter((path) => {
      const rebuilt = readFileSync(join(dir, 'bin', path.slice(GUEST_BIN.length + 1)));
      return !rebuilt.equals(readFileSync(path));
    });
    assert.deepEqual(differing, [], 'blobs that differ from a fresh build (run `npm run build:guests` and commit)');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
