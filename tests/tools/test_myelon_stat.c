/* myelon-stat reads a live ring's counters from another process, read-only,
 * and sweeps orphaned segments. */
#include "harness.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "myelon/myelon.h"
#include "truncator.h"
#include "topo_common.h"

/* Runs myelon-stat with args; stdout (and stderr with both) into a static
 * buffer; the exit status into *status. */
static char *run_status(const char *args, int both, int *status)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "%s %s%s", MYELON_STAT_PATH, args, both ? " 2>&1" : " 2>/dev/null");
    FILE *f = popen(cmd, "r");
    assert_non_null(f);
    static char out[65536];
    size_t n = fread(out, 1, sizeof out - 1, f);
    out[n] = '\0';
    int st = pclose(f);
    *status = WIFEXITED(st) ? WEXITSTATUS(st) : 128;
    return out;
}

static char *run(const char *args)
{
    int st;
    char *out = run_status(args, 1, &st);
    if (st != 0)
        fprintf(stderr, "myelon-stat %s: exit %d\n%s", args, st, out);
    assert_int_equal(st, 0);
    return out;
}

static void test_stat_counts(void **state)
{
    (void)state;
    const char *name = myl_test_name("stat");
    myl_ring_opts o = {.size = sizeof o, .name = name, .slot_size = 16, .capacity = 64};
    myl_ring *r;
    myl_ring_unlink(MYL_BACKING_SHM, name);
    assert_int_equal(myl_ring_create(&o, &r), 0);
    myl_producer *p;
    myl_consumer *c;
    assert_int_equal(myl_producer_open(r, NULL, &p), 0);
    assert_int_equal(myl_consumer_open(r, "reader-1", NULL, &c), 0);
    uint64_t ev[2] = {1, 2}, s;
    for (int i = 0; i < 10; i++)
        assert_int_equal(myl_producer_try_send(p, ev), 0);
    assert_int_equal(myl_consumer_try_poll(c, 4, &s), 4);
    myl_consumer_release(c, 4);

    char args[256];
    snprintf(args, sizeof args, "%s", name);
    char *out = run(args);
    assert_non_null(strstr(out, "published    10\n"));
    assert_non_null(strstr(out, "reader-1"));
    assert_non_null(strstr(out, "1 registered, 1 alive"));
    /* The default hybrid ring: asymmetric fences where this host lets a
     * process use membarrier, which the ring's header says. */
    assert_non_null(strstr(out, r->asym ? "  wait         hybrid, fences asymmetric (a sleeper "
                                          "issues membarrier)\n"
                                        : "  wait         hybrid, fences symmetric\n"));

    snprintf(args, sizeof args, "--prometheus %s", name);
    out = run(args);
    char want[256];
    snprintf(want, sizeof want, "myelon_ring_published_events_total{ring=\"%s\"} 10\n", name);
    assert_non_null(strstr(out, want));
    snprintf(want, sizeof want,
             "myelon_consumer_consumed_events_total{ring=\"%s\",consumer=\"reader-1\",entry=\"0\"} "
             "4\n",
             name);
    assert_non_null(strstr(out, want));
    snprintf(want, sizeof want,
             "myelon_consumer_lag_events{ring=\"%s\",consumer=\"reader-1\",entry=\"0\"} 6\n", name);
    assert_non_null(strstr(out, want));

    myl_consumer_close(c);
    myl_producer_close(p);
    myl_ring_close(r);
    myl_ring_unlink(MYL_BACKING_SHM, name);
}

static void test_stat_missing_ring(void **state)
{
    (void)state;
    char cmd[512];
    snprintf(cmd, sizeof cmd, "%s myl-test-no-such-ring-%d 2>&1", MYELON_STAT_PATH, (int)getpid());
    FILE *f = popen(cmd, "r");
    char out[1024];
    size_t n = fread(out, 1, sizeof out - 1, f);
    out[n] = '\0';
    int st = pclose(f);
    assert_int_equal(WEXITSTATUS(st), 1);
    assert_non_null(strstr(out, "ENOENT"));
}

/* An observer attaches read-only, whatever the ring's mode and owner: a
 * 0444 ring (which no read-write attach of the owner accepts) is shown. */
static void test_stat_readonly(void **state)
{
    (void)state;
    const char *name = myl_test_name("statro");
    myl_ring_opts o = {.size = sizeof o, .name = name, .slot_size = 16, .capacity = 64};
    o.perm = 0444;
    myl_ring *r, *a;
    myl_ring_unlink(MYL_BACKING_SHM, name);
    assert_int_equal(myl_ring_create(&o, &r), 0);
    myl_ring_opts ao = {.size = sizeof ao, .name = name};
    assert_int_equal(myl_ring_attach(&ao, &a), MYL_EMODE);
    char *out = run(name);
    assert_non_null(strstr(out, "published    0\n"));
    myl_ring_close(r);
    myl_ring_unlink(MYL_BACKING_SHM, name);
}

/* --unregister removes a detached consumer that gated the ring (a
 * pipeline's input that will not come back), not a live one. */
static void test_stat_unregister(void **state)
{
    (void)state;
    const char *name = myl_test_name("statunreg");
    myl_ring_opts o = {.size = sizeof o, .name = name, .slot_size = 16, .capacity = 64};
    myl_ring *r;
    myl_ring_unlink(MYL_BACKING_SHM, name);
    assert_int_equal(myl_ring_create(&o, &r), 0);
    myl_producer *p;
    myl_consumer *gone, *live;
    assert_int_equal(myl_producer_open(r, NULL, &p), 0);
    assert_int_equal(myl_consumer_open(r, "gone", NULL, &gone), 0);
    myl_consumer_detach(gone);
    uint64_t ev[2] = {1, 2};
    for (int i = 0; i < 64; i++)
        assert_int_equal(myl_producer_try_send(p, ev), 0);
    assert_int_equal(myl_producer_try_send(p, ev), MYL_EAGAIN); /* gated by "gone" */

    char args[256];
    int st;
    snprintf(args, sizeof args, "--unregister gone %s", name);
    char *out = run(args);
    assert_non_null(strstr(out, "consumer 'gone' unregistered (it had read to 0)"));
    assert_int_equal(myl_producer_try_send(p, ev), 0); /* nothing gates it now */
    out = run_status(args, 1, &st);                    /* once only */
    assert_int_equal(st, 1);
    assert_non_null(strstr(out, "no consumer 'gone' is registered"));

    assert_int_equal(myl_consumer_open(r, "live", NULL, &live), 0);
    snprintf(args, sizeof args, "--unregister live %s", name);
    out = run_status(args, 1, &st);
    assert_int_equal(st, 1);
    assert_non_null(strstr(out, "consumer 'live' is live"));
    assert_int_equal(myl_consumer_check(live), 0); /* still registered, still its own */

    snprintf(args, sizeof args, "--unregister live myl-test-no-such-ring-%d", (int)getpid());
    out = run_status(args, 1, &st);
    assert_int_equal(st, 1);
    assert_non_null(strstr(out, "ENOENT"));
    myl_consumer_close(live);
    myl_producer_close(p);
    myl_ring_close(r);
    myl_ring_unlink(MYL_BACKING_SHM, name);
}

