#include <sprig.h>
#include <sprig/config.h>
#include <sprig/log.h>

/* Most preferred first. Only ISAs the CPU has (and SPRIG_FORCE_ISA allows) are considered. */
static const enum sprig_isa isa_preference[] = {
    sprig_isa_avx512f, sprig_isa_avx2, sprig_isa_sse2, sprig_isa_neonfma,
    sprig_isa_neon,    sprig_isa_wasmsimd, sprig_isa_scalar,
};

/* The listed default for (isa, nr), else the widest-MR kernel of that pair, else NULL. */
static const struct sprig_f32_spmm_ukernel* default_kernel_of(enum sprig_isa isa, uint32_t nr) {
  const struct sprig_f32_spmm_ukernel* widest = NULL;
  for (size_t i = 0; i < sprig_f32_spmm_ukernel_count; i++) {
    const struct sprig_f32_spmm_ukernel* k = &sprig_f32_spmm_ukernels[i];
    if (k->isa != isa || k->nr != nr) {
      continue;
    }
    if (k->is_default) {
      return k;
    }
    if (widest == NULL || k->mr > widest->mr) {
      widest = k;
    }
  }
  return widest;
}

const struct sprig_f32_spmm_ukernel* sprig_choose_f32_spmm_ukernel_nr(const struct sprig_hardware* hardware,
                                                                      uint32_t nr) {
  for (size_t i = 0; i < sizeof(isa_preference) / sizeof(isa_preference[0]); i++) {
    const enum sprig_isa isa = isa_preference[i];
    if (sprig_isa_allowed(hardware, isa)) {
      const struct sprig_f32_spmm_ukernel* k = default_kernel_of(isa, nr);
      if (k != NULL) {
        return k;
      }
    }
  }
  return NULL;
}

const struct sprig_f32_spmm_ukernel* sprig_choose_f32_spmm_ukernel(const struct sprig_hardware* hardware) {
  return sprig_choose_f32_spmm_ukernel_nr(hardware, 1);
}

/* The listed kernel of (isa, nr) with the largest MR <= pixels, or NULL. */
static const struct sprig_f32_spmm_ukernel* widest_fitting(enum sprig_isa isa, uint32_t nr, size_t pixels) {
  const struct sprig_f32_spmm_ukernel* best = NULL;
  for (size_t i = 0; i < sprig_f32_spmm_ukernel_count; i++) {
    const struct sprig_f32_spmm_ukernel* k = &sprig_f32_spmm_ukernels[i];
    if (k->isa == isa && k->nr == nr && k->mr <= pixels && (best == NULL || k->mr > best->mr)) {
      best = k;
    }
  }
  return best;
}

const struct sprig_f32_spmm_ukernel* sprig_fit_f32_spmm_ukernel(const struct sprig_hardware* hardware,
                                                                const struct sprig_f32_spmm_ukernel* chosen,
                                                                size_t pixels) {
  if (pixels >= chosen->mr) {
    return chosen;
  }
  const struct sprig_f32_spmm_ukernel* k = widest_fitting(chosen->isa, chosen->nr, pixels);
  if (k == NULL && hardware->forced_isa == sprig_isa_count) {
    k = widest_fitting(sprig_isa_scalar, chosen->nr, pixels);
  }
  return k != NULL ? k : chosen;
}

enum sprig_isa sprig_best_isa(const struct sprig_hardware* hardware) {
  return sprig_choose_f32_spmm_ukernel(hardware)->isa;
}

const char* sprig_isa_name(void) {
  const struct sprig_hardware* hardware = sprig_get_hardware();
  return hardware == NULL ? "uninitialized" : sprig_isa_to_string(sprig_best_isa(hardware));
}
