# lua-sops: build, test, demo. `make deps` installs what a Debian 12 machine
# lacks (as root) or prints the apt-get line to run.
#
# LUA picks the runtime the library, the bksops command and the specs run on:
# lua5.1, lua5.3, lua5.4 (default) or luajit. The simulator needs 5.3 or
# later and runs on SIM_LUA. Each runtime gets its own build directory.
SHELL      := /bin/bash
LUA        ?= lua5.4
SIM_LUA    ?= lua5.4
RUNTIMES   := lua5.1 lua5.3 lua5.4 luajit
BUSTED     ?= $(LUA) /usr/bin/busted
CC         ?= gcc
PKGS_BASE  := libcurl4-openssl-dev lua-cjson lua-busted lua-socket lua-argparse luarocks pkg-config gcc make \
              valgrind lua-check openssl tmux zsh fish
PKGS_lua5.1 := lua5.1 liblua5.1-0-dev
PKGS_lua5.3 := lua5.3 liblua5.3-dev
PKGS_lua5.4 := lua5.4 liblua5.4-dev
PKGS_luajit := luajit2 libluajit2-5.1-dev
PKGS       := $(PKGS_lua5.4) $(PKGS_BASE) $(PKGS_$(LUA)) $(PKGS_$(SIM_LUA))
# OpenResty-style nginx: Debian's nginx with the Lua module (on LuaJIT)
OPENRESTY_PKGS := nginx libnginx-mod-http-lua lua-resty-core $(PKGS_luajit)
PKGS_ALL   := $(PKGS_BASE) $(foreach r,$(RUNTIMES),$(PKGS_$(r))) $(OPENRESTY_PKGS)

