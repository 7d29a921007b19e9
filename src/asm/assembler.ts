/**
 * The assembler for the polkatool/spectool text syntax (the syntax the disassembler prints).
 *
 * Matches polkatool's `assemble` byte for byte: same instruction selection, automatic `fallthrough` before a label
 * in the middle of a block, same layout algorithm and jump-table entry size, exports sorted by name. Extensions
 * beyond the reference syntax are listed in {@link assemble}.
 */
import { InvalidArgumentError } from '../errors.js';
import { layoutInstructions, type InstructionFields } from '../isa/encoder.js';
import { INSTRUCTION_SETS, instructionSetByName, type InstructionSet, type InstructionSetKind } from '../isa/instruction-sets.js';
import { INSTRUCTIONS, Op } from '../isa/instruction-table.js';
import { JumpTable, jumpTableEntrySize } from '../program/code-and-jump-table.js';
import { ProgramBlob, ProgramSymbol, type ProgramExport } from '../program/program-blob.js';
import { AssemblyError } from './assembly-error.js';
import { parseHexBytes, parseU32 } from './operands.js';
import { parseInstruction, type Fail, type ParsedInstruction } from './parse-instruction.js';

/** Options of {@link assemble}. */
export interface AssembleOptions {
  /** Instruction set to assemble for (default `latest64`); a `%isa = …` directive in the source overrides it. */
  isa?: InstructionSetKind;
}

/** Where a statement is in the source, for error messages. */
interface Location {
  readonly line: number;
  readonly column: number;
}

interface PendingInstruction extends ParsedInstruction, Location {}

interface LabelUse extends Location {
  readonly label: string;
}

type JumpTableEntry = (LabelUse & { readonly kind: 'label' }) | { readonly kind: 'offset'; readonly offset: number };

/** A `%ro_data`/`%rw_data` payload and where it was given. */
interface DataPayload extends Location {
  readonly bytes: Uint8Array;
}

/** Everything collected from the source before layout. */
interface Program {
  isa: InstructionSet;
  instructions: PendingInstruction[];
  /** Label name → index of the instruction it precedes. */
  labels: Map<string, number>;
  exports: LabelUse[];
  imports: string[];
  jumpTable: JumpTableEntry[];
  roData: DataPayload;
  rwData: DataPayload;
  roDataSize: number | undefined;
  rwDataSize: number | undefined;
  stackSize: number;
}

/** Strips a `//` comment (the reference only allows whole-line comments; trailing ones are our extension). */
function stripComment(line: string): string {
  const index = line.indexOf('//');
  return index < 0 ? line : line.slice(0, index);
}

function failAt(location: Location): Fail {
  return (reason: string): never => {
    throw new AssemblyError(reason, location.line, location.column);
  };
}

/** Finds the effective instruction set: the last `%isa` directive wins, as in the reference. */
function findInstructionSet(lines: readonly string[], fallback: InstructionSetKind): InstructionSet {
  let isa = INSTRUCTION_SETS[fallback];
  lines.forEach((raw, index) => {
    const match = /^%isa\s*=\s*(.*)$/.exec(stripComment(raw).trim());
    if (!match) return;
    const column = raw.search(/\S/) + 1;
    isa = instructionSetByName(match[1]!.trim()) ?? failAt({ line: index + 1, column })(`unknown instruction set "${match[1]!.trim()}"`);
  });
  return isa;
}

/** Handles a `%…` directive line. */
function directive(program: Program, text: string, location: Location, fail: Fail): void {
  const importMatch = /^%import\s+(\S.*)$/.exec(text);
  if (importMatch) {
    const name = importMatch[1]!.trim();
    if (program.imports.includes(name)) fail(`import "${name}" is declared twice`);
    program.imports.push(name);
    return;
  }
  const match = /^%(\w+)\s*(?:=\s*(.*))?$/.exec(text) ?? fail(`cannot parse directive "${text}"`);
  const name = match[1]!;
  const value = match[2] ?? '';
  const size = (): number => parseU32(value) ?? fail(`expected an unsigned 32-bit number, found "${value}"`);
  const bytes = (): Uint8Array => parseHexBytes(value) ?? fail(`expected hex bytes, found "${value}"`);
  switch (name) {
    case 'isa':
      // Applied by findInstructionSet, which only sees `%isa = name`.
      if (instructionSetByName(value.trim()) === undefined) fail(`unknown instruction set "${value.trim()}"`);
      return;
    case 'ro_data_size':
      program.roDataSize = size();
      return;
    case 'rw_data_size':
      program.rwDataSize = size();
      return;
    case 'stack_size':
      program.stackSize = size();
      return;
    case 'ro_data':
      program.roData = { bytes: bytes(), ...location };
      return;
    case 'rw_data':
      program.rwData = { bytes: bytes(), ...location };
      return;
    case 'jump_table':
      // Our extension: explicit entries (labels or raw code offsets), placed before those `reg = @label` adds.
      for (const item of value.split(',').map((part) => part.trim())) {
        if (/^@\S+$/.test(item)) {
          program.jumpTable.push({ kind: 'label', label: item.slice(1), ...location });
        } else {
          program.jumpTable.push({ kind: 'offset', offset: parseU32(item) ?? fail(`invalid jump table entry "${item}"`) });
        }
      }
      return;
    default:
      return fail(`unknown directive "%${name}"`);
  }
}

