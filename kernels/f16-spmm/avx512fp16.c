/*
 * x86 AVX512-FP16 f16 SpMM: 32 pixels per zmm register as halves, V = MR / 32 accumulators per
 * channel, summed in half precision (vfmadd231ph: one rounding per fused multiply-add).
 *
 * Per nonzero of an MRx1 tile: V vfmadd231ph with the input load as the memory operand and a
 * vpermw that puts the weight in every lane (a channel's weights come 8 at a time in one 16-byte
 * load, with their 8 row steps in one 8-byte load). Narrow tiles take the nonzeros in turn into
 * 8 / V accumulator sets, summed (in half) at the end. The clamp uses min_f16 / max_f16.
 *
 * Pixel remainders: one pass over the last mc % MR pixels with as many vectors as they need, the
 * last one through 16-bit masked loads and stores (masked-off lanes are neither read nor
 * written and cannot fault).
 */
#include <immintrin.h>

#include <sprig/f16-spmm.h>

#define INLINE static inline __attribute__((always_inline))
#define VEC __m512h
#define LANES 32
#define LOW_LANES(k) ((__mmask32) ((UINT64_C(1) << (k)) - 1))
#define VLOAD_X(p) _mm512_loadu_ph(p)
#define VLOAD_X_PART(p, k) _mm512_castsi512_ph(_mm512_maskz_loadu_epi16(LOW_LANES(k), p))
#define VSTORE_Y(p, v) _mm512_storeu_ph(p, v)
#define VSTORE_Y_PART(p, v, k) _mm512_mask_storeu_epi16(p, LOW_LANES(k), _mm512_castph_si512(v))
#define VMADD(acc, x, w) _mm512_fmadd_ph(x, w, acc)
#define VADD(a, b) _mm512_add_ph(a, b)
#define VZERO() _mm512_setzero_ph()
#define VBROADCAST_HALF(h) _mm512_castsi512_ph(_mm512_set1_epi16((short) (h)))
#define WGROUP __m512i
#define VLOAD_WGROUP(p) _mm512_zextsi128_si512(_mm_loadu_si128((const __m128i*) (p)))
#define VPERM_W(g, l) _mm512_castsi512_ph(_mm512_permutexvar_epi16(_mm512_set1_epi16((short) (l)), g))
#define VCLAMP_MIN(params) VBROADCAST_HALF((params)->min_f16)
#define VCLAMP_MAX(params) VBROADCAST_HALF((params)->max_f16)
#define VMIN(a, b) _mm512_min_ph(a, b)
#define VMAX(a, b) _mm512_max_ph(a, b)

#include "simd-template.h"

#define DEFINE_AVX512FP16_SPMM(MR) SPMM_KERNEL(sprig_f16_spmm_ukernel_##MR##x1__avx512fp16, MR / 32)

DEFINE_AVX512FP16_SPMM(32)
DEFINE_AVX512FP16_SPMM(64)
DEFINE_AVX512FP16_SPMM(128)
