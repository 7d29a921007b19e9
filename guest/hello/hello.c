/*
 * hello: the smallest useful guest. It prints through the host function `ext_stdout` (which the polkavm CLI
 * provides) and adds two numbers.
 *
 *   polkavm run guest/bin/hello-rv64-O2.polkavm --export main             prints "Hello, world!", a0 = 14
 *   polkavm run guest/bin/hello-rv64-O2.polkavm --export add_numbers --args 1,10                  a0 = 11
 */
#include "polkavm.h"

/* ext_stdout(pointer, length) writes `length` bytes of guest memory to the host's standard output and
 * returns the number of bytes written. */
POLKAVM_IMPORT(long, ext_stdout, const char *, size_t);

static const char greeting[] = "Hello, world!\n";

/* Prints the greeting; returns what the host returned (the length, 14). */
static long hello_main(void) { return ext_stdout(greeting, sizeof(greeting) - 1); }
POLKAVM_EXPORT_AS("main", long, hello_main);

/* Returns a + b (modulo 2^32). */
static uint32_t add_numbers(uint32_t a, uint32_t b) { return a + b; }
POLKAVM_EXPORT(uint32_t, add_numbers, uint32_t, uint32_t);
