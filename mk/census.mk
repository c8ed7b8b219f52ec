# Census, assistants, programme report (issue 5, items 5-7): the county-
# scale census benchmark (scripts/bench-census.sh). See docs/census.md.
.PHONY: bench-census

bench-census: deps
	@$(MAKE) --no-print-directory build
	@scripts/bench-census.sh build 121000
