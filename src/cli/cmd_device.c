/*
 * `mcim device`: the factory and the bench of a device maker. `init` manufactures a
 * device directory with the demo PKI (src/tool/device.c: hardware, firmware and
 * manifest, the TRE's identity issued through its command interface, the factory
 * export); `boot` runs the device's measured and secure boot and prints each
 * component's verdict and the TRE's state.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "mcim/bytes.h"
#include "mcim/cert.h"
#include "mcim/tre.h"
#include "tool/device.h"

enum { OPT_DIR = 256, OPT_PKI, OPT_IMEI, OPT_PIN, OPT_BACKEND, OPT_COMPONENTS, OPT_JSON };

static int device_init(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"dir", required_argument, NULL, OPT_DIR},
	    {"pki", required_argument, NULL, OPT_PKI},
	    {"imei", required_argument, NULL, OPT_IMEI},
	    {"pin", required_argument, NULL, OPT_PIN},
	    {"backend", required_argument, NULL, OPT_BACKEND},
	    {"components", required_argument, NULL, OPT_COMPONENTS},
	    {"json", no_argument, NULL, OPT_JSON},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct tool_device_opts o = {0};
	struct tool_device_made made;
	const char *dir = NULL;
	char err[TOOL_DEVICE_ERR_MAX], id[33];
	unsigned long n;
	int c, json = 0;
	struct cli_out out;
	mcim_err e;

	o.backend = MCIM_CERT_BACKEND_SOFT;
	while ((c = cli_getopt("device init", argc, argv, opts)) != -1) {
		switch (c) {
		case 'h':
			fputs(
			    "usage: mcim device init --dir D --pki PKIDIR [--imei N] "
			    "[--pin PIN]\n"
			    "       [--backend soft|uicc] [--components N] [--json]\n"
			    "  Manufactures a device in D (new or empty): the soft\n"
			    "  backend's hardware (D/hw), or for uicc a card paired "
			    "with\n"
			    "  this M2ME (D/card, D/m2me), N demo firmware components\n"
			    "  (D/fw) and their manifest signed by the PKI's M2MES "
			    "signer,\n"
			    "  then the TRE makes its identity key inside, the PKI's "
			    "M2MES\n"
			    "  CA certifies it, and the TRE stores its certificate "
			    "chain,\n"
			    "  the CI root, a PCID and the PIN, and refuses manufacture\n"
			    "  from then on. D/factory.json (0600) holds the PCID's "
			    "K/OPc\n"
			    "  for the ICF and the PIN; D/tre-cert.pem the certificate.\n"
			    "options:\n"
			    "  --imei N        platform id (default: 15 random digits)\n"
			    "  --pin PIN       maintenance PIN (default: 8 random "
			    "digits)\n"
			    "  --components N  1..16 demo components (default 3)\n"
			    "  --json          one JSON object\n"
			    "exit status: 0 made, 1 failed, 2 usage\n",
			    stdout);
			return CLI_EXIT_OK;
		case OPT_DIR:
			dir = optarg;
			break;
		case OPT_PKI:
			o.pki_dir = optarg;
			break;
		case OPT_IMEI:
			o.imei = optarg;
			break;
		case OPT_PIN:
			o.pin = optarg;
			break;
		case OPT_BACKEND:
			if (mcim_cert_backend_from_name(optarg, &o.backend) != MCIM_OK)
				return cli_usage_error("device init",
						       "--backend: soft or uicc");
			break;
		case OPT_COMPONENTS:
			if (cli_uint_arg("--components", optarg, 1,
					 MCIM_TRE_COMPONENTS_MAX, &n) != MCIM_OK)
				return CLI_EXIT_USAGE;
			o.components = (unsigned)n;
			break;
		case OPT_JSON:
			json = 1;
			break;
		default:
			return CLI_EXIT_USAGE;
		}
	}
	if (dir == NULL || o.pki_dir == NULL)
		return cli_usage_error("device init", "--dir and --pki are needed");
	o.now = time(NULL);
	e = tool_device_init(dir, &o, &made, err);
	if (o.pin != NULL)
		memset((char *)o.pin, 'x', strlen(o.pin));
	if (e != MCIM_OK) {
		fprintf(stderr, "mcim: device init: %s\n", err);
		return e == MCIM_ERR_EXISTS || e == MCIM_ERR_INVALID_ARG ||
			       e == MCIM_ERR_UNSUPPORTED
			   ? CLI_EXIT_USAGE
			   : CLI_EXIT_FAIL;
	}
	mcim_hex_encode(made.tre_id, sizeof(made.tre_id), id, sizeof(id));
	cli_out_begin(&out, stdout, json);
	cli_out_str(&out, "dir", "dir", dir);
	cli_out_str(&out, "tre_id", "tre_id", id);
	cli_out_str(&out, "imei", "imei", made.imei);
	cli_out_str(&out, "pcid", "pcid", made.pcid_imsi);
	if (o.backend == MCIM_CERT_BACKEND_UICC)
		cli_out_str(&out, "usim", "usim", made.usim_imsi);
	cli_out_str(&out, "state", "state", mcim_tre_state_name(made.state));
	cli_out_end(&out);
	return made.state == MCIM_TRE_READY ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}

/* The failure reason the status names for component name, or NULL. */
static const char *failed_reason(json_t *failed, const char *name)
{
	size_t i;
	json_t *e;

	json_array_foreach(failed, i, e)
	{
		if (strcmp(json_string_value(json_array_get(e, 0)), name) == 0)
			return json_string_value(json_array_get(e, 1));
	}
	return NULL;
}

