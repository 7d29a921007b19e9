/** Why a low-level `run()` returned control to the host. */
export type Interrupt =
  /** The guest jumped to the return-to-host address (0xFFFF0000). */
  | { readonly kind: 'finished' }
  /** The guest trapped (explicit trap, invalid instruction or jump, inaccessible memory, ...). */
  | { readonly kind: 'trap' }
  /** The guest executed `ecalli hostcall`; `run()` again resumes after it. */
  | { readonly kind: 'ecalli'; readonly hostcall: number }
  /** Dynamic paging: the guest touched a missing or write-protected page; `run()` again retries the access. */
  | { readonly kind: 'segfault'; readonly pageAddress: number; readonly pageSize: number; readonly isWriteProtected: boolean }
  /** Not enough gas to enter the next basic block (or for the next memset byte). */
  | { readonly kind: 'not-enough-gas' }
  /** Step tracing: about to execute the instruction at `programCounter`. */
  | { readonly kind: 'step' };

export type InterruptKind = Interrupt['kind'];

export const FINISHED: Interrupt = Object.freeze({ kind: 'finished' });
export const TRAP: Interrupt = Object.freeze({ kind: 'trap' });
export const NOT_ENOUGH_GAS: Interrupt = Object.freeze({ kind: 'not-enough-gas' });
export const STEP: Interrupt = Object.freeze({ kind: 'step' });
