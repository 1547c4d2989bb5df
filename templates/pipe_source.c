/* Template of the pipeline part of a generated source file
 * (gen/emit_pipe.c); conventions as in header.h. */

/* @@pipe */
/* Pipeline MYLT_NAME: the runtime's application callbacks over the typed
 * handlers. A record is MYLT_RECORD (type MYLT_T_TYPE) or a
 * tick; an output is a u32 output index, a u32 kind (0 for events) and the
 * event or message. */
static int MYLT_T_RESET(void *arg)
{
    const MYLT_T_ctx *x = (const MYLT_T_ctx *)arg;
    return x->px->h.reset(x->state);
}

static int MYLT_T_SAVE(void *arg, void **payload, uint64_t *size)
{
    const MYLT_T_ctx *x = (const MYLT_T_ctx *)arg;
    if (!x->px->h.save)
        return MYL_EINVAL;
    return x->px->h.save(x->state, payload, size);
}

static int MYLT_T_RESTORE(void *arg, const void *payload, uint64_t size, uint32_t app_version)
{
    const MYLT_T_ctx *x = (const MYLT_T_ctx *)arg;
    if (!x->px->h.restore)
        return MYL_EINVAL;
    return x->px->h.restore(x->state, payload, size, app_version);
}

static int MYLT_T_APPLY(void *arg, const myl_journal_record *rec, myl_pipeline_out *o)
{
    const MYLT_T_ctx *x = (const MYLT_T_ctx *)arg;
    const MYLT_T_handlers *h = &x->px->h;
    int rc = 0;
    if (rec->type == MYL_PIPELINE_TICK) {
        uint64_t now = 0;
        if (rec->len != sizeof now)
            return MYL_ECORRUPT;
        memcpy(&now, rec->data, sizeof now);
        return h->on_tick ? h->on_tick(x->state, rec->seq, now) : 0;
    }
    if (rec->type != MYLT_T_TYPE)
        return MYL_EFINGERPRINT;
    (void)o;
    MYLT_APPLYIN
    /* The stages, in an order that respects `after`. */
    MYLT_STAGECALLS
    return rc;
}

static void MYLT_T_DELIVER(void *arg, uint64_t seq, const void *data, uint32_t len)
{
    MYLT_T *px = (MYLT_T *)arg;
    const unsigned char *m = (const unsigned char *)data;
    uint32_t index = UINT32_MAX;
    if (len >= 8)
        memcpy(&index, m, sizeof index);
    (void)px;
    (void)seq;
    switch (index) {
        MYLT_DELIVERCASES
    default:
        break;
    }
}

void MYLT_T_cfg_init(MYLT_T_cfg *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->opts.size = sizeof cfg->opts;
    cfg->opts.journal.size = sizeof cfg->opts.journal;
    cfg->opts.journal.sync = MYLT_T_SYNC;
    cfg->send_timeout_ns = 1000000000;
    MYLT_CFGINIT
}

/* how: 0 create, 1 recover, 2 recover or else create. */
static int MYLT_T_START(const char *dir, const MYLT_T_cfg *cfg, const MYLT_T_handlers *h,
                        MYLT_T *px, int how)
{
    if (!px)
        return MYL_EINVAL;
    memset((void *)px, 0, sizeof *px);
    if (!dir || !cfg || !h || !h->reset || !cfg->state)
        return MYL_EINVAL;
    px->h = *h;
    px->main.px = px;
    px->main.state = cfg->state;
    px->shadow.px = px;
    px->shadow.state = cfg->shadow_state;
    px->send_timeout_ns = cfg->send_timeout_ns;
    px->app.size = sizeof px->app;
    px->app.app_version = h->app_version;
    px->app.state = &px->main;
    px->app.shadow_state = cfg->shadow_state ? &px->shadow : NULL;
    px->app.reset = MYLT_T_RESET;
    px->app.apply = MYLT_T_APPLY;
    px->app.save = MYLT_T_SAVE;
    px->app.restore = MYLT_T_RESTORE;
    px->app.deliver = MYLT_T_DELIVER;
    px->app.deliver_arg = px;
    int rc = 0;
    MYLT_ALLOCS
    if (cfg->input) {
        const char *id = cfg->input_id ? cfg->input_id : "MYLT_NAME";
        if ((rc = MYLT_INCHAN_MYLT_RX_open(cfg->input, id, NULL, &px->rx)) < 0)
            goto fail;
        px->rx_on = true;
    }
    MYLT_TXOPENS
    if (how == 0)
        rc = myl_pipeline_create(dir, &px->app, &cfg->opts, &px->p);
    else
        rc = myl_pipeline_recover(dir, &px->app, &cfg->opts, &px->p);
    if (how == 2 && rc == -ENOENT)
        rc = myl_pipeline_create(dir, &px->app, &cfg->opts, &px->p);
    if (rc < 0)
        goto fail;
    MYLT_RESUME
    return 0;
fail:
    (void)MYLT_T_close(px);
    return rc;
}

