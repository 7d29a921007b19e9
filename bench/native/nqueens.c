/* Native driver for guest/nqueens: nqueens(n). Arguments: n. Result: the number of solutions, in decimal. */
#include "driver.h"

#include "nqueens/nqueens.c"

static void workload(const unsigned long *args, int count, char *out, size_t size) {
    (void)count;
    snprintf(out, size, "%u", nqueens((uint32_t)args[0]));
}
