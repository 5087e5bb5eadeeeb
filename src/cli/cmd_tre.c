/*
 * `mcim tre`: the TRE of a device, reached linked (--dir D: this process opens the
 * TRE, which is then a boot) or through a running `mcim tre serve` (--socket PATH:
 * this process holds no TRE secret). Every subcommand is one or two requests of the
 * TRE's command interface (docs/tre.md); the answer is printed as text lines
 * ("path  value") or, with --json, as the response's result in JSON. Exit status 0
 * when the TRE says OK, 1 when it refuses or the TRE is not in service (the cause
 * named on stderr), 2 for usage errors. `audit verify` works offline on the files.
 */
#include <getopt.h>
#include <jansson.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "mcim/audit.h"
#include "mcim/bytes.h"
#include "mcim/cert.h"
#include "mcim/tre.h"
#include "tool/device.h"

enum {
	OPT_DIR = 256,
	OPT_SOCKET,
	OPT_JSON,
	OPT_NONCE,
	OPT_MODE,
	OPT_RAND,
	OPT_AUTN,
	OPT_KIND,
	OPT_PLMN,
	OPT_SNN,
	OPT_PCID,
	OPT_USIM,
	OPT_FILE,
	OPT_PIN,
	OPT_NEW_PIN,
	OPT_ACK,
	OPT_CERT,
	OPT_OUT,
};

/* Where the TRE is and how to print. */
struct target {
	const char *path; /* "tre status" ... for messages */
	const char *dir, *socket;
	int json;
	struct mcim_tre *tre; /* linked */
	struct mcim_tre_client client;
	uint8_t req[MCIM_TRE_MSG_MAX], resp[MCIM_TRE_MSG_MAX];
	size_t resp_len;
	struct tool_tre_resp r;
};

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static int target_open(struct target *t)
{
	char err[TOOL_DEVICE_ERR_MAX];
	struct tool_device dev;
	mcim_err e;

	if ((t->dir == NULL) == (t->socket == NULL))
		return cli_usage_error(t->path, "give one of --dir or --socket");
	if (t->socket != NULL) {
		e = mcim_tre_client_connect(&t->client, t->socket);
		if (e != MCIM_OK) {
			cli_error(t->socket, e);
			return CLI_EXIT_FAIL;
		}
		return CLI_EXIT_OK;
	}
	e = tool_device_load(t->dir, &dev, err);
	if (e != MCIM_OK) {
		fprintf(stderr, "mcim: %s\n", err);
		return e == MCIM_ERR_NOT_FOUND ? CLI_EXIT_FAIL : CLI_EXIT_USAGE;
	}
	t->tre = malloc(sizeof(*t->tre));
	if (t->tre == NULL) {
		cli_error(t->dir, MCIM_ERR_NOMEM);
		return CLI_EXIT_FAIL;
	}
	e = mcim_tre_open(t->tre, &dev.cfg);
	if (e != MCIM_OK) {
		char what[TOOL_DEVICE_PATH_MAX + 32];

		free(t->tre);
		t->tre = NULL;
		snprintf(what, sizeof(what), "%s: opening the TRE", t->dir);
		cli_error(what, e);
		return CLI_EXIT_FAIL;
	}
	return CLI_EXIT_OK;
}

static void target_close(struct target *t)
{
	if (t->tre != NULL) {
		mcim_tre_close(t->tre);
		free(t->tre);
		t->tre = NULL;
	}
	if (t->socket != NULL)
		mcim_tre_client_close(&t->client);
	mcim_wipe(t->resp, sizeof(t->resp));
}

/* One request; on MCIM_OK t->r holds the TRE's answer (its own status inside). */
static mcim_err target_call(struct target *t, const char *cmd,
			    const struct tool_tre_arg *args, size_t n)
{
	size_t len;
	mcim_err e = tool_tre_request(cmd, args, n, t->req, sizeof(t->req), &len);

	if (e == MCIM_OK) {
		if (t->tre != NULL)
			e = mcim_tre_call(t->tre, t->req, len, t->resp, sizeof(t->resp),
					  &t->resp_len);
		else
			e = mcim_tre_client_call(&t->client, t->req, len, t->resp,
						 sizeof(t->resp), &t->resp_len);
	}
	mcim_wipe(t->req, sizeof(t->req));
	if (e == MCIM_OK)
		e = tool_tre_response(t->resp, t->resp_len, &t->r);
	if (e != MCIM_OK)
		cli_error(t->path, e);
	return e;
}

