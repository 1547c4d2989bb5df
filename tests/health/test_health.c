/* libmyelon_health and myelon-health over real sockets: the probe line
 * (silent client, end of input, garbage), GET / and /health, GET /metrics
 * parsed and linted by promtool (when installed), 404 and 405, concurrent
 * clients, stop with clients connected, hostile input, the application's
 * callbacks, pipelines' latency histograms (myl_health_pipeline_metrics
 * in a metrics callback), rings found by prefix, and the tool. No outcome
 * depends on
 * timing: waits only bound how long a broken server could hang a case. */
#define _GNU_SOURCE
#include "harness.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <ftw.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>

#include "myelon/health.h"
#include "myelon/myelon.h"
#include "truncator.h"

/* ---- fixtures: a ring with a live producer and consumer ---- */

typedef struct fixture {
    const char *name;
    myl_ring *r;
    myl_producer *p;
    myl_consumer *c;
} fixture;

/* A ring: 10 events published, 4 consumed by "reader-1" (lag 6). */
static void ring_up(fixture *f, const char *name)
{
    f->name = name;
    myl_ring_unlink(MYL_BACKING_SHM, name);
    myl_ring_opts o = {.size = sizeof o, .name = name, .slot_size = 16, .capacity = 64};
    assert_int_equal(myl_ring_create(&o, &f->r), 0);
    assert_int_equal(myl_producer_open(f->r, NULL, &f->p), 0);
    assert_int_equal(myl_consumer_open(f->r, "reader-1", NULL, &f->c), 0);
    uint64_t ev[2] = {1, 2}, s;
    for (int i = 0; i < 10; i++)
        assert_int_equal(myl_producer_try_send(f->p, ev), 0);
    assert_int_equal(myl_consumer_try_poll(f->c, 4, &s), 4);
    myl_consumer_release(f->c, 4);
}

static void ring_down(fixture *f)
{
    myl_consumer_close(f->c);
    myl_producer_close(f->p);
    myl_ring_close(f->r);
    myl_ring_unlink(MYL_BACKING_SHM, f->name);
}

static myl_health *serve(const char *const *rings, size_t n, uint32_t probe_ms)
{
    myl_health_config c = {.size = sizeof c, .rings = rings, .nrings = n, .probe_ms = probe_ms};
    myl_health *h;
    assert_int_equal(myl_health_start(&c, &h), 0);
    assert_true(myl_health_port(h) > 0);
    return h;
}

/* ---- clients ---- */

static int dial(uint16_t port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    /* A bound on a broken server, not a condition of the test. */
    struct timeval tv = {.tv_sec = 60};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    return fd;
}

/* Everything until end of input; NULL when the read failed (a reset, or
 * the bound on a hang). */
static char *read_all(int fd, size_t *len)
{
    size_t cap = 4096, n = 0;
    char *b = malloc(cap);
    if (!b)
        return NULL;
    for (;;) {
        if (n + 1 >= cap) {
            char *nb = realloc(b, cap *= 2);
            if (!nb) {
                free(b);
                return NULL;
            }
            b = nb;
        }
        ssize_t k = recv(fd, b + n, cap - n - 1, 0);
        if (k == 0)
            break;
        if (k < 0) {
            if (errno == EINTR)
                continue;
            free(b);
            return NULL;
        }
        n += (size_t)k;
    }
    b[n] = '\0';
    if (len)
        *len = n;
    return b;
}

/* Connect, send data (NULL: nothing), shut the sending side if asked,
 * read the answer to the end. */
static char *exchange(uint16_t port, const char *data, size_t n, int shut)
{
    int fd = dial(port);
    if (fd < 0)
        return NULL;
    if (data && n && send(fd, data, n, MSG_NOSIGNAL) != (ssize_t)n) {
        close(fd);
        return NULL;
    }
    if (shut)
        shutdown(fd, SHUT_WR);
    char *out = read_all(fd, NULL);
    close(fd);
    return out;
}

typedef struct response {
    int code;
    char *all;        /* status line, headers, body */
    const char *body; /* inside all */
} response;

/* An HTTP/1.0 request: the server closes after the response. */
static int http(uint16_t port, const char *method, const char *path, response *r)
{
    char req[512];
    int n = snprintf(req, sizeof req, "%s %s HTTP/1.0\r\nHost: test\r\n\r\n", method, path);
    memset(r, 0, sizeof *r);
    r->all = exchange(port, req, (size_t)n, 0);
    if (!r->all || sscanf(r->all, "HTTP/1.%*d %d", &r->code) != 1)
        return -1;
    const char *b = strstr(r->all, "\r\n\r\n");
    r->body = b ? b + 4 : "";
    return 0;
}

static void http_ok(uint16_t port, const char *path, response *r)
{
    assert_int_equal(http(port, "GET", path, r), 0);
    if (r->code != 200)
        fprintf(stderr, "GET %s:\n%s\n", path, r->all);
    assert_int_equal(r->code, 200);
}

/* ---- the probe line ---- */

static void test_probe_silent(void **state)
{
    (void)state;
    fixture f;
    ring_up(&f, myl_test_name("probe"));
    myl_health *h = serve(&f.name, 1, 100);
    char *line = exchange(myl_health_port(h), NULL, 0, 0);
    assert_non_null(line);
    assert_string_equal(line, "myelon ok 1 ring\n");
    free(line);
    char buf[256];
    assert_int_equal(myl_health_status_line(h, buf, sizeof buf), 0);
    assert_string_equal(buf, "myelon ok 1 ring\n");
    myl_health_stop(h);
    ring_down(&f);
}

/* End of input at once, a line of text, binary junk: each gets the line
 * (a long probe_ms: none of them waits for it). */
static void test_probe_eof_and_text(void **state)
{
    (void)state;
    fixture f;
    ring_up(&f, myl_test_name("probe2"));
    myl_health *h = serve(&f.name, 1, 60000);
    uint16_t port = myl_health_port(h);
    char junk[5000];
    for (size_t i = 0; i < sizeof junk; i++)
        junk[i] = (char)(i * 7 + 1);
    struct {
        const char *data;
        size_t n;
        int shut;
    } cases[] = {
        {NULL, 0, 1},         {"hello\n", 6, 0},
        {"status\r\n", 8, 1}, {"get / http/1.0\r\n\r\n", 18, 0}, /* methods are upper case */
        {"GETX", 4, 0},       {junk, sizeof junk, 0}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *line = exchange(port, cases[i].data, cases[i].n, cases[i].shut);
        assert_non_null(line);
        assert_string_equal(line, "myelon ok 1 ring\n");
        free(line);
    }
    myl_health_stop(h);
    ring_down(&f);
}

/* A ring that is not there and a consumer whose process died: degraded,
 * with both reasons, on the probe and /health (503). */
