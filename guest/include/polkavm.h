/*
 * polkavm.h - a single-header C SDK for PolkaVM guest programs (part of polkavm-ts).
 *
 * SPDX-License-Identifier: MIT OR Apache-2.0
 *
 * A PolkaVM guest is a freestanding RISC-V program (RV32E or RV64E, with the M, A, C and Zbb extensions)
 * compiled as a position-independent shared object and then converted into a `.polkavm` blob by a PolkaVM
 * linker (polkavm-ts `polkavm link`, or Parity's `polkatool link`). This header produces the binary
 * conventions both linkers read:
 *
 *   - imports (host functions, called with `ecalli`),
 *   - exports (entry points the host calls by name),
 *   - the minimum stack size,
 *   - the PolkaVM-specific instructions `sbrk`, `memset` and "load heap base",
 *   - weak fallbacks for the few C library routines a compiler may call on its own (memcpy, memset, ...).
 *
 * Compile with clang (tested with clang 19):
 *
 *   clang --target=riscv64-unknown-none-elf -march=rv64emac_zbb -mabi=lp64e        (or, for 32-bit:
 *   clang --target=riscv32-unknown-none-elf -march=rv32emac_zbb -mabi=ilp32e)
 *         -fPIC -fvisibility=hidden -ffreestanding -nostdlib -mno-relax
 *         -ffunction-sections -fdata-sections -O2 -c guest.c
 *   ld.lld -shared --emit-relocs --unique --apply-dynamic-relocs --no-allow-shlib-undefined -Bsymbolic
 *          -z notext --gc-sections guest.o -o guest.elf
 *
 * ---------------------------------------------------------------------------------------------------------
 * Quick reference
 *
 *   POLKAVM_IMPORT(ret, name, argtypes...)            declares `static inline ret name(argtypes...)`, a call
 *                                                     into the host function called "name".
 *   POLKAVM_IMPORT_AS("symbol", ret, name, argtypes...)   the same, with a host symbol different from `name`.
 *   POLKAVM_IMPORT_WITH_INDEX(index, ret, name, argtypes...)
 *                                                     the same, with a fixed host-call number (see below).
 *   POLKAVM_EXPORT(ret, name, argtypes...)            exports the already declared function `name`.
 *   POLKAVM_EXPORT_AS("symbol", ret, name, argtypes...)   the same, under a symbol different from `name`.
 *   POLKAVM_MIN_STACK_SIZE(bytes)                     asks for a stack of at least `bytes` bytes.
 *   POLKAVM_TRAP()                                    stops the program with a trap.
 *   polkavm_sbrk(size), polkavm_grow_heap(size), polkavm_heap_base(), polkavm_memset(dst, value, count)
 *
 * Every macro above is used at file scope (POLKAVM_TRAP in a function) and must be followed by `;`.
 *
 *   #include "polkavm.h"
 *
 *   POLKAVM_IMPORT(long, ext_stdout, const char *, size_t);
 *   POLKAVM_MIN_STACK_SIZE(16 * 1024);
 *
 *   static uint32_t add_numbers(uint32_t a, uint32_t b) { return a + b; }
 *   POLKAVM_EXPORT(uint32_t, add_numbers, uint32_t, uint32_t);
 *
 * ---------------------------------------------------------------------------------------------------------
 * The calling convention between host and guest
 *
 * The VM has 13 registers: ra, sp, t0-t2, s0-s1, a0-a5 (RISC-V's x1, x2, x5-x15). Arguments travel in up to
 * 9 registers, in this order: a0, a1, a2, a3, a4, a5, t0, t1, t2. Results come back in a0 and, for a second
 * register, a1. Each argument or result takes:
 *
 *   - 0 registers for `void` (results only);
 *   - 1 register for every integer or pointer type that fits a register: unsigned types are zero-extended,
 *     signed types sign-extended to the register width (so a `uint32_t` of 0x80000000 reaches a 64-bit host as
 *     0x0000000080000000, an `int32_t` of -1 as 0xFFFFFFFFFFFFFFFF);
 *   - 2 registers (low half first) for a 64-bit integer on a 32-bit target.
 *
 * This is the convention of Parity's Rust macros (`polkavm_derive`). The argument and result types must be
 * integers (including `bool`) or pointers; floating-point, struct and union types are not part of the ABI.
 * At most 9 argument registers and 2 result registers are allowed; the macros check this at compile time.
 *
 * The macros do not call the user's functions directly from the host: an export's entry point is a small
 * trampoline that saves a0-a5 and t0-t2, converts each register to the declared C type and calls the
 * function, so C functions with more than six register arguments (which the C ABI would pass on the stack)
 * and 32-bit arguments on 64-bit targets (which the C ABI expects sign-extended) work as the host expects.
 * Likewise an import is an inline function that places its arguments in a0-a5 and t0-t2 itself.
 *
 * A host function may change a0-a5 and t0-t2 (the compiler is told so); ra, sp, s0 and s1 are preserved.
 *
 * ---------------------------------------------------------------------------------------------------------
 * What the linker reads (the binary interface implemented here)
 *
 * Extern metadata (one per import or export), a packed little-endian record in a section named
 * `.polkavm_metadata`:
 *
 *     u8   version          1, or 2 when the two index fields follow
 *     u32  flags            0
 *     u32  symbol_length    length of the symbol in bytes (no terminating NUL)
 *     ptr  symbol           address of the symbol bytes (4 bytes on 32-bit targets, 8 on 64-bit)
 *     u8   input_regs       number of argument registers (0-9)
 *     u8   output_regs      number of result registers (0-2)
 *   version 2 only:
 *     u8   has_index        1 if `index` is the import's fixed number, 0 otherwise
 *     u32  index
 *
 * The linker locates every pointer through its relocation (R_RISCV_32 or R_RISCV_64), not through the value
 * stored in the file.
 *
 * An import call is an instruction word 0x0000000b (RISC-V custom-0 opcode, funct3 = 0, every register x0)
 * immediately followed by a pointer (4 or 8 bytes) to the import's metadata. The linker turns the pair into
 * `ecalli N`. Import numbers N: if any import of the program carries an explicit index
 * (POLKAVM_IMPORT_WITH_INDEX), all of them must, and gaps are filled with empty imports; otherwise the
 * imports that are actually used are sorted by symbol (byte-wise) and numbered from 0.
 *
 * Exports are listed in a section `.polkavm_exports` (flags "aR": allocated and kept by --gc-sections), each
 * entry being the byte 1 (entry version), a pointer to the metadata and a pointer to the code.
 *
 * The minimum stack size is a little-endian u32 in a section `.polkavm_min_stack_size`; with several values
 * the linker takes the largest, and rounds it up to the page size (4 KiB). Without any, the reference linker
 * uses 8 KiB.
 *
 * The other custom-0 instructions (R-type, opcode 0x0b, funct7 = 0):
 *
 *     funct3 = 1   sbrk       rd = new break, rs1 = size in bytes (both must not be x0), rs2 = x0
 *     funct3 = 2   memset     all fields x0; operands are implicit: a0 = destination, a1 = byte value,
 *                             a2 = count; afterwards a0 has advanced by the bytes written and a2 is 0
 *     funct3 = 3   heap base  rd = the address where the heap starts (rs1 = rs2 = x0)
 *
 * The `sbrk` and `memset` instructions exist in the blob formats Latest32/Latest64 (what the linkers emit by
 * default) but not in JamV1 or ReviveV1.
 */
