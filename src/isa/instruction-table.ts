/**
 * THE instruction table: the single source of truth for every PolkaVM instruction.
 *
 * One row per instruction: its mnemonic (the reference's name), its operand kind, its opcode byte in each
 * instruction set (`null` = not part of that ISA, decodes as `invalid`), and how it affects control flow.
 * The decoder, encoder, assembler, disassembler, interpreter and compiler all derive from this table.
 *
 * Adding an instruction = one row here + its semantics in each backend.
 */

/** How operand bytes are laid out after the opcode byte (see docs/spec.md, "Operand kinds"). */
export type OperandKind =
  | 'argless'
  | 'reg_imm'
  | 'reg_imm_offset'
  | 'reg_imm_imm'
  | 'reg_reg_imm'
  | 'reg_reg_offset'
  | 'reg_reg_reg'
  | 'offset'
  | 'imm'
  | 'imm_imm'
  | 'reg_reg'
  | 'reg_reg_imm_imm'
  | 'reg_imm64';

/**
 * Control flow of an instruction:
 * - `next`: execution continues with the next instruction, inside the same basic block;
 * - `end`: ends the basic block, may continue with the next instruction (branches, `fallthrough`);
 * - `stop`: ends the basic block and never continues with the next instruction (`trap`, jumps).
 */
export type Flow = 'next' | 'end' | 'stop';

type Row = readonly [
  name: string,
  kind: OperandKind,
  latest64: number | null,
  latest32: number | null,
  jamV1: number | null,
  reviveV1: number | null,
  flow: Flow,
];