int MYLT_T_create(const char *dir, const MYLT_T_cfg *cfg, const MYLT_T_handlers *h, MYLT_T *px)
{
    return MYLT_T_START(dir, cfg, h, px, 0);
}

int MYLT_T_recover(const char *dir, const MYLT_T_cfg *cfg, const MYLT_T_handlers *h, MYLT_T *px)
{
    return MYLT_T_START(dir, cfg, h, px, 1);
}

int MYLT_T_open(const char *dir, const MYLT_T_cfg *cfg, const MYLT_T_handlers *h, MYLT_T *px)
{
    return MYLT_T_START(dir, cfg, h, px, 2);
}

MYLT_SUBMITS

int MYLT_T_commit(MYLT_T *px)
{
    if (!px || !px->p)
        return MYL_EINVAL;
    int rc = myl_pipeline_commit(px->p);
    if (rc >= 0 && px->error)
        rc = px->error;
    return rc;
}

int MYLT_T_run(MYLT_T *px)
{
    if (!px || !px->p)
        return MYL_EINVAL;
    uint32_t idle = 0;
    int rc = 0;
    /* A flag only, nothing published with it: pairs with the relaxed
     * store of _stop. */
    while (!myl__load_relaxed(&px->stop)) {
        int64_t n = 0;
        MYLT_POLL
        if ((rc = myl_pipeline_tick(px->p)) < 0)
            return rc;
        /* Written to the journal's file: the input goes back to the ring
         * even when an output failed (px->error, returned after), or the
         * next run would take it, and journal it, again. */
        if ((rc = myl_pipeline_commit(px->p)) < 0)
            return rc;
        MYLT_RELEASE
        if (px->error)
            return px->error;
        if (n > 0) {
            idle = 0;
            continue;
        }
        if (idle < 64u) {
            myl__cpu_relax();
        } else if (idle < 256u) {
            sched_yield();
        } else {
            struct timespec ts = {0, 50000};
            nanosleep(&ts, NULL);
        }
        if (idle < UINT32_MAX)
            idle++;
    }
    return 0;
}

void MYLT_T_stop(MYLT_T *px)
{
    /* Pairs with the relaxed load in _run: a flag only. Async-signal-safe
     * (a lock-free store). */
    if (px)
        myl__store_relaxed(&px->stop, 1u);
}

int MYLT_T_snapshot(MYLT_T *px)
{
    if (!px || !px->p)
        return MYL_EINVAL;
    int rc = myl_pipeline_rotate(px->p);
    if (rc >= 0 && px->error)
        rc = px->error;
    return rc;
}

int MYLT_T_close(MYLT_T *px)
{
    if (!px)
        return MYL_EINVAL;
    int rc = 0;
    if (px->p)
        rc = myl_pipeline_close(px->p);
    px->p = NULL;
    /* Detached, not closed: the input's position stays registered and
     * keeps gating its ring, so that what is sent while the pipeline is
     * down waits for the next open (which resumes it) instead of being
     * skipped by a new registration. */
    if (px->rx_on)
        MYLT_RXDETACH;
    px->rx_on = false;
    MYLT_TXCLOSES
    MYLT_FREES
    return rc;
}

