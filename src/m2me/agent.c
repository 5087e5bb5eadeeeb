/*
 * The device agent (m2me/agent.h): each protocol step is a few HTTP exchanges with a
 * network function and TRE commands in between, the network's octets passed to
 * the TRE and the TRE's back unchanged. HTTP goes through one libcurl easy handle
 * per agent (connections reused), bodies into fixed buffers; a body longer than the
 * protocol's largest message is refused (MCIM_ERR_TOO_LARGE) rather than cut.
 */
#include "m2me/agent.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <curl/curl.h>

#include "mcim/bytes.h"
#include "mcim/cbor.h"
#include "mcim/cose.h"
#include "tool/device.h"

/* Resynchronisations (AUTS, then a fresh challenge) before giving up. */
#define AUTS_ROUNDS 2
/* Tamper reports read from the TRE in one relay (its queue holds fewer). */
#define TAMPER_READ_MAX (4 * MCIM_PROTO_TAMPER_REPORTS_MAX)

static void step(struct m2me *a, const char *name, mcim_err err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void step(struct m2me *a, const char *name, mcim_err err, const char *fmt, ...)
{
	char detail[256];
	va_list ap;

	if (a->cfg.on_step == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	a->cfg.on_step(a->cfg.ctx, name, err, detail);
}

static bool url_ok(const char *u)
{
	return u != NULL && strlen(u) <= M2ME_URL_MAX &&
	       (strncmp(u, "http://", 7) == 0 || strncmp(u, "https://", 8) == 0);
}

/* Copies a base URL without its trailing slashes. */
static void set_url(char dst[M2ME_URL_MAX + 1], const char *src)
{
	size_t n = strlen(src);

	while (n > 0 && src[n - 1] == '/')
		n--;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

mcim_err m2me_init(struct m2me *a, const struct m2me_config *cfg, struct mcim_tre *tre,
		   struct mcim_tre_client *client)
{
	assert(a != NULL && cfg != NULL && (tre == NULL) != (client == NULL));
	memset(a, 0, sizeof(*a));
	if (!url_ok(cfg->icf_url) || !url_ok(cfg->drf_url) ||
	    (cfg->auc_url != NULL && !url_ok(cfg->auc_url)) ||
	    cfg->retries > M2ME_RETRIES_MAX || cfg->timeout_ms < 0 ||
	    (cfg->ca_file != NULL &&
	     (cfg->ca_file[0] == '\0' || strlen(cfg->ca_file) > M2ME_PATH_MAX)))
		return MCIM_ERR_INVALID_ARG;
	a->cfg = *cfg;
	if (a->cfg.timeout_ms == 0)
		a->cfg.timeout_ms = M2ME_TIMEOUT_MS;
	if (a->cfg.mode == 0)
		a->cfg.mode = MCIM_EVIDENCE_REMOTE;
	set_url(a->icf_url, cfg->icf_url);
	set_url(a->drf_url, cfg->drf_url);
	if (cfg->auc_url != NULL)
		set_url(a->auc_url, cfg->auc_url);
	if (cfg->ca_file != NULL)
		memcpy(a->ca_file, cfg->ca_file, strlen(cfg->ca_file) + 1);
	a->cfg.icf_url = a->cfg.drf_url = a->cfg.auc_url = a->cfg.ca_file = NULL;
	a->tre = tre;
	a->client = client;
	a->curl = curl_easy_init();
	return a->curl != NULL ? MCIM_OK : MCIM_ERR_NOMEM;
}

void m2me_free(struct m2me *a)
{
	if (a->curl != NULL)
		curl_easy_cleanup(a->curl);
	mcim_wipe(a, sizeof(*a));
}

/* ---- the TRE ---- */

mcim_err m2me_tre(struct m2me *a, const uint8_t *req, size_t len, const uint8_t **res,
		  size_t *res_len)
{
	struct tool_tre_resp r;
	size_t n = 0;
	mcim_err err;

	err = a->tre != NULL
		  ? mcim_tre_call(a->tre, req, len, a->tresp, sizeof(a->tresp), &n)
		  : mcim_tre_client_call(a->client, req, len, a->tresp, sizeof(a->tresp),
					 &n);
	if (err == MCIM_OK)
		err = tool_tre_response(a->tresp, n, &r);
	if (err != MCIM_OK)
		return err;
	*res = r.result;
	*res_len = r.result_len;
	return r.status;
}

/* One command with arguments; the TRE's refusal is recorded as the last error. */
static mcim_err tre_cmd(struct m2me *a, const char *cmd, const struct tool_tre_arg *args,
			size_t n, const uint8_t **res, size_t *res_len)
{
	size_t len;
	mcim_err err = tool_tre_request(cmd, args, n, a->treq, sizeof(a->treq), &len);

	*res = NULL;
	*res_len = 0;
	if (err == MCIM_OK)
		err = m2me_tre(a, a->treq, len, res, res_len);
	if (err != MCIM_OK) {
		a->last_err = err;
		a->http_status = 0;
		snprintf(a->message, sizeof(a->message), "the TRE refused %s", cmd);
	}
	return err;
}

static mcim_err get_bstr(const uint8_t *res, size_t len, const char *key, uint8_t *out,
			 size_t cap, size_t *n)
{
	const uint8_t *d;
	mcim_err err;

	if (res == NULL)
		return MCIM_ERR_PARSE;
	err = tool_cbor_get_bstr(res, len, key, &d, n);
	if (err != MCIM_OK)
		return err;
	if (*n > cap)
		return MCIM_ERR_TOO_LARGE;
	memcpy(out, d, *n);
	return MCIM_OK;
}

/* ---- HTTP ---- */

static size_t on_body(char *p, size_t size, size_t nmemb, void *arg)
{
	struct m2me *a = arg;
	size_t n = size * nmemb;

	if (n > sizeof(a->reply) - a->reply_len) {
		a->reply_overflow = true;
		return 0;
	}
	memcpy(a->reply + a->reply_len, p, n);
	a->reply_len += n;
	return n;
}

/* The network's refusal in the reply, as last error. */
static mcim_err refusal(struct m2me *a, long status)
{
	struct mcim_proto_error e;

	a->http_status = status;
	if (mcim_proto_error_decode(a->reply, a->reply_len, &e) == MCIM_OK) {
		a->last_err = e.err;
		snprintf(a->message, sizeof(a->message), "%s", e.message);
	} else {
		a->last_err = status == 404 ? MCIM_ERR_NOT_FOUND : MCIM_ERR_PARSE;
		snprintf(a->message, sizeof(a->message), "HTTP %ld without an error body",
			 status);
	}
	return a->last_err;
}

/*
 * POSTs body[0..len) to base+path; the reply in a->reply. with_session adds the ICF
 * session. Retries transport failures and 5xx; a 4xx is the network's refusal.
 */
static mcim_err post(struct m2me *a, const char *base, const char *path,
		     const uint8_t *body, size_t len, bool with_session)
{
	char url[2 * M2ME_URL_MAX + 2];
	struct curl_slist *h = NULL, *h2;
	CURLcode rc = CURLE_OK;
	long status = 0;
	mcim_err err = MCIM_ERR_IO;

	if (base[0] == '\0')
		return MCIM_ERR_STATE;
	snprintf(url, sizeof(url), "%s%s", base, path);
	h = curl_slist_append(h, "Content-Type: application/cbor");
	if (h != NULL && (h2 = curl_slist_append(h, "Expect:")) != NULL)
		h = h2;
	if (h != NULL && with_session && a->session_hdr[0] != '\0' &&
	    (h2 = curl_slist_append(h, a->session_hdr)) != NULL)
		h = h2;
	if (h == NULL)
		return MCIM_ERR_NOMEM;
	for (unsigned attempt = 0; attempt <= a->cfg.retries; attempt++) {
		CURL *c = a->curl;

		curl_easy_reset(c);
		curl_easy_setopt(c, CURLOPT_URL, url);
		curl_easy_setopt(c, CURLOPT_POST, 1L);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, (const char *)body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)len);
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
		curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
		curl_easy_setopt(c, CURLOPT_WRITEDATA, a);
		curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, a->cfg.timeout_ms);
		curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
		if (a->ca_file[0] != '\0') {
			/* The operator's own TLS CA, and nothing else: no system path. */
			curl_easy_setopt(c, CURLOPT_CAINFO, a->ca_file);
			curl_easy_setopt(c, CURLOPT_CAPATH, NULL);
		}
		a->reply_len = 0;
		a->reply_overflow = false;
		rc = curl_easy_perform(c);
		if (rc == CURLE_OK)
			curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
		if (a->reply_overflow) {
			err = MCIM_ERR_TOO_LARGE;
			break;
		}
		if (rc == CURLE_OK && status < 500)
			break;
	}
	curl_slist_free_all(h);
	if (a->reply_overflow) {
		a->last_err = err;
		a->http_status = 0;
		snprintf(a->message, sizeof(a->message), "%s: reply above %zu octets",
			 path, sizeof(a->reply));
		return err;
	}
	if (rc != CURLE_OK) {
		a->last_err = MCIM_ERR_IO;
		a->http_status = 0;
		snprintf(a->message, sizeof(a->message), "%s: %s", path,
			 curl_easy_strerror(rc));
		return MCIM_ERR_IO;
	}
	if (status == 200)
		return MCIM_OK;
	return refusal(a, status);
}

