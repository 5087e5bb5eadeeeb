/*
 * The batch registration benchmark (net/bench_reg.h). The client side is a libcurl
 * chunked upload whose read callback writes the next lines straight into curl's
 * buffer, and a write callback that counts report lines as they stream back, so the
 * client's memory stays constant whatever n is. TRE ids are a random 8-octet prefix
 * per run and a counter, so that two runs on one database never collide.
 */
#define _XOPEN_SOURCE 700 /* nftw */
#include "net/bench_reg.h"

#include <assert.h>
#include <ftw.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sys/resource.h>

#include <curl/curl.h>

#include "mcim/crypto.h"
#include "mcim/rand.h"
#include "net/api_operator.h"
#include "net/config.h"
#include "net/log.h"
#include "net/roles.h"

#define LINE_MAX_OUT 128

struct gen {
	uint64_t next, n;
	char prefix[17];
	const char *plmn;
	char pending[LINE_MAX_OUT]; /* a line that did not fit curl's buffer */
	size_t pending_len, pending_off;
};

static size_t gen_read(char *buf, size_t size, size_t nitems, void *arg)
{
	struct gen *g = arg;
	size_t cap = size * nitems, len = 0;

	while (len < cap) {
		if (g->pending_off == g->pending_len) {
			if (g->next == g->n)
				break;
			g->pending_len = (size_t)snprintf(g->pending, sizeof(g->pending),
							  "{\"tre_id\":\"%s%016" PRIx64
							  "\",\"sho\":\"%s\"}\n",
							  g->prefix, g->next, g->plmn);
			g->pending_off = 0;
			g->next++;
		}
		size_t take = g->pending_len - g->pending_off;
		if (take > cap - len)
			take = cap - len;
		memcpy(buf + len, g->pending + g->pending_off, take);
		g->pending_off += take;
		len += take;
	}
	return len;
}

struct count {
	uint64_t lines, ok;
	char tail[16]; /* the start of the current line (is it the summary?) */
	size_t tail_len;
	char last[8]; /* its last octets (its result), across callbacks */
	size_t last_len;
	int summary;
};

/* A report line is {"line":N,"tre_id":"...","result":"OK"}: an accepted one ends
 * in the 7 octets ":"OK"}; the summary line starts with {"summary". */
static void count_line(struct count *c, const char *end8)
{
	if (c->tail_len >= 10 && memcmp(c->tail, "{\"summary\"", 10) == 0) {
		c->summary = 1;
		return;
	}
	c->lines++;
	if (end8 != NULL && memcmp(end8, "\":\"OK\"}", 7) == 0)
		c->ok++;
}

