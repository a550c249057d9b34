# mod_oxtender — top-level build.
#
#   make            build the core, the module, the replicator and the test tools
#   make check      build, then run the unit, integration and packaging tests (SANITIZE=1: ASan+UBSan)
#                   (JOBS=n: the integration suite in n workers; default twice the cores)
#   make demo       run the product on a loopback port with demo data; make demo-stop
#   make fuzz       build the libFuzzer harnesses (fuzz/) with clang and run each
#                   for FUZZ_SECONDS (default 10); see fuzz/README.md
#   make install    install into DESTDIR (see docs/install.md)
#   make deb        the Debian packages, into build/deb/ (see debian/README.source)
#
# Every target first makes sure the Debian packages are there
# (scripts/install-deps.sh), so a fresh Debian 12 machine needs no other step;
# NO_DEPS=1 skips that (the package build: dpkg-checkbuilddeps does it there).

SHELL      := /bin/bash
.DEFAULT_GOAL := all

NODEPS_GOALS := clean demo-stop distclean
# Only the fuzz goals need clang and libFuzzer (a second package set).
FUZZ_GOALS := fuzz fuzz-build
DEPS_SETS  := $(if $(filter $(FUZZ_GOALS),$(MAKECMDGOALS)),fuzz)
ifneq ($(NO_DEPS),1)
ifneq ($(filter-out $(NODEPS_GOALS),$(or $(MAKECMDGOALS),all)),)
DEPS_STATUS := $(shell ./scripts/install-deps.sh $(DEPS_SETS) >&2 && echo ok)
ifneq ($(DEPS_STATUS),ok)
$(error scripts/install-deps.sh failed; see the messages above)
endif
endif
endif

# The one place the version is written (lib/oxt_version.h).
OXT_VERSION := $(shell cat VERSION)
ifeq ($(shell grep -Exc '[0-9][0-9A-Za-z.+~]*' VERSION),0)
$(error VERSION must be one line like 1.2.3, not "$(OXT_VERSION)")
endif

CC         ?= gcc
# V=1 shows the full compiler command lines.
ifeq ($(V),1)
Q          :=
else
Q          := @
endif
APXS       ?= apxs
# Debian's interpreter: python3-pytest is installed for it, not for any
# other python3 that may come first on PATH.
PYTHON     ?= /usr/bin/python3
SANITIZE   ?=

ifeq ($(SANITIZE),1)
B          := build/san
SAN_FLAGS  := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
else
B          := build/default
SAN_FLAGS  :=
endif

# Lazily expanded: the tools that answer these exist only after install-deps.
APR_CFLAGS  = $(shell apr-1-config --cflags --cppflags --includes) $(shell apu-1-config --includes)
APR_LIBS    = $(shell apu-1-config --link-ld --libs) $(shell apr-1-config --link-ld --libs)
MYSQL_CFLAGS = $(shell mysql_config --cflags)
MYSQL_LIBS  = $(shell mysql_config --libs)
PKG_CFLAGS  = $(shell pkg-config --cflags libxml-2.0 libcurl libcrypto)
PKG_LIBS    = $(shell pkg-config --libs libxml-2.0 libcurl libcrypto) -lcrypt
CHECK_CFLAGS = $(shell pkg-config --cflags check)
CHECK_LIBS  = $(shell pkg-config --libs check)
MHD_CFLAGS  = $(shell pkg-config --cflags libmicrohttpd)
MHD_LIBS    = $(shell pkg-config --libs libmicrohttpd)

WARN       := -Wall -Wextra -Werror -Wmissing-prototypes -Wstrict-prototypes \
              -Wshadow -Wformat-security -Wvla -Wno-unused-parameter
CSTD       := -std=c11
OPT        ?= -O2 -g
# debian/rules passes dpkg-buildflags' CFLAGS/CPPFLAGS as OPT and its
# LDFLAGS (hardening) here.
LDFLAGS    ?=
comma      := ,
CFLAGS_ALL  = $(CSTD) $(OPT) $(WARN) -fPIC $(SAN_FLAGS) -Ilib \
              $(APR_CFLAGS) $(MYSQL_CFLAGS) $(PKG_CFLAGS)
LIBS_ALL    = $(PKG_LIBS) $(MYSQL_LIBS) $(APR_LIBS) -lpthread -lm

