/*
 * mcimd: the network daemon. It loads one config file, starts the HTTP front with
 * the route tables of the roles it hosts, writes the port it listens on where tests
 * and the demo look for it, and on SIGTERM or SIGINT stops taking connections,
 * lets the requests in flight finish (limits.shutdown_grace_s) and exits 0.
 *
 * Roles: drf brings the operator REST API (net_api_new: the store, the config
 * tenants) and the DRF's discover; pva, icf, dpf and auc add their own routes
 * (net/roles.h, net/pva.h, net/icf.h, net/sho.h). Every function is built before
 * net_server_start() and freed after net_server_free() has drained the requests,
 * because routes hold their context. The DRF, PVA and DPF check the device's ICF
 * session. /healthz reads the store; a housekeeping thread purges expired tokens,
 * nonces and transactions every NET_PURGE_PERIOD_S seconds (any number of daemons
 * may purge the same database). A memo of verified signatures (net/sigmemo.h)
 * spares the daemon the verifications it has already made.
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
#include <time.h>
#include <unistd.h>

#include "mcim/proto.h"
#include "net/api_operator.h"
#include "net/config.h"
#include "net/drf.h"
#include "net/http.h"
#include "net/icf.h"
#include "net/log.h"
#include "net/pva.h"
#include "net/roles.h"
#include "net/sho.h"
#include "net/sigmemo.h"
#include "net/store/store.h"

/* Kept in step with project(VERSION) in CMakeLists.txt. */
#define MCIMD_VERSION "0.1.0"

enum { EXIT_USAGE = 2 };

/* Seconds between two purges of expired rows. */
#define NET_PURGE_PERIOD_S 60

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

/* What one daemon runs; everything is NULL for a role it does not host. */
struct daemon {
	struct net_config *cfg;
	struct net_server *srv;
	struct net_api_ctx *api;
	struct net_drf *drf;
	struct net_icf_verifier *drf_sessions;
	struct net_pva_http *pva;
	struct net_icf_http *icf;
	struct net_sho_http *sho;
	/* /healthz: one connection, used by one request at a time */
	pthread_mutex_t health_mu;
	struct net_store *health_st;
	/* the housekeeping thread */
	pthread_mutex_t hk_mu;
	pthread_cond_t hk_cv;
	int hk_stop, hk_running;
	pthread_t hk;
};

static mcim_err open_store(const struct net_config *cfg, struct net_store **st)
{
	struct net_store_config sc = {cfg->store_path, 0, 0};
	char msg[NET_STORE_MSG_MAX];
	mcim_err err = net_store_open(&sc, st, msg, sizeof(msg));

	if (err != MCIM_OK)
		net_log(NET_LOG_ERROR, NULL, "store %s: %s", cfg->store_path, msg);
	return err;
}

/* /healthz: the store answers a read. */
static mcim_err health(void *arg)
{
	struct daemon *d = arg;
	mcim_err err;

	pthread_mutex_lock(&d->health_mu);
	err = net_store_ping(d->health_st);
	pthread_mutex_unlock(&d->health_mu);
	return err;
}

/* The DRF's session hook: a device reaches it only through the ICF (§2). */
static mcim_err drf_session(const struct net_request *req,
			    const struct mcim_proto_discover_req *m, void *arg)
{
	(void)m;
	return net_icf_session_check(arg, req, MCIM_PROTO_SCOPE_DRF, NULL);
}