/* base64url without padding (RFC 4648 §5). */
static void b64url(const uint8_t *in, size_t len, char *out)
{
	static const char al[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	uint32_t acc = 0;
	unsigned bits = 0;
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		acc = (acc << 8) | in[i];
		for (bits += 8; bits >= 6; bits -= 6)
			out[n++] = al[(acc >> (bits - 6)) & 63];
	}
	if (bits > 0)
		out[n++] = al[(acc << (6 - bits)) & 63];
	out[n] = '\0';
}

/* ---- §2 ICF ---- */

static mcim_err identity(struct m2me *a)
{
	const uint8_t *res;
	size_t len, n;
	mcim_err err = tre_cmd(a, "identity", NULL, 0, &res, &len);

	if (err == MCIM_OK)
		err = get_bstr(res, len, "tre_id", a->tre_id, sizeof(a->tre_id), &n);
	if (err == MCIM_OK && n != sizeof(a->tre_id))
		err = MCIM_ERR_PARSE;
	if (err == MCIM_OK)
		err = tool_cbor_get_str(res, len, "pcid", a->pcid, sizeof(a->pcid));
	return err;
}

mcim_err m2me_connect(struct m2me *a)
{
	struct mcim_proto_icf_challenge_req creq;
	struct mcim_proto_icf_challenge ch;
	struct mcim_proto_icf_attach_req areq;
	struct mcim_proto_icf_attach_resp aresp;
	const uint8_t *res;
	size_t len;
	mcim_err err;

	err = identity(a);
	if (err != MCIM_OK)
		goto out;
	memset(&creq, 0, sizeof(creq));
	snprintf(creq.pcid, sizeof(creq.pcid), "%s", a->pcid);
	err = mcim_proto_icf_challenge_req_encode(&creq, a->body, sizeof(a->body),
						  &a->body_len);
	if (err == MCIM_OK)
		err =
		    post(a, a->icf_url, "/icf/v1/challenge", a->body, a->body_len, false);
	if (err == MCIM_OK)
		err = mcim_proto_icf_challenge_decode(a->reply, a->reply_len, &ch);
	for (unsigned round = 0; err == MCIM_OK && round <= AUTS_ROUNDS; round++) {
		const struct tool_tre_arg args[3] = {
		    {"autn", TOOL_ARG_BSTR, ch.autn, sizeof(ch.autn), 0},
		    {"rand", TOOL_ARG_BSTR, ch.rand, sizeof(ch.rand), 0},
		    {"target", TOOL_ARG_TSTR, "pcid", 0, 0},
		};
		mcim_err aka = tre_cmd(a, "aka", args, 3, &res, &len);

		memset(&areq, 0, sizeof(areq));
		snprintf(areq.pcid, sizeof(areq.pcid), "%s", a->pcid);
		if (aka == MCIM_ERR_SYNC_FAILURE) {
			size_t n;

			areq.resync = true;
			err =
			    get_bstr(res, len, "auts", areq.auts, sizeof(areq.auts), &n);
		} else if (aka == MCIM_OK) {
			err = get_bstr(res, len, "res", areq.res, sizeof(areq.res),
				       &areq.res_len);
		} else {
			err = aka;
		}
		if (err == MCIM_OK)
			err = mcim_proto_icf_attach_req_encode(
			    &areq, a->body, sizeof(a->body), &a->body_len);
		mcim_wipe(&areq, sizeof(areq));
		if (err == MCIM_OK)
			err = post(a, a->icf_url, "/icf/v1/attach", a->body, a->body_len,
				   false);
		if (err != MCIM_OK)
			break;
		if (!areq.resync) {
			err = mcim_proto_icf_attach_resp_decode(a->reply, a->reply_len,
								&aresp);
			if (err == MCIM_OK && aresp.session.len > MCIM_PROTO_SIGNED_MAX)
				err = MCIM_ERR_TOO_LARGE;
			if (err == MCIM_OK) {
				int k = snprintf(a->session_hdr, sizeof(a->session_hdr),
						 "Authorization: MCIM-Session ");

				b64url(aresp.session.data, aresp.session.len,
				       a->session_hdr + k);
			}
			goto out;
		}
		/* After AUTS the ICF answers with a fresh challenge. */
		err = mcim_proto_icf_challenge_decode(a->reply, a->reply_len, &ch);
		if (err == MCIM_OK && round == AUTS_ROUNDS)
			err = MCIM_ERR_SYNC_FAILURE;
	}
out:
	step(a, "icf", err,
	     err == MCIM_OK ? "PCID %s authenticated, session granted" : "%s",
	     err == MCIM_OK ? a->pcid : a->message);
	return err;
}

