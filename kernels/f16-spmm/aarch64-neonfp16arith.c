/*
 * aarch64 NEON FP16 arithmetic (ARMv8.2-A FP16) f16 SpMM: 8 pixels per q register as halves,
 * V = MR / 8 accumulators per channel, summed in half precision (fmla .8h: one rounding per
 * fused multiply-add).
 *
 * Per nonzero of an MRx1 tile: V ldr q of 8 input halves, V fmla .8h with the weight taken by
 * lane from one ldr q of 8 weights per 8 nonzeros, and the row step from one 8-byte load per 8
 * nonzeros. Narrow tiles take the nonzeros in turn into 8 / V accumulator sets, summed (in half)
 * at the end. The clamp uses min_f16 / max_f16 (fmax / fmin keep NaN).
 *
 * Pixel remainders: one pass over the last mc % MR pixels with as many vectors as they need. A
 * partial last vector of k halves is, per nonzero, one ldr q of the 8 halves that end at the
 * row's last pixel and one tbl that moves their last k into lanes 0 .. k-1 and zeros the rest
 * (the index is made once per call); rows shorter than 8 pixels are loaded piecewise (8, 4, 2
 * bytes), and a partial output vector is stored piecewise, so that nothing outside
 * input[0 .. mc) and output[0 .. mc) is read or written.
 */
#include <arm_neon.h>
#include <string.h>

#include <sprig/f16-spmm.h>

#define INLINE static inline __attribute__((always_inline))
#define VEC float16x8_t
#define LANES 8
#define VLOAD_X(p) vreinterpretq_f16_u16(vld1q_u16(p))
#define VLOAD_X_PART(p, k) load_part(p, k)
#define VSTORE_Y(p, v) vst1q_u16(p, vreinterpretq_u16_f16(v))
#define VSTORE_Y_PART(p, v, k) store_part(p, v, k)
#define TAIL uint8x16_t
#define VTAIL_INIT(k) tail_index(k)
#define VLOAD_X_TAIL(p, t) load_tail(p, t)
#define VMADD(acc, x, w) vfmaq_f16(acc, x, w)
#define VADD(a, b) vaddq_f16(a, b)
#define VZERO() vreinterpretq_f16_u16(vdupq_n_u16(0))
#define VBROADCAST_HALF(h) vreinterpretq_f16_u16(vdupq_n_u16(h))
#define WGROUP float16x8_t
#define VLOAD_WGROUP(p) VLOAD_X(p)
#define VPERM_W(g, l) vdupq_n_f16((g)[(l)])
#define VCLAMP_MIN(params) VBROADCAST_HALF((params)->min_f16)
#define VCLAMP_MAX(params) VBROADCAST_HALF((params)->max_f16)
#define VMIN(a, b) vminq_f16(a, b)
#define VMAX(a, b) vmaxq_f16(a, b)

/* The tbl index for a tail of k (1 .. 7) halves: bytes 16 - 2k .. 15 to bytes 0 .. 2k-1, 0xFF
 * (a zero byte) above. */
INLINE uint8x16_t tail_index(size_t k) {
  static const uint8_t iota[16] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
  const uint8x16_t bytes = vld1q_u8(iota);
  const uint8x16_t kept = vcltq_u8(bytes, vdupq_n_u8((uint8_t) (2 * k)));
  return vorrq_u8(vaddq_u8(bytes, vdupq_n_u8((uint8_t) (16 - 2 * k))), vmvnq_u8(kept));
}

INLINE float16x8_t load_tail(const uint16_t* p, uint8x16_t index) {
  return vreinterpretq_f16_u8(vqtbl1q_u8(vld1q_u8((const uint8_t*) p), index));
}

/* The first k (1 .. 7) halves at p, the other lanes zero: 4, 2 and 1 halves as k's bits say. */
INLINE float16x8_t load_part(const uint16_t* p, size_t k) {
  uint64_t lanes[2] = {0, 0};
  uint64_t low = 0;
  uint32_t pair = 0;
  if (k & 4) {
    memcpy(&lanes[0], p, sizeof(uint64_t));
  }
  if (k & 2) {
    memcpy(&pair, p + (k & 4), sizeof(pair));
  }
  low = pair;
  if (k & 1) {
    low |= (uint64_t) p[k - 1] << (16 * (k & 2));
  }
  lanes[(k & 4) / 4] = low;
  return vreinterpretq_f16_u64(vcombine_u64(vcreate_u64(lanes[0]), vcreate_u64(lanes[1])));
}

