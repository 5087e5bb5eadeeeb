/*
 * The config loader: one JSON file read whole, checked key by key against the
 * schema documented in docs/mcimd.md, into a struct net_config that the daemon
 * then only reads. A refusal names the key path and leaves nothing allocated.
 */
#include "net/config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcim/bytes.h"

struct role_name {
	const char *name;
	unsigned bit;
};

static const struct role_name role_names[] = {
    {"drf", NET_ROLE_DRF}, {"pva", NET_ROLE_PVA}, {"dpf", NET_ROLE_DPF},
    {"auc", NET_ROLE_AUC}, {"icf", NET_ROLE_ICF},
};
#define N_ROLES (sizeof(role_names) / sizeof(role_names[0]))

static const char *const kind_names[] = {
    [NET_TENANT_SHO] = "sho",
    [NET_TENANT_RO] = "ro",
    [NET_TENANT_PVA] = "pva",
    [NET_TENANT_VNO] = "vno",
};
#define N_KINDS (sizeof(kind_names) / sizeof(kind_names[0]))

const char *net_tenant_kind_name(enum net_tenant_kind kind)
{
	if ((unsigned)kind >= N_KINDS || kind_names[kind] == NULL)
		return "?";
	return kind_names[kind];
}

/* base_dir/rel, or rel itself when absolute or when base_dir is "". */
static int resolve_path(char out[NET_PATH_MAX], const char *base_dir, const char *rel)
{
	int n;

	if (rel[0] == '/' || base_dir[0] == '\0')
		n = snprintf(out, NET_PATH_MAX, "%s", rel);
	else
		n = snprintf(out, NET_PATH_MAX, "%s/%s", base_dir, rel);
	return n >= 0 && n < NET_PATH_MAX;
}

void net_config_defaults(struct net_config *cfg, const char *base_dir)
{
	memset(cfg, 0, sizeof(*cfg));
	strcpy(cfg->listen_address, "127.0.0.1");
	cfg->roles = NET_ROLES_ALL;
	if (!resolve_path(cfg->store_path, base_dir, "mcimd.db"))
		cfg->store_path[0] = '\0';
	if (!resolve_path(cfg->pki_dir, base_dir, "pki"))
		cfg->pki_dir[0] = '\0';
	cfg->log_level = NET_LOG_INFO;
	cfg->limits.max_body_bytes = 1u << 20;
	cfg->limits.idle_timeout_s = 30;
	cfg->limits.shutdown_grace_s = 10;
	cfg->limits.threads = 4;
	cfg->limits.max_connections = 1024;
}

void net_config_free(struct net_config *cfg)
{
	if (cfg == NULL)
		return;
	free(cfg->tenants);
	cfg->tenants = NULL;
	cfg->n_tenants = 0;
}

static mcim_err role_bit(const char *word, size_t len, unsigned *bit)
{
	for (size_t i = 0; i < N_ROLES; i++) {
		if (strlen(role_names[i].name) == len &&
		    memcmp(role_names[i].name, word, len) == 0) {
			*bit = role_names[i].bit;
			return MCIM_OK;
		}
	}
	return MCIM_ERR_NOT_FOUND;
}

mcim_err net_roles_parse(const char *list, unsigned *out, struct net_jerr *e)
{
	unsigned bits = 0, bit;
	const char *p = list;

	if (list[0] == '\0')
		return net_jerr_set(e, "", "empty role list (drf, pva, dpf, auc, icf)");
	for (;;) {
		size_t len = strcspn(p, ",");
		if (role_bit(p, len, &bit) != MCIM_OK)
			return net_jerr_set(
			    e, "", "unknown role \"%.*s\" (drf, pva, dpf, auc, icf)",
			    (int)(len > 16 ? 16 : len), p);
		if (bits & bit)
			return net_jerr_set(e, "", "role \"%.*s\" given twice", (int)len,
					    p);
		bits |= bit;
		if (p[len] == '\0')
			break;
		p += len + 1;
	}
	*out = bits;
	return MCIM_OK;
}

