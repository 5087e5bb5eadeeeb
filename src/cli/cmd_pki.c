/*
 * `mcim pki`: the ecosystem's PKI on disk (src/tool/pki.c). `init` creates a CI root,
 * the M2MES CA and signer, each SHO's DPF and management keys, a DRF, an ICF and a
 * PVA; `show` lists them; `verify` checks every chain, role, operator id and key as a
 * relying party would; `revoke` puts an entity on the revocation list. Exit statuses:
 * 0 done, 1 the PKI directory is missing, broken or refuses the operation, 2 the
 * command line is wrong.
 */
#include <getopt.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "cli.h"
#include "mcim/bytes.h"
#include "mcim/cert.h"
#include "mcim/crypto.h"
#include "tool/pki.h"

/* "YYYY-MM-DDTHH:MM:SSZ" */
static void iso_time(time_t t, char out[32])
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, 32, "@%lld", (long long)t);
}

static void fingerprint(const struct tool_pki_entity *e,
			char out[2 * MCIM_SHA256_LEN + 1])
{
	uint8_t h[MCIM_SHA256_LEN];

	if (mcim_sha256(e->der, e->der_len, h) == MCIM_OK)
		mcim_hex_encode(h, sizeof(h), out, 2 * MCIM_SHA256_LEN + 1);
	else
		strcpy(out, "?");
}

/* The tool's messages already name the file and the cause. */
static void pki_error(const char *msg)
{
	fprintf(stderr, "mcim: %s\n", msg);
}

/* Prints the JSON value and frees it. */
static void print_json(json_t *v)
{
	if (v != NULL)
		json_dumpf(v, stdout, JSON_PRESERVE_ORDER | JSON_COMPACT);
	fputc('\n', stdout);
	json_decref(v);
}

static json_t *entity_json(const struct tool_pki *pki, const struct tool_pki_entity *e)
{
	char fp[2 * MCIM_SHA256_LEN + 1], nb[32], na[32];
	char serial[2 * MCIM_CERT_SERIAL_MAX + 1];
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "name", e->name,
			      "role", mcim_cert_role_name(e->role), "organisation",
			      e->organisation, "operator_id", e->operator_id, "issuer",
			      e->issuer, "cert", e->cert_path, "key", e->key_path);

	if (o == NULL)
		return NULL;
	if (e->load_err != MCIM_OK) {
		json_object_set_new(o, "error", json_string(e->load_msg));
		return o;
	}
	fingerprint(e, fp);
	iso_time(e->info.not_before, nb);
	iso_time(e->info.not_after, na);
	mcim_hex_encode(e->info.serial.v, e->info.serial.len, serial, sizeof(serial));
	json_object_set_new(o, "common_name", json_string(e->info.common_name));
	json_object_set_new(o, "not_before", json_string(nb));
	json_object_set_new(o, "not_after", json_string(na));
	json_object_set_new(o, "serial", json_string(serial));
	json_object_set_new(o, "fingerprint", json_string(fp));
	json_object_set_new(o, "revoked",
			    json_boolean(tool_pki_is_revoked(pki, &e->info.serial)));
	return o;
}

/* Every entity: a table, or one JSON object {"dir", "entities": [...]}. */
static void list_entities(const struct tool_pki *pki, int json)
{
	if (json) {
		json_t *arr = json_array();

		for (size_t i = 0; arr != NULL && i < pki->n; i++)
			json_array_append_new(arr, entity_json(pki, &pki->e[i]));
		print_json(json_pack("{s:s, s:o*}", "dir", pki->dir, "entities", arr));
		return;
	}
	printf("%-16s %-9s %-8s %-20s %s\n", "NAME", "ROLE", "OPERATOR", "NOT-AFTER",
	       "FINGERPRINT (SHA-256)");
	for (size_t i = 0; i < pki->n; i++) {
		const struct tool_pki_entity *e = &pki->e[i];
		char fp[2 * MCIM_SHA256_LEN + 1], na[32];

		if (e->load_err != MCIM_OK) {
			printf("%-16s %-9s %-8s BROKEN: %s\n", e->name,
			       mcim_cert_role_name(e->role),
			       e->operator_id[0] ? e->operator_id : "-", e->load_msg);
			continue;
		}
		fingerprint(e, fp);
		iso_time(e->info.not_after, na);
		printf("%-16s %-9s %-8s %-20s %s%s\n", e->name,
		       mcim_cert_role_name(e->role),
		       e->operator_id[0] ? e->operator_id : "-", na, fp,
		       tool_pki_is_revoked(pki, &e->info.serial) ? "  REVOKED" : "");
	}
}

