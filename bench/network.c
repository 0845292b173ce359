#include "network.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data.h"
#include "suites.h"

const char* const bench_net_class_names[bench_net_class_count] = {
    "first_conv", "depthwise", "pointwise", "add", "pool", "classifier",
};

#define IMAGE_SIZE 224
#define IMAGE_CHANNELS 3
#define CLASSES 1000

/* ---- the graph ---- */

struct builder {
  struct bench_network* net;
  size_t tensor;  /* the current activation */
  bool failed;
};

static size_t new_tensor(struct builder* b, size_t channels, size_t height, size_t width) {
  struct bench_network* net = b->net;
  if (net->tensor_count == BENCH_NET_MAX_TENSORS) {
    b->failed = true;
    return 0;
  }
  net->tensors[net->tensor_count] = (struct bench_net_tensor){channels, height, width, SIZE_MAX};
  return net->tensor_count++;
}

static struct bench_net_op* new_op(struct builder* b, enum bench_net_op_kind kind, enum bench_net_op_class op_class) {
  struct bench_network* net = b->net;
  if (net->op_count == BENCH_NET_MAX_OPS) {
    b->failed = true;
    return NULL;
  }
  struct bench_net_op* op = &net->ops[net->op_count++];
  *op = (struct bench_net_op){.kind = kind, .op_class = op_class, .input = b->tensor, .output_min = -INFINITY,
                              .output_max = INFINITY};
  return op;
}

/* A convolution on the current tensor: depthwise (3x3, every channel its own group) or not;
 * padding kernel / 2; ReLU6 when relu6. */
static void add_conv(struct builder* b, enum bench_net_op_class op_class, size_t out_channels, uint32_t kernel,
                     uint32_t stride, bool relu6) {
  const struct bench_net_tensor in = b->net->tensors[b->tensor];
  const bool depthwise = op_class == bench_net_class_depthwise;
  struct bench_net_op* op = new_op(b, bench_net_conv, op_class);
  if (op == NULL) {
    return;
  }
  op->kernel = kernel;
  op->stride = stride;
  op->padding = kernel / 2;
  op->groups = depthwise ? (uint32_t) in.channels : 1;
  op->input_nhwc = op_class == bench_net_class_first;
  op->pruned = op_class == bench_net_class_pointwise;
  op->rows = depthwise ? in.channels : out_channels;
  op->cols = in.channels / op->groups * kernel * kernel;
  if (relu6) {
    op->output_min = 0.0f;
    op->output_max = 6.0f;
  }
  op->output = new_tensor(b, op->rows, bench_conv_output_size(in.height, kernel, stride, op->padding),
                          bench_conv_output_size(in.width, kernel, stride, op->padding));
  b->tensor = op->output;
}

/* current = current + other (a residual; unclamped) */
static void add_residual(struct builder* b, size_t other) {
  const struct bench_net_tensor t = b->net->tensors[b->tensor];
  struct bench_net_op* op = new_op(b, bench_net_add, bench_net_class_add);
  if (op != NULL) {
    op->input2 = other;
    op->output = new_tensor(b, t.channels, t.height, t.width);
    b->tensor = op->output;
  }
}

/* Global average pooling, then the classifier. */
static void add_head(struct builder* b) {
  const size_t channels = b->net->tensors[b->tensor].channels;
  struct bench_net_op* pool = new_op(b, bench_net_pool, bench_net_class_pool);
  if (pool == NULL) {
    return;
  }
  pool->output = new_tensor(b, channels, 1, 1);
  b->tensor = pool->output;
  struct bench_net_op* fc = new_op(b, bench_net_linear, bench_net_class_classifier);
  if (fc == NULL) {
    return;
  }
  fc->pruned = true;
  fc->rows = CLASSES;
  fc->cols = channels;
  fc->output = new_tensor(b, CLASSES, 1, 1);
  b->tensor = fc->output;
}

/* MobileNet v1: 3x3 s2 conv to 32, 13 depthwise-separable blocks, pooling, classifier. */
static void build_v1(struct builder* b) {
  static const struct {
    uint32_t stride;
    size_t channels;
  } blocks[] = {{1, 64},  {2, 128}, {1, 128}, {2, 256}, {1, 256}, {2, 512},  {1, 512},
                {1, 512}, {1, 512}, {1, 512}, {1, 512}, {2, 1024}, {1, 1024}};
  add_conv(b, bench_net_class_first, 32, 3, 2, true);
  for (size_t i = 0; i < sizeof(blocks) / sizeof(blocks[0]); i++) {
    add_conv(b, bench_net_class_depthwise, 0, 3, blocks[i].stride, true);
    add_conv(b, bench_net_class_pointwise, blocks[i].channels, 1, 1, true);
  }
  add_head(b);
}

