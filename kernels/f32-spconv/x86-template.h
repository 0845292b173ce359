/*
 * The x86 f32 sparse direct convolution kernel body shared by sse2.c, avx2.c and avx512f.c,
 * which differ only in vector width, intrinsics and the pixel remainder. Not compiled on its
 * own: each of those files includes its isa/ header, defines VBROADCAST, includes this header
 * once, then defines its kernels with spconv_all_tiles(MR / LANES, NR, ...). The ISA's names
 * (INLINE, VEC, MASK, LANES, VLOADU, VMASKLOAD, VSTOREU, VMASKSTORE, VMADD, VADD, VZERO, VSET1,
 * VMIN, VMAX and, on AVX2 / AVX-512, TAIL_MASK) come from kernels/isa/sse2.h, avx2.h or
 * avx512f.h; vload, vstore and vclamp from isa/x86-vector.h. The including file adds:
 *
 *   VBROADCAST(p)   *p in every lane (a weight)
 *
 * With TAIL_MASK (the mask of the low k lanes, 1 <= k <= LANES) this header also defines
 * spconv_all_tiles: full tiles of MR pixels, then one pass over the last mc % MR pixels with as
 * many vectors as they need, the last one masked. Without it (SSE2) the including file defines
 * its own spconv_all_tiles after this header.
 *
 * Per stored value of a single-channel tile: one movslq of its byte offset, one broadcast of
 * its weight, and V multiply-adds whose input load (input + offset + 4 * LANES * i) is the
 * memory operand. Unlike SpMM there is no row step to apply, so nothing carries from one stored
 * value to the next but the accumulators: narrow tiles take the stored values in turn into
 * ACC_CHAINS / V independent accumulator sets, summed once per channel.
 */
#if !defined(LANES) || !defined(INLINE) || !defined(VBROADCAST)
#error "x86-template.h is included by sse2.c, avx2.c and avx512f.c after they define INLINE, VEC, LANES, VBROADCAST, ..."
#endif

#include <stddef.h>
#include <stdint.h>

#include <sprig/spconv.h>

#include <isa/x86-vector.h>

/* Largest V (MR / LANES: 32 / 4, 64 / 8, 128 / 16) and NR any kernel instantiates. */
#define MAX_V 8
#define MAX_NR 4

/* Accumulator dependency chains a tile keeps in flight: FMA (or add) latency x ports, 8 on the
 * x86 cores we run on. */
#define ACC_CHAINS 8
#define MAX_SETS ACC_CHAINS /* sets * V <= ACC_CHAINS */

/* The floats of stored value `offset`: at(input, offset) of src/sprig/spconv.h, for a tile of
 * nv vectors. From 3 vectors on, the empty asm makes the sum one register, so that the loads of
 * a stored value address it with constant displacements: without it GCC hoists
 * input + 4 * LANES * i out of the loop for every i, one register each, and for V = 8 ran out of
 * them (loop counters went to the stack). With 1 or 2 vectors the loads take input + offset as
 * base + index, which saves the add. */
INLINE const float* spconv_at(size_t nv, const char* input, int32_t offset) {
  const float* x = (const float*) (input + (ptrdiff_t) offset);
  if (nv > 2) {
    __asm__("" : "+r"(x));
  }
  return x;
}

/* acc[0 .. nv) += the nv vectors at input + offset * the weight *w. One stored value of a
 * single-channel tile. */
INLINE void spconv_madd(size_t nv, int masked, MASK mask, VEC* acc, const char* input, int32_t offset,
                        const float* w) {
  const VEC vw = VBROADCAST(w);
  const float* x = spconv_at(nv, input, offset);
#pragma GCC unroll 16
  for (size_t i = 0; i < nv; i++) {
    acc[i] = VMADD(acc[i], vload(x + LANES * i, LAST_MASKED(masked, i, nv), mask), vw);
  }
}

/* acc[0 .. count * nv) += the count stored values at w / o, value s into set s (at acc[s * nv]). */
INLINE void spconv_madd_sets(size_t count, size_t nv, int masked, MASK mask, VEC* acc, const char* input,
                             const int32_t* o, const float* w) {
#pragma GCC unroll 8
  for (size_t s = 0; s < count; s++) {
    spconv_madd(nv, masked, mask, acc + s * nv, input, o[s], w + s);
  }
}

/* acc[0 .. half * nv) += acc[half * nv .. 2 * half * nv). */
INLINE void spconv_fold(size_t half, size_t nv, VEC* acc) {
#pragma GCC unroll 16
  for (size_t i = 0; i < half * nv; i++) {
    acc[i] = VADD(acc[i], acc[half * nv + i]);
  }
}

