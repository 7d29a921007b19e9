/**
 * The high-level API: a {@link Linker} binds host functions to a module's imports by name, and an
 * {@link Instance} calls exports, dispatching `ecalli` to those host functions until the guest returns.
 */
import { HostCallError, InvalidArgumentError, LinkError, OutOfGasError, PolkaVMError, TrapError } from '../errors.js';
import { Reg } from '../isa/registers.js';
import type { Module } from './module.js';
import { type PreparedInstance, RawInstance, type RegisterValue } from './raw-instance.js';

/** What a host function may return: nothing, a value for `a0`, or values for `a0` and `a1`. */
export type HostReturn = void | RegisterValue | readonly [RegisterValue, RegisterValue];

/** The view of the calling instance given to host functions. */
export type Caller = Instance;

/**
 * A host function. It receives the calling instance and the guest's a0..a5 as unsigned bigints (on 32-bit
 * programs, the low 32 bits); its return value is written to `a0` (and `a1`).
 */
export type HostFunction = (
  caller: Caller,
  a0: bigint,
  a1: bigint,
  a2: bigint,
  a3: bigint,
  a4: bigint,
  a5: bigint,
) => HostReturn;

/** A host function that reads and writes registers itself (no argument conversion, no return handling). */
export type UntypedHostFunction = (caller: Caller) => void;

/** Handles `ecalli` numbers that have no resolved import. */
export type FallbackHandler = (caller: Caller, hostcall: number) => void;

interface Binding {
  readonly symbol: string;
  readonly call: (caller: Instance) => void;
}

function writeResult(instance: Instance, result: HostReturn): void {
  if (result === undefined) return;
  if (typeof result === 'bigint' || typeof result === 'number') {
    instance.setReg(Reg.A0, result);
  } else {
    instance.setReg(Reg.A0, result[0]);
    instance.setReg(Reg.A1, result[1]);
  }
}

export class Linker {
  private readonly functions = new Map<string, Binding>();
  private fallback: FallbackHandler | undefined;

  /** Defines a host function for the import `symbol`. Defining the same symbol twice is an error. */
  define(symbol: string, fn: HostFunction): this {
    return this.bind(symbol, (caller) => {
      const result = fn(
        caller,
        caller.reg(Reg.A0),
        caller.reg(Reg.A1),
        caller.reg(Reg.A2),
        caller.reg(Reg.A3),
        caller.reg(Reg.A4),
        caller.reg(Reg.A5),
      );
      writeResult(caller, result);
    });
  }

  /** Defines a host function that works on the caller's registers directly. */
  defineUntyped(symbol: string, fn: UntypedHostFunction): this {
    return this.bind(symbol, fn);
  }

  /** Handles every `ecalli` whose import is not defined (instead of failing at instantiation). */
  defineFallback(fn: FallbackHandler): this {
    this.fallback = fn;
    return this;
  }

  private bind(symbol: string, call: (caller: Instance) => void): this {
    if (typeof symbol !== 'string') throw new InvalidArgumentError('host function symbol must be a string');
    if (this.functions.has(symbol)) throw new LinkError(`host function '${symbol}' is already defined`);
    this.functions.set(symbol, { symbol, call });
    return this;
  }

  /**
   * Creates an instance with every import resolved. Throws {@link LinkError} if an import has no host
   * function and no fallback handler is defined.
   */
  instantiate(module: Module): Instance {
    return new Instance(module, this.bindingsFor(module), this.fallback);
  }

  /**
   * Like {@link instantiate}, compiling and instantiating the compiled backend's WebAssembly asynchronously (see
   * {@link Module.compile}); the same as `instantiate` for the interpreter.
   */
  async instantiateAsync(module: Module): Promise<Instance> {
    const bindings = this.bindingsFor(module);
    return new Instance(module, bindings, this.fallback, await module.prepareAsync());
  }

  private bindingsFor(module: Module): (Binding | null)[] {
    return module.imports.map((symbol) => {
      const binding = symbol === null ? undefined : this.functions.get(symbol);
      if (binding === undefined && this.fallback === undefined) {
        throw new LinkError(`failed to instantiate module: missing host function: '${symbol ?? '<invalid symbol>'}'`);
      }
      return binding ?? null;
    });
  }
}

