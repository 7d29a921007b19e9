/**
 * Lazy translation of large programs. The main module then holds no guest code: every entry of an instance's
 * function table starts at a stub that exits with {@link ExitCode.Translate}. The host translates the block's
 * *chunk* (consecutive regions, about `lazyChunkBytes` of guest code) into a small module of its own, once per
 * program, instantiates it in the instance (sharing its memory and globals) and points the chunk's table entries at
 * its region functions. Each region is translated at most once, so the total work stays linear in the code size,
 * and a program is ready to run after the analysis pass alone.
 */
import { blockCodeOffset, type ProgramAnalysis, regionEnd } from './analysis.js';
import type { CompileInput } from './compile-program.js';
import type { GasBudgets } from './gas-budget.js';
import type { WasmLayout } from './layout.js';
import { buildPrelude } from './prelude.js';
import type { RegionEmitter } from './region-emitter.js';
import { regionLocals } from './region-writer.js';
import { ModuleBuilder } from './wasm/module-builder.js';

/** Import namespace of a chunk for the main module's globals (which the main module exports by index). */
export const CHUNK_GLOBALS = 'globals';

export class LazyChunks {
  /** Per chunk, its first region; one more entry holds the region count. */
  private readonly chunkFirst: Uint32Array;
  private readonly modules: (WebAssembly.Module | undefined)[];
  readonly chunkCount: number;

  constructor(
    private readonly input: CompileInput,
    private readonly analysis: ProgramAnalysis,
    private readonly layout: WasmLayout,
    private readonly emitter: RegionEmitter,
    private readonly budgets: GasBudgets | null,
  ) {
    const { regionCount, regionFirst, blockPc } = analysis;
    const firsts: number[] = [];
    let chunkStart = -1;
    for (let r = 0; r < regionCount; r++) {
      const start = blockPc[regionFirst[r]!]!;
      if (chunkStart < 0 || start - chunkStart >= input.lazyChunkBytes) {
        firsts.push(r);
        chunkStart = start;
      }
    }
    firsts.push(regionCount);
    this.chunkFirst = Uint32Array.from(firsts);
    this.chunkCount = firsts.length - 1;
    this.modules = new Array<WebAssembly.Module | undefined>(this.chunkCount);
  }

  /** How many chunks have been translated so far (by any instance). */
  get translatedCount(): number {
    let count = 0;
    for (const module of this.modules) if (module !== undefined) count++;
    return count;
  }

  /** The chunk holding block `block`. */
  chunkOf(block: number): number {
    // The last chunk whose first block is at or before `block`.
    const { regionFirst } = this.analysis;
    let low = 0;
    let high = this.chunkCount - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (regionFirst[this.chunkFirst[mid]!]! <= block) low = mid;
      else high = mid - 1;
    }
    return low;
  }

  /** First region of chunk `chunk`, and one past its last. */
  regions(chunk: number): readonly [number, number] {
    return [this.chunkFirst[chunk]!, this.chunkFirst[chunk + 1]!];
  }

  /** Blocks of region `r`: first, and one past the last. */
  blocks(r: number): readonly [number, number] {
    return [this.analysis.regionFirst[r]!, regionEnd(this.analysis, r)];
  }

  /**
   * The chunk's WebAssembly module, translated and compiled at its first use and shared by every instance. It
   * exports its region functions as `r0`, `r1`, … in region order.
   */
  module(chunk: number): WebAssembly.Module {
    let module = this.modules[chunk];
    if (module === undefined) {
      module = new WebAssembly.Module(this.bytes(chunk) as Uint8Array<ArrayBuffer>);
      this.modules[chunk] = module;
    }
    return module;
  }

  /** The chunk's WebAssembly bytes. */
  bytes(chunk: number): Uint8Array {
    const [first, end] = this.regions(chunk);
    const builder = new ModuleBuilder({ importGlobalsFrom: CHUNK_GLOBALS });
    const { ctx, regionType } = buildPrelude(builder, this.input, this.analysis, this.layout, this.budgets);
    // Calls to regions of other chunks go through the main module's function table.
    builder.importTable(CHUNK_GLOBALS, 'table', this.analysis.blockCount + 1);
    const firstFunction = builder.declareStreamed(regionType, regionLocals(ctx.wide), end - first);
    this.emitter.setModule(first, end, firstFunction);
    for (let r = first; r < end; r++) builder.exportFunction(`r${r - first}`, firstFunction + r - first);
    const analysis = this.analysis;
    const codeLength = this.input.code.length;
    const codeBytes = blockCodeOffset(analysis, codeLength, regionEnd(analysis, end - 1)) - blockCodeOffset(analysis, codeLength, analysis.regionFirst[first]!);
    return builder.toBytes((out, k) => this.emitter.emit(first + k, out), codeBytes * 10 + 0x4000);
  }
}
