# pngd — every target does one thing; `make help` lists them.
GO      ?= go
# The AVIF and HEIC decoders are always their WebAssembly builds, never a
# system library that happens to be installed (internal/imaging/heif.go).
export GOFLAGS := -tags=nodynamic
BIN     ?= bin/pngd
ARGS    ?=
TESTFLAGS ?=

.DEFAULT_GOAL := help
FUZZTIME ?= 15s
# each fuzz test also runs this many inputs in `make test`. A count, not a
# duration: Go 1.26's fuzz coordinator can fail a duration-limited run with a
# spurious "context deadline exceeded" (golang/go#75804, fixed in Go 1.27).
TEST_FUZZTIME ?= 20000x
# the MinIO the S3 tests start; `make test` installs it into .bin/
MINIO_VERSION ?= v0.0.0-20260212201848-7aac2a2c5b7c
MINIO := .bin/minio

.PHONY: help generate build run deps install test test-build corpus attack fuzz bench loadtest lint tidy-check speclint dredd

help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  %-11s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

generate: ## regenerate gen/ (oapi-codegen) and the TypeScript SDK's clients/ts/src/schema.ts (openapi-typescript) from api/openapi.yaml, with the pinned generators
	$(GO) generate ./gen/
	cd clients/ts && { [ -x node_modules/.bin/tsc ] || npm ci --no-audit --no-fund --loglevel=error; } && node scripts/generate.mjs

build: ## build bin/pngd and bin/pngctl
	$(GO) build -o $(BIN) ./cmd/pngd
	$(GO) build -o bin/pngctl ./cmd/pngctl

install: ## go install pngd and pngctl into GOBIN (default: GOPATH/bin), and say whether that folder is on PATH
	$(GO) install ./cmd/pngd ./cmd/pngctl
	@dir=$$($(GO) env GOBIN); dir=$${dir:-$$($(GO) env GOPATH)/bin}; \
	  echo "installed pngd and pngctl in $$dir"; \
	  case ":$$PATH:" in *":$$dir:"*) ;; *) echo "$$dir is not on PATH: export PATH=\"$$dir:\$$PATH\"";; esac

run: build ## serve on 127.0.0.1:8080, Swagger UI at /docs/ (ARGS="-addr 127.0.0.1:9000" to change)
	./$(BIN) $(ARGS)

deps: ## check, in under a second, the Debian packages the tests and benchmarks use; as root, install what is missing (.ci/deps)
	.ci/deps

test: deps ## every test (contract suite on disk and MinIO, browser, run(), pngcheck and ImageMagick on the encoder's corpus), the TypeScript SDK against a live pngd (clients/ts/test.sh), then each fuzz test for TEST_FUZZTIME
	@# MinIO's build (minutes, once), the corpus and the tests' own build, side by side
	$(MAKE) --no-print-directory -j3 $(MINIO) corpus test-build
	$(GO) test -count=1 $(TESTFLAGS) ./...
	@# the pure-Go paths (what arm64 and every non-amd64 build runs) of the PNG writer and the resampler, the references their assembly is held to
	$(GO) test -count=1 -tags purego,nodynamic ./internal/pngenc/
	$(GO) test -count=1 -tags purego,nodynamic -run 'Resample|Resize|Transform|Level' ./internal/imaging/
	clients/ts/test.sh
	$(MAKE) --no-print-directory fuzz FUZZTIME=$(TEST_FUZZTIME)

test-build: ## compile every package's tests without running them (make test overlaps it with MinIO's build)
	$(GO) test -count=1 -run '^$$' ./... >/dev/null

corpus: ## make the PNG encoder's corpus in bin/corpus (needs Debian's python3-skimage, gnome-backgrounds, imagemagick)
	internal/pngenc/mkcorpus.sh bin/corpus

$(MINIO): ## install the MinIO server the S3 tests run (about 4 minutes, once)
	GOBIN=$(CURDIR)/.bin $(GO) install github.com/minio/minio@$(MINIO_VERSION)

attack: ## the attack suite: a real pngd under a 512 MiB budget, each attack's peak RSS (VmHWM) asserted; prints an ATTACK line each
	$(GO) test -count=1 -tags attack,nodynamic -timeout 20m -v ./internal/attack/