/* @@apply_event */
MYLT_IN in;
if (rec->len != sizeof in)
    return MYL_ECORRUPT;
memcpy(&in, rec->data, sizeof in);

/* @@apply_framed */
uint32_t kind = 0;
if (rec->len < 8)
    return MYL_ECORRUPT;
memcpy(&kind, rec->data, sizeof kind);
if (kind > UINT16_MAX)
    return MYL_ECORRUPT;
const void *msg = (const unsigned char *)rec->data + 8;
uint32_t len = rec->len - 8;

/* @@decode_bytes */
(void)msg;
(void)len;

/* @@decode_compact */
MYLT_IN in;
MYLT_ARENARESET
int drc = MYLT_DECODE;
if (drc < 0)
    return drc;

/* @@decode_fb */
int vrc = MYLT_IN_verify(msg, len);
if (vrc < 0)
    return vrc;
MYLT_IN_table in = MYLT_IN_root(msg);
(void)in; /* a pipeline of the journal stage alone reads nothing */

/* @@submit_event */
/* Journal and apply one input event. */
static int MYLT_T_PUT(MYLT_T *px, const MYLT_IN *in, uint64_t *seq)
{
    return myl_pipeline_submit(px->p, MYLT_T_TYPE, in, (uint32_t)sizeof *in, seq);
}

int MYLT_T_submit(MYLT_T *px, const MYLT_IN *in, uint64_t *seq)
{
    if (!px || !px->p || !in)
        return MYL_EINVAL;
    /* not from the input ring: a mark still counting must not count it */
    int rc = myl_pipeline_input_close(px->p);
    if (rc >= 0)
        rc = MYLT_T_PUT(px, in, seq);
    return rc;
}

/* @@submit_framed */
/* Journal the message at px->ibuf + 8 (len bytes) with its kind and the
 * input ring positions it took (its span: 0 when submitted by hand). */
static int MYLT_T_JOURNAL(MYLT_T *px, size_t len, uint16_t kind, uint32_t span, uint64_t *seq)
{
    uint32_t k = kind;
    memcpy(px->ibuf, &k, sizeof k);
    memcpy(px->ibuf + 4, &span, sizeof span);
    return myl_pipeline_submit(px->p, MYLT_T_TYPE, px->ibuf, (uint32_t)(8 + len), seq);
}

/* A message is checked before it is journaled: one that apply would
 * refuse would fail the pipeline again at every replay. */
static int MYLT_T_CHECK(MYLT_T *px, const void *msg, size_t len)
{
    if (len > MYLT_MAXINu)
        return MYL_ETOOBIG;
    MYLT_CHECKBODY
}

static int MYLT_T_PUT(MYLT_T *px, const void *msg, size_t len, uint16_t kind, uint32_t span,
                      uint64_t *seq)
{
    if (len)
        memcpy(px->ibuf + 8, msg, len);
    return MYLT_T_JOURNAL(px, len, kind, span, seq);
}

/* @@submit_bytes */
int MYLT_T_submit(MYLT_T *px, const void *msg, size_t len, uint16_t kind, uint64_t *seq)
{
    if (!px || !px->p || (!msg && len))
        return MYL_EINVAL;
    int rc = MYLT_T_CHECK(px, msg, len);
    return rc < 0 ? rc : MYLT_T_PUT(px, msg, len, kind, 0, seq);
}

/* @@submit_compact */
int MYLT_T_submit(MYLT_T *px, const MYLT_IN *in, uint16_t kind, uint64_t *seq)
{
    if (!px || !px->p || !in)
        return MYL_EINVAL;
    size_t len = 0;
    int rc = MYLT_IN_compact_encode(in, px->ibuf + 8, MYLT_MAXINu, &len);
    if (rc == 0) /* what apply would refuse, as the run's poll checks it */
        rc = MYLT_T_CHECK(px, px->ibuf + 8, len);
    return rc < 0 ? rc : MYLT_T_JOURNAL(px, len, kind, 0, seq);
}

