/*
 * net/roles.h: how each network function puts its routes on the server. mcimd calls
 * the functions of the roles it hosts, before net_server_start(); each one adds its
 * route table (net/http.h) with its own context as the routes' argument, so the
 * context must outlive the server.
 *
 * Errors are those of net_server_add_routes(): on error none of that role's routes
 * is added.
 */
#ifndef MCIM_NET_ROLES_H
#define MCIM_NET_ROLES_H

#include "mcim/err.h"
#include "net/http.h"
#include "net/sho.h" /* net_sho_routes(): the DPF, CCIF and AuC routes */

struct net_api_ctx;
struct net_drf;

/*
 * The operator REST API of the registration side (docs/api.md): subscribers,
 * registrations (one, and the streamed NDJSON batch), device lists, audit queries.
 * Every route is NET_API_OPERATOR (bearer token of the path's tenant).
 */
mcim_err net_operator_api_routes(struct net_server *srv, struct net_api_ctx *api);

/* The DRF's device-facing route, POST /drf/v1/discover (docs/protocol.md §3). */
mcim_err net_drf_routes(struct net_server *srv, struct net_drf *drf);

#endif
