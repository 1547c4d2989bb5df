/* What the topology relay tests share (test_topo_relay.c,
 * test_topo_relay_peers.c): the clock, the stamp jobs carry, the children
 * (forked, stopped by SIGTERM), the topology configuration every process
 * of a site uses, a relay run until SIGTERM (and what it says of itself),
 * the removal of its bridges' state objects (and the check that nothing
 * else is left), a block of 16 free TCP ports, and a TCP forwarder between
 * the relays whose stop (SIGSTOP) makes a silent link on the loopback
 * (inline where a test may not use it). Include once, after the generated
 * header and topo_relay.h.
 */
#ifndef MYL_TESTS_RELAY_TEST_H
#define MYL_TESTS_RELAY_TEST_H

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "myelon/topo_relay.h"

static char instance[32];
static volatile sig_atomic_t stopping;
static myl_topo_relay *the_relay;

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void nap_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* What a job's answer must carry back. */
static uint64_t stamp(uint64_t id)
{
    return id * UINT64_C(0x9e3779b97f4a7c15) ^ UINT64_C(0x5eed);
}

static void on_term(int sig)
{
    (void)sig;
    stopping = 1;
    if (the_relay)
        myl_topo_relay_stop(the_relay);
}

static void cfg_for(myl_topo_cfg *c, const char *prefix)
{
    myl_topo_cfg_init(c);
    c->instance = instance;
    c->prefix = prefix;
    c->liveness.check_interval_ns = 10000000;
    c->liveness.progress_timeout_ns = 5000000000;
    c->liveness.startup_wait_ns = 30000000000;
}

static void child_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_term;
    sigaction(SIGTERM, &sa, NULL);
}

/* What each side's relay says of itself (myl_topo_relay_rings and
 * myl_topo_relay_up), refreshed by relay_serve between its runs: shared
 * with the test's process when it maps them (relay_views_map) before it
 * spawns the relays. Indexed by MYL_RELAY_HOME and MYL_RELAY_REMOTE. */
typedef struct relay_view {
    _Atomic uint32_t rings, up;
} relay_view;
static relay_view *relay_views;

static inline int relay_views_map(void)
{
    void *p = mmap(NULL, 3 * sizeof(relay_view), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
                   -1, 0);
    if (p == MAP_FAILED)
        return -1;
    relay_views = p; /* zero-filled: no ring, nothing up */
    return 0;
}

/* A relay of topology d run in this (child) process until SIGTERM: 0, or
 * 2 when it fails (its error on stderr). */
static int relay_serve(const myl_topo_desc *d, const myl_topo_relay_opts *o)
{
    child_signals();
    int rc = myl_topo_relay_open(d, o, &the_relay);
    if (rc < 0)
        return 2;
    /* Runs of 20 ms: between them, what the relay says of itself. */
    while (!stopping && (rc = myl_topo_relay_run(the_relay, 20000000)) == 0) {
        if (relay_views && o->side <= MYL_RELAY_REMOTE) {
            relay_view *v = &relay_views[o->side];
            /* Relaxed: the test's process polls until it sees a value. */
            atomic_store_explicit(&v->rings, myl_topo_relay_rings(the_relay), memory_order_relaxed);
            atomic_store_explicit(&v->up, myl_topo_relay_up(the_relay), memory_order_relaxed);
        }
    }
    if (rc < 0)
        fprintf(stderr, "relay: %s\n", myl_topo_relay_error(the_relay));
    myl_topo_relay_close(the_relay);
    return rc < 0 ? 2 : 0;
}

static pid_t spawn(int (*fn)(uint32_t), uint32_t arg)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0)
        exit(fn(arg)); /* exit, not _exit: a sanitizer's leak check runs */
    return pid;
}

/* The first line of /proc/PATH's file that begins with key, or "" (the
 * key left out). */
static void proc_field(const char *path, const char *key, char *out, size_t cap)
{
    char line[256];
    size_t kl = strlen(key);
    FILE *f = fopen(path, "r");
    out[0] = 0;
    while (f && fgets(line, sizeof line, f)) {
        if (strncmp(line, key, kl) == 0) {
            line[strcspn(line, "\n")] = 0;
            snprintf(out, cap, "%s", line + kl + strspn(line + kl, " \t"));
            break;
        }
    }
    if (f)
        fclose(f);
}