/* --sweep removes a segment whose processes all died, not a live one. */
static void test_stat_sweep(void **state)
{
    (void)state;
    const char *dead = myl_test_name("sweep-dead"), *live = myl_test_name("sweep-live");
    myl_ring_opts o = {.size = sizeof o, .name = dead, .slot_size = 16, .capacity = 64};
    myl_ring *r, *a;
    myl_ring_unlink(MYL_BACKING_SHM, dead);
    myl_ring_unlink(MYL_BACKING_SHM, live);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0)
        _exit(myl_ring_create(&o, &r) == 0 ? 0 : 1); /* leaves it behind */
    int st = 0;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_int_equal(WEXITSTATUS(st), 0);
    myl_ring_opts lo = o;
    lo.name = live;
    assert_int_equal(myl_ring_create(&lo, &r), 0);
    char args[256];
    snprintf(args, sizeof args, "--sweep myl-test-%d-sweep-", (int)getpid());
    char *out = run(args);
    /* At least the dead one: a sweep also takes the temporaries of
     * creators that died half-way, whatever their prefix, and concurrent
     * tests kill creators on purpose (tests/unit/test_segment.c). What
     * was ours to remove is checked by name below. */
    int removed = 0;
    const char *line = strstr(out, "removed ");
    if (!line || sscanf(line, "removed %d orphaned", &removed) != 1 || removed < 1)
        fail_msg("--sweep said: %s", out);
    assert_int_equal(myl_ring_attach(&o, &a), -ENOENT);
    assert_int_equal(myl_ring_attach(&lo, &a), 0);
    myl_ring_close(a);
    myl_ring_close(r);
    assert_int_equal(myl_ring_unlink(MYL_BACKING_SHM, live), 0);
}

/* ---- golden output against a ring in a known state ---- */

/* Replace every whole occurrence of word (not inside a longer run of
 * letters, digits or '-') with repl, in place (buf has room for what a
 * longer repl adds: the outputs are far below their buffers). A table
 * column keeps its width: the spaces after the word are padded or
 * trimmed (to one at least) so that word and spaces take as many
 * characters as before. A pid may have fewer digits than "PPID" has
 * letters once pids wrap. */
static void replace_word(char *buf, const char *word, const char *repl)
{
    size_t wl = strlen(word), rl = strlen(repl);
    char *p = buf;
    while ((p = strstr(p, word))) {
        char before = p == buf ? ' ' : p[-1], after = p[wl];
        if (isalnum((unsigned char)before) || isalnum((unsigned char)after) || after == '-') {
            p += wl;
            continue;
        }
        size_t sp = 0;
        while (p[wl + sp] == ' ')
            sp++;
        size_t keep = wl + sp, pad = sp ? (wl + sp > rl ? wl + sp - rl : 1) : 0;
        memmove(p + rl + pad, p + keep, strlen(p + keep) + 1);
        memcpy(p, repl, rl);
        memset(p + rl, ' ', pad);
        p += rl + pad;
    }
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    static char buf[65536];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

/* Compares out with tests/tools/golden/<file>; MYELON_UPDATE_GOLDENS=1
 * writes it instead. */
static void check_golden(const char *file, const char *out)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", MYELON_STAT_GOLDEN_DIR, file);
    const char *upd = getenv("MYELON_UPDATE_GOLDENS");
    if (upd && !strcmp(upd, "1")) {
        FILE *f = fopen(path, "wb");
        assert_non_null(f);
        fputs(out, f);
        fclose(f);
        return;
    }
    char *want = read_file(path);
    assert_non_null(want);
    if (strcmp(want, out) != 0) {
        fprintf(stderr, "--- %s differs; got:\n%s--- want:\n%s", path, out, want);
        fail();
    }
}

/* Heartbeat ages ("1.5 ms") vary: each number before " ms" becomes AGE,
 * right-aligned in the same width. */
static void mask_ages(char *out)
{
    for (char *p = strstr(out, " ms"); p; p = strstr(p + 3, " ms")) {
        char *b = p;
        while (b > out && (isdigit((unsigned char)b[-1]) || b[-1] == '.'))
            b--;
        size_t n = (size_t)(p - b);
        if (n < 3)
            continue;
        memset(b, ' ', n - 3);
        memcpy(b + n - 3, "AGE", 3);
    }
}

/* A topology's control segment: its roles, its rings by segment name, its
 * members with their heartbeats and rejected counts. The whole output is
 * compared with a golden (instance, pids and ages replaced). */