/* ---- §3 DRF ---- */

mcim_err m2me_discover(struct m2me *a)
{
	struct mcim_proto_discover_req dreq;
	struct mcim_proto_discover_resp dresp;
	const uint8_t *res;
	size_t len, n;
	mcim_err err;

	memset(&dreq, 0, sizeof(dreq));
	err = tre_cmd(a, "dl-discover", NULL, 0, &res, &len);
	if (err == MCIM_OK)
		err = get_bstr(res, len, "n_d", dreq.n_d, sizeof(dreq.n_d), &n);
	if (err == MCIM_OK)
		err = get_bstr(res, len, "tre_id", dreq.tre_id, sizeof(dreq.tre_id), &n);
	if (err == MCIM_OK) {
		memcpy(a->tre_id, dreq.tre_id, sizeof(a->tre_id));
		err = mcim_proto_discover_req_encode(&dreq, a->body, sizeof(a->body),
						     &a->body_len);
	}
	if (err == MCIM_OK)
		err = post(a, a->drf_url, "/drf/v1/discover", a->body, a->body_len, true);
	if (err == MCIM_OK)
		err = mcim_proto_discover_resp_decode(a->reply, a->reply_len, &dresp);
	if (err == MCIM_OK) {
		const struct tool_tre_arg arg = {"token", TOOL_ARG_BSTR, dresp.token.data,
						 dresp.token.len, 0};

		err = tre_cmd(a, "dl-m1", &arg, 1, &res, &len);
	}
	if (err == MCIM_OK)
		err = get_bstr(res, len, "m1", a->m1, sizeof(a->m1), &a->m1_len);
	if (err == MCIM_OK)
		err = tool_cbor_get_str(res, len, "sho", a->sho, sizeof(a->sho));
	if (err == MCIM_OK)
		err = tool_cbor_get_str(res, len, "dpf_url", a->dpf_url,
					sizeof(a->dpf_url));
	if (err == MCIM_OK)
		err = tool_cbor_get_str(res, len, "pva_url", a->pva_url,
					sizeof(a->pva_url));
	if (err == MCIM_OK) {
		set_url(a->dpf_url, a->dpf_url);
		set_url(a->pva_url, a->pva_url);
	}
	step(a, "drf", err, err == MCIM_OK ? "registered with SHO %s, DPF %s" : "%s",
	     err == MCIM_OK ? a->sho : a->message, a->dpf_url);
	return err;
}

