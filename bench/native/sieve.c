/* Native driver for guest/sieve: count_primes(n). Arguments: n. Result: the count, in decimal. */
#include "driver.h"

#include "sieve/sieve.c"

static void workload(const unsigned long *args, int count, char *out, size_t size) {
    (void)count;
    snprintf(out, size, "%u", count_primes((uint32_t)args[0]));
}
