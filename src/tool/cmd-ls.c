/* SPDX-License-Identifier: MIT */
/* ipcx ls and ipcx rm: every live IPC object of this system, and removal. */
#include "tool.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <libsmartcols.h>
#include <limits.h>
#include <pwd.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

static const char ls_usage[] =
	"Usage: ipcx ls [OPTIONS] [SCHEME...]\n"
	"\n"
	"List every live IPC object of this system (or of the SCHEMEs named):\n"
	"System V queues, semaphore sets and segments, POSIX shared memory,\n"
	"semaphores and queues, UNIX sockets with a name, FIFOs held open,\n"
	"flock() and fcntl() locks; with their owner, mode, size and the\n"
	"processes that hold them.  ADDRESS is what any ipcx command takes.\n"
	"\n"
	"Options:\n"
	"  -s, --stale         only leftovers: nobody holds them and the\n"
	"                      processes known to have used them are dead\n"
	"      --unheld        (also) those nobody holds that record no\n"
	"                      creator to judge by (POSIX objects; System V\n"
	"                      queues and sets never used)\n"
	"      --older-than AGE with -s or --unheld: only those unchanged\n"
	"                      for AGE (N, Ns, Nm, Nh, Nd; default 1h)\n"
	"  -u, --user USER     only objects USER owns (name or uid)\n"
	"      --ns PID        the objects of PID's IPC, mount and network\n"
	"                      namespaces (a container's; needs root)\n"
	"  -b, --bytes         sizes in bytes, not K/M/G\n"
	"  -J, --json          JSON output (typed: numbers, true/false,\n"
	"                      null where nothing is known)\n"
	"  -o, --output COLS   columns to show, comma-separated; +COLS adds\n"
	"                      them to the default ones\n"
	"  -H, --list-columns  list the columns\n"
	"  -n, --noheadings    do not print headings\n"
	"  -r, --raw           raw output (no alignment)\n"
	"  -h, --help          show this help\n"
	"  -V, --version       show the version\n"
	"\n"
	"The table ends with the System V ids in use against their limits\n"
	"and the room used in /dev/shm.  What 'stale' means for each\n"
	"facility: ipcx(1).\n";

static const char rm_usage[] =
	"Usage: ipcx rm [OPTIONS] ADDR...\n"
	"       ipcx rm --stale|--unheld [--older-than AGE] [OPTIONS] "
	"[SCHEME...]\n"
	"\n"
	"Remove the objects ADDR names (IPC_RMID, shm_unlink, mq_unlink,\n"
	"sem_unlink, unlink of a socket or FIFO), or every leftover that\n"
	"'ipcx ls --stale' lists.  An address of another kind than what is\n"
	"there is refused, and so is an object a live process holds.\n"
	"Only your own objects, unless you are root.\n"
	"\n"
	"Options:\n"
	"  -s, --stale     remove the leftovers (of the SCHEMEs named)\n"
	"      --unheld    (also) remove what nobody holds and records no\n"
	"                  creator: only when you mean it\n"
	"      --older-than AGE  only what is unchanged for AGE (N, Ns, Nm,\n"
	"                  Nh, Nd; default 1h)\n"
	"  -f, --force     remove also what a live process holds\n"
	"      --dry-run   print what would be removed, remove nothing\n"
	"  -v, --verbose   print each address removed\n"
	"  -h, --help      show this help\n"
	"  -V, --version   show the version\n";

enum col {
	C_FACILITY,
	C_ADDRESS,
	C_KEY,
	C_ID,
	C_OWNER,
	C_PERMS,
	C_MODE,
	C_SIZE,
	C_VALUE,
	C_HOLDERS,
	C_CREATOR,
	C_LAST,
	C_CHANGED,
	C_STALE,
	C_UNHELD,
	C_DETAIL,
};

