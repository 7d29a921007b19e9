/**
 * `.debug_line`: the line-number program of one compilation unit (DWARF 2 to 5), run into address ranges
 * with a source path, line and column each.
 */
import { DwarfCursor, INVALID_ADDRESS } from './cursor.js';
import { readAttribute, type DwarfSections, type FormContext } from './forms.js';

/** Source position of the code in `[start, end)`. `line`/`column` 0 mean unknown. */
export interface LineRange {
  readonly start: number;
  readonly end: number;
  readonly path: string;
  readonly line: number;
  readonly column: number;
}

/** A unit's line table: its file names (indexed as `DW_AT_decl_file`/`DW_AT_call_file` count them) and its ranges. */
export interface LineTable {
  readonly paths: readonly string[];
  readonly ranges: LineRange[];
}

const DW_LNCT_path = 1;
const DW_LNCT_directory_index = 2;

/** Reads the line program at `offset` of `.debug_line`. `compDir` is the unit's `DW_AT_comp_dir`. */
export function readLineTable(sections: DwarfSections, offset: number, compDir: string): LineTable {
  if (sections.line === undefined) return { paths: [], ranges: [] };
  const outer = new DwarfCursor(sections.line, '.debug_line').at(offset);
  const { length, is64 } = outer.initialLength();
  const cursor = outer.sub(length);
  const version = cursor.u16();
  if (version < 2 || version > 5) cursor.fail(`unsupported line table version ${version}`);
  let addressSize = 0;
  if (version >= 5) {
    addressSize = cursor.u8();
    cursor.u8(); // segment selector size
  }
  const headerLength = cursor.unsigned(is64 ? 8 : 4);
  const programStart = cursor.offset + headerLength;
  if (programStart > cursor.end) cursor.fail('line table header is longer than the table');
  const header = {
    minimumInstructionLength: cursor.u8(),
    maximumOperationsPerInstruction: version >= 4 ? cursor.u8() : 1,
    defaultIsStmt: cursor.u8() !== 0,
    lineBase: cursor.i8(),
    lineRange: cursor.u8(),
    opcodeBase: cursor.u8(),
  };
  if (header.lineRange === 0) cursor.fail('line_range is zero');
  if (header.opcodeBase === 0) cursor.fail('opcode_base is zero');
  const standardLengths: number[] = [];
  for (let i = 1; i < header.opcodeBase; i++) standardLengths.push(cursor.u8());

  const context: FormContext = { version, is64, addressSize: addressSize || 8, unitOffset: 0 };
  const paths = version >= 5 ? readV5Paths(cursor, context, sections, compDir) : readLegacyPaths(cursor, compDir);

  cursor.offset = programStart;
  const ranges = runProgram(cursor, header, standardLengths, paths);
  return { paths, ranges };
}

/** DWARF 2-4: directory 0 and file 0 are implicit (the compilation directory and "no file"). */
function readLegacyPaths(cursor: DwarfCursor, compDir: string): string[] {
  const directories = [compDir];
  for (;;) {
    const directory = cursor.cstring();
    if (directory === '') break;
    directories.push(directory);
  }
  const paths = [''];
  for (;;) {
    const name = cursor.cstring();
    if (name === '') break;
    const directoryIndex = cursor.uleb();
    cursor.uleb(); // modification time
    cursor.uleb(); // length
    paths.push(joinPath(compDir, directories, directoryIndex, name, cursor));
  }
  return paths;
}

/** DWARF 5: self-describing directory and file entries; entry 0 of each is explicit. */
function readV5Paths(cursor: DwarfCursor, context: FormContext, sections: DwarfSections, compDir: string): string[] {
  const readEntries = (): { path: string; directoryIndex: number }[] => {
    const formatCount = cursor.u8();
    const format: [number, number][] = [];
    for (let i = 0; i < formatCount; i++) format.push([cursor.uleb(), cursor.uleb()]);
    const count = cursor.uleb();
    if (count > cursor.remaining) cursor.fail(`implausible entry count ${count}`);
    const entries: { path: string; directoryIndex: number }[] = [];
    for (let i = 0; i < count; i++) {
      let path = '';
      let directoryIndex = 0;
      for (const [contentType, form] of format) {
        const value = readAttribute(cursor, form, 0, context, sections);
        if (contentType === DW_LNCT_path) {
          if (value.kind === 'string') path = value.value;
          else cursor.fail(`unsupported form 0x${form.toString(16)} for a path`);
        } else if (contentType === DW_LNCT_directory_index && value.kind === 'number') {
          directoryIndex = value.value;
        }
      }
      entries.push({ path, directoryIndex });
    }
    return entries;
  };
  const directories = readEntries().map((entry) => entry.path);
  return readEntries().map((file) => joinPath(compDir, directories, file.directoryIndex, file.path, cursor));
}

