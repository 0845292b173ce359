/*
 * x86 AVX-512F f32 SpMM: 16 pixels per zmm register, V = MR / 16 accumulators per channel.
 *
 * Inner loop per nonzero of an MRx1 tile: V vfmadd231ps with the input load folded in as the
 * memory operand, one vbroadcastss of the weight from memory, one movslq of the input delta and
 * an add to the input pointer, plus V prefetcht0 (one per 64-byte line) of the input row
 * PREFETCH_DISTANCE nonzeros ahead and the movslq + add that move that pointer. Limits:
 * - FMA latency: each accumulator is one dependency chain; 2 FMA ports x 4 cycles want 8
 *   chains, so MR = 128 (V = 8, the default) can reach the FMA rate and MR = 64 half of it.
 * - Cache and load ports: every nonzero reads MR * 4 bytes (8 lines for MR = 128) of an input
 *   row that, for a few hundred rows, lives in L2; the prefetch hides the L2 latency, the L2
 *   bandwidth and the per-channel work (bias, clamps, stores, an unpredictable loop exit every
 *   ~25 nonzeros at 90% sparsity) remain. On a core with full-width 512-bit FMAs this runs
 *   only ~10% ahead of the AVX2 64x1 kernel on MobileNet layers: the limit is not the FMAs.
 * MRxNR tiles (NR = 2, 4) load the V input vectors once per column into registers and reuse
 * them for NR broadcast weights: V + NR + 1 loads for V * NR FMAs (32 zmm registers hold
 * 16 accumulators + 4 inputs + 1 weight for 64x4).
 *
 * Pixel remainders: one pass over the last mc % MR pixels with as many vectors as they need,
 * the last one masked (masked-off lanes are neither read nor written and cannot fault).
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

INLINE __m512 load16(const float* p, int masked, __mmask16 mask) {
  return masked ? _mm512_maskz_loadu_ps(mask, p) : _mm512_loadu_ps(p);
}

INLINE void store16(float* p, __m512 v, int masked, __mmask16 mask) {
  if (masked) {
    _mm512_mask_storeu_ps(p, mask, v);
  } else {
    _mm512_storeu_ps(p, v);
  }
}

INLINE __m512 clamp16(__m512 v, __m512 vmin, __m512 vmax) {
  /* The bound goes first: vmaxps/vminps return the second operand when either is NaN, so a
   * NaN result stays NaN as in the scalar kernel. */
  return _mm512_min_ps(vmax, _mm512_max_ps(vmin, v));
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

/* Prefetches one row of `nv` vectors (a vector is one 64-byte line) and moves to the next. */
INLINE void prefetcher_next(struct prefetcher* pf, size_t nv) {
  for (size_t i = 0; i < nv; i++) {
    _mm_prefetch((const char*) (pf->row + 16 * i), _MM_HINT_T0);
  }
  prefetcher_step(pf);
}

/*
 * One tile of nv zmm vectors over all nc channels: nc / nr blocks of nr channels, then nc % nr
 * single channels. With `masked`, the last vector covers only the lanes in `mask`. nv, nr and
 * masked are compile-time constants at every call site, so the arrays below are registers.
 */
