/**
 * `.debug_info`: the compilation units' functions and inlined calls, with their code ranges, names and
 * declaration/call positions. Only what symbolication needs is kept; everything else is parsed just far enough
 * to be skipped.
 */
import { DwarfCursor, INVALID_ADDRESS } from './cursor.js';
import { readAttribute, type AttributeValue, type DwarfSections, type FormContext } from './forms.js';
import { readLineTable, type LineRange } from './line-table.js';

/** A source position; `line`/`column` 0 mean unknown. */
export interface SourcePosition {
  readonly path: string;
  readonly line: number;
  readonly column: number;
}

/** Names and declaration site of a function DIE (possibly only partly known until origins are followed). */
export interface FunctionRecord {
  name: string | null;
  namespace: string | null;
  decl: SourcePosition | null;
  /** `DW_AT_abstract_origin` or `DW_AT_specification`: where missing fields come from. */
  origin: number | null;
}

/** A function body or an inlined call, with the inlined calls inside it. */
export interface CodeScope {
  /** Address ranges `[start, end)` covered. */
  readonly ranges: readonly (readonly [number, number])[];
  /** `.debug_info` offset of the DIE that names the function (see {@link DebugInfo.functions}). */
  readonly function: number;
  /** For an inlined call: where it was called from. */
  readonly call: SourcePosition | null;
  readonly children: CodeScope[];
}

/** Everything read from the DWARF sections. */
export interface DebugInfo {
  /** Out-of-line function bodies. */
  readonly roots: CodeScope[];
  readonly functions: Map<number, FunctionRecord>;
  readonly lines: LineRange[];
}

const TAG = { compileUnit: 0x11, partialUnit: 0x3c, skeletonUnit: 0x4a, subprogram: 0x2e, inlinedSubroutine: 0x1d } as const;
/** Tags whose names make up a function's namespace (`a::b::f`). */
const NAMESPACE_TAGS = new Set([0x39, 0x02, 0x13, 0x17, 0x04]);
const AT = {
  name: 0x03,
  stmtList: 0x10,
  lowPc: 0x11,
  highPc: 0x12,
  compDir: 0x1b,
  abstractOrigin: 0x31,
  declFile: 0x3a,
  declLine: 0x3b,
  declaration: 0x3c,
  specification: 0x47,
  ranges: 0x55,
  callColumn: 0x57,
  callFile: 0x58,
  callLine: 0x59,
  strOffsetsBase: 0x72,
  addrBase: 0x73,
  rnglistsBase: 0x74,
  gnuAddrBase: 0x2133,
} as const;

interface AttributeSpec {
  readonly name: number;
  readonly form: number;
  readonly implicitConst: number;
}
interface Abbreviation {
  readonly tag: number;
  readonly hasChildren: boolean;
  readonly attributes: readonly AttributeSpec[];
}

function readAbbreviations(sections: DwarfSections, offset: number): Map<number, Abbreviation> {
  if (sections.abbrev === undefined) throw new DwarfCursor(new Uint8Array(0), '.debug_abbrev').fail('the section is missing');
  const cursor = new DwarfCursor(sections.abbrev, '.debug_abbrev').at(offset);
  const table = new Map<number, Abbreviation>();
  for (;;) {
    const code = cursor.uleb();
    if (code === 0) return table;
    const tag = cursor.uleb();
    const hasChildren = cursor.u8() !== 0;
    const attributes: AttributeSpec[] = [];
    for (;;) {
      const name = cursor.uleb();
      const form = cursor.uleb();
      if (name === 0 && form === 0) break;
      attributes.push({ name, form, implicitConst: form === 0x21 ? cursor.sleb() : 0 });
    }
    table.set(code, { tag, hasChildren, attributes });
  }
}

/** Per-unit state needed to resolve index forms. */
class UnitResolver {
  strOffsetsBase: number;
  addrBase = 0;
  rnglistsBase = 0;
  base = 0;
  paths: readonly string[] = [];