/* MobileNet v2: 3x3 s2 conv to 32, 17 inverted residual blocks (expand t, depthwise, linear
 * projection; a residual add where stride 1 keeps the channels), 1x1 conv to 1280, pooling,
 * classifier. */
static void build_v2(struct builder* b) {
  static const struct {
    size_t expansion, channels, repeats;
    uint32_t stride;
  } stages[] = {{1, 16, 1, 1}, {6, 24, 2, 2}, {6, 32, 3, 2}, {6, 64, 4, 2},
                {6, 96, 3, 1}, {6, 160, 3, 2}, {6, 320, 1, 1}};
  add_conv(b, bench_net_class_first, 32, 3, 2, true);
  for (size_t s = 0; s < sizeof(stages) / sizeof(stages[0]); s++) {
    for (size_t r = 0; r < stages[s].repeats; r++) {
      const size_t block_input = b->tensor;
      const size_t in_channels = b->net->tensors[block_input].channels;
      const uint32_t stride = r == 0 ? stages[s].stride : 1;
      if (stages[s].expansion != 1) {
        add_conv(b, bench_net_class_pointwise, in_channels * stages[s].expansion, 1, 1, true);
      }
      add_conv(b, bench_net_class_depthwise, 0, 3, stride, true);
      add_conv(b, bench_net_class_pointwise, stages[s].channels, 1, 1, false);
      if (stride == 1 && in_channels == stages[s].channels) {
        add_residual(b, block_input);
      }
    }
  }
  add_conv(b, bench_net_class_pointwise, 1280, 1, 1, true);
  add_head(b);
}

/* ---- buffers: slots reused once a tensor is dead ---- */

static void plan_slots(struct bench_network* net) {
  size_t last_use[BENCH_NET_MAX_TENSORS];
  bool busy[BENCH_NET_MAX_TENSORS] = {false};
  for (size_t t = 0; t < net->tensor_count; t++) {
    last_use[t] = 0;
  }
  for (size_t i = 0; i < net->op_count; i++) {
    last_use[net->ops[i].input] = i;
    if (net->ops[i].kind == bench_net_add) {
      last_use[net->ops[i].input2] = i;
    }
  }
  net->slot_count = 0;
  for (size_t i = 0; i < net->op_count; i++) {
    const struct bench_net_op* op = &net->ops[i];
    struct bench_net_tensor* out = &net->tensors[op->output];
    if (op->output + 1 < net->tensor_count) {
      const size_t floats = out->channels * out->height * out->width;
      /* The smallest free slot that holds it, else the largest free one (grown), else a new one. */
      size_t fitting = SIZE_MAX, largest = SIZE_MAX;
      for (size_t s = 0; s < net->slot_count; s++) {
        if (busy[s]) {
          continue;
        }
        if (net->slot_floats[s] >= floats && (fitting == SIZE_MAX || net->slot_floats[s] < net->slot_floats[fitting])) {
          fitting = s;
        }
        if (largest == SIZE_MAX || net->slot_floats[s] > net->slot_floats[largest]) {
          largest = s;
        }
      }
      size_t best = fitting != SIZE_MAX ? fitting : largest;
      if (best == SIZE_MAX) {
        best = net->slot_count++;
        net->slot_floats[best] = 0;
      }
      if (net->slot_floats[best] < floats) {
        net->slot_floats[best] = floats;
      }
      busy[best] = true;
      out->slot = best;
    }
    /* Inputs whose last reader this is free their slots only now: never the op's own output. */
    const size_t inputs[2] = {op->input, op->kind == bench_net_add ? op->input2 : 0};
    for (size_t j = 0; j < 2; j++) {
      const size_t t = inputs[j];
      if (t != 0 && last_use[t] == i && net->tensors[t].slot != SIZE_MAX) {
        busy[net->tensors[t].slot] = false;
      }
    }
  }
}

float* bench_network_tensor(const struct bench_network* net, size_t tensor, float* const* slots, float* output) {
  if (tensor == 0) {
    return net->input;
  }
  if (tensor + 1 == net->tensor_count) {
    return output;
  }
  return slots[net->tensors[tensor].slot];
}

bool bench_network_alloc_slots(const struct bench_network* net, float** slots) {
  bool ok = true;
  for (size_t s = 0; s < net->slot_count; s++) {
    slots[s] = bench_alloc_floats(net->slot_floats[s]);
    ok = ok && slots[s] != NULL;
  }
  return ok;
}

void bench_network_free_slots(const struct bench_network* net, float** slots) {
  for (size_t s = 0; s < net->slot_count; s++) {
    free(slots[s]);
    slots[s] = NULL;
  }
}

