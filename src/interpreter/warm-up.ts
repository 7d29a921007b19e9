/**
 * JIT warm-up for the execution loop.
 *
 * V8 optimizes the loop once it is hot, but handlers it has not yet seen run get no type feedback; the first
 * time a guest reaches one, the optimized code is thrown away and the (large) function is compiled again.
 * Real programs reach new handlers for a while, so without help the loop is recompiled many times (each time
 * taking 100+ ms). Running a synthetic program that executes every handler once, with a spread of values,
 * before any guest code runs gives the loop complete feedback up front.
 */
import { INSTRUCTION_SETS, type InstructionSet } from '../isa/instruction-sets.js';
import { INSTRUCTIONS, Op, type InstructionName } from '../isa/instruction-table.js';
import { layoutInstructions, type InstructionFields } from '../isa/encoder.js';
import { Code } from '../isa/code.js';
import { NAIVE_COST_MODEL } from '../gas/cost-model.js';
import { JumpTable } from '../program/code-and-jump-table.js';
import { buildMemoryMap } from '../program/memory-map.js';
import { CompiledCode } from './compiled-code.js';
import { Exit, GasMode, InterpreterInstance } from './interpreter-instance.js';
import { DynamicMemory } from './dynamic-memory.js';
import { StandardMemory } from './memory.js';

// Registers: s0 holds an RW address, s1 a stack address, sp an RO address (never written); t0..t2 and a0..a5
// are scratch.
const SP = 1;
const S0 = 5;
const S1 = 6;
const SCRATCH = [2, 3, 4, 7, 8, 9, 10, 11, 12];
/** Branch operands (scratch registers, loaded right before each branch). */
const BRANCH_A = 2;
const BRANCH_B = 3;

const SKIP: ReadonlySet<InstructionName> = new Set([
  'trap',
  'fallthrough',
  'jump',
  'jump_indirect',
  'load_imm_and_jump',
  'load_imm_and_jump_indirect',
  'ecalli',
  'sbrk',
  'memset',
]);

