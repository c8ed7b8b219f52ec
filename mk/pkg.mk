# Packaging: cross-builds for the Raspberry Pi and ARM tablets, `make
# install`, Debian packages, and their tests (issue 9). See
# docs/operator-guide.md.
#
#   make cross ARCH=arm64|armhf   cross-build into build/<arch>/ (installs the
#                                 cross toolchain and multiarch -dev packages)
#   make test-cross [ARCH=arm64]  cross-build, then unit + integration tests
#                                 under qemu-user (long: not in `make test`)
#   make install [PREFIX=/usr/local] [DESTDIR=]
#   make deb                      build ../field-agent_*.deb, ../sync-server_*.deb
#                                 with dpkg-buildpackage; copied to build/deb/
#   make test-deb                 .debs installed in a debootstrap chroot:
#                                 service, enroll, sync, upgrade, remove, purge
#   make test-backup              back up, destroy, restore, sync continues
#                                 (also part of `make test` as tests/it/backup.sh)

.PHONY: cross test-cross install install-bin deb test-deb test-backup

ARCH ?= arm64
CROSS_TRIPLET_arm64 := aarch64-linux-gnu
CROSS_TRIPLET_armhf := arm-linux-gnueabihf
CROSS_QEMU_arm64 := qemu-aarch64
CROSS_QEMU_armhf := qemu-arm
CROSS_TRIPLET = $(CROSS_TRIPLET_$(ARCH))
CROSS_MAKE = $(MAKE) --no-print-directory BUILD_DIR=build/$(ARCH) \
	CC=$(CROSS_TRIPLET)-gcc AR=$(CROSS_TRIPLET)-ar \
	'PKG_CONFIG=PKG_CONFIG_LIBDIR=/usr/lib/$(CROSS_TRIPLET)/pkgconfig:/usr/share/pkgconfig pkg-config'

cross: deps
	@[ -n "$(CROSS_TRIPLET)" ] || { echo "make cross: ARCH must be arm64 or armhf" >&2; exit 2; }
	@tests/pkg/cross-deps.sh $(ARCH)
	@$(CROSS_MAKE) build
	@tests/pkg/sizes.sh build/$(ARCH) $(CROSS_TRIPLET)

# The suite on the cross-built binaries: build/<arch>-qemu/ holds one small
# wrapper per program that runs it under qemu-user with the target's
# libraries (multiarch, in /usr/lib/<triplet>), so the test runner and the
# integration tests use it as any build directory.
test-cross: cross
	@tests/pkg/qemu-wrap.sh build/$(ARCH) build/$(ARCH)-qemu $(CROSS_QEMU_$(ARCH))
	@scripts/run-tests.sh build/$(ARCH)-qemu

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
	sed -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' -e 's|@BINDIR@|$(BINDIR)|g' \
		packaging/sync-server.service >$(DESTDIR)$(UNITDIR)/sync-server.service

# Debian packages from this tree (debian/), with the distribution's tools.
DEB_TOOLS := dpkg-dev debhelper fakeroot
deb: deps
	@for p in $(DEB_TOOLS); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | \
		grep -q "install ok installed" || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; fi
	@DEB_ARCH=$(DEB_ARCH) tests/pkg/build-deb.sh

test-deb: deb
	@tests/pkg/deb-chroot.sh

test-backup: deps
	@$(MAKE) --no-print-directory build
	@SUITE=backup scripts/run-tests.sh build
