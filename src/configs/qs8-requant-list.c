/* The int8 requantization kernel list (kernels/qs8-requant/list.inc) and its chooser. */
#include <sprig/common.h>
#include <sprig/config.h>
#include <sprig/qs8-requant.h>

const struct sprig_qs8_requant_ukernel sprig_qs8_requant_ukernels[] = {
#define SPRIG_QS8_REQUANT_UKERNEL(isa, suffix)                                                    \
  {"sprig_qs8_requant_ukernel__" #suffix, sprig_qs8_requant_rows_ukernel__##suffix,              \
   sprig_qs8_requant_columns_ukernel__##suffix, sprig_isa_##isa},
#include <qs8-requant/list.inc>
#undef SPRIG_QS8_REQUANT_UKERNEL
};
const size_t sprig_qs8_requant_ukernel_count =
    sizeof(sprig_qs8_requant_ukernels) / sizeof(sprig_qs8_requant_ukernels[0]);

/* One kernel per ISA: each is its ISA's default. */
static struct sprig_ukernel_traits qs8_requant_traits(size_t i) {
  return (struct sprig_ukernel_traits){sprig_qs8_requant_ukernels[i].isa, 1, 1, false, true, false, false};
}

const struct sprig_qs8_requant_ukernel* sprig_choose_qs8_requant_ukernel(const struct sprig_hardware* hardware) {
  const struct sprig_ukernel_list list = {sprig_qs8_requant_ukernel_count, qs8_requant_traits};
  return &sprig_qs8_requant_ukernels[sprig_choose_ukernel(hardware, &list, 1)];
}