static const struct tool_col cols[] = {
	{"FACILITY", C_FACILITY, 0.08, 0, SCOLS_JSON_STRING, "the scheme"},
	{"ADDRESS", C_ADDRESS, 0.3, SCOLS_FL_NOEXTREMES, SCOLS_JSON_STRING,
	 "the object's address (what any ipcx command takes)"},
	{"KEY", C_KEY, 0.06, SCOLS_FL_RIGHT, SCOLS_JSON_NUMBER,
	 "System V key (0x00000000: IPC_PRIVATE)"},
	{"ID", C_ID, 0.05, SCOLS_FL_RIGHT, SCOLS_JSON_NUMBER,
	 "System V id, or inode"},
	{"OWNER", C_OWNER, 0.06, 0, SCOLS_JSON_STRING, "its owner"},
	{"PERMS", C_PERMS, 0.04, 0, SCOLS_JSON_STRING, "permission bits"},
	{"MODE", C_MODE, 0.04, 0, SCOLS_JSON_STRING,
	 "a lock's mode: READ or WRITE"},
	{"SIZE", C_SIZE, 0.06, SCOLS_FL_RIGHT, SCOLS_JSON_NUMBER,
	 "bytes (memory), messages (queues) or semaphores"},
	{"VALUE", C_VALUE, 0.05, SCOLS_FL_RIGHT, SCOLS_JSON_ARRAY_NUMBER,
	 "a semaphore's value (a set's, each)"},
	{"HOLDERS", C_HOLDERS, 0.2, SCOLS_FL_WRAP, SCOLS_JSON_STRING,
	 "pid(command) of the processes that hold it"},
	{"CREATOR", C_CREATOR, 0.05, SCOLS_FL_RIGHT, SCOLS_JSON_NUMBER,
	 "the creating pid"},
	{"LAST", C_LAST, 0.05, SCOLS_FL_RIGHT, SCOLS_JSON_NUMBER,
	 "the last pid to use it"},
	{"CHANGED", C_CHANGED, 0.1, 0, SCOLS_JSON_STRING,
	 "last change or use (JSON: ISO 8601)"},
	{"STALE", C_STALE, 0.03, 0, SCOLS_JSON_BOOLEAN,
	 "a leftover (see --stale)"},
	{"UNHELD", C_UNHELD, 0.03, 0, SCOLS_JSON_BOOLEAN,
	 "nobody holds it, no creator recorded (see --unheld)"},
	{"DETAIL", C_DETAIL, 0.1, SCOLS_FL_TRUNC, SCOLS_JSON_STRING,
	 "what else the facility says"},
};
#define NCOLS TOOL_N(cols)

static const struct tool_cols ls_tables[] = {
	{"Columns", cols, NCOLS,
	 "FACILITY,ADDRESS,ID,OWNER,PERMS,SIZE,HOLDERS,CREATOR,CHANGED,STALE,"
	 "UNHELD"},
	{NULL, NULL, 0, NULL},
};

/* What --stale, --unheld and --older-than select (ls and rm). */
struct cleanup {
	bool stale, unheld;
	long long older_s; /* seconds unchanged */
};

/* The default age: an object changed within the hour may be one a live
 * program made for later use. */
#define DEFAULT_OLDER_S 3600

static bool selected(const struct ipcx_object *o, const struct cleanup *c)
{
	if (!((c->stale && o->stale) || (c->unheld && o->unheld)))
		return false;
	/* No time recorded: not known to be old. */
	return o->changed > 0 &&
	       (long long)time(NULL) - o->changed >= c->older_s;
}

/* AGE: N seconds, or N with s, m, h or d; -1 when it is not one. */
static long long parse_age(const char *s)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	long long unit = !*end		     ? 1
			 : !strcmp(end, "s") ? 1
			 : !strcmp(end, "m") ? 60
			 : !strcmp(end, "h") ? 3600
			 : !strcmp(end, "d") ? 86400
					     : 0;
	if (errno || end == s || v < 0 || !unit || v > LLONG_MAX / unit)
		return -1;
	return v * unit;
}

/* --older-than ARG of CMD into C; false after a usage message. */
static bool set_age(const struct command *cmd, const char *arg,
		    struct cleanup *c)
{
	if ((c->older_s = parse_age(arg)) >= 0)
		return true;
	tool_usage(cmd,
		   "--older-than wants an age (N, Ns, Nm, Nh, Nd), not '%s'",
		   arg);
	return false;
}

struct ls {
	struct libscols_table *tb;
	int sel[NCOLS];
	int ncols;
	bool json, bytes;
	struct cleanup only; /* -s / --unheld: only those */
	long long uid;	     /* -1: anyone */
	size_t shown;
};

