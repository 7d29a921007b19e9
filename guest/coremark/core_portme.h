/*
 * core_portme.h - CoreMark port for PolkaVM guests (polkavm-ts). Written for this project; the CoreMark
 * sources next to this file are EEMBC's, unmodified (see README.md and LICENSE.md).
 *
 * Configuration: no floating point (RV32E/RV64E have no FPU), no stdio; seeds come from volatile variables
 * set by the `run` export, the data block is a static array, main() takes no arguments, timing comes from the
 * host function ext_clock_ms() and output goes through ext_stdout().
 */
#ifndef CORE_PORTME_H
#define CORE_PORTME_H

#include <stddef.h>
#include <stdint.h>

/* Everything in a PolkaVM guest is linked statically. Marking the declarations that follow as hidden lets the
 * compiler address CoreMark's extern variables directly instead of through a GOT (-fvisibility=hidden covers
 * only definitions). */
#pragma GCC visibility push(hidden)

#define HAS_FLOAT 0
#define HAS_TIME_H 0
#define USE_CLOCK 0
#define HAS_STDIO 0
#define HAS_PRINTF 0

#define PORT_STR_(x) #x
#define PORT_STR(x) PORT_STR_(x)
#ifndef COMPILER_VERSION
#ifdef __clang__
#define COMPILER_VERSION "clang " PORT_STR(__clang_major__) "." PORT_STR(__clang_minor__) "." PORT_STR(__clang_patchlevel__)
#else
#define COMPILER_VERSION "unknown compiler"
#endif
#endif
#ifndef COMPILER_FLAGS
#define COMPILER_FLAGS "(unknown flags)"
#endif
#ifndef MEM_LOCATION
#define MEM_LOCATION "STATIC"
#endif

typedef int16_t ee_s16;
typedef uint16_t ee_u16;
typedef int32_t ee_s32;
typedef uint8_t ee_u8;
typedef uint32_t ee_u32;
typedef uintptr_t ee_ptr_int; /* must hold a pointer */
typedef size_t ee_size_t;

/* Rounds a pointer up to a 4-byte boundary (used by the matrix benchmark). */
#define align_mem(x) (void *)(4 + (((ee_ptr_int)(x)-1) & ~(ee_ptr_int)3))

/* Ticks are milliseconds from the host clock. */
#define CORETIMETYPE ee_u32
typedef ee_u32 CORE_TICKS;

#define SEED_METHOD SEED_VOLATILE
#define MEM_METHOD MEM_STATIC
#define MULTITHREAD 1
#define USE_PTHREAD 0
#define USE_FORK 0
#define USE_SOCKET 0
#define MAIN_HAS_NOARGC 1
#define MAIN_HAS_NORETURN 0

extern ee_u32 default_num_contexts;

typedef struct CORE_PORTABLE_S {
    ee_u8 portable_id;
} core_portable;

void portable_init(core_portable *p, int *argc, char *argv[]);
void portable_fini(core_portable *p);

#if !defined(PROFILE_RUN) && !defined(PERFORMANCE_RUN) && !defined(VALIDATION_RUN)
#if (TOTAL_DATA_SIZE == 1200)
#define PROFILE_RUN 1
#elif (TOTAL_DATA_SIZE == 2000)
#define PERFORMANCE_RUN 1
#else
#define VALIDATION_RUN 1
#endif
#endif

int ee_printf(const char *fmt, ...);

/* core_main.c's entry point, called by the `run` export. */
int main(void);

#endif /* CORE_PORTME_H */
