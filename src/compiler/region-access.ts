/**
 * Guest memory accesses in region functions: the address computation, the inline window tests (and the tests
 * hoisted to a block's start), and loads and stores with their slow paths (see docs/compiler.md, "Memory").
 */
import { DecodedInstruction } from '../isa/code.js';
import { BlockAccessCoverage } from './access-coverage.js';
import { loadOpcode, SIZE_INDEX, storeOpcode } from './access-opcodes.js';
import { ExitCode } from './layout.js';
import { LOAD_KIND_SIZE, LoadKind } from './recipes.js';
import { ADDRESS, type EmitContext, GROUP_BASE, GROUP_BASES, NO_BASE, RegionWriter, RW_LIMIT, SCRATCH, SP } from './region-writer.js';
import { ValType, W } from './wasm/opcodes.js';
import { inGuessedOrder, WindowGuess } from './window-guess.js';

/** A region checked inline: `(wasm address - start) <u limit`. */
interface Window {
  /** WebAssembly address of the region's start. */
  readonly start: number;
  /** Exclusive limit on the offset (constant) when `local` is -1. */
  readonly limit: number;
  /** The local holding the limit, or -1. */
  readonly local: number;
}

/** Emits the memory accesses of region functions. */
export abstract class RegionAccessEmitter extends RegionWriter {
  /** Inline windows per access size index: [RW (general), stack (sp-based)]. */
  private readonly rwWindows: (Window | null)[] = [];
  private readonly stackWindows: (Window | null)[] = [];
  private readonly roWindows: (Window | null)[] = [];
  private readonly coverage = new BlockAccessCoverage(new DecodedInstruction());
  /** Which window each register probably points into: the window tested first. */
  protected readonly guess: WindowGuess;
  /** Per root register of a group tested at the block start: its group base local's index past GROUP_BASE, or -1. */
  private readonly groupSlot = new Int8Array(13);
  /** The `memarg` offset of the access {@link pushCovered} pushed the base of. */
  private coveredAt = 0;
  /** The lowest window's WebAssembly start (the stack's): group bases are kept relative to it. */
  private readonly origin: number;

  constructor(ctx: EmitContext) {
    super(ctx);
    const { map, layout } = ctx;
    this.guess = new WindowGuess(map);
    const starts = [layout.stackBase, layout.rwBase, layout.roBase, ...(map.auxDataSize > 0 ? [layout.auxBase] : [])];
    this.origin = Math.max(0, Math.min(...starts));
    for (const size of [1, 2, 4, 8]) {
      const s = SIZE_INDEX[size]!;
      this.rwWindows.push({ start: layout.rwBase, limit: 0, local: RW_LIMIT + s });
      const stackLimit = map.stackSize - size + 1;
      this.stackWindows.push(stackLimit > 0 ? { start: layout.stackBase, limit: stackLimit, local: -1 } : null);
      const roLimit = map.roDataSize - size + 1;
      this.roWindows.push(roLimit > 0 ? { start: layout.roBase, limit: roLimit, local: -1 } : null);
    }
  }

  /** Pushes the 32-bit value `base + offset` (base may be NO_BASE). */
  protected address(base: number, offset: number): void {
    if (base === NO_BASE) {
      this.i32(offset);
      return;
    }
    this.reg32(base);
    if (offset !== 0) {
      this.i32(offset);
      this.op(W.i32_add);
    }
  }

  /**
   * The WebAssembly address of an absolute access that is valid in every state of the instance (RO data, the
   * initial RW data, the stack), or -1.
   */
  private staticAddress(address: number, size: number, write: boolean): number {
    const { map, layout } = this.ctx;
    if (this.ctx.dynamicPaging) return -1;
    const inside = (start: number, length: number): boolean => address >= start && address + size <= start + length;
    const valid = inside(map.rwDataAddress, map.rwDataSize) || inside(map.stackAddressLow, map.stackSize) || (!write && inside(map.roDataAddress, map.roDataSize));
    return valid ? (address + layout.guestToWasm) >>> 0 : -1;
  }

  /**
   * Pushes the address an access through register `base` goes to — the WebAssembly address under standard memory,
   * the guest address under dynamic paging — and keeps it in ADDRESS.
   */
  private accessAddress(base: number, offset: number): void {
    this.reg32(base);
    const delta = (offset + this.ctx.layout.guestToWasm) | 0;
    if (delta !== 0) {
      this.i32(delta);
      this.op(W.i32_add);
    }
    this.tee(ADDRESS);
  }

