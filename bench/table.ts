/**
 * Text output: Markdown tables (readable in a terminal, and pasted as they are into BENCHMARKS.md) and number
 * formats shared by the sections.
 */

export type Align = 'left' | 'right';

/** A Markdown table with padded columns; the first column is left-aligned, the others right-aligned unless given. */
export function markdownTable(headers: readonly string[], rows: readonly (readonly string[])[], align: readonly Align[] = []): string[] {
  const alignOf = (column: number): Align => align[column] ?? (column === 0 ? 'left' : 'right');
  const widths = headers.map((header, column) => Math.max(header.length, 3, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    `| ${cells.map((cell, column) => (alignOf(column) === 'left' ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join(' | ')} |`;
  const rule = `|${widths.map((width, column) => (alignOf(column) === 'left' ? `${'-'.repeat(width + 1)}-` : `${'-'.repeat(width + 1)}:`)).join('|')}|`;
  return [line(headers), rule, ...rows.map(line)];
}

/** Milliseconds with a precision that suits their size. */
export function ms(value: number | null): string {
  if (value === null || !Number.isFinite(value)) return '—';
  if (value >= 100) return value.toFixed(0);
  if (value >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

/** A ratio such as 12.3×. */
export function ratio(value: number | null): string {
  if (value === null || !Number.isFinite(value)) return '—';
  return `${value >= 10 ? value.toFixed(1) : value.toFixed(2)}×`;
}

/** A signed percentage such as +12%. */
export function percent(value: number | null): string {
  if (value === null || !Number.isFinite(value)) return '—';
  const rounded = Math.round(value * 100);
  return `${rounded >= 0 ? '+' : ''}${rounded}%`;
}

/** An integer with thousands separators. */
export function count(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

/** Bytes as KiB. */
export function kib(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KiB`;
}

/** Millions of instructions per second. */
export function mips(instructions: number, milliseconds: number | null): string {
  if (milliseconds === null || !Number.isFinite(milliseconds) || milliseconds <= 0) return '—';
  return (instructions / milliseconds / 1000).toFixed(0);
}
