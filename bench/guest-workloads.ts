/**
 * The guest benchmark workloads: which export of which guest program runs with which arguments, how its result is
 * printed (exactly as the native driver in bench/native/ prints it, so the two can be compared), and the host
 * functions the guests import. Sizes are chosen so that one run takes roughly 50-300 ms on the compiler backend.
 */
import { type Instance, Linker } from '../src/api/linker.js';

export type Target = 'rv64' | 'rv32';
export const TARGETS: readonly Target[] = ['rv64', 'rv32'];

export interface GuestWorkload {
  /** The guest program: its source directory guest/NAME/ and its blobs NAME-TARGET-O2.polkavm. */
  readonly program: string;
  readonly exportName: string;
  readonly args: readonly number[];
  /** The call's result, as text. */
  readonly result: (instance: Instance, a0: bigint) => string;
}

const MASK32 = 0xffffffffn;
const decimal = (_instance: Instance, a0: bigint): string => String(a0 & MASK32);
const hex32 = (_instance: Instance, a0: bigint): string => `0x${(a0 & MASK32).toString(16).padStart(8, '0')}`;
const hex16 = (_instance: Instance, a0: bigint): string => `0x${(a0 & MASK32).toString(16).padStart(4, '0')}`;
/** The 32-byte digest that sha256_pattern returns the address of, in hex. */
const digest = (instance: Instance, a0: bigint): string => Buffer.from(instance.readMemory(Number(a0 & MASK32), 32)).toString('hex');

/** The CPU-bound guests of guest/, compiled from this repository's sources. */
export const GUEST_WORKLOADS: readonly GuestWorkload[] = [
  { program: 'sieve', exportName: 'count_primes', args: [30_000_000], result: decimal },
  { program: 'sha256', exportName: 'sha256_pattern', args: [4_000_000], result: digest },
  { program: 'sort', exportName: 'sort_checksum', args: [1_000_000, 1], result: hex32 },
  { program: 'nqueens', exportName: 'nqueens', args: [12], result: decimal },
  { program: 'mandelbrot', exportName: 'render', args: [640, 400, 256], result: hex32 },
];

/** EEMBC CoreMark's standard performance run (seeds 0, 0, 0x66; 2000 iterations); the result is crcfinal. */
export const COREMARK_WORKLOAD: GuestWorkload = { program: 'coremark', exportName: 'run', args: [0, 0, 0x66, 2000], result: hex16 };

export function describe(workload: GuestWorkload): string {
  return `${workload.exportName}(${workload.args.join(', ')})`;
}

/**
 * A linker with every host function the guests import, doing as little as possible (the native drivers' stubs do
 * the same): output is dropped, and CoreMark's clock advances 10 s per reading so that it counts every run as
 * long enough to be valid. They are defined on `linker` (another build's, to compare builds).
 */
export function guestLinker(linker: Linker = new Linker()): Linker {
  let clock = 0;
  return linker
    .define('ext_stdout', (_caller, _pointer, length) => length)
    .define('ext_framebuffer', () => {})
    .define('ext_clock_ms', () => {
      const now = clock;
      clock += 10_000;
      return now;
    });
}
