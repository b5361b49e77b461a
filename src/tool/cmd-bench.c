/* SPDX-License-Identifier: MIT */
/* ipcx bench: every facility measured side by side, with references. */
#include "bench.h"
#include "tool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libsmartcols.h>
#include <limits.h>
#include <math.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char usage[] =
	"Usage: ipcx bench [OPTIONS] [SCHEME...]\n"
	"\n"
	"Measure every facility (or the SCHEMEs named) on this machine, "
	"side by\n"
	"side with the raw system calls and the hardware's own limits: "
	"round-trip\n"
	"or hand-off latency (median, p99, p99.9, max), one-way throughput "
	"(messages\n"
	"and bytes per second), and the ratio ipcx/raw measured in the same "
	"run.\n"
	"Two processes pinned to two CPUs; every message is checked.\n"
	"\n"
	"Options:\n"
	"  -s, --size LIST    message sizes, e.g. 64,4K,64K,1M (default "
	"64,64K)\n"
	"  -t, --seconds S    time budget per case (default 0.5)\n"
	"  -q, --quick        a few hundred iterations each: proves every "
	"row\n"
	"  -J, --json         JSON output (with the environment)\n"
	"      --csv          CSV output\n"
	"  -p, --plot FILE    also draw latency and throughput to FILE "
	"(.svg or .png)\n"
	"  -h, --help         show this help\n"
	"  -V, --version      show the version\n"
	"\n"
	"Columns: KIND, FACILITY, WAKE (how a waiter waits: kernel = asleep "
	"in the\n"
	"kernel, spin, spin+sleep, futex), SIZE, MEDIAN/P99/P99.9/MAX (round "
	"trip for\n"
	"channels, one hand-off for synchronization and signals), MSG/S, "
	"BYTES/S,\n"
	"RAW (the same through the system calls, or the floor for rings), "
	"xRAW\n"
	"(ipcx/raw: latency and throughput), NOTE (skipped sizes and why, "
	"failures,\n"
	"noise).\n";