/* ---- §4 PVA ---- */

/* The status a PVA result states, read without verifying (the TRE verifies it in
 * dl-m3 and the DPF judges it): only to tell the user why. */
static enum mcim_ear_status pva_status_of(const uint8_t *buf, size_t len)
{
	static const struct {
		const char *name;
		enum mcim_ear_status s;
	} names[] = {{"contraindicated", MCIM_EAR_CONTRAINDICATED},
		     {"warning", MCIM_EAR_WARNING},
		     {"affirming", MCIM_EAR_AFFIRMING}};
	struct mcim_cose_sign1 msg;
	char status[24];

	if (mcim_cose_sign1_peek(buf, len, &msg) != MCIM_OK ||
	    tool_cbor_get_str(msg.payload, msg.payload_len, "status", status,
			      sizeof(status)) != MCIM_OK)
		return MCIM_EAR_CONTRAINDICATED;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(status, names[i].name) == 0)
			return names[i].s;
	return MCIM_EAR_CONTRAINDICATED;
}

static const char *mode_name(enum mcim_evidence_mode m)
{
	return m == MCIM_EVIDENCE_AUTONOMOUS	    ? "autonomous"
	       : m == MCIM_EVIDENCE_SEMI_AUTONOMOUS ? "semi"
						    : "remote";
}

mcim_err m2me_validate(struct m2me *a)
{
	struct mcim_proto_pva_challenge_req creq;
	struct mcim_proto_pva_challenge ch;
	struct mcim_proto_pva_evidence_req ereq;
	struct mcim_proto_pva_result_resp rresp;
	const uint8_t *res, *ev;
	size_t len, ev_len;
	mcim_err err;

	memset(&creq, 0, sizeof(creq));
	memcpy(creq.tre_id, a->tre_id, sizeof(creq.tre_id));
	creq.mode = a->cfg.mode;
	err = mcim_proto_pva_challenge_req_encode(&creq, a->body, sizeof(a->body),
						  &a->body_len);
	if (err == MCIM_OK)
		err =
		    post(a, a->pva_url, "/pva/v1/challenge", a->body, a->body_len, true);
	if (err == MCIM_OK)
		err = mcim_proto_pva_challenge_decode(a->reply, a->reply_len, &ch);
	if (err == MCIM_OK) {
		const struct tool_tre_arg args[2] = {
		    {"mode", TOOL_ARG_TSTR, mode_name(a->cfg.mode), 0, 0},
		    {"nonce", TOOL_ARG_BSTR, ch.n_p, sizeof(ch.n_p), 0},
		};

		err = tre_cmd(a, "attest", args, 2, &res, &len);
	}
	if (err == MCIM_OK)
		err = tool_cbor_get_bstr(res, len, "evidence", &ev, &ev_len);
	if (err == MCIM_OK) {
		ereq.evidence.data = ev;
		ereq.evidence.len = ev_len;
		err = mcim_proto_pva_evidence_req_encode(&ereq, a->body, sizeof(a->body),
							 &a->body_len);
	}
	if (err == MCIM_OK)
		err = post(a, a->pva_url, "/pva/v1/evidence", a->body, a->body_len, true);
	if (err == MCIM_OK)
		err = mcim_proto_pva_result_resp_decode(a->reply, a->reply_len, &rresp);
	if (err == MCIM_OK && rresp.result.len > sizeof(a->pva))
		err = MCIM_ERR_TOO_LARGE;
	if (err == MCIM_OK) {
		memcpy(a->pva, rresp.result.data, rresp.result.len);
		a->pva_len = rresp.result.len;
		a->pva_status = pva_status_of(a->pva, a->pva_len);
		if (a->pva_status == MCIM_EAR_CONTRAINDICATED) {
			err = a->last_err = MCIM_ERR_BAD_BOOT;
			a->http_status = 0;
			snprintf(a->message, sizeof(a->message),
				 "the PVA found the platform contraindicated");
		}
	}
	step(a, "pva", err, err == MCIM_OK ? "platform %s (%s validation)" : "%s",
	     err == MCIM_OK ? mcim_ear_status_name(a->pva_status) : a->message,
	     mode_name(a->cfg.mode));
	return err;
}