static void test_degraded(void **state)
{
    (void)state;
    fixture f;
    ring_up(&f, myl_test_name("deg"));
    pid_t pid = fork();
    if (pid == 0) {
        myl_ring *r;
        myl_consumer *c;
        myl_ring_opts o = {.size = sizeof o, .name = f.name};
        if (myl_ring_attach(&o, &r) != 0 || myl_consumer_open(r, "ghost", NULL, &c) != 0)
            _exit(1);
        _exit(0); /* registered, never closed */
    }
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);

    const char *missing = myl_test_name("nosuch");
    const char *names[] = {missing, f.name};
    myl_health *h = serve(names, 2, 100);
    char want[512];
    snprintf(want, sizeof want, "myelon degraded 1 ring: %s: ENOENT; %s: 1 dead consumer\n",
             missing, f.name);
    char *line = exchange(myl_health_port(h), NULL, 0, 1);
    assert_non_null(line);
    assert_string_equal(line, want);
    free(line);

    response r;
    assert_int_equal(http(myl_health_port(h), "GET", "/health", &r), 0);
    assert_int_equal(r.code, 503);
    assert_string_equal(r.body, want);
    free(r.all);
    http_ok(myl_health_port(h), "/metrics", &r);
    assert_non_null(strstr(r.body, "\nmyelon_health_ok 0\n"));
    assert_non_null(strstr(r.body, "\nmyelon_health_ring_errors 1\n"));
    free(r.all);
    myl_health_stop(h);
    ring_down(&f);
}

/* A ring shut down and a producer whose process died are each a reason;
 * more reasons than the line holds are cut with "...". */
static void test_reasons(void **state)
{
    (void)state;
    char dp[96], sd[96];
    snprintf(dp, sizeof dp, "%s", myl_test_name("deadprod"));
    snprintf(sd, sizeof sd, "%s", myl_test_name("shut"));
    myl_ring *r1, *r2;
    myl_ring_opts o = {.size = sizeof o,
                       .name = dp,
                       .slot_size = 16,
                       .capacity = 64,
                       .producers = MYL_PRODUCERS_MULTI};
    myl_ring_unlink(MYL_BACKING_SHM, dp);
    assert_int_equal(myl_ring_create(&o, &r1), 0);
    pid_t pid = fork();
    if (pid == 0) {
        myl_ring *r;
        myl_producer *p;
        myl_ring_opts a = {.size = sizeof a, .name = dp};
        if (myl_ring_attach(&a, &r) != 0 || myl_producer_open(r, NULL, &p) != 0)
            _exit(1);
        _exit(0); /* registered, never closed */
    }
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    o.name = sd;
    o.producers = MYL_PRODUCERS_SINGLE;
    myl_ring_unlink(MYL_BACKING_SHM, sd);
    assert_int_equal(myl_ring_create(&o, &r2), 0);
    assert_int_equal(myl_ring_shutdown(r2), 0);

    const char *names[] = {dp, sd};
    myl_health *h = serve(names, 2, 100);
    char want[512], buf[MYL_HEALTH_LINE_MAX + 64];
    snprintf(want, sizeof want, "myelon degraded 2 rings: %s: 1 dead producer; %s: shut down\n", dp,
             sd);
    assert_int_equal(myl_health_status_line(h, buf, sizeof buf), 1);
    assert_string_equal(buf, want);
    myl_health_stop(h);

    /* 100 rings that are not there: 100 reasons, more than a line. */
    static char gone[100][96];
    const char *many[100];
    for (int i = 0; i < 100; i++) {
        snprintf(gone[i], sizeof gone[i], "%s-%03d", myl_test_name("gone"), i);
        many[i] = gone[i];
    }
    h = serve(many, 100, 100);
    assert_int_equal(myl_health_status_line(h, buf, sizeof buf), 1);
    size_t len = strlen(buf);
    assert_true(len > 4 && len < MYL_HEALTH_LINE_MAX);
    assert_string_equal(buf + len - 6, "; ...\n");
    assert_int_equal(strncmp(buf, "myelon degraded 0 rings: ", 25), 0);
    snprintf(want, sizeof want, "%s: ENOENT; %s: ENOENT; ", many[0], many[1]);
    assert_non_null(strstr(buf, want)); /* the first reasons whole */
    assert_null(strstr(buf, many[99])); /* the last dropped */
    /* Whole reasons before the cut, however the lengths fall: 100 names
     * of each length from 31 to 33 characters. */
    for (int k = 0; k < 3; k++) {
        myl_health_stop(h);
        for (int i = 0; i < 100; i++)
            snprintf(gone[i], sizeof gone[i], "%s-%0*d", myl_test_name("gone"), 3 + k, i);
        h = serve(many, 100, 100);
        assert_int_equal(myl_health_status_line(h, buf, sizeof buf), 1);
        len = strlen(buf);
        assert_true(len > 14 && len < MYL_HEALTH_LINE_MAX);
        assert_string_equal(buf + len - 14, ": ENOENT; ...\n"); /* the last one whole */
    }
    myl_health_stop(h);

    myl_ring_close(r1);
    myl_ring_close(r2);
    myl_ring_unlink(MYL_BACKING_SHM, dp);
    myl_ring_unlink(MYL_BACKING_SHM, sd);
}

/* ---- HTTP ---- */

static void test_get_root(void **state)
{
    (void)state;
    fixture f;
    ring_up(&f, myl_test_name("root<&>"));
    myl_health *h = serve(&f.name, 1, 60000);
    response r;
    http_ok(myl_health_port(h), "/", &r);
    assert_non_null(strstr(r.all, "Content-Type: text/html"));
    assert_non_null(strstr(r.body, "<h1>myelon: ok</h1>"));
    assert_non_null(strstr(r.body, "myelon ok 1 ring"));
    /* The table of myelon-stat, escaped: the name's "<&>" is text. */
    assert_non_null(strstr(r.body, "root&lt;&amp;&gt;"));
    assert_null(strstr(r.body, "root<&>"));
    assert_non_null(strstr(r.body, "published    10\n"));
    assert_non_null(strstr(r.body, "reader-1"));
    assert_non_null(strstr(r.body, "lag"));
    assert_non_null(strstr(r.body, "1 registered, 1 alive"));
    free(r.all);

    http_ok(myl_health_port(h), "/health", &r);
    assert_string_equal(r.body, "myelon ok 1 ring\n");
    free(r.all);

    /* HEAD: the headers, no body. */
    assert_int_equal(http(myl_health_port(h), "HEAD", "/", &r), 0);
    assert_int_equal(r.code, 200);
    assert_string_equal(r.body, "");
    free(r.all);
    myl_health_stop(h);
    ring_down(&f);
}

/* The exposition, parsed: every sample's family has HELP and TYPE before
 * it, each family once, every value a number. */