static int device_boot(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"dir", required_argument, NULL, OPT_DIR},
	    {"json", no_argument, NULL, OPT_JSON},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *dir = NULL;
	char err[TOOL_DEVICE_ERR_MAX];
	struct tool_device *dev = NULL;
	struct mcim_tre *tre = NULL;
	uint8_t *req = NULL, *resp = NULL;
	size_t req_len, resp_len;
	struct tool_tre_resp r;
	json_t *st = NULL, *boot, *failed, *comps = NULL, *o;
	const char *state;
	int c, json = 0, rc = CLI_EXIT_FAIL;
	mcim_err e;

	while ((c = cli_getopt("device boot", argc, argv, opts)) != -1) {
		switch (c) {
		case 'h':
			fputs("usage: mcim device boot --dir D [--json]\n"
			      "  Boots the device's TRE: measures each configured "
			      "component\n"
			      "  (D/device.json) and checks it against the M2MES-signed\n"
			      "  manifest the TRE holds. Prints each component's verdict "
			      "and\n"
			      "  the TRE's state; exit 1 and why when the boot is bad "
			      "(the\n"
			      "  MCIM functions then stay closed) or the TRE cannot "
			      "open.\n",
			      stdout);
			return CLI_EXIT_OK;
		case OPT_DIR:
			dir = optarg;
			break;
		case OPT_JSON:
			json = 1;
			break;
		default:
			return CLI_EXIT_USAGE;
		}
	}
	if (dir == NULL)
		return cli_usage_error("device boot", "--dir D is needed");
	dev = malloc(sizeof(*dev));
	tre = malloc(sizeof(*tre));
	req = malloc(MCIM_TRE_MSG_MAX);
	resp = malloc(MCIM_TRE_MSG_MAX);
	if (dev == NULL || tre == NULL || req == NULL || resp == NULL) {
		cli_error("device boot", MCIM_ERR_NOMEM);
		goto out;
	}
	e = tool_device_load(dir, dev, err);
	if (e != MCIM_OK) {
		fprintf(stderr, "mcim: device boot: %s\n", err);
		rc = e == MCIM_ERR_NOT_FOUND ? CLI_EXIT_FAIL : CLI_EXIT_USAGE;
		goto out;
	}
	e = mcim_tre_open(tre, &dev->cfg);
	if (e != MCIM_OK) {
		cli_error("device boot: opening the TRE", e);
		goto out;
	}
	e = tool_tre_request("status", NULL, 0, req, MCIM_TRE_MSG_MAX, &req_len);
	if (e == MCIM_OK)
		e = mcim_tre_call(tre, req, req_len, resp, MCIM_TRE_MSG_MAX, &resp_len);
	if (e == MCIM_OK)
		e = tool_tre_response(resp, resp_len, &r);
	mcim_tre_close(tre);
	if (e == MCIM_OK)
		st = tool_cbor_to_json(r.result, r.result_len);
	if (st == NULL) {
		cli_error("device boot: status", e != MCIM_OK ? e : MCIM_ERR_PARSE);
		goto out;
	}
	state = json_string_value(json_object_get(st, "state"));
	boot = json_object_get(st, "boot");
	failed = json_object_get(boot, "failed");
	comps = json_array();
	for (size_t i = 0; i < dev->n; i++) {
		const char *why =
		    json_is_array(failed) ? failed_reason(failed, dev->names[i]) : NULL;
		const char *manifest =
		    json_string_value(json_object_get(boot, "manifest"));

		if (why == NULL && manifest != NULL && strcmp(manifest, "ok") != 0)
			why = manifest;
		json_array_append_new(
		    comps, json_pack("{s:s,s:s,s:s}", "name", dev->names[i], "path",
				     dev->paths[i], "verdict", why != NULL ? why : "ok"));
		if (!json)
			printf("%-12s %-8s %s\n", dev->names[i],
			       why != NULL ? "REFUSED" : "ok",
			       why != NULL ? why : dev->paths[i]);
	}
	if (json) {
		char *s;

		o = json_pack(
		    "{s:s,s:O,s:O,s:O,s:O}", "state", state != NULL ? state : "", "cause",
		    json_object_get(st, "cause"), "detail", json_object_get(st, "detail"),
		    "boot", boot != NULL ? boot : json_null(), "components", comps);
		s = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;
		if (s != NULL)
			puts(s);
		free(s);
		json_decref(o);
	} else {
		printf("state        %s\n", state != NULL ? state : "?");
	}
	if (state != NULL && strcmp(state, "ready") == 0) {
		rc = CLI_EXIT_OK;
	} else {
		fprintf(stderr, "mcim: device boot: the TRE is %s: %s: %s\n",
			state != NULL ? state : "?",
			json_string_value(json_object_get(st, "cause")),
			json_string_value(json_object_get(st, "detail")));
	}
out:
	json_decref(comps);
	json_decref(st);
	if (resp != NULL)
		mcim_wipe(resp, MCIM_TRE_MSG_MAX);
	free(resp);
	free(req);
	free(tre);
	free(dev);
	return rc;
}

static const struct cli_cmd device_cmds[] = {
    {"init", "manufacture a device directory with the demo PKI", device_init},
    {"boot", "measured and secure boot; each component's verdict", device_boot},
    {"provision", "initial provisioning over the network: ICF, DRF, PVA, DPF",
     cmd_device_provision},
    {"attach", "relay the SHO's commands, then attach with AKA and key confirmation",
     cmd_device_attach},
    {"status", "the TRE's state, its MCIMs and the network it was given",
     cmd_device_status},
    {"report", "deliver the TRE's signed tamper reports to the SHO's DPF",
     cmd_device_report},
};

int cmd_device(int argc, char **argv)
{
	return cli_dispatch("device", "manufacture, boot and provision a device",
			    device_cmds, sizeof(device_cmds) / sizeof(device_cmds[0]),
			    argc, argv);
}
