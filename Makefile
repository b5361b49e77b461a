# A thin wrapper over Meson: installs what is missing, then builds/tests.
#   make demo    build and show ipcx at work
#   make check   every test, twice (plain and ASan+UBSan), plus the
#                format and musl checks
#   make bench   ipcx bench (every facility, raw syscalls vs ipcx) and
#                the developers' lsbench
BUILD      ?= build
ASAN_BUILD ?= build-asan
MUSL_BUILD ?= build-musl
SOURCES     = $(shell git ls-files --cached --others --exclude-standard '*.c' '*.h' 2>/dev/null || find include src tests bench fuzz -name '*.[ch]')

# Debian packages the build, the tests and the demo use.
DEPS = meson ninja-build pkg-config gcc libc6-dev libcmocka-dev \
       libsmartcols-dev musl-tools clang-format python3 socat \
       util-linux procps iproute2 python3-sysv-ipc gnuplot-nox

.PHONY: all deps build demo check check-plain check-asan check-musl \
        check-format format bench install clean

all: build

deps:
	@missing=""; for p in $(DEPS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' \
	    || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing:$$missing"; \
	  if [ "$$(id -u)" != 0 ]; then \
	    echo "make: run as root, or install:$$missing" >&2; exit 1; fi; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -qq && apt-get install -y -qq $$missing >/dev/null; \
	fi

$(BUILD)/build.ninja:
	meson setup $(BUILD)

build: deps $(BUILD)/build.ninja
	ninja -C $(BUILD)

demo: build
	@sh doc/demo.sh $(BUILD)/src/tool/ipcx

check: deps check-format check-plain check-asan check-musl
	@cat $(BUILD)/meson-logs/testlog.txt $(ASAN_BUILD)/meson-logs/testlog.txt \
	  | awk '/^Ok:/ {ok += $$2} /^(Fail|Timeout|Unexpected Pass):/ {bad += $$NF} \
	    END {printf "check: %d passed, %d failed\n", ok, bad}'

check-plain: build
	meson test -C $(BUILD) --print-errorlogs

$(ASAN_BUILD)/build.ninja:
	meson setup $(ASAN_BUILD) -Db_sanitize=address,undefined -Db_lundef=false

check-asan: deps $(ASAN_BUILD)/build.ninja
	ninja -C $(ASAN_BUILD)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	  meson test -C $(ASAN_BUILD) --print-errorlogs

# Portability across C libraries: the library alone, built with musl.
$(MUSL_BUILD)/build.ninja:
	CC=musl-gcc meson setup $(MUSL_BUILD) -Dlib_only=true

check-musl: deps $(MUSL_BUILD)/build.ninja
	ninja -C $(MUSL_BUILD)

check-format: deps
	@clang-format --dry-run --Werror $(SOURCES) \
	  || { echo "make: code is not formatted: run 'make format'" >&2; exit 1; }

format:
	clang-format -i $(SOURCES)

bench: build
	$(BUILD)/src/tool/ipcx bench --plot $(BUILD)/bench.svg
	@echo
	$(BUILD)/bench/lsbench $(BUILD)/src/tool/ipcx

install: build
	meson install -C $(BUILD)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(MUSL_BUILD)
