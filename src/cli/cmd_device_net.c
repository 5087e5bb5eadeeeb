/*
 * `mcim device provision|attach|status|report`: the device agent (src/m2me/agent.h)
 * run for one device directory. provision goes ICF -> DRF -> PVA -> DPF, prints each
 * step, and relays the TRE's pending tamper reports at its end; attach relays the
 * SHO's queued commands (activation) and attaches with the active MCIM; status shows
 * the TRE's state and MCIMs and what the agent saved; report delivers the tamper
 * reports alone (docs/protocol.md §10).
 *
 * The agent's own configuration and what it learnt live in D/agent.json (public:
 * URLs and the SHO; never a key): "server" (the ICF and DRF base URL given with
 * --server), "cacert" (the CA file given with --cacert, as an absolute path), "sho",
 * "dpf_url", "pva_url" as the TRE verified them in the DRF's token. The TRE is opened
 * linked from D, or reached through `mcim tre serve`
 * (--socket PATH).
 */
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "cli.h"
#include "m2me/agent.h"
#include "mcim/bytes.h"
#include "tool/device.h"

#define AGENT_FILE "agent.json"

/* parse(): --help was answered, nothing more to do. */
#define PARSE_HELP (-1)

enum {
	OPT_DIR = 256,
	OPT_SERVER,
	OPT_SOCKET,
	OPT_MODE,
	OPT_SNN,
	OPT_TIMEOUT,
	OPT_RETRIES,
	OPT_CACERT,
	OPT_JSON
};

struct run {
	const char *path; /* "device provision" ... */
	const char *dir, *socket, *server, *snn;
	char cacert[PATH_MAX]; /* --cacert made absolute ("": not given) */
	enum mcim_evidence_mode mode;
	unsigned long timeout_ms, retries;
	int json;
	struct tool_device dev;
	struct mcim_tre tre;
	struct mcim_tre_client client;
	bool tre_open, client_open;
	struct m2me agent;
	bool agent_init;
	json_t *steps; /* --json: the steps' outcomes */
	json_t *extra; /* --json: fields beside the result (NULL: none) */
};

static void on_step(void *ctx, const char *step, mcim_err err, const char *detail)
{
	struct run *r = ctx;

	if (r->json) {
		json_array_append_new(r->steps,
				      json_pack("{s:s, s:s, s:s}", "step", step, "result",
						mcim_err_name(err), "detail", detail));
		return;
	}
	printf("  %-7s %-12s %s\n", step, err == MCIM_OK ? "ok" : mcim_err_name(err),
	       detail);
	fflush(stdout);
}

static char *join(const char *dir, const char *name)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *p = malloc(n);

	if (p != NULL)
		snprintf(p, n, "%s/%s", dir, name);
	return p;
}

/* D/agent.json, or an empty object when it is not there. */
static json_t *state_load(const char *dir)
{
	char *p = join(dir, AGENT_FILE);
	json_t *j = p != NULL ? json_load_file(p, 0, NULL) : NULL;

	free(p);
	return j != NULL && json_is_object(j) ? j : json_object();
}

static int state_save(struct run *r)
{
	json_t *j = state_load(r->dir);
	char *p = join(r->dir, AGENT_FILE);
	int ok;

	if (r->server != NULL)
		json_object_set_new(j, "server", json_string(r->server));
	if (r->cacert[0] != '\0')
		json_object_set_new(j, "cacert", json_string(r->cacert));
	/* Only what this run learnt from a verified token: a refused run keeps the
	 * earlier values. */
	if (r->agent.sho[0] != '\0' && r->agent.pva_url[0] != '\0') {
		json_object_set_new(j, "sho", json_string(r->agent.sho));
		json_object_set_new(j, "dpf_url", json_string(r->agent.dpf_url));
		json_object_set_new(j, "pva_url", json_string(r->agent.pva_url));
	}
	ok = p != NULL && json_dump_file(j, p, JSON_INDENT(2) | JSON_SORT_KEYS) == 0;
	if (!ok)
		fprintf(stderr, "mcim: %s: cannot write %s/%s\n", r->path, r->dir,
			AGENT_FILE);
	free(p);
	json_decref(j);
	return ok;
}

