/* Topology benchmark: what a generated topology endpoint (bench/
 * topo_bench.myl, compiled by myelonc) costs over the raw rings under it.
 *
 *   topo_bench [--trials N] [--iters N] [--requests N] [--window N]
 *              [--workers 1,2,4,8] [--runs N] [--cpus A,B] [--csv-dir DIR]
 *              [--only rtt|throughput|local]
 *
 * Round trip (64 B): one scheduler process and one worker process, pinned
 * to two CPUs, spinning. In alternating blocks within that one pair of
 * processes, the parent times (a) the raw ring ping-pong of ring_bench
 * (bench_util.h: ring_ping/ring_echo, two spin rings) and (b) a scheduler
 * -> worker -> scheduler round trip through the generated endpoints:
 * tb_Bench_scheduler_send_req_to, the worker's tb_Bench_workers_poll
 * calling its handler, which answers with tb_Bench_workers_send_rep, and
 * the scheduler's tb_Bench_scheduler_poll calling its handler. Both echo
 * 64 bytes and both check every answer. The ratio of the medians, (b)
 * over (a), is what counts (issue: at most 1.1).
 *
 * Dispatch and gather: the scheduler sends --requests requests round robin
 * over W worker processes (W = 1, 2, 4, 8), at most --window unanswered
 * per worker, and gathers every answer (each checked: the right id, from
 * the worker it went to, exactly once), --runs times for each W (the
 * median, min and max are reported). With more processes than the two
 * cores, nobody is pinned, and every process waits by yielding: that
 * topology's channels wait `yield`, so an idle round of the generated
 * _poll calls sched_yield.
 *
 * --only local (not in the default run): one thread calls both ends in
 * turn, raw rings against endpoints, blocks alternating: the cost of the
 * code without the cross-core latency.
 *
 * The process exits 1 on any wrong, missing or duplicate answer: speed is
 * never a verdict, correctness is (the bench's ctest smoke run).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench_util.h"
#include "myelon/myelon.h"
#include "topo_bench.myl.h"

#define BODY_BYTE(id, i) ((uint8_t)((id)*31u + (i)))
#define STOP_ID UINT64_MAX
#define GIVE_UP_NS INT64_C(30000000000) /* no answer this long: a failure */

typedef struct ctl {
    alignas(64) _Atomic uint64_t go;
} ctl;

static void fill(tb_Msg *m, uint64_t id)
{
    memset(m, 0, sizeof *m);
    m->id = id;
    for (uint32_t i = 0; i < sizeof m->body; i++)
        m->body[i] = BODY_BYTE(id, i);
}

static bool body_ok(const tb_Msg *m)
{
    for (uint32_t i = 0; i < sizeof m->body; i++)
        if (m->body[i] != BODY_BYTE(m->id, i))
            return false;
    return true;
}

static void topo_cfg(myl_topo_cfg *cfg, const char *instance, uint32_t workers)
{
    myl_topo_cfg_init(cfg);
    cfg->instance = instance;
    _Static_assert(tb_Bench_ROLE_workers == tb_Farm_ROLE_workers, "one role index");
    cfg->counts[tb_Bench_ROLE_workers] = workers;
    cfg->liveness.startup_wait_ns = INT64_C(30000000000);
    /* A loaded machine: a worker that waits its turn for a CPU is not
     * stalled. */
    cfg->liveness.progress_timeout_ns = INT64_C(30000000000);
}

/* ---- the workers: echo each request with their index ---- */

struct worker_state {
    uint64_t handled;
    bool stop;
};

/* The answer to msg from worker `index`, in *r; false for the stop
 * message, which ends the worker's loop. */
static bool answer(const tb_Msg *msg, uint32_t index, struct worker_state *ws, tb_Msg *r)
{
    if (msg->id == STOP_ID) {
        ws->stop = true;
        return false;
    }
    *r = *msg;
    r->worker = index;
    ws->handled++;
    return true;
}

static int bench_on_req(const tb_Msg *msg, tb_Bench_workers *ep, void *user)
{
    tb_Msg r;
    return answer(msg, ep->index, user, &r) ? tb_Bench_workers_send_rep(ep, &r, -1) : 0;
}

static int farm_on_job(const tb_Msg *msg, tb_Farm_workers *ep, void *user)
{
    tb_Msg r;
    return answer(msg, ep->index, user, &r) ? tb_Farm_workers_send_done(ep, &r, -1) : 0;
}