#ifndef POLKAVM_H
#define POLKAVM_H

#include <stddef.h>
#include <stdint.h>

/* 1 when compiling for PolkaVM (a RISC-V target with the E base ISA), 0 for anything else. On other targets
 * the header still compiles: imports become ordinary external declarations (so that guest code can be
 * built and tested natively against a stub host), exports and the stack size are ignored, and the heap
 * helpers are unavailable. */
#if defined(__riscv) && defined(__riscv_e)
#define POLKAVM_TARGET 1
#else
#define POLKAVM_TARGET 0
#endif

#if POLKAVM_TARGET && !defined(__clang__)
#error "polkavm.h needs clang (the macros rely on clang's inline-assembly operand modifiers)"
#endif

/* A VM register as seen from the guest: 32 bits on RV32E, 64 bits on RV64E. */
typedef unsigned long polkavm_reg_t;

/* The two result registers (a0, a1). A struct of two register-sized fields is returned in a0/a1. */
typedef struct {
    polkavm_reg_t a0;
    polkavm_reg_t a1;
} polkavm_regpair_t;

/* ===================================================================================================== */
/* Preprocessor helpers (internal)                                                                        */
/* ===================================================================================================== */

#define POLKAVM__CAT_(a, b) a##b
#define POLKAVM__CAT(a, b) POLKAVM__CAT_(a, b)
#define POLKAVM__STR_(x) #x
#define POLKAVM__STR(x) POLKAVM__STR_(x)

/* Number of arguments, 0 to 9 (10 signals "too many"). __VA_OPT__ (C23, accepted by clang and GCC in every
 * -std mode) tells "no arguments" apart from one. */
#define POLKAVM__NARGS(...) POLKAVM__NARGS_(~ __VA_OPT__(, ) __VA_ARGS__, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0)
#define POLKAVM__NARGS_(_, x1, x2, x3, x4, x5, x6, x7, x8, x9, x10, n, ...) n

/* POLKAVM__SEQ(M, T0, T1, ...) -> M(0, T0) M(1, T1) ... */
#define POLKAVM__SEQ(M, ...) POLKAVM__CAT(POLKAVM__SEQ_, POLKAVM__NARGS(__VA_ARGS__))(M __VA_OPT__(, ) __VA_ARGS__)
#define POLKAVM__SEQ_0(M)
#define POLKAVM__SEQ_1(M, a) M(0, a)
#define POLKAVM__SEQ_2(M, a, b) POLKAVM__SEQ_1(M, a) M(1, b)
#define POLKAVM__SEQ_3(M, a, b, c) POLKAVM__SEQ_2(M, a, b) M(2, c)
#define POLKAVM__SEQ_4(M, a, b, c, d) POLKAVM__SEQ_3(M, a, b, c) M(3, d)
#define POLKAVM__SEQ_5(M, a, b, c, d, e) POLKAVM__SEQ_4(M, a, b, c, d) M(4, e)
#define POLKAVM__SEQ_6(M, a, b, c, d, e, f) POLKAVM__SEQ_5(M, a, b, c, d, e) M(5, f)
#define POLKAVM__SEQ_7(M, a, b, c, d, e, f, g) POLKAVM__SEQ_6(M, a, b, c, d, e, f) M(6, g)
#define POLKAVM__SEQ_8(M, a, b, c, d, e, f, g, h) POLKAVM__SEQ_7(M, a, b, c, d, e, f, g) M(7, h)
#define POLKAVM__SEQ_9(M, a, b, c, d, e, f, g, h, i) POLKAVM__SEQ_8(M, a, b, c, d, e, f, g, h) M(8, i)