static int parse(struct run *r, int argc, char **argv, const char *usage)
{
	static const struct option opts[] = {
	    {"dir", required_argument, NULL, OPT_DIR},
	    {"server", required_argument, NULL, OPT_SERVER},
	    {"socket", required_argument, NULL, OPT_SOCKET},
	    {"mode", required_argument, NULL, OPT_MODE},
	    {"snn", required_argument, NULL, OPT_SNN},
	    {"timeout", required_argument, NULL, OPT_TIMEOUT},
	    {"retries", required_argument, NULL, OPT_RETRIES},
	    {"cacert", required_argument, NULL, OPT_CACERT},
	    {"json", no_argument, NULL, OPT_JSON},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int c;

	r->mode = MCIM_EVIDENCE_REMOTE;
	r->timeout_ms = M2ME_TIMEOUT_MS;
	r->retries = 2;
	while ((c = cli_getopt(r->path, argc, argv, opts)) != -1) {
		switch (c) {
		case 'h':
			fputs(usage, stdout);
			return PARSE_HELP;
		case OPT_DIR:
			r->dir = optarg;
			break;
		case OPT_SERVER:
			r->server = optarg;
			break;
		case OPT_SOCKET:
			r->socket = optarg;
			break;
		case OPT_SNN:
			r->snn = optarg;
			break;
		case OPT_MODE:
			if (strcmp(optarg, "remote") == 0)
				r->mode = MCIM_EVIDENCE_REMOTE;
			else if (strcmp(optarg, "semi") == 0)
				r->mode = MCIM_EVIDENCE_SEMI_AUTONOMOUS;
			else if (strcmp(optarg, "autonomous") == 0)
				r->mode = MCIM_EVIDENCE_AUTONOMOUS;
			else
				return cli_usage_error(
				    r->path, "--mode: remote, semi or autonomous");
			break;
		case OPT_TIMEOUT:
			if (cli_uint_arg("--timeout", optarg, 1, 600000,
					 &r->timeout_ms) != MCIM_OK)
				return CLI_EXIT_USAGE;
			break;
		case OPT_RETRIES:
			if (cli_uint_arg("--retries", optarg, 0, M2ME_RETRIES_MAX,
					 &r->retries) != MCIM_OK)
				return CLI_EXIT_USAGE;
			break;
		case OPT_CACERT:
			/* Absolute, so that agent.json serves from any directory. */
			if (realpath(optarg, r->cacert) == NULL ||
			    strlen(r->cacert) > M2ME_PATH_MAX) {
				cli_error(optarg, MCIM_ERR_NOT_FOUND);
				return CLI_EXIT_USAGE;
			}
			break;
		case OPT_JSON:
			r->json = 1;
			break;
		default:
			return CLI_EXIT_USAGE;
		}
	}
	if (optind < argc)
		return cli_usage_error(r->path, "unexpected argument \"%s\"",
				       argv[optind]);
	if (r->dir == NULL)
		return cli_usage_error(r->path, "--dir D is needed");
	return CLI_EXIT_OK;
}

/* Opens the TRE (linked from D unless --socket) and the agent. */
static int open_all(struct run *r, bool need_server)
{
	char err[TOOL_DEVICE_ERR_MAX];
	json_t *st = state_load(r->dir);
	const char *server = r->server;
	const char *cacert = r->cacert[0] != '\0' ? r->cacert : NULL;
	struct m2me_config cfg = {0};
	mcim_err e;

	if (server == NULL)
		server = json_string_value(json_object_get(st, "server"));
	if (server == NULL && need_server) {
		json_decref(st);
		return cli_usage_error(r->path, "--server URL is needed");
	}
	if (r->socket != NULL) {
		e = mcim_tre_client_connect(&r->client, r->socket);
		if (e != MCIM_OK) {
			json_decref(st);
			cli_error(r->socket, e);
			return CLI_EXIT_FAIL;
		}
		r->client_open = true;
	} else {
		e = tool_device_load(r->dir, &r->dev, err);
		if (e == MCIM_OK)
			e = mcim_tre_open(&r->tre, &r->dev.cfg);
		if (e != MCIM_OK) {
			json_decref(st);
			fprintf(stderr, "mcim: %s: %s: %s\n", r->path, r->dir,
				mcim_strerror(e));
			return CLI_EXIT_FAIL;
		}
		r->tre_open = true;
	}
	if (server == NULL) {
		json_decref(st);
		return CLI_EXIT_OK;
	}
	if (cacert == NULL)
		cacert = json_string_value(json_object_get(st, "cacert"));
	cfg.icf_url = server;
	cfg.drf_url = server;
	cfg.ca_file = cacert;
	cfg.timeout_ms = (long)r->timeout_ms;
	cfg.retries = (unsigned)r->retries;
	cfg.mode = r->mode;
	cfg.on_step = on_step;
	cfg.ctx = r;
	e = m2me_init(&r->agent, &cfg, r->tre_open ? &r->tre : NULL,
		      r->client_open ? &r->client : NULL);
	if (e == MCIM_OK) {
		r->agent_init = true;
		/* What an earlier provisioning learnt. */
		const char *sho = json_string_value(json_object_get(st, "sho"));
		const char *dpf = json_string_value(json_object_get(st, "dpf_url"));

		if (sho != NULL && dpf != NULL && strlen(sho) < sizeof(r->agent.sho) &&
		    strlen(dpf) < sizeof(r->agent.dpf_url)) {
			snprintf(r->agent.sho, sizeof(r->agent.sho), "%s", sho);
			snprintf(r->agent.dpf_url, sizeof(r->agent.dpf_url), "%s", dpf);
		}
	}
	json_decref(st);
	if (e != MCIM_OK) {
		cli_error("--server", e);
		return CLI_EXIT_USAGE;
	}
	return CLI_EXIT_OK;
}

static void close_all(struct run *r)
{
	if (r->agent_init)
		m2me_free(&r->agent);
	if (r->tre_open)
		mcim_tre_close(&r->tre);
	if (r->client_open)
		mcim_tre_client_close(&r->client);
	mcim_wipe(&r->dev, sizeof(r->dev));
	json_decref(r->steps);
	json_decref(r->extra);
	curl_global_cleanup();
}

static struct run *run_new(const char *path)
{
	struct run *r = calloc(1, sizeof(*r));

	if (r == NULL) {
		cli_error(path, MCIM_ERR_NOMEM);
		return NULL;
	}
	r->path = path;
	r->steps = json_array();
	curl_global_init(CURL_GLOBAL_DEFAULT);
	return r;
}

static int finish(struct run *r, mcim_err err, const char *what)
{
	if (r->json) {
		json_t *o = json_pack("{s:s, s:o}", "result", mcim_err_name(err), "steps",
				      json_incref(r->steps));

		if (err != MCIM_OK)
			json_object_set_new(o, "message", json_string(r->agent.message));
		if (r->extra != NULL)
			json_object_update(o, r->extra);
		json_dumpf(o, stdout, JSON_SORT_KEYS | JSON_COMPACT);
		fputc('\n', stdout);
		json_decref(o);
	} else if (err == MCIM_OK) {
		printf("%s: done\n", what);
	} else {
		printf("%s: refused: %s (%s)\n", what, mcim_err_name(err),
		       r->agent.message[0] != '\0' ? r->agent.message
						   : mcim_strerror(err));
	}
	return err == MCIM_OK ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}

/* D's public copy of the TRE's chain (tre-cert.pem, m2mes-ca.pem) into buf: what a
 * failed TRE cannot give. *n 0 when the files are not there. */
static void dir_chain(const struct run *r, uint8_t *buf, size_t cap,
		      struct mcim_iov chain[M2ME_CHAIN_MAX], size_t *n)
{
	static const char *const files[M2ME_CHAIN_MAX] = {TOOL_DEVICE_CERT,
							  TOOL_DEVICE_CA_CERT};
	size_t used = 0;

	*n = 0;
	for (size_t i = 0; i < M2ME_CHAIN_MAX; i++) {
		char *p = join(r->dir, files[i]);
		size_t len = 0;
		mcim_err e = p != NULL
				 ? mcim_cert_read_pem(p, buf + used, cap - used, &len)
				 : MCIM_ERR_NOMEM;

		free(p);
		if (e != MCIM_OK)
			return;
		chain[i] = (struct mcim_iov){buf + used, len};
		used += len;
	}
	*n = M2ME_CHAIN_MAX;
}

/*
 * The TRE's tamper reports to url, else to the DPF of the verified token, else to
 * the server the device was given; the counts in r->extra. Its own step line says how
 * it went.
 */
static mcim_err relay(struct run *r, const char *url)
{
	static uint8_t buf[M2ME_CHAIN_MAX * MCIM_CERT_MAX_LEN];
	struct mcim_iov chain[M2ME_CHAIN_MAX];
	struct m2me_tamper_out out;
	size_t n = 0;
	mcim_err err;

	if (url == NULL && r->agent.dpf_url[0] == '\0')
		url = r->agent.icf_url;
	if (r->socket == NULL)
		dir_chain(r, buf, sizeof(buf), chain, &n);
	err = m2me_tamper_relay(&r->agent, url, n > 0 ? chain : NULL, n, &out);
	json_decref(r->extra);
	r->extra =
	    json_pack("{s:{s:s,s:I,s:I,s:I}}", "tamper_reports", "result",
		      mcim_err_name(err), "queued", (json_int_t)out.queued, "accepted",
		      (json_int_t)out.accepted, "duplicates", (json_int_t)out.duplicates);
	return err;
}

int cmd_device_provision(int argc, char **argv)
{
	static const char usage[] =
	    "usage: mcim device provision --dir D --server URL [--socket PATH]\n"
	    "                             [--mode remote|semi|autonomous]\n"
	    "                             [--timeout MS] [--retries N] [--cacert FILE]\n"
	    "                             [--json]\n"
	    "  Runs the provisioning for the device in D: initial connectivity at the\n"
	    "  ICF with the PCID, discovery at the DRF, platform validation at the PVA\n"
	    "  and the MCIM download from the SHO's DPF, printing each step. The TRE\n"
	    "  does every check; the agent relays. URL is the ICF's and DRF's base;\n"
	    "  the PVA and DPF come from the DRF's token (saved in D/agent.json).\n"
	    "  At the end the TRE's tamper reports go to the DPF (as device report).\n"
	    "  With --cacert, https servers are verified against the CA certificates\n"
	    "  in FILE only (saved for attach and report), else the system's store.\n"
	    "  Exit 1 with the refusal when a step is refused.\n";
	struct run *r = run_new("device provision");
	int rc;
	mcim_err err;

	if (r == NULL)
		return CLI_EXIT_FAIL;
	rc = parse(r, argc, argv, usage);
	if (rc == CLI_EXIT_OK)
		rc = open_all(r, true);
	if (rc == PARSE_HELP)
		rc = CLI_EXIT_OK;
	else if (rc == CLI_EXIT_OK) {
		if (!r->json)
			printf("provisioning %s through %s\n", r->dir, r->agent.icf_url);
		err = m2me_provision(&r->agent);
		if (r->agent.sho[0] != '\0' && !state_save(r) && err == MCIM_OK)
			err = MCIM_ERR_IO;
		(void)relay(r, NULL); /* its own step line; provision's outcome stands */
		rc = finish(r, err, "provision");
	}
	close_all(r);
	free(r);
	return rc;
}

int cmd_device_report(int argc, char **argv)
{
	static const char usage[] =
	    "usage: mcim device report --dir D [--server URL] [--socket PATH]\n"
	    "                          [--timeout MS] [--retries N] [--cacert FILE]\n"
	    "                          [--json]\n"
	    "  Delivers the TRE's signed tamper reports, with its certificate chain, to\n"
	    "  the SHO's DPF (POST /dpf/v1/tamper-reports): to URL when given, else\n"
	    "  to the DPF of the SHO the device was provisioned with, else to the\n"
	    "  server saved in D/agent.json. A failed TRE cannot read its certificate:\n"
	    "  the chain is then D/tre-cert.pem and D/m2mes-ca.pem. Prints how many\n"
	    "  reports were queued, accepted now, and recorded before (the TRE keeps\n"
	    "  them until a maintenance user acknowledges them).\n";
	struct run *r = run_new("device report");
	int rc;
	mcim_err err;

	if (r == NULL)
		return CLI_EXIT_FAIL;
	rc = parse(r, argc, argv, usage);
	if (rc == CLI_EXIT_OK)
		rc = open_all(r, true);
	if (rc == PARSE_HELP) {
		rc = CLI_EXIT_OK;
	} else if (rc == CLI_EXIT_OK) {
		err = relay(r, r->server);
		rc = finish(r, err, "report");
	}
	close_all(r);
	free(r);
	return rc;
}

/* The agent's TRE id, from the TRE (the commands pull is keyed by it). */
static mcim_err tre_id_of(struct run *r)
{
	uint8_t req[32];
	const uint8_t *res, *id;
	size_t len, res_len, n;
	mcim_err e = tool_tre_request("identity", NULL, 0, req, sizeof(req), &len);

	if (e == MCIM_OK)
		e = m2me_tre(&r->agent, req, len, &res, &res_len);
	if (e == MCIM_OK && res == NULL)
		e = MCIM_ERR_PARSE;
	if (e == MCIM_OK)
		e = tool_cbor_get_bstr(res, res_len, "tre_id", &id, &n);
	if (e == MCIM_OK && n != sizeof(r->agent.tre_id))
		e = MCIM_ERR_PARSE;
	if (e == MCIM_OK)
		memcpy(r->agent.tre_id, id, n);
	return e;
}

/* The SNN of a home network (TS 24.501 §9.12.1): "5G:mncXXX.mccYYY.3gppnetwork.org". */
static void home_snn(const char *plmn, char *out, size_t cap)
{
	char mnc[4];
	size_t n = strlen(plmn);

	snprintf(mnc, sizeof(mnc), "%s%.*s", n == 5 ? "0" : "", (int)(n - 3), plmn + 3);
	snprintf(out, cap, "5G:mnc%s.mcc%.3s.3gppnetwork.org", mnc, plmn);
}

int cmd_device_attach(int argc, char **argv)
{
	static const char usage[] =
	    "usage: mcim device attach --dir D [--server URL] [--socket PATH]\n"
	    "                          [--snn NAME] [--timeout MS] [--retries N]\n"
	    "                          [--cacert FILE] [--json]\n"
	    "  Relays the SHO's queued commands for this TRE (e.g. the activation)\n"
	    "  and their signed results, then attaches: 5G AKA between the SHO's AuC\n"
	    "  and the TRE with the active MCIM, and both key confirmations\n"
	    "  (KAUSF never leaves the TRE). NAME defaults to the SHO's home network.\n";
	struct run *r = run_new("device attach");
	char snn[MCIM_SNN_MAX + 1];
	size_t n;
	int rc;
	mcim_err err;

	if (r == NULL)
		return CLI_EXIT_FAIL;
	rc = parse(r, argc, argv, usage);
	if (rc == CLI_EXIT_OK)
		rc = open_all(r, true);
	if (rc == PARSE_HELP) {
		rc = CLI_EXIT_OK;
	} else if (rc == CLI_EXIT_OK) {
		err = r->agent.sho[0] == '\0' ? MCIM_ERR_STATE : MCIM_OK;
		if (err != MCIM_OK)
			snprintf(r->agent.message, sizeof(r->agent.message),
				 "not provisioned: run mcim device provision first");
		if (err == MCIM_OK)
			err = tre_id_of(r);
		if (err == MCIM_OK) {
			err = m2me_mgmt_pull(&r->agent, &n);
		}
		if (err == MCIM_OK) {
			if (r->snn != NULL)
				snprintf(snn, sizeof(snn), "%s", r->snn);
			else
				home_snn(r->agent.sho, snn, sizeof(snn));
			err = m2me_attach(&r->agent, snn);
		}
		rc = finish(r, err, "attach");
	}
	close_all(r);
	free(r);
	return rc;
}

int cmd_device_status(int argc, char **argv)
{
	static const char usage[] =
	    "usage: mcim device status --dir D [--socket PATH] [--json]\n"
	    "  The TRE's state, its MCIMs, and the agent's saved SHO and URLs.\n";
	struct run *r = run_new("device status");
	uint8_t req[64];
	size_t len, res_len;
	const uint8_t *res;
	json_t *o = NULL, *st;
	int rc;

	if (r == NULL)
		return CLI_EXIT_FAIL;
	rc = parse(r, argc, argv, usage);
	if (rc == CLI_EXIT_OK)
		rc = open_all(r, false);
	if (rc == PARSE_HELP) {
		rc = CLI_EXIT_OK;
		goto out;
	}
	if (rc != CLI_EXIT_OK)
		goto out;
	o = json_object();
	st = state_load(r->dir);
	json_object_set_new(o, "agent", st);
	for (int i = 0; i < 2; i++) {
		const char *cmd = i == 0 ? "status" : "mcim-list";
		uint8_t *resp = r->agent.tresp; /* the agent's buffer: it may be unused */
		size_t n = 0;
		struct tool_tre_resp tr = {0};
		mcim_err e = tool_tre_request(cmd, NULL, 0, req, sizeof(req), &len);

		if (e == MCIM_OK)
			e = r->tre_open ? mcim_tre_call(&r->tre, req, len, resp,
							MCIM_TRE_MSG_MAX, &n)
					: mcim_tre_client_call(&r->client, req, len, resp,
							       MCIM_TRE_MSG_MAX, &n);
		if (e == MCIM_OK)
			e = tool_tre_response(resp, n, &tr);
		res = tr.result;
		res_len = tr.result_len;
		if (e == MCIM_OK && tr.status == MCIM_OK && res != NULL)
			json_object_set_new(o, i == 0 ? "tre" : "mcims",
					    tool_cbor_to_json(res, res_len));
		else
			json_object_set_new(o, i == 0 ? "tre" : "mcims", json_null());
	}
	if (r->json) {
		json_dumpf(o, stdout, JSON_SORT_KEYS | JSON_COMPACT);
		fputc('\n', stdout);
	} else {
		json_t *tre = json_object_get(o, "tre");
		json_t *list = json_object_get(json_object_get(o, "mcims"), "mcims");
		size_t i;
		json_t *m;

		printf("TRE      %s (%s)\n",
		       json_string_value(json_object_get(tre, "state")) != NULL
			   ? json_string_value(json_object_get(tre, "state"))
			   : "?",
		       json_string_value(json_object_get(tre, "tre_id")) != NULL
			   ? json_string_value(json_object_get(tre, "tre_id"))
			   : "?");
		printf("SHO      %s\n",
		       json_string_value(json_object_get(st, "sho")) != NULL
			   ? json_string_value(json_object_get(st, "sho"))
			   : "(not provisioned)");
		printf("DPF      %s\n",
		       json_string_value(json_object_get(st, "dpf_url")) != NULL
			   ? json_string_value(json_object_get(st, "dpf_url"))
			   : "-");
		json_array_foreach(list, i, m)
		{
			printf("MCIM     %s  IMSI %s  %s  %s\n",
			       json_string_value(json_object_get(m, "id")),
			       json_string_value(json_object_get(m, "imsi")),
			       json_string_value(json_object_get(m, "algorithm")),
			       json_string_value(json_object_get(m, "state")));
		}
	}
out:
	json_decref(o);
	close_all(r);
	free(r);
	return rc;
}