const isAbsolute = (path: string): boolean => path.startsWith('/') || path.startsWith('\\') || path.slice(1, 3) === ':\\';

/**
 * The full path of a file entry: absolute names stay; otherwise the directory is prefixed, and a relative
 * directory other than entry 0 is itself relative to the compilation directory.
 */
function joinPath(compDir: string, directories: readonly string[], directoryIndex: number, name: string, cursor: DwarfCursor): string {
  if (isAbsolute(name)) return name;
  const directory = directories[directoryIndex];
  if (directory === undefined) cursor.fail(`file '${name}' refers to the missing directory #${directoryIndex}`);
  const windows = [name, directory, compDir].some((p) => p.startsWith('\\') || p.slice(1, 3) === ':\\');
  const separator = windows ? '\\' : '/';
  const append = (base: string, part: string): string => (base === '' || base.endsWith(separator) ? base + part : base + separator + part);
  let path = directoryIndex !== 0 && !isAbsolute(directory) ? compDir : '';
  path = append(path, directory);
  return append(path, name);
}

interface Header {
  readonly minimumInstructionLength: number;
  readonly maximumOperationsPerInstruction: number;
  readonly defaultIsStmt: boolean;
  readonly lineBase: number;
  readonly lineRange: number;
  readonly opcodeBase: number;
}

interface Row {
  address: number;
  file: number;
  line: number;
  column: number;
}

/** Runs the line-number state machine; consecutive rows of a sequence become ranges (the later row wins at equal addresses). */
function runProgram(cursor: DwarfCursor, header: Header, standardLengths: readonly number[], paths: readonly string[]): LineRange[] {
  const ranges: LineRange[] = [];
  let state: Row = { address: 0, file: 1, line: 1, column: 0 };
  let sequence: Row[] = [];
  let deadSequence = false;
  const emit = (): void => {
    sequence.push({ ...state });
  };
  const endSequence = (): void => {
    emit();
    if (!deadSequence) {
      for (let i = 0; i + 1 < sequence.length; i++) {
        const row = sequence[i]!;
        const next = sequence[i + 1]!;
        if (next.address > row.address) {
          ranges.push({ start: row.address, end: next.address, path: paths[row.file] ?? '', line: row.line, column: row.column });
        }
      }
    }
    sequence = [];
    deadSequence = false;
    state = { address: 0, file: 1, line: 1, column: 0 };
  };
  const advance = (operationAdvance: number): void => {
    // VLIW operation indexes do not occur on RISC-V; treat max_ops_per_inst as 1.
    state.address += operationAdvance * header.minimumInstructionLength;
  };

  while (!cursor.atEnd) {
    const opcode = cursor.u8();
    if (opcode >= header.opcodeBase) {
      const adjusted = opcode - header.opcodeBase;
      advance(Math.floor(adjusted / header.lineRange));
      state.line += header.lineBase + (adjusted % header.lineRange);
      emit();
      continue;
    }
    switch (opcode) {
      case 0: {
        const length = cursor.uleb();
        if (length === 0) break;
        const body = cursor.sub(length);
        const sub = body.u8();
        if (sub === 1) {
          endSequence();
        } else if (sub === 2) {
          const address = body.unsigned(body.remaining);
          // Code removed by --gc-sections keeps its line program with a tombstone start address.
          if (sequence.length === 0) deadSequence = address === 0 || address === INVALID_ADDRESS;
          state.address = address === INVALID_ADDRESS ? 0 : address;
        }
        // DW_LNE_define_file, DW_LNE_set_discriminator and vendor opcodes do not affect positions we report.
        break;
      }
      case 1: // DW_LNS_copy
        emit();
        break;
      case 2: // DW_LNS_advance_pc
        advance(cursor.uleb());
        break;
      case 3: // DW_LNS_advance_line
        state.line += cursor.sleb();
        break;
      case 4: // DW_LNS_set_file
        state.file = cursor.uleb();
        break;
      case 5: // DW_LNS_set_column
        state.column = cursor.uleb();
        break;
      case 8: // DW_LNS_const_add_pc
        advance(Math.floor((255 - header.opcodeBase) / header.lineRange));
        break;
      case 9: // DW_LNS_fixed_advance_pc
        state.address += cursor.u16();
        break;
      default:
        // negate_stmt, basic_block, prologue_end, epilogue_begin, set_isa and unknown standard opcodes:
        // skip their operands as the header describes them.
        for (let i = 0; i < (standardLengths[opcode - 1] ?? 0); i++) cursor.uleb();
    }
    if (!Number.isSafeInteger(state.address) || !Number.isSafeInteger(state.line)) cursor.fail('line program overflowed');
  }
  return ranges;
}

