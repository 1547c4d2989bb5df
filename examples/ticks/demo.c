/* The demo: creates the ring, starts one producer and two consumer
 * processes (fork + exec of the programs beside this one), waits for them,
 * prints the ring's counters and removes the ring. */
#define _POSIX_C_SOURCE 200809L
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "myelon/myelon.h"
#include "tick.h"

static char dir[PATH_MAX];

static pid_t spawn(const char *prog, char *const argv[])
{
    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/%s", dir, prog);
    pid_t pid = fork();
    if (pid == 0) {
        execv(path, argv);
        perror(path);
        _exit(127);
    }
    return pid;
}

int main(int argc, char **argv)
{
    const char *count = argc > 1 ? argv[1] : "2000000";
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0)
        return 1;
    self[n] = '\0';
    snprintf(dir, sizeof dir, "%s", dirname(self));

    myl_ring *r;
    /* The channel "ticks" of schemas/ticks.myl, as myelonc compiled it; a
     * ring left by a killed run is replaced, a live demo's is not. */
    myl_ring_opts o;
    myl_channel_ring_opts(&ticks_ticks_desc, TICKS_RING, &o);
    o.flags = MYL_SEG_REPLACE_STALE;
    int rc = myl_ring_create(&o, &r);
    if (rc < 0) {
        fprintf(stderr, "create: %s\n", myl_strerror(rc));
        return 1;
    }
    printf("myelon %s: channel ticks (schemas/ticks.myl, fingerprint %016llx) in ring '%s',\n"
           "%llu slots of %u bytes; a producer and 2 consumer processes\n",
           MYL_VERSION_STRING, (unsigned long long)ticks_ticks_desc.fingerprint, TICKS_RING,
           (unsigned long long)r->capacity, r->slot_size);
    fflush(stdout);
    pid_t c0 =
        spawn("ticks_consumer", (char *const[]){"ticks_consumer", "ticks-0", (char *)count, NULL});
    pid_t c1 =
        spawn("ticks_consumer", (char *const[]){"ticks_consumer", "ticks-1", (char *)count, NULL});
    pid_t p = spawn("ticks_producer", (char *const[]){"ticks_producer", (char *)count, "2", NULL});
    int failed = 0;
    pid_t pids[] = {p, c0, c1};
    for (int i = 0; i < 3; i++) {
        int st;
        waitpid(pids[i], &st, 0);
        failed |= !WIFEXITED(st) || WEXITSTATUS(st) != 0;
    }
    myl_ring_stats s;
    myl_ring_stats_get(r, &s);
    printf("ring: published %llu, producer waits %llu, futex wakes %llu\n",
           (unsigned long long)s.published, (unsigned long long)s.producer_waits,
           (unsigned long long)s.futex_wakes);
    for (uint32_t i = 0; i < r->max_consumers; i++) {
        myl_consumer_stats cs;
        myl_ring_consumer_stats(r, i, &cs);
        if (cs.id[0])
            printf("consumer %-8s consumed %llu, waits %llu\n", cs.id,
                   (unsigned long long)cs.consumed, (unsigned long long)cs.waits);
    }
    myl_ring_close(r);
    ticks_ticks_unlink(TICKS_RING);
    printf("%s\n", failed ? "demo FAILED" : "demo OK");
    return failed;
}
