/*
 * The TRE's cost on a device (issue 3, "Footprint"): latency of its three hot
 * operations through the command interface, mcim_tre_open (backend, sealed store,
 * audit log, secure boot of the components), attest (remote evidence over a fresh
 * nonce) and aka (3G, for an installed and activated MCIM, against the AuC of
 * mcim/auth.h), and the live OpenSSL heap while they run.
 *
 * A device is manufactured the way `mcim device init` does it (a demo PKI, then
 * tool_device_init), an MCIM package from the PKI's DPF is installed and its SHO's
 * signed command activates it. The MCIM's K and OP are fixed (tool/session.h), so that
 * a later process can play the AuC for a device made earlier (--make-device, then
 * --device, or `mcim-tre session`): the AuC's SEQ is kept beside the device. The
 * struct mcim_tre is static storage, as on a device, so that it is not counted as
 * heap.
 *
 * Timing counts only the mcim_tre_open / mcim_tre_call itself: requests (and the
 * AuC's challenges) are built before the clock starts, responses checked after it
 * stops. Each figure has wall time (the sealed store's fsyncs included) and this
 * thread's CPU time.
 *
 * OpenSSL's heap is counted by allocation functions given to CRYPTO_set_mem_functions
 * (a size header on each block), which OpenSSL accepts only before its first
 * allocation: in the suite mode it is the first thing done, and the figure reads "not
 * counted" when something allocated earlier. The --op modes leave OpenSSL's allocator
 * alone, so that valgrind (scripts/bench-footprint.sh) sees the allocations as a
 * device makes them; docs/bench.md says which figure the goals are judged on.
 */
#include <dirent.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "bench.h"
#include "mcim/auth.h"
#include "mcim/bytes.h"
#include "mcim/mgmt.h"
#include "mcim/profile.h"
#include "mcim/tre.h"
#include "tool/device.h"
#include "tool/pki.h"
#include "tool/session.h"

#define DPF	   "sho1-dpf"
#define SHO_MGMT   "sho1-mgmt"
#define SHO	   "00101"
#define PATH_CAP   (MCIM_TRE_PATH_MAX + 1)
#define MIN_ROUNDS 5 /* timed operations per figure, whatever the time */

enum op { OP_OPEN, OP_ATTEST, OP_AKA, OP_FULL, OP_N };

static const char *const op_names[OP_N] = {"open", "attest", "aka", "full"};

/* ---- OpenSSL's heap, counted ---- */

union heap_hdr {
	size_t n;
	max_align_t align;
};

static struct {
	int on;
	size_t live, peak, calls;
} heap;

static void heap_add(size_t n)
{
	heap.live += n;
	heap.calls++;
	if (heap.live > heap.peak)
		heap.peak = heap.live;
}

static void *heap_malloc(size_t n, const char *file, int line)
{
	union heap_hdr *h = malloc(sizeof(*h) + n);

	(void)file;
	(void)line;
	if (h == NULL)
		return NULL;
	h->n = n;
	heap_add(n);
	return h + 1;
}

static void heap_free(void *p, const char *file, int line)
{
	union heap_hdr *h;

	(void)file;
	(void)line;
	if (p == NULL)
		return;
	h = (union heap_hdr *)p - 1;
	heap.live -= h->n;
	free(h);
}

static void *heap_realloc(void *p, size_t n, const char *file, int line)
{
	union heap_hdr *h, *g;
	size_t old;

	if (p == NULL)
		return heap_malloc(n, file, line);
	if (n == 0) {
		heap_free(p, file, line);
		return NULL;
	}
	h = (union heap_hdr *)p - 1;
	old = h->n;
	g = realloc(h, sizeof(*g) + n);
	if (g == NULL)
		return NULL;
	g->n = n;
	heap.live -= old;
	heap_add(n);
	return g + 1;
}

static void heap_phase_begin(void)
{
	heap.peak = heap.live;
}

/* ---- the bench's device ---- */

