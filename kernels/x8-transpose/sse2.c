/* x86 SSE2 8-bit transpose: per 8 x 8 block (kernels/isa/transpose.h) eight 8-byte row loads,
 * three rounds of punpck{l,h}{bw,wd,dq} and eight 8-byte row stores (movq / movhps). */
#include <emmintrin.h>

#include <isa/transpose.h>
#include <sprig/transpose.h>

#define VEC __m128i
#define HALF __m128i
#define LOAD_ROW8(p) _mm_loadl_epi64((const __m128i*) (const void*) (p))
#define ZIP8_LO(a, b) _mm_unpacklo_epi8(a, b)
#define STORE_ROW8_LO(p, v) _mm_storel_epi64((__m128i*) (void*) (p), v)
#define STORE_ROW8_HI(p, v) _mm_storeh_pi((__m64*) (void*) (p), _mm_castsi128_ps(v))
#define ZIP16(lo, hi, a, b) ((lo) = _mm_unpacklo_epi16(a, b), (hi) = _mm_unpackhi_epi16(a, b))
#define ZIP32(lo, hi, a, b) ((lo) = _mm_unpacklo_epi32(a, b), (hi) = _mm_unpackhi_epi32(a, b))

SPRIG_TRANSPOSE_X8_BLOCK(block_sse2)

SPRIG_TRANSPOSE_DRIVER(sprig_x8_transpose_ukernel__sse2, uint8_t, 8, block_sse2, sprig_x8_transpose_edges)
