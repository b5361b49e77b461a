# A thin wrapper over Meson: installs what is missing, then builds/tests.
#   make         build (needs meson, ninja, a C compiler, pkg-config and
#                libsmartcols-dev; libzmq3-dev for zmq:)
#   make install install the tool, library, header, pkg-config file, man
#                pages and bash completion (PREFIX=/opt/ipcx for another
#                prefix: the tool then finds the library by an rpath);
#                make uninstall removes them
#   make demo    build and show ipcx at work
#   make check   every test, twice (plain and ASan+UBSan), plus the
#                format and musl checks
#   make bench   ipcx bench (every facility, raw syscalls vs ipcx) and
#                the developers' lsbench
#   make stress  the long loops: exactly-once with kills, 1000 kill -9
#                trials on a ring, raced symlinks, a 10-minute soak
#   make fuzz    libFuzzer (clang) on the address parser, the framing
#                decoder and the ring, FUZZ_RUNS executions each
BUILD      ?= build
PREFIX     ?=
FUZZ_BUILD ?= build-fuzz
FUZZ_RUNS  ?= 10000000
SOAK_SECS  ?= 600
ASAN_BUILD ?= build-asan
MUSL_BUILD ?= build-musl
SOURCES     = $(shell git ls-files --cached --others --exclude-standard '*.c' '*.h' 2>/dev/null || find include src tests bench fuzz -name '*.[ch]')

# Debian packages the build, the tests and the demo use.
DEPS = meson ninja-build pkg-config gcc libc6-dev libcmocka-dev libzmq3-dev \
       libsmartcols-dev musl-tools clang-format python3 socat \
       util-linux procps iproute2 python3-sysv-ipc gnuplot-nox \
       netcat-openbsd systemd python3-zmq python3-cffi python3-pytest \
       python3-dev python3-setuptools \
       python3-numpy python3-venv mypy man-db groff-base binutils \
       bash-completion

.PHONY: all deps install-packages build dev-build demo check check-plain check-asan check-musl \
        check-format format bench stress fuzz deb install uninstall clean

all: build

deps:
	@$(MAKE) --no-print-directory install-packages PACKAGES="$(DEPS)"

