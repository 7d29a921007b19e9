/**
 * Harvesting relocations. Data relocations (pointers, offsets between two symbols, jump tables) are collected in
 * a {@link RelocationMap} and applied once the final memory layout is known. Code relocations are not applied at
 * all: they tell the translator which instructions form an address (`auipc`/`lui` + `addi`/load/store), a call or
 * a branch, so those become symbolic instructions ("instruction overrides") in the intermediate representation.
 */
import { atLocation, ElfLinkError } from './elf-link-error.js';
import type { ElfFile, ElfRelocation, ElfSection } from './elf.js';
import {
  type BasicInst,
  type ControlInst,
  fromRiscvOperand,
  fromRiscvRegister,
  type Inst,
  NOP,
  type SectionTarget,
} from './ir.js';
import { decodeRiscv, type RiscvInstruction } from './riscv.js';

// RISC-V ELF relocation types.
export const R_RISCV_NONE = 0;
export const R_RISCV_32 = 1;
export const R_RISCV_64 = 2;
export const R_RISCV_BRANCH = 16;
export const R_RISCV_JAL = 17;
export const R_RISCV_CALL = 18;
export const R_RISCV_CALL_PLT = 19;
export const R_RISCV_GOT_HI20 = 20;
export const R_RISCV_PCREL_HI20 = 23;
export const R_RISCV_PCREL_LO12_I = 24;
export const R_RISCV_PCREL_LO12_S = 25;
export const R_RISCV_HI20 = 26;
export const R_RISCV_LO12_I = 27;
export const R_RISCV_LO12_S = 28;
export const R_RISCV_ADD8 = 33;
export const R_RISCV_ADD16 = 34;
export const R_RISCV_ADD32 = 35;
export const R_RISCV_ADD64 = 36;
export const R_RISCV_SUB8 = 37;
export const R_RISCV_SUB16 = 38;
export const R_RISCV_SUB32 = 39;
export const R_RISCV_SUB64 = 40;
export const R_RISCV_ALIGN = 43;
export const R_RISCV_RVC_BRANCH = 44;
export const R_RISCV_RVC_JUMP = 45;
export const R_RISCV_RVC_LUI = 46;
export const R_RISCV_RELAX = 51;
export const R_RISCV_SUB6 = 52;
export const R_RISCV_SET6 = 53;
export const R_RISCV_SET8 = 54;
export const R_RISCV_SET16 = 55;
export const R_RISCV_SET32 = 56;
export const R_RISCV_SET_ULEB128 = 60;
export const R_RISCV_SUB_ULEB128 = 61;

/** A relocation to apply to data once addresses are known. Sizes are in bytes. */
export type DataRelocation =
  /** Store the address of `target` (a data address, or the jump-table address of a code location). */
  | { readonly kind: 'abs'; readonly target: SectionTarget; readonly size: 1 | 2 | 4 | 8 }
  /** Store `address(target) - address(origin)`. */
  | { readonly kind: 'offset'; readonly origin: SectionTarget; readonly target: SectionTarget; readonly size: 1 | 2 | 4 | 8 | 'six-bits' | 'uleb128' }
  /** A switch table entry: `jump-table address(code) - address(base)`, 32 bits. */
  | { readonly kind: 'jump-table'; readonly code: SectionTarget; readonly base: SectionTarget };

/** The locations a relocation refers to. */
export function relocationTargets(relocation: DataRelocation): SectionTarget[] {
  switch (relocation.kind) {
    case 'abs': return [relocation.target];
    case 'offset': return [relocation.origin, relocation.target];
    case 'jump-table': return [relocation.code, relocation.base];
  }
}

/** Packs a section location into one number, for use as a map key. */
export function locationKey(section: number, offset: number): number {
  return section * 0x1_0000_0000 + offset;
}

export function keyToTarget(key: number): SectionTarget {
  const section = Math.floor(key / 0x1_0000_0000);
  return { section, offset: key - section * 0x1_0000_0000 };
}

/** Data relocations by the location they patch. */
export class RelocationMap {
  private readonly byKey = new Map<number, DataRelocation>();

  set(location: SectionTarget, relocation: DataRelocation): void {
    this.byKey.set(locationKey(location.section, location.offset), relocation);
  }

  get(location: SectionTarget): DataRelocation | undefined {
    return this.byKey.get(locationKey(location.section, location.offset));
  }

  /** Drops every relocation located in one of `sections`. */
  deleteInSections(sections: ReadonlySet<number>): void {
    for (const key of [...this.byKey.keys()]) if (sections.has(keyToTarget(key).section)) this.byKey.delete(key);
  }

