/* SPDX-License-Identifier: MIT */
/* The address parser: SCHEME:TARGET[?OPT=VAL[&OPT=VAL]...]. */
#include "internal.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum opt_kind {
	K_BOOL,
	K_MODE,
	K_MS,
	K_FRAMING,
	K_UID,
	K_LONG,
	K_SIZE,
	K_WAIT,
	K_SIG
};

struct opt_desc {
	const char *name;
	unsigned bit;
	enum opt_kind kind;
	size_t off; /* into struct ipcx__opts */
};

#define O(n, b, k, f)                                   \
	{                                               \
		n, b, k, offsetof(struct ipcx__opts, f) \
	}
static const struct opt_desc opt_table[] = {
	O("create", IPCX__OPT_CREATE, K_BOOL, create),
	O("excl", IPCX__OPT_EXCL, K_BOOL, excl),
	O("mode", IPCX__OPT_MODE, K_MODE, mode),
	O("timeout", IPCX__OPT_TIMEOUT, K_MS, timeout),
	O("nonblock", IPCX__OPT_NONBLOCK, K_BOOL, nonblock),
	O("framing", IPCX__OPT_FRAMING, K_FRAMING, framing),
	O("listen", IPCX__OPT_LISTEN, K_BOOL, listen),
	O("connect", IPCX__OPT_CONNECT, K_BOOL, connect),
	O("allow-uid", IPCX__OPT_ALLOW_UID, K_UID, allow_uid),
	O("type", IPCX__OPT_TYPE, K_LONG, type),
	O("prio", IPCX__OPT_PRIO, K_LONG, prio),
	O("proj", IPCX__OPT_PROJ, K_LONG, proj),
	O("maxmsg", IPCX__OPT_MAXMSG, K_LONG, maxmsg),
	O("msgsize", IPCX__OPT_MSGSIZE, K_LONG, msgsize),
	O("size", IPCX__OPT_SIZE, K_SIZE, size),
	O("wait", IPCX__OPT_WAIT, K_WAIT, wait),
	O("nsems", IPCX__OPT_NSEMS, K_LONG, nsems),
	O("index", IPCX__OPT_INDEX, K_LONG, index),
	O("undo", IPCX__OPT_UNDO, K_BOOL, undo),
	O("start", IPCX__OPT_START, K_SIZE, start),
	O("len", IPCX__OPT_LEN, K_SIZE, len),
	O("ofd", IPCX__OPT_OFD, K_BOOL, ofd),
	O("sig", IPCX__OPT_SIG, K_SIG, sig),
};
#undef O

static int hexval(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	ch = tolower(ch);
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	return -1;
}

/* Decodes %XX escapes of S[0..len) into a new string. */
static int decode(const char *text, const char *s, size_t len, char **out)
{
	char *d = malloc(len + 1);
	size_t j = 0;

	if (!d)
		return -ENOMEM;
	for (size_t i = 0; i < len; i++) {
		if (s[i] != '%') {
			d[j++] = s[i];
			continue;
		}
		int hi = i + 1 < len ? hexval((unsigned char)s[i + 1]) : -1;
		int lo = i + 2 < len ? hexval((unsigned char)s[i + 2]) : -1;
		if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
			free(d);
			return ipcx__fail(EINVAL,
					  "bad escape '%.3s' in '%s' (use %%XX "
					  "with two hex digits, not %%00)",
					  s + i, text);
		}
		d[j++] = (char)(hi * 16 + lo);
		i += 2;
	}
	d[j] = '\0';
	*out = d;
	return 0;
}

static int parse_bool(const char *v, int *out)
{
	static const char *const yes[] = {"1", "yes", "true", "on"};
	static const char *const no[] = {"0", "no", "false", "off"};

	for (size_t i = 0; i < IPCX__ARRAY_SIZE(yes); i++) {
		if (!strcasecmp(v, yes[i]))
			return *out = 1, 0;
		if (!strcasecmp(v, no[i]))
			return *out = 0, 0;
	}
	return -1;
}

static int parse_ull(const char *v, int base, unsigned long long max,
		     unsigned long long *out, char **end)
{
	char *e;

	if (!isdigit((unsigned char)v[0]))
		return -1;
	errno = 0;
	unsigned long long n = strtoull(v, &e, base);
	if (errno || n > max)
		return -1;
	*out = n;
	*end = e;
	return 0;
}

static int parse_value(const struct opt_desc *d, const char *v,
		       struct ipcx__opts *o, const char *text)
{
	void *field = (char *)o + d->off;
	unsigned long long n;
	char *end;

