/* The pipelines' latency histograms as Prometheus metrics
 * (myl_health_pipeline_metrics, myelon/health.h). */
#define _POSIX_C_SOURCE 200809L /* strnlen */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "myelon/health.h"
#include "myelon/myelon.h"
#include "stat.h"

#define LE_FIRST 10u /* le = 2^10 - 1 ns */
#define LE_LAST 34u  /* le = 2^34 - 1 ns */

/* A label value, escaped as the text exposition format asks. */
static void put_labels(FILE *out, const char *name, const char *stage)
{
    fputs("pipeline=\"", out);
    mst_prom_escape(out, name);
    fputs("\",stage=\"", out);
    mst_prom_escape(out, stage);
    fputc('"', out);
}

/* The stage's name from the trace: lower-case letters and '_', and not
 * an earlier stage's (seen[0..s)), or "stageN": a trace that named two
 * stages alike would give two series one label set. */
static void stage_name(const myl_pipeline_hist *hs, uint32_t s, char (*seen)[24])
{
    char *buf = seen[s];
    size_t n = strnlen(hs->name, sizeof hs->name);
    bool ok = n > 0 && n < sizeof seen[s];
    for (size_t i = 0; i < n; i++)
        ok = ok && ((hs->name[i] >= 'a' && hs->name[i] <= 'z') || hs->name[i] == '_');
    if (ok)
        snprintf(buf, sizeof seen[s], "%.*s", (int)n, hs->name);
    for (uint32_t k = 0; ok && k < s; k++)
        ok = strcmp(seen[k], buf) != 0;
    if (!ok)
        snprintf(buf, sizeof seen[s], "stage%u", s);
}

/* A trace's histograms, copied before any is printed: a trace truncated
 * while read (mst_guarded) then prints nothing, not half a family. */
typedef struct trace_copy {
    const myl_pipeline_trace *t;
    bool ok[MYL_PIPELINE_STAGES];
    myl_pipeline_hist hs[MYL_PIPELINE_STAGES];
} trace_copy;

static int copy_trace(void *arg)
{
    trace_copy *c = arg;
    for (uint32_t s = 0; s < MYL_PIPELINE_STAGES; s++)
        c->ok[s] = myl_pipeline_trace_read(c->t, s, &c->hs[s]) == 0;
    return 0;
}

int myl_health_pipeline_metrics(FILE *out, const char *const *dirs, const char *const *names,
                                size_t n)
{
    if (!out || (n && !dirs))
        return MYL_EINVAL;
    trace_copy *c = malloc(sizeof *c); /* 16 KiB: not on a server thread's stack */
    if (!c)
        return -ENOMEM;
    uint64_t errors = 0;
    int written = 0;
    fputs("# HELP myelon_pipeline_stage_latency_seconds Latency of a pipeline stage (apply: one "
          "record; commit: journal write and sync; ack: submit to release of an output; "
          "snapshot: one snapshot written).\n"
          "# TYPE myelon_pipeline_stage_latency_seconds histogram\n",
          out);
    for (size_t i = 0; i < n; i++) {
        myl_pipeline_trace *t;
        if (!dirs[i] || myl_pipeline_trace_open(dirs[i], &t) < 0) {
            errors++;
            continue;
        }
        c->t = t;
        int rc = mst_guarded(copy_trace, c);
        myl_pipeline_trace_close(t);
        if (rc < 0) {
            errors++;
            continue;
        }
        const char *name = names && names[i] ? names[i] : dirs[i];
        char seen[MYL_PIPELINE_STAGES][24];
        memset(seen, 0, sizeof seen);
        for (uint32_t s = 0; s < MYL_PIPELINE_STAGES; s++) {
            if (!c->ok[s])
                continue;
            const myl_pipeline_hist *hs = &c->hs[s];
            stage_name(hs, s, seen);
            const char *sn = seen[s];
            /* The buckets, not hs.count: a reader may see a bucket counted
             * before the total, and +Inf must equal _count. */
            uint64_t cum = 0, total = 0;
            for (uint32_t b = 0; b < MYL_PIPELINE_HIST_BUCKETS; b++)
                total += hs->bucket[b];
            uint32_t b = 0;
            for (uint32_t k = LE_FIRST; k <= LE_LAST; k++) {
                uint64_t le = (UINT64_C(1) << k) - 1;
                /* bucket b holds [low(b), low(b + 1) - 1]: counted while it
                 * ends at or below le */
                while (b + 1 < MYL_PIPELINE_HIST_BUCKETS && myl_pipeline_hist_low(b + 1) - 1 <= le)
                    cum += hs->bucket[b++];
                fputs("myelon_pipeline_stage_latency_seconds_bucket{", out);
                put_labels(out, name, sn);
                fprintf(out, ",le=\"%.9g\"} %llu\n", (double)le / 1e9, (unsigned long long)cum);
            }
            fputs("myelon_pipeline_stage_latency_seconds_bucket{", out);
            put_labels(out, name, sn);
            fprintf(out, ",le=\"+Inf\"} %llu\n", (unsigned long long)total);
            fputs("myelon_pipeline_stage_latency_seconds_sum{", out);
            put_labels(out, name, sn);
            fprintf(out, "} %.9g\n", (double)hs->sum_ns / 1e9);
            fputs("myelon_pipeline_stage_latency_seconds_count{", out);
            put_labels(out, name, sn);
            fprintf(out, "} %llu\n", (unsigned long long)total);
        }
        written++;
    }
    free(c);
    fprintf(out,
            "# HELP myelon_pipeline_trace_errors Pipeline traces that could not be read.\n"
            "# TYPE myelon_pipeline_trace_errors gauge\nmyelon_pipeline_trace_errors %llu\n",
            (unsigned long long)errors);
    return written;
}
