/* See mp_driver.h. The paths of the programs come from the build:
 * MP_PRODUCER_PATH and MP_CONSUMER_PATH ($<TARGET_FILE:...>), or the
 * environment variables of the same names. */
#define _POSIX_C_SOURCE 200809L
#include "mp_driver.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mp_args.h"
#include "mp_event.h"

#ifndef MP_PRODUCER_PATH
#define MP_PRODUCER_PATH "mp_producer"
#endif
#ifndef MP_CONSUMER_PATH
#define MP_CONSUMER_PATH "mp_consumer"
#endif

static const char *prog(const char *env, const char *def)
{
    const char *p = getenv(env);
    return p && p[0] ? p : def;
}

uint64_t mp_env_u64(const char *name, uint64_t def)
{
    const char *v = getenv(name);
    uint64_t x;
    return v && mp_parse_u64(v, &x) == 0 ? x : def;
}

static const char *tmpdir(void)
{
    const char *t = getenv("TMPDIR");
    return t && t[0] ? t : "/tmp";
}

const char *mp_ring_name(const mp_cfg *cfg, char *buf, size_t size)
{
    if (cfg->backing == MYL_BACKING_FILE)
        snprintf(buf, size, "%s/%s.ring", tmpdir(), cfg->label);
    else
        snprintf(buf, size, "%s", cfg->label);
    return buf;
}

const char *mp_tmp_path(const mp_cfg *cfg, const char *suffix, char *buf, size_t size)
{
    snprintf(buf, size, "%s/%s.%s", tmpdir(), cfg->label, suffix);
    return buf;
}

int mp_create(const mp_cfg *cfg, myl_ring **out)
{
    char name[256];
    myl_ring_opts o = {.size = sizeof o,
                       .backing = cfg->backing,
                       .name = mp_ring_name(cfg, name, sizeof name),
                       .slot_size = cfg->slot,
                       .producers = cfg->producers_mode,
                       .capacity = cfg->capacity,
                       .mode = cfg->mode,
                       .wait = cfg->wait,
                       .max_consumers = 16,
                       .max_producers = cfg->producers_mode != MYL_PRODUCERS_MULTI ? 1
                                        : cfg->max_producers ? cfg->max_producers
                                                             : 16};
    (void)myl_ring_unlink(cfg->backing, o.name); /* a stale ring from a killed run */
    return myl_ring_create(&o, out);
}

int mp_destroy(const mp_cfg *cfg, myl_ring *r)
{
    char name[256];
    myl_ring_close(r);
    return myl_ring_unlink(cfg->backing, mp_ring_name(cfg, name, sizeof name));
}

/* An argv under construction; strings are copied into buf. */
typedef struct argv_buf {
    char *v[80];
    int n;
    char buf[4096];
    size_t used;
} argv_buf;

static void arg(argv_buf *a, const char *fmt, ...)
{
    va_list ap;
    if (a->n >= (int)(sizeof a->v / sizeof a->v[0]) - 1)
        return;
    va_start(ap, fmt);
    int len = vsnprintf(a->buf + a->used, sizeof a->buf - a->used, fmt, ap);
    va_end(ap);
    if (len < 0 || a->used + (size_t)len + 1 > sizeof a->buf)
        return;
    a->v[a->n++] = a->buf + a->used;
    a->v[a->n] = NULL;
    a->used += (size_t)len + 1;
}

static void common_args(argv_buf *a, const mp_cfg *cfg)
{
    char name[256];
    arg(a, "--name");
    arg(a, "%s", mp_ring_name(cfg, name, sizeof name));
    arg(a, "--backing");
    arg(a, "%s", cfg->backing == MYL_BACKING_FILE ? "file" : "shm");
    arg(a, "--mode");
    arg(a, "%s", cfg->mode == MYL_MODE_LOSSY ? "lossy" : "gated");
    arg(a, "--slot");
    arg(a, "%u", cfg->slot);
    arg(a, "--timeout-ms");
    arg(a, "%u", cfg->timeout_ms ? cfg->timeout_ms : 30000);
}

