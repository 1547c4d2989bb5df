/* Template of a pipeline's stub (myelonc --stubs, gen/emit_pipe.c);
 * conventions as in header.h. */

/* @@stub */
/* MYLT_T.c: pipeline MYLT_NAME (MYLT_SCHEMA).
 *
 * Written once by `myelonc --stubs`, which never writes over it: this file
 * is yours to edit. It keeps a state (a record count to begin with: the
 * TODOs), opens the pipeline in a directory (recovering what is there),
 * attaches the input ring and the output rings by name, runs the input loop
 * and stops on SIGINT or SIGTERM.
 * Run: MYLT_T --dir DIR --input RING MYLT_USAGE (each ring created by
 * another process; an output without a ring is only counted). */
#define _POSIX_C_SOURCE 200809L
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "MYLT_STEM.myl.h"

/* TODO: the application's state. Handlers must be deterministic: replay
 * after a restart calls them again with the same records. */
typedef struct state {
    uint64_t records;
    uint64_t ticks;
} state;

static MYLT_T pipeline;

static void on_signal(int sig)
{
    (void)sig;
    MYLT_T_stop(&pipeline);
}

static int on_reset(void *arg)
{
    memset(arg, 0, sizeof(state));
    return 0;
}

static int on_save(void *arg, void **payload, uint64_t *size)
{
    *payload = malloc(sizeof(state));
    if (!*payload)
        return MYL_EINVAL;
    memcpy(*payload, arg, sizeof(state));
    *size = sizeof(state);
    return 0;
}

static int on_restore(void *arg, const void *payload, uint64_t size, uint32_t app_version)
{
    if (size != sizeof(state) || app_version != 1)
        return MYL_ECORRUPT;
    memcpy(arg, payload, sizeof(state));
    return 0;
}

static int on_tick(void *arg, uint64_t seq, uint64_t now_ns)
{
    (void)seq;
    (void)now_ns;
    ((state *)arg)->ticks++;
    return 0;
}
MYLT_HANDLERS

int main(int argc, char **argv)
{
    const char *dir = NULL, *input = NULL;
    MYLT_RINGVARS
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc) {
            dir = argv[++i];
        } else if (strcmp(argv[i], "--input") == 0 && i + 1 < argc) {
            input = argv[++i];
            MYLT_RINGARGS
        } else {
            fprintf(stderr, "usage: %s --dir DIR --input RING MYLT_USAGE\n", argv[0]);
            return 2;
        }
    }
    if (!dir || !input) {
        fprintf(stderr, "usage: %s --dir DIR --input RING MYLT_USAGE\n", argv[0]);
        return 2;
    }
    static state st, shadow;
    MYLT_T_cfg cfg;
    MYLT_T_cfg_init(&cfg);
    cfg.state = &st;
    cfg.shadow_state = &shadow; /* snapshots every cfg.opts.snapshot_every records */
    myl_ring *in_ring = NULL;
    int rc = MYLT_INCHAN_attach(input, 5000000000, &in_ring);
    MYLT_RINGATTACH
    if (rc < 0) {
        fprintf(stderr, "MYLT_NAME: attach: %s\n", myl_strerror(rc));
        return 1;
    }
    cfg.input = in_ring;
    MYLT_T_handlers h;
    memset(&h, 0, sizeof h);
    MYLT_SETHANDLERS
    h.on_tick = on_tick;
    h.reset = on_reset;
    h.save = on_save;
    h.restore = on_restore;
    h.app_version = 1;
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    rc = MYLT_T_open(dir, &cfg, &h, &pipeline);
    if (rc < 0) {
        fprintf(stderr, "MYLT_NAME: open %s: %s\n", dir, myl_strerror(rc));
        return 1;
    }
    rc = MYLT_T_run(&pipeline);
    if (rc < 0)
        fprintf(stderr, "MYLT_NAME: run: %s\n", myl_strerror(rc));
    int crc = MYLT_T_close(&pipeline);
    printf("MYLT_NAME: %llu records, %llu ticks\n", (unsigned long long)st.records,
           (unsigned long long)st.ticks);
    myl_ring_close(in_ring);
    MYLT_RINGDETACH
    return rc < 0 || crc < 0 ? 1 : 0;
}

/* @@handler */
/* Stage MYLT_S. */
static int on_MYLT_S(void *arg, uint64_t seq, MYLT_PARAMS)
{
    state *s = (state *)arg;
    (void)seq;
    MYLT_UNUSED
    /* TODO: apply the record to the state. */
    MYLT_COUNT
    return 0;
}

/* @@handler_out */
/* Stage MYLT_S: its outputs go to MYLT_OUTCHAN. */
static int on_MYLT_S(void *arg, uint64_t seq, MYLT_PARAMS, MYLT_T_MYLT_S_out *out)
{
    state *s = (state *)arg;
    (void)seq;
    MYLT_UNUSED
    MYLT_COUNT
    MYLT_ANSWER
}

/* @@answer_event */
/* TODO: answer. An empty message, so that the pipeline runs. */
MYLT_OUT m;
memset(&m, 0, sizeof m);
return MYLT_T_MYLT_S_send(out, &m);

/* @@answer_bytes */
/* TODO: answer. An empty message, so that the pipeline runs. */
return MYLT_T_MYLT_S_send(out, "", 0, 0);

/* @@answer_compact */
/* TODO: answer. An empty message, so that the pipeline runs. */
MYLT_OUT m;
MYLT_OUTINIT
return MYLT_T_MYLT_S_send(out, &m, 0);

/* @@answer_fb */
/* TODO: answer. An empty table, built in buf, so that the pipeline runs. */
unsigned char buf[256];
myl_fb_builder b;
myl_fb_ref root;
myl_fb_msg m;
myl_fb_builder_init(&b, buf, sizeof buf, NULL, 0);
int rc = MYLT_OUT_start(&b);
if (rc == 0)
    rc = MYLT_OUT_end(&b, &root);
if (rc == 0)
    rc = MYLT_OUT_finish(&b, root, NULL, 0, &m);
return rc < 0 ? rc : MYLT_T_MYLT_S_send(out, m.data, m.len, 0);
