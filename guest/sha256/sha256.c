/*
 * sha256: SHA-256 (FIPS 180-4) of guest-generated or host-provided data.
 *
 *   sha256_pattern(len)   hashes `len` bytes of the pattern byte[i] = (i * 31 + (i >> 8) + 7) mod 256,
 *                         generated on the fly; prints "sha256(pattern, LEN) = HEX\n" through ext_stdout and
 *                         returns the address of the 32-byte digest.
 *   input_buffer(size)    returns the address of a buffer of at least `size` bytes the host may fill.
 *   sha256(ptr, len)      hashes `len` bytes at `ptr`; returns the address of the digest.
 *
 * sha256_pattern(0) is the digest of the empty string, e3b0c442...7852b855.
 */
#include "polkavm.h"

POLKAVM_IMPORT(long, ext_stdout, const char *, size_t);

struct sha256 {
    uint32_t state[8];
    uint64_t length; /* bytes hashed so far */
    uint8_t block[64];
    uint32_t used; /* bytes in `block` */
};

static const uint32_t round_constants[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static inline uint32_t rotr(uint32_t x, unsigned n) { return (x >> n) | (x << (32 - n)); }

static void compress(uint32_t state[8], const uint8_t block[64]) {
    uint32_t w[64];
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)block[4 * i] << 24 | (uint32_t)block[4 * i + 1] << 16 | (uint32_t)block[4 * i + 2] << 8 |
               block[4 * i + 3];
    for (int i = 16; i < 64; i++) {
        uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    uint32_t a = state[0], b = state[1], c = state[2], d = state[3];
    uint32_t e = state[4], f = state[5], g = state[6], h = state[7];
    for (int i = 0; i < 64; i++) {
        uint32_t t1 = h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + round_constants[i] + w[i];
        uint32_t t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
        h = g;
        g = f;
        f = e;
        e = d + t1;
        d = c;
        c = b;
        b = a;
        a = t1 + t2;
    }
    state[0] += a;
    state[1] += b;
    state[2] += c;
    state[3] += d;
    state[4] += e;
    state[5] += f;
    state[6] += g;
    state[7] += h;
}

static void sha256_init(struct sha256 *s) {
    static const uint32_t initial[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                        0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    for (int i = 0; i < 8; i++)
        s->state[i] = initial[i];
    s->length = 0;
    s->used = 0;
}

static void sha256_byte(struct sha256 *s, uint8_t byte) {
    s->block[s->used++] = byte;
    s->length++;
    if (s->used == 64) {
        compress(s->state, s->block);
        s->used = 0;
    }
}

static void sha256_finish(struct sha256 *s, uint8_t digest[32]) {
    uint64_t bits = s->length * 8;
    sha256_byte(s, 0x80);
    while (s->used != 56)
        sha256_byte(s, 0);
    for (int i = 7; i >= 0; i--)
        sha256_byte(s, (uint8_t)(bits >> (8 * i)));
    for (int i = 0; i < 8; i++) {
        digest[4 * i] = (uint8_t)(s->state[i] >> 24);
        digest[4 * i + 1] = (uint8_t)(s->state[i] >> 16);
        digest[4 * i + 2] = (uint8_t)(s->state[i] >> 8);
        digest[4 * i + 3] = (uint8_t)s->state[i];
    }
}

static uint8_t digest[32];

static const uint8_t *sha256(const uint8_t *data, uint32_t length) {
    struct sha256 s;
    sha256_init(&s);
    for (uint32_t i = 0; i < length; i++)
        sha256_byte(&s, data[i]);
    sha256_finish(&s, digest);
    return digest;
}
POLKAVM_EXPORT(const uint8_t *, sha256, const uint8_t *, uint32_t);

/* Appends the decimal digits of `value` at `out`; returns the position after them. */
static char *put_decimal(char *out, uint32_t value) {
    char digits[10];
    int n = 0;
    do {
        digits[n++] = (char)('0' + value % 10);
        value /= 10;
    } while (value);
    while (n)
        *out++ = digits[--n];
    return out;
}

static const uint8_t *sha256_pattern(uint32_t length) {
    struct sha256 s;
    sha256_init(&s);
    for (uint32_t i = 0; i < length; i++)
        sha256_byte(&s, (uint8_t)(i * 31 + (i >> 8) + 7));
    sha256_finish(&s, digest);

    static const char prefix[] = "sha256(pattern, ";
    static const char hex[] = "0123456789abcdef";
    char line[sizeof(prefix) + 10 + 4 + 64 + 1];
    char *out = line;
    for (const char *p = prefix; *p; p++)
        *out++ = *p;
    out = put_decimal(out, length);
    *out++ = ')';
    *out++ = ' ';
    *out++ = '=';
    *out++ = ' ';
    for (int i = 0; i < 32; i++) {
        *out++ = hex[digest[i] >> 4];
        *out++ = hex[digest[i] & 15];
    }
    *out++ = '\n';
    ext_stdout(line, (size_t)(out - line));
    return digest;
}
POLKAVM_EXPORT(const uint8_t *, sha256_pattern, uint32_t);

static uint8_t *input;
static uint32_t input_capacity;

static uint8_t *input_buffer(uint32_t size) {
    if (size > input_capacity) {
        /* The buffer is the last thing on the heap, so it can grow in place. */
        if (input == NULL)
            input = (uint8_t *)polkavm_sbrk(0);
        if (polkavm_grow_heap(size - input_capacity) == NULL)
            return NULL;
        input_capacity = size;
    }
    return input;
}
POLKAVM_EXPORT(uint8_t *, input_buffer, uint32_t);
