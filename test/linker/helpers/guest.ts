/**
 * Test helper: a RISC-V instruction encoder and a builder for small guest programs (code, data, exports,
 * imports with their PolkaVM metadata), producing relocatable ELF files for the linker. No compiler needed.
 */
import { buildElf, type RelocationSpec, type SectionSpec, SHF_ALLOC, SHF_EXECINSTR, SHF_WRITE, SHT_NOBITS, SHT_NOTE, STT_FUNC, STT_OBJECT, type SymbolSpec } from './elf-builder.js';
import { link, type LinkOptions, type LinkResult } from '../../../src/linker/index.js';
import { Engine } from '../../../src/api/engine.js';
import { Module } from '../../../src/api/module.js';
import { Linker, type HostFunction, type Instance } from '../../../src/api/linker.js';

/** RISC-V register numbers. */
export const X = { zero: 0, ra: 1, sp: 2, gp: 3, tp: 4, t0: 5, t1: 6, t2: 7, s0: 8, s1: 9, a0: 10, a1: 11, a2: 12, a3: 13, a4: 14, a5: 15, a6: 16, s2: 18 } as const;

// RISC-V relocation types.
export const R = {
  NONE: 0, R32: 1, R64: 2, BRANCH: 16, JAL: 17, CALL_PLT: 19, GOT_HI20: 20, TLS_GOT_HI20: 21, PCREL_HI20: 23, PCREL_LO12_I: 24, PCREL_LO12_S: 25,
  HI20: 26, LO12_I: 27, LO12_S: 28, ADD8: 33, ADD16: 34, ADD32: 35, ADD64: 36, SUB8: 37, SUB16: 38, SUB32: 39, SUB64: 40,
  ALIGN: 43, RVC_BRANCH: 44, RVC_JUMP: 45, RELAX: 51, SUB6: 52, SET6: 53, SET8: 54, SET16: 55, SET32: 56, SET_ULEB128: 60, SUB_ULEB128: 61,
} as const;

