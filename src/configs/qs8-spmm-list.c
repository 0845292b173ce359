/* The int8 SpMM kernel list (kernels/qs8-spmm/list.inc) and its chooser. */
#include <sprig/common.h>
#include <sprig/config.h>
#include <sprig/qs8-spmm.h>

const struct sprig_qs8_spmm_ukernel sprig_qs8_spmm_ukernels[] = {
/* Per list layout: the entry's functions and the weights layout it reads. */
#define SPRIG_QS8_SPMM_FNS_c4(fn) fn, NULL, NULL, NULL, NULL, sprig_qs8_spmm_layout_c4, false
#define SPRIG_QS8_SPMM_FNS_terms(fn) NULL, fn, NULL, NULL, NULL, sprig_qs8_spmm_layout_terms, false
#define SPRIG_QS8_SPMM_FNS_quartets(fn) NULL, NULL, fn, fn##_pack, NULL, sprig_qs8_spmm_layout_quartets, false
#define SPRIG_QS8_SPMM_FNS_quartets_plain(fn) NULL, NULL, fn, fn##_pack, NULL, sprig_qs8_spmm_layout_quartets, true
#define SPRIG_QS8_SPMM_FNS_quartets_requant(fn) \
  NULL, NULL, fn, fn##_pack, fn##_requant, sprig_qs8_spmm_layout_quartets, false
#define SPRIG_QS8_SPMM_UKERNEL(isa, mr, layout, unsigned_input, is_default, fn) \
  {#fn, SPRIG_QS8_SPMM_FNS_##layout(fn), sprig_isa_##isa, mr, unsigned_input, is_default, false},
#define SPRIG_QS8_SPMM_UKERNEL_INORDER(isa, mr, layout, unsigned_input, is_default, fn) \
  {#fn, SPRIG_QS8_SPMM_FNS_##layout(fn), sprig_isa_##isa, mr, unsigned_input, is_default, true},
#include <qs8-spmm/list.inc>
#undef SPRIG_QS8_SPMM_UKERNEL_INORDER
#undef SPRIG_QS8_SPMM_UKERNEL
#undef SPRIG_QS8_SPMM_FNS_c4
#undef SPRIG_QS8_SPMM_FNS_terms
#undef SPRIG_QS8_SPMM_FNS_quartets
#undef SPRIG_QS8_SPMM_FNS_quartets_plain
#undef SPRIG_QS8_SPMM_FNS_quartets_requant
};
const size_t sprig_qs8_spmm_ukernel_count = sizeof(sprig_qs8_spmm_ukernels) / sizeof(sprig_qs8_spmm_ukernels[0]);

static struct sprig_ukernel_traits qs8_spmm_traits(size_t i) {
  const struct sprig_qs8_spmm_ukernel* k = &sprig_qs8_spmm_ukernels[i];
  return (struct sprig_ukernel_traits){k->isa, k->mr, 1, false, k->is_default, k->inorder, false};
}

const struct sprig_qs8_spmm_ukernel* sprig_choose_qs8_spmm_ukernel(const struct sprig_hardware* hardware) {
  const struct sprig_ukernel_list list = {sprig_qs8_spmm_ukernel_count, qs8_spmm_traits};
  return &sprig_qs8_spmm_ukernels[sprig_choose_ukernel(hardware, &list, 1)];
}

/* The kernel of `isa` and `layout` kind (quartets or not) with the smallest MR covering `pixels`,
 * else the one with the largest MR; NULL when the ISA has none of that kind. `chosen`, when of
 * that kind, wins ties. */
static const struct sprig_qs8_spmm_ukernel* narrowest_covering(const struct sprig_qs8_spmm_ukernel* chosen,
                                                               bool quartets, size_t pixels) {
  const bool chosen_kind = quartets == (chosen->layout == sprig_qs8_spmm_layout_quartets);
  const struct sprig_qs8_spmm_ukernel* best = chosen_kind ? chosen : NULL;
  for (size_t i = 0; i < sprig_qs8_spmm_ukernel_count; i++) {
    const struct sprig_qs8_spmm_ukernel* k = &sprig_qs8_spmm_ukernels[i];
    if (k->isa != chosen->isa || quartets != (k->layout == sprig_qs8_spmm_layout_quartets)) {
      continue;
    }
    const bool covers = k->mr >= pixels, best_covers = best != NULL && best->mr >= pixels;
    if (best == NULL || (covers ? !best_covers || k->mr < best->mr : !best_covers && k->mr > best->mr)) {
      best = k;
    }
  }
  return best;
}

/* The quartet layout (one 64-byte load per nonzero and 64 pixels, two shuffles per nonzero and
 * 16 pixels) beats the c4 entries (one load and one multiply per entry and 16 pixels) where an
 * entry holds fewer than QUARTETS_BELOW_NONZEROS_PER_ENTRY nonzeros on average -- unstructured
 * weights at least ~40% sparse, N:M 2:4 and sparser, output blocks; not 1 x 4 or 1 x 8 blocks,
 * whose entries are full -- on rows of at least QUARTETS_FROM_PIXELS pixels (a quartet kernel
 * reads whole 64-pixel blocks). Otherwise rows shorter than the chosen kernel's MR take the same
 * ISA's narrowest kernel that covers them (an MR = 1 kernel for one pixel: vectorized over the
 * entries); longer rows keep the chosen one. Unlike f32 there is no switch to scalar for short
 * rows: the SIMD kernels' narrow tiles still take four input channels per instruction lane. */
#define QUARTETS_BELOW_NONZEROS_PER_ENTRY 2.5
#define QUARTETS_FROM_PIXELS 32
const struct sprig_qs8_spmm_ukernel* sprig_fit_qs8_spmm_ukernel(const struct sprig_hardware* hardware,
                                                                const struct sprig_qs8_spmm_ukernel* chosen,
                                                                size_t pixels, size_t entries, size_t nonzeros) {
  (void) hardware;
  const bool sparse_entries = (double) nonzeros < QUARTETS_BELOW_NONZEROS_PER_ENTRY * (double) entries;
  if (pixels >= QUARTETS_FROM_PIXELS && sparse_entries) {
    const struct sprig_qs8_spmm_ukernel* quartets = narrowest_covering(chosen, true, pixels);
    if (quartets != NULL) {
      return quartets;
    }
  }
  if (pixels >= chosen->mr) {
    return chosen;
  }
  const struct sprig_qs8_spmm_ukernel* best = narrowest_covering(chosen, false, pixels);
  return best != NULL ? best : chosen;
}
