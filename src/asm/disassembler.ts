/**
 * The disassembler: polkatool's `disassemble` output (guest format), and an assembler-readable variant that
 * {@link assemble} turns back into the same code.
 */
import { DecodedInstruction, ENDS_BLOCK } from '../isa/code.js';
import { targetOperand } from '../isa/encoder.js';
import { INVALID, Op } from '../isa/instruction-table.js';
import { DebugLineInfo, formatSourcePosition, fullFunctionName, type SourceFrame } from '../program/debug-info.js';
import type { ProgramBlob, ProgramSymbol } from '../program/program-blob.js';
import { ProgramParseError } from '../errors.js';
import { formatInstruction } from './format.js';

/** Options of {@link disassemble}. */
export interface DisassembleOptions {
  /** Prefix instructions with their code offset (default true, as polkatool). Ignored when `assembleable`. */
  showOffsets?: boolean;
  /** Show each instruction's bytes (default false). Ignored when `assembleable`. */
  showRawBytes?: boolean;
  /** Gas cost of the basic block starting at `pc`, shown on its label line as `(gas: N)`; null = none. */
  gas?: (pc: number) => number | null;
  /**
   * Produce source for {@link assemble} instead of a listing: directives for the memory layout, imports and the
   * jump table, `@N:` labels, and no offsets. Reassembling gives identical code, bitmask, jump table, data and
   * imports for programs the assembler can express (exports come back sorted by name).
   */
  assembleable?: boolean;
  /**
   * When the blob has debug line information (sections 128-130): print a `<function>:` line where the function
   * changes and a `// file:line` comment line where the source line changes (default true). Ignored when
   * `assembleable`.
   */
  showSource?: boolean;
}

/** A symbol's name if it is valid UTF-8. */
function utf8Name(symbol: ProgramSymbol | null | undefined): string | undefined {
  if (symbol === null || symbol === undefined) return undefined;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(symbol.bytes);
  } catch {
    return undefined;
  }
}

/** The reference's display of a symbol: `'name'` if UTF-8, else hex. */
function displaySymbol(symbol: ProgramSymbol | null | undefined): string {
  if (symbol === null || symbol === undefined) return 'INVALID';
  const name = utf8Name(symbol);
  return name !== undefined ? `'${name}'` : `0x${[...symbol.bytes].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
}

/** Every instruction of the program, including implicit `invalid` ones, in code order. */
function collectInstructions(blob: ProgramBlob): DecodedInstruction[] {
  const list: DecodedInstruction[] = [];
  blob.instructions.walkAll(new DecodedInstruction(), (ins) => {
    list.push(ins.clone());
  });
  return list;
}

/** Code offset → basic block number, for the first instruction of every block (the reference's numbering). */
function blockStarts(instructions: readonly DecodedInstruction[]): Map<number, number> {
  const blocks = new Map<number, number>();
  let counter = 0;
  let started = true;
  for (const ins of instructions) {
    if (started && !blocks.has(ins.pc)) blocks.set(ins.pc, counter);
    started = false;
    if (ENDS_BLOCK[ins.id]) {
      started = true;
      counter++;
    }
  }
  return blocks;
}

function ecalliComment(blob: ProgramBlob, ins: DecodedInstruction): string {
  return ins.id === Op.ecalli ? ` // ${displaySymbol(blob.imports[ins.imm1 >>> 0])}` : '';
}

/**
 * Disassembles a program. By default the output is polkatool's guest listing (header comments, a label line
 * `@N [@dyn J] [export #k: 'name'] (gas: c)` per basic block, then `OFFSET: instruction`); with
 * `assembleable: true` it is source for the assembler. Debug line information, when present, adds function
 * headers and source positions (see {@link DisassembleOptions.showSource}).
 */
