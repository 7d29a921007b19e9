/**
 * Test helpers: a tiny instruction builder and a program-blob builder, so behavioural tests can describe guest
 * code as a list of instructions (branch/jump targets given as instruction indices) and get back a blob plus the
 * code offset of every instruction.
 *
 * Deliberately independent of the assembler in src/asm/.
 */
import { testEngine } from './backend.js';
import { Module, type ModuleOptions } from '../../src/api/module.js';
import type { RawInstance } from '../../src/api/raw-instance.js';
import type { Interrupt } from '../../src/api/interrupt.js';
import { JumpTable, jumpTableEntrySize } from '../../src/program/code-and-jump-table.js';
import { ProgramBlob, ProgramSymbol } from '../../src/program/program-blob.js';
import { layoutInstructions, type InstructionFields } from '../../src/isa/encoder.js';
import { INSTRUCTION_SETS, type InstructionSet, type InstructionSetKind } from '../../src/isa/instruction-sets.js';
import { Op, type InstructionName } from '../../src/isa/instruction-table.js';
import { Reg } from '../../src/isa/registers.js';

export { Reg, Op };

/** The return-to-host address (a dynamic jump there finishes execution). */
export const RETURN_TO_HOST = 0xffff0000;

/** One instruction to encode; `target` is the index of the instruction a jump/branch goes to. */
export interface TestInstruction extends InstructionFields {
  /** Index into the instruction list (the list's length = the end of the code), for jumps and branches. */
  readonly target?: number;
}

function make(name: InstructionName, fields: Partial<TestInstruction> = {}): TestInstruction {
  return { id: Op[name], reg1: 0, reg2: 0, reg3: 0, imm1: 0, imm2: 0, ...fields };
}

/** Signed 32-bit view of an immediate given as u32 or i32. */
function i32(value: number): number {
  return value | 0;
}

/** Instruction constructors, named after the reference's `asm::*` helpers. */
export const asm = {
  trap: (): TestInstruction => make('trap'),
  fallthrough: (): TestInstruction => make('fallthrough'),
  memset: (): TestInstruction => make('memset'),
  unlikely: (): TestInstruction => make('unlikely'),
  ecalli: (hostcall: number): TestInstruction => make('ecalli', { imm1: i32(hostcall) }),
  /** `jump_indirect ra, 0`. */
  ret: (): TestInstruction => make('jump_indirect', { reg1: Reg.RA, imm1: 0 }),
  jump: (target: number): TestInstruction => make('jump', { target }),
  jumpIndirect: (base: number, offset: number): TestInstruction => make('jump_indirect', { reg1: base, imm1: i32(offset) }),
  loadImm: (dst: number, value: number): TestInstruction => make('load_imm', { reg1: dst, imm1: i32(value) }),
  loadImm64: (dst: number, value: bigint): TestInstruction => {
    const v = BigInt.asUintN(64, value);
    return make('load_imm64', { reg1: dst, imm1: Number(v & 0xffffffffn) | 0, imm2: Number(v >> 32n) | 0 });
  },
  loadImmAndJump: (dst: number, value: number, target: number): TestInstruction =>
    make('load_imm_and_jump', { reg1: dst, imm1: i32(value), target }),
  loadImmAndJumpIndirect: (dst: number, base: number, value: number, offset: number): TestInstruction =>
    make('load_imm_and_jump_indirect', { reg1: dst, reg2: base, imm1: i32(value), imm2: i32(offset) }),
  moveReg: (dst: number, src: number): TestInstruction => make('move_reg', { reg1: dst, reg2: src }),
  sbrk: (dst: number, size: number): TestInstruction => make('sbrk', { reg1: dst, reg2: size }),
  addImm32: (dst: number, src: number, imm: number): TestInstruction => make('add_imm_32', { reg1: dst, reg2: src, imm1: i32(imm) }),
  add32: (dst: number, a: number, b: number): TestInstruction => make('add_32', { reg1: dst, reg2: a, reg3: b }),
  /** `store_imm_u8/u16/u32/u64 [address], value`. */
  storeImm: (name: 'store_imm_u8' | 'store_imm_u16' | 'store_imm_u32' | 'store_imm_u64', address: number, value: number): TestInstruction =>
    make(name, { imm1: i32(address), imm2: i32(value) }),
  /** Absolute loads `load_* dst, [address]` and stores `store_* src, [address]`. */
  absolute: (name: InstructionName, reg: number, address: number): TestInstruction => make(name, { reg1: reg, imm1: i32(address) }),
  /** `store_imm_indirect_* [base + offset], value`. */
  storeImmIndirect: (name: InstructionName, base: number, offset: number, value: number): TestInstruction =>
    make(name, { reg1: base, imm1: i32(offset), imm2: i32(value) }),
  /** `load_indirect_* dst, [base + offset]` and `store_indirect_* src, [base + offset]`. */
  indirect: (name: InstructionName, reg: number, base: number, offset: number): TestInstruction =>
    make(name, { reg1: reg, reg2: base, imm1: i32(offset) }),
  /** Three-register ALU ops: `dst = a OP b`. */
  rrr: (name: InstructionName, dst: number, a: number, b: number): TestInstruction => make(name, { reg1: dst, reg2: a, reg3: b }),
  /** Register-immediate ALU ops (`*_imm*`, cmov_*_imm): `dst = src OP imm`. */
  rri: (name: InstructionName, dst: number, src: number, imm: number): TestInstruction => make(name, { reg1: dst, reg2: src, imm1: i32(imm) }),
  /** Two-register ops: `dst = OP src`. */
  rr: (name: InstructionName, dst: number, src: number): TestInstruction => make(name, { reg1: dst, reg2: src }),
  /** `branch_*_imm reg, imm, target`. */
  branchImm: (name: InstructionName, reg: number, imm: number, target: number): TestInstruction =>
    make(name, { reg1: reg, imm1: i32(imm), target }),
  /** `branch_* a, b, target`. */
  branch: (name: InstructionName, a: number, b: number, target: number): TestInstruction => make(name, { reg1: a, reg2: b, target }),
};

