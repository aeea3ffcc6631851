# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# vigil - eBPF host liveness monitor for VM high availability.
#
#   make deps        install every Debian package the build, tests and benchmarks need
#   make             build build/vigil (BPF objects, skeletons, binary)
#   make demo        5 hosts in namespaces + real masakari-api: crash one, print the timeline (root)
#   make check       the fast tier: unit, BPF, simulator, docs and format checks
#   make test        every test (check + the namespace suites); ends with "N passed, N failed"
#   make format      clang-format the C sources
#   make bench-xdp   XDP PING->ACK cost vs a userspace UDP responder
#   make bench-detect  crash detection latency on a 16-host namespace cluster
#   make bench-recovery  crash to Masakari's 202 on a 5-host cluster, real masakari-api
#   make bench-compare  vigil vs Serf (lan, local) and tightened memberlist under the same faults
#   make bench-sim   simulated 10/100/1000-node clusters: detection, msgs/node/s
#   make bench-metrics  series per agent and render times of /metrics at 10..1000 peers (root)
#   make e2e         vigil in front of a real OpenStack (Debian's Keystone, Nova,
#                    Masakari): crashed hypervisors' instances run again elsewhere
#                    (root; the OpenStack packages: make e2e-deps, or on first use)
#   make bench-e2e   crash to instances ACTIVE elsewhere, step by step, per setting
#   make fuzz        every libFuzzer harness for FUZZ_SECONDS (60) each, then the XDP
#                    packet generator for FUZZ_XDP_SECONDS (300), one at a time, niced
#   make vmlinux     regenerate vmlinux/vmlinux.h from the running kernel's BTF
#   make install     install binary, systemd unit, man pages, sample config,
#                    dashboard, alert rules (PREFIX=/usr/local, DESTDIR); make uninstall
#
# Out-of-tree: O=DIR (default build). Verbose: V=1.

O ?= build
PREFIX ?= /usr/local
DESTDIR ?=

CC ?= cc
CLANG ?= clang
BPFTOOL ?= bpftool
PKG_CONFIG ?= pkg-config

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

.DELETE_ON_ERROR:
# Keep the BPF objects and skeletons between builds (they are chain intermediates).
.SECONDARY:
.SUFFIXES:

ARCH := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')

VERSION := $(shell git describe --tags --always --dirty 2>/dev/null || echo 0.1.0)