/* "path  value" lines for a JSON value. */
static void print_text(const char *prefix, json_t *v)
{
	char sub[256];

	if (json_is_object(v)) {
		const char *k;
		json_t *e;

		json_object_foreach(v, k, e)
		{
			snprintf(sub, sizeof(sub), "%s%s%s", prefix, prefix[0] ? "." : "",
				 k);
			print_text(sub, e);
		}
	} else if (json_is_array(v)) {
		size_t i;
		json_t *e;

		if (json_array_size(v) == 0)
			printf("%-28s []\n", prefix);
		json_array_foreach(v, i, e)
		{
			snprintf(sub, sizeof(sub), "%s[%zu]", prefix, i);
			print_text(sub, e);
		}
	} else {
		char *s = json_dumps(v, JSON_ENCODE_ANY);

		if (s != NULL && json_is_string(v))
			printf("%-28s %s\n", prefix, json_string_value(v));
		else if (s != NULL)
			printf("%-28s %s\n", prefix, s);
		free(s);
	}
}

/* Prints the result and maps the status to the exit status. */
static int report(struct target *t, const char *cmd)
{
	json_t *j = t->r.result != NULL ? tool_cbor_to_json(t->r.result, t->r.result_len)
					: json_null();

	if (t->json) {
		json_t *o = json_pack(
		    "{s:s,s:i,s:o}", "error", mcim_err_name(t->r.status), "status",
		    (int)t->r.status, "result", j != NULL ? j : json_null());
		char *s = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;

		if (s != NULL)
			puts(s);
		free(s);
		json_decref(o);
	} else {
		if (j != NULL && !json_is_null(j))
			print_text("", j);
		json_decref(j);
	}
	if (t->r.status != MCIM_OK) {
		char what[128];

		snprintf(what, sizeof(what), "tre %s: %s", cmd,
			 mcim_err_name(t->r.status));
		cli_error(what, t->r.status);
		return CLI_EXIT_FAIL;
	}
	return CLI_EXIT_OK;
}

/* Options every command takes; returns 1 when consumed. */
static int common_opt(struct target *t, int c)
{
	switch (c) {
	case OPT_DIR:
		t->dir = optarg;
		return 1;
	case OPT_SOCKET:
		t->socket = optarg;
		return 1;
	case OPT_JSON:
		t->json = 1;
		return 1;
	}
	return 0;
}

#define COMMON_OPTS                                                                      \
	{"dir", required_argument, NULL, OPT_DIR},                                       \
	    {"socket", required_argument, NULL, OPT_SOCKET},                             \
	    {"json", no_argument, NULL, OPT_JSON},                                       \
	{                                                                                \
		"help", no_argument, NULL, 'h'                                           \
	}

#define COMMON_HELP                                                                      \
	"  --dir D       the device directory (the TRE runs in this process)\n"          \
	"  --socket PATH a running `mcim tre serve`\n"                                   \
	"  --json        the TRE's response as one JSON object\n"                        \
	"  -h, --help    this text\n"                                                    \
	"exit status: 0 done, 1 refused or TRE not in service (cause on stderr), 2 "     \
	"usage\n"

static struct target *target_new(const char *path)
{
	struct target *t = calloc(1, sizeof(*t));

	if (t == NULL) {
		cli_error(path, MCIM_ERR_NOMEM);
		return NULL;
	}
	t->path = path;
	t->client.fd = -1;
	return t;
}

/* Closes what target_open opened and frees t; returns rc. */
static int target_done(struct target *t, int rc)
{
	target_close(t);
	free(t);
	return rc;
}

/* The values of a subcommand's own options (those it does not take stay NULL). */
struct opt_vals {
	const char *nonce, *mode, *out, *rand, *autn, *kind, *plmn, *snn, *file, *ack;
	char *pin, *new_pin;
	int pcid, usim;
};

static int value_opt(struct opt_vals *v, int c)
{
	switch (c) {
	case OPT_NONCE:
		v->nonce = optarg;
		break;
	case OPT_MODE:
		v->mode = optarg;
		break;
	case OPT_OUT:
		v->out = optarg;
		break;
	case OPT_RAND:
		v->rand = optarg;
		break;
	case OPT_AUTN:
		v->autn = optarg;
		break;
	case OPT_KIND:
		v->kind = optarg;
		break;
	case OPT_PLMN:
		v->plmn = optarg;
		break;
	case OPT_SNN:
		v->snn = optarg;
		break;
	case OPT_FILE:
		v->file = optarg;
		break;
	case OPT_ACK:
		v->ack = optarg;
		break;
	case OPT_PIN:
		v->pin = optarg;
		break;
	case OPT_NEW_PIN:
		v->new_pin = optarg;
		break;
	case OPT_PCID:
		v->pcid = 1;
		break;
	case OPT_USIM:
		v->usim = 1;
		break;
	default:
		return 0;
	}
	return 1;
}

