import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { Engine } from '../../src/api/engine.js';
import { Linker } from '../../src/api/linker.js';
import { Module } from '../../src/api/module.js';
import { assemble } from '../../src/asm/assembler.js';
import { disassemble } from '../../src/asm/disassembler.js';
import { TrapError } from '../../src/errors.js';
import { ElfFile, SHF_EXECINSTR } from '../../src/linker/elf.js';
import { ElfLinkError } from '../../src/linker/elf-link-error.js';
import { link } from '../../src/linker/link.js';
import { sourceLocatorFor } from '../../src/linker/debug-sections.js';
import {
  DebugLineInfo,
  describeFrames,
  describeSourceLocation,
  writeDebugSections,
  type DebugInstruction,
  type SourceFrame,
} from '../../src/program/debug-info.js';
import { ProgramBlob } from '../../src/program/program-blob.js';

// ---------------------------------------------------------------------------------------------------------------
// The blob format: what the writer encodes, the reader decodes.

const frameArbitrary: fc.Arbitrary<SourceFrame> = fc.record({
  kind: fc.constantFrom('enter' as const, 'call' as const, 'line' as const),
  namespace: fc.option(fc.constantFrom('a', 'b::c', 'ns'), { nil: null }),
  functionName: fc.option(fc.constantFrom('f', 'g', 'main', 'ünïcode'), { nil: null }),
  path: fc.option(fc.constantFrom('x.c', '/src/y.rs', 'z.h'), { nil: null }),
  line: fc.nat({ max: 5000 }),
  column: fc.nat({ max: 200 }),
});

test('debug line programs round-trip: every instruction reads back the frames it was written with', () => {
  fc.assert(
    fc.property(
      fc.array(fc.record({ length: fc.integer({ min: 1, max: 12 }), frames: fc.option(fc.array(frameArbitrary, { minLength: 1, maxLength: 5 }), { nil: null }) }), {
        minLength: 1,
        maxLength: 40,
      }),
      (specs) => {
        let pc = 0;
        const instructions: DebugInstruction[] = specs.map((spec) => {
          const start = pc;
          pc += spec.length;
          return { start, end: pc, frames: spec.frames };
        });
        const sections = writeDebugSections(instructions);
        const blob = blobWith(sections);
        const info = DebugLineInfo.fromBlob(blob);
        for (const instruction of instructions) {
          const top = instruction.frames?.[0];
          const described = top !== undefined && (top.functionName !== null || top.path !== null);
          for (let at = instruction.start; at < instruction.end; at++) {
            assert.deepEqual(info?.framesAt(at) ?? [], described ? instruction.frames : [], `pc ${at}`);
          }
        }
      },
    ),
    { numRuns: 300, seed: 7 },
  );
});

/** A small program with `sections` as its debug sections (12 bytes of code). */
function blobWith(sections: ReturnType<typeof writeDebugSections>): ProgramBlob {
  const base = assemble(['pub @main:', '    a0 = a1 + a2', '    a0 = 0x12345678', '    fallthrough', '    trap'].join('\n'));
  return ProgramBlob.parse(ProgramBlob.fromParts({ ...base.toParts(), customSections: sections }).toBytes());
}

test('a line program describing more than 16 frames keeps the outermost 16', () => {
  const frames: SourceFrame[] = Array.from({ length: 20 }, (_, i) => ({ kind: 'enter', namespace: null, functionName: `f${i}`, path: null, line: i + 1, column: 0 }));
  const info = DebugLineInfo.fromBlob(blobWith(writeDebugSections([{ start: 0, end: 1, frames }])));
  assert.deepEqual(info?.framesAt(0), frames.slice(0, 16));
});

test('malformed debug sections never break lookups or the disassembler', () => {
  const sections = writeDebugSections([{ start: 0, end: 1, frames: [{ kind: 'line', namespace: null, functionName: 'f', path: 'a.c', line: 3, column: 0 }] }]);
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 2 }), fc.nat(), fc.integer({ min: 0, max: 255 }), (which, position, value) => {
      const corrupted = sections.map((section, i) => {
        if (i !== which) return section;
        const bytes = Uint8Array.from(section.bytes);
        bytes[position % bytes.length] = value;
        return { id: section.id, bytes };
      });
      const blob = blobWith(corrupted);
      const description = describeSourceLocation(blob, 0);
      assert.ok(description === null || typeof description === 'string');
      assert.match(disassemble(blob), /fallthrough|trap/);
    }),
    { numRuns: 500, seed: 11 },
  );
});

