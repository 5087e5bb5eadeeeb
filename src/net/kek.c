/*
 * Key-encryption keys of the network functions (net/kek.h): one file per tenant and
 * function, created by the first daemon that needs it and shared by the others.
 */
#include "net/kek.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mcim/bytes.h"
#include "mcim/rand.h"

static mcim_err kek_read(const char *path, uint8_t kek[NET_KEK_LEN])
{
	char hex[2 * NET_KEK_LEN + 2];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	mcim_err err;

	if (fd < 0)
		return errno == ENOENT ? MCIM_ERR_NOT_FOUND : MCIM_ERR_IO;
	n = read(fd, hex, sizeof(hex));
	close(fd);
	if (n < 2 * NET_KEK_LEN)
		err = MCIM_ERR_PARSE;
	else if (mcim_hex_decode_exact(hex, 2 * NET_KEK_LEN, kek, NET_KEK_LEN) != MCIM_OK)
		err = MCIM_ERR_PARSE;
	else
		err = MCIM_OK;
	mcim_wipe(hex, sizeof(hex));
	return err;
}

mcim_err net_kek_load(const char *dir, const char *name, uint8_t kek[NET_KEK_LEN])
{
	char path[NET_KEK_PATH_MAX], tmp[NET_KEK_PATH_MAX + 16];
	char hex[2 * NET_KEK_LEN + 2];
	mcim_err err;
	int fd, ok;

	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
		return MCIM_ERR_INVALID_ARG;
	err = kek_read(path, kek);
	if (err != MCIM_ERR_NOT_FOUND)
		return err;
	snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path);
	fd = mkstemp(tmp);
	if (fd < 0)
		return MCIM_ERR_IO;
	err = mcim_rng_fill(mcim_rng_system(), kek, NET_KEK_LEN);
	if (err == MCIM_OK)
		err = mcim_hex_encode(kek, NET_KEK_LEN, hex, sizeof(hex));
	mcim_wipe(kek, NET_KEK_LEN);
	if (err == MCIM_OK) {
		hex[2 * NET_KEK_LEN] = '\n';
		ok = fchmod(fd, 0600) == 0 &&
		     write(fd, hex, 2 * NET_KEK_LEN + 1) == 2 * NET_KEK_LEN + 1 &&
		     fsync(fd) == 0;
		err = ok ? MCIM_OK : MCIM_ERR_IO;
	}
	mcim_wipe(hex, sizeof(hex));
	close(fd);
	/* link() refuses to replace: a daemon that lost the race reads the winner's. */
	if (err == MCIM_OK && link(tmp, path) != 0 && errno != EEXIST)
		err = MCIM_ERR_IO;
	unlink(tmp);
	return err == MCIM_OK ? kek_read(path, kek) : err;
}