#define PARSED (-1)

/* Reads the command line into t and v: PARSED, or the exit status to return now
 * (after --help, or a usage error already reported). */
static int parse_opts(struct target *t, int argc, char **argv, const struct option *opts,
		      const char *help, struct opt_vals *v)
{
	int c;

	while ((c = cli_getopt(t->path, argc, argv, opts)) != -1) {
		if (c == 'h') {
			fputs(help, stdout);
			fputs(COMMON_HELP, stdout);
			return CLI_EXIT_OK;
		}
		if (c == CLI_OPT_ERROR || !(common_opt(t, c) || value_opt(v, c)))
			return CLI_EXIT_USAGE;
	}
	if (optind < argc)
		return cli_usage_error(t->path, "unexpected argument \"%s\"",
				       argv[optind]);
	return PARSED;
}

/* Opens the TRE, sends one request and prints its answer. */
static int call_report(struct target *t, const char *cmd, const struct tool_tre_arg *args,
		       size_t n)
{
	int rc = target_open(t);

	if (rc == CLI_EXIT_OK)
		rc = target_call(t, cmd, args, n) == MCIM_OK ? report(t, cmd)
							     : CLI_EXIT_FAIL;
	return rc;
}

/* A command without arguments of its own. */
static int simple(int argc, char **argv, const char *path, const char *cmd,
		  const char *help)
{
	static const struct option opts[] = {COMMON_OPTS, {NULL, 0, NULL, 0}};
	struct opt_vals v = {0};
	struct target *t = target_new(path);
	int rc;

	if (t == NULL)
		return CLI_EXIT_FAIL;
	rc = parse_opts(t, argc, argv, opts, help, &v);
	if (rc == PARSED)
		rc = call_report(t, cmd, NULL, 0);
	return target_done(t, rc);
}

static int status_report(struct target *t)
{
	int rc = report(t, "status");
	char state[32] = "", cause[32] = "", detail[128] = "";

	if (rc != CLI_EXIT_OK)
		return rc;
	(void)tool_cbor_get_str(t->r.result, t->r.result_len, "state", state,
				sizeof(state));
	(void)tool_cbor_get_str(t->r.result, t->r.result_len, "cause", cause,
				sizeof(cause));
	(void)tool_cbor_get_str(t->r.result, t->r.result_len, "detail", detail,
				sizeof(detail));
	if (strcmp(state, "ready") == 0)
		return CLI_EXIT_OK;
	fprintf(stderr, "mcim: tre status: the TRE is %s: %s%s%s\n", state, cause,
		detail[0] ? ": " : "", detail);
	return CLI_EXIT_FAIL;
}

static int sub_status(int argc, char **argv)
{
	static const struct option opts[] = {COMMON_OPTS, {NULL, 0, NULL, 0}};
	struct opt_vals v = {0};
	struct target *t = target_new("tre status");
	int rc;

	if (t == NULL)
		return CLI_EXIT_FAIL;
	rc =
	    parse_opts(t, argc, argv, opts,
		       "usage: mcim tre status (--dir D | --socket PATH) [--json]\n"
		       "  The TRE's state (ready, bad-boot, failed, unissued) and why,\n"
		       "  boot verdict, counters, PIN, MCIMs, audit head, tamper queue.\n"
		       "  Exit 1 unless ready, naming the cause: TAMPERED, ROLLBACK,\n"
		       "  FOREIGN_STORE (sealed store), BAD_BOOT.\n",
		       &v);
	if (rc == PARSED)
		rc = target_open(t);
	if (rc == CLI_EXIT_OK)
		rc = target_call(t, "status", NULL, 0) == MCIM_OK ? status_report(t)
								  : CLI_EXIT_FAIL;
	return target_done(t, rc);
}

static int sub_list(int argc, char **argv)
{
	return simple(
	    argc, argv, "tre list", "mcim-list",
	    "usage: mcim tre list (--dir D | --socket PATH) [--json]\n"
	    "  The MCIMs in the TRE's registry: id, SHO, IMSI, state, policy.\n");
}

static int sub_identity(int argc, char **argv)
{
	return simple(
	    argc, argv, "tre identity", "identity",
	    "usage: mcim tre identity (--dir D | --socket PATH) [--json]\n"
	    "  TRE id, certificate chain, public keys, platform id, PCID IMSI.\n");
}

