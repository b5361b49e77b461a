/* SPDX-License-Identifier: MIT */
/* ipcx info: the comparison table of facilities and this system's limits. */
#include "tool.h"

#include <getopt.h>
#include <libsmartcols.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
	"Usage: ipcx info [OPTIONS] [SCHEME...]\n"
	"\n"
	"Show every facility (or the SCHEMEs named) side by side: what it\n"
	"carries, what names it, its handle, whether it crosses machines,\n"
	"its standard, and this system's live limits for it.\n"
	"\n"
	"With SCHEMEs named, the options their addresses take follow the\n"
	"facilities (SCHEME:TARGET?OPTION=VALUE&...).\n"
	"\n"
	"Options:\n"
	"  -l, --limits        show the limits table only\n"
	"  -O, --options       show the address options table only\n"
	"  -J, --json          JSON output\n"
	"  -o, --output COLS   columns to show, comma-separated (of the\n"
	"                      facility table, of the limits with -l, of\n"
	"                      the options with -O); +COLS adds to the\n"
	"                      default ones\n"
	"  -H, --list-columns  list the columns (of -l's, -O's table)\n"
	"  -n, --noheadings    do not print headings\n"
	"  -r, --raw           raw output (no alignment)\n"
	"  -h, --help          show this help\n"
	"  -V, --version       show the version\n";

