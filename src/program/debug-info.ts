/**
 * The optional debug sections of a `.polkavm` blob: 128 (strings), 129 (line programs) and 130 (line program
 * ranges). They map code offsets to stacks of source frames (function, file, line, column), including functions
 * inlined into each other.
 *
 * Format (as the reference PolkaVM 0.35 writes and reads it):
 * - strings: concatenated `varint length + UTF-8 bytes`, referenced by byte offset; offset 0 is the empty string.
 * - ranges: 12-byte entries `u32 pc_begin, u32 pc_end, u32 program_offset`, sorted by pc.
 * - line programs: a version byte (1), then one program per range: opcodes that edit a stack of up to 16 frames
 *   and "finish" opcodes that each describe the next `count` code bytes with the frames `[0, depth)`.
 */
import { ProgramParseError } from '../errors.js';
import { ByteReader } from './byte-reader.js';
import type { CustomSection, ProgramBlob } from './program-blob.js';
import { SECTION_DEBUG_LINE_PROGRAM_RANGES, SECTION_DEBUG_LINE_PROGRAMS, SECTION_DEBUG_STRINGS } from './program-blob.js';
import { writeVarint } from './varint.js';

/** One level of a source location stack, outermost first. */
export interface SourceFrame {
  /** `enter`: a function's own frame (declaration site); `call`: where an inlined function was called; `line`: the current line. */
  readonly kind: 'enter' | 'call' | 'line';
  readonly namespace: string | null;
  readonly functionName: string | null;
  readonly path: string | null;
  /** 0 = unknown. */
  readonly line: number;
  /** 0 = unknown. */
  readonly column: number;
}

/** Debug information for one instruction: its code range and frames (null = none). */
export interface DebugInstruction {
  readonly start: number;
  readonly end: number;
  readonly frames: readonly SourceFrame[] | null;
}

const VERSION_V1 = 1;
const MAX_FRAMES = 16;
const MAX_OPS_PER_REGION = 512;

const enum LineOp {
  FinishProgram = 0,
  SetMutationDepth = 1,
  SetKindEnter = 2,
  SetKindCall = 3,
  SetKindLine = 4,
  SetNamespace = 5,
  SetFunctionName = 6,
  SetPath = 7,
  SetLine = 8,
  SetColumn = 9,
  SetStackDepth = 10,
  IncrementLine = 11,
  AddLine = 12,
  SubLine = 13,
  FinishInstruction = 14,
  FinishMultipleInstructions = 15,
  FinishInstructionAndIncrementStackDepth = 16,
  FinishMultipleInstructionsAndIncrementStackDepth = 17,
  FinishInstructionAndDecrementStackDepth = 18,
  FinishMultipleInstructionsAndDecrementStackDepth = 19,
}

const KIND_OPS = { enter: LineOp.SetKindEnter, call: LineOp.SetKindCall, line: LineOp.SetKindLine } as const;

/** A frame's full function name: `namespace::name`. */
export function fullFunctionName(frame: SourceFrame): string {
  const name = frame.functionName ?? '';
  return frame.namespace ? `${frame.namespace}::${name}` : name;
}

