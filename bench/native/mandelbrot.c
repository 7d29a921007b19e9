/* Native driver for guest/mandelbrot: render(width, height, max_iter). Result: the frame's hash, 0x%08x. */
#include "driver.h"

#include "mandelbrot/mandelbrot.c"

void ext_framebuffer(const uint8_t *pixels, uint32_t width, uint32_t height) {
    (void)width;
    (void)height;
    BENCH_ESCAPE(pixels);
}

static void workload(const unsigned long *args, int count, char *out, size_t size) {
    (void)count;
    snprintf(out, size, "0x%08x", render((uint32_t)args[0], (uint32_t)args[1], (uint32_t)args[2]));
}