static void test_stat_topology(void **state)
{
    (void)state;
    myl_topo_cfg c;
    myl_topo_cfg_init(&c);
    char inst[64];
    snprintf(inst, sizeof inst, "stat%d", (int)getpid());
    c.instance = inst;
    c.counts[1] = 2;
    myl_topo *t, *w;
    assert_int_equal(myl_topo_open(&topo_desc, &c, 0, 0, &t), 0);
    assert_int_equal(myl_topo_ready(t), 0);
    assert_int_equal(myl_topo_open(&topo_desc, &c, 1, 1, &w), 0);
    assert_int_equal(myl_topo_ready(w), 0);
    myl_topo_reject(w);
    myl_topo_reject(w);
    assert_int_equal(myl_topo_rejected(w), 2);
    char name[128], line[320];
    myl_topo_segment_name(t, UINT32_MAX, 0, name, sizeof name);
    char *out = run(name);
    snprintf(line, sizeof line, "topology     test.Fabric instance %s, 3 members, owner pid %d",
             inst, (int)getpid());
    assert_non_null(strstr(out, line));
    assert_non_null(strstr(out, "running"));
    assert_non_null(strstr(out, "  roles        scheduler x1, workers x2\n"));
    /* every ring, by the segment name the runtime gives it */
    for (uint32_t route = 0; route < 4; route++)
        for (uint32_t k = 0; k < myl_topo_route_rings(t, route); k++) {
            char seg[256];
            assert_true(myl_topo_segment_name(t, route, k, seg, sizeof seg) > 0);
            snprintf(line, sizeof line, "    ring       %s  ", seg);
            assert_non_null(strstr(out, line));
        }
    /* scheduler.0 up, workers.0 free, workers.1 up with 2 rejected */
    assert_non_null(strstr(out, "  scheduler 0     up"));
    assert_non_null(strstr(out, "  workers   0     free"));
    assert_non_null(strstr(out, "  workers   1     up"));
    assert_non_null(strstr(out, " ms         2\n"));
    replace_word(out, inst, "INST");
    char num[32];
    snprintf(num, sizeof num, "%d", (int)getpid());
    replace_word(out, num, "PID");
    mask_ages(out);
    check_golden("stat_topology.txt", out);
    /* Hostile bytes in the names: an unterminated route name, a role
     * index out of range, a ring count that is not the shape's. Shown as
     * such, never read past. */
    myl_ring_opts o = {.size = sizeof o, .name = name};
    myl_ring *r;
    assert_int_equal(myl_ring_attach(&o, &r), 0);
    uint8_t *ctl = (uint8_t *)r->slots + MYL_TOPO_CTL_OFFSET;
    myl__topo_route *rt = (myl__topo_route *)(ctl + MYL_TOPO_CTL_ROUTES_OFFSET);
    memset(rt[0].name, 'A', sizeof rt[0].name);
    rt[0].from = 77;
    rt[1].nrings = 4000;
    memset(ctl + MYL_TOPO_CTL_ROLES_OFFSET, 0x01, MYL_TOPO_ROLE_NAME);
    out = run(name);
    assert_non_null(strstr(
        out, "  route        AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA: "
             "inconsistent\n"));
    assert_non_null(strstr(out, "direct, 4000 rings (inconsistent)\n"));
    assert_null(strstr(out, "workers_scheduler_responses.3"));
    assert_non_null(strstr(out, "  roles        ????????????????????????????????"));
    myl_ring_close(r);
    myl_topo_close(w);
    myl_topo_close(t);
}

/* A forked child: registers a producer (sends n events) or a consumer
 * (polls and releases n events), then exits without closing, as if it
 * crashed. Returns its pid, reaped. */
static pid_t dies_registered(const char *name, int producer, int n)
{
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        myl_ring_opts o = {.size = sizeof o, .name = name};
        myl_ring *r;
        if (myl_ring_attach(&o, &r) < 0)
            _exit(1);
        uint64_t ev[2] = {7, 7}, s;
        if (producer) {
            myl_producer *p;
            if (myl_producer_open(r, NULL, &p) < 0)
                _exit(2);
            for (int i = 0; i < n; i++)
                if (myl_producer_try_send(p, ev) < 0)
                    _exit(3);
        } else {
            myl_consumer *c;
            if (myl_consumer_open(r, "crashed", NULL, &c) < 0)
                _exit(2);
            if (n && myl_consumer_try_poll(c, (uint32_t)n, &s) != n)
                _exit(3);
            if (n)
                myl_consumer_release(c, (uint32_t)n);
        }
        _exit(0);
    }
    int st = 0;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
    return pid;
}

/* The whole file, malloc'd. */
static unsigned char *slurp(const char *path, size_t *len)
{
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    unsigned char *buf = malloc((size_t)st.st_size + 1);
    assert_non_null(buf);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    *len = fread(buf, 1, (size_t)st.st_size + 1, f);
    fclose(f);
    assert_int_equal(*len, (size_t)st.st_size);
    return buf;
}

static void normalize(char *out, const char *name, pid_t prod, pid_t cons)
{
    char num[32];
    replace_word(out, name, "RING");
    snprintf(num, sizeof num, "%d", (int)getpid());
    replace_word(out, num, "PID");
    snprintf(num, sizeof num, "%d", (int)prod);
    replace_word(out, num, "PPID");
    snprintf(num, sizeof num, "%d", (int)cons);
    replace_word(out, num, "CPID");
}

/* A ring with a producer that died after publishing 10 events, a live
 * consumer that released 4 and a consumer that died after releasing 2:
 * the table, JSON and Prometheus text are compared with goldens (pids and
 * the ring's name replaced), and promtool checks the Prometheus text when
 * it is installed. myelon-stat writes nothing into the segment. */
static void test_stat_golden(void **state)
{
    (void)state;
    const char *name = myl_test_name("golden");
    /* Fences chosen, so that the golden is every host's: the default
     * (asymmetric) needs membarrier (test_stat_counts shows it). */
    myl_ring_opts o = {.size = sizeof o,
                       .name = name,
                       .slot_size = 16,
                       .capacity = 64,
                       .flags = MYL_SEG_FENCE_SYMMETRIC};
    myl_ring *r;
    myl_ring_unlink(MYL_BACKING_SHM, name);
    assert_int_equal(myl_ring_create(&o, &r), 0);
    myl_consumer *c;
    assert_int_equal(myl_consumer_open(r, "reader-1", NULL, &c), 0);
    pid_t cons = dies_registered(name, 0, 0);
    pid_t prod = dies_registered(name, 1, 10);
    uint64_t s;
    assert_int_equal(myl_consumer_try_poll(c, 4, &s), 4);
    myl_consumer_release(c, 4);

    char shm[256];
    snprintf(shm, sizeof shm, "/dev/shm/%s", name);
    size_t seglen;
    unsigned char *before = slurp(shm, &seglen);
    char args[512];
    static const struct {
        const char *flag, *golden;
    } forms[] = {{"", "stat.txt"}, {"--json", "stat.json"}, {"--prometheus", "stat.prom"}};
    for (size_t k = 0; k < sizeof forms / sizeof forms[0]; k++) {
        snprintf(args, sizeof args, "%s %s", forms[k].flag, name);
        int st;
        char *out = run_status(args, 0, &st);
        assert_int_equal(st, 0);
        if (!strcmp(forms[k].flag, "--json")) {
            /* The time varies: "time":"YYYY-MM-DDTHH:MM:SS.mmmZ". */
            char *t = strstr(out, "{\"time\":\"");
            assert_ptr_equal(t, out);
            assert_int_equal(strlen(out) > 34 && out[32] == 'Z' && out[33] == '"', 1);
            memcpy(out + 9, "YYYY-MM-DDTHH:MM:SS.mmmZ", 24);
        }
        normalize(out, name, prod, cons);
        check_golden(forms[k].golden, out);
    }

    /* promtool, when installed (Debian: prometheus), lints the families. */
    if (system("command -v promtool >/dev/null 2>&1") == 0) {
        snprintf(args, sizeof args, "%s --prometheus %s | promtool check metrics 2>&1",
                 MYELON_STAT_PATH, name);
        FILE *p = popen(args, "r");
        assert_non_null(p);
        char lint[4096];
        size_t n = fread(lint, 1, sizeof lint - 1, p);
        lint[n] = '\0';
        int st = pclose(p);
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0 || n) {
            fprintf(stderr, "promtool check metrics:\n%s", lint);
            fail();
        }
    } else {
        fprintf(stderr, "promtool not installed: Prometheus text not linted\n");
    }

    /* The JSON parses (python3's json.tool, when installed). */
    if (system("command -v python3 >/dev/null 2>&1") == 0) {
        snprintf(args, sizeof args,
                 "%s --json %s | python3 -m json.tool >/dev/null 2>&1 && "
                 "%s --json --watch 0.01 --count 2 %s | python3 -m json.tool --json-lines "
                 ">/dev/null 2>&1",
                 MYELON_STAT_PATH, name, MYELON_STAT_PATH, name);
        assert_int_equal(system(args), 0);
    }

    /* Read-only: not a byte of the segment changed (the ring is idle). */
    snprintf(args, sizeof args, "--watch 0.01 --count 2 %s", name);
    run(args);
    size_t afterlen;
    unsigned char *after = slurp(shm, &afterlen);
    assert_int_equal(afterlen, seglen);
    assert_memory_equal(before, after, seglen);
    free(before);
    free(after);

    myl_consumer_close(c);
    myl_ring_close(r);
    myl_ring_unlink(MYL_BACKING_SHM, name);
}

