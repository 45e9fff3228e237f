# Set-up and everyday commands. `make run` and `make test` work on a fresh Debian 12 machine:
# they install the missing Debian packages first (one list, in deploy/packages-*.txt).

PACKAGE_LISTS := deploy/packages-build.txt deploy/packages-runtime.txt
PACKAGES := $(shell sed -e 's/\#.*//' $(PACKAGE_LISTS))
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
ARGS ?=

.PHONY: deps build run test test-deps node sanitize tsan fuzz bench bench-store bench-load bench-load-pg soak release format clean

# $(call install_missing,PACKAGES): apt-get installs those of PACKAGES dpkg does not know as installed.
define install_missing
	@missing=""; for p in $(1); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi
endef

deps:
	$(call install_missing,$(PACKAGES))

build/build.ninja: CMakeLists.txt CMakePresets.json | deps
	cmake --preset dev

build: deps build/build.ninja
	cmake --build --preset dev

run: build
	./build/brigade run $(ARGS)

test: build test-deps
	ctest --preset dev

# What the browser test needs: Debian's chromium, Node.js, and playwright-core (npm ci).
TEST_PACKAGES := $(shell sed -e 's/\#.*//' deploy/packages-test.txt)
test-deps: node
	$(call install_missing,$(TEST_PACKAGES))
	@$(MAKE) --no-print-directory tests/browser/node_modules/.installed

tests/browser/node_modules/.installed: tests/browser/package-lock.json
	cd tests/browser && npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Node.js for the Bolt peer and the browser test, from deploy/packages-bench.txt, only when
# `node` or `npm` is missing (a NodeSource install already provides both).
node:
	@command -v node >/dev/null && command -v npm >/dev/null || { \
	  echo "installing: $$(sed -e 's/#.*//' deploy/packages-bench.txt | xargs)"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq \
	    --no-install-recommends $$(sed -e 's/#.*//' deploy/packages-bench.txt); }

# Every test under AddressSanitizer + UndefinedBehaviorSanitizer (CI runs this after `make test`).
sanitize: deps test-deps
	cmake --preset asan
	cmake --build --preset asan
	ctest --preset asan

# The threaded parts (tests labelled `threaded`: committer, outbox, adapters, web, store
# transactions, the bot as a process) under ThreadSanitizer.
tsan: deps test-deps
	cmake --preset tsan
	cmake --build --preset tsan
	ctest --preset tsan

# libFuzzer targets (tests/fuzz/) built with clang, ASan and UBSan, each run FUZZ_SECONDS; new
# coverage is merged into tests/fuzz/corpus/, crashes are kept in tests/fuzz/crashes/.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= codec commands config slack matrix
FUZZ_PACKAGES := $(shell sed -e 's/\#.*//' deploy/packages-fuzz.txt)
fuzz: deps
	$(call install_missing,$(FUZZ_PACKAGES))
	cmake --preset fuzz
	cmake --build --preset fuzz
	tests/fuzz/run.sh build-fuzz/fuzz $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# The crash soak (tests/soak/): loopback Slack and Matrix load on build/brigade run, killed -9
# KILLS times and stopped with SIGTERM TERMS times per platform at seeded random moments (SEED: the
# printed seed of an earlier run), restarted each time; fails when a command is lost or counted twice,
# report --verify drifts or a reply repeats after a graceful stop. `make soak KILLS=100 SEED=42`.
KILLS ?= 30
TERMS ?= 6
SEED ?=
soak: deps build/build.ninja
	cmake --build --preset dev --target brigade brigade_soak
	./build/tests/brigade_soak --kills $(KILLS) --terms $(TERMS) $(if $(SEED),--seed $(SEED)) $(ARGS)

release: deps
	cmake --preset release
	cmake --build --preset release

# The store micro-benchmarks, then Brigade and the Bolt peer against the same loopback Slack,
# side by side, then one Matrix /sync answer with 1,000 commands. Figures: bench/README.md.
bench: bench-store bench-load

bench-store: release
	./build-release/bench/store_bench --benchmark_counters_tabular=true

BOLT := bench/peers/bolt
bench-load: release $(BOLT)/node_modules/.installed
	./build-release/bench/slack_load --bot brigade='./build-release/brigade run' --bot bolt='node $(BOLT)/index.js'
	./build-release/bench/matrix_batch

# The same Slack load on LMDB (one process) and on PostgreSQL with 1 and 2 replicas, side by side,
# against a throwaway cluster (pg_virtualenv, fsync on). PostgreSQL is the one `make test-deps`
# installs (deploy/packages-test.txt). ARGS go to slack_load, e.g. ARGS='--commands 5000'.
bench-load-pg: release
	$(call install_missing,$(filter postgresql,$(TEST_PACKAGES)))
	bench/pg_load.sh $(ARGS)

$(BOLT)/node_modules/.installed: $(BOLT)/package-lock.json | node
	cd $(BOLT) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

format:
	find core store commands config bot adapters web app testkit tests bench -name '*.cpp' -o -name '*.hpp' | xargs clang-format -i

clean:
	rm -rf build build-release build-asan build-tsan build-fuzz
