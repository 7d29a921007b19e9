/*
 * mandelbrot: renders the Mandelbrot set into an RGBA framebuffer (4 bytes per pixel: R, G, B, 255; rows top to
 * bottom) with 64-bit fixed-point arithmetic, then hands the frame to the host with
 * ext_framebuffer(pixels, width, height). The output is exact integer arithmetic, identical on every host.
 *
 *   render(width, height, max_iter)     the classic view: centre (-0.75, 0), 3.0 units across the width.
 *   render_view(width, height, max_iter, center_x, center_y, step)
 *                                       centre and pixel size in Q28 fixed point (value * 2^28): centre as
 *                                       signed 32-bit, step (the width of one pixel) as unsigned 32-bit.
 *   framebuffer()                       the address of the last frame.
 * Both render functions return the FNV-1a (32-bit) hash of the frame's bytes, or 0 for a bad size
 * (width and height must be 1..2048, max_iter 1..65535).
 *
 * Pixel (px, py) samples c = (center_x + (px - width/2) * step, center_y + (py - height/2) * step) (integer
 * division). Iteration, all values Q28 in 64 bits, `>>` an arithmetic shift:
 *   x = y = 0; for n = 0 .. max_iter-1: x2 = x*x >> 28; y2 = y*y >> 28; stop if x2 + y2 > 4 << 28;
 *   y = (x*y >> 27) + cy; x = x2 - y2 + cx.
 * A pixel that never stops is black; otherwise its colour is palette[n % 16].
 */
#include "polkavm.h"

POLKAVM_IMPORT(void, ext_framebuffer, const uint8_t *, uint32_t, uint32_t);

#define FRACTION_BITS 28

static const uint8_t palette[16][3] = {
    {66, 30, 15},    {25, 7, 26},     {9, 1, 47},      {4, 4, 73},     {0, 7, 100},    {12, 44, 138},
    {24, 82, 177},   {57, 125, 209},  {134, 181, 229}, {211, 236, 248}, {241, 233, 191}, {248, 201, 95},
    {255, 170, 0},   {204, 128, 0},   {153, 87, 0},    {106, 52, 3},
};

static uint8_t *frame;
static uint32_t frame_capacity;

static uint8_t *reserve_frame(uint32_t bytes) {
    if (bytes > frame_capacity) {
        /* The frame is the last thing on the heap, so it grows in place. */
        if (frame == NULL)
            frame = (uint8_t *)polkavm_sbrk(0);
        if (polkavm_grow_heap(bytes - frame_capacity) == NULL)
            return NULL;
        frame_capacity = bytes;
    }
    return frame;
}

static uint32_t escape_time(int64_t cx, int64_t cy, uint32_t max_iter) {
    int64_t x = 0, y = 0;
    uint32_t n = 0;
    for (; n < max_iter; n++) {
        int64_t x2 = (x * x) >> FRACTION_BITS;
        int64_t y2 = (y * y) >> FRACTION_BITS;
        if (x2 + y2 > ((int64_t)4 << FRACTION_BITS))
            break;
        y = ((x * y) >> (FRACTION_BITS - 1)) + cy;
        x = x2 - y2 + cx;
    }
    return n;
}

static uint32_t render_view(uint32_t width, uint32_t height, uint32_t max_iter, int32_t center_x, int32_t center_y,
                            uint32_t step) {
    if (width < 1 || width > 2048 || height < 1 || height > 2048 || max_iter < 1 || max_iter > 65535)
        return 0;
    uint8_t *pixel = reserve_frame(width * height * 4);
    if (pixel == NULL)
        return 0;

    uint32_t hash = 2166136261u;
    for (uint32_t py = 0; py < height; py++) {
        int64_t cy = center_y + ((int64_t)py - height / 2) * step;
        for (uint32_t px = 0; px < width; px++) {
            int64_t cx = center_x + ((int64_t)px - width / 2) * step;
            uint32_t n = escape_time(cx, cy, max_iter);
            uint8_t rgba[4] = {0, 0, 0, 255};
            if (n < max_iter) {
                rgba[0] = palette[n % 16][0];
                rgba[1] = palette[n % 16][1];
                rgba[2] = palette[n % 16][2];
            }
            for (int i = 0; i < 4; i++) {
                *pixel++ = rgba[i];
                hash = (hash ^ rgba[i]) * 16777619u;
            }
        }
    }
    ext_framebuffer(frame, width, height);
    return hash;
}
POLKAVM_EXPORT(uint32_t, render_view, uint32_t, uint32_t, uint32_t, int32_t, int32_t, uint32_t);

static uint32_t render(uint32_t width, uint32_t height, uint32_t max_iter) {
    if (width < 1 || width > 2048)
        return 0;
    /* centre -0.75 = -3 * 2^26; 3.0 units across. */
    return render_view(width, height, max_iter, -(3 << (FRACTION_BITS - 2)), 0, (3u << FRACTION_BITS) / width);
}
POLKAVM_EXPORT(uint32_t, render, uint32_t, uint32_t, uint32_t);

static const uint8_t *framebuffer(void) { return frame; }
POLKAVM_EXPORT(const uint8_t *, framebuffer);
