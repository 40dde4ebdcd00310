# qmpwatch: build, test, lint, demo, bench.
GO       ?= go
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT   ?= $(shell git rev-parse --short HEAD 2>/dev/null)
LDFLAGS  := -s -w -X main.version=$(VERSION) -X main.commit=$(COMMIT)
BIN      := bin/qmpwatch
PREFIX   ?= /usr/local

.PHONY: build install test lint demo bench fuzz clean

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/qmpwatch

# The binary into $(PREFIX)/bin and its bash, zsh and fish completions where
# those shells look under $(PREFIX). DESTDIR is for packagers.
install: build
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/bash-completion/completions \
		$(DESTDIR)$(PREFIX)/share/zsh/site-functions $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d
	install -m 0755 $(BIN) $(DESTDIR)$(PREFIX)/bin/qmpwatch
	./$(BIN) completion bash > $(DESTDIR)$(PREFIX)/share/bash-completion/completions/qmpwatch
	./$(BIN) completion zsh > $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_qmpwatch
	./$(BIN) completion fish > $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/qmpwatch.fish

# go vet, then every test with the race detector. Tests that need QEMU fail
# (never skip) when CI=true and qemu-system-x86_64 is missing.
test:
	$(GO) vet ./...
	$(GO) test -race -timeout 20m ./...

# Each fuzz target for FUZZTIME beyond its seed corpus (which make test runs).
# Go fuzzes one target of one package per run. FUZZTIME counts inputs rather
# than seconds (about 5 to 10 s each here): a time limit that runs out while a
# worker is mid-input is now and then reported as a failure ("context deadline
# exceeded"), which would make CI flaky.
FUZZTIME ?= 100000x
FUZZ_TARGETS := ./internal/decode:FuzzFramer ./internal/decode:FuzzParse \
	./internal/filter:FuzzParseWhere ./internal/logfile:FuzzParseLine

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

bench: build
	./scripts/bench.sh

clean:
	rm -rf bin
