/** The ELF → `.polkavm` linker. */
export { link, type LinkOptions, type LinkResult, type InstructionSource } from './link.js';
export { ElfLinkError, type ElfLocation } from './elf-link-error.js';
