#include "options.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ITEM_MAX 128

static void print_help(FILE* out) {
  fprintf(out,
      "usage: sprig-bench [options]\n"
      "Runs each layer of a suite three ways in one process -- sprig, XNNPACK's sparse NCHW path\n"
      "and XNNPACK dense -- on the same magnitude-pruned random weights and inputs, checks that\n"
      "the outputs agree, then times them interleaved and reports medians.\n"
      "\n"
      "  --suite LIST         suites, comma separated (default mobilenet-v1); see --list:\n"
      "                         mobilenet-v1, mobilenet-v2  1x1 convolutions of MobileNet v1 / v2 224\n"
      "                         transformer, small-batch    linear layers (batch 1, 16, 128; 2-12)\n"
      "                         resnet18   ResNet-18's 3x3 convolutions (s1 / s2, pad 1), pruned\n"
      "                         dwconv     MobileNet v1/v2 depthwise 3x3 layers (s1 / s2, pad 1) and the\n"
      "                                    first 3x3 s2 convolution from an NHWC image; dense weights:\n"
      "                                    run once, whatever --formats / --sparsity say\n"
      "                         e2e        whole MobileNet v1 and v2 (224x224, width 1.0, batch 1): 1x1\n"
      "                                    convolutions and the 1000-way classifier pruned to each\n"
      "                                    sparsity in the format, first and depthwise convolutions\n"
      "                                    dense (as in Fast Sparse ConvNets), v2 with its residual\n"
      "                                    adds. Three networks on the same weights: all sprig; XNNPACK's\n"
      "                                    NCHW operators (its sparse inference: SpMM 1x1, CHW depthwise,\n"
      "                                    NHWC-in first conv, NCW pooling; classifier dense) and\n"
      "                                    XNNPACK's NHWC operators. Prints the whole-network break-even\n"
      "                                    sparsity against XNNPACK dense and times per operator class\n"
      "  --layers GLOBS       only layers whose \"suite/layer\" matches one of these patterns\n"
      "                       (* and ?), e.g. 'transformer/*/b1,mobilenet-v1/pw1*'\n"
      "  --sparsity LIST      target sparsities in [0, 1) (default 0.5,0.7,0.8,0.9,0.95;\n"
      "                       0.9 with --kernels)\n"
      "  --formats LIST       sparse formats (default csr); see --list\n"
      "  --dtypes LIST        data types, comma separated (default f32):\n"
      "                         f32  sprig vs XNNPACK sparse and dense, all f32\n"
      "                         qs8  int8 activations: sprig's qs8 operator (linear, 1x1 and KxK\n"
      "                              convolutions) on int8 weights quantized per output channel from\n"
      "                              the same pruned f32 weights (symmetric, scale max|w| / 127) and\n"
      "                              int8 inputs, vs XNNPACK's dense per-channel int8 convolution\n"
      "                              (qc8; a 1x1 convolution, batch rows as pixels, for linear layers)\n"
      "                              on the same int8 data, with sprig's f32 time on the layer beside it\n"
      "                         qd8  linear layers only: sprig's qd8 operator (f32 in and out, input\n"
      "                              quantized per row at run time), same int8 weights and peer\n"
      "                         f16  IEEE half in and out: sprig's f16 operator vs sprig f32 and\n"
      "                              XNNPACK's dense f16 convolution (n/a where XNNPACK refuses it)\n"
      "                       e2e networks: f32 and qs8 (the whole network in int8, activations\n"
      "                       quantized per tensor from the f32 run: sprig's qs8 operators vs\n"
      "                       XNNPACK's NHWC int8 ones, sprig's f32 network beside); --kernels: f32\n"
      "  --threads LIST       thread counts; 'all' = every core (default 1,all). sprig and\n"
      "                       XNNPACK share one pthreadpool of that size\n"
      "  --reps N             exactly N timed rounds per case (overrides --min-time)\n"
      "  --min-time SECONDS   sample until every contender ran this long (default 0.1),\n"
      "                       at least 5 and at most --max-reps rounds\n"
      "  --max-reps N         cap on rounds per case (default 1000)\n"
      "  --kernels            kernel mode: time every microkernel of the kernel list that this\n"
      "                       CPU runs, called directly on one shape\n"
      "  --kernel-shape MxKxN pixels x input channels x output channels for --kernels\n"
      "                       (default 3136x256x256)\n"
      "  --kernel-rows HOW    the f32 SpMM and N:M kernels' input rows in --kernels: 'staged' (default:\n"
      "                       as operators hand them over, in place when whole cache lines apart)\n"
      "                       or 'odd' (copied an odd number of lines apart, every L1 set used)\n"
      "  --json FILE          also write the results as a JSON array\n"
      "  --plot-dir DIR       also write gnuplot data (speed-up vs sparsity) to DIR\n"
      "  --seed N             random seed (default 1)\n"
      "  --quiet              no progress lines on stderr\n"
      "  --list               list suites, layers and formats\n"
      "  --help               this text\n"
      "\n"
      "Times are medians of single runs (microseconds); one round runs sprig, XNNPACK sparse and\n"
      "XNNPACK dense once each. GFLOP/s counts useful work only: 2 x nonzeros x m / time.\n"
      "Convolution layers report m = output pixels, k = input channels per group x kh x kw;\n"
      "XNNPACK sparse is its NCHW convolution where it supports the shape (null otherwise).\n"
      "--kernels also times the f32-spconv kernels (a 3x3 s1 pad 1 convolution of K -> N channels\n"
      "on a sqrt(M) x sqrt(M) image), the f32-dwconv kernels (3x3 and 5x5 depthwise on N channels) and\n"
      "the f32-dwconv2d-chw kernels (depthwise K x K stride S from the NCHW planes).\n"
      "Start-up also measures the single-core read rate (a buffer of 4 x L2 read from L3, one of\n"
      "2 x L3 from memory, with the ISA's vector loads): linear layers at batch 1 report their\n"
      "weight stream (sprig_operator_weight_bytes / time, column wGB/s) and its share of that rate.\n"
      "int8 records (--dtypes qs8,qd8) compare sprig's int8 output with XNNPACK's element by element\n"
      "and with a plain-C evaluation of sprig.h's formulas; they fail beyond 1 unit (qd8: beyond a\n"
      "relative error of 1e-4 of |bias| + sum |w x|); int8 networks record the logits' differences\n"
      "without failing (they are not one operator). JSON records carry \"dtype\"; in int8 ones\n"
      "sprig_us = sprig int8, xnn_dense_us = xnn_qc8_us = XNNPACK qc8, sprig_f32_us = sprig f32.\n"
      "Environment: SPRIG_FORCE_ISA restricts sprig's kernels (see sprig.h).\n");
}