struct tre_bench {
	char root[PATH_CAP]; /* our temp directory, removed at the end ("" if none) */
	char dir[PATH_CAP];  /* the device */
	struct tool_device dev;
	struct tool_session_auc auc;
	uint8_t req[MCIM_TRE_MSG_MAX], resp[MCIM_TRE_MSG_MAX];
	size_t req_len, resp_len;
	struct tool_tre_resp r;
	struct mcim_auth_vector av;
};

static struct mcim_tre tre_storage;
static struct tre_bench tb;

/* The bench's MCIM: the session's credential, the rest for this device. */
static void bench_profile(struct mcim_profile *p, const struct tool_pki_entity *mgmt)
{
	memset(p, 0, sizeof(*p));
	memset(p->id, 0xb7, sizeof(p->id));
	p->version = 1;
	snprintf(p->sho, sizeof(p->sho), "%s", SHO);
	snprintf(p->imsi, sizeof(p->imsi), "%s%010u", SHO, 4242u);
	tool_session_mcim(p);
	mcim_policy_default(&p->policy);
	memcpy(p->mgmt_cert, mgmt->der, mgmt->der_len);
	p->mgmt_cert_len = mgmt->der_len;
}

static int path_join(char out[PATH_CAP], const char *a, const char *b)
{
	return tool_path_join(out, PATH_CAP, a, b) == MCIM_OK ? 0 : -1;
}

/* Removes a tree of our own making (plain files and directories). */
static void rm_tree(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	char sub[PATH_CAP];

	if (d == NULL) {
		(void)unlink(path);
		return;
	}
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (path_join(sub, path, e->d_name) == 0)
			rm_tree(sub);
	}
	closedir(d);
	(void)rmdir(path);
}

static int fail(const char *what, mcim_err err, const char *detail)
{
	fprintf(stderr, "mcim bench tre: %s: %s%s%s\n", what, mcim_err_name(err),
		detail != NULL ? ": " : "", detail != NULL ? detail : "");
	return 1;
}

/* Builds tb.req; the arguments as tool_tre_request takes them. */
static mcim_err request(const char *cmd, const struct tool_tre_arg *a, size_t n)
{
	return tool_tre_request(cmd, a, n, tb.req, sizeof(tb.req), &tb.req_len);
}

/* Reads tb.resp into tb.r; the command's status. */
static mcim_err response(void)
{
	mcim_err err = tool_tre_response(tb.resp, tb.resp_len, &tb.r);

	return err != MCIM_OK ? err : tb.r.status;
}

static mcim_err call(void)
{
	mcim_err err = mcim_tre_call(&tre_storage, tb.req, tb.req_len, tb.resp,
				     sizeof(tb.resp), &tb.resp_len);

	return err != MCIM_OK ? err : response();
}

static mcim_err tre_open(void)
{
	mcim_err err = mcim_tre_open(&tre_storage, &tb.dev.cfg);

	if (err == MCIM_OK && mcim_tre_state(&tre_storage, NULL) != MCIM_TRE_READY) {
		mcim_tre_close(&tre_storage);
		err = MCIM_ERR_STATE;
	}
	return err;
}