void net_roles_format(unsigned bits, char *out, size_t cap)
{
	size_t n = 0;

	if (cap == 0)
		return;
	out[0] = '\0';
	for (size_t i = 0; i < N_ROLES; i++) {
		if (!(bits & role_names[i].bit))
			continue;
		int w = snprintf(out + n, cap - n, "%s%s", n > 0 ? "," : "",
				 role_names[i].name);
		if (w < 0 || (size_t)w >= cap - n)
			return;
		n += (size_t)w;
	}
}

const struct net_tenant *net_config_tenant(const struct net_config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->n_tenants; i++)
		if (strcmp(cfg->tenants[i].name, name) == 0)
			return &cfg->tenants[i];
	return NULL;
}

static mcim_err parse_listen(const json_t *root, struct net_config *cfg,
			     struct net_jerr *e)
{
	static const char *const keys[] = {"address", "port", "plain_http", NULL};
	const json_t *v = json_object_get(root, "listen");
	const json_t *b;
	const char *addr = NULL;
	uint64_t port = cfg->port;
	unsigned char sa[sizeof(struct in6_addr)];
	mcim_err err;

	if (v == NULL)
		return MCIM_OK;
	if ((err = net_json_object(v, "listen", keys, e)) != MCIM_OK ||
	    (err = net_json_str(v, "listen", "address", 0, 2, NET_ADDR_MAX - 1, &addr,
				e)) != MCIM_OK ||
	    (err = net_json_uint(v, "listen", "port", 0, 0, 65535, &port, e)) != MCIM_OK)
		return err;
	if (addr != NULL) {
		if (inet_pton(AF_INET, addr, sa) != 1 &&
		    inet_pton(AF_INET6, addr, sa) != 1)
			return net_jerr_set(e, "listen.address",
					    "must be an IPv4 or IPv6 address");
		strcpy(cfg->listen_address, addr);
	}
	cfg->port = (uint16_t)port;
	b = json_object_get(v, "plain_http");
	if (b != NULL && !json_is_boolean(b))
		return net_jerr_set(e, "listen.plain_http", "must be true or false");
	cfg->plain_http = b != NULL && json_is_true(b);
	return MCIM_OK;
}

/* 1 for 127.0.0.0/8 and ::1: addresses no other host can reach. */
static int is_loopback(const char *addr)
{
	struct in_addr v4;
	struct in6_addr v6;

	if (inet_pton(AF_INET, addr, &v4) == 1)
		return (ntohl(v4.s_addr) >> 24) == 127;
	return inet_pton(AF_INET6, addr, &v6) == 1 && IN6_IS_ADDR_LOOPBACK(&v6);
}

/*
 * tls.cert and tls.key, both or neither. Bearer tokens and the device's session
 * travel in headers: off the host they need TLS, so a non-loopback address without
 * it is refused unless listen.plain_http says a proxy in front ends TLS.
 */
static mcim_err parse_tls(const json_t *root, const char *base_dir,
			  struct net_config *cfg, struct net_jerr *e)
{
	static const char *const keys[] = {"cert", "key", NULL};
	const json_t *v = json_object_get(root, "tls");
	const char *cert = NULL, *key = NULL;
	mcim_err err;

	if (v != NULL) {
		if ((err = net_json_object(v, "tls", keys, e)) != MCIM_OK ||
		    (err = net_json_str(v, "tls", "cert", 1, 1, NET_PATH_MAX - 1, &cert,
					e)) != MCIM_OK ||
		    (err = net_json_str(v, "tls", "key", 1, 1, NET_PATH_MAX - 1, &key,
					e)) != MCIM_OK)
			return err;
		if (!resolve_path(cfg->tls_cert, base_dir, cert) ||
		    !resolve_path(cfg->tls_key, base_dir, key))
			return net_jerr_set(e, "tls", "a path longer than %d characters",
					    NET_PATH_MAX - 1);
	}
	if (cfg->tls_cert[0] == '\0' && !cfg->plain_http &&
	    !is_loopback(cfg->listen_address))
		return net_jerr_set(
		    e, "listen.address",
		    "%s is reachable from other hosts: configure tls, or set "
		    "listen.plain_http when a proxy in front ends TLS",
		    cfg->listen_address);
	return MCIM_OK;
}

