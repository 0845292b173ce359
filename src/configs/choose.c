/* Kernel choice shared by every kernel family: ISA preference, per-(ISA, NR) defaults, and
 * narrowing to the pixel count. Families describe their list through a traits accessor. */
#include <sprig/config.h>

/* Most preferred first. Only ISAs the CPU has (and SPRIG_FORCE_ISA allows) are considered. */
static const enum sprig_isa isa_preference[] = {
    sprig_isa_avx512f, sprig_isa_avx2, sprig_isa_sse2, sprig_isa_neonfma,
    sprig_isa_wasmsimd, sprig_isa_scalar,
};

/* The listed default for (isa, nr), else the widest-MR kernel of that pair, else SIZE_MAX. */
static size_t default_of(const struct sprig_ukernel_list* list, enum sprig_isa isa, uint32_t nr) {
  size_t widest = SIZE_MAX;
  for (size_t i = 0; i < list->count; i++) {
    const struct sprig_ukernel_traits k = list->traits(i);
    if (k.isa != isa || k.nr != nr) {
      continue;
    }
    if (k.is_default) {
      return i;
    }
    if (widest == SIZE_MAX || k.mr > list->traits(widest).mr) {
      widest = i;
    }
  }
  return widest;
}

size_t sprig_choose_ukernel(const struct sprig_hardware* hardware, const struct sprig_ukernel_list* list,
                            uint32_t nr) {
  for (size_t i = 0; i < sizeof(isa_preference) / sizeof(isa_preference[0]); i++) {
    if (sprig_isa_allowed(hardware, isa_preference[i])) {
      const size_t k = default_of(list, isa_preference[i], nr);
      if (k != SIZE_MAX) {
        return k;
      }
    }
  }
  return SIZE_MAX;
}

/* Rows shorter than this run faster on scalar tiles than on any SIMD kernel's remainder path
 * (measured with sprig-bench --kernels on x86: m = 1 is ~2x faster on 1x1 / 2x1 scalar). */
#define SCALAR_BELOW_PIXELS 4

/* The kernel of (isa, nr) with the largest MR <= pixels, or SIZE_MAX. */
static size_t widest_fitting(const struct sprig_ukernel_list* list, enum sprig_isa isa, uint32_t nr,
                             size_t pixels) {
  size_t best = SIZE_MAX;
  for (size_t i = 0; i < list->count; i++) {
    const struct sprig_ukernel_traits k = list->traits(i);
    if (k.isa == isa && k.nr == nr && k.mr <= pixels && (best == SIZE_MAX || k.mr > list->traits(best).mr)) {
      best = i;
    }
  }
  return best;
}

/* The kernel of (isa, nr) with the smallest MR >= pixels (one pass over the weights with the
 * fewest idle lanes), or SIZE_MAX. */
static size_t narrowest_covering(const struct sprig_ukernel_list* list, enum sprig_isa isa, uint32_t nr,
                                 size_t pixels) {
  size_t best = SIZE_MAX;
  for (size_t i = 0; i < list->count; i++) {
    const struct sprig_ukernel_traits k = list->traits(i);
    if (k.isa == isa && k.nr == nr && k.mr >= pixels && (best == SIZE_MAX || k.mr < list->traits(best).mr)) {
      best = i;
    }
  }
  return best;
}

size_t sprig_fit_ukernel(const struct sprig_hardware* hardware, const struct sprig_ukernel_list* list,
                         size_t chosen, size_t pixels) {
  const struct sprig_ukernel_traits c = list->traits(chosen);
  if (pixels > c.mr) {
    /* A wider kernel that covers the row in one pass saves a second pass over the weights for
     * the last pixels; that pays when they are few (below a quarter of MR: AVX-512, 121 pixels,
     * 128x1 15% faster than 112 + 9), not otherwise (14x14 images, 112 + 84 pixels: 112x1 3%
     * faster than 256x1; 144 pixels: 112 + 32 as fast as 128 + 16, 5% faster than 256x1).
     * Beyond twice the default, the default's tiles. */
    const size_t wider = narrowest_covering(list, c.isa, c.nr, pixels);
    const bool few_left = pixels - c.mr < c.mr / 4;
    return wider != SIZE_MAX && list->traits(wider).mr <= 2 * c.mr && few_left ? wider : chosen;
  }
  if (pixels == c.mr) {
    return chosen;
  }
  if (pixels == 1) {
    /* A kernel of the same ISA with MR = 1 is vectorized over the weights (matrix-vector). */
    const size_t one = widest_fitting(list, c.isa, c.nr, 1);
    if (one != SIZE_MAX && list->traits(one).mr == 1) {
      return one;
    }
  }
  if (pixels < SCALAR_BELOW_PIXELS && hardware->forced_isa == sprig_isa_count) {
    const size_t scalar = widest_fitting(list, sprig_isa_scalar, c.nr, pixels);
    if (scalar != SIZE_MAX) {
      return scalar;
    }
  }
  const size_t k = narrowest_covering(list, c.isa, c.nr, pixels);
  return k != SIZE_MAX ? k : chosen;
}
