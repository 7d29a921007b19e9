/**
 * Translation of RISC-V instructions into the linker's intermediate representation, one code section at a time.
 *
 * Besides plain instructions this recognizes the guest ABI's custom-0 forms: `ecalli` (an import call: the
 * marker word followed by a pointer to the import's metadata), `sbrk`, `memset` and `heap_base`. Relocated
 * instructions are replaced by their "instruction overrides" (see relocations.ts).
 */
import { atLocation, ElfLinkError } from './elf-link-error.js';
import type { ElfFile, ElfSection } from './elf.js';
import {
  type BasicInst,
  type ControlInst,
  fromRiscvOperand,
  fromRiscvRegister,
  imm,
  type Inst,
  NOP,
  reg,
  type SectionTarget,
  type Source,
} from './ir.js';
import { type ElfImport, type ExternMetadata, parseExternMetadata, sameMetadata } from './metadata.js';
import { type AluKind, foldConstants, type RegRegKind } from './operations.js';
import { ECALLI_MARKER, type InstructionOverrides, locationKey, type RelocationMap } from './relocations.js';
import { decodeRiscv, isCompressed, type RiscvInstruction, RV_ZERO } from './riscv.js';
import { convertAtomic, convertSelect, type Emit, emitOrCombineBytes, resolveZeroRegisterUsage, zeroOperandIdentity } from './lowering.js';

export type RawInst = Inst<SectionTarget, SectionTarget>;
export interface TranslatedInst {
  readonly source: Source;
  readonly inst: RawInst;
}

const basic = (inst: BasicInst<SectionTarget>): RawInst => ({ basic: inst });
const control = (inst: ControlInst<SectionTarget>): RawInst => ({ control: inst });

const CUSTOM_0 = 0b0001011;
const FUNCT3_SBRK = 1;
const FUNCT3_MEMSET = 2;
const FUNCT3_HEAP_BASE = 3;

/** Context for translating one code section. */
export interface SectionTranslation {
  readonly elf: ElfFile;
  readonly section: ElfSection;
  readonly relocations: RelocationMap;
  readonly overrides: InstructionOverrides;
  readonly imports: ElfImport[];
  readonly output: TranslatedInst[];
}

/** Reads the instruction at `offset`: its size (2 or 4) and raw bits. */
function readRaw(section: ElfSection, offset: number): { size: 2 | 4; raw: number } {
  const data = section.data;
  if (offset + 2 > data.length) throw new ElfLinkError('truncated instruction at the end of the section');
  if (isCompressed(data[offset]!)) return { size: 2, raw: data[offset]! | (data[offset + 1]! << 8) };
  if (offset + 4 > data.length) throw new ElfLinkError('truncated instruction at the end of the section');
  return { size: 4, raw: (data[offset]! | (data[offset + 1]! << 8) | (data[offset + 2]! << 16) | (data[offset + 3]! << 24)) >>> 0 };
}

/** Translates every instruction of a code section, appending to `context.output`. */
export function translateCodeSection(context: SectionTranslation): void {
  const { elf, section } = context;
  if (section.data.length % 2 !== 0) throw new ElfLinkError(`size of section '${section.name}' is not divisible by 2`, { section: section.name });
  const rv64 = elf.is64Bit;
  let offset = 0;
  while (offset < section.data.length) {
    const start = offset;
    offset = atLocation(
      () => ({ section: section.name, offset: start, address: section.address + start }),
      () => translateOne(context, start, rv64),
    );
  }
}

