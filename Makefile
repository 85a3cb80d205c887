# labyrinth: one entry point. See README.md.
#
#   make deps      install the Debian packages labyrinth needs (apt-get)
#   make kernel    build the test kernel (cached in ~/.cache/labyrinth)
#   make           build the module (against the test kernel or KDIR=) and
#                  the harness (build/labyrinth)
#   make kdir      print the directory modules build against (make -s kdir)
#   make test      unit tests (plain + ASan/UBSan) and VM tests
#   make test-drivers  the drivers under test the VM tests load (tests/drivers)
#   make demo      boot the VM, run the default scenario, write a report
#   make bench     allocator overhead ratios, in the VM -> reports/bench.json
#   make install   install build/labyrinth, the module and the man page
#   make clean     remove build outputs (the kernel cache stays)
#
# V=1 shows full commands. VARIANT=debug selects the KASAN/lockdep kernel.
# KVER=6.1 (default), 6.12 or stock selects the kernel for kernel, module,
# kdir and deps: `make kernel module KVER=6.12` builds the 6.12 test kernel
# and build/module-6.12/labyrinth.ko; KVER=stock fetches Debian's own
# kernel (no fault injection) and builds build/module-stock/ against its
# headers. KDIR=/path builds the module against your own kernel instead.

# `make` alone builds the module and the harness: the rules the flavour
# macro generates below must not become the default goal.
.DEFAULT_GOAL := all

V ?= 0
ifeq ($(V),1)
Q :=
else
Q := @
MAKEFLAGS += --no-print-directory
endif
export V

BUILD := build
VARIANT ?= default
export VARIANT
KVER ?= 6.1
export KVER
# The kernels `make test` builds and runs the VM tests on, and so the
# kernel sources `make deps` installs for it (KVERS).
TEST_KVERS ?= 6.1 6.12 stock
KVERS ?= $(KVER)
test: KVERS = $(TEST_KVERS)
KERNEL_SCRIPT := kernel/build-kernel.sh
VERSION := $(shell git describe --always --dirty 2>/dev/null || echo unknown)

# Without KDIR= the module builds against the test kernel, built on demand.
ifeq ($(origin KDIR),undefined)
KERNEL_DEP := kernel
KDIR_SH := $$($(KERNEL_SCRIPT) --print-kdir)
else
KERNEL_DEP :=
KDIR_SH := $(KDIR)
endif

CC ?= gcc
PKG_LIBS := jansson inih libcrypto libbpf
PKG_CFLAGS = $(shell pkg-config --cflags $(PKG_LIBS) 2>/dev/null)
PKG_LDLIBS = $(shell pkg-config --libs $(PKG_LIBS) 2>/dev/null)
CHECK_CFLAGS = $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LDLIBS = $(shell pkg-config --libs check 2>/dev/null)

CFLAGS ?= -O2 -g
WARNFLAGS := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wmissing-prototypes \
	-Wstrict-prototypes -Wno-missing-field-initializers
BASE_CFLAGS := -std=gnu11 $(WARNFLAGS) -D_GNU_SOURCE -Iinclude -Iharness \
	-MMD -MP
LDLIBS_ALL = $(PKG_LDLIBS) -lm
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=undefined