	switch (d->kind) {
	case K_BOOL:
		if (parse_bool(v, field) == 0)
			return 0;
		return ipcx__fail(EINVAL,
				  "option '%s' wants 0 or 1, not '%s', in '%s'",
				  d->name, v, text);
	case K_MODE:
		if (parse_ull(v, 8, 0777, &n, &end) == 0 && !*end) {
			*(int *)field = (int)n;
			return 0;
		}
		return ipcx__fail(EINVAL,
				  "option 'mode' wants octal permission bits "
				  "(0 to 0777), not '%s', in '%s'",
				  v, text);
	case K_MS:
		if (parse_ull(v, 10, INT_MAX, &n, &end) == 0) {
			if (!strcmp(end, "s") && n <= INT_MAX / 1000)
				n *= 1000, end++;
			else if (!strcmp(end, "ms"))
				end += 2;
			if (!*end) {
				*(int *)field = (int)n;
				return 0;
			}
		}
		return ipcx__fail(EINVAL,
				  "option '%s' wants milliseconds (or Ns), "
				  "not '%s', in '%s'",
				  d->name, v, text);
	case K_WAIT: {
		static const char *const modes[] = {"adaptive", "spin",
						    "futex"};
		for (int i = 0; i < 3; i++)
			if (!strcmp(v, modes[i])) {
				*(int *)field = i;
				return 0;
			}
		return ipcx__fail(EINVAL,
				  "option 'wait' wants spin, futex or "
				  "adaptive, not '%s', in '%s'",
				  v, text);
	}
	case K_SIG: {
		int sig = ipcx_signal_parse(v);
		if (sig > 0) {
			*(int *)field = sig;
			return 0;
		}
		return ipcx__fail(EINVAL,
				  "option 'sig' wants a signal name or number "
				  "(USR1, SIGRTMIN+3, 35), not '%s', in '%s'",
				  v, text);
	}
	case K_FRAMING:
		if (!strcmp(v, "none") || !strcmp(v, "length")) {
			*(int *)field = v[0] == 'l';
			return 0;
		}
		return ipcx__fail(EINVAL,
				  "option 'framing' wants 'none' or 'length', "
				  "not '%s', in '%s'",
				  v, text);
	case K_LONG: {
		long long v2;
		bool neg = v[0] == '-';
		if (parse_ull(v + neg, 10, LLONG_MAX, &n, &end) == 0 && !*end) {
			v2 = neg ? -(long long)n : (long long)n;
			*(long long *)field = v2;
			return 0;
		}
		return ipcx__fail(EINVAL,
				  "option '%s' wants an integer, not '%s', "
				  "in '%s'",
				  d->name, v, text);
	}
	case K_SIZE: {
		/* Bytes, with K, M, G (powers of 1024) as util-linux takes. */
		static const char units[] = "KMGT";
		if (parse_ull(v, 10, LLONG_MAX, &n, &end) == 0) {
			const char *u =
				*end ? strchr(units, toupper(*end)) : NULL;
			int shift = u ? 10 * (int)(u - units + 1) : 0;
			if (u && (end[1] == '\0' ||
				  (!strcmp(end + 2, "B") && end[1] == 'i')))
				end = "";
			if (!*end && (n << shift >> shift) == n &&
			    (n << shift) <= (unsigned long long)LLONG_MAX) {
				*(long long *)field = (long long)(n << shift);
				return 0;
			}
		}
		return ipcx__fail(EINVAL,
				  "option '%s' wants bytes (with K, M, G), "
				  "not '%s', in '%s'",
				  d->name, v, text);
	}
	case K_UID:
		if (parse_ull(v, 10, (uid_t)-2, &n, &end) == 0 && !*end) {
			*(long long *)field = (long long)n;
			return 0;
		}
		if (*v) {
			struct passwd pw, *res = NULL;
			char buf[1024];
			if (getpwnam_r(v, &pw, buf, sizeof(buf), &res) == 0 &&
			    res) {
				*(long long *)field = res->pw_uid;
				return 0;
			}
		}
		return ipcx__fail(EINVAL,
				  "option 'allow-uid' wants a uid or a user "
				  "name, and '%s' is neither, in '%s'",
				  v, text);
	}
	return -EINVAL;
}

