/* fabric_demo: the scheduler of examples/fabric, and the demo that runs it.
 *
 *   fabric_demo [--workers N] [--requests R] [--window W] [--no-kill]
 *               [--think-us N] [--instance NAME]
 *
 * It opens the scheduler endpoint (the owner: it creates the topology
 * instance's rings), starts N fabric_worker processes, and sends R
 * requests, at most W unanswered at a time, each to the least loaded
 * worker, tracked until answered. One third of the way through it kills
 * worker 1 with SIGKILL: the liveness checks report it dead, its
 * unanswered requests are re-dispatched to the others, and it is started
 * again and rejoins. Every answer is checked against the mock model; each
 * request must be answered exactly once (a late duplicate of a
 * re-dispatched request is counted and dropped). At the end it prints
 * per-worker throughput and end-to-end latency percentiles, and exits 0
 * only if every request was answered correctly. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "inference.myl.h"
#include "mock.h"

#define MAX_WORKERS 16
#define SEC INT64_C(1000000000)

typedef struct demo {
    inference_Fabric_scheduler ep;
    uint32_t nworkers;
    uint64_t nreq;
    uint64_t *sent_ns;    /* per request: when it was (first) sent */
    uint64_t *latency_ns; /* per request: end to end */
    uint8_t *answered;    /* per request */
    uint64_t answered_n, duplicates, wrong;
    uint64_t per_worker[MAX_WORKERS];
    uint64_t redispatched;
    pid_t pid[MAX_WORKERS];
    char worker_path[PATH_MAX];
    const char *instance;
    const char *think_us;
    int killed;       /* index of the worker killed, -1 before */
    int rejoined;     /* it joined again */
    uint64_t dead_at; /* when its death was reported */
} demo;

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * (uint64_t)SEC + (uint64_t)ts.tv_nsec;
}

static pid_t start_worker(demo *d, uint32_t i)
{
    char idx[16];
    snprintf(idx, sizeof idx, "%u", i);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        execl(d->worker_path, d->worker_path, "--instance", d->instance, "--index", idx,
              "--think-us", d->think_us, (char *)NULL);
        perror(d->worker_path);
        _exit(127);
    }
    return pid;
}

static int on_responses(const inference_Response_table *r, inference_Fabric_scheduler *ep,
                        void *user)
{
    (void)ep;
    demo *d = user;
    uint64_t id = inference_Response_request_id(*r);
    if (id >= d->nreq) {
        d->wrong++;
        return 0;
    }
    if (d->answered[id]) {
        d->duplicates++; /* a re-dispatched request answered twice */
        return 0;
    }
    uint32_t prompt[MOCK_MAX_PROMPT], want[MOCK_MAX_OUT];
    uint32_t n = mock_prompt(id, prompt);
    uint32_t max_tokens = 1 + (uint32_t)(id % MOCK_MAX_OUT);
    mock_complete(prompt, n, (uint32_t)id * 7u, max_tokens, want);
    bool ok = inference_Response_tokens_len(*r) == max_tokens;
    for (uint32_t i = 0; ok && i < max_tokens; i++)
        ok = inference_Response_tokens_at(*r, i) == want[i];
    if (!ok)
        d->wrong++;
    d->answered[id] = 1;
    d->answered_n++;
    d->latency_ns[id] = now_ns() - d->sent_ns[id];
    uint32_t w = inference_Response_worker(*r);
    if (w < MAX_WORKERS)
        d->per_worker[w]++;
    return 0;
}

static void on_event(const myl_topo_event *ev, inference_Fabric_scheduler *ep, void *user)
{
    demo *d = user;
    static const char *const kinds[] = {"?", "joined", "dead", "stalled", "left", "resumed"};
    const char *k = ev->kind < 6 ? kinds[ev->kind] : "?";
    if (ev->role != inference_Fabric_ROLE_workers)
        return;
    if (ev->kind == MYL_TOPO_EV_DEAD || ev->kind == MYL_TOPO_EV_STALLED) {
        int n = inference_Fabric_scheduler_redispatch(ep, ev->role, ev->index);
        if (n > 0)
            d->redispatched += (uint64_t)n;
        printf("  worker %u %s (pid %d): %d unanswered request(s) re-dispatched\n", ev->index, k,
               (int)ev->pid, n);
        if ((int)ev->index == d->killed && d->pid[ev->index] > 0) {
            waitpid(d->pid[ev->index], NULL, 0); /* reap it (the zombie counted as dead) */
            d->dead_at = now_ns();
            d->pid[ev->index] = start_worker(d, ev->index);
            printf("  worker %u restarted (pid %d)\n", ev->index, (int)d->pid[ev->index]);
        }
    } else if (ev->kind == MYL_TOPO_EV_JOINED && (int)ev->index == d->killed && d->dead_at) {
        d->rejoined = 1;
        printf("  worker %u %s again after %.1f ms\n", ev->index, k,
               (double)(now_ns() - d->dead_at) / 1e6);
    }
}