  /** All entries sorted by location. */
  sorted(): [SectionTarget, DataRelocation][] {
    return [...this.byKey.keys()].sort((a, b) => a - b).map((key) => [keyToTarget(key), this.byKey.get(key)!]);
  }

  /** Relocations grouped by the section they patch. */
  bySection(): Map<number, DataRelocation[]> {
    const result = new Map<number, DataRelocation[]>();
    for (const [location, relocation] of this.sorted()) {
      let list = result.get(location.section);
      if (list === undefined) result.set(location.section, (list = []));
      list.push(relocation);
    }
    return result;
  }

  /** True if some relocation patches a byte in `[offset, offset + length)` of `section`. */
  overlaps(section: number, offset: number, length: number): boolean {
    for (let at = Math.max(0, offset - 7); at < offset + length; at++) {
      const relocation = this.byKey.get(locationKey(section, at));
      if (relocation !== undefined && at + relocationByteSize(relocation) > offset) return true;
    }
    return false;
  }
}

function relocationByteSize(relocation: DataRelocation): number {
  if (relocation.kind === 'jump-table') return 4;
  if (relocation.kind === 'abs') return relocation.size;
  return relocation.size === 'six-bits' ? 1 : relocation.size === 'uleb128' ? 10 : relocation.size;
}

/** Instructions that replace the raw RISC-V instruction at a code location. */
export type InstructionOverrides = Map<number, Inst<SectionTarget, SectionTarget>>;

/** The section location a relocation points at (symbol + addend), or null for symbol-less relocations. */
function relocationTarget(elf: ElfFile, relocation: ElfRelocation): SectionTarget | null {
  if (relocation.symbol === 0) {
    if (relocation.addend !== 0 && relocation.type !== R_RISCV_NONE) {
      throw new ElfLinkError(`unsupported relocation of type ${relocation.type} without a symbol`);
    }
    return null;
  }
  const symbol = elf.symbolTarget(relocation.symbol);
  const offset = symbol.offset + relocation.addend;
  if (offset < 0) throw new ElfLinkError('relocation target lies before the start of its section (negative addend)');
  return { section: symbol.section, offset };
}

/** The relocation's position inside its section. */
function relativeOffset(section: ElfSection, relocation: ElfRelocation): number {
  const relative = relocation.offset - section.address;
  if (relative < 0 || relative >= 0x1_0000_0000) throw new ElfLinkError('invalid relocation offset', { section: section.name, address: relocation.offset });
  return relative;
}

const SIZE_BY_ADD_SUB: ReadonlyMap<number, readonly ['add' | 'sub', 1 | 2 | 4 | 8]> = new Map([
  [R_RISCV_ADD8, ['add', 1]], [R_RISCV_ADD16, ['add', 2]], [R_RISCV_ADD32, ['add', 4]], [R_RISCV_ADD64, ['add', 8]],
  [R_RISCV_SUB8, ['sub', 1]], [R_RISCV_SUB16, ['sub', 2]], [R_RISCV_SUB32, ['sub', 4]], [R_RISCV_SUB64, ['sub', 8]],
] as const);

type Piece =
  | { kind: 'set'; relocation: DataRelocation }
  | { kind: 'add' | 'sub'; size: 1 | 2 | 4 | 8; target: SectionTarget }
  | { kind: 'set6' | 'sub6' | 'set-uleb' | 'sub-uleb'; target: SectionTarget };

/**
 * Collects the relocations of a data section. Pairs at one location (`ADD`+`SUB`, `SET`+`SUB`) become one
 * "offset" relocation; an `ADD32`+`SUB32` pair from code to data is a switch table entry.
 */
