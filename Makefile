# iommu-fault-bpf: build the 6.12 kernel, tools and VM; run and test.
#
# Every target builds or installs what is missing and does nothing when
# nothing changed.  `make help` lists them.

SHELL		:= /bin/bash
.DEFAULT_GOAL	:= help

TOP		:= $(CURDIR)
B		:= $(TOP)/build
KSRC_TAR	:= /usr/src/linux-source-6.12.tar.xz
# One extracted 6.12 tree, wired with kernel/; it stays clean (no build
# output), so that the test kernel and make bench's kernel build from it
# side by side, each in its own output directory (O=).
KDIR		:= $(B)/linux-source-6.12
KOBJ		:= $(B)/kernel-test
BKOBJ		:= $(B)/kernel-bench
CROSS		:= aarch64-linux-gnu-
JOBS		?= $(shell echo $$(( $$(nproc) + 1 )))

# ccache lives outside the work tree so that a fresh clone on the same
# machine reuses it; the cold path works without it.
export CCACHE_DIR ?= $(HOME)/.cache/iommu-fault-bpf/ccache
export CCACHE_MAXSIZE ?= 5G
export CCACHE_NOHASHDIR := 1
export CCACHE_BASEDIR := $(TOP)

KMAKE_ARGS	:= ARCH=arm64 CROSS_COMPILE=$(CROSS)
kmake		 = $(MAKE) -C $(KDIR) O=$(1) $(KMAKE_ARGS) \
		   CC="ccache $(CROSS)gcc" HOSTCC="ccache gcc" -j$(JOBS)
