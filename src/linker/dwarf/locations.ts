/**
 * Address → source frames: the function an address belongs to, the chain of inlined calls it sits in, and its
 * line, in the shape the `.polkavm` debug line programs store (see `src/program/debug-info.ts`).
 */
import type { SourceFrame } from '../../program/debug-info.js';
import type { LineRange } from './line-table.js';
import type { CodeScope, DebugInfo, FunctionRecord, SourcePosition } from './units.js';

/** A function symbol of the ELF file, used where there is no DWARF description. */
export interface FunctionSymbol {
  readonly start: number;
  readonly end: number;
  readonly name: string;
}

interface ResolvedFunction {
  readonly name: string | null;
  readonly namespace: string | null;
  readonly decl: SourcePosition | null;
}

/** Finds the last entry whose `start` is at most `address` in a list sorted by `start`. */
function lastStartingAtOrBefore<T extends { readonly start: number }>(list: readonly T[], address: number): number {
  let low = 0;
  let high = list.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (list[mid]!.start <= address) low = mid + 1;
    else high = mid;
  }
  return low - 1;
}

/** Splits `a::b::name` into its namespace and name at the last `::` outside angle brackets. */
export function splitQualifiedName(full: string): { namespace: string | null; name: string } {
  let depth = 0;
  for (let i = full.length - 1; i > 0; i--) {
    const ch = full[i];
    if (ch === '>') depth++;
    else if (ch === '<') depth = Math.max(0, depth - 1);
    else if (depth === 0 && ch === ':' && full[i - 1] === ':') return { namespace: full.slice(0, i - 1), name: full.slice(i + 1) };
  }
  return { namespace: null, name: full };
}

/** Answers "which source frames does this address belong to?" from DWARF, falling back to symbols. */
export class SourceLocator {
  private readonly bodies: { start: number; end: number; scope: CodeScope }[] = [];
  private readonly lines: LineRange[];
  private readonly symbols: FunctionSymbol[];
  private readonly resolved = new Map<number, ResolvedFunction>();

  constructor(
    private readonly info: DebugInfo,
    symbols: readonly FunctionSymbol[],
  ) {
    for (const scope of info.roots) for (const [start, end] of scope.ranges) this.bodies.push({ start, end, scope });
    this.bodies.sort((a, b) => a.start - b.start);
    this.lines = [...info.lines].sort((a, b) => a.start - b.start);
    this.symbols = [...symbols].sort((a, b) => a.start - b.start);
  }

  /** Whether there is anything at all to symbolicate with. */
  get isEmpty(): boolean {
    return this.bodies.length === 0 && this.lines.length === 0 && this.symbols.length === 0;
  }

  /** The frames for `address`, outermost first; null if nothing is known about it. */
  framesAt(address: number): SourceFrame[] | null {
    const line = this.lineAt(address);
    const body = this.bodyAt(address);
    if (body === null) return this.fallbackFrames(address, line);

    const frames: SourceFrame[] = [];
    let innermost = this.resolve(body.function);
    frames.push(frame('enter', innermost, innermost.decl));
    for (let scope = body; ; ) {
      const inner = scope.children.find((child) => child.ranges.some(([start, end]) => address >= start && address < end));
      if (inner === undefined) break;
      const callee = this.resolve(inner.function);
      if (inner.call !== null) frames.push(frame('call', callee, inner.call));
      if (callee.decl !== null) frames.push(frame('enter', callee, callee.decl));
      innermost = callee;
      scope = inner;
    }
    if (line !== null && line.line !== 0) frames.push(frame('line', innermost, line));
    return frames;
  }

  private bodyAt(address: number): CodeScope | null {
    // Bodies do not normally overlap; look back a little in case a compiler emitted nested ranges.
    for (let i = lastStartingAtOrBefore(this.bodies, address), seen = 0; i >= 0 && seen < 8; i--, seen++) {
      const body = this.bodies[i]!;
      if (address < body.end) return body.scope;
    }
    return null;
  }

  private lineAt(address: number): LineRange | null {
    const index = lastStartingAtOrBefore(this.lines, address);
    const line = this.lines[index];
    return line !== undefined && address < line.end ? line : null;
  }

  private fallbackFrames(address: number, line: LineRange | null): SourceFrame[] | null {
    const symbol = this.symbols[lastStartingAtOrBefore(this.symbols, address)];
    const frames: SourceFrame[] = [];
    let fn: ResolvedFunction = { name: null, namespace: null, decl: null };
    if (symbol !== undefined && address < symbol.end) {
      const { namespace, name } = splitQualifiedName(symbol.name);
      fn = { name, namespace, decl: null };
      frames.push(frame('enter', fn, null));
    }
    if (line !== null && line.line !== 0) frames.push(frame('line', fn, line));
    return frames.length > 0 ? frames : null;
  }

  /** Follows `DW_AT_abstract_origin`/`DW_AT_specification` to fill in a function's name and declaration. */
  private resolve(offset: number): ResolvedFunction {
    const cached = this.resolved.get(offset);
    if (cached !== undefined) return cached;
    let name: string | null = null;
    let namespace: string | null = null;
    let decl: SourcePosition | null = null;
    let record: FunctionRecord | undefined = this.info.functions.get(offset);
    for (let hops = 0; record !== undefined && hops < 16; hops++) {
      name ??= record.name;
      namespace ??= record.namespace;
      decl ??= record.decl;
      record = record.origin === null ? undefined : this.info.functions.get(record.origin);
    }
    const result = { name, namespace, decl };
    this.resolved.set(offset, result);
    return result;
  }
}

function frame(kind: SourceFrame['kind'], fn: ResolvedFunction, position: SourcePosition | null): SourceFrame {
  return {
    kind,
    namespace: fn.namespace,
    functionName: fn.name,
    path: position?.path || null, // '' = unknown file
    line: position?.line ?? 0,
    column: position?.column ?? 0,
  };
}