function build(isa: InstructionSet): { instructions: InstructionFields[]; targets: number[] } {
  const instructions: InstructionFields[] = [];
  const targets: number[] = [];
  const push = (fields: InstructionFields, target = -1): void => {
    instructions.push(fields);
    targets.push(target);
  };
  let k = 0;
  const scratch = (): number => SCRATCH[k++ % SCRATCH.length]!;
  for (const def of INSTRUCTIONS) {
    if (def.opcode[isa.kind] === null || SKIP.has(def.name)) continue;
    const isStore = def.name.startsWith('store');
    const isLoad = def.name.startsWith('load') && def.name !== 'load_imm' && def.name !== 'load_imm64';
    const base = k % 2 === 0 ? S0 : S1;
    let fields: InstructionFields;
    switch (def.kind) {
      case 'reg_imm': // absolute loads/stores use the RW address; load_imm any value
        fields = { id: def.id, reg1: isStore ? scratch() : scratch(), reg2: 0, reg3: 0, imm1: isLoad || isStore ? RW + 8 : -7, imm2: 0 };
        break;
      case 'imm_imm':
        fields = { id: def.id, reg1: 0, reg2: 0, reg3: 0, imm1: RW + 16, imm2: -3 };
        break;
      case 'reg_imm_imm':
        fields = { id: def.id, reg1: base, reg2: 0, reg3: 0, imm1: 24, imm2: 0x12345 };
        break;
      case 'reg_reg_imm':
        if (isLoad || isStore) {
          // Every resident window: RW, stack and (loads only) RO.
          for (const window of isLoad ? [S0, S1, SP] : [S0, S1]) {
            push({ id: def.id, reg1: scratch(), reg2: window, reg3: 0, imm1: 32, imm2: 0 });
          }
          continue;
        }
        fields = { id: def.id, reg1: scratch(), reg2: scratch(), reg3: 0, imm1: k % 3 === 0 ? -5 : 13, imm2: 0 };
        break;
      case 'reg_reg_reg':
        fields = { id: def.id, reg1: scratch(), reg2: scratch(), reg3: scratch(), imm1: 0, imm2: 0 };
        break;
      case 'reg_reg':
        fields = { id: def.id, reg1: scratch(), reg2: scratch(), reg3: 0, imm1: 0, imm2: 0 };
        break;
      case 'reg_imm64':
        fields = { id: def.id, reg1: scratch(), reg2: 0, reg3: 0, imm1: -1, imm2: 0x7fffffff };
        break;
      case 'reg_imm_offset': {
        // Branches: both edges lead to the next instruction; the operands make every condition both true and
        // false once (5 against 5, 4 and 6), so that both edges get type feedback.
        push({ id: Op.load_imm, reg1: BRANCH_A, reg2: 0, reg3: 0, imm1: 5, imm2: 0 });
        for (const imm of [5, 4, 6]) {
          push({ id: def.id, reg1: BRANCH_A, reg2: 0, reg3: 0, imm1: imm, imm2: 0 }, instructions.length + 1);
        }
        continue;
      }
      case 'reg_reg_offset': {
        // As above, comparing 1 with itself, 1 with 2, and 2 with 1.
        push({ id: Op.load_imm, reg1: BRANCH_A, reg2: 0, reg3: 0, imm1: 1, imm2: 0 });
        push({ id: Op.load_imm, reg1: BRANCH_B, reg2: 0, reg3: 0, imm1: 2, imm2: 0 });
        for (const [x, y] of [[BRANCH_A, BRANCH_A], [BRANCH_A, BRANCH_B], [BRANCH_B, BRANCH_A]] as const) {
          push({ id: def.id, reg1: x, reg2: y, reg3: 0, imm1: 0, imm2: 0 }, instructions.length + 1);
        }
        continue;
      }
      default:
        continue;
    }
    push(fields);
    k++;
  }
  // Accesses beyond the resident part of RW memory (zero-filled reads, growing writes).
  push({ id: Op.load_indirect_i32, reg1: SCRATCH[0]!, reg2: S0, reg3: 0, imm1: 0x800, imm2: 0 });
  push({ id: Op.store_indirect_u8, reg1: SCRATCH[1]!, reg2: S0, reg3: 0, imm1: 0x900, imm2: 0 });
  // A jump, a jump through the jump table, and a return to the host.
  push({ id: Op.jump, reg1: 0, reg2: 0, reg3: 0, imm1: 0, imm2: 0 }, instructions.length + 1);
  push({ id: Op.load_imm, reg1: 2, reg2: 0, reg3: 0, imm1: 2, imm2: 0 });
  push({ id: Op.jump_indirect, reg1: 2, reg2: 0, reg3: 0, imm1: 0, imm2: 0 });
  push({ id: Op.jump_indirect, reg1: 0, reg2: 0, reg3: 0, imm1: 0, imm2: 0 });
  return { instructions, targets };
}

const RW = 0x30000;

/** Register values the warm-up runs with: small, negative, large unsigned and 64-bit patterns. */
const VALUE_SETS: readonly (readonly bigint[])[] = [
  [1n, 2n, 3n, 7n, 100n, 0n, 5n, 31n, 12n],
  [-1n, -2n, 0x7fffffffn, 0x80000000n, 0xffffffffn, -0x80000000n, 64n, 33n, 0xfffffffffn],
  [0x123456789abcdefn, -0x8000000000000000n, 0x7fffffffffffffffn, 3n, 0n, 63n, -5n, 0xffff0000n, 1n],
];

/** Shorthand for an instruction by name. */
function ins(name: InstructionName, reg1 = 0, reg2 = 0, imm1 = 0, imm2 = 0, reg3 = 0): InstructionFields {
  return { id: Op[name], reg1, reg2, reg3, imm1, imm2 };
}

interface Scenario {
  readonly instructions: readonly InstructionFields[];
  /** Target instruction index per instruction (-1 = none). */
  readonly targets?: readonly number[];
  /** Instruction indices of jump table entries. */
  readonly jumpTable?: readonly number[];
  readonly gasMode?: GasMode;
  readonly stepTracing?: boolean;
  readonly dynamicPaging?: boolean;
  readonly only64?: boolean;
  readonly onlyLatest?: boolean;
  readonly gas?: bigint;
  /** Called after every interruption but the last; returns false to stop. */
  readonly resume?: (vm: InterpreterInstance, exit: Exit) => boolean;
}

