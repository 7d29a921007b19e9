import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ElfFile } from '../../src/linker/elf.js';
import { ElfLinkError, link } from '../../src/linker/index.js';
import { buildElf, SHF_ALLOC, SHF_EXECINSTR, SHF_WRITE, SHT_NOBITS } from './helpers/elf-builder.js';
import { GuestBuilder, rv, X, R } from './helpers/guest.js';

const sample = (is64: boolean): Uint8Array =>
  buildElf({
    is64,
    sections: [
      { name: '.text', flags: SHF_ALLOC | SHF_EXECINSTR, data: Uint8Array.of(0x13, 0, 0, 0), relocations: [{ offset: 0, type: R.R32, symbol: 'x', addend: -1 }] },
      { name: '.bss', flags: SHF_ALLOC | SHF_WRITE, type: SHT_NOBITS, size: 100 },
    ],
    symbols: [
      { name: 'x', section: '.bss', offset: 8, size: 4 },
      { name: 'undefined_thing' },
    ],
  });

for (const is64 of [false, true]) {
  test(`${is64 ? '64' : '32'}-bit: sections, symbols and relocations are read`, () => {
    const elf = new ElfFile(sample(is64));
    assert.equal(elf.is64Bit, is64);
    const text = elf.sections.find((s) => s.name === '.text')!;
    assert.deepEqual([...text.data], [0x13, 0, 0, 0]);
    assert.deepEqual(text.relocations, [{ offset: 0, type: R.R32, symbol: 1, addend: -1 }]);
    const bss = elf.sections.find((s) => s.name === '.bss')!;
    assert.equal(bss.size, 100);
    assert.equal(bss.data.length, 0);
    assert.deepEqual(elf.symbols[1], { name: 'x', address: 8, size: 4, type: 0, place: { kind: 'section', section: bss.index, offset: 8 } });
    assert.deepEqual(elf.symbolTarget(1), { section: bss.index, offset: 8 });
    assert.throws(() => elf.symbolTarget(2), /undefined symbol: 'undefined_thing'/);
    assert.throws(() => elf.symbolTarget(99), ElfLinkError);
  });
}

test('files that are not little-endian RISC-V ELF files are rejected with a clear error', () => {
  const good = sample(true);
  const patched = (offset: number, value: number): Uint8Array => {
    const copy = good.slice();
    copy[offset] = value;
    return copy;
  };
  const rejects = (bytes: Uint8Array, pattern: RegExp): void => {
    assert.throws(() => link(bytes), (e: unknown) => e instanceof ElfLinkError && pattern.test(e.message));
  };
  rejects(new Uint8Array(0), /not an ELF file/);
  rejects(Uint8Array.of(0x7f, 0x45, 0x4c, 0x46), /not an ELF file/);
  rejects(patched(4, 3), /unsupported ELF class 3/);
  rejects(patched(5, 2), /not a little endian/);
  rejects(patched(18, 62), /not a RISC-V file \(e_machine is 62/);
  rejects(patched(16, 4), /ET_EXEC or ET_REL or ET_DYN/);
  rejects(good.subarray(0, 100), /truncated ELF file/);
  rejects(buildElf({ is64: true, sections: [{ name: '.data', flags: SHF_ALLOC | SHF_WRITE, data: Uint8Array.of(1) }], symbols: [] }), /contains no code/);
});

test('a section header pointing past the end of the file is a truncation error naming the section', () => {
  const bytes = sample(false);
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  const shoff = view.getUint32(0x20, true);
  // Section #1 (.text): make its size huge.
  view.setUint32(shoff + 40 + 20, 0x7fffffff, true);
  assert.throws(() => new ElfFile(bytes), (e: unknown) => e instanceof ElfLinkError && /data of section '\.text'/.test(e.message));
});

/** A complete little program, as a corpus for corruption. */
function program(is64: boolean): Uint8Array {
  const g = new GuestBuilder(is64).data('.data', 'rw', Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8), { value: 0 }, [], 4);
  g.label('f');
  g.reloc(R.HI20, 'value').emit(rv.lui(X.a1, 0));
  g.reloc(R.LO12_I, 'value').emit(rv.lw(X.a1, X.a1, 0));
  g.reloc(R.JAL, 'helper').emit(rv.jal(X.ra, 0));
  g.emit(rv.add(X.a0, X.a0, X.a1), rv.ret());
  g.label('helper').emit(rv.addi(X.a0, X.a0, 1), rv.ret());
  g.importStub('host', 1, 1);
  g.export('f', 'f', 1, 1);
  return g.build();
}

test('fuzz: corrupted ELF files only ever produce ElfLinkError (or link successfully)', () => {
  const corpus = [program(false), program(true)];
  fc.assert(
    fc.property(
      fc.nat({ max: 1 }),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }),
      fc.option(fc.nat(), { nil: undefined }),
      (which, edits, truncateAt) => {
        let bytes = corpus[which]!.slice();
        for (const [position, value] of edits) bytes[position % bytes.length] = value;
        if (truncateAt !== undefined) bytes = bytes.subarray(0, truncateAt % (bytes.length + 1));
        for (const optLevel of [0, 2] as const) {
          try {
            link(bytes, { optLevel });
          } catch (error) {
            if (!(error instanceof ElfLinkError)) throw error;
          }
        }
      },
    ),
    { numRuns: 1500 },
  );
});

test('fuzz: random bytes behind a valid ELF header only ever produce ElfLinkError', () => {
  const header = program(true).subarray(0, 64);
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 0, maxLength: 400 }), (tail) => {
      const bytes = new Uint8Array(header.length + tail.length);
      bytes.set(header);
      bytes.set(tail, header.length);
      try {
        link(bytes);
      } catch (error) {
        if (!(error instanceof ElfLinkError)) throw error;
      }
    }),
    { numRuns: 500 },
  );
});
