/**
 * A concrete differential test case: a program blob, the module options, and the host's script (calls with their
 * registers and gas, host actions). Everything the harness needs to replay a run exactly, with a JSON form so that
 * failing cases can be kept as regression tests.
 */
import type { CostModelName } from '../../src/gas/cost-models.js';

/** Instruction sets the fuzzer generates programs for. */
export type FuzzIsa = 'latest64' | 'latest32' | 'jam_v1';

export const FUZZ_ISAS: readonly FuzzIsa[] = ['latest64', 'latest32', 'jam_v1'];

/** Host operations performed before a call (and by host functions). */
export type HostAction =
  | { readonly kind: 'sbrk'; readonly size: number }
  | { readonly kind: 'write'; readonly address: number; readonly bytes: readonly number[] }
  | { readonly kind: 'zero'; readonly address: number; readonly length: number }
  | { readonly kind: 'aux'; readonly size: number }
  | { readonly kind: 'reset' }
  /** Dynamic paging: map zeroed pages, unmap them, change their protection, fill read-only pages. */
  | { readonly kind: 'map'; readonly address: number; readonly length: number; readonly writable: boolean }
  | { readonly kind: 'free'; readonly address: number; readonly length: number }
  | { readonly kind: 'protect'; readonly address: number; readonly length: number; readonly writable: boolean }
  | { readonly kind: 'write-unprotected'; readonly address: number; readonly bytes: readonly number[] };

export interface CaseOptions {
  readonly pageSize: number;
  readonly gasMetering: 'sync' | 'async' | null;
  readonly auxDataSize: number;
  readonly costModel: CostModelName;
  readonly validateJamCode: boolean;
  /** Memory starts empty and the host maps pages (segfaults are resolved by mapping the page). */
  readonly dynamicPaging: boolean;
  /** Compiler: translate lazily, in chunks of this many bytes of code (absent or 0: eagerly). */
  readonly lazyChunkBytes?: number;
}

export interface CaseCall {
  /** Program counter the call starts at (may be mid-block, mid-instruction or out of range). */
  readonly entry: number;
  /** Initial values of the 13 registers (u64). */
  readonly regs: readonly bigint[];
  /** Gas before the call (only used with gas metering). */
  readonly gas: bigint;
  /** Gas granted after each synchronous out-of-gas, in order; when exhausted the call ends. */
  readonly refills: readonly bigint[];
  /** Host actions performed before the call. */
  readonly before: readonly HostAction[];
}

export interface DifferentialCase {
  readonly isa: FuzzIsa;
  /** The serialized `.polkavm` blob. */
  readonly blob: Uint8Array;
  readonly options: CaseOptions;
  readonly calls: readonly CaseCall[];
  /** Code offsets a host function may redirect execution to (`setNextProgramCounter`). */
  readonly hostTargets: readonly number[];
  /** Independent program segments batched into the blob (each with its own calls); counts as that many cases. */
  readonly segments: number;
}

interface JsonCase {
  isa: FuzzIsa;
  blob: string;
  options: CaseOptions;
  calls: { entry: number; regs: string[]; gas: string; refills: string[]; before: HostAction[] }[];
  hostTargets: number[];
  segments: number;
}

const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

/** JSON text of a case (bigints as decimal strings, the blob as hex), for regression tests. */
export function caseToJson(c: DifferentialCase): string {
  const json: JsonCase = {
    isa: c.isa,
    blob: toHex(c.blob),
    options: c.options,
    calls: c.calls.map((call) => ({
      entry: call.entry,
      regs: call.regs.map(String),
      gas: String(call.gas),
      refills: call.refills.map(String),
      before: [...call.before],
    })),
    hostTargets: [...c.hostTargets],
    segments: c.segments,
  };
  return JSON.stringify(json);
}

/** Inverse of {@link caseToJson}. */
export function caseFromJson(text: string): DifferentialCase {
  const json = JSON.parse(text) as JsonCase;
  return {
    isa: json.isa,
    blob: Uint8Array.from(Buffer.from(json.blob, 'hex')),
    options: json.options,
    calls: json.calls.map((call) => ({
      entry: call.entry,
      regs: call.regs.map((r) => BigInt(r)),
      gas: BigInt(call.gas),
      refills: call.refills.map((r) => BigInt(r)),
      before: call.before,
    })),
    hostTargets: json.hostTargets,
    segments: json.segments,
  };
}