# Installs PACKAGES that are missing (Debian), as root.
install-packages:
	@missing=""; for p in $(PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' \
	    || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing:$$missing"; \
	  if [ "$$(id -u)" != 0 ]; then \
	    echo "make: run as root, or install:$$missing" >&2; exit 1; fi; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -qq && apt-get install -y -qq $$missing >/dev/null; \
	fi

# Warnings are errors in the builds of demo and check (development), not in
# a user's make && make install.
$(BUILD)/build.ninja:
	meson setup $(BUILD) $(if $(PREFIX),--prefix=$(PREFIX))

build: $(BUILD)/build.ninja
	ninja -C $(BUILD)

dev-build: deps $(BUILD)/build.ninja
	meson configure $(BUILD) -Dwerror=true
	ninja -C $(BUILD)

demo: dev-build
	@sh doc/demo.sh $(BUILD)/src/tool/ipcx

check: deps check-format check-plain check-asan check-musl
	@cat $(BUILD)/meson-logs/testlog.txt $(ASAN_BUILD)/meson-logs/testlog.txt \
	  | awk '/^Ok:/ {ok += $$2} /^(Fail|Timeout|Unexpected Pass):/ {bad += $$NF} \
	    END {printf "check: %d passed, %d failed\n", ok, bad}'

check-plain: dev-build
	meson test -C $(BUILD) --print-errorlogs

$(ASAN_BUILD)/build.ninja:
	meson setup $(ASAN_BUILD) -Dwerror=true -Db_sanitize=address,undefined \
	  -Db_lundef=false

check-asan: deps $(ASAN_BUILD)/build.ninja
	ninja -C $(ASAN_BUILD)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	  meson test -C $(ASAN_BUILD) --print-errorlogs

# Portability across C libraries: the library alone, built with musl.
$(MUSL_BUILD)/build.ninja:
	CC=musl-gcc meson setup $(MUSL_BUILD) -Dwerror=true -Dlib_only=true

check-musl: deps $(MUSL_BUILD)/build.ninja
	ninja -C $(MUSL_BUILD)

check-format: deps
	@clang-format --dry-run --Werror $(SOURCES) \
	  || { echo "make: code is not formatted: run 'make format'" >&2; exit 1; }

format:
	clang-format -i $(SOURCES)

bench: dev-build
	$(BUILD)/src/tool/ipcx bench --plot $(BUILD)/bench.svg
	@echo
	$(BUILD)/bench/lsbench $(BUILD)/src/tool/ipcx

# The long loops (minutes): exactly-once with N x M senders and receivers
# killed at random, 1000 kill -9 trials on ring send/receive, raced
# symlinks with many tries, and a soak with memory, descriptors and
# kernel objects checked flat.
stress: dev-build
	python3 tests/stress/exactly_once.py --long $(BUILD)/src/tool/ipcx
	$(BUILD)/tests/test-ring-kill 1000
	$(BUILD)/tests/test-symlink-race 50000
	python3 tests/stress/soak.py --seconds $(SOAK_SECS) $(BUILD)/src/tool/ipcx

# Coverage-guided fuzzing (clang's libFuzzer, ASan and UBSan): new inputs
# that add coverage join fuzz/corpus/TARGET, crashes go to
# fuzz/crashes/TARGET (both replayed by make check).
FUZZ_DEPS = clang libclang-rt-14-dev
$(FUZZ_BUILD)/build.ninja:
	CC=clang meson setup $(FUZZ_BUILD) -Dwerror=true -Dfuzz=true -Dtests=false \
	  -Db_sanitize=address,undefined -Db_lundef=false

fuzz: deps
	@$(MAKE) --no-print-directory install-packages PACKAGES="$(FUZZ_DEPS)"
	@$(MAKE) --no-print-directory $(FUZZ_BUILD)/build.ninja
	ninja -C $(FUZZ_BUILD) fuzz/fuzz-addr fuzz/fuzz-frame fuzz/fuzz-ring
	@for t in addr frame ring; do \
	  mkdir -p $(FUZZ_BUILD)/corpus/$$t fuzz/crashes/$$t; \
	  echo "fuzz-$$t: $(FUZZ_RUNS) runs"; \
	  $(FUZZ_BUILD)/fuzz/fuzz-$$t -runs=$(FUZZ_RUNS) -print_final_stats=1 \
	    -artifact_prefix=fuzz/crashes/$$t/ \
	    $(FUZZ_BUILD)/corpus/$$t fuzz/corpus/$$t 2>$(FUZZ_BUILD)/fuzz-$$t.log \
	    || { tail -40 $(FUZZ_BUILD)/fuzz-$$t.log; exit 1; }; \
	  grep -E '^stat::(number_of_executed_units|peak_rss)' $(FUZZ_BUILD)/fuzz-$$t.log; \
	  $(FUZZ_BUILD)/fuzz/fuzz-$$t -merge=1 fuzz/corpus/$$t \
	    $(FUZZ_BUILD)/corpus/$$t 2>/dev/null; \
	done

# The Debian packages (debian/), built and checked in a debootstrap chroot
# of Debian 12: lintian, install, use (tests/deb/deb.sh; root).
DEB_DEPS = debootstrap
deb:
	@$(MAKE) --no-print-directory install-packages PACKAGES="$(DEB_DEPS)"
	sh tests/deb/deb.sh . build-deb

install: $(BUILD)/build.ninja
	$(if $(PREFIX),meson configure $(BUILD) -Dprefix=$(PREFIX))
	ninja -C $(BUILD)
	meson install -C $(BUILD)

uninstall:
	ninja -C $(BUILD) uninstall

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(MUSL_BUILD) $(FUZZ_BUILD) build-deb
