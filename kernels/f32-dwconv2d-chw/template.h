/*
 * The f32 direct depthwise convolution body (src/sprig/dwconv2d-chw.h) shared by sse2.c, avx2.c,
 * avx512f.c, aarch64-neonfma.c and wasmsimd.c, which differ in vector width, intrinsics and the
 * way a tap is held (see the names below). Not compiled on its own: each of those files defines
 * the names below, includes this header once, then defines its kernels with
 * dwconv2d_chw(K, S, NV, MODE, ...).
 *
 * What an ISA file provides (all INLINE; `k` arguments are constants once inlined, but the
 * bodies take them through a switch so that -O0 builds see immediates too):
 *   VEC, LANES            the vector type and its floats
 *   vzero()               a vector of zeros
 *   vload_splat(p)        *p in every lane
 *   vload(p)              LANES floats at p (unaligned)
 *   vload_clip(p, n)      p[0 .. n) into the low lanes, the others zero; n in 0 .. LANES; reads
 *                         nothing when n is 0 (p may then be past the row)
 *   vstore(p, v)          LANES floats to p
 *   vstore_part(p, v, n)  the low n lanes (1 .. LANES - 1) to p, nothing else
 *   valign(lo, hi, k)     lanes k .. k + LANES - 1 of the concatenation lo:hi (k in 1 .. LANES - 1)
 *   vunzip(a, b, &e, &o)  the even and the odd lanes of the concatenation a:b, in order
 *   vload_pair(p, &e, &o) vunzip(vload(p), vload(p + LANES)) (NEON: one ld2)
 *   vload_pair_loads(p, &e, &o), vunpermute(v)
 *                         the pair load the MODE_LOADS stride-2 blocks use, and what puts their
 *                         result in order: an ISA whose in-order unzip costs extra shuffles
 *                         (AVX2) returns the lanes in a fixed permuted order from
 *                         vload_pair_loads and restores the order once per output vector in
 *                         vunpermute; the others use vload_pair and the identity
 *   struct taps, taps_init(k, weights, &t), taps_bias(&t), vmadd_tap(acc, x, &t, i)
 *                         the bias and the k * k taps held for the call; acc + x * tap i
 *   vadd(a, b)            a + b
 *   vclamp(v, vmin, vmax) min(max(v, vmin), vmax) with a NaN v kept NaN
 *
 * The computation, per output row: the K input row pointers (`zero` where the row is padding),
 * then vectors of LANES output pixels along the row. Each tap column kx needs, for output vector
 * x, the input columns (x + i) * S + kx - P (i < LANES). Two ways to form them:
 *
 *   MODE_SHIFT (register reuse; AVX-512's rows): each input row is loaded once, one vector of LANES columns per
 *     output vector (stride 2: two, unzipped into even and odd columns), and the shifted tap
 *     vectors are valign's of the previous, current and next loaded vectors. The row's first
 *     "previous" vector is zero (the left padding); loads that reach the row's end are clipped
 *     (vload_clip), so the zeros past the row are the right padding. Per input row and output
 *     vector, K = 3, stride 1: 1 load, 2 valign, 3 multiply-adds; stride 2: 2 loads, 1 unzip
 *     pair, 1 valign, 3 multiply-adds (K = 5: 1 load and 4 valign, or 2 loads, an unzip pair
 *     and 3 valign, for 5 multiply-adds).
 *   MODE_LOADS (where shifts cost more than loads: SSE2, AVX2, NEON, SIMD128): the vectors at
 *     columns x + kx - P are unaligned loads (stride 2: unzips of pairs loaded at 2x - 2, 2x,
 *     2x + 2), K loads per row and output vector, folded into the multiply-adds where the ISA
 *     allows; no row state in registers. Only where every such load is inside the row: the
 *     row's first vector and its last ones are done as in MODE_SHIFT, with the state reloaded
 *     where the loads stop.
 *
 * In either mode trips of NV output vectors (NV independent accumulators); in MODE_LOADS then one
 * trip of 4 where 4 fit (NV > 4), one of 2 where 2 fit (NV > 2), then single vectors (their
 * multiply-adds in SPLIT chains), then clipped single vectors for the end of the row (the last
 * one partial, stored with vstore_part). Nothing outside [0, input_width) of a row is read,
 * nothing outside the output written.
 */
