/*
 * x86 SSE2 f32 SpMM: 4 pixels per xmm register, V = MR / 4 accumulators per channel.
 *
 * Inner loop per nonzero of an MRx1 tile: V movups input loads, V mulps + V addps (no FMA in
 * SSE2: the product is rounded before the add), one movss + shufps weight broadcast, one movslq
 * of the input delta and an add to the input pointer, plus MR / 16 prefetcht0 of the input row
 * PREFETCH_DISTANCE nonzeros ahead and the movslq + add that move that pointer. Limits:
 * - Registers: 16 xmm hold at most 8 accumulators next to the broadcast and the temporaries,
 *   so MR stops at 32 (V = 8, the default), which also covers the add latency.
 * - Issue: a multiply-add is two instructions of 4 lanes, so per flop this kernel needs 4x the
 *   FP instructions of the AVX2 one, and V + 2 loads per V multiply-adds.
 * MRxNR tiles (NR = 2, 4) load the V input vectors once per column and reuse them for NR
 * broadcast weights.
 *
 * Pixel remainders: one pass over the whole vectors of the last mc % MR pixels, then one pass
 * over the last 1..3 pixels (movq and/or movss); nothing is read or written outside
 * input[0, mc) and output[0, mc).
 */
#include <emmintrin.h>

#include <sprig/spmm.h>

#define INLINE static inline __attribute__((always_inline))

/* Largest V and NR any kernel below instantiates (register arrays are sized by these). */
#define MAX_V 8
#define MAX_NR 4

/* How many nonzeros ahead of the loads the input prefetch runs. */
#define PREFETCH_DISTANCE 8

/* How many lanes of the last vector of a tile are pixels. */
enum width {
  width_full = 4,
  width_triple = 3,
  width_pair = 2,
  width_single = 1,
};

static inline const float* advance(const float* p, int32_t delta_bytes) {
  return (const float*) ((uintptr_t) p + (uintptr_t) (intptr_t) delta_bytes);
}

/* Loads `width` floats into the low lanes (the others are zero). */
INLINE __m128 load4(const float* p, enum width width) {
  switch (width) {
    case width_single:
      return _mm_load_ss(p);
    case width_pair:
      return _mm_castsi128_ps(_mm_loadl_epi64((const __m128i*) p));
    case width_triple:
      return _mm_movelh_ps(_mm_castsi128_ps(_mm_loadl_epi64((const __m128i*) p)), _mm_load_ss(p + 2));
    default:
      return _mm_loadu_ps(p);
  }
}

INLINE void store4(float* p, __m128 v, enum width width) {
  switch (width) {
    case width_single:
      _mm_store_ss(p, v);
      break;
    case width_pair:
      _mm_storel_epi64((__m128i*) p, _mm_castps_si128(v));
      break;
    case width_triple:
      _mm_storel_epi64((__m128i*) p, _mm_castps_si128(v));
      _mm_store_ss(p + 2, _mm_movehl_ps(v, v));
      break;
    default:
      _mm_storeu_ps(p, v);
      break;
  }
}

INLINE __m128 clamp4(__m128 v, __m128 vmin, __m128 vmax) {
  /* The bound goes first: maxps/minps return the second operand when either is NaN, so a NaN
   * result stays NaN as in the scalar kernel. */
  return _mm_min_ps(vmax, _mm_max_ps(vmin, v));
}

/*
 * A pointer that walks the input rows PREFETCH_DISTANCE nonzeros ahead of the loads. It
 * consumes at most `left` deltas (all the call has), so it never reads past input_deltas; past
 * the last nonzero it may point anywhere, which prefetcht0 tolerates (it never faults).
 */
struct prefetcher {
  const float* row;
  const int32_t* deltas;
  size_t left;
};

INLINE void prefetcher_step(struct prefetcher* pf) {
  if (pf->left != 0) {
    pf->row = advance(pf->row, *pf->deltas++);
    pf->left--;
  }
}

INLINE struct prefetcher prefetcher_start(const float* input, const int32_t* deltas, size_t total) {
  struct prefetcher pf = {input, deltas, total};
  for (size_t i = 0; i < PREFETCH_DISTANCE; i++) {
    prefetcher_step(&pf);
  }
  return pf;
}

/* Prefetches one row of `nv` vectors (one prefetch per 64-byte line) and moves to the next. */
INLINE void prefetcher_next(struct prefetcher* pf, size_t nv) {
  for (size_t i = 0; i < nv; i += 4) {
    _mm_prefetch((const char*) (pf->row + 4 * i), _MM_HINT_T0);
  }
  prefetcher_step(pf);
}

/*
 * One tile of nv xmm vectors over all nc channels: nc / nr blocks of nr channels, then nc % nr
 * single channels. The last vector holds `width` pixels. nv, nr and width are compile-time
 * constants at every call site, so the arrays below are registers.
 */