  constructor(
    readonly sections: DwarfSections,
    readonly context: FormContext,
  ) {
    // DWARF 5 default: just past the 8-byte (32-bit format) header of the unit's contribution.
    this.strOffsetsBase = context.is64 ? 16 : 8;
  }

  private get offsetSize(): number {
    return this.context.is64 ? 8 : 4;
  }

  string(value: AttributeValue | undefined): string | null {
    if (value === undefined) return null;
    if (value.kind === 'string') return value.value;
    if (value.kind !== 'strx' || this.sections.strOffsets === undefined || this.sections.str === undefined) return null;
    const table = new DwarfCursor(this.sections.strOffsets, '.debug_str_offsets').at(this.strOffsetsBase + value.index * this.offsetSize);
    return new DwarfCursor(this.sections.str, '.debug_str').at(table.unsigned(this.offsetSize)).cstring();
  }

  address(value: AttributeValue | undefined): number | null {
    if (value === undefined) return null;
    if (value.kind === 'address') return value.value;
    if (value.kind !== 'addrx') return null;
    return this.indexedAddress(value.index);
  }

  indexedAddress(index: number): number {
    if (this.sections.addr === undefined) return INVALID_ADDRESS;
    const size = this.context.addressSize;
    return new DwarfCursor(this.sections.addr, '.debug_addr').at(this.addrBase + index * size).unsigned(size);
  }

  position(file: AttributeValue | undefined, line: AttributeValue | undefined, column?: AttributeValue): SourcePosition | null {
    if (file?.kind !== 'number') return null;
    const path = this.paths[file.value];
    if (path === undefined || path === '') return null;
    const num = (v: AttributeValue | undefined): number => (v?.kind === 'number' ? v.value : 0);
    return { path, line: num(line), column: num(column) };
  }

  /** The `[start, end)` ranges of a DIE with `DW_AT_low_pc`/`DW_AT_high_pc` or `DW_AT_ranges`. */
  ranges(attributes: Map<number, AttributeValue>): [number, number][] {
    const rangesAttribute = attributes.get(AT.ranges);
    const list: [number, number][] = [];
    if (rangesAttribute !== undefined) {
      if (this.context.version >= 5) this.readRangeList(rangesAttribute, list);
      else if (rangesAttribute.kind === 'number') this.readLegacyRanges(rangesAttribute.value, list);
    } else {
      const low = this.address(attributes.get(AT.lowPc));
      const high = attributes.get(AT.highPc);
      if (low !== null && high !== undefined) {
        const end = high.kind === 'number' ? low + high.value : this.address(high);
        if (end !== null) list.push([low, end]);
      }
    }
    // Tombstones of code removed by --gc-sections (0 or all ones) and empty ranges carry no information.
    return list.filter(([start, end]) => start > 0 && end > start && end !== INVALID_ADDRESS);
  }

  private readLegacyRanges(offset: number, out: [number, number][]): void {
    if (this.sections.ranges === undefined) return;
    const cursor = new DwarfCursor(this.sections.ranges, '.debug_ranges').at(offset);
    const size = this.context.addressSize;
    const selector = size === 8 ? INVALID_ADDRESS : 2 ** (8 * size) - 1;
    let base = this.base;
    for (;;) {
      const start = cursor.unsigned(size);
      const end = cursor.unsigned(size);
      if (start === 0 && end === 0) return;
      if (start === selector) base = end;
      else out.push([base + start, base + end]);
    }
  }