  private readonly rwLimit = (sizeIndex: number): void => this.get(RW_LIMIT + sizeIndex);
  private readonly auxLimit = (sizeIndex: number): void => {
    this.body.byte(W.global_get).u32(this.ctx.runtime.auxLimit[sizeIndex]!);
  };

  /** Copies the RW window's limits into their locals: at the function's start, and wherever `sbrk` may have run. */
  protected loadRwLimits(): void {
    if (this.ctx.dynamicPaging) return;
    for (let s = 0; s < 4; s++) {
      this.body.byte(W.global_get).u32(this.ctx.runtime.rwLimit[s]!);
      this.set(RW_LIMIT + s);
    }
  }

  /**
   * If the access at `pc` was tested at the block start (see {@link hoistAccessTests}), pushes the address it adds
   * {@link coveredAt} to: its group's base, or its own address when the group has no local.
   */
  private pushCovered(base: number, offset: number, pc: number): boolean {
    if (this.ctx.dynamicPaging) return false;
    const root = this.coverage.takeCovered(pc);
    if (root < 0) return false;
    const slot = this.groupSlot[root]!;
    if (slot >= 0) {
      this.get(GROUP_BASE + slot);
      this.coveredAt = this.origin + this.coverage.takenOffset;
    } else {
      this.accessAddress(base, offset);
      this.coveredAt = 0;
    }
    return true;
  }

  /** `(ADDRESS - start) <u limit` with the WebAssembly address on the stack (consumed), for a window. */
  private windowTest(window: Window): void {
    this.i32(window.start);
    this.op(W.i32_sub);
    this.windowLimit(window);
    this.op(W.i32_lt_u);
  }

  private windowLimit(window: Window): void {
    if (window.local < 0) this.i32(window.limit);
    else this.get(window.local);
  }

  /**
   * The windows tested inline for an access through `base`, in the order they are tested: the stack for `sp`; the
   * RW data, the stack and, for loads, the RO data otherwise, in the order of the base's guess.
   */
  private windowsFor(size: number, base: number, write: boolean): Window[] {
    const s = SIZE_INDEX[size]!;
    const stack = this.stackWindows[s]!;
    const rw = this.rwWindows[s]!;
    const ro = write ? null : this.roWindows[s]!;
    const candidates: (Window | null)[] = base === SP ? [stack] : inGuessedOrder(this.guess.of(base), rw, stack, ro);
    return candidates.filter((window): window is Window => window !== null);
  }

  /**
   * An access through `base` tested here, a miss leaving for the interpreter (see {@link exitsOnMiss}); `access`
   * emits the load or store with its address on the stack, given the `memarg` offset to add. The windows are tried
   * in turn, the first that holds deciding (one test on the usual path; each access site keeps to one window, so
   * the branches predict well).
   *
   * The address is kept relative to the first window's start, `t = base + offset + K - start`: its test is then
   * `t <u limit` and the access adds `start` in its memarg, which V8 folds into the addressing. Windows above the
   * first are tested on `t` as well and share that access (`t + start` cannot pass 4 GiB for them). For windows
   * below it, `t + start` would: after the others, the address is made absolute and they get an access of their own.
   * ```
   * block $done  block $hit
   *   t <u limit → $hit;  (t - (start' - start)) <u limit' → $hit for the windows above
   *   w = t + start;  block  (w - start'') <u limit'' → 0 for the windows below;  leave  end;  access [w];  br $done
   * end  access [t + start]
   * end
   * ```
   */
  private testedAccess(base: number, offset: number, windows: readonly Window[], pc: number, access: (memarg: number) => void): void {
    const first = windows[0]!;
    const above = windows.filter((window) => window.start > first.start);
    const below = windows.filter((window) => window.start < first.start);
    this.reg32(base);
    const delta = (offset + this.ctx.layout.guestToWasm - first.start) | 0;
    if (delta !== 0) {
      this.i32(delta);
      this.op(W.i32_add);
    }
    this.set(ADDRESS);
    if (below.length > 0) this.open(W.block); // $done
    this.open(W.block); // $hit
    this.get(ADDRESS);
    this.windowLimit(first);
    this.op(W.i32_lt_u);
    this.body.byte(W.br_if).u32(0);
    for (const window of above) {
      this.get(ADDRESS);
      this.i32(window.start - first.start);
      this.op(W.i32_sub);
      this.windowLimit(window);
      this.op(W.i32_lt_u);
      this.body.byte(W.br_if).u32(0);
    }
    if (below.length > 0) {
      this.get(ADDRESS);
      this.i32(first.start);
      this.op(W.i32_add);
      this.set(ADDRESS);
      this.open(W.block);
      for (const window of below) {
        this.get(ADDRESS);
        this.windowTest(window);
        this.body.byte(W.br_if).u32(0);
      }
      this.exitAt(ExitCode.FallbackCharged, pc);
      this.end();
      this.get(ADDRESS);
      access(0);
      this.br(1); // $done
    } else {
      this.exitAt(ExitCode.FallbackCharged, pc);
    }
    this.end(); // $hit
    this.get(ADDRESS);
    access(first.start);
    if (below.length > 0) this.end(); // $done
  }

