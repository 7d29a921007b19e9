/**
 * Random program generator for the differential test.
 *
 * fast-check generates abstract choices (which instruction, which value category, which target kind, ...) and
 * {@link materialize} turns them into a concrete {@link DifferentialCase} deterministically. Keeping the choices
 * abstract lets fast-check shrink a failing case (drop instructions, simplify values) while every shrunk case is
 * still a well-formed program whose addresses refer to its own memory map.
 *
 * Invariants the generator keeps so that every case terminates and stays small:
 * - without gas metering, control flow only goes forward (static targets after the instruction, jump table
 *   entries after every dynamic jump), and no decoder mutations (which could create backward jumps) are made;
 * - `sbrk` is always preceded by a guard that bounds its size (small sizes, or sizes that must fail), and is never
 *   an entry point, so the heap (which the compiler backend allocates eagerly) stays small;
 * - programs for JamV1 with load-time validation end in `trap` and contain only valid encodings.
 */
import fc from 'fast-check';
import { type InstructionFields } from '../../src/isa/encoder.js';
import { INSTRUCTION_SETS, type InstructionSet } from '../../src/isa/instruction-sets.js';
import { DecodedInstruction } from '../../src/isa/code.js';
import { INSTRUCTIONS, INVALID, Op, type InstructionDef, type InstructionName } from '../../src/isa/instruction-table.js';
import { Reg } from '../../src/isa/registers.js';
import { buildMemoryMap, type MemoryMap } from '../../src/program/memory-map.js';
import { JumpTable, jumpTableEntrySize, RETURN_TO_HOST_ADDRESS } from '../../src/program/code-and-jump-table.js';
import { ProgramBlob, ProgramSymbol } from '../../src/program/program-blob.js';
import type { CostModelName } from '../../src/gas/cost-models.js';
import type { CaseCall, CaseOptions, DifferentialCase, FuzzIsa, HostAction } from './case.js';
import { layoutItems, type LayoutItem, targetOffset, type TargetRef } from './layout.js';

/** Features of the generator, each of which can be switched off to isolate a divergence while reducing it. */
export interface GeneratorFlags {
  /** Padding, truncation and raw bytes (decoder edge cases); only ever used with gas metering. */
  readonly decoderMutations: boolean;
  /** Entering a call in the middle of a basic block or of an instruction. */
  readonly midBlockEntry: boolean;
  /** Host functions that redirect execution with `setNextProgramCounter`. */
  readonly hostRedirect: boolean;
  /** Asynchronous gas metering. */
  readonly asyncGas: boolean;
  /** Dynamic paging (the host maps pages; guest accesses to missing pages segfault and are resumed). */
  readonly dynamicPaging: boolean;
  /** Pipeline (full-l1/l2/l3) cost models besides the naive one. */
  readonly pipelineCostModels: boolean;
  /**
   * Host entry (call entry or host redirect) at the pc of an implicit `invalid` instruction (the code length, or 25
   * bytes into a long gap); see F1 in test/differential/regressions.ts.
   */
  readonly entryAtImplicitInvalid: boolean;
  /**
   * A `fallthrough` followed by a gap of more than 24 bytes (so it continues into an implicit `invalid`); see F2 in
   * test/differential/regressions.ts.
   */
  readonly fallthroughIntoGap: boolean;
  /** Upper bound on instructions per segment. */
  readonly maxInstructions: number;
  /** Upper bound on independent program segments batched into one blob (one module compilation). */
  readonly maxSegments: number;
}

export const DEFAULT_FLAGS: GeneratorFlags = Object.freeze({
  decoderMutations: true,
  midBlockEntry: true,
  hostRedirect: true,
  asyncGas: true,
  dynamicPaging: true,
  pipelineCostModels: true,
  entryAtImplicitInvalid: true,
  fallthroughIntoGap: true,
  maxInstructions: 32,
  maxSegments: 8,
});

// ---------------------------------------------------------------------------------------------------- choices

/** An abstract value: a category selector, raw random bits, and a small adjustment. */
interface ValueSeed {
  readonly sel: number;
  readonly raw: bigint;
  readonly jitter: number;
}

interface InstructionChoice {
  readonly op: number;
  readonly regs: readonly [number, number, number];
  readonly v1: ValueSeed;
  readonly v2: ValueSeed;
  readonly v3: ValueSeed;
  readonly target: number;
  readonly prefix: number;
  readonly mutation: number;
  readonly mutationSeed: number;
  /** Register-role bias: keeps the base registers (sp, s0, s1) holding addresses in most programs. */
  readonly bias: number;
}

interface CallChoice {
  readonly entry: number;
  readonly regs: readonly ValueSeed[];
  readonly ra: number;
  readonly sp: number;
  readonly bases: number;
  readonly gas: ValueSeed;
  readonly refills: readonly ValueSeed[];
  readonly before: readonly { readonly kind: number; readonly seed: ValueSeed }[];
}

interface SegmentChoice {
  /** With dynamic paging: which regions the host maps before the segment runs (two bits per region). */
  readonly pages: number;
  readonly instructions: readonly InstructionChoice[];
  readonly jumpTable: readonly number[];
  readonly finalTrap: boolean;
  readonly calls: readonly CallChoice[];
}

interface CaseChoice {
  readonly memory: {
    readonly page: number;
    readonly ro: ValueSeed;
    readonly rw: ValueSeed;
    readonly stack: ValueSeed;
    readonly aux: ValueSeed;
    readonly dataSeed: number;
  };
  readonly metering: number;
  readonly paging: number;
  readonly costModel: number;
  readonly validate: number;
  readonly mutations: boolean;
  readonly segments: readonly SegmentChoice[];
}