#if !defined(LANES) || !defined(INLINE)
#error "template.h is included by the ISA files of kernels/f32-dwconv2d-chw after INLINE, VEC, LANES, ..."
#endif

#include <stddef.h>
#include <stdint.h>

#include <isa/unroll.h>
#include <sprig/dwconv2d-chw.h>

/* The taps (bias included) a stride-1 MODE_LOADS trip of a K x K kernel reads: the held ones,
 * unless the ISA file defines TRIP_TAPS and trip_taps (neon.h: a copy in `copy`). */
#ifndef TRIP_TAPS
INLINE const struct taps* trip_taps(size_t k, const struct taps* held, struct taps* copy) {
  (void) k;
  (void) copy;
  return held;
}
#endif

/* Largest kernel size, and output vectors per trip any kernel instantiates (an ISA file whose
 * kernels take trips of 8 defines MAX_NV 8). */
#define MAX_K 5
#ifndef MAX_NV
#define MAX_NV 4
#endif

enum mode {
  MODE_SHIFT,
  MODE_LOADS,
};

/* How many of the LANES columns from column c on are inside a row of `width` floats. */
INLINE size_t clip_count(size_t c, size_t width) {
  return c >= width ? 0 : width - c < LANES ? width - c : LANES;
}

/* The tap vector `shift` lanes along from `cur` (shift -2 .. 2), given the vectors before and
 * after it. */
INLINE VEC shifted(VEC before, VEC cur, VEC after, int shift) {
  if (shift < 0) {
    return valign(before, cur, (size_t) (LANES + shift));
  }
  if (shift > 0) {
    return valign(cur, after, (size_t) shift);
  }
  return cur;
}

INLINE void vload_pair_clip(const float* p, size_t c, size_t width, VEC* even, VEC* odd) {
  vunzip(vload_clip(p + c, clip_count(c, width)), vload_clip(p + c + LANES, clip_count(c + LANES, width)), even, odd);
}

/*
 * Accumulators. Output vector u of a block of nv vectors is the sum of split partial
 * accumulators acc[j * MAX_NV + u], kernel row ky adding into partial ky % split: blocks of
 * several vectors have nv independent chains of multiply-adds already (split 1), single vectors
 * (the row's edges, and whole rows of small planes) would otherwise wait out K * K dependent
 * multiply-adds, so they split theirs in up to SPLIT chains (an ISA file may define SPLIT).
 */
#ifndef SPLIT
#define SPLIT 2
#endif
#define MAX_SPLIT 3

INLINE size_t split_of(size_t k, size_t nv) {
  return nv > 1 ? 1 : SPLIT < k ? SPLIT : k;
}

INLINE size_t part(size_t k, size_t nv, size_t ky, size_t u) {
  return (ky % split_of(k, nv)) * MAX_NV + u;
}

INLINE void init_acc(size_t k, size_t nv, VEC* acc, const struct taps* t) {
  UNROLL_ALL for (size_t u = 0; u < nv; u++) {
    acc[u] = taps_bias(t);
    UNROLL_ALL for (size_t j = 1; j < split_of(k, nv); j++) {
      acc[j * MAX_NV + u] = vzero();
    }
  }
}

/* nv output vectors (their partial accumulators summed), clamped (and put in order when
 * `permuted`), to out; the last one only its low `last` lanes when last < LANES. */
INLINE void store_vectors(size_t k, size_t nv, const VEC* acc, float* out, size_t last, int permuted, VEC vmin,
                          VEC vmax) {
  UNROLL_ALL for (size_t u = 0; u < nv; u++) {
    VEC v = acc[u];
    UNROLL_ALL for (size_t j = 1; j < split_of(k, nv); j++) {
      v = vadd(v, acc[j * MAX_NV + u]);
    }
    if (permuted) {
      v = vunpermute(v);
    }
    v = vclamp(v, vmin, vmax);
    if (u == nv - 1 && last < LANES) {
      vstore_part(out + u * LANES, v, last);
    } else {
      vstore(out + u * LANES, v);
    }
  }
}

/* ---- stride 1 ---- */