/* ---- §5 DPF ---- */

/* M1 -> M2 -> M3 -> M4 -> R from the M1 in a->m1. */
static mcim_err download_once(struct m2me *a)
{
	const uint8_t *res, *e;
	size_t len, n, el;
	char state[16] = "";
	bool existed = false;
	mcim_err err;

	err = post(a, a->dpf_url, "/dpf/v1/m1", a->m1, a->m1_len, true);
	if (err == MCIM_OK) {
		const struct tool_tre_arg args[3] = {
		    {"m1", TOOL_ARG_BSTR, a->m1, a->m1_len, 0},
		    {"m2", TOOL_ARG_BSTR, a->reply, a->reply_len, 0},
		    {"pva", TOOL_ARG_BSTR, a->pva, a->pva_len, 0},
		};

		err = tre_cmd(a, "dl-m3", args, 3, &res, &len);
	}
	if (err == MCIM_OK)
		err = get_bstr(res, len, "m3", a->body, sizeof(a->body), &a->body_len);
	if (err == MCIM_OK)
		err = post(a, a->dpf_url, "/dpf/v1/m3", a->body, a->body_len, true);
	if (err == MCIM_OK) {
		const struct tool_tre_arg arg = {"m4", TOOL_ARG_BSTR, a->reply,
						 a->reply_len, 0};
		mcim_err inst = tre_cmd(a, "dl-install", &arg, 1, &res, &len);

		/* A refused package still has a receipt: the DPF learns the outcome. */
		err =
		    get_bstr(res, len, "receipt", a->body, sizeof(a->body), &a->body_len);
		if (inst == MCIM_OK && err == MCIM_OK) {
			err =
			    get_bstr(res, len, "id", a->mcim_id, sizeof(a->mcim_id), &n);
			if (err == MCIM_OK)
				err = tool_cbor_get_str(res, len, "state", state,
							sizeof(state));
			if (err == MCIM_OK &&
			    tool_cbor_get(res, len, "existed", &e, &el) == MCIM_OK)
				existed = el == 1 && e[0] == 0xf5;
		}
		if (err == MCIM_OK)
			err = post(a, a->dpf_url, "/dpf/v1/receipt", a->body, a->body_len,
				   true);
		if (inst != MCIM_OK) {
			a->last_err = inst;
			a->http_status = 0;
			snprintf(a->message, sizeof(a->message),
				 "the TRE refused the package: %s", mcim_err_name(inst));
			err = inst;
		}
	}
	if (err == MCIM_OK)
		snprintf(a->mcim_state, sizeof(a->mcim_state), "%s", state);
	step(a, "dpf", err, err == MCIM_OK ? "MCIM %s%s, receipt accepted" : "%s",
	     err == MCIM_OK ? state : a->message,
	     err == MCIM_OK && existed ? " (already installed)" : "");
	return err;
}

mcim_err m2me_download(struct m2me *a)
{
	mcim_err err = MCIM_ERR_STATE;

	if (a->m1_len == 0 || a->pva_len == 0)
		return MCIM_ERR_STATE;
	for (unsigned i = 0; i < M2ME_DL_ATTEMPTS; i++) {
		err = download_once(a);
		/* Only a lost message is worth a new transaction (R-PRC-106): a
		 * transport failure, or a repeated request whose first copy the DPF
		 * had already taken (409 REPLAY). */
		if (err != MCIM_ERR_IO &&
		    !(err == MCIM_ERR_REPLAY && a->http_status == 409))
			break;
		err = m2me_discover(a);
		if (err != MCIM_OK)
			break;
	}
	a->m1_len = 0;
	return err;
}