static void check_exposition_form(const char *text)
{
    char fam[256][128];
    size_t nfam = 0;
    char typed[128] = "";
    const char *p = text;
    while (*p) {
        const char *nl = strchr(p, '\n');
        assert_non_null(nl); /* every line ends with a newline */
        char line[2048];
        size_t n = (size_t)(nl - p);
        assert_true(n < sizeof line);
        memcpy(line, p, n);
        line[n] = '\0';
        p = nl + 1;
        char name[128], rest[2048];
        if (!strncmp(line, "# HELP ", 7)) {
            assert_int_equal(sscanf(line + 7, "%127s %2047[^\n]", name, rest), 2);
            for (size_t i = 0; i < nfam; i++)
                assert_string_not_equal(fam[i], name); /* once */
            assert_true(nfam < 256);
            snprintf(fam[nfam++], sizeof fam[0], "%s", name);
        } else if (!strncmp(line, "# TYPE ", 7)) {
            assert_int_equal(sscanf(line + 7, "%127s %2047s", name, rest), 2);
            assert_true(nfam > 0);
            assert_string_equal(name, fam[nfam - 1]); /* right after its HELP */
            assert_true(!strcmp(rest, "counter") || !strcmp(rest, "gauge") ||
                        !strcmp(rest, "histogram"));
            snprintf(typed, sizeof typed, "%s", name);
        } else {
            assert_true(line[0] != '#' && line[0] != '\0');
            size_t k = strcspn(line, "{ ");
            assert_true(k > 0 && k < sizeof name);
            memcpy(name, line, k);
            name[k] = '\0';
            size_t tl = strlen(typed);
            /* A sample of the current family (a histogram's _bucket, _sum
             * and _count too). */
            assert_true(tl > 0 && !strncmp(name, typed, tl) &&
                        (name[tl] == '\0' || !strcmp(name + tl, "_bucket") ||
                         !strcmp(name + tl, "_sum") || !strcmp(name + tl, "_count")));
            const char *v = strrchr(line, ' ');
            assert_non_null(v);
            char *end;
            strtod(v + 1, &end);
            assert_true(end != v + 1 && *end == '\0');
        }
    }
}

/* promtool check metrics on the exposition, when installed. */
static void lint_exposition(const char *text)
{
    if (system("command -v promtool >/dev/null 2>&1") != 0) {
        fprintf(stderr, "promtool not installed: exposition not linted\n");
        return;
    }
    char path[] = "/tmp/myl-health-metrics-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    size_t len = strlen(text);
    assert_int_equal(write(fd, text, len), (ssize_t)len);
    close(fd);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "promtool check metrics < %s 2>&1", path);
    FILE *pf = popen(cmd, "r");
    assert_non_null(pf);
    char lint[4096];
    size_t ln = fread(lint, 1, sizeof lint - 1, pf);
    lint[ln] = '\0';
    int st = pclose(pf);
    unlink(path);
    if (st != 0 || ln)
        fprintf(stderr, "promtool check metrics:\n%s", lint);
    assert_int_equal(st, 0);
    assert_int_equal(ln, 0);
}

/* The exposition parsed (check_exposition_form), then promtool. */
static void check_exposition(const char *text)
{
    check_exposition_form(text);
    lint_exposition(text);
}

static void test_get_metrics(void **state)
{
    (void)state;
    fixture f;
    ring_up(&f, myl_test_name("metrics"));
    myl_health *h = serve(&f.name, 1, 60000);
    response r;
    http_ok(myl_health_port(h), "/metrics", &r);
    assert_non_null(strstr(r.all, "Content-Type: text/plain; version=0.0.4"));
    check_exposition(r.body);
    char want[256];
    snprintf(want, sizeof want, "\nmyelon_ring_published_events_total{ring=\"%s\"} 10\n", f.name);
    assert_non_null(strstr(r.body, want));
    snprintf(want, sizeof want,
             "\nmyelon_consumer_consumed_events_total{ring=\"%s\",consumer=\"reader-1\","
             "entry=\"0\"} 4\n",
             f.name);
    assert_non_null(strstr(r.body, want));
    snprintf(want, sizeof want,
             "\nmyelon_consumer_lag_events{ring=\"%s\",consumer=\"reader-1\",entry=\"0\"} 6\n",
             f.name);
    assert_non_null(strstr(r.body, want));
    assert_non_null(strstr(r.body, "\nmyelon_health_ok 1\n"));
    assert_non_null(strstr(r.body, "\nmyelon_health_rings 1\n"));
    free(r.all);

    /* Counters move: the next scrape reads the segment again. */
    uint64_t ev[2] = {3, 4};
    assert_int_equal(myl_producer_try_send(f.p, ev), 0);
    http_ok(myl_health_port(h), "/metrics", &r);
    snprintf(want, sizeof want, "\nmyelon_ring_published_events_total{ring=\"%s\"} 11\n", f.name);
    assert_non_null(strstr(r.body, want));
    free(r.all);
    myl_health_stop(h);
    ring_down(&f);
}

static void test_not_found_and_method(void **state)
{
    (void)state;
    fixture f;
    ring_up(&f, myl_test_name("404"));
    myl_health *h = serve(&f.name, 1, 60000);
    uint16_t port = myl_health_port(h);
    response r;
    const char *paths[] = {"/nope", "/metrics/", "/index.html", "//", "/%00"};
    for (size_t i = 0; i < sizeof paths / sizeof *paths; i++) {
        assert_int_equal(http(port, "GET", paths[i], &r), 0);
        assert_int_equal(r.code, 404);
        free(r.all);
    }
    const char *methods[] = {"POST", "PUT", "DELETE", "OPTIONS", "PATCH"};
    for (size_t i = 0; i < sizeof methods / sizeof *methods; i++) {
        assert_int_equal(http(port, methods[i], "/", &r), 0);
        assert_int_equal(r.code, 405);
        assert_non_null(strstr(r.all, "Allow: GET, HEAD"));
        free(r.all);
    }
    /* A query string is not part of the path. */
    http_ok(port, "/metrics?x=1", &r);
    free(r.all);
    myl_health_stop(h);
    ring_down(&f);
}

/* A request line that arrives in pieces, the first a method's prefix:
 * HTTP, whenever the listener happens to look (the pause only makes it
 * likely that it sees "GE" alone). */