/* Parameter list "T0 polkavm_arg0, T1 polkavm_arg1, ..." (or "void"). */
#define POLKAVM__PARAMS(...) POLKAVM__CAT(POLKAVM__PARAMS_, POLKAVM__NARGS(__VA_ARGS__))(__VA_ARGS__)
#define POLKAVM__PARAMS_0() void
#define POLKAVM__PARAMS_1(a) a polkavm_arg0
#define POLKAVM__PARAMS_2(a, b) POLKAVM__PARAMS_1(a), b polkavm_arg1
#define POLKAVM__PARAMS_3(a, b, c) POLKAVM__PARAMS_2(a, b), c polkavm_arg2
#define POLKAVM__PARAMS_4(a, b, c, d) POLKAVM__PARAMS_3(a, b, c), d polkavm_arg3
#define POLKAVM__PARAMS_5(a, b, c, d, e) POLKAVM__PARAMS_4(a, b, c, d), e polkavm_arg4
#define POLKAVM__PARAMS_6(a, b, c, d, e, f) POLKAVM__PARAMS_5(a, b, c, d, e), f polkavm_arg5
#define POLKAVM__PARAMS_7(a, b, c, d, e, f, g) POLKAVM__PARAMS_6(a, b, c, d, e, f), g polkavm_arg6
#define POLKAVM__PARAMS_8(a, b, c, d, e, f, g, h) POLKAVM__PARAMS_7(a, b, c, d, e, f, g), h polkavm_arg7
#define POLKAVM__PARAMS_9(a, b, c, d, e, f, g, h, i) POLKAVM__PARAMS_8(a, b, c, d, e, f, g, h), i polkavm_arg8

/* Argument list "polkavm_arg0, polkavm_arg1, ..." for as many types as given. */
#define POLKAVM__ARGNAMES(...) POLKAVM__CAT(POLKAVM__ARGNAMES_, POLKAVM__NARGS(__VA_ARGS__))
#define POLKAVM__ARGNAMES_0
#define POLKAVM__ARGNAMES_1 polkavm_arg0
#define POLKAVM__ARGNAMES_2 POLKAVM__ARGNAMES_1, polkavm_arg1
#define POLKAVM__ARGNAMES_3 POLKAVM__ARGNAMES_2, polkavm_arg2
#define POLKAVM__ARGNAMES_4 POLKAVM__ARGNAMES_3, polkavm_arg3
#define POLKAVM__ARGNAMES_5 POLKAVM__ARGNAMES_4, polkavm_arg4
#define POLKAVM__ARGNAMES_6 POLKAVM__ARGNAMES_5, polkavm_arg5
#define POLKAVM__ARGNAMES_7 POLKAVM__ARGNAMES_6, polkavm_arg6
#define POLKAVM__ARGNAMES_8 POLKAVM__ARGNAMES_7, polkavm_arg7
#define POLKAVM__ARGNAMES_9 POLKAVM__ARGNAMES_8, polkavm_arg8

/* POLKAVM__IS_VOID(T) is 1 if the type spelled T is `void`, else 0. It looks only at the first token, so
 * `void *` also gives 1; the macros reject that case with a static assertion (use a typedef, or a pointer to
 * another type, for such results). */
#define POLKAVM__VOID_PROBE_void ~, 1, ~
#define POLKAVM__SECOND(a, b, ...) b
#define POLKAVM__IS_VOID_(...) POLKAVM__SECOND(__VA_ARGS__, 0, ~)
#define POLKAVM__IS_VOID(T) POLKAVM__IS_VOID_(POLKAVM__CAT(POLKAVM__VOID_PROBE_, T))

/* Registers taken by one value of type T, and whether it is split into two registers. */
#define POLKAVM__IS_WIDE(T) (sizeof(T) > sizeof(polkavm_reg_t))
#define POLKAVM__REGS_FOR(T) (POLKAVM__IS_WIDE(T) ? 2 : 1)
#define POLKAVM__M_REGS(i, T) +POLKAVM__REGS_FOR(T)
#define POLKAVM__INPUT_REGS(...) (0 POLKAVM__SEQ(POLKAVM__M_REGS, __VA_ARGS__))
#define POLKAVM__M_SIZE_OK(i, T) &&(sizeof(T) <= 8)
#define POLKAVM__ARG_SIZES_OK(...) (1 POLKAVM__SEQ(POLKAVM__M_SIZE_OK, __VA_ARGS__))
#define POLKAVM__OUTPUT_REGS(R) POLKAVM__CAT(POLKAVM__OUTPUT_REGS_, POLKAVM__IS_VOID(R))(R)
#define POLKAVM__OUTPUT_REGS_1(R) 0
#define POLKAVM__OUTPUT_REGS_0(R) POLKAVM__REGS_FOR(R)
#define POLKAVM__RESULT_OK(R) POLKAVM__CAT(POLKAVM__RESULT_OK_, POLKAVM__IS_VOID(R))(R)
#define POLKAVM__RESULT_OK_1(R) __builtin_types_compatible_p(R, void)
#define POLKAVM__RESULT_OK_0(R) (sizeof(R) <= 8)