static mcim_err parse_roles(const json_t *root, struct net_config *cfg,
			    struct net_jerr *e)
{
	const json_t *arr = NULL;
	char sub[NET_JPATH_MAX];
	unsigned bits = 0, bit;
	mcim_err err;

	if ((err = net_json_array(root, "", "roles", 0, N_ROLES, &arr, e)) != MCIM_OK)
		return err;
	if (arr == NULL)
		return MCIM_OK;
	if (json_array_size(arr) == 0)
		return net_jerr_set(e, "roles", "must name at least one role");
	for (size_t i = 0; i < json_array_size(arr); i++) {
		const json_t *r = json_array_get(arr, i);
		net_jpath_index(sub, "roles", i);
		if (!json_is_string(r) ||
		    role_bit(json_string_value(r), json_string_length(r), &bit) !=
			MCIM_OK)
			return net_jerr_set(e, sub,
					    "must be one of drf, pva, dpf, auc, icf");
		if (bits & bit)
			return net_jerr_set(e, sub, "role \"%s\" given twice",
					    json_string_value(r));
		bits |= bit;
	}
	cfg->roles = bits;
	return MCIM_OK;
}

/* section.key: a path string, resolved against base_dir into out. */
static mcim_err parse_path_section(const json_t *root, const char *section,
				   const char *key, const char *base_dir,
				   char out[NET_PATH_MAX], struct net_jerr *e)
{
	const char *const keys[] = {key, NULL};
	const json_t *v = json_object_get(root, section);
	const char *s = NULL;
	char sub[NET_JPATH_MAX];
	mcim_err err;

	if (v == NULL)
		return MCIM_OK;
	if ((err = net_json_object(v, section, keys, e)) != MCIM_OK ||
	    (err = net_json_str(v, section, key, 0, 1, NET_PATH_MAX - 1, &s, e)) !=
		MCIM_OK)
		return err;
	if (s == NULL)
		return MCIM_OK;
	if (!resolve_path(out, base_dir, s)) {
		net_jpath_key(sub, section, key);
		return net_jerr_set(e, sub, "longer than %d characters once resolved",
				    NET_PATH_MAX - 1);
	}
	return MCIM_OK;
}

static mcim_err parse_log(const json_t *root, struct net_config *cfg, struct net_jerr *e)
{
	static const char *const keys[] = {"level", NULL};
	const json_t *v = json_object_get(root, "log");
	const char *s = NULL;
	mcim_err err;

	if (v == NULL)
		return MCIM_OK;
	if ((err = net_json_object(v, "log", keys, e)) != MCIM_OK ||
	    (err = net_json_str(v, "log", "level", 0, 1, 16, &s, e)) != MCIM_OK)
		return err;
	if (s != NULL && net_log_level_parse(s, &cfg->log_level) != MCIM_OK)
		return net_jerr_set(e, "log.level",
				    "must be one of error, warn, info, debug");
	return MCIM_OK;
}

static mcim_err parse_limits(const json_t *root, struct net_config *cfg,
			     struct net_jerr *e)
{
	static const char *const keys[] = {"max_body_bytes",   "idle_timeout_s",
					   "shutdown_grace_s", "threads",
					   "max_connections",  NULL};
	const json_t *v = json_object_get(root, "limits");
	struct net_limits *l = &cfg->limits;
	uint64_t idle = l->idle_timeout_s, grace = l->shutdown_grace_s, th = l->threads,
		 conns = l->max_connections;
	mcim_err err;

