/* SPDX-License-Identifier: MIT */
/* The address parser: SCHEME:TARGET[?OPT=VAL[&OPT=VAL]...]. */
#include "internal.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The options common to every scheme (IPCX__COMMON_* bits, in order). */
static const struct ipcx__opt common_opts[] = {
	{.pub = {"create", "0 or 1", "0 (the open call's IPCX_CREATE)",
		 "create the object when it does not exist (mode 0600)"},
	 .kind = IPCX__OPT_BOOL,
	 .roles = IPCX__ROLE_ALL,
	 .flag = IPCX_CREATE},
	{.pub = {"excl", "0 or 1", "0",
		 "with create: fail when the object exists"},
	 .kind = IPCX__OPT_BOOL,
	 .roles = IPCX__ROLE_ALL,
	 .flag = IPCX_EXCL},
	{.pub = {"mode", "octal permission bits, 0 to 0777", "0600",
		 "permissions of an object this open creates (exact: the "
		 "umask does not apply)"},
	 .kind = IPCX__OPT_MODE,
	 .roles = IPCX__ROLE_ALL,
	 .def = 0600},
	{.pub = {"timeout", "milliseconds (or Ns)", "none: wait forever",
		 "longest wait of any one operation (-ETIMEDOUT)"},
	 .kind = IPCX__OPT_MS,
	 .roles = IPCX__ROLE_CHAN | IPCX__ROLE_SEM | IPCX__ROLE_LOCK,
	 .max = INT_MAX},
	{.pub = {"nonblock", "0 or 1", "0",
		 "never wait: -EAGAIN where an operation would"},
	 .kind = IPCX__OPT_BOOL,
	 .roles = IPCX__ROLE_CHAN | IPCX__ROLE_SEM | IPCX__ROLE_LOCK,
	 .flag = IPCX_NONBLOCK},
	{.pub = {"intr", "0 or 1", "0",
		 "a signal handler that runs during a wait ends the call "
		 "(-EINTR, nothing sent or taken; else the wait goes on)"},
	 .kind = IPCX__OPT_BOOL,
	 .roles = IPCX__ROLE_CHAN,
	 .flag = IPCX_INTR},
};

/* Where a common option's value lives in an address. */
static int *common_field(struct ipcx_addr *a, size_t i)
{
	int *f[] = {&a->create,	 &a->excl,     &a->mode,
		    &a->timeout, &a->nonblock, &a->intr};
	return f[i];
}

static int common_value(const struct ipcx_addr *a, size_t i)
{
	const int f[] = {a->create,  a->excl,	  a->mode,
			 a->timeout, a->nonblock, a->intr};
	return f[i];
}

static size_t nopts(const struct ipcx__facility *ops)
{
	size_t n = 0;

	while (ops->opts && ops->opts[n])
		n++;
	return n;
}

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

