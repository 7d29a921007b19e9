/**
 * polkavm-ts: PolkaVM for JavaScript, bit-exact with the reference PolkaVM 0.35.
 *
 * Data flow: bytes → {@link ProgramBlob} → {@link Module} (with an {@link Engine}) → {@link RawInstance} /
 * {@link Instance} (via a {@link Linker}) → run.
 */
export * from './errors.js';
export { assemble, type AssembleOptions } from './asm/assembler.js';
export { AssemblyError } from './asm/assembly-error.js';
export { link, ElfLinkError, type LinkOptions, type LinkResult, type InstructionSource, type ElfLocation } from './linker/index.js';
export { disassemble, type DisassembleOptions } from './asm/disassembler.js';
export { formatInstruction, type FormatOptions } from './asm/format.js';
export { Engine, LAZY_TRANSLATION_THRESHOLD, type BackendKind, type EngineOptions, type TranslationKind } from './api/engine.js';
export { Module, type ModuleOptions, type ModuleExport, type GasMeteringKind } from './api/module.js';
export { RawInstance, type RegisterValue } from './api/raw-instance.js';
export {
  Linker,
  Instance,
  type Caller,
  type CallOptions,
  type FallbackHandler,
  type HostFunction,
  type HostReturn,
  type UntypedHostFunction,
} from './api/linker.js';
export type { Interrupt, InterruptKind } from './api/interrupt.js';
export type { MemoryProtection } from './interpreter/memory.js';
export { ProgramBlob, ProgramSymbol, type ProgramExport, type ProgramParts, type CustomSection } from './program/program-blob.js';
export { JumpTable, RETURN_TO_HOST_ADDRESS } from './program/code-and-jump-table.js';
export {
  DebugLineInfo,
  describeSourceLocation,
  describeFrames,
  formatSourcePosition,
  fullFunctionName,
  writeDebugSections,
  type SourceFrame,
  type DebugRegion,
  type DebugInstruction,
} from './program/debug-info.js';
export {
  parseStandardProgram,
  splitServiceCode,
  standardProgramLayout,
  JAM_INPUT_SIZE,
  JAM_PAGE_SIZE,
  JAM_ZONE_SIZE,
  type StandardProgram,
  type StandardLayout,
  type StandardRegion,
} from './program/standard-program.js';
export { instantiateStandardProgram, type StandardProgramInstance, type StandardProgramOptions } from './api/standard-program.js';
export { parseCodeAndJumpTable, writeCodeAndJumpTable, type CodeAndJumpTable } from './program/code-and-jump-table.js';
export { buildMemoryMap, type MemoryMap, type MemoryMapConfig } from './program/memory-map.js';
export { Reg, REGISTER_NAMES, ARGUMENT_REGISTERS } from './isa/registers.js';
export { INSTRUCTIONS, Op, type InstructionDef, type InstructionName, type OperandKind } from './isa/instruction-table.js';
export { INSTRUCTION_SETS, type InstructionSet, type InstructionSetKind } from './isa/instruction-sets.js';
export { Code, DecodedInstruction } from './isa/code.js';
export { NAIVE_COST_MODEL, type CostModel, type BlockCostCalculator } from './gas/cost-model.js';
export { COST_MODELS, type CostModelName } from './gas/cost-models.js';
export { FULL_L1_COST_MODEL, FULL_L2_COST_MODEL, FULL_L3_COST_MODEL, pipelineCostModel } from './gas/pipeline-cost-model.js';