HARNESS_SRC := $(filter-out harness/main.c,$(wildcard harness/*.c))
UNIT_SRC := $(wildcard tests/unit/test_*.c)
VMTEST_SRC := $(wildcard tests/vm/test_*.c)

# The BPF program of scoped injection (harness/bpf/), compiled once for
# both flavours. -g: libbpf needs its BTF for the map definitions.
SCOPE_BPF := $(BUILD)/bpf/scope.bpf.o
BPF_CLANG ?= clang
$(SCOPE_BPF): harness/bpf/scope.bpf.c harness/scope_abi.h
	@mkdir -p $(@D)
	@$(if $(Q),echo "  BPF     $@")
	$(Q)$(BPF_CLANG) -O2 -g -target bpf -Wall -Werror \
		-I/usr/include/$(shell $(CC) -print-multiarch) -c -o $@ $<

# Two flavours of every userspace object: plain and ASan/UBSan.
define flavour
$(1)_OBJ := $$(patsubst harness/%.c,$(2)/obj/%.o,$$(HARNESS_SRC)) \
	$(2)/obj/version.o $(2)/obj/scope_bpf.o
$(1)_LIB := $(2)/liblabyrinth.a
$(1)_BIN := $(2)/labyrinth
$(1)_UNIT := $$(patsubst tests/unit/%.c,$(2)/tests/%,$$(UNIT_SRC))
$(1)_VMTEST := $$(patsubst tests/vm/%.c,$(2)/vmtests/%,$$(VMTEST_SRC))

$(2)/obj/%.o: harness/%.c
	@mkdir -p $$(@D)
	@$$(if $$(Q),echo "  CC      $$@")
	$$(Q)$$(CC) $$(CFLAGS) $$(BASE_CFLAGS) $(3) $$(PKG_CFLAGS) -c -o $$@ $$<

# The scoped-injection BPF program, carried inside the binary.
$(2)/obj/scope_bpf.o: harness/scope_bpf.S $(SCOPE_BPF)
	@mkdir -p $$(@D)
	$$(Q)$$(CC) -DSCOPE_BPF_OBJ='"$(CURDIR)/$(SCOPE_BPF)"' -c -o $$@ $$<

# Rewritten only when the version changes, so a new commit rebuilds one
# object and a report never carries a stale labyrinth_version.
$(2)/version.c: FORCE
	@mkdir -p $$(@D)
	@v='const char labyrinth_version[] = "$$(VERSION)";'; \
	[ "$$$$(cat $$@ 2>/dev/null)" = "$$$$v" ] || echo "$$$$v" > $$@

$(2)/obj/version.o: $(2)/version.c
	@mkdir -p $$(@D)
	$$(Q)$$(CC) $$(CFLAGS) $(3) -c -o $$@ $$<

$(2)/liblabyrinth.a: $$($(1)_OBJ)
	@$$(if $$(Q),echo "  AR      $$@")
	$$(Q)rm -f $$@ && $$(AR) rcs $$@ $$^

$(2)/labyrinth: $(2)/obj/main.o $(2)/liblabyrinth.a
	@$$(if $$(Q),echo "  LD      $$@")
	$$(Q)$$(CC) $$(CFLAGS) $(3) -o $$@ $$^ $$(LDLIBS_ALL)

$(2)/tests/%: tests/unit/%.c $(2)/liblabyrinth.a
	@mkdir -p $$(@D)
	@$$(if $$(Q),echo "  CC      $$@")
	$$(Q)$$(CC) $$(CFLAGS) $$(BASE_CFLAGS) $(3) $$(PKG_CFLAGS) $$(CHECK_CFLAGS) \
		-Itests/unit -o $$@ $$< $(2)/liblabyrinth.a $$(CHECK_LDLIBS) $$(LDLIBS_ALL)

$(2)/vmtests/%: tests/vm/%.c $(2)/liblabyrinth.a
	@mkdir -p $$(@D)
	@$$(if $$(Q),echo "  CC      $$@")
	$$(Q)$$(CC) $$(CFLAGS) $$(BASE_CFLAGS) $(3) $$(PKG_CFLAGS) $$(CHECK_CFLAGS) \
		-Itests/unit -o $$@ $$< $(2)/liblabyrinth.a $$(CHECK_LDLIBS) $$(LDLIBS_ALL)

-include $$(wildcard $(2)/obj/*.d $(2)/tests/*.d $(2)/vmtests/*.d)
endef

$(eval $(call flavour,PLAIN,$(BUILD),))
$(eval $(call flavour,ASAN,$(BUILD)/asan,$(SAN_FLAGS)))

FORCE:

.PHONY: FORCE all harness module test-drivers asan tests-bin deps kernel kdir test unit-test \
	vm-test demo bench install clean distclean

all: harness module

harness: $(PLAIN_BIN)

asan: $(ASAN_BIN) $(ASAN_UNIT)

tests-bin: $(PLAIN_BIN) $(PLAIN_UNIT) $(PLAIN_VMTEST) $(ASAN_BIN) $(ASAN_UNIT)

deps:
	$(Q)KVERS="$(KVERS)" tools/install-deps.sh

kernel:
	$(Q)$(KERNEL_SCRIPT) >/dev/null

kdir: $(KERNEL_DEP)
	@echo $(KDIR_SH)

# Kbuild writes its objects (and a generated .mod.c) next to the sources it
# builds, so it builds in $(BUILD)/module from symlinks: module/ stays
# sources only. W=1 keeps the module honest. Each kernel has its own
# directory (build/module-6.12, build/module-stock), where the guest's
# labyrinth finds the module built for the kernel it runs on.
MODULE_NAME := module$(if $(filter-out 6.1,$(KVER)),-$(KVER))
MODULE_OUT := $(CURDIR)/$(BUILD)/$(MODULE_NAME)
MODULE_SRC := $(wildcard module/Kbuild module/*.c module/*.h)
# Debian's headers ask for module BTF but ship no vmlinux to make it from:
# say no instead of printing "Skipping BTF generation" on every build.
MODULE_STOCK_FLAGS := $(if $(filter stock,$(KVER)),CONFIG_DEBUG_INFO_BTF_MODULES=)
module: $(KERNEL_DEP)
	@mkdir -p $(MODULE_OUT)
	$(Q)for f in $(MODULE_SRC); do ln -sfn $(CURDIR)/$$f $(MODULE_OUT)/; done
	$(Q)$(MAKE) -C $(KDIR_SH) M=$(MODULE_OUT) W=1 $(MODULE_STOCK_FLAGS) \
		LABYRINTH_INCLUDE=$(CURDIR)/include $(if $(Q),-s) modules
	@$(if $(Q),echo "  MODULE  $(BUILD)/$(MODULE_NAME)/labyrinth.ko")

# Out-of-tree drivers the tests load as the driver under test (tests/drivers/
# NAME/), built like the module: W=1, in $(BUILD)/test-drivers/NAME, and
# like the module one directory per kernel (build/test-drivers-6.12/NAME).
TEST_DRIVERS := $(notdir $(wildcard tests/drivers/*))
TEST_DRIVERS_NAME := test-drivers$(if $(filter-out 6.1,$(KVER)),-$(KVER))
TEST_DRIVERS_OUT := $(CURDIR)/$(BUILD)/$(TEST_DRIVERS_NAME)
test-drivers: $(KERNEL_DEP)
	$(Q)for d in $(TEST_DRIVERS); do \
		mkdir -p $(TEST_DRIVERS_OUT)/$$d && \
		for f in $(CURDIR)/tests/drivers/$$d/*; do \
			ln -sfn $$f $(TEST_DRIVERS_OUT)/$$d/; done && \
		$(MAKE) -C $(KDIR_SH) M=$(TEST_DRIVERS_OUT)/$$d W=1 \
			$(if $(Q),-s) modules && \
		$(if $(Q),echo "  MODULE  $(BUILD)/$(TEST_DRIVERS_NAME)/$$d/$$d.ko",:) \
		|| exit 1; done

# test and demo install and build what they need first, in this order
# even under -j: the README promises both work on a fresh machine. test
# builds each kernel of TEST_KVERS and the module for it (cached: a warm
# run builds nothing); `make test TEST_KVERS=6.1` is the short loop. The
# stock kernel is a download: without it its VM tests SKIP, loudly.
test: deps
	$(Q)for k in $(filter-out stock,$(TEST_KVERS)); do \
		$(MAKE) kernel KVER=$$k || exit; done
	$(Q)for k in $(filter-out 6.1 stock,$(TEST_KVERS)); do \
		$(MAKE) module KVER=$$k || exit; done
	$(Q)$(if $(filter stock,$(TEST_KVERS)),$(MAKE) module KVER=stock || \
		echo "*** make test: no stock kernel (download failed?): its VM tests will SKIP ***" >&2)
	$(Q)$(MAKE) all tests-bin test-drivers KVER=6.1
	$(Q)tests/run-tests.sh

unit-test: tests-bin
	$(Q)tests/run-tests.sh --unit-only

vm-test: all tests-bin test-drivers
	$(Q)tests/run-tests.sh --vm-only

demo: deps
	$(Q)$(MAKE) kernel
	$(Q)$(MAKE) all
	$(Q)tools/demo.sh

bench: all
	$(Q)tools/bench.sh

PREFIX ?= /usr/local
install: all
	install -D -m 0755 $(PLAIN_BIN) $(DESTDIR)$(PREFIX)/bin/labyrinth
	install -D -m 0644 doc/labyrinth.1 $(DESTDIR)$(PREFIX)/share/man/man1/labyrinth.1
	install -D -m 0644 $(BUILD)/module/labyrinth.ko \
		$(DESTDIR)$(PREFIX)/lib/labyrinth/labyrinth.ko

clean:
	$(Q)rm -rf $(BUILD)
-include tests/fuzz/fuzz.mk
