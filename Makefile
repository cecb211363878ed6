# lua-sops: build, test, demo. `make deps` installs what a Debian 12 machine
# lacks (as root) or prints the apt-get line to run.
LUA        ?= lua5.4
BUSTED     ?= $(LUA) /usr/bin/busted
CC         ?= gcc
PKGS       := lua5.4 liblua5.4-dev libcurl4-openssl-dev lua-cjson lua-busted lua-socket \
              luarocks pkg-config gcc make valgrind lua-check openssl

WARN       := -std=c99 -Wall -Wextra -Werror -Werror=implicit-function-declaration
CFLAGS     ?= -O2 -g
LUA_CFLAGS  = $(shell pkg-config --cflags lua5.4)
CURL_CFLAGS = $(shell pkg-config --cflags libcurl)
CURL_LIBS   = $(shell pkg-config --libs libcurl)
SRC        := $(wildcard csrc/*.c)
HDR        := $(wildcard csrc/*.h)
BUILD      ?= build
CORE       := $(BUILD)/sops/core.so

.PHONY: all deps test memcheck lint demo bench openresty clean

all: $(CORE)

$(CORE): $(SRC) $(HDR)
	@mkdir -p $(BUILD)/sops
	$(CC) $(WARN) $(CFLAGS) -fPIC -shared $(LUA_CFLAGS) $(CURL_CFLAGS) -o $@ $(SRC) $(CURL_LIBS) $(LDFLAGS)

deps:
	@$(MAKE) --no-print-directory install-missing PKGS="$(PKGS)"

# lua-sops inside nginx's LuaJIT, waiting with ngx.sleep (not part of CI)
OPENRESTY_PKGS := nginx libnginx-mod-http-lua lua-resty-core luajit2 libluajit2-5.1-dev
openresty: deps
	@$(MAKE) --no-print-directory install-missing PKGS="$(OPENRESTY_PKGS)"
	bash examples/openresty.sh

install-missing:
	@missing=""; \
	for p in $(PKGS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then \
	  echo "installing:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	else \
	  echo "Missing Debian packages. Install them with:"; \
	  echo "  sudo apt-get install -y$$missing"; \
	  exit 1; \
	fi

test: deps all
	$(BUSTED)

# The client specs under valgrind; the module is linked with -z nodelete so
# that its symbols outlive dlclose and leak reports stay readable.
# (a build of its own, so that the optimised one is never mistaken for it)
memcheck: deps all
	rm -rf build/memcheck
	$(MAKE) --no-print-directory all BUILD=build/memcheck CFLAGS="-O0 -g" LDFLAGS="-Wl,-z,nodelete"
	valgrind --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite,indirect \
	  --show-leak-kinds=definite,indirect --track-origins=yes --quiet \
	  $(BUSTED) --run=memcheck --cpath="./build/memcheck/?.so"

demo: deps all
	LUA_PATH="./lua/?.lua;./lua/?/init.lua;;" LUA_CPATH="./build/?.so;;" $(LUA) examples/demo.lua

# Speed targets, measured (not part of `make test`: timings are no tests).
bench: deps all bench/curl_loop
	BENCH_SIM_CPU=0 LUA_PATH="./lua/?.lua;./lua/?/init.lua;;" LUA_CPATH="./build/?.so;;" \
	  taskset -c 1 $(LUA) bench/run.lua

bench/curl_loop: bench/curl_loop.c
	$(CC) $(WARN) -O2 $(CURL_CFLAGS) -o $@ $< $(CURL_LIBS)

lint: deps
	luacheck lua spec examples bench bin/sops-sim bin/sops

clean:
	rm -rf build bench/curl_loop
