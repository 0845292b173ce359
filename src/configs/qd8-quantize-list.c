/* The qd8 row quantization kernel list (kernels/qd8-quantize/list.inc) and its chooser. */
#include <sprig/common.h>
#include <sprig/config.h>
#include <sprig/qd8-quantize.h>

const struct sprig_qd8_quantize_ukernel sprig_qd8_quantize_ukernels[] = {
#define SPRIG_QD8_QUANTIZE_UKERNEL(isa, suffix)                                                  \
  {"sprig_qd8_quantize_ukernel__" #suffix, sprig_qd8_range_ukernel__##suffix,                   \
   sprig_qd8_quantize_ukernel__##suffix, sprig_isa_##isa},
#include <qd8-quantize/list.inc>
#undef SPRIG_QD8_QUANTIZE_UKERNEL
};
const size_t sprig_qd8_quantize_ukernel_count =
    sizeof(sprig_qd8_quantize_ukernels) / sizeof(sprig_qd8_quantize_ukernels[0]);

/* One kernel per ISA: each is its ISA's default. */
static struct sprig_ukernel_traits qd8_quantize_traits(size_t i) {
  return (struct sprig_ukernel_traits){sprig_qd8_quantize_ukernels[i].isa, 1, 1, false, true, false, false};
}

const struct sprig_qd8_quantize_ukernel* sprig_choose_qd8_quantize_ukernel(const struct sprig_hardware* hardware) {
  const struct sprig_ukernel_list list = {sprig_qd8_quantize_ukernel_count, qd8_quantize_traits};
  return &sprig_qd8_quantize_ukernels[sprig_choose_ukernel(hardware, &list, 1)];
}