INLINE void spmm_tile(
    size_t nv, size_t nr, int masked, __mmask16 mask, size_t nc, const float* input,
    const float* w, const int32_t* deltas, const uint32_t* nnz, size_t total_nnz, float* output,
    size_t output_stride, __m512 vmin, __m512 vmax) {
  struct prefetcher pf = prefetcher_start(input, deltas, total_nnz);
  size_t n = nc;
  if (nr > 1) {
    for (; n >= nr; n -= nr) {
      __m512 acc[MAX_NR][MAX_V];
      for (size_t r = 0; r < nr; r++) {
        const __m512 vbias = _mm512_set1_ps(w[r]);
        for (size_t i = 0; i < nv; i++) {
          acc[r][i] = vbias;
        }
      }
      w += nr;
      for (uint32_t j = *nnz++; j != 0; j--) {
        const int32_t delta = *deltas++;
        prefetcher_next(&pf, nv);
        __m512 x[MAX_V];
        for (size_t i = 0; i < nv; i++) {
          x[i] = load16(input + 16 * i, masked && i == nv - 1, mask);
        }
        for (size_t r = 0; r < nr; r++) {
          const __m512 vw = _mm512_set1_ps(w[r]);
          for (size_t i = 0; i < nv; i++) {
            acc[r][i] = _mm512_fmadd_ps(x[i], vw, acc[r][i]);
          }
        }
        w += nr;
        input = advance(input, delta);
      }
      for (size_t r = 0; r < nr; r++) {
        for (size_t i = 0; i < nv; i++) {
          store16(output + 16 * i, clamp16(acc[r][i], vmin, vmax), masked && i == nv - 1, mask);
        }
        output = (float*) ((uintptr_t) output + output_stride);
      }
    }
  }
  for (; n != 0; n--) {
    __m512 acc[MAX_V];
    const __m512 vbias = _mm512_set1_ps(*w++);
    for (size_t i = 0; i < nv; i++) {
      acc[i] = vbias;
    }
    for (uint32_t j = *nnz++; j != 0; j--) {
      const int32_t delta = *deltas++;
      const __m512 vw = _mm512_set1_ps(*w++);
      prefetcher_next(&pf, nv);
      for (size_t i = 0; i < nv; i++) {
        acc[i] = _mm512_fmadd_ps(load16(input + 16 * i, masked && i == nv - 1, mask), vw, acc[i]);
      }
      input = advance(input, delta);
    }
    for (size_t i = 0; i < nv; i++) {
      store16(output + 16 * i, clamp16(acc[i], vmin, vmax), masked && i == nv - 1, mask);
    }
    output = (float*) ((uintptr_t) output + output_stride);
  }
}

/*
 * Full tiles of nv vectors, then the remaining 1 .. nv * 16 - 1 pixels in one pass of
 * ceil(rest / 16) vectors, the last one masked. One pass rather than halving tiles: every pass
 * streams all the weights again, and a narrow pass is as slow per nonzero as a wide one (it is
 * bound by the FMA latency of its few accumulators), which matters for 7x7 and 14x14 layers.
 */
INLINE void spmm_all_tiles(
    size_t nv, size_t nr, size_t mc, size_t nc, const float* input, const float* w,
    const int32_t* deltas, const uint32_t* nnz, float* output, size_t output_stride,
    const struct sprig_f32_minmax_params* params) {
  const __m512 vmin = _mm512_set1_ps(params->min);
  const __m512 vmax = _mm512_set1_ps(params->max);
  /* nnz has nc / nr block counts, then nc % nr channel counts: one delta per count. */
  size_t total = 0;
  for (size_t i = 0; i < nc / nr + nc % nr; i++) {
    total += nnz[i];
  }
  size_t p = 0;
  for (; p + nv * 16 <= mc; p += nv * 16) {
    spmm_tile(nv, nr, 0, 0, nc, input + p, w, deltas, nnz, total, output + p, output_stride, vmin, vmax);
  }
  if (p == mc) {
    return;
  }
  const size_t rest = mc - p;
  const size_t rest_vectors = (rest + 15) / 16;
  /* The low rest - 16 * (rest_vectors - 1) lanes (1 to 16) of the last vector. */
  const __mmask16 mask = (__mmask16) ((1u << (rest - 16 * (rest_vectors - 1))) - 1u);
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

#define DEFINE_AVX512F_SPMM(MR, NR)                                                                \
  void sprig_f32_spmm_minmax_ukernel_##MR##x##NR##__avx512f(                                       \
      size_t mc, size_t nc, const float* input, const float* weights, const int32_t* input_deltas, \
      const uint32_t* nnz, float* output, size_t output_stride,                                    \
      const struct sprig_f32_minmax_params* params) {                                              \
    spmm_all_tiles(MR / 16, NR, mc, nc, input, weights, input_deltas, nnz, output, output_stride,  \
                   params);                                                                        \
  }

DEFINE_AVX512F_SPMM(16, 1)
DEFINE_AVX512F_SPMM(32, 1)
DEFINE_AVX512F_SPMM(64, 1)
DEFINE_AVX512F_SPMM(128, 1)
DEFINE_AVX512F_SPMM(16, 2)
DEFINE_AVX512F_SPMM(32, 2)
DEFINE_AVX512F_SPMM(64, 2)
DEFINE_AVX512F_SPMM(16, 4)
DEFINE_AVX512F_SPMM(32, 4)
DEFINE_AVX512F_SPMM(64, 4)
