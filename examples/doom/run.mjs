#!/usr/bin/env node
// Runs the reference doom.polkavm (32-bit, page size 0x4000) headless: ext_initialize, then ext_tick N times.
// Prints an FNV-1a 64 checksum of the last frame (the raw width×height×4 bytes the guest wrote) and the mean
// milliseconds per tick. Neither the blob nor the WAD ships with this repository: pass their paths.
//
//   node examples/doom/run.mjs ROM WAD --frames N [--backend interpreter|compiler] [--out frame.ppm|frame.png]
import { readFileSync, writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';
import { parseArgs } from 'node:util';
import { Engine, Linker, Module } from 'polkavm-ts';

const usage = 'usage: node examples/doom/run.mjs ROM WAD --frames N [--backend interpreter|compiler] [--out frame.ppm|frame.png]';
let args;
try {
  args = parseArgs({
    allowPositionals: true,
    options: {
      frames: { type: 'string', default: '1' },
      backend: { type: 'string', default: 'interpreter' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
} catch (error) {
  console.error(`${error.message}\n${usage}`);
  process.exit(2);
}
const { values, positionals } = args;
if (values.help || positionals.length !== 2) {
  console.error(usage);
  process.exit(values.help ? 0 : 2);
}
const frames = Number(values.frames);
if (!Number.isInteger(frames) || frames < 1) {
  console.error(`--frames must be a positive integer\n${usage}`);
  process.exit(2);
}
const [romPath, wadPath] = positionals;
const rom = readFileSync(romPath);
const wad = readFileSync(wadPath);

const module = Module.fromBlob(new Engine({ backend: values.backend }), rom, { pageSize: 0x4000 });
let frame = null;
let width = 0;
let height = 0;
const linker = new Linker()
  .define('ext_output_video', (caller, address, w, h) => {
    width = Number(w);
    height = Number(h);
    frame = caller.readMemory(Number(address), width * height * 4);
  })
  .define('ext_output_audio', () => {})
  .define('ext_rom_size', () => BigInt(wad.length))
  .define('ext_rom_read', (caller, pointer, offset, length) => {
    const start = Number(offset);
    const end = start + Number(length);
    if (end > wad.length) throw new Error(`ROM read out of range: ${start}..${end}`);
    caller.writeMemory(Number(pointer), wad.subarray(start, end));
  })
  .define('ext_stdout', (_caller, _buffer, length) => length);
const instance = linker.instantiate(module);

instance.call('ext_initialize');
const started = performance.now();
for (let tick = 0; tick < frames; tick++) instance.call('ext_tick');
const elapsed = performance.now() - started;

if (frame === null) {
  console.error('the guest produced no frame');
  process.exit(1);
}
let hash = 0xcbf29ce484222325n;
for (const byte of frame) hash = BigInt.asUintN(64, (hash ^ BigInt(byte)) * 0x100000001b3n);
console.log(`frame ${frames - 1} fnv1a64=0x${hash.toString(16).padStart(16, '0')}`);
console.log(`mean ${(elapsed / frames).toFixed(2)} ms per tick (${frames} ticks, ${width}x${height}, ${values.backend})`);

if (values.out !== undefined) {
  // The guest writes B, G, R, X per pixel.
  const rgb = Buffer.alloc(width * height * 3);
  for (let i = 0; i < width * height; i++) {
    rgb[3 * i] = frame[4 * i + 2];
    rgb[3 * i + 1] = frame[4 * i + 1];
    rgb[3 * i + 2] = frame[4 * i];
  }
  writeFileSync(values.out, values.out.endsWith('.png') ? png(rgb, width, height) : ppm(rgb, width, height));
  console.log(`wrote ${values.out}`);
}

function ppm(rgb, w, h) {
  return Buffer.concat([Buffer.from(`P6\n${w} ${h}\n255\n`), rgb]);
}

function png(rgb, w, h) {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (bytes) => {
    let c = 0xffffffff;
    for (const b of bytes) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type, data) => {
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    out.write(type, 4, 'latin1');
    data.copy(out, 8);
    out.writeUInt32BE(crc(out.subarray(4, 8 + data.length)), 8 + data.length);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(w, 0);
  header.writeUInt32BE(h, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  const rows = Buffer.alloc((w * 3 + 1) * h);
  for (let y = 0; y < h; y++) rgb.copy(rows, y * (w * 3 + 1) + 1, y * w * 3, (y + 1) * w * 3);
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, chunk('IHDR', header), chunk('IDAT', deflateSync(rows)), chunk('IEND', Buffer.alloc(0))]);
}
