/*
 * polkavm.h for native builds of the guest programs (the benchmark's "native C" column).
 *
 * The benchmark compiles a guest's own C source for the host with `-I bench/native` and without guest/include,
 * so the guest's `#include "polkavm.h"` lands here. This wraps the SDK header, whose non-RISC-V branch already
 * turns imports into plain extern functions (the driver implements them) and exports into nothing, and adds what
 * that branch leaves out: the heap. `polkavm_sbrk` hands out a static arena with the VM's semantics (zeroed
 * memory, returns the new break, NULL when full), so guests run unchanged.
 *
 * SPDX-License-Identifier: MIT OR Apache-2.0
 */
#ifndef POLKAVM_NATIVE_H
#define POLKAVM_NATIVE_H

#include "../../guest/include/polkavm.h"

#if POLKAVM_TARGET
#error "bench/native/polkavm.h is for host builds; guests built for PolkaVM use guest/include/polkavm.h"
#endif

/* Large enough for every benchmark workload (the largest, sort, takes 2 arrays of 4-byte values). BSS: the pages
 * cost nothing until touched, like the VM's lazily allocated heap. */
#define POLKAVM_NATIVE_HEAP_SIZE ((size_t)256 << 20)

static unsigned char polkavm_native_heap[POLKAVM_NATIVE_HEAP_SIZE] __attribute__((aligned(16)));
static size_t polkavm_native_break;

static inline __attribute__((unused)) void *polkavm_sbrk(size_t size) {
    if (size > POLKAVM_NATIVE_HEAP_SIZE - polkavm_native_break)
        return NULL;
    polkavm_native_break += size;
    return polkavm_native_heap + polkavm_native_break;
}

static inline __attribute__((unused)) void *polkavm_grow_heap(size_t size) {
    unsigned char *top = (unsigned char *)polkavm_sbrk(size);
    return top ? top - size : NULL;
}

#endif /* POLKAVM_NATIVE_H */
