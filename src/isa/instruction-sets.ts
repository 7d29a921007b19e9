/**
 * Per-ISA views of the instruction table: which byte decodes to which instruction, and back.
 */
import { INSTRUCTIONS, INVALID, type InstructionSetKind } from './instruction-table.js';

export type { InstructionSetKind } from './instruction-table.js';

/** An instruction set: opcode byte ⇄ instruction id maps plus its bitness. */
export interface InstructionSet {
  readonly kind: InstructionSetKind;
  /** The `.polkavm` version byte that selects this instruction set. */
  readonly blobVersion: number;
  /** Whether registers are 64 bits wide (false only for `latest32`). */
  readonly is64Bit: boolean;
  /** Instruction id for every opcode byte; {@link INVALID} where the byte is not an opcode of this set. */
  readonly byteToId: Uint8Array;
  /** Opcode byte for every instruction id; -1 where the instruction is not part of this set. */
  readonly idToByte: Int16Array;
}

function build(kind: InstructionSetKind, blobVersion: number, is64Bit: boolean): InstructionSet {
  const byteToId = new Uint8Array(256).fill(INVALID);
  const idToByte = new Int16Array(INSTRUCTIONS.length + 1).fill(-1);
  for (const def of INSTRUCTIONS) {
    const byte = def.opcode[kind];
    if (byte === null) continue;
    byteToId[byte] = def.id;
    idToByte[def.id] = byte;
  }
  return Object.freeze({ kind, blobVersion, is64Bit, byteToId, idToByte });
}

/** All instruction sets by name. */
export const INSTRUCTION_SETS: Readonly<Record<InstructionSetKind, InstructionSet>> = Object.freeze({
  revive_v1: build('revive_v1', 0, true),
  latest32: build('latest32', 1, false),
  latest64: build('latest64', 2, true),
  jam_v1: build('jam_v1', 3, true),
});

const BY_VERSION: readonly InstructionSet[] = [
  INSTRUCTION_SETS.revive_v1,
  INSTRUCTION_SETS.latest32,
  INSTRUCTION_SETS.latest64,
  INSTRUCTION_SETS.jam_v1,
];

/** The instruction set a `.polkavm` version byte selects, or undefined for an unknown version. */
export function instructionSetForBlobVersion(version: number): InstructionSet | undefined {
  return BY_VERSION[version];
}

/** Parses an ISA name as used on the command line (`latest64`, `latest32`, `jam_v1`, `revive_v1`). */
export function instructionSetByName(name: string): InstructionSet | undefined {
  return Object.prototype.hasOwnProperty.call(INSTRUCTION_SETS, name)
    ? INSTRUCTION_SETS[name as InstructionSetKind]
    : undefined;
}
