/* The transpose kernel lists (kernels/x32-transpose, x16-transpose, x8-transpose: list.inc) and
 * their choosers. */
#include <sprig/common.h>
#include <sprig/config.h>
#include <sprig/transpose.h>

const struct sprig_x32_transpose_ukernel sprig_x32_transpose_ukernels[] = {
#define SPRIG_X32_TRANSPOSE_UKERNEL(isa, is_default, fn) {#fn, fn, sprig_isa_##isa, is_default},
#include <x32-transpose/list.inc>
#undef SPRIG_X32_TRANSPOSE_UKERNEL
};

const struct sprig_x16_transpose_ukernel sprig_x16_transpose_ukernels[] = {
#define SPRIG_X16_TRANSPOSE_UKERNEL(isa, is_default, fn) {#fn, fn, sprig_isa_##isa, is_default},
#include <x16-transpose/list.inc>
#undef SPRIG_X16_TRANSPOSE_UKERNEL
};

const struct sprig_x8_transpose_ukernel sprig_x8_transpose_ukernels[] = {
#define SPRIG_X8_TRANSPOSE_UKERNEL(isa, is_default, fn) {#fn, fn, sprig_isa_##isa, is_default},
#include <x8-transpose/list.inc>
#undef SPRIG_X8_TRANSPOSE_UKERNEL
};

/* The count, traits and chooser of family xN. */
#define DEFINE_TRANSPOSE_CHOOSER(N)                                                                      \
  const size_t sprig_x##N##_transpose_ukernel_count =                                                    \
      sizeof(sprig_x##N##_transpose_ukernels) / sizeof(sprig_x##N##_transpose_ukernels[0]);              \
                                                                                                         \
  static struct sprig_ukernel_traits x##N##_transpose_traits(size_t i) {                                 \
    const struct sprig_x##N##_transpose_ukernel* k = &sprig_x##N##_transpose_ukernels[i];                \
    return (struct sprig_ukernel_traits){k->isa, 1, 1, false, k->is_default, false, false};              \
  }                                                                                                      \
                                                                                                         \
  const struct sprig_x##N##_transpose_ukernel* sprig_choose_x##N##_transpose_ukernel(                    \
      const struct sprig_hardware* hardware) {                                                           \
    const struct sprig_ukernel_list list = {sprig_x##N##_transpose_ukernel_count, x##N##_transpose_traits}; \
    return &sprig_x##N##_transpose_ukernels[sprig_choose_ukernel(hardware, &list, 1)];                   \
  }

DEFINE_TRANSPOSE_CHOOSER(32)
DEFINE_TRANSPOSE_CHOOSER(16)
DEFINE_TRANSPOSE_CHOOSER(8)
