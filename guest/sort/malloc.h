/* A small malloc/free for PolkaVM guests, on top of the VM's sbrk (see malloc.c). */
#ifndef GUEST_MALLOC_H
#define GUEST_MALLOC_H

#include <stddef.h>

/* Returns a 16-byte aligned block of at least `size` bytes (uninitialised), or NULL when the heap is full. */
void *malloc(size_t size);
/* Gives a block back; NULL is ignored. */
void free(void *pointer);
/* Bytes taken from the VM so far (headers and free blocks included). */
size_t malloc_heap_size(void);

#endif