/** Translates the instruction (or instruction sequence) at `offset`; returns the offset after it. */
function translateOne(context: SectionTranslation, offset: number, rv64: boolean): number {
  const { section, output } = context;
  const { size, raw } = readRaw(section, offset);
  const push = (start: number, end: number, inst: RawInst): void => {
    output.push({ source: { section: section.index, start, end }, inst });
  };

  const opcode = raw & 0x7f;
  const funct3 = (raw >>> 12) & 7;
  if (size === 4 && opcode === CUSTOM_0 && raw >>> 25 === 0) {
    const rd = (raw >>> 7) & 31;
    const rs1 = (raw >>> 15) & 31;
    const rs2 = (raw >>> 20) & 31;
    if (raw === ECALLI_MARKER) return translateImportCall(context, offset);
    if (funct3 === FUNCT3_SBRK && rs2 === 0) {
      const dst = fromRiscvRegister(rd);
      const sizeReg = fromRiscvRegister(rs1);
      if (dst === null) throw new ElfLinkError("found an 'sbrk' instruction with the zero register as the destination");
      if (sizeReg === null) throw new ElfLinkError("found an 'sbrk' instruction with the zero register as the size");
      push(offset, offset + 4, basic({ op: 'sbrk', dst, size: sizeReg }));
      return offset + 4;
    }
    if (funct3 === FUNCT3_MEMSET && rd === 0 && rs1 === 0 && rs2 === 0) {
      push(offset, offset + 4, basic({ op: 'memset' }));
      return offset + 4;
    }
    if (funct3 === FUNCT3_HEAP_BASE && rs1 === 0 && rs2 === 0) {
      const dst = fromRiscvRegister(rd);
      push(offset, offset + 4, basic(dst === null ? NOP : { op: 'heap-base', dst }));
      return offset + 4;
    }
  }

  const decoded = decodeRiscv(raw, rv64);
  if (decoded === null) {
    throw new ElfLinkError(`unsupported instruction 0x${raw.toString(16).padStart(size * 2, '0')}`);
  }
  const key = locationKey(section.index, offset);
  const override = context.overrides.get(key);
  if (override !== undefined) {
    context.overrides.delete(key);
    push(offset, offset + size, override);
    return offset + size;
  }

  if (decoded.op === 'auipc') {
    const fused = translateUnrelocatedAuipc(context, offset, decoded.dst, decoded.value, rv64);
    if (fused !== null) return fused;
  }

  const here: SectionTarget = { section: section.index, offset };
  let emitted = 0;
  convertInstruction(section, here, decoded, size, rv64, (inst) => {
    emitted++;
    push(offset, offset + size, inst);
  });
  if (emitted === 0) push(offset, offset + size, basic(NOP)); // every instruction must exist, in case it is jumped to
  return offset + size;
}

/** `ecalli` marker + pointer to the import metadata (the guest's import stub then `ret`s). */
function translateImportCall(context: SectionTranslation, offset: number): number {
  const { elf, section, relocations, imports, output } = context;
  const pointerSize = elf.is64Bit ? 8 : 4;
  const end = offset + 4 + pointerSize;
  if (end > section.data.length) throw new ElfLinkError('truncated ecalli instruction');
  const pointerLocation = { section: section.index, offset: offset + 4 };
  const relocation = relocations.get(pointerLocation);
  if (relocation === undefined) throw new ElfLinkError('found an external call without a relocation for a pointer to metadata');
  if (relocation.kind !== 'abs' || relocation.size !== pointerSize) throw new ElfLinkError('found an external call with an unexpected relocation');
  const metadata: ExternMetadata = parseExternMetadata(elf, relocations, relocation.target);
  // The same import may be called from many places (inlined stubs); share one entry per distinct metadata.
  let importIndex = imports.findIndex((entry) => sameMetadata(entry.metadata, metadata));
  if (importIndex < 0) {
    importIndex = imports.length;
    imports.push({ metadata, index: null });
  }
  output.push({ source: { section: section.index, start: offset, end }, inst: basic({ op: 'ecalli', importIndex }) });
  return end;
}

/**
 * An `auipc` without a relocation (rare compiler output): `auipc r, hi; jalr ra, lo(r)` is a call within the
 * section, and `auipc r, hi; addi d, r, lo` takes an address (e.g. a function's own).
 */
function translateUnrelocatedAuipc(context: SectionTranslation, offset: number, auipcDst: number, upper: number, rv64: boolean): number | null {
  const { section, output } = context;
  const next = offset + 4;
  if (next >= section.data.length) return null;
  const { size: nextSize, raw } = readRaw(section, next);
  const nextInst = decodeRiscv(raw, rv64);
  const source: Source = { section: section.index, start: offset, end: offset + 4 };
  if (nextInst?.op === 'jalr' && nextInst.base === nextInst.dst && nextInst.base === auipcDst) {
    const ra = fromRiscvRegister(nextInst.dst);
    if (ra === null) return null;
    const targetOffset = (offset + nextInst.offset + upper) | 0;
    if (targetOffset < 0 || targetOffset >= section.data.length) return null;
    const target = { section: section.index, offset: targetOffset };
    const inst: ControlInst<SectionTarget> =
      targetOffset === offset ? { op: 'jump', target } : { op: 'call', ra, target, returnTo: { section: section.index, offset: next + nextSize } };
    output.push({ source, inst: control(inst) });
    return next + nextSize;
  }
  if (nextInst?.op === 'alu-imm' && nextInst.src === auipcDst && nextInst.kind === (rv64 ? 'add64' : 'add32')) {
    const targetOffset = offset + ((upper + nextInst.imm) | 0);
    if (targetOffset < 0 || targetOffset >= section.size) {
      throw new ElfLinkError(`found an unrelocated auipc instruction with an out-of-range offset (${targetOffset})`);
    }
    const dst = fromRiscvRegister(nextInst.dst);
    if (dst !== null) output.push({ source, inst: basic({ op: 'load-address', dst, target: { section: section.index, offset: targetOffset } }) });
    if (auipcDst !== nextInst.dst) {
      const base = fromRiscvRegister(auipcDst);
      if (base !== null) {
        if (dst === null) throw new ElfLinkError('found an unrelocated auipc instruction whose destination register is zero');
        output.push({ source, inst: basic({ op: 'alu', kind: rv64 ? 'sub64' : 'sub32', dst: base, src1: reg(dst), src2: imm(targetOffset) }) });
      }
    }
    return next + nextSize;
  }
  return null;
}