test('a frame stack is described innermost first, with each inlining call site', () => {
  const frame = (kind: SourceFrame['kind'], functionName: string, line: number, column = 0): SourceFrame => ({ kind, namespace: null, functionName, path: 'p.c', line, column });
  assert.equal(describeFrames([frame('enter', 'main', 1), frame('line', 'main', 7, 3)]), 'main at p.c:7:3');
  assert.equal(
    describeFrames([frame('enter', 'main', 1), frame('call', 'sq', 4, 9), frame('enter', 'sq', 20), frame('line', 'sq', 21, 5)]),
    'sq at p.c:21:5 (inlined into main at p.c:4:9)',
  );
  assert.equal(describeFrames([frame('enter', 'main', 1)]), 'main in p.c');
  assert.equal(describeFrames([{ kind: 'enter', namespace: 'a::b', functionName: 'f', path: null, line: 0, column: 0 }]), 'a::b::f');
  assert.equal(describeFrames([]), null);
});

// ---------------------------------------------------------------------------------------------------------------
// DWARF from real compilers.

const CLANG = 'clang-19';
const LLD = 'ld.lld-19';
const TOOLCHAIN_MISSING = [CLANG, LLD].some((tool) => spawnSync(tool, ['--version']).status !== 0) ? `${CLANG}/${LLD} not installed` : false;

// A guest with its own export declaration (no SDK header): `compute` inlines `square` and calls `crash`
// (which the linker inlines) when the sum is large; `crash` dereferences null and traps.
const SOURCE = `
struct meta { unsigned char version; unsigned int flags; unsigned int length; const char *name; unsigned char in, out; } __attribute__((packed));
#ifdef _LP64
#define PTR ".quad "
#else
#define PTR ".word "
#endif
#define EXPORT(fn, inputs) \\
  static struct meta fn##_meta __attribute__((section(".polkavm_metadata"))) = {1, 0, sizeof(#fn) - 1, #fn, inputs, 1}; \\
  static void __attribute__((naked, used)) fn##_export(void) { \\
    __asm__(".pushsection .polkavm_exports,\\"Ra\\",@note\\n.byte 1\\n" PTR "%[m]\\n" PTR "%[f]\\n.popsection\\n" :: [m] "i"(&fn##_meta), [f] "i"(fn) : "memory"); }

static inline __attribute__((always_inline)) int square(int x) {
  return x * x;
}

__attribute__((noinline)) int crash(volatile int *p) {
  return *p + 1;
}

int compute(int a, int b) {
  int s = square(a) + square(b);
  if (s > 1000) return crash((int *)0);
  return s;
}
EXPORT(compute, 2)
`;
const lineOf = (snippet: string): number => SOURCE.split('\n').findIndex((line) => line.includes(snippet)) + 1;
const CRASH_LINE = lineOf('return *p + 1');
const SQUARE_LINE = lineOf('return x * x');
const CALL_LINE = lineOf('int s = square(a)');
const CRASH_CALL_LINE = lineOf('return crash(');

const SECOND_SOURCE = `
static int table[16];
static inline int mix(int x) { return (x * 2654435761u) >> 7; }
int fill(int seed) {
  int sum = 0;
  for (int i = 0; i < 16; i++) { table[i] = mix(seed + i); sum += table[i] & 0xff; }
  return sum;
}
`;

/**
 * Compiles prog.c and util.c and links them like real guests (`--unique --gc-sections`), or without those two
 * flags if `unique` is false. Returns the ELF; `keepIn` keeps the files in that directory.
 */
function build(bits: 32 | 64, flags: readonly string[], options: { unique?: boolean; keepIn?: string } = {}): Uint8Array {
  const dir = options.keepIn ?? mkdtempSync(join(tmpdir(), 'polkavm-debug-info-'));
  try {
    writeFileSync(join(dir, 'prog.c'), SOURCE);
    writeFileSync(join(dir, 'util.c'), SECOND_SOURCE);
    const target = bits === 32 ? ['--target=riscv32-unknown-none-elf', '-march=rv32emac_zbb', '-mabi=ilp32e'] : ['--target=riscv64-unknown-none-elf', '-march=rv64emac_zbb', '-mabi=lp64e'];
    for (const name of ['prog', 'util']) {
      const compile = spawnSync(CLANG, [...target, '-O1', ...flags, '-fPIC', '-ffreestanding', '-nostdlib', '-ffunction-sections', '-fdata-sections', '-c', `${name}.c`, '-o', `${name}.o`], { cwd: dir, encoding: 'utf8' });
      assert.equal(compile.status, 0, compile.stderr);
    }
    const shared = ['-shared', '--emit-relocs', '--apply-dynamic-relocs', '--no-allow-shlib-undefined', '-Bsymbolic', '-z', 'notext', ...(options.unique === false ? [] : ['--unique', '--gc-sections'])];
    const linked = spawnSync(LLD, [...shared, 'prog.o', 'util.o', '-o', 'prog.elf'], { cwd: dir, encoding: 'utf8' });
    assert.equal(linked.status, 0, linked.stderr);
    return readFileSync(join(dir, 'prog.elf'));
  } finally {
    if (options.keepIn === undefined) rmSync(dir, { recursive: true, force: true });
  }
}