// prettier-ignore
const ROWS = [
  //  name                                    kind               L64  L32   JAM  Revive flow
  ['trap',                                  'argless',           0,    0,    0,    0, 'stop'],
  ['fallthrough',                           'argless',           1,    1,    1,    1, 'end'],
  ['memset',                                'argless',           2,    2, null, null, 'next'],
  ['unlikely',                              'argless',           3,    3,    2, null, 'next'],
  ['ecalli',                                'imm',              10,   10,   10,   10, 'next'],
  ['load_imm64',                            'reg_imm64',        20, null,   20,   20, 'next'],
  ['store_imm_u8',                          'imm_imm',          30,   30,   30,   30, 'next'],
  ['store_imm_u16',                         'imm_imm',          31,   31,   31,   31, 'next'],
  ['store_imm_u32',                         'imm_imm',          32,   32,   32,   32, 'next'],
  ['store_imm_u64',                         'imm_imm',          33, null,   33,   33, 'next'],
  ['jump',                                  'offset',           40,   40,   40,   40, 'stop'],
  ['jump_indirect',                         'reg_imm',          50,   50,   50,   50, 'stop'],
  ['load_imm',                              'reg_imm',          51,   51,   51,   51, 'next'],
  ['load_u8',                               'reg_imm',          52,   52,   52,   52, 'next'],
  ['load_i8',                               'reg_imm',          53,   53,   53,   53, 'next'],
  ['load_u16',                              'reg_imm',          54,   54,   54,   54, 'next'],
  ['load_i16',                              'reg_imm',          55,   55,   55,   55, 'next'],
  ['load_u32',                              'reg_imm',          56, null,   56,   56, 'next'],
  ['load_i32',                              'reg_imm',          57,   57,   57,   57, 'next'],
  ['load_u64',                              'reg_imm',          58, null,   58,   58, 'next'],
  ['store_u8',                              'reg_imm',          59,   59,   59,   59, 'next'],
  ['store_u16',                             'reg_imm',          60,   60,   60,   60, 'next'],
  ['store_u32',                             'reg_imm',          61,   61,   61,   61, 'next'],
  ['store_u64',                             'reg_imm',          62, null,   62,   62, 'next'],
  ['store_imm_indirect_u8',                 'reg_imm_imm',      70,   70,   70,   70, 'next'],
  ['store_imm_indirect_u16',                'reg_imm_imm',      71,   71,   71,   71, 'next'],
  ['store_imm_indirect_u32',                'reg_imm_imm',      72,   72,   72,   72, 'next'],
  ['store_imm_indirect_u64',                'reg_imm_imm',      73, null,   73,   73, 'next'],
  ['load_imm_and_jump',                     'reg_imm_offset',   80,   80,   80,   80, 'stop'],
  ['branch_eq_imm',                         'reg_imm_offset',   81,   81,   81,   81, 'end'],
  ['branch_not_eq_imm',                     'reg_imm_offset',   82,   82,   82,   82, 'end'],
  ['branch_less_unsigned_imm',              'reg_imm_offset',   83,   83,   83,   83, 'end'],
  ['branch_less_or_equal_unsigned_imm',     'reg_imm_offset',   84,   84,   84,   84, 'end'],
  ['branch_greater_or_equal_unsigned_imm',  'reg_imm_offset',   85,   85,   85,   85, 'end'],
  ['branch_greater_unsigned_imm',           'reg_imm_offset',   86,   86,   86,   86, 'end'],
  ['branch_less_signed_imm',                'reg_imm_offset',   87,   87,   87,   87, 'end'],
  ['branch_less_or_equal_signed_imm',       'reg_imm_offset',   88,   88,   88,   88, 'end'],
  ['branch_greater_or_equal_signed_imm',    'reg_imm_offset',   89,   89,   89,   89, 'end'],
  ['branch_greater_signed_imm',             'reg_imm_offset',   90,   90,   90,   90, 'end'],
  ['move_reg',                              'reg_reg',         100,  100,  100,  100, 'next'],
  ['sbrk',                                  'reg_reg',         101,  101, null, null, 'next'],
  ['count_set_bits_64',                     'reg_reg',         102, null,  101,  102, 'next'],
  ['count_set_bits_32',                     'reg_reg',         103,  103,  102,  103, 'next'],
  ['count_leading_zero_bits_64',            'reg_reg',         104, null,  103,  104, 'next'],
  ['count_leading_zero_bits_32',            'reg_reg',         105,  105,  104,  105, 'next'],
  ['count_trailing_zero_bits_64',           'reg_reg',         106, null,  105,  106, 'next'],
  ['count_trailing_zero_bits_32',           'reg_reg',         107,  107,  106,  107, 'next'],
  ['sign_extend_8',                         'reg_reg',         108,  108,  107,  108, 'next'],
  ['sign_extend_16',                        'reg_reg',         109,  109,  108,  109, 'next'],
  ['zero_extend_16',                        'reg_reg',         110,  110,  109,  110, 'next'],
  ['reverse_byte',                          'reg_reg',         111,  111,  110,  111, 'next'],
  ['store_indirect_u8',                     'reg_reg_imm',     120,  120,  120,  120, 'next'],
  ['store_indirect_u16',                    'reg_reg_imm',     121,  121,  121,  121, 'next'],
  ['store_indirect_u32',                    'reg_reg_imm',     122,  122,  122,  122, 'next'],
  ['store_indirect_u64',                    'reg_reg_imm',     123, null,  123,  123, 'next'],
  ['load_indirect_u8',                      'reg_reg_imm',     124,  124,  124,  124, 'next'],
  ['load_indirect_i8',                      'reg_reg_imm',     125,  125,  125,  125, 'next'],
  ['load_indirect_u16',                     'reg_reg_imm',     126,  126,  126,  126, 'next'],
  ['load_indirect_i16',                     'reg_reg_imm',     127,  127,  127,  127, 'next'],
  ['load_indirect_u32',                     'reg_reg_imm',     128, null,  128,  128, 'next'],
  ['load_indirect_i32',                     'reg_reg_imm',     129,  129,  129,  129, 'next'],
  ['load_indirect_u64',                     'reg_reg_imm',     130, null,  130,  130, 'next'],
  ['add_imm_32',                            'reg_reg_imm',     131,  131,  131,  131, 'next'],
  ['and_imm',                               'reg_reg_imm',     132,  132,  132,  132, 'next'],
  ['xor_imm',                               'reg_reg_imm',     133,  133,  133,  133, 'next'],
  ['or_imm',                                'reg_reg_imm',     134,  134,  134,  134, 'next'],
  ['mul_imm_32',                            'reg_reg_imm',     135,  135,  135,  135, 'next'],
  ['set_less_than_unsigned_imm',            'reg_reg_imm',     136,  136,  136,  136, 'next'],
  ['set_less_than_signed_imm',              'reg_reg_imm',     137,  137,  137,  137, 'next'],
  ['shift_logical_left_imm_32',             'reg_reg_imm',     138,  138,  138,  138, 'next'],
  ['shift_logical_right_imm_32',            'reg_reg_imm',     139,  139,  139,  139, 'next'],
  ['shift_arithmetic_right_imm_32',         'reg_reg_imm',     140,  140,  140,  140, 'next'],
  ['negate_and_add_imm_32',                 'reg_reg_imm',     141,  141,  141,  141, 'next'],
  ['set_greater_than_unsigned_imm',         'reg_reg_imm',     142,  142,  142,  142, 'next'],
  ['set_greater_than_signed_imm',           'reg_reg_imm',     143,  143,  143,  143, 'next'],
  ['shift_logical_left_imm_alt_32',         'reg_reg_imm',     144,  144,  144,  144, 'next'],
  ['shift_logical_right_imm_alt_32',        'reg_reg_imm',     145,  145,  145,  145, 'next'],
  ['shift_arithmetic_right_imm_alt_32',     'reg_reg_imm',     146,  146,  146,  146, 'next'],
  ['cmov_if_zero_imm',                      'reg_reg_imm',     147,  147,  147,  147, 'next'],
  ['cmov_if_not_zero_imm',                  'reg_reg_imm',     148,  148,  148,  148, 'next'],
  ['add_imm_64',                            'reg_reg_imm',     149, null,  149,  149, 'next'],
  ['mul_imm_64',                            'reg_reg_imm',     150, null,  150,  150, 'next'],
  ['shift_logical_left_imm_64',             'reg_reg_imm',     151, null,  151,  151, 'next'],
  ['shift_logical_right_imm_64',            'reg_reg_imm',     152, null,  152,  152, 'next'],
  ['shift_arithmetic_right_imm_64',         'reg_reg_imm',     153, null,  153,  153, 'next'],
  ['negate_and_add_imm_64',                 'reg_reg_imm',     154, null,  154,  154, 'next'],
  ['shift_logical_left_imm_alt_64',         'reg_reg_imm',     155, null,  155,  155, 'next'],
  ['shift_logical_right_imm_alt_64',        'reg_reg_imm',     156, null,  156,  156, 'next'],
  ['shift_arithmetic_right_imm_alt_64',     'reg_reg_imm',     157, null,  157,  157, 'next'],
  ['rotate_right_imm_64',                   'reg_reg_imm',     158, null,  158,  158, 'next'],
  ['rotate_right_imm_alt_64',               'reg_reg_imm',     159, null,  159,  159, 'next'],
  ['rotate_right_imm_32',                   'reg_reg_imm',     160,  160,  160,  160, 'next'],
  ['rotate_right_imm_alt_32',               'reg_reg_imm',     161,  161,  161,  161, 'next'],
  ['branch_eq',                             'reg_reg_offset',  170,  170,  170,  170, 'end'],
  ['branch_not_eq',                         'reg_reg_offset',  171,  171,  171,  171, 'end'],
  ['branch_less_unsigned',                  'reg_reg_offset',  172,  172,  172,  172, 'end'],
  ['branch_less_signed',                    'reg_reg_offset',  173,  173,  173,  173, 'end'],
  ['branch_greater_or_equal_unsigned',      'reg_reg_offset',  174,  174,  174,  174, 'end'],
  ['branch_greater_or_equal_signed',        'reg_reg_offset',  175,  175,  175,  175, 'end'],
  ['load_imm_and_jump_indirect',            'reg_reg_imm_imm', 180,  180,  180,  180, 'stop'],
  ['add_32',                                'reg_reg_reg',     190,  190,  190,  190, 'next'],
  ['sub_32',                                'reg_reg_reg',     191,  191,  191,  191, 'next'],
  ['mul_32',                                'reg_reg_reg',     192,  192,  192,  192, 'next'],
  ['div_unsigned_32',                       'reg_reg_reg',     193,  193,  193,  193, 'next'],
  ['div_signed_32',                         'reg_reg_reg',     194,  194,  194,  194, 'next'],
  ['rem_unsigned_32',                       'reg_reg_reg',     195,  195,  195,  195, 'next'],
  ['rem_signed_32',                         'reg_reg_reg',     196,  196,  196,  196, 'next'],
  ['shift_logical_left_32',                 'reg_reg_reg',     197,  197,  197,  197, 'next'],
  ['shift_logical_right_32',                'reg_reg_reg',     198,  198,  198,  198, 'next'],
  ['shift_arithmetic_right_32',             'reg_reg_reg',     199,  199,  199,  199, 'next'],
  ['add_64',                                'reg_reg_reg',     200, null,  200,  200, 'next'],
  ['sub_64',                                'reg_reg_reg',     201, null,  201,  201, 'next'],
  ['mul_64',                                'reg_reg_reg',     202, null,  202,  202, 'next'],
  ['div_unsigned_64',                       'reg_reg_reg',     203, null,  203,  203, 'next'],
  ['div_signed_64',                         'reg_reg_reg',     204, null,  204,  204, 'next'],
  ['rem_unsigned_64',                       'reg_reg_reg',     205, null,  205,  205, 'next'],
  ['rem_signed_64',                         'reg_reg_reg',     206, null,  206,  206, 'next'],
  ['shift_logical_left_64',                 'reg_reg_reg',     207, null,  207,  207, 'next'],
  ['shift_logical_right_64',                'reg_reg_reg',     208, null,  208,  208, 'next'],
  ['shift_arithmetic_right_64',             'reg_reg_reg',     209, null,  209,  209, 'next'],
  ['and',                                   'reg_reg_reg',     210,  210,  210,  210, 'next'],
  ['xor',                                   'reg_reg_reg',     211,  211,  211,  211, 'next'],
  ['or',                                    'reg_reg_reg',     212,  212,  212,  212, 'next'],
  ['mul_upper_signed_signed',               'reg_reg_reg',     213,  213,  213,  213, 'next'],
  ['mul_upper_unsigned_unsigned',           'reg_reg_reg',     214,  214,  214,  214, 'next'],
  ['mul_upper_signed_unsigned',             'reg_reg_reg',     215,  215,  215,  215, 'next'],
  ['set_less_than_unsigned',                'reg_reg_reg',     216,  216,  216,  216, 'next'],
  ['set_less_than_signed',                  'reg_reg_reg',     217,  217,  217,  217, 'next'],
  ['cmov_if_zero',                          'reg_reg_reg',     218,  218,  218,  218, 'next'],
  ['cmov_if_not_zero',                      'reg_reg_reg',     219,  219,  219,  219, 'next'],
  ['rotate_left_64',                        'reg_reg_reg',     220, null,  220,  220, 'next'],
  ['rotate_left_32',                        'reg_reg_reg',     221,  221,  221,  221, 'next'],
  ['rotate_right_64',                       'reg_reg_reg',     222, null,  222,  222, 'next'],
  ['rotate_right_32',                       'reg_reg_reg',     223,  223,  223,  223, 'next'],
  ['and_inverted',                          'reg_reg_reg',     224,  224,  224,  224, 'next'],
  ['or_inverted',                           'reg_reg_reg',     225,  225,  225,  225, 'next'],
  ['xnor',                                  'reg_reg_reg',     226,  226,  226,  226, 'next'],
  ['maximum',                               'reg_reg_reg',     227,  227,  227,  227, 'next'],
  ['maximum_unsigned',                      'reg_reg_reg',     228,  228,  228,  228, 'next'],
  ['minimum',                               'reg_reg_reg',     229,  229,  229,  229, 'next'],
  ['minimum_unsigned',                      'reg_reg_reg',     230,  230,  230,  230, 'next'],
] as const satisfies readonly Row[];