#define POLKAVM__CHECK_SIGNATURE(what, R, NAME, ...)                                                           \
    _Static_assert(POLKAVM__INPUT_REGS(__VA_ARGS__) <= 9 && POLKAVM__ARG_SIZES_OK(__VA_ARGS__),             \
                   what " '" #NAME "' needs more than the 9 argument registers PolkaVM offers");             \
    _Static_assert(POLKAVM__RESULT_OK(R),                                                                    \
                   what " '" #NAME "': unsupported result type (for `void *` and the like use a typedef)")

/* ===================================================================================================== */
/* Metadata records                                                                                       */
/* ===================================================================================================== */

struct polkavm_metadata_v1 {
    unsigned char version; /* 1 */
    unsigned int flags;    /* 0 */
    unsigned int symbol_length;
    const char *symbol;
    unsigned char input_regs;
    unsigned char output_regs;
} __attribute__((packed));

struct polkavm_metadata_v2 {
    unsigned char version; /* 2 */
    unsigned int flags;    /* 0 */
    unsigned int symbol_length;
    const char *symbol;
    unsigned char input_regs;
    unsigned char output_regs;
    unsigned char has_index;
    unsigned int index;
} __attribute__((packed));

_Static_assert(sizeof(struct polkavm_metadata_v1) == 11 + sizeof(void *), "metadata v1 must be packed");
_Static_assert(sizeof(struct polkavm_metadata_v2) == 16 + sizeof(void *), "metadata v2 must be packed");

#if POLKAVM_TARGET

#if __riscv_xlen == 64
#define POLKAVM__PTR_DIRECTIVE ".8byte"
/* a0-a5, t0-t2 and ra, 8 bytes each: 80 bytes (a multiple of 16). */
#define POLKAVM__TRAMPOLINE_ASM(SLOT)                                                                         \
    "addi sp, sp, -80\n"                                                                                     \
    "sd a0, 0(sp)\n"                                                                                         \
    "sd a1, 8(sp)\n"                                                                                         \
    "sd a2, 16(sp)\n"                                                                                        \
    "sd a3, 24(sp)\n"                                                                                        \
    "sd a4, 32(sp)\n"                                                                                        \
    "sd a5, 40(sp)\n"                                                                                        \
    "sd t0, 48(sp)\n"                                                                                        \
    "sd t1, 56(sp)\n"                                                                                        \
    "sd t2, 64(sp)\n"                                                                                        \
    "sd ra, 72(sp)\n"                                                                                        \
    "mv a0, sp\n"                                                                                            \
    "call " SLOT "\n"                                                                                        \
    "ld ra, 72(sp)\n"                                                                                        \
    "addi sp, sp, 80\n"                                                                                      \
    "ret\n"
#elif __riscv_xlen == 32
#define POLKAVM__PTR_DIRECTIVE ".4byte"
/* a0-a5, t0-t2 and ra, 4 bytes each: 40 bytes, rounded up to 48. */
#define POLKAVM__TRAMPOLINE_ASM(SLOT)                                                                         \
    "addi sp, sp, -48\n"                                                                                     \
    "sw a0, 0(sp)\n"                                                                                         \
    "sw a1, 4(sp)\n"                                                                                         \
    "sw a2, 8(sp)\n"                                                                                         \
    "sw a3, 12(sp)\n"                                                                                        \
    "sw a4, 16(sp)\n"                                                                                        \
    "sw a5, 20(sp)\n"                                                                                        \
    "sw t0, 24(sp)\n"                                                                                        \
    "sw t1, 28(sp)\n"                                                                                        \
    "sw t2, 32(sp)\n"                                                                                        \
    "sw ra, 36(sp)\n"                                                                                        \
    "mv a0, sp\n"                                                                                            \
    "call " SLOT "\n"                                                                                        \
    "lw ra, 36(sp)\n"                                                                                        \
    "addi sp, sp, 48\n"                                                                                      \
    "ret\n"
#else
#error "unsupported RISC-V register width"
#endif

/* ----------------------------------------------------------------------------------------------------- */
/* Register packing used by imports and exports (internal)                                                */
/* ----------------------------------------------------------------------------------------------------- */

/* Stores `value` at regs[n] (and its high half at regs[n + 1] when `wide`); returns the next free slot.
 * The caller has widened `value` from the C type, which zero-extends unsigned types and sign-extends
 * signed ones, matching the convention described at the top of this file. */
static inline __attribute__((always_inline)) unsigned polkavm__put(polkavm_reg_t *regs, unsigned n,
                                                                   unsigned long long value, int wide) {
    regs[n] = (polkavm_reg_t)value;
    if (wide) {
        regs[n + 1] = (polkavm_reg_t)(value >> 32);
        return n + 2;
    }
    return n + 1;
}

/* Reads the value at regs[*n] (combining two registers when `wide`) and advances *n. */
static inline __attribute__((always_inline)) unsigned long long polkavm__take(const polkavm_reg_t *regs, unsigned *n,
                                                                              int wide) {
    unsigned long long value = regs[*n];
    if (wide) {
        value |= (unsigned long long)regs[*n + 1] << 32;
        *n += 2;
    } else {
        *n += 1;
    }
    return value;
}

#define POLKAVM__M_PUT(i, T)                                                                                   \
    polkavm__n = polkavm__put(polkavm__regs, polkavm__n, (unsigned long long)(polkavm_arg##i), POLKAVM__IS_WIDE(T));
#define POLKAVM__M_TAKE(i, T) T polkavm_arg##i = (T)polkavm__take(polkavm__regs, &polkavm__n, POLKAVM__IS_WIDE(T));

/* ----------------------------------------------------------------------------------------------------- */
/* Imports                                                                                                */
/* ----------------------------------------------------------------------------------------------------- */

/* The host call itself. The nine argument registers are inputs and outputs (the host may change any of
 * them); the metadata pointer follows the custom-0 instruction word. */
#define POLKAVM__ECALL(METADATA)                                                                              \
    register polkavm_reg_t polkavm__r_a0 __asm__("a0") = polkavm__regs[0];                                    \
    register polkavm_reg_t polkavm__r_a1 __asm__("a1") = polkavm__regs[1];                                    \
    register polkavm_reg_t polkavm__r_a2 __asm__("a2") = polkavm__regs[2];                                    \
    register polkavm_reg_t polkavm__r_a3 __asm__("a3") = polkavm__regs[3];                                    \
    register polkavm_reg_t polkavm__r_a4 __asm__("a4") = polkavm__regs[4];                                    \
    register polkavm_reg_t polkavm__r_a5 __asm__("a5") = polkavm__regs[5];                                    \
    register polkavm_reg_t polkavm__r_t0 __asm__("t0") = polkavm__regs[6];                                    \
    register polkavm_reg_t polkavm__r_t1 __asm__("t1") = polkavm__regs[7];                                    \
    register polkavm_reg_t polkavm__r_t2 __asm__("t2") = polkavm__regs[8];                                    \
    __asm__ __volatile__(".4byte 0x0000000b\n" POLKAVM__PTR_DIRECTIVE " %[metadata]\n"                        \
                         : "+r"(polkavm__r_a0), "+r"(polkavm__r_a1), "+r"(polkavm__r_a2), "+r"(polkavm__r_a3), \
                           "+r"(polkavm__r_a4), "+r"(polkavm__r_a5), "+r"(polkavm__r_t0), "+r"(polkavm__r_t1), \
                           "+r"(polkavm__r_t2)                                                                \
                         : [metadata] "i"(&(METADATA))                                                        \
                         : "memory")

#define POLKAVM__IMPORT_RETURN(R) POLKAVM__CAT(POLKAVM__IMPORT_RETURN_, POLKAVM__IS_VOID(R))(R)
#define POLKAVM__IMPORT_RETURN_1(R) (void)polkavm__r_a1;
#define POLKAVM__IMPORT_RETURN_0(R)                                                                            \
    return (R)(POLKAVM__IS_WIDE(R) ? ((unsigned long long)polkavm__r_a1 << 32) | polkavm__r_a0                 \
                                   : (unsigned long long)polkavm__r_a0);

#define POLKAVM__IMPORT_IMPL(METADATA_INIT, SYMBOL, R, NAME, ...)                                              \
    POLKAVM__CHECK_SIGNATURE("import", R, NAME, __VA_ARGS__);                                               \
    static inline __attribute__((always_inline, unused)) R NAME(POLKAVM__PARAMS(__VA_ARGS__)) {                \
        static char polkavm__symbol[] __attribute__((section(".polkavm_metadata"), aligned(1))) = SYMBOL;      \
        static METADATA_INIT(SYMBOL, POLKAVM__INPUT_REGS(__VA_ARGS__), POLKAVM__OUTPUT_REGS(R));              \
        polkavm_reg_t polkavm__regs[9] = {0};                                                                 \
        unsigned polkavm__n = 0;                                                                              \
        POLKAVM__SEQ(POLKAVM__M_PUT, __VA_ARGS__)                                                           \
        (void)polkavm__n;                                                                                     \
        POLKAVM__ECALL(polkavm__metadata);                                                                    \
        POLKAVM__IMPORT_RETURN(R)                                                                             \
    }                                                                                                         \
    _Static_assert(1, "")

#define POLKAVM__METADATA_V1(SYMBOL, INPUTS, OUTPUTS)                                                          \
    struct polkavm_metadata_v1 polkavm__metadata __attribute__((section(".polkavm_metadata"))) = {           \
        1, 0, sizeof(SYMBOL) - 1, polkavm__symbol, INPUTS, OUTPUTS}

/* Declares `static inline R NAME(ARGTYPES...)`, which calls the host function with the symbol "NAME". */
#define POLKAVM_IMPORT(R, NAME, ...) POLKAVM__IMPORT_IMPL(POLKAVM__METADATA_V1, #NAME, R, NAME, __VA_ARGS__)

/* Like POLKAVM_IMPORT, but the host symbol is the string literal SYMBOL instead of the C name. */
#define POLKAVM_IMPORT_AS(SYMBOL, R, NAME, ...) POLKAVM__IMPORT_IMPL(POLKAVM__METADATA_V1, SYMBOL, R, NAME, __VA_ARGS__)

/* Like POLKAVM_IMPORT, but with a fixed host-call number INDEX (an integer constant). If one import of a
 * program has an index, every import must have one. */
#define POLKAVM_IMPORT_WITH_INDEX(INDEX, R, NAME, ...)                                                          \
    POLKAVM__IMPORT_WITH_INDEX_IMPL(INDEX, #NAME, R, NAME, __VA_ARGS__)
#define POLKAVM__IMPORT_WITH_INDEX_IMPL(INDEX, SYMBOL, R, NAME, ...)                                           \
    POLKAVM__CHECK_SIGNATURE("import", R, NAME, __VA_ARGS__);                                               \
    static inline __attribute__((always_inline, unused)) R NAME(POLKAVM__PARAMS(__VA_ARGS__)) {                \
        static char polkavm__symbol[] __attribute__((section(".polkavm_metadata"), aligned(1))) = SYMBOL;      \
        static struct polkavm_metadata_v2 polkavm__metadata __attribute__((section(".polkavm_metadata"))) = { \
            2, 0, sizeof(SYMBOL) - 1, polkavm__symbol, POLKAVM__INPUT_REGS(__VA_ARGS__),                      \
            POLKAVM__OUTPUT_REGS(R), 1, (INDEX)};                                                             \
        polkavm_reg_t polkavm__regs[9] = {0};                                                                 \
        unsigned polkavm__n = 0;                                                                              \
        POLKAVM__SEQ(POLKAVM__M_PUT, __VA_ARGS__)                                                           \
        (void)polkavm__n;                                                                                     \
        POLKAVM__ECALL(polkavm__metadata);                                                                    \
        POLKAVM__IMPORT_RETURN(R)                                                                             \
    }                                                                                                         \
    _Static_assert(1, "")

/* ----------------------------------------------------------------------------------------------------- */
/* Exports                                                                                                */
/* ----------------------------------------------------------------------------------------------------- */

#define POLKAVM__EXPORT_CALL(R, NAME, ...) POLKAVM__CAT(POLKAVM__EXPORT_CALL_, POLKAVM__IS_VOID(R))(R, NAME, __VA_ARGS__)
#define POLKAVM__EXPORT_CALL_1(R, NAME, ...)                                                                   \
    NAME(POLKAVM__ARGNAMES(__VA_ARGS__));                                                                     \
    polkavm__out.a0 = 0;                                                                                      \
    polkavm__out.a1 = 0;
#define POLKAVM__EXPORT_CALL_0(R, NAME, ...)                                                                   \
    unsigned long long polkavm__value = (unsigned long long)(R)NAME(POLKAVM__ARGNAMES(__VA_ARGS__));           \
    polkavm__out.a0 = (polkavm_reg_t)polkavm__value;                                                          \
    polkavm__out.a1 = POLKAVM__IS_WIDE(R) ? (polkavm_reg_t)(polkavm__value >> 32) : 0;

/* Makes the function NAME, declared as `R NAME(ARGTYPES...)`, callable by the host under the symbol "NAME".
 * NAME may be static. The entry point the host calls is a generated trampoline (see the top of the file). */
#define POLKAVM_EXPORT(R, NAME, ...) POLKAVM__EXPORT_IMPL(#NAME, R, NAME, __VA_ARGS__)

/* Like POLKAVM_EXPORT, but the host sees the export under the string literal SYMBOL instead of the C name. */
#define POLKAVM_EXPORT_AS(SYMBOL, R, NAME, ...) POLKAVM__EXPORT_IMPL(SYMBOL, R, NAME, __VA_ARGS__)

#define POLKAVM__EXPORT_IMPL(SYMBOL, R, NAME, ...)                                                             \
    POLKAVM__CHECK_SIGNATURE("export", R, NAME, __VA_ARGS__);                                                 \
    static char NAME##__polkavm_export_symbol[] __attribute__((section(".polkavm_metadata"), aligned(1))) =    \
        SYMBOL;                                                                                               \
    static struct polkavm_metadata_v1 NAME##__polkavm_export_metadata                                          \
        __attribute__((section(".polkavm_metadata"))) = {                                                    \
            1, 0, sizeof(SYMBOL) - 1, NAME##__polkavm_export_symbol, POLKAVM__INPUT_REGS(__VA_ARGS__),        \
            POLKAVM__OUTPUT_REGS(R)};                                                                         \
    static __attribute__((used)) polkavm_regpair_t NAME##__polkavm_export_body(                                \
        const polkavm_reg_t *polkavm__regs) {                                                                 \
        unsigned polkavm__n = 0;                                                                              \
        polkavm_regpair_t polkavm__out;                                                                       \
        (void)polkavm__regs;                                                                                  \
        POLKAVM__SEQ(POLKAVM__M_TAKE, __VA_ARGS__)                                                            \
        (void)polkavm__n;                                                                                     \
        POLKAVM__EXPORT_CALL(R, NAME, __VA_ARGS__)                                                            \
        return polkavm__out;                                                                                  \
    }                                                                                                         \
    __attribute__((naked, used)) static void NAME##__polkavm_export_entry(void) {                              \
        __asm__(".pushsection .polkavm_exports,\"aR\",@note\n"                                               \
                ".byte 1\n" POLKAVM__PTR_DIRECTIVE " %[metadata]\n" POLKAVM__PTR_DIRECTIVE " %[entry]\n"      \
                ".popsection\n" POLKAVM__TRAMPOLINE_ASM("%[body]")                                            \
                :                                                                                             \
                : [metadata] "i"(&NAME##__polkavm_export_metadata), [entry] "S"(NAME##__polkavm_export_entry), \
                  [body] "S"(NAME##__polkavm_export_body)                                                     \
                : "memory");                                                                                  \
    }                                                                                                         \
    _Static_assert(1, "")

/* ----------------------------------------------------------------------------------------------------- */
/* Stack size and traps                                                                                   */
/* ----------------------------------------------------------------------------------------------------- */

/* Asks for a stack of at least SIZE bytes (an integer constant expression). The linker keeps the largest
 * request of the whole program and rounds it up to 4 KiB. */
#define POLKAVM_MIN_STACK_SIZE(SIZE) POLKAVM__MIN_STACK_SIZE(SIZE, POLKAVM__CAT(polkavm__min_stack_size_, __COUNTER__))
#define POLKAVM__MIN_STACK_SIZE(SIZE, ID)                                                                      \
    _Static_assert((SIZE) >= 0 && (SIZE) <= 0xffffffffLL, "stack size must fit 32 bits");                     \
    __attribute__((naked, used)) static void ID(void) {                                                        \
        __asm__(".pushsection .polkavm_min_stack_size,\"\",@progbits\n"                                       \
                ".4byte %[size]\n"                                                                            \
                ".popsection\n"                                                                               \
                :                                                                                             \
                : [size] "i"(SIZE));                                                                          \
    }                                                                                                         \
    _Static_assert(1, "")

/* Stops the program: the host sees a trap. */
#define POLKAVM_TRAP()                                                                                        \
    do {                                                                                                      \
        __asm__ __volatile__("unimp\n");                                                                      \
        __builtin_unreachable();                                                                              \
    } while (0)

/* ----------------------------------------------------------------------------------------------------- */
/* Heap and memset instructions                                                                           */
/* ----------------------------------------------------------------------------------------------------- */

/* Address where the heap starts: the end of the program's read-write data (not aligned). */
static inline __attribute__((always_inline, unused)) void *polkavm_heap_base(void) {
    polkavm_reg_t base;
    __asm__ __volatile__(".insn r 0xb, 3, 0, %0, zero, zero\n" : "=r"(base));
    return (void *)(uintptr_t)(uint32_t)base;
}

/* Grows the heap by SIZE bytes and returns the NEW end of the heap (the break), or NULL if the VM's memory
 * limit does not allow it. polkavm_sbrk(0) returns the current break. Memory obtained this way starts out
 * zeroed and is never given back. */
static inline __attribute__((always_inline, unused)) void *polkavm_sbrk(size_t size) {
    register polkavm_reg_t size_reg __asm__("a1") = size;
    register polkavm_reg_t result __asm__("a0");
    __asm__ __volatile__(".insn r 0xb, 1, 0, a0, a1, zero\n" : "=r"(result) : "r"(size_reg) : "memory");
    /* The VM sign-extends the 32-bit result in 64-bit programs; addresses are 32-bit, so drop the upper half. */
    return (void *)(uintptr_t)(uint32_t)result;
}

/* Fills COUNT bytes at DST with the byte VALUE using the VM's `memset` instruction (one instruction,
 * however long the range; with gas metering it costs 1 gas per byte). */
static inline __attribute__((always_inline, unused)) void polkavm_memset(void *dst, int value, size_t count) {
    register void *dst_reg __asm__("a0") = dst;
    register polkavm_reg_t value_reg __asm__("a1") = (unsigned char)value;
    register polkavm_reg_t count_reg __asm__("a2") = count;
    __asm__ __volatile__(".insn r 0xb, 2, 0, zero, zero, zero\n"
                         : "+r"(dst_reg), "+r"(count_reg)
                         : "r"(value_reg)
                         : "memory");
}

#else /* !POLKAVM_TARGET: a native build, e.g. to test guest logic on the development machine */

#define POLKAVM_IMPORT(R, NAME, ...) R NAME(POLKAVM__PARAMS(__VA_ARGS__))
#define POLKAVM_IMPORT_AS(SYMBOL, R, NAME, ...) R NAME(POLKAVM__PARAMS(__VA_ARGS__))
#define POLKAVM_IMPORT_WITH_INDEX(INDEX, R, NAME, ...) R NAME(POLKAVM__PARAMS(__VA_ARGS__))
#define POLKAVM_EXPORT(R, NAME, ...) POLKAVM_EXPORT_AS(#NAME, R, NAME, __VA_ARGS__)
#define POLKAVM_EXPORT_AS(SYMBOL, R, NAME, ...)                                                                \
    POLKAVM__CHECK_SIGNATURE("export", R, NAME, __VA_ARGS__);                                                 \
    static __typeof__(NAME) *const NAME##__polkavm_export_ref __attribute__((unused)) = NAME
#define POLKAVM_MIN_STACK_SIZE(SIZE) _Static_assert((SIZE) >= 0, "stack size")
#define POLKAVM_TRAP() __builtin_trap()

#endif /* POLKAVM_TARGET */

/* ===================================================================================================== */
/* Freestanding C library fallbacks                                                                       */
/* ===================================================================================================== */
/*
 * Even with -ffreestanding, a compiler may emit calls to memcpy, memmove and memset (for struct copies and
 * large initialisers, and at -O0 for many copies), and on 32-bit targets to the 64-bit division helpers
 * __udivdi3, __umoddi3, __divdi3 and __moddi3. -nostdlib leaves them undefined, so this header defines them
 * as weak, hidden symbols: every file that includes the header carries a copy and the linker keeps one.
 * A program that brings its own versions (strong symbols win) or wants none can define POLKAVM_NO_LIBC
 * before including this header.
 */
#if POLKAVM_TARGET && !defined(POLKAVM_NO_LIBC)

#define POLKAVM__LIBC __attribute__((weak, visibility("hidden"), no_builtin))

typedef polkavm_reg_t __attribute__((may_alias)) polkavm__word_t;
#define POLKAVM__WORD sizeof(polkavm_reg_t)
#define POLKAVM__ALIGNED(p, q) ((((uintptr_t)(p) | (uintptr_t)(q)) & (POLKAVM__WORD - 1)) == 0)

POLKAVM__LIBC void *memcpy(void *restrict dst, const void *restrict src, size_t count) {
    unsigned char *d = (unsigned char *)dst;
    const unsigned char *s = (const unsigned char *)src;
    if (POLKAVM__ALIGNED(d, s)) {
        for (; count >= POLKAVM__WORD; count -= POLKAVM__WORD, d += POLKAVM__WORD, s += POLKAVM__WORD)
            *(polkavm__word_t *)d = *(const polkavm__word_t *)s;
    }
    while (count--)
        *d++ = *s++;
    return dst;
}

POLKAVM__LIBC void *memmove(void *dst, const void *src, size_t count) {
    unsigned char *d = (unsigned char *)dst;
    const unsigned char *s = (const unsigned char *)src;
    if (d == s || count == 0)
        return dst;
    if ((uintptr_t)d < (uintptr_t)s || (uintptr_t)d >= (uintptr_t)s + count) {
        /* No overlap that a forward copy would destroy. */
        if (POLKAVM__ALIGNED(d, s)) {
            for (; count >= POLKAVM__WORD; count -= POLKAVM__WORD, d += POLKAVM__WORD, s += POLKAVM__WORD)
                *(polkavm__word_t *)d = *(const polkavm__word_t *)s;
        }
        while (count--)
            *d++ = *s++;
    } else {
        /* The destination overlaps the end of the source: copy backwards. */
        d += count;
        s += count;
        if (POLKAVM__ALIGNED(d, s)) {
            for (; count >= POLKAVM__WORD; count -= POLKAVM__WORD) {
                d -= POLKAVM__WORD;
                s -= POLKAVM__WORD;
                *(polkavm__word_t *)d = *(const polkavm__word_t *)s;
            }
        }
        while (count--)
            *--d = *--s;
    }
    return dst;
}

POLKAVM__LIBC void *memset(void *dst, int value, size_t count) {
    unsigned char *d = (unsigned char *)dst;
    unsigned char byte = (unsigned char)value;
    if (POLKAVM__ALIGNED(d, 0)) {
        polkavm_reg_t pattern = (polkavm_reg_t)-1 / 0xff * byte; /* the byte repeated in every lane */
        for (; count >= POLKAVM__WORD; count -= POLKAVM__WORD, d += POLKAVM__WORD)
            *(polkavm__word_t *)d = pattern;
    }
    while (count--)
        *d++ = byte;
    return dst;
}

POLKAVM__LIBC int memcmp(const void *a, const void *b, size_t count) {
    const unsigned char *x = (const unsigned char *)a;
    const unsigned char *y = (const unsigned char *)b;
    for (; count; --count, ++x, ++y) {
        if (*x != *y)
            return *x < *y ? -1 : 1;
    }
    return 0;
}

POLKAVM__LIBC int bcmp(const void *a, const void *b, size_t count) { return memcmp(a, b, count); }

#if __riscv_xlen == 32
/* Unsigned 64-bit division by shift-and-subtract; `*remainder` receives n mod d. Division by zero gives the
 * RISC-V results (quotient all ones, remainder n). */
static inline unsigned long long polkavm__udivmod64(unsigned long long n, unsigned long long d,
                                                    unsigned long long *remainder) {
    if (d == 0) {
        *remainder = n;
        return ~0ULL;
    }
    if ((n >> 32) == 0 && (d >> 32) == 0) {
        *remainder = (uint32_t)n % (uint32_t)d;
        return (uint32_t)n / (uint32_t)d;
    }
    unsigned long long q = 0, r = 0;
    for (int bit = 63; bit >= 0; --bit) {
        r = (r << 1) | ((n >> bit) & 1);
        if (r >= d) {
            r -= d;
            q |= 1ULL << bit;
        }
    }
    *remainder = r;
    return q;
}

POLKAVM__LIBC unsigned long long __udivdi3(unsigned long long n, unsigned long long d) {
    unsigned long long r;
    return polkavm__udivmod64(n, d, &r);
}

POLKAVM__LIBC unsigned long long __umoddi3(unsigned long long n, unsigned long long d) {
    unsigned long long r;
    polkavm__udivmod64(n, d, &r);
    return r;
}

POLKAVM__LIBC long long __divdi3(long long n, long long d) {
    unsigned long long r;
    unsigned long long un = n < 0 ? -(unsigned long long)n : (unsigned long long)n;
    unsigned long long ud = d < 0 ? -(unsigned long long)d : (unsigned long long)d;
    unsigned long long q = polkavm__udivmod64(un, ud, &r);
    return (long long)(((n < 0) != (d < 0)) ? -q : q);
}

POLKAVM__LIBC long long __moddi3(long long n, long long d) {
    unsigned long long r;
    unsigned long long un = n < 0 ? -(unsigned long long)n : (unsigned long long)n;
    unsigned long long ud = d < 0 ? -(unsigned long long)d : (unsigned long long)d;
    polkavm__udivmod64(un, ud, &r);
    return (long long)(n < 0 ? -r : r);
}
#endif /* __riscv_xlen == 32 */

#undef POLKAVM__LIBC
#undef POLKAVM__ALIGNED
#undef POLKAVM__WORD

#endif /* POLKAVM_TARGET && !POLKAVM_NO_LIBC */

/* Moves the heap break forward by SIZE bytes and returns the start of the new block (the old break), like
 * the traditional Unix sbrk; NULL on failure. The block is zeroed, with no particular alignment (round SIZE
 * and the heap base up yourself if you need one). */
#if POLKAVM_TARGET
static inline __attribute__((unused)) void *polkavm_grow_heap(size_t size) {
    unsigned char *top = (unsigned char *)polkavm_sbrk(size);
    return top ? top - size : NULL;
}
#endif

#endif /* POLKAVM_H */
