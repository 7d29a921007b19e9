/**
 * Byte-distinct copies of a program for load-time measurements. V8 keeps the compiled code of a WebAssembly module
 * and reuses it when byte-identical wire bytes are compiled again while it is alive, so loading one program several
 * times would time cache hits. A variant has the same code with a larger RW data size (by `n` × 64 KiB), which
 * changes the memory the translation imports and nothing else the compiler does.
 */
import { ProgramBlob } from '../src/program/program-blob.js';

export function variant(blob: ProgramBlob, n: number): Uint8Array {
  return ProgramBlob.fromParts({
    isa: blob.isa,
    roDataSize: blob.roDataSize,
    rwDataSize: blob.rwDataSize + n * 0x10000,
    stackSize: blob.stackSize,
    roData: blob.roData,
    rwData: blob.rwData,
    imports: blob.imports,
    exports: blob.exports,
    jumpTable: blob.jumpTable,
    code: blob.code,
    bitmask: blob.bitmask,
    customSections: blob.customSections,
  }).toBytes();
}