static const struct option longopts[] = {
	{"limits", no_argument, NULL, 'l'},
	{"options", no_argument, NULL, 'O'},
	{"json", no_argument, NULL, 'J'},
	{"output", required_argument, NULL, 'o'},
	{"list-columns", no_argument, NULL, 'H'},
	{"noheadings", no_argument, NULL, 'n'},
	{"raw", no_argument, NULL, 'r'},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

enum field {
	F_SCHEME,
	F_TITLE,
	F_SEMANTICS,
	F_NAME,
	F_HANDLE,
	F_NETWORK,
	F_POLL,
	F_PAIR,
	F_LISTEN,
	F_STANDARD,
	F_ROLES,
	F_LIMIT,
	F_VALUE,
	F_UNIT,
	F_SOURCE,
	F_USED,
	F_OPTION,
	F_VALUES,
	F_DEFAULT,
	F_HELP,
};

static const struct tool_col fac_cols[] = {
	{"SCHEME", F_SCHEME, 0.1, 0, SCOLS_JSON_STRING, "address scheme"},
	{"FACILITY", F_TITLE, 0.2, SCOLS_FL_TRUNC, SCOLS_JSON_STRING,
	 "what it is"},
	{"SEMANTICS", F_SEMANTICS, 0.1, 0, SCOLS_JSON_STRING,
	 "byte stream or message (...)"},
	{"NAME", F_NAME, 0.2, SCOLS_FL_TRUNC, SCOLS_JSON_STRING,
	 "what identifies an object (the address TARGET)"},
	{"HANDLE", F_HANDLE, 0.05, 0, SCOLS_JSON_STRING,
	 "what a program holds"},
	{"NETWORK", F_NETWORK, 0.05, 0, SCOLS_JSON_BOOLEAN, "crosses machines"},
	{"POLL", F_POLL, 0.05, 0, SCOLS_JSON_BOOLEAN,
	 "ipcx_fd() can be polled"},
	{"PAIR", F_PAIR, 0.05, 0, SCOLS_JSON_BOOLEAN, "ipcx_pair() works"},
	{"LISTEN", F_LISTEN, 0.05, 0, SCOLS_JSON_BOOLEAN,
	 "a listener accepts a connection per client"},
	{"STANDARD", F_STANDARD, 0.1, SCOLS_FL_TRUNC, SCOLS_JSON_STRING,
	 "where it comes from"},
	{"ROLES", F_ROLES, 0.1, 0, SCOLS_JSON_STRING,
	 "what its addresses open: channel, region, sem, lock"},
};

static const struct tool_col lim_cols[] = {
	{"SCHEME", F_SCHEME, 0.1, 0, SCOLS_JSON_STRING, "address scheme"},
	{"LIMIT", F_LIMIT, 0.3, 0, SCOLS_JSON_STRING, "what is limited"},
	{"VALUE", F_VALUE, 0.1, SCOLS_FL_RIGHT, SCOLS_JSON_NUMBER,
	 "the limit, in UNIT"},
	{"USED", F_USED, 0.1, SCOLS_FL_RIGHT, SCOLS_JSON_NUMBER,
	 "in use now, where the system counts it"},
	{"UNIT", F_UNIT, 0.05, 0, SCOLS_JSON_STRING,
	 "bytes, messages, queues..."},
	{"SOURCE", F_SOURCE, 0.3, SCOLS_FL_TRUNC, SCOLS_JSON_STRING,
	 "where it is read or changed"},
};

static const struct tool_col opt_cols[] = {
	{"SCHEME", F_SCHEME, 0.1, 0, SCOLS_JSON_STRING, "address scheme"},
	{"OPTION", F_OPTION, 0.1, 0, SCOLS_JSON_STRING,
	 "SCHEME:TARGET?OPTION=VALUE"},
	{"VALUES", F_VALUES, 0.2, SCOLS_FL_TRUNC, SCOLS_JSON_STRING,
	 "what it takes"},
	{"DEFAULT", F_DEFAULT, 0.2, SCOLS_FL_TRUNC, SCOLS_JSON_STRING,
	 "its value when not given"},
	{"DESCRIPTION", F_HELP, 0.4, SCOLS_FL_TRUNC, SCOLS_JSON_STRING,
	 "what it does"},
};

static const struct tool_cols tables[] = {
	{"Facility columns", fac_cols, TOOL_N(fac_cols),
	 "SCHEME,FACILITY,SEMANTICS,NAME,HANDLE,NETWORK,POLL,PAIR,LISTEN,"
	 "STANDARD"},
	{"Limit columns (-l)", lim_cols, TOOL_N(lim_cols), NULL},
	{"Option columns (-O)", opt_cols, TOOL_N(opt_cols), NULL},
	{NULL, NULL, 0, NULL},
};

struct opts {
	bool json, noheadings, raw;
	const char *output;
};

/* libsmartcols prints "yes" as JSON true and "no" as false. */
static const char *yesno(bool b)
{
	return b ? "yes" : "no";
}

static struct libscols_table *new_table(const struct opts *o, const char *name)
{
	return tool_table(name, o->json, o->noheadings, o->raw);
}

/* "channel region": what F's addresses open (its role capabilities). */
static void roles(char *buf, size_t n, const struct ipcx_facility *f)
{
	static const struct {
		unsigned cap;
		const char *name;
	} r[] = {{IPCX_CAP_CHANNEL, "channel"},
		 {IPCX_CAP_REGION, "region"},
		 {IPCX_CAP_SEM, "sem"},
		 {IPCX_CAP_LOCK, "lock"}};
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(r) / sizeof(*r); i++)
		if ((f->caps & r[i].cap) && len < n)
			len += (size_t)snprintf(buf + len, n - len, "%s%s",
						len ? " " : "", r[i].name);
}

static void fill_facility(struct libscols_line *ln, const int *sel, int n,
			  const struct ipcx_facility *f)
{
	char rl[64];

	for (int i = 0; i < n; i++) {
		const char *v = NULL;
		switch (sel[i]) {
		case F_SCHEME: v = f->scheme; break;
		case F_TITLE: v = f->title; break;
		case F_SEMANTICS: v = ipcx_semantics_name(f->semantics); break;
		case F_NAME: v = f->name; break;
		case F_HANDLE: v = f->handle; break;
		case F_NETWORK: v = yesno(f->caps & IPCX_CAP_NETWORK); break;
		case F_POLL: v = yesno(f->caps & IPCX_CAP_POLL); break;
		case F_PAIR: v = yesno(f->caps & IPCX_CAP_PAIR); break;
		case F_LISTEN: v = yesno(f->caps & IPCX_CAP_LISTEN); break;
		case F_STANDARD: v = f->standard; break;
		case F_ROLES:
			roles(rl, sizeof(rl), f);
			v = rl;
			break;
		default: break;
		}
		if (v)
			scols_line_set_data(ln, (size_t)i, v);
	}
}

