/**
 * Assembles a WebAssembly module from function bodies produced elsewhere. Only what the compiler needs: function
 * types, an imported memory, imported functions, one funcref table initialized by active element segments, mutable
 * globals, exports, a start function and code.
 *
 * The bulk of a compiled program — its region functions — is streamed: {@link ModuleBuilder.declareStreamed}
 * reserves their indices, and {@link ModuleBuilder.toBytes} calls back to have each body written straight into the
 * output, so no body is ever copied.
 */
import { ByteWriter } from './byte-writer.js';
import { Section, ValType } from './opcodes.js';

export interface FunctionType {
  readonly params: readonly ValType[];
  readonly results: readonly ValType[];
}

interface DefinedFunction {
  readonly type: number;
  /** Locals after the parameters, as (count, type) runs. */
  readonly locals: readonly (readonly [number, ValType])[];
  /** The body, ending with its `end`. */
  readonly body: ByteWriter;
}

/** Table entries from `offset` on: these function indices. */
export interface TableSegment {
  readonly offset: number;
  readonly functions: ArrayLike<number>;
}

export class ModuleBuilder {
  private readonly types: FunctionType[] = [];
  private readonly typeKeys = new Map<string, number>();
  private readonly importedFunctions: { module: string; name: string; type: number }[] = [];
  private readonly functions: DefinedFunction[] = [];
  private readonly globals: { type: ValType; init: number }[] = [];
  private readonly exports: { name: string; kind: 0 | 1 | 2 | 3; index: number }[] = [];
  private table: { size: number; segments: readonly TableSegment[] } | null = null;
  private start = -1;
  private streamed: { type: number; locals: readonly (readonly [number, ValType])[]; count: number } | null = null;
  private memoryImport: { module: string; name: string; minimumPages: number } | null = null;
  private tableImport: { module: string; name: string; minimumSize: number } | null = null;
  /** Globals are imported from this module, named by index (`g0`, `g1`, …), instead of defined. */
  private readonly globalsFrom: string | null;

  /**
   * @param options.importGlobalsFrom every {@link global} becomes an import of the mutable global of the same
   *   index from this module (named `g<index>`, see {@link exportGlobalsByIndex}): a module built this way shares
   *   another module's globals, at the same indices.
   */
  constructor(options: { importGlobalsFrom?: string } = {}) {
    this.globalsFrom = options.importGlobalsFrom ?? null;
  }

  /** Index of a function type, adding it if new. */
  type(params: readonly ValType[], results: readonly ValType[]): number {
    const key = `${params.join(',')}:${results.join(',')}`;
    let index = this.typeKeys.get(key);
    if (index === undefined) {
      index = this.types.length;
      this.types.push({ params, results });
      this.typeKeys.set(key, index);
    }
    return index;
  }

  /** Imports a function; returns its function index. Call before defining functions. */
  importFunction(module: string, name: string, type: number): number {
    if (this.functions.length > 0) throw new Error('internal error: imports must come before defined functions');
    this.importedFunctions.push({ module, name, type });
    return this.importedFunctions.length - 1;
  }

  importMemory(module: string, name: string, minimumPages: number): void {
    this.memoryImport = { module, name, minimumPages };
  }

  /** Imports the funcref table (table 0) instead of defining one with {@link setTable}. */
  importTable(module: string, name: string, minimumSize: number): void {
    this.tableImport = { module, name, minimumSize };
  }

  /** Index the next defined function will get. */
  nextFunctionIndex(): number {
    return this.importedFunctions.length + this.functions.length;
  }

  /** Defines a function with this body (ending with its `end`); returns its function index. */
  defineFunction(type: number, locals: readonly (readonly [number, ValType])[], body: ByteWriter): number {
    if (this.streamed !== null) throw new Error('internal error: streamed functions must come last');
    this.functions.push({ type, locals, body });
    return this.importedFunctions.length + this.functions.length - 1;
  }

  /**
   * Declares `count` functions, after all others, whose bodies {@link toBytes} has written by `writeBody`;
   * returns the index of the first.
   */
  declareStreamed(type: number, locals: readonly (readonly [number, ValType])[], count: number): number {
    this.streamed = { type, locals, count };
    return this.importedFunctions.length + this.functions.length;
  }

  /** A mutable global with an i32/i64 constant initial value; returns its index. */
  global(type: ValType, init = 0): number {
    this.globals.push({ type, init });
    return this.globals.length - 1;
  }

  exportFunction(name: string, index: number): void {
    this.exports.push({ name, kind: 0, index });
  }

  exportGlobal(name: string, index: number): void {
    this.exports.push({ name, kind: 3, index });
  }

  /** Exports every global as `g<index>`, for modules built with `importGlobalsFrom`. */
  exportGlobalsByIndex(): void {
    for (let i = 0; i < this.globals.length; i++) this.exportGlobal(`g${i}`, i);
  }