/* Parses the options every subcommand shares; returns -1 to go on, else an exit. */
static int common_opts(const char *path, const char *usage, int argc, char **argv,
		       const struct option *opts, int *json)
{
	int c;

	while ((c = cli_getopt(path, argc, argv, opts)) != -1) {
		if (c == CLI_OPT_ERROR)
			return CLI_EXIT_USAGE;
		if (c == 'h') {
			fputs(usage, stdout);
			return CLI_EXIT_OK;
		}
		*json = 1;
	}
	return -1;
}

/* ---- mcim pki init ---- */

static const char init_usage[] =
    "usage: mcim pki init DIR [--sho NAME:PLMN]... [--vno PLMN] [--days N] [--json]\n"
    "  Creates a PKI in DIR (which must not exist or be empty; it is never\n"
    "  overwritten): the CI root \"ci\", the M2MES CA \"m2mes-ca\" and firmware signer\n"
    "  \"m2mes\", for each SHO a DPF \"NAME-dpf\" and a management key \"NAME-mgmt\", "
    "the\n"
    "  registration operator's DRF \"ro-drf\", the VNO's ICF \"vno-icf\" and the PVA\n"
    "  \"pva\", each as DIR/<name>/cert.pem and key.pem (0600), indexed in\n"
    "  DIR/pki.json. docs/pki.md describes the trust model and the layout.\n"
    "options:\n"
    "  --sho NAME:PLMN  an SHO and its PLMN id (MCC+MNC), repeatable (at most 16);\n"
    "                   default: sho1:00101 and sho2:00102\n"
    "  --vno PLMN       the VNO's PLMN id in the ICF certificate (default 00199)\n"
    "  --days N         validity of every certificate from now, 1..36500 (default\n"
    "                   3650)\n"
    "  --json           list the entities as one JSON object (as 'mcim pki show')\n"
    "  -h, --help       this text\n"
    "exit status: 0 created, 1 DIR exists and is not empty or cannot be written,\n"
    "2 usage error\n";

static int cmd_init(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"sho", required_argument, NULL, 's'},  {"vno", required_argument, NULL, 'v'},
	    {"days", required_argument, NULL, 'd'}, {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},	    {NULL, 0, NULL, 0},
	};
	struct tool_pki_opts o;
	struct tool_pki pki;
	char err[TOOL_PKI_ERR_MAX];
	unsigned long days;
	int c, json = 0;
	mcim_err e;

	memset(&o, 0, sizeof(o));
	o.days = TOOL_PKI_DAYS_DEFAULT;
	while ((c = cli_getopt("pki init", argc, argv, opts)) != -1) {
		switch (c) {
		case CLI_OPT_ERROR:
			return CLI_EXIT_USAGE;
		case 'h':
			fputs(init_usage, stdout);
			return CLI_EXIT_OK;
		case 's':
			if (o.n_sho == TOOL_PKI_SHO_MAX)
				return cli_usage_error("pki init", "more than %d --sho",
						       TOOL_PKI_SHO_MAX);
			if (tool_pki_sho_parse(optarg, &o.sho[o.n_sho]) != MCIM_OK)
				return cli_usage_error(
				    "pki init",
				    "--sho \"%s\": expected NAME:PLMN, NAME of [a-z0-9-] "
				    "(at most %d), PLMN 5 or 6 digits",
				    optarg, TOOL_PKI_SHO_NAME_MAX);
			o.n_sho++;
			break;
		case 'v':
			o.vno_plmn = optarg;
			break;
		case 'd':
			if (cli_uint_arg("--days", optarg, 1, TOOL_PKI_DAYS_MAX, &days) !=
			    MCIM_OK)
				return CLI_EXIT_USAGE;
			o.days = (unsigned)days;
			break;
		default:
			json = 1;
		}
	}
	if (optind >= argc)
		return cli_usage_error("pki init", "no DIR given");
	if (optind + 1 < argc)
		return cli_usage_error("pki init", "one DIR only (\"%s\" is extra)",
				       argv[optind + 1]);
	o.now = time(NULL);
	e = tool_pki_init(argv[optind], &o, err);
	if (e == MCIM_ERR_INVALID_ARG)
		return cli_usage_error("pki init", "%s", err);
	if (e != MCIM_OK) {
		pki_error(err);
		return CLI_EXIT_FAIL;
	}
	e = tool_pki_load(argv[optind], &pki);
	if (e != MCIM_OK) {
		pki_error(pki.err);
		tool_pki_free(&pki);
		return CLI_EXIT_FAIL;
	}
	if (!json)
		printf("created %s: %zu entities\n", pki.dir, pki.n);
	list_entities(&pki, json);
	tool_pki_free(&pki);
	return CLI_EXIT_OK;
}

