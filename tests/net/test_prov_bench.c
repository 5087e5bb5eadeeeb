/*
 * `make bench`: complete provisionings per second of server CPU, against the cost of
 * the public-key operations the protocol needs (issue 4; docs/bench.md
 * "Provisioning"). The real mcimd (MCIM_BIN_DIR/mcimd, all roles, the demo's
 * tenants: two SHOs, a registration operator, a PVA and a VNO) runs on 127.0.0.1
 * over a fresh SQLite file; the devices are real TREs (soft backend, made by
 * tool_device_init in a temporary directory, /dev/shm when there is one: their
 * fsyncs are the devices' cost, not the server's) driven in this process by the
 * device agent (src/m2me) as `mcim demo` does. Set-up, not measured: the PKI, the
 * devices, the VNO's PCID import, the SHOs' batch registrations, the reference
 * values, and one device provisioned to warm the daemon up. Then, for N devices in
 * turn: ICF attach (PCID AKA) -> DRF discover -> PVA challenge and evidence -> DPF
 * M1, M3, receipt (the DPF's CCIF makes the MCIM) -> the SHO activates through the
 * operator API -> the agent pulls the signed command and returns the TRE's signed
 * result -> 5G attach with key confirmation. Every step must succeed.
 *
 * Server CPU: the daemon's process CPU clock (user + system of all its threads, as
 * /proc/PID/stat counts them, in nanoseconds) read before and after the N
 * provisionings. The public-key operations the daemon did are counted by
 * prov_bench_opcount.so, preloaded into it; the ones the protocol needs
 * (needed[] below, the list in docs/bench.md) are timed here through the same
 * mcim_p256_* functions, on the same OpenSSL: their sum is the floor, and the ratio
 * floor / server CPU per provisioning is judged against the goal (>= 0.8).
 * Then what the plumbing costs on this machine, whatever a daemon does: the HTTP
 * exchanges per provisioning (mcimd's own request counters) at the server CPU of
 * its cheapest exchange (GET /healthz on a kept-alive connection), and the state
 * changes a provisioning must make durable (state_changes[]) at the cost of the
 * cheapest durable write (one row in its own SQLite transaction); the floor over
 * floor + plumbing is the best ratio any daemon on that HTTP and store could reach.
 *
 * Environment: MCIM_BENCH_DEVICES (default 200), MCIM_BENCH_STRICT=1 fails when the
 * counted operations are not exactly the needed ones (ctest runs it so, with a few
 * devices), MCIM_BIN_DIR (default: ../bin beside this program), MCIM_BENCH_PERF=FILE
 * to have perf record the daemon's call graphs over the measured phase.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>
#include <openssl/crypto.h>

#include "m2me/agent.h"
#include "mcim/bytes.h"
#include "mcim/crypto.h"
#include "mcim/rand.h"
#include "mcim/tre.h"
#include "net/store/store.h"
#include "prov_bench_opcount.h"
#include "tool/device.h"
#include "tool/pki.h"

#define GOAL_RATIO 0.8
#define N_DEFAULT  200
#define N_MAX	   5000
#define START_WAIT 15000 /* ms for mcimd's port file */
#define OP_SECONDS 0.25	 /* CPU seconds per timing batch of one operation */
#define OP_BATCHES 5	 /* the best batch counts (the machine is shared) */
#define TOKEN_LEN  32
#define PATH_LEN   512

enum { T_SHO1, T_SHO2, T_RO, T_PVA, T_VNO, N_TENANTS };

static const struct {
	const char *name, *kind, *plmn;
} tenants[N_TENANTS] = {
    {"sho1", "sho", "00101"}, {"sho2", "sho", "00102"},		 {"ro", "ro", "001002"},
    {"pva", "pva", "00190"},  {"vno", "vno", TOOL_PKI_VNO_PLMN},
};

static const char *const kind_names[OPCOUNT_KINDS] = {"sign", "verify", "keygen", "ecdh"};

/*
 * The public-key operations the server side of one provisioning needs: what each
 * function must do with material that is new for this device. Certificates of the
 * daemon's long-lived peers (the ICF, DRF and PVA certificates, the M2MES CA) are
 * checked once and remembered, not per device; the ICF session, one signed object,
 * is checked once by the daemon that hosts the DRF, PVA and DPF.
 */