/* The first k (1 .. 7) lanes of v to p: 4, 2 and 1 halves as k's bits say. */
INLINE void store_part(uint16_t* p, float16x8_t v, size_t k) {
  uint16x8_t u = vreinterpretq_u16_f16(v);
  if (k & 4) {
    vst1_u16(p, vget_low_u16(u));
    p += 4;
    u = vextq_u16(u, u, 4);
  }
  if (k & 2) {
    const uint32_t pair = vgetq_lane_u32(vreinterpretq_u32_u16(u), 0);
    memcpy(p, &pair, sizeof(pair));
    p += 2;
    u = vextq_u16(u, u, 2);
  }
  if (k & 1) {
    vst1q_lane_u16(p, u, 0);
  }
}

#include "simd-template.h"

#define DEFINE_NEONFP16ARITH_SPMM(MR) SPMM_KERNEL(sprig_f16_spmm_ukernel_##MR##x1__aarch64_neonfp16arith, MR / 8)

DEFINE_NEONFP16ARITH_SPMM(8)
DEFINE_NEONFP16ARITH_SPMM(16)
DEFINE_NEONFP16ARITH_SPMM(32)

/*
 * 64x1: rows of 64 halves (8 q registers, the bytes of the f32 32x1 pipelined loop's rows), the
 * input rows of each group of 4 nonzeros computed during the group before (one ldr w of steps,
 * prefix sums: kernels/isa/neon-rows4.h), two groups per trip, nonzeros alternating between two
 * sets of 8 accumulators (16 chains of fmla .8h by lane), added once per channel. Row strides
 * above INT32_MAX (never seen) take the 32x1 tile. The last mc % 64 pixels take one 32x1 tile
 * when at least 32 are left, then one template pass as the 32x1 kernel does.
 */
#include <isa/neon-rows4.h>

/* struct rows4 and rows4_at for half rows. */
SPRIG_DEFINE_ROWS4(uint16_t)

/* Keeps GCC from hoisting the next row's loads above this point (and spilling accumulators). */
#define ROW_FENCE() __asm__ volatile("" ::: "memory")

/* acc + x * lane `lane` of w as one fmla by element (GCC 12 makes vfmaq_lane_f16 a dup and an
 * fmla by vector); w in v0-v15, as by-element half multiplies require. */
#define fmla_by_lane(acc, x, w, lane)                                                          \
  __extension__({                                                                              \
    float16x8_t acc_ = (acc);                                                                  \
    __asm__("fmla %0.8h, %1.8h, %2.h[%3]" : "+w"(acc_) : "w"(x), "x"(w), "i"(lane));           \
    acc_;                                                                                      \
  })

/* acc[0..8) += row[0..64) * lane `lane` of vw, vectors 4 and 6 through an alias of row + 64 the
 * compiler cannot see through, so that it pairs vectors 0-3 into two ldp q and loads 4-7 singly
 * (the mix the f32 32x1 pipelined loop settled on between llvm-mca's models). */
#define FMA_ROW_64(acc, row, vw, lane)                                                              \
  do {                                                                                            \
    const uint16_t* hi_ = (const uint16_t*) (row) + 64;                                           \
    __asm__("" : "+r"(hi_));                                                                      \
    _Pragma("GCC unroll 8") for (size_t v_ = 0; v_ < 8; v_++) {                                   \
      const uint16_t* x_ = (v_ == 4 || v_ == 6) ? hi_ - 64 + 8 * v_ : (const uint16_t*) (row) + 8 * v_; \
      (acc)[v_] = fmla_by_lane((acc)[v_], VLOAD_X(x_), (vw), (lane));                            \
    }                                                                                             \
  } while (0)

/* The 4 nonzeros of group g with weights w[0..4): rows 0 and 2 into acc0, 1 and 3 into acc1. */
#define GROUP_FMA_64(acc0, acc1, g, w)                                                \
  do {                                                                              \
    const float16x4_t vw_ = vreinterpret_f16_u16(vld1_u16(w));                      \
    FMA_ROW_64(acc0, (g).row[0], vw_, 0);                                           \
    ROW_FENCE();                                                                    \
    FMA_ROW_64(acc1, (g).row[1], vw_, 1);                                           \
    ROW_FENCE();                                                                    \
    FMA_ROW_64(acc0, (g).row[2], vw_, 2);                                           \
    ROW_FENCE();                                                                    \
    FMA_ROW_64(acc1, (g).row[3], vw_, 3);                                           \
    ROW_FENCE();                                                                    \
  } while (0)

/* acc[0..8) += row[0..64) * vw. */
INLINE void fma_row_64_broadcast(float16x8_t acc[8], const uint16_t* row, float16x8_t vw) {
#pragma GCC unroll 8
  for (size_t v = 0; v < 8; v++) {
    acc[v] = vfmaq_f16(acc[v], VLOAD_X(row + 8 * v), vw);
  }
}

