# Indus: the two commands that matter are `make demo` and `make test`.
SHELL := /bin/bash
GO ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X github.com/indus-platform/indus/internal/cli.Version=$(VERSION)
VENDOR := internal/web/static/vendor
DEMO_ADDR ?= 127.0.0.1:8080

.PHONY: all build assets demo test e2e fuzz-short bench fmt vet clean

# Parsers of untrusted input are fuzzed for a few seconds on every test run
# (their seed corpora also run as ordinary tests).
FUZZTIME ?= 4s
FUZZ_TARGETS := internal/ingest:FuzzCSVReader internal/ingest:FuzzParseNumber internal/ingest:FuzzHeaderMapping internal/ingest:FuzzParallelParsing \
	internal/indus:FuzzCheckUSCC internal/refdata:FuzzParseClusterSystem

all: build

# Front-end packages from npm (pinned by web/package-lock.json), copied
# into the embedded static tree. No CDN: the dashboard works offline.
assets: $(VENDOR)/.stamp
$(VENDOR)/.stamp: web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund --loglevel=error
	mkdir -p $(VENDOR)
	cp web/node_modules/htmx.org/dist/htmx.min.js $(VENDOR)/htmx.min.js
	cp web/node_modules/echarts/dist/echarts.min.js $(VENDOR)/echarts.min.js
	touch $@

build: assets
	$(GO) build -ldflags "$(LDFLAGS)" -o bin/indus ./cmd/indus

# Generate the demo dataset (seed 1), import it into a fresh database under
# ./indus-demo and serve it at http://$(DEMO_ADDR)/.
demo: build
	./bin/indus demo --addr $(DEMO_ADDR) --dir ./indus-demo

vet:
	$(GO) vet ./...

fmt:
	@out=$$(gofmt -l cmd internal); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

test: assets fmt vet
	$(GO) test -count=1 ./...
	$(MAKE) --no-print-directory fuzz-short

# The dashboard in headless Chromium alone (make test runs it too, with
# every package); screenshots go to $(E2E_ARTEFACTS).
E2E_ARTEFACTS ?= $(or $(TMPDIR),/tmp)/indus-e2e-artefacts
e2e: assets
	INDUS_ARTEFACTS=$(E2E_ARTEFACTS) $(GO) test -count=1 -v ./internal/server/e2e/

# A crasher is saved under testdata/fuzz and fails the second try too; a try
# that fails without one (a worker hung on a loaded machine) is retried once.
# Minimising each new input is cut to 50 runs (the default allows 60 s):
# in a 4 s run of FuzzCSVReader it took all the time, and the reader saw
# a few dozen inputs instead of several thousand.
FUZZMIN ?= 50x
fuzz-short:
	@for t in $(FUZZ_TARGETS); do \
	  pkg=$${t%%:*}; fn=$${t##*:}; \
	  echo "fuzz $$fn ($$pkg, $(FUZZTIME))"; \
	  if ! $(GO) test -run '^$$' -fuzz "^$$fn$$" -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMIN) ./$$pkg >/tmp/indus-fuzz.log 2>&1; then \
	    tail -n 20 /tmp/indus-fuzz.log; echo "retrying $$fn once"; \
	    $(GO) test -run '^$$' -fuzz "^$$fn$$" -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMIN) ./$$pkg || exit 1; \
	  fi; \
	done

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

clean:
	rm -rf bin indus-demo $(VENDOR)