static int send_request(demo *d, uint64_t id)
{
    uint32_t prompt[MOCK_MAX_PROMPT];
    uint32_t n = mock_prompt(id, prompt);
    myl_fb_builder b;
    myl_frame_span span;
    myl_fb_ref toks, root;
    int rc = inference_Fabric_scheduler_begin_requests(&d->ep, &b, NULL, 0, &span, SEC / 10);
    if (rc < 0)
        return rc;
    inference_Sampling s = {.temperature = 0.7f,
                            .top_p = 0.9f,
                            .seed = (uint32_t)id * 7u,
                            .max_tokens = 1 + (uint32_t)(id % MOCK_MAX_OUT)};
    inference_Request_create_tokens(&b, prompt, n, &toks);
    inference_Request_start(&b);
    inference_Request_add_request_id(&b, id);
    inference_Request_add_tokens(&b, toks);
    inference_Request_add_sampling(&b, &s);
    inference_Request_end(&b, &root);
    d->sent_ns[id] = now_ns();
    return inference_Fabric_scheduler_commit_requests(&d->ep, &b, root, &span, SEC / 10);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static double pct(const uint64_t *v, uint64_t n, double p)
{
    uint64_t i = (uint64_t)(p * (double)(n - 1) + 0.5);
    return (double)v[i] / 1e3;
}

int main(int argc, char **argv)
{
    demo d;
    memset(&d, 0, sizeof d);
    d.nworkers = 4;
    d.nreq = 20000;
    d.killed = -1;
    d.think_us = "0";
    uint64_t window = 64;
    int kill_one = 1;
    char inst[64];
    snprintf(inst, sizeof inst, "fabric-demo-%d", (int)getpid());
    d.instance = inst;
    for (int i = 1; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(argv[i], "--workers") && v)
            d.nworkers = (uint32_t)strtoul(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--requests") && v)
            d.nreq = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--window") && v)
            window = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--think-us") && v)
            d.think_us = argv[++i];
        else if (!strcmp(argv[i], "--instance") && v)
            d.instance = argv[++i];
        else if (!strcmp(argv[i], "--no-kill"))
            kill_one = 0;
        else {
            fprintf(stderr,
                    "usage: %s [--workers N] [--requests R] [--window W] [--no-kill] "
                    "[--think-us N] [--instance NAME]\n",
                    argv[0]);
            return 2;
        }
    }
    if (d.nworkers < 1 || d.nworkers > MAX_WORKERS || d.nreq < 1 || window < 1) {
        fprintf(stderr, "fabric_demo: --workers 1..%d, --requests and --window >= 1\n",
                MAX_WORKERS);
        return 2;
    }
    if (d.nworkers < 2)
        kill_one = 0; /* nobody left to re-dispatch to */
    /* fabric_worker sits next to this program. */
    ssize_t len = readlink("/proc/self/exe", d.worker_path, sizeof d.worker_path - 32);
    if (len <= 0)
        return perror("/proc/self/exe"), 1;
    d.worker_path[len] = '\0';
    char *slash = strrchr(d.worker_path, '/');
    strcpy(slash ? slash + 1 : d.worker_path, "fabric_worker");

    d.sent_ns = calloc(d.nreq, sizeof *d.sent_ns);
    d.latency_ns = calloc(d.nreq, sizeof *d.latency_ns);
    d.answered = calloc(d.nreq, 1);
    if (!d.sent_ns || !d.latency_ns || !d.answered)
        return fprintf(stderr, "out of memory\n"), 1;

    myl_topo_cfg cfg;
    myl_topo_cfg_init(&cfg);
    cfg.instance = d.instance;
    cfg.counts[inference_Fabric_ROLE_workers] = d.nworkers;
    cfg.track = 1;                              /* keep requests for re-dispatch */
    cfg.liveness.progress_timeout_ns = 5 * SEC; /* a busy 2-core machine is slow */
    cfg.liveness.check_interval_ns = SEC / 100;
    int rc = inference_Fabric_scheduler_open(&cfg, &d.ep);
    if (rc < 0)
        return fprintf(stderr, "scheduler: open: %s\n", myl_strerror(rc)), 1;
    printf("fabric_demo: instance %s, %u workers, %llu requests, window %llu\n", d.instance,
           d.nworkers, (unsigned long long)d.nreq, (unsigned long long)window);
    for (uint32_t i = 0; i < d.nworkers; i++)
        d.pid[i] = start_worker(&d, i);
    rc = myl_topo_wait_ready(d.ep.topo, 30 * SEC);
    if (rc < 0) {
        fprintf(stderr, "scheduler: workers did not join: %s\n", myl_strerror(rc));
        goto out;
    }

    inference_Fabric_scheduler_handlers h;
    memset(&h, 0, sizeof h);
    h.on_responses = on_responses;
    h.on_event = on_event;
    uint64_t next = 0, t0 = now_ns(), last_progress = t0;
    while (d.answered_n < d.nreq) {
        while (next < d.nreq && next - d.answered_n < window) {
            if (kill_one && d.killed < 0 && next == d.nreq / 3) {
                d.killed = 1;
                printf("  killing worker 1 (pid %d) with SIGKILL\n", (int)d.pid[1]);
                kill(d.pid[1], SIGKILL);
            }
            rc = send_request(&d, next);
            if (rc == MYL_ETIMEDOUT || rc == MYL_EPEERDEAD)
                break; /* every ring full or no worker up: gather first */
            if (rc < 0) {
                fprintf(stderr, "scheduler: send: %s\n", myl_strerror(rc));
                goto out;
            }
            next++;
        }
        uint64_t before = d.answered_n;
        rc = inference_Fabric_scheduler_poll(&d.ep, &h, &d, SEC / 10);
        if (rc < 0) {
            fprintf(stderr, "scheduler: poll: %s\n", myl_strerror(rc));
            goto out;
        }
        uint64_t t = now_ns();
        if (d.answered_n != before)
            last_progress = t;
        else if (t - last_progress > 60 * (uint64_t)SEC) {
            fprintf(stderr, "scheduler: no answer for 60 s\n");
            rc = MYL_ETIMEDOUT;
            goto out;
        }
    }
    rc = 0;
    double secs = (double)(now_ns() - t0) / 1e9;
    /* Every request may be answered before the restarted worker is up (a
     * fast run): keep polling, which runs the checks, until it rejoins. */
    for (uint64_t until = now_ns() + 30 * (uint64_t)SEC;
         kill_one && d.killed >= 0 && !d.rejoined && now_ns() < until;) {
        rc = inference_Fabric_scheduler_poll(&d.ep, &h, &d, SEC / 10);
        if (rc < 0) {
            fprintf(stderr, "scheduler: poll: %s\n", myl_strerror(rc));
            goto out;
        }
        rc = 0;
    }
    printf("\n%llu requests answered in %.2f s: %.0f requests/s\n", (unsigned long long)d.nreq,
           secs, (double)d.nreq / secs);
    for (uint32_t i = 0; i < d.nworkers; i++)
        printf("  worker %u: %llu answers, %.0f/s\n", i, (unsigned long long)d.per_worker[i],
               (double)d.per_worker[i] / secs);
    qsort(d.latency_ns, d.nreq, sizeof *d.latency_ns, cmp_u64);
    printf("end-to-end latency (us): p50 %.1f  p90 %.1f  p99 %.1f  p99.9 %.1f  max %.1f\n",
           pct(d.latency_ns, d.nreq, 0.5), pct(d.latency_ns, d.nreq, 0.9),
           pct(d.latency_ns, d.nreq, 0.99), pct(d.latency_ns, d.nreq, 0.999),
           (double)d.latency_ns[d.nreq - 1] / 1e3);
    printf("re-dispatched %llu, duplicate answers dropped %llu, wrong answers %llu\n",
           (unsigned long long)d.redispatched, (unsigned long long)d.duplicates,
           (unsigned long long)d.wrong);
    if (d.wrong) {
        fprintf(stderr, "scheduler: %llu wrong answers\n", (unsigned long long)d.wrong);
        rc = 1;
    }
    if (kill_one && !d.rejoined) {
        fprintf(stderr, "scheduler: the killed worker did not rejoin\n");
        rc = 1;
    }
out:
    /* Closing the owner shuts the instance down: the workers' polls return
     * MYL_ECLOSED and they exit 0. */
    inference_Fabric_scheduler_close(&d.ep);
    int bad = 0;
    for (uint32_t i = 0; i < d.nworkers; i++) {
        int st = 0;
        if (d.pid[i] > 0 && waitpid(d.pid[i], &st, 0) == d.pid[i] &&
            (!WIFEXITED(st) || WEXITSTATUS(st) != 0)) {
            fprintf(stderr, "worker %u: %s %d\n", i, WIFEXITED(st) ? "exit" : "signal",
                    WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
            bad = 1;
        }
    }
    free(d.sent_ns);
    free(d.latency_ns);
    free(d.answered);
    if (rc == 0 && !bad)
        printf("fabric_demo: OK, every request answered exactly once and checked\n");
    return rc == 0 && !bad ? 0 : 1;
}