KMAKE		:= $(call kmake,$(KOBJ))
KCONFIG_FRAGS	:= $(sort $(wildcard kernel/config/*.config))
IMAGE		:= $(KOBJ)/arch/arm64/boot/Image

# User space: static arm64 binaries against the tree's libbpf, and BPF
# objects against one kernel's BTF (vmlinux.h): UKOBJ's, built under UB.
# By default that is the test kernel and $(B); make bench builds the few
# binaries it needs again with UB and UKOBJ set to its own kernel, so that
# a benchmark builds one kernel, not two.  libbpf, its headers (UINC) and
# the host bpftool do not depend on a kernel build and stay in $(B); they
# and the other tools come from the one source tree, UKDIR.
UB		:= $(B)
UKDIR		:= $(KDIR)
UKOBJ		:= $(KOBJ)
TCC		:= $(CROSS)gcc
LIBBPF_OUT	:= $(B)/libbpf
LIBBPF_A	:= $(LIBBPF_OUT)/libbpf.a
UINC		:= $(B)/include
VMLINUX_H	:= $(UB)/include/vmlinux.h
BPFTOOL_HOST	:= $(B)/bpftool-host/bootstrap/bpftool
TCFLAGS		 = -O2 -g -Wall -Wextra -Wno-unused-parameter \
		   -Wno-sign-compare -Wno-clobbered -Wno-format-truncation \
		   -I$(UB)/include -I$(UINC) -I$(TOP)/include/uapi \
		   -I$(TOP)/selftests/lib -I$(TOP)/tools/lib/ifb -I$(TOP)/bench -I$(GEN) \
		   -I$(UKDIR)/tools/testing/selftests \
		   -I$(UKDIR)/drivers/iommu/iommufd -idirafter $(UKDIR)/include/uapi
TLDFLAGS	:= -static
TLIBS		:= $(LIBBPF_A) -lelf -lz -lzstd

SELFTESTS_SRC	:= $(wildcard selftests/vm/*_test.c)
SELFTESTS	:= $(patsubst selftests/vm/%.c,$(UB)/selftests/%,$(SELFTESTS_SRC))
STRESS		:= $(UB)/selftests/stress
GEN		:= $(UB)/selftests/gen
SELFTEST_BPF	:= $(patsubst selftests/vm/progs/%.bpf.c,$(GEN)/%.bpf.o,\
		     $(wildcard selftests/vm/progs/*.bpf.c))
SELFTEST_SKELS	:= $(SELFTEST_BPF:.bpf.o=.skel.h)
BENCH_BPF	:= $(patsubst bench/progs/%.bpf.c,$(GEN)/%.bpf.o,$(wildcard bench/progs/*.bpf.c))
BENCH_SKELS	:= $(BENCH_BPF:.bpf.o=.skel.h)
BENCH_BIN	:= $(UB)/selftests/ifb-bench
BPF_CFLAGS	:= -g -O2 -target bpf -D__TARGET_ARCH_arm64 -Wall \
		   -I$(UB)/include -I$(UINC) -I$(TOP)/bpf/include

# The policy library (bpf/progs/) and users' policies (make policy).
POLICY_OUT	:= $(UB)/policies
LIB_POLICIES	:= $(patsubst bpf/progs/%.bpf.c,$(POLICY_OUT)/%.bpf.o,\
		     $(wildcard bpf/progs/*.bpf.c))
LIB_SKELS	:= $(patsubst $(POLICY_OUT)/%.bpf.o,$(GEN)/%.skel.h,$(LIB_POLICIES))

FAULTCTL_SRC	:= $(filter-out %.bpf.c,$(wildcard tools/faultctl/*.c))
FAULTCTL	:= $(UB)/tools/faultctl
FAULTCTL_GEN	:= $(UB)/tools/gen
BPFTOOL_DIR	:= $(UKDIR)/tools/bpf/bpftool

# 6.12's own iommufd selftests (tools/testing/selftests/iommu/), built
# unchanged, static, against the tree's installed UAPI headers (and
# selftests/lib/upstream_compat.h: the tree's selftests are newer than its
# kernel; selftests/lib/upstream_timeout.c: the harness's per-test limit,
# scaled for emulation); run by selftests/vm/upstream_*_test.sh.
KHDR		:= $(B)/kernel-uapi
UPSTREAM_SRC	:= $(UKDIR)/tools/testing/selftests/iommu
UPSTREAM_TESTS	:= $(UB)/selftests/iommufd $(UB)/selftests/iommufd_fail_nth
# The VMM stand-in of "policies first, then the guest" (README).
VMM_DEMO	:= $(UB)/selftests/vmm_demo

INITRAMFS	:= $(UB)/vm/initramfs.cpio.gz
BUSYBOX		:= $(B)/deps/busybox/bin/busybox

.PHONY: help deps kernel kernel-wire tools policy initramfs vm vm-run run \
	experiment bench bench-kernel bench-initramfs test test-host stress checkpatch \
	clean distclean

help:
	@echo "iommu-fault-bpf targets:"
	@echo "  make run        build what is missing, boot the VM and show the product working"
	@echo "  make test       build, boot the test kernel, run every suite; ends 'N passed, N failed'"
	@echo "  make deps       install build dependencies with apt (root, Debian 12)"
	@echo "  make kernel     extract linux-source-6.12, wire in kernel/, build arch/arm64/boot/Image"
	@echo "  make tools      libbpf, bpftool, vmlinux.h and static arm64 test binaries"
	@echo "  make policy SRC=x.bpf.c   build your own policy object"
	@echo "  make vm         interactive shell in the VM (serial console; Ctrl-a x quits)"
	@echo "  make vm-run RUN=script.sh [EXTRA=dir] [TIMEOUT=s]   run a script in the VM as root"
	@echo "  make experiment [TRACE=x.jsonl] [RUNS=policies.txt]   replay a fault trace against policies, compare"
	@echo "  make bench      fault-path benchmark: every scenario in one boot, table, JSON, plot"
	@echo "  make stress     1,000,000 faults with swaps, removals and resizes on the test kernel (not in make test)"
	@echo "  make checkpatch checkpatch.pl --strict on the kernel sources"

# --- dependencies -------------------------------------------------------

deps:
	@scripts/deps.sh $(B)/deps

$(B)/.stamp-deps: scripts/deps.sh
	@scripts/deps.sh $(B)/deps
	@touch $@

# --- kernel -------------------------------------------------------------

# The 6.12 source.  xz in threads (Debian's tarball has 62 blocks): 16 s
# here, against 48 s when tar runs xz itself.
$(KDIR)/.extracted: | $(B)/.stamp-deps
	@echo "  EXTRACT $(KSRC_TAR) -> $(@D)"
	@rm -rf $(@D) && mkdir -p $(@D)
	@tar -C $(@D) --strip-components=1 -I 'xz -T0' -xf $(KSRC_TAR)
	@touch $@

kernel-wire: $(KDIR)/.extracted
	@scripts/wire-kernel.sh $(TOP) $(KDIR)

$(B)/kernel.config: $(KCONFIG_FRAGS) scripts/kconfig.sh | kernel-wire
	@echo "  CONFIG  allnoconfig + $(notdir $(KCONFIG_FRAGS))"
	@KMAKE_ARGS="$(KMAKE_ARGS)" scripts/kconfig.sh $(KDIR) $(KOBJ) $@ $(KCONFIG_FRAGS)

kernel: kernel-wire $(B)/kernel.config
	@mkdir -p $(CCACHE_DIR)
	@$(KMAKE) Image

# --- user space ---------------------------------------------------------

$(LIBBPF_A): $(UKDIR)/.extracted | $(B)/.stamp-deps
	@mkdir -p $(LIBBPF_OUT) $(UINC)
	@$(MAKE) -s -C $(UKDIR)/tools/lib/bpf CROSS_COMPILE=$(CROSS) ARCH=arm64 \
		CC="ccache $(TCC)" OUTPUT=$(LIBBPF_OUT)/ EXTRA_CFLAGS="-O2 -g" \
		$(LIBBPF_A) >/dev/null
	@$(MAKE) -s -C $(UKDIR)/tools/lib/bpf OUTPUT=$(LIBBPF_OUT)/ \
		DESTDIR=$(B) prefix= INCLUDEDIR=/include install_headers >/dev/null
	@echo "  LIBBPF  $@"

$(BPFTOOL_HOST): $(UKDIR)/.extracted | $(B)/.stamp-deps
	@mkdir -p $(dir $(BPFTOOL_HOST))
	@$(MAKE) -s -C $(UKDIR)/tools/bpf/bpftool OUTPUT=$(B)/bpftool-host/ \
		CC="ccache gcc" HOSTCC="ccache gcc" bootstrap >/dev/null
	@echo "  BPFTOOL $@"

$(VMLINUX_H): $(UKOBJ)/vmlinux $(BPFTOOL_HOST)
	@mkdir -p $(dir $@)
	@$(BPFTOOL_HOST) btf dump file $(UKOBJ)/vmlinux format c > $@.tmp
	@mv $@.tmp $@
	@echo "  GEN     $@"

$(KOBJ)/vmlinux: | kernel
	@true

# Test policies: BPF objects and their skeletons (host bpftool).
# One BPF object against vmlinux.h, libbpf's headers and bpf/include/;
# its DWARF is dropped (BTF and line info stay): nine tenths of the object,
# carried in every skeleton and the VM's initramfs.
define bpf_cc
	@mkdir -p $(dir $@)
	@echo "  BPF     $@"
	@clang $(BPF_CFLAGS) -c $< -o $@.tmp
	@llvm-strip -g $@.tmp && mv $@.tmp $@
endef

$(GEN)/%.bpf.o: selftests/vm/progs/%.bpf.c $(VMLINUX_H) $(wildcard bpf/include/*.h) $(LIBBPF_A)
	$(bpf_cc)

.SECONDARY: $(SELFTEST_BPF) $(SELFTEST_SKELS) $(LIB_POLICIES) $(LIB_SKELS) \
	    $(BENCH_BPF) $(BENCH_SKELS)

$(GEN)/%.bpf.o: bench/progs/%.bpf.c $(VMLINUX_H) $(wildcard bpf/include/*.h) $(LIBBPF_A)
	$(bpf_cc)

# The clock's counters are atomics whose old value it uses (BPF ISA v3).
$(GEN)/bench_clock.bpf.o: BPF_CFLAGS += -mcpu=v3

# The benchmark's guest half, shipped in the VM next to the selftests.
$(BENCH_BIN): bench/ifb_bench.c $(wildcard bench/*.h selftests/lib/*.h tools/lib/ifb/*.h) $(LIBBPF_A) \
	      $(BENCH_SKELS) include/uapi/linux/iommu_fault_bpf.h | $(VMLINUX_H)
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	@$(TCC) $(TCFLAGS) $(TLDFLAGS) -o $@ $< $(TLIBS)

$(GEN)/%.skel.h: $(GEN)/%.bpf.o $(BPFTOOL_HOST)
	@$(BPFTOOL_HOST) gen skeleton $< name $* > $@.tmp && mv $@.tmp $@

# The library's policies, and skeletons of them for their VM tests.
$(POLICY_OUT)/%.bpf.o: bpf/progs/%.bpf.c $(VMLINUX_H) $(wildcard bpf/include/*.h) $(LIBBPF_A)
	$(bpf_cc)

$(LIB_SKELS): $(GEN)/%.skel.h: $(POLICY_OUT)/%.bpf.o $(BPFTOOL_HOST)
	@mkdir -p $(GEN)
	@$(BPFTOOL_HOST) gen skeleton $< name $* > $@.tmp && mv $@.tmp $@

$(UB)/selftests/%: selftests/vm/%.c $(wildcard selftests/lib/*.h tools/lib/ifb/*.h bench/*.h) \
		  $(LIBBPF_A) $(SELFTEST_SKELS) $(LIB_SKELS) $(BENCH_SKELS) \
		  include/uapi/linux/iommu_fault_bpf.h | $(VMLINUX_H)
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	@$(TCC) $(TCFLAGS) $(TLDFLAGS) -o $@ $< $(TLIBS)

$(KHDR)/.installed: | kernel-wire
	@echo "  HDRINST $(KHDR)/usr/include"
	@$(MAKE) -s -C $(KDIR) O=$(KHDR) $(KMAKE_ARGS) INSTALL_HDR_PATH=$(KHDR)/usr \
		headers_install
	@touch $@

$(UPSTREAM_TESTS): $(UB)/selftests/%: $(UPSTREAM_SRC)/%.c $(UPSTREAM_SRC)/iommufd_utils.h \
		   selftests/lib/upstream_compat.h selftests/lib/upstream_timeout.c \
		   $(KHDR)/.installed
	@mkdir -p $(dir $@)
	@echo "  CC      $@ (upstream)"
	@$(TCC) -Wall -O2 -Wno-unused-function -D_GNU_SOURCE -isystem $(KHDR)/usr/include \
		-include $(TOP)/selftests/lib/upstream_compat.h $(TLDFLAGS) \
		-Wl,--wrap=alarm -o $@ $< selftests/lib/upstream_timeout.c

# faultctl's own BPF program (trace) and its skeleton.
$(FAULTCTL_GEN)/trace.bpf.o: tools/faultctl/trace.bpf.c tools/faultctl/trace_event.h \
			     $(VMLINUX_H) $(LIBBPF_A)
	$(bpf_cc)

$(FAULTCTL_GEN)/trace.skel.h: $(FAULTCTL_GEN)/trace.bpf.o $(BPFTOOL_HOST)
	@$(BPFTOOL_HOST) gen skeleton $< name trace > $@.tmp && mv $@.tmp $@

# faultctl: static arm64, with bpftool's JSON writer from the same tree.
$(FAULTCTL): $(FAULTCTL_SRC) $(wildcard tools/faultctl/*.h tools/lib/ifb/*.h) $(LIBBPF_A) \
	     include/uapi/linux/iommu_fault_bpf.h $(FAULTCTL_GEN)/trace.skel.h
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	@$(TCC) -O2 -g -Wall -Wextra -Wno-unused-parameter -Wno-sign-compare \
		-Wno-format-truncation -I$(UINC) -I$(TOP)/include/uapi \
		-I$(UKDIR)/tools/include/uapi \
		-I$(FAULTCTL_GEN) -I$(TOP)/tools/faultctl -I$(TOP)/tools/lib/ifb \
		-I$(BPFTOOL_DIR) -idirafter $(UKDIR)/tools/include -static \
		-o $@ $(FAULTCTL_SRC) \
		$(BPFTOOL_DIR)/json_writer.c $(TLIBS)

# A native faultctl and libbpf, for the host-side tests of the CLI.
HOST_LIBBPF	:= $(B)/host/libbpf/libbpf.a
FAULTCTL_HOST	:= $(B)/host/faultctl

$(HOST_LIBBPF): $(KDIR)/.extracted | $(B)/.stamp-deps
	@mkdir -p $(dir $@)
	@$(MAKE) -s -C $(KDIR)/tools/lib/bpf OUTPUT=$(dir $@) EXTRA_CFLAGS="-O2" CC="ccache gcc" \
		$@ >/dev/null
	@echo "  LIBBPF  $@"

$(FAULTCTL_HOST): $(FAULTCTL_SRC) $(wildcard tools/faultctl/*.h tools/lib/ifb/*.h) $(HOST_LIBBPF) \
		  include/uapi/linux/iommu_fault_bpf.h $(FAULTCTL_GEN)/trace.skel.h
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@"
	@gcc -O2 -g -Wall -Wno-unused-parameter -Wno-format-truncation \
		-I$(UINC) -I$(TOP)/include/uapi -I$(KDIR)/tools/include/uapi \
		-I$(FAULTCTL_GEN) -I$(TOP)/tools/faultctl -I$(TOP)/tools/lib/ifb \
		-I$(BPFTOOL_DIR) \
		-idirafter $(KDIR)/tools/include -o $@ $(FAULTCTL_SRC) \
		$(BPFTOOL_DIR)/json_writer.c $(HOST_LIBBPF) -lelf -lz

$(B)/tools/faultctl.8: tools/faultctl/Documentation/faultctl.rst | $(B)/.stamp-deps
	@mkdir -p $(dir $@)
	@rst2man --strict $< > $@.tmp && mv $@.tmp $@
	@echo "  MAN     $@"

tools: kernel $(LIBBPF_A) $(BPFTOOL_HOST) $(VMLINUX_H) $(SELFTESTS) $(FAULTCTL) \
       $(FAULTCTL_HOST) $(B)/tools/faultctl.8 $(LIB_POLICIES) $(BENCH_BIN)

# A policy object, in-tree or the user's own: compiled against the built
# kernel's vmlinux.h, libbpf's BPF headers and bpf/include/.
policy: $(LIBBPF_A) $(VMLINUX_H)
	@test -n "$(SRC)" || { echo "usage: make policy SRC=path/to/policy.bpf.c" >&2; exit 2; }
	@test -r "$(SRC)" || { echo "make policy: cannot read '$(SRC)'" >&2; exit 2; }
	@mkdir -p $(POLICY_OUT)
	@clang $(BPF_CFLAGS) -c "$(SRC)" -o $(POLICY_OUT)/$(notdir $(SRC:.bpf.c=)).bpf.o
	@echo "policy object: $(patsubst $(TOP)/%,%,$(POLICY_OUT))/$(notdir $(SRC:.bpf.c=)).bpf.o"

# --- VM -----------------------------------------------------------------

$(BUSYBOX): $(B)/.stamp-deps

$(INITRAMFS): scripts/mkinitramfs.sh scripts/guest-init $(BUSYBOX) $(SELFTESTS) $(STRESS) \
	      $(UPSTREAM_TESTS) $(VMM_DEMO) \
	      $(wildcard selftests/vm/*.sh) $(FAULTCTL) $(SELFTEST_BPF) $(LIB_POLICIES) \
	      $(BENCH_BIN)
	@scripts/mkinitramfs.sh $@ $(BUSYBOX) $(UB)/selftests selftests/vm \
		$(FAULTCTL) $(GEN) $(LIB_POLICIES)

initramfs: $(INITRAMFS)

vm: kernel $(INITRAMFS)
	@scripts/vm-run.sh --interactive $(IMAGE) $(INITRAMFS)

vm-run: kernel $(INITRAMFS)
	@test -n "$(RUN)" || { echo "usage: make vm-run RUN=script.sh [EXTRA=dir] [TIMEOUT=s]" >&2; exit 2; }
	@scripts/vm-run.sh $(if $(TIMEOUT),--timeout $(TIMEOUT)) \
		$(if $(EXTRA),--extra $(EXTRA)) $(IMAGE) $(INITRAMFS) $(RUN)

run: kernel $(INITRAMFS)
	@scripts/vm-run.sh --timeout 300 $(IMAGE) $(INITRAMFS) scripts/demo.sh

# Replay a recorded fault trace against several policies, side by side.
TRACE	?= experiments/edu-trace.jsonl
RUNS	?= experiments/policies.txt

experiment: kernel $(INITRAMFS)
	@scripts/experiment.py run $(IMAGE) $(INITRAMFS) $(abspath $(TRACE)) $(abspath $(RUNS))

# --- benchmark ----------------------------------------------------------

# Its own kernel: base.config + kernel/config/bench/ (inject, edu driver),
# without the test kernel's lockdep and KASAN; from the same tree, in its
# own output directory, so that neither build undoes the other.
BIMAGE		:= $(BKOBJ)/arch/arm64/boot/Image
BKCONFIG_FRAGS	:= kernel/config/base.config $(sort $(wildcard kernel/config/bench/*.config))
BKMAKE		:= $(call kmake,$(BKOBJ))

$(B)/bench-kernel.config: $(BKCONFIG_FRAGS) scripts/kconfig.sh | kernel-wire
	@echo "  CONFIG  allnoconfig + $(notdir $(BKCONFIG_FRAGS)) (bench)"
	@KMAKE_ARGS="$(KMAKE_ARGS)" scripts/kconfig.sh $(KDIR) $(BKOBJ) $@ $(BKCONFIG_FRAGS)

bench-kernel: kernel-wire $(B)/bench-kernel.config
	@mkdir -p $(CCACHE_DIR)
	@$(BKMAKE) Image

# Its guest: busybox, ifb-bench (its policies built in) and faultctl (for
# scenario 6), built in $(BENCH_UB) against the bench kernel's BTF by a
# sub-make, so that make bench does not need the test kernel.
BENCH_UB	:= $(B)/bench-user
BENCH_CPIO	:= vm/bench.cpio.gz

$(BKOBJ)/vmlinux: | bench-kernel
	@true

$(UB)/$(BENCH_CPIO): scripts/mkinitramfs.sh scripts/guest-init $(BUSYBOX) \
		    $(BENCH_BIN) $(FAULTCTL)
	@scripts/mkinitramfs.sh $@ $(BUSYBOX) $(dir $(BENCH_BIN)) selftests/vm \
		$(FAULTCTL) $(GEN)

bench-initramfs: $(UB)/$(BENCH_CPIO)

bench: bench-kernel
	@$(MAKE) --no-print-directory UB=$(BENCH_UB) UKOBJ=$(BKOBJ) bench-initramfs
	@scripts/bench.sh $(BIMAGE) $(BENCH_UB)/$(BENCH_CPIO) $(BKOBJ)

# --- tests --------------------------------------------------------------

# 1,000,000 faults with policy swaps, removals, pool resizes and answers
# by cookie, on the test kernel (selftests/vm/stress.c); not in make test.
stress: kernel $(INITRAMFS)
	@scripts/stress.sh $(IMAGE) $(INITRAMFS)

test-host:
	@python3 -m unittest discover -s selftests/host -p 'test_*.py' 2>&1

test: kernel $(INITRAMFS) $(FAULTCTL_HOST)
	@scripts/test.sh $(IMAGE) $(INITRAMFS)

CHECKPATCH	:= perl $(KDIR)/scripts/checkpatch.pl --no-tree --strict --terse

checkpatch: $(KDIR)/.extracted
	@$(CHECKPATCH) -f kernel/*/*.c kernel/*/*.h selftests/kernel/*.c include/linux/*.h \
		include/uapi/linux/iommu_fault_bpf.h
	@for p in kernel/patches/*.patch; do \
		$(CHECKPATCH) - < $$p > /dev/null || \
			{ $(CHECKPATCH) - < $$p | sed "s|^|$$p: |"; exit 1; }; \
	done

clean:
	rm -rf $(B)/vm $(B)/selftests $(B)/test $(B)/bench-user

distclean:
	rm -rf $(B)