/* ---- mcim pki show ---- */

static const char show_usage[] =
    "usage: mcim pki show DIR [--json]\n"
    "  Lists every entity of the PKI in DIR: name, role, operator id, end of validity\n"
    "  and SHA-256 fingerprint of its certificate, and whether it is revoked.\n"
    "  Entities whose certificate cannot be read are listed as BROKEN with the cause.\n"
    "options:\n"
    "  --json     one JSON object {\"dir\", \"entities\": [{\"name\", \"role\",\n"
    "             \"organisation\", \"operator_id\", \"issuer\", \"cert\", \"key\",\n"
    "             \"common_name\", \"not_before\", \"not_after\", \"serial\",\n"
    "             \"fingerprint\", \"revoked\"} or {..., \"error\"}]}\n"
    "  -h, --help this text\n"
    "exit status: 0 listed, 1 DIR is not a readable PKI or an entity is broken,\n"
    "2 usage error\n";

static const struct option json_opts[] = {
    {"json", no_argument, NULL, 'j'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static int cmd_show(int argc, char **argv)
{
	struct tool_pki pki;
	int json = 0,
	    rc = common_opts("pki show", show_usage, argc, argv, json_opts, &json);
	mcim_err e;

	if (rc >= 0)
		return rc;
	if (optind + 1 != argc)
		return cli_usage_error("pki show", "expected one DIR");
	e = tool_pki_load_partial(argv[optind], &pki);
	if (e != MCIM_OK) {
		pki_error(pki.err);
		tool_pki_free(&pki);
		return CLI_EXIT_FAIL;
	}
	list_entities(&pki, json);
	rc = pki.n_broken > 0 ? CLI_EXIT_FAIL : CLI_EXIT_OK;
	tool_pki_free(&pki);
	return rc;
}

/* ---- mcim pki verify ---- */

static const char verify_usage[] =
    "usage: mcim pki verify DIR [--at SECONDS] [--json]\n"
    "  Checks every entity of the PKI in DIR as a relying party would: its\n"
    "  certificate chains to the CI root (issuer, role table, signatures), every\n"
    "  certificate of the chain is valid now, the role and operator id are what the\n"
    "  index says, none is revoked; the root's self-signature verifies; each key\n"
    "  file holds its certificate's key. A revoked entity is reported as such and\n"
    "  is not a failure (it was revoked on purpose).\n"
    "options:\n"
    "  --at SECONDS  check at this time (seconds since 1970) instead of now\n"
    "  --json        one JSON object {\"dir\", \"ok\", \"revoked\", \"failed\",\n"
    "                \"results\": [{\"name\", \"result\": \"ok\"|\"revoked\"|\"fail\",\n"
    "                \"error\", \"reason\"}]}\n"
    "  -h, --help    this text\n"
    "exit status: 0 every entity verifies (or is revoked), 1 one does not, each\n"
    "named with its file and the cause, or DIR is not a readable PKI; 2 usage error\n";

static int cmd_verify(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"at", required_argument, NULL, 'a'},
	    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct tool_pki pki;
	time_t now = time(NULL);
	size_t ok = 0, revoked = 0, failed = 0;
	unsigned long at;
	json_t *results = NULL;
	int c, json = 0;
	mcim_err e;

	while ((c = cli_getopt("pki verify", argc, argv, opts)) != -1) {
		if (c == CLI_OPT_ERROR)
			return CLI_EXIT_USAGE;
		if (c == 'h') {
			fputs(verify_usage, stdout);
			return CLI_EXIT_OK;
		}
		if (c == 'a') {
			if (cli_uint_arg("--at", optarg, 0, 253402300799UL, &at) !=
			    MCIM_OK)
				return CLI_EXIT_USAGE;
			now = (time_t)at;
		} else {
			json = 1;
		}
	}
	if (optind + 1 != argc)
		return cli_usage_error("pki verify", "expected one DIR");
	e = tool_pki_load_partial(argv[optind], &pki);
	if (e != MCIM_OK) {
		pki_error(pki.err);
		tool_pki_free(&pki);
		return CLI_EXIT_FAIL;
	}
	if (json)
		results = json_array();
	for (size_t i = 0; i < pki.n; i++) {
		const struct tool_pki_entity *ent = &pki.e[i];
		const char *result = "ok";

		if (ent->load_err == MCIM_OK &&
		    tool_pki_is_revoked(&pki, &ent->info.serial)) {
			result = "revoked";
			revoked++;
			e = MCIM_OK;
		} else {
			e = tool_pki_verify_entity(&pki, i, now);
			if (e != MCIM_OK) {
				result = "fail";
				failed++;
			} else {
				ok++;
			}
		}
		if (json) {
			json_t *r =
			    json_pack("{s:s, s:s}", "name", ent->name, "result", result);

			if (r != NULL && e != MCIM_OK) {
				json_object_set_new(r, "error",
						    json_string(mcim_err_name(e)));
				json_object_set_new(r, "reason", json_string(pki.err));
			}
			json_array_append_new(results, r);
		} else if (e != MCIM_OK) {
			printf("FAIL     %s: %s (%s)\n", ent->name, pki.err,
			       mcim_err_name(e));
		} else {
			printf("%-8s %s\n", result, ent->name);
		}
	}
	if (json)
		print_json(json_pack("{s:s, s:I, s:I, s:I, s:o*}", "dir", pki.dir, "ok",
				     (json_int_t)ok, "revoked", (json_int_t)revoked,
				     "failed", (json_int_t)failed, "results", results));
	else
		printf("%zu ok, %zu revoked, %zu failed\n", ok, revoked, failed);
	tool_pki_free(&pki);
	if (failed > 0) {
		fprintf(stderr,
			"mcim: pki verify: %s: %zu of %zu entities do not verify\n",
			argv[optind], failed, ok + revoked + failed);
		return CLI_EXIT_FAIL;
	}
	return CLI_EXIT_OK;
}

/* ---- mcim pki revoke ---- */

static const char revoke_usage[] =
    "usage: mcim pki revoke DIR NAME [--json]\n"
    "  Puts entity NAME's certificate on the PKI's revocation list\n"
    "  (DIR/revoked.txt: one serial number per line), which every relying party's\n"
    "  policy reads. The root cannot be revoked: it is the trust anchor.\n"
    "options:\n"
    "  --json     one JSON object {\"name\", \"serial\", \"revocation_list\"}\n"
    "  -h, --help this text\n"
    "exit status: 0 revoked, 1 already revoked or DIR is not a usable PKI,\n"
    "2 usage error (no such entity, the root)\n";

static int cmd_revoke(int argc, char **argv)
{
	struct tool_pki pki;
	const struct tool_pki_entity *ent;
	char serial[2 * MCIM_CERT_SERIAL_MAX + 1];
	int json = 0,
	    rc = common_opts("pki revoke", revoke_usage, argc, argv, json_opts, &json);
	mcim_err e;

	if (rc >= 0)
		return rc;
	if (optind + 2 != argc)
		return cli_usage_error("pki revoke", "expected DIR and NAME");
	e = tool_pki_load_partial(argv[optind], &pki);
	if (e != MCIM_OK) {
		pki_error(pki.err);
		tool_pki_free(&pki);
		return CLI_EXIT_FAIL;
	}
	e = tool_pki_revoke(&pki, argv[optind + 1]);
	if (e == MCIM_ERR_NOT_FOUND || e == MCIM_ERR_INVALID_ARG) {
		rc = cli_usage_error("pki revoke", "%s", pki.err);
	} else if (e != MCIM_OK) {
		pki_error(pki.err);
		rc = CLI_EXIT_FAIL;
	} else {
		ent = tool_pki_find(&pki, argv[optind + 1]);
		mcim_hex_encode(ent->info.serial.v, ent->info.serial.len, serial,
				sizeof(serial));
		if (json)
			print_json(json_pack("{s:s, s:s, s:s}", "name", ent->name,
					     "serial", serial, "revocation_list",
					     pki.revoked_path));
		else
			printf("revoked %s (serial %s) in %s\n", ent->name, serial,
			       pki.revoked_path);
		rc = CLI_EXIT_OK;
	}
	tool_pki_free(&pki);
	return rc;
}

/* ---- mcim pki ---- */

static const struct cli_cmd pki_cmds[] = {
    {"init", "create a PKI: CI root, M2MES, SHOs' DPF and management, DRF, ICF, PVA",
     cmd_init},
    {"show", "list the entities, roles, operators, validity and fingerprints", cmd_show},
    {"verify", "check every chain, role, operator id and key", cmd_verify},
    {"revoke", "put an entity's certificate on the revocation list", cmd_revoke},
};

int cmd_pki(int argc, char **argv)
{
	return cli_dispatch("pki", "the ecosystem's certificates (a demo PKI on disk)",
			    pki_cmds, sizeof(pki_cmds) / sizeof(pki_cmds[0]), argc, argv);
}
