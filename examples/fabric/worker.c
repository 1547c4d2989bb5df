/* fabric_worker: one worker of examples/fabric. It joins the topology
 * instance as worker --index, runs the mock model on every request it is
 * given and answers on its return ring, until the scheduler shuts the
 * instance down.
 *
 *   fabric_worker --instance NAME --index I [--think-us N]
 *
 * --think-us: pretend each request takes N microseconds of GPU time
 * (default 0). Started by fabric_demo; runs alone as well. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "inference.myl.h"
#include "mock.h"

typedef struct worker {
    uint64_t handled, cancels;
    long think_ns;
} worker;

static int on_requests(const inference_Request_table *req, inference_Fabric_workers *ep, void *user)
{
    worker *w = user;
    uint32_t prompt[MOCK_MAX_PROMPT], out[MOCK_MAX_OUT];
    uint32_t n = inference_Request_tokens_len(*req);
    if (n > MOCK_MAX_PROMPT)
        n = MOCK_MAX_PROMPT;
    for (uint32_t i = 0; i < n; i++)
        prompt[i] = inference_Request_tokens_at(*req, i);
    const inference_Sampling *s = inference_Request_sampling(*req);
    uint32_t max_tokens = s ? s->max_tokens : 1;
    if (max_tokens > MOCK_MAX_OUT)
        max_tokens = MOCK_MAX_OUT;
    mock_complete(prompt, n, s ? s->seed : 0, max_tokens, out);
    if (w->think_ns) {
        struct timespec ts = {0, w->think_ns};
        nanosleep(&ts, NULL);
    }
    /* The answer is built in place in the return ring's frame. */
    myl_fb_builder b;
    myl_frame_span span;
    myl_fb_ref toks, root;
    int rc = inference_Fabric_workers_begin_responses(ep, &b, NULL, 0, &span, 1000000000);
    if (rc < 0)
        return rc;
    inference_Response_create_tokens(&b, out, max_tokens, &toks);
    inference_Response_start(&b);
    inference_Response_add_request_id(&b, inference_Request_request_id(*req));
    inference_Response_add_worker(&b, ep->index);
    inference_Response_add_tokens(&b, toks);
    inference_Response_end(&b, &root);
    rc = inference_Fabric_workers_commit_responses(ep, &b, root, &span, 1000000000);
    if (rc == 0)
        w->handled++;
    return rc;
}

static int on_cancels(const inference_Cancel_table *c, inference_Fabric_workers *ep, void *user)
{
    (void)c;
    (void)ep;
    ((worker *)user)->cancels++;
    return 0;
}

int main(int argc, char **argv)
{
    myl_topo_cfg cfg;
    myl_topo_cfg_init(&cfg);
    uint32_t index = 0;
    worker w = {0};
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--instance") && i + 1 < argc)
            cfg.instance = argv[++i];
        else if (!strcmp(argv[i], "--index") && i + 1 < argc)
            index = (uint32_t)strtoul(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--think-us") && i + 1 < argc)
            w.think_ns = strtol(argv[++i], NULL, 10) * 1000;
        else {
            fprintf(stderr, "usage: %s --instance NAME --index I [--think-us N]\n", argv[0]);
            return 2;
        }
    }
    inference_Fabric_workers ep;
    int rc = inference_Fabric_workers_open(&cfg, index, &ep);
    if (rc < 0) {
        fprintf(stderr, "worker %u: open: %s\n", index, myl_strerror(rc));
        return 1;
    }
    inference_Fabric_workers_handlers h;
    memset(&h, 0, sizeof h);
    h.on_requests = on_requests;
    h.on_cancels = on_cancels;
    for (;;) {
        rc = inference_Fabric_workers_poll(&ep, &h, &w, 100000000);
        if (rc < 0)
            break;
    }
    inference_Fabric_workers_close(&ep);
    /* The scheduler shutting the instance down is the normal end. */
    return rc == MYL_ECLOSED ? 0 : (fprintf(stderr, "worker %u: %s\n", index, myl_strerror(rc)), 1);
}
