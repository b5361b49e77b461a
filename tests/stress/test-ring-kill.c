/* SPDX-License-Identifier: MIT */
/*
 * Random kill -9 trials on ring send and receive: a sender and a
 * receiver in full flow (each trial a random wait mode and message
 * size), one of them SIGKILLed at a random moment; the survivor must
 * return -EPIPE ("peer N died"), never hang, within 100 ms of the kill.
 * Also, every message the receiver got must be whole and in order.
 *
 * Usage: test-ring-kill [TRIALS]   (TAP; make stress runs 1000)
 */
#include <ipcx.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char addr[128], base[96];

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

struct report {
	int64_t at; /* when the call returned its error */
	int err;
	long long count;
	int bad; /* a torn or out-of-order message */
};

/* A child: sends (or receives) until an error, then reports it.  After
 * its first message it writes a byte to READY: it has registered on its
 * side (a process killed before that was never a peer to wait for). */
static void side(bool sender, size_t size, int fd, int ready)
{
	struct ipcx_chan *c;
	static unsigned char buf[65536];
	struct report rep = {0};
	uint64_t seq = 0;

	if (ipcx_open(addr, sender ? IPCX_SEND : IPCX_RECV, &c) < 0)
		_exit(2);
	for (;;) {
		ssize_t r;
		if (sender) {
			memset(buf, (int)(seq & 0xff), size);
			memcpy(buf, &seq, sizeof(seq));
			r = ipcx_send(c, buf, size, NULL);
		} else {
			r = ipcx_recv(c, buf, sizeof(buf), NULL);
			if (r >= 8) {
				uint64_t got;
				memcpy(&got, buf, 8);
				if (got != seq ||
				    (r > 8 && buf[r - 1] != (got & 0xff)))
					rep.bad++;
			}
		}
		if (r < 0) {
			rep.at = now_ns();
			rep.err = (int)-r;
			break;
		}
		if (seq++ == 0 && write(ready, "r", 1) != 1)
			_exit(4);
	}
	rep.count = (long long)seq;
	if (write(fd, &rep, sizeof(rep)) != sizeof(rep))
		_exit(3);
	_exit(0);
}

int main(int argc, char **argv)
{
	int trials = argc > 1 ? atoi(argv[1]) : 30;
	const char *modes[] = {"spin", "futex", "adaptive"};
	int fails = 0, hangs = 0;
	int64_t worst = 0, total = 0;
	unsigned seed = (unsigned)getpid();

	snprintf(base, sizeof(base), "posixshm:/ipcx-kill-%d", (int)getpid());
	for (int t = 0; t < trials; t++) {
		const char *mode = modes[rand_r(&seed) % 3];
		size_t size = 8 + (size_t)(rand_r(&seed) % 4000);
		snprintf(addr, sizeof(addr), "%s?size=64K&wait=%s", base, mode);
		struct ipcx_chan *mk;
		if (ipcx_open(addr, IPCX_CREATE | IPCX_EXCL | IPCX_NONBLOCK,
			      &mk) < 0) {
			printf("not ok %d - open: %s\n", t + 1,
			       ipcx_error_detail());
			fails++;
			ipcx_unlink(base);
			continue;
		}
		ipcx_close(mk);
		int p[2][2], ready[2];
		if (pipe(p[0]) < 0 || pipe(p[1]) < 0 || pipe(ready) < 0)
			return 1;
		pid_t kid[2];
		for (int k = 0; k < 2; k++) {
			kid[k] = fork();
			if (kid[k] == 0) {
				close(p[k][0]);
				side(k == 0, size, p[k][1], ready[1]);
			}
			close(p[k][1]);
		}
		close(ready[1]);
		/* Both in flow (each has moved one message)... */
		char rb[2];
		struct pollfd rp = {ready[0], POLLIN, 0};
		for (int got = 0; got < 2 && poll(&rp, 1, 3000) == 1;) {
			ssize_t r = read(ready[0], rb, 2 - (size_t)got);
			if (r <= 0)
				break;
			got += (int)r;
		}
		close(ready[0]);
		/* ...then one is killed at a random moment. */
		struct timespec d = {0, (long)(rand_r(&seed) % 20000000)};
		nanosleep(&d, NULL);
		int victim = rand_r(&seed) % 2, survivor = !victim;
		int64_t killed = now_ns();
		kill(kid[victim], SIGKILL);
		struct pollfd pf = {p[survivor][0], POLLIN, 0};
		struct report rep = {0};
		bool got =
			poll(&pf, 1, 3000) == 1 &&
			read(p[survivor][0], &rep, sizeof(rep)) == sizeof(rep);
		int64_t ms = got ? (rep.at - killed) / 1000000 : -1;
		char what[200];
		snprintf(what, sizeof(what),
			 "%s killed (%s, %zu B, after %lld messages): %s",
			 victim ? "receiver" : "sender", mode, size, rep.count,
			 got ? strerror(rep.err) : "no answer");
		/* The survivor may have ended before the kill (it cannot:
		 * both run until an error), so at is after killed. */
		bool ok = got && rep.err == EPIPE && ms <= 100 && !rep.bad;
		if (!got)
			hangs++;
		if (got && ms > worst)
			worst = ms;
		total += got ? ms : 0;
		printf("%sok %d - %s in %lld ms%s\n", ok ? "" : "not ", t + 1,
		       what, (long long)ms,
		       rep.bad ? ", torn or out of order" : "");
		if (!ok)
			fails++;
		kill(kid[survivor], SIGKILL);
		waitpid(kid[0], NULL, 0);
		waitpid(kid[1], NULL, 0);
		close(p[0][0]);
		close(p[1][0]);
		ipcx_unlink(base);
		fflush(stdout);
	}
	printf("# %d trials: %d hangs, death noticed in %lld ms at most, "
	       "%lld ms on average\n",
	       trials, hangs, (long long)worst,
	       (long long)(trials ? total / trials : 0));
	printf("1..%d\n", trials);
	return fails ? 1 : 0;
}