  /**
   * With the address on the stack (see {@link accessAddress}), pushes whether one of `windows` (at least one) holds
   * it, for a load that calls a slow path on a miss (see {@link exitsOnMiss}).
   */
  private anyWindowHolds(windows: readonly Window[]): void {
    this.windowTest(windows[0]!);
    for (const window of windows.slice(1)) {
      this.body.byte2(W.if, ValType.I32);
      this.i32(1);
      this.op(W.else);
      this.get(ADDRESS);
      this.windowTest(window);
      this.op(W.end);
    }
  }

  /**
   * Whether an access that misses the inline windows leaves compiled code (the interpreter then performs it
   * exactly, usually a trap) instead of calling a slow-path helper. Leaving keeps the hot path free of calls and
   * merges; only aux data, readable but not tested inline, makes loads worth a helper.
   */
  private exitsOnMiss(write: boolean): boolean {
    return write || this.ctx.map.auxDataSize === 0;
  }

  /**
   * Tests, once at the start of the block at `pc`, the accesses that {@link BlockAccessCoverage} groups by root
   * register: each group's whole byte range must lie inside one window (the stack, or RW data unless the root is
   * `sp`; for groups that only load, also RO or aux data). The windows are tried in the order of the root's guess,
   * the first that holds deciding, as for single accesses. If none holds, the interpreter runs the block instead
   * (the block is charged already) and performs every access exactly; the covered accesses are not tested.
   */
  protected hoistAccessTests(pc: number): void {
    const coverage = this.coverage;
    coverage.scan(this.ctx.code, pc);
    const groups = coverage.groups;
    if (groups === 0) return;
    const { map, layout } = this.ctx;
    let slots = 0;
    // block $pass  block $fail  (block $group  tests, each br_if $group;  br $fail  end)*  br $pass  end  exit  end
    this.open(W.block);
    this.open(W.block);
    for (let r = 0; r < 13; r++) {
      if ((groups & (1 << r)) === 0) continue;
      const low = coverage.low[r]!;
      const span = coverage.high[r]! - low;
      const loadsOnly = coverage.stores[r] === 0;
      // The group's lowest byte, relative to the lowest window (so that a stack group's test is one comparison);
      // with a local of its own, the accesses add the origin and their offset in their memarg.
      const slot = slots < GROUP_BASES ? slots++ : -1;
      this.groupSlot[r] = slot;
      const base = slot >= 0 ? GROUP_BASE + slot : ADDRESS;
      this.reg32(r);
      this.i32((low + layout.guestToWasm - this.origin) | 0);
      this.op(W.i32_add);
      this.set(base);
      this.open(W.block);
      const constant = (start: number, size: number): void => {
        if (size < span) return;
        this.get(base);
        this.relativeTo(start);
        this.i32(size - span + 1);
        this.op(W.i32_lt_u);
        this.body.byte(W.br_if).u32(0);
      };
      const dynamic = (start: number, limits: (sizeIndex: number) => void): void => {
        this.spanTest(base, start, limits, span);
        this.body.byte(W.br_if).u32(0);
      };
      const stack = (): void => constant(layout.stackBase, map.stackSize);
      // `sp` points into the stack (a program that moves it elsewhere runs such blocks in the interpreter).
      const rw = (): void => {
        if (r !== SP) dynamic(layout.rwBase, this.rwLimit);
      };
      const ro = (): void => {
        if (loadsOnly) constant(layout.roBase, map.roDataSize);
      };
      for (const test of inGuessedOrder(this.guess.of(r), rw, stack, ro)) test();
      if (loadsOnly && map.auxDataSize > 0) dynamic(layout.auxBase, this.auxLimit);
      this.br(1);
      this.end();
    }
    this.br(1);
    this.end();
    this.exitAt(ExitCode.FallbackCharged, pc);
    this.end();
  }

  /**
   * With an address relative to {@link origin} on the stack, makes it relative to the window starting at `start`.
   * Every window starts at or above the origin, so a group's address plus the origin never passes 4 GiB once a
   * window holds it.
   */
  private relativeTo(start: number): void {
    if (start === this.origin) return;
    this.i32(start - this.origin);
    this.op(W.i32_sub);
  }

