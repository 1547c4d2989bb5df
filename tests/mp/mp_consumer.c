/* mp_consumer: registers as consumer --id and checks every event it gets:
 * contents (mp_event.h), exactly once and in order per producer (gated
 * rings: no gaps at all; lossy rings: strictly increasing), and, where the
 * event carries it, the ring sequence it was written for.
 *
 *   mp_consumer --name N --id ID [--backing shm|file] [--producers P]
 *               [--count C] [--total T] [--mode gated|lossy] [--slot S]
 *               [--batch B] [--wait W] [--read inplace|copy]
 *               [--timeout-ms T] [--resume 0|1] [--pause-at K]
 *               [--stop-at K] [--on-dead exit|wait] [--log FILE]
 *               [--report FILE]
 *
 * It stops with exit 0 once its position in the ring reaches --total (the
 * default is P * C; 0 = never): then delivered + lost + skipped must equal
 * the positions it went through, and on a gated ring each of the P
 * producers must have delivered exactly C events (unless --total was set).
 * --resume 1: the consumer takes over a dead one's entry, so each
 * producer's first event may be any sequence (but no gap after it).
 * --pause-at K (lossy): after position K, stop reading until the producers
 * are two laps ahead, which forces an overrun. --stop-at K: after K events
 * raise(SIGSTOP) (a stuck, live consumer). --on-dead wait: when every
 * registered producer is dead (MYL_EPEERDEAD), keep waiting for a new one
 * (up to --timeout-ms without progress) instead of exiting: for tests that
 * start a producer after another died, where the moment between the death
 * and the newcomer's registration is a legitimate EPEERDEAD. --log: append an mp_log_rec per
 * event, written before the event is released.
 *
 * The report (stdout, or --report) is one line of key=value pairs and one
 * "p<i>=count,first,last" line per producer seen. Exit codes: MP_EXIT_*.
 */
#define _POSIX_C_SOURCE 200809L
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mp_args.h"
#include "mp_event.h"

static struct {
    uint64_t delivered, lost, skipped0, overruns0, start, bad;
    uint64_t count[MP_MAX_PRODUCERS], first[MP_MAX_PRODUCERS], last[MP_MAX_PRODUCERS];
    uint64_t last_ring_seq;
    bool any_ring_seq;
} st;

static const char *report_path, *id = "c0";
/* Global, so that they stay reachable (LeakSanitizer) on early exits. */
static myl_consumer *cons;
static myl_ring *r;
static uint8_t *buf;
static mp_log_rec *logbuf;
static uint32_t nprod;

static int finish(int rc)
{
    FILE *f = report_path ? fopen(report_path, "w") : stdout;
    if (f) {
        uint64_t skipped = cons ? cons->skipped - st.skipped0 : 0;
        uint64_t overruns = cons ? cons->overruns - st.overruns0 : 0;
        fprintf(f,
                "delivered=%llu lost=%llu skipped=%llu overruns=%llu start=%llu end=%llu "
                "bad=%llu rc=%s\n",
                (unsigned long long)st.delivered, (unsigned long long)st.lost,
                (unsigned long long)skipped, (unsigned long long)overruns,
                (unsigned long long)st.start, (unsigned long long)(cons ? cons->next : 0),
                (unsigned long long)st.bad, myl_errname(rc));
        for (uint32_t i = 0; i < MP_MAX_PRODUCERS; i++)
            if (st.count[i])
                fprintf(f, "p%u=%llu,%llu,%llu\n", i, (unsigned long long)st.count[i],
                        (unsigned long long)st.first[i], (unsigned long long)st.last[i]);
        if (f != stdout)
            fclose(f);
    }
    if (rc < 0 && rc != MYL_EPEERDEAD)
        fprintf(stderr, "mp_consumer %s: %s after %llu events\n", id, myl_strerror(rc),
                (unsigned long long)st.delivered);
    return rc < 0 ? mp_exit_code(rc) : st.bad ? MP_EXIT_FAIL : MP_EXIT_OK;
}

/* --on-dead wait: every registered producer is dead; sleep a little and
 * poll again, unless they have been dead for longer than the timeout. */
static bool wait_for_producer(uint64_t *dead_since, int64_t timeout)
{
    uint64_t now = mp_now_ns();
    if (*dead_since == 0)
        *dead_since = now;
    else if (timeout >= 0 && now - *dead_since > (uint64_t)timeout)
        return false;
    mp_sleep_ns(1000000);
    return true;
}

static void fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "mp_consumer %s: FAIL: ", id);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    st.bad++;
}

static bool gated, resume;

/* Check one event (a stable copy, or in place on a gated ring); seq is its
 * ring sequence, or UINT64_MAX when unknown (copying reads). */