# --- BPF --------------------------------------------------------------------
BPF_SRCS := $(wildcard bpf/*.bpf.c)
BPF_OBJS := $(patsubst bpf/%.bpf.c,$(O)/bpf/%.bpf.o,$(BPF_SRCS))
BPF_LINKED := $(patsubst %.bpf.o,%.o,$(BPF_OBJS))
SKELS := $(patsubst bpf/%.bpf.c,$(O)/%.skel.h,$(BPF_SRCS))

BPF_CFLAGS := -target bpf -g -O2 -D__TARGET_ARCH_$(ARCH) \
	-Wall -Wextra -Werror -Wshadow -Wno-unused-parameter \
	-Ivmlinux -Iinclude -Ibpf

# --- userspace --------------------------------------------------------------
# One archive per layer, each built with the include path of its own layer
# and those below it, so a lower layer cannot even name a higher one:
#   lib    vigil-agnostic helpers (logging, clocks, addresses, HTTP, metrics text)
#   core   I/O-free logic: wire codec, configuration, membership, replicated
#          state, verdicts, the notifier's and the voters' rules
#   xdp    the XDP program's life cycle and its maps, from userspace (libbpf)
#   agent  the daemon: event loop, sockets, Raft, Masakari, HTTP API
#   cli    the operator's commands (HTTP to the agent; offline Raft recovery)
#   demo   `vigil demo`
# main.c (the command table) sits on top of all of them.
PKGS := libbpf libelf zlib jansson libcurl libuv libmicrohttpd libsystemd libsodium
LAYERS := lib core xdp agent cli demo
INC_lib := -Iinclude -Iuserspace/lib
INC_core := $(INC_lib) -Iuserspace/core
INC_xdp := $(INC_core) -Iuserspace/xdp -I$(O)
INC_agent := $(INC_xdp) -Iuserspace/agent
INC_cli := $(INC_agent) -Iuserspace/cli
INC_demo := $(INC_cli) -Iuserspace/demo
INC_main := $(INC_agent) -Iuserspace/cli -Iuserspace/demo
INC_all := $(INC_main)

layer_srcs = $(wildcard userspace/$(1)/*.c)
layer_objs = $(patsubst userspace/%.c,$(O)/userspace/%.o,$(call layer_srcs,$(1)))
layer_lib = $(O)/libvigil-$(1).a
LIB_OBJS := $(foreach l,$(LAYERS),$(call layer_objs,$(l)))
MAIN_OBJ := $(O)/userspace/main.o
# Link order: each archive before the ones it uses.
LIBS_ALL := $(foreach l,demo cli agent xdp core lib,$(call layer_lib,$(l)))
LIBS_CORE := $(call layer_lib,core) $(call layer_lib,lib)

CFLAGS ?= -O2 -g
CFLAGS += -std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter \
	-D_GNU_SOURCE -DVIGIL_VERSION='"$(VERSION)"' $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
LDLIBS += $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null) -lraft -lm

# --- tests and benchmarks ---------------------------------------------------
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(O)/tests/%,$(UNIT_SRCS))
BPFT_SRCS := $(filter-out %.bpf.c,$(wildcard tests/bpf/test_*.c))
BPFT_BINS := $(patsubst tests/bpf/%.c,$(O)/tests/%,$(BPFT_SRCS))
BENCH_SRCS := $(wildcard tests/bench/*.c)
BENCH_BINS := $(patsubst tests/bench/%.c,$(O)/bench/%,$(BENCH_SRCS))
SIM_SRCS := $(wildcard tests/sim/*.c)
SIM_BINS := $(patsubst tests/sim/%.c,$(O)/sim/%,$(SIM_SRCS))
TEST_CFLAGS := $(CFLAGS) $(INC_all) -Ibpf -Itests/lib
# (gnutls: test_masakari's HTTPS server checks the client certificates vigil presents)
TEST_LDLIBS := $(LDLIBS) -lcmocka $(shell $(PKG_CONFIG) --libs gnutls 2>/dev/null)

# --- fuzzing ----------------------------------------------------------------
# The harnesses of tests/fuzz/ (one fuzz_TARGET.c each) link the core and lib
# layers compiled again with clang, coverage-instrumented, under
# AddressSanitizer and UBSan, in $(O)/fuzz/. Linked with libFuzzer they are
# `make fuzz`; linked with tests/fuzz/replay.c they replay the committed
# corpus (tests/fuzz/corpus/TARGET/) in `make check`. fuzz_xdp, the XDP
# program's packet generator, is an ordinary test binary.
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 60
FUZZ_XDP_SECONDS ?= 300
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS := -O1 -g -fno-omit-frame-pointer -std=gnu11 -Wall -Wextra -Werror \
	-Wno-unused-parameter -D_GNU_SOURCE -DVIGIL_VERSION='"$(VERSION)"' \
	$(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null) $(FUZZ_SAN) -fsanitize=fuzzer-no-link
FUZZ_INC := $(INC_core) -Itests/fuzz -Itests/lib
FUZZ_LIB_SRCS := $(call layer_srcs,lib) $(call layer_srcs,core)
FUZZ_LIB_OBJS := $(patsubst userspace/%.c,$(O)/fuzz/obj/%.o,$(FUZZ_LIB_SRCS))
FUZZ_LIB := $(O)/fuzz/libvigil-fuzz.a
FUZZ_SRCS := $(filter-out tests/fuzz/fuzz_xdp.c,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_TARGETS := $(patsubst tests/fuzz/fuzz_%.c,%,$(FUZZ_SRCS))
FUZZ_OBJS := $(patsubst tests/fuzz/%.c,$(O)/fuzz/obj/%.o,$(FUZZ_SRCS) tests/fuzz/replay.c)
FUZZ_BINS := $(patsubst %,$(O)/fuzz/fuzz_%,$(FUZZ_TARGETS))
REPLAY_BINS := $(patsubst %,$(O)/fuzz/replay_%,$(FUZZ_TARGETS))
FUZZ_XDP := $(O)/fuzz/fuzz_xdp
FUZZ_SEEDS := $(O)/fuzz/seeds

DEPS := $(BPF_OBJS:.o=.d) $(LIB_OBJS:.o=.d) $(MAIN_OBJ:.o=.d) \
	$(UNIT_BINS:=.d) $(BPFT_BINS:=.d) $(BENCH_BINS:=.d) $(SIM_BINS:=.d) \
	$(FUZZ_LIB_OBJS:.o=.d) $(FUZZ_OBJS:.o=.d) $(FUZZ_XDP).d $(FUZZ_SEEDS).d
.PHONY: all clean demo deps check test bench-xdp bench-detect bench-sim bench-recovery bench-compare \
	bench-metrics \
	e2e e2e-deps bench-e2e \
	vmlinux install uninstall format tests fuzz fuzz-seeds

all: $(O)/vigil

# The launcher is named explicitly so that any O= works (vigil demo otherwise
# looks next to its binary: ../userspace/tools/ in a build tree, ../share/vigil/ installed).
demo: $(O)/vigil
	$(Q)VIGIL_MASAKARI_LAUNCHER=$(CURDIR)/userspace/tools/masakari-local.sh $(O)/vigil demo $(DEMO_ARGS)

# BPF: compile, link (bpftool gen object), generate the skeleton.
$(O)/bpf/%.bpf.o: bpf/%.bpf.c
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -MMD -MP -MF $(@:.o=.d) -MT $@ -c $< -o $@

$(O)/bpf/%.o: $(O)/bpf/%.bpf.o
	$(call msg,GEN-OBJ,$@)
	$(Q)$(BPFTOOL) gen object $@ $<

$(O)/%.skel.h: $(O)/bpf/%.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $(subst -,_,$*) > $@

# The xdp layer includes the skeletons; -MMD records exactly which.
define layer_rules
$(O)/userspace/$(1)/%.o: userspace/$(1)/%.c | $(if $(filter xdp,$(1)),$(SKELS))
	$$(call msg,CC,$$@)
	$$(Q)mkdir -p $$(@D)
	$$(Q)$$(CC) $$(CFLAGS) $$(INC_$(1)) -MMD -MP -c $$< -o $$@

$(call layer_lib,$(1)): $(call layer_objs,$(1))
	$$(call msg,AR,$$@)
	$$(Q)rm -f $$@
	$$(Q)ar rcs $$@ $$^
endef
$(foreach l,$(LAYERS),$(eval $(call layer_rules,$(l))))

$(MAIN_OBJ): userspace/main.c | $(SKELS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(INC_main) -MMD -MP -c $< -o $@

$(O)/vigil: $(MAIN_OBJ) $(LIBS_ALL)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(O)/tests/%: tests/unit/%.c $(LIBS_ALL) | $(SKELS)
	$(call msg,CC-TEST,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(TEST_CFLAGS) -MMD -MP -MF $@.d -MT $@ $< $(LIBS_ALL) -o $@ $(TEST_LDLIBS)

$(O)/tests/%: tests/bpf/%.c $(LIBS_ALL) | $(SKELS)
	$(call msg,CC-TEST,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(TEST_CFLAGS) -MMD -MP -MF $@.d -MT $@ $< $(LIBS_ALL) -o $@ $(TEST_LDLIBS)

$(O)/bench/%: tests/bench/%.c $(LIBS_ALL) | $(SKELS)
	$(call msg,CC-BENCH,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(TEST_CFLAGS) -MMD -MP -MF $@.d -MT $@ $< $(LIBS_ALL) -o $@ $(LDLIBS)

# The simulator drives the agent's own membership code, and links the core
# alone: proof that the core needs nothing of the daemon.
$(O)/sim/%: tests/sim/%.c $(LIBS_CORE)
	$(call msg,CC-SIM,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(TEST_CFLAGS) -MMD -MP -MF $@.d -MT $@ $< $(LIBS_CORE) -o $@ $(LDLIBS)

$(O)/tests/%.bpf.o: tests/bpf/%.bpf.c
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -MMD -MP -MF $(@:.o=.d) -MT $@ -c $< -o $@

TEST_BPF_OBJS := $(patsubst tests/bpf/%.bpf.c,$(O)/tests/%.bpf.o,$(wildcard tests/bpf/*.bpf.c))

# Fuzzing: the sanitized core, the harnesses, libFuzzer or the replay main.
$(O)/fuzz/obj/%.o: userspace/%.c
	$(call msg,CC-FUZZ,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_INC) -MMD -MP -c $< -o $@

$(O)/fuzz/obj/%.o: tests/fuzz/%.c
	$(call msg,CC-FUZZ,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_INC) -MMD -MP -c $< -o $@

$(FUZZ_LIB): $(FUZZ_LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@
	$(Q)ar rcs $@ $^

$(O)/fuzz/fuzz_%: $(O)/fuzz/obj/fuzz_%.o $(FUZZ_LIB)
	$(call msg,LINK-FUZZ,$@)
	$(Q)$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $^ $(LDLIBS)

$(O)/fuzz/replay_%: $(O)/fuzz/obj/fuzz_%.o $(O)/fuzz/obj/replay.o $(FUZZ_LIB)
	$(call msg,LINK-FUZZ,$@)
	$(Q)$(FUZZ_CC) $(FUZZ_SAN) -o $@ $^ $(LDLIBS)

$(FUZZ_XDP): tests/fuzz/fuzz_xdp.c $(LIBS_ALL) | $(SKELS)
	$(call msg,CC-TEST,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(TEST_CFLAGS) -Itests/fuzz -MMD -MP -MF $@.d -MT $@ $< $(LIBS_ALL) -o $@ $(LDLIBS)

$(FUZZ_SEEDS): tests/fuzz/seeds.c $(LIBS_CORE)
	$(call msg,CC-TEST,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(TEST_CFLAGS) -Itests/fuzz -MMD -MP -MF $@.d -MT $@ $< $(LIBS_CORE) -o $@ $(LDLIBS)

tests: $(O)/vigil $(UNIT_BINS) $(BPFT_BINS) $(TEST_BPF_OBJS) $(SIM_BINS) $(REPLAY_BINS) $(FUZZ_XDP) \
	$(FUZZ_SEEDS)

check: tests
	$(Q)O=$(O) tests/run.sh check

test: tests
	$(Q)O=$(O) tests/run.sh all

fuzz: $(FUZZ_BINS) $(FUZZ_XDP)
	$(Q)O=$(O) FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_XDP_SECONDS=$(FUZZ_XDP_SECONDS) \
		tests/fuzz/run.sh $(FUZZ_TARGETS)

# Rewrite the seed corpus (tests/fuzz/corpus/*/seed-*) from the codec.
fuzz-seeds: $(FUZZ_SEEDS)
	$(Q)$(FUZZ_SEEDS) tests/fuzz/corpus docs/vigil.json