/* Reads a whole file (at most cap octets). */
static mcim_err read_all(const char *path, uint8_t *buf, size_t cap, size_t *len)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	if (f == NULL)
		return MCIM_ERR_NOT_FOUND;
	n = fread(buf, 1, cap, f);
	if (ferror(f) || (n == cap && fgetc(f) != EOF)) {
		fclose(f);
		return n == cap ? MCIM_ERR_TOO_LARGE : MCIM_ERR_IO;
	}
	fclose(f);
	*len = n;
	return MCIM_OK;
}

/* A command whose one argument is a file's content (install, mgmt, fw-update). */
static int file_cmd(int argc, char **argv, const char *path, const char *cmd,
		    const char *arg, const char *opt_name, const char *help)
{
	const struct option opts[] = {COMMON_OPTS,
				      {opt_name, required_argument, NULL, OPT_FILE},
				      {NULL, 0, NULL, 0}};
	struct opt_vals v = {0};
	struct target *t = target_new(path);
	uint8_t *buf = NULL;
	size_t len = 0;
	int rc;
	mcim_err e;

	if (t == NULL)
		return CLI_EXIT_FAIL;
	rc = parse_opts(t, argc, argv, opts, help, &v);
	if (rc == PARSED && v.file == NULL)
		rc = cli_usage_error(path, "--%s FILE is needed", opt_name);
	if (rc != PARSED)
		return target_done(t, rc);
	buf = malloc(MCIM_TRE_MSG_MAX);
	e = buf == NULL ? MCIM_ERR_NOMEM
			: read_all(v.file, buf, MCIM_TRE_MSG_MAX - 64, &len);
	if (e != MCIM_OK) {
		cli_error(v.file, e);
		rc = CLI_EXIT_USAGE;
	} else {
		const struct tool_tre_arg a = {arg, TOOL_ARG_BSTR, buf, len, 0};

		rc = call_report(t, cmd, &a, 1);
	}
	free(buf);
	return target_done(t, rc);
}

static int sub_install(int argc, char **argv)
{
	return file_cmd(
	    argc, argv, "tre install", "install", "package", "package",
	    "usage: mcim tre install --package FILE (--dir D | --socket PATH)\n"
	    "  Installs a DPF-signed MCIM package (interim format, docs/tre.md)\n"
	    "  and prints the MCIM's id, state and the TRE's signed receipt.\n");
}

static int sub_mgmt(int argc, char **argv)
{
	return file_cmd(argc, argv, "tre mgmt", "mgmt", "command", "command",
			"usage: mcim tre mgmt --command FILE (--dir D | --socket PATH)\n"
			"  Relays an SHO-signed management command (mcim/mgmt.h).\n");
}

static int sub_fw_update(int argc, char **argv)
{
	return file_cmd(
	    argc, argv, "tre fw-update", "fw-update", "manifest", "manifest",
	    "usage: mcim tre fw-update --manifest FILE (--dir D | --socket P)\n"
	    "  Offers an M2MES-signed firmware manifest; it is tried at the\n"
	    "  next boot and becomes current with `mcim tre fw-confirm`.\n");
}

static int sub_fw_confirm(int argc, char **argv)
{
	return simple(
	    argc, argv, "tre fw-confirm", "fw-confirm",
	    "usage: mcim tre fw-confirm (--dir D | --socket PATH)\n"
	    "  After a good boot with a new manifest: makes it current and raises\n"
	    "  the anti-rollback floor to its security version.\n");
}

/* Writes the evidence of an attest answer to path. */
static int write_evidence(struct target *t, const char *path)
{
	const uint8_t *ev;
	size_t ev_len;
	FILE *f;
	int rc = CLI_EXIT_OK;

	if (tool_cbor_get_bstr(t->r.result, t->r.result_len, "evidence", &ev, &ev_len) !=
		MCIM_OK ||
	    (f = fopen(path, "wb")) == NULL) {
		cli_error(path, MCIM_ERR_IO);
		return CLI_EXIT_FAIL;
	}
	if (fwrite(ev, 1, ev_len, f) != ev_len)
		rc = CLI_EXIT_FAIL;
	if (fclose(f) != 0)
		rc = CLI_EXIT_FAIL;
	return rc;
}