static void print_lists(FILE* out) {
  fprintf(out, "suites and layers:\n");
  bench_print_suites(out, 1);
  fprintf(out, "formats:\n");
  bench_print_formats(out);
}

/* Splits a comma list into items (each < ITEM_MAX characters); returns the count or -1. */
static int split_list(const char* list, char items[][ITEM_MAX], size_t capacity) {
  size_t count = 0;
  const char* p = list;
  for (;;) {
    const char* comma = strchr(p, ',');
    const size_t length = comma != NULL ? (size_t) (comma - p) : strlen(p);
    if (length == 0 || length >= ITEM_MAX || count == capacity) {
      return -1;
    }
    memcpy(items[count], p, length);
    items[count][length] = '\0';
    count++;
    if (comma == NULL) {
      return (int) count;
    }
    p = comma + 1;
  }
}

static bool parse_size(const char* text, size_t* value) {
  char* end = NULL;
  errno = 0;
  const unsigned long long v = strtoull(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || text[0] == '-') {
    return false;
  }
  *value = (size_t) v;
  return true;
}

static bool parse_double(const char* text, double* value) {
  char* end = NULL;
  errno = 0;
  *value = strtod(text, &end);
  return errno == 0 && end != text && *end == '\0';
}

static bool set_suites(struct bench_options* o, const char* value) {
  char items[BENCH_MAX_LIST][ITEM_MAX];
  const int count = split_list(value, items, BENCH_MAX_LIST);
  if (count < 0) {
    fprintf(stderr, "sprig-bench: bad --suite list '%s'\n", value);
    return false;
  }
  for (int i = 0; i < count; i++) {
    o->suites[i] = bench_find_suite(items[i]);
    if (o->suites[i] == NULL) {
      fprintf(stderr, "sprig-bench: unknown suite '%s'; known suites:\n", items[i]);
      bench_print_suites(stderr, 0);
      return false;
    }
  }
  o->suite_count = (size_t) count;
  return true;
}

