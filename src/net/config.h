/*
 * net/config.h: mcimd's configuration, one JSON file (docs/mcimd.md is the
 * reference for every key).
 *
 * Loading is strict: an unknown key, a wrong type or a bad value refuses the whole
 * file with a message that names the key path ("tenants[1].plmn: must be 5 or 6
 * digits"); nothing is half-applied. Absent keys take the defaults listed in
 * net_config_defaults(). Relative paths (store.path, pki.dir) are resolved against
 * the directory of the config file, so a daemon finds the same files whatever its
 * working directory.
 *
 * Tenants carry API token hashes only (SHA-256 of the token, 64 hex digits): the file
 * never holds a usable credential, and a token is never compared in clear.
 *
 * Ownership: a loaded struct net_config owns its tenant array; net_config_free()
 * releases it. After loading, the structure is read-only and may be shared by any
 * number of threads.
 */
#ifndef MCIM_NET_CONFIG_H
#define MCIM_NET_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "mcim/crypto.h"
#include "mcim/err.h"
#include "net/api_util.h"
#include "net/log.h"

#define NET_ADDR_MAX	      46   /* an IPv4 or IPv6 address in text, with NUL */
#define NET_PATH_MAX	      1024 /* store and PKI paths, with NUL */
#define NET_TENANT_NAME_MAX   32   /* [a-z0-9-], used in URL paths */
#define NET_TENANTS_MAX	      1024
#define NET_TENANT_TOKENS_MAX 8 /* several, so that a token can be rotated */
#define NET_CONFIG_FILE_MAX   (1u << 20)
#define NET_BODY_LIMIT_MAX    (1ull << 30)
#define NET_THREADS_MAX	      256
#define NET_CONNECTIONS_MAX   65536
#define NET_TIMEOUT_MAX_S     3600
#define NET_URL_MAX	      256 /* a URL the DRF hands out, with NUL */
#define NET_SKEW_MAX_S	      600
#define NET_DRF_TTL_MAX_S     86400
#define NET_PVA_NONCRIT_MAX   16 /* = MCIM_MANIFEST_COMPONENTS_MAX */
#define NET_COMPONENT_MAX     31 /* = MCIM_MANIFEST_NAME_MAX */

/* The network functions one daemon can host (any set). */
enum net_role {
	NET_ROLE_DRF = 1u << 0,
	NET_ROLE_PVA = 1u << 1,
	NET_ROLE_DPF = 1u << 2,
	NET_ROLE_AUC = 1u << 3,
	NET_ROLE_ICF = 1u << 4,
	NET_ROLES_ALL = (1u << 5) - 1,
};

/* What an operator (tenant) is to the system. */
enum net_tenant_kind {
	NET_TENANT_SHO = 1, /* selected home operator: DPF, CCIF, AuC */
	NET_TENANT_RO,	    /* registration operator: DRF */
	NET_TENANT_PVA,	    /* platform validation authority */
	NET_TENANT_VNO,	    /* visited network: ICF */
};

struct net_tenant {
	char name[NET_TENANT_NAME_MAX + 1];
	enum net_tenant_kind kind;
	char plmn[7]; /* MCC + MNC, 5 or 6 digits */
	size_t n_tokens;
	uint8_t token_sha256[NET_TENANT_TOKENS_MAX][MCIM_SHA256_LEN];
};

struct net_limits {
	uint64_t max_body_bytes;   /* request body limit (413 beyond) */
	unsigned idle_timeout_s;   /* a connection silent this long is closed */
	unsigned shutdown_grace_s; /* how long a stop waits for requests in flight */
	unsigned threads;	   /* worker threads answering requests */
	unsigned max_connections;  /* open connections at most */
};

/* The DRF's answer (docs/protocol.md §3). */
struct net_drf_settings {
	unsigned token_ttl_s;	   /* registration token lifetime; 0: the DRF's default */
	char dpf_url[NET_URL_MAX]; /* "" : http://<listen address>:<port> */
	char pva_url[NET_URL_MAX]; /* "" : the same */
};

/* The PVA's policy (docs/pva.md); all zero: every mode, strict, no minimum. */
struct net_pva_settings {
	unsigned modes;	  /* bits 1u << enum mcim_evidence_mode; 0: all three */
	int semi_lenient; /* 1: the noncritical components may fail (warning) */
	size_t n_noncritical;
	char noncritical[NET_PVA_NONCRIT_MAX][NET_COMPONENT_MAX + 1];
	unsigned min_assurance; /* the TRE certificate's assurance at least this */
};

struct net_config {
	char listen_address[NET_ADDR_MAX];
	uint16_t port;	/* 0: any free port */
	int plain_http; /* 1: serve without TLS on a non-loopback address (a proxy ends
			   TLS) */
	char tls_cert[NET_PATH_MAX]; /* PEM chain; "" : no TLS (loopback or plain_http) */
	char tls_key[NET_PATH_MAX];  /* PEM private key of tls_cert's leaf */
	unsigned roles;		     /* enum net_role bits */
	char store_path[NET_PATH_MAX];
	enum net_log_level log_level;
	char pki_dir[NET_PATH_MAX];
	struct net_tenant *tenants;
	size_t n_tenants;
	struct net_limits limits;
	unsigned clock_skew_s; /* tolerated clock difference; 0: the protocol's default */
	struct net_drf_settings drf;
	struct net_pva_settings pva;
};

/*
 * The defaults: 127.0.0.1, port 0, every role, store "mcimd.db" and PKI "pki"
 * (both relative to base_dir), level info, no tenants, 1 MiB bodies, 30 s idle
 * timeout, 10 s shutdown grace, 4 threads, 1024 connections. base_dir may be "".
 */
void net_config_defaults(struct net_config *cfg, const char *base_dir);

/*
 * Parses a config document of len octets (need not be NUL-terminated). base_dir
 * resolves relative paths. On error nothing is left allocated in *cfg and e->msg
 * says what and where: MCIM_ERR_PARSE (not JSON: line and column),
 * MCIM_ERR_INVALID_ARG (unknown key or bad value, a path too long once resolved: the
 * key path), MCIM_ERR_NOMEM.
 */
mcim_err net_config_parse(const char *text, size_t len, const char *base_dir,
			  struct net_config *cfg, struct net_jerr *e);

/*
 * Reads and parses the file at path (at most NET_CONFIG_FILE_MAX octets). Errors as
 * net_config_parse, and MCIM_ERR_IO (cannot read; e->msg has the system's reason),
 * MCIM_ERR_TOO_LARGE (file too big).
 */
mcim_err net_config_load(const char *path, struct net_config *cfg, struct net_jerr *e);

/* Releases what cfg owns and leaves it empty. cfg may be NULL. */
void net_config_free(struct net_config *cfg);

/*
 * A comma-separated role list ("drf,pva") -> role bits. Errors: MCIM_ERR_INVALID_ARG
 * with e->msg naming the offending word (empty list, unknown or repeated role).
 */
mcim_err net_roles_parse(const char *list, unsigned *out, struct net_jerr *e);

/* Writes the role names of bits as "drf,pva" into out (cap >= 24 holds all). */
void net_roles_format(unsigned bits, char *out, size_t cap);

/* "sho", "ro", "pva", "vno"; "?" out of range. */
const char *net_tenant_kind_name(enum net_tenant_kind kind);

/* The tenant called name, or NULL. */
const struct net_tenant *net_config_tenant(const struct net_config *cfg,
					   const char *name);

#endif