INLINE void spmm_tile(
    size_t nv, size_t nr, enum width width, size_t nc, const float* input, const float* w,
    const int32_t* deltas, const uint32_t* nnz, size_t total_nnz, float* output,
    size_t output_stride, __m128 vmin, __m128 vmax) {
  struct prefetcher pf = prefetcher_start(input, deltas, total_nnz);
  size_t n = nc;
  if (nr > 1) {
    for (; n >= nr; n -= nr) {
      __m128 acc[MAX_NR][MAX_V];
      for (size_t r = 0; r < nr; r++) {
        const __m128 vbias = _mm_load1_ps(w + r);
        for (size_t i = 0; i < nv; i++) {
          acc[r][i] = vbias;
        }
      }
      w += nr;
      for (uint32_t j = *nnz++; j != 0; j--) {
        const int32_t delta = *deltas++;
        prefetcher_next(&pf, nv);
        __m128 x[MAX_V];
        for (size_t i = 0; i < nv; i++) {
          x[i] = load4(input + 4 * i, i == nv - 1 ? width : width_full);
        }
        for (size_t r = 0; r < nr; r++) {
          const __m128 vw = _mm_load1_ps(w + r);
          for (size_t i = 0; i < nv; i++) {
            acc[r][i] = _mm_add_ps(acc[r][i], _mm_mul_ps(x[i], vw));
          }
        }
        w += nr;
        input = advance(input, delta);
      }
      for (size_t r = 0; r < nr; r++) {
        for (size_t i = 0; i < nv; i++) {
          store4(output + 4 * i, clamp4(acc[r][i], vmin, vmax), i == nv - 1 ? width : width_full);
        }
        output = (float*) ((uintptr_t) output + output_stride);
      }
    }
  }
  for (; n != 0; n--) {
    __m128 acc[MAX_V];
    const __m128 vbias = _mm_load1_ps(w++);
    for (size_t i = 0; i < nv; i++) {
      acc[i] = vbias;
    }
    for (uint32_t j = *nnz++; j != 0; j--) {
      const int32_t delta = *deltas++;
      const __m128 vw = _mm_load1_ps(w++);
      prefetcher_next(&pf, nv);
      for (size_t i = 0; i < nv; i++) {
        acc[i] = _mm_add_ps(acc[i], _mm_mul_ps(load4(input + 4 * i, i == nv - 1 ? width : width_full), vw));
      }
      input = advance(input, delta);
    }
    for (size_t i = 0; i < nv; i++) {
      store4(output + 4 * i, clamp4(acc[i], vmin, vmax), i == nv - 1 ? width : width_full);
    }
    output = (float*) ((uintptr_t) output + output_stride);
  }
}

/*
 * Full tiles of nv vectors, then the whole vectors of the rest in one pass, then the last
 * 1..3 pixels in one pass. Few passes rather than halving tiles: every pass streams all the
 * weights again, and a narrow pass is nearly as slow per nonzero as a wide one (it is bound by
 * the latency of its few accumulators).
 */
INLINE void spmm_all_tiles(
    size_t nv, size_t nr, size_t mc, size_t nc, const float* input, const float* w,
    const int32_t* deltas, const uint32_t* nnz, float* output, size_t output_stride,
    const struct sprig_f32_minmax_params* params) {
  const __m128 vmin = _mm_set1_ps(params->min);
  const __m128 vmax = _mm_set1_ps(params->max);
  /* nnz has nc / nr block counts, then nc % nr channel counts: one delta per count. */
  size_t total = 0;
  for (size_t i = 0; i < nc / nr + nc % nr; i++) {
    total += nnz[i];
  }
  size_t p = 0;
  for (; p + nv * 4 <= mc; p += nv * 4) {
    spmm_tile(nv, nr, width_full, nc, input + p, w, deltas, nnz, total, output + p, output_stride, vmin, vmax);
  }
  /* rest / 4 < nv; the `nv > V` tests drop the impossible cases at compile time. */
  const size_t rest_vectors = (mc - p) / 4;
  switch (rest_vectors) {
#define REST_CASE(V)                                                                      \
    case V:                                                                               \
      if (nv > V) {                                                                       \
        spmm_tile(V, nr, width_full, nc, input + p, w, deltas, nnz, total, output + p,    \
                  output_stride, vmin, vmax);                                             \
      }                                                                                   \
      break;
    REST_CASE(1)
    REST_CASE(2)
    REST_CASE(3)
    REST_CASE(4)
    REST_CASE(5)
    REST_CASE(6)
    REST_CASE(7)
#undef REST_CASE
    default:
      break;
  }
  p += rest_vectors * 4;
  switch (mc - p) {
    case 1:
      spmm_tile(1, nr, width_single, nc, input + p, w, deltas, nnz, total, output + p, output_stride, vmin, vmax);
      break;
    case 2:
      spmm_tile(1, nr, width_pair, nc, input + p, w, deltas, nnz, total, output + p, output_stride, vmin, vmax);
      break;
    case 3:
      spmm_tile(1, nr, width_triple, nc, input + p, w, deltas, nnz, total, output + p, output_stride, vmin, vmax);
      break;
    default:
      break;
  }
}

#define DEFINE_SSE2_SPMM(MR, NR)                                                                  \
  void sprig_f32_spmm_minmax_ukernel_##MR##x##NR##__sse2(                                         \
      size_t mc, size_t nc, const float* input, const float* weights, const int32_t* input_deltas, \
      const uint32_t* nnz, float* output, size_t output_stride,                                   \
      const struct sprig_f32_minmax_params* params) {                                             \
    spmm_all_tiles(MR / 4, NR, mc, nc, input, weights, input_deltas, nnz, output, output_stride,  \
                   params);                                                                       \
  }

DEFINE_SSE2_SPMM(4, 1)
DEFINE_SSE2_SPMM(8, 1)
DEFINE_SSE2_SPMM(16, 1)
DEFINE_SSE2_SPMM(32, 1)
DEFINE_SSE2_SPMM(4, 2)
DEFINE_SSE2_SPMM(8, 2)
DEFINE_SSE2_SPMM(16, 2)
DEFINE_SSE2_SPMM(4, 4)
DEFINE_SSE2_SPMM(8, 4)
