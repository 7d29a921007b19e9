/**
 * Running JAM standard programs: builds a module from the program's code blob and an instance whose memory and
 * registers are initialised as the Gray Paper specifies (RO data, RW data + heap pages, stack, arguments).
 *
 * Memory uses dynamic paging with exactly the standard regions mapped, so touching anything else is a `segfault`
 * interrupt carrying the page address (the JAM "fault" exit), as in the JAM test vectors.
 */
import { INSTRUCTION_SETS } from '../isa/instruction-sets.js';
import { parseCodeAndJumpTable } from '../program/code-and-jump-table.js';
import { ProgramBlob } from '../program/program-blob.js';
import { parseStandardProgram, standardProgramLayout, type StandardLayout } from '../program/standard-program.js';
import type { Engine } from './engine.js';
import { Module, type ModuleOptions } from './module.js';
import type { RawInstance } from './raw-instance.js';

/** Options of {@link instantiateStandardProgram}. */
export interface StandardProgramOptions extends Pick<ModuleOptions, 'gasMetering' | 'costModel' | 'stepTracing'> {
  /** Where execution starts: 0 for refine and is-authorized, 5 for accumulate. Default 0. */
  entryPoint?: number;
  /** Validate the code as PolkaVM does for JamV1 blobs. Default false (the Gray Paper only traps at run time). */
  validateJamCode?: boolean;
}

/** A standard program ready to run. */
export interface StandardProgramInstance {
  readonly module: Module;
  readonly instance: RawInstance;
  readonly layout: StandardLayout;
}

/**
 * Parses a standard program, lays out its memory for `args`, and returns an instance whose next `run()` starts at
 * the entry point. Gas metering defaults to `sync` with the pipeline cost model (`full-l2`).
 */
export function instantiateStandardProgram(
  engine: Engine,
  bytes: Uint8Array,
  args: Uint8Array = new Uint8Array(0),
  options: StandardProgramOptions = {},
): StandardProgramInstance {
  const program = parseStandardProgram(bytes);
  const layout = standardProgramLayout(program, args);
  const blob = ProgramBlob.fromCode(INSTRUCTION_SETS.jam_v1, parseCodeAndJumpTable(program.code));
  const module = Module.fromBlob(engine, blob, {
    dynamicPaging: true,
    pageSize: 0x1000,
    gasMetering: options.gasMetering === undefined ? 'sync' : options.gasMetering,
    costModel: options.costModel ?? 'full-l2',
    stepTracing: options.stepTracing ?? false,
    validateJamCode: options.validateJamCode ?? false,
    trapAtCodeEnd: true,
  });
  const instance = module.instantiate();
  for (const region of [layout.ro, layout.rw, layout.stack, layout.args]) {
    if (region.size === 0) continue;
    instance.zeroMemoryWithMemoryProtection(region.address, region.size, region.writable ? 'read-write' : 'read');
    if (region.data.length > 0) instance.writeMemoryUnprotected(region.address, region.data);
  }
  layout.registers.forEach((value, reg) => instance.setReg(reg, value));
  instance.setNextProgramCounter(options.entryPoint ?? 0);
  return { module, instance, layout };
}