static int parse_option(const struct ipcx_facility_ops *ops, const char *s,
			size_t len, struct ipcx__opts *o, const char *text)
{
	const char *eq = memchr(s, '=', len);
	size_t nlen = eq ? (size_t)(eq - s) : len;
	const struct opt_desc *d = NULL;
	char *val = NULL;
	int r;

	if (nlen == 0)
		return ipcx__fail(EINVAL, "empty option name in '%s'", text);
	for (size_t i = 0; i < IPCX__ARRAY_SIZE(opt_table); i++)
		if (strlen(opt_table[i].name) == nlen &&
		    !memcmp(opt_table[i].name, s, nlen))
			d = &opt_table[i];
	if (!d)
		return ipcx__fail(EINVAL, "unknown option '%.*s' in '%s'",
				  (int)nlen, s, text);
	if (!(ops->options & d->bit))
		return ipcx__fail(EINVAL,
				  "option '%s' does not apply to %s: in '%s'",
				  d->name, ops->info.scheme, text);
	if (o->given & d->bit)
		return ipcx__fail(EINVAL, "option '%s' given twice in '%s'",
				  d->name, text);
	o->given |= d->bit;
	if (!eq) {
		if (d->kind != K_BOOL)
			return ipcx__fail(EINVAL,
					  "option '%s' needs a value in '%s'",
					  d->name, text);
		*(int *)((char *)o + d->off) = 1;
		return 0;
	}
	r = decode(text, eq + 1, len - nlen - 1, &val);
	if (r < 0)
		return r;
	if (!*val)
		r = ipcx__fail(EINVAL, "option '%s' has an empty value in '%s'",
			       d->name, text);
	else
		r = parse_value(d, val, o, text);
	free(val);
	return r;
}

static void opts_init(struct ipcx__opts *o)
{
	*o = (struct ipcx__opts){
		.create = IPCX__UNSET,
		.excl = IPCX__UNSET,
		.nonblock = IPCX__UNSET,
		.listen = IPCX__UNSET,
		.connect = IPCX__UNSET,
		.framing = IPCX__UNSET,
		.mode = IPCX__UNSET,
		.timeout = IPCX__UNSET,
		.wait = IPCX__UNSET,
		.allow_uid = IPCX__UNSET_LL,
		.type = IPCX__UNSET_LL,
		.prio = IPCX__UNSET_LL,
		.proj = IPCX__UNSET_LL,
		.maxmsg = IPCX__UNSET_LL,
		.size = IPCX__UNSET_LL,
		.msgsize = IPCX__UNSET_LL,
		.nsems = IPCX__UNSET_LL,
		.index = IPCX__UNSET_LL,
		.undo = IPCX__UNSET,
		.start = IPCX__UNSET_LL,
		.len = IPCX__UNSET_LL,
		.ofd = IPCX__UNSET,
		.sig = IPCX__UNSET,
	};
}

/* Parses "a=1&b=2" (S, up to its end) into O. */
static int parse_options(const struct ipcx_facility_ops *ops, const char *s,
			 struct ipcx__opts *o, const char *text)
{
	for (;;) {
		const char *amp = strchr(s, '&');
		size_t len = amp ? (size_t)(amp - s) : strlen(s);
		int r = parse_option(ops, s, len, o, text);
		if (r < 0)
			return r;
		if (!amp)
			return 0;
		s = amp + 1;
	}
}

/* Fills what the address left unset from the defaults. */
static void opts_merge(struct ipcx__opts *o, const struct ipcx__opts *d)
{
	for (size_t i = 0; i < IPCX__ARRAY_SIZE(opt_table); i++) {
		const struct opt_desc *od = &opt_table[i];
		if (!(d->given & od->bit) || (o->given & od->bit))
			continue;
		if (od->kind == K_UID || od->kind == K_LONG ||
		    od->kind == K_SIZE)
			*(long long *)((char *)o + od->off) =
				*(const long long *)((const char *)d + od->off);
		else
			*(int *)((char *)o + od->off) =
				*(const int *)((const char *)d + od->off);
		o->given |= od->bit;
	}
}

static int check_opts(const struct ipcx__opts *o, const char *text)
{
	if (o->excl == 1 && o->create == 0)
		return ipcx__fail(EINVAL,
				  "excl=1 needs create, not create=0, in '%s'",
				  text);
	if (o->listen == 1 && o->connect == 1)
		return ipcx__fail(EINVAL,
				  "listen=1 and connect=1 contradict each "
				  "other in '%s'",
				  text);
	return 0;
}

int ipcx__addr_parse(const char *text, const char *defaults, bool pair,
		     struct ipcx__addr *a)
{
	const char *colon, *q = NULL, *p;
	size_t slen;
	int r;