/* One task of a process: its name, state, kernel wait channel, system
 * call (number first), tracer and blocked signals. */
static void describe_task(pid_t pid, const char *tid)
{
    char path[96], buf[256];
    static const char *const what[] = {"comm", "stat", "wchan", "syscall"};
    fprintf(stderr, "  %s:", tid);
    for (size_t k = 0; k < sizeof what / sizeof what[0]; k++) {
        snprintf(path, sizeof path, "/proc/%d/task/%.16s/%s", (int)pid, tid, what[k]);
        FILE *f = fopen(path, "r");
        size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
        if (f)
            fclose(f);
        buf[n] = 0;
        buf[strcspn(buf, "\n")] = 0;
        if (k == 1) { /* stat: only the state after the name's ")" */
            char *rp = strrchr(buf, ')');
            memmove(buf, rp ? rp + 2 : buf, 2);
            buf[1] = 0;
        }
        fprintf(stderr, " %s=%s", what[k], buf);
    }
    snprintf(path, sizeof path, "/proc/%d/task/%.16s/status", (int)pid, tid);
    proc_field(path, "TracerPid:", buf, sizeof buf);
    fprintf(stderr, " tracer=%s", buf);
    proc_field(path, "SigBlk:", buf, sizeof buf);
    fprintf(stderr, " sigblk=%s\n", buf);
}

static void describe_tasks(pid_t pid)
{
    char path[96];
    snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
    DIR *d = opendir(path);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL)
        if (e->d_name[0] != '.')
            describe_task(pid, e->d_name);
    if (d)
        closedir(d);
}

/* What a child that does not exit is doing, from /proc: its command and
 * its threads (describe_task), then its own children's (a sanitizer's
 * leak check runs in one, which stops the process's threads with ptrace),
 * then, where gdb is installed, every thread's stack; so a hang at
 * shutdown says where it is. */
static void describe_hung(pid_t pid)
{
    char path[96], buf[256];
    snprintf(path, sizeof path, "/proc/%d/cmdline", (int)pid);
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    if (f)
        fclose(f);
    buf[n] = 0;
    fprintf(stderr, "pid %d (%s) did not exit; its threads:\n", (int)pid, n ? buf : "?");
    describe_tasks(pid);
    DIR *d = opendir("/proc");
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        int child = atoi(e->d_name);
        char ppid[32];
        if (child <= 0)
            continue;
        snprintf(path, sizeof path, "/proc/%d/status", child);
        proc_field(path, "PPid:", ppid, sizeof ppid);
        if (atoi(ppid) != (int)pid)
            continue;
        fprintf(stderr, "its child %d:\n", child);
        describe_tasks((pid_t)child);
    }
    if (d)
        closedir(d);
    if (access("/usr/bin/gdb", X_OK) == 0) {
        char cmd[160];
        fflush(NULL);
        snprintf(cmd, sizeof cmd,
                 "timeout 60 /usr/bin/gdb -batch -nx -p %d -ex 'thread apply all bt' 1>&2 "
                 "</dev/null",
                 (int)pid);
        if (system(cmd) != 0)
            fprintf(stderr, "(gdb could not show the stacks)\n");
    }
}

/* Children that had to be killed because they did not exit: a run with
 * any fails. */
static unsigned reap_hung;

/* Signal a child and, unless it was SIGSTOP, wait for it. Unless the
 * signal is SIGKILL, the child is continued first, in case it was
 * stopped: never after the signal, which it may be exiting from by then,
 * and a sanitizer's leak check at exit stops the process's threads with
 * ptrace, whose SIGSTOP a late SIGCONT discards: the checker would wait
 * for that stop forever. One that has not exited 45 s after the signal
 * (a hand's open may wait 30 s for its owner) is described, killed and
 * counted in reap_hung: the run fails there rather than at ctest's
 * timeout, and says what the child was doing. */
