/**
 * Synthetic programs of any size for the load-time benchmark: many small functions shaped like compiled C (a
 * prologue saving registers on the stack, a counted loop of loads, stores, arithmetic and conditional branches,
 * a call to an earlier function, an epilogue and a return through the jump table), generated from a seed so that
 * a size and a seed always give the same program (load-variants.ts makes byte-distinct copies of one).
 *
 * Every program terminates: `main` is the last function, each function calls one uniformly chosen earlier
 * function after its loop (so call chains are about ln(functions) deep) and loops 8 to 15 times.
 */
import { JumpTable, jumpTableEntrySize } from '../src/program/code-and-jump-table.js';
import { ProgramBlob, ProgramSymbol } from '../src/program/program-blob.js';
import { layoutInstructions, type InstructionFields } from '../src/isa/encoder.js';
import { INSTRUCTION_SETS } from '../src/isa/instruction-sets.js';
import { Op, type InstructionName } from '../src/isa/instruction-table.js';
import { Reg } from '../src/isa/registers.js';

/** A small deterministic PRNG (xorshift32) returning values in [0, 1). */
function random(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state / 0x1_0000_0000;
  };
}

const ALU: readonly InstructionName[] = ['add_64', 'sub_64', 'xor', 'and', 'or', 'mul_64', 'shift_logical_left_64', 'set_less_than_unsigned'];
const ALU_IMM: readonly InstructionName[] = ['add_imm_64', 'xor_imm', 'and_imm', 'shift_logical_right_imm_64', 'mul_imm_64'];
/** Registers the loop body may change: not RA, SP or S0 (the return address, the frame and the loop counter). */
const WORK = [Reg.A0, Reg.A1, Reg.A2, Reg.A3, Reg.A4, Reg.A5, Reg.T0, Reg.T1, Reg.T2, Reg.S1];
const FRAME = 32;
/** Average encoded bytes per instruction of this mix, the first guess of how many instructions a size needs. */
const BYTES_PER_INSTRUCTION = 3.5;

interface Instructions {
  fields: InstructionFields[];
  /** Code target of each instruction as an instruction index, -1 for none (see layoutInstructions). */
  targets: number[];
  /** Instruction indices of the return addresses, in jump-table order. */
  jumpTable: number[];
  /** Instruction index of the last function, `main`. */
  main: number;
}

function generateInstructions(instructionCount: number, seed: number): Instructions {
  const next = random(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  const fields: InstructionFields[] = [];
  const targets: number[] = [];
  const jumpTable: number[] = [];
  const functionStarts: number[] = [];
  const emit = (name: InstructionName, f: Partial<InstructionFields> = {}, target = -1): number => {
    fields.push({ id: Op[name], reg1: 0, reg2: 0, reg3: 0, imm1: 0, imm2: 0, ...f });
    targets.push(target);
    return fields.length - 1;
  };
  while (fields.length < instructionCount) {
    // A function starts after the previous one's return, so it begins a basic block and can be called.
    functionStarts.push(emit('add_imm_64', { reg1: Reg.SP, reg2: Reg.SP, imm1: -FRAME }));
    emit('store_indirect_u64', { reg1: Reg.RA, reg2: Reg.SP, imm1: 0 });
    emit('store_indirect_u64', { reg1: Reg.S0, reg2: Reg.SP, imm1: 8 });
    emit('load_imm', { reg1: Reg.S0, imm1: 8 + Math.floor(next() * 8) });
    // Branch targets must start a basic block; `fallthrough` ends the one before the loop, as linkers do.
    emit('fallthrough');
    const loop = fields.length;
    const body = 10 + Math.floor(next() * 30);
    for (let k = 0; k < body; k++) {
      const roll = next();
      if (roll < 0.2) emit('load_indirect_u64', { reg1: pick(WORK), reg2: Reg.SP, imm1: 8 * Math.floor(next() * 4) });
      else if (roll < 0.3) emit('store_indirect_u64', { reg1: pick(WORK), reg2: Reg.SP, imm1: 16 + 8 * Math.floor(next() * 2) });
      else if (roll < 0.65) emit(pick(ALU), { reg1: pick(WORK), reg2: pick(WORK), reg3: pick(WORK) });
      else if (roll < 0.95) emit(pick(ALU_IMM), { reg1: pick(WORK), reg2: pick(WORK), imm1: Math.floor(next() * 4096) - 2048 });
      // A branch to the next instruction: a valid target, since an instruction after a branch starts a block.
      else emit('branch_eq_imm', { reg1: pick(WORK), imm1: 7 }, fields.length + 1);
    }
    emit('add_imm_64', { reg1: Reg.S0, reg2: Reg.S0, imm1: -1 });
    emit('branch_not_eq_imm', { reg1: Reg.S0, imm1: 0 }, loop);
    if (functionStarts.length > 1) {
      // A call to an earlier function; its return address is the next instruction's jump-table entry.
      const callee = functionStarts[Math.floor(next() * (functionStarts.length - 1))]!;
      const call = emit('load_imm_and_jump', { reg1: Reg.RA, imm1: 0 }, callee);
      jumpTable.push(call + 1);
      fields[call] = { ...fields[call]!, imm1: 2 * jumpTable.length };
    }
    emit('load_indirect_u64', { reg1: Reg.RA, reg2: Reg.SP, imm1: 0 });
    emit('load_indirect_u64', { reg1: Reg.S0, reg2: Reg.SP, imm1: 8 });
    emit('add_imm_64', { reg1: Reg.SP, reg2: Reg.SP, imm1: FRAME });
    emit('jump_indirect', { reg1: Reg.RA, imm1: 0 });
  }
  return { fields, targets, jumpTable, main: functionStarts[functionStarts.length - 1]! };
}

/**
 * Builds a Latest64 program of about `codeBytes` bytes of code (within a few per cent), exporting `main`. The
 * instruction count is guessed from the average instruction size, then corrected once from the first layout.
 */
export function generateProgram(codeBytes: number, seed = 1): ProgramBlob {
  const isa = INSTRUCTION_SETS.latest64;
  let count = Math.ceil(codeBytes / BYTES_PER_INSTRUCTION);
  let generated = generateInstructions(count, seed);
  let layout = layoutInstructions(isa, generated.fields, generated.targets);
  if (Math.abs(layout.code.length - codeBytes) > codeBytes * 0.02) {
    count = Math.ceil((count * codeBytes) / layout.code.length);
    generated = generateInstructions(count, seed);
    layout = layoutInstructions(isa, generated.fields, generated.targets);
  }
  const { code, bitmask, offsets } = layout;
  const entries = Uint32Array.from(generated.jumpTable.map((index) => offsets[index]!));
  return ProgramBlob.fromParts({
    isa,
    roDataSize: 0,
    rwDataSize: 4096,
    stackSize: 65536,
    roData: new Uint8Array(0),
    rwData: new Uint8Array(0),
    imports: [],
    exports: [{ programCounter: offsets[generated.main]!, symbol: ProgramSymbol.fromString('main') }],
    jumpTable: new JumpTable(entries, jumpTableEntrySize(entries)),
    code,
    bitmask,
    customSections: [],
  });
}
