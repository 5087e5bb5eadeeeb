/*
 * mcim-tre: a device's TRE as a program of its own, linked the way a device maker
 * links it: libmcim (with the builtin crypto backend where the build has one) and
 * libcbor, jansson to read device.json, nothing else (no libcurl, no PKI tools).
 *
 *   mcim-tre serve --dir D --socket PATH
 *       the TRE of device D on a Unix socket until SIGTERM or SIGINT, as `mcim tre
 *       serve` (the same loop, mcim_tre_serve); `mcim tre ... --socket PATH` and
 *       the device agent reach it there.
 *   mcim-tre session --dir D [--iterations N] [--op full|open|attest|aka]
 *       N device sessions (default 1), each: open with the secure boot, attest over
 *       a fresh nonce, one 3G AKA, close. This process plays the AuC of the bench's
 *       MCIM (tool/session.h), so D is a device `mcim bench tre --make-device` made.
 *       --op repeats one part only (open: open and close; attest, aka: on a TRE
 *       opened once), as `mcim bench tre --op` does. What
 *       scripts/bench-footprint.sh measures.
 *
 * The struct mcim_tre, the server and the messages are static storage and stdout is
 * not used (its buffer would be heap): the process allocates only what jansson
 * needs to read device.json, freed at once. Exit status 0, 1 when the TRE or a
 * file failed (the step named on stderr), 2 for usage errors.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mcim/auth.h"
#include "mcim/bytes.h"
#include "mcim/tre.h"
#include "tool/devcfg.h"
#include "tool/session.h"

#define ITERATIONS_MAX 1000000

enum op { OP_FULL, OP_OPEN, OP_ATTEST, OP_AKA, OP_N };

static const char *const op_names[OP_N] = {"full", "open", "attest", "aka"};

static struct mcim_tre tre;
static struct tool_device dev;
static struct mcim_tre_server srv;
static uint8_t req[MCIM_TRE_MSG_MAX], resp[MCIM_TRE_MSG_MAX];
static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static int usage(int rc)
{
	static const char text[] =
	    "usage: mcim-tre serve --dir D --socket PATH\n"
	    "       mcim-tre session --dir D [--iterations N] [--op "
	    "full|open|attest|aka]\n"
	    "  serve: the TRE of device D on a Unix socket until SIGTERM or SIGINT.\n"
	    "  session: N device sessions (open with secure boot, attest, AKA, close)\n"
	    "  on a device made by `mcim bench tre --make-device`; this process plays\n"
	    "  the AuC of its MCIM. --op repeats one part only.\n";

	if (write(rc == 0 ? STDOUT_FILENO : STDERR_FILENO, text, sizeof(text) - 1) < 0)
		return 1;
	return rc;
}

static int fail(const char *what, mcim_err err, const char *detail)
{
	fprintf(stderr, "mcim-tre: %s: %s%s%s\n", what, mcim_err_name(err),
		detail != NULL ? ": " : "", detail != NULL ? detail : "");
	return 1;
}

/* Loads D/device.json and opens the TRE; 0 when it is ready. */
static int open_device(const char *dir, int loaded)
{
	char err[TOOL_DEVICE_ERR_MAX];
	enum mcim_tre_state state;
	mcim_err e, cause;

	if (!loaded) {
		e = tool_device_load(dir, &dev, err);
		if (e != MCIM_OK)
			return fail("device", e, err);
	}
	e = mcim_tre_open(&tre, &dev.cfg);
	if (e != MCIM_OK)
		return fail("open", e, dir);
	state = mcim_tre_state(&tre, &cause);
	if (state != MCIM_TRE_READY) {
		mcim_tre_close(&tre);
		return fail("open", cause, mcim_tre_state_name(state));
	}
	return 0;
}