const RA = 0;
const T0 = 2;
const T1 = 3;
const A0 = 7;
const A1 = 8;
const A2 = 9;

/** Small programs that take every exit and slow path of the loop once. */
const SCENARIOS: readonly Scenario[] = [
  // Host call, then return.
  { instructions: [ins('ecalli', 0, 0, 3), ins('jump_indirect', RA)] },
  // Explicit trap; loads and stores outside memory; a jump through an invalid address; falling off the end.
  { instructions: [ins('trap')] },
  { instructions: [ins('load_u8', A0, 0, 0x100)] },
  { instructions: [ins('load_i32', A0, 0, 0x100)] },
  { instructions: [ins('store_u32', A0, 0, 0x100)] },
  { instructions: [ins('store_imm_u8', 0, 0, 0x100, 1)] },
  { instructions: [ins('load_imm', T0, 0, 3), ins('jump_indirect', T0)] },
  { instructions: [ins('fallthrough')] },
  // A backward jump (a loop) and the jump-and-link forms.
  {
    instructions: [
      ins('load_imm', T0, 0, 3),
      ins('fallthrough'),
      ins('add_imm_32', T0, T0, -1),
      ins('branch_eq_imm', T0, 0, 0),
      ins('jump'),
      ins('load_imm_and_jump', T1, 0, 7),
      ins('load_imm', A0, 0, 2),
      ins('load_imm_and_jump_indirect', T1, A0, 7, 0),
      ins('jump_indirect', RA),
    ],
    targets: [-1, -1, -1, 5, 2, 6, -1, -1, -1],
    jumpTable: [8],
  },
  // Synchronous and asynchronous out-of-gas, resumed with more gas.
  {
    instructions: [ins('add_imm_32', A0, A0, 1), ins('add_imm_32', A0, A0, 1), ins('jump_indirect', RA)],
    gasMode: GasMode.Sync,
    gas: 1n,
    resume: (vm, exit) => exit === Exit.NotEnoughGas && (vm.setGas(100n), true),
  },
  {
    instructions: [ins('add_imm_32', A0, A0, 1), ins('jump_indirect', RA)],
    gasMode: GasMode.Async,
    gas: 1n,
  },
  // Step tracing.
  { instructions: [ins('add_imm_32', A0, A0, 1), ins('jump_indirect', RA)], stepTracing: true, resume: (_vm, exit) => exit === Exit.Step },
  // Dynamic paging: a segfault, resumed after mapping the page; a fault below 0x4000 traps.
  {
    instructions: [ins('load_u32', A0, 0, 0x20000), ins('store_u16', A0, 0, 0x20010), ins('load_u8', A1, 0, 0x100)],
    dynamicPaging: true,
    only64: true,
    resume: (vm, exit) => {
      if (exit !== Exit.Segfault) return false;
      (vm.memory as DynamicMemory).mapPages(vm.segfaultPageAddress, 0x1000, 'read-write');
      return true;
    },
  },
  // memset (with a fault part-way and with per-byte gas) and sbrk.
  {
    instructions: [
      ins('load_imm', A0, 0, RW + 0x10),
      ins('load_imm', A1, 0, 0x55),
      ins('load_imm', A2, 0, 40),
      ins('memset'),
      ins('load_imm', A1, 0, 0x1000),
      ins('sbrk', A0, A1),
      ins('load_imm', A0, 0, RW + 0xff0),
      ins('load_imm', A2, 0, 0x2000),
      ins('memset'),
    ],
    onlyLatest: true,
    gasMode: GasMode.Sync,
  },
];