function trapLocation(blob: ProgramBlob, backend: 'interpreter' | 'compiler'): string | null {
  const instance = new Linker().instantiate(Module.fromBlob(new Engine({ backend }), blob));
  assert.equal(instance.call('compute', [3n, 4n]), 25n);
  assert.throws(() => instance.call('compute', [30n, 40n]), TrapError);
  const pc = instance.programCounter;
  assert.notEqual(pc, null);
  return describeSourceLocation(blob, pc!);
}

for (const bits of [32, 64] as const) {
  for (const dwarf of [4, 5] as const) {
    test(`rv${bits} DWARF ${dwarf}: a trap is reported at its source line, inside the function it was inlined into`, { skip: TOOLCHAIN_MISSING }, () => {
      const elf = build(bits, ['-g', `-gdwarf-${dwarf}`]);
      for (const optLevel of [0, 2] as const) {
        const { blob } = link(elf, { optLevel });
        for (const backend of ['interpreter', 'compiler'] as const) {
          const where = trapLocation(blob, backend);
          assert.match(where ?? '', new RegExp(`^crash at \\S*prog\\.c:${CRASH_LINE}:\\d+`), `O${optLevel} ${backend}: ${where}`);
          if (optLevel === 2) assert.match(where ?? '', new RegExp(`inlined into compute at \\S*prog\\.c:${CRASH_CALL_LINE}:\\d+\\)$`));
        }
      }
    });

    test(`rv${bits} DWARF ${dwarf}: functions inlined by the compiler appear with their call site`, { skip: TOOLCHAIN_MISSING }, () => {
      const { blob } = link(build(bits, ['-g', `-gdwarf-${dwarf}`]));
      const entry = blob.exports.find((e) => String(e.symbol) === 'compute')!.programCounter;
      assert.match(describeSourceLocation(blob, entry) ?? '', new RegExp(`^square at \\S*prog\\.c:${SQUARE_LINE}:\\d+ \\(inlined into compute at \\S*prog\\.c:${CALL_LINE}:\\d+\\)$`));
      const listing = disassemble(blob);
      assert.match(listing, /^<compute>:$/m);
      assert.match(listing, new RegExp(`^ {8}// \\S*prog\\.c:${CRASH_LINE}:\\d+$`, 'm'));
    });
  }

  test(`rv${bits}: every address of a function maps to that function's frame and declaration line`, { skip: TOOLCHAIN_MISSING }, () => {
    // Every address of `crash` maps to crash's frame, whose declaration is one line above its body.
    const elf = new ElfFile(build(bits, ['-g']));
    const crash = elf.symbols.find((s) => s.name === 'crash')!;
    const locator = sourceLocatorFor(elf);
    for (let address = crash.address; address < crash.address + crash.size; address += 2) {
      const frames = locator.framesAt(address)!;
      assert.equal(frames[0]!.kind, 'enter');
      assert.equal(frames[0]!.functionName, 'crash');
      assert.equal(frames[0]!.line, CRASH_LINE - 1);
    }
  });

  test(`rv${bits}: without DWARF, function symbols still name the code; --strip removes all debug sections`, { skip: TOOLCHAIN_MISSING }, () => {
    const elf = build(bits, []);
    const { blob } = link(elf, { optLevel: 0 });
    assert.equal(trapLocation(blob, 'interpreter'), 'crash');
    const stripped = link(elf, { optLevel: 0, strip: true }).blob;
    assert.deepEqual(stripped.customSections, []);
    assert.equal(DebugLineInfo.fromBlob(stripped), null);
    assert.equal(trapLocation(stripped, 'interpreter'), null);
    assert.ok(link(build(bits, ['-g']), { strip: true }).bytes.length < link(build(bits, ['-g'])).bytes.length);
  });

  test(`rv${bits}: corrupting DWARF sections yields an ElfLinkError or a link, never another error`, { skip: TOOLCHAIN_MISSING }, () => {
    const elfBytes = build(bits, ['-g', '-gdwarf-5']);
    const elf = new ElfFile(elfBytes);
    const ranges = elf.sections.filter((s) => s.name.startsWith('.debug_') && s.data.length > 0).map((s) => ({ start: s.data.byteOffset - elfBytes.byteOffset, length: s.data.length }));
    fc.assert(
      fc.property(fc.nat(), fc.nat(), fc.integer({ min: 0, max: 255 }), (which, position, value) => {
        const range = ranges[which % ranges.length]!;
        const corrupted = Uint8Array.from(elfBytes);
        corrupted[range.start + (position % range.length)] = value;
        try {
          link(corrupted);
        } catch (error) {
          if (!(error instanceof ElfLinkError)) throw error;
        }
      }),
      { numRuns: 300, seed: 3 },
    );
  });
}