	memset(a, 0, sizeof(*a));
	a->text = text;
	opts_init(&a->opt);
	if (!text)
		return ipcx__fail(EINVAL, "no address given");
	colon = strchr(text, ':');
	if (!colon && !pair)
		return ipcx__fail(EINVAL,
				  "'%s' has no scheme: addresses are "
				  "SCHEME:TARGET, e.g. 'unix:/tmp/s'",
				  text);
	slen = colon ? (size_t)(colon - text) : strlen(text);
	if (slen == 0)
		return ipcx__fail(EINVAL, "empty scheme in '%s'", text);
	a->ops = ipcx__facility_ops(text, slen);
	if (!a->ops)
		return ipcx__fail(EINVAL,
				  "unknown scheme '%.*s' in '%s' "
				  "('ipcx info' lists them)",
				  (int)slen, text, text);
	p = colon ? colon + 1 : text + slen;
	if (a->ops->no_options && !pair) {
		a->target = strdup(p);
		if (!a->target)
			return -ENOMEM;
	} else {
		q = strchr(p, '?');
		r = decode(text, p, q ? (size_t)(q - p) : strlen(p),
			   &a->target);
		if (r < 0)
			return r;
		if (pair && a->target[0]) {
			r = ipcx__fail(EINVAL,
				       "'%s': a pair has no target, only "
				       "options (e.g. 'unix:?framing=length')",
				       text);
			goto fail;
		}
		if (q && (r = parse_options(a->ops, q + 1, &a->opt, text)) < 0)
			goto fail;
	}
	if (defaults && *defaults) {
		struct ipcx__opts d;
		opts_init(&d);
		r = parse_options(a->ops, defaults, &d, text);
		if (r < 0)
			goto fail;
		opts_merge(&a->opt, &d);
	}
	r = check_opts(&a->opt, text);
	if (r < 0)
		goto fail;
	if (a->ops->parse && !pair) {
		r = a->ops->parse(a);
		if (r < 0)
			goto fail;
	}
	return 0;
fail:
	ipcx__addr_release(a);
	return r;
}

void ipcx__addr_release(struct ipcx__addr *a)
{
	free(a->target);
	a->target = NULL;
}

unsigned ipcx__addr_flags(const struct ipcx__addr *a, unsigned flags)
{
	const struct ipcx__opts *o = &a->opt;

#define APPLY(v, bit)                    \
	do {                             \
		if ((v) == 1)            \
			flags |= (bit);  \
		else if ((v) == 0)       \
			flags &= ~(bit); \
	} while (0)
	APPLY(o->create, IPCX_CREATE);
	APPLY(o->excl, IPCX_EXCL);
	APPLY(o->nonblock, IPCX_NONBLOCK);
	APPLY(o->listen, IPCX_LISTEN);
	APPLY(o->connect, IPCX_CONNECT);
#undef APPLY
	/* An explicit side wins over the caller's default. */
	if (o->listen == 1)
		flags &= ~IPCX_CONNECT;
	if (o->connect == 1)
		flags &= ~IPCX_LISTEN;
	if (flags & IPCX_EXCL)
		flags |= IPCX_CREATE;
	return flags;
}

int ipcx__check_path(struct ipcx__addr *a)
{
	if (!a->target[0])
		return ipcx__fail(EINVAL, "'%s' names no path", a->text);
	if (strlen(a->target) >= PATH_MAX)
		return ipcx__fail(EINVAL, "path too long in '%s'", a->text);
	return 0;
}

int ipcx_addr_check(const char *addr, const char *defaults)
{
	struct ipcx__addr a;
	int r = ipcx__addr_parse(addr, defaults, false, &a);

	if (r == 0)
		ipcx__addr_release(&a);
	return r;
}

int ipcx__check_posix_name(const struct ipcx__addr *a, const char *what)
{
	const char *t = a->target;
	size_t len = strlen(t);

	if (t[0] != '/' || len < 2)
		return ipcx__fail(EINVAL,
				  "'%s': a POSIX %s is named /name (one "
				  "leading slash)",
				  a->text, what);
	if (strchr(t + 1, '/'))
		return ipcx__fail(EINVAL,
				  "'%s': no slash may follow the leading one",
				  a->text);
	if (len - 1 > NAME_MAX)
		return ipcx__fail(EINVAL,
				  "'%s': the name is %zu bytes, more than "
				  "NAME_MAX (%d)",
				  a->text, len - 1, NAME_MAX);
	return 0;
}

int ipcx__addr_format(char *buf, size_t n, const char *scheme,
		      const char *target)
{
	size_t j = (size_t)snprintf(buf, n, "%s:", scheme);

	for (const unsigned char *c = (const unsigned char *)target; *c; c++) {
		/* What decode() would read otherwise: %, the options'
		 * '?', and bytes a shell or a terminal would mangle. */
		if (*c == '%' || *c == '?' || *c <= ' ' || *c >= 0x7f) {
			if (j + 3 < n)
				snprintf(buf + j, n - j, "%%%02X", *c);
			j += 3;
		} else {
			if (j + 1 < n)
				buf[j] = (char)*c;
			j++;
		}
	}
	if (n)
		buf[j < n ? j : n - 1] = '\0';
	return (int)j;
}
