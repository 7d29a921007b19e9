/**
 * Divergences between the interpreter and the compiler backend found by the differential fuzzer, reduced to small
 * cases, kept so that they stay fixed. The reference semantics they pin down are tested on their own in
 * test/vm/entry-cache.test.ts:
 * - F1: a host entry at an implicit invalid instruction succeeds only if the reference's per-instance block cache
 *   holds its block (the compiler took the entry as a cache miss, the interpreter's module-wide cache as a hit);
 * - F2: a `fallthrough` into a gap compiles the implicit invalid there as a block and charges it (the compiler
 *   handed it to the interpreter as a host entry, which traps uncharged);
 * - F3: a 24-byte skip ending at a byte boundary counts as a gap in the reference's bitmask reader, so the
 *   `fallthrough` before it continues into a block that is no valid jump target (the compiler again handed that
 *   to the interpreter as a host entry);
 * - F4: running out of gas at the start of such a block, the compiler resumed in the interpreter at a stale
 *   position instead of at that block;
 * - F5: a host entry in the middle of the block of a `fallthrough` into a gap, after compiled code had run it:
 *   the interpreter compiled the `fallthrough` only then and, finding the gap's block compiled already, trapped
 *   at it (the reference resolved it when it first ran).
 */
import { assemble } from '../../src/asm/assembler.js';
import { INSTRUCTION_SETS } from '../../src/isa/instruction-sets.js';
import { Op } from '../../src/isa/instruction-table.js';
import { Reg } from '../../src/isa/registers.js';
import { JumpTable, RETURN_TO_HOST_ADDRESS } from '../../src/program/code-and-jump-table.js';
import { buildMemoryMap } from '../../src/program/memory-map.js';
import { ProgramBlob } from '../../src/program/program-blob.js';
import { caseFromJson, type CaseCall, type CaseOptions, type DifferentialCase, type FuzzIsa } from './case.js';
import { layoutItems, type LayoutItem } from './layout.js';

export interface Regression {
  /** Finding id (see the list above). */
  readonly id: string;
  /** What the backends should agree on. */
  readonly title: string;
  readonly build: () => DifferentialCase;
}

const SYNC_NAIVE: CaseOptions = {
  pageSize: 0x1000,
  gasMetering: 'sync',
  auxDataSize: 0,
  costModel: 'naive',
  validateJamCode: true,
  dynamicPaging: false,
};

/** A call with the registers `prepareCall` would set (ra = return-to-host, sp = stack top, the rest 0). */
function call(blob: ProgramBlob, entry: number, gas = 100n): CaseCall {
  const map = buildMemoryMap({ pageSize: 0x1000, roDataSize: blob.roDataSize, rwDataSize: blob.rwDataSize, stackSize: blob.stackSize, auxDataSize: 0 });
  const regs = new Array<bigint>(13).fill(0n);
  regs[Reg.RA] = BigInt(RETURN_TO_HOST_ADDRESS);
  regs[Reg.SP] = BigInt(map.stackAddressHigh);
  return { entry, regs, gas, refills: [], before: [] };
}

function fromBlob(isa: FuzzIsa, blob: ProgramBlob, calls: (blob: ProgramBlob) => CaseCall[]): DifferentialCase {
  return { isa, blob: blob.toBytes(), options: SYNC_NAIVE, calls: calls(blob), hostTargets: [], segments: 1 };
}

/**
 * The block `ecalli 0` + implicit `invalid` at the code length (6) follows a block that traps before its branch.
 * Code offsets: load_u8 0, branch 2, ecalli 5, code length 6.
 */
const IMPLICIT_INVALID_AT_END = `
pub @main:
    a0 = u8 [0x0]
    jump @main if a1 == a2
@tail:
    ecalli 0
`;

function implicitInvalidAtEnd(): ProgramBlob {
  return assemble(IMPLICIT_INVALID_AT_END, { isa: 'latest32' });
}