export function disassemble(blob: ProgramBlob, options: DisassembleOptions = {}): string {
  const instructions = collectInstructions(blob);
  if (options.assembleable) return assembleableListing(blob, instructions);
  const showOffsets = options.showOffsets ?? true;
  const showRawBytes = options.showRawBytes ?? false;
  const blocks = blockStarts(instructions);
  const exportsAt = new Map<number, string[]>();
  blob.exports.forEach((entry, index) => {
    const list = exportsAt.get(entry.programCounter) ?? [];
    list.push(` [export #${index}: ${displaySymbol(entry.symbol)}]`);
    exportsAt.set(entry.programCounter, list);
  });
  const jumpTableIndex = new Map<number, number>();
  blob.jumpTable.entries.forEach((target, index) => {
    if (!jumpTableIndex.has(target)) jumpTableIndex.set(target, index + 1);
  });
  const out: string[] = [
    `// RO data = ${blob.roData.length}/${blob.roDataSize} bytes`,
    `// RW data = ${blob.rwData.length}/${blob.rwDataSize} bytes`,
    `// Stack size = ${blob.stackSize} bytes`,
    '',
    `// Instructions = ${instructions.length}`,
    `// Code size = ${blob.code.length} bytes`,
    '',
  ];
  const labelFor = (target: number): string => {
    const block = blocks.get(target);
    return block === undefined ? String(target) : `@${block}`;
  };
  let block = 0;
  let pendingLabel = true;
  const source = options.showSource === false ? null : sourceAnnotator(blob);
  instructions.forEach((ins, nth) => {
    const position = source?.(ins.pc, nth, out) ?? null;
    if (pendingLabel) {
      pendingLabel = false;
      let label = `@${block}`;
      const dyn = jumpTableIndex.get(ins.pc);
      if (dyn !== undefined) label += ` [@dyn ${dyn}]`;
      label += exportsAt.get(ins.pc)?.join('') ?? '';
      const gas = options.gas?.(ins.pc);
      if (gas !== undefined && gas !== null) label += ` (gas: ${gas})`;
      out.push(`${showOffsets ? '      : ' : ''}${showRawBytes ? `${''.padEnd(24)} ` : ''}${label}`);
    }
    if (position !== null) out.push(`${showOffsets ? '        ' : ''}// ${position}`);
    const text = formatInstruction(ins, blob.is64Bit, labelFor) + ecalliComment(blob, ins);
    let line = showOffsets ? `${String(ins.pc).padStart(6)}: ` : '';
    if (showRawBytes) {
      const bytes = blob.code.subarray(ins.pc, Math.min(ins.nextPc, blob.code.length));
      line += `${[...bytes].map((b) => b.toString(16).padStart(2, '0')).join(' ').padEnd(24)} `;
    }
    out.push(line + text);
    if (ENDS_BLOCK[ins.id]) {
      if (nth + 1 !== instructions.length) pendingLabel = true;
      block++;
    }
  });
  return out.map((line) => `${line}\n`).join('');
}

/**
 * Source information for the listing, like polkatool: a blank line and `<function>:` pushed to `out` when the
 * line program (function) changes. The returned function also gives the instruction's source position when it
 * differs from the previous one (else null). Null if the blob has no (well-formed) debug line information.
 */
function sourceAnnotator(blob: ProgramBlob): ((pc: number, nth: number, out: string[]) => string | null) | null {
  let info: DebugLineInfo | null;
  try {
    info = DebugLineInfo.fromBlob(blob);
  } catch (error) {
    if (error instanceof ProgramParseError) return null;
    throw error;
  }
  if (info === null) return null;
  const lines = info;
  let lastProgram = -1;
  let lastName = '';
  let lastPosition: string | null = null;
  let broken = false;
  return (pc, nth, out) => {
    if (broken) return null;
    let frames: readonly SourceFrame[];
    try {
      frames = lines.framesAt(pc);
    } catch (error) {
      if (!(error instanceof ProgramParseError)) throw error;
      broken = true; // Malformed line programs: keep the listing, drop the annotations.
      return null;
    }
    const program = lines.programIndexAt(pc);
    if (frames.length === 0) {
      if (lastName !== '') out.push('');
      lastProgram = -1;
      lastName = '';
      lastPosition = null;
      return null;
    }
    if (program !== lastProgram) {
      if (nth !== 0) out.push('');
      lastProgram = program;
      const name = fullFunctionName(frames[0]!);
      if (name !== lastName) out.push(`<${name}>:`);
      lastName = name;
    }
    const innermost = frames[frames.length - 1]!;
    const position = innermost.kind === 'enter' ? null : formatSourcePosition(innermost);
    const changed = position !== null && position !== lastPosition;
    lastPosition = position;
    return changed ? position : null;
  };
}

