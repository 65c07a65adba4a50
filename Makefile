# pgpsendmail
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc
SPOOLDIR ?= /var/spool/pgpsendmail
DESTDIR ?=

CFLAGS ?= -O2 -g
WARN = -Wall -Wextra
BSD_CFLAGS != pkg-config --cflags libbsd-overlay 2>/dev/null || echo -isystem /usr/include/bsd -DLIBBSD_OVERLAY
BSD_LIBS != pkg-config --libs libbsd-overlay 2>/dev/null || echo -lbsd
VERSION = 0.3
ALL_CFLAGS = $(CFLAGS) $(WARN) -D_GNU_SOURCE -DSYSCONFDIR='"$(SYSCONFDIR)"' \
    -DVERSION='"$(VERSION)"' $(BSD_CFLAGS)

OBJS = pgpsendmail.o send.o smtp.o gateway.o verify.o report.o msg.o out.o \
    queue.o backend.o reinject.o keymap.o keycache.o gpg.o run.o \
    input.o rfc5322.o armor.o spool.o text.o fdio.o border.o
HDRS = armor.h backend.h border.h conf.h gateway.h gpg.h input.h keycache.h keymap.h \
    msg.h out.h queue.h reinject.h rfc5322.h report.h run.h send.h smtp.h spool.h text.h \
    verify.h fdio.h

# Debian packages the build, the demo and the tests need.
DEPS = gcc make pkg-config libbsd-dev gnupg gpg-agent perl mandoc strace

all: pgpsendmail

pgpsendmail: $(OBJS)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(OBJS) $(BSD_LIBS)

.c.o:
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -c $<

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

bench: pgpsendmail
	sh bench/bench.sh

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
	install -d -m 700 $(DESTDIR)$(SPOOLDIR)

# Every user queues: the program set-group-id to a group of its own, the
# spool that group's alone (see QUEUE in pgpsendmail(8)).
install-setgid: install
	getent group pgpsendmail >/dev/null || groupadd --system pgpsendmail
	chgrp pgpsendmail $(DESTDIR)$(BINDIR)/pgpsendmail $(DESTDIR)$(SPOOLDIR)
	chmod 2755 $(DESTDIR)$(BINDIR)/pgpsendmail
	chmod 2770 $(DESTDIR)$(SPOOLDIR)

clean:
	rm -f pgpsendmail $(OBJS)

.PHONY: all bench deps demo check install install-setgid clean

# The Debian package (debian/), built from a copy of the files git knows
# (tracked, or new and not ignored) in a temporary directory, so that the
# clone stays clean; the .deb is left in DEBOUT, checked with lintian
# (errors and warnings fail; as root it says root is not recommended).
#	make deb [DEBOUT=dir] [DEBVERSION=v]	v: a changelog entry on top
#	make check-package	as root, with Postfix: install, send, upgrade,
#				purge (t/pkg/; changes /usr/sbin/sendmail
#				while it runs, and puts it back)
DEBOUT ?= $(CURDIR)
DEBDEPS = build-essential devscripts debhelper lintian fakeroot

deb:
	@tmp=$$(mktemp -d "$${TMPDIR:-/tmp}/pgpsendmail-deb.XXXXXX") || exit 1; \
	trap 'rm -rf "$$tmp"' EXIT; \
	mkdir "$$tmp/pgpsendmail-$(VERSION)" && \
	git ls-files -z --cached --others --exclude-standard >"$$tmp/files" && \
	tar --null -T "$$tmp/files" -cf - | \
	    tar -xf - -C "$$tmp/pgpsendmail-$(VERSION)" && \
	(cd "$$tmp/pgpsendmail-$(VERSION)" && \
	    if [ -n "$(DEBVERSION)" ]; then \
		DEBEMAIL="$$(dpkg-parsechangelog -S Maintainer)" \
		    dch --preserve -v "$(DEBVERSION)" -D unstable --force-distribution \
		    "Rebuilt as $(DEBVERSION)." || exit 1; \
	    fi && \
	    dpkg-buildpackage -us -uc -b >"$$tmp/build.log" 2>&1) || \
	    { tail -n 40 "$$tmp/build.log"; exit 1; }; \
	lintian --fail-on error,warning "$$tmp"/pgpsendmail_*.changes || \
	    exit 1; \
	rm -f "$(DEBOUT)"/pgpsendmail_*.deb; \
	cp "$$tmp"/pgpsendmail_*.deb "$(DEBOUT)/" && \
	ls "$(DEBOUT)"/pgpsendmail_*.deb

check-package:
	@d=$$(mktemp -d "$${TMPDIR:-/tmp}/pgpsendmail-debs.XXXXXX") || exit 1; \
	trap 'rm -rf "$$d"' EXIT; \
	PKG_DEBS=$$d prove -v t/pkg/