/* ---- weights ---- */

static uint64_t hash_text(uint64_t h, const char* text) {
  for (const char* p = text; *p != '\0'; p++) {
    h = (h ^ (unsigned char) *p) * UINT64_C(1099511628211); /* FNV-1a */
  }
  return h;
}

/* OIHW [rows][cin][k][k] -> OHWI [rows][k][k][cin]. */
static void to_ohwi(const float* oihw, float* ohwi, size_t rows, size_t cin, size_t taps) {
  for (size_t o = 0; o < rows; o++) {
    for (size_t c = 0; c < cin; c++) {
      for (size_t t = 0; t < taps; t++) {
        ohwi[(o * taps + t) * cin + c] = oihw[(o * cin + c) * taps + t];
      }
    }
  }
}

/* Random weights (the same for every sparsity), pruned if the layer is, then scaled so that
 * every output's sum of squared weights is `gain` on average (He: 2 before a ReLU, 1 for a
 * linear projection), which keeps activations of about the same size through the network.
 * Returns false when out of memory or pruning failed. */
static bool make_weights(struct bench_network* net, size_t index, const struct bench_format* format, double sparsity,
                         uint64_t seed) {
  struct bench_net_op* op = &net->ops[index];
  const size_t count = op->rows * op->cols;
  op->weights = bench_alloc_floats(count);
  op->weights_ohwi = bench_alloc_floats(count);
  op->bias = bench_alloc_floats(op->rows);
  if (op->weights == NULL || op->weights_ohwi == NULL || op->bias == NULL) {
    return false;
  }
  char label[16];
  snprintf(label, sizeof(label), "/%zu", index);
  struct bench_rng rng = {hash_text(hash_text(seed ^ UINT64_C(1469598103934665603), net->name), label)};
  bench_fill_random(&rng, op->weights, count);
  bench_fill_random(&rng, op->bias, op->rows);
  if (op->pruned) {
    if (bench_prune(format, op->weights, op->rows, op->cols, sparsity) == (size_t) -1) {
      fprintf(stderr, "sprig-bench: pruning %s layer %zu (%zu x %zu) to %s failed\n", net->name, index, op->rows,
              op->cols, format->name);
      return false;
    }
  }
  double squares = 0.0;
  size_t nnz = 0;
  for (size_t i = 0; i < count; i++) {
    squares += (double) op->weights[i] * op->weights[i];
    nnz += op->weights[i] != 0.0f;
  }
  const double gain = op->output_min == 0.0f ? 2.0 : 1.0;
  const float scale = squares > 0.0 ? (float) sqrt(gain * (double) op->rows / squares) : 1.0f;
  for (size_t i = 0; i < count; i++) {
    op->weights[i] *= scale;
  }
  for (size_t i = 0; i < op->rows; i++) {
    op->bias[i] *= 0.1f;
  }
  const size_t taps = (size_t) op->kernel * op->kernel;
  if (op->kind == bench_net_conv) {
    to_ohwi(op->weights, op->weights_ohwi, op->rows, op->cols / taps, taps);
  } else {
    memcpy(op->weights_ohwi, op->weights, count * sizeof(float));
  }
  op->nnz = nnz;
  const struct bench_net_tensor* out = &net->tensors[op->output];
  const double pixels = (double) (out->height * out->width);
  net->params += count;
  net->nnz += nnz;
  net->macs += (double) nnz * pixels;
  net->dense_macs += (double) count * pixels;
  if (op->pruned) {
    net->pruned_params += count;
    net->pruned_nnz += nnz;
  }
  return true;
}

int bench_network_build(const char* name, const struct bench_format* format, double sparsity, uint64_t seed,
                        struct bench_network* net) {
  memset(net, 0, sizeof(*net));
  snprintf(net->name, sizeof(net->name), "%s", name);
  net->format = format;
  struct builder b = {net, 0, false};
  new_tensor(&b, IMAGE_CHANNELS, IMAGE_SIZE, IMAGE_SIZE);
  if (strcmp(name, "mobilenet-v1") == 0) {
    build_v1(&b);
  } else if (strcmp(name, "mobilenet-v2") == 0) {
    build_v2(&b);
  } else {
    fprintf(stderr, "sprig-bench: unknown network '%s'\n", name);
    return -1;
  }
  if (b.failed) {
    fprintf(stderr, "sprig-bench: %s has more than %d operators or tensors\n", name, BENCH_NET_MAX_OPS);
    return -1;
  }
  plan_slots(net);
  net->input = bench_alloc_floats(IMAGE_SIZE * IMAGE_SIZE * IMAGE_CHANNELS);
  if (net->input == NULL) {
    bench_network_free(net);
    return -1;
  }
  struct bench_rng rng = {hash_text(seed ^ UINT64_C(0x9e3779b97f4a7c15), name)};
  bench_fill_random(&rng, net->input, IMAGE_SIZE * IMAGE_SIZE * IMAGE_CHANNELS);
  for (size_t i = 0; i < net->op_count; i++) {
    const enum bench_net_op_kind kind = net->ops[i].kind;
    if ((kind == bench_net_conv || kind == bench_net_linear) && !make_weights(net, i, format, sparsity, seed)) {
      bench_network_free(net);
      return -1;
    }
  }
  return 0;
}