mcim_err m2me_provision(struct m2me *a)
{
	mcim_err err = m2me_connect(a);

	if (err == MCIM_OK)
		err = m2me_discover(a);
	if (err == MCIM_OK)
		err = m2me_validate(a);
	if (err == MCIM_OK)
		err = m2me_download(a);
	return err;
}

/* ---- §6 management ---- */

mcim_err m2me_mgmt_pull(struct m2me *a, size_t *n)
{
	struct mcim_cbor_writer w;
	struct mcim_cbor_reader r;
	const uint8_t *list, *res, *cmd, *sig;
	size_t list_len, count = 0, len, cmd_len, sig_len;
	mcim_err err;

	*n = 0;
	mcim_cbor_writer_init(&w, a->body, sizeof(a->body));
	mcim_cbor_put_map(&w, 1);
	mcim_cbor_put_cstr(&w, "tre_id");
	mcim_cbor_put_bstr(&w, a->tre_id, sizeof(a->tre_id));
	err = mcim_cbor_writer_finish(&w, &a->body_len);
	if (err == MCIM_OK)
		err = post(a, a->dpf_url, "/dpf/v1/commands", a->body, a->body_len, true);
	if (err == MCIM_OK)
		err = tool_cbor_get(a->reply, a->reply_len, "commands", &list, &list_len);
	if (err == MCIM_OK) {
		/* Read from a copy: the results' POSTs overwrite the reply. */
		memcpy(a->cmds, list, list_len);
		mcim_cbor_reader_init(&r, a->cmds, list_len);
		err = mcim_cbor_read_array(&r, &count);
	}
	for (size_t i = 0; err == MCIM_OK && i < count; i++) {
		char state[16] = "", name[24] = "";

		err = mcim_cbor_read_bstr(&r, &cmd, &cmd_len);
		if (err != MCIM_OK)
			break;
		{
			const struct tool_tre_arg arg = {"command", TOOL_ARG_BSTR, cmd,
							 cmd_len, 0};

			err = tre_cmd(a, "mgmt-signed", &arg, 1, &res, &len);
		}
		if (err == MCIM_OK)
			err = tool_cbor_get_bstr(res, len, "result", &sig, &sig_len);
		if (err == MCIM_OK) {
			(void)tool_cbor_get_str(res, len, "state", state, sizeof(state));
			(void)tool_cbor_get_str(res, len, "command", name, sizeof(name));
			mcim_cbor_writer_init(&w, a->body, sizeof(a->body));
			mcim_cbor_put_map(&w, 1);
			mcim_cbor_put_cstr(&w, "result");
			mcim_cbor_put_bstr(&w, sig, sig_len);
			err = mcim_cbor_writer_finish(&w, &a->body_len);
		}
		if (err == MCIM_OK)
			err = post(a, a->dpf_url, "/dpf/v1/command-results", a->body,
				   a->body_len, true);
		if (err == MCIM_OK) {
			snprintf(a->mcim_state, sizeof(a->mcim_state), "%s", state);
			(*n)++;
		}
		step(a, "mgmt", err, err == MCIM_OK ? "%s: MCIM %s" : "%s",
		     err == MCIM_OK ? name : a->message, state);
	}
	if (err == MCIM_OK && count == 0)
		step(a, "mgmt", err, "no command queued");
	else if (err != MCIM_OK && count == 0)
		step(a, "mgmt", err, "%s", a->message);
	return err;
}

/* ---- §7 attach ---- */

/* The active MCIM's IMSI, from mcim-list. */
static mcim_err active_imsi(struct m2me *a)
{
	const uint8_t *res, *list, *item;
	size_t len, list_len, item_len, count;
	struct mcim_cbor_reader r;
	mcim_err err = tre_cmd(a, "mcim-list", NULL, 0, &res, &len);

	if (err == MCIM_OK)
		err = tool_cbor_get(res, len, "mcims", &list, &list_len);
	if (err != MCIM_OK)
		return err;
	mcim_cbor_reader_init(&r, list, list_len);
	err = mcim_cbor_read_array(&r, &count);
	for (size_t i = 0; err == MCIM_OK && i < count; i++) {
		char state[16];

		err = mcim_cbor_read_item(&r, &item, &item_len);
		if (err == MCIM_OK &&
		    tool_cbor_get_str(item, item_len, "state", state, sizeof(state)) ==
			MCIM_OK &&
		    strcmp(state, "activated") == 0)
			return tool_cbor_get_str(item, item_len, "imsi", a->imsi,
						 sizeof(a->imsi));
	}
	if (err == MCIM_OK) {
		err = a->last_err = MCIM_ERR_NOT_FOUND;
		snprintf(a->message, sizeof(a->message), "no activated MCIM");
	}
	return err;
}

