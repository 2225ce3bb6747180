# pngd — every target does one thing; `make help` lists them.
GO      ?= go
BIN     ?= bin/pngd
ARGS    ?=
TESTFLAGS ?=

.DEFAULT_GOAL := help
FUZZTIME ?= 15s

.PHONY: help generate build run test fuzz bench loadtest lint tidy-check

help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  %-11s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

generate: ## regenerate gen/ from api/openapi.yaml with the pinned oapi-codegen
	$(GO) generate ./gen/

build: ## build bin/pngd
	$(GO) build -o $(BIN) ./cmd/pngd

run: build ## serve on 127.0.0.1:8080, Swagger UI at /docs/ (ARGS="-addr :9000" to change)
	./$(BIN) $(ARGS)

test: ## run every test: contract suite, spec rules, drift check, client, browser, run()
	$(GO) test -count=1 $(TESTFLAGS) ./...

fuzz: ## run each fuzz test for FUZZTIME (default 15s); their seeds also run in `make test`
	$(GO) test -run '^$$' -fuzz '^FuzzRender$$' -fuzztime $(FUZZTIME) ./internal/render/
	$(GO) test -run '^$$' -fuzz '^FuzzConditionalHeaders$$' -fuzztime $(FUZZTIME) ./internal/httpapi/

bench: ## Go benchmarks: render+encode and the whole POST /vector_image handler
	$(GO) test -run '^$$' -bench . -benchmem ./...

loadtest: ## wrk, side by side: pngd vs the seed stack (needs wrk, python3-fastapi, -uvicorn, -opencv)
	internal/loadtest/vector_image.sh

lint: ## gofmt (outside gen/) and go vet
	@out=$$(gofmt -l $$(git ls-files '*.go' | grep -v '^gen/')); if [ -n "$$out" ]; then echo "gofmt would change: $$out"; exit 1; fi
	$(GO) vet ./...

tidy-check: ## fail if go.mod or go.sum is not tidy
	$(GO) mod tidy -diff