static int sub_attest(int argc, char **argv)
{
	static const struct option opts[] = {
	    COMMON_OPTS,
	    {"nonce", required_argument, NULL, OPT_NONCE},
	    {"mode", required_argument, NULL, OPT_MODE},
	    {"out", required_argument, NULL, OPT_OUT},
	    {NULL, 0, NULL, 0},
	};
	struct opt_vals v = {.mode = "remote"};
	struct target *t = target_new("tre attest");
	uint8_t nonce[32];
	int rc;

	if (t == NULL)
		return CLI_EXIT_FAIL;
	rc = parse_opts(t, argc, argv, opts,
			"usage: mcim tre attest --nonce HEX [--mode "
			"remote|autonomous|semi] [--out FILE]\n"
			"       (--dir D | --socket PATH)\n"
			"  Signed attestation evidence over the PVA's 32-octet nonce\n"
			"  (mcim/evidence.h); --out writes the COSE_Sign1 to FILE.\n",
			&v);
	if (rc == PARSED && v.nonce == NULL)
		rc = cli_usage_error("tre attest", "--nonce HEX is needed");
	if (rc == PARSED &&
	    cli_hex_arg("--nonce", v.nonce, nonce, sizeof(nonce)) != MCIM_OK)
		rc = CLI_EXIT_USAGE;
	if (rc == PARSED) {
		const struct tool_tre_arg a[] = {
		    {"nonce", TOOL_ARG_BSTR, nonce, sizeof(nonce), 0},
		    {"mode", TOOL_ARG_TSTR, v.mode, 0, 0},
		};

		rc = call_report(t, "attest", a, 2);
		if (rc == CLI_EXIT_OK && v.out != NULL)
			rc = write_evidence(t, v.out);
	}
	return target_done(t, rc);
}

/* The aka request's arguments from the options: their number, 0 on a usage error
 * (reported). */
static size_t aka_args(const struct opt_vals *v, uint8_t rand[16], uint8_t autn[40],
		       uint8_t plmn[3], struct tool_tre_arg a[6])
{
	size_t autn_len = 0, n = 0;

	if (v->rand == NULL || v->autn == NULL || (v->pcid && v->usim)) {
		cli_usage_error("tre aka",
				"--rand and --autn are needed, and at most one "
				"of --pcid and --usim");
		return 0;
	}
	if (cli_hex_arg("--rand", v->rand, rand, 16) != MCIM_OK ||
	    (v->plmn != NULL && cli_hex_arg("--plmn", v->plmn, plmn, 3) != MCIM_OK))
		return 0;
	if (mcim_hex_decode(v->autn, strlen(v->autn), autn, 40, &autn_len) != MCIM_OK ||
	    autn_len < 8) {
		cli_error("--autn: 8..40 octets of hex", MCIM_ERR_INVALID_ARG);
		return 0;
	}
	a[n++] = (struct tool_tre_arg){"rand", TOOL_ARG_BSTR, rand, 16, 0};
	a[n++] = (struct tool_tre_arg){"autn", TOOL_ARG_BSTR, autn, autn_len, 0};
	if (v->kind != NULL)
		a[n++] = (struct tool_tre_arg){"kind", TOOL_ARG_TSTR, v->kind, 0, 0};
	if (v->plmn != NULL)
		a[n++] = (struct tool_tre_arg){"plmn", TOOL_ARG_BSTR, plmn, 3, 0};
	if (v->snn != NULL)
		a[n++] = (struct tool_tre_arg){"snn", TOOL_ARG_TSTR, v->snn, 0, 0};
	if (v->pcid || v->usim)
		a[n++] = (struct tool_tre_arg){"target", TOOL_ARG_TSTR,
					       v->pcid ? "pcid" : "usim", 0, 0};
	return n;
}

static int sub_aka(int argc, char **argv)
{
	static const struct option opts[] = {
	    COMMON_OPTS,
	    {"rand", required_argument, NULL, OPT_RAND},
	    {"autn", required_argument, NULL, OPT_AUTN},
	    {"kind", required_argument, NULL, OPT_KIND},
	    {"plmn", required_argument, NULL, OPT_PLMN},
	    {"snn", required_argument, NULL, OPT_SNN},
	    {"pcid", no_argument, NULL, OPT_PCID},
	    {"usim", no_argument, NULL, OPT_USIM},
	    {NULL, 0, NULL, 0},
	};
	struct opt_vals v = {0};
	struct target *t = target_new("tre aka");
	uint8_t rand[16], autn[40], plmn[3];
	struct tool_tre_arg a[6];
	size_t n;
	int rc;

	if (t == NULL)
		return CLI_EXIT_FAIL;
	rc = parse_opts(
	    t, argc, argv, opts,
	    "usage: mcim tre aka --rand HEX --autn HEX [--kind 3g|eps|5g]\n"
	    "       [--plmn HEX] [--snn NAME] [--pcid | --usim] (--dir D | --socket P)\n"
	    "  The USIM side of AKA inside the TRE, with the activated MCIM\n"
	    "  (--pcid: the PCID; --usim: the uicc backend's own USIM):\n"
	    "  RES/CK/IK, RES and KASME (eps, --plmn the\n"
	    "  serving network's PLMN id), RES* and KAUSF (5g, --snn), or\n"
	    "  AUTS on a synchronisation failure (exit 1, SYNC_FAILURE).\n",
	    &v);
	if (rc == PARSED) {
		n = aka_args(&v, rand, autn, plmn, a);
		rc = n == 0 ? CLI_EXIT_USAGE : call_report(t, "aka", a, n);
	}
	return target_done(t, rc);
}

