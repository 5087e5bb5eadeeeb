/*
 * m2me/agent.h: the device agent, the normal world's relay between the TRE and the
 * network functions (docs/protocol.md, docs/agent.md). It carries octets: every
 * message the network sends goes into the TRE as it arrived, every message the TRE
 * makes goes out as it left; the agent holds no key and checks nothing the TRE does
 * not check again. What it keeps between steps is public: the ICF session (a bearer
 * object, scoped and short-lived), the URLs the TRE verified in the DRF's token, the
 * last messages of the download in progress.
 *
 * Transport: HTTP POST of CBOR bodies through libcurl, a timeout per request and a
 * bounded number of retries of the same request for transport failures and 5xx
 * answers; the protocol's own retries, a new transaction after a lost M2 or M4
 * (or after a repeated M3 the DPF had already taken: 409 REPLAY), are
 * m2me_download()'s.
 * A 4xx answer is the network's typed refusal: never retried, its mcim_err name and
 * message are kept in last_err / message.
 *
 * URLs: the ICF's and the DRF's from the configuration, the PVA's and the DPF's
 * from the DRF's token as the TRE verified it (so a relay may sit anywhere); the
 * AuC is the SHO's, at the DPF's base URL unless configured.
 *
 * The TRE is reached either linked (struct mcim_tre) or over `mcim tre serve`'s
 * socket (struct mcim_tre_client); the agent's own code allocates nothing (libcurl
 * does, inside). struct m2me is large (buffers for the biggest messages): allocate
 * it, or make it static. One thread per struct m2me. NULL where a pointer is
 * required is a caller bug (assert).
 */
#ifndef MCIM_M2ME_AGENT_H
#define MCIM_M2ME_AGENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mcim/err.h"
#include "mcim/evidence.h"
#include "mcim/proto.h"
#include "mcim/tre.h"

#define M2ME_URL_MAX	     MCIM_PROTO_URL_MAX
#define M2ME_BODY_MAX	     MCIM_PROTO_MSG_MAX
#define M2ME_TIMEOUT_MS	     10000 /* default per request */
#define M2ME_RETRIES_MAX     5
#define M2ME_DL_ATTEMPTS     3 /* downloads started before m2me_download gives up */
#define M2ME_SESSION_HDR_MAX (32 + (MCIM_PROTO_SIGNED_MAX * 4 + 2) / 3)
#define M2ME_CHAIN_MAX	     2 /* the TRE's certificate and its M2MES CA */
#define M2ME_PATH_MAX	     512

/* Called after each step with its name ("icf", "drf", "pva", "dpf m1"...), its
 * outcome and a short text (never a secret). */
typedef void (*m2me_step_fn)(void *ctx, const char *step, mcim_err err,
			     const char *detail);

struct m2me_config {
	const char *icf_url; /* base URLs, e.g. "http://127.0.0.1:8080" */
	const char *drf_url;
	const char *auc_url; /* NULL: the DPF's base URL from the token */
	const char *ca_file; /* NULL: the system's CA store verifies https servers;
				else only the CA certificates (PEM) in this file */
	long timeout_ms;     /* 0: M2ME_TIMEOUT_MS */
	unsigned retries;    /* 0..M2ME_RETRIES_MAX more attempts of a request */
	enum mcim_evidence_mode mode; /* 0: remote */
	m2me_step_fn on_step;	      /* may be NULL */
	void *ctx;
};

struct m2me {
	struct m2me_config cfg;
	char icf_url[M2ME_URL_MAX + 1], drf_url[M2ME_URL_MAX + 1];
	char auc_url[M2ME_URL_MAX + 1];
	char ca_file[M2ME_PATH_MAX + 1]; /* "": the system's CA store */
	struct mcim_tre *tre;		 /* linked, or */
	struct mcim_tre_client *client;	 /* over the socket */
	void *curl;
	/* What the steps learnt (public) */
	uint8_t tre_id[MCIM_PROTO_TRE_ID_LEN];
	char pcid[16];
	char session_hdr[M2ME_SESSION_HDR_MAX];
	char sho[MCIM_PROTO_OPERATOR_MAX + 1];
	char dpf_url[M2ME_URL_MAX + 1], pva_url[M2ME_URL_MAX + 1];
	uint8_t m1[MCIM_TRE_MSG_MAX];
	size_t m1_len;
	uint8_t pva[MCIM_PROTO_SIGNED_MAX];
	size_t pva_len;
	enum mcim_ear_status pva_status; /* as the PVA's result says (unverified) */
	uint8_t mcim_id[MCIM_PROTO_MCIM_ID_LEN];
	char imsi[MCIM_PROTO_IMSI_MAX + 1];
	char mcim_state[16];
	/* The last refusal: who said it, the error, the network's message. */
	mcim_err last_err;
	long http_status; /* 0: not from the network */
	char message[MCIM_PROTO_MESSAGE_MAX + 1];
	/* Buffers */
	uint8_t treq[MCIM_TRE_MSG_MAX], tresp[MCIM_TRE_MSG_MAX];
	uint8_t chain[M2ME_CHAIN_MAX * MCIM_CERT_MAX_LEN]; /* the TRE's, for §10 */
	uint8_t body[M2ME_BODY_MAX], reply[M2ME_BODY_MAX], cmds[M2ME_BODY_MAX];
	size_t body_len, reply_len;
	bool reply_overflow;
};

