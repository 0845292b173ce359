#include <sprig/log.h>
#include <sprig/operator.h>

enum sprig_status sprig_run_operator(sprig_operator_t op, pthreadpool_t threadpool) {
  if (op == NULL) {
    sprig_log_error("sprig_run_operator: operator is NULL");
    return sprig_status_invalid_parameter;
  }
  if (op->state != sprig_operator_state_ready) {
    sprig_log_error("sprig_run_operator: operator is not set up (call reshape and setup first)");
    return sprig_status_invalid_state;
  }
  switch (op->type) {
    case sprig_operator_type_linear:
      sprig_run_linear(op, threadpool);
      break;
    case sprig_operator_type_conv2d_nchw:
      if (op->bspmv.active) {
        sprig_run_bspmv(op, op->input, op->output, threadpool);
      } else {
        sprig_run_spmm(op, op->input, op->output, threadpool);
      }
      break;
  }
  return sprig_status_success;
}