static bool set_formats(struct bench_options* o, const char* value) {
  char items[BENCH_MAX_LIST][ITEM_MAX];
  const int count = split_list(value, items, BENCH_MAX_LIST);
  if (count < 0) {
    fprintf(stderr, "sprig-bench: bad --formats list '%s'\n", value);
    return false;
  }
  for (int i = 0; i < count; i++) {
    o->formats[i] = bench_find_format(items[i]);
    if (o->formats[i] == NULL) {
      fprintf(stderr, "sprig-bench: unknown format '%s'; known formats:\n", items[i]);
      bench_print_formats(stderr);
      return false;
    }
  }
  o->format_count = (size_t) count;
  return true;
}

static bool set_sparsities(struct bench_options* o, const char* value) {
  char items[BENCH_MAX_LIST][ITEM_MAX];
  const int count = split_list(value, items, BENCH_MAX_LIST);
  if (count < 0) {
    fprintf(stderr, "sprig-bench: bad --sparsity list '%s'\n", value);
    return false;
  }
  for (int i = 0; i < count; i++) {
    if (!parse_double(items[i], &o->sparsities[i]) || !(o->sparsities[i] >= 0.0 && o->sparsities[i] < 1.0)) {
      fprintf(stderr, "sprig-bench: sparsity '%s' is not a number in [0, 1)\n", items[i]);
      return false;
    }
  }
  o->sparsity_count = (size_t) count;
  o->sparsity_given = true;
  return true;
}

static bool set_threads(struct bench_options* o, const char* value) {
  char items[BENCH_MAX_LIST][ITEM_MAX];
  const int count = split_list(value, items, BENCH_MAX_LIST);
  if (count < 0) {
    fprintf(stderr, "sprig-bench: bad --threads list '%s'\n", value);
    return false;
  }
  for (int i = 0; i < count; i++) {
    const bool all = strcmp(items[i], "all") == 0;
    if (!all && (!parse_size(items[i], &o->threads[i]) || o->threads[i] == 0 || o->threads[i] > 1024)) {
      fprintf(stderr, "sprig-bench: thread count '%s' is not 1..1024 or 'all'\n", items[i]);
      return false;
    }
    if (all) {
      o->threads[i] = 0;
    }
  }
  o->thread_count = (size_t) count;
  return true;
}

const char* bench_dtype_name(enum bench_dtype dtype) {
  static const char* const names[bench_dtype_count] = {"f32", "qs8", "qd8", "f16"};
  return (unsigned) dtype < bench_dtype_count ? names[dtype] : "?";
}

static bool set_dtypes(struct bench_options* o, const char* value) {
  char items[BENCH_MAX_LIST][ITEM_MAX];
  const int count = split_list(value, items, BENCH_MAX_LIST);
  if (count < 0) {
    fprintf(stderr, "sprig-bench: bad --dtypes list '%s'\n", value);
    return false;
  }
  o->dtype_count = 0;
  for (int i = 0; i < count; i++) {
    int found = -1;
    for (int d = 0; d < bench_dtype_count && found < 0; d++) {
      found = strcmp(items[i], bench_dtype_name((enum bench_dtype) d)) == 0 ? d : -1;
    }
    if (found < 0) {
      fprintf(stderr, "sprig-bench: unknown dtype '%s' (f32, qs8, qd8, f16)\n", items[i]);
      return false;
    }
    bool seen = false;
    for (size_t j = 0; j < o->dtype_count && !seen; j++) {
      seen = o->dtypes[j] == (enum bench_dtype) found;
    }
    if (!seen) {
      o->dtypes[o->dtype_count++] = (enum bench_dtype) found;
    }
  }
  return true;
}

