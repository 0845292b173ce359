#include <stdbool.h>

#include <sprig/hardware.h>
#include <sprig/log.h>

#if defined(__wasm__) && !defined(__EMSCRIPTEN_PTHREADS__)
#define SPRIG_SINGLE_THREADED_INIT 1
#else
#include <pthread.h>
#define SPRIG_SINGLE_THREADED_INIT 0
#endif

static struct sprig_hardware hardware;
static enum sprig_status init_status = sprig_status_uninitialized;

static void initialize_once(void) {
  init_status = sprig_detect_hardware(&hardware);
  /* Also the first log call of most processes: an unknown SPRIG_LOG_LEVEL is reported here. */
  sprig_log_debug("sprig %s initialized: %s", sprig_version(), sprig_status_string(init_status));
}

enum sprig_status sprig_initialize(void) {
#if SPRIG_SINGLE_THREADED_INIT
  static bool done = false;
  if (!done) {
    initialize_once();
    done = true;
  }
#else
  static pthread_once_t once = PTHREAD_ONCE_INIT;
  pthread_once(&once, initialize_once);
#endif
  return init_status;
}

const struct sprig_hardware* sprig_get_hardware(void) {
  return init_status == sprig_status_success ? &hardware : NULL;
}

const char* sprig_status_string(enum sprig_status status) {
  switch (status) {
    case sprig_status_success: return "success";
    case sprig_status_uninitialized: return "sprig is not initialized (call sprig_initialize)";
    case sprig_status_invalid_parameter: return "invalid parameter";
    case sprig_status_invalid_state: return "invalid state (wrong call order)";
    case sprig_status_unsupported_parameter: return "unsupported parameter";
    case sprig_status_unsupported_hardware: return "unsupported hardware";
    case sprig_status_out_of_memory: return "out of memory";
    case sprig_status_invalid_weights: return "invalid or corrupt sparse weights";
  }
  return "unknown status";
}