export interface ProgramSpec {
  /** Instruction set; default `latest32`. */
  isa?: InstructionSetKind;
  code: readonly TestInstruction[];
  /** Export name → instruction index. Default `{ main: 0 }`. */
  exports?: Readonly<Record<string, number>>;
  imports?: readonly string[];
  roData?: Uint8Array;
  rwData?: Uint8Array;
  /** Declared sizes; default to the payload lengths. */
  roDataSize?: number;
  rwDataSize?: number;
  stackSize?: number;
  /** Jump table entries as instruction indices (dynamic address `2 * (i + 1)` → entry `i`). */
  jumpTable?: readonly number[];
}

export interface BuiltProgram {
  blob: ProgramBlob;
  /** Code offset of each instruction; `offsets[code.length]` is the code length. */
  offsets: readonly number[];
  isa: InstructionSet;
}

/** Encodes a program into a {@link ProgramBlob}, resolving instruction-index targets to code offsets. */
export function buildProgram(spec: ProgramSpec): BuiltProgram {
  const isa = INSTRUCTION_SETS[spec.isa ?? 'latest32'];
  const fields: InstructionFields[] = spec.code.map(({ id, reg1, reg2, reg3, imm1, imm2 }) => ({ id, reg1, reg2, reg3, imm1, imm2 }));
  const targets = spec.code.map((ins) => ins.target ?? -1);
  const { code, bitmask, offsets } = layoutInstructions(isa, fields, targets);
  const entries = Uint32Array.from((spec.jumpTable ?? []).map((index) => offsets[index]!));
  const roData = spec.roData ?? new Uint8Array(0);
  const rwData = spec.rwData ?? new Uint8Array(0);
  const blob = ProgramBlob.fromParts({
    isa,
    roDataSize: spec.roDataSize ?? roData.length,
    rwDataSize: spec.rwDataSize ?? rwData.length,
    stackSize: spec.stackSize ?? 0,
    roData,
    rwData,
    imports: (spec.imports ?? []).map((name) => ProgramSymbol.fromString(name)),
    exports: Object.entries(spec.exports ?? { main: 0 }).map(([name, index]) => ({
      programCounter: offsets[index]!,
      symbol: ProgramSymbol.fromString(name),
    })),
    jumpTable: new JumpTable(entries, jumpTableEntrySize(entries)),
    code,
    bitmask,
    customSections: [],
  });
  return { blob, offsets, isa };
}

/** A copy of `blob` with its code and/or bitmask replaced (to craft invalid programs like the reference tests do). */
export function withCode(blob: ProgramBlob, code: Uint8Array, bitmask: Uint8Array = blob.bitmask): ProgramBlob {
  return ProgramBlob.fromParts({ ...blob.toParts(), code, bitmask });
}

/** A copy of `blob` declaring a different instruction set (same bytes). */
export function withIsa(blob: ProgramBlob, isa: InstructionSetKind): ProgramBlob {
  return ProgramBlob.fromParts({ ...blob.toParts(), isa: INSTRUCTION_SETS[isa] });
}

const ENGINE = testEngine();

/** Creates a module from a blob (or spec) with the interpreter engine. */
export function moduleOf(program: ProgramBlob | BuiltProgram, options: ModuleOptions = {}): Module {
  return Module.fromBlob(ENGINE, program instanceof ProgramBlob ? program : program.blob, options);
}

/** Creates a raw instance with `ra` = return-to-host, ready to run from `pc` (default 0). */
export function startAt(module: Module, pc = 0): RawInstance {
  const instance = module.instantiate();
  instance.setReg(Reg.RA, RETURN_TO_HOST);
  instance.setNextProgramCounter(pc);
  return instance;
}

/** Sets the next program counter and runs once. */
export function runFrom(instance: RawInstance, pc: number): Interrupt {
  instance.setNextProgramCounter(pc);
  return instance.run();
}

/** The register value as a u32 pattern, for 32-bit-style expectations. */
export function u32(value: number): bigint {
  return BigInt(value >>> 0);
}

/** Two's-complement u64 pattern of a signed bigint (e.g. `u64(-1n)` = 0xFFFF_FFFF_FFFF_FFFF). */
export function u64(value: bigint): bigint {
  return BigInt.asUintN(64, value);
}

/** The ISAs where 32- and 64-bit behaviour differ, for parameterised tests. */
export const BITNESSES = ['latest32', 'latest64'] as const satisfies readonly InstructionSetKind[];