bench-xdp: $(O)/vigil $(O)/bench/bench_xdp
	$(Q)O=$(O) tests/bench/bench-xdp.sh

bench-detect: $(O)/vigil $(TEST_BPF_OBJS)
	$(Q)O=$(O) VIGIL=$(O)/vigil tests/bench/bench-detect.sh

bench-sim: $(O)/sim/sim
	$(Q)$(O)/sim/sim -scaling

bench-metrics: $(O)/bench/bench_metrics
	$(Q)$(O)/bench/bench_metrics

bench-recovery: $(O)/vigil $(TEST_BPF_OBJS)
	$(Q)O=$(O) VIGIL=$(O)/vigil tests/bench/bench-recovery.sh

# bench-compare's memberlist member, built offline from Debian's Go sources.
MLNODE := $(O)/bench/memberlist-node
$(MLNODE): tests/bench/memberlist-node/main.go
	$(call msg,GO,$@)
	$(Q)mkdir -p $(@D)
	$(Q)GO111MODULE=off GOPATH=/usr/share/gocode GOPROXY=off GOFLAGS= \
		GOCACHE=$(abspath $(O))/go-cache go build -o $@ ./tests/bench/memberlist-node

bench-compare: $(O)/vigil $(TEST_BPF_OBJS) $(MLNODE)
	$(Q)O=$(O) VIGIL=$(O)/vigil MLNODE=$(MLNODE) tests/bench/bench-compare.sh

