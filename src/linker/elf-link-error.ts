/** The error type of the ELF → `.polkavm` linker. */
import { PolkaVMError } from '../errors.js';

/** Where in the input ELF file a problem was found; every field is optional. */
export interface ElfLocation {
  /** Name of the ELF section. */
  readonly section?: string;
  /** Byte offset inside that section. */
  readonly offset?: number;
  /** Address in the ELF's address space (section address + offset). */
  readonly address?: number;
}

/**
 * Linking an ELF file failed: the file is malformed or truncated, targets another machine, or uses an
 * instruction, relocation, register or section the PolkaVM linker does not support.
 */
export class ElfLinkError extends PolkaVMError {
  override name = 'ElfLinkError';
  constructor(
    message: string,
    /** Where the problem is, when it can be pinned down. */
    readonly location: ElfLocation = {},
  ) {
    super(message + describeLocation(location));
  }
}

/** Runs `body`; an {@link ElfLinkError} without a location gets `location` attached. */
export function atLocation<T>(location: ElfLocation | (() => ElfLocation), body: () => T): T {
  try {
    return body();
  } catch (error) {
    if (error instanceof ElfLinkError && Object.keys(error.location).length === 0) {
      throw new ElfLinkError(error.message, typeof location === 'function' ? location() : location);
    }
    throw error;
  }
}

function describeLocation(location: ElfLocation): string {
  const parts: string[] = [];
  if (location.section !== undefined) parts.push(`section '${location.section}'`);
  if (location.offset !== undefined) parts.push(`offset 0x${location.offset.toString(16)}`);
  if (location.address !== undefined) parts.push(`address 0x${location.address.toString(16)}`);
  return parts.length === 0 ? '' : ` (${parts.join(', ')})`;
}