static void test_split_request(void **state)
{
    (void)state;
    fixture f;
    ring_up(&f, myl_test_name("split"));
    myl_health *h = serve(&f.name, 1, 60000);
    const char *parts[][3] = {{"G", "ET /health HTTP/1.0\r\n", "\r\n"},
                              {"GE", "T /health HTTP/1.0\r\n\r\n", ""},
                              {"HEA", "D", " /health HTTP/1.0\r\n\r\n"}};
    for (size_t i = 0; i < sizeof parts / sizeof *parts; i++) {
        int fd = dial(myl_health_port(h));
        assert_true(fd >= 0);
        for (int k = 0; k < 3; k++) {
            size_t n = strlen(parts[i][k]);
            if (n)
                assert_int_equal(send(fd, parts[i][k], n, MSG_NOSIGNAL), (ssize_t)n);
            struct timespec ts = {0, 30 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
        char *out = read_all(fd, NULL);
        close(fd);
        assert_non_null(out);
        assert_non_null(strstr(out, "HTTP/1.1 200"));
        free(out);
    }
    myl_health_stop(h);
    ring_down(&f);
}

/* A method's prefix and then the end of input: never a request, so the
 * probe's line, at once (it was handed to HTTP at probe_ms, which dropped
 * it: no line at all). */
static void test_prefix_then_eof(void **state)
{
    (void)state;
    fixture f;
    ring_up(&f, myl_test_name("pfxeof"));
    myl_health *h = serve(&f.name, 1, 60000);
    const char *sent[] = {"GE", "HEA", "P"};
    for (size_t i = 0; i < sizeof sent / sizeof *sent; i++) {
        int fd = dial(myl_health_port(h));
        assert_true(fd >= 0);
        assert_int_equal(send(fd, sent[i], strlen(sent[i]), MSG_NOSIGNAL),
                         (ssize_t)strlen(sent[i]));
        struct timespec ts = {0, 30 * 1000 * 1000}; /* likely seen as a prefix first */
        nanosleep(&ts, NULL);
        assert_int_equal(shutdown(fd, SHUT_WR), 0);
        struct timeval tv = {10, 0}; /* well under probe_ms: not its deadline */
        assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv), 0);
        char *out = read_all(fd, NULL);
        close(fd);
        assert_non_null(out);
        assert_string_equal(out, "myelon ok 1 ring\n");
        free(out);
    }
    myl_health_stop(h);
    ring_down(&f);
}

/* ---- concurrency ---- */

typedef struct client_arg {
    uint16_t port;
    int id, rounds, failures;
    const char *name;
} client_arg;

static void *client(void *p)
{
    client_arg *a = p;
    char want[256];
    snprintf(want, sizeof want, "myelon_ring_published_events_total{ring=\"%s\"} 10\n", a->name);
    for (int i = 0; i < a->rounds; i++) {
        int kind = (a->id + i) % 4;
        if (kind == 0 || kind == 3) {
            char *line =
                kind == 0 ? exchange(a->port, NULL, 0, 1) : exchange(a->port, "ping\n", 5, 0);
            a->failures += !line || strcmp(line, "myelon ok 1 ring\n") != 0;
            free(line);
        } else {
            response r;
            int rc = http(a->port, "GET", kind == 1 ? "/metrics" : "/", &r);
            a->failures += rc != 0 || r.code != 200 ||
                           (kind == 1 ? !strstr(r.body, want) : !strstr(r.body, "reader-1"));
            free(r.all);
        }
    }
    return NULL;
}

static void test_concurrent_clients(void **state)
{
    (void)state;
    fixture f;
    ring_up(&f, myl_test_name("conc"));
    myl_health *h = serve(&f.name, 1, 60000);
    enum { N = 8 };
    pthread_t t[N];
    client_arg a[N];
    for (int i = 0; i < N; i++) {
        a[i] = (client_arg){.port = myl_health_port(h), .id = i, .rounds = 25, .name = f.name};
        assert_int_equal(pthread_create(&t[i], NULL, client, &a[i]), 0);
    }
    int failures = 0;
    for (int i = 0; i < N; i++) {
        pthread_join(t[i], NULL);
        failures += a[i].failures;
    }
    assert_int_equal(failures, 0);
    myl_health_stop(h);
    ring_down(&f);
}

/* Stop with a silent client waiting to be classified, a half-sent HTTP
 * request inside libmicrohttpd and an idle keep-alive connection: stop
 * returns, every client sees its connection closed, the port is free. */
static void test_stop_with_clients(void **state)
{
    (void)state;
    fixture f;
    ring_up(&f, myl_test_name("stop"));
    myl_health *h = serve(&f.name, 1, 60000);
    uint16_t port = myl_health_port(h);
    int silent = dial(port), partial = dial(port), idle = dial(port);
    assert_true(silent >= 0 && partial >= 0 && idle >= 0);
    const char *half = "GET / HTTP/1.1\r\nHost: x\r\n";
    assert_int_equal(send(partial, half, strlen(half), MSG_NOSIGNAL), (ssize_t)strlen(half));
    const char *keep = "GET /health HTTP/1.1\r\nHost: x\r\n\r\n";
    assert_int_equal(send(idle, keep, strlen(keep), MSG_NOSIGNAL), (ssize_t)strlen(keep));
    /* The idle connection's response: it is being served, and stays open. */
    char buf[4096] = "";
    size_t got = 0;
    while (!strstr(buf, "myelon ok 1 ring\n")) {
        ssize_t k = recv(idle, buf + got, sizeof buf - 1 - got, 0);
        assert_true(k > 0);
        got += (size_t)k;
        buf[got] = '\0';
    }
    assert_non_null(strstr(buf, "HTTP/1.1 200"));
    myl_health_stop(h);
    int fds[] = {silent, partial, idle};
    for (int i = 0; i < 3; i++) {
        ssize_t k;
        do
            k = recv(fds[i], buf, sizeof buf, 0);
        while (k > 0);
        /* Closed (end of input or a reset), not the 60 s bound. */
        assert_true(k == 0 || errno == ECONNRESET);
        close(fds[i]);
    }
    assert_int_equal(dial(port), -ECONNREFUSED);
    ring_down(&f);
}

/* ---- hostile input ---- */