/* Hides a secret argument from later readers of /proc/PID/cmdline. */
static void scrub_arg(char *s)
{
	if (s != NULL)
		memset(s, 'x', strlen(s));
}

/* Opens a maintenance session with pin, then sends cmd with the session and one
 * more argument; a refused PIN is reported as pin-verify's answer. */
static int with_pin_session(struct target *t, const char *pin, const char *cmd,
			    struct tool_tre_arg extra)
{
	const struct tool_tre_arg a = {"pin", TOOL_ARG_TSTR, pin, 0, 0};
	uint8_t session[16];
	const uint8_t *s;
	size_t sl;
	int rc;

	if (target_call(t, "pin-verify", &a, 1) != MCIM_OK)
		return CLI_EXIT_FAIL;
	if (t->r.status != MCIM_OK)
		return report(t, "pin-verify");
	if (tool_cbor_get_bstr(t->r.result, t->r.result_len, "session", &s, &sl) !=
		MCIM_OK ||
	    sl != sizeof(session)) {
		cli_error("pin-verify answer", MCIM_ERR_PARSE);
		return CLI_EXIT_FAIL;
	}
	memcpy(session, s, sizeof(session));
	{
		const struct tool_tre_arg b[] = {
		    {"session", TOOL_ARG_BSTR, session, sizeof(session), 0}, extra};

		rc =
		    target_call(t, cmd, b, 2) == MCIM_OK ? report(t, cmd) : CLI_EXIT_FAIL;
	}
	mcim_wipe(session, sizeof(session));
	return rc;
}

/* Opens a PIN session and, with --new-pin, changes the PIN. */
static int sub_pin(int argc, char **argv)
{
	static const struct option opts[] = {
	    COMMON_OPTS,
	    {"pin", required_argument, NULL, OPT_PIN},
	    {"new-pin", required_argument, NULL, OPT_NEW_PIN},
	    {NULL, 0, NULL, 0},
	};
	struct opt_vals v = {0};
	struct target *t = target_new("tre pin");
	int rc;

	if (t == NULL)
		return CLI_EXIT_FAIL;
	rc = parse_opts(t, argc, argv, opts,
			"usage: mcim tre pin --pin PIN [--new-pin PIN] (--dir D | "
			"--socket PATH)\n"
			"  Verifies the maintenance PIN (each wrong PIN costs a retry,\n"
			"  counted before the comparison; none left: LOCKED) and, with\n"
			"  --new-pin, changes it.\n",
			&v);
	if (rc == PARSED && v.pin == NULL)
		rc = cli_usage_error("tre pin", "--pin PIN is needed");
	if (rc == PARSED && v.new_pin == NULL) {
		const struct tool_tre_arg a = {"pin", TOOL_ARG_TSTR, v.pin, 0, 0};

		rc = call_report(t, "pin-verify", &a, 1);
	} else if (rc == PARSED) {
		rc = target_open(t);
		if (rc == CLI_EXIT_OK)
			rc = with_pin_session(t, v.pin, "pin-change",
					      (struct tool_tre_arg){"new_pin",
								    TOOL_ARG_TSTR,
								    v.new_pin, 0, 0});
	}
	scrub_arg(v.pin);
	scrub_arg(v.new_pin);
	return target_done(t, rc);
}

static int sub_reports(int argc, char **argv)
{
	static const struct option opts[] = {
	    COMMON_OPTS,
	    {"ack", required_argument, NULL, OPT_ACK},
	    {"pin", required_argument, NULL, OPT_PIN},
	    {NULL, 0, NULL, 0},
	};
	struct opt_vals v = {0};
	struct target *t = target_new("tre reports");
	unsigned long seq = 0;
	int rc;

	if (t == NULL)
		return CLI_EXIT_FAIL;
	rc = parse_opts(t, argc, argv, opts,
			"usage: mcim tre reports [--ack SEQ --pin PIN] (--dir D | "
			"--socket PATH)\n"
			"  The signed tamper reports queued for the SHO and the PVA\n"
			"  (COSE_Sign1, context \"mcim/tre/tamper\"); --ack drops those\n"
			"  up to SEQ, with the maintenance PIN.\n",
			&v);
	if (rc == PARSED && (v.ack == NULL) != (v.pin == NULL))
		rc = cli_usage_error("tre reports", "--ack and --pin go together");
	if (rc == PARSED && v.ack != NULL &&
	    cli_uint_arg("--ack", v.ack, 0, (unsigned long)-1, &seq) != MCIM_OK)
		rc = CLI_EXIT_USAGE;
	if (rc == PARSED && v.ack == NULL) {
		rc = call_report(t, "tamper-reports", NULL, 0);
	} else if (rc == PARSED) {
		rc = target_open(t);
		if (rc == CLI_EXIT_OK)
			rc = with_pin_session(
			    t, v.pin, "tamper-ack",
			    (struct tool_tre_arg){"seq", TOOL_ARG_UINT, NULL, 0, seq});
	}
	scrub_arg(v.pin);
	return target_done(t, rc);
}

