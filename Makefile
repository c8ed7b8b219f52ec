# One Makefile for the whole tree. `make` builds both programs; `make test`
# and `make demo` first install any missing Debian package (scripts/deps.sh).
#
# Builds go to build/ (optimised, with debug info) and build/asan/
# (AddressSanitizer + UndefinedBehaviorSanitizer). Objects of common/ are
# shared by both programs through build/<variant>/libcommon.a.

CC      ?= cc
# a cross-build (mk/pkg.mk) points PKG_CONFIG at the target's .pc files
PKG_CONFIG ?= pkg-config
PKGS    := sqlite3 libcjson libcurl libmicrohttpd zlib libdeflate libqrencode nettle
WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
           -Wmissing-prototypes -Wconversion -Wno-sign-conversion -Wformat=2 \
           -Wvla -Wundef -Wpointer-arith -Wno-format-truncation
# mbedTLS 2.28 (Debian 12) ships no pkg-config file; newer ones do.
MBED_LIBS := $(shell $(PKG_CONFIG) --libs mbedtls mbedx509 mbedcrypto 2>/dev/null || echo -lmbedtls -lmbedx509 -lmbedcrypto)
PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null) $(MBED_LIBS) -lm -lpthread
# each program links only what it uses (start-up time and memory on a Pi)
AGENT_LIBS  := -Wl,--as-needed $(shell $(PKG_CONFIG) --libs sqlite3 libcjson libdeflate nettle 2>/dev/null) $(MBED_LIBS) -lm -lpthread -ldl
SERVER_LIBS := -Wl,--as-needed $(shell $(PKG_CONFIG) --libs sqlite3 libcjson libmicrohttpd libdeflate libqrencode nettle 2>/dev/null) $(MBED_LIBS) -lm -lpthread
# Where the programs find instruments and translations: in the source tree
# for builds run from it; in PREFIX for `make install` (mk/pkg.mk builds
# that variant in build/install, with FA_PATHS set to its paths).
FA_PATHS ?= -DFA_SOURCE_DIR='"$(CURDIR)"'
BASE_CFLAGS := -std=c11 -D_GNU_SOURCE -g $(WARN) $(PKG_CFLAGS) -Icommon -Isync-server \
               $(FA_PATHS)

OPT_CFLAGS  := -O2
ASAN_CFLAGS := -O1 -fno-omit-frame-pointer -fsanitize=address,undefined \
               -fno-sanitize-recover=undefined

V ?= release
ifeq ($(V),asan)
  B       := build/asan
  CFLAGS_V := $(BASE_CFLAGS) $(ASAN_CFLAGS)
  LDFLAGS_V := -fsanitize=address,undefined
else
  B       := build
  CFLAGS_V := $(BASE_CFLAGS) $(OPT_CFLAGS)
  LDFLAGS_V :=
endif
# cross-builds (make cross ARCH=…) and the installed variant have their own
# build directory
ifneq ($(BUILD_DIR),)
  B := $(BUILD_DIR)
endif
# packaging adds the distribution's hardening flags (dpkg-buildflags)
CFLAGS_V  += $(EXTRA_CFLAGS)
LDFLAGS_V += $(EXTRA_LDFLAGS)

COMMON_SRC := $(wildcard common/*.c)
AGENT_SRC  := $(wildcard field-agent/*.c)
SERVER_SRC := $(wildcard sync-server/*.c)
TEST_SRC   := $(wildcard tests/*.c)

COMMON_OBJ := $(COMMON_SRC:%.c=$(B)/obj/%.o)
AGENT_OBJ  := $(AGENT_SRC:%.c=$(B)/obj/%.o)
SERVER_OBJ := $(SERVER_SRC:%.c=$(B)/obj/%.o)
TEST_OBJ   := $(TEST_SRC:%.c=$(B)/obj/%.o)

PROGS := $(B)/field-agent $(B)/sync-server $(B)/unit-tests $(B)/gen-cases $(B)/bench-agent

.PHONY: all build asan deps test demo clean check-banned locale
all: build
build: $(PROGS) locale

$(B)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC $(V) $<"
	@$(CC) $(CFLAGS_V) -MMD -MP -c $< -o $@

$(B)/libcommon.a: $(COMMON_OBJ)
	@rm -f $@
	@$(AR) rcs $@ $^

$(B)/field-agent: $(AGENT_OBJ) $(B)/libcommon.a
	@echo "  LD $(V) $@"
	@$(CC) $(LDFLAGS_V) -o $@ $(AGENT_OBJ) $(B)/libcommon.a $(AGENT_LIBS)

$(B)/sync-server: $(SERVER_OBJ) $(B)/libcommon.a
	@echo "  LD $(V) $@"
	@$(CC) $(LDFLAGS_V) -o $@ $(SERVER_OBJ) $(B)/libcommon.a $(SERVER_LIBS)

# the server's modules (all but main) for the unit tests
SERVER_LIB_OBJ := $(filter-out $(B)/obj/sync-server/main.o,$(SERVER_OBJ))
$(B)/libserver.a: $(SERVER_LIB_OBJ)
	@rm -f $@
	@$(AR) rcs $@ $^

$(B)/unit-tests: $(TEST_OBJ) $(B)/libserver.a $(B)/libcommon.a
	@echo "  LD $(V) $@"
	@$(CC) $(LDFLAGS_V) -o $@ $(TEST_OBJ) $(B)/libserver.a $(B)/libcommon.a $(PKG_LIBS)

$(B)/gen-cases: scripts/gen-cases.c scripts/gen-names.h scripts/gen-common.h
	@mkdir -p $(B)
	@echo "  CC $(V) $<"
	@$(CC) $(CFLAGS_V) -o $@ $< $(LDFLAGS_V) -lm

$(B)/bench-agent: scripts/bench-agent.c $(B)/obj/field-agent/store.o $(B)/libcommon.a
	@echo "  CC $(V) $<"
	@$(CC) $(CFLAGS_V) -o $@ $< $(B)/obj/field-agent/store.o $(B)/libcommon.a $(LDFLAGS_V) $(PKG_LIBS)

# Translations: po/<lang>.po and each module's po/parts/<module>.<lang>.po
# -> build/locale/<lang>/LC_MESSAGES/fieldassess.mo
PO_LANGS := $(basename $(notdir $(wildcard po/*.po)))
MO_FILES := $(PO_LANGS:%=build/locale/%/LC_MESSAGES/fieldassess.mo)
locale: $(MO_FILES)
.SECONDEXPANSION:
build/locale/%/LC_MESSAGES/fieldassess.mo: po/%.po $$(wildcard po/parts/*.$$*.po)
	@mkdir -p $(dir $@)
	@msgcat --use-first -o $@.po $^
	@msgfmt --check -o $@ $@.po
	@rm -f $@.po

asan:
	$(MAKE) V=asan build

deps:
	@scripts/deps.sh

check-banned:
	@scripts/check-banned.sh

# The whole suite, on the optimised build and again under ASan+UBSan.
test: deps
	@$(MAKE) --no-print-directory check-banned
	@$(MAKE) --no-print-directory build
	@$(MAKE) --no-print-directory V=asan build
	@scripts/run-tests.sh build build/asan

demo: deps
	@$(MAKE) --no-print-directory build
	@scripts/demo.sh build

clean:
	rm -rf build

# Further targets of each area (packaging, reliability, benchmarks, web)
-include mk/*.mk

-include $(COMMON_OBJ:.o=.d) $(AGENT_OBJ:.o=.d) $(SERVER_OBJ:.o=.d) $(TEST_OBJ:.o=.d)