static void reap(pid_t pid, int sig)
{
    if (pid <= 0)
        return;
    if (sig != SIGKILL && sig != SIGSTOP)
        kill(pid, SIGCONT);
    kill(pid, sig);
    if (sig == SIGSTOP)
        return;
    for (uint64_t end = now_ns() + UINT64_C(45000000000);;) {
        pid_t r = waitpid(pid, NULL, WNOHANG);
        if (r == pid || (r < 0 && errno != EINTR))
            return;
        if (now_ns() > end)
            break;
        nap_ms(10);
    }
    describe_hung(pid);
    kill(pid, SIGKILL);
    (void)waitpid(pid, NULL, 0);
    reap_hung++;
}

/* Everything of this instance under prefix in /dev/shm removed, once its
 * processes are gone. The relays' bridges' state objects (its rings' names
 * with .bridge-export or .bridge-import appended) outlive the relays by
 * design (a restarted relay's bridges resume from them), so a test that
 * ends removes them. Anything else (a ring, a site's segment) was its
 * owner's to remove on a clean close: each one is named on stderr, and
 * their count returned, which fails a run that otherwise passed (after a
 * failure they are only removed). */
static size_t remove_states(const char *prefix)
{
    DIR *d = opendir("/dev/shm");
    struct dirent *e;
    size_t lp = strlen(prefix), li = strlen(instance), left = 0;
    while (d && (e = readdir(d)) != NULL) {
        char name[300];
        if (strncmp(e->d_name, prefix, lp) != 0 || strncmp(e->d_name + lp, instance, li) != 0 ||
            e->d_name[lp + li] != '.' ||
            snprintf(name, sizeof name, "/%s", e->d_name) >= (int)sizeof name)
            continue;
        if (!strstr(e->d_name, ".bridge-")) {
            fprintf(stderr, "left in /dev/shm by its owner: %s\n", e->d_name);
            left++;
        }
        shm_unlink(name);
    }
    if (d)
        closedir(d);
    return left;
}

/* A block of 16 ports (the relay's control port and one per ring) that
 * are free on 127.0.0.1 now, below Linux's ephemeral range (32768 and up:
 * ZeroMQ's outgoing connections take ports there, and so do other tests
 * running at the same time): the first free one of the blocks first,
 * first + salt, first + 2 salt, ... (modulo 780), other than the block at
 * avoid (0: none). */
static unsigned free_block_from(unsigned first, unsigned salt, unsigned avoid)
{
    for (unsigned t = 0; t < 64; t++) {
        unsigned base = 20000u + (first + t * salt) % 780u * 16u, k = 0;
        if (base == avoid)
            continue;
        for (; k < 16; k++) {
            int fd = socket(AF_INET, SOCK_STREAM, 0);
            struct sockaddr_in a = {.sin_family = AF_INET,
                                    .sin_port = htons((uint16_t)(base + k)),
                                    .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
            bool ok = fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0;
            if (fd >= 0)
                close(fd);
            if (!ok)
                break;
        }
        if (k == 16)
            return base;
    }
    unsigned base = 20000u + first % 780u * 16u;
    return base != avoid ? base : base >= 20016u ? base - 16u : base + 16u;
}

/* A block picked by the pid, so that tests running at once (their pids
 * close together) pick different blocks; salt tells a test's retries
 * apart from another's. */
static unsigned free_block(unsigned salt)
{
    return free_block_from((unsigned)getpid(), salt, 0);
}

/* A second block, apart from block a: picked half way round from the
 * pid's, so that it is not the first block of a test started just before
 * or after this one (whose pid is this one's give or take a few). */
static inline unsigned free_block_apart(unsigned a, unsigned salt)
{
    return free_block_from((unsigned)getpid() + 390u, salt, a);
}

/* ---- the forwarder: a link that can go silent ---- */

/* One forwarded connection: both directions copy (a thread each); the
 * last to end closes both sockets. */
struct fwd_conn {
    int fd[2]; /* accepted (the home relay's), connected (the remote's) */
    atomic_int refs;
};

struct fwd_dir {
    struct fwd_conn *c;
    int from, to;
};

static void *fwd_copy(void *arg)
{
    struct fwd_dir *d = arg;
    char buf[65536];
    ssize_t n;
    while ((n = read(d->c->fd[d->from], buf, sizeof buf)) > 0)
        for (ssize_t off = 0; off < n;) {
            ssize_t w = write(d->c->fd[d->to], buf + off, (size_t)(n - off));
            if (w <= 0)
                goto done;
            off += w;
        }
done:
    /* Either side's end ends both directions, as a relay's would. */
    shutdown(d->c->fd[0], SHUT_RDWR);
    shutdown(d->c->fd[1], SHUT_RDWR);
    /* Acq-rel: the last one sees the other's use of the sockets done. */
    if (atomic_fetch_sub_explicit(&d->c->refs, 1, memory_order_acq_rel) == 1) {
        close(d->c->fd[0]);
        close(d->c->fd[1]);
        free(d->c);
    }
    free(d);
    return NULL;
}

static int fwd_socket(unsigned port, bool listening)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (fd < 0)
        return -1;
    if (listening) {
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (bind(fd, (struct sockaddr *)&a, sizeof a) == 0 && listen(fd, 16) == 0)
            return fd;
    } else if (connect(fd, (struct sockaddr *)&a, sizeof a) == 0) {
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        return fd;
    }
    close(fd);
    return -1;
}

