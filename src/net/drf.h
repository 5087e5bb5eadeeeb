/*
 * net/drf.h: the Discovery and Registration Function's device-facing side
 * (docs/protocol.md §3; R-NET-F02, R-PRC-104). POST /drf/v1/discover takes
 * {"tre_id", "n_d"} and answers {"token": Sign_DRF{...}} for a TRE id that an SHO
 * registered through the operator API: the SHO's PLMN id, where its DPF and the PVA
 * are, a fresh single-use reg_id (recorded in the store with its expiry, and audited
 * in the SHO's trail), the device's nonce and the validity. Any other TRE id -
 * unknown, released, or provisioned already - is 404 NOT_FOUND, one answer for all.
 *
 * The token is signed with the registration operator's drf key from the config's
 * PKI directory (src/tool/pki.h layout), its chain in x5chain.
 *
 * Threads: after net_drf_new() the DRF serves any number of threads.
 */
#ifndef MCIM_NET_DRF_H
#define MCIM_NET_DRF_H

#include <stddef.h>
#include <stdint.h>

#include "mcim/proto.h"
#include "mcim/rand.h"
#include "net/api_operator.h"
#include "net/http.h"

#define NET_DRF_TOKEN_TTL_DEFAULT 600 /* seconds a registration token is valid */
#define NET_DRF_URL_MAX		  MCIM_PROTO_URL_MAX

/*
 * The ICF session check (docs/protocol.md §2): called first for every discover
 * request with the decoded message; MCIM_OK lets it through; MCIM_ERR_DENIED (no or
 * a bad session) is answered 401 DENIED, any other error as net_err_status() says.
 * mcimd passes a check of the ICF's session (net_icf_session_check, scope drf);
 * NULL (tests of the DRF alone) lets every caller through.
 */
typedef mcim_err (*net_drf_session_fn)(const struct net_request *req,
				       const struct mcim_proto_discover_req *m,
				       void *arg);

struct net_drf_opts {
	struct net_api_ctx *api; /* the store, the clock, the config (pki_dir) */
	struct net_server *srv;	 /* for the default URLs: the port it listens on */
	const char *pki_dir;	 /* NULL: the config's pki_dir */
	const char *entity;	 /* the PKI entity that signs; NULL: the first drf */
	uint32_t token_ttl_s;	 /* 0: NET_DRF_TOKEN_TTL_DEFAULT */
	const char *dpf_url;	 /* NULL: http://<listen address>:<port> */
	const char *pva_url;	 /* NULL: the same */
	net_drf_session_fn session_check; /* NULL: none (see above) */
	void *session_arg;
	const struct mcim_rng *rng; /* reg_id; NULL: mcim_rng_system() */
};

struct net_drf;

/*
 * Loads the PKI and the drf key (checked against its certificate). Errors, with msg
 * saying which file: those of tool_pki_load() and tool_pki_key(),
 * MCIM_ERR_NOT_FOUND (no drf entity), MCIM_ERR_INVALID_ARG (a URL too long or not
 * printable), MCIM_ERR_NOMEM.
 */
mcim_err net_drf_new(const struct net_drf_opts *opts, struct net_drf **out, char *msg,
		     size_t msg_cap);
/* Wipes the key and releases everything. drf may be NULL. */
void net_drf_free(struct net_drf *drf);

#endif
