/*
 * x86 AVX2 + FMA3 f32 SpMM: 8 pixels per ymm register, V = MR / 8 accumulators per channel.
 *
 * Inner loop per nonzero of an MRx1 tile: V vfmadd231ps with the input load folded in as the
 * memory operand, one vbroadcastss of the weight from memory, one movslq of the input delta and
 * an add to the input pointer, plus MR / 16 prefetcht0 of the input row PREFETCH_DISTANCE
 * nonzeros ahead and the movslq + add that move that pointer. Limits:
 * - FMA latency: each accumulator is one dependency chain; 2 FMA ports x 4 cycles want 8
 *   chains. MR = 32 (V = 4) gets at most half the FMA rate from one channel, MR = 64 (V = 8)
 *   all of it; 64x1 is the default.
 * - Load ports: V + 2 loads and MR / 16 + 1 prefetch-side loads per V FMAs (15 per 8 FMAs
 *   for MR = 64), which with the per-channel work (bias broadcast, V clamps and stores, an
 *   unpredictable loop exit every ~25 nonzeros at 90% sparsity) holds 64x1 to about 45% of
 *   the FMA peak on MobileNet layers.
 * - Cache: the MR * 4 bytes of every touched input row are reused by all channels of a pixel
 *   tile; for MR = 64 and a few hundred rows they live in L2. The prefetch, which follows
 *   the delta stream ahead of the loads, hides that latency (5-20% on MobileNet layers).
 * MRxNR tiles (NR = 2, 4) load the V input vectors once per column into registers and reuse
 * them for NR broadcast weights: V + NR + 1 loads for V * NR FMAs.
 *
 * Pixel remainders: one pass over the last mc % MR pixels with as many vectors as they need,
 * the last one through vmaskmovps (masked-off lanes are neither read nor written and cannot
 * fault).
 */
#include <immintrin.h>

#include <sprig/spmm.h>

#define INLINE static inline __attribute__((always_inline))

/* Largest V and NR any kernel below instantiates (register arrays are sized by these). */
#define MAX_V 8
#define MAX_NR 4

/* How many nonzeros ahead of the loads the input prefetch runs. */
#define PREFETCH_DISTANCE 8

static inline const float* advance(const float* p, int32_t delta_bytes) {
  return (const float*) ((uintptr_t) p + (uintptr_t) (intptr_t) delta_bytes);
}

INLINE __m256 load8(const float* p, int masked, __m256i mask) {
  return masked ? _mm256_maskload_ps(p, mask) : _mm256_loadu_ps(p);
}

INLINE void store8(float* p, __m256 v, int masked, __m256i mask) {
  if (masked) {
    _mm256_maskstore_ps(p, mask, v);
  } else {
    _mm256_storeu_ps(p, v);
  }
}

INLINE __m256 clamp8(__m256 v, __m256 vmin, __m256 vmax) {
  /* The bound goes first: maxps/minps return the second operand when either is NaN, so a NaN
   * result stays NaN as in the scalar kernel. */
  return _mm256_min_ps(vmax, _mm256_max_ps(vmin, v));
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
  for (size_t i = 0; i < nv; i += 2) {
    _mm_prefetch((const char*) (pf->row + 8 * i), _MM_HINT_T0);
  }
  prefetcher_step(pf);
}

/*
 * One tile of nv ymm vectors over all nc channels: nc / nr blocks of nr channels, then nc % nr
 * single channels. With `masked`, the last vector covers only the lanes in `mask`. nv, nr and
 * masked are compile-time constants at every call site, so the arrays below are registers.
 */
INLINE void spmm_tile(
    size_t nv, size_t nr, int masked, __m256i mask, size_t nc, const float* input, const float* w,
    const int32_t* deltas, const uint32_t* nnz, size_t total_nnz, float* output,
    size_t output_stride, __m256 vmin, __m256 vmax) {
  struct prefetcher pf = prefetcher_start(input, deltas, total_nnz);
  size_t n = nc;
  if (nr > 1) {
    for (; n >= nr; n -= nr) {
      __m256 acc[MAX_NR][MAX_V];
      for (size_t r = 0; r < nr; r++) {
        const __m256 vbias = _mm256_broadcast_ss(w + r);
        for (size_t i = 0; i < nv; i++) {
          acc[r][i] = vbias;
        }
      }
      w += nr;
      for (uint32_t j = *nnz++; j != 0; j--) {
        const int32_t delta = *deltas++;
        prefetcher_next(&pf, nv);
        __m256 x[MAX_V];
        for (size_t i = 0; i < nv; i++) {
          x[i] = load8(input + 8 * i, masked && i == nv - 1, mask);
        }
        for (size_t r = 0; r < nr; r++) {
          const __m256 vw = _mm256_broadcast_ss(w + r);
          for (size_t i = 0; i < nv; i++) {
            acc[r][i] = _mm256_fmadd_ps(x[i], vw, acc[r][i]);
          }
        }
        w += nr;
        input = advance(input, delta);
      }
      for (size_t r = 0; r < nr; r++) {
        for (size_t i = 0; i < nv; i++) {
          store8(output + 8 * i, clamp8(acc[r][i], vmin, vmax), masked && i == nv - 1, mask);
        }
        output = (float*) ((uintptr_t) output + output_stride);
      }
    }
  }
  for (; n != 0; n--) {
    __m256 acc[MAX_V];
    const __m256 vbias = _mm256_broadcast_ss(w++);
    for (size_t i = 0; i < nv; i++) {
      acc[i] = vbias;
    }
    for (uint32_t j = *nnz++; j != 0; j--) {
      const int32_t delta = *deltas++;
      const __m256 vw = _mm256_broadcast_ss(w++);
      prefetcher_next(&pf, nv);
      for (size_t i = 0; i < nv; i++) {
        acc[i] = _mm256_fmadd_ps(load8(input + 8 * i, masked && i == nv - 1, mask), vw, acc[i]);
      }
      input = advance(input, delta);
    }
    for (size_t i = 0; i < nv; i++) {
      store8(output + 8 * i, clamp8(acc[i], vmin, vmax), masked && i == nv - 1, mask);
    }
    output = (float*) ((uintptr_t) output + output_stride);
  }
}