mcim_err m2me_attach(struct m2me *a, const char *snn)
{
	struct mcim_proto_attach_challenge_req creq;
	struct mcim_proto_attach_challenge ch;
	struct mcim_proto_attach_confirm_req conf;
	struct mcim_proto_attach_confirm ok;
	const char *auc = a->auc_url[0] != '\0' ? a->auc_url : a->dpf_url;
	const uint8_t *res;
	size_t len, n;
	mcim_err err;

	assert(snn != NULL);
	err = active_imsi(a);
	memset(&creq, 0, sizeof(creq));
	if (err == MCIM_OK && strlen(snn) >= sizeof(creq.snn))
		err = MCIM_ERR_INVALID_ARG;
	if (err == MCIM_OK) {
		snprintf(creq.imsi, sizeof(creq.imsi), "%s", a->imsi);
		snprintf(creq.snn, sizeof(creq.snn), "%s", snn);
		err = mcim_proto_attach_challenge_req_encode(
		    &creq, a->body, sizeof(a->body), &a->body_len);
	}
	if (err == MCIM_OK)
		err = post(a, auc, "/auc/v1/challenge", a->body, a->body_len, false);
	if (err == MCIM_OK)
		err = mcim_proto_attach_challenge_decode(a->reply, a->reply_len, &ch);
	for (unsigned round = 0; err == MCIM_OK && round <= AUTS_ROUNDS; round++) {
		const struct tool_tre_arg args[3] = {
		    {"autn", TOOL_ARG_BSTR, ch.autn, sizeof(ch.autn), 0},
		    {"rand", TOOL_ARG_BSTR, ch.rand, sizeof(ch.rand), 0},
		    {"snn", TOOL_ARG_TSTR, snn, 0, 0},
		};
		mcim_err aka = tre_cmd(a, "attach", args, 3, &res, &len);

		memset(&conf, 0, sizeof(conf));
		snprintf(conf.imsi, sizeof(conf.imsi), "%s", a->imsi);
		if (aka == MCIM_ERR_SYNC_FAILURE) {
			conf.resync = true;
			err =
			    get_bstr(res, len, "auts", conf.auts, sizeof(conf.auts), &n);
		} else if (aka == MCIM_OK) {
			err = get_bstr(res, len, "res_star", conf.res_star,
				       sizeof(conf.res_star), &n);
			if (err == MCIM_OK)
				err = get_bstr(res, len, "kc", conf.kc, sizeof(conf.kc),
					       &n);
		} else {
			err = aka;
		}
		if (err == MCIM_OK)
			err = mcim_proto_attach_confirm_req_encode(
			    &conf, a->body, sizeof(a->body), &a->body_len);
		if (err == MCIM_OK)
			err =
			    post(a, auc, "/auc/v1/confirm", a->body, a->body_len, false);
		if (err != MCIM_OK)
			break;
		if (conf.resync) {
			err = mcim_proto_attach_challenge_decode(a->reply, a->reply_len,
								 &ch);
			if (err == MCIM_OK && round == AUTS_ROUNDS)
				err = MCIM_ERR_SYNC_FAILURE;
			continue;
		}
		err = mcim_proto_attach_confirm_decode(a->reply, a->reply_len, &ok);
		if (err == MCIM_OK) {
			const struct tool_tre_arg arg = {"kc", TOOL_ARG_BSTR, ok.kc,
							 sizeof(ok.kc), 0};

			err = tre_cmd(a, "attach-confirm", &arg, 1, &res, &len);
		}
		break;
	}
	step(a, "attach", err,
	     err == MCIM_OK ? "IMSI %s attached, both key confirmations match" : "%s",
	     err == MCIM_OK ? a->imsi : a->message);
	return err;
}

/* ---- §10 tamper reports ---- */

/* The TRE's chain from `identity`, copied to a->chain (the reports' answer will take
 * a->tresp). */
static mcim_err identity_chain(struct m2me *a, struct mcim_proto_span *chain, size_t *n)
{
	const uint8_t *res, *list, *c;
	size_t len, list_len, count = 0, cl, used = 0;
	struct mcim_cbor_reader r;
	mcim_err err = tre_cmd(a, "identity", NULL, 0, &res, &len);

	if (err == MCIM_OK)
		err = res == NULL ? MCIM_ERR_PARSE
				  : tool_cbor_get(res, len, "chain", &list, &list_len);
	if (err == MCIM_OK) {
		mcim_cbor_reader_init(&r, list, list_len);
		err = mcim_cbor_read_array(&r, &count);
	}
	if (err == MCIM_OK && (count == 0 || count > M2ME_CHAIN_MAX))
		err = MCIM_ERR_PARSE;
	for (size_t i = 0; err == MCIM_OK && i < count; i++) {
		err = mcim_cbor_read_bstr(&r, &c, &cl);
		if (err == MCIM_OK && cl > sizeof(a->chain) - used)
			err = MCIM_ERR_TOO_LARGE;
		if (err == MCIM_OK) {
			memcpy(a->chain + used, c, cl);
			chain[i] = (struct mcim_proto_span){a->chain + used, cl};
			used += cl;
		}
	}
	if (err == MCIM_OK)
		*n = count;
	return err;
}