/* A bridge state object (docs/BRIDGE.md, "The state object"), written
 * byte by byte at the offsets the documentation gives: counters
 * base+0 .. base+11. len < 4096 writes a truncated one. */
static void write_bridge_state(const char *shm_name, uint64_t magic, uint32_t role, int32_t pid,
                               uint32_t kind, uint64_t base, size_t len)
{
    unsigned char page[4096] = {0};
    uint32_t version = 1;
    uint64_t fp = UINT64_C(0x1234abcd);
    memcpy(page + 0, &magic, 8);
    memcpy(page + 8, &version, 4);
    memcpy(page + 12, &role, 4);
    memcpy(page + 16, &pid, 4);
    memcpy(page + 20, &kind, 4);
    memcpy(page + 24, &fp, 8);
    for (uint64_t i = 0; i < 12; i++) {
        uint64_t v = base + i;
        memcpy(page + 88 + 8 * i, &v, 8);
    }
    int fd = shm_open(shm_name, O_RDWR | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, page, len), (ssize_t)len);
    close(fd);
}

/* A ring with both bridge sides' state objects: the exporter alive (this
 * process), the importer dead. Their counters appear in the table, the
 * JSON and the Prometheus text (goldens; promtool when installed).
 * State objects that are truncated, of another magic, of the other role
 * than their name says, or not regular files are not shown, and do not
 * make myelon-stat fail. */
static void test_stat_bridge(void **state)
{
    (void)state;
    const char *name = myl_test_name("bridged");
    myl_ring_opts o = {.size = sizeof o,
                       .name = name,
                       .slot_size = 16,
                       .capacity = 64,
                       .flags = MYL_SEG_FENCE_SYMMETRIC}; /* as test_stat_golden */
    myl_ring *r;
    myl_ring_unlink(MYL_BACKING_SHM, name);
    assert_int_equal(myl_ring_create(&o, &r), 0);
    pid_t dead = dies_registered(name, 1, 3);
    char exp[300], imp[300];
    snprintf(exp, sizeof exp, "%s.bridge-export", r->name);
    snprintf(imp, sizeof imp, "%s.bridge-import", r->name);
    const uint64_t magic = UINT64_C(0x3145544154534c4d);
    write_bridge_state(exp, magic, 1, (int32_t)getpid(), 1, 100, 4096);
    write_bridge_state(imp, magic, 2, (int32_t)dead, 2, 2000, 4096);

    char args[512];
    static const struct {
        const char *flag, *golden;
    } forms[] = {{"", "stat_bridge.txt"},
                 {"--json", "stat_bridge.json"},
                 {"--prometheus", "stat_bridge.prom"}};
    for (size_t k = 0; k < sizeof forms / sizeof forms[0]; k++) {
        snprintf(args, sizeof args, "%s %s", forms[k].flag, name);
        int st;
        char *out = run_status(args, 0, &st);
        assert_int_equal(st, 0);
        if (!strcmp(forms[k].flag, "--json"))
            memcpy(out + 9, "YYYY-MM-DDTHH:MM:SS.mmmZ", 24);
        normalize(out, name, dead, dead);
        check_golden(forms[k].golden, out);
    }
    if (system("command -v promtool >/dev/null 2>&1") == 0) {
        snprintf(args, sizeof args, "%s --prometheus %s | promtool check metrics 2>&1",
                 MYELON_STAT_PATH, name);
        FILE *p = popen(args, "r");
        assert_non_null(p);
        char lint[4096];
        size_t n = fread(lint, 1, sizeof lint - 1, p);
        lint[n] = '\0';
        int st = pclose(p);
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0 || n) {
            fprintf(stderr, "promtool check metrics:\n%s", lint);
            fail();
        }
    }
    /* With --watch, a rate per side. */
    snprintf(args, sizeof args, "--watch 0.01 --count 2 %s", name);
    assert_non_null(strstr(run(args), "messages/s"));

    /* Not shown: truncated, wrong magic, wrong role, not a regular file. */
    static const struct {
        uint64_t magic;
        uint32_t role;
        size_t len;
    } badst[] = {{UINT64_C(0x3145544154534c4d), 1, 100},
                 {UINT64_C(0x3145544154534c4e), 1, 4096},
                 {UINT64_C(0x3145544154534c4d), 2, 4096},
                 {UINT64_C(0x3145544154534c4d), 7, 4096}};
    for (size_t k = 0; k < sizeof badst / sizeof badst[0]; k++) {
        write_bridge_state(exp, badst[k].magic, badst[k].role, 1, 1, 0, badst[k].len);
        int st;
        char *out = run_status(name, 0, &st);
        assert_int_equal(st, 0);
        assert_null(strstr(out, "\n  export "));
        assert_non_null(strstr(out, "\n  import "));
    }
    shm_unlink(exp);
    shm_unlink(imp);
    char dir[512];
    snprintf(dir, sizeof dir, "/dev/shm%s", exp);
    assert_int_equal(mkdir(dir, 0700), 0);
    int st;
    char *out = run_status(name, 0, &st);
    assert_int_equal(st, 0);
    assert_null(strstr(out, "\n  bridge "));
    rmdir(dir);

    myl_ring_close(r);
    myl_ring_unlink(MYL_BACKING_SHM, name);
}

