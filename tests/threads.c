/* Threads sharing one packed-weights object (built for ThreadSanitizer, run by every native
 * target): four threads start at once, each creates linear and conv2d operators from the same
 * freshly packed weights (so the derived kernel streams are built concurrently), runs them on
 * its own pthreadpool of 1 to 4 threads and must compute the same bits as one serial run. */
#define _POSIX_C_SOURCE 200809L

#include "test-util.h"

#include <pthread.h>

#include <sprig.h>

/* Conv: 8 input channels, 3x3 kernel, 32 output channels, on a 9x11 image padded by 1; the
 * linear layer uses the same [32][72] weight matrix on a batch of 5. */
enum { CIN = 8, COUT = 32, KH = 3, KW = 3, COLS = CIN * KH * KW, HEIGHT = 9, WIDTH = 11, BATCH = 5 };
enum { THREADS = 4, RUNS = 2 };
/* Runs per thread in one workspace: enough that some meet another thread's run. */
enum { WORKSPACE_RUNS = 200 };
enum { LINEAR_OUT = BATCH * COUT, CONV_OUT = COUT * HEIGHT * WIDTH };

static const struct sprig_sparsity patterns[] = {
    {.format = SPRIG_FORMAT_CSR},
    {.format = SPRIG_FORMAT_BLOCK, .block_rows = 4, .block_cols = 1},
    {.format = SPRIG_FORMAT_BLOCK, .block_rows = 1, .block_cols = 4},
    {.format = SPRIG_FORMAT_NM, .n = 2, .m = 4},
    {.format = SPRIG_FORMAT_GROUP, .group = 4},
};
#define PATTERN_COUNT (sizeof(patterns) / sizeof(patterns[0]))

static const struct sprig_conv2d_params conv_params = {
    .kernel_height = KH, .kernel_width = KW, .stride_height = 1, .stride_width = 1,
    .dilation_height = 1, .dilation_width = 1, .padding_top = 1, .padding_right = 1,
    .padding_bottom = 1, .padding_left = 1, .groups = 1, .input_channels = CIN, .output_channels = COUT};

static int setup_group(void** state) {
  (void) state;
  return sprig_initialize() == sprig_status_success || getenv("SPRIG_FORCE_ISA") != NULL ? 0 : -1;
}

/* Weights pruned to the pattern (70% sparse; N:M by its own ratio), packed. */
static sprig_weights_t pack(const struct sprig_sparsity* p, uint64_t seed) {
  float w[COUT * COLS];
  struct rng rng = {seed};
  fill_random(&rng, w, COUT * COLS);
  const float target = p->format == SPRIG_FORMAT_NM ? 0.0f : 0.7f;
  assert_int_equal(sprig_prune_f32(COUT, COLS, w, p, target, NULL), sprig_status_success);
  sprig_weights_t packed = NULL;
  assert_int_equal(sprig_pack_weights_f32(COUT, COLS, w, p, 0, &packed), sprig_status_success);
  return packed;
}

struct job {
  sprig_weights_t weights;
  const float* linear_input;
  const float* conv_input;
  const float* bias;
  size_t pool_threads;              /* 0: serial (NULL pool) */
  pthread_barrier_t* start;         /* NULL: start at once */
  float linear_output[LINEAR_OUT];
  float conv_output[CONV_OUT];
  enum sprig_status status;
};

/* Creates, reshapes, sets up and runs one linear and one conv operator RUNS times. */
static void* run_job(void* argument) {
  struct job* j = argument;
  if (j->start != NULL) {
    pthread_barrier_wait(j->start);
  }
  pthreadpool_t pool = j->pool_threads != 0 ? pthreadpool_create(j->pool_threads) : NULL;
  sprig_operator_t linear = NULL, conv = NULL;
  size_t oh = 0, ow = 0;
  enum sprig_status s = j->pool_threads != 0 && pool == NULL ? sprig_status_out_of_memory : sprig_status_success;
  if (s == sprig_status_success) {
    s = sprig_create_linear_from_weights_f32(j->weights, j->bias, -2.0f, 2.0f, 0, &linear);
  }
  if (s == sprig_status_success) {
    s = sprig_create_conv2d_nchw_from_weights_f32(&conv_params, j->weights, j->bias, -INFINITY, INFINITY, 0, &conv);
  }
  if (s == sprig_status_success) {
    s = sprig_reshape_linear_f32(linear, BATCH);
  }
  if (s == sprig_status_success) {
    s = sprig_reshape_conv2d_nchw_f32(conv, 1, HEIGHT, WIDTH, &oh, &ow);
  }
  if (s == sprig_status_success && (oh != HEIGHT || ow != WIDTH)) {
    s = sprig_status_invalid_state;
  }
  if (s == sprig_status_success) {
    s = sprig_setup_linear_f32(linear, j->linear_input, j->linear_output);
  }
  if (s == sprig_status_success) {
    s = sprig_setup_conv2d_nchw_f32(conv, j->conv_input, j->conv_output);
  }
  for (size_t r = 0; r < RUNS && s == sprig_status_success; r++) {
    s = sprig_run_operator(linear, pool);
    if (s == sprig_status_success) {
      s = sprig_run_operator(conv, pool);
    }
  }
  sprig_delete_operator(linear);
  sprig_delete_operator(conv);
  if (pool != NULL) {
    pthreadpool_destroy(pool);
  }
  j->status = s;
  return NULL;
}