# The end-to-end rig (also the last tier of make test): its packages come
# with make deps or make e2e-deps, or
# userspace/tools/openstack-local.sh installs them on first use, from the
# root namespace (the only one that reaches a package mirror), with their
# services kept from starting. One rig at a time on the machine: the tests
# and the benchmark hold /tmp/vigil-openstack-rig.lock.
e2e: $(O)/vigil $(TEST_BPF_OBJS)
	$(Q)O=$(O) tests/run.sh e2e

e2e-deps:
	userspace/tools/openstack-local.sh install

bench-e2e: $(O)/vigil $(TEST_BPF_OBJS)
	$(Q)O=$(O) VIGIL=$(O)/vigil tests/e2e/bench-e2e.sh

vmlinux:
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > vmlinux/vmlinux.h

# Debian 12 packages: build, tests (namespaces, nftables, stress-ng, promtool,
# prometheus, the fencing tests' BMCs: ipmi_sim, ipmitool, fence_ipmilan),
# fuzzing (libclang-rt: libFuzzer and the sanitizers' runtimes, only
# recommended by clang) and benchmarks (bench-compare: serf, Go and
# memberlist's sources, gnuplot), then the end-to-end rig's OpenStack
# (openstack-local.sh install: Keystone, Nova, Placement, Glance, RabbitMQ,
# MariaDB, masakari-api and -engine, their services kept from starting).
DEB_PKGS := make gcc clang llvm bpftool pkg-config libbpf-dev libelf-dev zlib1g-dev \
	libjansson-dev libcurl4-openssl-dev libuv1-dev libraft-dev libmicrohttpd-dev libsodium-dev \
	libclang-rt-14-dev libcmocka-dev libsystemd-dev iproute2 ethtool nftables stress-ng \
	prometheus procps psmisc curl python3 ca-certificates socat jq groff-base man-db \
	clang-format coreutils openipmi ipmitool fence-agents serf golang-go \
	golang-github-hashicorp-memberlist-dev gnuplot-nox