static void check(const void *ev, uint32_t slot_size, uint64_t seq)
{
    uint32_t p;
    uint64_t pseq, rseq;
    const char *why = mp_event_check(ev, slot_size, &p, &pseq, &rseq);
    if (why) {
        fail("event %llu at ring seq %lld: %s", (unsigned long long)st.delivered, (long long)seq,
             why);
        return;
    }
    if (p >= nprod) {
        fail("producer %u, expected fewer than %u", p, nprod);
        return;
    }
    if (rseq != UINT64_MAX) {
        if (seq != UINT64_MAX && rseq != seq)
            fail("event written for ring seq %llu delivered at %llu", (unsigned long long)rseq,
                 (unsigned long long)seq);
        if (st.any_ring_seq && rseq <= st.last_ring_seq)
            fail("ring seq %llu after %llu", (unsigned long long)rseq,
                 (unsigned long long)st.last_ring_seq);
        st.last_ring_seq = rseq;
        st.any_ring_seq = true;
    }
    if (st.count[p] == 0) {
        if (pseq != 0 && !resume && gated)
            fail("producer %u: first event %llu, expected 0", p, (unsigned long long)pseq);
        st.first[p] = pseq;
    } else if (gated ? pseq != st.last[p] + 1 : pseq <= st.last[p]) {
        fail("producer %u: event %llu after %llu", p, (unsigned long long)pseq,
             (unsigned long long)st.last[p]);
    }
    st.last[p] = pseq;
    st.count[p]++;
    st.delivered++;
}

static int usage(const char *msg)
{
    fprintf(stderr, "mp_consumer: %s\n", msg);
    return MP_EXIT_USAGE;
}

