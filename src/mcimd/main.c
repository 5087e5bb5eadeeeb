/*
 * mcimd: the network daemon. It loads one config file, starts the HTTP front with
 * the route tables of the roles it hosts, writes the port it listens on where tests
 * and the demo look for it, and on SIGTERM or SIGINT stops taking connections,
 * lets the requests in flight finish (limits.shutdown_grace_s) and exits 0.
 * Exit statuses: 0 clean stop, 1 failure at run time (cannot listen), 2 bad usage or
 * bad config (the message names the option or the key path).
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "net/config.h"
#include "net/http.h"
#include "net/log.h"

/* Kept in step with project(VERSION) in CMakeLists.txt. */
#define MCIMD_VERSION "0.1.0"

enum { EXIT_USAGE = 2 };

static const char usage_text[] =
    "usage: mcimd --config FILE [--port-file FILE] [--roles LIST] [--log-level LEVEL]\n"
    "       mcimd --help | --version\n"
    "\n"
    "The openmcim network daemon: DRF, PVA, DPF, AuC and ICF roles for any number\n"
    "of operators (tenants), over HTTP on loopback by default.\n"
    "\n"
    "  --config FILE      the JSON config file (reference: docs/mcimd.md)\n"
    "  --port-file FILE   write the port listened on to FILE once ready (useful\n"
    "                     with \"port\": 0); removed again on a clean stop\n"
    "  --roles LIST       roles to host, overriding the config: comma-separated\n"
    "                     from drf,pva,dpf,auc,icf\n"
    "  --log-level LEVEL  error, warn, info or debug, overriding the config\n"
    "  --help             this text\n"
    "  --version          the version\n"
    "\n"
    "SIGTERM or SIGINT stops the daemon cleanly. Exit status: 0 clean stop,\n"
    "1 failure, 2 usage or config error.\n";

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "mcimd: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see 'mcimd --help')\n");
	return EXIT_USAGE;
}

/* GET /v1/tenants/{tenant}: who the token belongs to, to check a client's setup. */
static mcim_err tenant_info(const struct net_request *req, struct net_response *resp,
			    void *arg)
{
	const struct net_config *cfg = arg;
	char roles[64];
	json_t *doc;
	mcim_err err;

	net_roles_format(cfg->roles, roles, sizeof(roles));
	doc = json_pack("{s:s,s:s,s:s,s:s}", "name", req->tenant->name, "kind",
			net_tenant_kind_name(req->tenant->kind), "plmn",
			req->tenant->plmn, "roles", roles);
	if (doc == NULL)
		return MCIM_ERR_NOMEM;
	err = net_resp_json(resp, 200, doc);
	json_decref(doc);
	return err;
}

/* Writes the port to path through a temporary file, so a reader never sees half. */
static int write_port_file(const char *path, uint16_t port)
{
	char tmp[NET_PATH_MAX + 8];
	FILE *f;
	int ok;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return 0;
	f = fopen(tmp, "w");
	if (f == NULL)
		return 0;
	ok = fprintf(f, "%u\n", (unsigned)port) > 0;
	ok = (fclose(f) == 0) && ok;
	if (ok && rename(tmp, path) != 0)
		ok = 0;
	if (!ok)
		unlink(tmp);
	return ok;
}

/* Serves until SIGTERM or SIGINT; the signals were blocked before any thread began. */
static int serve(struct net_config *cfg, const char *port_file, const sigset_t *stop)
{
	const struct net_route operator_routes[] = {
	    {"GET", "/v1/tenants/{tenant}", NET_API_OPERATOR, 0, 0, tenant_info, cfg},
	};
	struct net_server *srv = net_server_new(cfg, NULL, NULL);
	char roles[64];
	int sig = 0;
	mcim_err err;

	if (srv == NULL) {
		net_log(NET_LOG_ERROR, NULL, "out of memory");
		return 1;
	}
	err = net_server_add_routes(srv, operator_routes,
				    sizeof(operator_routes) / sizeof(operator_routes[0]));
	if (err == MCIM_OK)
		err = net_server_start(srv);
	if (err != MCIM_OK) {
		net_log(NET_LOG_ERROR, NULL, "cannot start: %s", mcim_strerror(err));
		net_server_free(srv);
		return 1;
	}
	net_roles_format(cfg->roles, roles, sizeof(roles));
	net_log(NET_LOG_INFO, NULL,
		"mcimd %s listening on %s port %u, roles %s, %zu tenant(s)",
		MCIMD_VERSION, cfg->listen_address, (unsigned)net_server_port(srv), roles,
		cfg->n_tenants);
	if (port_file != NULL && !write_port_file(port_file, net_server_port(srv))) {
		net_log(NET_LOG_ERROR, NULL, "cannot write the port file %s: %s",
			port_file, strerror(errno));
		net_server_free(srv);
		return 1;
	}
	while (sigwait(stop, &sig) != 0)
		;
	net_log(NET_LOG_INFO, NULL, "%s: stopping", sig == SIGINT ? "SIGINT" : "SIGTERM");
	net_server_free(srv);
	if (port_file != NULL)
		unlink(port_file);
	net_log(NET_LOG_INFO, NULL, "stopped");
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"port-file", required_argument, NULL, 'p'},
	    {"roles", required_argument, NULL, 'r'},
	    {"log-level", required_argument, NULL, 'l'},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {NULL, 0, NULL, 0},
	};
	const char *config = NULL, *port_file = NULL, *roles = NULL, *level = NULL;
	struct net_config cfg;
	struct net_jerr e;
	enum net_log_level lvl;
	sigset_t stop;
	int c, rc;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			config = optarg;
			break;
		case 'p':
			port_file = optarg;
			break;
		case 'r':
			roles = optarg;
			break;
		case 'l':
			level = optarg;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		case 'V':
			printf("mcimd %s\n", MCIMD_VERSION);
			return 0;
		case ':':
			return usage_error("%s: missing value", argv[optind - 1]);
		default:
			return usage_error("unknown option %s", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument \"%s\"", argv[optind]);
	if (config == NULL)
		return usage_error("%s is required", "--config FILE");
	if (level != NULL && net_log_level_parse(level, &lvl) != MCIM_OK)
		return usage_error(
		    "--log-level: \"%s\" is not one of error, warn, info, debug", level);

	if (net_config_load(config, &cfg, &e) != MCIM_OK) {
		fprintf(stderr, "mcimd: %s: %s\n", config, e.msg);
		return EXIT_USAGE;
	}
	if (roles != NULL && net_roles_parse(roles, &cfg.roles, &e) != MCIM_OK) {
		net_config_free(&cfg);
		return usage_error("--roles: %s", e.msg);
	}
	net_log_set_level(level != NULL ? lvl : cfg.log_level);

	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	signal(SIGPIPE, SIG_IGN);

	rc = serve(&cfg, port_file, &stop);
	net_config_free(&cfg);
	return rc;
}
