/*
 * The memo of verified signatures (net/sigmemo.h): a set-associative table of
 * SHA-256 keys with least-recently-used replacement inside each set. Recency is a
 * counter taken at each hit and each add; the hot entries (a daemon's peers'
 * certificate links, hit by every device) stay, while the one-off entries of
 * devices come and go.
 */
#include "net/sigmemo.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct way {
	uint8_t key[MCIM_SHA256_LEN];
	uint64_t used; /* 0: empty */
};

struct net_sigmemo {
	pthread_mutex_t lock;
	uint64_t tick;
	struct way set[NET_SIGMEMO_SETS][NET_SIGMEMO_WAYS];
};

static int hook_seen(void *arg, const uint8_t key[MCIM_SHA256_LEN])
{
	return net_sigmemo_seen(arg, key);
}

static void hook_add(void *arg, const uint8_t key[MCIM_SHA256_LEN])
{
	net_sigmemo_add(arg, key);
}

mcim_err net_sigmemo_new(struct net_sigmemo **out, struct mcim_p256_memo *hook)
{
	struct net_sigmemo *m = calloc(1, sizeof(*m));

	*out = NULL;
	if (m == NULL)
		return MCIM_ERR_NOMEM;
	if (pthread_mutex_init(&m->lock, NULL) != 0) {
		free(m);
		return MCIM_ERR_NOMEM;
	}
	*out = m;
	*hook = (struct mcim_p256_memo){hook_seen, hook_add, m};
	return MCIM_OK;
}

void net_sigmemo_free(struct net_sigmemo *m)
{
	if (m == NULL)
		return;
	pthread_mutex_destroy(&m->lock);
	free(m);
}

static struct way *set_of(struct net_sigmemo *m, const uint8_t key[MCIM_SHA256_LEN])
{
	uint32_t i = ((uint32_t)key[0] << 16) | ((uint32_t)key[1] << 8) | key[2];

	return m->set[i % NET_SIGMEMO_SETS];
}

int net_sigmemo_seen(struct net_sigmemo *m, const uint8_t key[MCIM_SHA256_LEN])
{
	struct way *s = set_of(m, key);
	int hit = 0;

	pthread_mutex_lock(&m->lock);
	for (int w = 0; w < NET_SIGMEMO_WAYS && !hit; w++)
		if (s[w].used != 0 && memcmp(s[w].key, key, MCIM_SHA256_LEN) == 0) {
			s[w].used = ++m->tick;
			hit = 1;
		}
	pthread_mutex_unlock(&m->lock);
	return hit;
}

void net_sigmemo_add(struct net_sigmemo *m, const uint8_t key[MCIM_SHA256_LEN])
{
	struct way *s = set_of(m, key);
	int victim = 0;

	pthread_mutex_lock(&m->lock);
	for (int w = 0; w < NET_SIGMEMO_WAYS; w++) {
		if (s[w].used != 0 && memcmp(s[w].key, key, MCIM_SHA256_LEN) == 0) {
			victim = w; /* added by two threads at once: refresh it */
			break;
		}
		if (s[w].used < s[victim].used)
			victim = w;
	}
	memcpy(s[victim].key, key, MCIM_SHA256_LEN);
	s[victim].used = ++m->tick;
	pthread_mutex_unlock(&m->lock);
}