static void human(char *buf, size_t n, long long v, const char *unit,
		  bool bytes)
{
	static const char sfx[] = "KMGTP";

	if (v < 0) {
		buf[0] = '\0';
		return;
	}
	if (strcmp(unit, "bytes")) {
		bool msg = !strcmp(unit, "messages");
		snprintf(buf, n, "%lld %s%s", v, msg ? "msg" : "sem",
			 v == 1 ? "" : "s");
		return;
	}
	if (bytes || v < 1024) {
		snprintf(buf, n, "%lld", v);
		return;
	}
	double d = (double)v;
	int i = -1;
	while (d >= 1024 && i < 4) {
		d /= 1024;
		i++;
	}
	snprintf(buf, n, d < 10 ? "%.1f%c" : "%.0f%c", d, sfx[i]);
}

static void owner(char *buf, size_t n, long long uid)
{
	/* The last few answers: a listing has few owners and many rows,
	 * and each getpwuid() may read /etc/passwd. */
	static struct {
		long long uid;
		char name[64];
	} seen[8];
	static unsigned next;
	struct passwd *pw;

	if (uid < 0) {
		buf[0] = '\0';
		return;
	}
	for (unsigned i = 0; i < next && i < 8; i++)
		if (seen[i].uid == uid) {
			snprintf(buf, n, "%s", seen[i].name);
			return;
		}
	if ((pw = getpwuid((uid_t)uid)))
		snprintf(buf, n, "%s", pw->pw_name);
	else
		snprintf(buf, n, "%lld", uid);
	seen[next % 8].uid = uid;
	snprintf(seen[next % 8].name, sizeof(seen[0].name), "%s", buf);
	next++;
}

static void holders(char *buf, size_t n, const struct ipcx_object *o)
{
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < o->nholders && len + 1 < n; i++) {
		const struct ipcx_holder *h = ipcx_object_holder(o, i);
		int w = snprintf(buf + len, n - len, "%s%d(%s)", i ? "," : "",
				 (int)h->pid, h->comm);
		if (w > 0 && h->other_ns && len + (size_t)w < n)
			w += snprintf(buf + len + (size_t)w,
				      n - len - (size_t)w, "[ipc:%llu]",
				      h->ipc_ns);
		if (w < 0)
			break;
		len += (size_t)w;
	}
	if (len >= n)
		buf[n - 1] = '\0';
	if (!o->nholders && o->attached > 0)
		snprintf(buf, n, "%lld attached", o->attached);
	else if (!o->nholders && !o->holders_known)
		snprintf(buf, n, "-");
}

static void set(struct libscols_line *ln, int i, const char *v)
{
	if (v && *v)
		scols_line_set_data(ln, (size_t)i, v);
}

/* The semaphore values of O, comma-separated; "" when none known. */
static void values(char *buf, size_t n, const struct ipcx_object *o)
{
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < o->nvalues && len + 1 < n; i++) {
		int w = snprintf(buf + len, n - len, "%s%lld", i ? "," : "",
				 ipcx_object_value(o, i));
		if (w < 0)
			break;
		len += (size_t)w;
	}
	if (len >= n)
		buf[n - 1] = '\0';
}

/* One cell of the table (text; "" leaves it empty). */
static void cell(char *buf, size_t n, int col, const struct ipcx_object *o,
		 const struct ls *s)
{
	buf[0] = '\0';
	switch (col) {
	case C_FACILITY: snprintf(buf, n, "%s", o->facility->scheme); break;
	case C_ADDRESS: snprintf(buf, n, "%s", o->address); break;
	case C_KEY:
		if (o->key >= 0)
			snprintf(buf, n, "0x%08llx", o->key);
		break;
	case C_ID:
		if (o->id >= 0)
			snprintf(buf, n, "%lld", o->id);
		break;
	case C_OWNER: owner(buf, n, o->uid); break;
	case C_PERMS:
		if (o->mode >= 0)
			snprintf(buf, n, "%04o", o->mode);
		break;
	case C_MODE:
		if (o->lock_mode)
			snprintf(buf, n, "%s", o->lock_mode);
		break;
	case C_SIZE: human(buf, n, o->size, o->size_unit, s->bytes); break;
	case C_VALUE: values(buf, n, o); break;
	case C_HOLDERS: holders(buf, n, o); break;
	case C_CREATOR:
		if (o->creator > 0)
			snprintf(buf, n, "%d", (int)o->creator);
		break;
	case C_LAST:
		if (o->last > 0)
			snprintf(buf, n, "%d", (int)o->last);
		break;
	case C_CHANGED:
		if (o->changed > 0) {
			time_t t = (time_t)o->changed;
			struct tm tm;
			localtime_r(&t, &tm);
			strftime(buf, n, "%Y-%m-%d %H:%M:%S", &tm);
		}
		break;
	case C_STALE: snprintf(buf, n, "%s", o->stale ? "yes" : ""); break;
	case C_UNHELD: snprintf(buf, n, "%s", o->unheld ? "yes" : ""); break;
	case C_DETAIL: snprintf(buf, n, "%s", o->detail); break;
	}
}