/*
 * Sets a up for the TRE given (exactly one of tre and client non-NULL) and cfg (URLs
 * and the CA file's name copied). MCIM_ERR_INVALID_ARG (a URL too long or not
 * http(s)://, a CA file name above M2ME_PATH_MAX, retries above M2ME_RETRIES_MAX),
 * MCIM_ERR_NOMEM (libcurl). Call curl_global_init() first.
 */
mcim_err m2me_init(struct m2me *a, const struct m2me_config *cfg, struct mcim_tre *tre,
		   struct mcim_tre_client *client);
/* Releases libcurl's handle and wipes a. */
void m2me_free(struct m2me *a);

/* §2: PCID AKA through the ICF; a session for the DRF, PVA and DPF (AUTS resyncs
 * once). */
mcim_err m2me_connect(struct m2me *a);
/* §3: the TRE's nonce to the DRF, its token into the TRE (dl-m1): sho, dpf_url,
 * pva_url and M1 set. */
mcim_err m2me_discover(struct m2me *a);
/* §4: challenge, the TRE's evidence, the PVA's signed result (kept for M3). A
 * contraindicated result is MCIM_ERR_BAD_BOOT (the PVA refused the platform). */
mcim_err m2me_validate(struct m2me *a);
/* §5: M1..R. A transport failure after M1 (or a REPLAY for a repeated request)
 * starts over at discovery (fresh n_d and c_t), at most M2ME_DL_ATTEMPTS times; the
 * DPF's other refusals are returned. */
mcim_err m2me_download(struct m2me *a);
/* All of the above in order. */
mcim_err m2me_provision(struct m2me *a);
/* §6: the SHO's queued commands relayed to the TRE, results back; *n how many. */
mcim_err m2me_mgmt_pull(struct m2me *a, size_t *n);
/* §7: 5G AKA with the active MCIM for snn, both key confirmations checked (the
 * TRE checks the network's). */
mcim_err m2me_attach(struct m2me *a, const char *snn);

/* What m2me_tamper_relay did. */
struct m2me_tamper_out {
	size_t queued;	   /* reports the TRE holds */
	size_t accepted;   /* recorded by the SHO now */
	size_t duplicates; /* recorded before */
};

/*
 * §10: the TRE's queued tamper reports (`tamper-reports`) with its certificate chain
 * (`identity`) POSTed to {url}/dpf/v1/tamper-reports (url NULL: the DPF of the
 * verified token), at most MCIM_PROTO_TAMPER_REPORTS_MAX per request, no ICF
 * session. A TRE that cannot give its chain (state failed: its certificate is in
 * the store that failed) is relayed with `chain` (n_chain DER certificates, leaf
 * first: the device's public copy) when not NULL. Nothing queued: MCIM_OK without a
 * request. The TRE keeps the reports (a maintenance user acknowledges them), so a
 * later relay sends them again: the DPF counts them as duplicates. Errors: the TRE's
 * refusal, the network's (404 NOT_FOUND: no SHO there knows this TRE),
 * MCIM_ERR_STATE (no URL), transport errors.
 */
mcim_err m2me_tamper_relay(struct m2me *a, const char *url, const struct mcim_iov *chain,
			   size_t n_chain, struct m2me_tamper_out *out);

/* One TRE command through whichever route a has: the response's status, the result
 * (into a->tresp; *res NULL when null). */
mcim_err m2me_tre(struct m2me *a, const uint8_t *req, size_t len, const uint8_t **res,
		  size_t *res_len);

#endif
