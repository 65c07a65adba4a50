/*
 * fuzz/conf.c: libFuzzer harness for the config file and the keymap
 * (keymap.c).
 *
 * The input is written to a file (0600: others may not write it) that
 * is read both as the config and as the keymap.  A keymap that loads
 * must give each address and local-name line back for its own pattern.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "keymap.h"

static char	path[] = "/tmp/pgpsendmail-fuzz-conf.XXXXXX";
static int	fd = -1;

static void
rmfile(void)
{
	unlink(path);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const addrs[] = { "alice@example.org",
	    "ALICE@Example.ORG", "bob@sub.example.org", "root", "root@",
	    "@example.org", "*", "", "a@b@c" };
	struct conf			 c;
	struct keymap			 km;
	const struct keymap_entry	*e;
	char				 err[ERRLEN];
	size_t				 i;

	if (fd == -1) {
		if ((fd = mkstemp(path)) == -1)
			abort();
		atexit(rmfile);
	}
	if (ftruncate(fd, 0) == -1 ||
	    pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();
	conf_load(&c, path, err, sizeof(err));
	conf_free(&c);
	if (keymap_load(&km, path, err, sizeof(err)) == 0) {
		for (i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++)
			if (keymap_lookup(&km, addrs[i]) == NULL)
				abort();
		for (i = 0; i < km.n; i++) {
			e = &km.e[i];
			if ((e->kind == PAT_EXACT || e->kind == PAT_LOCAL) &&
			    keymap_lookup(&km, e->pattern) != e)
				abort();	/* a line that never applies */
		}
	}
	keymap_free(&km);
	return 0;
}
