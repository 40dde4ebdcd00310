# qmpwatch: build, test, lint, demo, bench.
GO       ?= go
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT   ?= $(shell git rev-parse --short HEAD 2>/dev/null)
LDFLAGS  := -s -w -X main.version=$(VERSION) -X main.commit=$(COMMIT)
BIN      := bin/qmpwatch

.PHONY: build test lint demo bench fuzz clean

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/qmpwatch

# go vet, then every test with the race detector. Tests that need QEMU fail
# (never skip) when CI=true and qemu-system-x86_64 is missing.
test:
	$(GO) vet ./...
	$(GO) test -race -timeout 20m ./...

lint:
	$(GO) vet ./...
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt needed"; exit 1; }

demo: build
	./$(BIN) demo

bench: build
	./scripts/bench.sh

clean:
	rm -rf bin