  /** Exports the funcref table (see {@link setTable}). */
  exportTable(name: string): void {
    this.exports.push({ name, kind: 1, index: 0 });
  }

  /** The funcref table (table 0), of `size` entries, initialized by these segments (others are null). */
  setTable(size: number, segments: readonly TableSegment[]): void {
    this.table = { size, segments };
  }

  /** A function (no parameters or results) run when the module is instantiated. */
  setStart(functionIndex: number): void {
    this.start = functionIndex;
  }

  /**
   * The module's bytes (a view of the builder's buffer). `writeBody(out, i)` appends the body of streamed
   * function i (without its locals, with its final `end`); `estimate` is the expected size in bytes.
   */
  toBytes(writeBody?: (out: ByteWriter, index: number) => void, estimate = 1 << 16): Uint8Array {
    const streamed = this.streamed ?? { type: 0, locals: [], count: 0 };
    if (streamed.count > 0 && writeBody === undefined) throw new Error('internal error: streamed functions need a body writer');
    const out = new ByteWriter(estimate);
    out.raw([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
    const section = (id: Section, content: ByteWriter): void => {
      out.byte(id).u32(content.length).append(content);
    };

    const types = new ByteWriter();
    types.u32(this.types.length);
    for (const { params, results } of this.types) {
      types.byte(0x60).u32(params.length).raw(params).u32(results.length).raw(results);
    }
    section(Section.Type, types);

    const importedGlobals = this.globalsFrom === null ? 0 : this.globals.length;
    const imports = new ByteWriter();
    imports.u32(this.importedFunctions.length + (this.memoryImport ? 1 : 0) + (this.tableImport ? 1 : 0) + importedGlobals);
    if (this.memoryImport) {
      imports.name(this.memoryImport.module).name(this.memoryImport.name).byte(0x02).byte(0x00).u32(this.memoryImport.minimumPages);
    }
    if (this.tableImport) {
      imports.name(this.tableImport.module).name(this.tableImport.name).byte(0x01).byte(ValType.FuncRef).byte(0x00).u32(this.tableImport.minimumSize);
    }
    for (const fn of this.importedFunctions) imports.name(fn.module).name(fn.name).byte(0x00).u32(fn.type);
    for (let i = 0; i < importedGlobals; i++) imports.name(this.globalsFrom!).name(`g${i}`).byte(0x03).byte(this.globals[i]!.type).byte(0x01);
    section(Section.Import, imports);

    const functions = new ByteWriter();
    functions.u32(this.functions.length + streamed.count);
    for (const fn of this.functions) functions.u32(fn.type);
    for (let i = 0; i < streamed.count; i++) functions.u32(streamed.type);
    section(Section.Function, functions);

    if (this.table !== null) {
      const table = new ByteWriter();
      table.u32(1).byte(ValType.FuncRef).byte(0x00).u32(this.table.size);
      section(Section.Table, table);
    }

    if (this.globals.length > importedGlobals) {
      const globals = new ByteWriter();
      globals.u32(this.globals.length);
      for (const g of this.globals) {
        globals.byte(g.type).byte(0x01);
        if (g.type === ValType.I64) globals.byte(0x42).i64(g.init | 0, g.init < 0 ? -1 : 0);
        else globals.byte(0x41).i32(g.init);
        globals.byte(0x0b);
      }
      section(Section.Global, globals);
    }

    const exports = new ByteWriter();
    exports.u32(this.exports.length);
    for (const e of this.exports) exports.name(e.name).byte(e.kind).u32(e.index);
    section(Section.Export, exports);

    if (this.start >= 0) section(Section.Start, new ByteWriter(8).u32(this.start));

    if (this.table !== null) {
      const elements = new ByteWriter();
      const { segments } = this.table;
      elements.u32(segments.length);
      for (const { offset, functions } of segments) {
        elements.u32(0).byte(0x41).i32(offset).byte(0x0b).u32(functions.length);
        for (let i = 0; i < functions.length; i++) elements.u32(functions[i]!);
      }
      section(Section.Element, elements);
    }

    // Sizes are written as 5-byte LEB128 placeholders and patched once known, so bodies are written in place.
    out.byte(Section.Code);
    const sectionSize = out.placeholderU32();
    out.u32(this.functions.length + streamed.count);
    for (const fn of this.functions) {
      const size = out.placeholderU32();
      writeLocals(out, fn.locals);
      out.append(fn.body);
      out.patchU32(size, out.length - size - 5);
    }
    for (let i = 0; i < streamed.count; i++) {
      const size = out.placeholderU32();
      writeLocals(out, streamed.locals);
      writeBody!(out, i);
      out.patchU32(size, out.length - size - 5);
    }
    out.patchU32(sectionSize, out.length - sectionSize - 5);
    return out.view();
  }
}

function writeLocals(out: ByteWriter, locals: readonly (readonly [number, ValType])[]): void {
  out.u32(locals.length);
  for (const [count, type] of locals) out.u32(count).byte(type);
}