/* The tests' inputs and bias, random from `seed`. */
struct inputs {
  float linear[BATCH * COLS], conv[CIN * HEIGHT * WIDTH], bias[COUT];
};

static void fill_inputs(struct inputs* in, uint64_t seed) {
  struct rng rng = {seed};
  fill_random(&rng, in->linear, BATCH * COLS);
  fill_random(&rng, in->conv, CIN * HEIGHT * WIDTH);
  fill_random(&rng, in->bias, COUT);
}

static void test_shared_weights_across_threads(void** state) {
  (void) state;
  require_sprig();
  struct inputs in;
  fill_inputs(&in, 2718);
  const float* linear_input = in.linear;
  const float* conv_input = in.conv;
  const float* bias = in.bias;
  struct job* jobs = calloc(THREADS + 1, sizeof(struct job));
  assert_non_null(jobs);
  for (size_t p = 0; p < PATTERN_COUNT; p++) {
    /* The reference: its own weights, one serial job. */
    struct job* reference = &jobs[THREADS];
    *reference = (struct job){.weights = pack(&patterns[p], 77 + p), .linear_input = linear_input,
                              .conv_input = conv_input, .bias = bias};
    run_job(reference);
    assert_int_equal(reference->status, sprig_status_success);
    sprig_release_weights(reference->weights);

    /* The same weights packed again (nothing derived yet), shared by four threads at once. */
    sprig_weights_t shared = pack(&patterns[p], 77 + p);
    pthread_barrier_t start;
    assert_int_equal(pthread_barrier_init(&start, NULL, THREADS), 0);
    pthread_t threads[THREADS];
    for (size_t t = 0; t < THREADS; t++) {
      jobs[t] = (struct job){.weights = shared, .linear_input = linear_input, .conv_input = conv_input,
                             .bias = bias, .pool_threads = t + 1, .start = &start};
      assert_int_equal(pthread_create(&threads[t], NULL, run_job, &jobs[t]), 0);
    }
    for (size_t t = 0; t < THREADS; t++) {
      assert_int_equal(pthread_join(threads[t], NULL), 0);
    }
    pthread_barrier_destroy(&start);
    sprig_release_weights(shared);
    for (size_t t = 0; t < THREADS; t++) {
      if (jobs[t].status != sprig_status_success) {
        fail_msg("pattern %zu, thread %zu: %s", p, t, sprig_status_string(jobs[t].status));
      }
      if (memcmp(jobs[t].linear_output, reference->linear_output, sizeof(reference->linear_output)) != 0) {
        fail_msg("pattern %zu: linear on thread %zu (pool of %zu) differs from the serial run", p, t, t + 1);
      }
      if (memcmp(jobs[t].conv_output, reference->conv_output, sizeof(reference->conv_output)) != 0) {
        fail_msg("pattern %zu: conv2d on thread %zu (pool of %zu) differs from the serial run", p, t, t + 1);
      }
    }
  }
  free(jobs);
}

/* Four threads, each with its own operators (a 3x3 convolution: staged phase planes; a linear
 * layer), all in one workspace, planned beforehand (one at a time, as the rule says), then run
 * at once: each run either succeeds with the bits of a run on its own buffers or is refused
 * (invalid_state) with the output untouched, and is retried until it succeeds. */
struct workspace_job {
  sprig_operator_t conv, linear;
  const float* expected_conv;
  const float* expected_linear;
  pthread_barrier_t* start;
  float conv_output[CONV_OUT];
  float linear_output[LINEAR_OUT];
  size_t refused;
  bool wrong;
};

static bool run_until_done(sprig_operator_t op, float* output, size_t count, const float* expected,
                           struct workspace_job* j) {
  for (;;) {
    fill_value(output, count, SENTINEL);
    const enum sprig_status s = sprig_run_operator(op, NULL);
    if (s == sprig_status_success) {
      return memcmp(output, expected, count * sizeof(float)) == 0;
    }
    j->refused++;
    for (size_t i = 0; i < count; i++) {
      if (output[i] != SENTINEL || s != sprig_status_invalid_state) {
        return false;
      }
    }
  }
}