/* One channel over one tile of nv vectors: its `count` stored values, value j into accumulator
 * set j % sets (sets independent chains for narrow tiles), then the clamped output row. */
INLINE void spconv_channel(size_t chains, size_t nv, int masked, MASK mask, uint32_t count, const float* bias,
                           const char* input, const float** weights, const int32_t** offsets, float* output,
                           VEC vmin, VEC vmax) {
  /* A power of 2: chains is, and nv <= MAX_V = chains. */
  const size_t sets = nv >= chains ? 1 : nv == 3 ? 2 : chains / nv;
  const float* w = *weights;
  const int32_t* o = *offsets;
  /* Set s at acc[s * nv]: sets * nv <= chains vectors (one array of exactly the registers
   * used, which GCC keeps in registers; a [sets][MAX_V] one it put on the stack). */
  VEC acc[MAX_SETS];
  const VEC vbias = VBROADCAST(bias);
#pragma GCC unroll 16
  for (size_t i = 0; i < nv; i++) {
    acc[i] = vbias;
#pragma GCC unroll 8
    for (size_t s = 1; s < sets; s++) {
      acc[s * nv + i] = VZERO();
    }
  }
  uint32_t j = count;
  for (; j >= sets; j -= sets) {
    spconv_madd_sets(sets, nv, masked, mask, acc, input, o, w);
    w += sets;
    o += sets;
  }
  /* The last count % sets values: for each bit h of the count, h of them into sets 0 .. h - 1
   * (sets is 1, 2, 4 or 8; written out, as GCC does not unroll a loop over the halvings). */
  if (sets >= 8 && (j & 4) != 0) {
    spconv_madd_sets(4, nv, masked, mask, acc, input, o, w);
    w += 4;
    o += 4;
  }
  if (sets >= 4 && (j & 2) != 0) {
    spconv_madd_sets(2, nv, masked, mask, acc, input, o, w);
    w += 2;
    o += 2;
  }
  if (sets >= 2 && (j & 1) != 0) {
    spconv_madd_sets(1, nv, masked, mask, acc, input, o, w);
    w += 1;
    o += 1;
  }
  if (sets >= 8) {
    spconv_fold(4, nv, acc);
  }
  if (sets >= 4) {
    spconv_fold(2, nv, acc);
  }
  if (sets >= 2) {
    spconv_fold(1, nv, acc);
  }
#pragma GCC unroll 16
  for (size_t i = 0; i < nv; i++) {
    vstore(output + LANES * i, vclamp(acc[i], vmin, vmax), LAST_MASKED(masked, i, nv), mask);
  }
  *weights = w;
  *offsets = o;
}

/* One block of nr channels over one tile of nv vectors: per stored offset the nv input vectors
 * are loaded once and multiplied by the block's nr weights; blocks with fewer than `chains`
 * accumulators take the offsets in turn into 2 sets. Then the nr clamped output rows. */
INLINE void spconv_block(size_t chains, size_t nv, size_t nr, int masked, MASK mask, uint32_t count,
                         const float* bias, const char* input, const float** weights, const int32_t** offsets,
                         float* output, size_t output_stride, VEC vmin, VEC vmax) {
  const size_t sets = nr * nv >= chains ? 1 : 2;
  const float* w = *weights;
  const int32_t* o = *offsets;
  VEC acc[2][MAX_NR][MAX_V];
#pragma GCC unroll 4
  for (size_t r = 0; r < nr; r++) {
    const VEC vbias = VBROADCAST(bias + r);
#pragma GCC unroll 16
    for (size_t i = 0; i < nv; i++) {
      acc[0][r][i] = vbias;
      if (sets == 2) {
        acc[1][r][i] = VZERO();
      }
    }
  }
  uint32_t j = count;
  for (; j >= sets; j -= sets) {
#pragma GCC unroll 2
    for (size_t s = 0; s < sets; s++) {
      const float* x = spconv_at(nv, input, o[s]);
      VEC vx[MAX_V];
#pragma GCC unroll 16
      for (size_t i = 0; i < nv; i++) {
        vx[i] = vload(x + LANES * i, LAST_MASKED(masked, i, nv), mask);
      }
#pragma GCC unroll 4
      for (size_t r = 0; r < nr; r++) {
        const VEC vw = VBROADCAST(w + nr * s + r);
#pragma GCC unroll 16
        for (size_t i = 0; i < nv; i++) {
          acc[s][r][i] = VMADD(acc[s][r][i], vx[i], vw);
        }
      }
    }
    w += nr * sets;
    o += sets;
  }
  if (j != 0) { /* sets == 2: one offset left */
    const float* x = spconv_at(nv, input, *o++);
    VEC vx[MAX_V];
#pragma GCC unroll 16
    for (size_t i = 0; i < nv; i++) {
      vx[i] = vload(x + LANES * i, LAST_MASKED(masked, i, nv), mask);
    }
#pragma GCC unroll 4
    for (size_t r = 0; r < nr; r++) {
      const VEC vw = VBROADCAST(w + r);
#pragma GCC unroll 16
      for (size_t i = 0; i < nv; i++) {
        acc[0][r][i] = VMADD(acc[0][r][i], vx[i], vw);
      }
    }
    w += nr;
  }
#pragma GCC unroll 4
  for (size_t r = 0; r < nr; r++) {
#pragma GCC unroll 16
    for (size_t i = 0; i < nv; i++) {
      VEC sum = acc[0][r][i];
      if (sets == 2) {
        sum = VADD(sum, acc[1][r][i]);
      }
      vstore(output + LANES * i, vclamp(sum, vmin, vmax), LAST_MASKED(masked, i, nv), mask);
    }
    output = (float*) ((uintptr_t) output + output_stride);
  }
  *weights = w;
  *offsets = o;
}

