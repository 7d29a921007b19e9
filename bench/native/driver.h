/*
 * The common part of the native benchmark drivers: `main` runs the driver's workload once to warm up (page
 * faults, caches, the heap reaching its final size, as the VM benchmark's warm-up run does), then RUNS timed
 * times, and prints the result and every run's time for bench/native-guests.ts to check and take the median of:
 *
 *   DRIVER RUNS ARG...   →   "result TEXT\nms T1 T2 ...\n"
 *
 * A driver defines `workload(args, count, out, size)`, which runs the same export with the same arguments as the
 * VM benchmark and writes its result to `out` in the form the TypeScript side prints the VM's result.
 *
 * SPDX-License-Identifier: MIT OR Apache-2.0
 */
#ifndef BENCH_NATIVE_DRIVER_H
#define BENCH_NATIVE_DRIVER_H

/* clock_gettime and CLOCK_MONOTONIC are POSIX, hidden by -std=c11 unless asked for. */
#define _POSIX_C_SOURCE 199309L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void workload(const unsigned long *args, int count, char *out, size_t size);

/* Keeps the compiler from dropping stores that only the host would read (the VM host sees guest memory; a stub
 * import natively does not), so the native run does the same work as the guest. */
#define BENCH_ESCAPE(pointer) __asm__ __volatile__("" : : "r"(pointer) : "memory")

static double now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s RUNS ARG...\n", argv[0]);
        return 2;
    }
    int runs = atoi(argv[1]);
    int count = argc - 2;
    unsigned long args[16];
    if (count > 16)
        count = 16;
    for (int i = 0; i < count; i++)
        args[i] = strtoul(argv[i + 2], NULL, 0);

    char result[160], first[160];
    workload(args, count, first, sizeof first);
    double *samples = calloc((size_t)(runs > 0 ? runs : 1), sizeof(double));
    for (int k = 0; k < runs; k++) {
        double start = now_ms();
        workload(args, count, result, sizeof result);
        samples[k] = now_ms() - start;
        if (strcmp(result, first) != 0) {
            fprintf(stderr, "run %d gave %s, the warm-up run %s\n", k, result, first);
            return 1;
        }
    }
    printf("result %s\nms", first);
    for (int k = 0; k < runs; k++)
        printf(" %.4f", samples[k]);
    printf("\n");
    free(samples);
    return 0;
}

#endif /* BENCH_NATIVE_DRIVER_H */