static pid_t spawn(const char *path, argv_buf *a, const char *const *extra)
{
    for (; extra && *extra; extra++)
        arg(a, "%s", *extra);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        /* The test's watchdog alarm must not be inherited across exec. */
        alarm(0);
        execv(path, a->v);
        fprintf(stderr, "exec %s: %s\n", path, strerror(errno));
        _exit(127);
    }
    return pid;
}

pid_t mp_spawn_producer(const mp_cfg *cfg, uint32_t id, const char *report,
                        const char *const *extra)
{
    static argv_buf a; /* large: not on the stack; the driver is single-threaded */
    memset(&a, 0, sizeof a);
    const char *path = prog("MP_PRODUCER_PATH", MP_PRODUCER_PATH);
    arg(&a, "%s", path);
    common_args(&a, cfg);
    arg(&a, "--producers");
    arg(&a, "%s", cfg->producers_mode == MYL_PRODUCERS_MULTI ? "multi" : "single");
    arg(&a, "--id");
    arg(&a, "%u", id);
    arg(&a, "--count");
    arg(&a, "%" PRIu64, cfg->count);
    arg(&a, "--batch");
    arg(&a, "%u", cfg->batch ? cfg->batch : 1);
    arg(&a, "--consumers");
    arg(&a, "%u", cfg->ncons);
    arg(&a, "--prefix");
    arg(&a, "c");
    arg(&a, "--report");
    arg(&a, "%s", report ? report : "/dev/null");
    return spawn(path, &a, extra);
}

pid_t mp_spawn_consumer(const mp_cfg *cfg, const char *id, const char *report,
                        const char *const *extra)
{
    static argv_buf a;
    memset(&a, 0, sizeof a);
    const char *path = prog("MP_CONSUMER_PATH", MP_CONSUMER_PATH);
    arg(&a, "%s", path);
    common_args(&a, cfg);
    arg(&a, "--id");
    arg(&a, "%s", id);
    arg(&a, "--producers");
    arg(&a, "%u", cfg->nprod);
    arg(&a, "--count");
    arg(&a, "%" PRIu64, cfg->count);
    arg(&a, "--batch");
    arg(&a, "%u", cfg->cbatch ? cfg->cbatch : 64);
    arg(&a, "--read");
    arg(&a, "%s", cfg->copy ? "copy" : "inplace");
    arg(&a, "--report");
    arg(&a, "%s", report ? report : "/dev/null");
    return spawn(path, &a, extra);
}

int mp_wait(const pid_t *pids, int *status, int n, uint64_t deadline, bool kill_late)
{
    int left = 0;
    for (int i = 0; i < n; i++) {
        status[i] = -1;
        if (pids[i] > 0)
            left++;
    }
    while (left > 0) {
        for (int i = 0; i < n; i++) {
            if (pids[i] <= 0 || status[i] != -1)
                continue;
            int st;
            pid_t w = waitpid(pids[i], &st, WNOHANG);
            if (w == pids[i] || (w < 0 && errno == ECHILD)) {
                status[i] = w == pids[i] ? st : 0x7f00; /* "exit 127" if lost */
                left--;
            }
        }
        if (left == 0 || mp_now_ns() >= deadline)
            break;
        mp_sleep_ns(2000000);
    }
    if (left > 0 && kill_late) {
        for (int i = 0; i < n; i++)
            if (pids[i] > 0 && status[i] == -1) {
                kill(pids[i], SIGKILL);
                waitpid(pids[i], &status[i], 0);
            }
    }
    return left;
}

