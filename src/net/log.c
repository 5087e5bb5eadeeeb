/*
 * The daemon's log: level filter, one formatted line per record, control characters
 * escaped, one locked write per record so that lines from request threads never mix.
 * The level and the stream are atomics: the level can change while requests run.
 */
#include "net/log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

static atomic_int log_level = NET_LOG_INFO;
static _Atomic(FILE *) log_stream;

static const char *const level_names[] = {"error", "warn", "info", "debug"};

void net_log_set_level(enum net_log_level level)
{
	atomic_store(&log_level, (int)level);
}

enum net_log_level net_log_level(void)
{
	return (enum net_log_level)atomic_load(&log_level);
}

int net_log_enabled(enum net_log_level level)
{
	return (int)level <= atomic_load(&log_level);
}

mcim_err net_log_level_parse(const char *name, enum net_log_level *out)
{
	for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
		if (strcmp(name, level_names[i]) == 0) {
			*out = (enum net_log_level)i;
			return MCIM_OK;
		}
	}
	return MCIM_ERR_INVALID_ARG;
}

const char *net_log_level_name(enum net_log_level level)
{
	if ((unsigned)level >= sizeof(level_names) / sizeof(level_names[0]))
		return "?";
	return level_names[level];
}

void net_log_set_stream(FILE *stream)
{
	atomic_store(&log_stream, stream);
}

/*
 * Copies msg into out (room for cap - 1 characters and a NUL), writing bytes below
 * 0x20 and 0x7f as \xNN. Returns the length; *cut is set when msg did not fit.
 */
static size_t escape_into(char *out, size_t cap, const char *msg, int *cut)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = 0;

	*cut = 0;
	for (const unsigned char *p = (const unsigned char *)msg; *p != '\0'; p++) {
		int ctl = *p < 0x20 || *p == 0x7f;
		if (cap - n < (ctl ? 5u : 2u)) {
			*cut = 1;
			break;
		}
		if (ctl) {
			out[n++] = '\\';
			out[n++] = 'x';
			out[n++] = hex[*p >> 4];
			out[n++] = hex[*p & 15];
		} else {
			out[n++] = (char)*p;
		}
	}
	out[n] = '\0';
	return n;
}

void net_log(enum net_log_level level, const char *req_id, const char *fmt, ...)
{
	char msg[NET_LOG_LINE_MAX];
	char line[NET_LOG_LINE_MAX];
	struct timespec ts;
	struct tm tm;
	va_list ap;
	int w, cut;
	size_t n, len, msg_len;
	FILE *out;

	if (!net_log_enabled(level))
		return;
	va_start(ap, fmt);
	w = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (w < 0)
		return;
	msg_len = (size_t)w;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%S", &tm);
	w = snprintf(line + n, sizeof(line) - n, ".%03ldZ %s %s%s%s",
		     ts.tv_nsec / 1000000L, net_log_level_name(level),
		     req_id != NULL ? "[" : "", req_id != NULL ? req_id : "",
		     req_id != NULL ? "] " : "");
	if (w < 0 || (size_t)w >= sizeof(line) - n)
		return;
	n += (size_t)w;
	/* Room for the newline after the message. */
	len = escape_into(line + n, sizeof(line) - n - 1, msg, &cut);
	if ((cut || msg_len >= sizeof(msg)) && len >= 3)
		memcpy(line + n + len - 3, "...", 3);
	n += len;
	line[n++] = '\n';

	out = atomic_load(&log_stream);
	if (out == NULL)
		out = stderr;
	flockfile(out);
	fwrite(line, 1, n, out);
	fflush(out);
	funlockfile(out);
}