  /**
   * Pushes whether `span` bytes at the address in local `at` lie in a window of dynamic size, `limit` pushing the
   * limit for 1-, 2-, 4- or 8-byte accesses (by size index). A span of at most 8 bytes takes one test against
   * the limit for the smallest access size covering it (a span of 5 to 7 bytes at the very end of the window fails
   * it: the interpreter then runs the block, exactly). Longer spans test both ends, `offset <u size && offset +
   * span - 1 <u size`, as the size may be below the span.
   */
  private spanTest(at: number, start: number, limit: (sizeIndex: number) => void, span: number): void {
    this.get(at);
    this.relativeTo(start);
    if (span <= 8) {
      limit(SIZE_INDEX[span <= 1 ? 1 : span <= 2 ? 2 : span <= 4 ? 4 : 8]!);
      this.op(W.i32_lt_u);
      return;
    }
    // The limit for 1-byte accesses is the window's size.
    this.tee(SCRATCH);
    limit(0);
    this.op(W.i32_lt_u);
    this.get(SCRATCH);
    this.i32(span - 1);
    this.op(W.i32_add);
    limit(0);
    this.op(W.i32_lt_u);
    this.op(W.i32_and);
  }

  protected load(kind: LoadKind, dst: number, base: number, offset: number, pc: number): void {
    const size = LOAD_KIND_SIZE[kind]!;
    const opcode = loadOpcode(kind, this.wide);
    const slow = this.ctx.runtime.slowLoad[kind]!;
    if (base === NO_BASE) {
      const at = this.staticAddress(offset >>> 0, size, false);
      if (at >= 0) {
        this.i32(0);
        this.op(opcode);
        this.memarg(at);
      } else {
        this.i32((offset + this.ctx.layout.guestToWasm) | 0);
        this.i32(pc);
        this.call(slow);
        this.checkFault();
      }
      this.setReg(dst);
      return;
    }
    if (this.pushCovered(base, offset, pc)) {
      this.op(opcode);
      this.memarg(this.coveredAt);
      this.setReg(dst);
      return;
    }
    const windows = this.ctx.dynamicPaging ? [] : this.windowsFor(size, base, false);
    if (windows.length > 0 && this.exitsOnMiss(false)) {
      this.testedAccess(base, offset, windows, pc, (at) => {
        this.op(opcode);
        this.memarg(at);
        this.setReg(dst);
      });
      return;
    }
    this.accessAddress(base, offset);
    if (windows.length > 0) {
      this.anyWindowHolds(windows);
      this.openIf(this.vt);
      this.get(ADDRESS);
      this.op(opcode);
      this.memarg(0);
      this.op(W.else);
      this.get(ADDRESS);
      this.i32(pc);
      this.call(slow);
      this.checkFault();
      this.end();
    } else {
      // The address is on the stack: the slow path decides.
      this.i32(pc);
      this.call(slow);
      this.checkFault();
    }
    this.setReg(dst);
  }

  /** Pushes the value to store: register `source`, or the immediate when `source` is NO_BASE. */
  private storeValue(source: number, value: number): void {
    if (source === NO_BASE) this.imm(value);
    else this.reg(source);
  }

  protected store(size: number, base: number, offset: number, source: number, value: number, pc: number): void {
    const opcode = storeOpcode(size, this.wide);
    const slow = this.ctx.runtime.slowStore[SIZE_INDEX[size]!]!;
    if (base === NO_BASE) {
      const at = this.staticAddress(offset >>> 0, size, true);
      if (at >= 0) {
        this.i32(0);
        this.storeValue(source, value);
        this.op(opcode);
        this.memarg(at);
      } else {
        this.i32((offset + this.ctx.layout.guestToWasm) | 0);
        this.storeValue(source, value);
        this.i32(pc);
        this.call(slow);
        this.checkFault();
      }
      return;
    }
    if (this.pushCovered(base, offset, pc)) {
      this.storeValue(source, value);
      this.op(opcode);
      this.memarg(this.coveredAt);
      return;
    }
    const windows = this.ctx.dynamicPaging ? [] : this.windowsFor(size, base, true);
    if (windows.length > 0 && this.exitsOnMiss(true)) {
      this.testedAccess(base, offset, windows, pc, (at) => {
        this.storeValue(source, value);
        this.op(opcode);
        this.memarg(at);
      });
      return;
    }
    this.accessAddress(base, offset);
    this.storeValue(source, value);
    this.i32(pc);
    this.call(slow);
    this.checkFault();
  }
}