export function harvestDataRelocations(elf: ElfFile, section: ElfSection, codeSections: ReadonlySet<number>, out: RelocationMap): void {
  if (section.relocations.length === 0) return;
  const pointerSize = elf.is64Bit ? 8 : 4;
  const byOffset = new Map<number, Piece[]>();
  for (const relocation of section.relocations) {
    const type = relocation.type;
    if (type === R_RISCV_NONE || type === R_RISCV_RELAX || type === R_RISCV_ALIGN) continue;
    atLocation({ section: section.name, address: relocation.offset }, () => {
      const offset = relativeOffset(section, relocation);
      const target = relocationTarget(elf, relocation);
      if (target === null) return;
      let piece: Piece;
      const addSub = SIZE_BY_ADD_SUB.get(type);
      if (type === R_RISCV_PCREL_HI20 && section.name === '.polkavm_exports') {
        piece = { kind: 'set', relocation: { kind: 'abs', target, size: pointerSize } };
      } else if (type === R_RISCV_32 || type === R_RISCV_SET32) {
        piece = { kind: 'set', relocation: { kind: 'abs', target, size: 4 } };
      } else if (type === R_RISCV_64) {
        piece = { kind: 'set', relocation: { kind: 'abs', target, size: 8 } };
      } else if (type === R_RISCV_SET8) {
        piece = { kind: 'set', relocation: { kind: 'abs', target, size: 1 } };
      } else if (type === R_RISCV_SET16) {
        piece = { kind: 'set', relocation: { kind: 'abs', target, size: 2 } };
      } else if (addSub !== undefined) {
        piece = { kind: addSub[0], size: addSub[1], target };
      } else if (type === R_RISCV_SET6) {
        piece = { kind: 'set6', target };
      } else if (type === R_RISCV_SUB6) {
        piece = { kind: 'sub6', target };
      } else if (type === R_RISCV_SET_ULEB128) {
        piece = { kind: 'set-uleb', target };
      } else if (type === R_RISCV_SUB_ULEB128) {
        piece = { kind: 'sub-uleb', target };
      } else {
        throw new ElfLinkError(`unsupported relocation type ${type} in a data section`);
      }
      let list = byOffset.get(offset);
      if (list === undefined) byOffset.set(offset, (list = []));
      list.push(piece);
    });
  }

  for (const offset of [...byOffset.keys()].sort((a, b) => a - b)) {
    const list = byOffset.get(offset)!;
    const location = { section: section.index, offset };
    const [first, second] = list;
    if (list.length === 1 && first!.kind === 'set') {
      out.set(location, first!.relocation);
      continue;
    }
    if (list.length === 2 && first !== undefined && second !== undefined) {
      if (first.kind === 'add' && second.kind === 'sub' && first.size === second.size) {
        if ((first.size === 4 || first.size === 8) && codeSections.has(first.target.section) && !codeSections.has(second.target.section)) {
          if (first.size === 8) throw new ElfLinkError('found a 64-bit jump table relocation (not supported)', { section: section.name, offset });
          out.set(location, { kind: 'jump-table', code: first.target, base: second.target });
        } else {
          out.set(location, { kind: 'offset', origin: second.target, target: first.target, size: first.size });
        }
        continue;
      }
      if (first.kind === 'set' && first.relocation.kind === 'abs' && second.kind === 'sub' && first.relocation.size === second.size) {
        out.set(location, { kind: 'offset', origin: second.target, target: first.relocation.target, size: second.size });
        continue;
      }
      if (first.kind === 'set6' && second.kind === 'sub6') {
        out.set(location, { kind: 'offset', origin: second.target, target: first.target, size: 'six-bits' });
        continue;
      }
      if (first.kind === 'set-uleb' && second.kind === 'sub-uleb') {
        out.set(location, { kind: 'offset', origin: second.target, target: first.target, size: 'uleb128' });
        continue;
      }
    }
    throw new ElfLinkError(`unsupported combination of relocations (${list.map((p) => p.kind).join(', ')})`, { section: section.name, offset });
  }
}

/** Reads a little-endian instruction of `size` bytes; throws if it does not fit in the section. */
function readInstruction(section: ElfSection, offset: number, size: 2 | 4): number {
  const data = section.data;
  if (offset < 0 || offset + size > data.length) throw new ElfLinkError('relocation points outside of its code section', { section: section.name, offset });
  let value = 0;
  for (let i = 0; i < size; i++) value |= data[offset + i]! << (8 * i);
  return value >>> 0;
}

function decodeAt(section: ElfSection, offset: number, size: 2 | 4, rv64: boolean, what: string): RiscvInstruction {
  const raw = readInstruction(section, offset, size);
  const decoded = decodeRiscv(raw, rv64);
  if (decoded === null) {
    throw new ElfLinkError(`${what} relocation on an unsupported instruction 0x${raw.toString(16).padStart(size * 2, '0')}`, { section: section.name, offset });
  }
  return decoded;
}

function jumpOrCall(riscvRa: number, target: SectionTarget, returnTo: SectionTarget): ControlInst<SectionTarget> {
  const ra = fromRiscvRegister(riscvRa);
  return ra === null ? { op: 'jump', target } : { op: 'call', ra, target, returnTo };
}

const basic = (inst: BasicInst<SectionTarget>): Inst<SectionTarget, SectionTarget> => ({ basic: inst });
const control = (inst: ControlInst<SectionTarget>): Inst<SectionTarget, SectionTarget> => ({ control: inst });

