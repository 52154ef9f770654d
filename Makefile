# evoprune — `make run` and `make test` install what is missing first.
GO      ?= go
CONFIG  ?= configs/lenet300-mnist.yaml
OUT     ?= runs
BIN     := bin/evoprune

.PHONY: setup build run test vet bench reproduce clean

setup:
	@scripts/setup.sh

build: setup
	$(GO) build -o $(BIN) ./cmd/evoprune

run: build
	$(BIN) run $(CONFIG) --out $(OUT)

test: setup
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 30m ./...

bench: build
	bench/run.sh

clean:
	rm -rf bin third_party