/* One channel of 64 pixels: its `count` nonzeros, then the clamped output row. */
INLINE void channel_64x1(uint32_t count, uint16_t bias, const uint16_t** input, int32_t stride, const uint16_t** w,
                         const int8_t** deltas, uint16_t* output, float16x8_t vmin, float16x8_t vmax) {
  const uint16_t* in = *input;
  const uint16_t* wp = *w;
  const int8_t* d = *deltas;
  float16x8_t acc0[8];
  float16x8_t acc1[8];
#pragma GCC unroll 8
  for (size_t v = 0; v < 8; v++) {
    acc0[v] = VBROADCAST_HALF(bias);
    acc1[v] = VZERO();
  }
  if (count >= 4) {
    struct rows4 g = rows4_at(in, d, stride);
    d += 4;
    /* Two groups per trip, g then h, so that no row pointer is copied between trips. */
    while (count >= 8) {
      const struct rows4 h = rows4_at(g.next, d, stride);
      d += 4;
      GROUP_FMA_64(acc0, acc1, g, wp);
      wp += 4;
      count -= 4;
      if (count < 8) {
        g = h;
        break;
      }
      g = rows4_at(h.next, d, stride);
      d += 4;
      GROUP_FMA_64(acc0, acc1, h, wp);
      wp += 4;
      count -= 4;
    }
    GROUP_FMA_64(acc0, acc1, g, wp);
    wp += 4;
    in = g.next;
    count -= 4;
  }
  /* The last count % 4 nonzeros, in turn into the two sets (each set named at compile time, so
   * that the accumulators stay in registers). */
  if (count >= 1) {
    fma_row_64_broadcast(acc0, in, VBROADCAST_HALF(wp[0]));
    in = next_row(in, *d++, (size_t) (intptr_t) stride);
  }
  if (count >= 2) {
    fma_row_64_broadcast(acc1, in, VBROADCAST_HALF(wp[1]));
    in = next_row(in, *d++, (size_t) (intptr_t) stride);
  }
  if (count >= 3) {
    fma_row_64_broadcast(acc0, in, VBROADCAST_HALF(wp[2]));
    in = next_row(in, *d++, (size_t) (intptr_t) stride);
  }
  wp += count;
#pragma GCC unroll 8
  for (size_t v = 0; v < 8; v++) {
    VSTORE_Y(output + 8 * v, VMIN(vmax, VMAX(vmin, VADD(acc0[v], acc1[v]))));
  }
  *input = in;
  *w = wp;
  *deltas = d;
}

/* The first `full` pixels (a multiple of 64) in tiles of 64 over all nc channels. */
static __attribute__((noinline)) void sprig_f16_spmm_ukernel_64x1__aarch64_neonfp16arith_main_tiles(
    size_t full, size_t nc, const uint16_t* input, size_t input_stride, const uint16_t* bias,
    const uint16_t* weights, const int8_t* input_deltas, const uint32_t* nnz, uint16_t* output, size_t output_stride,
    const struct sprig_f16_minmax_params* params) {
  const float16x8_t vmin = VCLAMP_MIN(params);
  const float16x8_t vmax = VCLAMP_MAX(params);
  for (size_t p = 0; p < full; p += 64) {
    const uint16_t* in = input + p;
    const uint16_t* w = weights;
    const int8_t* d = input_deltas;
    uint16_t* out = output + p;
    for (size_t n = 0; n < nc; n++) {
      channel_64x1(nnz[n], bias[n], &in, (int32_t) input_stride, &w, &d, out, vmin, vmax);
      out = (uint16_t*) ((uintptr_t) out + output_stride);
    }
  }
}

void sprig_f16_spmm_ukernel_64x1__aarch64_neonfp16arith(size_t mc, size_t nc, const uint16_t* input,
                                                         size_t input_stride, const uint16_t* bias,
                                                         const uint16_t* weights, const int8_t* input_deltas,
                                                         const uint32_t* nnz, uint16_t* output, size_t output_stride,
                                                         const struct sprig_f16_minmax_params* params) {
  if (input_stride > (size_t) INT32_MAX) {
    sprig_f16_spmm_ukernel_32x1__aarch64_neonfp16arith(mc, nc, input, input_stride, bias, weights, input_deltas, nnz,
                                                        output, output_stride, params);
    return;
  }
  size_t p = mc - mc % 64;
  if (p != 0) {
    sprig_f16_spmm_ukernel_64x1__aarch64_neonfp16arith_main_tiles(p, nc, input, input_stride, bias, weights,
                                                                  input_deltas, nnz, output, output_stride, params);
  }
  if (mc - p >= 32) {
    sprig_f16_spmm_ukernel_32x1__aarch64_neonfp16arith_main_tiles(32, nc, input + p, input_stride, bias, weights,
                                                                  input_deltas, nnz, output + p, output_stride,
                                                                  params);
    p += 32;
  }
  if (p != mc) {
    spmm_rest(4, p, mc, nc, input, input_stride, bias, weights, input_deltas, nnz, output, output_stride, params);
  }
}
