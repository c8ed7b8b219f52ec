# The coordinator web interface (area "web").
#
# The files of web/ are embedded in the server by web_assets.c (.incbin):
# the object is rebuilt when one of them changes.
$(B)/obj/sync-server/web_assets.o: $(wildcard web/*)

# Browser tests: playwright-core from the npm registry (no browser
# download: it drives Debian's /usr/bin/chromium, installed by deps.sh).
PLAYWRIGHT_VERSION := 1.65.1
WEB_NODE := build/node
.PHONY: web-deps web-test
web-deps: $(WEB_NODE)/node_modules/playwright-core/package.json
$(WEB_NODE)/node_modules/playwright-core/package.json:
	@mkdir -p $(WEB_NODE)
	@echo "  NPM playwright-core@$(PLAYWRIGHT_VERSION)"
	@cd $(WEB_NODE) && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --no-audit --no-fund --silent \
		--prefix . playwright-core@$(PLAYWRIGHT_VERSION) >/dev/null

# the web suite alone, on the optimised build
web-test: deps web-deps
	@$(MAKE) --no-print-directory build
	@SUITE=web scripts/run-tests.sh build

# make test runs the web suite too: its node module first
test: web-deps
