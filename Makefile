# pgpsendmail
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc
DESTDIR ?=

CFLAGS ?= -O2 -g
WARN = -Wall -Wextra
BSD_CFLAGS != pkg-config --cflags libbsd-overlay 2>/dev/null || echo -isystem /usr/include/bsd -DLIBBSD_OVERLAY
BSD_LIBS != pkg-config --libs libbsd-overlay 2>/dev/null || echo -lbsd
ALL_CFLAGS = $(CFLAGS) $(WARN) -D_GNU_SOURCE -DSYSCONFDIR='"$(SYSCONFDIR)"' $(BSD_CFLAGS)

OBJS = pgpsendmail.o send.o make.o verify.o smtp.o backend.o keymap.o gpg.o \
    input.o rfc5322.o armor.o spool.o
HDRS = pgpsendmail.h armor.h backend.h gpg.h input.h keymap.h rfc5322.h \
    spool.h

# Debian packages the build, the demo and the tests need.
DEPS = gcc make pkg-config libbsd-dev gnupg gpg-agent perl mandoc

all: pgpsendmail

pgpsendmail: $(OBJS)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(OBJS) $(BSD_LIBS)

.c.o:
	$(CC) $(ALL_CFLAGS) -c $<

$(OBJS): $(HDRS)

# Installs what is missing when run as root; otherwise names it.
deps:
	@missing=; for p in $(DEPS); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | \
		    grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	[ -z "$$missing" ] && exit 0; \
	if [ "$$(id -u)" -ne 0 ]; then \
		echo "missing packages; as root run: apt-get install$$missing"; \
		exit 1; \
	fi; \
	echo "installing:$$missing"; \
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	    apt-get install -y -qq --no-install-recommends $$missing

demo: deps
	@$(MAKE) -s pgpsendmail
	@sh ./demo.sh

check: deps
	@$(MAKE) -s pgpsendmail
	prove -j2 t/
	mandoc -Tlint -Wwarning man/pgpsendmail.8 man/pgpsendmail.conf.5

install: pgpsendmail
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man8 \
	    $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(SYSCONFDIR)/pgpsendmail
	install -m 755 pgpsendmail $(DESTDIR)$(BINDIR)/pgpsendmail
	install -m 644 man/pgpsendmail.8 $(DESTDIR)$(MANDIR)/man8/
	install -m 644 man/pgpsendmail.conf.5 $(DESTDIR)$(MANDIR)/man5/
	[ -e $(DESTDIR)$(SYSCONFDIR)/pgpsendmail.conf ] || install -m 644 \
	    pgpsendmail.conf.sample $(DESTDIR)$(SYSCONFDIR)/pgpsendmail.conf
	[ -e $(DESTDIR)$(SYSCONFDIR)/pgpsendmail/keymap ] || install -m 644 \
	    keymap.sample $(DESTDIR)$(SYSCONFDIR)/pgpsendmail/keymap

clean:
	rm -f pgpsendmail $(OBJS)

.PHONY: all deps demo check install clean