const valueSeed: fc.Arbitrary<ValueSeed> = fc.record({
  sel: fc.nat({ max: 99 }),
  raw: fc.bigUintN(64),
  jitter: fc.integer({ min: -9, max: 9 }),
});

// ---------------------------------------------------------------------------------------------------- ops

/** Instruction weights: terminators ~15%, memory ~30%, host-facing ops a few percent, ALU the rest. */
function weightOf(def: InstructionDef): number {
  const name = def.name;
  if (name === 'ecalli') return 8;
  if (name === 'sbrk' || name === 'memset') return 4;
  if (name === 'jump_indirect' || name === 'load_imm_and_jump_indirect') return 6;
  if (name === 'load_imm_and_jump') return 6;
  if (name === 'jump') return 4;
  if (name === 'trap' || name === 'fallthrough') return 3;
  if (name === 'unlikely') return 1;
  if (name === 'load_imm' || name === 'load_imm64') return 3;
  if (name.startsWith('branch_')) return 2;
  if (name.startsWith('load_') || name.startsWith('store_')) return 3;
  return 2;
}

interface OpTable {
  readonly defs: readonly InstructionDef[];
  /** Cumulative weights. */
  readonly cumulative: readonly number[];
  readonly total: number;
}

const OP_TABLES = new Map<FuzzIsa, OpTable>();

function opTable(isa: FuzzIsa): OpTable {
  let table = OP_TABLES.get(isa);
  if (table === undefined) {
    // ALU first: fast-check shrinks choices towards 0, so shrunk programs prefer plain arithmetic.
    const rank = (def: InstructionDef): number => (def.endsBlock ? 2 : /^(load|store)_|ecalli|sbrk|memset/.test(def.name) ? 1 : 0);
    const defs = INSTRUCTIONS.filter((def) => def.opcode[isa] !== null).sort((a, b) => rank(a) - rank(b) || a.id - b.id);
    const cumulative: number[] = [];
    let total = 0;
    for (const def of defs) {
      total += weightOf(def);
      cumulative.push(total);
    }
    table = { defs, cumulative, total };
    OP_TABLES.set(isa, table);
  }
  return table;
}

function pickOp(table: OpTable, choice: number): InstructionDef {
  const x = choice % table.total;
  let lo = 0;
  let hi = table.cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (table.cumulative[mid]! > x) hi = mid;
    else lo = mid + 1;
  }
  return table.defs[lo]!;
}

/** Lazy chunk sizes the generated cases use (0: eager translation). */
const LAZY_CHUNK_BYTES = [0, 0, 1, 24, 0, 160] as const;

/** Every instruction the generator can produce for an ISA (for coverage checks). */

export function generatableInstructions(isa: FuzzIsa): readonly InstructionName[] {
  return opTable(isa).defs.map((def) => def.name);
}

// ---------------------------------------------------------------------------------------------------- values

const U32 = 0xffffffffn;
const U64 = 0xffffffffffffffffn;

/** Interesting 32-bit immediates (as i32). */
const SPECIAL_32 = [
  0, 1, -1, 2, 7, 8, 15, 16, 31, 32, 33, 63, 64, 65, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x10000,
  0x7fffffff, -0x80000000, -2, -0x8000, -0x80, 0x55555555, -0x55555556, 0x0f0f0f0f,
] as const;

/** Interesting 64-bit register values. */
const SPECIAL_64 = [
  0n, 1n, U64, U64 - 1n, 0x7fffffffffffffffn, 0x8000000000000000n, 0x8000000000000001n, 0xffffffffn, 0x100000000n,
  0x7fffffffn, 0x80000000n, 0xffffffff80000000n, 0xffffffff7fffffffn, 0x00000000ffff0000n, 0xffffffffffff0000n,
  31n, 32n, 63n, 64n, 0x5555555555555555n, 0xaaaaaaaaaaaaaaaan, 0x0123456789abcdefn, 0xfffffffe00000000n,
] as const;

interface Context {
  readonly isa: FuzzIsa;
  readonly set: InstructionSet;
  readonly is64: boolean;
  readonly map: MemoryMap;
  /** Addresses near region boundaries (inside and outside). */
  readonly pool: readonly number[];
  /** Addresses well inside accessible regions (RW, stack, RO; aux when present). */
  readonly inside: readonly number[];
  /** Addresses well inside writable regions (RW, stack). */
  readonly writable: readonly number[];
  /** This segment's jump table entries (`first`, `count`) and the table's length. */
  readonly table: { readonly first: number; readonly count: number; readonly total: number };
  readonly metered: boolean;
  readonly dynamicPaging: boolean;
  readonly mutations: boolean;
  readonly flags: GeneratorFlags;
  /** Calls given a return entry so far (their entries follow the segments' ones in the jump table). */
  readonly calls: { count: number };
}

function pick<T>(list: readonly T[], raw: bigint): T {
  return list[Number(raw % BigInt(list.length))]!;
}

/** Small signed value in [-16, 16]. */
function small(seed: ValueSeed): number {
  return Number(seed.raw % 33n) - 16;
}

function addressPool(map: MemoryMap, roLength: number, rwLength: number): number[] {
  const pool = new Set<number>();
  const near = (address: number): void => {
    for (const delta of [-8, -4, -2, -1, 0, 1, 2, 4]) pool.add((address + delta) >>> 0);
  };
  near(map.roDataAddress);
  near(map.roDataAddress + map.roDataSize);
  pool.add(map.roDataAddress + roLength);
  near(map.rwDataAddress);
  near(map.rwDataAddress + map.rwDataSize);
  pool.add(map.rwDataAddress + rwLength);
  near(map.heapBase);
  near(map.heapBase + map.pageSize);
  near(map.heapBase + 0x4000);
  near(map.stackAddressLow);
  near(map.stackAddressHigh);
  pool.add(map.stackAddressHigh - 0x40);
  near(map.auxDataAddress);
  near(map.auxDataAddress + map.auxDataSize);
  pool.add(0);
  pool.add(0x10000 - 4);
  pool.add(RETURN_TO_HOST_ADDRESS);
  pool.add(0xfffffffc);
  pool.add(0xffffffff);
  pool.add(0x80000000);
  return [...pool].sort((a, b) => a - b);
}

