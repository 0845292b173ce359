#include "suites.h"

#include <string.h>

#define CONV(name, k, n, hw, count) {name, bench_layer_conv1x1, k, n, hw, hw, 1, count, 0, 0, 0, 0, false, false}
#define LINEAR(name, k, n, batch) {name, bench_layer_linear, k, n, 1, 1, batch, 1, 0, 0, 0, 0, false, false}
/* A KxK convolution, pruned like the 1x1 suites: all input -> all output channels at hw x hw. */
#define CONVK(name, cin, cout, hw, kernel, stride, pad, count) \
  {name, bench_layer_conv2d, cin, cout, hw, hw, 1, count, kernel, stride, pad, 1, false, false}
/* A depthwise 3x3 convolution (dense weights) of `channels` channels. */
#define DW3(name, channels, hw, stride, count) \
  {name, bench_layer_conv2d, channels, channels, hw, hw, 1, count, 3, stride, 1, channels, true, false}
#define NETWORK(name, in_elements, classes) \
  {name, bench_layer_network, in_elements, classes, 224, 224, 1, 1, 0, 0, 0, 0, false, false}

/* MobileNet v1, 224x224, width 1.0: the 13 pointwise convolutions (pw7..pw11 share a shape). */
static const struct bench_layer mobilenet_v1[] = {
    CONV("pw1-32-64@112", 32, 64, 112, 1),
    CONV("pw2-64-128@56", 64, 128, 56, 1),
    CONV("pw3-128-128@56", 128, 128, 56, 1),
    CONV("pw4-128-256@28", 128, 256, 28, 1),
    CONV("pw5-256-256@28", 256, 256, 28, 1),
    CONV("pw6-256-512@14", 256, 512, 14, 1),
    CONV("pw7-11-512-512@14", 512, 512, 14, 5),
    CONV("pw12-512-1024@7", 512, 1024, 7, 1),
    CONV("pw13-1024-1024@7", 1024, 1024, 7, 1),
};

/* MobileNet v2, 224x224, width 1.0: every distinct 1x1 expand / project shape, and the final
 * 1x1 convolution; in_net counts the blocks that share a shape. */
static const struct bench_layer mobilenet_v2[] = {
    CONV("project-32-16@112", 32, 16, 112, 1),
    CONV("expand-16-96@112", 16, 96, 112, 1),
    CONV("project-96-24@56", 96, 24, 56, 1),
    CONV("expand-24-144@56", 24, 144, 56, 2),
    CONV("project-144-24@56", 144, 24, 56, 1),
    CONV("project-144-32@28", 144, 32, 28, 1),
    CONV("expand-32-192@28", 32, 192, 28, 3),
    CONV("project-192-32@28", 192, 32, 28, 2),
    CONV("project-192-64@14", 192, 64, 14, 1),
    CONV("expand-64-384@14", 64, 384, 14, 4),
    CONV("project-384-64@14", 384, 64, 14, 3),
    CONV("project-384-96@14", 384, 96, 14, 1),
    CONV("expand-96-576@14", 96, 576, 14, 3),
    CONV("project-576-96@14", 576, 96, 14, 2),
    CONV("project-576-160@7", 576, 160, 7, 1),
    CONV("expand-160-960@7", 160, 960, 7, 3),
    CONV("project-960-160@7", 960, 160, 7, 2),
    CONV("project-960-320@7", 960, 320, 7, 1),
    CONV("conv-320-1280@7", 320, 1280, 7, 1),
};

/* BERT-base-like linear layers (in x out / batch rows), and a 7B-model-like square one: batch 1
 * (decoding), 16 (a few sequences or a short prompt) and 128 (BERT-base layers on a sequence). */
static const struct bench_layer transformer[] = {
    LINEAR("768x768/b1", 768, 768, 1),
    LINEAR("768x3072/b1", 768, 3072, 1),
    LINEAR("3072x768/b1", 3072, 768, 1),
    LINEAR("768x768/b128", 768, 768, 128),
    LINEAR("768x3072/b128", 768, 3072, 128),
    LINEAR("3072x768/b128", 3072, 768, 128),
    LINEAR("4096x4096/b1", 4096, 4096, 1),
    LINEAR("768x768/b16", 768, 768, 16),
    LINEAR("768x3072/b16", 768, 3072, 16),
    LINEAR("3072x768/b16", 3072, 768, 16),
    LINEAR("4096x4096/b16", 4096, 4096, 16),
};