static const struct option longopts[] = {
	{"size", required_argument, NULL, 's'},
	{"seconds", required_argument, NULL, 't'},
	{"quick", no_argument, NULL, 'q'},
	{"json", no_argument, NULL, 'J'},
	{"csv", no_argument, NULL, 'C'},
	{"plot", required_argument, NULL, 'p'},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

/* The rows the engine (bench.c) collected. */
static const struct bench_row *rows;
static int nrows;

/* ---- formatting
 * -------------------------------------------------------------- */

static void fmt_ns(char *out, size_t n, double ns)
{
	if (ns < 0)
		snprintf(out, n, "-");
	else if (ns < 1e3)
		snprintf(out, n, "%.0f ns", ns);
	else if (ns < 1e6)
		snprintf(out, n, "%.3g us", ns / 1e3);
	else if (ns < 1e9)
		snprintf(out, n, "%.3g ms", ns / 1e6);
	else
		snprintf(out, n, "%.3g s", ns / 1e9);
}

static void fmt_rate(char *out, size_t n, double v, const char *unit)
{
	static const char pre[] = " KMGT";
	int k = 0;

	if (v < 0) {
		snprintf(out, n, "-");
		return;
	}
	while (v >= 1000 && k < 4) {
		v /= 1000;
		k++;
	}
	snprintf(out, n, "%.3g %c%s", v, pre[k], unit);
}

static void fmt_size(char *out, size_t n, size_t s)
{
	if (!s)
		snprintf(out, n, "-");
	else if (s % (1u << 20) == 0)
		snprintf(out, n, "%zu MiB", s >> 20);
	else if (s % 1024 == 0)
		snprintf(out, n, "%zu KiB", s >> 10);
	else
		snprintf(out, n, "%zu B", s);
}

static void fmt_ratio(char *out, size_t n, double lat, double tput)
{
	char a[16] = "-", b[16] = "-";

	if (lat > 0)
		snprintf(a, sizeof(a), "%.3f", lat);
	if (tput > 0)
		snprintf(b, sizeof(b), "%.3f", tput);
	snprintf(out, n, "%s / %s", a, b);
}

/* The table.  On a terminal (or with COLUMNS) narrower than it, the notes
 * become numbered footnotes below it, wrapped to the width, and the
 * columns least needed are left out (saying which) rather than break
 * every line. */
static void print_table(void)
{
	static const char *const cols[] = {
		"KIND",		 "FACILITY", "WAKE",	 "SIZE",
		"MEDIAN",	 "P99",	     "P99.9",	 "MAX",
		"MSG/S",	 "BYTES/S",  "RAW",	 "RAW MSG/S",
		"xRAW LAT/TPUT", "CALL",     "RAW CALL", "NOTE"};
	static const char *const drop[] = {"MAX",     "P99.9",	  "RAW MSG/S",
					   "BYTES/S", "RAW CALL", "WAKE",
					   "RAW",     "P99",	  NULL};
	enum { NCOLS = sizeof(cols) / sizeof(*cols), CELL = 64 };
	struct libscols_table *tb = scols_new_table();
	char(*v)[NCOLS][CELL] = calloc((size_t)nrows + 1, sizeof(*v));
	size_t width = tool_termwidth(), total = NCOLS - 1;
	bool footnotes = false;

	if (!tb || !v)
		goto out;
	for (int i = 0; i < nrows; i++) {
		const struct bench_row *r = &rows[i];
		snprintf(v[i][0], CELL, "%s", r->kind);
		snprintf(v[i][1], CELL, "%s", r->facility);
		snprintf(v[i][2], CELL, "%s", r->wake);
		fmt_size(v[i][3], CELL, r->size);
		fmt_ns(v[i][4], CELL, r->med);
		fmt_ns(v[i][5], CELL, r->p99);
		fmt_ns(v[i][6], CELL, r->p999);
		fmt_ns(v[i][7], CELL, r->max);
		fmt_rate(v[i][8], CELL, r->msgs, "");
		fmt_rate(v[i][9], CELL, r->bytes, "B");
		fmt_ns(v[i][10], CELL, r->raw_med);
		fmt_rate(v[i][11], CELL, r->raw_msgs, "");
		fmt_ratio(v[i][12], CELL, r->lat_ratio, r->tput_ratio);
		fmt_ns(v[i][13], CELL, r->call_ns);
		fmt_ns(v[i][14], CELL, r->raw_call_ns);
	}
	/* The table's width with the notes in it. */
	for (size_t k = 0; k < NCOLS; k++) {
		size_t w = strlen(cols[k]);
		for (int i = 0; i < nrows; i++) {
			size_t d = k == NCOLS - 1 ? strlen(rows[i].note)
						  : strlen(v[i][k]);
			w = d > w ? d : w;
		}
		total += w;
	}
	footnotes = width && total > width;
	for (size_t i = 0; i < NCOLS; i++) {
		struct libscols_column *c = scols_table_new_column(
			tb, cols[i], 0,
			i >= 4 && i < NCOLS - 1 ? SCOLS_FL_RIGHT : 0);
		if (c && i == 1)
			scols_column_set_flags(c, SCOLS_FL_TRUNC);
		if (c && i == NCOLS - 1 && !footnotes)
			scols_column_set_flags(c, SCOLS_FL_WRAP);
	}
	int nnotes = 0;
	for (int i = 0; i < nrows; i++) {
		struct libscols_line *ln = scols_table_new_line(tb, NULL);
		if (!ln)
			break;
		if (!footnotes)
			snprintf(v[i][NCOLS - 1], CELL, "%.*s", CELL - 1,
				 rows[i].note);
		else if (rows[i].note[0])
			snprintf(v[i][NCOLS - 1], CELL, "[%d]", ++nnotes);
		for (size_t k = 0; k < NCOLS; k++)
			scols_line_set_data(ln, k, v[i][k]);
		if (!footnotes)
			scols_line_refer_data(ln, NCOLS - 1,
					      strdup(rows[i].note));
	}
	char left[256] = "";
	tool_fit(tb, drop, left, sizeof(left));
	scols_print_table(tb);
	if (footnotes) {
		int k = 0;
		for (int i = 0; i < nrows; i++) {
			char line[sizeof(rows[i].note) + 16];
			if (!rows[i].note[0])
				continue;
			snprintf(line, sizeof(line), "[%d] %s", ++k,
				 rows[i].note);
			tool_wrap(stdout, line, width, 4);
		}
	}
	if (*left) {
		char say[512];
		snprintf(say, sizeof(say),
			 "(left out to fit %zu columns: %s; --json has "
			 "everything)",
			 width, left);
		tool_wrap(stdout, say, width, 1);
	}
out:
	free(v);
	scols_unref_table(tb);
}

static void json_num(FILE *f, const char *key, double v, bool comma)
{
	if (v < 0 || !isfinite(v))
		fprintf(f, "\"%s\":null%s", key, comma ? "," : "");
	else
		fprintf(f, "\"%s\":%.6g%s", key, v, comma ? "," : "");
}

struct env {
	char kernel[256], cpu[128];
	long ncpu;
	bool pinned;
	double floor_ns;
};

static void env_read(struct env *e)
{
	struct utsname u;
	char line[256];
	FILE *f;

	snprintf(e->kernel, sizeof(e->kernel), "unknown");
	if (uname(&u) == 0)
		snprintf(e->kernel, sizeof(e->kernel), "%s %s %s", u.sysname,
			 u.release, u.machine);
	snprintf(e->cpu, sizeof(e->cpu), "unknown");
	if ((f = fopen("/proc/cpuinfo", "re"))) {
		while (fgets(line, sizeof(line), f))
			if (!strncmp(line, "model name", 10)) {
				char *c = strchr(line, ':');
				if (c) {
					c += strspn(c + 1, " ") + 1;
					c[strcspn(c, "\n")] = '\0';
					snprintf(e->cpu, sizeof(e->cpu), "%s",
						 c);
				}
				break;
			}
		fclose(f);
	}
	e->ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	e->pinned = e->ncpu >= 2;
}

static void print_json(const struct env *e)
{
	printf("{\"environment\":{\"kernel\":");
	tool_json_string(stdout, (const unsigned char *)e->kernel,
			 strlen(e->kernel));
	printf(",\"cpu\":");
	tool_json_string(stdout, (const unsigned char *)e->cpu, strlen(e->cpu));
	printf(",\"cpus\":%ld,\"pinned\":%s,", e->ncpu,
	       e->pinned ? "\"CPUs 0 and 1\"" : "null");
	json_num(stdout, "floor_ns", e->floor_ns, false);
	printf("},\"rows\":[");
	for (int i = 0; i < nrows; i++) {
		const struct bench_row *r = &rows[i];
		printf("%s\n{\"kind\":\"%s\",\"facility\":", i ? "," : "",
		       r->kind);
		tool_json_string(stdout, (const unsigned char *)r->facility,
				 strlen(r->facility));
		printf(",\"wake\":\"%s\",\"size\":%zu,", r->wake, r->size);
		json_num(stdout, "median_ns", r->med, true);
		json_num(stdout, "p99_ns", r->p99, true);
		json_num(stdout, "p999_ns", r->p999, true);
		json_num(stdout, "max_ns", r->max, true);
		json_num(stdout, "msgs_per_s", r->msgs, true);
		json_num(stdout, "bytes_per_s", r->bytes, true);
		printf("\"raw_is\":\"%s\",", r->raw_is);
		json_num(stdout, "raw_median_ns", r->raw_med, true);
		json_num(stdout, "raw_msgs_per_s", r->raw_msgs, true);
		json_num(stdout, "raw_bytes_per_s", r->raw_bytes, true);
		json_num(stdout, "latency_ratio", r->lat_ratio, true);
		json_num(stdout, "throughput_ratio", r->tput_ratio, true);
		json_num(stdout, "call_ns", r->call_ns, true);
		json_num(stdout, "raw_call_ns", r->raw_call_ns, true);
		printf("\"note\":");
		tool_json_string(stdout, (const unsigned char *)r->note,
				 strlen(r->note));
		printf("}");
	}
	printf("\n]}\n");
}

static void csv_field(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static void csv_num(FILE *f, double v)
{
	if (v >= 0 && isfinite(v))
		fprintf(f, "%.6g", v);
	fputc(',', f);
}

static void print_csv(void)
{
	printf("kind,facility,wake,size,median_ns,p99_ns,p999_ns,max_ns,"
	       "msgs_per_s,bytes_per_s,raw_is,raw_median_ns,raw_msgs_per_s,"
	       "raw_bytes_per_s,latency_ratio,throughput_ratio,call_ns,"
	       "raw_call_ns,note\n");
	for (int i = 0; i < nrows; i++) {
		const struct bench_row *r = &rows[i];
		printf("%s,", r->kind);
		csv_field(stdout, r->facility);
		printf(",%s,%zu,", r->wake, r->size);
		csv_num(stdout, r->med);
		csv_num(stdout, r->p99);
		csv_num(stdout, r->p999);
		csv_num(stdout, r->max);
		csv_num(stdout, r->msgs);
		csv_num(stdout, r->bytes);
		csv_field(stdout, r->raw_is);
		putchar(',');
		csv_num(stdout, r->raw_med);
		csv_num(stdout, r->raw_msgs);
		csv_num(stdout, r->raw_bytes);
		csv_num(stdout, r->lat_ratio);
		csv_num(stdout, r->tput_ratio);
		csv_num(stdout, r->call_ns);
		csv_num(stdout, r->raw_call_ns);
		csv_field(stdout, r->note);
		putchar('\n');
	}
}

/* ---- the plot
 * ---------------------------------------------------------------- */

/* S as a gnuplot single-quoted string (a quote is written twice) into
 * OUT; false for what a line-based script cannot carry (control bytes). */
static bool gp_quote(char *out, size_t n, const char *s)
{
	size_t j = 0;

	if (j + 1 < n)
		out[j++] = '\'';
	for (; *s; s++) {
		if ((unsigned char)*s < 0x20 || *s == 0x7f || j + 4 >= n)
			return false;
		if (*s == '\'')
			out[j++] = '\'';
		out[j++] = *s;
	}
	out[j++] = '\'';
	out[j] = '\0';
	return true;
}

static int plot(const char *file, const struct env *e)
{
	char data[] = "/tmp/ipcx-bench-plot-XXXXXX";
	const char *dot = strrchr(file, '.');
	bool png = dot && !strcmp(dot, ".png");
	int fd = mkstemp(data), nlat = 0, ntp = 0;
	/* The axes' ranges, from every value drawn (no point is clipped). */
	double lat_lo = 1e300, lat_hi = 0, tp_lo = 1e300, tp_hi = 0;

	/* run() checked the extension. */
	FILE *d = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!d) {
		perror("ipcx bench: plot data");
		return EXIT_FAIL;
	}
	/* Two blocks: latency rows, then throughput rows. */
	for (int i = 0; i < nrows; i++) {
		const struct bench_row *r = &rows[i];
		char sz[24];
		fmt_size(sz, sizeof(sz), r->size);
		if (r->med > 0) {
			/* Sizes of the reference probes say nothing. */
			bool show = r->size && strcmp(r->kind, "reference");
			fprintf(d, "\"%s%s%s\" %g ", r->facility,
				show ? " " : "", show ? sz : "", r->med / 1e3);
			if (r->p99 > 0)
				fprintf(d, "%g ", r->p99 / 1e3);
			else
				fprintf(d, "NaN ");
			if (r->p999 > 0)
				fprintf(d, "%g\n", r->p999 / 1e3);
			else
				fprintf(d, "NaN\n");
			double vals[] = {r->med, r->p99, r->p999};
			for (int k = 0; k < 3; k++)
				if (vals[k] > 0) {
					lat_lo = fmin(lat_lo, vals[k] / 1e3);
					lat_hi = fmax(lat_hi, vals[k] / 1e3);
				}
			nlat++;
		}
	}
	fprintf(d, "\n\n");
	for (int i = 0; i < nrows; i++) {
		const struct bench_row *r = &rows[i];
		char sz[24];
		fmt_size(sz, sizeof(sz), r->size);
		if (r->bytes > 0) {
			fprintf(d, "\"%s %s\" %g %g\n", r->facility, sz,
				r->bytes / 1e6,
				r->raw_bytes > 0 ? r->raw_bytes / 1e6 : 0);
			tp_lo = fmin(tp_lo, r->bytes / 1e6);
			tp_hi = fmax(tp_hi, r->bytes / 1e6);
			if (r->raw_bytes > 0) {
				tp_lo = fmin(tp_lo, r->raw_bytes / 1e6);
				tp_hi = fmax(tp_hi, r->raw_bytes / 1e6);
			}
			ntp++;
		}
	}
	fclose(d);
	/* A factor of two beyond the extremes on the log axes (a bar starts
	 * at the left edge, so the low end has room for the shortest). */
	if (!nlat)
		lat_lo = 0.05, lat_hi = 1;
	if (!ntp)
		tp_lo = 0.1, tp_hi = 1;
	lat_lo /= 2, lat_hi *= 2, tp_lo /= 2, tp_hi *= 2;
	int h = 460 + 14 * (nlat > ntp ? nlat : ntp);
	char title[600], qtitle[1300];
	snprintf(title, sizeof(title),
		 "ipcx bench: %s, %s, %ld CPUs; floor %.0f ns", e->cpu,
		 e->kernel, e->ncpu, e->floor_ns);
	/* A title that cannot be said is left out. */
	if (!gp_quote(qtitle, sizeof(qtitle), title))
		snprintf(qtitle, sizeof(qtitle), "'ipcx bench'");
	/* The plot file is ours to open (never through a symbolic link,
	 * 0600); gnuplot writes to its stdout, which is that file: the name
	 * never reaches gnuplot. */
	int out = open(file,
		       O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
		       0600);
	if (out < 0) {
		unlink(data);
		tool_err("ipcx bench: %s: %s\n", file,
			 errno == ELOOP ? "is a symbolic link; not following it"
					: strerror(errno));
		return EXIT_FAIL;
	}
	fflush(stdout);
	int saved = dup(1);
	FILE *g =
		saved >= 0 && dup2(out, 1) == 1 ? popen("gnuplot", "w") : NULL;
	int e_ = errno;
	if (saved >= 0) {
		dup2(saved, 1);
		close(saved);
	}
	close(out);
	if (!g) {
		unlink(data);
		tool_err("ipcx bench: gnuplot: %s\n", strerror(e_));
		return EXIT_FAIL;
	}
	/* An opaque background (a viewer's dark theme must not show
	 * through), ranges that hold every point, and a legend that says
	 * what each mark is without the manual. */
	fprintf(g,
		"set terminal %s size 1500,%d font 'sans,10' noenhanced "
		"background '#ffffff' %s\n"
		"set output\n"
		"set multiplot layout 1,2 title %s\n"
		"set style data histograms\n"
		"set style histogram clustered gap 1\n"
		"set style fill solid 0.8 border -1\n"
		"set boxwidth 0.9\n"
		"set logscale x\n"
		"set grid x\n"
		"set key below vertical left Left reverse noautotitle "
		"samplen 2\n"
		"set ytics nomirror\n"
		"unset xtics\n"
		"set xtics nomirror\n"
		"set offsets 0,0,0.5,0.5\n"
		"set title \"Latency: one round trip (semaphores, mutexes, "
		"locks: one hand-off)\\nmicroseconds, log scale: shorter is "
		"better\"\n"
		"set xrange [%g:%g]\n"
		"set yrange [-1:%d]\n"
		"plot '%s' index 0 using 2:0:(%g):2:($0-0.3):($0+0.3):ytic(1) "
		"with boxxyerrorbars title 'bar: the median round trip (half "
		"were faster)' lc rgb '#3060c0', "
		"'' index 0 using 3:0 with points pt 7 ps 0.6 lc rgb '#e08020' "
		"title 'dot: p99 (1 round trip in 100 was slower)', "
		"'' index 0 using 4:0 with points pt 2 ps 0.8 lc rgb '#c02020' "
		"title 'cross: p99.9 (1 in 1000 was slower)'\n"
		"set title \"Throughput: one way, a stream of messages of the "
		"size shown\\nmegabytes per second, log scale: longer is "
		"better\"\n"
		"set xrange [%g:%g]\n"
		"set yrange [-1:%d]\n"
		"plot '%s' index 1 using 2:0:(%g):2:($0-0.3):($0+0.3):"
		"ytic(1) with boxxyerrorbars title 'bar: ipcx' "
		"lc rgb '#30a050', "
		"'' index 1 using ($3>0?$3:1/0):0 with points pt 6 ps 0.8 "
		"lc rgb 'black' title 'circle: its own system calls, in the "
		"same run (rings: a minimal ring)'\n"
		"unset multiplot\n",
		png ? "pngcairo" : "svg", h, png ? "" : "dynamic", qtitle,
		lat_lo, lat_hi, nlat, data, lat_lo, tp_lo, tp_hi, ntp, data,
		tp_lo);
	int st = pclose(g);
	unlink(data);
	if (st != 0) {
		tool_err("ipcx bench: gnuplot failed (status %d)\n", st);
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

/* ---- parsing and running
 * ------------------------------------------------------ */

static bool parse_sizes(const char *s, struct bench_opts *o)
{
	char *copy = strdup(s), *save = NULL;

	o->nsizes = 0;
	for (char *t = strtok_r(copy, ",", &save); t;
	     t = strtok_r(NULL, ",", &save)) {
		char *end;
		errno = 0;
		unsigned long long v = strtoull(t, &end, 10);
		int shift = 0;
		if (*end == 'K' || *end == 'k')
			shift = 10;
		else if (*end == 'M' || *end == 'm')
			shift = 20;
		if (shift)
			end++;
		if (errno || end == t || *end || !v ||
		    v > (64u << 20) >> shift || o->nsizes == 8) {
			free(copy);
			return false;
		}
		o->sizes[o->nsizes++] = (size_t)(v << shift);
	}
	free(copy);
	return o->nsizes > 0;
}

static int run(int argc, char **argv)
{
	struct bench_opts o = {.seconds = 0.5};
	const char *plot_file = NULL;
	bool json = false, csv = false;
	int opt;
	char *end;

	parse_sizes("64,64K", &o);
	int ost = EXIT_USAGE;
	while ((opt = tool_getopt(&cmd_bench, argc, argv, "s:t:qJp:h", longopts,
				  &ost)) != -1) {
		switch (opt) {
		case 's':
			if (!parse_sizes(optarg, &o))
				return tool_usage(&cmd_bench,
						  "bad size list '%s' (e.g. "
						  "64,4K,64K,1M; up to 8, at "
						  "most 64M)",
						  optarg);
			break;
		case 't':
			o.seconds = strtod(optarg, &end);
			if (end == optarg || *end || !(o.seconds > 0) ||
			    o.seconds > 600)
				return tool_usage(&cmd_bench,
						  "bad seconds '%s'", optarg);
			break;
		case 'q': o.quick = true; break;
		case 'J': json = true; break;
		case 'C': csv = true; break;
		case 'p': plot_file = optarg; break;
		case 'h': tool_help(&cmd_bench, stdout); return EXIT_OK;
		default: return ost;
		}
	}
	if (json && csv)
		return tool_usage(&cmd_bench, "--json or --csv, not both");
	o.only = (const char *const *)argv + optind;
	o.nonly = argc - optind;
	for (int i = 0; i < o.nonly; i++)
		if (!ipcx_facility_find(o.only[i]) &&
		    strcmp(o.only[i], "mutex"))
			return tool_usage(&cmd_bench, "unknown scheme '%s'",
					  o.only[i]);
	if (plot_file) {
		const char *dot = strrchr(plot_file, '.');
		if (!dot || (strcmp(dot, ".svg") && strcmp(dot, ".png")))
			return tool_usage(&cmd_bench,
					  "the plot is .svg or .png, not '%s'",
					  plot_file);
	}
	o.progress = isatty(2) && !json && !csv;
	snprintf(o.prefix, sizeof(o.prefix), "ipcx-bench-%d", (int)getpid());
	o.key_base = 0x1b000000 | ((int)getpid() & 0xffff) << 8;

	/* A supervisor that cleans up after the measuring process, however
	 * it ends (Ctrl-C reaches both; children die with it). */
	fflush(NULL);
	pid_t worker = fork();
	if (worker < 0) {
		perror("ipcx bench: fork");
		return EXIT_FAIL;
	}
	if (worker > 0) {
		int st;
		signal(SIGINT, SIG_IGN);
		signal(SIGTERM, SIG_IGN);
		while (waitpid(worker, &st, 0) < 0 && errno == EINTR)
			;
		bench_sweep(&o);
		if (WIFSIGNALED(st)) {
			fprintf(stderr, "\nipcx bench: interrupted (%s)\n",
				strsignal(WTERMSIG(st)));
			return 128 + WTERMSIG(st);
		}
		return WEXITSTATUS(st);
	}
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	struct sigaction sa = {.sa_handler = bench_on_alarm};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL); /* no SA_RESTART: waits give up */

	struct env e;
	env_read(&e);
	e.floor_ns = bench_reference(&o);
	bench_channels(&o);
	bench_reqrep(&o);
#ifdef IPCX_HAVE_ZMQ
	bench_relay_zmq(&o);
#endif
	bench_sync(&o);
	bench_uncovered_rows(&o);
	rows = bench_rows(&nrows);
	if (o.progress)
		fprintf(stderr, "\r\033[K");
	if (json)
		print_json(&e);
	else if (csv)
		print_csv();
	else {
		char head[1024];
		snprintf(head, sizeof(head),
			 "ipcx bench: %s; %s, %ld CPUs, %s; cache-line floor "
			 "%.0f ns; %.2g s per case%s",
			 e.kernel, e.cpu, e.ncpu,
			 e.pinned ? "pinned to CPUs 0 and 1" : "not pinned",
			 e.floor_ns, o.seconds, o.quick ? " (quick)" : "");
		tool_wrap(stdout, head, tool_termwidth(), 4);
		printf("\n");
		print_table();
	}
	int st = EXIT_OK;
	if (plot_file)
		st = plot(plot_file, &e);
	fflush(NULL);
	_exit(st);
}

const struct command cmd_bench = {
	.name = "bench",
	.fn = run,
	.min_args = 0,
	.max_args = -1,
	.summary = "measure every facility side by side, with references",
	.usage = usage,
};