/* Parses V as option D wants into *OUT; -1 when it is not that. */
static int parse_value(const struct ipcx__opt *d, const char *v, long long *out)
{
	unsigned long long n;
	char *end;
	int b;

	switch (d->kind) {
	case IPCX__OPT_BOOL:
		if (parse_bool(v, &b) < 0)
			return -1;
		*out = b;
		return 0;
	case IPCX__OPT_MODE:
		if (parse_ull(v, 8, 0777, &n, &end) < 0 || *end)
			return -1;
		*out = (long long)n;
		return 0;
	case IPCX__OPT_MS:
		if (parse_ull(v, 10, INT_MAX, &n, &end) < 0)
			return -1;
		if (!strcmp(end, "s") && n <= INT_MAX / 1000)
			n *= 1000, end++;
		else if (!strcmp(end, "ms"))
			end += 2;
		if (*end)
			return -1;
		*out = (long long)n;
		return 0;
	case IPCX__OPT_ENUM:
		for (int i = 0; d->names[i]; i++)
			if (!strcmp(v, d->names[i]))
				return *out = i, 0;
		return -1;
	case IPCX__OPT_CUSTOM: return d->parse(v, out);
	case IPCX__OPT_INT: {
		bool neg = v[0] == '-';
		if (parse_ull(v + neg, 10, LLONG_MAX, &n, &end) < 0 || *end)
			return -1;
		*out = neg ? -(long long)n : (long long)n;
		return 0;
	}
	case IPCX__OPT_SIZE: {
		/* Bytes, with K, M, G (powers of 1024) as util-linux takes. */
		static const char units[] = "KMGT";
		if (parse_ull(v, 10, LLONG_MAX, &n, &end) < 0)
			return -1;
		const char *u = *end ? strchr(units, toupper(*end)) : NULL;
		int shift = u ? 10 * (int)(u - units + 1) : 0;
		if (u && (end[1] == '\0' ||
			  (!strcmp(end + 2, "B") && end[1] == 'i')))
			end = "";
		if (*end || (n << shift >> shift) != n ||
		    (n << shift) > (unsigned long long)LLONG_MAX)
			return -1;
		*out = (long long)(n << shift);
		return 0;
	}
	}
	return -1;
}

/* Option I of A's scheme: the common ones first, then the facility's. */
static const struct ipcx__opt *opt_at(const struct ipcx__facility *ops,
				      size_t i)
{
	if (i < IPCX__ARRAY_SIZE(common_opts))
		return &common_opts[i];
	return ops->opts ? ops->opts[i - IPCX__ARRAY_SIZE(common_opts)] : NULL;
}

/* Parses "name[=value]" (S[0..LEN)) into A. */
static int parse_option(struct ipcx_addr *a, const char *s, size_t len,
			bool defaults)
{
	const struct ipcx__facility *ops = a->ops;
	const char *eq = memchr(s, '=', len);
	size_t nlen = eq ? (size_t)(eq - s) : len, i;
	const struct ipcx__opt *d = NULL;
	const char *text = a->text;
	char *val = NULL;
	long long v;
	int r;

	if (nlen == 0)
		return ipcx__fail(EINVAL, "empty option name in '%s'", text);
	for (i = 0; (d = opt_at(ops, i)); i++)
		if (strlen(d->pub.name) == nlen &&
		    !memcmp(d->pub.name, s, nlen))
			break;
	bool common = i < IPCX__ARRAY_SIZE(common_opts);
	if (!d || (common && !(ops->common & (1u << i)))) {
		/* Known elsewhere, or not at all. */
		for (size_t k = 0; !d && k < IPCX__ARRAY_SIZE(common_opts); k++)
			if (strlen(common_opts[k].pub.name) == nlen &&
			    !memcmp(common_opts[k].pub.name, s, nlen))
				d = &common_opts[k];
		for (size_t f = 0; !d && ipcx__facility_nth(f); f++) {
			const struct ipcx__facility *o = ipcx__facility_nth(f);
			for (size_t k = 0; !d && k < nopts(o); k++)
				if (strlen(o->opts[k]->pub.name) == nlen &&
				    !memcmp(o->opts[k]->pub.name, s, nlen))
					d = o->opts[k];
		}
		if (d)
			return ipcx__fail(EINVAL,
					  "option '%.*s' does not apply to "
					  "%s: in '%s' ('ipcx info %s' "
					  "lists its options)",
					  (int)nlen, s, ops->info.scheme, text,
					  ops->info.scheme);
		return ipcx__fail(EINVAL, "unknown option '%.*s' in '%s'",
				  (int)nlen, s, text);
	}
	size_t k = common ? i : i - IPCX__ARRAY_SIZE(common_opts);
	unsigned *given = common ? &a->common_given : &a->given;
	if (*given & (1u << k)) {
		if (defaults)
			return 0; /* the address said it: it wins */
		return ipcx__fail(EINVAL, "option '%s' given twice in '%s'",
				  d->pub.name, text);
	}
	if (!eq) {
		if (d->kind != IPCX__OPT_BOOL)
			return ipcx__fail(EINVAL,
					  "option '%s' needs a value in '%s'",
					  d->pub.name, text);
		v = 1;
	} else {
		r = decode(text, eq + 1, len - nlen - 1, &val);
		if (r < 0)
			return r;
		if (!*val)
			r = ipcx__fail(EINVAL,
				       "option '%s' has an empty value in '%s'",
				       d->pub.name, text);
		else if (parse_value(d, val, &v) < 0 ||
			 ((d->kind == IPCX__OPT_INT ||
			   d->kind == IPCX__OPT_SIZE) &&
			  d->min < d->max && (v < d->min || v > d->max)))
			r = ipcx__fail(EINVAL,
				       "option '%s' wants %s, not '%s', in "
				       "'%s'",
				       d->pub.name, d->pub.value, val, text);
		free(val);
		if (r < 0)
			return r;
	}
	*given |= 1u << k;
	if (common)
		*common_field(a, k) = (int)v;
	else
		a->val[k] = v;
	return 0;
}