static int serve(const char *dir, const char *sock)
{
	struct sigaction sa;
	mcim_err e;

	if (open_device(dir, 0) != 0)
		return 1;
	e = mcim_tre_server_bind(&srv, sock);
	if (e != MCIM_OK) {
		mcim_tre_close(&tre);
		return fail("bind", e, sock);
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	e = mcim_tre_serve(&srv, &tre, &stop_flag);
	mcim_tre_close(&tre);
	mcim_wipe(&dev, sizeof(dev));
	return e == MCIM_OK ? 0 : fail("serve", e, sock);
}

/* One request through the TRE. */
static mcim_err call(size_t req_len, size_t *resp_len)
{
	return mcim_tre_call(&tre, req, req_len, resp, sizeof(resp), resp_len);
}

static mcim_err attest(void)
{
	size_t req_len, resp_len;
	mcim_err err = tool_session_attest_req(req, sizeof(req), &req_len);

	if (err == MCIM_OK)
		err = call(req_len, &resp_len);
	return err != MCIM_OK ? err : tool_session_attest_check(resp, resp_len);
}

static mcim_err aka(struct tool_session_auc *auc)
{
	static struct mcim_auth_vector av;
	size_t req_len, resp_len;
	mcim_err err = tool_session_aka_req(auc, &av, req, sizeof(req), &req_len);

	if (err == MCIM_OK)
		err = call(req_len, &resp_len);
	if (err == MCIM_OK)
		err = tool_session_aka_check(&av, resp, resp_len);
	mcim_auth_vector_wipe(&av);
	return err;
}

/* The exchanges of one iteration on the open TRE: 0, or 1 once the failed step is
 * named. */
static int exchange(enum op op, struct tool_session_auc *auc, const char *dir)
{
	mcim_err err;

	if (op == OP_FULL || op == OP_ATTEST) {
		err = attest();
		if (err != MCIM_OK)
			return fail("attest", err, dir);
	}
	if (op == OP_FULL || op == OP_AKA) {
		err = aka(auc);
		if (err != MCIM_OK)
			return fail("aka", err, dir);
	}
	return 0;
}

static int session(const char *dir, unsigned long iterations, enum op op)
{
	static struct tool_session_auc auc;
	/* full and open open and close the TRE each time, attest and aka once. */
	const int reopen = op == OP_FULL || op == OP_OPEN;
	char line[80];
	mcim_err e;
	int rc = 0, n, opened = 0;

	e = tool_session_auc_load(&auc, dir);
	if (e != MCIM_OK)
		return fail("the AuC's state", e, TOOL_SESSION_AUC_FILE);
	if (!reopen) {
		rc = open_device(dir, 0);
		opened = rc == 0;
	}
	for (unsigned long i = 0; i < iterations && rc == 0; i++) {
		if (reopen) {
			rc = open_device(dir, i != 0);
			if (rc != 0)
				break;
		}
		rc = exchange(op, &auc, dir);
		if (reopen)
			mcim_tre_close(&tre);
	}
	if (opened)
		mcim_tre_close(&tre);
	/* The AuC's SEQ moved on with every challenge, answered or not. */
	e = tool_session_auc_save(&auc, dir);
	if (e != MCIM_OK && rc == 0)
		rc = fail("the AuC's state", e, TOOL_SESSION_AUC_FILE);
	tool_session_auc_wipe(&auc);
	mcim_wipe(&dev, sizeof(dev));
	if (rc != 0)
		return rc;
	n = snprintf(line, sizeof(line), "%lu x %s\n", iterations,
		     op == OP_FULL ? "session: open, attest, aka, close" : op_names[op]);
	return n > 0 && write(STDOUT_FILENO, line, (size_t)n) == n ? 0 : 1;
}

/* The op named s, or OP_N. */
static enum op parse_op(const char *s)
{
	int i = 0;

	while (i < OP_N && strcmp(s, op_names[i]) != 0)
		i++;
	return (enum op)i;
}

int main(int argc, char **argv)
{
	const char *dir = NULL, *sock = NULL;
	unsigned long iterations = 1;
	enum op op = OP_FULL;
	int counted = 0, op_given = 0;

	if (argc < 2)
		return usage(2);
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
		return usage(0);
	for (int i = 2; i < argc; i++) {
		char *end;

		if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc) {
			dir = argv[++i];
		} else if (strcmp(argv[i], "--socket") == 0 && i + 1 < argc) {
			sock = argv[++i];
		} else if (strcmp(argv[i], "--iterations") == 0 && i + 1 < argc) {
			iterations = strtoul(argv[++i], &end, 10);
			if (*end != '\0' || iterations == 0 ||
			    iterations > ITERATIONS_MAX)
				return usage(2);
			counted = 1;
		} else if (strcmp(argv[i], "--op") == 0 && i + 1 < argc) {
			op = parse_op(argv[++i]);
			if (op == OP_N)
				return usage(2);
			op_given = 1;
		} else {
			return usage(2);
		}
	}
	if (dir == NULL)
		return usage(2);
	if (strcmp(argv[1], "serve") == 0 && sock != NULL && !counted && !op_given)
		return serve(dir, sock);
	if (strcmp(argv[1], "session") == 0 && sock == NULL)
		return session(dir, iterations, op);
	return usage(2);
}