static void* run_workspace_job(void* argument) {
  struct workspace_job* j = argument;
  pthread_barrier_wait(j->start);
  for (size_t r = 0; r < WORKSPACE_RUNS && !j->wrong; r++) {
    j->wrong = !run_until_done(j->conv, j->conv_output, CONV_OUT, j->expected_conv, j) ||
               !run_until_done(j->linear, j->linear_output, LINEAR_OUT, j->expected_linear, j);
  }
  return NULL;
}

static void test_workspace_across_threads(void** state) {
  (void) state;
  require_sprig();
  struct inputs in;
  fill_inputs(&in, 1414);
  const float* linear_input = in.linear;
  const float* conv_input = in.conv;
  const float* bias = in.bias;
  sprig_workspace_t workspace = NULL;
  assert_int_equal(sprig_create_workspace(&workspace), sprig_status_success);
  struct workspace_job* jobs = calloc(THREADS, sizeof(struct workspace_job));
  float* expected = malloc(THREADS * (CONV_OUT + LINEAR_OUT) * sizeof(float));
  assert_true(jobs != NULL && expected != NULL);
  pthread_barrier_t start;
  assert_int_equal(pthread_barrier_init(&start, NULL, THREADS), 0);
  for (size_t t = 0; t < THREADS; t++) {
    sprig_weights_t w = pack(&patterns[t % PATTERN_COUNT], 300 + t);
    struct workspace_job* j = &jobs[t];
    float* expected_conv = expected + t * (CONV_OUT + LINEAR_OUT);
    float* expected_linear = expected_conv + CONV_OUT;
    assert_int_equal(sprig_create_conv2d_nchw_from_weights_f32(&conv_params, w, bias, -INFINITY, INFINITY, 0,
                                                               &j->conv), sprig_status_success);
    assert_int_equal(sprig_create_linear_from_weights_f32(w, bias, -2.0f, 2.0f, 0, &j->linear), sprig_status_success);
    sprig_release_weights(w);
    /* The bits of each operator on its own buffers, then the same operator in the workspace. */
    for (size_t shared = 0; shared < 2; shared++) {
      float* conv_out = shared ? j->conv_output : expected_conv;
      float* linear_out = shared ? j->linear_output : expected_linear;
      if (shared) {
        assert_int_equal(sprig_set_operator_workspace(j->conv, workspace), sprig_status_success);
        assert_int_equal(sprig_set_operator_workspace(j->linear, workspace), sprig_status_success);
      }
      assert_int_equal(sprig_reshape_conv2d_nchw_f32(j->conv, 1, HEIGHT, WIDTH, NULL, NULL), sprig_status_success);
      assert_int_equal(sprig_reshape_linear_f32(j->linear, BATCH), sprig_status_success);
      assert_int_equal(sprig_setup_conv2d_nchw_f32(j->conv, conv_input, conv_out), sprig_status_success);
      assert_int_equal(sprig_setup_linear_f32(j->linear, linear_input, linear_out), sprig_status_success);
      if (!shared) {
        assert_int_equal(sprig_run_operator(j->conv, NULL), sprig_status_success);
        assert_int_equal(sprig_run_operator(j->linear, NULL), sprig_status_success);
      }
    }
    j->expected_conv = expected_conv;
    j->expected_linear = expected_linear;
    j->start = &start;
  }
  assert_true(sprig_workspace_bytes(workspace) > 0 || strstr(sprig_operator_kernel_name(jobs[0].conv), "scalar"));
  pthread_t threads[THREADS];
  for (size_t t = 0; t < THREADS; t++) {
    assert_int_equal(pthread_create(&threads[t], NULL, run_workspace_job, &jobs[t]), 0);
  }
  for (size_t t = 0; t < THREADS; t++) {
    assert_int_equal(pthread_join(threads[t], NULL), 0);
  }
  pthread_barrier_destroy(&start);
  size_t refused = 0;
  for (size_t t = 0; t < THREADS; t++) {
    if (jobs[t].wrong) {
      fail_msg("thread %zu: a run in the shared workspace gave other bits, or a refused run wrote", t);
    }
    refused += jobs[t].refused;
    sprig_delete_operator(jobs[t].conv);
    sprig_delete_operator(jobs[t].linear);
  }
  print_message("runs refused while another operator ran in the workspace: %zu\n", refused);
  assert_int_equal(sprig_release_workspace(workspace), sprig_status_success);
  free(expected);
  free(jobs);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_shared_weights_across_threads),
      cmocka_unit_test(test_workspace_across_threads),
  };
  return cmocka_run_group_tests_name("threads", tests, setup_group, NULL);
}
