/* Template of a role's stub (myelonc --stubs, gen/emit_topo.c);
 * conventions as in header.h. */

/* @@stub */
/* MYLT_R.c: role MYLT_NAME of topology MYLT_TNAME (MYLT_SCHEMA).
 *
 * Written once by `myelonc --stubs`, which never writes over it: this file
 * is yours to edit. It opens the endpoint, handles every inbound route in
 * its handler below (the TODOs) and stops on SIGINT or SIGTERM.
 * Run: MYLT_R [--instance NAME] [--index I] (the owner role first; the
 * instance name defaults to $MYELON_INSTANCE, else "default"). */
#define _POSIX_C_SOURCE 200809L
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "MYLT_STEM.myl.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}
MYLT_HANDLERS

static void on_event(const myl_topo_event *ev, MYLT_R *ep, void *user)
{
    (void)user;
    fprintf(stderr, "MYLT_NAME %u: member %u.%u (pid %d): event %u\n", ep->index, ev->role,
            ev->index, (int)ev->pid, ev->kind);
    MYLT_ONDEAD
}

int main(int argc, char **argv)
{
    myl_topo_cfg cfg;
    uint32_t index = 0;
    myl_topo_cfg_init(&cfg);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--instance") == 0 && i + 1 < argc) {
            cfg.instance = argv[++i];
        } else if (strcmp(argv[i], "--index") == 0 && i + 1 < argc) {
            index = (uint32_t)strtoul(argv[++i], NULL, 10);
        } else {
            fprintf(stderr, "usage: %s [--instance NAME] [--index I]\n", argv[0]);
            return 2;
        }
    }
    MYLT_CFG
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    MYLT_R ep;
    int rc = MYLT_OPEN;
    if (rc < 0) {
        fprintf(stderr, "MYLT_NAME %u: open: %s\n", index, myl_strerror(rc));
        return 1;
    }
    MYLT_R_handlers h;
    memset(&h, 0, sizeof h);
    MYLT_SETHANDLERS
    h.on_event = on_event;
    while (!stop) {
        MYLT_SENDS
        rc = MYLT_R_poll(&ep, &h, NULL, 100000000);
        if (rc < 0) {
            fprintf(stderr, "MYLT_NAME %u: poll: %s\n", index, myl_strerror(rc));
            break;
        }
    }
    MYLT_R_close(&ep);
    return rc < 0 ? 1 : 0;
}

/* @@handler */
/* MYLT_FROM -> MYLT_NAME : MYLT_CHANNEL */
static int on_MYLT_N(const MYLT_VIEW *msg, MYLT_R *ep, void *user)
{
    (void)msg;
    (void)ep;
    (void)user;
    /* TODO: handle the message. */
    MYLT_BODY
    return 0;
}
