/* A worker of the test topology (topo_common.h), as a generated stub would
 * run it: joins as worker <index>, says hello on the shared ring, answers
 * every request of its partitioned ring on its direct return ring, obeys
 * the broadcast control ring, and checks liveness while idle.
 *
 *   topo_worker --instance NAME --index I [--prefix P] [--hang-after N]
 *
 * --hang-after N: after N answers, spin forever without a heartbeat (a
 * stalled worker that SIGSTOP cannot fake: it is running). Exit status 0
 * after a graceful leave or a shutdown, 2 when the scheduler died, 1 on an
 * error (printed).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "topo_common.h"

static int fail(const char *what, int rc)
{
    fprintf(stderr, "topo_worker[%d]: %s: %s\n", (int)getpid(), what, myl_strerror(rc));
    return 1;
}

int main(int argc, char **argv)
{
    const char *instance = NULL, *prefix = NULL;
    uint32_t index = 0;
    uint64_t hang_after = 0;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--instance"))
            instance = argv[i + 1];
        else if (!strcmp(argv[i], "--prefix"))
            prefix = argv[i + 1];
        else if (!strcmp(argv[i], "--index"))
            index = (uint32_t)strtoul(argv[i + 1], NULL, 10);
        else if (!strcmp(argv[i], "--hang-after"))
            hang_after = strtoull(argv[i + 1], NULL, 10);
    }
    myl_topo_cfg cfg;
    myl_topo_cfg_init(&cfg);
    cfg.instance = instance;
    cfg.prefix = prefix;
    cfg.liveness.startup_wait_ns = INT64_C(30000000000);
    cfg.liveness.check_interval_ns = INT64_C(5000000);
    myl_topo *t;
    int rc = myl_topo_open(&topo_desc, &cfg, TOPO_ROLE_WORKERS, index, &t);
    if (rc < 0)
        return fail("open", rc);
    char id[MYL_ID_MAX];
    myl_topo_member_id(t, TOPO_ROLE_WORKERS, index, id, sizeof id);
    myl_ring *rq =
        myl_topo_ring(t, TOPO_R_REQUESTS, myl_topo_ring_index(t, TOPO_R_REQUESTS, 0, index));
    myl_ring *rs =
        myl_topo_ring(t, TOPO_R_RESPONSES, myl_topo_ring_index(t, TOPO_R_RESPONSES, index, 0));
    myl_ring *rc_ring = myl_topo_ring(t, TOPO_R_CONTROL, 0);
    myl_ring *rh = myl_topo_ring(t, TOPO_R_HELLO, 0);
    if (!rq || !rs || !rc_ring || !rh)
        return fail("rings", MYL_EINVAL);
    myl_consumer *creq = NULL, *cctl = NULL;
    myl_producer *presp = NULL, *phello = NULL;
    if ((rc = myl_consumer_open(rq, id, NULL, &creq)) < 0)
        return fail("consumer requests", rc);
    if ((rc = myl_consumer_open(rc_ring, id, NULL, &cctl)) < 0)
        return fail("consumer control", rc);
    if ((rc = myl_producer_open(rs, NULL, &presp)) < 0)
        return fail("producer responses", rc);
    if ((rc = myl_producer_open(rh, NULL, &phello)) < 0)
        return fail("producer hello", rc);
    if ((rc = myl_topo_ready(t)) < 0)
        return fail("ready", rc);
    uint8_t ev[16] = {0};
    topo_hello h = {index, (int32_t)getpid()};
    memcpy(ev, &h, sizeof h);
    if ((rc = myl_producer_send(phello, ev, INT64_C(10000000000))) < 0)
        return fail("hello", rc);

    uint64_t answers = 0;
    int status = 0;
    for (;;) {
        uint64_t s;
        int64_t n = myl_consumer_poll(creq, 16, &s, INT64_C(5000000));
        if (n == MYL_EEVICTED) {
            /* Found stalled and evicted (from every ring we read): register
             * again; the owner puts us back into rotation when it sees all
             * our entries. */
            myl_consumer_close(creq);
            myl_consumer_close(cctl);
            creq = cctl = NULL;
            if ((rc = myl_consumer_open(rq, id, NULL, &creq)) < 0)
                return fail("consumer requests (again)", rc);
            if ((rc = myl_consumer_open(rc_ring, id, NULL, &cctl)) < 0)
                return fail("consumer control (again)", rc);
            continue;
        }
        for (int64_t i = 0; i < n; i++) {
            topo_req q;
            memcpy(&q, myl_consumer_slot(creq, s + (uint64_t)i), sizeof q);
            uint8_t out[32] = {0};
            topo_resp a = {q.id, topo_answer(q.x), index, (int32_t)getpid()};
            memcpy(out, &a, sizeof a);
            rc = myl_producer_send(presp, out, MYL_FOREVER);
            if (rc == MYL_ECLOSED)
                goto out;
            if (rc < 0)
                return fail("send response", rc);
            myl_consumer_release(creq, 1);
            if (hang_after && ++answers >= hang_after)
                for (;;) /* stalled: running, no heartbeat, no progress */
                    ;
        }
        if (n == MYL_ECLOSED)
            break;
        if (n < 0 && n != MYL_ETIMEDOUT && n != MYL_EAGAIN)
            return fail("poll requests", (int)n);
        int64_t m = myl_consumer_try_poll(cctl, 8, &s);
        for (int64_t i = 0; i < m; i++) {
            topo_ctl_msg c;
            memcpy(&c, myl_consumer_slot(cctl, s + (uint64_t)i), sizeof c);
            if (c.target != TOPO_ALL && c.target != index)
                continue;
            if (c.cmd == TOPO_CMD_EXIT)
                _exit(0); /* gone without a word */
            if (c.cmd == TOPO_CMD_QUIT) {
                myl_consumer_release(cctl, (uint32_t)m);
                goto out;
            }
        }
        if (m > 0)
            myl_consumer_release(cctl, (uint32_t)m);
        /* Cheap unless the check interval has passed: one clock read. */
        rc = myl_topo_check(t);
        if (rc == MYL_ECLOSED)
            break;
        if (rc == MYL_EPEERDEAD) {
            status = 2;
            break;
        }
    }
out:
    myl_consumer_close(creq);
    myl_consumer_close(cctl);
    myl_producer_close(presp);
    myl_producer_close(phello);
    myl_topo_close(t);
    return status;
}
