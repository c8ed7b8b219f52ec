# Reliability and security (docs/reliability.md): fault injection, fuzzing,
# load, valgrind. `make test` runs a bounded version of each
# (tests/it/reliability*.sh; tests/it/fuzz.sh builds the fuzz targets with
# a make of its own, once scripts/deps.sh has installed clang's runtime);
# the named targets below run the full ones.
#
#   make fault     tests/it/reliability.sh in full: REL_KILLS (500 device
#                  kills), REL_RECORDS (600 per import), REL_SERVER_KILLS
#                  (50), REL_REPLAYS (100), R4/R5 in every order and clock
#   make fuzz      every fuzz target for FUZZ_SECONDS each (default 300)
#   make load      R11: LOAD_DEVICES simulated devices (default 100),
#                  LOAD_REQUESTS requests each (default 30), LOAD_SLOW slow
#                  clients (default 40)
#   make valgrind  the whole suite once under valgrind (memcheck)

FUZZ_CC      ?= clang
FUZZ_B       := build/fuzz
FUZZ_CFLAGS  := $(filter-out -Werror -Wno-format-truncation,$(BASE_CFLAGS)) -Ifield-agent -Ifuzz -O1 -g \
                -fno-omit-frame-pointer -fsanitize=address,undefined \
                -fno-sanitize-recover=undefined
FUZZ_TARGETS := expr inst import server client
FUZZ_BINS    := $(FUZZ_TARGETS:%=$(FUZZ_B)/fuzz_%)
FUZZ_AGENT_OBJ  := $(filter-out %/main.o %/sync.o %/curlrt.o,$(AGENT_SRC:%.c=$(FUZZ_B)/obj/%.o))
FUZZ_SERVER_OBJ := $(filter-out %/main.o,$(SERVER_SRC:%.c=$(FUZZ_B)/obj/%.o))
FUZZ_COMMON_OBJ := $(COMMON_SRC:%.c=$(FUZZ_B)/obj/%.o)
FUZZ_LIBS    := $(PKG_LIBS) -ldl
FUZZ_SECONDS ?= 300
FUZZ_RUNS    ?= 3000

.PHONY: fuzz-build fuzz fuzz-ci fault load valgrind rel-deps

$(FUZZ_B)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC fuzz $<"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c $< -o $@

$(FUZZ_B)/fuzz_%: fuzz/fuzz_%.c fuzz/fuzz_util.h $(FUZZ_COMMON_OBJ) $(FUZZ_AGENT_OBJ) $(FUZZ_SERVER_OBJ)
	@echo "  LD fuzz $@"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< \
		$(if $(filter fuzz_server,$(notdir $@)),$(FUZZ_SERVER_OBJ)) \
		$(if $(filter fuzz_import fuzz_client,$(notdir $@)),$(FUZZ_AGENT_OBJ)) \
		$(FUZZ_COMMON_OBJ) $(FUZZ_LIBS)

fuzz-build: $(FUZZ_BINS)
# objects made on the way to a fuzz target are kept (not intermediate)
.SECONDARY: $(FUZZ_COMMON_OBJ) $(FUZZ_AGENT_OBJ) $(FUZZ_SERVER_OBJ)


# (each builds with a make of its own: pkg-config's answers are read when
# a make starts, and deps may just have installed what they come from)
fuzz: deps
	@$(MAKE) --no-print-directory build fuzz-build
	@FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/fuzz.sh long

fault: deps
	@$(MAKE) --no-print-directory build
	@REL_FULL=1 REL_KILLS=$(or $(REL_KILLS),500) REL_RECORDS=$(or $(REL_RECORDS),600) \
		BIN=build sh tests/it/reliability.sh

load: deps
	@$(MAKE) --no-print-directory build
	@REL_FULL=1 LOAD_DEVICES=$(or $(LOAD_DEVICES),100) LOAD_REQUESTS=$(or $(LOAD_REQUESTS),30) \
		LOAD_SLOW=$(or $(LOAD_SLOW),40) BIN=build sh tests/it/reliability_load.sh

valgrind: deps
	@$(MAKE) --no-print-directory build
	@scripts/valgrind-suite.sh build

-include $(FUZZ_COMMON_OBJ:.o=.d) $(FUZZ_AGENT_OBJ:.o=.d) $(FUZZ_SERVER_OBJ:.o=.d)
# fuzz_client includes the agent's sync code itself
$(FUZZ_B)/fuzz_client: field-agent/sync.c field-agent/curlrt.h
