# qmpwatch: build, test, lint, demo, bench.
GO       ?= go
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT   ?= $(shell git rev-parse --short HEAD 2>/dev/null)
# The version and commit that qmpwatch version prints (internal/version).
VERPKG   := github.com/qmpwatch/qmpwatch/internal/version
LDFLAGS  := -s -w -X $(VERPKG).version=$(VERSION) -X $(VERPKG).commit=$(COMMIT)
BIN      := bin/qmpwatch
PREFIX   ?= /usr/local
MANDIR   ?= bin/man

.PHONY: build install man docs test lint demo bench fuzz clean

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/qmpwatch

# The man pages, from the command tree: qmpwatch.1 and qmpwatch-COMMAND.1.
man: build
	rm -rf $(MANDIR)
	./$(BIN) gendocs --man $(MANDIR)

# The markdown reference in docs/cli, from the command tree; TestCLIReference
# fails when the committed one is stale.
docs: build
	rm -rf docs/cli
	./$(BIN) gendocs --markdown docs/cli

# The binary into $(PREFIX)/bin, its man pages, and its bash, zsh and fish
# completions where those shells look under $(PREFIX). DESTDIR is for packagers.
install: build man
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/bash-completion/completions \
		$(DESTDIR)$(PREFIX)/share/zsh/site-functions $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d \
		$(DESTDIR)$(PREFIX)/share/man/man1
	install -m 0755 $(BIN) $(DESTDIR)$(PREFIX)/bin/qmpwatch
	install -m 0644 $(MANDIR)/*.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	./$(BIN) completion bash > $(DESTDIR)$(PREFIX)/share/bash-completion/completions/qmpwatch
	./$(BIN) completion zsh > $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_qmpwatch
	./$(BIN) completion fish > $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/qmpwatch.fish

# go vet, then every test with the race detector. Tests that need a real part
# (QEMU, libvirtd, Prometheus, NATS, tmux) fail (never skip) under CI=true when
# it is missing; outside CI they skip, and the last lines say which and why
# ("skipped: 12 tests need libvirtd (not installed)"), recorded by
# internal/testkit/realpart. -count=1 runs them every time, since Go's test cache
# cannot see those parts change.
test:
	$(GO) vet ./...
	@skips=$$(mktemp); \
	QMPWATCH_SKIPS=$$skips $(GO) test -race -count=1 -timeout 20m ./...; rc=$$?; \
	$(GO) run ./scripts/skipsummary $$skips; rm -f $$skips; exit $$rc

# Each fuzz target for FUZZTIME beyond its seed corpus (which make test runs).
# Go fuzzes one target of one package per run. FUZZTIME counts inputs rather
# than seconds (about 5 to 10 s each here; FuzzFollow, whose inputs are file
# writes, truncations and renames, about 2 to 3 minutes): a time limit that runs out while a
# worker is mid-input is now and then reported as a failure ("context deadline
# exceeded"), which would make CI flaky.
FUZZTIME ?= 100000x
FUZZ_TARGETS := ./internal/decode:FuzzFramer ./internal/decode:FuzzParse \
	./internal/filter:FuzzParseWhere ./internal/logfile:FuzzParseLine \
	./internal/logfile:FuzzFollow ./internal/fleet:FuzzEscape \
	./internal/proxy:FuzzSplit ./internal/proxy:FuzzRewriteID

fuzz:
	@set -e; for t in $(FUZZ_TARGETS); do \
		echo "fuzz $${t#*:} ($${t%%:*}) for $(FUZZTIME)"; \
		$(GO) test -run '^$$' -fuzz "^$${t#*:}$$" -fuzztime $(FUZZTIME) "$${t%%:*}"; \
	done

lint:
	$(GO) vet ./...
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt needed"; exit 1; }

demo: build
	./$(BIN) demo

# Every benchmark runs even when an earlier one misses a target; any failing fails.
bench: build
	@status=0; ./scripts/bench.sh || status=1; ./scripts/bench-serve.sh || status=1; ./scripts/bench-fleet.sh || status=1; ./scripts/bench-proxy.sh || status=1; exit $$status

clean:
	rm -rf bin
