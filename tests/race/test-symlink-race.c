/* SPDX-License-Identifier: MIT */
/*
 * Planted and raced symlinks, run as root against an unprivileged
 * attacker: a directory owned by another user, where that user swaps
 * the name ipcx creates (a UNIX socket, a FIFO) for a symlink to a
 * root-owned file, as fast as it can, while ipcx creates and opens it
 * thousands of times.  The victim's mode, owner and contents must not
 * change.  Also the planted (not raced) links: mmap:, fifo:, flock:,
 * fcntl: through a symlink are refused unless follow=1.
 *
 * Usage: test-symlink-race [TRIES]   (TAP; skips unless root)
 */
#include <ipcx.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int n, fails;
static char dir[128], victim[160], name[192];

static void ok(bool cond, const char *what)
{
	printf("%sok %d - %s\n", cond ? "" : "not ", ++n, what);
	if (!cond) {
		fails++;
		printf("#   %s\n", ipcx_error_detail());
	}
	fflush(stdout);
}

/* A root-owned file, 0644, holding "victim". */
static void make_victim(void)
{
	unlink(victim);
	int fd = open(victim, O_WRONLY | O_CREAT | O_EXCL, 0644);
	if (fd < 0 || write(fd, "victim", 6) != 6 || fchmod(fd, 0644) < 0) {
		perror(victim);
		exit(1);
	}
	close(fd);
}

static bool victim_intact(void)
{
	struct stat st;
	char buf[16] = {0};
	int fd = open(victim, O_RDONLY);
	ssize_t r = fd >= 0 ? read(fd, buf, sizeof(buf)) : -1;

	if (fd >= 0)
		close(fd);
	return stat(victim, &st) == 0 && (st.st_mode & 07777) == 0644 &&
	       st.st_uid == 0 && r == 6 && !memcmp(buf, "victim", 6);
}

/* The attacker: as UID, forever, move whatever appears at NAME away and
 * put a symlink to the victim in its place. */
static pid_t attacker(uid_t uid, gid_t gid)
{
	pid_t pid = fork();

	if (pid != 0)
		return pid;
	if (setgroups(0, NULL) < 0 || setgid(gid) < 0 || setuid(uid) < 0)
		_exit(99);
	char aside[224];
	snprintf(aside, sizeof(aside), "%s/aside", dir);
	for (;;) {
		if (rename(name, aside) == 0) {
			symlink(victim, name);
			unlink(aside);
		}
	}
}

static void race(const char *scheme, unsigned flags, int tries, uid_t uid,
		 gid_t gid)
{
	char addr[256], what[400];
	int opened = 0;

	snprintf(addr, sizeof(addr), "%s:%s", scheme, name);
	make_victim();
	pid_t a = attacker(uid, gid);
	for (int i = 0; i < tries; i++) {
		struct ipcx_chan *c;
		unlink(name); /* root may remove the attacker's link */
		if (ipcx_open(addr, flags, &c) == 0) {
			opened++;
			ipcx_close(c);
		}
	}
	kill(a, SIGKILL);
	waitpid(a, NULL, 0);
	unlink(name);
	snprintf(what, sizeof(what),
		 "%s: %d creations raced by another user (%d opened): the "
		 "victim's mode, owner and bytes unchanged",
		 scheme, tries, opened);
	ok(victim_intact(), what);
}

int main(int argc, char **argv)
{
	int tries = argc > 1 ? atoi(argv[1]) : 2000;
	struct passwd *pw = getpwnam("nobody");

	if (geteuid() != 0 || !pw) {
		printf("1..0 # SKIP needs root and a 'nobody' user\n");
		return 0;
	}
	snprintf(dir, sizeof(dir), "/tmp/ipcx-race-%d", (int)getpid());
	snprintf(victim, sizeof(victim), "/tmp/ipcx-race-%d.victim",
		 (int)getpid());
	snprintf(name, sizeof(name), "%s/x", dir);
	if (mkdir(dir, 0755) < 0 || chown(dir, pw->pw_uid, pw->pw_gid) < 0) {
		perror(dir);
		return 1;
	}
	make_victim();
	struct stat before;
	stat(victim, &before);

	/* Planted links: refused, the victim untouched. */
	if (symlink(victim, name) < 0) {
		perror(name);
		return 1;
	}
	struct {
		const char *scheme;
		unsigned flags;
	} planted[] = {{"mmap", IPCX_SEND},
		       {"mmap", IPCX_RECV | IPCX_CREATE},
		       {"fifo", IPCX_SEND},
		       {"fifo", IPCX_RECV | IPCX_CREATE}};
	for (size_t i = 0; i < sizeof(planted) / sizeof(*planted); i++) {
		char addr[256], what[400];
		struct ipcx_chan *c;
		snprintf(addr, sizeof(addr), "%s:%s", planted[i].scheme, name);
		int r = ipcx_open(addr, planted[i].flags, &c);
		if (r == 0)
			ipcx_close(c);
		snprintf(what, sizeof(what),
			 "%s: through a planted symlink (%s): refused", addr,
			 planted[i].flags & IPCX_CREATE ? "creating"
							: "opening");
		ok(r == -ELOOP || r == -EEXIST, what);
	}
	struct ipcx_region *reg;
	char addr[256];
	snprintf(addr, sizeof(addr), "mmap:%s", name);
	ok(ipcx_region_open(addr, 0, 0, &reg) == -ELOOP,
	   "mmap: region through a planted symlink: refused");
	struct ipcx_lock *l;
	const char *locks[] = {"flock", "fcntl"};
	for (int i = 0; i < 2; i++) {
		snprintf(addr, sizeof(addr), "%s:%s", locks[i], name);
		ok(ipcx_lock_open(addr, 0, &l) == -ELOOP,
		   "a lock through a planted symlink: refused");
	}
	struct stat after;
	stat(victim, &after);
	ok(victim_intact() && after.st_mtim.tv_sec == before.st_mtim.tv_sec &&
		   after.st_mtim.tv_nsec == before.st_mtim.tv_nsec,
	   "...the victim's mode, bytes and mtime unchanged");
	/* follow=1: the user asked. */
	snprintf(addr, sizeof(addr), "flock:%s?follow=1", name);
	int r = ipcx_lock_open(addr, 0, &l);
	ok(r == 0, "flock:LINK?follow=1 follows it");
	if (r == 0)
		ipcx_lock_close(l);
	unlink(name);

	race("unix", IPCX_LISTEN, tries, pw->pw_uid, pw->pw_gid);
	race("fifo", IPCX_RECV | IPCX_CREATE | IPCX_NONBLOCK, tries, pw->pw_uid,
	     pw->pw_gid);
	race("mmap", IPCX_CREATE, tries / 4, pw->pw_uid, pw->pw_gid);

	unlink(victim);
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		fails++;
	printf("1..%d\n", n);
	return fails ? 1 : 0;
}
