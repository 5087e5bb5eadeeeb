/*
 * What every mcim command shares: the table dispatcher used at each level, error
 * messages in one format, parsing of hex and integer arguments that names the
 * argument at fault, and the record writer behind both text and --json output.
 */
#include "cli.h"

#include <assert.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "mcim/bytes.h"

/* Twice the longest value printed (a 200-octet Keccak state), plus the NUL. */
#define CLI_HEX_MAX 401
/* The longest hex argument any command takes (AUTN with a 256-bit MAC is 40). */
#define CLI_ARG_MAX 64

/* path is "" at the top level, else the words after "mcim" ("aka"). */
static void usage(FILE *to, const char *path, const char *about,
		  const struct cli_cmd *cmds, size_t ncmds)
{
	const char *sep = path[0] ? " " : "";
	size_t width = 0;

	fprintf(to, "usage: mcim%s%s <command> [options]\n  %s\n\ncommands:\n", sep, path,
		about);
	for (size_t i = 0; i < ncmds; i++)
		if (strlen(cmds[i].name) > width)
			width = strlen(cmds[i].name);
	for (size_t i = 0; i < ncmds; i++)
		fprintf(to, "  %-*s  %s\n", (int)width, cmds[i].name, cmds[i].summary);
	fprintf(to, "\n'mcim%s%s <command> --help' describes a command's options.\n", sep,
		path);
}

int cli_dispatch(const char *path, const char *about, const struct cli_cmd *cmds,
		 size_t ncmds, int argc, char **argv)
{
	const char *sep = path[0] ? ": " : "";

	if (argc < 2) {
		fprintf(stderr, "mcim: %s%sa command is needed\n", path, sep);
		usage(stderr, path, about, cmds, ncmds);
		return CLI_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout, path, about, cmds, ncmds);
		return CLI_EXIT_OK;
	}
	for (size_t i = 0; i < ncmds; i++)
		if (strcmp(argv[1], cmds[i].name) == 0)
			return cmds[i].run(argc - 1, argv + 1);
	fprintf(stderr, "mcim: %s%sunknown command \"%s\"\n", path, sep, argv[1]);
	usage(stderr, path, about, cmds, ncmds);
	return CLI_EXIT_USAGE;
}

void cli_error(const char *what, mcim_err err)
{
	fprintf(stderr, "mcim: %s: %s\n", what, mcim_strerror(err));
}

int cli_usage_error(const char *path, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "mcim: %s: ", path);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see 'mcim %s --help')\n", path);
	return CLI_EXIT_USAGE;
}

int cli_getopt(const char *path, int argc, char **argv, const struct option *longopts)
{
	int c;

	opterr = 0;
	c = getopt_long(argc, argv, ":h", longopts, NULL);
	if (c == '?') {
		if (optopt != 0)
			cli_usage_error(path, "unknown option -%c", optopt);
		else
			cli_usage_error(path, "unknown option %s", argv[optind - 1]);
		return CLI_OPT_ERROR;
	}
	if (c == ':') {
		cli_usage_error(path, "%s needs a value", argv[optind - 1]);
		return CLI_OPT_ERROR;
	}
	return c;
}

static mcim_err hex_arg(const char *opt, const char *text, uint8_t *out, size_t len_a,
			size_t len_b, size_t *out_len)
{
	uint8_t buf[CLI_ARG_MAX];
	size_t tlen = strlen(text), got;
	char what[128];
	mcim_err err;

	err = mcim_hex_decode(text, tlen, buf, sizeof(buf), &got);
	if (err == MCIM_ERR_PARSE) {
		snprintf(what, sizeof(what), "%s: %s", opt,
			 tlen % 2 ? "an odd number of hex digits" : "not hex digits");
		cli_error(what, err);
		return err;
	}
	if (err != MCIM_OK || (got != len_a && got != len_b)) {
		if (err != MCIM_OK)
			snprintf(what, sizeof(what), "%s: more than %zu octets", opt,
				 sizeof(buf));
		else if (len_a == len_b)
			snprintf(what, sizeof(what), "%s: %zu octet%s, expected %zu", opt,
				 got, got == 1 ? "" : "s", len_a);
		else
			snprintf(what, sizeof(what),
				 "%s: %zu octet%s, expected %zu or %zu", opt, got,
				 got == 1 ? "" : "s", len_a, len_b);
		mcim_wipe(buf, sizeof(buf));
		cli_error(what, MCIM_ERR_INVALID_ARG);
		return MCIM_ERR_INVALID_ARG;
	}
	memcpy(out, buf, got);
	mcim_wipe(buf, sizeof(buf));
	if (out_len != NULL)
		*out_len = got;
	return MCIM_OK;
}

mcim_err cli_hex_arg(const char *opt, const char *text, uint8_t *out, size_t len)
{
	return hex_arg(opt, text, out, len, len, NULL);
}

mcim_err cli_secret_arg(const char *opt, char *text, uint8_t *out, size_t len_a,
			size_t len_b, size_t *out_len)
{
	mcim_err err = hex_arg(opt, text, out, len_a, len_b, out_len);
	size_t n = strlen(text);

	/* Hides the value from later readers of /proc/<pid>/cmdline, not from earlier. */
	memset(text, 'x', n);
	return err;
}

mcim_err cli_uint_arg(const char *opt, const char *text, unsigned long min,
		      unsigned long max, unsigned long *out)
{
	char what[128];
	char *end;
	unsigned long v;

	if (text[0] < '0' || text[0] > '9') {
		snprintf(what, sizeof(what), "%s: \"%.20s\" is not a decimal number", opt,
			 text);
		cli_error(what, MCIM_ERR_PARSE);
		return MCIM_ERR_PARSE;
	}
	v = strtoul(text, &end, 10);
	if (*end != '\0') {
		snprintf(what, sizeof(what), "%s: \"%.20s\" is not a decimal number", opt,
			 text);
		cli_error(what, MCIM_ERR_PARSE);
		return MCIM_ERR_PARSE;
	}
	if (v < min || v > max) {
		snprintf(what, sizeof(what), "%s: %.20s is not in %lu..%lu", opt, text,
			 min, max);
		cli_error(what, MCIM_ERR_INVALID_ARG);
		return MCIM_ERR_INVALID_ARG;
	}
	*out = v;
	return MCIM_OK;
}

/* s as a JSON string, quoted and escaped. */
static void json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

void cli_out_begin(struct cli_out *o, FILE *f, int json)
{
	o->f = f;
	o->json = json;
	o->nfields = 0;
	if (json)
		fputc('{', f);
}

static void out_key(struct cli_out *o, const char *key, const char *label)
{
	if (o->json) {
		fputs(o->nfields ? ", " : "", o->f);
		json_string(o->f, key);
		fputs(": ", o->f);
	} else {
		fprintf(o->f, "%-8s ", label);
	}
	o->nfields++;
}

void cli_out_str(struct cli_out *o, const char *key, const char *label, const char *s)
{
	out_key(o, key, label);
	if (o->json)
		json_string(o->f, s);
	else
		fprintf(o->f, "%s\n", s);
}

void cli_out_hex(struct cli_out *o, const char *key, const char *label, const uint8_t *b,
		 size_t len)
{
	char hex[CLI_HEX_MAX];

	assert(2 * len < sizeof(hex));
	mcim_hex_encode(b, len, hex, sizeof(hex));
	cli_out_str(o, key, label, hex);
	mcim_wipe(hex, sizeof(hex));
}

void cli_out_end(struct cli_out *o)
{
	if (o->json)
		fputs("}\n", o->f);
	fflush(o->f);
}
