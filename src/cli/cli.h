/*
 * Internal to the mcim tool: the command table, the exit statuses, and the helpers
 * every command shares (argument parsing with errors that name the argument, one
 * writer for "KEY value" text and flat JSON objects).
 *
 * Conventions: a command is int run(int argc, char **argv) with argv[0] its own name
 * and returns a CLI_EXIT_* status. Errors go to stderr as
 * "mcim: <what>: <mcim_strerror text>" and name the argument or file at fault.
 * Options are long only ("--name value"); -h is the one short option.
 */
#ifndef MCIM_CLI_H
#define MCIM_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "mcim/err.h"

enum {
	CLI_EXIT_OK = 0,
	CLI_EXIT_FAIL = 1,  /* the operation ran and its outcome is a failure */
	CLI_EXIT_USAGE = 2, /* usage error or bad input: nothing was done */
};

struct cli_cmd {
	const char *name;
	const char *summary; /* one line for the parent's usage text */
	int (*run)(int argc, char **argv);
};

/*
 * Runs the command argv[1] names from cmds (argv[0] is this level's own name; path
 * the words after "mcim" that lead here: "" at the top, "aka" below it). Prints this
 * level's usage for -h/--help (exit 0) and for a missing or unknown command (exit 2).
 */
int cli_dispatch(const char *path, const char *about, const struct cli_cmd *cmds,
		 size_t ncmds, int argc, char **argv);

/* The commands of the top level, one row each in main.c's table. */
int cmd_aka(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_pki(int argc, char **argv);
int cmd_device(int argc, char **argv);
int cmd_tre(int argc, char **argv);

/* `mcim device provision|attach|status|report`: the agent's side
 * (cmd_device_net.c). */
int cmd_device_provision(int argc, char **argv);
int cmd_device_attach(int argc, char **argv);
int cmd_device_status(int argc, char **argv);
int cmd_device_report(int argc, char **argv);

/* "mcim: <what>: <mcim_strerror(err)>" on stderr. */
void cli_error(const char *what, mcim_err err);

/* "mcim: <path>: <message> (see 'mcim <path> --help')" on stderr; CLI_EXIT_USAGE. */
int cli_usage_error(const char *path, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * getopt_long for a leaf command (path: "aka av" etc.), with -h as the one short
 * option (longopts should map "help" to 'h'). Returns the option's val, -1 at the
 * end, or CLI_OPT_ERROR after printing a usage error for an unknown option or a
 * missing value.
 */
struct option;
enum { CLI_OPT_ERROR = -2 };
int cli_getopt(const char *path, int argc, char **argv, const struct option *longopts);

/*
 * Decodes the hex text of option opt into exactly len octets. On error prints
 * "mcim: --opt: ..." with the length found and returns the error
 * (MCIM_ERR_PARSE: not hex; MCIM_ERR_INVALID_ARG: wrong length).
 */
mcim_err cli_hex_arg(const char *opt, const char *text, uint8_t *out, size_t len);

/*
 * For a secret (K, OP, OPc, TOP, TOPc) of len_a or len_b octets, as cli_hex_arg;
 * afterwards the text in argv is overwritten so that the value no longer shows in
 * the process's command line.
 */
mcim_err cli_secret_arg(const char *opt, char *text, uint8_t *out, size_t len_a,
			size_t len_b, size_t *out_len);

/* A decimal integer in min..max. */
mcim_err cli_uint_arg(const char *opt, const char *text, unsigned long min,
		      unsigned long max, unsigned long *out);

/*
 * Output of one record of named values: "LABEL  value" lines, or one flat JSON
 * object with the keys. Hex text of secrets is built in a buffer that is wiped.
 */
struct cli_out {
	FILE *f;
	int json;
	int nfields;
};

/* json: 1 for one JSON object on one line, 0 for text lines. */
void cli_out_begin(struct cli_out *o, FILE *f, int json);
/* A value as hex (key in JSON, label in text), a string, then the end of the record. */
void cli_out_hex(struct cli_out *o, const char *key, const char *label, const uint8_t *b,
		 size_t len);
void cli_out_str(struct cli_out *o, const char *key, const char *label, const char *s);
void cli_out_end(struct cli_out *o);

#endif
