/* The trigger scan's classifier (`SegmentTexts.scalarHits` in CopydeskCore): thirty-two places a step, six byte
 * shuffles (PSHUFB looks up sixteen nibbles in a table at once) and a handful of ANDs, where the portable walk steps
 * from character to character with a dependent table load each. It only marks places where a wanted character may
 * start; the caller decodes each marked place and keeps the wanted ones, so the buckets decide the speed, never the
 * result. Swift's SIMD types have no byte shuffle, hence C, with AVX2 where the CPU has it. */
#include "byteclass.h"

#if defined(__x86_64__)
#include <immintrin.h>

int copydesk_cpu_avx2(void) {
    static int supported = -1;   /* -1: not asked yet */
    int s = __atomic_load_n(&supported, __ATOMIC_RELAXED);
    if (s < 0) {
        __builtin_cpu_init();
        s = __builtin_cpu_supports("avx2") ? 1 : 0;
        __atomic_store_n(&supported, s, __ATOMIC_RELAXED);
    }
    return s;
}

int copydesk_byteclass_available(void) { return copydesk_cpu_avx2(); }

/* One place, table by table (the last places of the text, where a vector would read past its end). */
static inline uint8_t mark(const uint8_t *p, size_t n, size_t q, const uint8_t *t) {
    uint8_t m = t[p[q] & 15] & t[16 + (p[q] >> 4)];
    if (q + 1 < n) m &= t[32 + (p[q + 1] & 15)] & t[48 + (p[q + 1] >> 4)];
    if (q + 2 < n) m &= t[64 + (p[q + 2] & 15)] & t[80 + (p[q + 2] >> 4)];
    return m;
}

/* One place by four bytes' tables (the last places of the text). */
static inline uint8_t mark4(const uint8_t *p, size_t n, size_t q, const uint8_t *t) {
    uint8_t m = mark(p, n, q, t);
    if (q + 3 < n) m &= t[96 + (p[q + 3] & 15)] & t[112 + (p[q + 3] >> 4)];
    return m;
}

/* The classifier on `places` (3 or 4) bytes of each place; inlined into each entry point with `places` a constant,
 * so that its loops are unrolled. */
__attribute__((target("avx2"), always_inline))
static inline size_t scan_places(const uint8_t *p, size_t n, size_t from, size_t to, const uint8_t *tables,
                                 size_t *out, size_t cap, size_t *next, const int places) {
    size_t count = 0, q = from;
    if (to > n) to = n;
    const __m256i low = _mm256_set1_epi8(0x0f), zero = _mm256_setzero_si256();
    __m256i lo[4], hi[4];
    for (int k = 0; k < places; k++) {
        lo[k] = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)(tables + 32 * k)));
        hi[k] = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)(tables + 32 * k + 16)));
    }
    /* Thirty-two places a step while the loads stay inside the text and the output has room for them all. */
    const size_t reach = 31 + (size_t)places;
    while (q < to && q + reach <= n && count + 32 <= cap) {
        __m256i m = _mm256_set1_epi8((char)0xff);
        for (int k = 0; k < places; k++) {
            __m256i v = _mm256_loadu_si256((const __m256i *)(p + q + k));
            m = _mm256_and_si256(m, _mm256_shuffle_epi8(lo[k], _mm256_and_si256(v, low)));
            m = _mm256_and_si256(m, _mm256_shuffle_epi8(hi[k], _mm256_and_si256(_mm256_srli_epi16(v, 4), low)));
        }
        uint32_t bits = ~(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(m, zero));
        if (to - q < 32) bits &= (1u << (to - q)) - 1;
        while (bits) {
            out[count++] = q + (size_t)__builtin_ctz(bits);
            bits &= bits - 1;
        }
        q += 32;
    }
    /* The rest place by place, as long as the output has room. */
    while (q < to && q + reach > n && count < cap) {
        if (places == 4 ? mark4(p, n, q, tables) : mark(p, n, q, tables)) out[count++] = q;
        q++;
    }
    *next = q < to ? q : to;
    return count;
}

