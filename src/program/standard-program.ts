/**
 * The JAM standard program (SPI), Gray Paper "standard program initialization":
 *
 * `E_3(|o|) ++ E_3(|w|) ++ E_2(z) ++ E_3(s) ++ o ++ w ++ E_4(|c|) ++ c`
 *
 * with read-only data `o`, read-write data `w`, `z` extra zero pages after the RW data (heap), stack size `s`, and
 * `c` a JAM code blob (jump table + code + bitmask). Lengths are fixed-width little-endian; the blob must be
 * consumed exactly.
 */
import { ProgramParseError } from '../errors.js';
import { ByteReader } from './byte-reader.js';

/** Gray Paper constants: page size, zone size and the size of the argument (input) zone. */
export const JAM_PAGE_SIZE = 1 << 12;
export const JAM_ZONE_SIZE = 1 << 16;
export const JAM_INPUT_SIZE = 1 << 24;

/** A parsed standard program. */
export interface StandardProgram {
  readonly roData: Uint8Array;
  readonly rwData: Uint8Array;
  /** Extra zero pages appended to the RW data (heap). */
  readonly heapPages: number;
  readonly stackSize: number;
  /** The JAM code blob (see `parseCodeAndJumpTable`). */
  readonly code: Uint8Array;
}

/** A region of the initial memory. */
export interface StandardRegion {
  readonly address: number;
  /** Accessible size (whole pages). */
  readonly size: number;
  readonly writable: boolean;
  /** Initial contents of the region's first bytes (the rest is zero). */
  readonly data: Uint8Array;
}

/** Initial memory and registers of a standard program invoked with some arguments. */
export interface StandardLayout {
  readonly ro: StandardRegion;
  readonly rw: StandardRegion;
  readonly stack: StandardRegion;
  readonly args: StandardRegion;
  /** Initial values of the 13 registers. */
  readonly registers: readonly bigint[];
}

function fixedWidth(reader: ByteReader, bytes: number): number {
  const slice = reader.readSlice(bytes);
  let value = 0;
  for (let i = 0; i < bytes; i++) value += slice[i]! * 2 ** (8 * i);
  return value;
}

const pages = (x: number): number => Math.ceil(x / JAM_PAGE_SIZE) * JAM_PAGE_SIZE;
const zones = (x: number): number => Math.ceil(x / JAM_ZONE_SIZE) * JAM_ZONE_SIZE;

/** Parses a standard program; throws {@link ProgramParseError} if it does not decompose exactly. */
export function parseStandardProgram(bytes: Uint8Array): StandardProgram {
  const reader = new ByteReader(bytes);
  const roLength = fixedWidth(reader, 3);
  const rwLength = fixedWidth(reader, 3);
  const heapPages = fixedWidth(reader, 2);
  const stackSize = fixedWidth(reader, 3);
  const roData = reader.readSlice(roLength);
  const rwData = reader.readSlice(rwLength);
  const codeLength = fixedWidth(reader, 4);
  const code = reader.readSlice(codeLength);
  if (reader.remaining !== 0) {
    throw new ProgramParseError('Other', reader.position, `${reader.remaining} trailing byte(s) after the code blob`);
  }
  return { roData, rwData, heapPages, stackSize, code };
}

/**
 * Splits a JAM service code preimage, `E(|m|) ++ m ++ p` (a length-prefixed metadata blob followed by the standard
 * program), into its parts. The length uses the JAM natural-number encoding.
 */
export function splitServiceCode(bytes: Uint8Array): { metadata: Uint8Array; program: Uint8Array } {
  if (bytes.length === 0) throw new ProgramParseError('UnexpectedEnd', 0, 'empty service code');
  const first = bytes[0]!;
  const extra = first === 0xff ? 8 : Math.clz32(~first << 24);
  if (1 + extra > bytes.length) throw new ProgramParseError('UnexpectedEnd', 0, 'truncated metadata length');
  let tail = 0n;
  for (let i = 0; i < extra; i++) tail |= BigInt(bytes[1 + i]!) << BigInt(8 * i);
  const high = first === 0xff ? 0n : BigInt(first & (0xff >> extra));
  const length = (high << BigInt(8 * extra)) | tail;
  const start = 1 + extra;
  if (length > BigInt(bytes.length - start)) {
    throw new ProgramParseError('UnexpectedEnd', start, `metadata of ${length} bytes does not fit`);
  }
  const end = start + Number(length);
  return { metadata: bytes.subarray(start, end), program: bytes.subarray(end) };
}

/**
 * The initial memory and registers for running `program` with `args`, or a {@link ProgramParseError} if it does
 * not fit in the address space (`5·Z_Z + Z(|o|) + Z(|w| + z·Z_P) + Z(s) + Z_I > 2^32`) or the arguments are
 * larger than the input zone.
 */
export function standardProgramLayout(program: StandardProgram, args: Uint8Array): StandardLayout {
  const rwSize = pages(program.rwData.length) + program.heapPages * JAM_PAGE_SIZE;
  const total = 5 * JAM_ZONE_SIZE + zones(program.roData.length) + zones(rwSize) + zones(program.stackSize) + JAM_INPUT_SIZE;
  if (total > 2 ** 32) throw new ProgramParseError('Other', 0, 'the standard program does not fit in the address space');
  if (args.length > JAM_INPUT_SIZE) throw new ProgramParseError('Other', 0, `arguments larger than ${JAM_INPUT_SIZE} bytes`);

  const stackTop = 2 ** 32 - 2 * JAM_ZONE_SIZE - JAM_INPUT_SIZE;
  const argsAddress = 2 ** 32 - JAM_ZONE_SIZE - JAM_INPUT_SIZE;
  const registers = new Array<bigint>(13).fill(0n);
  registers[0] = 0xffff0000n;
  registers[1] = BigInt(stackTop);
  registers[7] = BigInt(argsAddress);
  registers[8] = BigInt(args.length);
  return {
    ro: { address: JAM_ZONE_SIZE, size: pages(program.roData.length), writable: false, data: program.roData },
    rw: { address: 2 * JAM_ZONE_SIZE + zones(program.roData.length), size: rwSize, writable: true, data: program.rwData },
    stack: { address: stackTop - pages(program.stackSize), size: pages(program.stackSize), writable: true, data: new Uint8Array(0) },
    args: { address: argsAddress, size: pages(args.length), writable: false, data: args },
    registers,
  };
}
