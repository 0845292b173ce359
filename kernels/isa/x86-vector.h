/*
 * Vector loads, stores and the clamp for x86 kernels written over the ISA's macros (the
 * x86-template.h of a kernel family), once for SSE2, AVX2 and AVX-512. Included after one of
 * isa/sse2.h, isa/avx2.h or isa/avx512f.h, which define INLINE, VEC, MASK, VLOADU, VMASKLOAD,
 * VSTOREU, VMASKSTORE, VMIN and VMAX.
 */
#ifndef SPRIG_ISA_X86_VECTOR_H
#define SPRIG_ISA_X86_VECTOR_H

#if !defined(VEC) || !defined(INLINE)
#error "isa/x86-vector.h needs the macros of isa/sse2.h, isa/avx2.h or isa/avx512f.h"
#endif

/*
 * `masked` says what a vector load or store of a template covers:
 *   0                 all LANES lanes;
 *   1                 the lanes of `mask` (the low k lanes of a tile's last vector);
 *   MASKED_LOW        the same, k < LANES / 2, and
 *   MASKED_HALF       k = LANES / 2, for an ISA that defines VMASKLOAD_LOW(p, mask) and
 *                     VLOAD_LOW(p): it loads those lanes with a half-width load (masked, or plain
 *                     for exactly half), the upper half zero. (AVX-512: a 512-bit masked load
 *                     whose 64 bytes cross a cache line is slow even when the masked-off lanes
 *                     are the ones across it.) Stores of any masked kind store the lanes of mask.
 * It is a compile-time constant at every call, so each kind is its own code.
 */
#define MASKED_LOW 2
#define MASKED_HALF 3

/* The `masked` kind of vector i of nv, the last of which holds the tail. */
#define LAST_MASKED(masked, i, nv) ((i) == (nv) - 1 ? (masked) : 0)

/* The `masked` kind for a last vector of k lanes (1 <= k <= LANES). */
#ifdef VMASKLOAD_LOW
#define TAIL_KIND(k) ((k) < LANES / 2 ? MASKED_LOW : (k) == LANES / 2 ? MASKED_HALF : 1)
#else
#define TAIL_KIND(k) 1
#endif

/* REST_TILE(V, kind) for a tail pass of V vectors whose last one is of `tail_kind`: the half-width
 * kinds for one-vector passes only (each kind is its own code), else the full masked kind. */
#define CALL_REST_TILE(V, tail_kind, REST_TILE)          \
  do {                                                   \
    if ((V) == 1 && (tail_kind) == MASKED_LOW) {         \
      REST_TILE(V, MASKED_LOW);                          \
    } else if ((V) == 1 && (tail_kind) == MASKED_HALF) { \
      REST_TILE(V, MASKED_HALF);                         \
    } else {                                             \
      REST_TILE(V, 1);                                   \
    }                                                    \
  } while (0)

/* LANES floats from p, or only the lanes of `mask` (the others zero) when `masked`. */
INLINE VEC vload(const float* p, int masked, MASK mask) {
#ifdef VMASKLOAD_LOW
  if (masked == MASKED_LOW) {
    return VMASKLOAD_LOW(p, mask);
  }
  if (masked == MASKED_HALF) {
    return VLOAD_LOW(p);
  }
#endif
  return masked ? VMASKLOAD(p, mask) : VLOADU(p);
}

/* LANES floats to p, or only the lanes of `mask` when `masked` (any masked kind). */
INLINE void vstore(float* p, VEC v, int masked, MASK mask) {
  if (masked) {
    VMASKSTORE(p, mask, v);
  } else {
    VSTOREU(p, v);
  }
}

INLINE VEC vclamp(VEC v, VEC vmin, VEC vmax) {
  /* The bound goes first: (v)maxps/(v)minps return the second operand when either is NaN, so a
   * NaN result stays NaN as in the scalar kernel. */
  return VMIN(vmax, VMAX(vmin, v));
}

#endif /* SPRIG_ISA_X86_VECTOR_H */