/** The raw encoding of a bare `ecalli` marker (custom-0, all fields zero). */
export const ECALLI_MARKER = 0x0000000b;

/**
 * Collects the relocations of a code section: pointers stored in code go to `dataRelocations`, and every
 * relocated instruction gets a symbolic replacement in `overrides`.
 */
export function harvestCodeRelocations(
  elf: ElfFile,
  section: ElfSection,
  overrides: InstructionOverrides,
  dataRelocations: RelocationMap,
): void {
  const rv64 = elf.is64Bit;
  const here = (offset: number): SectionTarget => ({ section: section.index, offset });
  const override = (offset: number, inst: Inst<SectionTarget, SectionTarget>): void => {
    overrides.set(locationKey(section.index, offset), inst);
  };
  const hiRelocations = new Map<number, { got: boolean; target: SectionTarget }>();
  const loRelocations = new Map<number, { name: string; hiOffset: number }>();

  for (const relocation of section.relocations) {
    const type = relocation.type;
    if (type === R_RISCV_NONE || type === R_RISCV_RELAX || type === R_RISCV_ALIGN) continue;
    atLocation({ section: section.name, address: relocation.offset }, () => {
      const offset = relativeOffset(section, relocation);
      const target = relocationTarget(elf, relocation);
      if (target === null) return;
      switch (type) {
        case R_RISCV_32:
        case R_RISCV_64:
          dataRelocations.set(here(offset), { kind: 'abs', target, size: type === R_RISCV_32 ? 4 : 8 });
          return;
        case R_RISCV_CALL:
        case R_RISCV_CALL_PLT: {
          // `auipc reg, hi; jalr ra, lo(reg)`: the auipc disappears, the jalr becomes a direct call.
          const hi = decodeAt(section, offset, 4, rv64, 'R_RISCV_CALL_PLT');
          const lo = decodeAt(section, offset + 4, 4, rv64, 'R_RISCV_CALL_PLT');
          if (hi.op !== 'auipc' || lo.op !== 'jalr') throw new ElfLinkError('R_RISCV_CALL_PLT on something other than auipc + jalr');
          if (hi.dst !== lo.base) throw new ElfLinkError('R_RISCV_CALL_PLT for a pair of instructions with different registers');
          override(offset, basic(NOP));
          override(offset + 4, control(jumpOrCall(lo.dst, target, here(offset + 8))));
          return;
        }
        case R_RISCV_PCREL_HI20: {
          // A PC-relative pointer right after an `ecalli` marker is the import's metadata pointer.
          if (offset >= 4 && readInstruction(section, offset - 4, 4) === ECALLI_MARKER) {
            dataRelocations.set(here(offset), { kind: 'abs', target, size: rv64 ? 8 : 4 });
            return;
          }
          hiRelocations.set(offset, { got: false, target });
          return;
        }
        case R_RISCV_GOT_HI20:
          hiRelocations.set(offset, { got: true, target });
          return;
        case R_RISCV_PCREL_LO12_I:
        case R_RISCV_PCREL_LO12_S:
          if (target.section !== section.index) throw new ElfLinkError('R_RISCV_PCREL_LO12 relocation points to a different section');
          loRelocations.set(offset, { name: type === R_RISCV_PCREL_LO12_I ? 'R_RISCV_PCREL_LO12_I' : 'R_RISCV_PCREL_LO12_S', hiOffset: target.offset });
          return;
        case R_RISCV_JAL: {
          const inst = decodeAt(section, offset, 4, rv64, 'R_RISCV_JAL');
          if (inst.op !== 'jal') throw new ElfLinkError('R_RISCV_JAL on something other than jal');
          override(offset, control(jumpOrCall(inst.dst, target, here(offset + 4))));
          return;
        }
        case R_RISCV_BRANCH:
        case R_RISCV_RVC_BRANCH: {
          const size = type === R_RISCV_BRANCH ? 4 : 2;
          const inst = decodeAt(section, offset, size, rv64, 'R_RISCV_BRANCH');
          if (inst.op !== 'branch') throw new ElfLinkError('R_RISCV_BRANCH on something other than a branch');
          const src1 = fromRiscvOperand(inst.src1);
          const src2 = fromRiscvOperand(inst.src2);
          override(offset, control({ op: 'branch', kind: inst.kind, src1, src2, ifTrue: target, ifFalse: here(offset + size) }));
          return;
        }
        case R_RISCV_RVC_JUMP: {
          const inst = decodeAt(section, offset, 2, rv64, 'R_RISCV_RVC_JUMP');
          if (inst.op !== 'jal' && inst.op !== 'jalr') throw new ElfLinkError('R_RISCV_RVC_JUMP on something other than c.j/c.jal');
          override(offset, control(jumpOrCall(inst.dst, target, here(offset + 2))));
          return;
        }
        case R_RISCV_HI20:
        case R_RISCV_RVC_LUI: {
          const inst = decodeAt(section, offset, type === R_RISCV_HI20 ? 4 : 2, rv64, 'R_RISCV_HI20');
          if (inst.op !== 'lui') throw new ElfLinkError('R_RISCV_HI20 on something other than lui');
          const dst = fromRiscvRegister(inst.dst);
          if (dst === null) throw new ElfLinkError('R_RISCV_HI20 with a zero destination register');
          override(offset, basic({ op: 'load-address', dst, target }));
          return;
        }
        case R_RISCV_LO12_I: {
          const inst = decodeAt(section, offset, 4, rv64, 'R_RISCV_LO12_I');
          if (inst.op === 'alu-imm' && (inst.kind === 'add32' || inst.kind === 'add64')) {
            const dst = fromRiscvRegister(inst.dst);
            override(offset, basic(dst === null ? NOP : { op: 'load-address', dst, target }));
          } else if (inst.op === 'load') {
            const dst = fromRiscvRegister(inst.dst);
            override(offset, basic(dst === null ? NOP : { op: 'load-abs', kind: inst.kind, dst, target }));
          } else {
            throw new ElfLinkError('R_RISCV_LO12_I on an unsupported instruction');
          }
          return;
        }
        case R_RISCV_LO12_S: {
          const inst = decodeAt(section, offset, 4, rv64, 'R_RISCV_LO12_S');
          if (inst.op !== 'store') throw new ElfLinkError('R_RISCV_LO12_S on something other than a store');
          override(offset, basic({ op: 'store-abs', kind: inst.kind, src: fromRiscvOperand(inst.src), target }));
          return;
        }
        default:
          throw new ElfLinkError(`unsupported relocation type ${type} in a code section`);
      }
    });
  }

  for (const loOffset of [...loRelocations.keys()].sort((a, b) => a - b)) {
    const { name, hiOffset } = loRelocations.get(loOffset)!;
    atLocation({ section: section.name, offset: loOffset }, () => {
      const hi = hiRelocations.get(hiOffset);
      if (hi === undefined) {
        throw new ElfLinkError(`${name} relocation refers to offset 0x${hiOffset.toString(16)}, which has no R_RISCV_PCREL_HI20 or R_RISCV_GOT_HI20 relocation`);
      }
      const hiInst = decodeAt(section, hiOffset, 4, rv64, 'R_RISCV_PCREL_HI20');
      if (hiInst.op !== 'auipc') throw new ElfLinkError('R_RISCV_PCREL_HI20/GOT_HI20 on something other than auipc');
      const lo = decodeAt(section, loOffset, 4, rv64, name);
      let replacement: BasicInst<SectionTarget>;
      if (hi.got) {
        // The code loads the target's address from the GOT; we can give it the address directly.
        if (lo.op !== 'load' || !(lo.kind === 'i32' || (lo.kind === 'u64' && rv64))) throw new ElfLinkError(`${name} (with R_RISCV_GOT_HI20) on an unsupported instruction`);
        const dst = fromRiscvRegister(lo.dst);
        if (dst === null) throw new ElfLinkError(`${name} with a zero destination register`);
        replacement = { op: 'load-address-indirect', dst, target: hi.target };
      } else if (lo.op === 'alu-imm' && lo.kind === (rv64 ? 'add64' : 'add32')) {
        const dst = fromRiscvRegister(lo.dst);
        if (dst === null) throw new ElfLinkError(`${name} with a zero destination register`);
        replacement = { op: 'load-address', dst, target: hi.target };
      } else if (lo.op === 'load') {
        const dst = fromRiscvRegister(lo.dst);
        replacement = dst === null ? NOP : { op: 'load-abs', kind: lo.kind, dst, target: hi.target };
      } else if (lo.op === 'store') {
        replacement = { op: 'store-abs', kind: lo.kind, src: fromRiscvOperand(lo.src), target: hi.target };
      } else {
        throw new ElfLinkError(`${name} relocation on an unsupported instruction`);
      }
      // Immediates are 32 bits wide in PolkaVM, so the upper half (`auipc`) is not needed at all.
      override(hiOffset, basic(NOP));
      override(loOffset, basic(replacement));
    });
  }
}
