/**
 * Instruction encoding: the inverse of the decoder, producing the same canonical bytes as the reference writer
 * (minimal immediate lengths, PC-relative targets).
 */
import { immediateLength, writeImmediate } from '../program/varint.js';
import type { DecodedInstruction } from './code.js';
import { INSTRUCTIONS, INVALID } from './instruction-table.js';
import type { InstructionSet } from './instruction-sets.js';
import { InvalidArgumentError } from '../errors.js';

/** Operand fields of an instruction to encode; same layout as {@link DecodedInstruction}. */
export type InstructionFields = Pick<DecodedInstruction, 'id' | 'reg1' | 'reg2' | 'reg3' | 'imm1' | 'imm2'>;

/**
 * Appends the encoding of `instruction`, placed at code offset `position`, to `out`; returns the byte count.
 * Throws if the instruction is not part of the instruction set.
 */
export function encodeInstruction(isa: InstructionSet, instruction: InstructionFields, position: number, out: number[]): number {
  const start = out.length;
  const { id, reg1, reg2, reg3, imm1, imm2 } = instruction;
  if (id === INVALID) throw new InvalidArgumentError('cannot encode an invalid instruction');
  const def = INSTRUCTIONS[id];
  const opcode = def === undefined ? -1 : isa.idToByte[id]!;
  if (def === undefined || opcode < 0) {
    throw new InvalidArgumentError(`instruction '${def?.name ?? id}' is not part of the ${isa.kind} instruction set`);
  }
  out.push(opcode);
  switch (def.kind) {
    case 'argless':
      break;
    case 'reg_imm':
      out.push(reg1);
      writeImmediate(imm1, out);
      break;
    case 'reg_imm_offset':
    case 'reg_imm_imm': {
      const second = def.kind === 'reg_imm_offset' ? (imm2 - position) | 0 : imm2;
      out.push(reg1 | (immediateLength(imm1) << 4));
      writeImmediate(imm1, out);
      writeImmediate(second, out);
      break;
    }
    case 'reg_reg_imm':
      out.push(reg1 | (reg2 << 4));
      writeImmediate(imm1, out);
      break;
    case 'reg_reg_offset':
      out.push(reg1 | (reg2 << 4));
      writeImmediate((imm1 - position) | 0, out);
      break;
    case 'reg_reg_reg':
      out.push(reg2 | (reg3 << 4), reg1);
      break;
    case 'offset':
      writeImmediate((imm1 - position) | 0, out);
      break;
    case 'imm':
      writeImmediate(imm1, out);
      break;
    case 'imm_imm':
      out.push(immediateLength(imm1));
      writeImmediate(imm1, out);
      writeImmediate(imm2, out);
      break;
    case 'reg_reg':
      out.push(reg1 | (reg2 << 4));
      break;
    case 'reg_reg_imm_imm':
      out.push(reg1 | (reg2 << 4), immediateLength(imm1));
      writeImmediate(imm1, out);
      writeImmediate(imm2, out);
      break;
    case 'reg_imm64':
      out.push(reg1);
      for (let i = 0; i < 4; i++) out.push((imm1 >>> (8 * i)) & 0xff);
      for (let i = 0; i < 4; i++) out.push((imm2 >>> (8 * i)) & 0xff);
      break;
  }
  return out.length - start;
}

/** Code bytes plus the instruction-start bitmask. */
export interface EncodedCode {
  code: Uint8Array;
  bitmask: Uint8Array;
  /** Code offset of each input instruction. */
  offsets: number[];
}

/**
 * Encodes a sequence of instructions into code + bitmask. Branch/jump targets in the input are absolute code
 * offsets; use {@link layoutInstructions} when targets are known only as instruction indices.
 */
export function encodeInstructions(isa: InstructionSet, instructions: readonly InstructionFields[]): EncodedCode {
  const bytes: number[] = [];
  const offsets: number[] = [];
  for (const instruction of instructions) {
    offsets.push(bytes.length);
    encodeInstruction(isa, instruction, bytes.length, bytes);
  }
  const code = Uint8Array.from(bytes);
  const bitmask = new Uint8Array((code.length + 7) >>> 3);
  for (const offset of offsets) bitmask[offset >>> 3]! |= 1 << (offset & 7);
  return { code, bitmask, offsets };
}

/** Whether operand `imm1`/`imm2` of an instruction of this kind is a code target. */
export function targetOperand(id: number): 'imm1' | 'imm2' | null {
  const kind = INSTRUCTIONS[id]?.kind;
  if (kind === 'offset' || kind === 'reg_reg_offset') return 'imm1';
  if (kind === 'reg_imm_offset') return 'imm2';
  return null;
}

/**
 * Encodes instructions whose targets are given as indices into `instructions` (`targetIndex[i]`, or -1 for no
 * target). Instruction lengths depend on the PC-relative distances, so the layout is iterated to a fixed point.
 */
export function layoutInstructions(
  isa: InstructionSet,
  instructions: readonly InstructionFields[],
  targetIndex: readonly number[],
): EncodedCode {
  const scratch: InstructionFields[] = instructions.map((i) => ({ ...i }));
  let offsets = new Array<number>(instructions.length + 1).fill(0);
  // Start from the longest encodings and shrink; lengths only decrease, so this converges.
  for (let round = 0; round < 64; round++) {
    const next: number[] = [];
    const bytes: number[] = [];
    for (let i = 0; i < scratch.length; i++) {
      next.push(bytes.length);
      const field = targetOperand(scratch[i]!.id);
      const target = targetIndex[i] ?? -1;
      if (field !== null && target >= 0) scratch[i]![field] = round === 0 ? 0x7fffffff : offsets[target]!;
      encodeInstruction(isa, scratch[i]!, bytes.length, bytes);
    }
    next.push(bytes.length);
    const stable = round > 0 && next.every((value, index) => value === offsets[index]);
    offsets = next;
    if (stable) break;
  }
  const encoded = encodeInstructions(isa, scratch);
  return encoded;
}
