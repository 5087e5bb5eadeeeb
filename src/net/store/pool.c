/*
 * The store connection pools of a process (net/store/store.h "connection pools"): a
 * list of pools, one per (url, durable), each a locked stack of idle connections.
 * The list is searched at acquire only (start-up), never per request.
 */
#include "net/store/store.h"

#include <assert.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct net_store_pool {
	struct net_store_pool *next;
	unsigned refs; /* under registry_lock */
	char *url;
	int durable;
	pthread_mutex_t lock;
	size_t n;
	struct net_store *idle[NET_STORE_POOL_MAX];
};

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static struct net_store_pool *registry;

mcim_err net_store_pool_acquire(const struct net_store_config *cfg,
				struct net_store_pool **out)
{
	struct net_store_pool *p;
	mcim_err err = MCIM_OK;

	assert(cfg != NULL && out != NULL);
	*out = NULL;
	if (cfg->url == NULL || cfg->url[0] == '\0')
		return MCIM_ERR_INVALID_ARG;
	pthread_mutex_lock(&registry_lock);
	for (p = registry; p != NULL; p = p->next)
		if (strcmp(p->url, cfg->url) == 0 && p->durable == (cfg->durable != 0))
			break;
	if (p == NULL) {
		p = calloc(1, sizeof(*p));
		if (p != NULL && (p->url = strdup(cfg->url)) == NULL) {
			free(p);
			p = NULL;
		}
		if (p != NULL) {
			p->durable = cfg->durable != 0;
			pthread_mutex_init(&p->lock, NULL);
			p->next = registry;
			registry = p;
		} else {
			err = MCIM_ERR_NOMEM;
		}
	}
	if (p != NULL) {
		p->refs++;
		*out = p;
	}
	pthread_mutex_unlock(&registry_lock);
	return err;
}

void net_store_pool_release(struct net_store_pool *p)
{
	struct net_store_pool **link;

	if (p == NULL)
		return;
	pthread_mutex_lock(&registry_lock);
	if (--p->refs > 0) {
		pthread_mutex_unlock(&registry_lock);
		return;
	}
	for (link = &registry; *link != p; link = &(*link)->next)
		;
	*link = p->next;
	pthread_mutex_unlock(&registry_lock);
	for (size_t i = 0; i < p->n; i++)
		net_store_close(p->idle[i]);
	pthread_mutex_destroy(&p->lock);
	free(p->url);
	free(p);
}

mcim_err net_store_pool_get(struct net_store_pool *p, struct net_store **st)
{
	struct net_store_config c = {0};

	assert(p != NULL && st != NULL);
	*st = NULL;
	pthread_mutex_lock(&p->lock);
	if (p->n > 0)
		*st = p->idle[--p->n];
	pthread_mutex_unlock(&p->lock);
	if (*st != NULL)
		return MCIM_OK;
	c.url = p->url;
	c.durable = p->durable;
	return net_store_open(&c, st, NULL, 0);
}

void net_store_pool_put(struct net_store_pool *p, struct net_store *st)
{
	if (st == NULL)
		return;
	assert(p != NULL);
	if (st->in_tx)
		(void)net_store_rollback(st);
	pthread_mutex_lock(&p->lock);
	if (p->n < NET_STORE_POOL_MAX) {
		p->idle[p->n++] = st;
		st = NULL;
	}
	pthread_mutex_unlock(&p->lock);
	net_store_close(st);
}