/* Every channel over one tile of nv vectors at `input` / `output`: nc / nr blocks, then the
 * nc % nr leftover channels one by one (all channels one by one when nr == 1). */
INLINE void spconv_tile(size_t chains, size_t nv, size_t nr, int masked, MASK mask, size_t nc, const char* input,
                        const float* bias, const float* weights, const int32_t* offsets, const uint32_t* nnz,
                        float* output, size_t output_stride, VEC vmin, VEC vmax) {
  /* One register (see spconv_at), not the call's input plus the tile's pixel offset. */
  __asm__("" : "+r"(input));
  size_t n = nc;
  if (nr > 1) {
    for (; n >= nr; n -= nr) {
      spconv_block(chains, nv, nr, masked, mask, *nnz++, bias, input, &weights, &offsets, output, output_stride,
                   vmin, vmax);
      bias += nr;
      output = (float*) ((uintptr_t) output + nr * output_stride);
    }
  }
  for (; n != 0; n--) {
    spconv_channel(chains, nv, masked, mask, *nnz++, bias, input, &weights, &offsets, output, vmin, vmax);
    bias += 1;
    output = (float*) ((uintptr_t) output + output_stride);
  }
}

#ifdef TAIL_MASK
/* Full tiles of nv vectors, then the last mc % (nv * LANES) pixels in one pass (one pass over
 * the weights rather than one per halving: each pass streams every weight and offset again),
 * its last vector masked: masked-off lanes are neither read nor written and cannot fault. */
INLINE void spconv_all_tiles(size_t nv, size_t nr, size_t mc, size_t nc, const float* input, const float* bias,
                             const float* weights, const int32_t* offsets, const uint32_t* nnz, float* output,
                             size_t output_stride, const struct sprig_f32_minmax_params* params) {
  const VEC vmin = VSET1(params->min);
  const VEC vmax = VSET1(params->max);
  const char* in = (const char*) input;
  size_t p = 0;
  for (; p + nv * LANES <= mc; p += nv * LANES) {
    spconv_tile(ACC_CHAINS, nv, nr, 0, TAIL_MASK(LANES), nc, in + p * sizeof(float), bias, weights, offsets, nnz,
                output + p, output_stride, vmin, vmax);
  }
  if (p == mc) {
    return;
  }
  const size_t rest = mc - p;
  const size_t rest_vectors = (rest + LANES - 1) / LANES;
  /* The low rest - LANES * (rest_vectors - 1) lanes (1 to LANES) of the last vector. */
  const MASK mask = TAIL_MASK(rest - LANES * (rest_vectors - 1));
  in += p * sizeof(float);
  output += p;
  /* rest_vectors <= nv; the `nv >= V` tests drop the impossible cases at compile time. */
  switch (rest_vectors) {
#define REST_CASE(V)                                                                                            \
  case V:                                                                                                       \
    if (nv >= V) {                                                                                              \
      spconv_tile(ACC_CHAINS, V, nr, 1, mask, nc, in, bias, weights, offsets, nnz, output, output_stride, vmin, \
                  vmax);                                                                                        \
    }                                                                                                           \
    break;
    REST_CASE(1)
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
#endif