static void *housekeeping(void *arg)
{
	struct daemon *d = arg;
	struct net_store *st = NULL;
	struct timespec until;

	pthread_mutex_lock(&d->hk_mu);
	while (!d->hk_stop) {
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += NET_PURGE_PERIOD_S;
		while (!d->hk_stop &&
		       pthread_cond_timedwait(&d->hk_cv, &d->hk_mu, &until) == 0)
			;
		if (d->hk_stop)
			break;
		pthread_mutex_unlock(&d->hk_mu);
		if (st == NULL && open_store(d->cfg, &st) != MCIM_OK)
			st = NULL;
		if (st != NULL) {
			uint64_t removed = 0;
			mcim_err err = net_store_purge(st, (int64_t)time(NULL), &removed);

			if (err != MCIM_OK)
				net_log(NET_LOG_WARN, NULL, "purge: %s",
					mcim_strerror(err));
			else if (removed > 0)
				net_log(NET_LOG_INFO, NULL, "purge: %llu expired row(s)",
					(unsigned long long)removed);
		}
		pthread_mutex_lock(&d->hk_mu);
	}
	pthread_mutex_unlock(&d->hk_mu);
	net_store_close(st);
	return NULL;
}

/* The operator API and the DRF (role drf). */
static mcim_err start_drf(struct daemon *d, char *msg, size_t cap)
{
	const struct net_config *cfg = d->cfg;
	struct net_api_opts ao = {cfg, NULL, NULL, 0};
	struct net_drf_opts dro;
	mcim_err err = net_api_new(&ao, &d->api, msg, cap);

	if (err == MCIM_OK)
		err = net_operator_api_routes(d->srv, d->api);
	if (err == MCIM_OK)
		err = net_icf_verifier_new(cfg->pki_dir, NULL, cfg->clock_skew_s, NULL,
					   NULL, &d->drf_sessions, msg, cap);
	if (err != MCIM_OK)
		return err;
	memset(&dro, 0, sizeof(dro));
	dro.api = d->api;
	dro.srv = d->srv;
	dro.token_ttl_s = cfg->drf.token_ttl_s;
	dro.dpf_url = cfg->drf.dpf_url[0] ? cfg->drf.dpf_url : NULL;
	dro.pva_url = cfg->drf.pva_url[0] ? cfg->drf.pva_url : NULL;
	dro.session_check = drf_session;
	dro.session_arg = d->drf_sessions;
	err = net_drf_new(&dro, &d->drf, msg, cap);
	return err == MCIM_OK ? net_drf_routes(d->srv, d->drf) : err;
}

/* Every role's functions and routes, before the server starts; *what names the one
 * that failed. */
static mcim_err start_roles(struct daemon *d, const char **what, char *msg, size_t cap)
{
	const struct net_config *cfg = d->cfg;
	const char *noncritical[NET_PVA_NONCRIT_MAX];
	struct net_pva_policy pol;
	mcim_err err;

	for (size_t i = 0; i < cfg->pva.n_noncritical; i++)
		noncritical[i] = cfg->pva.noncritical[i];
	pol = (struct net_pva_policy){cfg->pva.modes, cfg->pva.semi_lenient, noncritical,
				      cfg->pva.n_noncritical, cfg->pva.min_assurance};
	*what = "store";
	err = open_store(cfg, &d->health_st);
	if (err == MCIM_OK && (cfg->roles & NET_ROLE_ICF)) {
		*what = "icf";
		err = net_icf_routes(d->srv, cfg, cfg->roles, &d->icf, msg, cap);
	}
	if (err == MCIM_OK && (cfg->roles & NET_ROLE_DRF)) {
		*what = "drf";
		err = start_drf(d, msg, cap);
	}
	if (err == MCIM_OK && (cfg->roles & NET_ROLE_PVA)) {
		*what = "pva";
		err = net_pva_routes(d->srv, cfg, cfg->roles, &pol, &d->pva, msg, cap);
	}
	if (err == MCIM_OK && (cfg->roles & (NET_ROLE_DPF | NET_ROLE_AUC))) {
		*what = "dpf/auc";
		err = net_sho_routes(d->srv, cfg, cfg->roles, &d->sho, msg, cap);
	}
	return err;
}

/* After the server has stopped: nothing calls the functions any more. */
static void stop_roles(struct daemon *d)
{
	net_sho_http_free(d->sho);
	net_pva_http_free(d->pva);
	net_drf_free(d->drf);
	net_icf_verifier_free(d->drf_sessions);
	net_api_free(d->api);
	net_icf_http_free(d->icf);
	net_store_close(d->health_st);
}