	if (v == NULL)
		return MCIM_OK;
	if ((err = net_json_object(v, "limits", keys, e)) != MCIM_OK ||
	    (err = net_json_uint(v, "limits", "max_body_bytes", 0, 1, NET_BODY_LIMIT_MAX,
				 &l->max_body_bytes, e)) != MCIM_OK ||
	    (err = net_json_uint(v, "limits", "idle_timeout_s", 0, 1, NET_TIMEOUT_MAX_S,
				 &idle, e)) != MCIM_OK ||
	    (err = net_json_uint(v, "limits", "shutdown_grace_s", 0, 0, NET_TIMEOUT_MAX_S,
				 &grace, e)) != MCIM_OK ||
	    (err = net_json_uint(v, "limits", "threads", 0, 1, NET_THREADS_MAX, &th,
				 e)) != MCIM_OK ||
	    (err = net_json_uint(v, "limits", "max_connections", 0, 1,
				 NET_CONNECTIONS_MAX, &conns, e)) != MCIM_OK)
		return err;
	l->idle_timeout_s = (unsigned)idle;
	l->shutdown_grace_s = (unsigned)grace;
	l->threads = (unsigned)th;
	l->max_connections = (unsigned)conns;
	return MCIM_OK;
}

static mcim_err parse_protocol(const json_t *root, struct net_config *cfg,
			       struct net_jerr *e)
{
	static const char *const keys[] = {"clock_skew_s", NULL};
	const json_t *v = json_object_get(root, "protocol");
	uint64_t skew = 0;
	mcim_err err;

	if (v == NULL)
		return MCIM_OK;
	if ((err = net_json_object(v, "protocol", keys, e)) != MCIM_OK ||
	    (err = net_json_uint(v, "protocol", "clock_skew_s", 0, 1, NET_SKEW_MAX_S,
				 &skew, e)) != MCIM_OK)
		return err;
	cfg->clock_skew_s = (unsigned)skew;
	return MCIM_OK;
}

/* An absolute http(s) URL of printable characters without spaces. */
static mcim_err parse_url(const json_t *obj, const char *path, const char *key,
			  char out[NET_URL_MAX], struct net_jerr *e)
{
	const char *s = NULL;
	char sub[NET_JPATH_MAX];
	mcim_err err = net_json_str(obj, path, key, 0, 8, NET_URL_MAX - 1, &s, e);

	if (err != MCIM_OK || s == NULL)
		return err;
	net_jpath_key(sub, path, key);
	if ((strncmp(s, "http://", 7) != 0 && strncmp(s, "https://", 8) != 0) ||
	    strchr(s, ' ') != NULL || s[strlen(s) - 1] == '/')
		return net_jerr_set(e, sub,
				    "must be an http:// or https:// URL without a "
				    "trailing '/'");
	strcpy(out, s);
	return MCIM_OK;
}

static mcim_err parse_drf(const json_t *root, struct net_config *cfg, struct net_jerr *e)
{
	static const char *const keys[] = {"token_ttl_s", "dpf_url", "pva_url", NULL};
	const json_t *v = json_object_get(root, "drf");
	uint64_t ttl = 0;
	mcim_err err;

	if (v == NULL)
		return MCIM_OK;
	if ((err = net_json_object(v, "drf", keys, e)) != MCIM_OK ||
	    (err = net_json_uint(v, "drf", "token_ttl_s", 0, 60, NET_DRF_TTL_MAX_S, &ttl,
				 e)) != MCIM_OK ||
	    (err = parse_url(v, "drf", "dpf_url", cfg->drf.dpf_url, e)) != MCIM_OK ||
	    (err = parse_url(v, "drf", "pva_url", cfg->drf.pva_url, e)) != MCIM_OK)
		return err;
	cfg->drf.token_ttl_s = (unsigned)ttl;
	return MCIM_OK;
}