function runScenario(isa: InstructionSet, scenario: Scenario): void {
  if (scenario.only64 && !isa.is64Bit) return;
  if (scenario.onlyLatest && isa.idToByte[Op.memset]! < 0) return;
  const targets = scenario.targets ?? scenario.instructions.map(() => -1);
  const { code, bitmask, offsets } = layoutInstructions(isa, scenario.instructions, targets);
  const gasMode = scenario.gasMode ?? GasMode.None;
  const compiled = new CompiledCode(new Code(code, bitmask, isa), {
    gasMetering: gasMode !== GasMode.None,
    stepTracing: scenario.stepTracing ?? false,
    costModel: NAIVE_COST_MODEL,
    trapAtCodeEnd: false,
  });
  const map = buildMemoryMap({ pageSize: 0x1000, roDataSize: 0x1000, rwDataSize: 0x1000, stackSize: 0x1000, auxDataSize: 0 });
  const jumpTable = new JumpTable(Uint32Array.from((scenario.jumpTable ?? []).map((index) => offsets[index]!)), 4);
  // Twice: the second run executes the handlers the first one resolved.
  for (let round = 0; round < 2; round++) {
    const memory = scenario.dynamicPaging ? new DynamicMemory(map) : new StandardMemory(map, new Uint8Array(0), new Uint8Array(16));
    const vm = new InterpreterInstance(compiled, memory, jumpTable, isa.is64Bit, gasMode);
    vm.lo[RA] = 0xffff0000 | 0;
    vm.hi[RA] = isa.is64Bit ? 0 : -1;
    vm.setGas(scenario.gas ?? 1_000_000n);
    vm.setNextProgramCounter(0);
    for (let steps = 0; steps < 1000; steps++) {
      const exit = vm.run();
      if (exit === Exit.Finished || exit === Exit.Trap || !(scenario.resume?.(vm, exit) ?? exit === Exit.Ecalli)) break;
    }
  }
}

let warmedUp = false;

/** Runs every interpreter handler and exit once (per process), so the execution loop is optimized only once. */
export function warmUpInterpreter(): void {
  if (warmedUp) return;
  warmedUp = true;
  for (const kind of ['latest64', 'latest32'] as const) {
    const isa = INSTRUCTION_SETS[kind];
    for (const scenario of SCENARIOS) runScenario(isa, scenario);
    const { instructions, targets } = build(isa);
    const { code, bitmask, offsets } = layoutInstructions(isa, instructions, targets);
    // Jump table entry 0 (address 2) is the final `jump_indirect ra`, which returns to the host.
    const jumpTable = new JumpTable(Uint32Array.of(offsets[instructions.length - 1]!), 4);
    const map = buildMemoryMap({ pageSize: 0x1000, roDataSize: 0x1000, rwDataSize: 0x1000, stackSize: 0x1000, auxDataSize: 0 });
    for (const gasMetering of [true, false]) {
      const compiled = new CompiledCode(new Code(code, bitmask, isa), {
        gasMetering,
        stepTracing: false,
        costModel: NAIVE_COST_MODEL,
        trapAtCodeEnd: false,
      });
      const memory = new StandardMemory(map, new Uint8Array(64).fill(0x5a), new Uint8Array(64).fill(0xa5));
      const vm = new InterpreterInstance(compiled, memory, jumpTable, isa.is64Bit, gasMetering ? GasMode.Sync : GasMode.None);
      for (const values of VALUE_SETS) {
        vm.lo.fill(0);
        vm.hi.fill(0);
        values.forEach((value, index) => {
          const v = BigInt.asUintN(64, value);
          vm.lo[SCRATCH[index]!] = Number(v & 0xffffffffn) | 0;
          vm.hi[SCRATCH[index]!] = isa.is64Bit ? Number(v >> 32n) | 0 : (Number(v & 0xffffffffn) | 0) >> 31;
        });
        vm.lo[S0] = RW;
        vm.lo[S1] = map.stackAddressHigh - 64;
        vm.lo[SP] = map.roDataAddress;
        vm.lo[0] = 0xffff0000 | 0;
        vm.setGas(1_000_000n);
        vm.setNextProgramCounter(0);
        const exit = vm.run();
        if (exit !== Exit.Finished) throw new Error(`internal error: interpreter warm-up ended with exit ${exit}`);
      }
    }
  }
}
