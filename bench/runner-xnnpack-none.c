/* Builds without XNNPACK (not found, SPRIG_BENCH_WITH_XNNPACK=OFF, WebAssembly): the XNNPACK
 * columns are reported as null. */
#include <stdlib.h>

#include "runner.h"

static bool unavailable(struct bench_runner* runner, const char* name) {
  *runner = (struct bench_runner){.name = name, .available = false, .note = "this build has no XNNPACK"};
  return true;
}

bool bench_xnn_sparse_runner_create(const struct bench_problem* problem, struct bench_runner* runner) {
  (void) problem;
  return unavailable(runner, "xnn-sparse");
}

bool bench_xnn_dense_runner_create(const struct bench_problem* problem, struct bench_runner* runner) {
  (void) problem;
  return unavailable(runner, "xnn-dense");
}

bool bench_xnn_qc8_runner_create(const struct bench_problem* problem, const struct bench_quantized* quantized,
                                 struct bench_runner* runner) {
  (void) problem;
  (void) quantized;
  return unavailable(runner, "xnn-qc8");
}

bool bench_xnn_f16_runner_create(const struct bench_problem* problem, const uint16_t* weights_ohwi,
                                 const uint16_t* bias, const uint16_t* input_pm, uint16_t* output,
                                 struct bench_runner* runner) {
  (void) problem;
  (void) weights_ohwi;
  (void) bias;
  (void) input_pm;
  (void) output;
  return unavailable(runner, "xnn-f16");
}

bool bench_xnnpack_initialize(void) {
  return false;
}

const char* bench_xnnpack_description(void) {
  return "no XNNPACK in this build (XNNPACK columns are null)";
}

bool bench_xnn_sparse_network_runner_create(const struct bench_network* network, struct bench_runner* runner) {
  (void) network;
  return unavailable(runner, "xnn-sparse");
}

bool bench_xnn_dense_network_runner_create(const struct bench_network* network, struct bench_runner* runner) {
  (void) network;
  return unavailable(runner, "xnn-dense");
}

bool bench_xnn_qc8_network_runner_create(const struct bench_network* network, const struct bench_net_q8* q,
                                         struct bench_runner* runner) {
  (void) network;
  (void) q;
  return unavailable(runner, "xnn-qc8");
}
