/**
 * Parses one instruction line of the polkatool/spectool assembly syntax (the syntax the disassembler prints).
 * Labels, directives and comments are handled by the assembler; this module only turns a statement such as
 * `i32 a2 = a0 + a1` or `jump @loop if a0 <u 10` into instruction fields.
 */
import type { InstructionFields } from '../isa/encoder.js';
import { instructionByName, Op, type InstructionName } from '../isa/instruction-table.js';
import type { InstructionSet } from '../isa/instruction-sets.js';
import { Reg } from '../isa/registers.js';
import {
  parseImm,
  parseImmediate,
  parseImmI32,
  parseMemory,
  parseReg,
  parseRegOrImm,
  parseU32,
  type ParsedImmediate,
} from './operands.js';
import { BINARY_OPERATORS, CALL_OPERATORS, CONDITIONS, LOADS, STORES, UNARY_OPERATORS, type Variants } from './syntax.js';

/** One parsed instruction; labels and import names are resolved later by the assembler. */
export interface ParsedInstruction {
  readonly fields: InstructionFields;
  /** Label whose code offset is the instruction's target operand. */
  readonly target?: string;
  /** Label whose jump-table address goes into `imm1` (`a0 = @label`). */
  readonly address?: string;
  /** Import whose index goes into `imm1` (`ecalli @name`, our extension). */
  readonly importName?: string;
}

/** Reports a syntax error for the current line; never returns. */
export type Fail = (reason: string) => never;

interface Operands {
  reg1?: number;
  reg2?: number;
  reg3?: number;
  imm1?: number;
  imm2?: number;
}

function make(name: InstructionName, operands: Operands = {}, labels: Omit<ParsedInstruction, 'fields'> = {}): ParsedInstruction {
  const { reg1 = 0, reg2 = 0, reg3 = 0, imm1 = 0, imm2 = 0 } = operands;
  return { fields: { id: Op[name], reg1, reg2, reg3, imm1: imm1 | 0, imm2: imm2 | 0 }, ...labels };
}

const BINARY_PATTERN = new RegExp(
  `^(.+?)\\s*(${[...BINARY_OPERATORS.keys()].map((op) => op.replace(/[|^*+\-/\\]/g, '\\$&')).join('|')})\\s*(.+)$`,
);

const MEMSET_PATTERN = /^\[\s*a0\s*\.\.\s*a0\s*\+\s*a2\s*\]\s*=\s*u8\s+a1$/;

/** Parser for one line, bound to the instruction set (which decides 32-bit defaults and immediate widths). */
class LineParser {
  constructor(
    private readonly isa: InstructionSet,
    private readonly fail: Fail,
  ) {}

  /**
   * Chooses the plain or `i32` variant. In a 32-bit instruction set the 64-bit instructions do not exist and the
   * disassembler prints 32-bit operations without `i32`, so there the plain form falls back to the `_32` one.
   */
  private pick(variants: Variants, i32: boolean, what: string): InstructionName {
    const name = i32 ? variants[1] : variants[0];
    if (name === null) this.fail(`${what} is not supported${i32 ? ' with i32' : ''}`);
    if (!i32 && !this.isa.is64Bit && this.isa.idToByte[Op[name]]! < 0 && name.endsWith('_64')) {
      const narrow = instructionByName(`${name.slice(0, -3)}_32`);
      if (narrow !== undefined && this.isa.idToByte[narrow.id]! >= 0) return narrow.name;
    }
    return name;
  }

  private reg(text: string, what: string): number {
    return parseReg(text) ?? this.fail(`expected a register for ${what}, found "${text.trim()}"`);
  }

  private label(text: string): string {
    const name = text.trim();
    if (!/^@\S+$/.test(name)) this.fail(`expected a label (@name), found "${name}"`);
    return name.slice(1);
  }

