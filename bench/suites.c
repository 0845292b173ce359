#include "suites.h"

#include <string.h>

#define CONV(name, k, n, hw, count) {name, bench_layer_conv1x1, k, n, hw, hw, 1, count}
#define LINEAR(name, k, n, batch) {name, bench_layer_linear, k, n, 1, 1, batch, 1}

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

/* BERT-base-like linear layers (in x out / batch rows), and a 7B-model-like square one. */
static const struct bench_layer transformer[] = {
    LINEAR("768x768/b1", 768, 768, 1),
    LINEAR("768x3072/b1", 768, 3072, 1),
    LINEAR("3072x768/b1", 3072, 768, 1),
    LINEAR("768x768/b128", 768, 768, 128),
    LINEAR("768x3072/b128", 768, 3072, 128),
    LINEAR("3072x768/b128", 3072, 768, 128),
    LINEAR("4096x4096/b1", 4096, 4096, 1),
};

/* The same linear layers at the small batches of interactive use (a few sequences, a few beams). */
static const struct bench_layer small_batch[] = {
    LINEAR("768x768/b2", 768, 768, 2),
    LINEAR("768x768/b3", 768, 768, 3),
    LINEAR("768x3072/b2", 768, 3072, 2),
    LINEAR("3072x768/b3", 3072, 768, 3),
    LINEAR("768x768/b4", 768, 768, 4),
    LINEAR("768x768/b8", 768, 768, 8),
    LINEAR("768x3072/b8", 768, 3072, 8),
};

#define SUITE(name, description, layers) {name, description, layers, sizeof(layers) / sizeof(layers[0])}

static const struct bench_suite suites[] = {
    SUITE("mobilenet-v1", "MobileNet v1 224 1.0: 1x1 convolutions, NCHW, batch 1", mobilenet_v1),
    SUITE("mobilenet-v2", "MobileNet v2 224 1.0: 1x1 expand/project convolutions, NCHW, batch 1", mobilenet_v2),
    SUITE("transformer", "linear layers 768x768, 768x3072, 3072x768 at batch 1 and 128; 4096x4096 at batch 1",
          transformer),
    SUITE("small-batch", "linear layers 768x768, 768x3072, 3072x768 at batch 2, 3, 4 and 8", small_batch),
};

size_t bench_layer_m(const struct bench_layer* layer) {
  return layer->kind == bench_layer_conv1x1 ? layer->height * layer->width : layer->batch;
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
      fprintf(stream, "      %s/%-22s m=%-6zu k=%-5zu n=%-5zu\n", suites[i].name, layer->name,
              bench_layer_m(layer), layer->k, layer->n);
    }
  }
}