export const REGRESSIONS: readonly Regression[] = [
  {
    id: 'F1a',
    title: 'host entry at the implicit invalid at the code length, before its block ever ran, traps at entry',
    // Call 1 runs block @0 only (it traps at pc 0); call 2 enters at pc 6, which has no bitmask bit.
    build: () => fromBlob('latest32', implicitInvalidAtEnd(), (blob) => [call(blob, 0), call(blob, 6)]),
  },
  {
    id: 'F1b',
    title: 'host entry at the implicit invalid at the code length, after its block ran, traps there and charges the block',
    // Call 1 runs the `ecalli 0` block (the host answers, execution traps at 6); call 2 enters at pc 6.
    build: () => fromBlob('latest32', implicitInvalidAtEnd(), (blob) => [call(blob, 5), call(blob, 6)]),
  },
  {
    id: 'F2',
    title: 'fallthrough into a gap longer than 24 bytes traps at the implicit invalid 25 bytes on, charging its block',
    build: () => {
      const isa = INSTRUCTION_SETS.latest64;
      const plain = (id: number, extra: number[] = []): LayoutItem => ({
        fields: { id, reg1: 0, reg2: 0, reg3: 0, imm1: 0, imm2: 0 },
        raw: [],
        target: null,
        trim: 0,
        extra,
      });
      // fallthrough (1 byte) + 25 padding bytes: the next instruction start is 26 bytes on, so an implicit invalid
      // sits at pc 25.
      const { code, bitmask } = layoutItems(isa, [plain(Op.fallthrough, new Array<number>(25).fill(0)), plain(Op.trap)]);
      const blob = rawBlob(code, bitmask);
      return fromBlob('latest64', blob, (b) => [call(b, 0)]);
    },
  },
  {
    id: 'F3',
    title: 'fallthrough past a 24-byte skip that ends at a byte boundary runs into a block that is no valid jump target',
    build: () => fromBlob('latest64', skipEndingAtByteBoundary(), (b) => [call(b, 7), call(b, 32)]),
  },
  {
    id: 'F4',
    title: 'out of gas at the start of a block no jump may enter, reached by fallthrough, resumes there after a refill',
    // As found (shrunk): call 1 leaves the interpreter mid-program after a segfault; call 2 enters the fallthrough
    // at 8, whose 24-byte skip ends at 33, and runs out of gas there.
    build: () => caseFromJson(F4_CASE),
  },
  {
    id: 'F5',
    title: 'a host entry mid-block before a fallthrough into a gap that compiled code ran continues into the gap',
    // As found (shrunk): call 1 runs the fallthrough at 1 into the implicit invalid at 26; call 2 enters at 1.
    build: () => caseFromJson(F5_CASE),
  },
];

const F4_CASE = '{"isa":"latest64","blob":"50564d00025e00000000000000051f0300087365676d656e743008087365676d656e743124087365676d656e7432062d0000251e03000002f00300015a5982ffb900652f472b666b3d95ffc0814d7bb2bdad57c285030003c10100001c00","options":{"pageSize":4096,"gasMetering":"sync","auxDataSize":0,"costModel":"naive","validateJamCode":true,"dynamicPaging":true},"calls":[{"entry":0,"regs":["4294901760","4294836224","18446744073709551600","18446744073709551600","18446744073709551600","131072","131072","18446744073709551600","18446744073709551600","18446744073709551600","18446744073709551600","18446744073709551600","18446744073709551600"],"gas":"0","refills":["3"],"before":[{"kind":"reset"}]},{"entry":8,"regs":["4294901760","4294836224","18446744073709551600","18446744073709551600","18446744073709551600","131072","131072","18446744073709551600","18446744073709551600","18446744073709551600","18446744073709551600","18446744073709551600","18446744073709551600"],"gas":"1","refills":["0"],"before":[{"kind":"reset"}]},{"entry":36,"regs":["4294901760","4294836224","18446744073709551600","18446744073709551600","18446744073709551600","131072","131072","18446744073709551600","18446744073709551600","18446744073709551600","18446744073709551600","18446744073709551600","18446744073709551600"],"gas":"0","refills":[],"before":[{"kind":"reset"}]}],"hostTargets":[0,6,7,8,34,35,36],"segments":3}';

const F5_CASE = '{"isa":"latest64","blob":"50564d00024000000000000000050b0100087365676d656e7430062300001c0301ffa79000240000ff6e6a00764779ff210055a4db243f00dfcf030300000800","options":{"pageSize":4096,"gasMetering":"sync","auxDataSize":0,"costModel":"naive","validateJamCode":true,"dynamicPaging":true,"lazyChunkBytes":0},"calls":[{"entry":0,"regs":["4294901760","4294836224","18446744073709551600","18446744073709551600","18446744073709551600","131072","131072","18446744073709551600","18446744073709551600","18446744073709551600","18446744073709551600","18446744073709551600","18446744073709551600"],"gas":"2","refills":[],"before":[{"kind":"reset"}]},{"entry":1,"regs":["4294901760","4294836224","18446744073709551600","18446744073709551600","18446744073709551600","131072","131072","18446744073709551600","18446744073709551600","18446744073709551600","18446744073709551600","18446744073709551600","18446744073709551600"],"gas":"0","refills":["2"],"before":[]}],"hostTargets":[0,1,27],"segments":1}';

/** trap at 0, fallthrough at 7 (its skip ends at 32, a byte boundary: the reference reads a gap), trap at 32. */
function skipEndingAtByteBoundary(): ProgramBlob {
  const plain = (id: number, padding: number): LayoutItem => ({
    fields: { id, reg1: 0, reg2: 0, reg3: 0, imm1: 0, imm2: 0 },
    raw: [],
    target: null,
    trim: 0,
    extra: new Array<number>(padding).fill(0),
  });
  const { code, bitmask } = layoutItems(INSTRUCTION_SETS.latest64, [plain(Op.trap, 6), plain(Op.fallthrough, 24), plain(Op.trap, 0)]);
  return rawBlob(code, bitmask);
}

function rawBlob(code: Uint8Array, bitmask: Uint8Array): ProgramBlob {
  return ProgramBlob.fromCode(INSTRUCTION_SETS.latest64, { code, bitmask, jumpTable: new JumpTable(new Uint32Array(0), 0) });
}