static void json_text(const char *key, const char *v, bool first)
{
	printf("%s\"%s\": ", first ? "" : ", ", key);
	if (v && *v)
		tool_json_string(stdout, (const unsigned char *)v, strlen(v));
	else
		printf("null");
}

static void json_number(const char *key, long long v, bool known, bool first)
{
	printf("%s\"%s\": ", first ? "" : ", ", key);
	if (known)
		printf("%lld", v);
	else
		printf("null");
}

/* One object as JSON, its fields typed: numbers, true/false, null where
 * nothing is known, times in ISO 8601 with the zone, holders an array of
 * {pid, command}. */
static void json_row(const struct ipcx_object *o, const struct ls *s)
{
	char buf[1024];

	printf("%s\n    {", s->shown > 1 ? "," : "");
	for (int i = 0; i < s->ncols; i++) {
		bool first = i == 0;
		const char *sep = first ? "" : ", ";
		switch (s->sel[i]) {
		case C_FACILITY:
			json_text("facility", o->facility->scheme, first);
			break;
		case C_ADDRESS: json_text("address", o->address, first); break;
		case C_KEY:
			json_number("key", o->key, o->key >= 0, first);
			break;
		case C_ID: json_number("id", o->id, o->id >= 0, first); break;
		case C_OWNER:
			owner(buf, sizeof(buf), o->uid);
			json_text("owner", buf, first);
			json_number("uid", o->uid, o->uid >= 0, false);
			break;
		case C_PERMS:
			cell(buf, sizeof(buf), C_PERMS, o, s);
			json_text("perms", buf, first);
			break;
		case C_MODE: json_text("mode", o->lock_mode, first); break;
		case C_SIZE:
			json_number("size", o->size, o->size >= 0, first);
			json_text("size_unit", o->size_unit, false);
			break;
		case C_VALUE:
			printf("%s\"value\": ", sep);
			if (!o->nvalues) {
				printf("null");
				break;
			}
			printf("[");
			for (size_t k = 0; k < o->nvalues; k++)
				printf("%s%lld", k ? ", " : "",
				       ipcx_object_value(o, k));
			printf("]");
			break;
		case C_HOLDERS:
			printf("%s\"holders\": ", sep);
			if (!o->nholders && !o->holders_known) {
				printf("null");
			} else {
				printf("[");
				for (size_t k = 0; k < o->nholders; k++) {
					const struct ipcx_holder *h =
						ipcx_object_holder(o, k);
					printf("%s{\"pid\": %d, \"command\": ",
					       k ? ", " : "", (int)h->pid);
					tool_json_string(
						stdout,
						(const unsigned char *)h->comm,
						strlen(h->comm));
					printf("}");
				}
				printf("]");
			}
			json_number("attached", o->attached, o->attached >= 0,
				    false);
			break;
		case C_CREATOR:
			json_number("creator", o->creator, o->creator > 0,
				    first);
			break;
		case C_LAST:
			json_number("last", o->last, o->last > 0, first);
			break;
		case C_CHANGED:
			buf[0] = '\0';
			if (o->changed > 0) {
				time_t t = (time_t)o->changed;
				struct tm tm;
				localtime_r(&t, &tm);
				strftime(buf, sizeof(buf),
					 "%Y-%m-%dT%H:%M:%S%z", &tm);
				/* +0100 -> +01:00, as ISO 8601 writes it */
				size_t len = strlen(buf);
				if (len > 2 && len + 1 < sizeof(buf)) {
					memmove(buf + len - 1, buf + len - 2,
						3);
					buf[len - 2] = ':';
				}
			}
			json_text("changed", buf, first);
			break;
		case C_STALE:
			printf("%s\"stale\": %s", sep,
			       o->stale ? "true" : "false");
			break;
		case C_UNHELD:
			printf("%s\"unheld\": %s", sep,
			       o->unheld ? "true" : "false");
			break;
		case C_DETAIL: json_text("detail", o->detail, first); break;
		}
	}
	printf("}");
}