static const tb_Bench_workers_handlers bench_worker_handlers = {.on_req = bench_on_req};
static const tb_Farm_workers_handlers farm_worker_handlers = {.on_job = farm_on_job};

/* Round trip: serve until `until` requests were handled in all (0: until
 * the stop message). */
static int bench_worker_serve(tb_Bench_workers *w, struct worker_state *ws, uint64_t until)
{
    while (!ws->stop && (until == 0 || ws->handled < until)) {
        int rc = tb_Bench_workers_poll(w, &bench_worker_handlers, ws, -1);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* ---- the scheduler's handler ---- */

struct sched_state {
    /* round trip: the last answer */
    uint64_t last_id;
    uint32_t last_worker;
    /* dispatch and gather */
    uint8_t *seen; /* per request id */
    uint32_t *outstanding;
    uint32_t workers;
    uint64_t requests, done;
    uint64_t bad;
};

static int on_answer(const tb_Msg *msg, struct sched_state *st)
{
    if (!st->seen) {
        /* Round trip: the id and the worker, as the raw ping-pong reads the
         * id only (the throughput runs check every byte). */
        st->last_id = msg->id;
        st->last_worker = msg->worker;
        st->done++;
        return 0;
    }
    /* Every answer counts as one, right or wrong, so that a wrong one
     * fails the run instead of hanging it. */
    st->done++;
    if (msg->id >= st->requests || st->seen[msg->id]) {
        st->bad++; /* not a request, or a second answer */
        return 0;
    }
    uint32_t dst = (uint32_t)(msg->id % st->workers); /* where it was sent */
    st->seen[msg->id] = 1;
    st->outstanding[dst]--;
    st->bad += msg->worker != dst || !body_ok(msg);
    return 0;
}

static int bench_on_rep(const tb_Msg *msg, tb_Bench_scheduler *ep, void *user)
{
    (void)ep;
    return on_answer(msg, user);
}

static int farm_on_done(const tb_Msg *msg, tb_Farm_scheduler *ep, void *user)
{
    (void)ep;
    return on_answer(msg, user);
}

static const tb_Bench_scheduler_handlers bench_sched_handlers = {.on_rep = bench_on_rep};
static const tb_Farm_scheduler_handlers farm_sched_handlers = {.on_done = farm_on_done};

/* One round trip through the endpoints; its ns. */
static uint64_t topo_round_trip(tb_Bench_scheduler *s, struct sched_state *st, uint64_t id,
                                const tb_Msg *tmpl)
{
    tb_Msg m = *tmpl;
    uint64_t before = st->done;
    m.id = id;
    uint64_t t0 = now_ns();
    check(tb_Bench_scheduler_send_req_to(s, 0, &m, -1), "send_req_to");
    while (st->done == before)
        if (check(tb_Bench_scheduler_poll(s, &bench_sched_handlers, st, GIVE_UP_NS),
                  "scheduler poll") == 0) {
            fprintf(stderr, "round trip: no answer to request %llu\n", (unsigned long long)id);
            exit(1);
        }
    uint64_t dt = now_ns() - t0;
    st->bad += st->done != before + 1 || st->last_id != id || st->last_worker != 0;
    return dt;
}

/* ---- round trip: raw ring and endpoints, interleaved ---- */

struct rtt_result {
    uint64_t *raw, *topo;
    size_t n;
    uint64_t bad;
};

static void round_trip(int trials, int iters, int cpu_a, int cpu_b, struct rtt_result *res)
{
    char ping[64], pong[64], inst[64];
    int me = (int)getpid();
    snprintf(ping, sizeof ping, "myl-tbench-ping-%d", me);
    snprintf(pong, sizeof pong, "myl-tbench-pong-%d", me);
    snprintf(inst, sizeof inst, "tbench-rtt-%d", me);
    const uint32_t payload = (uint32_t)sizeof(tb_Msg);
    myl_ring *rp = ring_new(ping, payload, 1024);
    myl_ring *rq = ring_new(pong, payload, 1024);
    myl_topo_cfg cfg;
    topo_cfg(&cfg, inst, 1);
    tb_Bench_scheduler s;
    check(tb_Bench_scheduler_open(&cfg, &s), "scheduler open");
    ctl *k = mmap(NULL, sizeof *k, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (k == MAP_FAILED) {
        perror("mmap");
        exit(1);
    }
    memset(k, 0, sizeof *k);
    int warm = iters < 1000 ? iters : 1000;

    pid_t child = fork();
    if (child == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlive a failed run */
        pin(cpu_b);
        tb_Bench_workers w;
        check(tb_Bench_workers_open(&cfg, 0, &w), "worker open");
        struct worker_state ws = {0};
        myl_consumer *c;
        myl_producer *p;
        echo_open(ping, pong, &k->go, &c, &p);
        ring_echo(c, p, payload, warm);
        check(bench_worker_serve(&w, &ws, (uint64_t)warm), "worker");
        for (int t = 0; t < trials; t++) {
            ring_echo(c, p, payload, iters);
            check(bench_worker_serve(&w, &ws, ws.handled + (uint64_t)iters), "worker");
        }
        check(bench_worker_serve(&w, &ws, 0), "worker"); /* until the stop message */
        tb_Bench_workers_close(&w);
        myl_producer_close(p);
        myl_consumer_close(c);
        _exit(0);
    }
    pin(cpu_a);
    myl_producer *p;
    myl_consumer *c;
    pinger_open(rp, rq, &k->go, &p, &c);
    check(myl_topo_wait_ready(s.topo, 30000000000), "wait worker");
    res->raw = calloc((size_t)trials * (size_t)iters, sizeof(uint64_t));
    res->topo = calloc((size_t)trials * (size_t)iters, sizeof(uint64_t));
    if (!res->raw || !res->topo) {
        fprintf(stderr, "out of memory\n");
        exit(1);
    }
    tb_Msg tmpl;
    fill(&tmpl, 0);
    struct sched_state st = {0};
    uint64_t raw_seq = 1, id = 0;
    /* Warm up both paths, untimed. */
    res->bad += ring_ping(p, c, &tmpl, payload, NULL, warm, &raw_seq, NULL);
    for (int i = 0; i < warm; i++) {
        fill(&tmpl, ++id);
        (void)topo_round_trip(&s, &st, id, &tmpl);
    }
    for (int t = 0; t < trials; t++) {
        res->bad += ring_ping(p, c, &tmpl, payload, NULL, iters, &raw_seq, res->raw + res->n);
        for (int i = 0; i < iters; i++) {
            fill(&tmpl, ++id); /* outside the timed part */
            res->topo[res->n + (size_t)i] = topo_round_trip(&s, &st, id, &tmpl);
        }
        res->n += (size_t)iters;
    }
    tb_Msg stop;
    fill(&stop, STOP_ID);
    check(tb_Bench_scheduler_send_req_to(&s, 0, &stop, -1), "send stop");
    int status = 0;
    waitpid(child, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "round trip: the worker process failed\n");
        res->bad++;
    }
    if (st.done != (uint64_t)warm + (uint64_t)trials * (uint64_t)iters)
        res->bad++;
    res->bad += st.bad;
    unpin();
    tb_Bench_scheduler_close(&s);
    myl_producer_close(p);
    myl_consumer_close(c);
    myl_ring_close(rp);
    myl_ring_close(rq);
    myl_ring_unlink(MYL_BACKING_SHM, ping);
    myl_ring_unlink(MYL_BACKING_SHM, pong);
    munmap(k, sizeof *k);
}

static int cmp_double(const void *a, const void *b);

/* ---- one thread, both ends (--only local) ---- */

/* The cost of the code alone, without cross-core latency: one thread
 * sends, echoes and receives in turn, through two raw rings and through
 * the endpoints (the worker's and the scheduler's _poll with timeout 0).
 * Prints ns per round trip of each, blocks alternating; returns the
 * number of wrong answers. */
static uint64_t local_round_trip(int trials, int iters, int cpu)
{
    char a[64], b[64], inst[64];
    int me = (int)getpid();
    snprintf(a, sizeof a, "myl-tbench-la-%d", me);
    snprintf(b, sizeof b, "myl-tbench-lb-%d", me);
    snprintf(inst, sizeof inst, "tbench-local-%d", me);
    const uint32_t payload = (uint32_t)sizeof(tb_Msg);
    myl_ring *ra = ring_new(a, payload, 1024), *rb = ring_new(b, payload, 1024);
    myl_producer *pa, *pb;
    myl_consumer *ca, *cb;
    check(myl_consumer_open(ra, "echo", NULL, &ca), "consumer");
    check(myl_consumer_open(rb, "ping", NULL, &cb), "consumer");
    check(myl_producer_open(ra, NULL, &pa), "producer");
    check(myl_producer_open(rb, NULL, &pb), "producer");
    myl_topo_cfg cfg;
    topo_cfg(&cfg, inst, 1);
    tb_Bench_scheduler s;
    tb_Bench_workers w;
    check(tb_Bench_scheduler_open(&cfg, &s), "scheduler open");
    check(tb_Bench_workers_open(&cfg, 0, &w), "worker open");
    pin(cpu);
    struct worker_state ws = {0};
    struct sched_state st = {0};
    tb_Msg m;
    fill(&m, 0);
    uint64_t bad = 0, id = 0;
    double *raw = calloc((size_t)trials, sizeof *raw), *topo = calloc((size_t)trials, sizeof *topo);
    if (!raw || !topo) {
        fprintf(stderr, "out of memory\n");
        exit(1);
    }
    for (int t = 0; t < trials; t++) {
        uint64_t t0 = now_ns();
        for (int i = 0; i < iters; i++) {
            uint64_t sq, r, o, got;
            m.id = ++id;
            spin_claim(pa, 1, &sq);
            memcpy(myl_producer_slot(pa, sq), &m, payload);
            myl_producer_publish(pa, sq, 1);
            spin_poll_one(ca, &r); /* the echo */
            spin_claim(pb, 1, &o);
            memcpy(myl_producer_slot(pb, o), myl_consumer_slot(ca, r), payload);
            myl_consumer_release(ca, 1);
            myl_producer_publish(pb, o, 1);
            spin_poll_one(cb, &r); /* back */
            memcpy(&got, myl_consumer_slot(cb, r), sizeof got);
            myl_consumer_release(cb, 1);
            bad += got != id;
        }
        uint64_t t1 = now_ns();
        for (int i = 0; i < iters; i++) {
            uint64_t before = st.done;
            m.id = ++id;
            check(tb_Bench_scheduler_send_req_to(&s, 0, &m, -1), "send_req_to");
            check(tb_Bench_workers_poll(&w, &bench_worker_handlers, &ws, 0), "worker poll");
            check(tb_Bench_scheduler_poll(&s, &bench_sched_handlers, &st, 0), "scheduler poll");
            bad += st.done != before + 1 || st.last_id != id;
        }
        uint64_t t2 = now_ns();
        raw[t] = (double)(t1 - t0) / iters;
        topo[t] = (double)(t2 - t1) / iters;
    }
    unpin();
    qsort(raw, (size_t)trials, sizeof *raw, cmp_double);
    qsort(topo, (size_t)trials, sizeof *topo, cmp_double);
    printf("\none thread, both ends, cpu %d, %d blocks x %d each, alternating (ns per round "
           "trip):\n",
           cpu, trials, iters);
    printf("%-34s %8s %8s %8s\n", "", "median", "min", "max");
    printf("%-34s %8.1f %8.1f %8.1f\n", "raw rings", raw[trials / 2], raw[0], raw[trials - 1]);
    printf("%-34s %8.1f %8.1f %8.1f\n", "generated endpoints", topo[trials / 2], topo[0],
           topo[trials - 1]);
    free(raw);
    free(topo);
    tb_Bench_workers_close(&w);
    tb_Bench_scheduler_close(&s);
    myl_producer_close(pa);
    myl_producer_close(pb);
    myl_consumer_close(ca);
    myl_consumer_close(cb);
    myl_ring_close(ra);
    myl_ring_close(rb);
    myl_ring_unlink(MYL_BACKING_SHM, a);
    myl_ring_unlink(MYL_BACKING_SHM, b);
    return bad;
}

/* ---- dispatch and gather ---- */

/* Requests per second, or exits on a wrong answer. */
static double dispatch_gather(uint32_t workers, uint64_t requests, uint32_t window,
                              uint64_t *bad_out)
{
    char inst[64];
    snprintf(inst, sizeof inst, "tbench-dg%u-%d", workers, (int)getpid());
    myl_topo_cfg cfg;
    topo_cfg(&cfg, inst, workers);
    tb_Farm_scheduler s;
    check(tb_Farm_scheduler_open(&cfg, &s), "scheduler open");
    pid_t *kids = calloc(workers, sizeof *kids);
    for (uint32_t i = 0; i < workers; i++) {
        kids[i] = fork();
        if (kids[i] == 0) {
            prctl(PR_SET_PDEATHSIG, SIGKILL);
            tb_Farm_workers w;
            check(tb_Farm_workers_open(&cfg, i, &w), "worker open");
            struct worker_state ws = {0};
            int rc = 0;
            while (!ws.stop && rc >= 0)
                rc = tb_Farm_workers_poll(&w, &farm_worker_handlers, &ws, -1);
            tb_Farm_workers_close(&w);
            _exit(rc < 0 ? 1 : 0);
        }
    }
    check(myl_topo_wait_ready(s.topo, 30000000000), "wait workers");
    struct sched_state st = {0};
    st.workers = workers;
    st.requests = requests;
    st.seen = calloc(requests ? requests : 1, 1);
    st.outstanding = calloc(workers, sizeof *st.outstanding);
    if (!st.seen || !st.outstanding || !kids) {
        fprintf(stderr, "out of memory\n");
        exit(1);
    }
    uint64_t sent = 0;
    uint64_t t0 = now_ns();
    while (st.done < requests) {
        /* Dispatch round robin while the next worker has room. */
        while (sent < requests) {
            uint32_t dst = (uint32_t)(sent % workers);
            if (st.outstanding[dst] >= window)
                break;
            tb_Msg m;
            fill(&m, sent);
            check(tb_Farm_scheduler_send_job_to(&s, dst, &m, -1), "send_job_to");
            st.outstanding[dst]++;
            sent++;
        }
        /* Gather what has come back (waiting when nothing can be sent). */
        bool can_send = sent < requests && st.outstanding[sent % workers] < window;
        int got =
            check(tb_Farm_scheduler_poll(&s, &farm_sched_handlers, &st, can_send ? 0 : GIVE_UP_NS),
                  "scheduler poll");
        if (got == 0 && !can_send) {
            fprintf(stderr, "dispatch and gather: no answer for %d s, giving up\n",
                    (int)(GIVE_UP_NS / 1000000000));
            for (uint32_t i = 0; i < workers; i++)
                kill(kids[i], SIGKILL);
            break;
        }
    }
    uint64_t dt = now_ns() - t0;
    for (uint32_t i = 0; i < workers; i++) {
        tb_Msg stop;
        fill(&stop, STOP_ID);
        check(tb_Farm_scheduler_send_job_to(&s, i, &stop, -1), "send stop");
    }
    uint64_t bad = st.bad;
    for (uint32_t i = 0; i < workers; i++) {
        int status = 0;
        waitpid(kids[i], &status, 0);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            fprintf(stderr, "dispatch and gather: worker %u failed\n", i);
            bad++;
        }
    }
    for (uint64_t i = 0; i < requests; i++)
        bad += st.seen[i] != 1;
    tb_Farm_scheduler_close(&s);
    free(st.seen);
    free(st.outstanding);
    free(kids);
    *bad_out += bad;
    return (double)requests * 1e9 / (double)dt;
}

/* ---- main ---- */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static FILE *open_csv(const char *dir, const char *name)
{
    if (!dir)
        return NULL;
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "%s: %s\n", path, strerror(errno));
        exit(1);
    }
    return f;
}

