/*
 * sieve: the sieve of Eratosthenes over the odd numbers, one bit per odd number, in memory taken from the
 * heap with sbrk (the bitmap grows to the largest n asked for so far).
 *
 *   count_primes(n)  the number of primes below n           count_primes(1000000) = 78498
 *   sum_primes(n)    their sum, as a 64-bit value           sum_primes(2000000)   = 142913828922
 */
#include "polkavm.h"

static uint32_t *bitmap;      /* bit i set = the odd number 2 i + 1 is composite */
static uint32_t bitmap_words; /* capacity, in 32-bit words */

/* Makes room for `words` words of bitmap; returns 0 if the heap cannot grow that far. */
static int reserve(uint32_t words) {
    if (words <= bitmap_words)
        return 1;
    if (bitmap == NULL) {
        /* Start the bitmap at a 4-byte boundary: the heap base itself has no particular alignment. */
        uintptr_t top = (uintptr_t)polkavm_sbrk(0);
        uintptr_t pad = (4 - (top & 3)) & 3;
        if (polkavm_grow_heap(pad) == NULL)
            return 0;
        bitmap = (uint32_t *)(top + pad);
    }
    /* The bitmap is the last thing on the heap, so growing the heap grows the bitmap. */
    if (polkavm_grow_heap((words - bitmap_words) * sizeof(uint32_t)) == NULL)
        return 0;
    bitmap_words = words;
    return 1;
}

/* Sieves the odd numbers below n. Returns the number of odd candidates (entries 0 .. count-1), or -1 when
 * memory runs out. */
static int64_t sieve(uint32_t n) {
    uint32_t odds = n / 2; /* odd numbers 1, 3, ..., below n */
    uint32_t words = (odds + 31) / 32;
    if (!reserve(words))
        return -1;
    for (uint32_t i = 0; i < words; i++)
        bitmap[i] = 0;
    bitmap[0] |= 1; /* 1 is not prime */
    for (uint32_t i = 1; (uint64_t)(2 * i + 1) * (2 * i + 1) < n; i++) {
        if (bitmap[i / 32] & (1u << (i % 32)))
            continue;
        uint32_t p = 2 * i + 1;
        /* Cross out p*p, p*p + 2p, ... : odd index (p*p - 1) / 2, step p. */
        for (uint32_t j = (p * p - 1) / 2; j < odds; j += p)
            bitmap[j / 32] |= 1u << (j % 32);
    }
    return odds;
}

static uint32_t count_primes(uint32_t n) {
    if (n <= 2)
        return 0;
    int64_t odds = sieve(n);
    if (odds < 0)
        return 0xffffffffu;
    uint32_t count = 1; /* the prime 2 */
    for (uint32_t i = 0; i < (uint32_t)odds; i++)
        if (!(bitmap[i / 32] & (1u << (i % 32))))
            count++;
    return count;
}
POLKAVM_EXPORT(uint32_t, count_primes, uint32_t);

static uint64_t sum_primes(uint32_t n) {
    if (n <= 2)
        return 0;
    int64_t odds = sieve(n);
    if (odds < 0)
        return ~0ull;
    uint64_t sum = 2;
    for (uint32_t i = 0; i < (uint32_t)odds; i++)
        if (!(bitmap[i / 32] & (1u << (i % 32))))
            sum += 2 * (uint64_t)i + 1;
    return sum;
}
POLKAVM_EXPORT(uint64_t, sum_primes, uint32_t);