void bench_network_free(struct bench_network* net) {
  for (size_t i = 0; i < net->op_count; i++) {
    free(net->ops[i].weights);
    free(net->ops[i].weights_ohwi);
    free(net->ops[i].bias);
    net->ops[i].weights = net->ops[i].weights_ohwi = net->ops[i].bias = NULL;
  }
  free(net->input);
  net->input = NULL;
}

/* ---- reference ---- */

static float clamp(float x, float lo, float hi) {
  return x < lo ? lo : (x > hi ? hi : x);
}

static bool reference_op(const struct bench_network* net, const struct bench_net_op* op, float* const* slots,
                         struct bench_reference* ref) {
  const struct bench_net_tensor* in = &net->tensors[op->input];
  const float* x = bench_network_tensor(net, op->input, slots, ref->output);
  float* y = bench_network_tensor(net, op->output, slots, ref->output);
  switch (op->kind) {
    case bench_net_conv: {
      const struct bench_net_tensor* out = &net->tensors[op->output];
      const struct bench_conv_geometry g = {in->channels, out->channels, op->groups, in->height, in->width,
                                            out->height, out->width, op->kernel, op->stride, op->padding,
                                            op->input_nhwc};
      return bench_conv_forward(&g, op->weights, op->bias, x, op->output_min, op->output_max, y, NULL) == 0;
    }
    case bench_net_add: {
      const float* x2 = bench_network_tensor(net, op->input2, slots, ref->output);
      const size_t count = in->channels * in->height * in->width;
      for (size_t i = 0; i < count; i++) {
        y[i] = clamp(x[i] + x2[i], op->output_min, op->output_max);
      }
      return true;
    }
    case bench_net_pool: {
      const size_t pixels = in->height * in->width;
      for (size_t c = 0; c < in->channels; c++) {
        double sum = 0.0;
        for (size_t p = 0; p < pixels; p++) {
          sum += x[c * pixels + p];
        }
        y[c] = clamp((float) (sum / (double) pixels), op->output_min, op->output_max);
      }
      return true;
    }
    case bench_net_linear:
      for (size_t o = 0; o < op->rows; o++) {
        double sum = op->bias[o], magnitude = fabs((double) op->bias[o]);
        for (size_t i = 0; i < op->cols; i++) {
          const double w = op->weights[o * op->cols + i];
          sum += w * x[i];
          magnitude += fabs(w * x[i]);
        }
        y[o] = clamp((float) sum, op->output_min, op->output_max);
        ref->magnitude[o] = (float) magnitude;
      }
      return true;
  }
  return false;
}

static struct bench_net_range range_of(const float* x, size_t count) {
  struct bench_net_range r = {x[0], x[0]};
  for (size_t i = 1; i < count; i++) {
    r.lo = x[i] < r.lo ? x[i] : r.lo;
    r.hi = x[i] > r.hi ? x[i] : r.hi;
  }
  return r;
}

int bench_network_reference(const struct bench_network* net, struct bench_reference* ref,
                            struct bench_net_range* ranges) {
  const size_t classes = net->tensors[net->tensor_count - 1].channels;
  *ref = (struct bench_reference){1, classes, bench_alloc_floats(classes), bench_alloc_floats(classes)};
  float* slots[BENCH_NET_MAX_TENSORS] = {NULL};
  bool ok = ref->output != NULL && ref->magnitude != NULL && bench_network_alloc_slots(net, slots);
  if (ok && ranges != NULL) {
    const struct bench_net_tensor* image = &net->tensors[0];
    ranges[0] = range_of(net->input, image->channels * image->height * image->width);
  }
  for (size_t i = 0; ok && i < net->op_count; i++) {
    ok = reference_op(net, &net->ops[i], slots, ref);
    if (ok && ranges != NULL) {
      const size_t t = net->ops[i].output;
      const struct bench_net_tensor* out = &net->tensors[t];
      ranges[t] = range_of(bench_network_tensor(net, t, slots, ref->output), out->channels * out->height * out->width);
    }
  }
  bench_network_free_slots(net, slots);
  if (!ok) {
    bench_reference_free(ref);
    return -1;
  }
  return 0;
}
