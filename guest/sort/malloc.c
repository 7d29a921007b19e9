/*
 * A small first-fit allocator for PolkaVM guests.
 *
 * Memory comes from the VM with sbrk and is never returned to it. Every block has a 16-byte header with its
 * payload size; payloads are 16-byte aligned and their sizes are multiples of 16. Free blocks are kept in a
 * singly linked list sorted by address, so that a freed block can be merged with free neighbours. malloc takes
 * the first free block that is large enough (splitting it when the rest is worth keeping) and only asks the VM
 * for more memory when none is.
 */
#include "malloc.h"

#include "polkavm.h"

#define ALIGNMENT 16
#define MIN_SPLIT 32 /* smallest payload worth splitting off */

typedef struct block {
    size_t size;              /* payload bytes */
    struct block *next_free;  /* next free block by address (free blocks only) */
} __attribute__((aligned(ALIGNMENT))) block;

_Static_assert(sizeof(block) == ALIGNMENT, "the header keeps payloads aligned");

static block *free_list;
static unsigned char *heap_start; /* first header, once the heap is set up */

static unsigned char *payload(block *b) { return (unsigned char *)(b + 1); }
static unsigned char *block_end(block *b) { return payload(b) + b->size; }

void *malloc(size_t size) {
    if (size == 0)
        size = 1;
    if (size > 0x7fff0000u)
        return NULL;
    size = (size + ALIGNMENT - 1) & ~(size_t)(ALIGNMENT - 1);

    for (block **link = &free_list; *link; link = &(*link)->next_free) {
        block *b = *link;
        if (b->size < size)
            continue;
        if (b->size - size >= sizeof(block) + MIN_SPLIT) {
            /* Keep the tail of the block free. */
            block *rest = (block *)(payload(b) + size);
            rest->size = b->size - size - sizeof(block);
            rest->next_free = b->next_free;
            *link = rest;
            b->size = size;
        } else {
            *link = b->next_free;
        }
        return payload(b);
    }

    if (heap_start == NULL) {
        /* Align the first header: the heap base has no particular alignment. */
        uintptr_t top = (uintptr_t)polkavm_sbrk(0);
        size_t pad = (ALIGNMENT - (top & (ALIGNMENT - 1))) & (ALIGNMENT - 1);
        if (polkavm_grow_heap(pad) == NULL)
            return NULL;
        heap_start = (unsigned char *)top + pad;
    }
    block *b = (block *)polkavm_grow_heap(sizeof(block) + size);
    if (b == NULL)
        return NULL;
    b->size = size;
    return payload(b);
}

void free(void *pointer) {
    if (pointer == NULL)
        return;
    block *b = (block *)pointer - 1;

    /* Find the free neighbours: `before` is the last free block below b (or none). */
    block *before = NULL;
    block *after = free_list;
    while (after && after < b) {
        before = after;
        after = after->next_free;
    }

    if (after && block_end(b) == (unsigned char *)after) {
        b->size += sizeof(block) + after->size;
        after = after->next_free;
    }
    b->next_free = after;

    if (before && block_end(before) == (unsigned char *)b) {
        before->size += sizeof(block) + b->size;
        before->next_free = b->next_free;
    } else if (before) {
        before->next_free = b;
    } else {
        free_list = b;
    }
}

size_t malloc_heap_size(void) {
    return heap_start ? (size_t)((unsigned char *)polkavm_sbrk(0) - heap_start) : 0;
}