/* Runs myelon-stat with argv[1..] (argv[0] unused), its output dropped;
 * its wait status. An alarm set before exec bounds a hang (it kills the
 * tool, which then did not exit): a bound, not a condition of the test. */
static int run_bounded(char **argv)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        if (null < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0)
            _exit(126);
        alarm(20);
        argv[0] = (char *)MYELON_STAT_PATH;
        execv(MYELON_STAT_PATH, argv);
        _exit(127);
    }
    int st;
    while (waitpid(pid, &st, 0) < 0)
        assert_int_equal(errno, EINTR);
    return st;
}

/* A FIFO planted (by anyone: /dev/shm is world-writable) at the bridge
 * state name of a real ring: myelon-stat shows the ring without a bridge
 * and exits, where its open of the state object waited for a writer for
 * ever (and myelon-health's threads with it). */
static void test_stat_bridge_fifo(void **state)
{
    (void)state;
    const char *name = myl_test_name("brfifo");
    myl_ring_opts o = {.size = sizeof o, .name = name, .slot_size = 16, .capacity = 8};
    myl_ring *r;
    myl_ring_unlink(MYL_BACKING_SHM, name);
    assert_int_equal(myl_ring_create(&o, &r), 0);
    char fifo[512];
    snprintf(fifo, sizeof fifo, "/dev/shm%s.bridge-export", r->name);
    (void)unlink(fifo);
    assert_int_equal(mkfifo(fifo, 0666), 0);
    char *argv[] = {NULL, (char *)name, NULL};
    int st = run_bounded(argv);
    assert_int_equal(unlink(fifo), 0);
    myl_ring_close(r);
    myl_ring_unlink(MYL_BACKING_SHM, name);
    if (WIFSIGNALED(st))
        fprintf(stderr, "myelon-stat killed by signal %d: blocked on the FIFO\n", WTERMSIG(st));
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

/* A file ring named by a bare relative path ("rv", from its directory)
 * with an exporter's state object under the default name, naming the
 * ring (offset 184): one bridge side, one series per counter. It was
 * read twice, as "rv.bridge-export" (the default name) and as
 * "./rv.bridge-export" (the scan of the ring's directory), and the
 * Prometheus text had two series for it. */
static void test_stat_bridge_relative(void **state)
{
    (void)state;
    char dir[] = "/tmp/myl-stat-XXXXXX", path[160], args[512];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/rv", dir);
    myl_ring_opts o = {.size = sizeof o,
                       .name = path,
                       .backing = MYL_BACKING_FILE,
                       .slot_size = 16,
                       .capacity = 8};
    myl_ring *r;
    assert_int_equal(myl_ring_create(&o, &r), 0);
    unsigned char page[4096] = {0};
    uint64_t magic = UINT64_C(0x3145544154534c4d), messages = 1000;
    uint32_t version = 1, role = 1, kind = 1;
    int32_t pid = (int32_t)getpid();
    memcpy(page + 0, &magic, 8);
    memcpy(page + 8, &version, 4);
    memcpy(page + 12, &role, 4);
    memcpy(page + 16, &pid, 4);
    memcpy(page + 20, &kind, 4);
    memcpy(page + 88, &messages, 8);
    memcpy(page + 184, "rv", 2); /* the ring's name as its bridge opened it */
    snprintf(path, sizeof path, "%s/rv.bridge-export", dir);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(page, 1, sizeof page, f), sizeof page);
    assert_int_equal(fclose(f), 0);

    static const struct {
        const char *flag, *line;
    } forms[] = {{"", "\n  export "}, {"--prometheus", "\nmyelon_bridge_messages_total{"}};
    for (size_t k = 0; k < sizeof forms / sizeof forms[0]; k++) {
        snprintf(args, sizeof args, "cd %s && %s --file %s rv 2>&1", dir, MYELON_STAT_PATH,
                 forms[k].flag);
        FILE *pf = popen(args, "r");
        assert_non_null(pf);
        static char buf[65536];
        size_t n = fread(buf, 1, sizeof buf - 1, pf);
        buf[n] = '\0';
        assert_int_equal(pclose(pf), 0);
        int seen = 0;
        for (const char *p = buf; (p = strstr(p, forms[k].line)); p++)
            seen++;
        if (seen != 1)
            fprintf(stderr, "%s: %d bridge sides\n%s", args, seen, buf);
        assert_int_equal(seen, 1);
    }
    myl_ring_close(r);
    assert_int_equal(unlink(path), 0);
    snprintf(path, sizeof path, "%s/rv", dir);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(rmdir(dir), 0);
}

/* --help on stdout with exit 0, --version, and bad arguments rejected
 * with exit 2 and a message. */
static void test_stat_cli(void **state)
{
    (void)state;
    int st;
    char *out = run_status("--help", 0, &st);
    assert_int_equal(st, 0);
    assert_non_null(strstr(out, "usage: myelon-stat"));
    out = run_status("--version", 0, &st);
    assert_int_equal(st, 0);
    assert_non_null(strstr(out, "myelon-stat " MYL_VERSION_STRING "\n"));
    static const char *bad[] = {"--watch abc x",
                                "--watch 0 x",
                                "--watch -1 x",
                                "--watch 1x x",
                                "--watch nan x",
                                "--watch",
                                "--count 2 x",
                                "--watch 1 --count 0 x",
                                "--bogus x",
                                "--json --prometheus x",
                                "--watch 1 --prometheus x",
                                "--list a b",
                                "--list --prometheus",
                                "--list --watch 1",
                                "--sweep --json",
                                "--sweep --list",
                                "--unregister",
                                "--unregister x",
                                "--unregister x a b",
                                "--unregister x --json a",
                                "--unregister x --sweep a",
                                ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        out = run_status(bad[i], 1, &st);
        if (st != 2)
            fprintf(stderr, "myelon-stat %s: exit %d\n%s", bad[i], st, out);
        assert_int_equal(st, 2);
        assert_non_null(strstr(out, "myelon-stat: "));
        assert_non_null(strstr(out, "--help"));
    }
}

/* A group's base name shows its rings; --list lists rings and groups;
 * --watch prints timestamped refreshes with rates. */
