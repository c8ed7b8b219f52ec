# Sync performance (area "perf"): the many-devices load generator and its
# benchmark (P4, P7). `make bench-sync` (P1-P3) is in the top-level Makefile.
.PHONY: bench-load bench-sync-100k
$(B)/load-devices: scripts/load-devices.c $(B)/libcommon.a
	@mkdir -p $(B)
	@echo "  CC $(V) $<"
	@$(CC) $(CFLAGS_V) -o $@ $< $(B)/libcommon.a $(LDFLAGS_V) $(PKG_LIBS)

build: $(B)/load-devices

bench-load: deps
	@$(MAKE) --no-print-directory build
	@scripts/bench-load.sh build 100 1000

bench-sync-100k: deps
	@$(MAKE) --no-print-directory build
	@scripts/bench-sync.sh build 100000
