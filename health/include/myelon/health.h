/* libmyelon_health: a health endpoint for a set of rings, on one TCP port.
 *
 *   const char *rings[] = {"orders", "fills"};
 *   myl_health_config c = {.size = sizeof c, .rings = rings, .nrings = 2};
 *   myl_health *h;
 *   myl_health_start(&c, &h);          // 127.0.0.1, an ephemeral port
 *   printf("port %u\n", myl_health_port(h));
 *   ...
 *   myl_health_stop(h);
 *
 * On that port (docs/HEALTH.md):
 *   - a connection that sends nothing within probe_ms, closes its sending
 *     side, or sends something that is not an HTTP request line gets one
 *     line, "myelon ok 2 rings" or "myelon degraded 2 rings: REASONS", and
 *     is closed (for TCP probes: nc, load balancers, scripts);
 *   - GET /         an HTML status page: each ring's counters, producers
 *                   and consumers (pid, alive, sequence, lag);
 *   - GET /health   the status line as text/plain, 200 when ok, 503 when
 *                   degraded (for HTTP probes);
 *   - GET /metrics  the Prometheus text exposition of every counter, with
 *                   HELP and TYPE lines (the families of myelon-stat
 *                   --prometheus, and myelon_health_*);
 *   anything else: 404 (unknown path) or 405 (a method other than GET or
 *   HEAD).
 *
 * Rings are attached read-only at each request, as myelon-stat does: the
 * endpoint never registers as a producer or consumer nor writes a byte to
 * a segment, and reads what it finds there as untrusted input.
 *
 * HTTP is served by libmicrohttpd; a small listener in front of it answers
 * probes and hands HTTP connections over. A separate library: libmyelon
 * stays libc-only. */
#ifndef MYELON_HEALTH_H
#define MYELON_HEALTH_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "myelon/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The application's own verdict, asked at every probe and page: return 0
 * when healthy, anything else when degraded, and write a short reason into
 * msg (size bytes; at most one line is used, made printable). Called from
 * the endpoint's threads, possibly two at once. */
typedef int (*myl_health_status_fn)(void *user, char *msg, size_t size);

/* Extra metric families appended to /metrics, in the text exposition
 * format, each with its HELP and TYPE lines and a name of its own (not
 * myelon_ring_*, myelon_producer_*, myelon_consumer_*, myelon_health_*).
 * Called from the endpoint's HTTP thread. */
typedef void (*myl_health_metrics_fn)(void *user, FILE *out);

/* The latency histograms of pipelines (myelon/pipeline.h, kept with
 * MYL_PIPELINE_F_TRACE in <dir>/trace) as one Prometheus histogram family,
 * myelon_pipeline_stage_latency_seconds{pipeline=NAME,stage=S} (S: apply,
 * commit, ack, snapshot), for a metrics callback to append to /metrics:
 * dirs[i] is pipeline i's directory, names[i] its label (NULL: the
 * directory). The log-linear buckets are summed into le bounds of 2^k - 1
 * ns (k = 10..34, about 1 us to 17 s) and +Inf, which are exact: every
 * log-linear bucket ends at or below one of them or above the last. A
 * trace that cannot be read is left out and counted in the gauge
 * myelon_pipeline_trace_errors. Each trace is mapped read-only and read
 * as untrusted input; a trace truncated while read (with
 * myl_health_catch_truncation) is such an error, printed not at all: its
 * histograms are copied before any line is written. Returns the number
 * of pipelines written, or -ENOMEM (nothing written). */
MYL_API int myl_health_pipeline_metrics(FILE *out, const char *const *dirs,
                                        const char *const *names, size_t n);

/* Options; zero means "default" in every field. */
typedef struct myl_health_config {
    uint32_t size;            /* sizeof(myl_health_config), or 0 */
    uint32_t backing;         /* MYL_BACKING_SHM (default) or MYL_BACKING_FILE */
    const char *bind;         /* address to listen on (IPv4 or IPv6); default "127.0.0.1" */
    uint16_t port;            /* TCP port; 0: an ephemeral one (myl_health_port) */
    uint16_t reserved;        /* 0 */
    uint32_t probe_ms;        /* wait for a request's first bytes; default 500 */
    const char *const *rings; /* ring names (or group base names: name.*) to report */
    size_t nrings;
    const char *prefix;          /* and every ring whose name starts with this; NULL: none */
    uint32_t max_clients;        /* connections served at once (each of probe, HTTP); default 64 */
    myl_health_status_fn status; /* or NULL */
    myl_health_metrics_fn metrics; /* or NULL */
    void *user;                    /* passed to status and metrics */
} myl_health_config;

typedef struct myl_health myl_health;

/* Bind, listen and start serving (two threads). 0, or MYL_EINVAL (bad
 * config), a negative errno (socket, bind: -EADDRINUSE, getaddrinfo's
 * failure as -EINVAL...), -ENOMEM. The config and what it points to are
 * copied; status and metrics must stay callable until myl_health_stop. */
MYL_API int myl_health_start(const myl_health_config *cfg, myl_health **out);

/* The TCP port it listens on (the one the system chose for port 0). */
MYL_API uint16_t myl_health_port(const myl_health *h);

/* The status line's size at most, newline and NUL included: reasons that
 * do not fit are cut, the line then ending in "...\n". */
#define MYL_HEALTH_LINE_MAX 1024u

/* The status line probes get ("myelon ok ...\n"), computed now, into buf
 * (truncated to size, NUL-terminated; MYL_HEALTH_LINE_MAX bytes hold any
 * line). 0 when ok, 1 when degraded. */
MYL_API int myl_health_status_line(myl_health *h, char *buf, size_t size);

/* A ring's segment that another process truncates while the endpoint
 * attaches to it or reads it (after its size was checked) would fault the
 * reader (SIGBUS).
 * This installs a SIGBUS handler that makes such a ring reported as
 * truncated (MYL_ETRUNCATED) for that request instead, and a pipeline
 * trace truncated while myl_health_pipeline_metrics copies it counted
 * as a trace error. The library never
 * takes a signal by itself: a program that owns its SIGBUS handling does
 * not call it (myelon-health does). Faults outside a snapshot die as
 * before. 0, or a negative errno from sigaction. */
MYL_API int myl_health_catch_truncation(void);

/* Stop: no new connection is accepted; connections open now, probe or
 * HTTP, are closed (a request in progress may be cut short); the threads
 * are joined and everything freed. NULL is a no-op. */
MYL_API void myl_health_stop(myl_health *h);

#ifdef __cplusplus
}
#endif

#endif
