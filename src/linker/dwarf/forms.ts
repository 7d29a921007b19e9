/**
 * DWARF attribute forms (DWARF 2 to 5, plus the GNU split-DWARF extensions): decoding a value, or at least
 * skipping it correctly, for every form a compiler may emit.
 */
import { DwarfCursor, INVALID_ADDRESS, stringAt } from './cursor.js';

/** The DWARF sections the debug-info reader uses; absent ones are undefined. */
export interface DwarfSections {
  readonly info?: Uint8Array;
  readonly abbrev?: Uint8Array;
  readonly line?: Uint8Array;
  readonly str?: Uint8Array;
  readonly lineStr?: Uint8Array;
  readonly strOffsets?: Uint8Array;
  readonly addr?: Uint8Array;
  readonly ranges?: Uint8Array;
  readonly rnglists?: Uint8Array;
}

/** What a form needs to know about the unit it is read in. */
export interface FormContext {
  readonly version: number;
  /** 64-bit DWARF format: section offsets are 8 bytes. */
  readonly is64: boolean;
  readonly addressSize: number;
  /** Offset of the unit header in `.debug_info` plus `referenceBias` (unit-relative references are added to it). */
  readonly unitOffset: number;
  /** Added to section-relative references (`ref_addr`), as it is to `unitOffset`. */
  readonly referenceBias?: number;
}

/** A decoded attribute value. Index forms (`strx`, `addrx`, `rnglistx`) are resolved later, once the unit's bases are known. */
export type AttributeValue =
  | { readonly kind: 'number'; readonly value: number }
  | { readonly kind: 'address'; readonly value: number }
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'strx'; readonly index: number }
  | { readonly kind: 'addrx'; readonly index: number }
  | { readonly kind: 'rnglistx'; readonly index: number }
  | { readonly kind: 'reference'; readonly offset: number }
  | { readonly kind: 'flag'; readonly value: boolean }
  | { readonly kind: 'other' };

export const DW_FORM = {
  addr: 0x01,
  block2: 0x03,
  block4: 0x04,
  data2: 0x05,
  data4: 0x06,
  data8: 0x07,
  string: 0x08,
  block: 0x09,
  block1: 0x0a,
  data1: 0x0b,
  flag: 0x0c,
  sdata: 0x0d,
  strp: 0x0e,
  udata: 0x0f,
  ref_addr: 0x10,
  ref1: 0x11,
  ref2: 0x12,
  ref4: 0x13,
  ref8: 0x14,
  ref_udata: 0x15,
  indirect: 0x16,
  sec_offset: 0x17,
  exprloc: 0x18,
  flag_present: 0x19,
  strx: 0x1a,
  addrx: 0x1b,
  ref_sup4: 0x1c,
  strp_sup: 0x1d,
  data16: 0x1e,
  line_strp: 0x1f,
  ref_sig8: 0x20,
  implicit_const: 0x21,
  loclistx: 0x22,
  rnglistx: 0x23,
  ref_sup8: 0x24,
  strx1: 0x25,
  strx2: 0x26,
  strx3: 0x27,
  strx4: 0x28,
  addrx1: 0x29,
  addrx2: 0x2a,
  addrx3: 0x2b,
  addrx4: 0x2c,
  GNU_addr_index: 0x1f01,
  GNU_str_index: 0x1f02,
  GNU_ref_alt: 0x1f20,
  GNU_strp_alt: 0x1f21,
} as const;

const OTHER: AttributeValue = { kind: 'other' };
const number = (value: number): AttributeValue => ({ kind: 'number', value });

