import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { link } from '../../src/linker/index.js';
import { Engine } from '../../src/api/engine.js';
import { Module } from '../../src/api/module.js';
import { Linker } from '../../src/api/linker.js';
import { defineDoomHost } from '../../bench/doom-host.js';

// End-to-end: link the reference's Doom ELFs and render frame 120 (local only: the ELFs and the WAD are other
// people's files, and this takes a minute). Enable with POLKAVM_LINKER_DOOM=1.
const ELF_DIR = process.env['POLKAVM_DOOM_ELF_DIR'] ?? '/work/ref/polkavm/test-data';
const WAD = process.env['POLKAVM_DOOM_WAD'] ?? '/work/testdata/doom1.wad';
const FRAME_120_FNV1A64 = 0x7a1cfa395596e375n;

function skipReason(file: string): string | false {
  if (process.env['POLKAVM_LINKER_DOOM'] !== '1') return 'set POLKAVM_LINKER_DOOM=1 to link and run Doom';
  if (!existsSync(`${ELF_DIR}/${file}`) || !existsSync(WAD)) return `needs ${ELF_DIR}/${file} and ${WAD}`;
  if (spawnSync('zstd', ['--version']).status !== 0) return 'needs the zstd tool';
  return false;
}

function frame120(elf: Uint8Array): bigint {
  const wad = readFileSync(WAD);
  const module = Module.fromBlob(new Engine(), link(elf).bytes, { pageSize: 0x4000 });
  let frame: Uint8Array | null = null;
  const instance = defineDoomHost(new Linker(), wad, (read) => {
    frame = read();
  }).instantiate(module);
  instance.call('ext_initialize');
  for (let tick = 0; tick <= 120; tick++) instance.call('ext_tick');
  assert.ok(frame !== null);
  let hash = 0xcbf29ce484222325n;
  for (const byte of frame as Uint8Array) hash = BigInt.asUintN(64, (hash ^ BigInt(byte)) * 0x100000001b3n);
  return hash;
}

for (const file of ['doom_O3_dwarf2.elf.zst', 'doom_O1_dwarf5.elf.zst', 'doom_64.elf.zst']) {
  test(`${file}: the linked program renders the reference's frame 120`, { skip: skipReason(file), timeout: 600_000 }, () => {
    const elf = spawnSync('zstd', ['-d', '-c', `${ELF_DIR}/${file}`], { maxBuffer: 1 << 30 }).stdout;
    assert.equal(frame120(elf), FRAME_120_FNV1A64);
  });
}
