/* Native driver for guest/sort: sort_checksum(n, seed). Arguments: n, seed. Result: the checksum, 0x%08x. */
#include "driver.h"

/* The guest's allocator must not replace the C library's malloc for the whole process (stdio allocates too). */
#define malloc guest_malloc
#define free guest_free

#include "sort/malloc.c"
#include "sort/sort.c"

static void workload(const unsigned long *args, int count, char *out, size_t size) {
    (void)count;
    snprintf(out, size, "0x%08x", sort_checksum((uint32_t)args[0], (uint32_t)args[1]));
}