static mcim_err parse_pva(const json_t *root, struct net_config *cfg, struct net_jerr *e)
{
	static const char *const keys[] = {"modes", "semi_lenient", "noncritical",
					   "min_assurance", NULL};
	static const char *const mode_names[] = {"remote", "autonomous", "semi"};
	const json_t *v = json_object_get(root, "pva"), *modes = NULL, *nc = NULL, *b;
	struct net_pva_settings *p = &cfg->pva;
	char sub[NET_JPATH_MAX];
	uint64_t assurance = 0;
	mcim_err err;

	if (v == NULL)
		return MCIM_OK;
	if ((err = net_json_object(v, "pva", keys, e)) != MCIM_OK ||
	    (err = net_json_array(v, "pva", "modes", 0, 3, &modes, e)) != MCIM_OK ||
	    (err = net_json_array(v, "pva", "noncritical", 0, NET_PVA_NONCRIT_MAX, &nc,
				  e)) != MCIM_OK ||
	    (err = net_json_uint(v, "pva", "min_assurance", 0, 0, 255, &assurance, e)) !=
		MCIM_OK)
		return err;
	if (modes != NULL && json_array_size(modes) == 0)
		return net_jerr_set(e, "pva.modes", "must name at least one mode");
	for (size_t i = 0; modes != NULL && i < json_array_size(modes); i++) {
		const json_t *m = json_array_get(modes, i);
		unsigned bit = 0;

		net_jpath_index(sub, "pva.modes", i);
		for (size_t k = 0; json_is_string(m) && k < 3; k++)
			if (strcmp(json_string_value(m), mode_names[k]) == 0)
				bit = 1u
				      << (k + 1); /* enum mcim_evidence_mode: 1, 2, 3 */
		if (bit == 0)
			return net_jerr_set(e, sub,
					    "must be one of remote, autonomous, semi");
		if (p->modes & bit)
			return net_jerr_set(e, sub, "mode \"%s\" given twice",
					    json_string_value(m));
		p->modes |= bit;
	}
	b = json_object_get(v, "semi_lenient");
	if (b != NULL && !json_is_boolean(b))
		return net_jerr_set(e, "pva.semi_lenient", "must be true or false");
	p->semi_lenient = b != NULL && json_is_true(b);
	for (size_t i = 0; nc != NULL && i < json_array_size(nc); i++) {
		const json_t *s = json_array_get(nc, i);

		net_jpath_index(sub, "pva.noncritical", i);
		if (!json_is_string(s) || json_string_length(s) == 0 ||
		    json_string_length(s) > NET_COMPONENT_MAX ||
		    strlen(json_string_value(s)) != json_string_length(s))
			return net_jerr_set(
			    e, sub, "must be a component name of 1..%d characters",
			    NET_COMPONENT_MAX);
		for (size_t k = 0; k < i; k++)
			if (strcmp(p->noncritical[k], json_string_value(s)) == 0)
				return net_jerr_set(e, sub, "\"%s\" given twice",
						    json_string_value(s));
		strcpy(p->noncritical[i], json_string_value(s));
		p->n_noncritical = i + 1;
	}
	if (p->n_noncritical > 0 && !p->semi_lenient)
		return net_jerr_set(e, "pva.noncritical",
				    "only applies with \"semi_lenient\": true");
	p->min_assurance = (unsigned)assurance;
	return MCIM_OK;
}

/* A token hash must name one tenant only: look for hash among those already read. */
static int token_seen(const struct net_config *cfg, size_t upto_tenant, size_t upto_token,
		      const uint8_t *hash, size_t *tenant, size_t *token)
{
	for (size_t t = 0; t <= upto_tenant; t++) {
		size_t n = t == upto_tenant ? upto_token : cfg->tenants[t].n_tokens;
		for (size_t k = 0; k < n; k++) {
			if (memcmp(cfg->tenants[t].token_sha256[k], hash,
				   MCIM_SHA256_LEN) == 0) {
				*tenant = t;
				*token = k;
				return 1;
			}
		}
	}
	return 0;
}