/* The same linear layers at the small batches of interactive use (a few sequences, a few beams). */
static const struct bench_layer small_batch[] = {
    LINEAR("768x768/b2", 768, 768, 2),
    LINEAR("768x768/b3", 768, 768, 3),
    LINEAR("768x3072/b2", 768, 3072, 2),
    LINEAR("3072x768/b3", 3072, 768, 3),
    LINEAR("768x768/b4", 768, 768, 4),
    LINEAR("768x768/b6", 768, 768, 6),
    LINEAR("768x768/b8", 768, 768, 8),
    LINEAR("768x768/b12", 768, 768, 12),
    LINEAR("768x3072/b8", 768, 3072, 8),
};

/* ResNet-18, 224x224: its 3x3 convolutions (the first 7x7 one and the 1x1 shortcuts apart), pad 1;
 * in_net counts the convolutions of that shape. */
static const struct bench_layer resnet18[] = {
    CONVK("conv2-64-64@56", 64, 64, 56, 3, 1, 1, 4),
    CONVK("conv3-64-128@56s2", 64, 128, 56, 3, 2, 1, 1),
    CONVK("conv3-128-128@28", 128, 128, 28, 3, 1, 1, 3),
    CONVK("conv4-128-256@28s2", 128, 256, 28, 3, 2, 1, 1),
    CONVK("conv4-256-256@14", 256, 256, 14, 3, 1, 1, 3),
    CONVK("conv5-256-512@14s2", 256, 512, 14, 3, 2, 1, 1),
    CONVK("conv5-512-512@7", 512, 512, 7, 3, 1, 1, 3),
};

/* MobileNet v1 / v2 224 1.0: the first convolution (NHWC image in, NCHW out) and every distinct
 * depthwise 3x3 layer (pad 1; "s2" = stride 2, @ = input size), all dense. The 32-channel 112x112
 * one occurs once in each network. */
static const struct bench_layer dwconv[] = {
    {"conv1-3-32@224s2", bench_layer_conv2d, 3, 32, 224, 224, 1, 1, 3, 2, 1, 1, true, true},
    DW3("v1v2-dw-32@112", 32, 112, 1, 1),
    DW3("v1-dw-64@112s2", 64, 112, 2, 1),
    DW3("v1-dw-128@56", 128, 56, 1, 1),
    DW3("v1-dw-128@56s2", 128, 56, 2, 1),
    DW3("v1-dw-256@28", 256, 28, 1, 1),
    DW3("v1-dw-256@28s2", 256, 28, 2, 1),
    DW3("v1-dw-512@14", 512, 14, 1, 5),
    DW3("v1-dw-512@14s2", 512, 14, 2, 1),
    DW3("v1-dw-1024@7", 1024, 7, 1, 1),
    DW3("v2-dw-96@112s2", 96, 112, 2, 1),
    DW3("v2-dw-144@56", 144, 56, 1, 1),
    DW3("v2-dw-144@56s2", 144, 56, 2, 1),
    DW3("v2-dw-192@28", 192, 28, 1, 2),
    DW3("v2-dw-192@28s2", 192, 28, 2, 1),
    DW3("v2-dw-384@14", 384, 14, 1, 4),
    DW3("v2-dw-576@14", 576, 14, 1, 2),
    DW3("v2-dw-576@14s2", 576, 14, 2, 1),
    DW3("v2-dw-960@7", 960, 7, 1, 3),
};

/* Whole networks, 224x224x3 NHWC image in, 1000 logits out (bench/network.c). */
static const struct bench_layer e2e[] = {
    NETWORK("mobilenet-v1", 224 * 224 * 3, 1000),
    NETWORK("mobilenet-v2", 224 * 224 * 3, 1000),
};

