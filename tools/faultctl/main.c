// SPDX-License-Identifier: GPL-2.0-only
/*
 * faultctl - operate and observe iommu-fault-bpf.
 *
 *   faultctl [OPTIONS] OBJECT { COMMAND | help }
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "faultctl.h"

bool json_output;
bool pretty_output;
bool debug;
json_writer_t *json_wtr;
const char *bin_name;

void p_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (json_output) {
		char buf[1024];

		vsnprintf(buf, sizeof(buf), fmt, ap);
		jsonw_start_object(json_wtr);
		jsonw_string_field(json_wtr, "error", buf);
		jsonw_end_object(json_wtr);
	} else {
		fprintf(stderr, "Error: ");
		vfprintf(stderr, fmt, ap);
		fprintf(stderr, "\n");
	}
	va_end(ap);
}

/* Informational, to stderr; silent under -j. */
void p_info(const char *fmt, ...)
{
	va_list ap;

	if (json_output)
		return;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
}

/* Report a usage error; returns the usage exit status. */
/*
 * An object's help: the usage text on stderr, or a JSON null with -j (as
 * bpftool does).  Returns 0.
 */
int p_help(const char *fmt, ...)
{
	va_list ap;

	if (json_output) {
		jsonw_null(json_wtr);
		return 0;
	}
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	return 0;
}

int usage_err(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	p_err("%s", buf);
	return CMD_USAGE;
}

bool is_prefix(const char *pfx, const char *str)
{
	return pfx && *pfx && !strncmp(str, pfx, strlen(pfx));
}

/*
 * Run the command argv[0] names, by unique prefix; "help" and nothing
 * give the object's help.
 */
int cmd_select(const struct cmd *cmds, int argc, char **argv,
	       int (*help)(int argc, char **argv))
{
	const struct cmd *match = NULL;
	int i;

	if (argc < 1 || is_prefix(argv[0], "help"))
		return help(argc, argv);
	for (i = 0; cmds[i].name; i++) {
		if (!strcmp(argv[0], cmds[i].name)) {
			match = &cmds[i];
			break;
		}
		if (!is_prefix(argv[0], cmds[i].name))
			continue;
		if (match)
			return usage_err("ambiguous prefix: '%s' could be '%s' or '%s'",
					 argv[0], match->name, cmds[i].name);
		match = &cmds[i];
	}
	if (!match) {
		/* The help text, not a JSON null before the error object. */
		if (!json_output)
			help(0, NULL);
		return usage_err("what is '%s'?", argv[0]);
	}
	return match->func(argc - 1, argv + 1);
}

static int parse_num(const char *s, unsigned long long *out, bool allow_neg)
{
	char *end;

	if (!s || !*s || (!allow_neg && *s == '-'))
		return -EINVAL;
	errno = 0;
	*out = allow_neg ? (unsigned long long)strtoll(s, &end, 0) :
			   strtoull(s, &end, 0);
	return errno || *end ? -EINVAL : 0;
}

int parse_u64(const char *s, uint64_t *out)
{
	unsigned long long v;

	if (parse_num(s, &v, false))
		return -EINVAL;
	*out = v;
	return 0;
}

int parse_u32(const char *s, uint32_t *out)
{
	unsigned long long v;

	if (parse_num(s, &v, false) || v > UINT32_MAX)
		return -EINVAL;
	*out = v;
	return 0;
}

int parse_s32(const char *s, int32_t *out)
{
	unsigned long long v;
	long long sv;

	if (parse_num(s, &v, true))
		return -EINVAL;
	sv = (long long)v;
	if (sv < INT32_MIN || sv > INT32_MAX)
		return -EINVAL;
	*out = sv;
	return 0;
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list args)
{
	/* Warnings (verifier logs among them) always; the rest with -d. */
	if (level != LIBBPF_WARN && !debug)
		return 0;
	return vfprintf(stderr, fmt, args);
}

static int do_help(int argc, char **argv)
{
	return p_help("Usage: %s [OPTIONS] OBJECT { COMMAND | help }\n"
		      "       %s version\n"
		      "\n"
		      "       OBJECT := { policy | fault | device | stats | config }\n"
		      "       OPTIONS := { {-j|--json} [{-p|--pretty}] | {-d|--debug} |\n"
		      "                    {-h|--help} | {-V|--version} }\n",
		      bin_name, bin_name);
}

static int do_version(int argc, char **argv)
{
	if (json_output) {
		jsonw_start_object(json_wtr);
		jsonw_string_field(json_wtr, "version", FAULTCTL_VERSION);
		jsonw_string_field(json_wtr, "libbpf_version", libbpf_version_string());
		jsonw_end_object(json_wtr);
	} else {
		printf("%s v%s\nusing libbpf %s\n", bin_name, FAULTCTL_VERSION,
		       libbpf_version_string());
	}
	return 0;
}

static const struct cmd objects[] = {
	{ "policy",	do_policy },
	{ "fault",	do_fault },
	{ "device",	do_device },
	{ "stats",	do_stats },
	{ "config",	do_config },
	{ "version",	do_version },
	{ 0 }
};

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "json",	no_argument,	NULL, 'j' },
		{ "pretty",	no_argument,	NULL, 'p' },
		{ "debug",	no_argument,	NULL, 'd' },
		{ "help",	no_argument,	NULL, 'h' },
		{ "version",	no_argument,	NULL, 'V' },
		{ 0 }
	};
	bool version = false, help = false;
	int opt, ret;

	bin_name = "faultctl";
	/* Options stop at the object: its own options belong to it. */
	while ((opt = getopt_long(argc, argv, "+jpdhV", options, NULL)) >= 0) {
		switch (opt) {
		case 'j':
			json_output = true;
			break;
		case 'p':
			pretty_output = true;
			json_output = true;
			break;
		case 'd':
			debug = true;
			break;
		case 'h':
			help = true;
			break;
		case 'V':
			version = true;
			break;
		default:
			do_help(0, NULL);
			return EXIT_USAGE;
		}
	}
	argc -= optind;
	argv += optind;

	if (json_output) {
		json_wtr = jsonw_new(stdout);
		if (!json_wtr) {
			fprintf(stderr, "Error: failed to create JSON writer\n");
			return EXIT_FAIL;
		}
		jsonw_pretty(json_wtr, pretty_output);
	}
	libbpf_set_print(libbpf_print);

	if (version)
		ret = do_version(argc, argv);
	else if (help)
		ret = do_help(argc, argv);
	else if (argc < 1)
		ret = json_output ? usage_err("no object given") :
				    (do_help(argc, argv), CMD_USAGE);
	else
		ret = cmd_select(objects, argc, argv, do_help);

	if (json_output)
		jsonw_destroy(&json_wtr);
	if (ret == CMD_USAGE)
		return EXIT_USAGE;
	return ret ? EXIT_FAIL : EXIT_OK;
}