static bool set_layers(struct bench_options* o, const char* value) {
  /* The patterns are kept here (one --layers per run; a later one replaces it). */
  static char storage[BENCH_MAX_LIST][ITEM_MAX];
  const int count = split_list(value, storage, BENCH_MAX_LIST);
  if (count < 0) {
    fprintf(stderr, "sprig-bench: bad --layers list '%s'\n", value);
    return false;
  }
  for (int i = 0; i < count; i++) {
    o->layer_globs[i] = storage[i];
  }
  o->layer_glob_count = (size_t) count;
  return true;
}

static bool set_kernel_shape(struct bench_options* o, const char* value) {
  char m[ITEM_MAX], k[ITEM_MAX], n[ITEM_MAX];
  if (strlen(value) >= ITEM_MAX || sscanf(value, "%127[0-9]x%127[0-9]x%127[0-9]", m, k, n) != 3 ||
      !parse_size(m, &o->kernel_m) || !parse_size(k, &o->kernel_k) || !parse_size(n, &o->kernel_n) ||
      o->kernel_m == 0 || o->kernel_k == 0 || o->kernel_n == 0) {
    fprintf(stderr, "sprig-bench: --kernel-shape wants MxKxN with positive numbers, got '%s'\n", value);
    return false;
  }
  return true;
}

static bool set_timing(struct bench_options* o, const char* name, const char* value) {
  size_t n = 0;
  double seconds = 0.0;
  if (strcmp(name, "--min-time") == 0) {
    if (!parse_double(value, &seconds) || !(seconds >= 0.0 && seconds <= 3600.0)) {
      fprintf(stderr, "sprig-bench: --min-time wants seconds in [0, 3600], got '%s'\n", value);
      return false;
    }
    o->timing.min_time_s = seconds;
    return true;
  }
  if (!parse_size(value, &n) || n == 0 || n > 1000000) {
    fprintf(stderr, "sprig-bench: %s wants a count in 1..1000000, got '%s'\n", name, value);
    return false;
  }
  if (strcmp(name, "--reps") == 0) {
    o->timing = (struct bench_timing_plan){.min_reps = n, .max_reps = n, .min_time_s = 0.0};
  } else {
    o->timing.max_reps = n;
  }
  return true;
}

static bool set_option(struct bench_options* o, const char* name, const char* value) {
  if (strcmp(name, "--suite") == 0) return set_suites(o, value);
  if (strcmp(name, "--layers") == 0) return set_layers(o, value);
  if (strcmp(name, "--sparsity") == 0) return set_sparsities(o, value);
  if (strcmp(name, "--formats") == 0) return set_formats(o, value);
  if (strcmp(name, "--threads") == 0) return set_threads(o, value);
  if (strcmp(name, "--dtypes") == 0) return set_dtypes(o, value);
  if (strcmp(name, "--kernel-shape") == 0) return set_kernel_shape(o, value);
  if (strcmp(name, "--kernel-rows") == 0) {
    if (strcmp(value, "staged") != 0 && strcmp(value, "odd") != 0) {
      fprintf(stderr, "sprig-bench: --kernel-rows wants 'staged' or 'odd', got '%s'\n", value);
      return false;
    }
    o->kernel_rows_odd = strcmp(value, "odd") == 0;
    return true;
  }
  if (strcmp(name, "--reps") == 0 || strcmp(name, "--min-time") == 0 || strcmp(name, "--max-reps") == 0) {
    return set_timing(o, name, value);
  }
  if (strcmp(name, "--json") == 0) {
    o->json_path = value;
    return true;
  }
  if (strcmp(name, "--plot-dir") == 0) {
    o->plot_dir = value;
    return true;
  }
  if (strcmp(name, "--seed") == 0) {
    size_t seed = 0;
    if (!parse_size(value, &seed)) {
      fprintf(stderr, "sprig-bench: --seed wants a number, got '%s'\n", value);
      return false;
    }
    o->seed = (uint64_t) seed;
    return true;
  }
  fprintf(stderr, "sprig-bench: unknown option '%s' (see --help)\n", name);
  return false;
}