static int add_row(const struct ipcx_object *o, void *arg)
{
	struct ls *s = arg;
	struct libscols_line *ln;
	char buf[1024];

	if (((s->only.stale || s->only.unheld) && !selected(o, &s->only)) ||
	    (s->uid >= 0 && o->uid != s->uid))
		return 0;
	s->shown++;
	if (s->json) {
		json_row(o, s);
		return 0;
	}
	if (!(ln = scols_table_new_line(s->tb, NULL)))
		return -ENOMEM;
	for (int i = 0; i < s->ncols; i++) {
		cell(buf, sizeof(buf), s->sel[i], o, s);
		set(ln, i, buf);
	}
	return 0;
}

/* The parenthesised part of NAME ("SHMMNI" of "segments on the system
 * (SHMMNI)"), into BUF; NAME itself when it has none. */
static void short_name(char *buf, size_t n, const char *name)
{
	const char *o = strrchr(name, '('), *c = o ? strchr(o, ')') : NULL;

	if (o && c)
		snprintf(buf, n, "%.*s", (int)(c - o - 1), o + 1);
	else
		snprintf(buf, n, "%s", name);
}

struct used {
	char text[1024];
	size_t len;
};

static int summary_one(const struct ipcx_limit *l, void *arg)
{
	struct used *u = arg;
	char used[32], total[32], name[64];

	if (!l->used_known || l->used < 0)
		return 0;
	if (!strcmp(l->unit, "bytes")) {
		human(used, sizeof(used), l->used, "bytes", false);
		human(total, sizeof(total), l->value, "bytes", false);
	} else {
		snprintf(used, sizeof(used), "%lld", l->used);
		snprintf(total, sizeof(total), "%lld %s", l->value, l->unit);
	}
	short_name(name, sizeof(name), l->name);
	if (u->len < sizeof(u->text))
		u->len += (size_t)snprintf(
			u->text + u->len, sizeof(u->text) - u->len,
			"%s%s of %s (%s)", u->len ? ", " : "in use: ", used,
			total, name);
	return 0;
}

/* One line: what every facility whose use the system counts has in use,
 * against its limit (the library's limits: ipcx info -l), wrapped to the
 * terminal. */
static void summary(void)
{
	struct used u = {.len = 0};

	u.text[0] = '\0';
	for (size_t i = 0; ipcx_facility_at(i); i++)
		ipcx_facility_limits(ipcx_facility_at(i), summary_one, &u);
	if (u.len)
		tool_wrap(stdout, u.text, tool_termwidth(), 8);
}

/* Joins PID's IPC, mount and network namespaces (the network one for its
 * UNIX sockets, which /proc/net shows per namespace). */
static int enter_ns(const char *pid)
{
	static const struct {
		const char *name;
		int type;
		bool needed;
	} ns[] = {{"ipc", CLONE_NEWIPC, true},
		  {"net", CLONE_NEWNET, false},
		  {"mnt", CLONE_NEWNS, true}};
	char path[64];
	int fds[3];

	/* Open them all first: after the mount namespace changes, /proc
	 * may be another. */
	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "/proc/%s/ns/%s", pid, ns[i].name);
		if ((fds[i] = open(path, O_RDONLY | O_CLOEXEC)) < 0 &&
		    ns[i].needed) {
			tool_err("ipcx: --ns %s: %s: %s\n", pid, path,
				 strerror(errno));
			for (int k = 0; k < i; k++)
				if (fds[k] >= 0)
					close(fds[k]);
			return EXIT_FAIL;
		}
	}
	int st = EXIT_OK;
	for (int i = 0; i < 3; i++) {
		if (fds[i] < 0)
			continue;
		if (setns(fds[i], ns[i].type) < 0 && st == EXIT_OK) {
			tool_err("ipcx: --ns %s: joining its %s namespace: "
				 "%s%s\n",
				 pid, ns[i].name, strerror(errno),
				 errno == EPERM ? " (needs root)" : "");
			st = EXIT_FAIL;
		}
		close(fds[i]);
	}
	return st;
}