function insideAddresses(map: MemoryMap, writableOnly: boolean): number[] {
  const inside: number[] = [];
  const within = (start: number, size: number): void => {
    if (size < 16) return;
    for (const at of [0, 8, 13, size >>> 1, size - 16, size - 9]) inside.push(start + at);
  };
  within(map.rwDataAddress, map.rwDataSize);
  within(map.stackAddressLow, map.stackSize);
  if (!writableOnly) {
    within(map.roDataAddress, map.roDataSize);
    within(map.auxDataAddress, map.auxDataSize);
  }
  return inside.length > 0 ? inside : [map.heapBase];
}

type Flavour = 'general' | 'load-address' | 'store-address' | 'offset' | 'shift' | 'hostcall' | 'dynamic-offset';

/** A 32-bit immediate of a given flavour, as i32. */
function imm(seed: ValueSeed, ctx: Context, flavour: Flavour): number {
  const s = seed.sel;
  const near = (list: readonly number[]): number => (pick(list, seed.raw) + seed.jitter) | 0;
  const random = (): number => Number(seed.raw & U32) | 0;
  const special = (): number => pick(SPECIAL_32, seed.raw) | 0;
  switch (flavour) {
    case 'general':
      return s < 30 ? small(seed) : s < 50 ? special() : s < 65 ? near(s % 2 === 0 ? ctx.inside : ctx.pool) : random();
    // Most accesses succeed (so programs run on); the rest straddle or miss a region, or hit read-only memory.
    case 'load-address':
      return s < 75 ? near(ctx.inside) : s < 90 ? near(ctx.pool) : s < 95 ? special() : random();
    case 'store-address':
      return s < 75 ? near(ctx.writable) : s < 88 ? near(ctx.pool) : s < 92 ? near(ctx.inside) : s < 96 ? special() : random();
    case 'offset':
      return s < 85 ? small(seed) : s < 93 ? special() : s < 97 ? near(ctx.inside) : random();
    case 'shift':
      return s < 50 ? Number(seed.raw % 72n) : s < 75 ? special() : random();
    case 'hostcall':
      return s < 85 ? Number(seed.raw % 16n) : s < 93 ? special() : random();
    case 'dynamic-offset':
      return s < 70 ? 0 : s < 90 ? small(seed) : random();
  }
}

/** A dynamic code address for `jump_indirect`: mostly a jump-table entry, else the edge cases. */
function dynamicAddress(seed: ValueSeed, ctx: Context): number {
  const s = seed.sel;
  const { first, count, total } = ctx.table;
  const k = Number(seed.raw % BigInt(Math.max(1, count)));
  if (s < 45) return 2 * (first + k + 1); // this segment's entries
  if (s < 55) return 2 * (Number(seed.raw % BigInt(Math.max(1, total))) + 1); // any entry
  if (s < 65) return RETURN_TO_HOST_ADDRESS | 0;
  if (s < 72) return 2 * (first + k) + 1; // odd
  if (s < 76) return 0;
  if (s < 86) return 2 * (total + 1 + Number(seed.raw % 4n)); // just past the table
  return Number(seed.raw & U32) | 0;
}

/** A 64-bit register value (u64). */
function registerValue(seed: ValueSeed, ctx: Context): bigint {
  const s = seed.sel;
  if (s < 22) return BigInt.asUintN(64, BigInt(small(seed)));
  if (s < 50) {
    const address = BigInt(((s % 3 === 0 ? pick(ctx.pool, seed.raw) : pick(ctx.inside, seed.raw)) + seed.jitter) >>> 0);
    // Upper bits are ignored by address computation (mod 2^32); make sure that holds.
    return s < 46 ? address : ((seed.raw >> 32n) << 32n) | address;
  }
  if (s < 58) {
    const entries = BigInt(Math.max(1, ctx.table.total));
    return s < 55 ? 2n * ((seed.raw % entries) + 1n) : BigInt(RETURN_TO_HOST_ADDRESS);
  }
  if (s < 75) return pick(SPECIAL_64, seed.raw);
  return seed.raw & U64;
}

/** A gas amount, from tiny (out of gas at once) to large enough for loops to run a while. */
function gasAmount(seed: ValueSeed): bigint {
  const s = seed.sel;
  const r = seed.raw;
  if (s < 10) return r % 6n;
  if (s < 30) return 5n + (r % 100n);
  if (s < 60) return 100n + (r % 2000n);
  if (s < 95) return 2000n + (r % 20000n);
  // Larger budgets only make loops run longer (the whole budget may be spent in one).
  return 20000n + (r % 80000n);
}

/** A size from a category: 0, tiny, around one page, or a few pages. */
function regionSize(seed: ValueSeed, pageSize: number, allowZero = true): number {
  const r = Number(seed.raw % 0x10000n);
  if (seed.sel < 8) return allowZero ? 0 : 1 + (r % 64);
  switch (seed.sel % 6) {
    case 0:
      return 0x3000 - (r % 5);
    case 1:
      return 1 + (r % 100);
    case 2:
      return pageSize - (r % 9);
    case 3:
      return pageSize;
    case 4:
      return pageSize + 1 + (r % 16);
    default:
      return 0x1000 + (r % 0x2000);
  }
}