static void test_stat_group_list_watch(void **state)
{
    (void)state;
    const char *base = myl_test_name("grp");
    static const uint32_t sizes[] = {64, 256};
    myl_group_opts go = {.size = sizeof go,
                         .kind = MYL_GROUP_CLASSES,
                         .count = 2,
                         .name = base,
                         .frame_sizes = sizes,
                         .capacity = 16};
    myl_group_unlink(&go);
    myl_group *g;
    assert_int_equal(myl_group_create(&go, &g), 0);

    char *out = run(base);
    char want[256];
    snprintf(want, sizeof want, "ring %s.f64\n", base);
    assert_non_null(strstr(out, want));
    snprintf(want, sizeof want, "ring %s.f256\n", base);
    assert_non_null(strstr(out, want));

    char args[512];
    snprintf(args, sizeof args, "--list myl-test-%d-grp", (int)getpid());
    out = run(args);
    snprintf(want, sizeof want, "\n%s.f256 ", base);
    assert_non_null(strstr(out, want));
    snprintf(want, sizeof want, "  %s: f256 f64\n", base);
    assert_non_null(strstr(out, want));
    assert_non_null(strstr(out, "2 ring(s)"));

    /* Watch, not on a terminal: a block per refresh, each with its time;
     * from the second on, rates. */
    snprintf(args, sizeof args, "--watch 0.01 --count 3 %s.f64", base);
    out = run(args);
    int blocks = 0;
    for (char *p = out; (p = strstr(p, "  every 0.01s")); p++)
        blocks++;
    assert_int_equal(blocks, 3);
    assert_non_null(strstr(out, "published    0 (0.0/s)\n"));
    assert_int_equal(out[4] == '-' && out[10] == 'T', 1); /* 2026-12-03T... */
    snprintf(args, sizeof args, "--json --watch 0.01 --count 2 %s.f64", base);
    out = run(args);
    char *second = strchr(out, '\n');
    assert_non_null(second);
    assert_null(strstr(out, "published_per_s") < second ? strstr(out, "published_per_s") : NULL);
    assert_non_null(strstr(second, "\"published_per_s\":0.000"));

    myl_group_close(g);
    assert_int_equal(myl_group_unlink(&go), 0);
}

/* Every occurrence of word becomes mask (as long as word), in place. */
static void mask_all(char *out, const char *word, const char *mask)
{
    size_t n = strlen(word);
    assert_int_equal(strlen(mask), n);
    for (char *p = strstr(out, word); p; p = strstr(p + n, word))
        memcpy(p, mask, n);
}

/* --list and --list --json against segments in a known state under one
 * prefix: a ring with a producer, a size-class group and a topology (its
 * control segment and its six rings, which are not taken for groups).
 * Compared with goldens (the prefix, of a fixed length, and pids masked). */
static void test_stat_list(void **state)
{
    (void)state;
    char prefix[64], solo[96];
    snprintf(prefix, sizeof prefix, "myl-test-%07d-l", (int)getpid());
    snprintf(solo, sizeof solo, "%s.solo", prefix);
    myl_ring_opts o = {.size = sizeof o, .name = solo, .slot_size = 16, .capacity = 64};
    myl_ring *r;
    myl_ring_unlink(MYL_BACKING_SHM, solo);
    assert_int_equal(myl_ring_create(&o, &r), 0);
    myl_producer *p;
    assert_int_equal(myl_producer_open(r, NULL, &p), 0);
    uint64_t ev[2] = {1, 2};
    for (int i = 0; i < 3; i++)
        assert_int_equal(myl_producer_try_send(p, ev), 0);

    char base[96];
    snprintf(base, sizeof base, "%s.g", prefix);
    static const uint32_t sizes[] = {64, 256};
    myl_group_opts go = {.size = sizeof go,
                         .kind = MYL_GROUP_CLASSES,
                         .count = 2,
                         .name = base,
                         .frame_sizes = sizes,
                         .capacity = 16};
    myl_group_unlink(&go);
    myl_group *g;
    assert_int_equal(myl_group_create(&go, &g), 0);

    myl_topo_cfg c;
    myl_topo_cfg_init(&c);
    char tprefix[80];
    snprintf(tprefix, sizeof tprefix, "%s.", prefix);
    c.prefix = tprefix;
    c.instance = "t";
    c.counts[1] = 2;
    myl_topo *t, *w;
    assert_int_equal(myl_topo_open(&topo_desc, &c, 0, 0, &t), 0);
    assert_int_equal(myl_topo_ready(t), 0);
    assert_int_equal(myl_topo_open(&topo_desc, &c, 1, 1, &w), 0);
    assert_int_equal(myl_topo_ready(w), 0);

    char args[256], mask[64], num[32];
    snprintf(mask, sizeof mask, "myl-test-PPPPPPP-l");
    snprintf(num, sizeof num, "%d", (int)getpid());
    snprintf(args, sizeof args, "--list %s", prefix);
    char *out = run(args);
    mask_all(out, prefix, mask);
    check_golden("stat_list.txt", out);
    snprintf(args, sizeof args, "--json --list %s", prefix);
    out = run(args);
    mask_all(out, prefix, mask);
    replace_word(out, num, "PID");
    check_golden("stat_list.json", out);
    if (system("command -v python3 >/dev/null 2>&1") == 0) {
        snprintf(args, sizeof args, "%s --json --list %s | python3 -m json.tool >/dev/null 2>&1",
                 MYELON_STAT_PATH, prefix);
        assert_int_equal(system(args), 0);
    }
    /* Nothing under a prefix: an empty list, not an error. */
    snprintf(args, sizeof args, "--json --list %s.none", prefix);
    out = run(args);
    assert_string_equal(out, "{\"rings\":[],\"groups\":[],\"topologies\":[]}\n");

    myl_topo_close(w);
    myl_topo_close(t);
    myl_group_close(g);
    assert_int_equal(myl_group_unlink(&go), 0);
    myl_producer_close(p);
    myl_ring_close(r);
    myl_ring_unlink(MYL_BACKING_SHM, solo);
}

/* --file --list over rings in files: a path prefix lists the rings in its
 * directory by path, a bare one those in the current directory by name;
 * files that are not rings, a directory and other names are not listed. */