static void fill_limit(struct libscols_line *ln, const int *sel, int n,
		       const struct ipcx_facility *f,
		       const struct ipcx_limit *l, bool json)
{
	char num[32], used[32];

	if (l->value < 0)
		snprintf(num, sizeof(num), json ? "null" : "?");
	else
		snprintf(num, sizeof(num), "%lld", l->value);
	if (!l->used_known || l->used < 0)
		snprintf(used, sizeof(used), json ? "null" : "-");
	else
		snprintf(used, sizeof(used), "%lld", l->used);
	for (int i = 0; i < n; i++) {
		const char *v = NULL;
		switch (sel[i]) {
		case F_SCHEME: v = f->scheme; break;
		case F_LIMIT: v = l->name; break;
		case F_VALUE: v = num; break;
		case F_USED: v = used; break;
		case F_UNIT: v = l->unit; break;
		case F_SOURCE: v = l->source; break;
		default: break;
		}
		if (v)
			scols_line_set_data(ln, (size_t)i, v);
	}
}

static void fill_option(struct libscols_line *ln, const int *sel, int n,
			const struct ipcx_facility *f,
			const struct ipcx_option *op)
{
	for (int i = 0; i < n; i++) {
		const char *v = NULL;
		switch (sel[i]) {
		case F_SCHEME: v = f->scheme; break;
		case F_OPTION: v = op->name; break;
		case F_VALUES: v = op->value; break;
		case F_DEFAULT: v = op->def; break;
		case F_HELP: v = op->help; break;
		default: break;
		}
		if (v)
			scols_line_set_data(ln, (size_t)i, v);
	}
}

struct limit_rows {
	struct libscols_table *tb;
	const int *sel;
	int n;
	const struct ipcx_facility *f;
	bool json;
};

static int add_limit(const struct ipcx_limit *l, void *arg)
{
	const struct limit_rows *r = arg;

	fill_limit(scols_table_new_line(r->tb, NULL), r->sel, r->n, r->f, l,
		   r->json);
	return 0;
}

/* Prints TB; in JSON mode collects the body for one combined object. */
static int emit(struct libscols_table *tb, const struct opts *o, bool *first,
		bool last)
{
	char *s = NULL;

	if (!o->json) {
		if (!*first)
			putchar('\n');
		*first = false;
		return scols_print_table(tb);
	}
	/* libsmartcols prints {"name": [...]} per table: join the bodies
	 * into one object so that the output stays one JSON document. */
	if (scols_print_table_to_string(tb, &s) < 0 || !s)
		return -1;
	char *open = strchr(s, '{'), *close = strrchr(s, '}');
	if (open && close && close > open) {
		*close = '\0';
		printf("%s%s", *first ? "{" : ",", open + 1);
		*first = false;
		if (last)
			printf("}\n");
	}
	free(s);
	return 0;
}

