/* x86 SSE2 16-bit transpose: per 8 x 8 block (kernels/isa/transpose.h) eight row loads, three
 * rounds of punpck{l,h}{wd,dq,qdq} and eight row stores. */
#include <emmintrin.h>

#include <isa/transpose.h>
#include <sprig/transpose.h>

#define VEC __m128i
#define LOAD_ROW(p) _mm_loadu_si128((const __m128i*) (const void*) (p))
#define STORE_ROW(p, v) _mm_storeu_si128((__m128i*) (void*) (p), v)
#define ZIP16(lo, hi, a, b) ((lo) = _mm_unpacklo_epi16(a, b), (hi) = _mm_unpackhi_epi16(a, b))
#define ZIP32(lo, hi, a, b) ((lo) = _mm_unpacklo_epi32(a, b), (hi) = _mm_unpackhi_epi32(a, b))
#define ZIP64(lo, hi, a, b) ((lo) = _mm_unpacklo_epi64(a, b), (hi) = _mm_unpackhi_epi64(a, b))

SPRIG_TRANSPOSE_X16_BLOCK(block_sse2)

SPRIG_TRANSPOSE_DRIVER(sprig_x16_transpose_ukernel__sse2, uint16_t, 8, block_sse2, sprig_x16_transpose_edges)
