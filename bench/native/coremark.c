/*
 * Native driver for CoreMark with the guest port (guest/coremark/core_portme.c): run(seed1, seed2, seed3,
 * iterations). Result: crcfinal, 0x%04x. EEMBC's own files are compiled separately with -Dmain=coremark_main,
 * as this file renames the port's reference to it, so that `main` is the driver's.
 */
#include "driver.h"

#define main coremark_main
#include "core_portme.c"
#undef main

long ext_stdout(const char *text, size_t length) {
    BENCH_ESCAPE(text);
    return (long)length;
}

/* The same clock as the VM benchmark's host: 10 s per reading, so CoreMark counts every run as long enough. */
uint32_t ext_clock_ms(void) {
    static uint32_t clock;
    uint32_t now = clock;
    clock += 10000;
    return now;
}

static void workload(const unsigned long *args, int count, char *out, size_t size) {
    (void)count;
    snprintf(out, size, "0x%04x", run((int32_t)args[0], (int32_t)args[1], (int32_t)args[2], (uint32_t)args[3]));
}