const char *mp_status_str(int status, char *buf, size_t size)
{
    if (status == -1)
        snprintf(buf, size, "still running");
    else if (WIFEXITED(status))
        snprintf(buf, size, "exit %d", WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        snprintf(buf, size, "signal %d", WTERMSIG(status));
    else
        snprintf(buf, size, "status %#x", status);
    return buf;
}

static int read_file(const char *path, char *buf, size_t size)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, size - 1, f);
    fclose(f);
    buf[n] = '\0';
    return 0;
}

static int field(const char *text, const char *key, uint64_t *out)
{
    char pat[48];
    snprintf(pat, sizeof pat, "%s=", key);
    for (const char *p = strstr(text, pat); p; p = strstr(p + 1, pat)) {
        if (p == text || p[-1] == ' ' || p[-1] == '\n') {
            *out = strtoull(p + strlen(pat), NULL, 10);
            return 0;
        }
    }
    return -1;
}

int mp_read_creport(const char *path, mp_creport *out)
{
    static char text[16384];
    memset(out, 0, sizeof *out);
    if (read_file(path, text, sizeof text) < 0)
        return -1;
    if (field(text, "delivered", &out->delivered) || field(text, "lost", &out->lost) ||
        field(text, "skipped", &out->skipped) || field(text, "overruns", &out->overruns) ||
        field(text, "start", &out->start) || field(text, "end", &out->end) ||
        field(text, "bad", &out->bad))
        return -1;
    const char *rc = strstr(text, " rc=");
    if (!rc)
        return -1;
    sscanf(rc + 4, "%39s", out->rc);
    for (const char *l = strchr(text, '\n'); l; l = strchr(l + 1, '\n')) {
        unsigned p;
        unsigned long long c, f, la;
        if (sscanf(l + 1, "p%u=%llu,%llu,%llu", &p, &c, &f, &la) == 4 && p < 64) {
            out->count[p] = c;
            out->first[p] = f;
            out->last[p] = la;
        }
    }
    return 0;
}

int mp_read_preport(const char *path, uint64_t *published, char *rc, size_t rc_size)
{
    char text[256];
    if (read_file(path, text, sizeof text) < 0 || field(text, "published", published) < 0)
        return -1;
    const char *r = strstr(text, "rc=");
    if (!r)
        return -1;
    snprintf(rc, rc_size, "%s", r + 3);
    rc[strcspn(rc, " \n")] = '\0';
    return 0;
}

int mp_find_consumer(const myl_ring *r, const char *id, myl_consumer_stats *out)
{
    for (uint32_t i = 0; i < r->max_consumers; i++)
        if (myl_ring_consumer_stats(r, i, out) == 0 && strcmp(out->id, id) == 0)
            return (int)i;
    return -1;
}

#define ERR(...)                                                                                   \
    do {                                                                                           \
        snprintf(err, size, __VA_ARGS__);                                                          \
        return -1;                                                                                 \
    } while (0)

