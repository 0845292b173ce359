#include <ctype.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sprig/log.h>

static const char* const level_names[] = {"none", "error", "warning", "info", "debug"};

static sprig_log_callback user_callback = NULL;
static void* user_data_ptr = NULL;
static int max_level = -1; /* -1: not yet read from SPRIG_LOG_LEVEL */

static bool equal_ignoring_case(const char* a, const char* b) {
  for (; *a != '\0' && *b != '\0'; a++, b++) {
    if (tolower((unsigned char) *a) != tolower((unsigned char) *b)) {
      return false;
    }
  }
  return *a == *b;
}

static void emit(enum sprig_log_level level, const char* message) {
  if (user_callback != NULL) {
    user_callback(level, message, user_data_ptr);
  } else {
    fprintf(stderr, "sprig %s: %s\n", level_names[level], message);
  }
}

/* SPRIG_LOG_LEVEL, in any case ("Debug", "ERROR"); unset or empty means error. An unknown value
 * is reported whatever the level, since the user asked for something. */
static int level_from_environment(void) {
  const char* value = getenv("SPRIG_LOG_LEVEL");
  if (value == NULL || value[0] == '\0') {
    return (int) sprig_log_level_error;
  }
  for (int level = 0; level <= (int) sprig_log_level_debug; level++) {
    if (equal_ignoring_case(value, level_names[level])) {
      return level;
    }
  }
  char accepted[64] = "";
  for (int level = 0; level <= (int) sprig_log_level_debug; level++) {
    strcat(accepted, level == 0 ? "" : ", ");
    strcat(accepted, level_names[level]);
  }
  char message[256];
  snprintf(message, sizeof(message),
      "SPRIG_LOG_LEVEL=%.64s is not a known level (accepted, in any case: %s); using error", value,
      accepted);
  emit(sprig_log_level_warning, message);
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
  emit(level, message);
}
