#include <sprig.h>
#include <sprig/config.h>
#include <sprig/nmspmm.h>

static struct sprig_ukernel_traits spmm_traits(size_t i) {
  const struct sprig_f32_spmm_ukernel* k = &sprig_f32_spmm_ukernels[i];
  return (struct sprig_ukernel_traits){k->isa, k->mr, k->nr, k->prefetch, k->is_default, k->inorder, false};
}

static struct sprig_ukernel_traits nmspmm_traits(size_t i) {
  const struct sprig_f32_nmspmm_ukernel* k = &sprig_f32_nmspmm_ukernels[i];
  return (struct sprig_ukernel_traits){k->isa, k->mr, k->nr, false, k->is_default, k->inorder, false};
}

/* Block-sparse matrix-vector kernels: MR 1, NR the block width. */
static struct sprig_ukernel_traits bspmv_traits(size_t i) {
  const struct sprig_f32_bspmv_ukernel* k = &sprig_f32_bspmv_ukernels[i];
  return (struct sprig_ukernel_traits){k->isa, 1, k->block_width, false, k->is_default, false, false};
}

static struct sprig_ukernel_list spmm_list(void) {
  return (struct sprig_ukernel_list){sprig_f32_spmm_ukernel_count, spmm_traits};
}

/* Matrix-times-vectors kernels: one per ISA (MR and NR 1). */
static struct sprig_ukernel_traits nmspmv_traits(size_t i) {
  const struct sprig_f32_nmspmv_ukernel* k = &sprig_f32_nmspmv_ukernels[i];
  return (struct sprig_ukernel_traits){k->isa, 1, 1, false, k->is_default, false, false};
}

static struct sprig_ukernel_list nmspmm_list(void) {
  return (struct sprig_ukernel_list){sprig_f32_nmspmm_ukernel_count, nmspmm_traits};
}

const struct sprig_f32_spmm_ukernel* sprig_choose_f32_spmm_ukernel_nr(const struct sprig_hardware* hardware,
                                                                      uint32_t nr) {
  const struct sprig_ukernel_list list = spmm_list();
  const size_t k = sprig_choose_ukernel(hardware, &list, nr);
  return k == SIZE_MAX ? NULL : &sprig_f32_spmm_ukernels[k];
}

const struct sprig_f32_spmm_ukernel* sprig_choose_f32_spmm_ukernel(const struct sprig_hardware* hardware) {
  return sprig_choose_f32_spmm_ukernel_nr(hardware, 1);
}

const struct sprig_f32_spmm_ukernel* sprig_fit_f32_spmm_ukernel(const struct sprig_hardware* hardware,
                                                                const struct sprig_f32_spmm_ukernel* chosen,
                                                                size_t pixels, size_t input_rows) {
  const struct sprig_ukernel_list list = spmm_list();
  return &sprig_f32_spmm_ukernels[sprig_fit_ukernel(hardware, &list, (size_t) (chosen - sprig_f32_spmm_ukernels),
                                                    pixels, input_rows)];
}

const struct sprig_f32_nmspmm_ukernel* sprig_choose_f32_nmspmm_ukernel(const struct sprig_hardware* hardware) {
  const struct sprig_ukernel_list list = nmspmm_list();
  return &sprig_f32_nmspmm_ukernels[sprig_choose_ukernel(hardware, &list, 1)];
}

const struct sprig_f32_nmspmm_ukernel* sprig_fit_f32_nmspmm_ukernel(const struct sprig_hardware* hardware,
                                                                    const struct sprig_f32_nmspmm_ukernel* chosen,
                                                                    size_t pixels) {
  const struct sprig_ukernel_list list = nmspmm_list();
  /* No N:M kernel prefetches, so the input size (0 rows here) cannot change the variant. */
  return &sprig_f32_nmspmm_ukernels[sprig_fit_ukernel(
      hardware, &list, (size_t) (chosen - sprig_f32_nmspmm_ukernels), pixels, 0)];
}

const struct sprig_f32_bspmv_ukernel* sprig_choose_f32_bspmv_ukernel(const struct sprig_hardware* hardware,
                                                                    uint32_t block_width) {
  const struct sprig_ukernel_list list = {sprig_f32_bspmv_ukernel_count, bspmv_traits};
  const size_t k = sprig_choose_ukernel(hardware, &list, block_width);
  return k == SIZE_MAX ? NULL : &sprig_f32_bspmv_ukernels[k];
}

enum sprig_isa sprig_best_isa(const struct sprig_hardware* hardware) {
  return sprig_choose_f32_spmm_ukernel(hardware)->isa;
}

bool sprig_isa_is_best(const struct sprig_hardware* hardware, enum sprig_isa isa) {
  const enum sprig_isa best = sprig_best_isa(hardware);
  return isa == best || isa == sprig_isa_base(best);
}

const char* sprig_isa_name(void) {
  const struct sprig_hardware* hardware = sprig_get_hardware();
  return hardware == NULL ? "uninitialized" : sprig_isa_to_string(sprig_best_isa(hardware));
}

const struct sprig_f32_nmspmv_ukernel* sprig_choose_f32_nmspmv_ukernel(const struct sprig_hardware* hardware) {
  const struct sprig_ukernel_list list = {sprig_f32_nmspmv_ukernel_count, nmspmv_traits};
  return &sprig_f32_nmspmv_ukernels[sprig_choose_ukernel(hardware, &list, 1)];
}