/* nv output vectors at x, MODE_SHIFT: per row, v[0] = prev, v[1] = cur (columns x - LANES ..
 * x + LANES - 1) and v[2 ..] the next nv vectors, loaded here (clipped when `clip`); the taps of
 * output vector u are shifts of v[u + 1] towards v[u] and v[u + 2]. prev / cur move on by nv. */
INLINE void block_s1_shift(size_t k, size_t nv, int clip, const float* const* rows, size_t x, size_t width,
                           VEC* prev, VEC* cur, const struct taps* t, VEC* acc) {
  const int p = (int) (k - 1) / 2;
  UNROLL_ALL for (size_t ky = 0; ky < k; ky++) {
    VEC v[MAX_NV + 2];
    v[0] = prev[ky];
    v[1] = cur[ky];
    UNROLL_ALL for (size_t u = 0; u < nv; u++) {
      const size_t c = x + (u + 1) * LANES;
      v[u + 2] = clip ? vload_clip(rows[ky] + c, clip_count(c, width)) : vload(rows[ky] + c);
    }
    UNROLL_ALL for (size_t kx = 0; kx < k; kx++) {
      UNROLL_ALL for (size_t u = 0; u < nv; u++) {
        const size_t j = part(k, nv, ky, u);
        acc[j] = vmadd_tap(acc[j], shifted(v[u], v[u + 1], v[u + 2], (int) kx - p), t, ky * k + kx);
      }
    }
    prev[ky] = v[nv];
    cur[ky] = v[nv + 1];
  }
}

/* nv output vectors at x (x >= P, every column read inside the row), MODE_LOADS. */
INLINE void block_s1_loads(size_t k, size_t nv, const float* const* rows, size_t x, const struct taps* t,
                           VEC* acc) {
  const size_t p = (k - 1) / 2;
  UNROLL_ALL for (size_t ky = 0; ky < k; ky++) {
    UNROLL_ALL for (size_t kx = 0; kx < k; kx++) {
      UNROLL_ALL for (size_t u = 0; u < nv; u++) {
        const size_t j = part(k, nv, ky, u);
        acc[j] = vmadd_tap(acc[j], vload(rows[ky] + (x + u * LANES + kx - p)), t, ky * k + kx);
      }
    }
  }
}

/* One MODE_LOADS trip: nv output vectors at x, with the taps trip_taps gives, stored to out + x. */
INLINE void trip_s1_loads(size_t k, size_t nv, const float* const* rows, size_t x, const struct taps* held, VEC vmin,
                          VEC vmax, float* out, VEC* acc) {
  struct taps copy;
  const struct taps* t = trip_taps(k, held, &copy);
  init_acc(k, nv, acc, t);
  block_s1_loads(k, nv, rows, x, t, acc);
  store_vectors(k, nv, acc, out + x, LANES, 0, vmin, vmax);
}

