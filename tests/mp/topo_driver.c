#define _GNU_SOURCE
#include "topo_driver.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int failf(td *d, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->err, sizeof d->err, fmt, ap);
    va_end(ap);
    return -1;
}

static void nap(long ns)
{
    struct timespec ts = {0, ns};
    nanosleep(&ts, NULL);
}

pid_t td_spawn(td *d, uint32_t i, const char *const *extra)
{
    char idx[16];
    snprintf(idx, sizeof idx, "%u", i);
    const char *argv[16] = {TOPO_WORKER_PATH, "--instance", d->instance, "--index", idx};
    int n = 5;
    for (; extra && *extra && n < 14; extra++)
        argv[n++] = *extra;
    argv[n] = NULL;
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        execv(TOPO_WORKER_PATH, (char *const *)argv);
        _exit(127);
    }
    if (pid > 0) {
        d->pid[i] = pid;
        d->reaped[i] = false;
    }
    return pid;
}

static int resend(void *arg, uint64_t id, const void *msg, size_t len)
{
    td *d = arg;
    (void)len;
    int dst = myl_topo_pick(d->t, TOPO_R_REQUESTS, id);
    if (dst < 0)
        return dst;
    int rc = myl_producer_try_send(d->req[dst], msg);
    if (rc < 0)
        return rc;
    d->redispatched++;
    return myl_topo_track(d->t, TOPO_ROLE_WORKERS, (uint32_t)dst, id, msg, len);
}

static void on_event(td *d, const myl_topo_event *ev)
{
    if (ev->role != TOPO_ROLE_WORKERS || ev->index >= d->n || ev->kind > 5) {
        d->sched_events++;
        return;
    }
    d->events[ev->kind][ev->index]++;
    d->event_ns[ev->kind][ev->index] = ev->at_ns;
    /* A stalled worker's requests go elsewhere too: its late answers are
     * then duplicates, which myl_topo_answered tells. */
    if (ev->kind == MYL_TOPO_EV_DEAD || ev->kind == MYL_TOPO_EV_LEFT ||
        ev->kind == MYL_TOPO_EV_STALLED)
        d->pending_redispatch[ev->index] = true;
}

int td_pump(td *d)
{
    int did = 0;
    for (uint32_t i = 0; i < d->n; i++) {
        uint64_t s;
        int64_t k = myl_consumer_try_poll(d->resp[i], 64, &s);
        for (int64_t j = 0; j < k; j++) {
            topo_resp a;
            memcpy(&a, myl_consumer_slot(d->resp[i], s + (uint64_t)j), sizeof a);
            d->answers++;
            if (a.id == 0 || a.id > d->nreq || a.y != topo_answer(a.id * 7 + 3) || a.worker != i) {
                d->bad++;
                continue;
            }
            int r = myl_topo_answered(d->t, a.id);
            d->by_worker[i]++;
            if (d->watch_pid && a.pid == d->watch_pid)
                d->watch_answers++;
            if (r == 1)
                d->accepted[a.id]++;
            else
                d->dups++;
        }
        if (k > 0) {
            myl_consumer_release(d->resp[i], (uint32_t)k);
            did += (int)k;
        }
    }
    uint64_t s;
    int64_t k = myl_consumer_try_poll(d->hello, 64, &s);
    for (int64_t j = 0; j < k; j++) {
        topo_hello h;
        memcpy(&h, myl_consumer_slot(d->hello, s + (uint64_t)j), sizeof h);
        if (h.worker < d->n)
            d->hellos[h.worker]++;
    }
    if (k > 0) {
        myl_consumer_release(d->hello, (uint32_t)k);
        did += (int)k;
    }
    myl_topo_event ev[16];
    int e = myl_topo_poll(d->t, ev, 16);
    for (int j = 0; j < e; j++)
        on_event(d, &ev[j]);
    did += e > 0 ? e : 0;
    for (uint32_t i = 0; i < d->n; i++) {
        if (!d->pending_redispatch[i])
            continue;
        /* Until nothing sent to the dead incarnation is left: what fn
         * could not send (rings full) is tried again next round. */
        int r = myl_topo_redispatch(d->t, TOPO_ROLE_WORKERS, i, resend, d);
        if (myl_topo_outstanding(d->t, TOPO_ROLE_WORKERS, i) == 0 ||
            (r == 0 && myl_topo_is_alive(d->t, TOPO_ROLE_WORKERS, i)))
            d->pending_redispatch[i] = false;
        did += r > 0 ? r : 0;
    }
    return did;
}

