/* SPDX-License-Identifier: MIT */
/* A plain message-queue peer for the tool tests: msgsnd/msgrcv and
 * mq_send/mq_receive called directly, no ipcx.
 *
 *   mqpeer sysv-send KEY TYPE MSG...   (creates the queue 0600 if missing)
 *   mqpeer sysv-recv KEY N             prints "TYPE DATA" per message
 *   mqpeer posix-send NAME PRIO MSG...
 *   mqpeer posix-recv NAME N           prints "PRIO DATA" per message
 *   mqpeer posix-unlink NAME
 */
#include <fcntl.h>
#include <mqueue.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/msg.h>

struct msg {
	long mtype;
	char mtext[8192];
};

static int die(const char *what)
{
	perror(what);
	return 1;
}

int main(int argc, char **argv)
{
	static struct msg m;

	if (argc < 3)
		return 2;
	if (!strcmp(argv[1], "sysv-send") && argc >= 4) {
		int id = msgget((key_t)strtoul(argv[2], NULL, 0),
				IPC_CREAT | 0600);
		if (id < 0)
			return die("msgget");
		m.mtype = atol(argv[3]);
		for (int i = 4; i < argc; i++) {
			size_t n = strlen(argv[i]);
			memcpy(m.mtext, argv[i], n);
			if (msgsnd(id, &m, n, 0) < 0)
				return die("msgsnd");
		}
		return 0;
	}
	if (!strcmp(argv[1], "sysv-recv") && argc == 4) {
		int id = msgget((key_t)strtoul(argv[2], NULL, 0), 0);
		if (id < 0)
			return die("msgget");
		for (int i = 0; i < atoi(argv[3]); i++) {
			ssize_t n = msgrcv(id, &m, sizeof(m.mtext), 0, 0);
			if (n < 0)
				return die("msgrcv");
			printf("%ld %.*s\n", m.mtype, (int)n, m.mtext);
		}
		return 0;
	}
	if (!strcmp(argv[1], "posix-send") && argc >= 4) {
		mqd_t q = mq_open(argv[2], O_WRONLY | O_CREAT, 0600, NULL);
		if (q == (mqd_t)-1)
			return die("mq_open");
		for (int i = 4; i < argc; i++)
			if (mq_send(q, argv[i], strlen(argv[i]),
				    (unsigned)atoi(argv[3])) < 0)
				return die("mq_send");
		return 0;
	}
	if (!strcmp(argv[1], "posix-recv") && argc == 4) {
		mqd_t q = mq_open(argv[2], O_RDONLY);
		struct mq_attr a;
		if (q == (mqd_t)-1 || mq_getattr(q, &a) < 0)
			return die("mq_open");
		char *buf = malloc((size_t)a.mq_msgsize);
		for (int i = 0; i < atoi(argv[3]); i++) {
			unsigned prio;
			ssize_t n =
				mq_receive(q, buf, (size_t)a.mq_msgsize, &prio);
			if (n < 0)
				return die("mq_receive");
			printf("%u %.*s\n", prio, (int)n, buf);
		}
		free(buf);
		return 0;
	}
	if (!strcmp(argv[1], "posix-unlink"))
		return mq_unlink(argv[2]) < 0 ? die("mq_unlink") : 0;
	return 2;
}