static void set_defaults(struct bench_options* o) {
  static const double default_sparsities[] = {0.5, 0.7, 0.8, 0.9, 0.95};
  *o = (struct bench_options){0};
  o->suites[0] = bench_find_suite("mobilenet-v1");
  o->suite_count = 1;
  for (size_t i = 0; i < 5; i++) {
    o->sparsities[i] = default_sparsities[i];
  }
  o->sparsity_count = 5;
  o->formats[0] = bench_find_format("csr");
  o->format_count = 1;
  o->threads[0] = 1;
  o->threads[1] = 0;
  o->thread_count = 2;
  o->dtypes[0] = bench_dtype_f32;
  o->dtype_count = 1;
  o->timing = (struct bench_timing_plan){.min_reps = 5, .max_reps = 1000, .min_time_s = 0.1};
  o->kernel_m = 3136;
  o->kernel_k = 256;
  o->kernel_n = 256;
  o->seed = 1;
}

static bool is_flag(const char* arg, struct bench_options* o, enum bench_parse_result* result) {
  if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
    print_help(stdout);
    *result = bench_parse_exit_success;
  } else if (strcmp(arg, "--list") == 0) {
    print_lists(stdout);
    *result = bench_parse_exit_success;
  } else if (strcmp(arg, "--kernels") == 0) {
    o->kernels_mode = true;
  } else if (strcmp(arg, "--quiet") == 0) {
    o->quiet = true;
  } else {
    return false;
  }
  return true;
}

enum bench_parse_result bench_parse_options(int argc, char** argv, struct bench_options* options) {
  set_defaults(options);
  for (int i = 1; i < argc; i++) {
    enum bench_parse_result result = bench_parse_ok;
    if (is_flag(argv[i], options, &result)) {
      if (result != bench_parse_ok) {
        return result;
      }
      continue;
    }
    char name[ITEM_MAX];
    const char* value = NULL;
    const char* equals = strchr(argv[i], '=');
    if (strncmp(argv[i], "--", 2) == 0 && equals != NULL && (size_t) (equals - argv[i]) < ITEM_MAX) {
      memcpy(name, argv[i], (size_t) (equals - argv[i]));
      name[equals - argv[i]] = '\0';
      value = equals + 1;
    } else if (strlen(argv[i]) < ITEM_MAX && i + 1 < argc) {
      strcpy(name, argv[i]);
      value = argv[++i];
    } else {
      fprintf(stderr, "sprig-bench: '%s' is unknown or needs a value (see --help)\n", argv[i]);
      return bench_parse_error;
    }
    if (!set_option(options, name, value)) {
      return bench_parse_error;
    }
  }
  if (options->kernels_mode && !options->sparsity_given) {
    options->sparsities[0] = 0.9;
    options->sparsity_count = 1;
  }
  return bench_parse_ok;
}

/* '*' matches any run of characters, '?' any one character. */
static bool glob_match(const char* pattern, const char* text) {
  if (*pattern == '\0') {
    return *text == '\0';
  }
  if (*pattern == '*') {
    for (const char* t = text;; t++) {
      if (glob_match(pattern + 1, t)) {
        return true;
      }
      if (*t == '\0') {
        return false;
      }
    }
  }
  return *text != '\0' && (*pattern == '?' || *pattern == *text) && glob_match(pattern + 1, text + 1);
}

bool bench_layer_selected(const struct bench_options* options, const char* suite, const char* layer) {
  if (options->layer_glob_count == 0) {
    return true;
  }
  char full[2 * ITEM_MAX];
  snprintf(full, sizeof(full), "%s/%s", suite, layer);
  for (size_t i = 0; i < options->layer_glob_count; i++) {
    if (glob_match(options->layer_globs[i], full)) {
      return true;
    }
  }
  return false;
}