static mcim_err parse_tenant(const json_t *v, const char *path, struct net_config *cfg,
			     size_t idx, struct net_jerr *e)
{
	static const char *const keys[] = {"name", "kind", "plmn", "api_token_sha256",
					   NULL};
	struct net_tenant *t = &cfg->tenants[idx];
	const char *name = NULL, *kind = NULL, *plmn = NULL;
	const json_t *tokens = NULL;
	char sub[NET_JPATH_MAX], tok[NET_JPATH_MAX];
	size_t other_t, other_k;
	mcim_err err;

	if ((err = net_json_object(v, path, keys, e)) != MCIM_OK ||
	    (err = net_json_str(v, path, "name", 1, 1, NET_TENANT_NAME_MAX, &name, e)) !=
		MCIM_OK ||
	    (err = net_json_str(v, path, "kind", 1, 1, 8, &kind, e)) != MCIM_OK ||
	    (err = net_json_str(v, path, "plmn", 1, 1, 16, &plmn, e)) != MCIM_OK ||
	    (err = net_json_array(v, path, "api_token_sha256", 0, NET_TENANT_TOKENS_MAX,
				  &tokens, e)) != MCIM_OK)
		return err;
	net_jpath_key(sub, path, "name");
	if (!net_is_name(name, NET_TENANT_NAME_MAX))
		return net_jerr_set(e, sub,
				    "must be lower-case letters, digits and '-', not "
				    "starting with '-'");
	for (size_t i = 0; i < idx; i++)
		if (strcmp(cfg->tenants[i].name, name) == 0)
			return net_jerr_set(e, sub, "\"%s\" already used by tenants[%zu]",
					    name, i);
	strcpy(t->name, name);

	t->kind = 0;
	for (size_t k = 1; k < N_KINDS; k++)
		if (strcmp(kind, kind_names[k]) == 0)
			t->kind = (enum net_tenant_kind)k;
	if (t->kind == 0) {
		net_jpath_key(sub, path, "kind");
		return net_jerr_set(e, sub, "must be one of sho, ro, pva, vno");
	}

	if (!net_is_digits(plmn, 5, 6)) {
		net_jpath_key(sub, path, "plmn");
		return net_jerr_set(e, sub, "must be 5 or 6 digits (MCC and MNC)");
	}
	strcpy(t->plmn, plmn);

	net_jpath_key(sub, path, "api_token_sha256");
	for (size_t k = 0; tokens != NULL && k < json_array_size(tokens); k++) {
		net_jpath_index(tok, sub, k);
		err = net_json_hex(json_array_get(tokens, k), tok, MCIM_SHA256_LEN,
				   "the SHA-256 of the token, never the token itself",
				   t->token_sha256[k], e);
		if (err != MCIM_OK)
			return err;
		if (token_seen(cfg, idx, k, t->token_sha256[k], &other_t, &other_k))
			return net_jerr_set(
			    e, tok,
			    "same hash as tenants[%zu].api_token_sha256[%zu] "
			    "(a token belongs to one tenant)",
			    other_t, other_k);
		t->n_tokens = k + 1;
	}
	return MCIM_OK;
}

static mcim_err parse_tenants(const json_t *root, struct net_config *cfg,
			      struct net_jerr *e)
{
	const json_t *arr = NULL;
	char sub[NET_JPATH_MAX];
	mcim_err err;

	if ((err = net_json_array(root, "", "tenants", 0, NET_TENANTS_MAX, &arr, e)) !=
	    MCIM_OK)
		return err;
	if (arr == NULL || json_array_size(arr) == 0)
		return MCIM_OK;
	cfg->tenants = calloc(json_array_size(arr), sizeof(cfg->tenants[0]));
	if (cfg->tenants == NULL) {
		net_jerr_set(e, "tenants", "out of memory");
		return MCIM_ERR_NOMEM;
	}
	for (size_t i = 0; i < json_array_size(arr); i++) {
		net_jpath_index(sub, "tenants", i);
		cfg->n_tenants = i;
		if ((err = parse_tenant(json_array_get(arr, i), sub, cfg, i, e)) !=
		    MCIM_OK)
			return err;
	}
	cfg->n_tenants = json_array_size(arr);
	return MCIM_OK;
}

