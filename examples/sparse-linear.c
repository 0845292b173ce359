/* Runs a 90%-sparse 512 -> 256 linear layer on a batch of 8 and prints which kernel ran. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <sprig.h>

enum { IN = 512, OUT = 256, BATCH = 8 };

int main(void) {
  /* The library this program runs with, and the header it was compiled with. */
  printf("sprig %s (header %s)\n", sprig_version(), SPRIG_VERSION_STRING);
  enum sprig_status status = sprig_initialize();
  if (status != sprig_status_success) {
    fprintf(stderr, "sprig_initialize: %s\n", sprig_status_string(status));
    return 1;
  }
  /* Dense weights with ~90% exact zeros: the zeros define the sparsity pattern. */
  float* weights = malloc(sizeof(float) * IN * OUT);
  float* input = malloc(sizeof(float) * BATCH * IN);
  float* output = malloc(sizeof(float) * BATCH * OUT);
  unsigned seed = 1;
  for (size_t i = 0; i < (size_t) IN * OUT; i++) {
    seed = seed * 1103515245u + 12345u;
    weights[i] = (seed >> 16) % 10 == 0 ? (float) ((seed >> 8) & 0xff) / 128.0f - 1.0f : 0.0f;
  }
  for (size_t i = 0; i < (size_t) BATCH * IN; i++) {
    input[i] = (float) (i % 7) * 0.25f;
  }

  sprig_operator_t op = NULL;
  status = sprig_create_linear_f32(IN, OUT, weights, /*bias=*/NULL, /*pattern=*/NULL, 0.0f, INFINITY, 0, &op);
  if (status == sprig_status_success) status = sprig_reshape_linear_f32(op, BATCH);
  if (status == sprig_status_success) status = sprig_setup_linear_f32(op, input, output);
  /* A NULL pool runs on this thread; pass your own pthreadpool_t to use its threads. */
  if (status == sprig_status_success) status = sprig_run_operator(op, NULL);
  if (status != sprig_status_success) {
    fprintf(stderr, "sprig: %s\n", sprig_status_string(status));
    return 1;
  }
  double checksum = 0.0;
  for (size_t i = 0; i < (size_t) BATCH * OUT; i++) {
    checksum += output[i];
  }
  printf("isa: %s\nkernel: %s\nchecksum: %.4f\n", sprig_isa_name(), sprig_operator_kernel_name(op), checksum);
  sprig_delete_operator(op);
  free(weights);
  free(input);
  free(output);
  return 0;
}