/* @@resume_event */
/* Where the journal's input marks leave this ring: what a run killed
 * before its release journaled is skipped, not journaled again. */
if (px->rx_on) {
    px->in_source = myl_ring_instance(px->rx.c->ring);
    if (myl_pipeline_input_position(px->p, px->in_source, &px->skip_until) < 0)
        px->skip_until = 0;
}

/* @@poll_event */
if (px->rx_on) {
    uint64_t seq = 0;
    n = MYLT_INCHAN_consumer_try_poll(&px->rx, 256, &seq);
    if (n == MYL_EOVERRUN) /* a lossy input lapped: the ring moved on */
        px->lost += myl_consumer_take_lost(px->rx.c);
    if (n == MYL_EAGAIN || n == MYL_EOVERRUN)
        n = 0;
    if (n < 0)
        return (int)n;
    if (n > 0 && seq < px->skip_until) {
        /* journaled before a restart: released, not journaled again */
        if ((uint64_t)n > px->skip_until - seq)
            n = (int64_t)(px->skip_until - seq);
    } else if (n > 0) {
        /* A mark first, unless the last one counts on from here: a kill
         * after k of the n records leaves the journal's position at
         * seq + k, where the ring starts again. */
        rc = myl_pipeline_input_begin(px->p, px->in_source, seq, (uint32_t)n, false);
        if (rc < 0)
            return rc;
        for (int64_t i = 0; i < n; i++) {
            MYLT_IN in;
            memcpy(&in, MYLT_INCHAN_consumer_slot(&px->rx, seq + (uint64_t)i), sizeof in);
            if (!MYLT_INCHAN_consumer_valid(&px->rx, seq + (uint64_t)i)) {
                n = i;
                break;
            }
            if ((rc = MYLT_T_PUT(px, &in, NULL)) < 0)
                return rc;
        }
    }
    px->held = (uint32_t)n; /* released after the commit (n >= 0 here) */
}

/* @@release_event */
/* Released only now that the commit wrote them to the journal's file (a
 * kill before it loses what the journal still buffered: the ring gives
 * it again; one after it: the marks skip it). */
if (px->held) {
    MYLT_INCHAN_consumer_release(&px->rx, px->held);
    px->held = 0;
}

/* @@resume_framed */
/* The receiver holds what it receives until the commit (a lossy ring
 * cannot: nothing is marked); the journal's marks say where the ring
 * stands, and what a run killed before its release journaled is skipped,
 * not journaled again. */
if (px->rx_on) {
    px->holding = myl_defrag_hold(px->rx.d, true) == 0;
    px->in_source = myl_ring_instance(myl_defrag_consumer(px->rx.d)->ring);
    if (!px->holding || myl_pipeline_input_position(px->p, px->in_source, &px->skip_until) < 0)
        px->skip_until = 0;
}

/* @@poll_framed */
if (px->rx_on) {
    /* where the messages not yet journaled begin: a message's span runs
     * from there to its end, so frames skipped or rejected go with it */
    uint64_t at = myl_defrag_position(px->rx.d);
    bool marked = false;
    while (n < 256) {
        myl_frame_msg m;
        int r = MYLT_INCHAN_receiver_recv(&px->rx, &m, 0);
        if (r == MYL_EAGAIN || r == MYL_ETIMEDOUT || r == MYL_EHELD)
            break; /* MYL_EHELD: given back after the commit, then read */
        if (r < 0)
            return r;
        n++;
        uint64_t end = myl_defrag_position(px->rx.d);
        if (end <= px->skip_until) {
            /* journaled before a restart: released, not journaled again */
            MYLT_INCHAN_receiver_release(&px->rx);
            at = end;
            continue;
        }
        if (MYLT_T_CHECK(px, m.data, m.len) < 0) {
            px->rejected++; /* never journaled */
            MYLT_INCHAN_receiver_release(&px->rx);
            continue;
        }
        uint32_t span = 0;
        if (px->holding) {
            if (end - at > UINT32_MAX)
                return MYL_ECORRUPT; /* 2^32 frames skipped before one message */
            span = (uint32_t)(end - at);
            /* A mark first, unless the last one counts on from here: a
             * kill after k of the messages leaves the journal's position
             * at the end of the k-th. */
            if (!marked && (rc = myl_pipeline_input_begin(px->p, px->in_source, at, 256, true)) < 0)
                return rc;
            marked = true;
        }
        rc = MYLT_T_PUT(px, m.data, m.len, m.kind, span, NULL);
        at = end;
        MYLT_INCHAN_receiver_release(&px->rx);
        if (rc < 0)
            return rc;
    }
}