INLINE void row_s1(size_t k, size_t nv, enum mode mode, const float* const* rows, size_t width, size_t ow,
                   const struct taps* t, VEC vmin, VEC vmax, float* out) {
  const size_t p = (k - 1) / 2;
  VEC prev[MAX_K], cur[MAX_K], acc[MAX_NV * MAX_SPLIT];
  UNROLL_ALL for (size_t ky = 0; ky < k; ky++) {
    prev[ky] = vzero();
    cur[ky] = vload_clip(rows[ky], clip_count(0, width));
  }
  size_t x = 0;
  if (mode == MODE_SHIFT) {
    for (; x + (nv + 1) * LANES <= width && x + nv * LANES <= ow; x += nv * LANES) {
      init_acc(k, nv, acc, t);
      block_s1_shift(k, nv, 0, rows, x, width, prev, cur, t, acc);
      store_vectors(k, nv, acc, out + x, LANES, 0, vmin, vmax);
    }
    if (nv > 1) {
      for (; x + 2 * LANES <= width && x + LANES <= ow; x += LANES) {
        init_acc(k, 1, acc, t);
        block_s1_shift(k, 1, 0, rows, x, width, prev, cur, t, acc);
        store_vectors(k, 1, acc, out + x, LANES, 0, vmin, vmax);
      }
    }
  } else if (2 * LANES <= width && LANES <= ow) {
    /* The first vector (its left columns are padding) as in MODE_SHIFT. */
    init_acc(k, 1, acc, t);
    block_s1_shift(k, 1, 0, rows, 0, width, prev, cur, t, acc);
    store_vectors(k, 1, acc, out, LANES, 0, vmin, vmax);
    x = LANES;
    for (; x + nv * LANES + p <= width && x + nv * LANES <= ow; x += nv * LANES) {
      trip_s1_loads(k, nv, rows, x, t, vmin, vmax, out, acc);
    }
    if (nv > 4 && x + 4 * LANES + p <= width && x + 4 * LANES <= ow) {
      trip_s1_loads(k, 4, rows, x, t, vmin, vmax, out, acc);
      x += 4 * LANES;
    }
    if (nv > 2 && x + 2 * LANES + p <= width && x + 2 * LANES <= ow) {
      trip_s1_loads(k, 2, rows, x, t, vmin, vmax, out, acc);
      x += 2 * LANES;
    }
    if (nv > 1) {
      for (; x + LANES + p <= width && x + LANES <= ow; x += LANES) {
        trip_s1_loads(k, 1, rows, x, t, vmin, vmax, out, acc);
      }
    }
    /* The state at x for the end of the row (x >= LANES: prev is inside the row). */
    UNROLL_ALL for (size_t ky = 0; ky < k; ky++) {
      prev[ky] = vload(rows[ky] + (x - LANES));
      cur[ky] = vload_clip(rows[ky] + x, clip_count(x, width));
    }
  }
  /* The end of the row: the next vector clipped, the last output vector partial. */
  for (; x < ow; x += LANES) {
    init_acc(k, 1, acc, t);
    block_s1_shift(k, 1, 1, rows, x, width, prev, cur, t, acc);
    store_vectors(k, 1, acc, out + x, ow - x, 0, vmin, vmax);
  }
}

/* ---- stride 2 ---- */

/*
 * nv output vectors at x, MODE_SHIFT. Output vector u reads columns c_u + 2i + kx - P (c_u =
 * 2x + 2u LANES): the even (e) and odd (o) columns of the pair of vectors at c_u, shifted by
 * floor((kx - P) / 2) lanes. Per row e[u + 1] / o[u + 1] is the pair at c_u, e[0] / o[0] the
 * pair before (state), and for K = 5 (a shift of +1 on the even columns) the pair after too:
 * then the pair at c_0 is state as well and the loads run one pair ahead. Clipped when `clip`.
 */
INLINE void block_s2_shift(size_t k, size_t nv, int clip, const float* const* rows, size_t x, size_t width,
                           VEC* eprev, VEC* oprev, VEC* ecur, VEC* ocur, const struct taps* t, VEC* acc) {
  const int p = (int) (k - 1) / 2;
  const size_t ahead = k == 5 ? 1 : 0;
  UNROLL_ALL for (size_t ky = 0; ky < k; ky++) {
    VEC e[MAX_NV + 2], o[MAX_NV + 2];
    e[0] = eprev[ky];
    o[0] = oprev[ky];
    if (ahead) {
      e[1] = ecur[ky];
      o[1] = ocur[ky];
    }
    UNROLL_ALL for (size_t u = 0; u < nv; u++) {
      const size_t c = 2 * x + (u + ahead) * 2 * LANES;
      if (clip) {
        vload_pair_clip(rows[ky], c, width, &e[u + 1 + ahead], &o[u + 1 + ahead]);
      } else {
        vload_pair(rows[ky] + c, &e[u + 1 + ahead], &o[u + 1 + ahead]);
      }
    }
    UNROLL_ALL for (size_t kx = 0; kx < k; kx++) {
      const int d = (int) kx - p;
      /* floor(d / 2) for d in -2 .. 2. */
      const int shift = d < 0 ? -((1 - d) / 2) : d / 2;
      UNROLL_ALL for (size_t u = 0; u < nv; u++) {
        const VEC* v = d % 2 == 0 ? e : o;
        const VEC after = ahead ? v[u + 2] : v[u + 1];
        const size_t j = part(k, nv, ky, u);
        acc[j] = vmadd_tap(acc[j], shifted(v[u], v[u + 1], after, shift), t, ky * k + kx);
      }
    }
    eprev[ky] = e[nv];
    oprev[ky] = o[nv];
    if (ahead) {
      ecur[ky] = e[nv + 1];
      ocur[ky] = o[nv + 1];
    }
  }
}

