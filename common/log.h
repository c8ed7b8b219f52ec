/*
 * log: one leveled log macro (Redis's habit) that does not format what it
 * will not print. Messages name ids, codes and counts — never names,
 * national ids, addresses or answers.
 */
#ifndef FA_LOG_H
#define FA_LOG_H

enum { LOG_ERROR = 0, LOG_WARN, LOG_INFO, LOG_DEBUG };

extern int log_level; /* default LOG_INFO */

void log_write(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define LOG(level, ...)                                   \
	do {                                              \
		if ((level) <= log_level)                 \
			log_write((level), __VA_ARGS__);  \
	} while (0)

#endif
