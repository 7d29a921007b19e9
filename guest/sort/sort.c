/*
 * sort: memory-heavy work on the heap (malloc.c, a first-fit allocator over sbrk).
 *
 *   sort_checksum(n, seed)  fills a malloc'ed array with n xorshift32 numbers (state starting at `seed`, or
 *                           0x9e3779b9 when seed is 0), merge-sorts it with a malloc'ed scratch array, and returns
 *                           the sum of (i + 1) * sorted[i] modulo 2^32 (0xffffffff if malloc failed or the result
 *                           is not sorted).
 *   alloc_stress(rounds, seed)  `rounds` random malloc/free operations over 64 slots of 1 to 4096 bytes (one in
 *                           16 up to 64 KiB), each block filled with a known pattern and checked before it is freed;
 *                           returns the sum of all checked bytes modulo 2^32 (0xffffffff on a corrupted block).
 *   heap_size()             bytes the allocator has taken from the VM.
 *
 * The exact algorithms, so that a host can recompute the answers:
 *   xorshift32: x ^= x << 13; x ^= x >> 17; x ^= x << 5; the output is the new x.
 *   alloc_stress, per round: x = next(x); s = x % 64. If slot s holds a block of `size` bytes, check that byte j
 *   is (s + size + j) mod 256, add the bytes to the sum, free it. Otherwise x = next(x); size = 1 + x % 4096, or
 *   1 + x % 65536 when the top four bits of x are 0; allocate and fill it. Afterwards the remaining slots are checked and
 *   freed in slot order.
 */
#include "malloc.h"
#include "polkavm.h"

static uint32_t xorshift32(uint32_t *state) {
    uint32_t x = *state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *state = x;
    return x;
}

/* Sorts values[0..n) using scratch[0..n) (top-down merge sort, stable). */
static void merge_sort(uint32_t *values, uint32_t *scratch, uint32_t n) {
    if (n < 2)
        return;
    if (n <= 8) {
        /* Insertion sort for short runs. */
        for (uint32_t i = 1; i < n; i++) {
            uint32_t v = values[i];
            uint32_t j = i;
            for (; j > 0 && values[j - 1] > v; j--)
                values[j] = values[j - 1];
            values[j] = v;
        }
        return;
    }
    uint32_t half = n / 2;
    merge_sort(values, scratch, half);
    merge_sort(values + half, scratch, n - half);
    uint32_t i = 0, j = half, k = 0;
    while (i < half && j < n)
        scratch[k++] = values[j] < values[i] ? values[j++] : values[i++];
    while (i < half)
        scratch[k++] = values[i++];
    while (j < n)
        scratch[k++] = values[j++];
    for (k = 0; k < n; k++)
        values[k] = scratch[k];
}

static uint32_t sort_checksum(uint32_t n, uint32_t seed) {
    uint32_t state = seed ? seed : 0x9e3779b9u;
    uint32_t *values = (uint32_t *)malloc((size_t)n * sizeof(uint32_t));
    uint32_t *scratch = (uint32_t *)malloc((size_t)n * sizeof(uint32_t));
    uint32_t result = 0;
    if (values == NULL || scratch == NULL) {
        result = 0xffffffffu;
    } else {
        for (uint32_t i = 0; i < n; i++)
            values[i] = xorshift32(&state);
        merge_sort(values, scratch, n);
        for (uint32_t i = 0; i < n; i++) {
            if (i > 0 && values[i - 1] > values[i]) {
                result = 0xffffffffu;
                break;
            }
            result += (i + 1) * values[i];
        }
    }
    free(scratch);
    free(values);
    return result;
}
POLKAVM_EXPORT(uint32_t, sort_checksum, uint32_t, uint32_t);

#define SLOTS 64

static uint8_t *slot_block[SLOTS];
static uint32_t slot_size[SLOTS];

/* Checks and frees the block in slot s; returns the sum of its bytes, or -1 if a byte is wrong. */
static int64_t release(uint32_t s) {
    uint32_t sum = 0;
    for (uint32_t j = 0; j < slot_size[s]; j++) {
        uint8_t expected = (uint8_t)(s + slot_size[s] + j);
        if (slot_block[s][j] != expected)
            return -1;
        sum += expected;
    }
    free(slot_block[s]);
    slot_block[s] = NULL;
    return sum;
}

static uint32_t alloc_stress(uint32_t rounds, uint32_t seed) {
    uint32_t state = seed ? seed : 0x9e3779b9u;
    uint32_t sum = 0;
    int corrupted = 0;
    for (uint32_t round = 0; round < rounds; round++) {
        uint32_t s = xorshift32(&state) % SLOTS;
        if (slot_block[s]) {
            int64_t part = release(s);
            if (part < 0) {
                corrupted = 1;
                break;
            }
            sum += (uint32_t)part;
        } else {
            uint32_t x = xorshift32(&state);
            uint32_t size = (x >> 28) == 0 ? 1 + x % 65536 : 1 + x % 4096;
            uint8_t *b = (uint8_t *)malloc(size);
            if (b == NULL) {
                corrupted = 1;
                break;
            }
            for (uint32_t j = 0; j < size; j++)
                b[j] = (uint8_t)(s + size + j);
            slot_block[s] = b;
            slot_size[s] = size;
        }
    }
    for (uint32_t s = 0; s < SLOTS; s++) {
        if (slot_block[s]) {
            int64_t part = release(s);
            if (part < 0) {
                corrupted = 1;
                slot_block[s] = NULL;
                continue;
            }
            sum += (uint32_t)part;
        }
    }
    return corrupted ? 0xffffffffu : sum;
}
POLKAVM_EXPORT(uint32_t, alloc_stress, uint32_t, uint32_t);

static uint32_t heap_size(void) { return (uint32_t)malloc_heap_size(); }
POLKAVM_EXPORT(uint32_t, heap_size);
