# pgpsendmail
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc
DESTDIR ?=

CFLAGS ?= -O2 -g
WARN = -Wall -Wextra -Wno-unused-parameter
BSD_CFLAGS != pkg-config --cflags libbsd-overlay 2>/dev/null || echo -isystem /usr/include/bsd -DLIBBSD_OVERLAY
BSD_LIBS != pkg-config --libs libbsd-overlay 2>/dev/null || echo -lbsd
ALL_CFLAGS = $(CFLAGS) $(WARN) -D_GNU_SOURCE -DSYSCONFDIR='"$(SYSCONFDIR)"' $(BSD_CFLAGS)

OBJS = pgpsendmail.o keymap.o gpg.o input.o rfc5322.o spool.o
HDRS = gpg.h input.h keymap.h rfc5322.h spool.h

all: pgpsendmail

pgpsendmail: $(OBJS)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(OBJS) $(BSD_LIBS)

.c.o:
	$(CC) $(ALL_CFLAGS) -c $<

$(OBJS): $(HDRS)

check: pgpsendmail
	prove -j2 t/

clean:
	rm -f pgpsendmail $(OBJS)

.PHONY: all check clean