int main(int argc, char **argv)
{
    myl_ring_opts o = {.size = sizeof o, .mode = MYL_MODE_GATED};
    uint64_t producers = 1, count = 1000, total = UINT64_MAX, slot = 64, batch = 64;
    uint64_t timeout_ms = 30000, res = 0, pause_at = UINT64_MAX, stop_at = UINT64_MAX;
    uint32_t wait = 0, copy = 0, on_dead_wait = 0;
    const char *log_path = NULL;
    for (int i = 1; i < argc; i++) {
        const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v)
            return usage("option without a value");
        i++;
        int bad = 0;
        if (!strcmp(k, "--name"))
            o.name = v;
        else if (!strcmp(k, "--id"))
            id = v;
        else if (!strcmp(k, "--backing"))
            bad = mp_parse_backing(v, &o.backing);
        else if (!strcmp(k, "--producers"))
            bad = mp_parse_u64(v, &producers);
        else if (!strcmp(k, "--count"))
            bad = mp_parse_u64(v, &count);
        else if (!strcmp(k, "--total"))
            bad = mp_parse_u64(v, &total);
        else if (!strcmp(k, "--mode"))
            bad = mp_parse_mode(v, &o.mode);
        else if (!strcmp(k, "--slot"))
            bad = mp_parse_u64(v, &slot);
        else if (!strcmp(k, "--batch"))
            bad = mp_parse_u64(v, &batch);
        else if (!strcmp(k, "--wait"))
            bad = mp_parse_wait(v, &wait);
        else if (!strcmp(k, "--read")) {
            static const char *const n[] = {"inplace", "copy"};
            static const uint32_t vals[] = {0, 1};
            bad = mp_parse_enum(v, n, vals, 2, &copy);
        } else if (!strcmp(k, "--on-dead")) {
            static const char *const n[] = {"exit", "wait"};
            static const uint32_t vals[] = {0, 1};
            bad = mp_parse_enum(v, n, vals, 2, &on_dead_wait);
        } else if (!strcmp(k, "--timeout-ms"))
            bad = mp_parse_u64(v, &timeout_ms);
        else if (!strcmp(k, "--resume"))
            bad = mp_parse_u64(v, &res);
        else if (!strcmp(k, "--pause-at"))
            bad = mp_parse_u64(v, &pause_at);
        else if (!strcmp(k, "--stop-at"))
            bad = mp_parse_u64(v, &stop_at);
        else if (!strcmp(k, "--log"))
            log_path = v;
        else if (!strcmp(k, "--report"))
            report_path = v;
        else
            return usage(k);
        if (bad)
            return usage(k);
    }
    if (log_path && copy)
        return usage("--log needs --read inplace");
    if (!o.name || slot < 8 || slot % 8 || slot > (1u << 20) || producers == 0 ||
        producers > MP_MAX_PRODUCERS || batch == 0 || batch > 4096)
        return usage("need --name; --slot a multiple of 8; --producers 1..64; --batch 1..4096");
    bool exact = total == UINT64_MAX; /* each producer must deliver exactly count */
    if (exact)
        total = producers * count;
    o.slot_size = (uint32_t)slot;
    nprod = (uint32_t)producers;
    gated = o.mode == MYL_MODE_GATED;
    resume = res != 0;
    int64_t timeout = mp_ms_to_ns(timeout_ms);

    int logfd = -1;
    if (log_path && (logfd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600)) < 0) {
        perror(log_path);
        return MP_EXIT_USAGE;
    }
    int rc = myl_ring_attach_wait(&o, timeout, &r);
    if (rc < 0) {
        fprintf(stderr, "mp_consumer %s: attach: %s\n", id, myl_strerror(rc));
        return MP_EXIT_USAGE;
    }
    myl_consumer_opts co = {.size = sizeof co, .wait = wait};
    if ((rc = myl_consumer_open(r, id, &co, &cons)) < 0) {
        fprintf(stderr, "mp_consumer %s: open: %s\n", id, myl_strerror(rc));
        return MP_EXIT_USAGE;
    }
    st.start = cons->next;
    st.skipped0 = cons->skipped;
    st.overruns0 = cons->overruns;

    buf = malloc((size_t)batch * slot);
    logbuf = malloc((size_t)batch * sizeof *logbuf);
    if (!buf || !logbuf)
        return usage("out of memory");
    bool paused = false, stopped = false;
    uint64_t dead_since = 0; /* when the producers were first seen all dead */
    while (total == 0 || cons->next < total) {
        uint32_t max = (uint32_t)batch;
        if (total && total - cons->next < max)
            max = (uint32_t)(total - cons->next);
        int64_t n;
        uint32_t logged = 0;
        if (copy) {
            uint64_t lost = 0;
            n = myl_consumer_read(cons, buf, max, &lost, timeout);
            st.lost += lost;
            if (n == MYL_EPEERDEAD && on_dead_wait && wait_for_producer(&dead_since, timeout))
                continue;
            if (n < 0)
                return finish((int)n);
            for (int64_t k = 0; k < n; k++)
                check(buf + (size_t)k * slot, o.slot_size, UINT64_MAX);
        } else {
            uint64_t s;
            n = myl_consumer_poll(cons, max, &s, timeout);
            if (n == MYL_EOVERRUN) {
                st.lost += myl_consumer_take_lost(cons);
                continue;
            }
            if (n == MYL_EPEERDEAD && on_dead_wait && wait_for_producer(&dead_since, timeout))
                continue;
            if (n < 0)
                return finish((int)n);
            int64_t got = 0;
            for (; got < n; got++) {
                const void *ev = myl_consumer_slot(cons, s + (uint64_t)got);
                if (!gated) {
                    /* Seqlock read: copy, then check that the slot still
                     * holds the event polled; torn copies are dropped. */
                    memcpy(buf, ev, slot);
                    if (!myl_consumer_valid(cons, s + (uint64_t)got))
                        break;
                    ev = buf;
                }
                uint32_t p;
                uint64_t pseq, rseq;
                check(ev, o.slot_size, s + (uint64_t)got);
                if (!mp_event_check(ev, o.slot_size, &p, &pseq, &rseq))
                    logbuf[logged++] = (mp_log_rec){s + (uint64_t)got, p, pseq};
            }
            if (logfd >= 0 && logged) {
                size_t bytes = logged * sizeof *logbuf;
                if (write(logfd, logbuf, bytes) != (ssize_t)bytes) {
                    perror("log");
                    return finish(MYL_EINVAL);
                }
            }
            myl_consumer_release(cons, (uint32_t)got);
            st.lost += myl_consumer_take_lost(cons);
        }
        dead_since = 0; /* progress: a later EPEERDEAD starts a new wait */
        if (st.bad > 100)
            break;
        if (!paused && cons->next >= pause_at) {
            /* Let the producers lap us twice: the next poll must see an
             * overrun, whatever the timing. (A consumer that already
             * jumped to within two laps of the end was overrun anyway.) */
            paused = true;
            if (total && cons->next + 2 * r->capacity > total)
                continue;
            uint64_t goal = cons->next + 2 * r->capacity, t0 = mp_now_ns();
            myl_ring_stats rs;
            while (myl_ring_stats_get(r, &rs) == 0 && rs.claim < goal) {
                if (timeout >= 0 && mp_now_ns() - t0 > (uint64_t)timeout)
                    return finish(MYL_ETIMEDOUT);
                mp_sleep_ns(200000);
            }
        }
        if (!stopped && st.delivered >= stop_at) {
            stopped = true;
            raise(SIGSTOP);
        }
    }
    st.lost += myl_consumer_take_lost(cons);
    uint64_t skipped = cons->skipped - st.skipped0;
    if (total && st.delivered + st.lost + skipped != cons->next - st.start)
        fail("delivered %llu + lost %llu + skipped %llu != positions %llu",
             (unsigned long long)st.delivered, (unsigned long long)st.lost,
             (unsigned long long)skipped, (unsigned long long)(cons->next - st.start));
    if (exact && gated && !resume)
        for (uint32_t p = 0; p < nprod; p++)
            if (st.count[p] != count)
                fail("producer %u: %llu events, expected %llu", p, (unsigned long long)st.count[p],
                     (unsigned long long)count);
    if (gated && st.lost)
        fail("gated ring reported %llu lost", (unsigned long long)st.lost);
    if (gated && exact && skipped)
        fail("gated ring skipped %llu", (unsigned long long)skipped);
    int ret = finish(0);
    myl_consumer_close(cons);
    myl_ring_close(r);
    free(buf);
    free(logbuf);
    if (logfd >= 0)
        close(logfd);
    return ret;
}
