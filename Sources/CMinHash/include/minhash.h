#ifndef COPYDESK_MINHASH_H
#define COPYDESK_MINHASH_H
#include <stddef.h>
#include <stdint.h>

/* Writes the `perms` minima of the permutations (a[i], b[i]) over xs[0..n) to out and returns 1 when the CPU has
 * AVX2 (and perms is a multiple of 8); returns 0 and writes nothing otherwise (the caller computes them itself). */
int copydesk_minhash_avx2(const uint32_t *xs, size_t n, const uint32_t *a, const uint32_t *b, size_t perms, uint32_t *out);

#endif
