/**
 * Writing final addresses into data: pointers to data get guest addresses, pointers to code get jump table
 * addresses, and offsets between two locations are recomputed for the new layout.
 */
import { ElfLinkError } from './elf-link-error.js';
import type { ElfFile } from './elf.js';
import type { SectionTarget } from './ir.js';
import type { ReachabilityGraph } from './reachability.js';
import { locationKey, type RelocationMap } from './relocations.js';

export interface RelocationContext {
  readonly elf: ElfFile;
  readonly graph: ReachabilityGraph;
  readonly sectionAddress: ReadonlyMap<number, number>;
  readonly sectionToBlock: ReadonlyMap<number, number>;
  /** Jump table address of a block, if it has one. */
  readonly codeAddress: (block: number) => number | undefined;
}

export function applyRelocations(ctx: RelocationContext, relocations: RelocationMap): void {
  const { elf, graph } = ctx;
  for (const [location, relocation] of relocations.sorted()) {
    if (!graph.isDataReachable(location.section)) continue;
    const section = elf.sections[location.section]!;
    const where = { section: section.name, offset: location.offset };
    const data = elf.mutableData(location.section);
    const write = (size: number, value: bigint): void => {
      if (value < 0n || value >= 1n << BigInt(size * 8)) throw new ElfLinkError(`overflow when applying relocations: value doesn't fit in ${size * 8} bits`, where);
      if (location.offset + size > data.length) throw new ElfLinkError('relocation writes outside of its section', where);
      for (let i = 0; i < size; i++) data[location.offset + i] = Number((value >> BigInt(8 * i)) & 0xffn);
    };
    const addressOf = (target: SectionTarget, what: string): bigint => {
      const base = ctx.sectionAddress.get(target.section);
      if (base === undefined) {
        throw new ElfLinkError(`relocation refers to ${what} in section '${elf.sections[target.section]?.name ?? target.section}', which is not placed in memory`, where);
      }
      return BigInt(base) + BigInt(target.offset);
    };
    const blockAddressOf = (block: number): bigint => {
      const address = ctx.codeAddress(block);
      if (address === undefined) throw new ElfLinkError('internal error: relocation refers to code without a jump table entry', where);
      return BigInt(address);
    };

    switch (relocation.kind) {
      case 'offset': {
        const start = addressOf(relocation.origin, 'an origin');
        const end = addressOf(relocation.target, 'a target');
        if (relocation.size === 'six-bits') {
          const value = end - start;
          if (value < 0n || value > 0x3fn) throw new ElfLinkError('six bit relocation overflow', where);
          if (location.offset >= data.length) throw new ElfLinkError('relocation writes outside of its section', where);
          data[location.offset] = (data[location.offset]! & 0xc0) | Number(value);
          break;
        }
        if (relocation.size === 'uleb128') {
          overwriteUleb128(data, location.offset, BigInt.asUintN(64, end - start), where);
          break;
        }
        let value = BigInt.asUintN(64, end - start);
        if (end < start && relocation.size < 8) {
          // A negative difference is stored in two's complement, if it fits.
          const signed = end - start;
          const bits = BigInt(relocation.size * 8);
          if (signed >= -(1n << (bits - 1n))) value = BigInt.asUintN(Number(bits), signed);
        }
        write(relocation.size, value);
        break;
      }
      case 'abs': {
        const block = ctx.sectionToBlock.get(locationKey(relocation.target.section, relocation.target.offset));
        write(relocation.size, block !== undefined ? blockAddressOf(block) : addressOf(relocation.target, 'an address'));
        break;
      }
      case 'jump-table': {
        const block = ctx.sectionToBlock.get(locationKey(relocation.code.section, relocation.code.offset));
        if (block === undefined) throw new ElfLinkError("jump table relocation doesn't refer to the start of a basic block", where);
        const base = addressOf(relocation.base, 'a jump table base');
        if (base > 0xffffffffn) throw new ElfLinkError('overflow when applying a jump table relocation: base address does not fit in 32 bits', where);
        write(4, BigInt.asUintN(32, blockAddressOf(block) - base));
        break;
      }
    }
  }
}

/** Rewrites a ULEB128 number in place, keeping its encoded length (as the ELF psABI requires). */
function overwriteUleb128(data: Uint8Array, offset: number, value: bigint, where: { section: string; offset: number }): void {
  let remaining = value;
  for (let at = offset; ; at++) {
    if (at >= data.length) throw new ElfLinkError('ULEB128 relocation target offset out of bounds', where);
    if ((data[at]! & 0x80) !== 0) {
      data[at] = 0x80 | Number(remaining & 0x7fn);
      remaining >>= 7n;
    } else {
      if (remaining > 0x7fn) throw new ElfLinkError('ULEB128 relocation overflow', where);
      data[at] = Number(remaining);
      return;
    }
  }
}