int td_until(td *d, bool (*cond)(td *, void *), void *arg, const char *what)
{
    uint64_t deadline = now_ns() + (uint64_t)d->deadline_s * 1000000000u;
    while (!cond(d, arg)) {
        if (now_ns() > deadline)
            return failf(d, "no %s after %u s (a hang)", what, d->deadline_s);
        if (td_pump(d) == 0)
            nap(200000);
    }
    return 0;
}

static bool all_answered(td *d, void *arg)
{
    (void)arg;
    for (uint64_t id = 1; id <= d->nreq; id++)
        if (!d->accepted[id])
            return false;
    return true;
}

int td_until_answered(td *d)
{
    return td_until(d, all_answered, NULL, "answer to every request");
}

int td_check_exactly_once(td *d)
{
    if (d->bad)
        return failf(d, "%llu wrong answers", (unsigned long long)d->bad);
    for (uint64_t id = 1; id <= d->nreq; id++)
        if (d->accepted[id] != 1)
            return failf(d, "request %llu accepted %u times", (unsigned long long)id,
                         d->accepted[id]);
    return 0;
}

int td_send(td *d, uint64_t id)
{
    topo_req q = {id, id * 7 + 3};
    uint8_t ev[32] = {0};
    memcpy(ev, &q, sizeof q);
    uint64_t deadline = now_ns() + (uint64_t)d->deadline_s * 1000000000u;
    for (;;) {
        int dst = myl_topo_pick(d->t, TOPO_R_REQUESTS, id);
        if (dst >= 0) {
            int rc = myl_producer_try_send(d->req[dst], ev);
            if (rc == 0)
                return myl_topo_track(d->t, TOPO_ROLE_WORKERS, (uint32_t)dst, id, ev, sizeof ev) ==
                               0
                           ? 0
                           : failf(d, "track %llu", (unsigned long long)id);
            if (rc != MYL_EAGAIN)
                return failf(d, "send %llu: %s", (unsigned long long)id, myl_strerror(rc));
        } else if (dst != MYL_EPEERDEAD) {
            return failf(d, "pick: %s", myl_strerror(dst));
        }
        if (now_ns() > deadline)
            return failf(d, "cannot send request %llu (a hang)", (unsigned long long)id);
        if (td_pump(d) == 0)
            nap(100000);
    }
}

int td_control(td *d, uint32_t cmd, uint32_t target)
{
    topo_ctl_msg c = {cmd, target};
    uint8_t ev[16] = {0};
    memcpy(ev, &c, sizeof c);
    int rc = myl_producer_send(d->ctl, ev, INT64_C(10000000000));
    return rc < 0 ? failf(d, "control: %s", myl_strerror(rc)) : 0;
}

int td_reap(td *d, uint32_t i)
{
    if (d->reaped[i])
        return d->exit_status[i];
    uint64_t deadline = now_ns() + (uint64_t)d->deadline_s * 1000000000u;
    for (;;) {
        int st;
        pid_t r = waitpid(d->pid[i], &st, WNOHANG);
        if (r == d->pid[i]) {
            d->reaped[i] = true;
            d->exit_status[i] = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
            return d->exit_status[i];
        }
        if (r < 0)
            return -1;
        if (now_ns() > deadline) {
            kill(d->pid[i], SIGKILL);
            failf(d, "worker %u did not exit (a hang)", i);
            return -1;
        }
        (void)td_pump(d);
        nap(1000000);
    }
}

static bool all_hello(td *d, void *arg)
{
    (void)arg;
    for (uint32_t i = 0; i < d->n; i++)
        if (!d->hellos[i] || !d->events[MYL_TOPO_EV_JOINED][i])
            return false;
    return true;
}