  private readRangeList(value: AttributeValue, out: [number, number][]): void {
    if (this.sections.rnglists === undefined) return;
    let offset: number;
    if (value.kind === 'rnglistx') {
      const table = new DwarfCursor(this.sections.rnglists, '.debug_rnglists').at(this.rnglistsBase + value.index * this.offsetSize);
      offset = this.rnglistsBase + table.unsigned(this.offsetSize);
    } else if (value.kind === 'number') {
      offset = value.value;
    } else {
      return;
    }
    const cursor = new DwarfCursor(this.sections.rnglists, '.debug_rnglists').at(offset);
    const size = this.context.addressSize;
    let base = this.base;
    for (;;) {
      const kind = cursor.u8();
      switch (kind) {
        case 0: // DW_RLE_end_of_list
          return;
        case 1: // DW_RLE_base_addressx
          base = this.indexedAddress(cursor.uleb());
          break;
        case 2: {
          // DW_RLE_startx_endx
          const start = this.indexedAddress(cursor.uleb());
          out.push([start, this.indexedAddress(cursor.uleb())]);
          break;
        }
        case 3: {
          // DW_RLE_startx_length
          const start = this.indexedAddress(cursor.uleb());
          out.push([start, start + cursor.uleb()]);
          break;
        }
        case 4: {
          // DW_RLE_offset_pair
          const start = cursor.uleb();
          out.push([base + start, base + cursor.uleb()]);
          break;
        }
        case 5: // DW_RLE_base_address
          base = cursor.unsigned(size);
          break;
        case 6: {
          // DW_RLE_start_end
          const start = cursor.unsigned(size);
          out.push([start, cursor.unsigned(size)]);
          break;
        }
        case 7: {
          // DW_RLE_start_length
          const start = cursor.unsigned(size);
          out.push([start, start + cursor.uleb()]);
          break;
        }
        default:
          cursor.fail(`unknown range list entry kind ${kind}`);
      }
    }
  }
}

/** Appends without spreading (a spread of 100k+ elements overflows the call stack). */
export function appendAll<T>(target: T[], items: readonly T[]): void {
  for (const item of items) target.push(item);
}

/**
 * Reads every compilation unit of `.debug_info` (and the line tables they refer to). DIE offsets in the result
 * are `.debug_info` offsets plus `offsetBias` (which keeps several section sets apart).
 */
export function readDebugInfo(sections: DwarfSections, offsetBias = 0): DebugInfo {
  const info: DebugInfo = { roots: [], functions: new Map(), lines: [] };
  const readLineTables = new Set<number>();
  if (sections.info !== undefined) {
    const cursor = new DwarfCursor(sections.info, '.debug_info');
    while (!cursor.atEnd) readUnit(cursor, sections, info, readLineTables, offsetBias);
  }
  // Line tables no unit refers to (e.g. assembly without .debug_info) still give file:line information.
  if (sections.line !== undefined && readLineTables.size === 0) {
    const cursor = new DwarfCursor(sections.line, '.debug_line');
    while (!cursor.atEnd) {
      const start = cursor.offset;
      appendAll(info.lines, readLineTable(sections, start, '').ranges);
      const { length } = cursor.initialLength();
      cursor.skip(length);
    }
  }
  return info;
}