static int run(int argc, char **argv)
{
	const struct ipcx_facility *sel_fac[64];
	struct opts o = {0};
	bool limits_only = false, options_only = false, first = true;
	bool list_columns = false;
	int fsel[16], lsel[16], osel[16];
	size_t nfac = 0;
	int opt, nf = 0, nl = 0, no = 0, st = EXIT_FAIL;

	int ost = EXIT_USAGE;
	while ((opt = tool_getopt(&cmd_info, argc, argv, "lOJo:Hnrh", longopts,
				  &ost)) != -1) {
		switch (opt) {
		case 'H': list_columns = true; break;
		case 'l': limits_only = true; break;
		case 'O': options_only = true; break;
		case 'J': o.json = true; break;
		case 'o': o.output = optarg; break;
		case 'n': o.noheadings = true; break;
		case 'r': o.raw = true; break;
		case 'h': tool_help(&cmd_info, stdout); return EXIT_OK;
		default: return ost;
		}
	}
	if (optind < argc) {
		for (int i = optind; i < argc && nfac < 64; i++) {
			const struct ipcx_facility *f =
				ipcx_facility_find(argv[i]);
			if (!f)
				return tool_usage(&cmd_info,
						  "unknown scheme '%s'",
						  argv[i]);
			sel_fac[nfac++] = f;
		}
	} else {
		for (size_t i = 0; nfac < 64 && ipcx_facility_at(i); i++)
			sel_fac[nfac++] = ipcx_facility_at(i);
	}

	if (limits_only && options_only)
		return tool_usage(&cmd_info, "-l and -O each show one table");
	if (list_columns)
		return tool_list_columns(&tables[limits_only	? 1
						 : options_only ? 2
								: 0],
					 o.json, o.noheadings, o.raw);
	struct libscols_table *ft = NULL, *lt = NULL, *ot = NULL;
	/* The options of the schemes named (or, with -O, of all). */
	if (options_only || (optind < argc && !limits_only && !o.output)) {
		ot = new_table(&o, "options");
		no = ot ? tool_columns(ot, &tables[2],
				       options_only ? o.output : NULL, osel,
				       &cmd_info)
			: -1;
		if (no < 0) {
			st = EXIT_USAGE;
			goto out;
		}
		for (size_t i = 0; i < nfac; i++) {
			const struct ipcx_option *op;
			for (size_t k = 0;
			     (op = ipcx_facility_option(sel_fac[i], k)); k++)
				fill_option(scols_table_new_line(ot, NULL),
					    osel, no, sel_fac[i], op);
		}
		if (options_only) {
			st = emit(ot, &o, &first, true) < 0 ? EXIT_FAIL
							    : EXIT_OK;
			goto out;
		}
	}
	if (!limits_only) {
		ft = new_table(&o, "facilities");
		nf = ft ? tool_columns(ft, &tables[0], o.output, fsel,
				       &cmd_info)
			: -1;
		if (nf < 0) {
			st = EXIT_USAGE;
			goto out;
		}
		for (size_t i = 0; i < nfac; i++)
			fill_facility(scols_table_new_line(ft, NULL), fsel, nf,
				      sel_fac[i]);
	}
	/* -o picks columns of one table: the facilities, or -l's limits. */
	if (o.output && !limits_only) {
		st = emit(ft, &o, &first, true) < 0 ? EXIT_FAIL : EXIT_OK;
		goto out;
	}
	lt = new_table(&o, "limits");
	nl = lt ? tool_columns(lt, &tables[1], limits_only ? o.output : NULL,
			       lsel, &cmd_info)
		: -1;
	if (nl < 0) {
		st = EXIT_USAGE;
		goto out;
	}
	for (size_t i = 0; i < nfac; i++) {
		struct limit_rows lr = {lt, lsel, nl, sel_fac[i], o.json};
		ipcx_facility_limits(sel_fac[i], add_limit, &lr);
	}
	if (ft && emit(ft, &o, &first, false) < 0)
		goto out;
	if (ot && emit(ot, &o, &first, false) < 0)
		goto out;
	if (emit(lt, &o, &first, true) < 0)
		goto out;
	st = EXIT_OK;
out:
	scols_unref_table(ft);
	scols_unref_table(ot);
	scols_unref_table(lt);
	return st;
}

const struct command cmd_info = {
	.name = "info",
	.fn = run,
	.min_args = 0,
	.max_args = -1,
	.summary = "the facilities side by side, with this system's limits",
	.tables = tables,
	.usage = usage,
};