# ---- the core ------------------------------------------------------------
LIB_SRC    := $(wildcard lib/*.c)
LIB_OBJ    := $(patsubst lib/%.c,$(B)/lib/%.o,$(LIB_SRC))
LIBA       := $(B)/liboxtender.a

# ---- front ends ----------------------------------------------------------
MOD_SRC    := $(wildcard mod_oxtender/*.c)
MOD_SO     := mod_oxtender/mod_oxtender.so
REPL_SRC   := $(wildcard replicator/*.c)
REPL_OBJ   := $(patsubst replicator/%.c,$(B)/replicator/%.o,$(REPL_SRC))
REPL_BIN   := replicator/oxtender-replicator
# The program installed as oxtender-replicator is a front that hands
# "event" (Plesk's handler, started per event) to the daemon through the
# spool with APR alone, and execs the full replicator for every other
# command and every event the daemon does not take
# (replicator/front/oxt_repl_front.c, docs/architecture.md).
REPL_FULL  := replicator/oxtender-replicator-full
FRONT_OBJ  := $(B)/replicator/front/oxt_repl_front.o \
              $(B)/replicator/oxt_repl_opts.o
# APR only: no apr-util, database client, libcrypto or libssl (a
# reference to them from the core's objects it takes fails the link). Only what it
# refers to is recorded (--as-needed).
FRONT_LIBS  = -Wl,--as-needed $(shell apr-1-config --link-ld --libs) \
              -lpthread -Wl,--no-as-needed

# ---- test and demo tools -------------------------------------------------
UNIT_SRC   := $(wildcard tests/unit/*.c)
UNIT_OBJ   := $(patsubst tests/unit/%.c,$(B)/tests/unit/%.o,$(UNIT_SRC))
UNIT_BIN   := $(B)/tests/oxt-unit
OXSIM_SRC  := $(wildcard tests/oxsim/*.c)
OXSIM_OBJ  := $(patsubst tests/oxsim/%.c,$(B)/tests/oxsim/%.o,$(OXSIM_SRC))
OXSIM_BIN  := tests/oxsim/oxsim
SOAPIT_SRC := $(wildcard tests/soapit/*.c)
SOAPIT_OBJ := $(patsubst tests/soapit/%.c,$(B)/tests/soapit/%.o,$(SOAPIT_SRC))
SOAPIT_BIN := $(B)/tests/oxt-soapit
# The page kit in a browser: renders sample pages, answers their POSTs as
# a CGI program (tests/integration/test_pagekit_browser.py). Not installed.
PAGEKIT_SRC := $(wildcard tests/pagekit/*.c)
PAGEKIT_OBJ := $(patsubst tests/pagekit/%.c,$(B)/tests/pagekit/%.o,$(PAGEKIT_SRC))
PAGEKIT_BIN := $(B)/tests/oxt-pagekit
# The core of the Mailboxes, Settings and Logs pages from the command line,
# for the integration tests (tests/corecli/oxt_corecli.c). Not installed.
CORECLI_SRC := $(wildcard tests/corecli/*.c)
CORECLI_OBJ := $(patsubst tests/corecli/%.c,$(B)/tests/corecli/%.o,$(CORECLI_SRC))
CORECLI_BIN := $(B)/tests/oxt-corecli
GEN_SRC    := $(wildcard tools/gendata/*.c)
GEN_BIN    := tools/gendata/oxt-gendata
# The licensing authority's tool (tools/license/): mints keys and answers.
LIC_SRC    := $(wildcard tools/license/*.c)
LIC_BIN    := tools/license/oxt-license
# Every fuzz/fuzz_<name>.c is a harness; its seeds are in fuzz/corpus/<name>/.
FUZZ_SRC   := $(wildcard fuzz/fuzz_*.c)
FUZZ_NAMES := $(patsubst fuzz/fuzz_%.c,%,$(FUZZ_SRC))
REPLAY_BIN := $(patsubst %,$(B)/fuzz/replay_%,$(FUZZ_NAMES))
BENCH_SRC  := $(wildcard bench/*.c)
BENCH_BIN  := $(patsubst bench/%.c,bench/bin/%,$(BENCH_SRC))

ifeq ($(SANITIZE),1)
# The sanitizer build checks the core through the unit tests, the replicator
# and the emulator; the module is built the ordinary way for Apache.
REPL_BIN   := $(B)/oxtender-replicator
REPL_FULL  := $(B)/oxtender-replicator-full
OXSIM_BIN  := $(B)/oxsim
GEN_BIN    := $(B)/oxt-gendata
LIC_BIN    := $(B)/oxt-license
endif

.PHONY: all check unit integration guards demo demo-stop install clean bench \
        programs deb packaging fuzz fuzz-build fuzz-replay

# Everything the integration suite and the demo run, so that pytest by
# hand works after a plain make (tests/scripts/test_make_all.sh); the
# Check programs (unit, soapit) are made by the targets that run them.
all: $(LIBA) lib/liboxtender.a $(MOD_SO) $(REPL_BIN) $(if $(OXSIM_SRC),$(OXSIM_BIN)) \
     $(if $(GEN_SRC),$(GEN_BIN)) $(if $(LIC_SRC),$(LIC_BIN)) \
     $(if $(PAGEKIT_SRC),$(PAGEKIT_BIN)) $(if $(CORECLI_SRC),$(CORECLI_BIN))

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(CFLAGS_ALL) -MMD -MP -c -o $@ $<

$(B)/tests/unit/%.o: tests/unit/%.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(CFLAGS_ALL) $(CHECK_CFLAGS) -MMD -MP -c -o $@ $<

$(B)/tests/soapit/%.o: tests/soapit/%.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(CFLAGS_ALL) $(CHECK_CFLAGS) -MMD -MP -c -o $@ $<

$(B)/tests/oxsim/%.o: tests/oxsim/%.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(CFLAGS_ALL) $(MHD_CFLAGS) -MMD -MP -c -o $@ $<

# Only this object holds the version, so a new VERSION rebuilds it alone.
$(B)/lib/oxt_version.o: VERSION
$(B)/lib/oxt_version.o: CFLAGS_ALL += -DOXT_VERSION_STRING='"$(OXT_VERSION)"'

$(LIBA): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	@rm -f $@
	@echo "  AR      $@"
	$(Q)ar rcs $@ $^

lib/liboxtender.a: $(LIBA)
	$(Q)cp $< $@

# apxs builds the module with libtool; the version script keeps every symbol
# of the core private so nothing clashes with other modules in the server.
# The module always links the ordinary (unsanitized) core: Apache is not run
# under the sanitizers.
MOD_LIBA   := build/default/liboxtender.a
ifneq ($(B),build/default)
.PHONY: $(MOD_LIBA)
$(MOD_LIBA):
	$(MAKE) --no-print-directory SANITIZE= $(MOD_LIBA)
endif

$(MOD_SO): $(MOD_SRC) $(wildcard mod_oxtender/*.h) mod_oxtender/exports.map $(MOD_LIBA)
	@echo "  APXS    $@"
	$(Q)cd mod_oxtender && $(APXS) -c -o mod_oxtender.la \
	    -Wc,"$(CSTD) $(OPT) $(WARN) -I../lib" $(APR_CFLAGS) $(MYSQL_CFLAGS) $(PKG_CFLAGS) \
	    -Wl,-Wl,--version-script=exports.map $(addprefix -Wl$(comma),$(LDFLAGS)) \
	    $(notdir $(MOD_SRC)) ../$(MOD_LIBA) $(LIBS_ALL) \
	    > .libs-apxs.log 2>&1 || { cat .libs-apxs.log; rm -f .libs-apxs.log; exit 1; }
	$(Q)rm -f mod_oxtender/.libs-apxs.log
	@# A running Apache maps the old file: replace it, never overwrite it.
	$(Q)cp mod_oxtender/.libs/mod_oxtender.so $@.tmp && mv -f $@.tmp $@

$(REPL_FULL): $(REPL_OBJ) $(LIBA)
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	$(Q)$(CC) $(SAN_FLAGS) $(LDFLAGS) -o $@ $(REPL_OBJ) $(LIBA) $(LIBS_ALL)

$(REPL_BIN): $(FRONT_OBJ) $(LIBA) | $(REPL_FULL)
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	$(Q)$(CC) $(SAN_FLAGS) $(LDFLAGS) -o $@ $(FRONT_OBJ) $(LIBA) $(FRONT_LIBS)

$(OXSIM_BIN): $(OXSIM_OBJ) $(LIBA)
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	$(Q)$(CC) $(SAN_FLAGS) -o $@ $(OXSIM_OBJ) $(LIBA) $(MHD_LIBS) $(LIBS_ALL)

$(GEN_BIN): $(GEN_SRC)
	@mkdir -p $(dir $@)
	@echo "  CC/LD   $@"
	$(Q)$(CC) $(CSTD) $(OPT) $(WARN) $(SAN_FLAGS) $(shell pkg-config --cflags libcrypto) -o $@ $(GEN_SRC) $(shell pkg-config --libs libcrypto) -lcrypt -lm

$(LIC_BIN): $(LIC_SRC) $(LIBA)
	@mkdir -p $(dir $@)
	@echo "  CC/LD   $@"
	$(Q)$(CC) $(CFLAGS_ALL) -o $@ $(LIC_SRC) $(LIBA) $(LIBS_ALL)

$(UNIT_BIN): $(UNIT_OBJ) $(LIBA)
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	$(Q)$(CC) $(SAN_FLAGS) -o $@ $(UNIT_OBJ) $(LIBA) $(CHECK_LIBS) $(LIBS_ALL)

$(SOAPIT_BIN): $(SOAPIT_OBJ) $(LIBA)
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	$(Q)$(CC) $(SAN_FLAGS) -o $@ $(SOAPIT_OBJ) $(LIBA) $(CHECK_LIBS) $(LIBS_ALL)

$(PAGEKIT_BIN): $(PAGEKIT_OBJ) $(LIBA)
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	$(Q)$(CC) $(SAN_FLAGS) -o $@ $(PAGEKIT_OBJ) $(LIBA) $(LIBS_ALL)

$(CORECLI_BIN): $(CORECLI_OBJ) $(LIBA)
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	$(Q)$(CC) $(SAN_FLAGS) -o $@ $(CORECLI_OBJ) $(LIBA) $(LIBS_ALL)

bench/bin/%: bench/%.c $(LIBA)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -o $@ $< $(LIBA) $(LIBS_ALL)

bench: all $(BENCH_BIN)

# ---- tests -----------------------------------------------------------------
export OXT_TOP := $(CURDIR)
export OXT_BUILD := $(CURDIR)/$(B)
export OXT_REPLICATOR := $(abspath $(REPL_BIN))
export OXT_OXSIM := $(abspath $(OXSIM_BIN))
export OXT_GENDATA := $(abspath $(GEN_BIN))
export OXT_LICENSE_TOOL := $(abspath $(LIC_BIN))
export OXT_MODULE := $(abspath $(MOD_SO))
export OXT_SANITIZE := $(SANITIZE)
export OXT_PAGEKIT := $(abspath $(PAGEKIT_BIN))
export OXT_CORECLI := $(abspath $(CORECLI_BIN))

check: all $(UNIT_BIN) guards
	$(MAKE) --no-print-directory unit
	$(MAKE) --no-print-directory fuzz-replay
	$(MAKE) --no-print-directory integration
	$(if $(filter 1,$(SANITIZE)),,$(MAKE) --no-print-directory packaging)

unit: $(UNIT_BIN)
	CK_DEFAULT_TIMEOUT=60 $(UNIT_BIN)

# Integration tests: the SOAP client against the emulator (Check), then the
# pytest suite with private MariaDB and Apache servers. The slowest tests
# are named at the end, to keep the whole under its time budget.
# The suite mostly waits (on servers, on subprocesses), so it runs in JOBS
# pytest-xdist workers, twice the cores by default; each worker has its
# own servers, ports and scratch directory, and gets whole files
# (--dist loadfile: a file's session servers are made once). JOBS=1 runs
# it in this process, as before (docs/architecture.md, "The test suite").
NPROC      := $(shell nproc 2>/dev/null || echo 1)
JOBS       ?= $(shell echo $$(( $(NPROC) * 2 )))
PYTEST_JOBS = $(if $(filter-out 0 1,$(JOBS)),-n $(JOBS) --dist loadfile)
# More pytest options for the integration suite, e.g. --durations=0.
PYTEST_ARGS ?=

integration: all $(if $(SOAPIT_SRC),$(SOAPIT_BIN))
	$(if $(SOAPIT_SRC),CK_DEFAULT_TIMEOUT=120 $(SOAPIT_BIN))
	$(PYTHON) -m pytest -q -p no:cacheprovider $(PYTEST_JOBS) --durations=15 \
	    $(PYTEST_ARGS) tests/integration

# The Debian packages: built once (from a copy of the tree, into
# tests/gen/), checked, installed into throw-away roots. Not under
# SANITIZE=1: the packages are built the ordinary way whatever it says.
packaging: all
	$(PYTHON) -m pytest -q -p no:cacheprovider tests/packaging

guards:
	./scripts/check-source.sh
	./tests/scripts/test_log_tags.sh
	./tests/scripts/test_make_all.sh

# ---- fuzzing -----------------------------------------------------------------
# make check replays every harness's seed corpus with the ordinary compiler
# (and the sanitizers under SANITIZE=1): harnesses keep compiling, every one
# has a corpus, no seed crashes. make fuzz is the real thing, with clang.
$(B)/fuzz/replay_%: fuzz/fuzz_%.c fuzz/replay.c fuzz/fuzz.h $(LIBA)
	@mkdir -p $(dir $@)
	@echo "  CC/LD   $@"
	$(Q)$(CC) $(CFLAGS_ALL) -Ifuzz -include fuzz/fuzz.h -o $@ $< fuzz/replay.c \
	    $(LIBA) $(LIBS_ALL)

fuzz-replay: $(REPLAY_BIN)
	@for n in $(FUZZ_NAMES); do \
	    if [ ! -d fuzz/corpus/$$n ] || [ -z "$$(ls -A fuzz/corpus/$$n)" ]; then \
	        echo "fuzz: fuzz/fuzz_$$n.c has no seed corpus in fuzz/corpus/$$n/" >&2; \
	        exit 1; \
	    fi; \
	    printf '  REPLAY  %-10s ' $$n; \
	    $(B)/fuzz/replay_$$n fuzz/corpus/$$n || exit 1; \
	done

# The fuzz build: its own copy of the core, made by clang with ASan, UBSan
# and the coverage instrumentation libFuzzer needs (fuzzer-no-link).
FUZZ_CC    ?= clang
FB         := build/fuzz
FUZZ_SAN   := -fsanitize=address,undefined -fno-sanitize-recover=undefined \
              -fno-omit-frame-pointer
FUZZ_CFLAGS = $(CSTD) -O1 -g $(WARN) $(FUZZ_SAN) -Ilib \
              $(APR_CFLAGS) $(MYSQL_CFLAGS) $(PKG_CFLAGS)
FUZZ_LIBOBJ := $(patsubst lib/%.c,$(FB)/lib/%.o,$(LIB_SRC))
FUZZ_LIBA  := $(FB)/liboxtender.a
FUZZ_BIN   := $(patsubst %,$(FB)/fuzz_%,$(FUZZ_NAMES))
FUZZ_SECONDS ?= 10

$(FB)/lib/%.o: lib/%.c
	@mkdir -p $(dir $@)
	@echo "  CLANG   $<"
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<

# The fuzz build's copy of the version object needs the version too.
$(FB)/lib/oxt_version.o: VERSION
$(FB)/lib/oxt_version.o: FUZZ_CFLAGS += -DOXT_VERSION_STRING='"$(OXT_VERSION)"'

$(FUZZ_LIBA): $(FUZZ_LIBOBJ)
	@rm -f $@
	$(Q)ar rcs $@ $^

$(FB)/fuzz_%: fuzz/fuzz_%.c fuzz/fuzz.h $(FUZZ_LIBA)
	@echo "  CLANG   $@"
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -Ifuzz -include fuzz/fuzz.h \
	    -o $@ $< $(FUZZ_LIBA) $(LIBS_ALL)

fuzz-build: $(FUZZ_BIN)

fuzz: fuzz-build
	./scripts/fuzz-run.sh $(FB) $(FUZZ_SECONDS) $(FUZZ_NAMES)

# ---- demo ------------------------------------------------------------------
demo: all
	$(PYTHON) tests/integration/harness/demo.py start

demo-stop:
	@if [ -f tests/integration/harness/demo.py ]; then $(PYTHON) tests/integration/harness/demo.py stop; fi

# ---- install -----------------------------------------------------------------
# The layout of "make install" (docs/install.md); debian/rules passes the
# Debian one. The files of conf/ name the default paths; they are rewritten
# to the chosen ones on the way.
PREFIX      ?= /usr/local/oxtender
BINDIR      ?= $(PREFIX)/bin
DATADIR     ?= $(PREFIX)/share
SQLDIR      ?= $(DATADIR)/sql/oxtender
HTDOCSDIR   ?= $(DATADIR)/htdocs
CONFDIR     ?= $(PREFIX)/etc
MANDIR      ?= $(DATADIR)/man
APACHE_MODDIR ?= /usr/lib/apache2/modules
# Where the event front (BINDIR/oxtender-replicator) looks for the full
# replicator: ../lib/oxtender next to BINDIR, so never set on its own.
FULLDIR      = $(patsubst %/,%,$(dir $(BINDIR)))/lib/oxtender
# The front's last resort where /proc cannot name its directory: the
# installed path, absolute (debian/rules builds with the package's layout).
$(B)/replicator/front/oxt_repl_front.o: CFLAGS_ALL += \
    -DOXT_REPL_FULL_PATH='"$(FULLDIR)/oxtender-replicator"'
CONF_PATHS  = -e 's|/usr/local/oxtender/bin/|$(BINDIR)/|g' \
              -e 's|/usr/share/oxtender/htdocs|$(HTDOCSDIR)|g' \
              -e 's|/usr/local/oxtender/share/sql/oxtender|$(SQLDIR)|g' \
              -e 's|/usr/local/oxtender/etc/|$(CONFDIR)/|g'

# What the packages ship: the module and the replicator, nothing for tests.
programs: $(MOD_SO) $(REPL_BIN) $(REPL_FULL)

install: programs
	install -d $(DESTDIR)$(APACHE_MODDIR) $(DESTDIR)$(BINDIR) \
	    $(DESTDIR)$(SQLDIR) $(DESTDIR)$(HTDOCSDIR) $(DESTDIR)$(CONFDIR) \
	    $(DESTDIR)$(MANDIR)/man8
	install -m 0644 $(MOD_SO) $(DESTDIR)$(APACHE_MODDIR)/mod_oxtender.so
	install -d $(DESTDIR)$(FULLDIR)
	install -m 0755 $(REPL_BIN) $(DESTDIR)$(BINDIR)/oxtender-replicator
	install -m 0755 $(REPL_FULL) $(DESTDIR)$(FULLDIR)/oxtender-replicator
	install -m 0644 sql/oxtender/[0-9][0-9][0-9][0-9]_*.sql $(DESTDIR)$(SQLDIR)/
	if [ -d htdocs ]; then cp -R htdocs/. $(DESTDIR)$(HTDOCSDIR)/; fi
	for f in conf/*; do \
	    mode=0644; [ -x "$$f" ] && mode=0755; \
	    sed $(CONF_PATHS) "$$f" > $(DESTDIR)$(CONFDIR)/$${f#conf/}.tmp && \
	    chmod $$mode $(DESTDIR)$(CONFDIR)/$${f#conf/}.tmp && \
	    mv -f $(DESTDIR)$(CONFDIR)/$${f#conf/}.tmp $(DESTDIR)$(CONFDIR)/$${f#conf/} || exit 1; \
	done
	install -m 0644 docs/man/*.8 $(DESTDIR)$(MANDIR)/man8/

# ---- Debian packages -------------------------------------------------------------
# Built from a copy of the tree in a temporary directory (dpkg-buildpackage
# writes into the parent of the source tree), checked with lintian; the
# .deb files land in build/deb/.
deb:
	./scripts/build-deb.sh --lintian build/deb

clean:
	rm -rf build lib/liboxtender.a $(MOD_SO) mod_oxtender/.libs mod_oxtender/*.la \
	    mod_oxtender/*.lo mod_oxtender/*.slo mod_oxtender/*.o $(REPL_BIN) $(REPL_FULL) \
	    tests/oxsim/oxsim tools/gendata/oxt-gendata tools/license/oxt-license bench/bin

-include $(LIB_OBJ:.o=.d) $(FUZZ_LIBOBJ:.o=.d) $(REPL_OBJ:.o=.d) $(FRONT_OBJ:.o=.d) $(UNIT_OBJ:.o=.d) $(OXSIM_OBJ:.o=.d) $(SOAPIT_OBJ:.o=.d) \
    $(PAGEKIT_OBJ:.o=.d) $(CORECLI_OBJ:.o=.d)