  parse(text: string): ParsedInstruction {
    switch (text) {
      case 'trap':
      case 'fallthrough':
      case 'unlikely':
        return make(text);
      case 'ret':
        return make('jump_indirect', { reg1: Reg.RA });
      case 'nop':
        return make('move_reg', { reg1: Reg.RA, reg2: Reg.RA });
      case 'invalid':
        return this.fail('"invalid" stands for undecodable bytes and cannot be assembled');
    }
    if (MEMSET_PATTERN.test(text)) return make('memset');
    let match = /^ecalli\s+(.+)$/.exec(text);
    if (match) return this.ecalli(match[1]!.trim());
    match = /^jump\s+(.+)$/.exec(text);
    if (match) return this.jump(match[1]!.trim());
    if (/^tmp\s*=/.test(text)) return this.jumpIndirectWithTmp(text);

    const equals = text.indexOf('=');
    if (equals < 0) return this.fail(`cannot parse "${text}"`);
    let lhs = text.slice(0, equals).trim();
    const rhs = text.slice(equals + 1).trim();
    const i32 = /^i32\s/.test(lhs);
    if (i32) lhs = lhs.slice(4).trim();
    const dst = parseReg(lhs);
    if (dst !== undefined) return this.assignment(dst, i32, rhs);
    match = /^(u8|u16|u32|u64)\s*(\[.*\])$/.exec(lhs);
    if (match) return this.store(match[1]!, match[2]!, rhs);
    return this.fail(`cannot parse "${text}"`);
  }

  private ecalli(operand: string): ParsedInstruction {
    if (operand.startsWith('@')) return make('ecalli', {}, { importName: this.label(operand) });
    const index = parseU32(operand) ?? this.fail(`expected an import index or @name after ecalli, found "${operand}"`);
    return make('ecalli', { imm1: index });
  }

  private jump(rest: string): ParsedInstruction {
    if (rest.startsWith('@')) {
      const conditional = /^(@\S+)\s+(.*)$/.exec(rest);
      if (!conditional) return make('jump', {}, { target: this.label(rest) });
      const condition = /^if\s+(.*)$/.exec(conditional[2]!) ?? this.fail(`expected "if <condition>" after the label`);
      return this.branch(this.label(conditional[1]!), condition[1]!);
    }
    const memory = parseMemory(rest);
    if (memory !== undefined && memory.base !== undefined) return make('jump_indirect', { reg1: memory.base, imm1: memory.offset });
    return this.fail(`jump targets are labels (@name) or register-relative addresses ([reg + offset]), found "${rest}"`);
  }

  private branch(target: string, text: string): ParsedInstruction {
    const tokens = text.trim().split(/\s+/);
    const condition = tokens.length === 3 ? CONDITIONS.get(tokens[1]!) : undefined;
    if (condition === undefined) return this.fail(`invalid condition "${text.trim()}"`);
    const lhs = parseRegOrImm(tokens[0]!) ?? this.fail(`invalid operand "${tokens[0]}"`);
    const rhs = parseRegOrImm(tokens[2]!) ?? this.fail(`invalid operand "${tokens[2]}"`);
    if ('reg' in lhs && 'reg' in rhs) {
      const [name, swapped] = condition.rr;
      return make(name, swapped ? { reg1: rhs.reg, reg2: lhs.reg } : { reg1: lhs.reg, reg2: rhs.reg }, { target });
    }
    if ('reg' in lhs && 'imm' in rhs) return make(condition.ri, { reg1: lhs.reg, imm1: rhs.imm }, { target });
    if ('imm' in lhs && 'reg' in rhs) {
      return make(CONDITIONS.get(condition.reversed)!.ri, { reg1: rhs.reg, imm1: lhs.imm }, { target });
    }
    return this.fail('both operands of a condition cannot be immediates');
  }

  /** `tmp = base, dst = value, jump [tmp + offset]`: the form for `dst == base`. */
  private jumpIndirectWithTmp(text: string): ParsedInstruction {
    const match = /^tmp\s*=\s*([^,]+?)\s*,\s*([^,=]+?)\s*=\s*([^,]+?)\s*,\s*jump\s*\[\s*tmp\s*(?:\+\s*(.+?))?\s*\]$/.exec(text);
    if (!match) return this.fail(`expected "tmp = base, dst = value, jump [tmp + offset]"`);
    const base = this.reg(match[1]!, 'the base');
    const dst = this.reg(match[2]!, 'the destination');
    const value = parseImm(match[3]!) ?? this.fail(`invalid immediate "${match[3]}"`);
    const offset = match[4] === undefined ? 0 : parseImm(match[4]) ?? this.fail(`invalid offset "${match[4]}"`);
    return make('load_imm_and_jump_indirect', { reg1: dst, reg2: base, imm1: value, imm2: offset });
  }

