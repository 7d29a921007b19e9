/*
 * abi: exercises the guest ABI of polkavm.h, so that the header, a linker and a host can be checked against
 * each other. Every export returns a value a test can predict; the `*_check` exports return 0 when every
 * check inside the guest passed and otherwise a bit mask of the checks that failed.
 */
#include <stdbool.h>

#include "polkavm.h"

/* The host returns the sum of the nine argument registers (a0-a5, t0-t2), each taken modulo 2^32. */
POLKAVM_IMPORT(uint32_t, ext_sum9, uint32_t, uint32_t, uint32_t, uint32_t, uint32_t, uint32_t, uint32_t, uint32_t,
               uint32_t);
/* The host records the raw argument registers; returns nothing. With the convention of polkavm.h it sees
 * a0 = -5 sign-extended, a1 = 0x80000000 zero-extended, the 64-bit value in one register (64-bit guests) or two
 * (32-bit guests, low half first), then 0xAB. */
POLKAVM_IMPORT(void, ext_record, int32_t, uint32_t, uint64_t, uint8_t);
/* The host returns its argument plus one, as a 64-bit value (in a0, or a0/a1 for 32-bit guests). */
POLKAVM_IMPORT(uint64_t, ext_increment64, uint64_t);

POLKAVM_MIN_STACK_SIZE(64 * 1024);

/* x0 + 2 x1 + ... + 9 x8 (modulo 2^32): shows that the nine registers arrive in order. Host args 1..9 -> 285. */
static uint32_t sum9(uint32_t x0, uint32_t x1, uint32_t x2, uint32_t x3, uint32_t x4, uint32_t x5, uint32_t x6,
                     uint32_t x7, uint32_t x8) {
    return x0 + 2 * x1 + 3 * x2 + 4 * x3 + 5 * x4 + 6 * x5 + 7 * x6 + 8 * x7 + 9 * x8;
}
POLKAVM_EXPORT(uint32_t, sum9, uint32_t, uint32_t, uint32_t, uint32_t, uint32_t, uint32_t, uint32_t, uint32_t,
               uint32_t);

/* a - c + b with 64-bit a and c: five registers on 32-bit targets, three on 64-bit ones. */
static uint64_t mix64(uint64_t a, uint32_t b, uint64_t c) { return a - c + b; }
POLKAVM_EXPORT(uint64_t, mix64, uint64_t, uint32_t, uint64_t);

/* -x: a negative int32_t comes back sign-extended. */
static int32_t negate_i32(int32_t x) { return -x; }
POLKAVM_EXPORT(int32_t, negate_i32, int32_t);

/* 0x80000000: an uint32_t comes back zero-extended. */
static uint32_t high_u32(void) { return 0x80000000u; }
POLKAVM_EXPORT(uint32_t, high_u32);

/* 1 if x is 0x80000000: a zero-extended register argument is a proper uint32_t inside the guest. */
static bool is_high(uint32_t x) { return x == 0x80000000u; }
POLKAVM_EXPORT(bool, is_high, uint32_t);

/* 1 if x is -1 (host passes 0xFFFFFFFF or any sign-extension of it). */
static bool is_minus_one(int32_t x) { return x == -1; }
POLKAVM_EXPORT(bool, is_minus_one, int32_t);

/* Pointers travel like integers: returns p + 1. */
static const char *next_byte(const char *p) { return p + 1; }
POLKAVM_EXPORT(const char *, next_byte, const char *);

static volatile uint32_t calls_of_nothing;
static void nothing(void) { calls_of_nothing++; }
POLKAVM_EXPORT(void, nothing);

/* How often `nothing` ran. */
static uint32_t nothing_calls(void) { return calls_of_nothing; }
POLKAVM_EXPORT(uint32_t, nothing_calls);

/* Calls every import; bit 0: ext_sum9 gave the wrong sum, bit 1: ext_increment64 gave the wrong value. */
static uint32_t call_imports(void) {
    uint32_t failed = 0;
    if (ext_sum9(1, 2, 3, 4, 5, 6, 7, 8, 9) != 45)
        failed |= 1;
    ext_record(-5, 0x80000000u, 0x1122334455667788ull, 0xab);
    if (ext_increment64(0x00000001ffffffffull) != 0x0000000200000000ull)
        failed |= 2;
    return failed;
}
POLKAVM_EXPORT(uint32_t, call_imports);