/** Reads one attribute value of `form`. `implicitConst` is the value stored in the abbreviation for `implicit_const`. */
export function readAttribute(cursor: DwarfCursor, form: number, implicitConst: number, unit: FormContext, sections: DwarfSections): AttributeValue {
  const offsetSize = unit.is64 ? 8 : 4;
  switch (form) {
    case DW_FORM.addr:
      return { kind: 'address', value: cursor.unsigned(unit.addressSize) };
    case DW_FORM.data1:
      return number(cursor.u8());
    case DW_FORM.data2:
      return number(cursor.u16());
    case DW_FORM.data4:
      return number(cursor.u32());
    case DW_FORM.data8:
      return number(cursor.u64());
    case DW_FORM.sdata:
      return number(cursor.sleb());
    case DW_FORM.udata:
      return number(cursor.uleb());
    case DW_FORM.implicit_const:
      return number(implicitConst);
    case DW_FORM.sec_offset:
      return number(cursor.unsigned(offsetSize));
    case DW_FORM.flag:
      return { kind: 'flag', value: cursor.u8() !== 0 };
    case DW_FORM.flag_present:
      return { kind: 'flag', value: true };
    case DW_FORM.string:
      return { kind: 'string', value: cursor.cstring() };
    case DW_FORM.strp:
      return { kind: 'string', value: stringAt(sections.str, '.debug_str', cursor.unsigned(offsetSize)) };
    case DW_FORM.line_strp:
      return { kind: 'string', value: stringAt(sections.lineStr, '.debug_line_str', cursor.unsigned(offsetSize)) };
    case DW_FORM.strx:
    case DW_FORM.GNU_str_index:
      return { kind: 'strx', index: cursor.uleb() };
    case DW_FORM.strx1:
      return { kind: 'strx', index: cursor.u8() };
    case DW_FORM.strx2:
      return { kind: 'strx', index: cursor.u16() };
    case DW_FORM.strx3:
      return { kind: 'strx', index: cursor.u24() };
    case DW_FORM.strx4:
      return { kind: 'strx', index: cursor.u32() };
    case DW_FORM.addrx:
    case DW_FORM.GNU_addr_index:
      return { kind: 'addrx', index: cursor.uleb() };
    case DW_FORM.addrx1:
      return { kind: 'addrx', index: cursor.u8() };
    case DW_FORM.addrx2:
      return { kind: 'addrx', index: cursor.u16() };
    case DW_FORM.addrx3:
      return { kind: 'addrx', index: cursor.u24() };
    case DW_FORM.addrx4:
      return { kind: 'addrx', index: cursor.u32() };
    case DW_FORM.rnglistx:
      return { kind: 'rnglistx', index: cursor.uleb() };
    case DW_FORM.ref1:
      return unitReference(unit, cursor.u8());
    case DW_FORM.ref2:
      return unitReference(unit, cursor.u16());
    case DW_FORM.ref4:
      return unitReference(unit, cursor.u32());
    case DW_FORM.ref8:
      return unitReference(unit, cursor.u64());
    case DW_FORM.ref_udata:
      return unitReference(unit, cursor.uleb());
    case DW_FORM.ref_addr:
      // DWARF 2 stored section offsets with the size of an address.
      return { kind: 'reference', offset: cursor.unsigned(unit.version <= 2 ? unit.addressSize : offsetSize) + (unit.referenceBias ?? 0) };
    case DW_FORM.loclistx:
      cursor.uleb();
      return OTHER;
    case DW_FORM.ref_sig8:
      cursor.skip(8);
      return OTHER;
    case DW_FORM.data16:
      cursor.skip(16);
      return OTHER;
    case DW_FORM.ref_sup4:
      cursor.skip(4);
      return OTHER;
    case DW_FORM.ref_sup8:
      cursor.skip(8);
      return OTHER;
    case DW_FORM.strp_sup:
    case DW_FORM.GNU_ref_alt:
    case DW_FORM.GNU_strp_alt:
      cursor.skip(offsetSize);
      return OTHER;
    case DW_FORM.block1:
      cursor.skip(cursor.u8());
      return OTHER;
    case DW_FORM.block2:
      cursor.skip(cursor.u16());
      return OTHER;
    case DW_FORM.block4:
      cursor.skip(cursor.u32());
      return OTHER;
    case DW_FORM.block:
    case DW_FORM.exprloc:
      cursor.skip(cursor.uleb());
      return OTHER;
    case DW_FORM.indirect: {
      const actual = cursor.uleb();
      if (actual === DW_FORM.indirect || actual === DW_FORM.implicit_const) cursor.fail(`invalid indirect form 0x${actual.toString(16)}`);
      return readAttribute(cursor, actual, 0, unit, sections);
    }
    default:
      return cursor.fail(`unsupported attribute form 0x${form.toString(16)}`);
  }
}

function unitReference(unit: FormContext, relative: number): AttributeValue {
  return relative === INVALID_ADDRESS ? OTHER : { kind: 'reference', offset: unit.unitOffset + relative };
}