/* ---- audit ---- */

static int audit_head(int argc, char **argv)
{
	return simple(
	    argc, argv, "tre audit head", "audit-head",
	    "usage: mcim tre audit head (--dir D | --socket PATH) [--json]\n"
	    "  The audit log's last record (sequence number and chain hash).\n");
}

static int audit_verify(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"dir", required_argument, NULL, OPT_DIR},
	    {"cert", required_argument, NULL, OPT_CERT},
	    {"json", no_argument, NULL, OPT_JSON},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *dir = NULL, *cert = NULL;
	char cert_path[TOOL_DEVICE_PATH_MAX + 32], log_path[TOOL_DEVICE_PATH_MAX + 32];
	uint8_t der[MCIM_CERT_MAX_LEN];
	size_t der_len;
	struct mcim_cert_info info;
	struct mcim_p256_pub pub;
	struct mcim_audit_report rep;
	struct tool_device dev;
	char err[TOOL_DEVICE_ERR_MAX];
	int c, json = 0;
	mcim_err e;

	while ((c = cli_getopt("tre audit verify", argc, argv, opts)) != -1) {
		switch (c) {
		case 'h':
			fputs(
			    "usage: mcim tre audit verify --dir D [--cert PEM] [--json]\n"
			    "  Verifies the TRE's audit log offline "
			    "(D/store/audit.log):\n"
			    "  chain hashes, sequence, checkpoints signed by the TRE's\n"
			    "  identity key (from D/tre-cert.pem, or --cert). Exit 1 "
			    "names\n"
			    "  the first break: record, offset and kind.\n"
			    "  --json  one JSON object\n",
			    stdout);
			return CLI_EXIT_OK;
		case OPT_DIR:
			dir = optarg;
			break;
		case OPT_CERT:
			cert = optarg;
			break;
		case OPT_JSON:
			json = 1;
			break;
		default:
			return CLI_EXIT_USAGE;
		}
	}
	if (dir == NULL)
		return cli_usage_error("tre audit verify", "--dir D is needed");
	e = tool_device_load(dir, &dev, err);
	if (e != MCIM_OK) {
		fprintf(stderr, "mcim: %s\n", err);
		return CLI_EXIT_USAGE;
	}
	snprintf(cert_path, sizeof(cert_path), "%s/%s", dir, TOOL_DEVICE_CERT);
	snprintf(log_path, sizeof(log_path), "%s/audit.log", dev.store_dir);
	if (cert == NULL)
		cert = cert_path;
	e = mcim_cert_read_pem(cert, der, sizeof(der), &der_len);
	if (e == MCIM_OK)
		e = mcim_cert_parse(der, der_len, &info, &pub);
	if (e != MCIM_OK) {
		cli_error(cert, e);
		return CLI_EXIT_USAGE;
	}
	e = mcim_audit_verify_file(log_path, NULL, &pub, NULL, &rep);
	if (e != MCIM_OK && e != MCIM_ERR_TAMPERED) {
		cli_error(log_path, e);
		return CLI_EXIT_FAIL;
	}
	if (json) {
		json_t *o = json_pack(
		    "{s:s,s:s,s:I,s:I,s:I,s:I,s:I,s:I}", "result",
		    e == MCIM_OK ? "intact" : "broken", "break",
		    mcim_audit_break_name(rep.brk), "index", (json_int_t)rep.index,
		    "offset", (json_int_t)rep.offset, "records", (json_int_t)rep.records,
		    "checkpoints", (json_int_t)rep.checkpoints, "last_checkpoint",
		    (json_int_t)rep.last_checkpoint, "unanchored",
		    (json_int_t)rep.unanchored);
		char *s = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;

		if (s != NULL)
			puts(s);
		free(s);
		json_decref(o);
	} else if (e == MCIM_OK) {
		printf("intact: %llu records, %llu checkpoints, last checkpoint at %llu, "
		       "%llu records after it\n",
		       (unsigned long long)rep.records,
		       (unsigned long long)rep.checkpoints,
		       (unsigned long long)rep.last_checkpoint,
		       (unsigned long long)rep.unanchored);
	}
	if (e != MCIM_OK) {
		fprintf(
		    stderr,
		    "mcim: tre audit verify: %s: broken at record %llu (offset %llu): "
		    "%s; %llu records verified before it\n",
		    log_path, (unsigned long long)rep.index,
		    (unsigned long long)rep.offset, mcim_audit_break_name(rep.brk),
		    (unsigned long long)rep.records);
		return CLI_EXIT_FAIL;
	}
	return CLI_EXIT_OK;
}