static unsigned fwd_from, fwd_to;

/* Port k: accepts and forwards each connection to the same offset of the
 * target block (refused there: closed, and the relay connects again). */
static void *fwd_port(void *arg)
{
    unsigned k = (unsigned)(uintptr_t)arg;
    int lfd = fwd_socket(fwd_from + k, true), one = 1;
    if (lfd < 0) {
        fprintf(stderr, "forwarder: port %u: cannot listen\n", fwd_from + k);
        return NULL;
    }
    for (;;) {
        int a = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
        if (a < 0)
            continue;
        setsockopt(a, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        int u = fwd_socket(fwd_to + k, false);
        struct fwd_conn *c = u < 0 ? NULL : malloc(sizeof *c);
        struct fwd_dir *d0 = c ? malloc(sizeof *d0) : NULL, *d1 = d0 ? malloc(sizeof *d1) : NULL;
        if (!d1) {
            close(a);
            if (u >= 0)
                close(u);
            free(c);
            free(d0);
            continue;
        }
        c->fd[0] = a;
        c->fd[1] = u;
        atomic_init(&c->refs, 2);
        *d0 = (struct fwd_dir){c, 0, 1};
        *d1 = (struct fwd_dir){c, 1, 0};
        pthread_t th;
        pthread_attr_t at;
        pthread_attr_init(&at);
        pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
        if (pthread_create(&th, &at, fwd_copy, d0) != 0) {
            free(d0);
            atomic_fetch_sub_explicit(&c->refs, 1, memory_order_relaxed);
            shutdown(a, SHUT_RDWR);
        }
        if (pthread_create(&th, &at, fwd_copy, d1) != 0) {
            free(d1);
            shutdown(a, SHUT_RDWR);
            if (atomic_fetch_sub_explicit(&c->refs, 1, memory_order_acq_rel) == 1) {
                close(a);
                close(u);
                free(c);
            }
        }
        pthread_attr_destroy(&at);
    }
    return NULL;
}

/* A forwarder (a forked child, until killed: spawn_forwarder) from the
 * 16 ports at `from` on 127.0.0.1 to those at `to`, each connection copied
 * both ways as it comes: the home relay connects to `from`, the remote
 * relay binds `to`. Stopped with SIGSTOP it passes nothing and closes nothing (the
 * kernel still takes what fits in the sockets' buffers): a silent link,
 * which SIGCONT restores with what was queued on it. */
static int forwarder_main(uint32_t unused)
{
    (void)unused;
    signal(SIGPIPE, SIG_IGN);
    for (unsigned k = 0; k < 16; k++) {
        pthread_t th;
        if (pthread_create(&th, NULL, fwd_port, (void *)(uintptr_t)k) != 0)
            return 2;
        pthread_detach(th);
    }
    for (;;)
        pause();
}

static inline pid_t spawn_forwarder(unsigned from, unsigned to)
{
    fwd_from = from;
    fwd_to = to;
    return spawn(forwarder_main, 0);
}

#endif