static uint64_t rnd(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* Junk of every shape, each connection closed by the client in its own
 * way; the server survives, answers each, and still serves correctly. */
static void test_hostile_input(void **state)
{
    (void)state;
    fixture f;
    ring_up(&f, myl_test_name("hostile"));
    myl_health *h = serve(&f.name, 1, 50);
    uint16_t port = myl_health_port(h);
    uint64_t seed = 0x9e3779b97f4a7c15u;
    static char buf[70000];
    static const char *const heads[] = {
        "GET ",
        "GET /",
        "GET / HTTP/1.1\r\n",
        "POST / HTTP/1.1\r\n",
        "GET /metrics HTTP/9.9\r\n",
        "HEAD",
        "G",
        "PUT ",
        "GET / HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
        "GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"};
    const int rounds = getenv("MYL_HEALTH_ROUNDS") ? atoi(getenv("MYL_HEALTH_ROUNDS")) : 300;
    for (int i = 0; i < rounds; i++) {
        size_t n = 0;
        uint64_t shape = rnd(&seed) % 4;
        if (shape >= 1) {
            const char *hd = heads[rnd(&seed) % (sizeof heads / sizeof *heads)];
            n = strlen(hd);
            memcpy(buf, hd, n);
        }
        size_t junk = shape == 3 ? 66000 : rnd(&seed) % 600;
        for (size_t k = 0; k < junk; k++)
            buf[n++] = shape == 3 ? 'a' : (char)rnd(&seed);
        int fd = dial(port);
        assert_true(fd >= 0);
        ssize_t sent = send(fd, buf, n, MSG_NOSIGNAL); /* may be cut short by a close */
        (void)sent;
        uint64_t end = rnd(&seed) % 3;
        if (end == 0) {
            /* Reset at once: SO_LINGER 0. */
            struct linger l = {.l_onoff = 1, .l_linger = 0};
            setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
        } else {
            shutdown(fd, SHUT_WR);
            if (end == 2) {
                char *out = read_all(fd, NULL); /* whatever it is, until closed */
                free(out);
            }
        }
        close(fd);
    }
    char *line = exchange(port, NULL, 0, 1);
    assert_non_null(line);
    assert_string_equal(line, "myelon ok 1 ring\n");
    free(line);
    response r;
    http_ok(port, "/metrics", &r);
    check_exposition(r.body);
    free(r.all);
    myl_health_stop(h);
    ring_down(&f);
}

/* ---- the application's callbacks ---- */

typedef struct app {
    int degraded;
    const char *msg;
} app;

static int app_status(void *user, char *msg, size_t size)
{
    app *a = user;
    snprintf(msg, size, "%s", a->msg);
    return a->degraded;
}

static void app_metrics(void *user, FILE *out)
{
    (void)user;
    fputs("# HELP app_latency_seconds Time from order to fill.\n"
          "# TYPE app_latency_seconds histogram\n"
          "app_latency_seconds_bucket{le=\"0.001\"} 3\n"
          "app_latency_seconds_bucket{le=\"0.01\"} 5\n"
          "app_latency_seconds_bucket{le=\"+Inf\"} 6\n"
          "app_latency_seconds_sum 0.042\n"
          "app_latency_seconds_count 6\n",
          out);
}

static void test_callbacks(void **state)
{
    (void)state;
    fixture f;
    ring_up(&f, myl_test_name("app"));
    app a = {.degraded = 1, .msg = "queue\x01 full\nsecond line"};
    myl_health_config c = {.size = sizeof c,
                           .rings = &f.name,
                           .nrings = 1,
                           .probe_ms = 50,
                           .status = app_status,
                           .metrics = app_metrics,
                           .user = &a};
    myl_health *h;
    assert_int_equal(myl_health_start(&c, &h), 0);
    uint16_t port = myl_health_port(h);
    char *line = exchange(port, NULL, 0, 1);
    assert_string_equal(line, "myelon degraded 1 ring: queue? full\n");
    free(line);
    a.degraded = 0;
    a.msg = "leader";
    line = exchange(port, NULL, 0, 1);
    assert_string_equal(line, "myelon ok 1 ring: leader\n");
    free(line);
    response r;
    http_ok(port, "/metrics", &r);
    check_exposition(r.body);
    assert_non_null(strstr(r.body, "\napp_latency_seconds_count 6\n"));
    free(r.all);
    myl_health_stop(h);
    ring_down(&f);
}

/* ---- pipelines' latency histograms ---- */

static int nop_reset(void *st)
{
    (void)st;
    return 0;
}

static int nop_apply(void *st, const myl_journal_record *rec, myl_pipeline_out *out)
{
    (void)st;
    (void)rec;
    return myl_pipeline_emit(out, "r", 1);
}

static int nop_save(void *st, void **payload, uint64_t *size)
{
    (void)st;
    *payload = malloc(1);
    *size = 0;
    return *payload ? 0 : -ENOMEM;
}

static int nop_restore(void *st, const void *payload, uint64_t size, uint32_t version)
{
    (void)st;
    (void)payload;
    (void)version;
    return size == 0 ? 0 : MYL_ECORRUPT;
}

typedef struct traced {
    const char *dirs[2];
    const char *names[2];
} traced;

static void traced_metrics(void *user, FILE *out)
{
    traced *t = user;
    assert_int_equal(myl_health_pipeline_metrics(out, t->dirs, t->names, 2), 1);
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void test_pipeline_metrics(void **state)
{
    (void)state;
    char dir[] = "/tmp/myl-health-pipe-XXXXXX";
    assert_non_null(mkdtemp(dir));
    myl_pipeline_app app = {.size = sizeof app,
                            .reset = nop_reset,
                            .apply = nop_apply,
                            .save = nop_save,
                            .restore = nop_restore};
    int st = 0;
    app.state = &st;
    myl_pipeline_opts o = {.size = sizeof o, .flags = MYL_PIPELINE_F_TRACE};
    o.journal.size = sizeof o.journal;
    o.journal.sync = MYL_JOURNAL_SYNC_NONE;
    myl_pipeline *p;
    assert_int_equal(myl_pipeline_create(dir, &app, &o, &p), 0);
    for (int i = 0; i < 37; i++)
        assert_int_equal(myl_pipeline_submit(p, 7, &i, sizeof i, NULL), 0);
    assert_int_equal(myl_pipeline_commit(p), 37);
    /* One pipeline, and one without a trace (counted as an error); a
     * name that needs escaping. */
    traced t = {{dir, "/nonexistent/pipeline"}, {"book \"A\"", NULL}};
    myl_health_config c = {.size = sizeof c, .metrics = traced_metrics, .user = &t};
    myl_health *h;
    assert_int_equal(myl_health_start(&c, &h), 0);
    response r;
    http_ok(myl_health_port(h), "/metrics", &r);
    check_exposition(r.body);
    assert_non_null(strstr(r.body, "\nmyelon_pipeline_stage_latency_seconds_count{pipeline=\"book "
                                   "\\\"A\\\"\",stage=\"apply\"} 37\n"));
    assert_non_null(strstr(r.body, "myelon_pipeline_stage_latency_seconds_bucket{pipeline=\"book "
                                   "\\\"A\\\"\",stage=\"ack\",le=\"+Inf\"} 37\n"));
    assert_non_null(strstr(r.body, "\nmyelon_pipeline_trace_errors 1\n"));
    /* The buckets are cumulative and end at the count. */
    const char *k = strstr(r.body, "stage=\"apply\",le=");
    unsigned long long prev = 0;
    int buckets = 0;
    while (k && strstr(k, "stage=\"apply\",le=") == k) {
        const char *v = strchr(k, '}');
        assert_non_null(v);
        unsigned long long n = strtoull(v + 2, NULL, 10);
        assert_true(n >= prev);
        prev = n;
        buckets++;
        k = strstr(v, "stage=\"apply\",le=");
        if (k && k - v > 200)
            break;
    }
    assert_int_equal(buckets, 26);
    assert_int_equal(prev, 37);
    free(r.all);
    myl_health_stop(h);
    assert_int_equal(myl_pipeline_close(p), 0);
    assert_int_equal(nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS), 0);
}

/* ---- rings by prefix; configuration errors ---- */

/* A file-backed ring that another process truncates and restores over
 * and over while the endpoint computes its status: with
 * myl_health_catch_truncation the process survives every read (a
 * truncation between the size check and the reads faulted it, SIGBUS,
 * about one read in thirty), and the line says ok or names the ring
 * truncated. The tables span pages (64 consumers), the header's stays. */
static void test_truncated_ring(void **state)
{
    (void)state;
    assert_int_equal(myl_health_catch_truncation(), 0);
    char path[128];
    snprintf(path, sizeof path, "/tmp/myl-health-trunc-%d", (int)getpid());
    myl_ring *r = myl_test_truncatable_ring(path);
    const char *names[] = {path};
    myl_health_config c = {
        .size = sizeof c, .backing = MYL_BACKING_FILE, .rings = names, .nrings = 1, .probe_ms = 50};
    myl_health *h;
    assert_int_equal(myl_health_start(&c, &h), 0);
    pid_t kid = myl_test_truncator(path);
    char line[MYL_HEALTH_LINE_MAX];
    for (int i = 0; i < 2000; i++) {
        int rc = myl_health_status_line(h, line, sizeof line);
        assert_true(rc == 0 || (rc == 1 && strstr(line, "degraded") != NULL));
    }
    myl_test_truncator_stop(kid);
    myl_health_stop(h);
    myl_ring_close(r);
    assert_int_equal(unlink(path), 0);
}

/* A FIFO planted (by anyone: /dev/shm is world-writable) at the bridge
 * state name of a reported ring: the probe gets its line and the endpoint
 * stops, where the open of the state object waited for a writer for ever,
 * with the listener (and, for HTTP, libmicrohttpd's thread) in it. */
static void test_bridge_fifo(void **state)
{
    (void)state;
    fixture f;
    ring_up(&f, myl_test_name("hfifo"));
    char fifo[512];
    snprintf(fifo, sizeof fifo, "/dev/shm%s.bridge-export", f.r->name);
    (void)unlink(fifo);
    assert_int_equal(mkfifo(fifo, 0666), 0);
    const char *names[] = {f.name};
    myl_health *h = serve(names, 1, 50);
    char *line = exchange(myl_health_port(h), NULL, 0, 1); /* NULL: the bound on a hang */
    if (!line) { /* the listener is stuck: no stop would return */
        unlink(fifo);
        fail_msg("no probe line: the endpoint blocked on the FIFO");
    }
    assert_string_equal(line, "myelon ok 1 ring\n");
    free(line);
    response r;
    http_ok(myl_health_port(h), "/health", &r);
    free(r.all);
    myl_health_stop(h);
    assert_int_equal(unlink(fifo), 0);
    ring_down(&f);
}

/* A shm object under label: len bytes of data, or (data NULL) the ring's
 * segment there cut to len bytes. */
static void shm_set(const char *label, const void *data, size_t len)
{
    char obj[300];
    assert_true(myl_shm_name(label, obj, sizeof obj) > 0);
    int fd = shm_open(obj, data ? O_RDWR | O_CREAT | O_TRUNC : O_RDWR, 0600);
    assert_true(fd >= 0);
    if (data)
        assert_int_equal(write(fd, data, len), (ssize_t)len);
    else
        assert_int_equal(ftruncate(fd, (off_t)len), 0);
    close(fd);
}

/* A ring of a named group, or found by the prefix, that is cut short (its
 * header says more than is there) is a reason, once, and counted in
 * myelon_health_ring_errors: the endpoint said ok, having dropped it. A
 * file under those names that is no ring is no reason. */
static void test_unreadable_members(void **state)
{
    (void)state;
    const char *base = myl_test_name("hgbad");
    char a[128], b[128], note[128], prefix[128];
    snprintf(a, sizeof a, "%s.a", base);
    snprintf(b, sizeof b, "%s.b", base);
    snprintf(note, sizeof note, "%s.notes", base);
    snprintf(prefix, sizeof prefix, "%s.", base);
    const char *made[] = {a, b};
    for (int i = 0; i < 2; i++) {
        myl_ring_opts o = {.size = sizeof o, .name = made[i], .slot_size = 16, .capacity = 8};
        myl_ring *r;
        myl_ring_unlink(MYL_BACKING_SHM, made[i]);
        assert_int_equal(myl_ring_create(&o, &r), 0);
        myl_ring_close(r);
    }
    shm_set(b, NULL, MYL_SEG_HEADER_SIZE + 8);
    shm_set(note, "not a ring\n", 11);
    char want[512];
    snprintf(want, sizeof want, "myelon degraded 1 ring: %s: MYL_ETRUNCATED\n", b);
    const char *names[] = {base};
    /* The group named; found by the prefix; both (said once). */
    for (int k = 0; k < 3; k++) {
        myl_health_config c = {.size = sizeof c,
                               .rings = k != 1 ? names : NULL,
                               .nrings = k != 1 ? 1 : 0,
                               .prefix = k ? prefix : NULL,
                               .probe_ms = 50};
        myl_health *h;
        assert_int_equal(myl_health_start(&c, &h), 0);
        char *line = exchange(myl_health_port(h), NULL, 0, 1);
        assert_non_null(line);
        if (strcmp(line, want))
            fprintf(stderr, "case %d: %s", k, line);
        assert_string_equal(line, want);
        free(line);
        response r;
        assert_int_equal(http(myl_health_port(h), "GET", "/health", &r), 0);
        assert_int_equal(r.code, 503);
        free(r.all);
        http_ok(myl_health_port(h), "/metrics", &r);
        assert_non_null(strstr(r.body, "\nmyelon_health_ring_errors 1\n"));
        check_exposition(r.body);
        free(r.all);
        myl_health_stop(h);
    }
    for (int i = 0; i < 2; i++)
        assert_int_equal(myl_ring_unlink(MYL_BACKING_SHM, made[i]), 0);
    assert_int_equal(myl_ring_unlink(MYL_BACKING_SHM, note), 0);
}

/* The descriptors this process has open. */
static int open_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    assert_non_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        n += e->d_name[0] != '.';
    closedir(d);
    return n - 1; /* d's own */
}