mcim_err net_config_parse(const char *text, size_t len, const char *base_dir,
			  struct net_config *cfg, struct net_jerr *e)
{
	static const char *const keys[] = {"listen", "roles",	"store",  "log",
					   "pki",    "tenants", "limits", "protocol",
					   "drf",    "pva",	"tls",	  NULL};
	json_error_t jerr;
	json_t *root;
	mcim_err err;

	net_config_defaults(cfg, base_dir);
	if (cfg->store_path[0] == '\0' || cfg->pki_dir[0] == '\0')
		return net_jerr_set(e, "", "config directory path too long");
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL) {
		net_jerr_set(e, "", "not valid JSON: line %d, column %d: %s", jerr.line,
			     jerr.column, jerr.text);
		return MCIM_ERR_PARSE;
	}
	if ((err = net_json_object(root, "", keys, e)) != MCIM_OK ||
	    (err = parse_listen(root, cfg, e)) != MCIM_OK ||
	    (err = parse_roles(root, cfg, e)) != MCIM_OK ||
	    (err = parse_path_section(root, "store", "path", base_dir, cfg->store_path,
				      e)) != MCIM_OK ||
	    (err = parse_log(root, cfg, e)) != MCIM_OK ||
	    (err = parse_path_section(root, "pki", "dir", base_dir, cfg->pki_dir, e)) !=
		MCIM_OK ||
	    (err = parse_tenants(root, cfg, e)) != MCIM_OK ||
	    (err = parse_limits(root, cfg, e)) != MCIM_OK ||
	    (err = parse_protocol(root, cfg, e)) != MCIM_OK ||
	    (err = parse_drf(root, cfg, e)) != MCIM_OK ||
	    (err = parse_pva(root, cfg, e)) != MCIM_OK ||
	    (err = parse_tls(root, base_dir, cfg, e)) != MCIM_OK)
		net_config_free(cfg);
	json_decref(root);
	return err;
}

mcim_err net_config_load(const char *path, struct net_config *cfg, struct net_jerr *e)
{
	char dir[NET_PATH_MAX];
	const char *slash = strrchr(path, '/');
	char *text;
	size_t len;
	FILE *f;
	mcim_err err;

	memset(cfg, 0, sizeof(*cfg));
	dir[0] = '\0';
	if (slash != NULL) {
		size_t n = slash == path ? 1 : (size_t)(slash - path);
		if (n >= sizeof(dir))
			return net_jerr_set(e, "", "config path too long");
		memcpy(dir, path, n);
		dir[n] = '\0';
	}
	f = fopen(path, "rb");
	if (f == NULL) {
		net_jerr_set(e, "", "cannot open: %s", strerror(errno));
		return MCIM_ERR_IO;
	}
	text = malloc(NET_CONFIG_FILE_MAX + 1);
	if (text == NULL) {
		fclose(f);
		net_jerr_set(e, "", "out of memory");
		return MCIM_ERR_NOMEM;
	}
	len = fread(text, 1, NET_CONFIG_FILE_MAX + 1, f);
	if (ferror(f)) {
		net_jerr_set(e, "", "cannot read: %s", strerror(errno));
		err = MCIM_ERR_IO;
	} else if (len > NET_CONFIG_FILE_MAX) {
		net_jerr_set(e, "", "larger than %u octets", NET_CONFIG_FILE_MAX);
		err = MCIM_ERR_TOO_LARGE;
	} else {
		err = net_config_parse(text, len, dir, cfg, e);
	}
	fclose(f);
	free(text);
	return err;
}