function readUnit(outer: DwarfCursor, sections: DwarfSections, info: DebugInfo, readLineTables: Set<number>, offsetBias: number): void {
  const unitOffset = outer.offset;
  const { length, is64 } = outer.initialLength();
  const cursor = outer.sub(length);
  const version = cursor.u16();
  if (version < 2 || version > 5) cursor.fail(`unsupported DWARF version ${version}`);
  let unitType = 1;
  let addressSize: number;
  let abbrevOffset: number;
  if (version >= 5) {
    unitType = cursor.u8();
    addressSize = cursor.u8();
    abbrevOffset = cursor.unsigned(is64 ? 8 : 4);
    if (unitType === 2 || unitType === 6) return; // type units hold no code
    if (unitType === 4 || unitType === 5) cursor.skip(8); // DWO id
  } else {
    abbrevOffset = cursor.unsigned(is64 ? 8 : 4);
    addressSize = cursor.u8();
  }
  if (addressSize !== 4 && addressSize !== 8) cursor.fail(`unsupported address size ${addressSize}`);
  const abbreviations = readAbbreviations(sections, abbrevOffset);
  const resolver = new UnitResolver(sections, { version, is64, addressSize, unitOffset: unitOffset + offsetBias, referenceBias: offsetBias });

  interface Parent {
    readonly namespace: string | null;
    readonly scope: CodeScope | null;
  }
  const parents: Parent[] = [];
  let first = true;
  while (!cursor.atEnd) {
    const dieOffset = cursor.offset + offsetBias;
    const code = cursor.uleb();
    if (code === 0) {
      parents.pop();
      if (parents.length === 0 && !first) return;
      continue;
    }
    const abbreviation = abbreviations.get(code);
    if (abbreviation === undefined) return cursor.fail(`unknown abbreviation code ${code}`);
    const attributes = new Map<number, AttributeValue>();
    for (const spec of abbreviation.attributes) {
      const value = readAttribute(cursor, spec.form, spec.implicitConst, resolver.context, sections);
      if (!attributes.has(spec.name)) attributes.set(spec.name, value);
    }
    const parent = parents[parents.length - 1];
    let child: Parent = { namespace: parent?.namespace ?? null, scope: parent?.scope ?? null };

    if (first) {
      first = false;
      if (abbreviation.tag !== TAG.compileUnit && abbreviation.tag !== TAG.partialUnit && abbreviation.tag !== TAG.skeletonUnit) return;
      const number = (at: number): number | null => {
        const value = attributes.get(at);
        return value?.kind === 'number' ? value.value : null;
      };
      resolver.strOffsetsBase = number(AT.strOffsetsBase) ?? resolver.strOffsetsBase;
      resolver.addrBase = number(AT.addrBase) ?? number(AT.gnuAddrBase) ?? 0;
      resolver.rnglistsBase = number(AT.rnglistsBase) ?? 0;
      resolver.base = resolver.address(attributes.get(AT.lowPc)) ?? 0;
      if (resolver.base === INVALID_ADDRESS) resolver.base = 0;
      const stmtList = number(AT.stmtList);
      if (stmtList !== null) {
        const table = readLineTable(sections, stmtList, resolver.string(attributes.get(AT.compDir)) ?? '');
        resolver.paths = table.paths;
        if (!readLineTables.has(stmtList)) appendAll(info.lines, table.ranges);
        readLineTables.add(stmtList);
      }
      child = { namespace: null, scope: null };
    } else if (NAMESPACE_TAGS.has(abbreviation.tag)) {
      const name = resolver.string(attributes.get(AT.name));
      if (name !== null) child = { namespace: parent?.namespace ? `${parent.namespace}::${name}` : name, scope: child.scope };
    } else if (abbreviation.tag === TAG.subprogram || abbreviation.tag === TAG.inlinedSubroutine) {
      const reference = attributes.get(AT.abstractOrigin) ?? attributes.get(AT.specification);
      info.functions.set(dieOffset, {
        name: resolver.string(attributes.get(AT.name)),
        namespace: parent?.namespace ?? null,
        decl: resolver.position(attributes.get(AT.declFile), attributes.get(AT.declLine)),
        origin: reference?.kind === 'reference' ? reference.offset : null,
      });
      const declaration = attributes.get(AT.declaration);
      const isDeclaration = declaration?.kind === 'flag' && declaration.value;
      const ranges = isDeclaration ? [] : resolver.ranges(attributes);
      if (ranges.length > 0) {
        const isInlined = abbreviation.tag === TAG.inlinedSubroutine;
        const scope: CodeScope = {
          ranges,
          function: dieOffset,
          call: isInlined ? resolver.position(attributes.get(AT.callFile), attributes.get(AT.callLine), attributes.get(AT.callColumn)) : null,
          children: [],
        };
        if (isInlined && parent?.scope) parent.scope.children.push(scope);
        else if (!isInlined) info.roots.push(scope);
        child = { namespace: child.namespace, scope: isInlined && !parent?.scope ? null : scope };
      }
    }
    if (abbreviation.hasChildren) parents.push(child);
    else if (parents.length === 0) return; // a unit DIE without children
  }
}