/* A ring's file that another process truncates to nothing and restores
 * (its content written back) over and over while the endpoint computes
 * its status: a truncation that falls between attach's size check and
 * its read of the header faulted the process (SIGBUS), even with
 * myl_health_catch_truncation, whose guard covered the snapshot's reads
 * only. Every call returns, ok or degraded, and a ring cut under its
 * attach is closed (no descriptor left open: mapped, it was not yet
 * attached). */
static void test_truncated_attach(void **state)
{
    (void)state;
    assert_int_equal(myl_health_catch_truncation(), 0);
    char path[128];
    snprintf(path, sizeof path, "/tmp/myl-health-tatt-%d", (int)getpid());
    myl_ring *r = myl_test_truncatable_ring(path);
    const char *names[] = {path};
    myl_health_config c = {
        .size = sizeof c, .backing = MYL_BACKING_FILE, .rings = names, .nrings = 1, .probe_ms = 50};
    myl_health *h;
    assert_int_equal(myl_health_start(&c, &h), 0);
    pid_t kid = myl_test_truncator_zero(path);
    int fds = open_fds();
    char line[MYL_HEALTH_LINE_MAX];
    int ok = 0;
    for (int i = 0; i < 40000; i++) {
        int rc = myl_health_status_line(h, line, sizeof line);
        assert_true(rc == 0 || (rc == 1 && strstr(line, "degraded") != NULL));
        ok += rc == 0;
    }
    assert_int_equal(open_fds(), fds);
    myl_test_truncator_stop(kid);
    print_message("attach: %d of 40000 ok\n", ok); /* when it fell: not judged */
    myl_health_stop(h);
    myl_ring_close(r);
    assert_int_equal(unlink(path), 0);
}

