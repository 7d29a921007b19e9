/**
 * Doom's host functions (the reference `doom.polkavm`'s imports), shared by the Doom benchmarks (bench/doom.ts,
 * bench/against.ts) and the linker's end-to-end Doom test. examples/doom/run.mjs keeps its own copy: an example
 * reads on its own.
 */
import type { Linker } from '../src/api/linker.js';

/**
 * Defines Doom's host functions on `linker`: the WAD as its ROM, output dropped except that `onFrame` may read
 * each video frame (RGBA) through the function it is given.
 */
export function defineDoomHost(linker: Linker, wad: Uint8Array, onFrame: (read: () => Uint8Array) => void = () => {}): Linker {
  return linker
    .define('ext_output_video', (caller, address, width, height) => onFrame(() => caller.readMemory(Number(address), Number(width * height * 4n))))
    .define('ext_output_audio', () => {})
    .define('ext_rom_size', () => BigInt(wad.length))
    .define('ext_rom_read', (caller, pointer, offset, length) => {
      caller.writeMemory(Number(pointer), wad.subarray(Number(offset), Number(offset) + Number(length)));
    })
    .define('ext_stdout', (_caller, _buffer, length) => length);
}