/** Translates one decoded instruction, calling `emit` for each resulting IR instruction. */
export function convertInstruction(
  section: ElfSection,
  here: SectionTarget,
  inst: RiscvInstruction,
  size: number,
  rv64: boolean,
  emit: Emit,
): void {
  const nextInstruction = (): SectionTarget => ({ section: here.section, offset: here.offset + size });
  const inSection = (relative: number, what: string): SectionTarget => {
    const offset = here.offset + relative;
    if (offset < 0 || offset > section.size) throw new ElfLinkError(`out of range ${what}`);
    return { section: here.section, offset };
  };
  switch (inst.op) {
    case 'lui': {
      const dst = fromRiscvRegister(inst.dst);
      emit(basic(dst === null ? NOP : { op: 'load-imm', dst, imm: inst.value }));
      return;
    }
    case 'jal': {
      const target = inSection(inst.offset, 'JAL instruction');
      const ra = fromRiscvRegister(inst.dst);
      emit(control(ra === null ? { op: 'jump', target } : { op: 'call', ra, target, returnTo: nextInstruction() }));
      return;
    }
    case 'branch': {
      const src1 = fromRiscvOperand(inst.src1);
      const src2 = fromRiscvOperand(inst.src2);
      const ifTrue = inSection(inst.offset, 'unrelocated branch');
      emit(control({ op: 'branch', kind: inst.kind, src1, src2, ifTrue, ifFalse: nextInstruction() }));
      return;
    }
    case 'jalr': {
      const base = fromRiscvRegister(inst.base);
      if (base === null) throw new ElfLinkError('found an unrelocated JALR instruction');
      const ra = fromRiscvRegister(inst.dst);
      emit(control(ra === null ? { op: 'jump-indirect', base, offset: inst.offset } : { op: 'call-indirect', ra, base, offset: inst.offset, returnTo: nextInstruction() }));
      return;
    }
    case 'unimp':
      emit(control({ op: 'trap' }));
      return;
    case 'fence':
      emit(basic(NOP));
      return;
    case 'load': {
      // `lw zero, 0(zero)` and friends are sometimes used as a poor man's trap.
      if (inst.dst === RV_ZERO && inst.base === RV_ZERO && inst.offset === 0) return emit(control({ op: 'trap' }));
      const base = fromRiscvRegister(inst.base);
      if (base === null) throw new ElfLinkError('found an unrelocated absolute load');
      const dst = fromRiscvRegister(inst.dst);
      emit(basic(dst === null ? NOP : { op: 'load', kind: inst.kind, dst, base, offset: inst.offset }));
      return;
    }
    case 'store': {
      if (inst.src === RV_ZERO && inst.base === RV_ZERO && inst.offset === 0) return emit(control({ op: 'trap' }));
      const base = fromRiscvRegister(inst.base);
      if (base === null) throw new ElfLinkError('found an unrelocated absolute store');
      emit(basic({ op: 'store', kind: inst.kind, src: fromRiscvOperand(inst.src), base, offset: inst.offset }));
      return;
    }
    case 'alu-imm': {
      const dst = fromRiscvRegister(inst.dst);
      if (dst === null) return emit(basic(NOP));
      const src = fromRiscvOperand(inst.src);
      if (src.imm === 0) {
        emit(basic({ op: 'load-imm', dst, imm: Number(foldConstants(inst.kind, 0n, BigInt(inst.imm))) }));
      } else if (src.reg !== undefined && inst.imm === 0 && (inst.kind === 'add32' || inst.kind === 'add64')) {
        emit(basic({ op: 'move', dst, src: src.reg }));
      } else {
        emit(basic({ op: 'alu', kind: inst.kind, dst, src1: src, src2: imm(inst.imm) }));
      }
      return;
    }
    case 'unary': {
      const dst = fromRiscvRegister(inst.dst);
      if (dst === null) return emit(basic(NOP));
      const src = fromRiscvRegister(inst.src);
      if (src === null) {
        const value = inst.kind === 'clz32' || inst.kind === 'ctz32' ? 32 : inst.kind === 'clz64' || inst.kind === 'ctz64' ? 64 : 0;
        return emit(basic({ op: 'load-imm', dst, imm: value }));
      }
      if (inst.kind === 'orcb') return emitOrCombineBytes(dst, src, rv64, emit);
      emit(basic({ op: 'unary', kind: inst.kind, dst, src }));
      return;
    }
    case 'alu':
      return convertRegReg(inst.kind, inst.dst, inst.src1, inst.src2, rv64, emit);
    case 'auipc':
      throw new ElfLinkError('found an unrelocated auipc instruction; is the program compiled with relocations?');
    case 'ecall':
      throw new ElfLinkError('found a bare ecall instruction; those are not supported');
    case 'cmov': {
      const dst = fromRiscvRegister(inst.dst);
      if (dst === null) return emit(basic(NOP));
      const cond = fromRiscvRegister(inst.cond);
      if (cond !== null) return emit(basic({ op: 'cmov', ifZero: inst.ifZero, dst, src: fromRiscvOperand(inst.src), cond }));
      if (!inst.ifZero) return emit(basic(NOP));
      const src = fromRiscvRegister(inst.src);
      emit(basic(src === null ? { op: 'load-imm', dst, imm: 0 } : { op: 'move', dst, src }));
      return;
    }
    case 'select':
      return convertSelect(inst.dst, inst.ifTrue, inst.ifFalse, inst.cond, emit);
    case 'lr': {
      const dst = fromRiscvRegister(inst.dst);
      const addr = fromRiscvRegister(inst.addr);
      if (dst === null) throw new ElfLinkError('found an atomic load with a zero register as the destination');
      if (addr === null) throw new ElfLinkError('found an atomic load with a zero register as the source');
      emit(basic({ op: 'load', kind: inst.is64 ? 'u64' : 'i32', dst, base: addr, offset: 0 }));
      return;
    }
    case 'sc': {
      const addr = fromRiscvRegister(inst.addr);
      if (addr === null) throw new ElfLinkError('found an atomic store with a zero register as the address');
      emit(basic({ op: 'store', kind: inst.is64 ? 'u64' : 'u32', src: fromRiscvOperand(inst.src), base: addr, offset: 0 }));
      // A single-threaded store-conditional always succeeds.
      const dst = fromRiscvRegister(inst.dst);
      if (dst !== null) emit(basic({ op: 'load-imm', dst, imm: 0 }));
      return;
    }
    case 'amo':
      return convertAtomic(inst.kind, inst.is64, inst.dst, inst.addr, inst.src, rv64, emit);
  }
}