/* Parses "a=1&b=2" (S, up to its end) into A; DEFAULTS: only where the
 * address gave no value of its own. */
static int parse_options(struct ipcx_addr *a, const char *s, bool defaults)
{
	for (;;) {
		const char *amp = strchr(s, '&');
		size_t len = amp ? (size_t)(amp - s) : strlen(s);
		int r = parse_option(a, s, len, defaults);
		if (r < 0)
			return r;
		if (!amp)
			return 0;
		s = amp + 1;
	}
}

int ipcx__addr_parse(const char *text, const char *defaults, bool pair,
		     struct ipcx_addr *a)
{
	const char *colon, *q = NULL, *p;
	size_t slen;
	int r;

	memset(a, 0, sizeof(*a));
	a->text = text;
	a->create = a->excl = a->nonblock = a->intr = a->mode = a->timeout =
		IPCX__UNSET;
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
	a->ops = ipcx__facility_lookup(text, slen);
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
		if (q && (r = parse_options(a, q + 1, false)) < 0)
			goto fail;
	}
	if (defaults && *defaults && (r = parse_options(a, defaults, true)) < 0)
		goto fail;
	if (a->excl == 1 && a->create == 0) {
		r = ipcx__fail(EINVAL,
			       "excl=1 needs create, not create=0, in "
			       "'%s'",
			       text);
		goto fail;
	}
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

void ipcx__addr_release(struct ipcx_addr *a)
{
	free(a->target);
	a->target = NULL;
}

int ipcx_addr_parse(const char *text, const char *defaults,
		    struct ipcx_addr **out)
{
	struct ipcx_addr *a;
	char *copy;
	int r;

	if (!out)
		return ipcx__fail(EINVAL, "ipcx_addr_parse: no place for the "
					  "result");
	if (!text)
		return ipcx__fail(EINVAL, "no address given");
	a = malloc(sizeof(*a));
	copy = strdup(text);
	if (!a || !copy) {
		free(a);
		free(copy);
		return -ENOMEM;
	}
	r = ipcx__addr_parse(copy, defaults, false, a);
	if (r < 0) {
		/* The detail quotes the text: keep it readable. */
		free(a);
		free(copy);
		return r;
	}
	a->own_text = copy;
	*out = a;
	return 0;
}

void ipcx_addr_free(struct ipcx_addr *a)
{
	if (!a)
		return;
	ipcx__addr_release(a);
	free(a->own_text);
	free(a);
}

const struct ipcx_facility *ipcx_addr_facility(const struct ipcx_addr *a)
{
	return a ? &a->ops->info : NULL;
}

const char *ipcx_addr_target(const struct ipcx_addr *a)
{
	return a ? a->target : NULL;
}

const char *ipcx_addr_text(const struct ipcx_addr *a)
{
	return a ? a->text : NULL;
}