/** `path:line:column`, `path:line` or `path`; null without a path. */
export function formatSourcePosition(frame: SourceFrame): string | null {
  if (frame.path === null) return null;
  if (frame.line === 0) return frame.path;
  return frame.column === 0 ? `${frame.path}:${frame.line}` : `${frame.path}:${frame.line}:${frame.column}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Writing

class StringTable {
  readonly bytes: number[] = [];
  private readonly offsets = new Map<string, number>();
  private readonly encoder = new TextEncoder();

  constructor() {
    this.add('');
  }

  add(text: string): number {
    const known = this.offsets.get(text);
    if (known !== undefined) return known;
    const offset = this.bytes.length;
    const encoded = this.encoder.encode(text);
    writeVarint(encoded.length, this.bytes);
    for (const byte of encoded) this.bytes.push(byte);
    this.offsets.set(text, offset);
    return offset;
  }
}

interface WriterFrame {
  kind: SourceFrame['kind'] | null;
  namespace: string | null;
  functionName: string | null;
  path: string | null;
  line: number | null;
  column: number | null;
}

const blankFrame = (): WriterFrame => ({ kind: null, namespace: null, functionName: null, path: null, line: null, column: null });

/** Emits one line program, tracking what the reader's state will be so that only changes are encoded. */
class LineProgramWriter {
  private readonly stack: WriterFrame[] = [];
  private stackDepth = 0;
  private mutationDepth = 0;
  private queued = 0;

  constructor(
    private readonly out: number[],
    private readonly strings: StringTable,
  ) {}

  private op(op: LineOp, value?: number): void {
    this.out.push(op);
    if (value !== undefined) writeVarint(value, this.out);
  }

  private flush(): void {
    if (this.queued === 1) this.op(LineOp.FinishInstruction);
    else if (this.queued > 1) this.op(LineOp.FinishMultipleInstructions, this.queued);
    this.queued = 0;
  }

  private mutate(depth: number): void {
    this.flush();
    if (depth !== this.mutationDepth) this.op(LineOp.SetMutationDepth, depth);
    this.mutationDepth = depth;
  }

  instruction(frames: readonly SourceFrame[], length: number, nextDepth: number): void {
    while (this.stack.length < frames.length) this.stack.push(blankFrame());
    if (frames.length !== this.stackDepth) {
      this.flush();
      this.op(LineOp.SetStackDepth, frames.length);
      this.stackDepth = frames.length;
    }
    frames.forEach((frame, depth) => this.updateFrame(depth, frame));

    this.queued += length;
    // Depth changes by one are folded into the finishing opcode.
    const delta = nextDepth - this.stackDepth;
    if (delta !== 1 && delta !== -1) return;
    while (this.stack.length < nextDepth) this.stack.push(blankFrame());
    const single = this.queued === 1;
    if (delta === 1) {
      this.op(single ? LineOp.FinishInstructionAndIncrementStackDepth : LineOp.FinishMultipleInstructionsAndIncrementStackDepth, single ? undefined : this.queued);
    } else {
      this.op(single ? LineOp.FinishInstructionAndDecrementStackDepth : LineOp.FinishMultipleInstructionsAndDecrementStackDepth, single ? undefined : this.queued);
    }
    this.stackDepth = nextDepth;
    this.queued = 0;
  }

  private updateFrame(depth: number, frame: SourceFrame): void {
    const state = this.stack[depth]!;
    const line = frame.line === 0 ? null : frame.line;
    const column = frame.column === 0 ? null : frame.column;
    if (state.kind !== frame.kind) {
      this.mutate(depth);
      this.op(KIND_OPS[frame.kind]);
      state.kind = frame.kind;
    }
    if (state.namespace !== frame.namespace) {
      this.mutate(depth);
      this.op(LineOp.SetNamespace, this.strings.add(frame.namespace ?? ''));
      state.namespace = frame.namespace;
    }
    if (state.functionName !== frame.functionName) {
      this.mutate(depth);
      this.op(LineOp.SetFunctionName, this.strings.add(frame.functionName ?? ''));
      state.functionName = frame.functionName;
    }
    if (state.path !== frame.path) {
      this.mutate(depth);
      this.op(LineOp.SetPath, this.strings.add(frame.path ?? ''));
      state.path = frame.path;
    }
    if (state.line !== line) {
      this.mutate(depth);
      const old = state.line;
      if (old !== null && line !== null && line === old + 1) this.op(LineOp.IncrementLine);
      else if (old !== null && line !== null && line > old) this.op(LineOp.AddLine, line - old);
      else if (old !== null && line !== null) this.op(LineOp.SubLine, old - line);
      else this.op(LineOp.SetLine, line ?? 0);
      state.line = line;
    }
    if (state.column !== column) {
      this.mutate(depth);
      this.op(LineOp.SetColumn, column ?? 0);
      state.column = column;
    }
  }

  finish(): void {
    this.flush();
    this.op(LineOp.FinishProgram);
  }
}

/**
 * Encodes debug sections 128-130 for instructions given in code order. Consecutive instructions whose outermost
 * frame has the same function and path form one line program; instructions without frames get none.
 * Returns no sections if no instruction has debug information.
 */
export function writeDebugSections(instructions: readonly DebugInstruction[]): CustomSection[] {
  interface Group {
    first: number;
    last: number;
    key: string;
  }
  const strings = new StringTable();
  const groups: Group[] = [];
  instructions.forEach((instruction, index) => {
    const top = instruction.frames?.[0];
    for (const frame of instruction.frames ?? []) {
      if (frame.namespace !== null) strings.add(frame.namespace);
      if (frame.functionName !== null) strings.add(frame.functionName);
      if (frame.path !== null) strings.add(frame.path);
    }
    const key = top === undefined ? '' : JSON.stringify([top.namespace, top.functionName, top.path]);
    const previous = groups[groups.length - 1];
    if (previous !== undefined && previous.key === key && previous.last === index - 1) previous.last = index;
    else groups.push({ first: index, last: index, key });
  });
  const described = groups.filter((group) => {
    const top = instructions[group.first]!.frames?.[0];
    return top !== undefined && (top.functionName !== null || top.path !== null);
  });
  if (described.length === 0) return [];

  const programs: number[] = [VERSION_V1];
  const ranges: number[] = [];
  const pushU32 = (value: number): void => {
    ranges.push(value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, value >>> 24);
  };
  for (const group of described) {
    pushU32(instructions[group.first]!.start);
    pushU32(instructions[group.last]!.end);
    pushU32(programs.length); // offsets count from the start of the section, version byte included
    const writer = new LineProgramWriter(programs, strings);
    for (let i = group.first; i <= group.last; i++) {
      const instruction = instructions[i]!;
      const nextDepth = instructions[i + 1]?.frames?.length ?? 0;
      writer.instruction(instruction.frames!, instruction.end - instruction.start, nextDepth);
    }
    writer.finish();
  }
  return [
    { id: SECTION_DEBUG_STRINGS, bytes: Uint8Array.from(strings.bytes) },
    { id: SECTION_DEBUG_LINE_PROGRAMS, bytes: Uint8Array.from(programs) },
    { id: SECTION_DEBUG_LINE_PROGRAM_RANGES, bytes: Uint8Array.from(ranges) },
  ];
}

// ---------------------------------------------------------------------------------------------------------------
// Reading

interface ReaderFrame {
  kind: SourceFrame['kind'];
  namespace: number;
  functionName: number;
  path: number;
  line: number;
  column: number;
}

/** A region decoded from a line program: `[start, end)` described by `frames`. */
export interface DebugRegion {
  readonly start: number;
  readonly end: number;
  readonly frames: readonly SourceFrame[];
}

/**
 * Reads a blob's debug line information. Construction validates the section headers; lookups throw
 * {@link ProgramParseError} for malformed line programs.
 */
export class DebugLineInfo {
  private readonly strings: Uint8Array;
  private readonly programs: Uint8Array;
  private readonly ranges: DataView;
  private readonly rangeCount: number;
  private readonly stringCache = new Map<number, string>();
  private cachedEntry = -1;
  private cachedRegions: DebugRegion[] = [];

  private constructor(strings: Uint8Array, programs: Uint8Array, ranges: Uint8Array) {
    if (programs[0] !== VERSION_V1) throw new ProgramParseError('Other', 0, 'the debug line programs section has an unsupported version');
    if (ranges.length % 12 !== 0) throw new ProgramParseError('Other', 0, 'the debug function ranges section has an invalid size');
    this.strings = strings;
    this.programs = programs;
    this.ranges = new DataView(ranges.buffer, ranges.byteOffset, ranges.byteLength);
    this.rangeCount = ranges.length / 12;
  }

  /** The blob's line information, or null if it has none. */
  static fromBlob(blob: ProgramBlob): DebugLineInfo | null {
    const programs = blob.section(SECTION_DEBUG_LINE_PROGRAMS);
    const ranges = blob.section(SECTION_DEBUG_LINE_PROGRAM_RANGES);
    if (programs === undefined || ranges === undefined || programs.length === 0 || ranges.length === 0) return null;
    return new DebugLineInfo(blob.section(SECTION_DEBUG_STRINGS) ?? new Uint8Array(0), programs, ranges);
  }

  /** Index of the range entry containing `pc`, or -1. */
  private entryAt(pc: number): number {
    let low = 0;
    let high = this.rangeCount;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.ranges.getUint32(mid * 12, true) <= pc) low = mid + 1;
      else high = mid;
    }
    const index = low - 1;
    return index >= 0 && pc < this.ranges.getUint32(index * 12 + 4, true) ? index : -1;
  }

  /** The frames describing the instruction at `pc`, outermost first; empty if there are none. */
  framesAt(pc: number): readonly SourceFrame[] {
    return this.regionAt(pc)?.frames ?? [];
  }

  /** The decoded region containing `pc`, if any. */
  regionAt(pc: number): DebugRegion | null {
    const entry = this.entryAt(pc);
    if (entry < 0) return null;
    if (entry !== this.cachedEntry) {
      this.cachedRegions = this.runProgram(entry);
      this.cachedEntry = entry;
    }
    // Regions are contiguous and ascending: binary search for the last one starting at or before `pc`.
    const regions = this.cachedRegions;
    let low = 0;
    let high = regions.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (regions[mid]!.start <= pc) low = mid + 1;
      else high = mid;
    }
    const region = regions[low - 1];
    return region !== undefined && pc < region.end ? region : null;
  }

  /** Which line program (range entry) covers `pc`; -1 for none. Changes mark function boundaries. */
  programIndexAt(pc: number): number {
    return this.entryAt(pc);
  }

  private string(offset: number): string {
    const cached = this.stringCache.get(offset);
    if (cached !== undefined) return cached;
    const reader = new ByteReader(this.strings, offset);
    if (offset > this.strings.length) throw reader.error('debug string offset is out of range');
    const bytes = reader.readBytesWithLength();
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      throw new ProgramParseError('FailedToReadStringNonUtf', offset, 'debug string is not valid UTF-8');
    }
    this.stringCache.set(offset, text);
    return text;
  }

  private runProgram(entry: number): DebugRegion[] {
    let pc = this.ranges.getUint32(entry * 12, true);
    const programOffset = this.ranges.getUint32(entry * 12 + 8, true);
    const reader = new ByteReader(this.programs, programOffset);
    if (programOffset > this.programs.length) throw reader.error('line program offset is out of range');
    const stack: ReaderFrame[] = Array.from({ length: MAX_FRAMES }, () => ({ kind: 'line', namespace: 0, functionName: 0, path: 0, line: 0, column: 0 }));
    const regions: DebugRegion[] = [];
    let stackDepth = 0;
    let mutationDepth = 0;
    let opsInRegion = 0;
    const target = (): ReaderFrame | undefined => stack[mutationDepth];
    for (;;) {
      if (++opsInRegion > MAX_OPS_PER_REGION) throw reader.error('found a line program with too many instructions');
      const op = reader.readByte();
      let count: number;
      let depth = stackDepth;
      switch (op) {
        case LineOp.FinishProgram:
          return regions;
        case LineOp.SetMutationDepth:
          mutationDepth = reader.readVarint();
          continue;
        case LineOp.SetKindEnter:
        case LineOp.SetKindCall:
        case LineOp.SetKindLine: {
          const frame = target();
          if (frame) frame.kind = op === LineOp.SetKindEnter ? 'enter' : op === LineOp.SetKindCall ? 'call' : 'line';
          continue;
        }
        case LineOp.SetNamespace:
        case LineOp.SetFunctionName:
        case LineOp.SetPath:
        case LineOp.SetLine:
        case LineOp.SetColumn:
        case LineOp.AddLine:
        case LineOp.SubLine: {
          const value = reader.readVarint();
          const frame = target();
          if (frame === undefined) continue;
          if (op === LineOp.SetNamespace) frame.namespace = value;
          else if (op === LineOp.SetFunctionName) frame.functionName = value;
          else if (op === LineOp.SetPath) frame.path = value;
          else if (op === LineOp.SetLine) frame.line = value;
          else if (op === LineOp.SetColumn) frame.column = value;
          else if (op === LineOp.AddLine) frame.line = (frame.line + value) >>> 0;
          else frame.line = (frame.line - value) >>> 0;
          continue;
        }
        case LineOp.SetStackDepth:
          stackDepth = reader.readVarint();
          continue;
        case LineOp.IncrementLine: {
          const frame = target();
          if (frame) frame.line = (frame.line + 1) >>> 0;
          continue;
        }
        case LineOp.FinishInstruction:
          count = 1;
          break;
        case LineOp.FinishMultipleInstructions:
          count = reader.readVarint();
          break;
        case LineOp.FinishInstructionAndIncrementStackDepth:
        case LineOp.FinishMultipleInstructionsAndIncrementStackDepth:
          count = op === LineOp.FinishInstructionAndIncrementStackDepth ? 1 : reader.readVarint();
          stackDepth = Math.min(stackDepth + 1, 0xffffffff);
          break;
        case LineOp.FinishInstructionAndDecrementStackDepth:
        case LineOp.FinishMultipleInstructionsAndDecrementStackDepth:
          count = op === LineOp.FinishInstructionAndDecrementStackDepth ? 1 : reader.readVarint();
          stackDepth = Math.max(stackDepth - 1, 0);
          break;
        default:
          throw reader.error('found an unrecognized line program opcode', reader.position - 1);
      }
      depth = Math.min(depth, MAX_FRAMES);
      regions.push({ start: pc, end: pc + count, frames: stack.slice(0, depth).map((frame) => this.toSourceFrame(frame)) });
      pc += count;
      opsInRegion = 0;
    }
  }

  private toSourceFrame(frame: ReaderFrame): SourceFrame {
    const orNull = (text: string): string | null => (text === '' ? null : text);
    return {
      kind: frame.kind,
      namespace: orNull(this.string(frame.namespace)),
      functionName: orNull(this.string(frame.functionName)),
      path: orNull(this.string(frame.path)),
      line: frame.line,
      column: frame.column,
    };
  }
}

/**
 * Describes the source location of code offset `pc` in one line, e.g. `compute at prog.c:22:7 (inlined into
 * main at prog.c:40)`; null if the blob has no debug information for it. Never throws: malformed debug
 * information yields null.
 */
export function describeSourceLocation(blob: ProgramBlob, pc: number): string | null {
  try {
    const frames = DebugLineInfo.fromBlob(blob)?.framesAt(pc) ?? [];
    return describeFrames(frames);
  } catch (error) {
    if (error instanceof ProgramParseError) return null;
    throw error;
  }
}

/**
 * One-line description of a frame stack (see {@link describeSourceLocation}). The stack is read as one segment
 * per function, each starting at an `enter` frame; the last frame of every outer segment (a `call` frame from
 * DWARF inlining, or a `line` frame where the linker inlined a block) is the call site of the next one.
 */
export function describeFrames(frames: readonly SourceFrame[]): string | null {
  if (frames.length === 0) return null;
  const segments: SourceFrame[][] = [];
  for (const frame of frames) {
    if (frame.kind === 'enter' || segments.length === 0) segments.push([frame]);
    else segments[segments.length - 1]!.push(frame);
  }
  const nameOf = (segment: readonly SourceFrame[]): string =>
    fullFunctionName(segment[0]!) || fullFunctionName(segment[segment.length - 1]!) || '<unknown>';
  const positionOf = (segment: readonly SourceFrame[]): string => {
    const last = segment[segment.length - 1]!;
    // An `enter` frame only knows where the function is declared, not which line is executing.
    if (last.kind === 'enter') return last.path === null ? '' : ` in ${last.path}`;
    const position = formatSourcePosition(last);
    return position === null ? '' : ` at ${position}`;
  };
  const innermost = segments[segments.length - 1]!;
  let text = nameOf(innermost) + positionOf(innermost);
  const callers: string[] = [];
  for (let i = segments.length - 2; i >= 0; i--) callers.push(nameOf(segments[i]!) + positionOf(segments[i]!));
  if (callers.length > 0) text += ` (inlined into ${callers.join(', inlined into ')})`;
  return text;
}