/** A name the assembler accepts as a label or import and reads back unchanged. */
function isPlainName(name: string | undefined): name is string {
  return name !== undefined && /^\S+$/.test(name) && !name.includes('//') && !name.endsWith(':');
}

/** Labels for the assembleable listing: every block start, plus every instruction something refers to. */
function assembleableLabels(blob: ProgramBlob, real: readonly DecodedInstruction[], blocks: ReadonlyMap<number, number>): Map<number, string> {
  // Generated labels are `@N` (block N) and `@N.k` (k-th instruction of block N); avoid clashing with exports.
  const prefix = blob.exports.some((entry) => /^\d/.test(entry.symbol.toString())) ? 'L' : '';
  const wanted = new Set<number>([...blob.jumpTable.entries, ...blob.exports.map((entry) => entry.programCounter)]);
  for (const ins of real) {
    const field = targetOperand(ins.id);
    if (field !== null) wanted.add(ins[field] >>> 0);
  }
  const labels = new Map<number, string>();
  let block = -1;
  let within = 0;
  for (const ins of real) {
    const start = blocks.get(ins.pc);
    if (start !== undefined) {
      block = start;
      within = 0;
      labels.set(ins.pc, `${prefix}${start}`);
    } else {
      within++;
      if (wanted.has(ins.pc)) labels.set(ins.pc, `${prefix}${block}.${within}`);
    }
  }
  return labels;
}

/** Source text for the assembler (see {@link DisassembleOptions.assembleable}). */
function assembleableListing(blob: ProgramBlob, instructions: readonly DecodedInstruction[]): string {
  const real = instructions.filter((ins) => ins.pc < blob.code.length);
  const blocks = blockStarts(real);
  const labels = assembleableLabels(blob, real, blocks);
  const labelFor = (target: number): string => {
    const label = labels.get(target);
    return label === undefined ? String(target) : `@${label}`;
  };

  const hex = (bytes: Uint8Array): string => [...bytes].map((b) => b.toString(16).padStart(2, '0')).join(' ');
  const out: string[] = ['// Assembler source produced by the polkavm-ts disassembler.', `%isa = ${blob.isa.kind}`];
  if (blob.roDataSize > 0) out.push(`%ro_data_size = ${blob.roDataSize}`);
  if (blob.roData.length > 0) out.push(`%ro_data = ${hex(blob.roData)}`);
  if (blob.rwDataSize > 0) out.push(`%rw_data_size = ${blob.rwDataSize}`);
  if (blob.rwData.length > 0) out.push(`%rw_data = ${hex(blob.rwData)}`);
  if (blob.stackSize > 0) out.push(`%stack_size = ${blob.stackSize}`);
  blob.imports.forEach((symbol, index) => {
    const name = utf8Name(symbol);
    out.push(isPlainName(name) ? `%import ${name}` : `// import #${index} cannot be expressed`);
  });
  const entries = [...blob.jumpTable.entries].map(labelFor); // Labels, or raw offsets for entries between instructions.
  for (let i = 0; i < entries.length; i += 16) out.push(`%jump_table = ${entries.slice(i, i + 16).join(', ')}`);

  const exportLines = new Map<number, string[]>();
  blob.exports.forEach((entry, index) => {
    const name = utf8Name(entry.symbol);
    const midBlock = !blocks.has(entry.programCounter);
    const line = isPlainName(name) && labels.has(entry.programCounter)
      ? `pub @${name}:${midBlock ? ' %no_fallthrough' : ''}`
      : `// export #${index} cannot be expressed`;
    exportLines.set(entry.programCounter, [...(exportLines.get(entry.programCounter) ?? []), line]);
    if (!labels.has(entry.programCounter)) out.push(line);
  });
  out.push('');

  for (const ins of real) {
    const midBlock = !blocks.has(ins.pc);
    const label = labels.get(ins.pc);
    if (label !== undefined) out.push(...(exportLines.get(ins.pc) ?? []), `@${label}:${midBlock ? ' %no_fallthrough' : ''}`);
    const text = ins.id === INVALID ? 'invalid' : formatInstruction(ins, blob.is64Bit, labelFor, { assembleable: true });
    // A symbol with a line break would leak out of the comment.
    const comment = ecalliComment(blob, ins);
    out.push(`    ${text}${/[\r\n]/.test(comment) ? '' : comment}`);
  }
  return out.map((line) => `${line}\n`).join('');
}