const SYMBOLIZER = 'llvm-symbolizer-19';
const SYMBOLIZER_MISSING = TOOLCHAIN_MISSING || (spawnSync(SYMBOLIZER, ['--version']).status !== 0 ? `${SYMBOLIZER} not installed` : false);

for (const bits of [32, 64] as const) {
  for (const dwarf of [4, 5] as const) {
    test(`rv${bits} DWARF ${dwarf}: the innermost function and line of every address match llvm-symbolizer`, { skip: SYMBOLIZER_MISSING }, () => {
      // llvm-symbolizer cannot read the per-object debug sections --unique leaves, so link without it here.
      const dir = mkdtempSync(join(tmpdir(), 'polkavm-debug-info-'));
      try {
        const elf = new ElfFile(build(bits, ['-O2', '-g', `-gdwarf-${dwarf}`], { unique: false, keepIn: dir }));
        const locator = sourceLocatorFor(elf);
        const addresses: number[] = [];
        for (const section of elf.sections) {
          if ((section.flags & SHF_EXECINSTR) === 0) continue;
          for (let address = section.address; address < section.address + section.size; address += 2) addresses.push(address);
        }
        const output = spawnSync(SYMBOLIZER, ['--obj', join(dir, 'prog.elf'), '--inlining', '--functions=short', ...addresses.map((a) => `0x${a.toString(16)}`)], { encoding: 'utf8' });
        assert.equal(output.status, 0, output.stderr);
        const answers = output.stdout.trim().split('\n\n');
        assert.equal(answers.length, addresses.length);
        let compared = 0;
        addresses.forEach((address, i) => {
          const [name, position] = answers[i]!.split('\n');
          if (name === '??' || /:0:\d+$/.test(position!)) return; // no line information at this address
          const frames = locator.framesAt(address)!;
          const innermost = frames[frames.length - 1]!;
          assert.equal(`${innermost.functionName} ${innermost.path}:${innermost.line}:${innermost.column}`, `${name} ${position}`, `address 0x${address.toString(16)}`);
          compared++;
        });
        assert.ok(compared > 20, `only ${compared} addresses compared`);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
}

const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

test('polkavm run names the source line of a trap, and polkavm disasm shows functions and lines', { skip: TOOLCHAIN_MISSING }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'polkavm-debug-cli-'));
  try {
    writeFileSync(join(dir, 'prog.elf'), build(64, ['-g']));
    const polkavm = (...args: string[]): { status: number | null; stdout: string; stderr: string } =>
      spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
    const linked = polkavm('link', join(dir, 'prog.elf'), '-o', join(dir, 'prog.polkavm'));
    assert.equal(linked.status, 0, linked.stderr);

    const trapped = polkavm('run', join(dir, 'prog.polkavm'), '--export', 'compute', '--args', '30,40');
    assert.equal(trapped.status, 1);
    assert.match(trapped.stdout, new RegExp(`^status: trap, pc: \\d+\n  at crash at \\S*prog\\.c:${CRASH_LINE}:\\d+ \\(inlined into compute at \\S*prog\\.c:${CRASH_CALL_LINE}:\\d+\\)\n$`));
    const json = JSON.parse(polkavm('run', join(dir, 'prog.polkavm'), '--export', 'compute', '--args', '30,40', '--json').stdout) as { location: string };
    assert.match(json.location, /^crash at /);
    const finished = polkavm('run', join(dir, 'prog.polkavm'), '--export', 'compute', '--args', '3,4');
    assert.equal(finished.stdout, 'status: finished, a0: 25\n');

    const listing = polkavm('disasm', join(dir, 'prog.polkavm'));
    assert.equal(listing.status, 0, listing.stderr);
    assert.match(listing.stdout, /^<compute>:$/m);
    assert.match(listing.stdout, new RegExp(`^ {8}// \\S*prog\\.c:${SQUARE_LINE}:\\d+$`, 'm'));
    const plain = polkavm('disasm', join(dir, 'prog.polkavm'), '--no-source');
    assert.doesNotMatch(plain.stdout, /<compute>:|prog\.c/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