int main(int argc, char **argv)
{
    int trials = 20, iters = 5000, cpu_a = 0, cpu_b = 1, dg_trials = 5;
    uint64_t requests = 200000;
    uint32_t window = 256;
    uint32_t wlist[16] = {1, 2, 4, 8};
    size_t nw = 4;
    const char *csv_dir = NULL, *only = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--trials") && i + 1 < argc)
            trials = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--iters") && i + 1 < argc)
            iters = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--requests") && i + 1 < argc)
            requests = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--runs") && i + 1 < argc)
            dg_trials = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--window") && i + 1 < argc)
            window = (uint32_t)atoi(argv[++i]);
        else if (!strcmp(argv[i], "--csv-dir") && i + 1 < argc)
            csv_dir = argv[++i];
        else if (!strcmp(argv[i], "--only") && i + 1 < argc)
            only = argv[++i];
        else if (!strcmp(argv[i], "--cpus") && i + 1 < argc)
            sscanf(argv[++i], "%d,%d", &cpu_a, &cpu_b);
        else if (!strcmp(argv[i], "--workers") && i + 1 < argc) {
            nw = 0;
            for (char *tok = strtok(argv[++i], ","); tok && nw < 16; tok = strtok(NULL, ","))
                wlist[nw++] = (uint32_t)atoi(tok);
        } else {
            fprintf(stderr,
                    "usage: %s [--trials N] [--iters N] [--requests N] [--window N] "
                    "[--workers 1,2,4,8] [--runs N] [--cpus A,B] [--csv-dir DIR] [--only "
                    "rtt|throughput|local]\n",
                    argv[0]);
            return 2;
        }
    }
    if (trials < 1 || iters < 1 || window < 1 || window > 1000 || requests < 1 || dg_trials < 1 ||
        dg_trials > 64) {
        fprintf(stderr, "bad counts (window: 1..1000, the rings hold 1024; runs: 1..64)\n");
        return 2;
    }
    for (size_t i = 0; i < nw; i++)
        if (wlist[i] < 1 || wlist[i] > 8) {
            fprintf(stderr, "workers: 1..8 (the schema's bounds)\n");
            return 2;
        }
    uint64_t bad = 0;
    printf("myelon %s topo_bench\n", MYL_VERSION_STRING);

    if (!only || !strcmp(only, "rtt")) {
        struct rtt_result res = {0};
        round_trip(trials, iters, cpu_a, cpu_b, &res);
        bad += res.bad;
        qsort(res.raw, res.n, 8, cmp_u64);
        qsort(res.topo, res.n, 8, cmp_u64);
        uint64_t r50 = pct(res.raw, res.n, 0.5), r99 = pct(res.raw, res.n, 0.99);
        uint64_t t50 = pct(res.topo, res.n, 0.5), t99 = pct(res.topo, res.n, 0.99);
        double ratio = (double)t50 / (double)r50;
        printf("\n64 B round trip, cpus %d,%d, spinning, %d trials x %d, interleaved (ns)\n", cpu_a,
               cpu_b, trials, iters);
        printf("%-34s %8s %8s\n", "", "p50", "p99");
        printf("%-34s %8llu %8llu\n", "raw ring ping-pong", (unsigned long long)r50,
               (unsigned long long)r99);
        printf("%-34s %8llu %8llu\n", "scheduler -> worker -> scheduler", (unsigned long long)t50,
               (unsigned long long)t99);
        printf("ratio of p50s (topology / raw): %.3f (target <= 1.1)\n", ratio);
        FILE *f = open_csv(csv_dir, "topo_rtt.csv");
        if (f) {
            fprintf(f, "path,p50_ns,p99_ns\n");
            fprintf(f, "raw,%llu,%llu\n", (unsigned long long)r50, (unsigned long long)r99);
            fprintf(f, "topology,%llu,%llu\n", (unsigned long long)t50, (unsigned long long)t99);
            fprintf(f, "ratio_p50,%.4f,\n", ratio);
            fclose(f);
        }
        free(res.raw);
        free(res.topo);
    }
    if (only && !strcmp(only, "local")) /* not part of the default run */
        bad += local_round_trip(trials, iters, cpu_a);
    if (!only || !strcmp(only, "throughput")) {
        printf("\ndispatch and gather: %llu requests of 64 B, round robin, at most %u unanswered "
               "per worker;\nworker processes unpinned, every process waiting by yielding "
               "(channels `wait yield`:\nan idle _poll round calls sched_yield), up to 9 processes "
               "on %ld CPUs; %d runs each\n",
               (unsigned long long)requests, window, sysconf(_SC_NPROCESSORS_ONLN), dg_trials);
        printf("%8s %14s %14s %14s %14s\n", "workers", "median req/s", "min", "max",
               "median/worker");
        FILE *f = open_csv(csv_dir, "topo_throughput.csv");
        if (f)
            fprintf(f, "workers,requests,runs,median_rps,min_rps,max_rps\n");
        for (size_t i = 0; i < nw; i++) {
            double rps[64];
            for (int t = 0; t < dg_trials; t++)
                rps[t] = dispatch_gather(wlist[i], requests, window, &bad);
            qsort(rps, (size_t)dg_trials, sizeof rps[0], cmp_double);
            double med = rps[dg_trials / 2], lo = rps[0], hi = rps[dg_trials - 1];
            printf("%8u %14.0f %14.0f %14.0f %14.0f\n", wlist[i], med, lo, hi, med / wlist[i]);
            if (f)
                fprintf(f, "%u,%llu,%d,%.0f,%.0f,%.0f\n", wlist[i], (unsigned long long)requests,
                        dg_trials, med, lo, hi);
        }
        if (f)
            fclose(f);
    }
    if (bad) {
        printf("\nFAILED: %llu wrong, missing or duplicate answers\n", (unsigned long long)bad);
        return 1;
    }
    printf("\nevery answer checked: all correct\n");
    return 0;
}