int mp_check_creport(const mp_cfg *cfg, const mp_creport *c, const char *who, char *err,
                     size_t size)
{
    uint64_t total = cfg->count * cfg->nprod;
    if (c->bad)
        ERR("%s: %llu bad events", who, (unsigned long long)c->bad);
    if (c->start != 0 || c->end != total)
        ERR("%s: read positions [%llu, %llu), expected [0, %llu)", who,
            (unsigned long long)c->start, (unsigned long long)c->end, (unsigned long long)total);
    if (c->delivered + c->lost + c->skipped != total)
        ERR("%s: delivered %llu + lost %llu + skipped %llu != published %llu", who,
            (unsigned long long)c->delivered, (unsigned long long)c->lost,
            (unsigned long long)c->skipped, (unsigned long long)total);
    if (c->skipped)
        ERR("%s: %llu skipped with every producer alive", who, (unsigned long long)c->skipped);
    uint64_t sum = 0;
    for (uint32_t p = 0; p < 64; p++) {
        if (p >= cfg->nprod && c->count[p])
            ERR("%s: events of producer %u", who, p);
        sum += c->count[p];
    }
    if (sum != c->delivered)
        ERR("%s: per-producer counts sum to %llu, delivered %llu", who, (unsigned long long)sum,
            (unsigned long long)c->delivered);
    if (cfg->mode == MYL_MODE_GATED) {
        if (c->lost || c->overruns)
            ERR("%s: gated ring lost %llu in %llu overruns", who, (unsigned long long)c->lost,
                (unsigned long long)c->overruns);
        for (uint32_t p = 0; p < cfg->nprod; p++)
            if (c->count[p] != cfg->count || c->first[p] != 0 || c->last[p] != cfg->count - 1)
                ERR("%s: producer %u: %llu events [%llu..%llu], expected %llu", who, p,
                    (unsigned long long)c->count[p], (unsigned long long)c->first[p],
                    (unsigned long long)c->last[p], (unsigned long long)cfg->count);
    } else {
        /* Every producer's last event is published after everything else
         * of it, so a reader that reached the end has seen it... unless it
         * was overwritten first; only an overrun-free run must have all. */
        if (c->lost == 0 && c->delivered != total)
            ERR("%s: nothing lost but %llu of %llu delivered", who,
                (unsigned long long)c->delivered, (unsigned long long)total);
        if (c->lost && !c->overruns)
            ERR("%s: %llu lost without an overrun", who, (unsigned long long)c->lost);
        for (uint32_t p = 0; p < cfg->nprod; p++)
            if (c->count[p] && c->last[p] >= cfg->count)
                ERR("%s: producer %u: event %llu beyond its %llu", who, p,
                    (unsigned long long)c->last[p], (unsigned long long)cfg->count);
    }
    return 0;
}

int mp_run(const mp_cfg *cfg, mp_result *res)
{
    myl_ring *r;
    memset(res, 0, sizeof *res);
    int rc = mp_create(cfg, &r);
    if (rc < 0) {
        snprintf(res->err, sizeof res->err, "create: %s", myl_strerror(rc));
        return -1;
    }
    int ret = mp_run_on(cfg, r, res);
    if ((rc = mp_destroy(cfg, r)) < 0 && ret == 0) {
        snprintf(res->err, sizeof res->err, "unlink: %s", myl_strerror(rc));
        ret = -1;
    }
    return ret;
}

