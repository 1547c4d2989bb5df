/* libmyelon_health (myelon/health.h, docs/HEALTH.md).
 *
 * Two threads. The listener owns the listening socket: it accepts, keeps
 * each new connection pending until its first bytes arrive (or probe_ms
 * pass, or the client closes its side), and then either answers it as a
 * probe (one line, close) or hands it to libmicrohttpd with
 * MHD_add_connection. libmicrohttpd runs without a listening socket of its
 * own (MHD_USE_NO_LISTEN_SOCKET), in its internal polling thread, and
 * serves /, /health and /metrics. The listener only peeks (MSG_PEEK) at
 * what it classifies, so libmicrohttpd reads the request from its first
 * byte.
 *
 * Why a listener in front: libmicrohttpd speaks HTTP only. A client that
 * connects and sends nothing would wait out its connection timeout and be
 * closed without a word, and one that sends a line of text would get a
 * 400 page; a probe wants one line at once. Telling the two apart needs
 * the first bytes, hence the short wait; one poll loop over every pending
 * connection keeps a slow or silent client from holding up the others. */
#define _GNU_SOURCE /* accept4, POLLRDHUP */
#include "myelon/health.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "myelon/myelon.h"
#include "stat.h"

#define DEFAULT_BIND "127.0.0.1"
#define DEFAULT_PROBE_MS 500u
#define DEFAULT_MAX_CLIENTS 64u
#define HTTP_TIMEOUT_S 10u  /* an idle HTTP connection is closed after this */
#define REPEEK_MS 10        /* a connection that sent a method's prefix is looked at again */
#define ACCEPT_PAUSE_MS 100 /* after accept fails for want of descriptors or memory */

typedef struct pending {
    int fd;
    bool partial; /* has sent a prefix of a method ("GE"), so far */
    int64_t deadline_ms;
    struct sockaddr_storage addr;
    socklen_t alen;
} pending;

struct myl_health {
    uint32_t backing;
    uint32_t probe_ms, max_clients;
    char **rings;
    size_t nrings;
    char *prefix;
    myl_health_status_fn status;
    myl_health_metrics_fn metrics;
    void *user;

    int lfd;     /* listening socket */
    int wake[2]; /* a pipe: myl_health_stop writes, the listener wakes and exits */
    uint16_t port;
    pthread_t listener;
    struct MHD_Daemon *mhd;
    pending *pend;
    uint32_t npend;
};

/* ---- the report: every ring's snapshot and the verdict ---- */

typedef struct report {
    mst_snaps rings;
    uint64_t errors; /* named rings that could not be read */
    bool ok;
    char reasons[MYL_HEALTH_LINE_MAX - 64]; /* "a: 1 dead consumer; b: ENOENT" */
    size_t rlen;
    bool cut;                       /* a reason did not fit: "..." ends them */
    char line[MYL_HEALTH_LINE_MAX]; /* "myelon ok 2 rings\n" */
    size_t len;
} report;

/* Appends a reason ("; " between two), marking the report degraded unless
 * it is the application's note on a healthy report. Reasons go in whole:
 * the first that does not fit ends the list with "..." (after "; " when
 * it follows another), and those after it are dropped. */