/* Columns a stride-2 MODE_LOADS trip reads past the pairs at its vectors (2x + 2 nv LANES): K = 5
 * two more (its pair or loads at c_u + 2); K = 3 with S2_UNZIP_TAPS one more (loads at c_u + 1). */
INLINE size_t s2_loads_extra(size_t k) {
#ifdef S2_UNZIP_TAPS
  return k == 5 ? 2 : 1;
#else
  return k == 5 ? 2 : 0;
#endif
}

/* nv output vectors at x (x >= 1, every column read inside the row), MODE_LOADS: the pairs at
 * c_u - 2, c_u (and c_u + 2 for K = 5), loaded with vload_pair_loads. An ISA file that defines
 * S2_UNZIP_TAPS (vunpermute the identity, vunzip no dearer than a pair load) takes the K tap
 * vectors (columns c_u + kx - P + 2i) from unzips of two plain loads instead, only the halves
 * used: K = 3 at c_u - 1 (taps 0, 1) and c_u + 1 (tap 2), 3 halves where the pairs at c_u - 2 and
 * c_u give 4; K = 5 at c_u - 2, c_u and c_u + 2, 5 halves for 6 (NEON: ld2 de-interleaves on
 * the vector pipes too). */
INLINE void block_s2_loads(size_t k, size_t nv, const float* const* rows, size_t x, const struct taps* t,
                           VEC* acc) {
  const int p = (int) (k - 1) / 2;
  UNROLL_ALL for (size_t ky = 0; ky < k; ky++) {
    UNROLL_ALL for (size_t u = 0; u < nv; u++) {
      const float* c = rows[ky] + 2 * x + u * 2 * LANES;
#ifdef S2_UNZIP_TAPS
      {
        VEC tap[5], unused;
        if (k == 3) {
          vunzip(vload(c - 1), vload(c - 1 + LANES), &tap[0], &tap[1]);
          vunzip(vload(c + 1), vload(c + 1 + LANES), &tap[2], &unused);
        } else {
          vunzip(vload(c - 2), vload(c - 2 + LANES), &tap[0], &tap[1]);
          vunzip(vload(c), vload(c + LANES), &tap[2], &tap[3]);
          vunzip(vload(c + 2), vload(c + 2 + LANES), &tap[4], &unused);
        }
        UNROLL_ALL for (size_t kx = 0; kx < k; kx++) {
          const size_t j = part(k, nv, ky, u);
          acc[j] = vmadd_tap(acc[j], tap[kx], t, ky * k + kx);
        }
        continue;
      }
#endif
      VEC e[3], o[3];
      vload_pair_loads(c - 2, &e[0], &o[0]);
      vload_pair_loads(c, &e[1], &o[1]);
      if (k == 5) {
        vload_pair_loads(c + 2, &e[2], &o[2]);
      }
      UNROLL_ALL for (size_t kx = 0; kx < k; kx++) {
        const int d = (int) kx - p;
        const int shift = d < 0 ? -((1 - d) / 2) : d / 2;
        const size_t j = part(k, nv, ky, u);
        acc[j] = vmadd_tap(acc[j], d % 2 == 0 ? e[shift + 1] : o[shift + 1], t, ky * k + kx);
      }
    }
  }
}

