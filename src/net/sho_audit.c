/*
 * The SHO's audit trail: what the CCIF, the DPF and the management functions change
 * in an MCIM's life (ordered, packaged, installed, activated, suspended, deleted;
 * commands queued and answered) goes into the tenant's hash-chained trail in the
 * same transaction as the change, so an operator's audit query shows the whole life
 * of every MCIM it issued and a change without its record cannot be committed.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "net/api_operator.h"
#include "net/sho_int.h"

static const char *const order_state_names[] = {
    NULL, "created", "packaged", "installed", "activated", "suspended", "deleted",
};

const char *sho_order_state_name(int state)
{
	return state >= NET_MCIM_CREATED && state <= NET_MCIM_DELETED
		   ? order_state_names[state]
		   : NULL;
}

int sho_order_state_parse(const char *name)
{
	for (int i = NET_MCIM_CREATED; i <= NET_MCIM_DELETED; i++)
		if (strcmp(name, order_state_names[i]) == 0)
			return i;
	return 0;
}

mcim_err sho_audit(struct net_store *st, const struct sho_tenant *t, int64_t now,
		   const char *actor, uint16_t event,
		   const uint8_t mcim_id[NET_MCIM_ID_LEN], const char *fmt, ...)
{
	char subject[2 * NET_MCIM_ID_LEN + 1], detail[NET_STORE_DETAIL_MAX + 1];
	va_list ap;

	net_api_hex(mcim_id, NET_MCIM_ID_LEN, subject);
	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	return net_api_audit(st, t->id, now, actor, event, MCIM_OK, subject, "%s",
			     detail);
}

mcim_err sho_order_move(struct net_store *st, const struct sho_tenant *t,
			const struct net_mcim_order *o, int from, int to,
			const char *actor, int64_t now)
{
	mcim_err err =
	    net_store_order_set_state(st, t->id, o->mcim_id, from, to, NULL, 0, now);

	if (err == MCIM_OK)
		err = sho_audit(st, t, now, actor, NET_AUDIT_MCIM_STATE, o->mcim_id,
				"%s -> %s", sho_order_state_name(from),
				sho_order_state_name(to));
	return err;
}
