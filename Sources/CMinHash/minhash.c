/* MinHash minima with AVX2 (eight 32-bit multiplies and unsigned minima an instruction), for
 * `Fingerprint.minHash` in CopydeskCore: the same numbers as its portable Swift loop, which runs where the CPU has
 * no AVX2 (the default x86-64 target has only SSE2, where a 32-bit vector multiply and an unsigned minimum take
 * six instructions each). Permutation i maps x to v = a[i]*x + b[i] (mod 2^32), v ^ (v >> 15); out[i] is the
 * minimum over xs (0xffffffff when n is 0). */
#include "minhash.h"
#include "byteclass.h"
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

__attribute__((target("avx2")))
static void minhash_avx2(const uint32_t *xs, size_t n, const uint32_t *a, const uint32_t *b, size_t perms, uint32_t *out) {
    for (size_t k = 0; k + 8 <= perms; k += 8) {
        __m256i av = _mm256_loadu_si256((const __m256i *)(a + k));
        __m256i bv = _mm256_loadu_si256((const __m256i *)(b + k));
        __m256i m0 = _mm256_set1_epi32(-1), m1 = m0;
        size_t i = 0;
        for (; i + 1 < n; i += 2) {
            __m256i v0 = _mm256_add_epi32(_mm256_mullo_epi32(av, _mm256_set1_epi32((int)xs[i])), bv);
            __m256i v1 = _mm256_add_epi32(_mm256_mullo_epi32(av, _mm256_set1_epi32((int)xs[i + 1])), bv);
            v0 = _mm256_xor_si256(v0, _mm256_srli_epi32(v0, 15));
            v1 = _mm256_xor_si256(v1, _mm256_srli_epi32(v1, 15));
            m0 = _mm256_min_epu32(m0, v0);
            m1 = _mm256_min_epu32(m1, v1);
        }
        if (i < n) {
            __m256i v = _mm256_add_epi32(_mm256_mullo_epi32(av, _mm256_set1_epi32((int)xs[i])), bv);
            v = _mm256_xor_si256(v, _mm256_srli_epi32(v, 15));
            m0 = _mm256_min_epu32(m0, v);
        }
        _mm256_storeu_si256((__m256i *)(out + k), _mm256_min_epu32(m0, m1));
    }
}

int copydesk_minhash_avx2(const uint32_t *xs, size_t n, const uint32_t *a, const uint32_t *b, size_t perms, uint32_t *out) {
    if (!copydesk_cpu_avx2() || perms % 8 != 0) return 0;
    minhash_avx2(xs, n, a, b, perms, out);
    return 1;
}
#else
int copydesk_minhash_avx2(const uint32_t *xs, size_t n, const uint32_t *a, const uint32_t *b, size_t perms, uint32_t *out) {
    (void)xs; (void)n; (void)a; (void)b; (void)perms; (void)out;
    return 0;
}
#endif