deps:
	DEBIAN_FRONTEND=noninteractive apt-get update -qq -o DPkg::Lock::Timeout=600
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		-o DPkg::Lock::Timeout=600 $(DEB_PKGS)
	userspace/tools/openstack-local.sh install

# Installed layout. The binary goes to sbin (an administrator's daemon and
# tool, like ip and bpftool); the configuration lives in /etc whatever the
# prefix, since that is where vigil and the unit look for it. systemd reads
# units from /usr/local/lib/systemd/system as well as /usr/lib/systemd/system.
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
DATADIR ?= $(PREFIX)/share/vigil
DOCDIR ?= $(PREFIX)/share/doc/vigil
UNITDIR ?= $(PREFIX)/lib/systemd/system
SYSCONFDIR ?= /etc

install: $(O)/vigil
	install -D -m 0755 $(O)/vigil $(DESTDIR)$(SBINDIR)/vigil
	install -d -m 0755 $(DESTDIR)$(UNITDIR) $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8 \
		$(DESTDIR)$(DATADIR) $(DESTDIR)$(DOCDIR)
	sed 's#/usr/local/sbin/vigil#$(SBINDIR)/vigil#g; s#/etc/vigil/#$(SYSCONFDIR)/vigil/#g' \
		docs/systemd/vigil.service > $(DESTDIR)$(UNITDIR)/vigil.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/vigil.service
	install -m 0644 docs/man/vigil.8 $(DESTDIR)$(MANDIR)/man8/vigil.8
	install -m 0644 docs/man/vigil.json.5 $(DESTDIR)$(MANDIR)/man5/vigil.json.5
	install -m 0644 docs/vigil.json docs/configuration.md $(DESTDIR)$(DOCDIR)/
	install -m 0755 userspace/tools/masakari-local.sh $(DESTDIR)$(DATADIR)/masakari-local.sh
	install -m 0644 userspace/tools/openstack-lib.sh $(DESTDIR)$(DATADIR)/openstack-lib.sh
	install -m 0755 userspace/tools/openstack-local.sh $(DESTDIR)$(DATADIR)/openstack-local.sh
	install -m 0755 userspace/tools/openstack-client.py $(DESTDIR)$(DATADIR)/openstack-client.py
	install -m 0644 docs/grafana/vigil.json $(DESTDIR)$(DATADIR)/grafana-dashboard.json
	install -m 0644 docs/prometheus/vigil-rules.yml $(DESTDIR)$(DATADIR)/prometheus-rules.yml
	install -d -m 0700 $(DESTDIR)$(SYSCONFDIR)/vigil
	@# Never overwrite an operator's configuration.
	test -e $(DESTDIR)$(SYSCONFDIR)/vigil/vigil.json || \
		install -m 0600 docs/vigil.json $(DESTDIR)$(SYSCONFDIR)/vigil/vigil.json

# Leaves $(SYSCONFDIR)/vigil/vigil.json (the operator's configuration, with
# the cluster key) and the pinned XDP program (`vigil xdp detach` removes it).
uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/vigil $(DESTDIR)$(UNITDIR)/vigil.service \
		$(DESTDIR)$(MANDIR)/man8/vigil.8 $(DESTDIR)$(MANDIR)/man5/vigil.json.5 \
		$(DESTDIR)$(DOCDIR)/vigil.json $(DESTDIR)$(DOCDIR)/configuration.md \
		$(DESTDIR)$(DATADIR)/masakari-local.sh $(DESTDIR)$(DATADIR)/openstack-lib.sh \
		$(DESTDIR)$(DATADIR)/openstack-local.sh $(DESTDIR)$(DATADIR)/openstack-client.py \
		$(DESTDIR)$(DATADIR)/grafana-dashboard.json $(DESTDIR)$(DATADIR)/prometheus-rules.yml
	-rmdir $(DESTDIR)$(DOCDIR) $(DESTDIR)$(DATADIR) 2>/dev/null

FORMAT_SRCS = $(shell find bpf include userspace tests -name '*.[ch]')
format:
	clang-format -i $(FORMAT_SRCS)

clean:
	rm -rf $(O)

-include $(DEPS)