/** Options of {@link Instance.call}. */
export interface CallOptions {
  /** With step tracing: called before every instruction; return false to stop with a {@link TrapError}. */
  onStep?: (instance: Instance) => boolean | void;
}

/** An instance with host functions bound: call exports by name. */
export class Instance extends RawInstance {
  constructor(
    module: Module,
    private readonly bindings: readonly (Binding | null)[],
    private readonly fallback: FallbackHandler | undefined,
    prepared?: PreparedInstance,
  ) {
    super(module, prepared);
  }

  /**
   * Calls an export (by name or code offset) with up to 9 arguments and returns `a0` when the guest returns.
   * Throws {@link TrapError} on a trap, {@link OutOfGasError} when gas runs out, {@link HostCallError} when a
   * host function throws.
   */
  call(entry: string | number, args: readonly RegisterValue[] = [], options: CallOptions = {}): bigint {
    const pc = typeof entry === 'number' ? entry : this.module.exportProgramCounter(entry);
    if (pc === undefined) throw new InvalidArgumentError(`export '${String(entry)}' not found`);
    this.prepareCall(pc, args);
    this.continueExecution(options);
    return this.reg(Reg.A0);
  }

  /** Runs until the guest returns, handling host calls and (with dynamic paging) faults on program memory. */
  continueExecution(options: CallOptions = {}): void {
    for (;;) {
      const interrupt = this.run();
      switch (interrupt.kind) {
        case 'finished':
          return;
        case 'trap':
          throw new TrapError(this.programCounter);
        case 'not-enough-gas':
          throw new OutOfGasError(this.programCounter);
        case 'ecalli':
          this.dispatchHostCall(interrupt.hostcall);
          break;
        case 'segfault':
          // A write to a read-only page cannot be fixed by mapping (the reference would retry forever).
          if (interrupt.isWriteProtected || !this.mapProgramPage(interrupt.pageAddress, interrupt.pageSize)) {
            throw new TrapError(this.programCounter, `unexpected segfault at page 0x${interrupt.pageAddress.toString(16)}`);
          }
          break;
        case 'step':
          if (options.onStep === undefined) throw new PolkaVMError('step tracing is enabled but no onStep callback was given');
          if (options.onStep(this) === false) throw new TrapError(this.programCounter, 'stopped by onStep');
          break;
      }
    }
  }

  private dispatchHostCall(hostcall: number): void {
    const binding = this.bindings[hostcall] ?? null;
    try {
      if (binding !== null) {
        binding.call(this);
      } else if (this.fallback !== undefined) {
        this.fallback(this, hostcall);
      } else {
        throw new TrapError(this.programCounter, `called a missing host function #${hostcall}`);
      }
    } catch (error) {
      if (error instanceof TrapError) throw error;
      throw new HostCallError(binding?.symbol ?? `#${hostcall}`, error);
    }
  }

  /**
   * The reference's default segfault handling for dynamic paging: stack pages are mapped zeroed, RO/RW pages
   * are mapped with their initial contents (RO ones read-only). Returns false for any other page.
   */
  private mapProgramPage(pageAddress: number, pageSize: number): boolean {
    const map = this.module.memoryMap;
    if (pageAddress >= map.stackAddressLow && pageAddress + pageSize <= map.stackAddressHigh) {
      this.zeroMemoryWithMemoryProtection(pageAddress, pageSize, 'read-write');
      return true;
    }
    const regions = [
      { start: map.roDataAddress, end: map.roDataAddress + map.roDataSize, data: this.module.blob.roData, readOnly: true },
      { start: map.rwDataAddress, end: map.rwDataAddress + map.rwDataSize, data: this.module.blob.rwData, readOnly: false },
    ];
    for (const region of regions) {
      if (pageAddress < region.start || pageAddress + pageSize > region.end) continue;
      const offset = pageAddress - region.start;
      const hasData = offset <= region.data.length;
      this.zeroMemoryWithMemoryProtection(pageAddress, pageSize, hasData || !region.readOnly ? 'read-write' : 'read');
      if (hasData) {
        this.writeMemory(pageAddress, region.data.subarray(offset, Math.min(region.data.length, offset + pageSize)));
        if (region.readOnly) this.protectMemory(pageAddress, pageSize);
      }
      return true;
    }
    return false;
  }
}
