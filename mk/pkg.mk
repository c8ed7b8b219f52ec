# Packaging: cross-builds for the Raspberry Pi and ARM tablets, `make
# install`, Debian packages, and their tests (issue 9). See
# docs/operator-guide.md.
#
#   make cross ARCH=arm64|armhf   cross-build into build/<arch>/ (installs the
#                                 cross toolchain and multiarch -dev packages,
#                                 or makes a sysroot of them when apt cannot)
#   make test-cross [ARCH=arm64]  cross-build, then unit + integration tests
#                                 under qemu-user (long: not in `make test`)
#   make install [PREFIX=/usr/local] [DESTDIR=]
#   make deb [DEB_ARCH=arm64]     build/deb[-<arch>]/*.deb with dpkg-buildpackage
#   make test-deb                 .debs installed in a debootstrap chroot:
#                                 service, enroll, sync, upgrade, remove, purge
#   make test-deb-arm64           the arm64 .debs installed the same way, run
#                                 under qemu-user: enroll, assess, sync
#   make test-backup              back up, destroy, restore, sync continues
#                                 (also part of `make test` as tests/it/backup.sh)

.PHONY: cross test-cross install install-bin deb test-deb test-deb-arm64 test-backup

ARCH ?= arm64

cross: deps
	@tests/pkg/cross-build.sh $(ARCH)

# The suite on the cross-built binaries, under qemu-user: build/<arch>-qemu/
# holds one small wrapper per program, so the test runner and the
# integration tests use it as any build directory.
test-cross: deps
	@tests/pkg/cross-build.sh $(ARCH) test

# Installed layout. The programs are built again in build/install with the
# installed paths compiled in (instruments and translations under PREFIX),
# not the source tree's.
PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
DATADIR    ?= $(PREFIX)/share
MANDIR     ?= $(DATADIR)/man
LOCALEDIR  ?= $(DATADIR)/locale
SYSCONFDIR ?= $(if $(filter /usr,$(PREFIX)),/etc,$(PREFIX)/etc)
UNITDIR    ?= $(if $(filter /usr,$(PREFIX)),/lib/systemd/system,$(PREFIX)/lib/systemd/system)
INSTALL_B  ?= build/install
INSTALL_FLAGS = BUILD_DIR=$(INSTALL_B) \
	"FA_PATHS=-DFA_DATADIR='\"$(DATADIR)/fieldassess\"' -DFA_LOCALEDIR='\"$(LOCALEDIR)\"'"

install-bin:
	@if [ "$$(cat $(INSTALL_B)/.paths 2>/dev/null)" != "$(DATADIR) $(LOCALEDIR)" ]; then \
		rm -rf $(INSTALL_B); mkdir -p $(INSTALL_B); \
		echo "$(DATADIR) $(LOCALEDIR)" >$(INSTALL_B)/.paths; fi
	@$(MAKE) --no-print-directory $(INSTALL_FLAGS) $(INSTALL_B)/field-agent $(INSTALL_B)/sync-server locale

install: install-bin
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR)/fieldassess/instruments \
		$(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8 \
		$(DESTDIR)$(SYSCONFDIR)/sync-server $(DESTDIR)$(UNITDIR)
	install -m 755 $(INSTALL_B)/field-agent $(INSTALL_B)/sync-server $(DESTDIR)$(BINDIR)/
	sed -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' -e 's|@BINDIR@|$(BINDIR)|g' \
		packaging/sync-server-backup >$(DESTDIR)$(BINDIR)/sync-server-backup
	chmod 755 $(DESTDIR)$(BINDIR)/sync-server-backup
	install -m 644 instruments/*.json $(DESTDIR)$(DATADIR)/fieldassess/instruments/
	for l in $(PO_LANGS); do \
		install -d $(DESTDIR)$(LOCALEDIR)/$$l/LC_MESSAGES && \
		install -m 644 build/locale/$$l/LC_MESSAGES/fieldassess.mo $(DESTDIR)$(LOCALEDIR)/$$l/LC_MESSAGES/ || exit 1; \
	done
	install -m 644 man/field-agent.1 man/sync-server-backup.1 $(DESTDIR)$(MANDIR)/man1/
	install -m 644 man/sync-server.conf.5 $(DESTDIR)$(MANDIR)/man5/
	install -m 644 man/sync-server.8 $(DESTDIR)$(MANDIR)/man8/
	sed -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' -e 's|@DATADIR@|$(DATADIR)|g' \
		packaging/sync-server.conf >$(DESTDIR)$(SYSCONFDIR)/sync-server/sync-server.conf
	for u in sync-server.service sync-server-backup.service sync-server-backup.timer; do \
		sed -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' -e 's|@BINDIR@|$(BINDIR)|g' \
			packaging/$$u >$(DESTDIR)$(UNITDIR)/$$u || exit 1; done

# Debian packages from this tree (debian/), with the distribution's tools
# (installed if missing); DEB_ARCH=arm64|armhf cross-builds them.
deb: deps
	@DEB_ARCH=$(DEB_ARCH) tests/pkg/build-deb.sh

test-deb: deb
	@$(MAKE) --no-print-directory build
	@tests/pkg/man-check.sh build
	@tests/pkg/deb-chroot.sh

# the arm64 packages installed in a Debian root with arm64 as foreign
# architecture, their programs run there under qemu-user
test-deb-arm64: deps
	@DEB_ARCH=arm64 tests/pkg/build-deb.sh
	@tests/pkg/deb-arm64.sh

test-backup: deps
	@$(MAKE) --no-print-directory build
	@SUITE=backup scripts/run-tests.sh build
