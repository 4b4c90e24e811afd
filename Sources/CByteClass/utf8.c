/* UTF-8 validation thirty-two bytes a step (`SourceText.isValidUTF8` in CopydeskCore): every draft is validated before
 * it is read, and the portable DFA steps byte by byte with a dependent table load (about five instructions a byte on
 * Chinese text). This is the lookup method of Keiser and Lemire ("Validating UTF-8 in less than one instruction per
 * byte", 2021): each byte's high nibble and the previous byte's two nibbles are looked up in three 16-entry tables
 * whose entries are sets of error kinds; a byte is wrong when the three sets share a kind. The bytes two and three
 * after a three- and four-byte lead must be continuations, which the tables cannot see: a saturating subtraction
 * marks them, and a continuation is correct exactly where it is marked or follows a lead byte. AVX2 only (PSHUFB on
 * 32 bytes); elsewhere the caller keeps its DFA. */
#include "byteclass.h"

#if defined(__x86_64__)
#include <immintrin.h>
#include <string.h>

/* Error kinds, one bit each (the first byte of a pair is "byte 1", the second "byte 2"). */
enum {
    TOO_SHORT = 1 << 0,   /* a lead not followed by a continuation: 11______ 0_______ or 11______ 11______ */
    TOO_LONG = 1 << 1,    /* a continuation after ASCII: 0_______ 10______ */
    OVERLONG_3 = 1 << 2,  /* 11100000 100_____ */
    TOO_LARGE = 1 << 3,   /* above U+10FFFF: 11110100 1001____, 11110100 101_____, 111101__ 10______ … */
    SURROGATE = 1 << 4,   /* 11101101 101_____ */
    OVERLONG_2 = 1 << 5,  /* 1100000_ 10______ */
    TOO_LARGE_1000 = 1 << 6, /* 11110101 1000____ and larger leads */
    OVERLONG_4 = 1 << 6,  /* 11110000 1000____ (shares the bit: both are told apart by byte 1's low nibble) */
    TWO_CONTS = 1 << 7,   /* a continuation after a continuation: right only after a 3- or 4-byte lead (below) */
    CARRY = TOO_SHORT | TOO_LONG | TWO_CONTS
};

/* By byte 1's high nibble. */
static const uint8_t byte1High[16] = {
    TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG,
    TWO_CONTS, TWO_CONTS, TWO_CONTS, TWO_CONTS,
    TOO_SHORT | OVERLONG_2,
    TOO_SHORT,
    TOO_SHORT | OVERLONG_3 | SURROGATE,
    TOO_SHORT | TOO_LARGE | TOO_LARGE_1000 | OVERLONG_4
};
/* By byte 1's low nibble. */
static const uint8_t byte1Low[16] = {
    CARRY | OVERLONG_3 | OVERLONG_2 | OVERLONG_4,
    CARRY | OVERLONG_2,
    CARRY,
    CARRY,
    CARRY | TOO_LARGE,
    CARRY | TOO_LARGE | TOO_LARGE_1000,
    CARRY | TOO_LARGE | TOO_LARGE_1000,
    CARRY | TOO_LARGE | TOO_LARGE_1000,
    CARRY | TOO_LARGE | TOO_LARGE_1000,
    CARRY | TOO_LARGE | TOO_LARGE_1000,
    CARRY | TOO_LARGE | TOO_LARGE_1000,
    CARRY | TOO_LARGE | TOO_LARGE_1000,
    CARRY | TOO_LARGE | TOO_LARGE_1000,
    CARRY | TOO_LARGE | TOO_LARGE_1000 | SURROGATE,
    CARRY | TOO_LARGE | TOO_LARGE_1000,
    CARRY | TOO_LARGE | TOO_LARGE_1000
};
/* By byte 2's high nibble. */
static const uint8_t byte2High[16] = {
    TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT,
    TOO_LONG | OVERLONG_2 | TWO_CONTS | OVERLONG_3 | TOO_LARGE_1000 | OVERLONG_4,
    TOO_LONG | OVERLONG_2 | TWO_CONTS | OVERLONG_3 | TOO_LARGE,
    TOO_LONG | OVERLONG_2 | TWO_CONTS | SURROGATE | TOO_LARGE,
    TOO_LONG | OVERLONG_2 | TWO_CONTS | SURROGATE | TOO_LARGE,
    TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT
};

/* `in` shifted by n bytes with the last bytes of `prev` in front (the bytes 1, 2, 3 places before each). */
#define PREV(in, prev, n) _mm256_alignr_epi8((in), _mm256_permute2x128_si256((prev), (in), 0x21), 16 - (n))

