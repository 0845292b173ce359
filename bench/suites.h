/* Layer suites: the shapes sprig-bench runs. */
#ifndef SPRIG_BENCH_SUITES_H
#define SPRIG_BENCH_SUITES_H

#include <stddef.h>
#include <stdio.h>

enum bench_layer_kind {
  bench_layer_conv1x1, /* NCHW 1x1 convolution, batch 1: m = height x width pixels */
  bench_layer_linear,  /* fully connected: m = batch rows */
};

struct bench_layer {
  const char* name;
  enum bench_layer_kind kind;
  size_t k;        /* input channels / in_features */
  size_t n;        /* output channels / out_features */
  size_t height;   /* conv: input height (= output height) */
  size_t width;    /* conv: input width; linear: unused */
  size_t batch;    /* linear: batch rows; conv: unused (1) */
  size_t in_net;   /* how often the shape occurs in the network it comes from */
};

struct bench_suite {
  const char* name;
  const char* description;
  const struct bench_layer* layers;
  size_t layer_count;
};

/* Pixels (conv) or batch rows (linear): the M of the SpMM. */
size_t bench_layer_m(const struct bench_layer* layer);

const struct bench_suite* bench_find_suite(const char* name);
void bench_print_suites(FILE* stream, int with_layers);

#endif /* SPRIG_BENCH_SUITES_H */
