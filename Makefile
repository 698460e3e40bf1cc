# Build and install surveyd. `make install PREFIX=/usr/local DESTDIR=` installs release binaries,
# systemd units, sysusers.d/tmpfiles.d files, the journal catalog, the example configuration and
# the documentation. BUILD=debug installs a debug build; SKIP_BUILD=1 installs what is built.
PREFIX ?= /usr/local
DESTDIR ?=
BUILD ?= release
SWIFT ?= swift
BINDIR = $(PREFIX)/bin
UNITDIR ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
TMPFILESDIR ?= $(PREFIX)/lib/tmpfiles.d
CATALOGDIR ?= $(PREFIX)/lib/systemd/catalog
DOCDIR = $(PREFIX)/share/doc/surveyd
SYSCONFDIR ?= /etc
BINPATH = $(shell $(SWIFT) build -c $(BUILD) --show-bin-path 2>/dev/null || echo .build/$(BUILD))

.PHONY: all build test install uninstall check-units deb

all: build

# Release binaries are built as they ship (scripts/build-release: runtime linked statically, the
# functions that start and serve first).
build:
ifndef SKIP_BUILD
ifeq ($(BUILD),release)
	./scripts/build-release surveyd surveyctl surveyweb >/dev/null
else
	$(SWIFT) build -c $(BUILD) --product surveyd
	$(SWIFT) build -c $(BUILD) --product surveyctl
	$(SWIFT) build -c $(BUILD) --product surveyweb
endif
endif

test:
	./scripts/test

install: build
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSUSERSDIR) $(DESTDIR)$(TMPFILESDIR) \
		$(DESTDIR)$(CATALOGDIR) $(DESTDIR)$(DOCDIR) $(DESTDIR)$(SYSCONFDIR)/surveyd
	install -m 0755 $(BINPATH)/surveyd $(BINPATH)/surveyctl $(BINPATH)/surveyweb $(DESTDIR)$(BINDIR)/
	sed 's|/usr/local/bin/|$(BINDIR)/|g; s|/usr/local/share/doc/|$(PREFIX)/share/doc/|g' systemd/surveyd.service \
		> $(DESTDIR)$(UNITDIR)/surveyd.service
	sed 's|/usr/local/share/doc/|$(PREFIX)/share/doc/|g' systemd/surveyd.socket > $(DESTDIR)$(UNITDIR)/surveyd.socket
	sed 's|/usr/local/bin/|$(BINDIR)/|g; s|/usr/local/share/doc/|$(PREFIX)/share/doc/|g' systemd/surveyd-backup.service \
		> $(DESTDIR)$(UNITDIR)/surveyd-backup.service
	install -m 0644 systemd/surveyd-backup.timer $(DESTDIR)$(UNITDIR)/surveyd-backup.timer
	sed 's|/usr/local/bin/|$(BINDIR)/|g; s|/usr/local/share/doc/|$(PREFIX)/share/doc/|g' systemd/surveyweb.service \
		> $(DESTDIR)$(UNITDIR)/surveyweb.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/surveyweb.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/surveyd.service $(DESTDIR)$(UNITDIR)/surveyd.socket $(DESTDIR)$(UNITDIR)/surveyd-backup.service
	install -m 0644 systemd/surveyd.sysusers $(DESTDIR)$(SYSUSERSDIR)/surveyd.conf
	install -m 0644 systemd/surveyd.tmpfiles $(DESTDIR)$(TMPFILESDIR)/surveyd.conf
	install -m 0644 systemd/surveyweb.tmpfiles $(DESTDIR)$(TMPFILESDIR)/surveyweb.conf
	install -m 0644 systemd/surveyd.catalog $(DESTDIR)$(CATALOGDIR)/surveyd.catalog
	install -m 0644 README.md docs/*.md $(DESTDIR)$(DOCDIR)/
	# The configuration is an administrator's file: never overwritten.
	test -e $(DESTDIR)$(SYSCONFDIR)/surveyd/surveyd.conf || install -m 0644 config/surveyd.conf $(DESTDIR)$(SYSCONFDIR)/surveyd/surveyd.conf
	@if [ -z "$(DESTDIR)" ] && command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then \
		systemd-sysusers $(SYSUSERSDIR)/surveyd.conf; systemd-tmpfiles --create $(TMPFILESDIR)/surveyd.conf; \
		systemd-tmpfiles --create $(TMPFILESDIR)/surveyweb.conf; \
		journalctl --update-catalog; systemctl daemon-reload; \
		echo "installed; start with: systemctl enable --now surveyd.socket surveyd.service"; fi

uninstall:
	-@if [ -z "$(DESTDIR)" ] && command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then \
		systemctl disable --now surveyweb.service surveyd.service surveyd.socket surveyd-backup.timer; fi
	rm -f $(DESTDIR)$(BINDIR)/surveyd $(DESTDIR)$(BINDIR)/surveyctl $(DESTDIR)$(BINDIR)/surveyweb $(DESTDIR)$(UNITDIR)/surveyweb.service \
		$(DESTDIR)$(TMPFILESDIR)/surveyweb.conf $(DESTDIR)$(UNITDIR)/surveyd.service \
		$(DESTDIR)$(UNITDIR)/surveyd.socket $(DESTDIR)$(SYSUSERSDIR)/surveyd.conf $(DESTDIR)$(TMPFILESDIR)/surveyd.conf \
		$(DESTDIR)$(CATALOGDIR)/surveyd.catalog $(DESTDIR)$(UNITDIR)/surveyd-backup.service $(DESTDIR)$(UNITDIR)/surveyd-backup.timer
	rm -rf $(DESTDIR)$(DOCDIR)
	@echo "kept /etc/surveyd and /var/lib/surveyd (configuration and data)"

# The Debian package (bookworm, amd64): .build-deb/surveyd_VERSION_amd64.deb. VERSION defaults to
# the binaries' version.
deb:
	./scripts/build-deb $(VERSION)

# Static checks of the unit files (CI runs them): no output on stderr, exposure at most 2.0.
check-units:
	./scripts/check-units