static size_t count_write(char *p, size_t size, size_t n, void *arg)
{
	struct count *c = arg;
	size_t len = size * n;

	for (size_t i = 0; i < len; i++) {
		if (p[i] == '\n') {
			count_line(c,
				   c->last_len >= 7 ? c->last + c->last_len - 7 : NULL);
			c->tail_len = 0;
			c->last_len = 0;
			continue;
		}
		if (c->tail_len < sizeof(c->tail))
			c->tail[c->tail_len++] = p[i];
		if (c->last_len == sizeof(c->last)) {
			memmove(c->last, c->last + 1, sizeof(c->last) - 1);
			c->last_len--;
		}
		c->last[c->last_len++] = p[i];
	}
	return len;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static void set_msg(char *msg, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void set_msg(char *msg, size_t cap, const char *fmt, ...)
{
	va_list ap;

	if (msg == NULL || cap == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, cap, fmt, ap);
	va_end(ap);
}

static mcim_err run(const char *url, const char *tenant, const char *token,
		    const char *plmn, uint64_t n, struct net_bench_reg_result *out,
		    char *msg, size_t msg_cap)
{
	struct gen g = {.n = n, .plmn = plmn};
	struct count c = {0};
	uint8_t rnd[8];
	char target[512], auth[600];
	struct curl_slist *h = NULL;
	CURL *curl;
	CURLcode rc;
	long status = 0;
	double t0, t1, c0, c1;
	mcim_err err = mcim_rng_fill(mcim_rng_system(), rnd, sizeof(rnd));

	if (err != MCIM_OK)
		return err;
	for (size_t i = 0; i < sizeof(rnd); i++)
		snprintf(g.prefix + 2 * i, 3, "%02x", rnd[i]);
	snprintf(target, sizeof(target), "%s/v1/tenants/%s/registrations:batch", url,
		 tenant);
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
	curl = curl_easy_init();
	if (curl == NULL)
		return MCIM_ERR_NOMEM;
	h = curl_slist_append(h, "Content-Type: application/x-ndjson");
	h = curl_slist_append(h, "Transfer-Encoding: chunked");
	h = curl_slist_append(h, "Expect:");
	h = curl_slist_append(h, auth);
	curl_easy_setopt(curl, CURLOPT_URL, target);
	curl_easy_setopt(curl, CURLOPT_POST, 1L);
	curl_easy_setopt(curl, CURLOPT_READFUNCTION, gen_read);
	curl_easy_setopt(curl, CURLOPT_READDATA, &g);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, count_write);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &c);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(curl, CURLOPT_UPLOAD_BUFFERSIZE, 512L * 1024L);
	curl_easy_setopt(curl, CURLOPT_BUFFERSIZE, 512L * 1024L);
	t0 = now_s();
	c0 = cpu_s();
	rc = curl_easy_perform(curl);
	t1 = now_s();
	c1 = cpu_s();
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(h);
	curl_easy_cleanup(curl);
	if (rc != CURLE_OK || status != 200) {
		set_msg(msg, msg_cap, "%s: %s, HTTP status %ld", target,
			curl_easy_strerror(rc), status);
		return MCIM_ERR_IO;
	}
	out->lines = c.lines;
	out->registered = c.ok;
	out->seconds = t1 - t0;
	out->cpu_seconds = c1 - c0;
	out->per_s = out->seconds > 0 ? (double)c.ok / out->seconds : 0;
	return MCIM_OK;
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* A server in this process: one SHO tenant "bench" with a random token. */
static mcim_err in_process(const struct net_bench_reg_opts *opts,
			   struct net_bench_reg_result *out, char *msg, size_t msg_cap)
{
	char dir[] = "/tmp/mcim-bench-reg-XXXXXX", token[33], url[64];
	struct net_tenant tenant;
	struct net_config cfg;
	struct net_api_ctx *api = NULL;
	struct net_server *srv = NULL;
	uint8_t rnd[16];
	mcim_err err;

	if (mkdtemp(dir) == NULL) {
		set_msg(msg, msg_cap, "cannot create a temporary directory");
		return MCIM_ERR_IO;
	}
	err = mcim_rng_fill(mcim_rng_system(), rnd, sizeof(rnd));
	memset(&tenant, 0, sizeof(tenant));
	strcpy(tenant.name, "bench");
	tenant.kind = NET_TENANT_SHO;
	strcpy(tenant.plmn, "00101");
	tenant.n_tokens = 1;
	net_api_hex(rnd, sizeof(rnd), token);
	if (err == MCIM_OK)
		err = mcim_sha256(token, strlen(token), tenant.token_sha256[0]);
	net_config_defaults(&cfg, dir);
	snprintf(cfg.store_path, sizeof(cfg.store_path), "%s/bench.db", dir);
	cfg.tenants = &tenant;
	cfg.n_tenants = 1;
	cfg.limits.threads = opts->threads ? opts->threads : 2;
	cfg.limits.idle_timeout_s = 600;
	if (err == MCIM_OK) {
		const struct net_api_opts aopts = {.cfg = &cfg};
		err = net_api_new(&aopts, &api, msg, msg_cap);
	}
	if (err == MCIM_OK) {
		srv = net_server_new(&cfg, NULL, NULL);
		err = srv != NULL ? net_operator_api_routes(srv, api) : MCIM_ERR_NOMEM;
	}
	if (err == MCIM_OK)
		err = net_server_start(srv);
	if (err == MCIM_OK) {
		snprintf(url, sizeof(url), "http://127.0.0.1:%u",
			 (unsigned)net_server_port(srv));
		err =
		    run(url, tenant.name, token, tenant.plmn, opts->n, out, msg, msg_cap);
	} else if (msg != NULL && msg[0] == '\0') {
		set_msg(msg, msg_cap, "cannot start the server: %s", mcim_strerror(err));
	}
	net_server_free(srv);
	net_api_free(api);
	nftw(dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
	return err;
}

mcim_err net_bench_reg(const struct net_bench_reg_opts *opts,
		       struct net_bench_reg_result *out, char *msg, size_t msg_cap)
{
	assert(opts != NULL && out != NULL);
	memset(out, 0, sizeof(*out));
	if (msg != NULL && msg_cap > 0)
		msg[0] = '\0';
	if (opts->n == 0 ||
	    (opts->url != NULL &&
	     (opts->tenant == NULL || opts->token == NULL || opts->plmn == NULL))) {
		set_msg(msg, msg_cap,
			"n must be >= 1; a URL needs tenant, token and plmn");
		return MCIM_ERR_INVALID_ARG;
	}
	if (opts->url != NULL)
		return run(opts->url, opts->tenant, opts->token, opts->plmn, opts->n, out,
			   msg, msg_cap);
	return in_process(opts, out, msg, msg_cap);
}
