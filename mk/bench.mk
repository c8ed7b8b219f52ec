# Benchmarks (issue 8) and the data generator. `make bench` prints one
# table (scripts/bench.sh); the parts run alone with bench-rank,
# bench-agent, bench-sync. See docs/benchmarks.md.
.PHONY: bench bench-rank bench-agent bench-sync gen-data

build: $(B)/gen-data

$(B)/gen-data: scripts/gen-data.c scripts/gen-names.h scripts/gen-common.h
	@mkdir -p $(B)
	@echo "  CC $(V) $<"
	@$(CC) $(CFLAGS_V) -o $@ $< $(LDFLAGS_V) -lm

gen-data: $(B)/gen-data

bench: deps
	@$(MAKE) --no-print-directory build
	@scripts/bench.sh build

bench-rank: deps
	@$(MAKE) --no-print-directory build
	@scripts/bench-rank.sh build

bench-agent: deps
	@$(MAKE) --no-print-directory build
	@build/bench-agent build tests/fixtures/ruse-wizard.txt

bench-sync: deps
	@$(MAKE) --no-print-directory build
	@scripts/bench-sync.sh build 10000