int mp_run_on(const mp_cfg *cfg, myl_ring *r, mp_result *res)
{
    char *err = res->err;
    size_t size = sizeof res->err;
    memset(res, 0, sizeof *res);
    if (cfg->nprod == 0 || cfg->ncons == 0 || cfg->nprod + cfg->ncons > MP_MAX_PROCS ||
        (cfg->producers_mode == MYL_PRODUCERS_SINGLE && cfg->nprod != 1))
        ERR("bad configuration");

    pid_t pids[MP_MAX_PROCS];
    int status[MP_MAX_PROCS];
    char reports[MP_MAX_PROCS][300];
    int n = 0;
    uint64_t t0 = mp_now_ns();
    char pause[32];
    snprintf(pause, sizeof pause, "%" PRIu64, cfg->pause_at);
    for (uint32_t i = 0; i < cfg->ncons; i++, n++) {
        char id[16], suffix[16];
        snprintf(id, sizeof id, "c%u", i);
        snprintf(suffix, sizeof suffix, "c%u.rep", i);
        mp_tmp_path(cfg, suffix, reports[n], sizeof reports[n]);
        const char *extra[] = {"--pause-at", pause, NULL};
        pids[n] = mp_spawn_consumer(cfg, id, reports[n], i == 0 && cfg->pause_at ? extra : NULL);
    }
    for (uint32_t i = 0; i < cfg->nprod; i++, n++) {
        char suffix[16];
        snprintf(suffix, sizeof suffix, "p%u.rep", i);
        mp_tmp_path(cfg, suffix, reports[n], sizeof reports[n]);
        pids[n] = mp_spawn_producer(cfg, i, reports[n], NULL);
    }
    uint64_t deadline = t0 + (uint64_t)(cfg->watchdog_s ? cfg->watchdog_s : 90) * 1000000000u;
    int late = mp_wait(pids, status, n, deadline, true);
    res->seconds = (double)(mp_now_ns() - t0) / 1e9;

    int ret = 0;
#define FAIL(...)                                                                                  \
    do {                                                                                           \
        if (!ret)                                                                                  \
            snprintf(err, size, __VA_ARGS__);                                                      \
        ret = -1;                                                                                  \
    } while (0)
    if (late)
        FAIL("watchdog: %d processes still running after %u s", late,
             cfg->watchdog_s ? cfg->watchdog_s : 90);
    for (int i = 0; i < n; i++) {
        char sb[32];
        bool is_cons = i < (int)cfg->ncons;
        if (status[i] != 0)
            FAIL("%s %d: %s", is_cons ? "consumer" : "producer", is_cons ? i : i - (int)cfg->ncons,
                 mp_status_str(status[i], sb, sizeof sb));
        if (is_cons) {
            char who[32];
            snprintf(who, sizeof who, "consumer c%d", i);
            if (mp_read_creport(reports[i], &res->cons[i]) < 0) {
                FAIL("%s: no report", who);
                continue;
            }
            char e2[512];
            if (status[i] == 0 && mp_check_creport(cfg, &res->cons[i], who, e2, sizeof e2) < 0)
                FAIL("%s", e2);
            /* The segment's own counters must agree with what the process
             * saw (they survive its exit). */
            myl_consumer_stats cs;
            char id[16];
            snprintf(id, sizeof id, "c%d", i);
            if (mp_find_consumer(r, id, &cs) < 0)
                FAIL("%s: not in the consumer table", who);
            else if (status[i] == 0 &&
                     (cs.consumed != res->cons[i].delivered || cs.lost != res->cons[i].lost ||
                      cs.seq != res->cons[i].end || cs.skipped != res->cons[i].skipped ||
                      cs.overruns != res->cons[i].overruns))
                FAIL("%s: segment counters consumed %llu lost %llu seq %llu skipped %llu "
                     "overruns %llu; report %llu %llu %llu %llu %llu",
                     who, (unsigned long long)cs.consumed, (unsigned long long)cs.lost,
                     (unsigned long long)cs.seq, (unsigned long long)cs.skipped,
                     (unsigned long long)cs.overruns, (unsigned long long)res->cons[i].delivered,
                     (unsigned long long)res->cons[i].lost, (unsigned long long)res->cons[i].end,
                     (unsigned long long)res->cons[i].skipped,
                     (unsigned long long)res->cons[i].overruns);
        } else {
            uint64_t pub;
            char prc[40];
            if (mp_read_preport(reports[i], &pub, prc, sizeof prc) < 0)
                FAIL("producer %d: no report", i - (int)cfg->ncons);
            else if (pub != cfg->count)
                FAIL("producer %d: published %llu of %llu (%s)", i - (int)cfg->ncons,
                     (unsigned long long)pub, (unsigned long long)cfg->count, prc);
            else
                res->published += pub;
        }
    }
    myl_ring_stats rs;
    if (ret == 0 && myl_ring_stats_get(r, &rs) == 0 &&
        (rs.published != cfg->count * cfg->nprod || rs.claim != cfg->count * cfg->nprod))
        FAIL("ring counters: published %llu, claim %llu, expected %llu",
             (unsigned long long)rs.published, (unsigned long long)rs.claim,
             (unsigned long long)(cfg->count * cfg->nprod));
    if (ret == 0 && cfg->pause_at && (res->cons[0].lost == 0 || res->cons[0].overruns == 0))
        FAIL("consumer c0 paused for two laps but reports no overrun");
    for (int i = 0; i < n; i++)
        unlink(reports[i]);
#undef FAIL
    return ret;
}