static void stop_housekeeping(struct daemon *d)
{
	if (!d->hk_running)
		return;
	pthread_mutex_lock(&d->hk_mu);
	d->hk_stop = 1;
	pthread_cond_signal(&d->hk_cv);
	pthread_mutex_unlock(&d->hk_mu);
	pthread_join(d->hk, NULL);
	d->hk_running = 0;
}

/* Serves until SIGTERM or SIGINT; the signals were blocked before any thread began. */
static int serve(struct net_config *cfg, const char *port_file, const sigset_t *stop)
{
	const struct net_route operator_routes[] = {
	    {"GET", "/v1/tenants/{tenant}", NET_API_OPERATOR, 0, 0, tenant_info, cfg},
	};
	struct daemon d;
	struct net_sigmemo *memo = NULL;
	struct mcim_p256_memo hook;
	const char *what = "";
	char roles[64], msg[512] = "";
	int sig = 0, rc = 1;
	mcim_err err;

	memset(&d, 0, sizeof(d));
	d.cfg = cfg;
	pthread_mutex_init(&d.health_mu, NULL);
	pthread_mutex_init(&d.hk_mu, NULL);
	pthread_cond_init(&d.hk_cv, NULL);
	/* Before any verification: the memo of verified signatures, process-wide. */
	if (net_sigmemo_new(&memo, &hook) != MCIM_OK) {
		net_log(NET_LOG_ERROR, NULL, "out of memory");
		goto out;
	}
	mcim_p256_set_memo(&hook);
	mcim_p256_keep_signing_keys(true);
	d.srv = net_server_new(cfg, health, &d);
	if (d.srv == NULL) {
		net_log(NET_LOG_ERROR, NULL, "out of memory");
		goto out;
	}
	err = net_server_add_routes(d.srv, operator_routes,
				    sizeof(operator_routes) / sizeof(operator_routes[0]));
	if (err == MCIM_OK) {
		err = start_roles(&d, &what, msg, sizeof(msg));
		if (err != MCIM_OK) {
			net_log(NET_LOG_ERROR, NULL, "cannot start %s: %s", what,
				msg[0] ? msg : mcim_strerror(err));
			goto out;
		}
	}
	if (err == MCIM_OK)
		err = net_server_start(d.srv);
	if (err != MCIM_OK) {
		net_log(NET_LOG_ERROR, NULL, "cannot start: %s", mcim_strerror(err));
		goto out;
	}
	d.hk_running = pthread_create(&d.hk, NULL, housekeeping, &d) == 0;
	if (!d.hk_running)
		net_log(NET_LOG_WARN, NULL, "no housekeeping thread: expired rows stay");
	net_roles_format(cfg->roles, roles, sizeof(roles));
	net_log(NET_LOG_INFO, NULL,
		"mcimd %s listening on %s port %u, roles %s, %zu tenant(s)",
		MCIMD_VERSION, cfg->listen_address, (unsigned)net_server_port(d.srv),
		roles, cfg->n_tenants);
	if (port_file != NULL && !write_port_file(port_file, net_server_port(d.srv))) {
		net_log(NET_LOG_ERROR, NULL, "cannot write the port file %s: %s",
			port_file, strerror(errno));
		goto out;
	}
	while (sigwait(stop, &sig) != 0)
		;
	net_log(NET_LOG_INFO, NULL, "%s: stopping", sig == SIGINT ? "SIGINT" : "SIGTERM");
	if (port_file != NULL)
		unlink(port_file);
	rc = 0;
out:
	stop_housekeeping(&d);
	net_server_free(d.srv);
	stop_roles(&d);
	mcim_p256_set_memo(NULL);
	mcim_p256_keep_signing_keys(false);
	net_sigmemo_free(memo);
	pthread_cond_destroy(&d.hk_cv);
	pthread_mutex_destroy(&d.hk_mu);
	pthread_mutex_destroy(&d.health_mu);
	if (rc == 0)
		net_log(NET_LOG_INFO, NULL, "stopped");
	return rc;
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