/* A pipeline's trace that another process truncates (to its header
 * page) and restores while the histograms are rendered: with
 * myl_health_catch_truncation every call returns (a read past the cut
 * faulted the process, SIGBUS), a trace cut while read is counted as an
 * error with none of its lines printed, and every text is a well-formed
 * exposition (promtool, when installed, on the first whole and first cut
 * one). */
static void test_truncated_trace(void **state)
{
    (void)state;
    assert_int_equal(myl_health_catch_truncation(), 0);
    char dir[] = "/tmp/myl-health-ttrace-XXXXXX";
    assert_non_null(mkdtemp(dir));
    int st = 0;
    myl_pipeline_app app = {.size = sizeof app,
                            .state = &st,
                            .reset = nop_reset,
                            .apply = nop_apply,
                            .save = nop_save,
                            .restore = nop_restore};
    myl_pipeline_opts o = {.size = sizeof o, .flags = MYL_PIPELINE_F_TRACE};
    o.journal.size = sizeof o.journal;
    o.journal.sync = MYL_JOURNAL_SYNC_NONE;
    myl_pipeline *p;
    assert_int_equal(myl_pipeline_create(dir, &app, &o, &p), 0);
    assert_int_equal(myl_pipeline_submit(p, 7, &st, sizeof st, NULL), 0);
    assert_int_equal(myl_pipeline_commit(p), 1);
    char path[64];
    snprintf(path, sizeof path, "%s/trace", dir);
    pid_t kid = myl_test_truncator_hold(path, 20000);
    const char *dirs[] = {dir};
    int whole = 0, cut = 0;
    for (int i = 0; i < 2000; i++) {
        char *text = NULL;
        size_t len = 0;
        FILE *m = open_memstream(&text, &len);
        assert_non_null(m);
        int rc = myl_health_pipeline_metrics(m, dirs, NULL, 1);
        assert_int_equal(fclose(m), 0);
        assert_true(rc == 0 || rc == 1);
        /* Well-formed either way: parsed every time, and linted the
         * first time of each (promtool is a process: not 2,000 times). */
        check_exposition_form(text);
        if ((rc == 1 && whole == 0) || (rc == 0 && cut == 0))
            lint_exposition(text);
        if (rc == 1) {
            whole++;
            /* Every stage's family (a restored file is zeros past the
             * cut: its stages go by "stageN"). */
            int families = 0;
            for (const char *k = text; (k = strstr(k, "_seconds_count{")); k++)
                families++;
            assert_int_equal(families, MYL_PIPELINE_STAGES);
            assert_non_null(strstr(text, "\nmyelon_pipeline_trace_errors 0\n"));
        } else {
            cut++;
            assert_null(strstr(text, "_bucket{"));
            assert_non_null(strstr(text, "\nmyelon_pipeline_trace_errors 1\n"));
        }
        free(text);
    }
    myl_test_truncator_stop(kid);
    print_message("trace: %d whole, %d cut or refused\n", whole, cut);
    assert_int_equal(myl_pipeline_close(p), 0);
    assert_int_equal(nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS), 0);
}

static void test_prefix(void **state)
{
    (void)state;
    char prefix[96], a_name[128], b_name[128];
    snprintf(prefix, sizeof prefix, "%s.", myl_test_name("pfx"));
    snprintf(a_name, sizeof a_name, "%sa", prefix);
    snprintf(b_name, sizeof b_name, "%sb", prefix);
    fixture a, b;
    ring_up(&a, a_name);
    ring_up(&b, b_name);
    /* a is named and matches the prefix: reported once. */
    const char *names[] = {a_name, a_name};
    myl_health_config c = {
        .size = sizeof c, .rings = names, .nrings = 2, .prefix = prefix, .probe_ms = 50};
    myl_health *h;
    assert_int_equal(myl_health_start(&c, &h), 0);
    char *line = exchange(myl_health_port(h), NULL, 0, 1);
    assert_string_equal(line, "myelon ok 2 rings\n");
    free(line);
    response r;
    http_ok(myl_health_port(h), "/metrics", &r);
    check_exposition(r.body);
    char want[256];
    snprintf(want, sizeof want, "myelon_ring_capacity_slots{ring=\"%s\"}", a_name);
    const char *first = strstr(r.body, want);
    assert_non_null(first);
    assert_null(strstr(first + 1, want));
    snprintf(want, sizeof want, "myelon_ring_capacity_slots{ring=\"%s\"} 64\n", b_name);
    assert_non_null(strstr(r.body, want));
    free(r.all);
    myl_health_stop(h);
    ring_down(&a);
    ring_down(&b);

    /* A prefix that matches nothing: degraded, "no rings". */
    c = (myl_health_config){.size = sizeof c, .prefix = prefix, .probe_ms = 50};
    assert_int_equal(myl_health_start(&c, &h), 0);
    line = exchange(myl_health_port(h), NULL, 0, 1);
    assert_string_equal(line, "myelon degraded 0 rings: no rings\n");
    free(line);
    myl_health_stop(h);
}