static void test_stat_list_files(void **state)
{
    (void)state;
    char dir[] = "/tmp/myl-stat-XXXXXX", path[160], args[512];
    assert_non_null(mkdtemp(dir));
    myl_ring *r[2];
    const char *names[2] = {"app-a", "app-b"};
    for (int i = 0; i < 2; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        myl_ring_opts o = {.size = sizeof o,
                           .name = path,
                           .backing = MYL_BACKING_FILE,
                           .slot_size = 16,
                           .capacity = 64};
        assert_int_equal(myl_ring_create(&o, &r[i]), 0);
    }
    snprintf(path, sizeof path, "%s/app-notes.txt", dir); /* not a ring */
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("not a ring\n", f);
    fclose(f);
    snprintf(path, sizeof path, "%s/app-sub", dir); /* a directory */
    assert_int_equal(mkdir(path, 0700), 0);
    snprintf(path, sizeof path, "%s/other", dir); /* another name */
    myl_ring_opts o = {.size = sizeof o,
                       .name = path,
                       .backing = MYL_BACKING_FILE,
                       .slot_size = 16,
                       .capacity = 64};
    myl_ring *other;
    assert_int_equal(myl_ring_create(&o, &other), 0);

    snprintf(args, sizeof args, "--file --json --list %s/app-", dir);
    char *out = run(args);
    char want[512];
    snprintf(want, sizeof want, "\"name\":\"%s/app-a\"", dir);
    assert_non_null(strstr(out, want));
    snprintf(want, sizeof want, "\"name\":\"%s/app-b\"", dir);
    assert_non_null(strstr(out, want));
    assert_null(strstr(out, "app-notes"));
    assert_null(strstr(out, "app-sub"));
    assert_null(strstr(out, "other"));
    /* From the directory, a bare prefix: names as spelt. */
    snprintf(args, sizeof args, "cd %s && %s --file --list app- 2>&1", dir, MYELON_STAT_PATH);
    FILE *pf = popen(args, "r");
    assert_non_null(pf);
    static char buf[8192];
    size_t n = fread(buf, 1, sizeof buf - 1, pf);
    buf[n] = '\0';
    assert_int_equal(pclose(pf), 0);
    assert_non_null(strstr(buf, "\napp-a "));
    assert_non_null(strstr(buf, "\napp-b "));
    assert_non_null(strstr(buf, "2 ring(s)"));

    myl_ring_close(other);
    for (int i = 0; i < 2; i++)
        myl_ring_close(r[i]);
    snprintf(args, sizeof args, "rm -rf %s", dir);
    assert_int_equal(system(args), 0);
}

/* A file-backed ring that another process truncates and restores over
 * and over while myelon-stat reads it: each run shows the ring or says it
 * is truncated (exit 0 or 1), and none dies of SIGBUS (the shell's 135),
 * as runs did when the truncation fell between the size check and the
 * reads (about one in thirty). The tables span pages (64 consumers), the
 * header's page stays. */
static void test_stat_truncated_while_read(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof path, "/tmp/myl-stat-trunc-%d", (int)getpid());
    myl_ring *r = myl_test_truncatable_ring(path);
    pid_t kid = myl_test_truncator(path);
    char args[256];
    snprintf(args, sizeof args, "--file %s", path);
    int died = 0, shown = 0;
    for (int i = 0; i < 300; i++) {
        int st;
        (void)run_status(args, 0, &st);
        died += st >= 128;
        shown += st == 0;
    }
    myl_test_truncator_stop(kid);
    myl_ring_close(r);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(died, 0);
    (void)shown; /* how many runs fell in a restored window: not judged */
}

/* Rings whose names hold control bytes (a terminal's title, clear-screen
 * and colour sequences, ESC and BEL), found by directory scans: as a
 * group's members, in --list (rings and groups) and named: the text
 * output holds none of those bytes, which went to the terminal as they
 * were (ids were made printable, names were not). */
static void test_stat_control_names(void **state)
{
    (void)state;
    char dir[] = "/tmp/myl-stat-XXXXXX", path[2][192], args[512];
    assert_non_null(mkdtemp(dir));
    snprintf(path[0], sizeof path[0], "%s/g.x\033]0;TITLE\a\033[2J\033[31mFAKE", dir);
    snprintf(path[1], sizeof path[1], "%s/g.plain", dir);
    myl_ring *r[2];
    for (int i = 0; i < 2; i++) { /* one creator, fingerprint, capacity: a group */
        myl_ring_opts o = {.size = sizeof o,
                           .name = path[i],
                           .backing = MYL_BACKING_FILE,
                           .slot_size = 16,
                           .capacity = 8};
        assert_int_equal(myl_ring_create(&o, &r[i]), 0);
    }
    static const char *const forms[] = {"--file %s/g", "--file --list %s/g.",
                                        "--file --watch 0.01 --count 2 %s/g"};
    for (size_t k = 0; k < sizeof forms / sizeof forms[0]; k++) {
        snprintf(args, sizeof args, forms[k], dir);
        char *out = run(args);
        assert_non_null(strstr(out, "g.x?]0;TITLE??[2J?[31mFAKE"));
        assert_non_null(strstr(out, "g.plain"));
        for (const char *p = out; *p; p++)
            if (*p != '\n' && (*p < 0x20 || *p > 0x7e)) {
                fprintf(stderr, "myelon-stat %s: byte 0x%02x at %zu\n", args, *p & 0xff,
                        (size_t)(p - out));
                fail();
            }
    }
    /* Named: the same. */
    snprintf(args, sizeof args, "--file '%s'", path[0]);
    char *out = run(args);
    assert_null(strchr(out, '\033'));
    assert_null(strchr(out, '\a'));
    for (int i = 0; i < 2; i++) {
        myl_ring_close(r[i]);
        assert_int_equal(unlink(path[i]), 0);
    }
    assert_int_equal(rmdir(dir), 0);
}

/* Cuts the shm object name (its label) to len bytes, keeping what is left. */
static void shm_cut(const char *label, off_t len)
{
    char obj[300];
    assert_true(myl_shm_name(label, obj, sizeof obj) > 0);
    int fd = shm_open(obj, O_RDWR, 0);
    assert_true(fd >= 0);
    assert_int_equal(ftruncate(fd, len), 0);
    close(fd);
}

/* A shm object under label holding len bytes of data (a file of
 * something else than a ring). */
static void shm_put(const char *label, const void *data, size_t len)
{
    char obj[300];
    assert_true(myl_shm_name(label, obj, sizeof obj) > 0);
    int fd = shm_open(obj, O_RDWR | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, len), (ssize_t)len);
    close(fd);
}

/* A group whose members are cut short, one past its header (the header
 * says more than is there), one inside it (what is left starts with the
 * segment's magic): myelon-stat BASE shows the readable member, says
 * which could not be read and why, and exits with status 1, where it
 * dropped them without a word and exited 0. Files under the group's
 * names that are no rings (a note, an empty file, a bridge's state
 * object) are no members: not reported. */