/*
 * Full tiles of nv vectors, then the remaining 1 .. nv * 8 - 1 pixels in one pass of
 * ceil(rest / 8) vectors, the last one masked. One pass rather than halving tiles: every pass
 * streams all the weights again, and a narrow pass is as slow per nonzero as a wide one (it is
 * bound by the FMA latency of its few accumulators), which matters for 7x7 and 14x14 layers.
 */
INLINE void spmm_all_tiles(
    size_t nv, size_t nr, size_t mc, size_t nc, const float* input, const float* w,
    const int32_t* deltas, const uint32_t* nnz, float* output, size_t output_stride,
    const struct sprig_f32_minmax_params* params) {
  const __m256 vmin = _mm256_set1_ps(params->min);
  const __m256 vmax = _mm256_set1_ps(params->max);
  /* nnz has nc / nr block counts, then nc % nr channel counts: one delta per count. */
  size_t total = 0;
  for (size_t i = 0; i < nc / nr + nc % nr; i++) {
    total += nnz[i];
  }
  const __m256i all = _mm256_set1_epi32(-1);
  size_t p = 0;
  for (; p + nv * 8 <= mc; p += nv * 8) {
    spmm_tile(nv, nr, 0, all, nc, input + p, w, deltas, nnz, total, output + p, output_stride, vmin, vmax);
  }
  if (p == mc) {
    return;
  }
  const size_t rest = mc - p;
  const size_t rest_vectors = (rest + 7) / 8;
  /* Lanes 0 .. rest - 8 * (rest_vectors - 1) - 1 of the last vector are active (1 to 8). */
  const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  const __m256i mask = _mm256_cmpgt_epi32(_mm256_set1_epi32((int) (rest - 8 * (rest_vectors - 1))), lanes);
  input += p;
  output += p;
  /* rest_vectors <= nv; the `nv >= V` tests drop the impossible cases at compile time. */
  switch (rest_vectors) {
    case 1:
      spmm_tile(1, nr, 1, mask, nc, input, w, deltas, nnz, total, output, output_stride, vmin, vmax);
      break;
#define REST_CASE(V)                                                                                  \
    case V:                                                                                           \
      if (nv >= V) {                                                                                  \
        spmm_tile(V, nr, 1, mask, nc, input, w, deltas, nnz, total, output, output_stride, vmin, vmax); \
      }                                                                                               \
      break;
    REST_CASE(2)
    REST_CASE(3)
    REST_CASE(4)
    REST_CASE(5)
    REST_CASE(6)
    REST_CASE(7)
    REST_CASE(8)
#undef REST_CASE
    default:
      break;
  }
}

#define DEFINE_AVX2_SPMM(MR, NR)                                                                  \
  void sprig_f32_spmm_minmax_ukernel_##MR##x##NR##__avx2(                                         \
      size_t mc, size_t nc, const float* input, const float* weights, const int32_t* input_deltas, \
      const uint32_t* nnz, float* output, size_t output_stride,                                   \
      const struct sprig_f32_minmax_params* params) {                                             \
    spmm_all_tiles(MR / 8, NR, mc, nc, input, weights, input_deltas, nnz, output, output_stride,  \
                   params);                                                                       \
  }

DEFINE_AVX2_SPMM(8, 1)
DEFINE_AVX2_SPMM(16, 1)
DEFINE_AVX2_SPMM(32, 1)
DEFINE_AVX2_SPMM(64, 1)
DEFINE_AVX2_SPMM(8, 2)
DEFINE_AVX2_SPMM(16, 2)
DEFINE_AVX2_SPMM(32, 2)
DEFINE_AVX2_SPMM(8, 4)
DEFINE_AVX2_SPMM(16, 4)
