/**
 * Typed errors. Every failure the library reports is an instance of {@link PolkaVMError}, so callers can tell
 * bad input apart from bugs with one `instanceof` check.
 */

/** Base class of every error thrown by polkavm-ts. */
export class PolkaVMError extends Error {
  override name = 'PolkaVMError';
}

/** What went wrong while parsing a program blob (mirrors the reference's `ProgramParseErrorKind`). */
export type ProgramParseErrorKind =
  | 'FailedToReadVarint'
  | 'FailedToReadStringNonUtf'
  | 'UnexpectedSection'
  | 'UnexpectedEnd'
  | 'UnsupportedVersion'
  | 'Other';

/** A program blob (or JAM code blob, or standard program) is malformed. */
export class ProgramParseError extends PolkaVMError {
  override name = 'ProgramParseError';
  constructor(
    /** Category of the problem. */
    readonly kind: ProgramParseErrorKind,
    /** Byte offset in the input where the problem was found. */
    readonly offset: number,
    message: string,
  ) {
    super(`${message} (at byte offset ${offset})`);
  }
}

/** A module could not be created from a parsed blob (memory map does not fit, JamV1 validation failed, ...). */
export class ModuleError extends PolkaVMError {
  override name = 'ModuleError';
}

/** A wrong argument was passed to an API (bad register index, negative length, unknown option, ...). */
export class InvalidArgumentError extends PolkaVMError {
  override name = 'InvalidArgumentError';
}

/** The host tried to access guest memory that is not accessible from the host. */
export class MemoryAccessError extends PolkaVMError {
  override name = 'MemoryAccessError';
  constructor(
    readonly address: number,
    readonly length: number,
    message = `out of range memory access: address 0x${address.toString(16)}, length ${length}`,
  ) {
    super(message);
  }
}

/** Linking failed: a duplicate definition, or an import the linker cannot resolve. */
export class LinkError extends PolkaVMError {
  override name = 'LinkError';
}

/** The guest trapped during a high-level call. */
export class TrapError extends PolkaVMError {
  override name = 'TrapError';
  constructor(
    /** Program counter of the trapping instruction, if known. */
    readonly programCounter: number | null,
    message = `guest trapped${programCounter === null ? '' : ` at pc ${programCounter}`}`,
  ) {
    super(message);
  }
}

/** The guest ran out of gas during a high-level call. */
export class OutOfGasError extends PolkaVMError {
  override name = 'OutOfGasError';
  constructor(readonly programCounter: number | null) {
    super(`guest ran out of gas${programCounter === null ? '' : ` at pc ${programCounter}`}`);
  }
}

/** A host function threw; the original error is in `cause`. */
export class HostCallError extends PolkaVMError {
  override name = 'HostCallError';
  constructor(
    readonly symbol: string,
    cause: unknown,
  ) {
    super(`host function '${symbol}' failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}