INLINE void row_s2(size_t k, size_t nv, enum mode mode, const float* const* rows, size_t width, size_t ow,
                   const struct taps* t, VEC vmin, VEC vmax, float* out) {
  /* Columns past 2x a trip of n vectors reads in MODE_SHIFT (K = 5 one pair ahead) and in
   * MODE_LOADS (s2_loads_extra more). */
  const size_t ahead = k == 5 ? 1 : 0;
  const size_t extra = s2_loads_extra(k);
  VEC eprev[MAX_K], oprev[MAX_K], ecur[MAX_K], ocur[MAX_K], acc[MAX_NV * MAX_SPLIT];
  UNROLL_ALL for (size_t ky = 0; ky < k; ky++) {
    eprev[ky] = vzero();
    oprev[ky] = vzero();
    if (ahead) {
      vload_pair_clip(rows[ky], 0, width, &ecur[ky], &ocur[ky]);
    } else {
      ecur[ky] = ocur[ky] = vzero();
    }
  }
  size_t x = 0;
  if (mode == MODE_SHIFT) {
    for (; 2 * x + (nv + ahead) * 2 * LANES <= width && x + nv * LANES <= ow; x += nv * LANES) {
      init_acc(k, nv, acc, t);
      block_s2_shift(k, nv, 0, rows, x, width, eprev, oprev, ecur, ocur, t, acc);
      store_vectors(k, nv, acc, out + x, LANES, 0, vmin, vmax);
    }
    if (nv > 1) {
      for (; 2 * x + (1 + ahead) * 2 * LANES <= width && x + LANES <= ow; x += LANES) {
        init_acc(k, 1, acc, t);
        block_s2_shift(k, 1, 0, rows, x, width, eprev, oprev, ecur, ocur, t, acc);
        store_vectors(k, 1, acc, out + x, LANES, 0, vmin, vmax);
      }
    }
  } else if ((1 + ahead) * 2 * LANES <= width && LANES <= ow) {
    /* The first vector (its left columns are padding) as in MODE_SHIFT. */
    init_acc(k, 1, acc, t);
    block_s2_shift(k, 1, 0, rows, 0, width, eprev, oprev, ecur, ocur, t, acc);
    store_vectors(k, 1, acc, out, LANES, 0, vmin, vmax);
    x = LANES;
    for (; 2 * x + nv * 2 * LANES + extra <= width && x + nv * LANES <= ow; x += nv * LANES) {
      init_acc(k, nv, acc, t);
      block_s2_loads(k, nv, rows, x, t, acc);
      store_vectors(k, nv, acc, out + x, LANES, 1, vmin, vmax);
    }
    if (nv > 2 && 2 * x + 2 * 2 * LANES + extra <= width && x + 2 * LANES <= ow) {
      init_acc(k, 2, acc, t);
      block_s2_loads(k, 2, rows, x, t, acc);
      store_vectors(k, 2, acc, out + x, LANES, 1, vmin, vmax);
      x += 2 * LANES;
    }
    if (nv > 1) {
      for (; 2 * x + 2 * LANES + extra <= width && x + LANES <= ow; x += LANES) {
        init_acc(k, 1, acc, t);
        block_s2_loads(k, 1, rows, x, t, acc);
        store_vectors(k, 1, acc, out + x, LANES, 1, vmin, vmax);
      }
    }
    /* The state at x for the end of the row (x >= LANES: the pair before is inside the row). */
    UNROLL_ALL for (size_t ky = 0; ky < k; ky++) {
      vload_pair(rows[ky] + 2 * (x - LANES), &eprev[ky], &oprev[ky]);
      if (ahead) {
        vload_pair_clip(rows[ky], 2 * x, width, &ecur[ky], &ocur[ky]);
      }
    }
  }
  /* The end of the row: the pairs clipped, the last output vector partial. */
  for (; x < ow; x += LANES) {
    init_acc(k, 1, acc, t);
    block_s2_shift(k, 1, 1, rows, x, width, eprev, oprev, ecur, ocur, t, acc);
    store_vectors(k, 1, acc, out + x, ow - x, 0, vmin, vmax);
  }
}

/* ---- the kernel ---- */

/* k, s, nv and mode are compile-time constants at every call. */
INLINE void dwconv2d_chw(size_t k, size_t s, size_t nv, enum mode mode, size_t input_height, size_t input_width,
                         size_t output_height, size_t output_width, const float* input, const float* weights,
                         const float* zero, float* output, uint32_t padding_top,
                         const struct sprig_f32_minmax_params* params) {
  struct taps t;
  taps_init(k, weights, &t);
  const VEC vmin = vload_splat(&params->min);
  const VEC vmax = vload_splat(&params->max);
  for (size_t y = 0; y < output_height; y++) {
    const float* rows[MAX_K];
    UNROLL_ALL for (size_t ky = 0; ky < k; ky++) {
      const size_t r = y * s + ky;
      rows[ky] = r < padding_top || r - padding_top >= input_height ? zero : input + (r - padding_top) * input_width;
    }
    float* out = output + y * output_width;
    if (s == 1) {
      row_s1(k, nv, mode, rows, input_width, output_width, &t, vmin, vmax, out);
    } else {
      row_s2(k, nv, mode, rows, input_width, output_width, &t, vmin, vmax, out);
    }
  }
}