/** Reads the source line by line into a {@link Program}. */
function readSource(source: string, defaultIsa: InstructionSetKind): Program {
  const lines = source.split('\n').map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line));
  const program: Program = {
    isa: findInstructionSet(lines, defaultIsa),
    instructions: [],
    labels: new Map(),
    exports: [],
    imports: [],
    jumpTable: [],
    roData: { bytes: new Uint8Array(0), line: 0, column: 0 },
    rwData: { bytes: new Uint8Array(0), line: 0, column: 0 },
    roDataSize: undefined,
    rwDataSize: undefined,
    stackSize: 0,
  };
  let atBlockStart = true;
  const push = (instruction: ParsedInstruction, location: Location): void => {
    program.instructions.push({ ...instruction, ...location });
    atBlockStart = INSTRUCTIONS[instruction.fields.id]!.endsBlock;
  };

  lines.forEach((raw, index) => {
    const text = stripComment(raw).trim();
    if (text === '') return;
    const location = { line: index + 1, column: raw.search(/\S/) + 1 };
    const fail = failAt(location);
    if (text.startsWith('%')) {
      directive(program, text, location, fail);
      return;
    }

    const labelMatch = /^(pub\s+)?@(.*)$/.exec(text);
    if (labelMatch) {
      let rest = labelMatch[2]!;
      const noFallthrough = rest.endsWith('%no_fallthrough');
      if (noFallthrough) rest = rest.slice(0, -'%no_fallthrough'.length).trimEnd();
      if (rest.endsWith(':')) {
        const label = rest.slice(0, -1);
        if (!/^\S+$/.test(label)) fail(`invalid label name "${label}"`);
        // A label starts a new basic block; close the current one unless told not to.
        if (!atBlockStart && !noFallthrough) push({ fields: fallthrough() }, location);
        if (program.labels.has(label)) fail(`duplicate label "${label}"`);
        program.labels.set(label, program.instructions.length);
        if (labelMatch[1] !== undefined) program.exports.push({ label, ...location });
        return;
      }
    }

    const parsed = parseInstruction(text, program.isa, fail);
    if (program.isa.idToByte[parsed.fields.id]! < 0) {
      fail(`instruction "${INSTRUCTIONS[parsed.fields.id]!.name}" is not available in the ${program.isa.kind} instruction set`);
    }
    push(parsed, location);
  });
  return program;
}

function fallthrough(): InstructionFields {
  return { id: Op.fallthrough, reg1: 0, reg2: 0, reg3: 0, imm1: 0, imm2: 0 };
}

/** Index of the instruction a label precedes; fails if it is unknown or precedes nothing. */
function resolveLabel(program: Program, use: LabelUse, raw: string): number {
  const column = raw.indexOf(`@${use.label}`);
  const fail = failAt(column >= 0 ? { line: use.line, column: column + 1 } : use);
  const index = program.labels.get(use.label);
  if (index === undefined) return fail(`label "@${use.label}" is not defined`);
  if (index >= program.instructions.length) return fail(`label "@${use.label}" is not followed by any instruction`);
  return index;
}