WARN       := -std=c99 -Wall -Wextra -Werror -Werror=implicit-function-declaration
CFLAGS     ?= -O2 -g
LUA_CFLAGS  = $(shell pkg-config --cflags $(LUA))
CURL_CFLAGS = $(shell pkg-config --cflags libcurl)
CURL_LIBS   = $(shell pkg-config --libs libcurl)
SRC        := $(wildcard csrc/*.c)
HDR        := $(wildcard csrc/*.h)
BUILD      ?= build/$(LUA)
CORE       := $(BUILD)/sops/core.so
# the simulator's own C helpers (signals, poll, its JSON writer), built for the simulator's runtime
SIM_BUILD  := build/$(SIM_LUA)
SIM_HELPER := $(SIM_BUILD)/sops/sim/signals.so $(SIM_BUILD)/sops/sim/poll.so $(SIM_BUILD)/sops/sim/pyjson.so

# Every spec file runs in a busted process of its own under this bound (s):
# a hang is a failure, not a stuck CI job.
SPEC_TIMEOUT ?= 300
RUN_SPECS   = SOPS_SPEC_LUA=$(LUA) SOPS_SIM_LUA=$(SIM_LUA) SOPS_SPEC_BUILD=$(BUILD) \
              bash spec/support/run-specs

# `make release VERSION=X.Y.Z` cuts a release (version, CHANGELOG heading,
# rockspecs/ and their checksums); `make dev VERSION=X.Y.Z` opens the next
# one's development (X.Y.Z-dev). scripts/release and CONTRIBUTING.md.
VERSION    ?=

.PHONY: all sim release dev docs readme share upstream-check install-man install-completion bench-sim bench-ir bench-memory bench-callbacks bench-startup test-openresty bench-openresty deps deps-all test test-all memcheck sanitize fuzz lint demo bench openresty clean \
        install-missing portable stress

all: $(CORE)

$(CORE): $(SRC) $(HDR)
	@mkdir -p $(BUILD)/sops
	$(CC) $(WARN) $(CFLAGS) -fPIC -shared $(LUA_CFLAGS) $(CURL_CFLAGS) -o $@ $(SRC) $(CURL_LIBS) $(LDFLAGS)

# (and lua-sops' core for SIM_LUA: the simulator decodes bodies with it,
# telling [] from {}, whatever runtime the client specs run on)
sim: $(SIM_HELPER)
	@$(MAKE) --no-print-directory all LUA=$(SIM_LUA) BUILD=$(SIM_BUILD)

$(SIM_BUILD)/sops/sim/%.so: csrc/sim/%.c csrc/compat.h csrc/platform.h
	@mkdir -p $(SIM_BUILD)/sops/sim
	$(CC) $(WARN) $(CFLAGS) -fPIC -shared $(shell pkg-config --cflags $(SIM_LUA)) -o $@ $<

release:
	bash scripts/release "$(VERSION)"

dev:
	bash scripts/release --dev "$(VERSION)"

deps:
	@$(MAKE) --no-print-directory install-missing PKGS="$(PKGS)"

deps-all:
	@$(MAKE) --no-print-directory install-missing PKGS="$(PKGS_ALL)"

# lua-sops in nginx: the worker stays free, and a call's CPU against
# hand-written cosocket code (bench/openresty.lua)
bench-openresty: deps
	@$(MAKE) --no-print-directory install-missing PKGS="$(OPENRESTY_PKGS)"
	@$(MAKE) --no-print-directory all LUA=luajit
	@$(MAKE) --no-print-directory all sim LUA=lua5.4
	SOPS_SPEC_LUA=lua5.4 SOPS_SIM_LUA=$(SIM_LUA) SOPS_SPEC_BUILD=build/lua5.4 SOPS_SIM_PREFIX="taskset -c 0 " \
	  LUA_PATH="./spec/?.lua;./lua/?.lua;./lua/?/init.lua;;" LUA_CPATH="./build/lua5.4/?.so;;" lua5.4 bench/openresty.lua

# docs' nginx.conf files, run as printed (examples/openresty.sh): lua-sops
# inside nginx's LuaJIT from the checkout and from the rock, and waiting on a
# completion callback
openresty: deps
	@$(MAKE) --no-print-directory install-missing PKGS="$(OPENRESTY_PKGS)"
	bash examples/openresty.sh

# The nginx specs (spec/ngx/): lua-sops in a real nginx against bksops-sim,
# driven from Lua 5.4. SOPS_SPEC_TALLY adds their counts to test-all's.
test-openresty: deps
	@$(MAKE) --no-print-directory install-missing PKGS="$(OPENRESTY_PKGS)"
	@$(MAKE) --no-print-directory all LUA=luajit
	@$(MAKE) --no-print-directory all sim LUA=lua5.4
	SOPS_SPEC_LUA=lua5.4 SOPS_SIM_LUA=$(SIM_LUA) SOPS_SPEC_BUILD=build/lua5.4 \
	  bash spec/support/run-specs "lua5.4 /usr/bin/busted" $(SPEC_TIMEOUT) spec/ngx/*_spec.lua

# SOPS_NO_DEPS=1 (luarocks test sets it) turns every package check off.
install-missing:
	@[ -z "$(SOPS_NO_DEPS)" ] || exit 0; \
	missing=""; \
	for p in $(PKGS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then \
	  echo "installing:$$missing"; \
	  guard=""; \
	  if [ ! -e /usr/sbin/policy-rc.d ]; then \
	    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; guard=1; \
	  fi; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	  rc=$$?; [ -n "$$guard" ] && rm -f /usr/sbin/policy-rc.d; [ $$rc = 0 ] || exit $$rc; \
	else \
	  echo "Missing Debian packages. Install them with:"; \
	  echo "  sudo apt-get install -y$$missing"; \
	  exit 1; \
	fi

test: deps all sim
	$(RUN_SPECS) "$(BUSTED)" $(SPEC_TIMEOUT) spec/*_spec.lua

# The suite on every runtime lua-sops claims; the last line totals them.
test-all: deps-all
	@tally=$$(mktemp); status=0; \
	for r in $(RUNTIMES); do \
	  echo "== $$r"; \
	  SOPS_SPEC_TALLY=$$tally $(MAKE) --no-print-directory test LUA=$$r BUSTED="$$r /usr/bin/busted" || status=1; \
	done; \
	echo "== nginx"; \
	SOPS_SPEC_TALLY=$$tally $(MAKE) --no-print-directory test-openresty || status=1; \
	awk '{p += $$1; f += $$2; s += $$3} END {printf "\n%d passed, %d failed%s\n", p, f, s ? ", " s " skipped" : ""}' $$tally; \
	rm -f $$tally; exit $$status

# The client specs under valgrind; the module is linked with -z nodelete so
# that its symbols outlive dlclose and leak reports stay readable.
# (a build of its own, so that the optimised one is never mistaken for it)
MEMCHECK_SPECS = $(wildcard spec/1[0-9]-*_spec.lua spec/2[0-3]-*_spec.lua spec/27-*_spec.lua spec/30-*_spec.lua)
memcheck: deps sim
	rm -rf build/memcheck
	$(MAKE) --no-print-directory all BUILD=build/memcheck CFLAGS="-O0 -g" LDFLAGS="-Wl,-z,nodelete"
	SPEC_WRAP="valgrind --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite,indirect \
	  --show-leak-kinds=definite,indirect --track-origins=yes --quiet" \
	  SOPS_SPEC_LUA=$(LUA) SOPS_SIM_LUA=$(SIM_LUA) SOPS_SPEC_BUILD=build/memcheck \
	  bash spec/support/run-specs "$(BUSTED)" 1800 $(MEMCHECK_SPECS)

# The whole suite against a core built with AddressSanitizer and
# UndefinedBehaviorSanitizer (gcc's runtimes, preloaded into the Lua that
# loads it): any invalid access or undefined behaviour aborts its spec file.
# Leaks are memcheck's job.
SANITIZE_FLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
sanitize: deps sim
	$(MAKE) --no-print-directory all BUILD=build/sanitize CFLAGS="$(SANITIZE_FLAGS)" LDFLAGS="-fsanitize=address,undefined"
	SPEC_WRAP="env LD_PRELOAD=$$($(CC) -print-file-name=libasan.so) \
	  ASAN_OPTIONS=detect_leaks=0:abort_on_error=1:allocator_may_return_null=1 \
	  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1" \
	  SOPS_SPEC_LUA=$(LUA) SOPS_SIM_LUA=$(SIM_LUA) SOPS_SPEC_BUILD=build/sanitize \
	  bash spec/support/run-specs "$(BUSTED)" 900 spec/*_spec.lua

# macOS and the BSDs, checked on Linux: the C sources built the way those
# systems build them (csrc/platform.h; SOPS_FORCE_PORTABLE takes their ways
# here: kqueue for signals, from a stand-in made of a signalfd in
# tools/portable/include, arc4random_buf, no MSG_NOSIGNAL, no prctl), then
# 1. no Linux-only header, call or constant left on that path: gcc's
#    preprocessor decides the conditions, expands nothing, and
#    tools/portable.lua reads what lua-sops wrote;
# 2. macOS's own branches (SO_NOSIGPIPE, OPEN_MAX) compile, their
#    constants given as macOS has them;
# 3. the specs of what those paths serve, against that build: the core and
#    the simulator's helpers in build/portable/root/build/, a tree of links
#    to this checkout, where bin/bksops and bin/bksops-sim find them.
PORTABLE       := build/portable
PORTABLE_FLAGS := -DSOPS_FORCE_PORTABLE -Itools/portable/include
PORTABLE_SPECS := spec/01-sim_http_spec.lua spec/06-sim_callbacks_spec.lua spec/11-client_spec.lua \
                  spec/15-safety_spec.lua spec/28-cli_terminal_spec.lua spec/30-callbacks_spec.lua \
                  spec/42-platform_spec.lua
portable: deps
	rm -rf $(PORTABLE)
	@echo "== no Linux-only code on the macOS/BSD path"
	@for f in $(SRC) $(wildcard csrc/sim/*.c); do \
	  gcc -std=c99 -E -fdirectives-only $(PORTABLE_FLAGS) $(LUA_CFLAGS) $(CURL_CFLAGS) $$f | $(LUA) tools/portable.lua || exit 1; \
	done
	@echo "== macOS's branches compile"
	$(CC) $(WARN) $(PORTABLE_FLAGS) -DSO_NOSIGPIPE=0x1022 -DOPEN_MAX=10240 $(LUA_CFLAGS) -fsyntax-only csrc/listener.c csrc/sim/poll.c
	@echo "== the macOS/BSD paths, built and run"
	$(MAKE) --no-print-directory all sim BUILD=$(PORTABLE)/root/build/$(LUA) SIM_BUILD=$(PORTABLE)/root/build/$(SIM_LUA) \
	  CFLAGS="-O2 -g $(PORTABLE_FLAGS)"
	@mkdir -p $(PORTABLE)/root/bin
	@for f in $$(ls -A); do \
	  case $$f in bin|build|.git) ;; *) ln -s ../../../$$f $(PORTABLE)/root/$$f ;; esac; \
	done
	@for f in bin/*; do ln -s ../../../../$$f $(PORTABLE)/root/$$f; done
	cd $(PORTABLE)/root && SOPS_PORTABLE=1 SOPS_SPEC_LUA=$(LUA) SOPS_SIM_LUA=$(SIM_LUA) SOPS_SPEC_BUILD=build/$(LUA) \
	  bash spec/support/run-specs "$(BUSTED)" $(SPEC_TIMEOUT) $(PORTABLE_SPECS)

# libFuzzer harnesses (clang), each run for FUZZ_SECONDS, seeded from the
# fixtures and the JSONTestSuite corpus: the decoder with and without its
# string cache, with an encode round trip, the classification of an answer
# into a value or an error, and the callback listener's request head
# parser. (SOPS_JSON_CHECK_TOP: the decoder checks its own count of the Lua
# stack's top against the real one; SOPS_STRCACHE_MIN_BITS=2: the string
# cache starts at 32 slots, so that it grows within many decodes.)
FUZZ_PKGS    := clang libclang-rt-14-dev
FUZZ_SECONDS ?= 60
FUZZ_CC      ?= clang
FUZZ_FLAGS   := -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
                -DSOPS_JSON_CHECK_TOP -DSOPS_STRCACHE_MIN_BITS=2 \
                $(shell pkg-config --cflags lua5.4) $(CURL_CFLAGS)
FUZZERS      := build/fuzz/decode build/fuzz/response build/fuzz/http_head build/fuzz/answer_head
fuzz: deps
	@$(MAKE) --no-print-directory install-missing PKGS="$(FUZZ_PKGS)"
	@$(MAKE) --no-print-directory $(FUZZERS)
	@for f in $(FUZZERS); do \
	  name=$$(basename $$f); mkdir -p build/fuzz/corpus-$$name; \
	  echo "== $$name, $(FUZZ_SECONDS) s"; \
	  $$f -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
	    -dict=spec/fuzz/json.dict build/fuzz/corpus-$$name spec/fixtures spec/jsontestsuite/test_parsing \
	    $$([ -d spec/fuzz/seed-$$name ] && echo spec/fuzz/seed-$$name) \
	    2>&1 | grep -E "^(stat::number_of_executed_units|stat::new_units_added|==|SUMMARY|ERROR|Done)" ; \
	  test $${PIPESTATUS[0]} -eq 0 || exit 1; \
	done

build/fuzz/%: spec/fuzz/%.c $(SRC) $(HDR)
	@mkdir -p build/fuzz
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $< $(filter-out csrc/core.c,$(SRC)) $(shell pkg-config --libs lua5.4) $(CURL_LIBS)

demo: deps all sim
	LUA_PATH="./lua/?.lua;./lua/?/init.lua;;" LUA_CPATH="./$(BUILD)/?.so;;" $(LUA) examples/demo.lua

# Speed targets, measured (not part of `make test`: timings are no tests).
bench: deps all sim bench/curl_loop
	BENCH_SIM_CPU=0 LUA_PATH="./lua/?.lua;./lua/?/init.lua;;" LUA_CPATH="./$(BUILD)/?.so;;" \
	  taskset -c 1 $(LUA) bench/run.lua

# the same targets in instructions (callgrind): deterministic, so that a
# change of a few percent shows where timings are too noisy to tell it;
# then make bench-openresty's c. and c2., the instructions of an nginx worker
bench-ir: deps all sim bench/curl_loop
	LUA_PATH="./lua/?.lua;./lua/?/init.lua;;" LUA_CPATH="./$(BUILD)/?.so;;" $(LUA) bench/ir.lua
	@$(MAKE) --no-print-directory install-missing PKGS="$(OPENRESTY_PKGS)"
	@$(MAKE) --no-print-directory all LUA=luajit
	@$(MAKE) --no-print-directory all sim LUA=lua5.4
	SOPS_SPEC_LUA=lua5.4 SOPS_SIM_LUA=$(SIM_LUA) SOPS_SPEC_BUILD=build/lua5.4 \
	  LUA_PATH="./spec/?.lua;./lua/?.lua;./lua/?/init.lua;;" LUA_CPATH="./build/lua5.4/?.so;;" lua5.4 bench/ir_openresty.lua

# peak RSS over 1 and 600 big calls (a 2,000-node status, about 1 MB of
# JSON) as a multiple of the JSON, under each setting of the collector, and
# the decoder alone against lua-cjson's; bench/memstat.c counts the Lua
# heap's peak (BENCH_MEMORY_CALLS="1,600" sets the loops)
BENCH_MEMSTAT := $(BUILD)/bench/memstat.so
bench-memory: deps all sim $(BENCH_MEMSTAT)
	BENCH_SIM_CPU=0 LUA_PATH="./lua/?.lua;./lua/?/init.lua;;" LUA_CPATH="./$(BUILD)/?.so;;" \
	  taskset -c 1 $(LUA) bench/memory.lua

# (linked -z nodelete: its counting allocator outlives the Lua state's unloading of it)
$(BENCH_MEMSTAT): bench/memstat.c
	@mkdir -p $(BUILD)/bench
	$(CC) $(WARN) -O2 -fPIC -shared $(LUA_CFLAGS) -o $@ $< -Wl,-z,nodelete

# bksops-sim's cost: a get_tasks_status of 50 tasks, a wait_all over 5,000
bench-sim: deps all sim
	BENCH_SIM_CPU=0 LUA_PATH="./lua/?.lua;./lua/?/init.lua;;" LUA_CPATH="./$(BUILD)/?.so;;" \
	  taskset -c 1 lua5.4 bench/sim.lua

# a wait on a completion callback: how soon it returns, its polls, a flood
bench-callbacks: deps all sim
	LUA_PATH="./lua/?.lua;./lua/?/init.lua;;" LUA_CPATH="./$(BUILD)/?.so;;" $(LUA) bench/callbacks.lua

# start-up, which a command-line user pays on every invocation: bare Lua (the
# floor), `require "sops.core"`, `require "sops"`, `bksops --version` and
# `bksops --help`, in wall and CPU time over BENCH_RUNS runs and in
# instructions (callgrind); on LUA, the driver itself on lua5.4
bench-startup: deps all bench/timed
	LUA_PATH="./lua/?.lua;./lua/?/init.lua;;" LUA_CPATH="./$(BUILD)/?.so;;" BENCH_LUA=$(LUA) lua5.4 bench/startup.lua

bench/timed: bench/timed.c
	$(CC) $(WARN) -O2 -o $@ $<

bench/curl_loop: bench/curl_loop.c
	$(CC) $(WARN) -O2 $(CURL_CFLAGS) -o $@ $< $(CURL_LIBS)

# The reference's generated parts (spec/44-docs_spec.lua and specs 25 and 29
# fail when they drift): each call's entry (docs/calls/*.md), the shared
# result shapes (docs/shapes.md) and the index of methods (docs/index.md),
# from lua/sops/api.lua, lua/sops/shapes.lua and tools/about.lua; the table
# of calls (docs/calls.md); sops.new's options (docs/client.md), from
# lua/sops/options.lua; the bksops command's commands and exit codes
# (docs/command.md), from lua/sops/cli/commands.lua.
docs: $(CORE)
	LUA_PATH='lua/?.lua;lua/?/init.lua;./?.lua;;' LUA_CPATH='$(BUILD)/?.so;;' $(LUA) tools/reference.lua docs
	LUA_PATH='lua/?.lua;./?.lua;;' $(LUA) tools/calls.lua docs/calls.md
	LUA_PATH='lua/?.lua;lua/?/init.lua;./?.lua;;' LUA_CPATH='$(BUILD)/?.so;;' $(LUA) tools/commands.lua docs/command.md
	LUA_PATH='lua/?.lua;lua/?/init.lua;./?.lua;;' LUA_CPATH='$(BUILD)/?.so;;' $(LUA) tools/options.lua docs/client.md
	LUA_PATH='lua/?.lua;lua/?/init.lua;./?.lua;;' LUA_CPATH='$(BUILD)/?.so;;' $(LUA) tools/types.lua types/sops.lua

# (the name it had when README held those tables)
readme: docs

# bk-sops' API gateway resources (gcloud/apigw/management/commands/data/api-resources.yml)
# on one of its branches: the facts lua-sops checks, written to
# spec/fixtures/upstream/BRANCH.lua, and what changed since the fixture there
# (spec/36-upstream_spec.lua holds lua/sops/api.lua to them).
#   make upstream-check FILE=api-resources.yml|BK_SOPS_CHECKOUT BRANCH=master COMMIT=SHA
# (COMMIT may be left out for a git checkout: its HEAD)
upstream-check:
	@if [ -z "$(FILE)" ] || [ -z "$(BRANCH)" ]; then \
	  echo "usage: make upstream-check FILE=api-resources.yml|CHECKOUT BRANCH=name COMMIT=sha" >&2; exit 2; fi
	@mkdir -p spec/fixtures/upstream
	@LUA_PATH='lua/?.lua;./?.lua;;' $(LUA) tools/upstream.lua "$(FILE)" "$(BRANCH)" $(if $(COMMIT),"$(COMMIT)")

# share/: the bksops command's completion scripts for bash, zsh and fish, and
# its man page, from its table of commands and its help
share: $(CORE)
	LUA_PATH='lua/?.lua;lua/?/init.lua;./?.lua;;' LUA_CPATH='$(BUILD)/?.so;;' $(LUA) tools/share.lua share

# the man page where man(1) finds it: make install-man [PREFIX=~/.local]
PREFIX ?= /usr/local
install-man:
	install -d $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 644 share/man/man1/bksops.1 $(DESTDIR)$(PREFIX)/share/man/man1/bksops.1

# the completion scripts where bash-completion, zsh and fish look under
# PREFIX: make install-completion [PREFIX=~/.local] (zsh: PREFIX/share/zsh/
# site-functions must be in fpath, as /usr/local's is)
COMPLETIONS := bash-completion/completions/bksops zsh/site-functions/_bksops fish/vendor_completions.d/bksops.fish
install-completion:
	@for f in $(COMPLETIONS); do \
	  install -d $(DESTDIR)$(PREFIX)/share/$$(dirname $$f) && \
	  install -m 644 share/$$f $(DESTDIR)$(PREFIX)/share/$$f || exit 1; \
	done

# the command's specs 20 times in a row with every CPU kept busy: 0
# failures, or a spec depends on the machine's speed (scripts/stress;
# STRESS_ROUNDS, STRESS_LOAD)
stress: deps all sim
	LUA=$(LUA) SIM_LUA=$(SIM_LUA) SOPS_SPEC_BUILD=$(BUILD) bash scripts/stress $(or $(STRESS_ROUNDS),20) $(STRESS_LOAD)

lint: deps
	@$(MAKE) --no-print-directory install-missing PKGS="lua5.1"
	luacheck lua spec tools examples bench bin/bksops-sim bin/bksops
	@# the client, its command and the specs run on Lua 5.1 too: a 5.4-only
	@# construct (<close>, //, integer division) fails here, not in CI's 5.1 run
	@for f in $$(git ls-files 'lua/*.lua' 'spec/*.lua' 'examples/*.lua' 'tools/*.lua' bin/bksops | grep -v '^lua/sops/sim/'); do \
	  luac5.1 -p "$$f" || exit 1; done

clean:
	rm -rf build bench/curl_loop bench/timed
