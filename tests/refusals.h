/* Refused calls in the tests: a log callback that records the errors sprig logs, and
 * EXPECT_REFUSED, which asserts a call's status and that it logged a reason. Install
 * capture_log with sprig_set_log_callback(capture_log, NULL, sprig_log_level_error). */
#ifndef SPRIG_TEST_REFUSALS_H
#define SPRIG_TEST_REFUSALS_H

#include "test-util.h"

static int logged_errors;
static char last_message[512];

static void capture_log(enum sprig_log_level level, const char* message, void* user_data) {
  (void) user_data;
  if (level == sprig_log_level_error) {
    logged_errors++;
    snprintf(last_message, sizeof(last_message), "%s", message);
  }
}

/* Asserts that `call` returned `expected` and logged an error, the last one mentioning `needle`. */
#define EXPECT_REFUSED(call, expected, needle)                                               \
  do {                                                                                        \
    logged_errors = 0;                                                                        \
    last_message[0] = '\0';                                                                   \
    const enum sprig_status status_ = (call);                                                 \
    if (status_ != (expected)) {                                                              \
      fail_msg("%s returned %s, expected %s", #call, sprig_status_string(status_),            \
               sprig_status_string(expected));                                                \
    }                                                                                         \
    if (logged_errors < 1) {                                                                  \
      fail_msg("%s logged no reason", #call);                                                 \
    }                                                                                         \
    if (strstr(last_message, (needle)) == NULL) {                                             \
      fail_msg("%s logged \"%s\", expected a mention of \"%s\"", #call, last_message, needle); \
    }                                                                                         \
  } while (0)

/* A handle value no call returns: an output handle a refused call must leave as it was. */
#define UNTOUCHED_OP ((sprig_operator_t) (uintptr_t) 0xbeef)

#endif /* SPRIG_TEST_REFUSALS_H */