.PHONY: deb check-package

# Fuzzing and sanitizers, with clang (and libclang-rt-14-dev) and valgrind.
#	make fuzz [FUZZTIME=600]	each harness in fuzz/ for FUZZTIME seconds
#	make fuzz-regress		each harness over its seed corpus once
#	make check-asan			the tests against asan/pgpsendmail
#	make check-valgrind		a few sends under valgrind memcheck
SANCC ?= clang
FUZZTIME ?= 60
SAN = -fsanitize=address,undefined -fno-sanitize-recover=undefined
SAN_CFLAGS = -O1 -g -fno-omit-frame-pointer $(SAN) $(WARN) -D_GNU_SOURCE \
    -DSYSCONFDIR='"$(SYSCONFDIR)"' -DVERSION='"$(VERSION)"' $(BSD_CFLAGS)
# asan/log.PID holds what a sanitizer found, even where a test hid stderr.
SAN_ENV = ASAN_OPTIONS=detect_leaks=1:exitcode=86:log_path=$(CURDIR)/asan/log \
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:exitcode=86:log_path=$(CURDIR)/asan/log
FUZZERS = fuzz/build/hdr fuzz/build/addr fuzz/build/conf fuzz/build/smtp

fuzz/build/%.o: %.c $(HDRS)
	@mkdir -p fuzz/build
	$(SANCC) $(SAN_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

fuzz/build/hdr: fuzz/hdr.c fuzz/build/input.o fuzz/build/rfc5322.o \
    fuzz/build/armor.o fuzz/build/text.o
	$(SANCC) $(SAN_CFLAGS) -fsanitize=fuzzer -I. -Wl,--wrap=read -o $@ \
	    fuzz/hdr.c fuzz/build/input.o fuzz/build/rfc5322.o \
	    fuzz/build/armor.o fuzz/build/text.o $(BSD_LIBS)

fuzz/build/addr: fuzz/addr.c fuzz/build/input.o fuzz/build/rfc5322.o \
    fuzz/build/text.o
	$(SANCC) $(SAN_CFLAGS) -fsanitize=fuzzer -I. -o $@ fuzz/addr.c \
	    fuzz/build/input.o fuzz/build/rfc5322.o fuzz/build/text.o \
	    $(BSD_LIBS)

fuzz/build/conf: fuzz/conf.c fuzz/build/keymap.o
	$(SANCC) $(SAN_CFLAGS) -fsanitize=fuzzer -I. -o $@ fuzz/conf.c \
	    fuzz/build/keymap.o $(BSD_LIBS)

# gpg and the real sendmail are stand-ins in fuzz/smtp.c.
SMTP_OBJS = fuzz/build/smtp.o fuzz/build/send.o fuzz/build/msg.o \
    fuzz/build/out.o \
    fuzz/build/keymap.o fuzz/build/input.o fuzz/build/rfc5322.o \
    fuzz/build/armor.o fuzz/build/spool.o fuzz/build/text.o \
    fuzz/build/fdio.o

fuzz/build/smtp: fuzz/smtp.c $(SMTP_OBJS)
	$(SANCC) $(SAN_CFLAGS) -fsanitize=fuzzer -I. -Wl,--wrap=input_line \
	    -o $@ fuzz/smtp.c $(SMTP_OBJS) $(BSD_LIBS)

fuzz: $(FUZZERS)
	nice sh fuzz/run.sh $(FUZZTIME) hdr addr conf smtp

fuzz-regress: $(FUZZERS)
	sh fuzz/run.sh regress hdr addr conf smtp

asan/%.o: %.c $(HDRS)
	@mkdir -p asan
	$(SANCC) $(SAN_CFLAGS) -c -o $@ $<

asan/pgpsendmail: $(OBJS:%=asan/%)
	$(SANCC) $(SAN) -o $@ $(OBJS:%=asan/%) $(BSD_LIBS)

check-asan: asan/pgpsendmail
	@rm -f asan/log.*
	@st=0; $(SAN_ENV) PGPSENDMAIL=$(CURDIR)/asan/pgpsendmail \
	    prove -j2 t/ || st=$$?; \
	if ls asan/log.* >/dev/null 2>&1; then \
		cat asan/log.*; echo "check-asan: the sanitizers found errors"; \
		exit 1; \
	fi; exit $$st

check-valgrind: pgpsendmail
	sh fuzz/valgrind.sh ./pgpsendmail

clean-san:
	rm -rf fuzz/build asan

.PHONY: fuzz fuzz-regress check-asan check-valgrind clean-san