/* Installs the bench's MCIM from the DPF's package and has its SHO activate it. */
static int provision(struct tool_pki *pki)
{
	const struct tool_pki_entity *mgmt = tool_pki_find(pki, SHO_MGMT);
	static struct mcim_profile p;
	static uint8_t pkg[MCIM_TRE_MSG_MAX];
	struct mcim_p256_priv key;
	struct mcim_p256_pub ka;
	struct mcim_iov chain[4];
	struct mcim_mgmt m;
	uint8_t cmd[MCIM_MGMT_SIGNED_MAX];
	const uint8_t *d;
	size_t n, len, cmd_len;
	mcim_err err;

	if (mgmt == NULL)
		return fail("provision", MCIM_ERR_NOT_FOUND, SHO_MGMT);
	memset(&m, 0, sizeof(m));
	err = request("identity", NULL, 0);
	if (err == MCIM_OK)
		err = call();
	if (err == MCIM_OK)
		err = tool_cbor_get_bstr(tb.r.result, tb.r.result_len, "tre_id", &d, &n);
	if (err == MCIM_OK && n == sizeof(m.tre_id))
		memcpy(m.tre_id, d, n);
	if (err == MCIM_OK)
		err = tool_cbor_get_bstr(tb.r.result, tb.r.result_len, "ka_pub", &d, &n);
	if (err == MCIM_OK && n == sizeof(ka.q))
		memcpy(ka.q, d, n);
	if (err != MCIM_OK)
		return fail("identity", err, NULL);

	bench_profile(&p, mgmt);
	err = tool_pki_key(pki, DPF, &key);
	if (err == MCIM_OK)
		err = tool_pki_chain(pki, DPF, 0, chain, 4, &n);
	if (err == MCIM_OK)
		err = tool_dl_package(&p, m.tre_id, &ka, &key, chain, n, pkg, sizeof(pkg),
				      &len);
	mcim_p256_priv_wipe(&key);
	memcpy(m.mcim_id, p.id, sizeof(m.mcim_id));
	mcim_profile_wipe(&p);
	if (err == MCIM_OK) {
		const struct tool_tre_arg a = {"package", TOOL_ARG_BSTR, pkg, len, 0};

		err = request("install", &a, 1);
	}
	if (err == MCIM_OK)
		err = call();
	if (err != MCIM_OK)
		return fail("install", err, NULL);

	m.counter = 1;
	m.cmd = MCIM_MGMT_ACTIVATE;
	err = tool_pki_key(pki, SHO_MGMT, &key);
	if (err == MCIM_OK)
		err = mcim_mgmt_sign(&m, &key, cmd, sizeof(cmd), &cmd_len);
	mcim_p256_priv_wipe(&key);
	if (err == MCIM_OK) {
		const struct tool_tre_arg a = {"command", TOOL_ARG_BSTR, cmd, cmd_len, 0};

		err = request("mgmt", &a, 1);
	}
	if (err == MCIM_OK)
		err = call();
	return err == MCIM_OK ? 0 : fail("activate", err, NULL);
}

/* A device with an active MCIM in dir (which must not exist), and the AuC's file. */
static int make_device(const char *dir, const char *pki_dir)
{
	struct tool_pki_opts po = {0};
	struct tool_device_opts o = {0};
	struct tool_device_made made;
	static struct tool_pki pki;
	char err_msg[TOOL_PKI_ERR_MAX > TOOL_DEVICE_ERR_MAX ? TOOL_PKI_ERR_MAX
							    : TOOL_DEVICE_ERR_MAX];
	mcim_err err;
	int rc;

	po.now = time(NULL);
	err = tool_pki_init(pki_dir, &po, err_msg);
	if (err != MCIM_OK)
		return fail("pki init", err, err_msg);
	o.pki_dir = pki_dir;
	o.backend = MCIM_CERT_BACKEND_SOFT;
	o.now = time(NULL);
	err = tool_device_init(dir, &o, &made, err_msg);
	if (err != MCIM_OK)
		return fail("device init", err, err_msg);
	snprintf(tb.dir, sizeof(tb.dir), "%s", dir);
	err = tool_device_load(dir, &tb.dev, err_msg);
	if (err != MCIM_OK)
		return fail("device load", err, err_msg);
	err = tool_pki_load(pki_dir, &pki);
	if (err != MCIM_OK) {
		tool_pki_free(&pki);
		return fail("pki load", err, pki.err);
	}
	err = tre_open();
	if (err != MCIM_OK) {
		tool_pki_free(&pki);
		return fail("open", err, dir);
	}
	rc = provision(&pki);
	mcim_tre_close(&tre_storage);
	tool_pki_free(&pki);
	if (rc == 0 && (tool_session_auc_init(&tb.auc, 0) != MCIM_OK ||
			tool_session_auc_save(&tb.auc, tb.dir) != MCIM_OK))
		rc = fail("AuC state", MCIM_ERR_IO, dir);
	tool_session_auc_wipe(&tb.auc);
	return rc;
}

/* ---- the measured operations ---- */

struct figure {
	unsigned long n;
	double wall, cpu; /* seconds, summed over the n operations */
	size_t heap_peak; /* live OpenSSL heap at its highest, octets */
};

