#include <sprig.h>
#include <sprig/config.h>
#include <sprig/log.h>

/* Most preferred first. Only ISAs the CPU has (and SPRIG_FORCE_ISA allows) are considered. */
static const enum sprig_isa isa_preference[] = {
    sprig_isa_avx512f, sprig_isa_avx2, sprig_isa_sse2, sprig_isa_neonfma,
    sprig_isa_neon,    sprig_isa_wasmsimd, sprig_isa_scalar,
};

static const struct sprig_f32_spmm_ukernel* default_kernel_of(enum sprig_isa isa) {
  for (size_t i = 0; i < sprig_f32_spmm_ukernel_count; i++) {
    const struct sprig_f32_spmm_ukernel* k = &sprig_f32_spmm_ukernels[i];
    if (k->isa == isa && k->is_default) {
      return k;
    }
  }
  return NULL;
}

const struct sprig_f32_spmm_ukernel* sprig_choose_f32_spmm_ukernel(const struct sprig_hardware* hardware) {
  for (size_t i = 0; i < sizeof(isa_preference) / sizeof(isa_preference[0]); i++) {
    const enum sprig_isa isa = isa_preference[i];
    if (sprig_isa_allowed(hardware, isa)) {
      const struct sprig_f32_spmm_ukernel* k = default_kernel_of(isa);
      if (k != NULL) {
        sprig_log_debug("f32 spmm: chose %s", k->name);
        return k;
      }
    }
  }
  return default_kernel_of(sprig_isa_scalar);
}

enum sprig_isa sprig_best_isa(const struct sprig_hardware* hardware) {
  return sprig_choose_f32_spmm_ukernel(hardware)->isa;
}

const char* sprig_isa_name(void) {
  const struct sprig_hardware* hardware = sprig_get_hardware();
  return hardware == NULL ? "uninitialized" : sprig_isa_to_string(sprig_best_isa(hardware));
}