/** Deterministic bytes (xorshift32). */
function bytesFrom(seed: number, length: number): Uint8Array {
  let x = seed | 0 || 0x9e3779b9;
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    // Mostly small bytes and a few 0x00/0xFF, so loaded values look like data rather than noise.
    const b = x & 0xff;
    out[i] = b < 0x20 ? 0 : b > 0xe0 ? 0xff : b;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------- items

interface Item extends LayoutItem {
  readonly name: string;
  /** Ends a basic block (as far as the generator knows; raw items count as not ending one). */
  readonly terminator: boolean;
  readonly dynamicJump: boolean;
  /** An `sbrk` (after its guard): never an entry point for the host. */
  readonly guarded: boolean;
  /** A call whose return address is a jump-table entry added for the instruction after it. */
  readonly callReturn: boolean;
}

interface PendingItem extends Omit<Item, 'target'> {
  /** Target choice, resolved once every item exists. */
  readonly targetChoice: number | null;
}

const r13 = (choice: number): number => choice % 13;

function instruction(name: InstructionName, fields: Partial<InstructionFields> = {}): InstructionFields {
  return { id: Op[name], reg1: 0, reg2: 0, reg3: 0, imm1: 0, imm2: 0, ...fields };
}

function plain(fields: InstructionFields, extra: Partial<PendingItem> = {}): PendingItem {
  const def = INSTRUCTIONS[fields.id]!;
  return {
    name: def.name,
    fields,
    raw: [],
    trim: 0,
    extra: [],
    terminator: def.endsBlock,
    dynamicJump: def.name === 'jump_indirect' || def.name === 'load_imm_and_jump_indirect',
    guarded: false,
    callReturn: false,
    targetChoice: null,
    ...extra,
  };
}

/** Loads a 64-bit constant with the shortest instruction the ISA offers. */
function loadConstant(ctx: Context, reg: number, value: bigint): InstructionFields {
  const v = BigInt.asUintN(64, value);
  const fitsI32 = BigInt.asUintN(64, BigInt.asIntN(32, v)) === v;
  if (fitsI32 || !ctx.is64) return instruction('load_imm', { reg1: reg, imm1: Number(v & U32) | 0 });
  return instruction('load_imm64', { reg1: reg, imm1: Number(v & U32) | 0, imm2: Number(v >> 32n) | 0 });
}

const SBRK_MASKS = [0, 0x3f, 0xfff, 0x3fff] as const;

/** Turns one instruction choice into items (setup instructions first). */
function itemsFor(choice: InstructionChoice, ctx: Context): PendingItem[] {
  const def = pickOp(opTable(ctx.isa), choice.op);
  const name = def.name;
  const isStore = name.startsWith('store');
  // sp, s0 and s1 serve as base registers: most instructions do not overwrite them, and most memory accesses
  // without a setup instruction use them (sp with negative offsets, as the stack grows down).
  const keepsBases = choice.bias < 85 && !isStore && !name.startsWith('branch') && name !== 'jump_indirect';
  const BASES = [Reg.SP, Reg.S0, Reg.S1] as const;
  const OTHERS = [Reg.T0, Reg.T1, Reg.T2, Reg.A0, Reg.A1, Reg.A2, Reg.A3, Reg.A4, Reg.A5] as const;
  const first = r13(choice.regs[0]);
  const ra = keepsBases && (BASES as readonly number[]).includes(first) ? OTHERS[choice.regs[2] % OTHERS.length]! : first;
  const [rb, rc] = [r13(choice.regs[1]), r13(choice.regs[2])];
  const base = choice.bias < 70 ? BASES[choice.regs[1] % 3]! : rb;
  const offsetFor = (reg: number): number => (reg === Reg.SP && choice.v1.sel < 90 ? -1 - Number(choice.v1.raw % 64n) : imm(choice.v1, ctx, 'offset'));
  const out: PendingItem[] = [];
  const target = choice.target;

  if (name === 'sbrk') {
    // The guard bounds the heap growth: a small masked size, or a size the memory map cannot satisfy.
    const kind = choice.prefix % 5;
    if (kind < 4) {
      out.push(plain(instruction('and_imm', { reg1: rb, reg2: rb, imm1: SBRK_MASKS[kind] })));
    } else {
      const tooBig = BigInt(ctx.map.maxHeapSize) + 1n + (choice.v1.raw % (0x1_0000_0000n - BigInt(ctx.map.maxHeapSize)));
      const value = ctx.is64 && choice.v1.sel < 40 ? pick([0x1_0000_0000n, U64, 0x8000_0000_0000_0000n, 0x1_0000_0001n], choice.v1.raw) : tooBig;
      out.push(plain(loadConstant(ctx, rb, value)));
    }
    out.push(plain(instruction('sbrk', { reg1: ra, reg2: rb }), { guarded: true }));
    return out;
  }

  if (name === 'memset') {
    const setup = choice.prefix % 4;
    if (setup >= 1) out.push(plain(instruction('load_imm', { reg1: Reg.A0, imm1: imm(choice.v3, ctx, 'store-address') })));
    if (setup >= 2) {
      const s = choice.v1.sel;
      const count = s < 60 ? Number(choice.v1.raw % 65n) : s < 80 ? Number(choice.v1.raw % 0x1100n) : s < 90 ? -1 : Number(choice.v1.raw & U32) | 0;
      out.push(plain(instruction('load_imm', { reg1: Reg.A2, imm1: count })));
    }
    if (setup >= 3) out.push(plain(instruction('load_imm', { reg1: Reg.A1, imm1: imm(choice.v2, ctx, 'general') })));
    out.push(plain(instruction('memset')));
    return out;
  }

  let fields: InstructionFields;
  switch (def.kind) {
    case 'argless':
      fields = instruction(name);
      break;
    case 'imm':
      fields = instruction(name, { imm1: imm(choice.v1, ctx, 'hostcall') });
      break;
    case 'reg_imm64': {
      const value = registerValue(choice.v1, ctx);
      fields = instruction(name, { reg1: ra, imm1: Number(value & U32) | 0, imm2: Number(value >> 32n) | 0 });
      break;
    }
    case 'imm_imm':
      fields = instruction(name, { imm1: imm(choice.v1, ctx, 'store-address'), imm2: imm(choice.v2, ctx, 'general') });
      break;
    case 'offset':
      fields = instruction(name);
      break;
    case 'reg_imm':
      if (name === 'jump_indirect' && choice.prefix % 6 === 5) {
        fields = instruction(name, { reg1: Reg.RA }); // ret
      } else if (name === 'jump_indirect') {
        if (choice.prefix % 4 !== 0) out.push(plain(instruction('load_imm', { reg1: ra, imm1: dynamicAddress(choice.v3, ctx) })));
        fields = instruction(name, { reg1: ra, imm1: imm(choice.v1, ctx, 'dynamic-offset') });
      } else {
        const flavour = name === 'load_imm' ? 'general' : name.startsWith('store') ? 'store-address' : 'load-address';
        fields = instruction(name, { reg1: ra, imm1: imm(choice.v1, ctx, flavour) });
      }
      break;
    case 'reg_imm_imm':
      if (choice.prefix % 4 < 2) {
        out.push(plain(instruction('load_imm', { reg1: ra, imm1: imm(choice.v3, ctx, 'store-address') })));
        fields = instruction(name, { reg1: ra, imm1: imm(choice.v1, ctx, 'offset'), imm2: imm(choice.v2, ctx, 'general') });
      } else {
        fields = instruction(name, { reg1: base, imm1: offsetFor(base), imm2: imm(choice.v2, ctx, 'general') });
      }
      break;
    case 'reg_imm_offset':
      if (name === 'load_imm_and_jump' && choice.prefix % 3 === 0 && ctx.metered) {
        // A call as compilers emit it: ra = the jump-table address of the instruction after it. (The compiler
        // makes calls to other regions WebAssembly calls that return there.) Unmetered programs get none, as a
        // later `ret` would jump back and might loop forever.
        const entry = ctx.table.total + ctx.calls.count++;
        out.push(mutate(plain(instruction(name, { reg1: Reg.RA, imm1: 2 * (entry + 1) }), { targetChoice: target, callReturn: true }), choice, ctx));
        return out;
      }
      fields = instruction(name, { reg1: ra, imm1: imm(choice.v1, ctx, 'general') });
      break;
    case 'reg_reg_imm': {
      const memory = /^(load|store)_indirect/.test(name);
      if (memory && choice.prefix % 4 < 2) {
        const baseFlavour = isStore ? 'store-address' : 'load-address';
        out.push(plain(instruction('load_imm', { reg1: rb, imm1: imm(choice.v3, ctx, baseFlavour) })));
        fields = instruction(name, { reg1: ra, reg2: rb, imm1: imm(choice.v1, ctx, 'offset') });
      } else if (memory) {
        fields = instruction(name, { reg1: ra, reg2: base, imm1: offsetFor(base) });
      } else {
        fields = instruction(name, { reg1: ra, reg2: rb, imm1: imm(choice.v1, ctx, /shift|rotate/.test(name) ? 'shift' : 'general') });
      }
      break;
    }
    case 'reg_reg_offset':
      fields = instruction(name, { reg1: ra, reg2: rb });
      break;
    case 'reg_reg_reg':
      fields = instruction(name, { reg1: ra, reg2: rb, reg3: rc });
      break;
    case 'reg_reg':
      fields = instruction(name, { reg1: ra, reg2: rb });
      break;
    case 'reg_reg_imm_imm': {
      if (choice.prefix % 4 !== 0) out.push(plain(instruction('load_imm', { reg1: rb, imm1: dynamicAddress(choice.v3, ctx) })));
      const offset = imm(choice.v2, ctx, 'dynamic-offset');
      if (choice.prefix % 3 === 0 && ctx.metered && rb !== Reg.RA) {
        // An indirect call as compilers emit it (see the direct calls above).
        const entry = ctx.table.total + ctx.calls.count++;
        out.push(mutate(plain(instruction(name, { reg1: Reg.RA, reg2: rb, imm1: 2 * (entry + 1), imm2: offset }), { callReturn: true }), choice, ctx));
        return out;
      }
      fields = instruction(name, { reg1: ra, reg2: rb, imm1: imm(choice.v1, ctx, 'general'), imm2: offset });
      break;
    }
  }
  const hasTarget = def.kind === 'offset' || def.kind === 'reg_imm_offset' || def.kind === 'reg_reg_offset';
  out.push(mutate(plain(fields, { targetChoice: hasTarget ? target : null }), choice, ctx));
  return out;
}

/** Decoder mutations: high register nibbles anywhere; padding, truncation and raw bytes only with gas metering. */
function mutate(item: PendingItem, choice: InstructionChoice, ctx: Context): PendingItem {
  const m = choice.mutation;
  const seed = choice.mutationSeed;
  if (m >= 97 && item.fields !== null) {
    // Register fields 13..15 decode as a5.
    const high = 13 + (seed % 3);
    return { ...item, fields: { ...item.fields, reg1: item.fields.reg1 === 0 ? high : item.fields.reg1, reg2: high } };
  }
  if (!ctx.mutations || m < 86) return item;
  const bytes = [...bytesFrom(seed, 32)];
  if (m < 90) return { ...item, extra: bytes.slice(0, 1 + (seed % 4)) };
  if (m < 92) {
    // A gap beyond 24 bytes puts an implicit trap 25 bytes after the instruction.
    const length = 20 + (seed % 10);
    const capped = item.name === 'fallthrough' && !ctx.flags.fallthroughIntoGap ? Math.min(length, 24) : length;
    return { ...item, extra: bytes.slice(0, capped) };
  }
  if (m < 94) return { ...item, trim: 1 + (seed % 3) };
  // Raw bytes: any opcode byte except sbrk (whose size could not be bounded).
  const sbrkByte = ctx.set.idToByte[Op.sbrk];
  let opcode = (seed >>> 8) & 0xff;
  if (opcode === sbrkByte) opcode = 0;
  return { ...item, name: 'raw', fields: null, raw: [opcode, ...bytes.slice(0, seed % 10)], terminator: false, dynamicJump: true, targetChoice: null };
}

/** Indices where a basic block starts, as far as the generator knows. */
function blockStarts(items: readonly PendingItem[]): number[] {
  const starts: number[] = [];
  items.forEach((_, i) => {
    if (i === 0 || (items[i - 1]!.terminator && items[i - 1]!.fields !== null)) starts.push(i);
  });
  return starts;
}

/** Resolves a target choice within a segment (items `first..last`); the code end is item `n`. */
function resolveTarget(
  choice: number,
  from: number,
  segment: { readonly first: number; readonly last: number; readonly n: number },
  starts: readonly number[],
  forwardOnly: boolean,
): TargetRef {
  const { first, last, n } = segment;
  const s = choice % 100;
  const r = Math.floor(choice / 100);
  const lowest = forwardOnly ? Math.max(first, from + 1) : first;
  const candidates = starts.filter((i) => i >= lowest && i <= last);
  if (s < 86 && candidates.length > 0) return { index: candidates[r % candidates.length]!, delta: 0 };
  const span = last + 1 - lowest;
  if (s < 93 && span > 0) return { index: lowest + (r % span), delta: 0 }; // any instruction, often mid-block
  if (s < 96) return { index: n, delta: 0 }; // the end of the code
  if (s < 99 && span > 0) return { index: lowest + (r % span), delta: 1 + (r % 3) }; // inside an instruction
  return { index: n, delta: 1 + (r % 0x7fffffff) }; // far out of range
}

// ---------------------------------------------------------------------------------------------------- case

export function caseArbitrary(isa: FuzzIsa, flags: GeneratorFlags = DEFAULT_FLAGS): fc.Arbitrary<DifferentialCase> {
  const instruction: fc.Arbitrary<InstructionChoice> = fc.record({
    op: fc.nat({ max: 0xffff }),
    regs: fc.tuple(fc.nat({ max: 12 }), fc.nat({ max: 12 }), fc.nat({ max: 12 })),
    v1: valueSeed,
    v2: valueSeed,
    v3: valueSeed,
    target: fc.nat({ max: 0xfffff }),
    prefix: fc.nat({ max: 59 }),
    mutation: fc.nat({ max: 99 }),
    mutationSeed: fc.nat(),
    bias: fc.nat({ max: 99 }),
  });
  const call: fc.Arbitrary<CallChoice> = fc.record({
    entry: fc.nat({ max: 0xfffff }),
    regs: fc.array(valueSeed, { minLength: 13, maxLength: 13 }),
    ra: fc.nat({ max: 99 }),
    sp: fc.nat({ max: 99 }),
    bases: fc.nat({ max: 99 }),
    gas: valueSeed,
    refills: fc.array(valueSeed, { maxLength: 3 }),
    before: fc.array(fc.record({ kind: fc.nat({ max: 99 }), seed: valueSeed }), { maxLength: 2 }),
  });
  const segment: fc.Arbitrary<SegmentChoice> = fc.record({
    pages: fc.nat({ max: 0xffff }),
    instructions: fc.array(instruction, { minLength: 1, maxLength: flags.maxInstructions, size: 'medium' }),
    jumpTable: fc.array(fc.nat({ max: 0xfffff }), { maxLength: 4 }),
    finalTrap: fc.boolean(),
    calls: fc.array(call, { minLength: 1, maxLength: 3 }),
  });
  const choice: fc.Arbitrary<CaseChoice> = fc.record({
    memory: fc.record({
      page: fc.nat({ max: 99 }),
      ro: valueSeed,
      rw: valueSeed,
      stack: valueSeed,
      aux: valueSeed,
      dataSeed: fc.nat(),
    }),
    metering: fc.nat({ max: 99 }),
    paging: fc.nat({ max: 99 }),
    costModel: fc.nat({ max: 99 }),
    validate: fc.nat({ max: 99 }),
    mutations: fc.boolean(),
    segments: fc.array(segment, { minLength: 1, maxLength: flags.maxSegments }),
  });
  return choice.map((c) => materialize(isa, c, flags));
}

const PAGE_SIZES = [0x1000, 0x1000, 0x1000, 0x1000, 0x1000, 0x1000, 0x2000, 0x4000, 0x4000, 0x10000] as const;
const COST_MODEL_NAMES: readonly CostModelName[] = ['full-l1', 'full-l2', 'full-l3'];

/** Turns abstract choices into a concrete case; pure, so shrinking replays it. */
export function materialize(isa: FuzzIsa, c: CaseChoice, flags: GeneratorFlags): DifferentialCase {
  const set = INSTRUCTION_SETS[isa];
  const pageSize = PAGE_SIZES[c.memory.page % PAGE_SIZES.length]!;
  const roDataSize = regionSize(c.memory.ro, pageSize);
  const rwDataSize = regionSize(c.memory.rw, pageSize);
  const stackSize = regionSize(c.memory.stack, pageSize);
  const auxDataSize = c.memory.aux.sel < 60 ? 0 : regionSize(c.memory.aux, pageSize, false);
  const roData = bytesFrom(c.memory.dataSeed, Math.min(roDataSize, c.memory.dataSeed % 97));
  const rwData = bytesFrom(c.memory.dataSeed ^ 0x5a5a5a5a, Math.min(rwDataSize, (c.memory.dataSeed >>> 8) % 131));
  const map = buildMemoryMap({ pageSize, roDataSize, rwDataSize, stackSize, auxDataSize });

  const m = c.metering;
  const gasMetering: CaseOptions['gasMetering'] = m < 25 ? null : m < 75 || !flags.asyncGas ? 'sync' : 'async';
  const metered = gasMetering !== null;
  const dynamicPaging = flags.dynamicPaging && c.paging < 25;
  const validateJamCode = isa === 'jam_v1' ? c.validate < 80 : true;
  const mutations = flags.decoderMutations && c.mutations && metered && !(isa === 'jam_v1' && validateJamCode);
  const costModel: CostModelName =
    !flags.pipelineCostModels || c.costModel < 60 ? (isa === 'jam_v1' && c.costModel < 30 ? 'full-l2' : 'naive') : COST_MODEL_NAMES[c.costModel % 3]!;

  const baseCtx = {
    isa,
    set,
    is64: set.is64Bit,
    map,
    pool: addressPool(map, roData.length, rwData.length),
    inside: insideAddresses(map, false),
    writable: insideAddresses(map, true),
    metered,
    mutations,
    flags,
    dynamicPaging,
    calls: { count: 0 },
  };
  const total = c.segments.reduce((sum, segment) => sum + segment.jumpTable.length, 0);

  // Segments are laid out one after the other; each ends in `trap` (the last one only if chosen) so that one
  // segment's code never falls into the next one's.
  const pending: PendingItem[] = [];
  const bounds: { first: number; last: number; tableFirst: number }[] = [];
  let tableFirst = 0;
  c.segments.forEach((segment, nth) => {
    const ctx: Context = { ...baseCtx, table: { first: tableFirst, count: segment.jumpTable.length, total } };
    const first = pending.length;
    for (const choice of segment.instructions) pending.push(...itemsFor(choice, ctx));
    const isLast = nth === c.segments.length - 1;
    if (!isLast || segment.finalTrap || (isa === 'jam_v1' && validateJamCode)) pending.push(plain(instruction('trap')));
    bounds.push({ first, last: pending.length - 1, tableFirst });
    tableFirst += segment.jumpTable.length;
  });
  const n = pending.length;
  const starts = blockStarts(pending);
  const segmentOf = (i: number): { first: number; last: number; n: number } => {
    const b = bounds.find((candidate) => i >= candidate.first && i <= candidate.last)!;
    return { first: b.first, last: b.last, n };
  };
  const items: Item[] = pending.map((item, i) => {
    const { targetChoice, ...rest } = item;
    // Calls go anywhere in the program (often to another region); other jumps stay in their segment.
    const within = item.callReturn ? { first: 0, last: n - 1, n } : segmentOf(i);
    return { ...rest, target: targetChoice === null ? null : resolveTarget(targetChoice, i, within, starts, !metered) };
  });
  const { code, bitmask, offsets } = layoutItems(set, items);

  // Jump table: mostly block starts of the segment; without gas metering only after the segment's last dynamic
  // jump, so dynamic jumps cannot form loops. Then the calls' return entries, in order.
  const entries = Uint32Array.from([
    ...c.segments.flatMap((segment, nth) => {
      const { first, last } = bounds[nth]!;
      let from = first - 1;
      if (!metered) for (let i = first; i <= last; i++) if (items[i]!.dynamicJump) from = i;
      return segment.jumpTable.map((choice) => {
        const ref = resolveTarget(choice, from, { first, last, n }, starts, !metered);
        return targetOffset(offsets, ref) >>> 0;
      });
    }),
    ...items.flatMap((item, i) => (item.callReturn ? [offsets[i + 1]!] : [])),
  ]);

  const blob = ProgramBlob.fromParts({
    isa: set,
    roDataSize,
    rwDataSize,
    stackSize,
    roData,
    rwData,
    imports: [],
    exports: bounds.map((b, nth) => ({ programCounter: offsets[b.first]!, symbol: ProgramSymbol.fromString(`segment${nth}`) })),
    jumpTable: new JumpTable(entries, jumpTableEntrySize(entries)),
    code,
    bitmask,
    customSections: [],
  });

  // Host entry points to avoid: `sbrk` itself (its guard must run first) and, unless enabled, implicit `invalid`s.
  const avoid = new Set(items.flatMap((item, i) => (item.guarded ? [offsets[i]!] : [])));
  if (!flags.entryAtImplicitInvalid) {
    for (const pc of implicitInvalids(blob)) avoid.add(pc);
  }
  const adjust = (pc: number): number => {
    let entry = pc >>> 0;
    while (avoid.has(entry)) entry = (entry + 1) >>> 0;
    return entry;
  };
  const enterable = items.flatMap((item, i) => (item.guarded ? [] : [i]));
  const hostTargets = flags.hostRedirect ? enterable.map((i) => adjust(offsets[i]!)) : [];

  const calls: CaseCall[] = c.segments.flatMap((segment, nth) => {
    const { first, last, tableFirst: segmentTable } = bounds[nth]!;
    const ctx: Context = { ...baseCtx, table: { first: segmentTable, count: segment.jumpTable.length, total } };
    const inSegment = (i: number): boolean => i >= first && i <= last && !items[i]!.guarded;
    const blockEntries = starts.filter(inSegment);
    const anyEntries = enterable.filter(inSegment);
    const start = offsets[first]!;
    const end = offsets[last + 1]!;
    return segment.calls.map((call, k) => {
      const s = call.entry % 100;
      const r = Math.floor(call.entry / 100);
      let entry: number;
      if (s < 55) entry = start;
      else if (s < 75 || !flags.midBlockEntry) entry = blockEntries.length > 0 ? offsets[blockEntries[r % blockEntries.length]!]! : start;
      else if (s < 93) entry = anyEntries.length > 0 ? offsets[anyEntries[r % anyEntries.length]!]! : start;
      else if (s < 97) entry = start + (r % (end - start + 4));
      else entry = pick([code.length, code.length + 1, 0xffffffff, 0x7fffffff], BigInt(r));
      const regs = call.regs.map((seed) => registerValue(seed, ctx));
      if (call.ra < 75) regs[Reg.RA] = BigInt(RETURN_TO_HOST_ADDRESS);
      if (call.sp < 70) regs[Reg.SP] = BigInt(map.stackAddressHigh);
      if (call.bases < 70) {
        regs[Reg.S0] = BigInt(pick(ctx.writable, call.regs[Reg.S0]!.raw));
        regs[Reg.S1] = BigInt(pick(ctx.inside, call.regs[Reg.S1]!.raw));
      }
      const before = call.before.map((action) => hostAction(action.kind, action.seed, ctx));
      // Each segment starts from the initial memory contents, like a fresh program would; with dynamic paging
      // the host maps (most of) the program's regions first.
      if (k === 0 && dynamicPaging) before.unshift(...initialPages(ctx, segment.pages, roData, rwData));
      else if (k === 0 && nth > 0) before.unshift({ kind: 'reset' });
      return { entry: adjust(entry), regs, gas: gasAmount(call.gas), refills: call.refills.map(gasAmount), before };
    });
  });

  const bytes = blob.toBytes();
  return withSummary({
    isa,
    blob: bytes,
    // Lazy translation in tiny chunks (a few blocks each, or one) for half of the cases; chosen without drawing
    // from the random stream, so that the other choices stay as they were.
    options: { pageSize, gasMetering, auxDataSize, costModel, validateJamCode, dynamicPaging, lazyChunkBytes: LAZY_CHUNK_BYTES[bytes.length % LAZY_CHUNK_BYTES.length]! },
    calls,
    hostTargets,
    segments: c.segments.length,
  });
}

/** Code offsets of implicit `invalid` instructions: the code length, and 25 bytes into long gaps. */
function implicitInvalids(blob: ProgramBlob): number[] {
  const found: number[] = [];
  const code = blob.instructions;
  code.walkAll(new DecodedInstruction(), (ins) => {
    if (ins.id === INVALID && !code.isInstructionStart(ins.pc)) found.push(ins.pc);
  });
  return found;
}

function hostAction(kind: number, seed: ValueSeed, ctx: Context): HostAction {
  const address = (pick(ctx.pool, seed.raw) + seed.jitter) >>> 0;
  if (ctx.dynamicPaging && kind < 45) {
    const page = Math.floor(address / ctx.map.pageSize) * ctx.map.pageSize;
    const length = ctx.map.pageSize * (1 + (seed.sel % 2));
    if (kind < 20) return { kind: 'map', address: page, length, writable: seed.sel % 3 !== 0 };
    if (kind < 30) return { kind: 'free', address: page, length };
    if (kind < 40) return { kind: 'protect', address: page, length, writable: seed.sel % 2 === 0 };
    return { kind: 'write-unprotected', address, bytes: [...bytesFrom(Number(seed.raw & U32), 1 + (seed.sel % 16))] };
  }
  if (kind < 25) return { kind: 'sbrk', size: Number(seed.raw % 0x3000n) };
  if (kind < 55) return { kind: 'write', address, bytes: [...bytesFrom(Number(seed.raw & U32), 1 + (seed.sel % 16))] };
  if (kind < 70) return { kind: 'zero', address, length: 1 + Number(seed.raw % 64n) };
  if (kind < 90) return { kind: 'aux', size: Math.min(ctx.map.auxDataSize, Number(seed.raw % BigInt(ctx.map.auxDataSize + 2))) };
  return { kind: 'reset' };
}

/**
 * Dynamic paging: the host clears memory and maps the program's RO, RW and stack regions (with their data), each
 * wholly (mostly), only its first page, or not at all, so that guest accesses also hit missing pages.
 */
function initialPages(ctx: Context, bits: number, roData: Uint8Array, rwData: Uint8Array): HostAction[] {
  const { map } = ctx;
  const actions: HostAction[] = [{ kind: 'reset' }];
  const region = (address: number, size: number, writable: boolean, data: Uint8Array, mode: number): void => {
    if (size === 0 || mode === 3) return;
    const length = mode === 2 ? Math.min(size, map.pageSize) : size;
    actions.push({ kind: 'map', address, length, writable });
    if (data.length > 0) actions.push({ kind: 'write-unprotected', address, bytes: [...data.subarray(0, Math.min(data.length, length))] });
  };
  region(map.roDataAddress, map.roDataSize, false, roData, bits & 3);
  region(map.rwDataAddress, map.rwDataSize, true, rwData, (bits >> 2) & 3);
  region(map.stackAddressLow, map.stackSize, true, new Uint8Array(0), (bits >> 4) & 3);
  if ((bits & 0x40) !== 0) {
    const page = Math.floor(pick(ctx.pool, BigInt(bits >> 8)) / map.pageSize) * map.pageSize;
    if (page >= 0x10000) actions.push({ kind: 'map', address: page, length: map.pageSize, writable: (bits & 0x80) !== 0 });
  }
  return actions;
}

/** fast-check prints counterexamples with this; the full report comes with the failure itself. */
function withSummary(c: DifferentialCase): DifferentialCase {
  return Object.assign(c, {
    [fc.toStringMethod]: (): string =>
      `<${c.isa} program, ${c.segments} segment(s), ${c.blob.length} blob bytes, ${c.calls.length} call(s); the report below has the disassembly>`,
  });
}