static double clock_s(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct stamp {
	double wall, cpu;
};

static struct stamp stamp_now(void)
{
	struct stamp s = {clock_s(CLOCK_MONOTONIC), clock_s(CLOCK_THREAD_CPUTIME_ID)};

	return s;
}

static void figure_add(struct figure *f, struct stamp s)
{
	struct stamp e = stamp_now();

	f->n++;
	f->wall += e.wall - s.wall;
	f->cpu += e.cpu - s.cpu;
}

static mcim_err one_open(struct figure *f)
{
	struct stamp s;
	mcim_err err;

	mcim_tre_close(&tre_storage);
	s = stamp_now();
	err = tre_open();
	figure_add(f, s);
	return err;
}

/* The prepared request tb.req through the TRE, timed. */
static mcim_err timed_call(struct figure *f)
{
	struct stamp s = stamp_now();
	mcim_err err = mcim_tre_call(&tre_storage, tb.req, tb.req_len, tb.resp,
				     sizeof(tb.resp), &tb.resp_len);

	figure_add(f, s);
	return err;
}

static mcim_err one_attest(struct figure *f)
{
	mcim_err err = tool_session_attest_req(tb.req, sizeof(tb.req), &tb.req_len);

	if (err == MCIM_OK)
		err = timed_call(f);
	return err != MCIM_OK ? err : tool_session_attest_check(tb.resp, tb.resp_len);
}

static mcim_err one_aka(struct figure *f)
{
	mcim_err err =
	    tool_session_aka_req(&tb.auc, &tb.av, tb.req, sizeof(tb.req), &tb.req_len);

	if (err == MCIM_OK)
		err = timed_call(f);
	if (err == MCIM_OK)
		err = tool_session_aka_check(&tb.av, tb.resp, tb.resp_len);
	mcim_auth_vector_wipe(&tb.av);
	return err;
}

/* Runs op iterations times, or (iterations 0) for opts->seconds of wall time and at
 * least MIN_ROUNDS times. The TRE is open before and after. */
static mcim_err run(enum op op, unsigned long iterations, const struct bench_opts *opts,
		    struct figure *f)
{
	double end = clock_s(CLOCK_MONOTONIC) + opts->seconds;
	struct figure unused = {0};
	mcim_err err = MCIM_OK;

	memset(f, 0, sizeof(*f));
	heap_phase_begin();
	for (unsigned long i = 0; err == MCIM_OK; i++) {
		if (iterations != 0 ? i >= iterations
				    : i >= MIN_ROUNDS && clock_s(CLOCK_MONOTONIC) > end)
			break;
		switch (op) {
		case OP_OPEN:
			err = one_open(f);
			break;
		case OP_ATTEST:
			err = one_attest(f);
			break;
		case OP_AKA:
			err = one_aka(f);
			break;
		case OP_FULL:
			/* boot + attestation + AKA: one device session, timed whole */
			err = one_open(f);
			if (err == MCIM_OK)
				err = one_attest(&unused);
			if (err == MCIM_OK)
				err = one_aka(&unused);
			f->wall += unused.wall;
			f->cpu += unused.cpu;
			unused = (struct figure){0};
			break;
		case OP_N:
			break;
		}
	}
	f->heap_peak = heap.peak;
	return err;
}

/* ---- set-up and the two front ends ---- */

/* The device: dir as given (made earlier with --make-device), or a new one in a
 * temp directory. Then the AuC and the TRE, open. */
static int setup(const char *device)
{
	char err_msg[TOOL_DEVICE_ERR_MAX], pki[PATH_CAP], dev[PATH_CAP];
	const char *tmp = getenv("TMPDIR");
	mcim_err err;

	memset(&tb, 0, sizeof(tb));
	if (device == NULL) {
		int n = snprintf(tb.root, sizeof(tb.root), "%s/mcim-bench-tre-XXXXXX",
				 tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");

		if (n <= 0 || n >= (int)sizeof(tb.root) || mkdtemp(tb.root) == NULL) {
			tb.root[0] = '\0';
			return fail("temp dir", MCIM_ERR_IO, strerror(errno));
		}
		if (path_join(pki, tb.root, "pki") != 0 ||
		    path_join(dev, tb.root, "dev") != 0)
			return fail("temp dir", MCIM_ERR_INVALID_ARG, tb.root);
		if (make_device(dev, pki) != 0)
			return 1;
		device = dev;
	}
	snprintf(tb.dir, sizeof(tb.dir), "%s", device);
	err = tool_device_load(tb.dir, &tb.dev, err_msg);
	if (err != MCIM_OK)
		return fail("device load", err, err_msg);
	err = tool_session_auc_load(&tb.auc, tb.dir);
	if (err != MCIM_OK)
		return fail("AuC state", err, TOOL_SESSION_AUC_FILE);
	err = tre_open();
	return err == MCIM_OK ? 0 : fail("open", err, tb.dir);
}

static int teardown(int rc)
{
	mcim_tre_close(&tre_storage);
	if (tb.dir[0] != '\0' && tb.root[0] == '\0' &&
	    tool_session_auc_save(&tb.auc, tb.dir) != MCIM_OK)
		rc = fail("AuC state", MCIM_ERR_IO, tb.dir);
	tool_session_auc_wipe(&tb.auc);
	mcim_wipe(&tb.dev, sizeof(tb.dev));
	if (tb.root[0] != '\0')
		rm_tree(tb.root);
	return rc;
}

static void print_figure(FILE *out, const char *what, const struct figure *f)
{
	fprintf(out, "  %-40s %9.3f ms wall %9.1f us CPU   (%lu runs)\n", what,
		f->wall * 1e3 / (double)f->n, f->cpu * 1e6 / (double)f->n, f->n);
}

static void print_heap(FILE *out, const char *what, const struct figure *f)
{
	if (heap.on)
		fprintf(out, "  %-40s %9.1f KiB\n", what, (double)f->heap_peak / 1024);
}

static void json_figure(FILE *out, const char *name, const struct figure *f)
{
	fprintf(out, ", \"%s_ms\": %.4f, \"%s_cpu_us\": %.2f, \"%s_runs\": %lu", name,
		f->wall * 1e3 / (double)f->n, name, f->cpu * 1e6 / (double)f->n, name,
		f->n);
	if (heap.on)
		fprintf(out, ", \"%s_openssl_heap_peak_b\": %zu", name, f->heap_peak);
}

int bench_tre(const struct bench_opts *opts, FILE *out)
{
	struct figure f[3];
	mcim_err err = MCIM_OK;
	int rc, i;

	heap.on = CRYPTO_set_mem_functions(heap_malloc, heap_realloc, heap_free) == 1;
	rc = setup(NULL);
	for (i = OP_OPEN; rc == 0 && i <= OP_AKA; i++) {
		err = run((enum op)i, 0, opts, &f[i]);
		if (err != MCIM_OK) {
			rc = fail(op_names[i], err, "a measured operation failed");
			break;
		}
	}
	rc = teardown(rc);
	if (rc != 0)
		return rc;
	if (opts->json) {
		fprintf(out, "{\"suite\": \"tre\"");
		for (i = OP_OPEN; i <= OP_AKA; i++)
			json_figure(out, op_names[i], &f[i]);
		fprintf(out, ", \"openssl_heap_counted\": %s}\n",
			heap.on ? "true" : "false");
		return 0;
	}
	fprintf(out, "TRE through its command interface (soft backend, one core)\n");
	print_figure(out, "open: store, audit log, boot of 3 comp.", &f[OP_OPEN]);
	print_figure(out, "attest (remote evidence, signed)", &f[OP_ATTEST]);
	print_figure(out, "aka (3G, SQN state committed)", &f[OP_AKA]);
	if (!heap.on) {
		fprintf(out, "  OpenSSL heap: not counted (OpenSSL allocated earlier)\n");
		return 0;
	}
	fprintf(out, "  live OpenSSL heap at its peak, during:\n");
	print_heap(out, "  open", &f[OP_OPEN]);
	print_heap(out, "  attest", &f[OP_ATTEST]);
	print_heap(out, "  aka", &f[OP_AKA]);
	fprintf(out, "  (the whole process's heap, goal < 128 KiB: "
		     "scripts/bench-footprint.sh)\n");
	return 0;
}

static int usage(FILE *to)
{
	fprintf(to, "usage: mcim bench tre [--json] [--seconds S]\n"
		    "       mcim bench tre --op open|attest|aka|full --iterations N "
		    "[--device D] [--json]\n"
		    "       mcim bench tre --make-device D\n"
		    "  Latency of the TRE's open (with secure boot), attest and aka on a "
		    "device\n"
		    "  manufactured in a temp directory. --op runs one kind N times (for "
		    "valgrind);\n"
		    "  --device reuses a device --make-device made (D must not exist "
		    "before).\n");
	return to == stdout ? 0 : 2;
}

static int parse_op(const char *s, enum op *op)
{
	for (int i = 0; i < OP_N; i++)
		if (strcmp(s, op_names[i]) == 0) {
			*op = (enum op)i;
			return 0;
		}
	return -1;
}

static int make_device_cmd(const char *dir)
{
	char pki[PATH_CAP], dev[PATH_CAP];
	int rc;

	memset(&tb, 0, sizeof(tb));
	if (strlen(dir) > MCIM_TRE_PATH_MAX / 2 || path_join(pki, dir, "pki") != 0 ||
	    path_join(dev, dir, "dev") != 0)
		return fail("make device", MCIM_ERR_INVALID_ARG, dir);
	if (mkdir(dir, 0700) != 0)
		return fail("make device",
			    errno == EEXIST ? MCIM_ERR_EXISTS : MCIM_ERR_IO,
			    strerror(errno));
	rc = make_device(dev, pki);
	mcim_wipe(&tb.dev, sizeof(tb.dev));
	if (rc == 0)
		printf("%s/dev\n", dir);
	return rc;
}

int bench_tre_main(int argc, char **argv)
{
	static char out_buf[BUFSIZ]; /* stdout's buffer: not heap, which is measured */
	struct bench_opts opts = {1.0, 0};
	const char *device = NULL, *make = NULL;
	unsigned long iterations = 0;
	enum op op = OP_N;
	struct figure f;
	mcim_err err;
	int rc;

	setvbuf(stdout, out_buf, _IOFBF, sizeof(out_buf));
	for (int i = 1; i < argc; i++) {
		char *end = NULL;

		if (strcmp(argv[i], "--json") == 0) {
			opts.json = 1;
		} else if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc) {
			opts.seconds = strtod(argv[++i], &end);
			if (*end != '\0' || opts.seconds <= 0 || opts.seconds > 600)
				return usage(stderr);
		} else if (strcmp(argv[i], "--op") == 0 && i + 1 < argc) {
			if (parse_op(argv[++i], &op) != 0)
				return usage(stderr);
		} else if (strcmp(argv[i], "--iterations") == 0 && i + 1 < argc) {
			iterations = strtoul(argv[++i], &end, 10);
			if (*end != '\0' || iterations == 0 || iterations > 1000000)
				return usage(stderr);
		} else if (strcmp(argv[i], "--device") == 0 && i + 1 < argc) {
			device = argv[++i];
		} else if (strcmp(argv[i], "--make-device") == 0 && i + 1 < argc) {
			make = argv[++i];
		} else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			return usage(stdout);
		} else {
			return usage(stderr);
		}
	}
	if (make != NULL)
		return op == OP_N && device == NULL && iterations == 0
			   ? make_device_cmd(make)
			   : usage(stderr);
	if (op == OP_N)
		return device == NULL && iterations == 0 ? bench_tre(&opts, stdout)
							 : usage(stderr);
	if (iterations == 0)
		return usage(stderr);
	rc = setup(device);
	err = rc == 0 ? run(op, iterations, &opts, &f) : MCIM_OK;
	if (err != MCIM_OK)
		rc = fail(op_names[op], err, NULL);
	rc = teardown(rc);
	if (rc != 0)
		return rc;
	if (opts.json)
		printf(
		    "{\"suite\": \"tre\", \"op\": \"%s\", \"iterations\": %lu, \"ms\": "
		    "%.4f, \"cpu_us\": %.2f}\n",
		    op_names[op], f.n, f.wall * 1e3 / (double)f.n,
		    f.cpu * 1e6 / (double)f.n);
	else
		print_figure(stdout, op_names[op], &f);
	return 0;
}
