/** `polkavm stats FILE`: sizes, sections, imports/exports and the instruction distribution of a program. */
import { Engine } from '../../api/engine.js';
import { Module } from '../../api/module.js';
import { COST_MODELS, type CostModelName } from '../../gas/cost-models.js';
import { DecodedInstruction, ENDS_BLOCK } from '../../isa/code.js';
import { INSTRUCTIONS, INVALID } from '../../isa/instruction-table.js';
import { parseChoice } from '../args.js';
import type { Command } from '../command.js';
import { readProgramFile } from '../load.js';

export const statsCommand: Command = {
  name: 'stats',
  summary: 'print statistics about a .polkavm program',
  usage: `Usage: polkavm stats FILE [options]

Prints the instruction set, memory configuration, section sizes, imports, exports, basic block count, the total
gas of all basic blocks under a cost model, and the instruction distribution.

Options:
  --cost-model NAME   ${Object.keys(COST_MODELS).join(', ')} (default: the program's default)
  --json              print the statistics as JSON
  -h, --help          show this help`,
  options: { json: { type: 'boolean', default: false }, 'cost-model': { type: 'string' } },
  run(values, positionals) {
    const blob = readProgramFile(positionals[0]);
    const name = values['cost-model'];
    const module = Module.fromBlob(new Engine(), blob, {
      validateJamCode: false,
      costModel: typeof name === 'string' ? parseChoice(name, Object.keys(COST_MODELS) as CostModelName[], '--cost-model') : undefined,
    });
    const costs = module.costModel.calculator(blob.instructions);
    const counts = new Map<string, number>();
    let instructions = 0;
    let blocks = 0;
    let totalGas = 0;
    blob.instructions.walkAll(new DecodedInstruction(), (ins) => {
      instructions++;
      costs.add(ins);
      if (ENDS_BLOCK[ins.id]) {
        blocks++;
        totalGas += costs.finish();
      }
      const name = ins.id === INVALID ? 'invalid' : INSTRUCTIONS[ins.id]!.name;
      counts.set(name, (counts.get(name) ?? 0) + 1);
    });
    const distribution = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
    const stats = {
      isa: blob.isa.kind,
      bits: blob.is64Bit ? 64 : 32,
      roDataSize: blob.roDataSize,
      rwDataSize: blob.rwDataSize,
      stackSize: blob.stackSize,
      roDataBytes: blob.roData.length,
      rwDataBytes: blob.rwData.length,
      codeBytes: blob.code.length,
      instructions,
      basicBlocks: blocks,
      costModel: module.costModel.name,
      totalBlockGas: totalGas,
      jumpTableEntries: blob.jumpTable.length,
      imports: blob.imports.map((s) => s?.toString() ?? null),
      exports: blob.exports.map((e) => ({ name: e.symbol.toString(), programCounter: e.programCounter })),
      customSections: blob.customSections.map((s) => ({ id: s.id, bytes: s.bytes.length })),
      distribution: Object.fromEntries(distribution),
    };
    if (values['json'] === true) {
      process.stdout.write(`${JSON.stringify(stats, null, 2)}\n`);
      return 0;
    }
    const lines = [
      `instruction set:   ${stats.isa} (${stats.bits}-bit)`,
      `memory:            ro ${stats.roDataSize} (${stats.roDataBytes} initialized), rw ${stats.rwDataSize} (${stats.rwDataBytes} initialized), stack ${stats.stackSize}`,
      `code:              ${stats.codeBytes} bytes, ${instructions} instructions, ${blocks} basic blocks`,
      `block gas:         ${totalGas} in total under the ${stats.costModel} cost model`,
      `jump table:        ${stats.jumpTableEntries} entries`,
      `imports:           ${stats.imports.map((name, i) => `#${i} ${name ?? '<invalid>'}`).join(', ') || '(none)'}`,
      `exports:           ${stats.exports.map((e) => `${e.name}@${e.programCounter}`).join(', ') || '(none)'}`,
    ];
    if (stats.customSections.length > 0) {
      lines.push(`custom sections:   ${stats.customSections.map((s) => `${s.id} (${s.bytes} bytes)`).join(', ')}`);
    }
    lines.push('instruction distribution:');
    const width = Math.max(...distribution.map(([name]) => name.length));
    for (const [name, count] of distribution) {
      lines.push(`  ${name.padEnd(width)}  ${String(count).padStart(8)}  ${((100 * count) / instructions).toFixed(2).padStart(6)}%`);
    }
    process.stdout.write(`${lines.join('\n')}\n`);
    return 0;
  },
};