static void test_config_errors(void **state)
{
    (void)state;
    myl_health *h = (myl_health *)1;
    const char *names[] = {"x", ""};
    myl_health_config c = {.size = 4};
    assert_int_equal(myl_health_start(&c, &h), MYL_EINVAL);
    assert_null(h);
    h = (myl_health *)1;
    assert_int_equal(myl_health_start(NULL, &h), MYL_EINVAL);
    assert_null(h); /* NULL after every failure, whatever the argument */
    assert_int_equal(myl_health_start(&c, NULL), MYL_EINVAL);
    c = (myl_health_config){.backing = 7};
    assert_int_equal(myl_health_start(&c, &h), MYL_EINVAL);
    c = (myl_health_config){.rings = names, .nrings = 2};
    assert_int_equal(myl_health_start(&c, &h), MYL_EINVAL);
    c = (myl_health_config){.nrings = 1};
    assert_int_equal(myl_health_start(&c, &h), MYL_EINVAL);
    c = (myl_health_config){.rings = names, .nrings = 1, .bind = "not an address"};
    assert_true(myl_health_start(&c, &h) < 0);
    /* A port in use. */
    myl_health *first;
    c = (myl_health_config){.rings = names, .nrings = 1};
    assert_int_equal(myl_health_start(&c, &first), 0);
    c.port = myl_health_port(first);
    assert_int_equal(myl_health_start(&c, &h), -EADDRINUSE);
    myl_health_stop(first);
    myl_health_stop(NULL);
    /* IPv6 loopback, where the host has it. */
    c = (myl_health_config){.rings = names, .nrings = 1, .bind = "::1"};
    int rc = myl_health_start(&c, &h);
    if (rc == 0) {
        assert_true(myl_health_port(h) > 0);
        myl_health_stop(h);
    } else {
        fprintf(stderr, "no IPv6 loopback here (%d)\n", rc);
    }
}

/* ---- the tool ---- */

/* myelon-health started with argv (argv[0] first, NULL last): the port
 * its first line says it listens on; its pid and stdout in *pid, *o. */
static unsigned tool_start(char *const *argv, pid_t *pid, FILE **o)
{
    int out[2];
    assert_int_equal(pipe(out), 0);
    *pid = fork();
    if (*pid == 0) {
        /* Killed with the test, should an assertion end it first. */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        dup2(out[1], 1);
        close(out[0]);
        close(out[1]);
        execv(MYELON_HEALTH_PATH, argv);
        _exit(127);
    }
    close(out[1]);
    *o = fdopen(out[0], "r");
    char line[256];
    unsigned port = 0;
    assert_non_null(fgets(line, sizeof line, *o));
    assert_int_equal(sscanf(line, "myelon-health: listening on 127.0.0.1 port %u", &port), 1);
    return port;
}

/* SIGTERM: the tool exits with status 0. */
static void tool_stop(pid_t pid, FILE *o)
{
    assert_int_equal(kill(pid, SIGTERM), 0);
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
    fclose(o);
}

/* The output of `myelon-health ARGS` (stdout, or stderr with 2>&1
 * >/dev/null in args) in out; returns its exit status. */
static int tool_output(const char *args, char *out, size_t cap)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "%s %s", MYELON_HEALTH_PATH, args);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t n = fread(out, 1, cap - 1, p);
    out[n] = '\0';
    int st = pclose(p);
    assert_true(WIFEXITED(st));
    return WEXITSTATUS(st);
}

static void test_tool(void **state)
{
    (void)state;
    fixture f;
    ring_up(&f, myl_test_name("tool"));
    pid_t pid;
    FILE *o;
    char *const args[] = {"myelon-health", "--port", "0", "--probe-ms", "50", (char *)f.name, NULL};
    unsigned port = tool_start(args, &pid, &o);
    char *probe = exchange((uint16_t)port, NULL, 0, 0);
    assert_string_equal(probe, "myelon ok 1 ring\n");
    free(probe);
    response r;
    http_ok((uint16_t)port, "/metrics", &r);
    check_exposition(r.body);
    free(r.all);

    /* Another on the same port: exit 1, saying why. */
    char out[1024], a[512];
    snprintf(a, sizeof a, "--port %u %s 2>&1 >/dev/null", port, f.name);
    assert_int_equal(tool_output(a, out, sizeof out), 1);
    assert_non_null(strstr(out, "cannot listen on 127.0.0.1 port"));
    tool_stop(pid, o);

    /* Rings in files, found by a path prefix (--file --prefix DIR/),
     * bound to an address given: ok, 1 ring. Without --file the prefix
     * names no shm ring: degraded. */
    char dir[] = "/tmp/myl-health-tool-XXXXXX", path[128], prefix[128];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/app.ring", dir);
    snprintf(prefix, sizeof prefix, "%s/", dir);
    myl_ring_opts ro = {.size = sizeof ro,
                        .backing = MYL_BACKING_FILE,
                        .name = path,
                        .slot_size = 16,
                        .capacity = 64};
    myl_ring *fr;
    assert_int_equal(myl_ring_create(&ro, &fr), 0);
    char *const fargs[] = {"myelon-health", "--file", "--bind",   "127.0.0.1", "--port", "0",
                           "--probe-ms",    "50",     "--prefix", prefix,      NULL};
    port = tool_start(fargs, &pid, &o);
    probe = exchange((uint16_t)port, NULL, 0, 0);
    assert_string_equal(probe, "myelon ok 1 ring\n");
    free(probe);
    tool_stop(pid, o);
    char *const sargs[] = {"myelon-health", "--port", "0", "--probe-ms", "50",
                           "--prefix",      prefix,   NULL};
    port = tool_start(sargs, &pid, &o);
    probe = exchange((uint16_t)port, NULL, 0, 0);
    assert_string_equal(probe, "myelon degraded 0 rings: no rings\n");
    free(probe);
    tool_stop(pid, o);
    myl_ring_close(fr);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(rmdir(dir), 0);

    /* --version: the library's version. */
    char want[64];
    snprintf(want, sizeof want, "myelon-health %s\n", MYL_VERSION_STRING);
    assert_int_equal(tool_output("--version", out, sizeof out), 0);
    assert_string_equal(out, want);

    /* Bad command lines: exit 2. */
    const char *bad[] = {"--port 70000 x", "--probe-ms 0 x", "--bogus x", "", "''",
                         "x --bind",       "x --prefix"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char cmd[512];
        snprintf(cmd, sizeof cmd, "%s >/dev/null 2>&1", bad[i]);
        assert_int_equal(tool_output(cmd, out, sizeof out), 2);
    }
    ring_down(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_probe_silent),
        cmocka_unit_test(test_probe_eof_and_text),
        cmocka_unit_test(test_reasons),
        cmocka_unit_test(test_degraded),
        cmocka_unit_test(test_get_root),
        cmocka_unit_test(test_get_metrics),
        cmocka_unit_test(test_not_found_and_method),
        cmocka_unit_test(test_concurrent_clients),
        cmocka_unit_test(test_stop_with_clients),
        cmocka_unit_test(test_hostile_input),
        cmocka_unit_test(test_callbacks),
        cmocka_unit_test(test_pipeline_metrics),
        cmocka_unit_test(test_prefix),
        cmocka_unit_test(test_truncated_ring),
        cmocka_unit_test(test_truncated_attach),
        cmocka_unit_test(test_truncated_trace),
        cmocka_unit_test(test_config_errors),
        cmocka_unit_test(test_tool),
        cmocka_unit_test(test_split_request),
        cmocka_unit_test(test_prefix_then_eof),
        cmocka_unit_test(test_bridge_fifo),
        cmocka_unit_test(test_unreadable_members),
    };
    return myl_test_run("health", tests, sizeof tests / sizeof *tests);
}
