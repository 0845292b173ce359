/* Layer suites: the shapes sprig-bench runs. */
#ifndef SPRIG_BENCH_SUITES_H
#define SPRIG_BENCH_SUITES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum bench_layer_kind {
  bench_layer_conv1x1, /* NCHW 1x1 convolution, batch 1: m = height x width pixels */
  bench_layer_linear,  /* fully connected: m = batch rows */
  bench_layer_conv2d,  /* general NCHW convolution, batch 1: m = output pixels, k = input channels per
                        * group x kernel x kernel (the weight matrix's columns), n = output channels */
  bench_layer_network, /* a whole network (bench/network.c), batch 1: m = 1, k = input elements,
                        * n = classes */
};

struct bench_layer {
  const char* name;
  enum bench_layer_kind kind;
  size_t k;        /* input channels / in_features (conv2d: all input channels, every group) */
  size_t n;        /* output channels / out_features */
  size_t height;   /* conv: input height (= output height for 1x1) */
  size_t width;    /* conv: input width; linear: unused */
  size_t batch;    /* linear: batch rows; conv: unused (1) */
  size_t in_net;   /* how often the shape occurs in the network it comes from */
  /* conv2d only: square kernel, stride and symmetric zero padding, groups. */
  uint32_t kernel, stride, padding, groups;
  bool dense;      /* conv2d: weights are not pruned (first convolution, depthwise) */
  bool input_nhwc; /* conv2d: the input is an NHWC image (SPRIG_FLAG_INPUT_NHWC) */
};

struct bench_suite {
  const char* name;
  const char* description;
  const struct bench_layer* layers;
  size_t layer_count;
};

/* Pixels (conv: output pixels), batch rows (linear) or 1 (network): the M of the product. */
size_t bench_layer_m(const struct bench_layer* layer);
/* Columns of the weight matrix: input channels per group x kernel x kernel for conv2d, the input
 * elements of a network, k otherwise. */
size_t bench_layer_cols(const struct bench_layer* layer);
/* Output height / width of a conv layer (its input size for 1x1; 1 for the others). */
size_t bench_layer_output_height(const struct bench_layer* layer);
size_t bench_layer_output_width(const struct bench_layer* layer);
/* (size + 2 padding - kernel) / stride + 1 */
size_t bench_conv_output_size(size_t size, uint32_t kernel, uint32_t stride, uint32_t padding);

const struct bench_suite* bench_find_suite(const char* name);
void bench_print_suites(FILE* stream, int with_layers);

#endif /* SPRIG_BENCH_SUITES_H */