/* @@release_framed */
/* Given back only now that the commit wrote them to the journal's file
 * (a kill before it loses what the journal still buffered: the ring
 * gives it again; one after it: the marks skip it). */
if (px->holding)
    (void)myl_defrag_hold(px->rx.d, true);

/* @@send */
int MYLT_T_MYLT_S_send(MYLT_T_MYLT_S_out *out, const MYLT_OUT *m)
{
    unsigned char buf[8 + sizeof *m];
    uint32_t index = MYLT_INDEXu;
    if (!out || !m)
        return MYL_EINVAL;
    memset(buf, 0, 8);
    memcpy(buf, &index, sizeof index);
    memcpy(buf + 8, m, sizeof *m);
    return myl_pipeline_emit(out->out, buf, (uint32_t)sizeof buf);
}

/* @@send_bytes */
int MYLT_T_MYLT_S_send(MYLT_T_MYLT_S_out *out, const void *msg, size_t len, uint16_t kind)
{
    if (!out || (!msg && len))
        return MYL_EINVAL;
    if (!out->out)
        return 0; /* replay: nothing is sent */
    if (len > MYLT_MAXu)
        return MYL_ETOOBIG;
    uint32_t index = MYLT_INDEXu, k = kind;
    memcpy(out->buf, &index, sizeof index);
    memcpy(out->buf + 4, &k, sizeof k);
    if (len)
        memcpy(out->buf + 8, msg, len);
    return myl_pipeline_emit(out->out, out->buf, (uint32_t)(8 + len));
}

/* @@send_compact */
int MYLT_T_MYLT_S_send(MYLT_T_MYLT_S_out *out, const MYLT_OUT *m, uint16_t kind)
{
    if (!out || !m)
        return MYL_EINVAL;
    if (!out->out)
        return 0; /* replay: nothing is sent */
    size_t len = 0;
    int rc = MYLT_OUT_compact_encode(m, out->buf + 8, MYLT_MAXu, &len);
    if (rc < 0)
        return rc;
    uint32_t index = MYLT_INDEXu, k = kind;
    memcpy(out->buf, &index, sizeof index);
    memcpy(out->buf + 4, &k, sizeof k);
    return myl_pipeline_emit(out->out, out->buf, (uint32_t)(8 + len));
}

/* @@deliver_framed */
case MYLT_INDEXu: {
    uint32_t kind = 0;
    memcpy(&kind, m + 4, sizeof kind);
    if (px->h.MYLT_S_released)
        px->h.MYLT_S_released(px->h.released_arg, seq, m + 8, len - 8, (uint16_t)kind);
    if (px->MYLT_S_on) {
        int rc = MYLT_OUTCHAN_sender_send(&px->MYLT_S_tx, m + 8, len - 8, (uint16_t)kind,
                                          px->send_timeout_ns);
        if (rc < 0) {
            px->dropped++;
            if (!px->error)
                px->error = rc;
        }
    }
    break;
}

/* @@deliver */
case MYLT_INDEXu: {
    MYLT_OUT ev;
    if (len != 8 + sizeof ev)
        break;
    memcpy(&ev, m + 8, sizeof ev);
    if (px->h.MYLT_S_released)
        px->h.MYLT_S_released(px->h.released_arg, seq, &ev);
    if (px->MYLT_S_on) {
        int rc = MYLT_OUTCHAN_producer_send(&px->MYLT_S_tx, &ev, px->send_timeout_ns);
        if (rc < 0) {
            px->dropped++;
            if (!px->error)
                px->error = rc;
        }
    }
    break;
}
