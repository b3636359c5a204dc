# dmicro: the commands people type. `make help` lists them.

GO       ?= go
FUZZTIME ?= 15s
SOAK     ?= 30s
DEMO_ADDR ?= 127.0.0.1:9091
BIN      := bin

.DEFAULT_GOAL := help
.PHONY: help build test race soak vet lint fmt fuzz bench bench-compare bench-plugins bench-procman bench-hotrestart demo generate tidy-check cross clean etcd37

# COMPAT is the comparison module (its own go.mod: gRPC-go lives there only).
COMPAT := internal/compat/bench
# COMPAT_MDNS proves mDNS interop with hashicorp/mdns and miekg/dns (its own go.mod too).
COMPAT_MDNS := internal/compat/mdns
# COMPAT_ETCD37 pins etcd 3.7 as a tool (its own go.mod); `make etcd37` builds it into ETCD37.
COMPAT_ETCD37 := internal/compat/etcd37
ETCD37 := $(BIN)/etcd-3.7
# STATICCHECK runs as a pinned tool, never a module dependency.
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2

help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z0-9-]+:.*## / {printf "  %-17s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

build: ## compile every package and command
	$(GO) build ./...

vet: ## go vet every package
	$(GO) vet ./...

test: vet etcd37 ## vet, then every test with the race detector, the comparison module's too, the etcd tests again against etcd 3.7 (what CI runs)
	$(GO) test -race -shuffle=on -count=1 -timeout 15m ./...
	cd $(COMPAT) && $(GO) vet ./... && $(GO) test -race -count=1 -timeout 10m ./...
	cd $(COMPAT_MDNS) && $(GO) vet ./... && $(GO) test -race -count=1 -timeout 5m ./...
	DMICRO_ETCD=$(CURDIR)/$(ETCD37) $(GO) test -race -count=1 -timeout 10m ./discovery/etcd/ ./discovery/rpcdisc/

etcd37: $(ETCD37) ## build etcd 3.7 from the Go module proxy into bin/etcd-3.7 (once: about 2 minutes)

$(ETCD37): $(COMPAT_ETCD37)/go.mod $(COMPAT_ETCD37)/go.sum
	@mkdir -p $(BIN)
	cd $(COMPAT_ETCD37) && $(GO) build -o $(CURDIR)/$(ETCD37) go.etcd.io/etcd/server/v3

soak: ## attack one server from several peers for SOAK (30s) while a good client calls; see rpc's TestSoak
	DMICRO_SOAK=$(SOAK) $(GO) test -race -count=1 -run '^TestSoak$$' -v -timeout 30m ./rpc/

race: ## every test with the race detector, three times, to shake out flakes
	$(GO) test -race -shuffle=on -count=3 -timeout 30m ./...

lint: vet tidy-check ## vet, gofmt, staticcheck and go.mod checks, both modules
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) run $(STATICCHECK) ./...
	cd $(COMPAT) && $(GO) vet ./... && $(GO) run $(STATICCHECK) ./...
	cd $(COMPAT_MDNS) && $(GO) vet ./... && $(GO) run $(STATICCHECK) ./...
	cd $(COMPAT_ETCD37) && $(GO) vet ./... && $(GO) run $(STATICCHECK) ./...

fmt: ## gofmt every file
	gofmt -w $$(git ls-files '*.go')

tidy-check: ## fail if go.mod or go.sum is not tidy
	$(GO) mod tidy -diff
	cd $(COMPAT) && $(GO) mod tidy -diff
	cd $(COMPAT_MDNS) && $(GO) mod tidy -diff
	cd $(COMPAT_ETCD37) && $(GO) mod tidy -diff

fuzz: ## run every fuzz target for FUZZTIME each
	@set -e; for pkg in $$($(GO) list ./...); do \
	  for fz in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
	    echo "== $$pkg $$fz"; \
	    $(GO) test -run '^$$' -fuzz "^$$fz$$" -fuzztime $(FUZZTIME) $$pkg; \
	  done; \
	done

bench: ## hot-path benchmarks: calls, frames, codecs, and a call over every transport
	$(GO) test -run '^$$' -bench . -benchmem ./rpc/ ./rpc/wire/raw/ ./codec/ ./internal/transportbench/

bench-compare: ## dmicro side by side with a bare framed echo, net/rpc and gRPC-go (about 10 minutes)
	cd $(COMPAT) && $(GO) run ./cmd/compare -runs 3 -duration 4s

bench-plugins: ## a call bare and with each plugin side by side, 1 and 64 callers: ns/op, CPU/op, allocs/op (about 2 minutes)
	$(GO) test -run '^$$' -bench BenchmarkPlugins -benchmem -count 3 ./plugin/

bench-procman: ## procman and Debian's supervisord side by side: restart latency, idle and logging CPU and memory (about 5 minutes; apt-get install supervisor)
	$(GO) run ./internal/procbench

bench-hotrestart: ## one net/http server hot-restarted by dmicro and by cloudflare/tableflip under the same load: failed requests, stalls, reload time (about 3 minutes)
	cd $(COMPAT) && $(GO) run ./cmd/hotrestart -runs 7 -reloads 10

demo: ## start the example server detached, call it in a loop while it reloads twice, show its status, stop it
	@mkdir -p $(BIN)
	$(GO) build -o $(BIN)/rpcserver ./cmd/rpcserver
	$(GO) build -o $(BIN)/rpcclient ./cmd/rpcclient
	@set -e; dir=$$(mktemp -d); client=; \
	  srv="./$(BIN)/rpcserver --config $$dir/demo.conf --pid $$dir/demo.pid --log $$dir/demo.log"; \
	  trap 'set +e; [ -z "$$client" ] || kill $$client 2>/dev/null; $$srv stop >/dev/null 2>&1 || true; rm -rf "$$dir"' EXIT; \
	  trap 'exit 130' INT TERM; \
	  printf '[sandbox.DRpcSandBox]\nListenAddr = $(DEMO_ADDR)\n' > $$dir/demo.conf; \
	  echo "== rpcserver start -d"; $$srv start -d; \
	  echo "== rpcclient -loop 4s, calling $(DEMO_ADDR) while the server reloads twice"; \
	  ./$(BIN)/rpcclient -addr $(DEMO_ADDR) -wait 10s -loop 4s & client=$$!; \
	  for i in 1 2; do sleep 1; echo "== rpcserver reload"; $$srv reload; done; \
	  wait $$client; client=; \
	  echo "== rpcserver status"; $$srv status; \
	  echo "== rpcserver stop"; $$srv stop

generate: ## regenerate generated code with protoc, protoc-gen-go (go.mod's version) and protoc-gen-dmicro, built into bin/
	@mkdir -p $(BIN)
	$(GO) build -o $(BIN)/protoc-gen-go google.golang.org/protobuf/cmd/protoc-gen-go
	$(GO) build -o $(BIN)/protoc-gen-dmicro ./cmd/protoc-gen-dmicro
	PATH="$(CURDIR)/$(BIN):$$PATH" $(GO) generate ./...
	git diff --exit-code

cross: ## vet for the other operating systems
	GOOS=darwin $(GO) vet ./...
	GOOS=windows $(GO) vet ./...
	GOOS=freebsd $(GO) vet ./...

clean: ## remove built programs
	rm -rf $(BIN)