static void reason(report *r, bool bad, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void reason(report *r, bool bad, const char *fmt, ...)
{
    if (bad)
        r->ok = false;
    if (r->cut)
        return;
    /* Room for the reasons; "; ..." and a NUL always fit after them. */
    const size_t room = sizeof r->reasons - 6;
    char one[sizeof r->reasons];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(one, sizeof one, fmt, ap);
    va_end(ap);
    size_t sep = r->rlen ? 2 : 0, len = n > 0 ? (size_t)n : 0;
    if (r->rlen + sep + len <= room) { /* then len < sizeof one: all of it */
        memcpy(r->reasons + r->rlen, "; ", sep);
        memcpy(r->reasons + r->rlen + sep, one, len + 1);
        r->rlen += sep + len;
    } else {
        memcpy(r->reasons + r->rlen, sep ? "; ..." : "...", sep + 4);
        r->rlen += sep + 3;
        r->cut = true;
    }
}

static bool have(const mst_snaps *s, size_t upto, const char *name)
{
    for (size_t i = 0; i < upto; i++)
        if (!strcmp(s->v[i].name, name))
            return true;
    return false;
}

/* The user's verdict, made one printable line. */
static int user_status(myl_health *h, char *msg, size_t size)
{
    msg[0] = '\0';
    int rc = h->status(h->user, msg, size);
    msg[size - 1] = '\0';
    char *nl = strpbrk(msg, "\r\n");
    if (nl)
        *nl = '\0';
    for (char *p = msg; *p; p++)
        if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
            *p = '?';
    return rc;
}

/* Ring names are printed as they are, at most size - 1 bytes, made
 * printable (a line is a line). */
static void printable_name(char *dst, size_t size, const char *name)
{
    size_t n = strnlen(name, size - 1);
    memcpy(dst, name, n);
    dst[n] = '\0';
    for (char *p = dst; *p; p++)
        if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
            *p = '?';
}

/* Rings that could not be read, each once: a named one (or a group's
 * member) that the prefix finds again is not a second reason. */
typedef struct unread {
    report *r;
    mst_names seen;
} unread;

static void unread_ring(void *arg, const char *ring, int rc)
{
    unread *u = arg;
    for (size_t i = 0; i < u->seen.n; i++)
        if (!strcmp(u->seen.v[i], ring))
            return;
    (void)mst_names_add(&u->seen, ring); /* out of memory: said twice at worst */
    char name[201];
    u->r->errors++;
    printable_name(name, sizeof name, ring);
    reason(u->r, true, "%s: %s", name, myl_errname(rc));
}

static void report_take(myl_health *h, report *r)
{
    memset(r, 0, sizeof *r);
    r->ok = true;
    char name[201];
    unread u = {.r = r};
    for (size_t i = 0; i < h->nrings; i++) {
        size_t before = r->rings.n;
        /* A group's member that cannot be read: a reason, unread_ring. */
        int rc = mst_snap_name(h->backing, h->rings[i], &r->rings, unread_ring, &u);
        if (rc < 0)
            unread_ring(&u, h->rings[i], rc);
        /* A name given twice, or a group and one of its rings: once. */
        for (size_t k = before; k < r->rings.n;)
            if (have(&r->rings, before, r->rings.v[k].name)) {
                mst_free(&r->rings.v[k]);
                memmove(&r->rings.v[k], &r->rings.v[k + 1],
                        (r->rings.n - k - 1) * sizeof r->rings.v[k]);
                r->rings.n--;
            } else {
                k++;
            }
    }
    if (h->prefix) {
        mst_names names = {0};
        if (mst_scan(h->backing, h->prefix, &names) == 0)
            for (size_t i = 0; i < names.n; i++) {
                if (have(&r->rings, r->rings.n, names.v[i]))
                    continue;
                /* What is no ring is skipped; a ring that cannot be read
                 * is a reason. */
                int rc = mst_snap_one(h->backing, names.v[i], &r->rings);
                if (rc < 0 && !mst_not_a_ring(h->backing, names.v[i], rc))
                    unread_ring(&u, names.v[i], rc);
            }
        mst_names_free(&names);
    }
    mst_names_free(&u.seen);
    size_t n = r->rings.n;
    if (n == 0 && r->errors == 0)
        reason(r, true, "no rings");
    for (size_t i = 0; i < n; i++) {
        const mst_ring *g = &r->rings.v[i];
        printable_name(name, sizeof name, g->name);
        if (g->s.state != MYL_SEG_STATE_READY)
            reason(r, true, "%s: %s", name,
                   g->s.state == MYL_SEG_STATE_SHUTDOWN ? "shut down" : "not ready");
        /* producers_alive counts active entries only: never more. */
        uint32_t dead_p = g->producers_registered - g->producers_alive;
        uint32_t dead_c = 0;
        for (uint32_t k = 0; k < g->ncons; k++)
            dead_c += g->cons[k].s.state == MYL_ENTRY_ACTIVE && !g->cons[k].s.alive;
        if (dead_p)
            reason(r, true, "%s: %u dead producer%s", name, dead_p, dead_p == 1 ? "" : "s");
        if (dead_c)
            reason(r, true, "%s: %u dead consumer%s", name, dead_c, dead_c == 1 ? "" : "s");
    }
    if (h->status) {
        char msg[256];
        int rc = user_status(h, msg, sizeof msg);
        if (rc != 0)
            reason(r, true, "%s", msg[0] ? msg : "application degraded");
        else if (msg[0])
            reason(r, false, "%s", msg);
    }
    int len =
        snprintf(r->line, sizeof r->line, "myelon %s %zu ring%s%s%s\n", r->ok ? "ok" : "degraded",
                 n, n == 1 ? "" : "s", r->rlen ? ": " : "", r->reasons);
    r->len = len > 0 && (size_t)len < sizeof r->line ? (size_t)len : strlen(r->line);
}

static void report_free(report *r)
{
    mst_snaps_free(&r->rings);
}

int myl_health_status_line(myl_health *h, char *buf, size_t size)
{
    report r;
    report_take(h, &r);
    if (size)
        snprintf(buf, size, "%s", r.line);
    bool ok = r.ok;
    report_free(&r);
    return ok ? 0 : 1;
}

/* ---- HTTP (libmicrohttpd's thread) ---- */

static void html_text(FILE *f, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '<')
            fputs("&lt;", f);
        else if (c == '>')
            fputs("&gt;", f);
        else if (c == '&')
            fputs("&amp;", f);
        else if (c == '"')
            fputs("&quot;", f);
        else if (c == '\n' || (c >= 0x20 && c < 0x7f))
            fputc(c, f);
        else
            fputc('?', f);
    }
}

