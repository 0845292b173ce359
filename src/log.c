#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sprig/log.h>

static const char* const level_names[] = {"none", "error", "warning", "info", "debug"};

static sprig_log_callback user_callback = NULL;
static void* user_data_ptr = NULL;
static int max_level = -1; /* -1: not yet read from SPRIG_LOG_LEVEL */

static int level_from_environment(void) {
  const char* value = getenv("SPRIG_LOG_LEVEL");
  if (value != NULL) {
    for (int level = 0; level <= (int) sprig_log_level_debug; level++) {
      if (strcmp(value, level_names[level]) == 0) {
        return level;
      }
    }
  }
  return (int) sprig_log_level_error;
}

void sprig_set_log_callback(sprig_log_callback callback, void* user_data, enum sprig_log_level level) {
  user_callback = callback;
  user_data_ptr = user_data;
  max_level = (int) level;
}

void sprig_log(enum sprig_log_level level, const char* format, ...) {
  if (max_level < 0) {
    max_level = level_from_environment();
  }
  if ((int) level > max_level || level == sprig_log_level_none) {
    return;
  }
  char message[512];
  va_list args;
  va_start(args, format);
  vsnprintf(message, sizeof(message), format, args);
  va_end(args);
  if (user_callback != NULL) {
    user_callback(level, message, user_data_ptr);
  } else {
    fprintf(stderr, "sprig %s: %s\n", level_names[level], message);
  }
}