static void test_stat_group_unreadable(void **state)
{
    (void)state;
    const char *base = myl_test_name("gbad");
    static const char *const sfx[3] = {"a", "b", "c"};
    char name[3][128], other[3][160];
    myl_ring *r[3];
    for (int i = 0; i < 3; i++) {
        snprintf(name[i], sizeof name[i], "%s.%s", base, sfx[i]);
        myl_ring_opts o = {.size = sizeof o, .name = name[i], .slot_size = 16, .capacity = 8};
        myl_ring_unlink(MYL_BACKING_SHM, name[i]);
        assert_int_equal(myl_ring_create(&o, &r[i]), 0);
        myl_ring_close(r[i]);
    }
    shm_cut(name[1], MYL_SEG_HEADER_SIZE + 8);
    shm_cut(name[2], 100);
    snprintf(other[0], sizeof other[0], "%s.notes", base);
    snprintf(other[1], sizeof other[1], "%s.empty", base);
    snprintf(other[2], sizeof other[2], "%s.a.bridge-export", base);
    shm_put(other[0], "not a ring\n", 11);
    shm_put(other[1], "", 0);
    static unsigned char page[4096] = {'M', 'L', 'S', 'T', 'A', 'T', 'E', '1'};
    shm_put(other[2], page, sizeof page);

    int st;
    char *out = run_status(base, 1, &st);
    if (st != 1)
        fprintf(stderr, "myelon-stat %s: exit %d\n%s", base, st, out);
    assert_int_equal(st, 1);
    char want[256];
    snprintf(want, sizeof want, "ring %s\n", name[0]);
    assert_non_null(strstr(out, want));
    for (int i = 1; i < 3; i++) {
        snprintf(want, sizeof want, "myelon-stat: %s: ", name[i]);
        const char *line = strstr(out, want);
        assert_non_null(line);
        assert_non_null(strstr(line, "(MYL_ETRUNCATED)\n"));
    }
    for (int i = 0; i < 3; i++)
        assert_null(strstr(out, other[i]));
    /* The JSON and the Prometheus text: the same status. */
    char args[256];
    snprintf(args, sizeof args, "--json %s", base);
    (void)run_status(args, 0, &st);
    assert_int_equal(st, 1);
    snprintf(args, sizeof args, "--prometheus %s", base);
    (void)run_status(args, 0, &st);
    assert_int_equal(st, 1);
    /* Without them, the group is read whole: status 0. */
    for (int i = 1; i < 3; i++)
        assert_int_equal(myl_ring_unlink(MYL_BACKING_SHM, name[i]), 0);
    out = run(base);
    assert_non_null(strstr(out, name[0]));

    for (int i = 0; i < 3; i++) {
        char obj[300];
        assert_true(myl_shm_name(other[i], obj, sizeof obj) > 0);
        assert_int_equal(shm_unlink(obj), 0);
    }
    myl_ring_unlink(MYL_BACKING_SHM, name[0]);
}

/* A ring named twice on the command line (or as a group's base and as
 * one of its rings) is shown once: the Prometheus text had two series with
 * one label set. --sweep's output to a full device is an error (exit 1),
 * as every other form's is. */
static void test_stat_once_and_full(void **state)
{
    (void)state;
    const char *name = myl_test_name("twice");
    myl_ring_opts o = {.size = sizeof o, .name = name, .slot_size = 16, .capacity = 8};
    myl_ring *r;
    myl_ring_unlink(MYL_BACKING_SHM, name);
    assert_int_equal(myl_ring_create(&o, &r), 0);
    char args[512], line[512];
    snprintf(args, sizeof args, "--prometheus %s %s", name, name);
    char *out = run(args);
    snprintf(line, sizeof line, "myelon_ring_capacity_slots{ring=\"%s\"} 8\n", name);
    char *first = strstr(out, line);
    assert_non_null(first);
    assert_null(strstr(first + 1, line));
    if (access("/dev/full", W_OK) == 0) {
        snprintf(args, sizeof args, "%s --sweep no-such-prefix-%d >/dev/full 2>/dev/null",
                 MYELON_STAT_PATH, (int)getpid());
        int st = system(args);
        assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 1);
    }
    myl_ring_close(r);
    myl_ring_unlink(MYL_BACKING_SHM, name);
}

/* A file-backed ring whose path holds a byte that is not UTF-8 (0xff), a
 * double quote and a backslash, with a consumer whose id has them too:
 * the Prometheus text stays valid (promtool, when installed): label values
 * must be UTF-8, and the ring's name was written raw. Its byte is written
 * as U+FFFD; the quote and the backslash are escaped. */
static void test_stat_hostile_names(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof path,
             "/tmp/myl-stat-%d-a\xff"
             "b\"c\\d",
             (int)getpid());
    myl_ring_opts o = {.size = sizeof o,
                       .backing = MYL_BACKING_FILE,
                       .name = path,
                       .slot_size = 16,
                       .capacity = 8,
                       .flags = MYL_SEG_FENCE_SYMMETRIC};
    myl_ring *r;
    (void)unlink(path);
    assert_int_equal(myl_ring_create(&o, &r), 0);
    myl_consumer *c;
    assert_int_equal(myl_consumer_open(r, "id\xfe\"q\\", NULL, &c), 0);
    char args[512];
    /* The path through the shell: single-quoted (it holds no quote). */
    snprintf(args, sizeof args, "--file --prometheus '%s'", path);
    char *out = run(args);
    assert_non_null(strstr(out, "\xef\xbf\xbd"
                                "b\\\"c\\\\d"));
    assert_null(strchr(out, '\xff'));
    assert_null(strchr(out, '\xfe')); /* ids: made printable ('?') when read */
    if (system("command -v promtool >/dev/null 2>&1") == 0) {
        snprintf(args, sizeof args,
                 "%s --file --prometheus '%s' | promtool check metrics >/dev/null 2>&1",
                 MYELON_STAT_PATH, path);
        assert_int_equal(system(args), 0);
    }
    myl_consumer_close(c);
    myl_ring_close(r);
    assert_int_equal(unlink(path), 0);
}

MYL_TEST_MAIN("myelon_stat", cmocka_unit_test(test_stat_counts),
              cmocka_unit_test(test_stat_missing_ring), cmocka_unit_test(test_stat_readonly),
              cmocka_unit_test(test_stat_sweep), cmocka_unit_test(test_stat_unregister),
              cmocka_unit_test(test_stat_topology), cmocka_unit_test(test_stat_golden),
              cmocka_unit_test(test_stat_bridge), cmocka_unit_test(test_stat_bridge_fifo),
              cmocka_unit_test(test_stat_bridge_relative), cmocka_unit_test(test_stat_cli),
              cmocka_unit_test(test_stat_group_list_watch), cmocka_unit_test(test_stat_list),
              cmocka_unit_test(test_stat_list_files), cmocka_unit_test(test_stat_hostile_names),
              cmocka_unit_test(test_stat_control_names),
              cmocka_unit_test(test_stat_group_unreadable),
              cmocka_unit_test(test_stat_once_and_full),
              cmocka_unit_test(test_stat_truncated_while_read))
