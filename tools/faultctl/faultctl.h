/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * faultctl: operate and observe iommu-fault-bpf.  Shared declarations.
 * Conventions follow bpftool: OBJECT COMMAND grammar, prefix matching,
 * "Error: ..." on stderr or {"error": ...} on stdout with -j.
 */
#ifndef FAULTCTL_H
#define FAULTCTL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <linux/iommu_fault_bpf.h>

#include "ifb.h"		/* tools/lib/ifb */
#include "json_writer.h"

#define FAULTCTL_VERSION	"0.1.0"
#define PIN_DIR			"/sys/fs/bpf/iommu_fault"

/* Exit statuses */
#define EXIT_OK		0
#define EXIT_FAIL	1
#define EXIT_USAGE	2

/*
 * What a command handler returns: 0, or CMD_USAGE (from usage_err()), or
 * anything else for a failure it reported (p_err()).  CMD_USAGE is no
 * errno: a -errno a handler passes up is a failure, never a usage error.
 */
#define CMD_USAGE	(-4097)
/*
 * What ctl_ioctl() returns when the control device cannot be opened
 * (ctl_open() said why): no errno either, so that it cannot be taken for
 * the kernel's answer (-ENODEV: no such device).
 */
#define CTL_UNAVAILABLE	(-4098)

extern bool json_output;
extern bool pretty_output;
extern bool debug;
extern json_writer_t *json_wtr;
extern const char *bin_name;

/* A command of an object: its name and handler. */
struct cmd {
	const char *name;
	int (*func)(int argc, char **argv);
};

void p_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void p_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int usage_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int p_help(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
bool is_prefix(const char *pfx, const char *str);
int cmd_select(const struct cmd *cmds, int argc, char **argv,
	       int (*help)(int argc, char **argv));

/* Consume the next argument or fail the command with a usage error. */
#define NEXT_ARG()	({ argc--; argv++; })
#define REQ_ARGS(cnt)							\
	({								\
		int __cnt = (cnt);					\
		if (argc < __cnt)					\
			return usage_err("'%s' needs at least %d arguments, %d found", \
					 argv[-1], __cnt, argc);	\
	})

int parse_u64(const char *s, uint64_t *out);
int parse_u32(const char *s, uint32_t *out);
int parse_s32(const char *s, int32_t *out);

/* The control device.  ctl_open() prints why it cannot be opened. */
int ctl_open(void);
int ctl_fd_get(void);
int ctl_ioctl(unsigned long cmd, void *arg);
int ctl_dev_next(uint32_t after, struct iommu_fault_ctl_dev *out);
int ctl_dev_by_name(const char *dev, struct iommu_fault_ctl_dev *out);
int ctl_policy_next(uint32_t after, struct iommu_fault_ctl_policy *out);
const char *status_name(int status);
void json_verdicts(const __u64 *counts);
/* One JSON shape per kind of object, whichever command prints it. */
void json_device(const struct iommu_fault_ctl_dev *d);
void json_policy(const struct iommu_fault_ctl_policy *p);
int status_parse(const char *s);

int do_policy(int argc, char **argv);
int do_fault(int argc, char **argv);
int do_device(int argc, char **argv);
int do_stats(int argc, char **argv);
int do_config(int argc, char **argv);
int do_trace(int argc, char **argv);

#endif /* FAULTCTL_H */