fuzz: ## run each fuzz test for FUZZTIME (15s, or a count such as 100000x); seeds also run in `go test`
	$(GO) test -run '^$$' -fuzz '^FuzzRender$$' -fuzztime $(FUZZTIME) ./internal/render/
	$(GO) test -run '^$$' -fuzz '^FuzzDecode$$' -fuzztime $(FUZZTIME) ./internal/imaging/
	$(GO) test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 20x ./internal/colour/
	$(GO) test -run '^$$' -fuzz '^FuzzPlan$$' -fuzztime $(FUZZTIME) ./internal/imaging/
	$(GO) test -run '^$$' -fuzz '^FuzzHEIFAlphaItem$$' -fuzztime $(FUZZTIME) ./internal/imaging/
	$(GO) test -run '^$$' -fuzz '^FuzzAPNGFrames$$' -fuzztime $(FUZZTIME) ./internal/imaging/
	$(GO) test -run '^$$' -fuzz '^FuzzDecodeLevel$$' -fuzztime $(FUZZTIME) ./internal/imaging/
	$(GO) test -run '^$$' -fuzz '^FuzzConditionalHeaders$$' -fuzztime $(FUZZTIME) ./internal/httpapi/
	$(GO) test -run '^$$' -fuzz '^FuzzParseRange$$' -fuzztime $(FUZZTIME) ./internal/httpapi/
	$(GO) test -run '^$$' -fuzz '^FuzzEncode$$' -fuzztime $(FUZZTIME) ./internal/pngenc/
	$(GO) test -run '^$$' -fuzz '^FuzzCosts$$' -fuzztime $(FUZZTIME) ./internal/pngenc/
	$(GO) test -run '^$$' -fuzz '^FuzzAdler$$' -fuzztime $(FUZZTIME) ./internal/pngenc/
	$(GO) test -run '^$$' -fuzz '^FuzzHuffmanStrips$$' -fuzztime $(FUZZTIME) ./internal/pngenc/
	$(GO) test -run '^$$' -fuzz '^FuzzQuantize$$' -fuzztime $(FUZZTIME) ./internal/quant/

bench: deps corpus ## Go benchmarks: the PNG encoder on its corpus vs image/png (ratios and vips: internal/pngenc/bench.sh), render+encode, upload preparation, each derived-image stage (decode, pyramid, resample, blur, encode), a cold derive, the handlers
	$(GO) test -run '^$$' -bench . -benchmem ./...

loadtest: ## wrk, side by side: vector_image vs the seed stack, GET /images/{id} vs nginx (790 KB and 38 KB), upload MB/s, derived images cold (vs imaginary: IMAGINARY=path) and warm, cold smart crops vs imaginary's /smartcrop (IMAGINARY=path); then a 10-minute soak on MinIO with a 30 s outage (internal/loadtest/soak.sh)
	internal/loadtest/vector_image.sh
	internal/loadtest/images.sh
	internal/loadtest/derived.sh
	if [ -n "$$IMAGINARY" ]; then internal/loadtest/smartcrop.sh; else echo "smartcrop.sh skipped: set IMAGINARY to imaginary's binary (docs/performance.md)"; fi
	internal/loadtest/soak.sh

lint: ## gofmt (outside gen/) and go vet, also for arm64 and the purego build (the PNG writer's and the resampler's assembly is amd64's)
	@out=$$(gofmt -l $$(git ls-files '*.go' | grep -v '^gen/')); if [ -n "$$out" ]; then echo "gofmt would change: $$out"; exit 1; fi
	$(GO) vet ./...
	GOARCH=arm64 $(GO) vet ./internal/pngenc/ ./internal/imaging/
	$(GO) vet -tags purego,nodynamic ./internal/pngenc/ ./internal/imaging/

speclint: ## the spec through Redocly's recommended rules and Spectral's spectral:oas (pinned in api/tools, from npm): no errors allowed
	cd api/tools && { [ -x node_modules/.bin/redocly ] || npm ci --no-audit --no-fund --loglevel=error; }
	cd api/tools && node_modules/.bin/redocly lint --config redocly.yaml ../openapi.yaml
	cd api/tools && node_modules/.bin/spectral lint --fail-severity error -r .spectral.yaml ../openapi.yaml

dredd: ## Dredd, an outside contract tester, against a live pngd (api/tools/dredd.sh; skips what no client can cause, saying why)
	api/tools/dredd.sh

tidy-check: ## fail if go.mod or go.sum is not tidy
	$(GO) mod tidy -diff
