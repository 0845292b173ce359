/* Whole networks for the e2e suite: MobileNet v1 and v2 (224x224, width 1.0, batch 1) as lists of
 * operators over numbered tensors, with their weights, a plain-C reference forward pass and a
 * buffer plan that the three implementations (network runners) share.
 *
 * As in Fast Sparse ConvNets (Elsen et al.): every 1x1 convolution is pruned to the target
 * sparsity in the run's format; the first convolution (3x3 s2, NHWC image in) and the depthwise
 * convolutions stay dense. The 1000-way classifier (a linear layer after global average pooling)
 * is pruned like the 1x1 convolutions; XNNPACK has no sparse fully connected operator, so both
 * XNNPACK networks run it dense on the same pruned weights. Activations: ReLU6 after the first,
 * depthwise and expanding 1x1 convolutions (v1: every convolution); v2's projections are linear
 * and its residual adds unclamped. */
#ifndef SPRIG_BENCH_NETWORK_H
#define SPRIG_BENCH_NETWORK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "check.h"
#include "formats.h"

enum bench_net_op_kind {
  bench_net_conv,    /* convolution (first, depthwise or 1x1) */
  bench_net_add,     /* element-wise a + b (residual) */
  bench_net_pool,    /* global average pooling */
  bench_net_linear,  /* fully connected classifier */
};

/* What the per-operator breakdown sums over. */
enum bench_net_op_class {
  bench_net_class_first,      /* the first 3x3 s2 convolution */
  bench_net_class_depthwise,
  bench_net_class_pointwise,  /* the pruned 1x1 convolutions */
  bench_net_class_add,
  bench_net_class_pool,
  bench_net_class_classifier,
  bench_net_class_count,
};

extern const char* const bench_net_class_names[bench_net_class_count];

/* A tensor: channels x height x width (NCHW for sprig and XNNPACK's NCHW network, NHWC for the
 * dense one; the same element count). */
struct bench_net_tensor {
  size_t channels, height, width;
  size_t slot;  /* buffer slot of the plan; SIZE_MAX for the input image and the logits */
};

struct bench_net_op {
  enum bench_net_op_kind kind;
  enum bench_net_op_class op_class;
  size_t input, input2, output;  /* tensor indices (input2: add only) */
  float output_min, output_max;
  /* conv: square kernel, stride, symmetric padding; channels are totals over the groups */
  uint32_t kernel, stride, padding, groups;
  bool input_nhwc;               /* the first convolution reads the NHWC image */
  bool pruned;                   /* weights pruned to the run's format and sparsity */
  /* conv and linear: weights [rows][cols] (conv: OIHW), OHWI copy, bias [rows] */
  size_t rows, cols, nnz;
  float* weights;
  float* weights_ohwi;
  float* bias;
};

#define BENCH_NET_MAX_OPS 96
#define BENCH_NET_MAX_TENSORS 96

struct bench_network {
  char name[32];
  const struct bench_format* format;  /* of the pruned layers */
  struct bench_net_op ops[BENCH_NET_MAX_OPS];
  size_t op_count;
  struct bench_net_tensor tensors[BENCH_NET_MAX_TENSORS];
  size_t tensor_count;          /* tensor 0: the input image (NHWC); the last: the logits */
  size_t slot_floats[BENCH_NET_MAX_TENSORS];
  size_t slot_count;            /* buffers an implementation allocates (liveness plan) */
  float* input;                 /* [224][224][3] */
  /* Totals over the layers with weights. */
  size_t params, nnz;           /* every weight / every nonzero */
  size_t pruned_params, pruned_nnz;
  double macs, dense_macs;      /* multiply-adds per image: nonzeros only / every weight */
};

/* Builds "mobilenet-v1" or "mobilenet-v2" with random weights (the same dense weights for every
 * sparsity of a seed; pruned layers pruned by `format` to `sparsity`, then every layer scaled so
 * that activations keep their size), and a random image. Returns 0, or -1 (unknown name, out of
 * memory; said on stderr). */
int bench_network_build(const char* name, const struct bench_format* format, double sparsity, uint64_t seed,
                        struct bench_network* network);
void bench_network_free(struct bench_network* network);

/* The logits computed in plain C (sums in double), and as the magnitude of each logit the
 * classifier's |bias| + sum |w| |x| on the reference features: the scale its rounding errors
 * grow with. Returns 0 or -1 (out of memory). */
struct bench_net_range {
  float lo, hi;
};
/* ranges, when not NULL, receives each tensor's smallest and largest reference value
 * (BENCH_NET_MAX_TENSORS entries; tensor 0: the image). */
int bench_network_reference(const struct bench_network* network, struct bench_reference* reference,
                            struct bench_net_range* ranges);

/* The network in int8 (--dtypes qs8), shared by sprig's and XNNPACK's int8 networks:
 * activations per tensor, asymmetric over [min(0, lo), max(0, hi)] of the reference run's values
 * (scale (hi - lo) / 255, 1 when both are 0; zero point clamp(rne(-128 - lo / scale))); weights
 * per output channel, symmetric (scale max |w| / 127); int32 biases in units of input scale x
 * weight scale; each clamp (ReLU6) as the int8 values of its bounds. */
struct bench_net_q8_op {
  int8_t* weights;       /* conv and linear: [rows][cols] (OIHW); else NULL */
  int8_t* weights_ohwi;  /* the same as OHWI (XNNPACK's layout) */
  float* scales;         /* [rows] */
  int32_t* bias;         /* [rows] */
  int8_t output_min, output_max;
};

struct bench_net_q8 {
  float scale[BENCH_NET_MAX_TENSORS];
  int8_t zero_point[BENCH_NET_MAX_TENSORS];
  struct bench_net_q8_op ops[BENCH_NET_MAX_OPS];
  int8_t* image;         /* the NHWC image, quantized */
};

/* Returns 0, or -1 when out of memory (q freed). */
int bench_network_quantize(const struct bench_network* network, const struct bench_net_range* ranges,
                           struct bench_net_q8* q);
void bench_network_q8_free(const struct bench_network* network, struct bench_net_q8* q);

/* The tensor's buffer in an implementation: the image, the output (logits) or its slot. */
float* bench_network_tensor(const struct bench_network* network, size_t tensor, float* const* slots, float* output);

/* Allocates an implementation's slots (bench_alloc_floats); false when out of memory. */
bool bench_network_alloc_slots(const struct bench_network* network, float** slots);
void bench_network_free_slots(const struct bench_network* network, float** slots);

#endif /* SPRIG_BENCH_NETWORK_H */