static const struct {
	const char *what;
	enum opcount_kind kind;
} needed[] = {
    {"ICF: sign the session", OPCOUNT_SIGN},
    {"DRF: verify the ICF's session signature", OPCOUNT_VERIFY},
    {"DRF: sign the registration token", OPCOUNT_SIGN},
    {"PVA: verify the TRE certificate (M2MES CA's signature)", OPCOUNT_VERIFY},
    {"PVA: verify the evidence (TRE's signature)", OPCOUNT_VERIFY},
    {"PVA: sign the result", OPCOUNT_SIGN},
    {"DPF M1: verify the registration token (DRF's signature)", OPCOUNT_VERIFY},
    {"DPF M1: ephemeral key pair", OPCOUNT_KEYGEN},
    {"DPF M1: sign M2", OPCOUNT_SIGN},
    {"DPF M3: verify M3 (TRE's signature)", OPCOUNT_VERIFY},
    {"DPF M3: verify the PVA result (PVA's signature)", OPCOUNT_VERIFY},
    {"DPF M3: ECDH", OPCOUNT_ECDH},
    {"DPF receipt: verify the receipt (TRE's signature)", OPCOUNT_VERIFY},
    {"SHO: sign the activate command", OPCOUNT_SIGN},
    {"SHO: verify the command result (TRE's signature)", OPCOUNT_VERIFY},
};
#define N_NEEDED (sizeof(needed) / sizeof(needed[0]))

/*
 * The messages whose answer rests on a state change that a later message checks, so
 * that the store must hold it before the answer leaves: one write transaction each
 * at the least. ICF challenge (the pending vector and the SQN), ICF attach (the
 * challenge used up), DRF discover (the registration token issued), PVA challenge
 * (the nonce issued), PVA evidence (the nonce used, the result kept), DPF M1 (the
 * transaction opened), DPF M3 (the transaction used, the MCIM made and sealed), DPF
 * receipt (MCIM installed, registration provisioned, token used), SHO activate (the
 * signed command queued), SHO command result (the command done, the MCIM
 * activated), AuC challenge (the SQN and the pending challenge), AuC confirm (the
 * challenge used up). The command pull only reads.
 */
#define N_STATE_CHANGES 12

struct bdev {
	char dir[TOOL_DEVICE_PATH_MAX - 32];
	char tre_hex[33], pcid[16], k_hex[33], opc_hex[33];
	int sho;
};

struct bench {
	char root[256], devroot[256], pki[PATH_LEN], cfg[PATH_LEN], db[PATH_LEN];
	char port_file[PATH_LEN], log[PATH_LEN], counts_path[PATH_LEN];
	char mcimd[PATH_LEN], preload[PATH_LEN], base[64];
	char token[N_TENANTS][TOKEN_LEN + 1];
	pid_t pid;
	clockid_t clk;
	_Atomic uint64_t *counts; /* NULL: no counting library */
	CURL *op;		  /* the operators' connection */
	unsigned n;		  /* measured devices; devs[0] warms up */
	struct bdev *devs;
	/* one device at a time */
	struct tool_device dev;
	struct mcim_tre tre;
	struct m2me agent;
};

static struct bench *B;

/* ---- helpers ---- */

