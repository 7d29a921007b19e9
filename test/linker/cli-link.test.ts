import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GuestBuilder, rv, X } from './helpers/guest.js';
import { ProgramBlob } from '../../src/program/program-blob.js';

const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const polkavm = (...args: string[]): { status: number | null; stdout: string; stderr: string } => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });

function withTempDir(body: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'polkavm-link-cli-'));
  try {
    body(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function sampleElf(): Uint8Array {
  const g = new GuestBuilder(true);
  g.label('add').emit(rv.add(X.a0, X.a0, X.a1), rv.ret()).export('add', 'add', 2, 1);
  return g.build();
}

test('polkavm link writes a program that polkavm run executes', () => {
  withTempDir((dir) => {
    writeFileSync(join(dir, 'in.elf'), sampleElf());
    const out = join(dir, 'out.polkavm');
    const linked = polkavm('link', join(dir, 'in.elf'), '-o', out, '--strip', '--opt-level', '1', '--min-stack-size', '65536', '--isa', 'jam_v1');
    assert.equal(linked.status, 0, linked.stderr);
    assert.match(linked.stdout, /wrote .*out\.polkavm \(\d+ bytes\)/);
    const blob = ProgramBlob.parse(readFileSync(out));
    assert.equal(blob.isa.kind, 'jam_v1');
    assert.equal(blob.stackSize, 65536);
    const ran = polkavm('run', out, '--export', 'add', '--args', '40,2');
    assert.equal(ran.status, 0, ran.stderr);
    assert.match(ran.stdout, /finished, a0: 42/);
  });
});

test('polkavm link --help documents the options', () => {
  const help = polkavm('link', '--help');
  assert.equal(help.status, 0);
  for (const option of ['-o, --output', '--isa latest|jam_v1|revive_v1', '--strip', '--opt-level 0|1|2', '--min-stack-size N']) assert.ok(help.stdout.includes(option), option);
});

test('polkavm link reports usage errors (exit 2) and bad input (exit 1)', () => {
  withTempDir((dir) => {
    writeFileSync(join(dir, 'in.elf'), sampleElf());
    writeFileSync(join(dir, 'bad.elf'), Uint8Array.of(1, 2, 3));
    assert.equal(polkavm('link', join(dir, 'in.elf')).status, 2); // no -o
    assert.equal(polkavm('link', join(dir, 'in.elf'), '-o', join(dir, 'x'), '--opt-level', '3').status, 2);
    assert.equal(polkavm('link', join(dir, 'in.elf'), '-o', join(dir, 'x'), '--isa', 'latest64').status, 2);
    assert.equal(polkavm('link', join(dir, 'missing.elf'), '-o', join(dir, 'x')).status, 2);
    const bad = polkavm('link', join(dir, 'bad.elf'), '-o', join(dir, 'x'));
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /ElfLinkError: not an ELF file/);
  });
});