static const struct option ls_opts[] = {
	{"stale", no_argument, NULL, 's'},
	{"unheld", no_argument, NULL, 'U'},
	{"older-than", required_argument, NULL, 'A'},
	{"user", required_argument, NULL, 'u'},
	{"ns", required_argument, NULL, 'N'},
	{"bytes", no_argument, NULL, 'b'},
	{"json", no_argument, NULL, 'J'},
	{"output", required_argument, NULL, 'o'},
	{"list-columns", no_argument, NULL, 'H'},
	{"noheadings", no_argument, NULL, 'n'},
	{"raw", no_argument, NULL, 'r'},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

/* A uid from a user name or number; -1 after a usage message. */
static long long user_id(const char *u)
{
	struct passwd *pw = getpwnam(u);
	char *end;

	if (pw)
		return pw->pw_uid;
	long long v = strtoll(u, &end, 10);
	if (*u && !*end && v >= 0)
		return v;
	tool_usage(&cmd_ls, "unknown user '%s'", u);
	return -1;
}

/* Checks the SCHEME arguments: each must have objects to list. */
static bool schemes_ok(const struct command *cmd, int argc, char **argv)
{
	for (int i = 0; i < argc; i++) {
		const struct ipcx_facility *f = ipcx_facility_find(argv[i]);
		if (!f) {
			tool_usage(cmd, "unknown scheme '%s'", argv[i]);
			return false;
		}
	}
	return true;
}

/* Lists SCHEMES (all when none) into FN; warnings on stderr. */
static int list_all(int n, char **schemes, ipcx_list_fn fn, void *arg)
{
	char last[1024] = "", w[1024];
	int st = EXIT_OK;

	for (int i = 0; i < (n ? n : 1); i++) {
		int e = ipcx_list(n ? schemes[i] : NULL, IPCX_LIST_MOUNT, fn,
				  arg, w, sizeof(w));
		/* Each call may say the same of the processes: once. */
		if (*w && strcmp(w, last)) {
			tool_err("ipcx: %s\n", w);
			snprintf(last, sizeof(last), "%s", w);
		}
		if (e == -EOPNOTSUPP && n) {
			tool_err("ipcx: %s\n", ipcx_error_detail());
		} else if (e < 0) {
			st = tool_fail(e, n ? schemes[i] : "ls");
			break;
		}
	}
	return st;
}

static int run_ls(int argc, char **argv)
{
	struct ls s = {.uid = -1, .only.older_s = DEFAULT_OLDER_S};
	const char *output = NULL, *ns = NULL;
	bool noheadings = false, raw = false, aged = false, list = false;
	int opt, st;

	int ost = EXIT_USAGE;
	while ((opt = tool_getopt(&cmd_ls, argc, argv, "su:bJo:Hnrh", ls_opts,
				  &ost)) != -1) {
		switch (opt) {
		case 'H': list = true; break;
		case 's': s.only.stale = true; break;
		case 'U': s.only.unheld = true; break;
		case 'A':
			aged = true;
			if (!set_age(&cmd_ls, optarg, &s.only))
				return EXIT_USAGE;
			break;
		case 'u':
			if ((s.uid = user_id(optarg)) < 0)
				return EXIT_USAGE;
			break;
		case 'N':
			ns = optarg;
			if (strspn(ns, "0123456789") != strlen(ns) || !*ns ||
			    strlen(ns) > 10)
				return tool_usage(
					&cmd_ls,
					"--ns takes a process id, not "
					"'%s'",
					ns);
			break;
		case 'b': s.bytes = true; break;
		case 'J': s.json = true; break;
		case 'o': output = optarg; break;
		case 'n': noheadings = true; break;
		case 'r': raw = true; break;
		case 'h': tool_help(&cmd_ls, stdout); return EXIT_OK;
		default: return ost;
		}
	}
	if (aged && !s.only.stale && !s.only.unheld)
		return tool_usage(&cmd_ls, "--older-than goes with --stale or "
					   "--unheld");
	if (list)
		return tool_list_columns(&ls_tables[0], s.json, noheadings,
					 raw);
	if (!schemes_ok(&cmd_ls, argc - optind, argv + optind))
		return EXIT_USAGE;
	if (ns && (st = enter_ns(ns)) != EXIT_OK)
		return st;
	if (s.json) {
		/* Written here, typed (holders are objects, which a
		 * libsmartcols cell cannot be). */
		int idx[NCOLS];
		if ((s.ncols = tool_pick_columns(&ls_tables[0], output, idx,
						 &cmd_ls)) < 0)
			return EXIT_USAGE;
		for (int i = 0; i < s.ncols; i++)
			s.sel[i] = cols[idx[i]].field;
		printf("{\n  \"objects\": [");
		st = list_all(argc - optind, argv + optind, add_row, &s);
		printf("%s]\n}\n", s.shown ? "\n  " : "");
		return st;
	}
	if (!(s.tb = tool_table("objects", false, noheadings, raw)))
		return EXIT_FAIL;
	s.ncols = tool_columns(s.tb, &ls_tables[0], output, s.sel, &cmd_ls);
	if (s.ncols < 0) {
		scols_unref_table(s.tb);
		return EXIT_USAGE;
	}
	st = list_all(argc - optind, argv + optind, add_row, &s);
	if (st == EXIT_OK) {
		/* On a narrow terminal the default table leaves out what is
		 * least needed rather than break its lines. */
		static const char *const drop[] = {
			"CREATOR", "UNHELD", "CHANGED",	 "ID", "PERMS",
			"STALE",   "OWNER",  "FACILITY", NULL};
		char left[256] = "";
		if (!output && !raw)
			tool_fit(s.tb, drop, left, sizeof(left));
		scols_print_table(s.tb);
		if (!raw && !noheadings)
			summary();
		if (*left) {
			char say[512];
			snprintf(say, sizeof(say),
				 "(left out to fit %zu columns: %s; -o picks "
				 "the columns)",
				 tool_termwidth(), left);
			tool_wrap(stdout, say, tool_termwidth(), 1);
		}
	}
	scols_unref_table(s.tb);
	return st;
}

const struct command cmd_ls = {
	.name = "ls",
	.fn = run_ls,
	.min_args = 0,
	.max_args = -1,
	.summary = "every live IPC object, who holds it, and leftovers",
	.tables = ls_tables,
	.usage = ls_usage,
};

/* ---- rm ------------------------------------------------------------------ */

struct rm {
	bool force, dry_run, verbose;
	struct cleanup only; /* --stale / --unheld */
	int failed;
	/* the leftovers to remove */
	char (*addrs)[IPCX_ADDR_MAX];
	size_t n, cap;
};

static bool mine(const struct ipcx_object *o)
{
	return geteuid() == 0 || o->uid == (long long)geteuid();
}

/* Shown each leftover as it goes: 1 when it was taken up since it was
 * listed (ipcx_object_remove() keeps it). */
static int gone_since(const struct ipcx_object *o, void *arg)
{
	struct rm *r = arg;

	return !selected(o, &r->only);
}

static int collect_stale(const struct ipcx_object *o, void *arg)
{
	struct rm *r = arg;

	if (!selected(o, &r->only) || !mine(o))
		return 0;
	if (r->n == r->cap) {
		size_t c = r->cap ? r->cap * 2 : 64;
		void *p = realloc(r->addrs, c * sizeof(*r->addrs));
		if (!p)
			return -ENOMEM;
		r->addrs = p;
		r->cap = c;
	}
	snprintf(r->addrs[r->n++], IPCX_ADDR_MAX, "%s", o->address);
	return 0;
}

/* The library judges (held, another user's) and removes. */
static void remove_one(struct rm *r, const struct ipcx_addr *a)
{
	const char *addr = ipcx_addr_text(a);
	bool leftovers = r->only.stale || r->only.unheld;
	unsigned fl = IPCX_LIST_MOUNT | (r->force ? IPCX_REMOVE_FORCE : 0) |
		      (r->dry_run ? IPCX_REMOVE_CHECK : 0);
	int e = ipcx_object_remove_addr(a, fl, leftovers ? gone_since : NULL,
					r);

	if (e == 0) {
		if (r->dry_run)
			printf("would remove %s\n", addr);
		else if (r->verbose)
			printf("removed %s\n", addr);
		return;
	}
	r->failed++;
	if (e > 0)
		tool_err("ipcx: %s: not removed: no longer a leftover (used "
			 "since it was listed)\n",
			 addr);
	else if (e == -EBUSY)
		tool_err("ipcx: %s (--force removes it anyway)\n",
			 ipcx_error_detail());
	else
		tool_fail(e, addr);
}

static const struct option rm_opts[] = {
	{"stale", no_argument, NULL, 's'},
	{"unheld", no_argument, NULL, 'U'},
	{"older-than", required_argument, NULL, 'A'},
	{"force", no_argument, NULL, 'f'},
	{"dry-run", no_argument, NULL, 'D'},
	{"verbose", no_argument, NULL, 'v'},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

static int run_rm(int argc, char **argv)
{
	struct rm r = {.only.older_s = DEFAULT_OLDER_S};
	bool aged = false;
	int opt;

	int ost = EXIT_USAGE;
	while ((opt = tool_getopt(&cmd_rm, argc, argv, "sfvh", rm_opts,
				  &ost)) != -1) {
		switch (opt) {
		case 's': r.only.stale = true; break;
		case 'U': r.only.unheld = true; break;
		case 'A':
			aged = true;
			if (!set_age(&cmd_rm, optarg, &r.only))
				return EXIT_USAGE;
			break;
		case 'f': r.force = true; break;
		case 'D': r.dry_run = true; break;
		case 'v': r.verbose = true; break;
		case 'h': tool_help(&cmd_rm, stdout); return EXIT_OK;
		default: return ost;
		}
	}
	int n = argc - optind;
	char **args = argv + optind;
	bool cleanup = r.only.stale || r.only.unheld;
	if (!cleanup && aged)
		return tool_usage(&cmd_rm, "--older-than goes with --stale or "
					   "--unheld");
	if (!cleanup) {
		if (!n)
			return tool_usage(&cmd_rm,
					  "name the objects to remove, or "
					  "--stale");
		/* Every address is checked before anything is removed. */
		struct ipcx_addr **as = calloc((size_t)n, sizeof(*as));
		int st = as ? EXIT_OK : EXIT_FAIL;
		for (int i = 0; st == EXIT_OK && i < n; i++)
			st = tool_parse(&cmd_rm, args[i], NULL, 0, NULL,
					&as[i]);
		for (int i = 0; st == EXIT_OK && i < n; i++)
			remove_one(&r, as[i]);
		for (int i = 0; as && i < n; i++)
			ipcx_addr_free(as[i]);
		free(as);
		return st != EXIT_OK ? st : r.failed ? EXIT_FAIL : EXIT_OK;
	}
	if (r.force)
		return tool_usage(&cmd_rm, "--stale and --unheld remove only "
					   "what nobody holds: no --force "
					   "with them");
	if (!schemes_ok(&cmd_rm, n, args))
		return EXIT_USAGE;
	int st = list_all(n, args, collect_stale, &r);
	/* Each is looked at again as it goes: it may have been taken up
	 * since the listing. */
	for (size_t i = 0; st == EXIT_OK && i < r.n; i++) {
		struct ipcx_addr *a;
		if (tool_parse(&cmd_rm, r.addrs[i], NULL, 0, NULL, &a)) {
			r.failed++;
			continue;
		}
		remove_one(&r, a);
		ipcx_addr_free(a);
	}
	free(r.addrs);
	return st != EXIT_OK ? st : r.failed ? EXIT_FAIL : EXIT_OK;
}

const struct command cmd_rm = {
	.name = "rm",
	.fn = run_rm,
	.min_args = 0,
	.max_args = -1,
	.summary = "remove objects by address, or every leftover",
	.usage = rm_usage,
};
