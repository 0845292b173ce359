/* Private logging: printf-style, routed through the user's callback (or stderr). */
#ifndef SPRIG_LOG_H
#define SPRIG_LOG_H

#include <sprig.h>

#if defined(__GNUC__)
#define SPRIG_PRINTF_FORMAT(fmt_index, args_index) __attribute__((format(printf, fmt_index, args_index)))
#else
#define SPRIG_PRINTF_FORMAT(fmt_index, args_index)
#endif

void sprig_log(enum sprig_log_level level, const char* format, ...) SPRIG_PRINTF_FORMAT(2, 3);

#define sprig_log_error(...) sprig_log(sprig_log_level_error, __VA_ARGS__)
#define sprig_log_warning(...) sprig_log(sprig_log_level_warning, __VA_ARGS__)
#define sprig_log_info(...) sprig_log(sprig_log_level_info, __VA_ARGS__)
#define sprig_log_debug(...) sprig_log(sprig_log_level_debug, __VA_ARGS__)

#endif /* SPRIG_LOG_H */