/* The queued reports, as spans of a->tresp (valid until the next TRE command). */
static mcim_err queued_reports(struct m2me *a, struct mcim_proto_span *rep, size_t cap,
			       size_t *n)
{
	const uint8_t *res, *list, *item;
	size_t len, list_len, count = 0, item_len;
	struct mcim_cbor_reader r;
	mcim_err err = tre_cmd(a, "tamper-reports", NULL, 0, &res, &len);

	if (err == MCIM_OK)
		err = res == NULL ? MCIM_ERR_PARSE
				  : tool_cbor_get(res, len, "reports", &list, &list_len);
	if (err == MCIM_OK) {
		mcim_cbor_reader_init(&r, list, list_len);
		err = mcim_cbor_read_array(&r, &count);
	}
	if (err == MCIM_OK && count > cap)
		err = MCIM_ERR_TOO_LARGE;
	for (size_t i = 0; err == MCIM_OK && i < count; i++) {
		err = mcim_cbor_read_item(&r, &item, &item_len);
		if (err == MCIM_OK)
			err = tool_cbor_get_bstr(item, item_len, "report", &rep[i].data,
						 &rep[i].len);
	}
	if (err == MCIM_OK)
		*n = count;
	return err;
}

mcim_err m2me_tamper_relay(struct m2me *a, const char *url, const struct mcim_iov *chain,
			   size_t n_chain, struct m2me_tamper_out *out)
{
	struct mcim_proto_span rep[TAMPER_READ_MAX];
	struct mcim_proto_tamper_req m;
	struct mcim_proto_tamper_resp resp;
	char base[M2ME_URL_MAX + 1];
	size_t n = 0;
	mcim_err err = MCIM_OK;

	assert(a != NULL && out != NULL && (chain != NULL || n_chain == 0));
	memset(out, 0, sizeof(*out));
	memset(&m, 0, sizeof(m));
	if (url != NULL && !url_ok(url))
		return MCIM_ERR_INVALID_ARG;
	set_url(base, url != NULL ? url : a->dpf_url);
	if (base[0] == '\0') {
		err = a->last_err = MCIM_ERR_STATE;
		a->http_status = 0;
		snprintf(a->message, sizeof(a->message), "no DPF to report to");
	}
	if (err == MCIM_OK)
		err = identity_chain(a, m.chain, &m.n_chain);
	if (err != MCIM_OK && chain != NULL && n_chain > 0 && n_chain <= M2ME_CHAIN_MAX &&
	    base[0] != '\0') {
		/* A failed TRE: its public chain, as the device directory keeps it. */
		for (size_t i = 0; i < n_chain; i++)
			m.chain[i] =
			    (struct mcim_proto_span){chain[i].data, chain[i].len};
		m.n_chain = n_chain;
		err = MCIM_OK;
	}
	if (err == MCIM_OK)
		err = queued_reports(a, rep, TAMPER_READ_MAX, &n);
	out->queued = n;
	for (size_t off = 0; err == MCIM_OK && off < n; off += m.n_reports) {
		m.n_reports = n - off < MCIM_PROTO_TAMPER_REPORTS_MAX
				  ? n - off
				  : MCIM_PROTO_TAMPER_REPORTS_MAX;
		memcpy(m.reports, rep + off, m.n_reports * sizeof(rep[0]));
		err = mcim_proto_tamper_req_encode(&m, a->body, sizeof(a->body),
						   &a->body_len);
		if (err == MCIM_OK)
			err = post(a, base, "/dpf/v1/tamper-reports", a->body,
				   a->body_len, false);
		if (err == MCIM_OK)
			err =
			    mcim_proto_tamper_resp_decode(a->reply, a->reply_len, &resp);
		if (err == MCIM_OK) {
			out->accepted += resp.accepted;
			out->duplicates += resp.duplicates;
		}
	}
	if (err != MCIM_OK && a->last_err != err) {
		a->last_err = err;
		a->http_status = 0;
		snprintf(a->message, sizeof(a->message), "tamper reports: %s",
			 mcim_strerror(err));
	}
	if (err != MCIM_OK)
		step(a, "tamper", err, "%s", a->message);
	else if (n == 0)
		step(a, "tamper", err, "no report queued");
	else
		step(a, "tamper", err, "%zu queued: %zu accepted, %zu recorded before",
		     out->queued, out->accepted, out->duplicates);
	return err;
}