static void page(FILE *f, const report *r)
{
    fputs("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
          "<title>myelon health</title></head>\n<body>\n<h1>myelon: ",
          f);
    fputs(r->ok ? "ok" : "degraded", f);
    fputs("</h1>\n<p>", f);
    html_text(f, r->line, r->len ? r->len - 1 : 0);
    fputs("</p>\n<pre>\n", f);
    for (size_t i = 0; i < r->rings.n; i++) {
        char *buf = NULL;
        size_t len = 0;
        FILE *m = open_memstream(&buf, &len);
        if (!m)
            continue;
        if (i)
            fputc('\n', m);
        mst_print_table(m, &r->rings.v[i], NULL);
        fclose(m);
        html_text(f, buf, len);
        free(buf);
    }
    fputs("</pre>\n<p><a href=\"/metrics\">/metrics</a> (Prometheus), "
          "<a href=\"/health\">/health</a></p>\n</body></html>\n",
          f);
}

static void metrics(FILE *f, myl_health *h, const report *r)
{
    fprintf(f,
            "# HELP myelon_health_ok 1 if every reported ring (and the application) is healthy, "
            "else 0.\n# TYPE myelon_health_ok gauge\nmyelon_health_ok %d\n",
            r->ok ? 1 : 0);
    fprintf(f,
            "# HELP myelon_health_rings Rings reported by the health endpoint.\n"
            "# TYPE myelon_health_rings gauge\nmyelon_health_rings %zu\n",
            r->rings.n);
    fprintf(f,
            "# HELP myelon_health_ring_errors Rings named, of a named group or found by the "
            "prefix that could not be read.\n"
            "# TYPE myelon_health_ring_errors gauge\nmyelon_health_ring_errors %llu\n",
            (unsigned long long)r->errors);
    mst_print_prom(f, r->rings.v, r->rings.n);
    if (h->metrics)
        h->metrics(h->user, f);
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned code, const char *type, char *body,
                             size_t len)
{
    struct MHD_Response *resp = MHD_create_response_from_buffer(
        len, body, body ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
    if (!resp) {
        free(body);
        return MHD_NO;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    if (code == MHD_HTTP_METHOD_NOT_ALLOWED)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
    enum MHD_Result rc = MHD_queue_response(c, code, resp);
    MHD_destroy_response(resp);
    return rc;
}

static enum MHD_Result reply_text(struct MHD_Connection *c, unsigned code, const char *text)
{
    char *body = strdup(text);
    if (!body)
        return MHD_NO;
    return reply(c, code, "text/plain; charset=utf-8", body, strlen(body));
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **req)
{
    (void)version;
    (void)upload;
    (void)req;
    myl_health *h = cls;
    if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0) {
        *upload_size = 0; /* a body, if any, is not read: the reply closes */
        return reply_text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed\n");
    }
    int what = !strcmp(url, "/")          ? 1
               : !strcmp(url, "/metrics") ? 2
               : !strcmp(url, "/health")  ? 3
                                          : 0;
    if (!what)
        return reply_text(c, MHD_HTTP_NOT_FOUND, "not found: try /, /health or /metrics\n");
    report r;
    report_take(h, &r);
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (!m) {
        report_free(&r);
        return MHD_NO;
    }
    unsigned code = MHD_HTTP_OK;
    const char *type = "text/plain; charset=utf-8";
    if (what == 1) {
        page(m, &r);
        type = "text/html; charset=utf-8";
    } else if (what == 2) {
        metrics(m, h, &r);
        type = "text/plain; version=0.0.4; charset=utf-8";
    } else {
        fputs(r.line, m);
        code = r.ok ? MHD_HTTP_OK : MHD_HTTP_SERVICE_UNAVAILABLE;
    }
    report_free(&r);
    if (fclose(m) != 0) {
        free(buf);
        return MHD_NO;
    }
    return reply(c, code, type, buf, len);
}

/* Paths are compared as sent, not percent-decoded: "/%00" would decode to
 * "/" and a NUL, and pass for "/". No path served needs an escape. */
static size_t no_unescape(void *cls, struct MHD_Connection *c, char *s)
{
    (void)cls;
    (void)c;
    return strlen(s);
}

/* ---- the listener ---- */

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Does what arrived begin an HTTP request line? 1 yes (a method and a
 * space), 0 no, -1 too early to tell (a method's prefix, so far). */
static int http_start(const char *b, size_t n)
{
    static const char *const methods[] = {"GET ",     "HEAD ",    "POST ",  "PUT ",  "DELETE ",
                                          "OPTIONS ", "CONNECT ", "TRACE ", "PATCH "};
    int maybe = 0;
    for (size_t i = 0; i < sizeof methods / sizeof *methods; i++) {
        size_t m = strlen(methods[i]);
        if (n >= m && !memcmp(b, methods[i], m))
            return 1;
        if (n < m && !memcmp(b, methods[i], n))
            maybe = 1;
    }
    return maybe ? -1 : 0;
}

/* Answers a probe: what the client sent is read and dropped (closing a
 * socket with unread input sends a reset, which may destroy the line
 * before the client reads it), the line sent, the sending side shut. */
static void answer_probe(myl_health *h, int fd)
{
    char sink[4096];
    while (recv(fd, sink, sizeof sink, MSG_DONTWAIT) > 0)
        ;
    report r;
    report_take(h, &r);
    /* Non-blocking: a line fits in any socket buffer; a client that does
     * not read it is not waited for. */
    ssize_t sent = send(fd, r.line, r.len, MSG_DONTWAIT | MSG_NOSIGNAL);
    (void)sent;
    report_free(&r);
    shutdown(fd, SHUT_WR);
    while (recv(fd, sink, sizeof sink, MSG_DONTWAIT) > 0)
        ;
    close(fd);
}

/* A pending connection is ready (bytes, end of input, an error) or its
 * time is up: 1 when it was dealt with, 0 to keep waiting. */
static int classify(myl_health *h, pending *p, bool timed_out)
{
    char b[8];
    ssize_t n = recv(p->fd, b, sizeof b, MSG_PEEK | MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
        if (!timed_out)
            return 0;
        answer_probe(h, p->fd); /* silent for probe_ms: a probe */
        return 1;
    }
    if (n < 0) {
        close(p->fd); /* reset by the client: nobody to answer */
        return 1;
    }
    int http = n > 0 ? http_start(b, (size_t)n) : 0;
    /* A method's prefix and then the end of input ("GE", shut): it will
     * never be a request line, so it is a probe's. */
    struct pollfd hup = {.fd = p->fd, .events = POLLRDHUP};
    if (http < 0 && poll(&hup, 1, 0) == 1 && (hup.revents & (POLLRDHUP | POLLHUP | POLLERR)))
        http = 0;
    if (http < 0 && !timed_out) {
        /* The bytes stay unread, so the socket stays readable: it is no
         * longer polled for input but peeked at every REPEEK_MS. */
        p->partial = true;
        return 0;
    }
    if (http != 0) {
        /* MHD owns the socket from here, and closes it even on failure. */
        MHD_add_connection(h->mhd, p->fd, (const struct sockaddr *)&p->addr, p->alen);
        return 1;
    }
    answer_probe(h, p->fd); /* end of input, or not HTTP */
    return 1;
}

static void *listener(void *arg)
{
    myl_health *h = arg;
    struct pollfd *pfd = calloc(h->max_clients + 2, sizeof *pfd);
    if (!pfd)
        return NULL; /* nothing is accepted; stop still works */
    int64_t pause_until = 0;
    for (;;) {
        int64_t now = now_ms(), timeout = -1;
        nfds_t nf = 0;
        pfd[nf++] = (struct pollfd){.fd = h->wake[0], .events = POLLIN};
        /* Full: connections wait in the backlog until a pending one goes.
         * After accept failed for want of descriptors or memory, the
         * listening socket stays readable: it is left alone for a while
         * rather than polled in a busy loop. */
        bool accepting = h->npend < h->max_clients && now >= pause_until;
        if (accepting)
            pfd[nf++] = (struct pollfd){.fd = h->lfd, .events = POLLIN};
        else if (now < pause_until)
            timeout = pause_until - now;
        for (uint32_t i = 0; i < h->npend; i++) {
            pending *p = &h->pend[i];
            /* a partial one: its end of input only (its bytes stay) */
            pfd[nf++] = (struct pollfd){.fd = p->fd, .events = p->partial ? POLLRDHUP : POLLIN};
            int64_t left = p->deadline_ms - now;
            if (p->partial && left > REPEEK_MS)
                left = REPEEK_MS;
            if (left < 0)
                left = 0;
            if (timeout < 0 || left < timeout)
                timeout = left;
        }
        int rc = poll(pfd, nf, (int)timeout);
        if (rc < 0 && errno != EINTR)
            break;
        if (rc > 0 && pfd[0].revents)
            break; /* myl_health_stop */
        now = now_ms();
        /* Pending connections, last first: one that is dealt with makes
         * room for the last, which was looked at already, so pfd[base + i]
         * is still the entry of pend[i]. */
        nfds_t base = accepting ? 2 : 1;
        for (uint32_t i = h->npend; i-- > 0;) {
            bool late = now >= h->pend[i].deadline_ms;
            bool look = late || h->pend[i].partial || (rc > 0 && pfd[base + i].revents);
            if (look && classify(h, &h->pend[i], late))
                h->pend[i] = h->pend[--h->npend];
        }
        if (accepting && rc > 0 && pfd[1].revents) {
            while (h->npend < h->max_clients) {
                pending *p = &h->pend[h->npend];
                p->alen = sizeof p->addr;
                int fd = accept4(h->lfd, (struct sockaddr *)&p->addr, &p->alen,
                                 SOCK_NONBLOCK | SOCK_CLOEXEC);
                if (fd < 0) {
                    if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
                        pause_until = now + ACCEPT_PAUSE_MS;
                    break; /* EAGAIN, or an error of that connection alone */
                }
                p->fd = fd;
                p->partial = false;
                p->deadline_ms = now + h->probe_ms;
                h->npend++;
            }
        }
    }
    free(pfd);
    return NULL;
}

/* ---- start and stop ---- */

static void health_free(myl_health *h)
{
    for (size_t i = 0; i < h->nrings; i++)
        free(h->rings[i]);
    free(h->rings);
    free(h->prefix);
    free(h->pend);
    if (h->lfd >= 0)
        close(h->lfd);
    if (h->wake[0] >= 0)
        close(h->wake[0]);
    if (h->wake[1] >= 0)
        close(h->wake[1]);
    free(h);
}

static int listen_on(myl_health *h, const char *addr, uint16_t port)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC,
                             .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
    struct addrinfo *ai;
    char service[8];
    snprintf(service, sizeof service, "%u", port);
    int rc = getaddrinfo(addr, service, &hints, &ai);
    if (rc != 0)
        return rc == EAI_MEMORY ? -ENOMEM : rc == EAI_SYSTEM ? -errno : MYL_EINVAL;
    rc = -EADDRNOTAVAIL;
    for (struct addrinfo *a = ai; a; a = a->ai_next) {
        int fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            rc = -errno;
            continue;
        }
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (bind(fd, a->ai_addr, a->ai_addrlen) != 0 || listen(fd, 128) != 0) {
            rc = -errno;
            close(fd);
            continue;
        }
        struct sockaddr_storage ss = {0};
        socklen_t len = sizeof ss;
        if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0) {
            rc = -errno;
            close(fd);
            continue;
        }
        if (ss.ss_family == AF_INET6) {
            struct sockaddr_in6 a6;
            memcpy(&a6, &ss, sizeof a6);
            h->port = ntohs(a6.sin6_port);
        } else {
            struct sockaddr_in a4;
            memcpy(&a4, &ss, sizeof a4);
            h->port = ntohs(a4.sin_port);
        }
        h->lfd = fd;
        rc = 0;
        break;
    }
    freeaddrinfo(ai);
    return rc;
}