/* Grows the heap by `size` bytes and fills them with the memset instruction. */
static uint32_t heap_check(uint32_t size) {
    uint32_t failed = 0;
    unsigned char *base = (unsigned char *)polkavm_heap_base();
    unsigned char *before = (unsigned char *)polkavm_sbrk(0);
    unsigned char *block = (unsigned char *)polkavm_grow_heap(size);
    if (block == NULL)
        return 0x80000000u;
    if (before < base)
        failed |= 1;
    if (block != before)
        failed |= 2;
    if ((unsigned char *)polkavm_sbrk(0) != block + size)
        failed |= 4;
    for (uint32_t i = 0; i < size; i++) {
        if (block[i] != 0) {
            failed |= 8; /* fresh heap memory is zeroed */
            break;
        }
    }
    polkavm_memset(block, 0x5a, size);
    for (uint32_t i = 0; i < size; i++) {
        if (block[i] != 0x5a) {
            failed |= 16;
            break;
        }
    }
    return failed;
}
POLKAVM_EXPORT(uint32_t, heap_check, uint32_t);

/* The distance between the heap base and the current break. */
static uint32_t heap_used(void) {
    return (uint32_t)((unsigned char *)polkavm_sbrk(0) - (unsigned char *)polkavm_heap_base());
}
POLKAVM_EXPORT(uint32_t, heap_used);

/* The memcpy/memmove/memset/memcmp fallbacks, on aligned and unaligned ranges. */
static unsigned char scratch[256];
static uint32_t libc_check(void) {
    uint32_t failed = 0;
    for (int i = 0; i < 256; i++)
        scratch[i] = (unsigned char)i;
    memmove(scratch + 3, scratch, 100); /* overlapping, forward destination */
    for (int i = 0; i < 100; i++)
        if (scratch[3 + i] != (unsigned char)i)
            failed |= 1;
    for (int i = 0; i < 256; i++)
        scratch[i] = (unsigned char)i;
    memmove(scratch, scratch + 8, 120); /* overlapping, backward destination, aligned */
    for (int i = 0; i < 120; i++)
        if (scratch[i] != (unsigned char)(i + 8))
            failed |= 2;
    memset(scratch + 1, 0xee, 77);
    if (scratch[0] != 8 || scratch[1] != 0xee || scratch[77] != 0xee || scratch[78] != 86)
        failed |= 4;
    memcpy(scratch + 128, scratch + 1, 64);
    if (memcmp(scratch + 128, scratch + 1, 64) != 0)
        failed |= 8;
    scratch[200] = 1;
    scratch[201] = 2;
    if (memcmp(scratch + 200, scratch + 201, 1) >= 0 || memcmp(scratch + 201, scratch + 200, 1) <= 0)
        failed |= 16;
    return failed;
}
POLKAVM_EXPORT(uint32_t, libc_check);

/* 64-bit division (a library call on 32-bit targets). */
static uint64_t div64(uint64_t a, uint64_t b) { return a / b; }
POLKAVM_EXPORT(uint64_t, div64, uint64_t, uint64_t);
static int64_t rem64(int64_t a, int64_t b) { return a % b; }
POLKAVM_EXPORT(int64_t, rem64, int64_t, int64_t);

/* Uses 48 KiB of stack (more than the linker's default): works only if POLKAVM_MIN_STACK_SIZE took effect.
 * Returns the sum of i * seed over the array, modulo 2^32. */
static uint32_t deep_stack(uint32_t seed) {
    volatile uint32_t big[12 * 1024];
    uint32_t sum = 0;
    for (uint32_t i = 0; i < 12 * 1024; i++)
        big[i] = i * seed;
    for (uint32_t i = 0; i < 12 * 1024; i++)
        sum += big[i];
    return sum;
}
POLKAVM_EXPORT(uint32_t, deep_stack, uint32_t);

/* Ends in a trap. */
static void trap(void) { POLKAVM_TRAP(); }
POLKAVM_EXPORT(void, trap);