  private assignment(dst: number, i32: boolean, rhs: string): ParsedInstruction {
    const is64 = this.isa.is64Bit;
    let match = /^(.*?)\s*,\s*jump\s*(.*)$/.exec(rhs);
    if (match) {
      const value = parseImmI32(match[1]!, is64) ?? this.fail(`invalid immediate "${match[1]}"`);
      const target = match[2]!.trim();
      if (target.startsWith('@')) return make('load_imm_and_jump', { reg1: dst, imm1: value }, { target: this.label(target) });
      const memory = parseMemory(target);
      if (memory === undefined || memory.base === undefined) return this.fail(`invalid jump target "${target}"`);
      if (memory.base === dst) this.fail('the destination is also the base register: write "tmp = base, dst = value, jump [tmp + offset]"');
      return make('load_imm_and_jump_indirect', { reg1: dst, reg2: memory.base, imm1: value, imm2: memory.offset });
    }
    match = /^(.*?)\s+if\s+(.*)$/.exec(rhs);
    if (match) return this.conditionalMove(dst, match[1]!, match[2]!);
    match = /^(\w+)\s*\(\s*([^,\s]+)\s*,\s*([^)\s]+)\s*\)$/.exec(rhs);
    if (match && CALL_OPERATORS.has(match[1]!)) {
      const name = CALL_OPERATORS.get(match[1]!)!;
      return make(name, { reg1: dst, reg2: this.reg(match[2]!, 'the operand'), reg3: this.reg(match[3]!, 'the operand') });
    }
    match = /^~\(\s*(\S+)\s*\^\s*(\S+)\s*\)$/.exec(rhs);
    if (match) return make('xnor', { reg1: dst, reg2: this.reg(match[1]!, 'xnor'), reg3: this.reg(match[2]!, 'xnor') });
    match = /^(\w+)\s+(\S+)$/.exec(rhs);
    if (match && UNARY_OPERATORS.has(match[1]!)) {
      const name = this.pick(UNARY_OPERATORS.get(match[1]!)!, i32, match[1]!);
      return make(name, { reg1: dst, reg2: this.reg(match[2]!, match[1]!) });
    }
    match = /^-\s*(\S+)$/.exec(rhs);
    if (match && parseReg(match[1]!) !== undefined) {
      const name = this.pick(['negate_and_add_imm_64', 'negate_and_add_imm_32'], i32, 'negation');
      return make(name, { reg1: dst, reg2: parseReg(match[1]!)! });
    }
    const src = parseReg(rhs);
    if (src !== undefined) return make('move_reg', { reg1: dst, reg2: src });
    if (rhs.startsWith('@')) return make('load_imm', { reg1: dst }, { address: this.label(rhs) });
    match = /^([ui](?:8|16|32|64))\s*(\[.*\])$/.exec(rhs);
    if (match && LOADS.has(match[1]!)) return this.load(dst, match[1]!, match[2]!);
    const immediate = parseImmediate(rhs);
    if (immediate !== undefined) return this.loadImmediate(dst, immediate, rhs);
    match = BINARY_PATTERN.exec(rhs);
    if (match) return this.binary(dst, i32, match[1]!, match[2]!, match[3]!);
    return this.fail(`cannot parse "${rhs}"`);
  }

  private conditionalMove(dst: number, source: string, conditionText: string): ParsedInstruction {
    const src = parseRegOrImm(source) ?? this.fail(`invalid operand "${source.trim()}"`);
    const tokens = conditionText.trim().split(/\s+/);
    const cond = tokens.length === 3 ? parseReg(tokens[0]!) : undefined;
    if (cond === undefined || (tokens[1] !== '==' && tokens[1] !== '!=') || parseImm(tokens[2]!) !== 0) {
      return this.fail('a conditional move takes the form "d = s if c == 0" or "d = s if c != 0"');
    }
    const zero = tokens[1] === '==';
    if ('reg' in src) return make(zero ? 'cmov_if_zero' : 'cmov_if_not_zero', { reg1: dst, reg2: src.reg, reg3: cond });
    return make(zero ? 'cmov_if_zero_imm' : 'cmov_if_not_zero_imm', { reg1: dst, reg2: cond, imm1: src.imm });
  }

  private load(dst: number, width: string, operand: string): ParsedInstruction {
    const [indirect, absolute] = LOADS.get(width)!;
    const memory = parseMemory(operand) ?? this.fail(`invalid memory operand "${operand}"`);
    if (memory.base === undefined) return make(absolute, { reg1: dst, imm1: memory.offset });
    return make(indirect, { reg1: dst, reg2: memory.base, imm1: memory.offset });
  }

  private loadImmediate(dst: number, immediate: ParsedImmediate, text: string): ParsedInstruction {
    if (immediate.kind === 'i32') return make('load_imm', { reg1: dst, imm1: immediate.value });
    const forced = text.startsWith('i64 ');
    if (!this.isa.is64Bit && !forced) {
      // 32-bit registers: the disassembler prints negative values as u32 hex.
      if (immediate.value > 0xffffffffn) this.fail(`immediate "${text}" does not fit in a 32-bit register`);
      return make('load_imm', { reg1: dst, imm1: Number(BigInt.asIntN(32, immediate.value)) });
    }
    const low = Number(BigInt.asIntN(32, immediate.value));
    const high = Number(BigInt.asIntN(32, immediate.value >> 32n));
    return make('load_imm64', { reg1: dst, imm1: low, imm2: high });
  }

  private binary(dst: number, i32: boolean, left: string, operator: string, right: string): ParsedInstruction {
    const op = BINARY_OPERATORS.get(operator)!;
    const is64 = this.isa.is64Bit;
    const a = parseReg(left) ?? parseImmI32(left, is64);
    const b = parseReg(right) ?? parseImmI32(right, is64);
    if (a === undefined) return this.fail(`invalid operand "${left.trim()}"`);
    if (b === undefined) return this.fail(`invalid operand "${right.trim()}"`);
    const aIsReg = parseReg(left) !== undefined;
    const bIsReg = parseReg(right) !== undefined;
    if (aIsReg && bIsReg) {
      const name = this.pick(op.rr, i32, `"${operator}"`);
      return make(name, op.rrSwapped ? { reg1: dst, reg2: b, reg3: a } : { reg1: dst, reg2: a, reg3: b });
    }
    if (aIsReg) {
      const name = this.pick(op.ri, i32, `"${operator}" with an immediate`);
      return make(name, { reg1: dst, reg2: a, imm1: op.riNegated ? -b : b });
    }
    if (bIsReg) return make(this.pick(op.ir, i32, `"${operator}" with an immediate`), { reg1: dst, reg2: b, imm1: a });
    return this.fail('both operands cannot be immediates');
  }

  private store(width: string, operand: string, rhs: string): ParsedInstruction {
    const [indirect, absolute, immIndirect, immAbsolute] = STORES.get(width)!;
    const memory = parseMemory(operand) ?? this.fail(`invalid memory operand "${operand}"`);
    const src = parseReg(rhs);
    if (src !== undefined) {
      if (memory.base === undefined) return make(absolute, { reg1: src, imm1: memory.offset });
      return make(indirect, { reg1: src, reg2: memory.base, imm1: memory.offset });
    }
    const value = parseImmI32(rhs, this.isa.is64Bit) ?? this.fail(`expected a register or an immediate, found "${rhs}"`);
    if (memory.base === undefined) return make(immAbsolute, { imm1: memory.offset, imm2: value });
    return make(immIndirect, { reg1: memory.base, imm1: memory.offset, imm2: value });
  }
}

/** Parses one instruction statement (already trimmed, comment removed) for the given instruction set. */
export function parseInstruction(text: string, isa: InstructionSet, fail: Fail): ParsedInstruction {
  return new LineParser(isa, fail).parse(text);
}