static const struct cli_cmd audit_cmds[] = {
    {"verify", "check the audit log offline; name the first break", audit_verify},
    {"head", "the audit log's last record", audit_head},
};

static int sub_audit(int argc, char **argv)
{
	return cli_dispatch("tre audit", "the TRE's audit log", audit_cmds,
			    sizeof(audit_cmds) / sizeof(audit_cmds[0]), argc, argv);
}

/* ---- serve ---- */

static int sub_serve(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"dir", required_argument, NULL, OPT_DIR},
	    {"socket", required_argument, NULL, OPT_SOCKET},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct target *t = target_new("tre serve");
	struct mcim_tre_server *srv = NULL;
	const char *sock = NULL;
	struct sigaction sa;
	mcim_err cause, e;
	int c, rc;

	if (t == NULL)
		return CLI_EXIT_FAIL;
	while ((c = cli_getopt("tre serve", argc, argv, opts)) != -1) {
		if (c == 'h') {
			fputs(
			    "usage: mcim tre serve --dir D --socket PATH\n"
			    "  Runs the device's TRE as its own process on a Unix "
			    "socket\n"
			    "  (mode 0600; 4-octet length + CBOR frames, one client at "
			    "a\n"
			    "  time) until SIGTERM or SIGINT. Other `mcim tre` commands\n"
			    "  reach it with --socket PATH.\n",
			    stdout);
			free(t);
			return CLI_EXIT_OK;
		}
		if (c == OPT_DIR)
			t->dir = optarg;
		else if (c == OPT_SOCKET)
			sock = optarg;
		else {
			free(t);
			return CLI_EXIT_USAGE;
		}
	}
	if (t->dir == NULL || sock == NULL) {
		free(t);
		return cli_usage_error("tre serve",
				       "--dir D and --socket PATH are needed");
	}
	rc = target_open(t);
	if (rc != CLI_EXIT_OK)
		return target_done(t, rc);
	srv = malloc(sizeof(*srv));
	e = srv == NULL ? MCIM_ERR_NOMEM : mcim_tre_server_bind(srv, sock);
	if (e != MCIM_OK) {
		cli_error(sock, e);
		free(srv);
		return target_done(t, CLI_EXIT_FAIL);
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	fprintf(stderr, "mcim: tre serve: %s on %s, TRE %s\n", t->dir, sock,
		mcim_tre_state_name(mcim_tre_state(t->tre, &cause)));
	e = mcim_tre_serve(srv, t->tre, &stop_flag);
	free(srv);
	if (e != MCIM_OK)
		cli_error("tre serve", e);
	return target_done(t, e == MCIM_OK ? CLI_EXIT_OK : CLI_EXIT_FAIL);
}

static const struct cli_cmd tre_cmds[] = {
    {"status", "state, boot, counters, PIN, MCIMs (exit 1 unless ready)", sub_status},
    {"identity", "TRE id, certificate chain, public keys, PCID", sub_identity},
    {"list", "the MCIMs in the registry", sub_list},
    {"attest", "signed evidence over a PVA nonce", sub_attest},
    {"aka", "AKA with the active MCIM or the PCID", sub_aka},
    {"install", "install a DPF-signed MCIM package", sub_install},
    {"mgmt", "relay an SHO-signed management command", sub_mgmt},
    {"fw-update", "offer an M2MES-signed firmware manifest", sub_fw_update},
    {"fw-confirm", "make the manifest booted on trial current", sub_fw_confirm},
    {"pin", "verify or change the maintenance PIN", sub_pin},
    {"reports", "signed tamper reports (list, acknowledge)", sub_reports},
    {"audit", "the audit log: verify offline, head", sub_audit},
    {"serve", "run the TRE as its own process on a Unix socket", sub_serve},
};

int cmd_tre(int argc, char **argv)
{
	return cli_dispatch("tre", "the device's trusted environment", tre_cmds,
			    sizeof(tre_cmds) / sizeof(tre_cmds[0]), argc, argv);
}