__attribute__((target("avx2")))
static inline __m256i blockErrors(__m256i in, __m256i prev, __m256i t1h, __m256i t1l, __m256i t2h) {
    const __m256i low = _mm256_set1_epi8(0x0F);
    __m256i prev1 = PREV(in, prev, 1);
    __m256i k = _mm256_and_si256(_mm256_shuffle_epi8(t1h, _mm256_and_si256(_mm256_srli_epi16(prev1, 4), low)),
                                 _mm256_shuffle_epi8(t1l, _mm256_and_si256(prev1, low)));
    k = _mm256_and_si256(k, _mm256_shuffle_epi8(t2h, _mm256_and_si256(_mm256_srli_epi16(in, 4), low)));
    /* Two bytes after a 111_____ lead or three after a 1111____ lead: a continuation is expected there. */
    __m256i third = _mm256_subs_epu8(PREV(in, prev, 2), _mm256_set1_epi8((char)(0xE0 - 0x80)));
    __m256i fourth = _mm256_subs_epu8(PREV(in, prev, 3), _mm256_set1_epi8((char)(0xF0 - 0x80)));
    __m256i must = _mm256_and_si256(_mm256_or_si256(third, fourth), _mm256_set1_epi8((char)0x80));
    return _mm256_xor_si256(must, k);
}

/* The validator; with `lines`, the line table in the same pass (inlined with a constant `lines`: the plain
 * validator keeps none of the line code). */
__attribute__((target("avx2"), always_inline))
static inline int validate(const uint8_t *p, size_t n, int lines, size_t base, size_t *out, size_t cap, size_t *count,
                           size_t *cr, size_t *crlf) {
    const __m256i t1h = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)byte1High));
    const __m256i t1l = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)byte1Low));
    const __m256i t2h = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)byte2High));
    /* A block ends inside a character when one of its last three bytes leads more bytes than remain. */
    const __m256i incompleteMax = _mm256_setr_epi8(-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
                                                   -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
                                                   (char)(0xF0 - 1), (char)(0xE0 - 1), (char)(0xC0 - 1));
    const __m256i lfByte = _mm256_set1_epi8(0x0A), crByte = _mm256_set1_epi8(0x0D);
    __m256i error = _mm256_setzero_si256(), prev = _mm256_setzero_si256(), incomplete = _mm256_setzero_si256();
    size_t i = 0, found = 0, crs = 0, pairs = 0;
    uint32_t crBefore = 0;   /* 1: the byte before this block is a CR */
    for (;;) {
        __m256i in;
        int last = i + 32 > n;
        if (!last) {
            in = _mm256_loadu_si256((const __m256i *)(p + i));
        } else {
            /* The rest, padded with ASCII zeros: a character cut by the end is followed by a zero, an error (and a
             * zero is no line break). */
            uint8_t tail[32] = {0};
            if (n > i) memcpy(tail, p + i, n - i);
            in = _mm256_loadu_si256((const __m256i *)tail);
        }
        if (lines) {
            uint32_t lf = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(in, lfByte));
            uint32_t crBits = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(in, crByte));
            if (crBits | crBefore) {
                crs += (size_t)__builtin_popcount(crBits);
                pairs += (size_t)__builtin_popcount(crBits & (lf >> 1)) + (crBefore & lf & 1);
            }
            crBefore = crBits >> 31;
            while (lf) {
                if (found == cap) return -2;
                out[found++] = base + i + (size_t)__builtin_ctz(lf) + 1;
                lf &= lf - 1;
            }
        }
        if (_mm256_movemask_epi8(in) == 0) {
            /* ASCII: nothing here is wrong, but a character the block before left open is. */
            error = _mm256_or_si256(error, incomplete);
            incomplete = _mm256_setzero_si256();
        } else {
            error = _mm256_or_si256(error, blockErrors(in, prev, t1h, t1l, t2h));
            incomplete = _mm256_subs_epu8(in, incompleteMax);
        }
        prev = in;
        if (last) break;
        i += 32;
        /* Stop at the first wrong block of a long text (every 64 blocks: the test costs a little). */
        if ((i & 2047) == 0 && !_mm256_testz_si256(error, error)) return 0;
    }
    if (lines) { *count = found; *cr = crs; *crlf = pairs; }
    return _mm256_testz_si256(error, error) ? 1 : 0;
}

__attribute__((target("avx2")))
int copydesk_utf8_valid(const uint8_t *p, size_t n) { return validate(p, n, 0, 0, NULL, 0, NULL, NULL, NULL); }

__attribute__((target("avx2")))
int copydesk_utf8_valid_lines(const uint8_t *p, size_t n, size_t base, size_t *out, size_t cap, size_t *count,
                              size_t *cr, size_t *crlf) {
    return validate(p, n, 1, base, out, cap, count, cr, crlf);
}
#else
int copydesk_utf8_valid(const uint8_t *p, size_t n) { (void)p; (void)n; return -1; }
int copydesk_utf8_valid_lines(const uint8_t *p, size_t n, size_t base, size_t *out, size_t cap, size_t *count,
                              size_t *cr, size_t *crlf) {
    (void)p; (void)n; (void)base; (void)out; (void)cap; (void)count; (void)cr; (void)crlf; return -1;
}
#endif