#define SUITE(name, description, layers) {name, description, layers, sizeof(layers) / sizeof(layers[0])}

static const struct bench_suite suites[] = {
    SUITE("mobilenet-v1", "MobileNet v1 224 1.0: 1x1 convolutions, NCHW, batch 1", mobilenet_v1),
    SUITE("mobilenet-v2", "MobileNet v2 224 1.0: 1x1 expand/project convolutions, NCHW, batch 1", mobilenet_v2),
    SUITE("transformer", "linear layers 768x768, 768x3072, 3072x768 at batch 1, 16 and 128; 4096x4096 at batch 1 and "
          "16", transformer),
    SUITE("small-batch", "linear layers 768x768, 768x3072, 3072x768 at batch 2-12", small_batch),
    SUITE("resnet18", "ResNet-18 224: its 3x3 convolutions (stride 1 and 2, pad 1), pruned, NCHW, batch 1", resnet18),
    SUITE("dwconv", "MobileNet v1/v2 224: first 3x3 s2 convolution (NHWC input) and depthwise 3x3 layers, dense",
          dwconv),
    SUITE("e2e", "whole MobileNet v1 and v2 224 1.0, batch 1: 1x1 convolutions and classifier pruned, first and "
          "depthwise convolutions dense", e2e),
};

size_t bench_conv_output_size(size_t size, uint32_t kernel, uint32_t stride, uint32_t padding) {
  return (size + 2 * (size_t) padding - kernel) / stride + 1;
}

size_t bench_layer_output_height(const struct bench_layer* layer) {
  switch (layer->kind) {
    case bench_layer_conv1x1:
      return layer->height;
    case bench_layer_conv2d:
      return bench_conv_output_size(layer->height, layer->kernel, layer->stride, layer->padding);
    default:
      return 1;
  }
}

size_t bench_layer_output_width(const struct bench_layer* layer) {
  switch (layer->kind) {
    case bench_layer_conv1x1:
      return layer->width;
    case bench_layer_conv2d:
      return bench_conv_output_size(layer->width, layer->kernel, layer->stride, layer->padding);
    default:
      return 1;
  }
}

size_t bench_layer_m(const struct bench_layer* layer) {
  switch (layer->kind) {
    case bench_layer_conv1x1:
    case bench_layer_conv2d:
      return bench_layer_output_height(layer) * bench_layer_output_width(layer);
    case bench_layer_network:
      return 1;
    default:
      return layer->batch;
  }
}

size_t bench_layer_cols(const struct bench_layer* layer) {
  if (layer->kind == bench_layer_conv2d) {
    return layer->k / layer->groups * layer->kernel * layer->kernel;
  }
  return layer->k;
}

const struct bench_suite* bench_find_suite(const char* name) {
  for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++) {
    if (strcmp(suites[i].name, name) == 0) {
      return &suites[i];
    }
  }
  return NULL;
}

void bench_print_suites(FILE* stream, int with_layers) {
  for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++) {
    fprintf(stream, "  %-14s %s\n", suites[i].name, suites[i].description);
    for (size_t l = 0; with_layers && l < suites[i].layer_count; l++) {
      const struct bench_layer* layer = &suites[i].layers[l];
      fprintf(stream, "      %s/%-22s m=%-6zu k=%-5zu n=%-5zu", suites[i].name, layer->name, bench_layer_m(layer),
              bench_layer_cols(layer), layer->n);
      if (layer->kind == bench_layer_conv2d) {
        fprintf(stream, " %ux%u s%u pad %u, %zux%zux%zu -> %zux%zux%zu, groups %u%s%s", layer->kernel, layer->kernel,
                layer->stride, layer->padding, layer->height, layer->width, layer->k, bench_layer_output_height(layer),
                bench_layer_output_width(layer), layer->n, layer->groups, layer->dense ? ", dense" : "",
                layer->input_nhwc ? ", NHWC input" : "");
      } else if (layer->kind == bench_layer_network) {
        fprintf(stream, " (224x224x3 NHWC image -> 1000 logits)");
      }
      fprintf(stream, "\n");
    }
  }
}