function convertRegReg(kind: AluKind | RegRegKind, riscvDst: number, riscvSrc1: number, riscvSrc2: number, rv64: boolean, emit: Emit): void {
  const dst = fromRiscvRegister(riscvDst);
  if (dst === null) return emit(basic(NOP));
  const src1 = fromRiscvRegister(riscvSrc1);
  const src2 = fromRiscvRegister(riscvSrc2);
  if (resolveZeroRegisterUsage(kind, dst, src1, src2, rv64, emit)) return emit(basic(NOP));
  if (isAluKind(kind)) {
    emit(basic({ op: 'alu', kind, dst, src1: src1 === null ? imm(0) : reg(src1), src2: src2 === null ? imm(0) : reg(src2) }));
    return;
  }
  if (src1 !== null && src2 !== null) return emit(basic({ op: 'reg-reg', kind, dst, src1, src2 }));
  // A register-only operation with `zero` as an operand: fold it to a constant or a move.
  if (src1 === null && src2 === null) return emit(basic({ op: 'load-imm', dst, imm: Number(foldConstants(kind, 0n, 0n)) }));
  const identity = zeroOperandIdentity(kind, src1 === null ? 'left' : 'right');
  if (identity === 'other') return emit(basic({ op: 'move', dst, src: (src1 ?? src2)! }));
  if (identity !== null) return emit(basic({ op: 'load-imm', dst, imm: identity }));
  throw new ElfLinkError(`found a ${kind} instruction using the zero register`);
}

const ALU_KINDS = new Set<string>([
  'add32', 'add32sx', 'add64', 'sub32', 'sub32sx', 'sub64', 'and32', 'and64', 'or32', 'or64', 'xor32', 'xor64',
  'sltu32', 'sltu64', 'slt32', 'slt64', 'sll32', 'sll32sx', 'sll64', 'srl32', 'srl32sx', 'srl64', 'sra32', 'sra32sx',
  'sra64', 'mul32', 'mul32sx', 'mul64', 'rotr32', 'rotr32sx', 'rotr64',
]);
export function isAluKind(kind: AluKind | RegRegKind): kind is AluKind {
  return ALU_KINDS.has(kind);
}

