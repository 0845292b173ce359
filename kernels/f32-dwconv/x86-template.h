/*
 * The x86 f32 depthwise convolution body shared by sse2.c, avx2.c and avx512f.c (see
 * src/sprig/dwconv.h for what a kernel computes), which differ only in vector width,
 * intrinsics and the last 1 .. LANES - 1 pixels of a row. Not compiled on its own: each of those
 * files includes its kernels/isa header, defines the names below, includes this header once,
 * then defines its kernels with dwconv(TAPS, nv, held, ...). The ISA's names come from
 * kernels/isa/sse2.h, avx2.h or avx512f.h, and vload, vstore and vclamp from isa/x86-vector.h.
 *
 *   INLINE, VEC, LANES, MASK, VLOADU, VMASKLOAD, VSTOREU, VMASKSTORE, VMADD, VSET1, VMIN, VMAX
 *                          as in the isa headers
 *   VBROADCAST(p)          *p in every lane (a weight)
 *   FULL_MASK              a MASK value for the unmasked calls (unused there)
 *   TAIL_MASK(k)           optional: the mask of the low k lanes (1 <= k < LANES). With it the
 *                          last pixels of a row are one masked vector; without it (SSE2) they
 *                          are one partial vector of 1, 2 or 3 pixels (movss / movq).
 *
 * Per output row: the TAPS row pointers once, then trips of nv vectors of LANES pixels (nv
 * independent accumulator chains, so that the FMA latency is hidden; per vector TAPS loads and
 * TAPS multiply-adds, the loads folded into the FMAs where the ISA allows), then single vectors,
 * then the last pixels. Every load and store is within [0, width) of its row.
 *
 * `held`: the bias and taps are broadcast into registers once per call (9 taps everywhere, 25
 * on AVX-512's 32 registers). Otherwise (25 taps on SSE2 and AVX2, 16 registers) each trip
 * broadcasts every tap from `weights` once for its nv vectors, five taps per loop trip: that
 * is the one load per tap per trip a spilled register would cost anyway, without the spills.
 */
#if !defined(LANES) || !defined(INLINE)
#error "x86-template.h is included by sse2.c, avx2.c and avx512f.c after they define INLINE, VEC, LANES, ..."
#endif

#include <stddef.h>
#include <stdint.h>

#include <isa/unroll.h>
#include <sprig/dwconv.h>

#include <isa/x86-vector.h>

/* Largest TAPS and U any kernel instantiates (register arrays are sized by these). */
#define MAX_TAPS 25
#define MAX_U 4

/* The tap loop of kernels whose taps are not held: five taps per trip (a 5x5 kernel's row).
 * Unrolled fully, GCC 12 hoists the 25 broadcasts out of the x loop again and spills them (SSE2)
 * or keeps 25 spilled pointers to the weights (AVX2): 40 extra moves per trip of 4 vectors. */
#if defined(__clang__)
#define TAP_UNROLL _Pragma("clang loop unroll_count(5)")
#else
#define TAP_UNROLL _Pragma("GCC unroll 5")
#endif

/* nv vectors of output at out (pixel x of the row): bias + the taps' products, clamped. Only the
 * lanes of `mask` of the last vector are read and written when `masked`. */
INLINE void dwconv_vectors(size_t taps, size_t nv, int held, int masked, MASK mask, const float* const* in, size_t x,
                           VEC vbias, const VEC* vw, const float* weights, float* out, VEC vmin, VEC vmax) {
  VEC acc[MAX_U];
  UNROLL_ALL for (size_t u = 0; u < nv; u++) {
    acc[u] = vbias;
  }
  if (held) {
    UNROLL_ALL for (size_t t = 0; t < taps; t++) {
      UNROLL_ALL for (size_t u = 0; u < nv; u++) {
        acc[u] = VMADD(acc[u], vload(in[t] + x + u * LANES, LAST_MASKED(masked, u, nv), mask), vw[t]);
      }
    }
  } else {
    TAP_UNROLL for (size_t t = 0; t < taps; t++) {
      const VEC w = VBROADCAST(weights + 1 + t);
      UNROLL_ALL for (size_t u = 0; u < nv; u++) {
        acc[u] = VMADD(acc[u], vload(in[t] + x + u * LANES, LAST_MASKED(masked, u, nv), mask), w);
      }
    }
  }
  UNROLL_ALL for (size_t u = 0; u < nv; u++) {
    vstore(out + x + u * LANES, vclamp(acc[u], vmin, vmax), LAST_MASKED(masked, u, nv), mask);
  }
}

/*
 * The kernel: `taps` taps, `nv` vectors per trip of the x loop, the taps in registers when
 * `held`. taps, nv and held are compile-time constants at every call.
 */
INLINE void dwconv(size_t taps, size_t nv, int held, size_t rows, size_t width, const float* input,
                   size_t input_row_stride, const int32_t* offsets, const float* weights, float* output,
                   size_t output_row_stride, const struct sprig_f32_minmax_params* params) {
  const VEC vmin = VSET1(params->min);
  const VEC vmax = VSET1(params->max);
  const VEC vbias = VBROADCAST(weights);
  VEC vw[MAX_TAPS];
  if (held) {
    UNROLL_ALL for (size_t t = 0; t < taps; t++) {
      vw[t] = VBROADCAST(weights + 1 + t);
    }
  }
  for (size_t y = 0; y < rows; y++) {
    const char* row = (const char*) input + y * input_row_stride;
    float* out = (float*) ((char*) output + y * output_row_stride);
    const float* in[MAX_TAPS];
    UNROLL_ALL for (size_t t = 0; t < taps; t++) {
      in[t] = (const float*) (row + offsets[t]);
    }
    size_t x = 0;
    for (; x + nv * LANES <= width; x += nv * LANES) {
      dwconv_vectors(taps, nv, held, 0, FULL_MASK, in, x, vbias, vw, weights, out, vmin, vmax);
    }
    for (; x + LANES <= width; x += LANES) {
      dwconv_vectors(taps, 1, held, 0, FULL_MASK, in, x, vbias, vw, weights, out, vmin, vmax);
    }
    if (x != width) {
#ifdef TAIL_MASK
      dwconv_vectors(taps, 1, held, 1, TAIL_MASK(width - x), in, x, vbias, vw, weights, out, vmin, vmax);
#else
      /* The count must be a literal at each call for the partial moves to be straight movss/movq. */
      switch (width - x) {
        case 1:
          dwconv_vectors(taps, 1, held, 1, width_single, in, x, vbias, vw, weights, out, vmin, vmax);
          break;
        case 2:
          dwconv_vectors(taps, 1, held, 1, width_pair, in, x, vbias, vw, weights, out, vmin, vmax);
          break;
        default:
          dwconv_vectors(taps, 1, held, 1, width_triple, in, x, vbias, vw, weights, out, vmin, vmax);
          break;
      }
#endif
    }
  }
}