int ipcx_addr_option(const struct ipcx_addr *a, const char *name,
		     long long *value)
{
	if (!a || !name)
		return ipcx__fail(EINVAL, "ipcx_addr_option: NULL argument");
	for (size_t i = 0; i < IPCX__ARRAY_SIZE(common_opts); i++) {
		if (strcmp(common_opts[i].pub.name, name) ||
		    !(a->ops->common & (1u << i)))
			continue;
		int v = common_value(a, i);
		if (v == IPCX__UNSET)
			return 0;
		if (value)
			*value = v;
		return 1;
	}
	for (size_t i = 0; i < nopts(a->ops); i++) {
		if (strcmp(a->ops->opts[i]->pub.name, name))
			continue;
		if (!(a->given & (1u << i)))
			return 0;
		if (value)
			*value = a->val[i];
		return 1;
	}
	return ipcx__fail(EINVAL, "%s: %s takes no option '%s'", a->text,
			  a->ops->info.scheme, name);
}

/* The index of O in A's facility's table, or -1. */
static int opt_index(const struct ipcx_addr *a, const struct ipcx__opt *o)
{
	for (size_t i = 0; i < nopts(a->ops); i++)
		if (a->ops->opts[i] == o)
			return (int)i;
	return -1;
}

bool ipcx__opt_given(const struct ipcx_addr *a, const struct ipcx__opt *o)
{
	int i = opt_index(a, o);

	return i >= 0 && (a->given & (1u << i));
}

int ipcx__opt_text(const struct ipcx_addr *a, const struct ipcx__opt *o,
		   char *out, size_t n)
{
	const char *q = a->ops->no_options ? NULL : strchr(a->text, '?');
	size_t nlen = strlen(o->pub.name);

	for (const char *s = q ? q + 1 : NULL; s && *s;) {
		const char *amp = strchr(s, '&');
		size_t len = amp ? (size_t)(amp - s) : strlen(s);
		if (len > nlen && s[nlen] == '=' &&
		    !memcmp(s, o->pub.name, nlen)) {
			char *v;
			int r = decode(a->text, s + nlen + 1, len - nlen - 1,
				       &v);
			if (r < 0)
				return r;
			size_t vl = strlen(v);
			if (vl >= n) {
				free(v);
				return ipcx__fail(EINVAL,
						  "option '%s' is longer than "
						  "%zu bytes in '%s'",
						  o->pub.name, n - 1, a->text);
			}
			memcpy(out, v, vl + 1);
			free(v);
			return 1;
		}
		s = amp ? amp + 1 : NULL;
	}
	return 0;
}

void ipcx__opt_forget(struct ipcx_addr *a, const struct ipcx__opt *o)
{
	int i = opt_index(a, o);

	if (i >= 0)
		a->given &= ~(1u << i);
}

long long ipcx__opt(const struct ipcx_addr *a, const struct ipcx__opt *o)
{
	int i = opt_index(a, o);

	return i >= 0 && (a->given & (1u << i)) ? a->val[i] : o->def;
}

unsigned ipcx__addr_mode(const struct ipcx_addr *a)
{
	return a->mode == IPCX__UNSET ? 0600u : (unsigned)a->mode;
}

int ipcx__addr_role(const struct ipcx_addr *a, unsigned role, const char *what)
{
	for (size_t i = 0; i < IPCX__ARRAY_SIZE(common_opts); i++)
		if ((a->common_given & (1u << i)) &&
		    !(common_opts[i].roles & role))
			return ipcx__fail(
				EINVAL, "%s: %s= does not apply to %s", a->text,
				common_opts[i].pub.name, what);
	for (size_t i = 0; i < nopts(a->ops); i++)
		if ((a->given & (1u << i)) && !(a->ops->opts[i]->roles & role))
			return ipcx__fail(
				EINVAL, "%s: %s= does not apply to %s", a->text,
				a->ops->opts[i]->pub.name, what);
	return 0;
}