__attribute__((target("avx2")))
size_t copydesk_byteclass_scan(const uint8_t *p, size_t n, size_t from, size_t to, const uint8_t *tables,
                               size_t *out, size_t cap, size_t *next) {
    return scan_places(p, n, from, to, tables, out, cap, next, 3);
}

__attribute__((target("avx2")))
size_t copydesk_byteclass_scan4(const uint8_t *p, size_t n, size_t from, size_t to, const uint8_t *tables,
                                size_t *out, size_t cap, size_t *next) {
    return scan_places(p, n, from, to, tables, out, cap, next, 4);
}

/* The boundary scanner's runs of quiet three-byte characters (`BoundaryScanner.scan`), thirty-two bytes a step: a
 * byte continues the run when it is a lead byte in [lo, hi] (not `xlead` followed by `xsecond`, the one block of 64
 * characters there that is not quiet) or a continuation byte. Started at a lead byte of valid UTF-8, the first byte
 * that does not continue it is where a character starts, so the run is whole characters. */
__attribute__((target("avx2")))
size_t copydesk_lead_run(const uint8_t *p, size_t from, size_t to, uint8_t lo, uint8_t hi, uint8_t xlead, uint8_t xsecond) {
    size_t q = from;
    const uint8_t span = (uint8_t)(hi - lo);
    const __m256i lov = _mm256_set1_epi8((char)lo), spanv = _mm256_set1_epi8((char)span);
    const __m256i c80 = _mm256_set1_epi8((char)0x80), c3f = _mm256_set1_epi8(0x3f);
    const __m256i xl = _mm256_set1_epi8((char)xlead), xs = _mm256_set1_epi8((char)xsecond);
    /* x - base <= limit (unsigned bytes) as min(x - base, limit) == x - base. */
    while (q + 33 <= to) {
        __m256i v = _mm256_loadu_si256((const __m256i *)(p + q));
        __m256i v1 = _mm256_loadu_si256((const __m256i *)(p + q + 1));
        __m256i a = _mm256_sub_epi8(v, lov), b = _mm256_sub_epi8(v, c80);
        __m256i ok = _mm256_or_si256(_mm256_cmpeq_epi8(_mm256_min_epu8(a, spanv), a),
                                     _mm256_cmpeq_epi8(_mm256_min_epu8(b, c3f), b));
        __m256i bad = _mm256_and_si256(_mm256_cmpeq_epi8(v, xl), _mm256_cmpeq_epi8(v1, xs));
        uint32_t m = (uint32_t)_mm256_movemask_epi8(_mm256_andnot_si256(bad, ok));
        if (m != 0xFFFFFFFFu) return q + (size_t)__builtin_ctz(~m);
        q += 32;
    }
    while (q < to) {
        uint8_t c = p[q];
        int lead = (uint8_t)(c - lo) <= span && !(c == xlead && q + 1 < to && p[q + 1] == xsecond);
        if (!lead && (uint8_t)(c - 0x80) > 0x3f) break;
        q++;
    }
    return q;
}
#else
int copydesk_cpu_avx2(void) { return 0; }

int copydesk_byteclass_available(void) { return 0; }

size_t copydesk_byteclass_scan(const uint8_t *p, size_t n, size_t from, size_t to, const uint8_t *tables,
                               size_t *out, size_t cap, size_t *next) {
    (void)p; (void)n; (void)tables; (void)out; (void)cap;
    *next = from < to ? from : to;
    (void)to;
    return 0;
}
size_t copydesk_lead_run(const uint8_t *p, size_t from, size_t to, uint8_t lo, uint8_t hi, uint8_t xlead, uint8_t xsecond) {
    (void)p; (void)to; (void)lo; (void)hi; (void)xlead; (void)xsecond;
    return from;
}
size_t copydesk_byteclass_scan4(const uint8_t *p, size_t n, size_t from, size_t to, const uint8_t *tables,
                                size_t *out, size_t cap, size_t *next) {
    (void)p; (void)n; (void)tables; (void)out; (void)cap;
    *next = from < to ? from : to;
    return 0;
}
#endif
