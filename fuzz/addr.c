/*
 * fuzz/addr.c: libFuzzer harness for address lists (rfc5322.c).
 *
 * The input, up to its first NUL, is an address list as in To: or an
 * operand.  Every address found must pass addr_check, and must come out
 * of the parser unchanged when parsed again: it is what the keymap is
 * matched against and what the real sendmail is given.  Finding 7
 * (fuzz/findings/README): a quoted local part written bare may have more
 * tokens than the parser takes; such an address is not parsed again.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rfc5322.h"
#include "text.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct addrlist	 al, again;
	const char	*why;
	char		*s, addr[ADDR_MAX + 1], addr2[ADDR_MAX + 1], buf[80];
	int		 r;

	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	safestr(s, buf, sizeof(buf));
	safestr(s, buf, 4);
	addrlist_init(&al, s);
	while ((r = addrlist_next(&al, addr, sizeof(addr), &why)) == 1) {
		if (addr_check(addr) != NULL)
			abort();	/* given out, yet not acceptable */
		addr_routed(addr);
		safestr(addr, buf, sizeof(buf));
		addrlist_init(&again, addr);
		if ((r = addrlist_next(&again, addr2, sizeof(addr2), &why)) == -1 &&
		    strcmp(why, "address too long") == 0)
			continue;	/* finding 7 */
		if (r != 1 || strcmp(addr, addr2) != 0 ||
		    addrlist_next(&again, addr2, sizeof(addr2), &why) != 0)
			abort();	/* not a fixed point */
	}
	if (r == -1 && (why == NULL || *why == '\0'))
		abort();		/* an error without a reason */
	free(s);
	return 0;
}
