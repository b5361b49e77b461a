/* SPDX-License-Identifier: MIT */
/* A plain peer for the ls/rm tool tests: makes one IPC object with the
 * system calls directly (no ipcx), says "ready", and holds it until it is
 * killed -- or, for "shm-leave", leaves it behind and exits.
 *
 *   objpeer shm KEY SIZE         shmget 0640 + shmat, held
 *   objpeer shm-leave KEY SIZE   shmget 0640 + shmat + shmdt, exits
 *   objpeer posixshm NAME SIZE   shm_open 0600 + mmap, held
 *   objpeer posixsem NAME        sem_open 0600, held
 *   objpeer mq NAME              mq_open 0600, held
 *   objpeer fifo PATH            mkfifo 0600, held open
 *   objpeer unix PATH            socket bound and listening, held
 *   objpeer flock PATH           flock(LOCK_EX) on PATH, held
 */
#include <fcntl.h>
#include <mqueue.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static int die(const char *what)
{
	perror(what);
	return 1;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: objpeer KIND NAME [SIZE]\n");
		return 2;
	}
	const char *k = argv[1], *name = argv[2];
	size_t size = argc > 3 ? strtoul(argv[3], NULL, 0) : 4096;

	if (!strcmp(k, "shm") || !strcmp(k, "shm-leave")) {
		int id = shmget((key_t)strtoul(name, NULL, 0), size,
				IPC_CREAT | IPC_EXCL | 0640);
		void *p = id < 0 ? (void *)-1 : shmat(id, NULL, 0);
		if (p == (void *)-1)
			return die("shmget/shmat");
		if (!strcmp(k, "shm-leave")) {
			shmdt(p);
			printf("ready %d\n", id);
			return 0;
		}
	} else if (!strcmp(k, "posixshm")) {
		int fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
		if (fd < 0 || ftruncate(fd, (off_t)size) < 0)
			return die("shm_open");
		if (mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
			 0) == MAP_FAILED)
			return die("mmap");
		close(fd); /* held by the mapping alone */
	} else if (!strcmp(k, "posixsem")) {
		if (sem_open(name, O_CREAT | O_EXCL, 0600, 1) == SEM_FAILED)
			return die("sem_open");
	} else if (!strcmp(k, "mq")) {
		if (mq_open(name, O_RDWR | O_CREAT | O_EXCL, 0600, NULL) < 0)
			return die("mq_open");
	} else if (!strcmp(k, "fifo")) {
		if (mkfifo(name, 0600) < 0 || open(name, O_RDWR) < 0)
			return die("mkfifo");
	} else if (!strcmp(k, "unix")) {
		struct sockaddr_un un = {.sun_family = AF_UNIX};
		int fd = socket(AF_UNIX, SOCK_STREAM, 0);
		snprintf(un.sun_path, sizeof(un.sun_path), "%s", name);
		if (fd < 0 ||
		    bind(fd, (struct sockaddr *)&un, sizeof(un)) < 0 ||
		    listen(fd, 4) < 0)
			return die("bind");
	} else if (!strcmp(k, "flock")) {
		int fd = open(name, O_RDWR | O_CREAT, 0600);
		if (fd < 0 || flock(fd, LOCK_EX) < 0)
			return die("flock");
	} else {
		fprintf(stderr, "objpeer: unknown kind '%s'\n", k);
		return 2;
	}
	printf("ready\n");
	fflush(stdout);
	for (;;)
		pause();
}
