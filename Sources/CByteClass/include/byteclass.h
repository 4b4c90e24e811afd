#ifndef COPYDESK_BYTECLASS_H
#define COPYDESK_BYTECLASS_H
#include <stddef.h>
#include <stdint.h>

/* Whether this is an x86-64 CPU with AVX2 (asked once; also for CMinHash's minima). */
int copydesk_cpu_avx2(void);

/* Whether copydesk_byteclass_scan runs here (an x86-64 CPU with AVX2). */
int copydesk_byteclass_available(void);

/* A three-byte classifier ("Teddy"): `tables` holds six 16-byte tables, low and high nibble of bytes 0, 1 and 2 of a
 * place, each entry a set of up to eight buckets. A place q is marked when the buckets of p[q]'s low nibble, p[q]'s
 * high nibble, p[q+1]'s two nibbles and p[q+2]'s two nibbles share one (a byte past the end of the text matches
 * every bucket). Writes the marked places in [from, to), in order, to out, at most cap of them; returns how many and
 * sets *next to the first place not examined (to, when all were). Reads p[0..n) only. Only when
 * copydesk_byteclass_available() says so. */
size_t copydesk_byteclass_scan(const uint8_t *p, size_t n, size_t from, size_t to, const uint8_t *tables,
                               size_t *out, size_t cap, size_t *next);

/* copydesk_byteclass_scan by a place's first four bytes: `tables` holds eight 16-byte tables (low and high nibble of
 * bytes 0 to 3), and a place is marked when the buckets of all eight nibbles share one (a byte past the end of the
 * text matches every bucket). */
size_t copydesk_byteclass_scan4(const uint8_t *p, size_t n, size_t from, size_t to, const uint8_t *tables,
                                size_t *out, size_t cap, size_t *next);

/* The end of a run of three-byte characters from `from` (a lead byte; valid UTF-8) to at most `to`: the first place
 * whose byte is neither a lead byte in [lo, hi] nor a continuation byte, or is `xlead` followed by `xsecond` (0 for
 * none: a block of 64 characters inside the range that ends the run). Reads p[from..to) only. Only when
 * copydesk_cpu_avx2() says so (elsewhere it returns `from`). */
size_t copydesk_lead_run(const uint8_t *p, size_t from, size_t to, uint8_t lo, uint8_t hi, uint8_t xlead, uint8_t xsecond);

/* Whether p[0..n) is valid UTF-8 (1 or 0), thirty-two bytes a step; only when copydesk_cpu_avx2() says so (elsewhere
 * it returns -1). The same bytes are valid as for the scalar definition: shortest forms only, no surrogates, nothing
 * above U+10FFFF, no character cut by the end. */
int copydesk_utf8_valid(const uint8_t *p, size_t n);

/* copydesk_utf8_valid and, in the same pass, the line breaks of p[0..n): for each LF, base + its offset + 1 (where
 * the next line starts) goes to out, in order, and *count says how many; *cr counts the CRs, *crlf the CRs followed
 * by an LF (within p). Returns 1 valid, 0 invalid (out and the counts then unset), -1 without AVX2, -2 when more than
 * cap LFs were found. */
int copydesk_utf8_valid_lines(const uint8_t *p, size_t n, size_t base, size_t *out, size_t cap, size_t *count,
                              size_t *cr, size_t *crlf);

/* open(2)'s O_DIRECT on this platform (its value differs between CPU architectures), 0 where there is none. */
int copydesk_o_direct(void);

#if defined(__SSE2__)
#include <emmintrin.h>
/* Sixteen bytes as Swift's SIMD16<UInt8> (an ext_vector type imports as one). */
typedef unsigned char copydesk_u8x16 __attribute__((ext_vector_type(16)));

/* The top bit of each of sixteen bytes as the bits of an integer (byte k -> bit k): one PMOVMSKB, which Swift's SIMD
 * types do not reach. Inline: the Swift loops that test sixteen bytes at a time call it once per block. */
static inline uint32_t copydesk_movemask16(copydesk_u8x16 v) {
    return (uint32_t)_mm_movemask_epi8((__m128i)v);
}
#endif

#endif
