/* Kernel choice shared by every kernel family: ISA preference, per-(ISA, NR) defaults,
 * narrowing to the pixel count, and the software-prefetch variant. Families describe their list
 * through a traits accessor. */
#include <sprig/common.h>
#include <sprig/config.h>

/* Most preferred first. Only ISAs the CPU has (and SPRIG_FORCE_ISA allows) are considered. */
static const enum sprig_isa isa_preference[] = {
    sprig_isa_avx512fp16, sprig_isa_avx512vnni, sprig_isa_avx512f, sprig_isa_avxvnni, sprig_isa_avx2,
    sprig_isa_sse2, sprig_isa_neonfp16arith, sprig_isa_neondot, sprig_isa_neonfma, sprig_isa_neonvfpv4,
    sprig_isa_neon, sprig_isa_wasmrelaxedsimd, sprig_isa_wasmsimd, sprig_isa_scalar,
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

/* The kinds of variant that stand in for a default on some CPUs. */
enum variant_kind { variant_inorder, variant_for_slow_gathers };

static bool is_variant(const struct sprig_ukernel_traits* t, enum variant_kind kind) {
  return kind == variant_inorder ? t->inorder : t->for_slow_gathers;
}

/* The variant of that kind of kernel k (same ISA, MR, NR and prefetch flag), else k. The
 * searches below never land on a variant by themselves: variants are never defaults and each
 * follows the entries of its MR in the list, so the first-listed-wins searches pass them by. */
static size_t variant_for(const struct sprig_ukernel_list* list, size_t k, enum variant_kind kind) {
  const struct sprig_ukernel_traits d = list->traits(k);
  for (size_t i = 0; i < list->count; i++) {
    const struct sprig_ukernel_traits v = list->traits(i);
    if (is_variant(&v, kind) && v.isa == d.isa && v.mr == d.mr && v.nr == d.nr && v.prefetch == d.prefetch) {
      return i;
    }
  }
  return k;
}

size_t sprig_choose_ukernel(const struct sprig_hardware* hardware, const struct sprig_ukernel_list* list,
                            uint32_t nr) {
  for (size_t i = 0; i < sizeof(isa_preference) / sizeof(isa_preference[0]); i++) {
    if (sprig_isa_allowed(hardware, isa_preference[i])) {
      size_t k = default_of(list, isa_preference[i], nr);
      if (k != SIZE_MAX) {
        k = hardware->inorder_cores ? variant_for(list, k, variant_inorder) : k;
        return hardware->slow_gathers ? variant_for(list, k, variant_for_slow_gathers) : k;
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

/* The input counts as cached when one image's fits in 1 / INPUT_CACHE_SHARE of L2. */
#define INPUT_CACHE_SHARE 4

/* MobileNet v1 at 90% on AVX-512, three alternating runs, ratio to XNNPACK sparse: without
 * software prefetch pw12 (7x7, 512 input channels) ran 4-13% and pw6 (14x14, 256) 4-10% faster,
 * pw13 within the noise, the 28x28 and 56x56 layers (400 KB and more of input) 2-6% slower. */
bool sprig_input_fits_cache(const struct sprig_hardware* hardware, size_t rows, size_t pixels) {
  return pixels <= hardware->l2_bytes / INPUT_CACHE_SHARE / sizeof(float) / SPRIG_MAX(rows, 1);
}

/* The kernel with k's ISA, MR and NR whose prefetch flag is `prefetch`, else k. */
static size_t variant_of(const struct sprig_ukernel_list* list, size_t k, bool prefetch) {
  const struct sprig_ukernel_traits t = list->traits(k);
  if (t.prefetch == prefetch) {
    return k;
  }
  for (size_t i = 0; i < list->count; i++) {
    const struct sprig_ukernel_traits v = list->traits(i);
    if (v.isa == t.isa && v.mr == t.mr && v.nr == t.nr && v.prefetch == prefetch) {
      return i;
    }
  }
  return k;
}

/* The ISA, MR and NR for rows of `pixels` pixels (see sprig_fit_ukernel), either variant. */
static size_t fit_tile(const struct sprig_hardware* hardware, const struct sprig_ukernel_list* list, size_t chosen,
                       size_t pixels) {
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
  /* Several kernels may share chosen's MR (pipelined, in-order variants): chosen stays. */
  return k != SIZE_MAX && list->traits(k).mr != c.mr ? k : chosen;
}

size_t sprig_fit_ukernel(const struct sprig_hardware* hardware, const struct sprig_ukernel_list* list,
                         size_t chosen, size_t pixels, size_t input_rows) {
  const bool prefetch = !sprig_input_fits_cache(hardware, input_rows, pixels);
  return variant_of(list, fit_tile(hardware, list, chosen, pixels), prefetch);
}