int myl_health_start(const myl_health_config *cfg, myl_health **out)
{
    if (!out)
        return MYL_EINVAL;
    *out = NULL;
    if (!cfg)
        return MYL_EINVAL;
    if (cfg->size && cfg->size < sizeof *cfg)
        return MYL_EINVAL;
    if (cfg->reserved || (cfg->backing != MYL_BACKING_SHM && cfg->backing != MYL_BACKING_FILE) ||
        (cfg->nrings && !cfg->rings) || cfg->probe_ms > 60000 || cfg->max_clients > 4096)
        return MYL_EINVAL;
    for (size_t i = 0; i < cfg->nrings; i++)
        if (!cfg->rings[i] || !cfg->rings[i][0])
            return MYL_EINVAL;
    myl_health *h = calloc(1, sizeof *h);
    if (!h)
        return -ENOMEM;
    h->lfd = h->wake[0] = h->wake[1] = -1;
    h->backing = cfg->backing;
    h->probe_ms = cfg->probe_ms ? cfg->probe_ms : DEFAULT_PROBE_MS;
    h->max_clients = cfg->max_clients ? cfg->max_clients : DEFAULT_MAX_CLIENTS;
    h->status = cfg->status;
    h->metrics = cfg->metrics;
    h->user = cfg->user;
    int rc = -ENOMEM;
    h->rings = calloc(cfg->nrings ? cfg->nrings : 1, sizeof *h->rings);
    h->pend = calloc(h->max_clients, sizeof *h->pend);
    if (!h->rings || !h->pend)
        goto fail;
    for (; h->nrings < cfg->nrings; h->nrings++)
        if (!(h->rings[h->nrings] = strdup(cfg->rings[h->nrings])))
            goto fail;
    if (cfg->prefix && !(h->prefix = strdup(cfg->prefix)))
        goto fail;
    if (pipe2(h->wake, O_CLOEXEC) != 0) {
        rc = -errno;
        goto fail;
    }
    if ((rc = listen_on(h, cfg->bind && cfg->bind[0] ? cfg->bind : DEFAULT_BIND, cfg->port)) < 0)
        goto fail;
    h->mhd = MHD_start_daemon(MHD_USE_POLL_INTERNAL_THREAD | MHD_USE_NO_LISTEN_SOCKET | MHD_USE_ITC,
                              0, NULL, NULL, on_request, h, MHD_OPTION_CONNECTION_LIMIT,
                              (unsigned)h->max_clients, MHD_OPTION_CONNECTION_TIMEOUT,
                              (unsigned)HTTP_TIMEOUT_S, MHD_OPTION_UNESCAPE_CALLBACK, no_unescape,
                              NULL, MHD_OPTION_END);
    if (!h->mhd) {
        rc = errno ? -errno : -ENOMEM;
        goto fail;
    }
    if ((rc = pthread_create(&h->listener, NULL, listener, h)) != 0) {
        rc = -rc;
        MHD_stop_daemon(h->mhd);
        goto fail;
    }
    *out = h;
    return 0;
fail:
    health_free(h);
    return rc;
}

int myl_health_catch_truncation(void)
{
    return mst_bus_guard_install();
}

uint16_t myl_health_port(const myl_health *h)
{
    return h ? h->port : 0;
}

void myl_health_stop(myl_health *h)
{
    if (!h)
        return;
    char b = 1;
    while (write(h->wake[1], &b, 1) < 0 && errno == EINTR)
        ;
    pthread_join(h->listener, NULL);
    for (uint32_t i = 0; i < h->npend; i++)
        close(h->pend[i].fd);
    h->npend = 0;
    /* Closes every HTTP connection, then joins libmicrohttpd's thread. */
    MHD_stop_daemon(h->mhd);
    health_free(h);
}
