/* Which path an operator takes: decided once, at create, from the packed format and the
 * kernels this CPU has. A new path is a pack file, a kernel list, a path file and a line here. */
#include <sprig/config.h>
#include <sprig/operator.h>

/* BLOCK 1 x C weights with a matrix-vector kernel for that C (and 16-bit block columns). */
static bool takes_row_blocks(const struct sprig_weights* w, const struct sprig_hardware* hardware) {
  return w->pattern.format == SPRIG_FORMAT_BLOCK && w->block_height == 1 && w->block_col16 != NULL &&
         sprig_choose_f32_bspmv_ukernel(hardware, (uint32_t) w->block_width) != NULL;
}

bool sprig_problem_is_vectors(const struct sprig_operator* op, const struct sprig_problem* problem) {
  return problem->pixels == 1 && problem->input_image_stride == op->cols * sizeof(float) &&
         problem->output_image_stride == op->rows * sizeof(float);
}

bool sprig_conv_is_pointwise(const struct sprig_conv_geometry* conv) {
  const struct sprig_conv2d_params* p = &conv->params;
  return !conv->input_nhwc && p->kernel_height == 1 && p->kernel_width == 1 && p->stride_height == 1 &&
         p->stride_width == 1 && p->padding_top == 0 && p->padding_right == 0 && p->padding_bottom == 0 &&
         p->padding_left == 0 && p->groups == 1;
}

bool sprig_conv_is_direct_depthwise(const struct sprig_conv_geometry* conv) {
  const struct sprig_conv2d_params* p = &conv->params;
  const uint32_t k = p->kernel_height, pad = (k - 1) / 2;
  return p->input_channels == 1 && p->groups > 1 && (k == 3 || k == 5) && p->kernel_width == k &&
         p->stride_height == p->stride_width && p->stride_height <= 2 && p->dilation_height == 1 &&
         p->dilation_width == 1 && p->padding_left == pad && p->padding_top <= pad && p->padding_right <= pad &&
         p->padding_bottom <= pad && !conv->input_nhwc;
}

const struct sprig_f32_dwconv2d_chw_ukernel* sprig_direct_dwconv_ukernel(const struct sprig_conv_geometry* conv,
                                                                        const struct sprig_hardware* hardware) {
  const struct sprig_conv2d_params* p = &conv->params;
  return sprig_conv_is_direct_depthwise(conv)
             ? sprig_choose_f32_dwconv2d_chw_ukernel(hardware, p->kernel_height, p->stride_height)
             : NULL;
}

const struct sprig_path_ops* sprig_choose_path(const struct sprig_weights* weights,
                                               const struct sprig_hardware* hardware,
                                               const struct sprig_conv_geometry* conv) {
  if (conv != NULL) {
    return &sprig_conv_path;
  }
  if (weights->pattern.format == SPRIG_FORMAT_NM) {
    return &sprig_nm_path;
  }
  if (takes_row_blocks(weights, hardware)) {
    return &sprig_rowblock_path;
  }
  if (sprig_takes_sliced_rows(weights, hardware)) {
    return &sprig_sell_path;
  }
  return &sprig_spmm_path;
}