static double now_s(clockid_t c)
{
	struct timespec ts;

	assert_int_equal(clock_gettime(c, &ts), 0);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static unsigned env_uint(const char *name, unsigned dflt, unsigned max)
{
	const char *s = getenv(name);
	char *end;
	unsigned long v;

	if (s == NULL || *s == '\0')
		return dflt;
	v = strtoul(s, &end, 10);
	if (*end != '\0' || v == 0 || v > max)
		fail_msg("%s=%s: expected 1..%u", name, s, max);
	return (unsigned)v;
}

static void rm_rf(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;

	if (d == NULL) {
		unlink(path);
		return;
	}
	while ((e = readdir(d)) != NULL) {
		char p[PATH_LEN * 2];

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(p, sizeof(p), "%s/%s", path, e->d_name);
		rm_rf(p);
	}
	closedir(d);
	rmdir(path);
}

static void b64_std(const uint8_t *in, size_t len, char *out)
{
	static const char al[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t o = 0;

	for (size_t i = 0; i < len; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16;

		if (i + 1 < len)
			v |= (uint32_t)in[i + 1] << 8;
		if (i + 2 < len)
			v |= in[i + 2];
		out[o++] = al[(v >> 18) & 63];
		out[o++] = al[(v >> 12) & 63];
		out[o++] = i + 1 < len ? al[(v >> 6) & 63] : '=';
		out[o++] = i + 2 < len ? al[v & 63] : '=';
	}
	out[o] = '\0';
}

/* ---- the operators' API ---- */

struct body {
	char *p;
	size_t len;
};

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
	struct body *b = arg;
	char *q = realloc(b->p, b->len + size * n + 1);

	if (q == NULL)
		return 0;
	memcpy(q + b->len, p, size * n);
	b->p = q;
	b->len += size * n;
	b->p[b->len] = '\0';
	return size * n;
}

/* POST base+path as tenant t; the status (0: no answer), the body into *out
 * (freed by the caller) unless out is NULL. One connection, kept alive. */
static long op_post(int t, const char *path, const char *type, const char *data,
		    size_t len, struct body *out)
{
	char url[256], auth[128], ct[96];
	struct curl_slist *h = NULL;
	struct body b = {NULL, 0};
	long status = 0;

	snprintf(url, sizeof(url), "%s%s", B->base, path);
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", B->token[t]);
	h = curl_slist_append(h, auth);
	h = curl_slist_append(h, "Expect:");
	if (type != NULL) {
		snprintf(ct, sizeof(ct), "Content-Type: %s", type);
		h = curl_slist_append(h, ct);
	}
	curl_easy_reset(B->op);
	curl_easy_setopt(B->op, CURLOPT_URL, url);
	curl_easy_setopt(B->op, CURLOPT_POST, 1L);
	curl_easy_setopt(B->op, CURLOPT_POSTFIELDS, data != NULL ? data : "");
	curl_easy_setopt(B->op, CURLOPT_POSTFIELDSIZE, (long)len);
	curl_easy_setopt(B->op, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(B->op, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(B->op, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(B->op, CURLOPT_TIMEOUT_MS, 120000L);
	curl_easy_setopt(B->op, CURLOPT_NOSIGNAL, 1L);
	if (curl_easy_perform(B->op) == CURLE_OK)
		curl_easy_getinfo(B->op, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(h);
	if (out != NULL)
		*out = b;
	else
		free(b.p);
	return status;
}

/* GET base+path on the operators' connection; the status, the body into *out. */
static long op_get(const char *path, struct body *out)
{
	char url[256];
	long status = 0;

	*out = (struct body){NULL, 0};
	snprintf(url, sizeof(url), "%s%s", B->base, path);
	curl_easy_reset(B->op);
	curl_easy_setopt(B->op, CURLOPT_URL, url);
	curl_easy_setopt(B->op, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(B->op, CURLOPT_WRITEDATA, out);
	curl_easy_setopt(B->op, CURLOPT_TIMEOUT_MS, 120000L);
	curl_easy_setopt(B->op, CURLOPT_NOSIGNAL, 1L);
	if (curl_easy_perform(B->op) == CURLE_OK)
		curl_easy_getinfo(B->op, CURLINFO_RESPONSE_CODE, &status);
	return status;
}

/* The requests mcimd has answered: the sum of its mcimd_http_requests_total. */
static double requests_answered(void)
{
	static const char name[] = "mcimd_http_requests_total{";
	struct body b;
	double sum = 0;

	assert_int_equal(op_get("/metrics", &b), 200);
	for (char *l = b.p, *nl; l != NULL && *l != '\0'; l = nl) {
		char *sp;

		nl = strchr(l, '\n');
		if (nl != NULL)
			*nl++ = '\0';
		if (strncmp(l, name, sizeof(name) - 1) == 0 &&
		    (sp = strrchr(l, ' ')) != NULL)
			sum += strtod(sp + 1, NULL);
	}
	free(b.p);
	return sum;
}

/* Server CPU (us) of one keep-alive GET /healthz, which reads the store once: the
 * cheapest exchange the daemon has, the price of the transport on this machine.
 * The best of OP_BATCHES batches, as for the operations of the floor. */
static double exchange_us(void)
{
	enum { N = 300 };
	double best = 1e9;

	for (int r = 0; r < OP_BATCHES; r++) {
		double c0 = now_s(B->clk), us;

		for (int i = 0; i < N; i++) {
			struct body b;

			assert_int_equal(op_get("/healthz", &b), 200);
			free(b.p);
		}
		us = (now_s(B->clk) - c0) / N * 1e6;
		if (us < best)
			best = us;
	}
	return best;
}

/* This thread's CPU (us) for the cheapest durable write: one row inserted (a PVA
 * nonce) in its own transaction, SQLite WAL as mcimd opens it, on the file system
 * of mcimd's database. The best of OP_BATCHES batches. */
static double store_write_us(void)
{
	enum { N = 400 };
	struct net_store_config c = {0};
	struct net_store_tenant t;
	struct net_pva_nonce nc;
	struct net_store *st = NULL;
	char path[PATH_LEN + 16];
	double best = 1e9;

	snprintf(path, sizeof(path), "%s/writecost.db", B->root);
	c.url = path;
	assert_int_equal(net_store_open(&c, &st, NULL, 0), MCIM_OK);
	memset(&t, 0, sizeof(t));
	snprintf(t.name, sizeof(t.name), "pva");
	t.roles = NET_STORE_ROLE_PVA;
	t.created = 1;
	assert_int_equal(net_store_tenant_create(st, &t), MCIM_OK);
	memset(&nc, 0, sizeof(nc));
	nc.tenant = t.id;
	nc.created = 1;
	nc.expires = 2;
	for (unsigned r = 0, i = 0; r < OP_BATCHES; r++) {
		double t0 = now_s(CLOCK_THREAD_CPUTIME_ID), us;

		for (unsigned k = 0; k < N; k++, i++) {
			memcpy(nc.nonce, &i, sizeof(i));
			assert_int_equal(net_store_nonce_create(st, &nc), MCIM_OK);
		}
		us = (now_s(CLOCK_THREAD_CPUTIME_ID) - t0) / N * 1e6;
		if (us < best)
			best = us;
	}
	net_store_close(st);
	return best;
}

/* ---- set-up ---- */

static void write_config(void)
{
	json_t *ts = json_array(), *root;

	for (int i = 0; i < N_TENANTS; i++) {
		uint8_t raw[16], h[MCIM_SHA256_LEN];
		char hx[65];

		assert_int_equal(mcim_rng_fill(mcim_rng_system(), raw, sizeof(raw)),
				 MCIM_OK);
		mcim_hex_encode(raw, sizeof(raw), B->token[i], sizeof(B->token[i]));
		assert_int_equal(mcim_sha256(B->token[i], strlen(B->token[i]), h),
				 MCIM_OK);
		mcim_hex_encode(h, sizeof(h), hx, sizeof(hx));
		json_array_append_new(
		    ts, json_pack("{s:s,s:s,s:s,s:[s]}", "name", tenants[i].name, "kind",
				  tenants[i].kind, "plmn", tenants[i].plmn,
				  "api_token_sha256", hx));
	}
	root = json_pack("{s:{s:s,s:i},s:{s:s},s:{s:s},s:{s:s},s:o}", "listen", "address",
			 "127.0.0.1", "port", 0, "store", "path", B->db, "pki", "dir",
			 B->pki, "log", "level", "warn", "tenants", ts);
	assert_non_null(root);
	assert_int_equal(json_dump_file(root, B->cfg, JSON_INDENT(2)), 0);
	json_decref(root);
}

static void start_mcimd(void)
{
	int fd;

	/* The counts file: zeroed, mapped here and by the daemon's preloaded library. */
	fd = open(B->counts_path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, OPCOUNT_FILE_LEN), 0);
	if (access(B->preload, R_OK) == 0) {
		void *p = mmap(NULL, OPCOUNT_FILE_LEN, PROT_READ, MAP_SHARED, fd, 0);

		assert_true(p != MAP_FAILED);
		B->counts = p;
	}
	close(fd);
	B->pid = fork();
	assert_true(B->pid >= 0);
	if (B->pid == 0) {
		int lfd = open(B->log, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		if (lfd >= 0) {
			dup2(lfd, STDOUT_FILENO);
			dup2(lfd, STDERR_FILENO);
			close(lfd);
		}
		if (B->counts != NULL) {
			setenv("LD_PRELOAD", B->preload, 1);
			setenv(OPCOUNT_ENV, B->counts_path, 1);
		}
		execl(B->mcimd, "mcimd", "--config", B->cfg, "--port-file", B->port_file,
		      (char *)NULL);
		_exit(127);
	}
	for (unsigned waited = 0; waited < START_WAIT; waited += 50) {
		FILE *f = fopen(B->port_file, "r");
		unsigned port = 0;

		if (f != NULL) {
			int got = fscanf(f, "%u", &port);

			fclose(f);
			if (got == 1 && port > 0 && port < 65536) {
				snprintf(B->base, sizeof(B->base), "http://127.0.0.1:%u",
					 port);
				assert_int_equal(clock_getcpuclockid(B->pid, &B->clk), 0);
				return;
			}
		}
		if (waitpid(B->pid, NULL, WNOHANG) == B->pid)
			fail_msg("mcimd exited at start (see %s)", B->log);
		usleep(50000);
	}
	fail_msg("mcimd wrote no port file in %u ms", START_WAIT);
}

/* MCIM_BENCH_PERF=FILE: perf records mcimd's call graphs during the measured phase
 * only (perf record --call-graph dwarf -p PID -o FILE); 0 when not asked for. */
static pid_t perf_start(void)
{
	const char *out = getenv("MCIM_BENCH_PERF");
	char pid[16];
	pid_t p;

	if (out == NULL || *out == '\0')
		return 0;
	snprintf(pid, sizeof(pid), "%d", (int)B->pid);
	p = fork();
	assert_true(p >= 0);
	if (p == 0) {
		execlp("perf", "perf", "record", "-q", "-F", "2000", "--call-graph",
		       "dwarf,16384", "-p", pid, "-o", out, (char *)NULL);
		_exit(127);
	}
	sleep(1); /* perf attaches */
	assert_int_equal(waitpid(p, NULL, WNOHANG), 0);
	return p;
}

static void perf_stop(pid_t p)
{
	if (p <= 0)
		return;
	kill(p, SIGINT);
	waitpid(p, NULL, 0);
}

static void stop_mcimd(void)
{
	int st = 0;

	if (B->pid <= 0)
		return;
	kill(B->pid, SIGTERM);
	waitpid(B->pid, &st, 0);
	B->pid = 0;
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

static void read_factory(struct bdev *v)
{
	char path[TOOL_DEVICE_PATH_MAX + 32];
	json_t *j, *p;
	const char *tre, *imsi, *k, *opc;

	snprintf(path, sizeof(path), "%s/%s", v->dir, TOOL_DEVICE_FACTORY);
	j = json_load_file(path, 0, NULL);
	p = json_object_get(j, "pcid");
	tre = json_string_value(json_object_get(j, "tre_id"));
	imsi = json_string_value(json_object_get(p, "imsi"));
	k = json_string_value(json_object_get(p, "k"));
	opc = json_string_value(json_object_get(p, "opc"));
	assert_true(tre != NULL && imsi != NULL && k != NULL && opc != NULL);
	assert_true(strlen(tre) == 32 && strlen(imsi) < sizeof(v->pcid) &&
		    strlen(k) == 32 && strlen(opc) == 32);
	memcpy(v->tre_hex, tre, 33);
	memcpy(v->pcid, imsi, strlen(imsi) + 1);
	memcpy(v->k_hex, k, 33);
	memcpy(v->opc_hex, opc, 33);
	json_decref(j);
}

/* N + 1 devices (the first warms up), alternately for the two SHOs. */
static void manufacture(void)
{
	for (unsigned i = 0; i <= B->n; i++) {
		struct bdev *v = &B->devs[i];
		struct tool_device_opts o = {0};
		struct tool_device_made made;
		char err[TOOL_DEVICE_ERR_MAX];
		mcim_err e;

		snprintf(v->dir, sizeof(v->dir), "%.120s/dev%04u", B->devroot, i);
		v->sho = i % 2 == 0 ? T_SHO1 : T_SHO2;
		o.pki_dir = B->pki;
		o.backend = MCIM_CERT_BACKEND_SOFT;
		o.now = time(NULL);
		e = tool_device_init(v->dir, &o, &made, err);
		if (e != MCIM_OK)
			fail_msg("device %u: %s: %s", i, mcim_err_name(e), err);
		read_factory(v);
	}
}

/* The VNO's PCIDs, each SHO's batch, the M2MES's reference values. */
static void register_all(void)
{
	json_t *pcids = json_array();
	char *text, *nd, *b64;
	uint8_t man[16384];
	char path[TOOL_DEVICE_PATH_MAX + 32];
	size_t len = 0, off;
	FILE *f;

	for (unsigned i = 0; i <= B->n; i++)
		json_array_append_new(
		    pcids, json_pack("{s:s,s:s,s:s}", "pcid", B->devs[i].pcid, "k",
				     B->devs[i].k_hex, "opc", B->devs[i].opc_hex));
	text = json_dumps(pcids, JSON_COMPACT);
	json_decref(pcids);
	assert_non_null(text);
	assert_int_equal(op_post(T_VNO, "/v1/tenants/vno/pcids", "application/json", text,
				 strlen(text), NULL),
			 200);
	free(text);

	nd = malloc((size_t)(B->n + 1) * 96 + 1);
	assert_non_null(nd);
	for (int s = T_SHO1; s <= T_SHO2; s++) {
		struct body b;

		off = 0;
		for (unsigned i = 0; i <= B->n; i++)
			if (B->devs[i].sho == s)
				off += (size_t)sprintf(
				    nd + off, "{\"tre_id\":\"%s\",\"sho\":\"%s\"}\n",
				    B->devs[i].tre_hex, tenants[s].plmn);
		snprintf(path, sizeof(path), "/v1/tenants/%s/registrations:batch",
			 tenants[s].name);
		assert_int_equal(op_post(s, path, "application/x-ndjson", nd, off, &b),
				 200);
		assert_non_null(strstr(b.p, "\"refused\":0"));
		free(b.p);
	}
	free(nd);

	snprintf(path, sizeof(path), "%s/%s", B->devs[0].dir, TOOL_DEVICE_MANIFEST);
	f = fopen(path, "rb");
	assert_non_null(f);
	len = fread(man, 1, sizeof(man), f);
	fclose(f);
	assert_true(len > 0 && len < sizeof(man));
	b64 = malloc(len * 4 / 3 + 8);
	text = malloc(len * 4 / 3 + 32);
	assert_true(b64 != NULL && text != NULL);
	b64_std(man, len, b64);
	snprintf(text, len * 4 / 3 + 32, "{\"manifest\":\"%s\"}", b64);
	assert_int_equal(op_post(T_PVA, "/v1/tenants/pva/reference-values",
				 "application/json", text, strlen(text), NULL),
			 201);
	free(b64);
	free(text);
}

/* ---- one device's provisioning ---- */

static void quiet(void *ctx, const char *step, mcim_err err, const char *detail)
{
	(void)ctx;
	(void)step;
	(void)err;
	(void)detail;
}

static void check(mcim_err e, const char *step, unsigned i)
{
	if (e != MCIM_OK)
		fail_msg("device %u: %s: %s (%s)", i, step, mcim_err_name(e),
			 B->agent.message);
}

static void provision(unsigned i)
{
	struct bdev *v = &B->devs[i];
	struct m2me_config cfg = {0};
	const char *plmn = tenants[v->sho].plmn;
	char err[TOOL_DEVICE_ERR_MAX], path[128], id[33], snn[64];
	size_t pulled = 0;

	check(tool_device_load(v->dir, &B->dev, err), "load", i);
	check(mcim_tre_open(&B->tre, &B->dev.cfg), "TRE open", i);
	cfg.icf_url = B->base;
	cfg.drf_url = B->base;
	cfg.on_step = quiet;
	check(m2me_init(&B->agent, &cfg, &B->tre, NULL), "agent", i);
	check(m2me_provision(&B->agent), "provision", i);
	mcim_hex_encode(B->agent.mcim_id, sizeof(B->agent.mcim_id), id, sizeof(id));
	snprintf(path, sizeof(path), "/v1/tenants/%s/mcims/%s:activate",
		 tenants[v->sho].name, id);
	if (op_post(v->sho, path, NULL, NULL, 0, NULL) != 200)
		fail_msg("device %u: the SHO could not activate %s", i, id);
	check(m2me_mgmt_pull(&B->agent, &pulled), "command pull", i);
	if (pulled != 1 || strcmp(B->agent.mcim_state, "activated") != 0)
		fail_msg("device %u: %zu commands, MCIM %s", i, pulled,
			 B->agent.mcim_state);
	snprintf(snn, sizeof(snn), "5G:mnc%03d.mcc%.3s.3gppnetwork.org", atoi(plmn + 3),
		 plmn);
	check(m2me_attach(&B->agent, snn), "attach", i);
	m2me_free(&B->agent);
	mcim_tre_close(&B->tre);
	mcim_wipe(&B->dev, sizeof(B->dev));
}

/* ---- the floor: each needed operation timed through mcim_p256_* ---- */

struct op_in {
	struct mcim_p256_priv priv, peer_priv;
	struct mcim_p256_pub pub, peer;
	uint8_t msg[256], sig[MCIM_P256_SIG_LEN];
};

static int op_once(enum opcount_kind k, struct op_in *in)
{
	struct mcim_p256_priv priv;
	struct mcim_p256_pub pub;
	uint8_t sig[MCIM_P256_SIG_LEN], z[MCIM_P256_ECDH_LEN];
	mcim_err e;

	switch (k) {
	case OPCOUNT_SIGN:
		e = mcim_p256_sign(&in->priv, in->msg, sizeof(in->msg), sig);
		break;
	case OPCOUNT_VERIFY:
		e = mcim_p256_verify(&in->pub, in->msg, sizeof(in->msg), in->sig);
		break;
	case OPCOUNT_KEYGEN:
		e = mcim_p256_keygen(&priv, &pub);
		mcim_p256_priv_wipe(&priv);
		break;
	default:
		e = mcim_p256_ecdh(&in->priv, &in->peer, z);
		mcim_wipe(z, sizeof(z));
		break;
	}
	return e == MCIM_OK;
}

/* Microseconds of this thread's CPU per operation: the best of OP_BATCHES. */
static double op_us(enum opcount_kind k, struct op_in *in)
{
	double best = 1e9;

	for (int b = 0; b < OP_BATCHES; b++) {
		double t0 = now_s(CLOCK_THREAD_CPUTIME_ID), t;
		unsigned long calls = 0;

		do {
			for (int i = 0; i < 16; i++)
				assert_true(op_once(k, in));
			calls += 16;
			t = now_s(CLOCK_THREAD_CPUTIME_ID) - t0;
		} while (t < OP_SECONDS);
		if (t / (double)calls * 1e6 < best)
			best = t / (double)calls * 1e6;
	}
	return best;
}

static void time_ops(double us[OPCOUNT_KINDS])
{
	struct op_in in;

	assert_int_equal(mcim_p256_keygen(&in.priv, &in.pub), MCIM_OK);
	assert_int_equal(mcim_p256_keygen(&in.peer_priv, &in.peer), MCIM_OK);
	assert_int_equal(mcim_rng_fill(mcim_rng_system(), in.msg, sizeof(in.msg)),
			 MCIM_OK);
	assert_int_equal(mcim_p256_sign(&in.priv, in.msg, sizeof(in.msg), in.sig),
			 MCIM_OK);
	/* Signed as mcimd signs: with its keys kept imported. */
	mcim_p256_keep_signing_keys(true);
	for (int k = 0; k < OPCOUNT_KINDS; k++)
		us[k] = op_us((enum opcount_kind)k, &in);
	mcim_p256_keep_signing_keys(false);
	mcim_p256_priv_wipe(&in.priv);
	mcim_p256_priv_wipe(&in.peer_priv);
}

/* ---- the benchmark ---- */

static void counts_now(uint64_t c[OPCOUNT_KINDS])
{
	for (int k = 0; k < OPCOUNT_KINDS; k++)
		c[k] = B->counts != NULL ? atomic_load(&B->counts[k]) : 0;
}

static void dirs(void)
{
	const char *tmp = getenv("TMPDIR");
	const char *bin = getenv("MCIM_BIN_DIR");
	char self[PATH_LEN];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *slash;

	assert_true(n > 0);
	self[n] = '\0';
	slash = strrchr(self, '/');
	assert_non_null(slash);
	*slash = '\0';
	snprintf(B->preload, sizeof(B->preload), "%.400s/prov_bench_opcount.so", self);
	if (bin != NULL)
		snprintf(B->mcimd, sizeof(B->mcimd), "%.400s/mcimd", bin);
	else
		snprintf(B->mcimd, sizeof(B->mcimd), "%.400s/../bin/mcimd", self);
	assert_int_equal(access(B->mcimd, X_OK), 0);

	snprintf(B->root, sizeof(B->root), "%.128s/mcim-provbench-XXXXXX",
		 tmp != NULL ? tmp : "/tmp");
	assert_non_null(mkdtemp(B->root));
	snprintf(B->devroot, sizeof(B->devroot), "/dev/shm/mcim-provbench-XXXXXX");
	if (mkdtemp(B->devroot) == NULL) {
		snprintf(B->devroot, sizeof(B->devroot), "%.200s/devices", B->root);
		assert_int_equal(mkdir(B->devroot, 0700), 0);
	}
	snprintf(B->pki, sizeof(B->pki), "%s/pki", B->root);
	snprintf(B->cfg, sizeof(B->cfg), "%s/mcimd.json", B->root);
	snprintf(B->db, sizeof(B->db), "%s/mcimd.db", B->root);
	snprintf(B->port_file, sizeof(B->port_file), "%s/mcimd.port", B->root);
	snprintf(B->log, sizeof(B->log), "%s/mcimd.log", B->root);
	snprintf(B->counts_path, sizeof(B->counts_path), "%s/opcounts", B->root);
}

/* What one run measured, and what follows from it. */
struct figures {
	double cpu_s, wall_s;	    /* the measured phase */
	double us[OPCOUNT_KINDS];   /* one operation in this process */
	double need[OPCOUNT_KINDS]; /* per provisioning, needed[] */
	double done[OPCOUNT_KINDS]; /* per provisioning, counted in mcimd */
	double server_us, floor_us, did_us, ratio; /* per provisioning */
	double exchanges, exchange_us, write_us, plumbing_us, ceiling;
	int counted, exact;
};

static void derive(struct figures *f)
{
	f->exact = f->counted;
	for (size_t i = 0; i < N_NEEDED; i++)
		f->need[needed[i].kind] += 1;
	f->server_us = f->cpu_s / B->n * 1e6;
	for (int k = 0; k < OPCOUNT_KINDS; k++) {
		f->floor_us += f->need[k] * f->us[k];
		f->did_us += f->done[k] * f->us[k];
		if (f->done[k] != f->need[k])
			f->exact = 0;
	}
	f->ratio = f->floor_us / f->server_us;
	f->plumbing_us = f->exchanges * f->exchange_us + N_STATE_CHANGES * f->write_us;
	f->ceiling = f->floor_us / (f->floor_us + f->plumbing_us);
}

static void report(const struct figures *f)
{
	printf("# provisioning through mcimd (all roles, SQLite WAL, %s): %u devices, "
	       "each ICF attach, DRF discover, PVA challenge + evidence, DPF M1, M3, "
	       "receipt, SHO activate, command pull + result, 5G attach\n",
	       B->db, B->n);
	printf("# server CPU %.3f s (user+system of mcimd), wall %.2f s: %.0f "
	       "us/provisioning, %.0f provisionings/s of server CPU\n",
	       f->cpu_s, f->wall_s, f->server_us, 1e6 / f->server_us);
	printf("# P-256 in this process through mcim_p256_* (OpenSSL %s): sign %.1f us, "
	       "verify %.1f us, keygen %.1f us, ecdh %.1f us\n",
	       OpenSSL_version(OPENSSL_VERSION_STRING), f->us[0], f->us[1], f->us[2],
	       f->us[3]);
	printf("# needed per provisioning (docs/bench.md):");
	for (int k = 0; k < OPCOUNT_KINDS; k++)
		printf(" %s %.0f", kind_names[k], f->need[k]);
	printf(" -> floor %.0f us\n", f->floor_us);
	if (f->counted) {
		printf("# done by mcimd per provisioning (counted at OpenSSL):");
		for (int k = 0; k < OPCOUNT_KINDS; k++)
			printf(" %s %.2f", kind_names[k], f->done[k]);
		printf(" -> %.0f us of public-key work, %.0f us of the rest; %s\n",
		       f->did_us, f->server_us - f->did_us,
		       f->exact ? "exactly the needed operations"
				: "NOT the needed operations");
	} else {
		printf("# %s not found: the operations mcimd did were not counted\n",
		       B->preload);
	}
	printf("# plumbing: %.1f HTTP exchanges per provisioning (mcimd's request "
	       "counters) at %.1f us of server CPU each (a keep-alive GET /healthz, one "
	       "store read), %d state changes at %.1f us each (the cheapest durable "
	       "write: one row, one transaction) -> %.0f us (%.0f%% of the floor): "
	       "no daemon on this HTTP and store can pass a ratio of %.3f here\n",
	       f->exchanges, f->exchange_us, N_STATE_CHANGES, f->write_us, f->plumbing_us,
	       f->plumbing_us / f->floor_us * 100, f->ceiling);
	printf("# ratio floor / server CPU = %.3f; goal >= %.1f: %s\n", f->ratio,
	       GOAL_RATIO, f->ratio >= GOAL_RATIO ? "met" : "missed");
	printf("{\"suite\":\"prov\",\"devices\":%u,\"server_cpu_s\":%.4f,\"wall_s\":%.3f,"
	       "\"server_us_per_prov\":%.1f,\"prov_per_server_cpu_s\":%.1f,"
	       "\"floor_us\":%.1f,\"ratio\":%.4f,\"goal\":%.1f,\"sign_us\":%.2f,"
	       "\"verify_us\":%.2f,\"keygen_us\":%.2f,\"ecdh_us\":%.2f,",
	       B->n, f->cpu_s, f->wall_s, f->server_us, 1e6 / f->server_us, f->floor_us,
	       f->ratio, GOAL_RATIO, f->us[0], f->us[1], f->us[2], f->us[3]);
	printf("\"exchanges\":%.2f,\"exchange_us\":%.2f,\"state_changes\":%d,"
	       "\"store_write_us\":%.2f,\"ceiling\":%.4f,",
	       f->exchanges, f->exchange_us, N_STATE_CHANGES, f->write_us, f->ceiling);
	printf(
	    "\"needed\":{\"sign\":%.0f,\"verify\":%.0f,\"keygen\":%.0f,\"ecdh\":%.0f},",
	    f->need[0], f->need[1], f->need[2], f->need[3]);
	if (f->counted)
		printf("\"done\":{\"sign\":%.3f,\"verify\":%.3f,\"keygen\":%.3f,"
		       "\"ecdh\":%.3f}}\n",
		       f->done[0], f->done[1], f->done[2], f->done[3]);
	else
		printf("\"done\":null}\n");
}

/* Set-up, then the N measured provisionings, then the plumbing's prices. */
static void measure(struct figures *f)
{
	struct tool_pki_opts po = {0};
	char err[TOOL_PKI_ERR_MAX];
	uint64_t c0[OPCOUNT_KINDS], c1[OPCOUNT_KINDS];
	double cpu0, wall0, req0;
	pid_t perf;

	dirs();
	po.now = time(NULL);
	if (tool_pki_init(B->pki, &po, err) != MCIM_OK)
		fail_msg("pki: %s", err);
	write_config();
	manufacture();
	start_mcimd();
	B->op = curl_easy_init();
	assert_non_null(B->op);
	register_all();
	provision(0);

	req0 = requests_answered();
	perf = perf_start();
	counts_now(c0);
	cpu0 = now_s(B->clk);
	wall0 = now_s(CLOCK_MONOTONIC);
	for (unsigned i = 1; i <= B->n; i++)
		provision(i);
	f->wall_s = now_s(CLOCK_MONOTONIC) - wall0;
	f->cpu_s = now_s(B->clk) - cpu0;
	counts_now(c1);
	perf_stop(perf);
	f->counted = B->counts != NULL;
	for (int k = 0; k < OPCOUNT_KINDS; k++)
		f->done[k] = (double)(c1[k] - c0[k]) / B->n;
	/* The first count's own request is answered after it was rendered. */
	f->exchanges = (requests_answered() - req0 - 1) / B->n;
	f->exchange_us = exchange_us();
	f->write_us = store_write_us();
	curl_easy_cleanup(B->op);
	B->op = NULL;
	stop_mcimd();
	time_ops(f->us);
}

static void provisioning_bench(void **state)
{
	struct figures f;

	(void)state;
	memset(&f, 0, sizeof(f));
	B->n = env_uint("MCIM_BENCH_DEVICES", N_DEFAULT, N_MAX);
	B->devs = calloc(B->n + 1, sizeof(*B->devs));
	assert_non_null(B->devs);
	measure(&f);
	derive(&f);
	report(&f);
	if (getenv("MCIM_BENCH_STRICT") != NULL) {
		assert_true(f.counted);
		assert_true(f.exact);
	}
}

static int setup(void **state)
{
	(void)state;
	B = calloc(1, sizeof(*B));
	if (B == NULL)
		return -1;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	if (B->pid > 0) {
		kill(B->pid, SIGTERM);
		waitpid(B->pid, NULL, 0);
	}
	if (B->op != NULL)
		curl_easy_cleanup(B->op);
	if (B->counts != NULL)
		munmap((void *)B->counts, OPCOUNT_FILE_LEN);
	if (B->root[0] != '\0')
		rm_rf(B->root);
	if (B->devroot[0] != '\0')
		rm_rf(B->devroot);
	free(B->devs);
	mcim_wipe(B, sizeof(*B));
	free(B);
	curl_global_cleanup();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(provisioning_bench),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