int td_open(td *d, const td_cfg *cfg, const char *tag)
{
    static unsigned seq;
    memset(d, 0, sizeof *d);
    d->n = cfg->workers;
    d->nreq = cfg->requests;
    d->deadline_s = cfg->deadline_s ? cfg->deadline_s : 60;
    snprintf(d->instance, sizeof d->instance, "t%d-%s-%u", (int)getpid(), tag, seq++);
    d->accepted = calloc(d->nreq + 1, 1);
    if (!d->accepted)
        return failf(d, "no memory");
    myl_topo_cfg c;
    myl_topo_cfg_init(&c);
    c.instance = d->instance;
    c.counts[TOPO_ROLE_WORKERS] = d->n;
    c.track = 1;
    c.liveness.check_interval_ns = INT64_C(5000000);
    c.liveness.startup_wait_ns = (int64_t)d->deadline_s * INT64_C(1000000000);
    if (cfg->progress_timeout_ns)
        c.liveness.progress_timeout_ns = cfg->progress_timeout_ns;
    c.liveness.on_stall = cfg->on_stall;
    int rc = myl_topo_open(&topo_desc, &c, TOPO_ROLE_SCHED, 0, &d->t);
    if (rc < 0)
        return failf(d, "open: %s", myl_strerror(rc));
    char id[MYL_ID_MAX];
    myl_topo_member_id(d->t, TOPO_ROLE_SCHED, 0, id, sizeof id);
    /* The scheduler's sends evict a dead worker themselves too. */
    myl_producer_opts po = {.on_dead_consumer = MYL_DEAD_EVICT};
    for (uint32_t i = 0; i < d->n; i++) {
        uint32_t k = myl_topo_ring_index(d->t, TOPO_R_REQUESTS, 0, i);
        if ((rc = myl_producer_open(myl_topo_ring(d->t, TOPO_R_REQUESTS, k), &po, &d->req[i])) < 0)
            return failf(d, "producer %u: %s", i, myl_strerror(rc));
        k = myl_topo_ring_index(d->t, TOPO_R_RESPONSES, i, 0);
        if ((rc = myl_consumer_open(myl_topo_ring(d->t, TOPO_R_RESPONSES, k), id, NULL,
                                    &d->resp[i])) < 0)
            return failf(d, "consumer %u: %s", i, myl_strerror(rc));
    }
    if ((rc = myl_producer_open(myl_topo_ring(d->t, TOPO_R_CONTROL, 0), &po, &d->ctl)) < 0)
        return failf(d, "control producer: %s", myl_strerror(rc));
    if ((rc = myl_consumer_open(myl_topo_ring(d->t, TOPO_R_HELLO, 0), id, NULL, &d->hello)) < 0)
        return failf(d, "hello consumer: %s", myl_strerror(rc));
    if ((rc = myl_topo_ready(d->t)) < 0)
        return failf(d, "ready: %s", myl_strerror(rc));
    for (uint32_t i = 0; i < d->n; i++)
        if (td_spawn(d, i, NULL) < 0)
            return failf(d, "fork: %s", strerror(errno));
    rc = myl_topo_wait_ready(d->t, (int64_t)d->deadline_s * INT64_C(1000000000));
    if (rc < 0)
        return failf(d, "wait_ready: %s", myl_strerror(rc));
    return td_until(d, all_hello, NULL, "hello and JOINED from every worker");
}

static bool all_left(td *d, void *arg)
{
    (void)arg;
    for (uint32_t i = 0; i < d->n; i++)
        if (!d->events[MYL_TOPO_EV_LEFT][i] && !d->reaped[i])
            return false;
    return true;
}

int td_close(td *d, bool check_left)
{
    int rc = 0;
    if (td_control(d, TOPO_CMD_QUIT, TOPO_ALL) < 0)
        rc = -1;
    if (rc == 0 && check_left && td_until(d, all_left, NULL, "LEFT from every worker") < 0) {
        size_t n = strlen(d->err);
        for (uint32_t i = 0; i < d->n && n < sizeof d->err - 80; i++) {
            if (d->events[MYL_TOPO_EV_LEFT][i] || d->reaped[i])
                continue;
            n += (size_t)snprintf(d->err + n, sizeof d->err - n,
                                  "; worker %u: joined %u stalled %u resumed %u dead %u state %d",
                                  i, d->events[MYL_TOPO_EV_JOINED][i],
                                  d->events[MYL_TOPO_EV_STALLED][i],
                                  d->events[MYL_TOPO_EV_RESUMED][i], d->events[MYL_TOPO_EV_DEAD][i],
                                  myl_topo_member_state(d->t, TOPO_ROLE_WORKERS, i));
        }
        rc = -1;
    }
    for (uint32_t i = 0; i < d->n; i++) {
        int st = td_reap(d, i);
        if (st < 0 && rc == 0)
            rc = -1;
    }
    td_abort(d);
    return rc;
}

void td_abort(td *d)
{
    for (uint32_t i = 0; i < d->n; i++)
        if (d->pid[i] > 0 && !d->reaped[i]) {
            kill(d->pid[i], SIGKILL);
            waitpid(d->pid[i], NULL, 0);
            d->reaped[i] = true;
        }
    for (uint32_t i = 0; i < d->n; i++) {
        myl_producer_close(d->req[i]);
        myl_consumer_close(d->resp[i]);
        d->req[i] = NULL;
        d->resp[i] = NULL;
    }
    myl_producer_close(d->ctl);
    myl_consumer_close(d->hello);
    d->ctl = NULL;
    d->hello = NULL;
    myl_topo_close(d->t);
    d->t = NULL;
    free(d->accepted);
    d->accepted = NULL;
}
