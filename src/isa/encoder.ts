/**
 * Instruction encoding: the inverse of the decoder, producing the same canonical bytes as the reference writer
 * (minimal immediate lengths, PC-relative targets).
 */
import { immediateLength, writeImmediate } from '../program/varint.js';
import type { DecodedInstruction } from './code.js';
import { INSTRUCTIONS, INVALID } from './instruction-table.js';
import type { InstructionSet } from './instruction-sets.js';
import { InvalidArgumentError, PolkaVMError } from '../errors.js';

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
  /** Code offset of each input instruction (layouts append the code length as a final entry). */
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
 * Lays out instructions whose code targets are given as instruction indices (`targetIndex[i]`, -1 = none; an
 * index equal to the instruction count means the end of the code). Branch lengths depend on distances, so this
 * iterates to a fixed point the way the reference program writer does, producing byte-identical code: the
 * first pass guesses each distance from the instruction count, later passes re-encode instructions whose
 * position or target moved until nothing changes. The result's `offsets` has one entry per instruction plus
 * the code length.
 */
export function layoutInstructions(
  isa: InstructionSet,
  instructions: readonly InstructionFields[],
  targetIndex: readonly number[],
): EncodedCode {
  interface Entry {
    fields: InstructionFields;
    field: 'imm1' | 'imm2' | null;
    target: number;
    position: number;
    bytes: number[];
  }
  const encodeAt = (entry: Entry, position: number): void => {
    entry.bytes = [];
    encodeInstruction(isa, entry.fields, position, entry.bytes);
  };
  const entries: Entry[] = instructions.map((fields, i) => {
    const field = targetOperand(fields.id);
    return { fields: { ...fields }, field, target: field === null ? -1 : (targetIndex[i] ?? -1), position: 0, bytes: [] };
  });
  const positionOf = (index: number, end: number): number => (index < entries.length ? entries[index]!.position : end);

  let position = 0;
  entries.forEach((entry, nth) => {
    if (entry.field !== null && entry.target >= 0) entry.fields[entry.field] = (position + (entry.target - nth)) >>> 0;
    entry.position = position;
    encodeAt(entry, position);
    position += entry.bytes.length;
  });
  // The reference loops until stable, which takes a few rounds; the bound only guards against a bug.
  for (let round = 0; ; round++) {
    if (round >= 10_000) throw new PolkaVMError('internal error: code layout did not converge');
    let anyModified = false;
    const end = position;
    position = 0;
    for (const entry of entries) {
      let modified = entry.position !== position;
      entry.position = position;
      if (entry.field !== null && entry.target >= 0) {
        const newTarget = positionOf(entry.target, end);
        if (entry.fields[entry.field] !== newTarget) {
          entry.fields[entry.field] = newTarget;
          modified = true;
        }
        if (modified) encodeAt(entry, position);
      }
      position += entry.bytes.length;
      anyModified ||= modified;
    }
    if (!anyModified) break;
  }

  const code = new Uint8Array(position);
  const bitmask = new Uint8Array((position + 7) >>> 3);
  const offsets: number[] = [];
  for (const entry of entries) {
    code.set(entry.bytes, entry.position);
    bitmask[entry.position >>> 3]! |= 1 << (entry.position & 7);
    offsets.push(entry.position);
  }
  offsets.push(position);
  return { code, bitmask, offsets };
}