unsigned ipcx__addr_flags(const struct ipcx_addr *a, unsigned flags)
{
	/* The facility's flag options first (listen=, connect=), so that an
	 * explicit side wins over the caller's default. */
	for (size_t i = 0; i < nopts(a->ops); i++) {
		const struct ipcx__opt *o = a->ops->opts[i];
		if (!o->flag || !(a->given & (1u << i)))
			continue;
		if (a->val[i])
			flags = (flags | o->flag) & ~o->clears;
		else
			flags &= ~o->flag;
	}
	for (size_t i = 0; i < IPCX__ARRAY_SIZE(common_opts); i++) {
		unsigned bit = common_opts[i].flag;
		int v = common_value(a, i);
		if (!bit || v == IPCX__UNSET)
			continue;
		flags = v ? flags | bit : flags & ~bit;
	}
	if (flags & IPCX_EXCL)
		flags |= IPCX_CREATE;
	return flags;
}

const struct ipcx_option *ipcx_facility_option(const struct ipcx_facility *fac,
					       size_t i)
{
	/* The public row is the first member of the facility. */
	const struct ipcx__facility *ops = (const struct ipcx__facility *)fac;

	if (!fac)
		return NULL;
	for (size_t k = 0; k < IPCX__ARRAY_SIZE(common_opts); k++) {
		if (!(ops->common & (1u << k)))
			continue;
		if (i-- == 0)
			return &common_opts[k].pub;
	}
	return i < nopts(ops) ? &ops->opts[i]->pub : NULL;
}

int ipcx__check_path(struct ipcx_addr *a)
{
	if (!a->target[0])
		return ipcx__fail(EINVAL, "'%s' names no path", a->text);
	if (strlen(a->target) >= PATH_MAX)
		return ipcx__fail(EINVAL, "path too long in '%s'", a->text);
	return 0;
}

int ipcx__addr_format(char *buf, size_t n, const char *scheme,
		      const char *target)
{
	size_t j = 0, end = 0; /* needed so far; written (a whole prefix) */
	char piece[4];

	for (const char *s = scheme; *s; s++)
		j++;
	j++; /* ':' */
	if (j < n) {
		memcpy(buf, scheme, j - 1);
		buf[j - 1] = ':';
		end = j;
	}
	for (const unsigned char *c = (const unsigned char *)target; *c; c++) {
		size_t k;
		/* What decode() would read otherwise: %, the options'
		 * '?', and bytes a shell or a terminal would mangle. */
		if (*c == '%' || *c == '?' || *c <= ' ' || *c >= 0x7f)
			k = (size_t)snprintf(piece, sizeof(piece), "%%%02X",
					     *c);
		else
			piece[0] = (char)*c, k = 1;
		/* Only whole pieces, in order: a cut address is a prefix,
		 * never a torn escape or a gap. */
		if (end == j && j + k < n) {
			memcpy(buf + j, piece, k);
			end = j + k;
		}
		j += k;
	}
	if (n)
		buf[end < n ? end : n - 1] = '\0';
	return (int)j;
}

int ipcx_addr_check(const char *addr, const char *defaults)
{
	IPCX__WITH_ADDR(addr, defaults, 0);
}

/* follow= (internal.h): shared by every facility that opens a path for
 * writing; one that does not list it never follows. */
const struct ipcx__opt ipcx__opt_follow = {
	.pub = {"follow", "1 or 0", "0",
		"open the path through a symbolic link (by default one there "
		"is refused)"},
	.kind = IPCX__OPT_BOOL,
	.roles = IPCX__ROLE_ALL,
};

int ipcx__nofollow(const struct ipcx_addr *a)
{
	return ipcx__opt(a, &ipcx__opt_follow) ? 0 : O_NOFOLLOW;
}

int ipcx__fail_link(const struct ipcx_addr *a)
{
	return ipcx__fail(ELOOP,
			  "%s: is a symbolic link; not following it "
			  "(follow=1 does)",
			  a->text);
}