const u = (x: number): number => x >>> 0;
const rType = (f7: number, rs2: number, rs1: number, f3: number, rd: number, op: number): number => u((f7 << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op);
const iType = (imm: number, rs1: number, f3: number, rd: number, op: number): number => u(((imm & 0xfff) << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op);
const sType = (imm: number, rs2: number, rs1: number, f3: number, op: number): number =>
  u((((imm >> 5) & 0x7f) << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | ((imm & 0x1f) << 7) | op);
const bType = (imm: number, rs2: number, rs1: number, f3: number): number =>
  u((((imm >> 12) & 1) << 31) | (((imm >> 5) & 0x3f) << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | (((imm >> 1) & 0xf) << 8) | (((imm >> 11) & 1) << 7) | 0x63);

/** RISC-V instruction encoders (32-bit encodings unless noted). */
export const rv = {
  rType,
  iType,
  lui: (rd: number, imm20: number): number => u((imm20 << 12) | (rd << 7) | 0x37),
  auipc: (rd: number, imm20: number): number => u((imm20 << 12) | (rd << 7) | 0x17),
  jal: (rd: number, offset: number): number =>
    u((((offset >> 20) & 1) << 31) | (((offset >> 1) & 0x3ff) << 21) | (((offset >> 11) & 1) << 20) | (((offset >> 12) & 0xff) << 12) | (rd << 7) | 0x6f),
  jalr: (rd: number, rs1: number, offset: number): number => iType(offset, rs1, 0, rd, 0x67),
  beq: (rs1: number, rs2: number, offset: number): number => bType(offset, rs2, rs1, 0),
  bne: (rs1: number, rs2: number, offset: number): number => bType(offset, rs2, rs1, 1),
  blt: (rs1: number, rs2: number, offset: number): number => bType(offset, rs2, rs1, 4),
  bgeu: (rs1: number, rs2: number, offset: number): number => bType(offset, rs2, rs1, 7),
  lb: (rd: number, rs1: number, offset: number): number => iType(offset, rs1, 0, rd, 0x03),
  lh: (rd: number, rs1: number, offset: number): number => iType(offset, rs1, 1, rd, 0x03),
  lw: (rd: number, rs1: number, offset: number): number => iType(offset, rs1, 2, rd, 0x03),
  ld: (rd: number, rs1: number, offset: number): number => iType(offset, rs1, 3, rd, 0x03),
  lbu: (rd: number, rs1: number, offset: number): number => iType(offset, rs1, 4, rd, 0x03),
  lhu: (rd: number, rs1: number, offset: number): number => iType(offset, rs1, 5, rd, 0x03),
  lwu: (rd: number, rs1: number, offset: number): number => iType(offset, rs1, 6, rd, 0x03),
  sb: (rs2: number, rs1: number, offset: number): number => sType(offset, rs2, rs1, 0, 0x23),
  sh: (rs2: number, rs1: number, offset: number): number => sType(offset, rs2, rs1, 1, 0x23),
  sw: (rs2: number, rs1: number, offset: number): number => sType(offset, rs2, rs1, 2, 0x23),
  sd: (rs2: number, rs1: number, offset: number): number => sType(offset, rs2, rs1, 3, 0x23),
  addi: (rd: number, rs1: number, imm: number): number => iType(imm, rs1, 0, rd, 0x13),
  addiw: (rd: number, rs1: number, imm: number): number => iType(imm, rs1, 0, rd, 0x1b),
  slli: (rd: number, rs1: number, shamt: number): number => iType(shamt, rs1, 1, rd, 0x13),
  srli: (rd: number, rs1: number, shamt: number): number => iType(shamt, rs1, 5, rd, 0x13),
  srai: (rd: number, rs1: number, shamt: number): number => iType(0x400 | shamt, rs1, 5, rd, 0x13),
  xori: (rd: number, rs1: number, imm: number): number => iType(imm, rs1, 4, rd, 0x13),
  andi: (rd: number, rs1: number, imm: number): number => iType(imm, rs1, 7, rd, 0x13),
  sltiu: (rd: number, rs1: number, imm: number): number => iType(imm, rs1, 3, rd, 0x13),
  add: (rd: number, rs1: number, rs2: number): number => rType(0, rs2, rs1, 0, rd, 0x33),
  sub: (rd: number, rs1: number, rs2: number): number => rType(0x20, rs2, rs1, 0, rd, 0x33),
  addw: (rd: number, rs1: number, rs2: number): number => rType(0, rs2, rs1, 0, rd, 0x3b),
  sll: (rd: number, rs1: number, rs2: number): number => rType(0, rs2, rs1, 1, rd, 0x33),
  slt: (rd: number, rs1: number, rs2: number): number => rType(0, rs2, rs1, 2, rd, 0x33),
  sltu: (rd: number, rs1: number, rs2: number): number => rType(0, rs2, rs1, 3, rd, 0x33),
  or: (rd: number, rs1: number, rs2: number): number => rType(0, rs2, rs1, 6, rd, 0x33),
  mul: (rd: number, rs1: number, rs2: number): number => rType(1, rs2, rs1, 0, rd, 0x33),
  mulh: (rd: number, rs1: number, rs2: number): number => rType(1, rs2, rs1, 1, rd, 0x33),
  mulhsu: (rd: number, rs1: number, rs2: number): number => rType(1, rs2, rs1, 2, rd, 0x33),
  mulhu: (rd: number, rs1: number, rs2: number): number => rType(1, rs2, rs1, 3, rd, 0x33),
  div: (rd: number, rs1: number, rs2: number): number => rType(1, rs2, rs1, 4, rd, 0x33),
  divu: (rd: number, rs1: number, rs2: number): number => rType(1, rs2, rs1, 5, rd, 0x33),
  rem: (rd: number, rs1: number, rs2: number): number => rType(1, rs2, rs1, 6, rd, 0x33),
  remu: (rd: number, rs1: number, rs2: number): number => rType(1, rs2, rs1, 7, rd, 0x33),
  divw: (rd: number, rs1: number, rs2: number): number => rType(1, rs2, rs1, 4, rd, 0x3b),
  remuw: (rd: number, rs1: number, rs2: number): number => rType(1, rs2, rs1, 7, rd, 0x3b),
  // Zbb
  andn: (rd: number, rs1: number, rs2: number): number => rType(0x20, rs2, rs1, 7, rd, 0x33),
  orn: (rd: number, rs1: number, rs2: number): number => rType(0x20, rs2, rs1, 6, rd, 0x33),
  xnor: (rd: number, rs1: number, rs2: number): number => rType(0x20, rs2, rs1, 4, rd, 0x33),
  min: (rd: number, rs1: number, rs2: number): number => rType(0x05, rs2, rs1, 4, rd, 0x33),
  minu: (rd: number, rs1: number, rs2: number): number => rType(0x05, rs2, rs1, 5, rd, 0x33),
  max: (rd: number, rs1: number, rs2: number): number => rType(0x05, rs2, rs1, 6, rd, 0x33),
  maxu: (rd: number, rs1: number, rs2: number): number => rType(0x05, rs2, rs1, 7, rd, 0x33),
  rol: (rd: number, rs1: number, rs2: number): number => rType(0x30, rs2, rs1, 1, rd, 0x33),
  ror: (rd: number, rs1: number, rs2: number): number => rType(0x30, rs2, rs1, 5, rd, 0x33),
  rori: (rd: number, rs1: number, shamt: number): number => iType(0x600 | shamt, rs1, 5, rd, 0x13),
  clz: (rd: number, rs1: number): number => iType(0x600, rs1, 1, rd, 0x13),
  ctz: (rd: number, rs1: number): number => iType(0x601, rs1, 1, rd, 0x13),
  cpop: (rd: number, rs1: number): number => iType(0x602, rs1, 1, rd, 0x13),
  sextb: (rd: number, rs1: number): number => iType(0x604, rs1, 1, rd, 0x13),
  sexth: (rd: number, rs1: number): number => iType(0x605, rs1, 1, rd, 0x13),
  zexth: (rd: number, rs1: number, rv64: boolean): number => rType(0x04, 0, rs1, 4, rd, rv64 ? 0x3b : 0x33),
  orcb: (rd: number, rs1: number): number => iType(0x287, rs1, 5, rd, 0x13),
  rev8: (rd: number, rs1: number, rv64: boolean): number => iType(rv64 ? 0x6b8 : 0x698, rs1, 5, rd, 0x13),
  // A
  lrw: (rd: number, rs1: number): number => rType(0b0001000, 0, rs1, 2, rd, 0x2f),
  scw: (rd: number, rs2: number, rs1: number): number => rType(0b0001100, rs2, rs1, 2, rd, 0x2f),
  amoaddw: (rd: number, rs2: number, rs1: number): number => rType(0b0000000, rs2, rs1, 2, rd, 0x2f),
  amoswapw: (rd: number, rs2: number, rs1: number): number => rType(0b0000100, rs2, rs1, 2, rd, 0x2f),
  amomaxw: (rd: number, rs2: number, rs1: number): number => rType(0b1010000, rs2, rs1, 2, rd, 0x2f),
  amominuw: (rd: number, rs2: number, rs1: number): number => rType(0b1100000, rs2, rs1, 2, rd, 0x2f),
  amoaddd: (rd: number, rs2: number, rs1: number): number => rType(0b0000000, rs2, rs1, 3, rd, 0x2f),
  fence: (): number => 0x0ff0000f,
  ecall: (): number => 0x00000073,
  ret: (): number => iType(0, X.ra, 0, 0, 0x67),
  // C (16-bit encodings)
  cAddi: (rd: number, imm: number): number => 0x0001 | (((imm >> 5) & 1) << 12) | (rd << 7) | ((imm & 0x1f) << 2),
  cLi: (rd: number, imm: number): number => 0x4001 | (((imm >> 5) & 1) << 12) | (rd << 7) | ((imm & 0x1f) << 2),
  cMv: (rd: number, rs2: number): number => 0x8002 | (rd << 7) | (rs2 << 2),
  cAdd: (rd: number, rs2: number): number => 0x9002 | (rd << 7) | (rs2 << 2),
  cJr: (rs1: number): number => 0x8002 | (rs1 << 7),
  cJ: (offset: number): number =>
    0xa001 | (((offset >> 11) & 1) << 12) | (((offset >> 4) & 1) << 11) | (((offset >> 8) & 3) << 9) | (((offset >> 10) & 1) << 8) |
    (((offset >> 6) & 1) << 7) | (((offset >> 7) & 1) << 6) | (((offset >> 1) & 7) << 3) | (((offset >> 5) & 1) << 2),
  cBeqz: (rs1: number, offset: number): number =>
    0xc001 | (((offset >> 8) & 1) << 12) | (((offset >> 3) & 3) << 10) | ((rs1 - 8) << 7) | (((offset >> 6) & 3) << 5) | (((offset >> 1) & 3) << 3) | (((offset >> 5) & 1) << 2),
  cSlli: (rd: number, shamt: number): number => 0x0002 | (((shamt >> 5) & 1) << 12) | (rd << 7) | ((shamt & 0x1f) << 2),
  cLwsp: (rd: number, offset: number): number => 0x4002 | (((offset >> 5) & 1) << 12) | (rd << 7) | (((offset >> 2) & 7) << 4) | (((offset >> 6) & 3) << 2),
  cSwsp: (rs2: number, offset: number): number => 0xc002 | (((offset >> 2) & 0xf) << 9) | (((offset >> 6) & 3) << 7) | (rs2 << 2),
  cUnimp: (): number => 0x0000,
};

interface Extern {
  name: string;
  inputs: number;
  outputs: number;
  index?: number;
}

/** Builds a guest program: one code section plus data sections, exports and imports. */
export class GuestBuilder {
  private readonly code: number[] = [];
  private readonly codeRelocations: RelocationSpec[] = [];
  private readonly symbols: SymbolSpec[] = [];
  private readonly dataSections: SectionSpec[] = [];
  private readonly exportsList: (Extern & { label: string })[] = [];
  private readonly imports = new Map<string, Extern>();
  private minStack: number | null = null;

  constructor(readonly is64: boolean) {}

  get here(): number {
    return this.code.length;
  }

  /** Defines a code label at the current position. */
  label(name: string): this {
    this.symbols.push({ name, section: '.text', offset: this.code.length, type: STT_FUNC });
    return this;
  }

  /** Appends 32-bit instructions. */
  emit(...words: number[]): this {
    for (const w of words) this.code.push(w & 0xff, (w >>> 8) & 0xff, (w >>> 16) & 0xff, (w >>> 24) & 0xff);
    return this;
  }

  /** Appends 16-bit (compressed) instructions. */
  emit16(...halves: number[]): this {
    for (const h of halves) this.code.push(h & 0xff, (h >>> 8) & 0xff);
    return this;
  }

  /** Attaches a relocation to the next instruction (or at `offset`). */
  reloc(type: number, symbol?: string, addend = 0, offset = this.code.length): this {
    this.codeRelocations.push({ offset, type, ...(symbol === undefined ? {} : { symbol }), addend });
    return this;
  }

  /** Adds a data section with symbols at given offsets. */
  data(name: string, kind: 'ro' | 'rw' | 'bss', bytes: Uint8Array, symbols: Record<string, number> = {}, relocations: RelocationSpec[] = [], align = 8): this {
    const flags = kind === 'ro' ? SHF_ALLOC : SHF_ALLOC | SHF_WRITE;
    this.dataSections.push(kind === 'bss' ? { name, flags, type: SHT_NOBITS, size: bytes.length, align } : { name, flags, data: bytes, relocations, align });
    for (const [symbol, offset] of Object.entries(symbols)) this.symbols.push({ name: symbol, section: name, offset, type: STT_OBJECT });
    return this;
  }

  export(name: string, label: string, inputs: number, outputs: number): this {
    this.exportsList.push({ name, label, inputs, outputs });
    return this;
  }

  /** Emits an import stub labelled `name`: the ecalli marker, a pointer to the import's metadata, and `ret`. */
  importStub(name: string, inputs: number, outputs: number, index?: number): this {
    this.imports.set(name, { name, inputs, outputs, ...(index === undefined ? {} : { index }) });
    this.label(name);
    this.emit(0x0000000b);
    this.reloc(this.is64 ? R.R64 : R.R32, `${name}__metadata`);
    for (let i = 0; i < (this.is64 ? 8 : 4); i++) this.code.push(0);
    this.emit(rv.ret());
    return this;
  }

  minStackSize(size: number): this {
    this.minStack = size;
    return this;
  }

  build(): Uint8Array {
    const ptr = this.is64 ? 8 : 4;
    const pointerType = this.is64 ? R.R64 : R.R32;
    const names: number[] = [];
    const nameSymbols: SymbolSpec[] = [];
    const metadata: number[] = [];
    const metadataRelocations: RelocationSpec[] = [];
    const metadataSymbols: SymbolSpec[] = [];
    const addMetadata = (label: string, entry: Extern): void => {
      const nameOffset = names.length;
      const bytes = new TextEncoder().encode(entry.name);
      names.push(...bytes);
      nameSymbols.push({ name: `${label}__name`, section: '.rodata.names', offset: nameOffset });
      metadataSymbols.push({ name: `${label}__metadata`, section: '.polkavm_metadata', offset: metadata.length });
      const version = entry.index === undefined ? 1 : 2;
      metadata.push(version, 0, 0, 0, 0, bytes.length & 0xff, bytes.length >> 8, 0, 0);
      metadataRelocations.push({ offset: metadata.length, type: pointerType, symbol: `${label}__name` });
      for (let i = 0; i < ptr; i++) metadata.push(0);
      metadata.push(entry.inputs, entry.outputs);
      if (entry.index !== undefined) metadata.push(1, entry.index & 0xff, (entry.index >> 8) & 0xff, 0, 0);
    };
    for (const entry of this.imports.values()) addMetadata(entry.name, entry);
    const exportsData: number[] = [];
    const exportRelocations: RelocationSpec[] = [];
    this.exportsList.forEach((entry, i) => {
      addMetadata(`export${i}`, entry);
      exportsData.push(1);
      exportRelocations.push({ offset: exportsData.length, type: pointerType, symbol: `export${i}__metadata` });
      for (let k = 0; k < ptr; k++) exportsData.push(0);
      exportRelocations.push({ offset: exportsData.length, type: pointerType, symbol: entry.label });
      for (let k = 0; k < ptr; k++) exportsData.push(0);
    });

    const sections: SectionSpec[] = [
      { name: '.text', flags: SHF_ALLOC | SHF_EXECINSTR, data: Uint8Array.from(this.code), relocations: this.codeRelocations, align: 4 },
      ...this.dataSections,
      { name: '.rodata.names', flags: SHF_ALLOC, data: Uint8Array.from(names.length > 0 ? names : [0]), align: 1 },
      { name: '.polkavm_metadata', flags: SHF_ALLOC | SHF_WRITE, data: Uint8Array.from(metadata.length > 0 ? metadata : [0]), relocations: metadataRelocations, align: 1 },
      { name: '.polkavm_exports', type: SHT_NOTE, flags: SHF_ALLOC, data: Uint8Array.from(exportsData), relocations: exportRelocations, align: 1 },
    ];
    if (this.minStack !== null) {
      const v = this.minStack;
      sections.push({ name: '.polkavm_min_stack_size', flags: 0, data: Uint8Array.of(v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, v >>> 24), align: 1 });
    }
    return buildElf({ is64: this.is64, sections, symbols: [...this.symbols, ...nameSymbols, ...metadataSymbols] });
  }
}

/** Links a guest and instantiates it with the given host functions. */
export function linkAndInstantiate(elf: Uint8Array, options: LinkOptions = {}, hostFunctions: Record<string, HostFunction> = {}): { result: LinkResult; instance: Instance } {
  const result = link(elf, options);
  const module = Module.fromBlob(new Engine(), result.bytes);
  const linker = new Linker();
  for (const [name, fn] of Object.entries(hostFunctions)) linker.define(name, fn);
  return { result, instance: linker.instantiate(module) };
}