/**
 * Assembles source text into a program blob. Throws {@link AssemblyError} (with line and column) for any
 * malformed input.
 *
 * Extensions beyond the reference assembler: `%import NAME` and `ecalli @NAME` (an unknown NAME is appended to
 * the imports), `%jump_table = @label, …` (explicit jump table entries, placed before those created by
 * `reg = @label`), trailing `//` comments, `d = -s`, `d = s mulh/mulhu/mulhsu s`, `d = sbrk s`,
 * `[a0..a0 + a2] = u8 a1` (memset), `[reg - offset]`, and in a 32-bit instruction set, operations without `i32`
 * select the 32-bit instruction and u32 immediates wrap. Deliberate differences: `d = s if c != 0` is
 * `cmov_if_not_zero` (the reference emits `cmov_if_zero`), a `%no_fallthrough` label in the middle of a block
 * refers to the next instruction (the reference uses the start of the enclosing block for jumps), `reg = @label`
 * reuses the label's existing jump table entry, and u8/u16 immediate stores accept any 32-bit value.
 */
export function assemble(source: string, options: AssembleOptions = {}): ProgramBlob {
  const isa = options.isa ?? 'latest64';
  if (instructionSetByName(isa) === undefined) throw new InvalidArgumentError(`unknown instruction set "${String(isa)}"`);
  const program = readSource(source, isa);
  const lines = source.split('\n');
  const rawLine = (line: number): string => lines[line - 1] ?? '';

  // Jump table: explicit entries first, then one per distinct target whose address is taken.
  const tableTargets: (number | { offset: number })[] = program.jumpTable.map((entry) =>
    entry.kind === 'label' ? resolveLabel(program, entry, rawLine(entry.line)) : { offset: entry.offset },
  );
  const fields: InstructionFields[] = [];
  const targets: number[] = [];
  const importIndex = new Map(program.imports.map((name, index) => [name, index]));
  for (const instruction of program.instructions) {
    const resolved = { ...instruction.fields };
    let target = -1;
    if (instruction.target !== undefined) {
      target = resolveLabel(program, { ...instruction, label: instruction.target }, rawLine(instruction.line));
    }
    if (instruction.address !== undefined) {
      const index = resolveLabel(program, { ...instruction, label: instruction.address }, rawLine(instruction.line));
      let slot = tableTargets.indexOf(index);
      if (slot < 0) slot = tableTargets.push(index) - 1;
      resolved.imm1 = (slot + 1) * 2;
    }
    if (instruction.importName !== undefined) {
      let slot = importIndex.get(instruction.importName);
      if (slot === undefined) {
        slot = program.imports.push(instruction.importName) - 1;
        importIndex.set(instruction.importName, slot);
      }
      resolved.imm1 = slot;
    }
    fields.push(resolved);
    targets.push(target);
  }

  const layout = layoutInstructions(program.isa, fields, targets);
  const entries = tableTargets.map((target) => (typeof target === 'number' ? layout.offsets[target]! : target.offset));
  const exports: ProgramExport[] = program.exports
    .map((use) => ({ name: use.label, pc: layout.offsets[resolveLabel(program, use, rawLine(use.line))]! }))
    .sort((a, b) => compareCodePoints(a.name, b.name))
    .map(({ name, pc }) => ({ programCounter: pc, symbol: ProgramSymbol.fromString(name) }));

  const roDataSize = dataSize(program.roDataSize, program.roData, 'read-only');
  const rwDataSize = dataSize(program.rwDataSize, program.rwData, 'read-write');
  return ProgramBlob.fromParts({
    isa: program.isa,
    roDataSize,
    rwDataSize,
    stackSize: program.stackSize,
    roData: program.roData.bytes,
    rwData: program.rwData.bytes,
    imports: program.imports.map((name) => ProgramSymbol.fromString(name)),
    exports,
    jumpTable: new JumpTable(Uint32Array.from(entries), jumpTableEntrySize(entries)),
    code: layout.code,
    bitmask: layout.bitmask,
    customSections: [],
  });
}

/** The declared data size, or the payload length if none was declared; the payload must fit. */
function dataSize(declared: number | undefined, data: DataPayload, what: string): number {
  if (declared === undefined) return data.bytes.length;
  if (data.bytes.length > declared) {
    failAt(data)(`the ${what} data (${data.bytes.length} bytes) is larger than its declared size (${declared} bytes)`);
  }
  return declared;
}

/** Orders strings by Unicode code points, as Rust orders `str` (UTF-8 byte order). */
function compareCodePoints(a: string, b: string): number {
  const x = [...a].map((c) => c.codePointAt(0)!);
  const y = [...b].map((c) => c.codePointAt(0)!);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}