/** Mnemonic of an instruction, e.g. `'add_32'`. */
export type InstructionName = (typeof ROWS)[number][0];

/** The four instruction sets PolkaVM 0.35 knows; the blob's version byte selects one. */
export type InstructionSetKind = 'latest64' | 'latest32' | 'jam_v1' | 'revive_v1';

/** One instruction of the table, with its opcode byte in each instruction set. */
export interface InstructionDef {
  /** Index of this row; the canonical numeric id of the instruction (independent of any ISA). */
  readonly id: number;
  readonly name: InstructionName;
  readonly kind: OperandKind;
  readonly flow: Flow;
  /** True if the instruction ends a basic block. */
  readonly endsBlock: boolean;
  /** True if execution may continue at the next instruction. */
  readonly canFallThrough: boolean;
  readonly opcode: Readonly<Record<InstructionSetKind, number | null>>;
}

/** Every instruction, indexed by {@link InstructionDef.id}. */
export const INSTRUCTIONS: readonly InstructionDef[] = ROWS.map((row, id) => {
  const [name, kind, latest64, latest32, jamV1, reviveV1, flow] = row;
  return Object.freeze({
    id,
    name,
    kind,
    flow,
    endsBlock: flow !== 'next',
    canFallThrough: flow !== 'stop',
    opcode: Object.freeze({ latest64, latest32, jam_v1: jamV1, revive_v1: reviveV1 }),
  });
});

/** Numeric instruction ids by name, e.g. `Op.add_32`. */
export const Op: Readonly<Record<InstructionName, number>> = Object.freeze(
  Object.fromEntries(INSTRUCTIONS.map((def) => [def.name, def.id])) as Record<InstructionName, number>,
);

/** Pseudo id used for bytes that are not a valid opcode in the active ISA (and for implicit traps). */
export const INVALID = INSTRUCTIONS.length;

const BY_NAME = new Map<string, InstructionDef>(INSTRUCTIONS.map((def) => [def.name, def]));

/** Looks an instruction up by mnemonic. */
export function instructionByName(name: string): InstructionDef | undefined {
  return BY_NAME.get(name);
}
