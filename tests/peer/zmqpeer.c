/* SPDX-License-Identifier: MIT */
/*
 * A plain libzmq program (no ipcx) for the interop tests:
 *   zmqpeer TYPE ENDPOINT bind|connect send MSG...   send each, then close
 *   zmqpeer TYPE ENDPOINT bind|connect recv N [PREFIX]
 *                                  print N messages (frames joined by '|')
 *   zmqpeer TYPE ENDPOINT bind|connect serve N   rep/router: answer N
 *                                  requests upper-cased (router: same id)
 *   zmqpeer TYPE ENDPOINT bind|connect ask MSG   req/dealer: print the reply
 *   zmqpeer pub ENDPOINT bind|connect publish N  "x<i>" and "y<i>", 10 ms apart
 * Exits 0, or 1 with a line on stderr; waits at most 10 s for anything.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

static const char *const names[] = {"push", "pull",   "pub",	"sub", "req",
				    "rep",  "dealer", "router", "pair"};
static const int types[] = {ZMQ_PUSH, ZMQ_PULL,	  ZMQ_PUB,    ZMQ_SUB, ZMQ_REQ,
			    ZMQ_REP,  ZMQ_DEALER, ZMQ_ROUTER, ZMQ_PAIR};

static int die(const char *what)
{
	fprintf(stderr, "zmqpeer: %s: %s\n", what, zmq_strerror(zmq_errno()));
	exit(1);
}

/* One whole message into BUF (frames joined by '|'): where its last
 * frame starts; FIRST receives the first frame (a router's identity). */
static size_t get(void *s, char *buf, size_t n, zmq_msg_t *first)
{
	int more = 1, k = 0;
	size_t len = sizeof(more), at = 0, last = 0;

	while (more) {
		zmq_msg_t m;
		zmq_msg_init(&m);
		if (zmq_msg_recv(&m, s, 0) < 0)
			die("receive");
		size_t l = zmq_msg_size(&m);
		if (k && at < n - 1)
			buf[at++] = '|';
		last = at;
		if (l > n - 1 - at)
			l = n - 1 - at;
		memcpy(buf + at, zmq_msg_data(&m), l);
		at += l;
		zmq_getsockopt(s, ZMQ_RCVMORE, &more, &len);
		if (k == 0 && first)
			zmq_msg_copy(first, &m);
		zmq_msg_close(&m);
		k++;
	}
	buf[at] = '\0';
	return last;
}

int main(int argc, char **argv)
{
	if (argc < 5)
		return fprintf(stderr, "usage: see zmqpeer.c\n"), 2;
	int t = -1, ms = 10000, zero = 0;
	for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++)
		if (!strcmp(argv[1], names[i]))
			t = types[i];
	void *ctx = zmq_ctx_new(), *s = ctx ? zmq_socket(ctx, t) : NULL;
	if (!s)
		die("socket");
	zmq_setsockopt(s, ZMQ_RCVTIMEO, &ms, sizeof(ms));
	zmq_setsockopt(s, ZMQ_SNDTIMEO, &ms, sizeof(ms));
	zmq_setsockopt(s, ZMQ_LINGER, &ms, sizeof(ms));
	if (t == ZMQ_SUB)
		zmq_setsockopt(s, ZMQ_SUBSCRIBE, argc > 6 ? argv[6] : "",
			       argc > 6 ? strlen(argv[6]) : 0);
	if ((strcmp(argv[3], "bind") ? zmq_connect(s, argv[2])
				     : zmq_bind(s, argv[2])) < 0)
		die(argv[3]);
	const char *act = argv[4];
	char buf[4096];
	if (!strcmp(act, "send")) {
		for (int i = 5; i < argc; i++)
			if (zmq_send(s, argv[i], strlen(argv[i]), 0) < 0)
				die("send");
	} else if (!strcmp(act, "recv")) {
		for (int i = 0, n = argc > 5 ? atoi(argv[5]) : 1; i < n; i++) {
			get(s, buf, sizeof(buf), NULL);
			printf("%s\n", buf);
		}
	} else if (!strcmp(act, "serve")) {
		for (int i = 0, n = argc > 5 ? atoi(argv[5]) : 1; i < n; i++) {
			zmq_msg_t id;
			zmq_msg_init(&id);
			char *body = buf + get(s, buf, sizeof(buf),
					       t == ZMQ_ROUTER ? &id : NULL);
			if (t == ZMQ_ROUTER) {
				if (zmq_msg_send(&id, s, ZMQ_SNDMORE) < 0)
					die("send id");
			}
			for (char *c = body; *c; c++)
				*c = (char)toupper((unsigned char)*c);
			if (zmq_send(s, body, strlen(body), 0) < 0)
				die("reply");
			zmq_msg_close(&id);
		}
	} else if (!strcmp(act, "ask")) {
		if (zmq_send(s, argv[5], strlen(argv[5]), 0) < 0)
			die("ask");
		get(s, buf, sizeof(buf), NULL);
		printf("%s\n", buf);
	} else if (!strcmp(act, "publish")) {
		for (int i = 0, n = atoi(argv[5]); i < n; i++) {
			for (int k = 0; k < 2; k++) {
				int l = snprintf(buf, sizeof(buf), "%c%d",
						 k ? 'y' : 'x', i);
				zmq_send(s, buf, (size_t)l, 0);
			}
			usleep(10000);
		}
		zmq_setsockopt(s, ZMQ_LINGER, &zero, sizeof(zero));
	}
	fflush(stdout);
	zmq_close(s);
	zmq_ctx_term(ctx);
	return 0;
}
