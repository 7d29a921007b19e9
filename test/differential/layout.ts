/**
 * Code layout for generated programs. Unlike the encoder's `layoutInstructions`, an item may be raw bytes, may be
 * truncated or padded with bytes that are not instruction starts (to exercise the decoder's skip and operand-window
 * rules), and may target any offset relative to another item (mid-instruction and out-of-range targets included).
 */
import { encodeInstruction, targetOperand, type InstructionFields } from '../../src/isa/encoder.js';
import type { InstructionSet } from '../../src/isa/instruction-sets.js';

/** A branch/jump target: the code offset of item `index` (the code length when `index` is the item count) plus `delta`. */
export interface TargetRef {
  readonly index: number;
  readonly delta: number;
}

/**
 * The code offset a target refers to, given every item's offset (and the code length after them). A delta into an
 * item stays inside it (modulo its length), so that it never lands on the next item: the generator keeps
 * unmetered programs free of loops by where their targets go, and the next item may lie in another segment.
 */
export function targetOffset(offsets: readonly number[], target: TargetRef): number {
  const count = offsets.length - 1;
  const index = Math.min(target.index, count);
  if (index === count || target.delta === 0) return offsets[index]! + target.delta;
  return offsets[index]! + (target.delta % (offsets[index + 1]! - offsets[index]!));
}

export interface LayoutItem {
  /** An instruction to encode, or null for `raw` bytes. */
  readonly fields: InstructionFields | null;
  readonly raw: readonly number[];
  readonly target: TargetRef | null;
  /** Bytes removed from the end of the encoding (at least one byte, the opcode, stays). */
  readonly trim: number;
  /** Bytes appended after the encoding that are not instruction starts. */
  readonly extra: readonly number[];
}

export interface LaidOutCode {
  readonly code: Uint8Array;
  readonly bitmask: Uint8Array;
  /** Code offset of each item, then the code length. */
  readonly offsets: readonly number[];
}

function encodeItem(isa: InstructionSet, item: LayoutItem, position: number, targetOffset: number): number[] {
  let bytes: number[];
  if (item.fields === null) {
    bytes = [...item.raw];
  } else {
    bytes = [];
    const fields = { ...item.fields };
    const field = targetOperand(fields.id);
    if (field !== null && item.target !== null) fields[field] = targetOffset >>> 0;
    encodeInstruction(isa, fields, position, bytes);
  }
  if (item.trim > 0) bytes.length = Math.max(1, bytes.length - item.trim);
  bytes.push(...item.extra);
  return bytes;
}

/**
 * Encodes items until their lengths stop changing (relative targets change lengths). If that does not converge, the
 * last encoding is kept: the bitmask always matches the bytes, only a target may be off, which still yields a
 * deterministic, loadable program.
 */
export function layoutItems(isa: InstructionSet, items: readonly LayoutItem[]): LaidOutCode {
  let encoded: number[][] = items.map((item) => encodeItem(isa, item, 0, 0));
  for (let round = 0; round < 64; round++) {
    const offsets = offsetsOf(encoded);
    const next = items.map((item, i) => {
      const target = item.target === null ? 0 : targetOffset(offsets, item.target);
      return encodeItem(isa, item, offsets[i]!, target);
    });
    const stable = next.every((bytes, i) => bytes.length === encoded[i]!.length);
    encoded = next;
    if (stable) break;
  }
  const offsets = offsetsOf(encoded);
  const length = offsets[offsets.length - 1]!;
  const code = new Uint8Array(length);
  const bitmask = new Uint8Array((length + 7) >>> 3);
  encoded.forEach((bytes, i) => {
    const at = offsets[i]!;
    code.set(bytes, at);
    bitmask[at >>> 3]! |= 1 << (at & 7);
  });
  return { code, bitmask, offsets };
}

function offsetsOf(encoded: readonly (readonly number[])[]): number[] {
  const offsets: number[] = [];
  let position = 0;
  for (const bytes of encoded) {
    offsets.push(position);
    position += bytes.length;
  }
  offsets.push(position);
  return offsets;
}
