/* Emit: pipelines as typed stage handlers and a runner (docs/myl.md,
 * "Pipelines"), from templates/pipe_header.h and templates/pipe_source.c,
 * on top of the runtime's myelon/pipeline.h; the stubs of --stubs from
 * templates/pipe_stub.c. Also the checks that only emission needs (the
 * input and output channels carry events over one ring; one durable
 * stage, the journal, first) and the C names a pipeline claims: the names
 * written here are the ones mylc_check_pipeline_emit() claims.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "myelon/journal.h" /* MYL_JOURNAL_SYNC_* */
#include "mylc.h"
#include "template.h"

static const char *pfmt(mylc_ctx *c, const char *f, ...) __attribute__((format(printf, 2, 3)));
static const char *pfmt(mylc_ctx *c, const char *f, ...)
{
    va_list ap;
    va_start(ap, f);
    int n = vsnprintf(NULL, 0, f, ap);
    va_end(ap);
    if (n < 0)
        n = 0;
    char *s = mylc_alloc(&c->arena, (size_t)n + 1);
    va_start(ap, f);
    vsnprintf(s, (size_t)n + 1, f, ap);
    va_end(ap);
    return s;
}

static const char *pstr(mylc_ctx *c, mylc_str s)
{
    return mylc_strdup(&c->arena, s.p, s.n);
}

static const char *text_of(mylc_ctx *c, mylc_buf *b)
{
    const char *r = mylc_strdup(&c->arena, b->p ? b->p : "", b->n);
    mylc_buf_free(b);
    return r;
}

/* b's text with every non-empty line indented by ind. */
static const char *indent(mylc_ctx *c, mylc_buf *b, const char *ind)
{
    mylc_buf out = {0};
    const char *p = b->p, *end = p ? p + b->n : NULL; /* NULL + 0 is undefined */
    while (p && p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        if (!eol)
            eol = end;
        if (eol > p)
            mylc_buf_printf(&out, "%s%.*s", ind, (int)(eol - p), p);
        if (eol < end)
            mylc_buf_putc(&out, '\n');
        p = eol + 1;
    }
    while (out.n && out.p[out.n - 1] == '\n')
        out.n--;
    mylc_buf_free(b);
    return text_of(c, &out);
}

/* A line of b, separated from the previous one by a newline. */
static void line(mylc_buf *b, const char *s)
{
    if (b->n)
        mylc_buf_putc(b, '\n');
    mylc_buf_puts(b, s);
}

/* What a pipeline's input or output channel is, a row of pipe_kinds each:
 * the handler's and the sender's parameters and the template sections of
 * each side. */
typedef enum pipe_kind { PK_EVENT, PK_BYTES, PK_COMPACT, PK_FB, PK_COUNT, PK_NONE } pipe_kind;

typedef struct pipe_kind_row {
    const char *name;
    /* the input side: receiving endpoint, handler parameters and the
     * arguments passed (%s: the carried type's C name), the record's
     * decoding section (after apply_framed for a framed one), the submit
     * and poll sections */
    const char *rx, *params, *args, *decode, *submit, *poll;
    /* the output side: sending endpoint, _send() and _released parameters
     * (%s as above), the send and deliver sections, the stub's answer */
    const char *tx, *send_params, *released_params, *send, *deliver, *answer;
    bool framed;
} pipe_kind_row;

static const pipe_kind_row pipe_kinds[PK_COUNT] = {
    [PK_EVENT] = {"event", "consumer", "const %s *in", "&in", "apply_event", "submit_event",
                  "poll_event", "producer", "const %s *m", "const %s *m", "send", "deliver",
                  "answer_event", false},
    [PK_BYTES] = {"bytes", "receiver", "const void *msg, size_t len, uint16_t kind",
                  "msg, len, (uint16_t)kind", "decode_bytes", "submit_bytes", "poll_framed",
                  "sender", "const void *msg, size_t len, uint16_t kind",
                  "const void *msg, size_t len, uint16_t kind", "send_bytes", "deliver_framed",
                  "answer_bytes", true},
    [PK_COMPACT] = {"compact", "receiver", "const %s *in", "&in", "decode_compact",
                    "submit_compact", "poll_framed", "sender", "const %s *m, uint16_t kind",
                    "const void *msg, size_t len, uint16_t kind", "send_compact", "deliver_framed",
                    "answer_compact", true},
    [PK_FB] = {"FlatBuffers", "receiver", "%s_table in", "in", "decode_fb", "submit_bytes",
               "poll_framed", "sender", "const void *msg, size_t len, uint16_t kind",
               "const void *msg, size_t len, uint16_t kind", "send_bytes", "deliver_framed",
               "answer_fb", true},
};

/* The kind of a pipeline's channel: events one per slot of one ring, or
 * bytes, compact or FlatBuffers messages over one framed ring; PK_NONE for
 * anything else (groups: size classes, lanes). */
static pipe_kind kind_of(const mylc_decl *ch)
{
    if (!ch || ch->kind != MYLC_D_CHANNEL)
        return PK_NONE;
    const mylc_decl *t = ch->chan.carries.decl;
    if (ch->chan.shape == MYLC_CS_RING)
        return t && t->kind == MYLC_D_EVENT ? PK_EVENT : PK_NONE;
    if (ch->chan.shape != MYLC_CS_FRAMED)
        return PK_NONE;
    if (ch->chan.carries.base == MYLC_T_BYTES && !t)
        return PK_BYTES;
    if (!t)
        return PK_NONE;
    if (ch->chan.codec == MYLC_CODEC_COMPACT)
        return PK_COMPACT;
    return ch->chan.codec == MYLC_CODEC_FLATBUFFERS && t->kind == MYLC_D_TABLE ? PK_FB : PK_NONE;
}

/* The C name of what a channel carries ("" for bytes). */
static const char *carried(const mylc_decl *ch)
{
    const mylc_decl *t = ch->chan.carries.decl;
    return t ? t->cname : "";
}

/* The stages in the order the generated apply calls them: each after
 * those it is `after`, ties in declaration order. */
static uint32_t stage_order(const mylc_decl *d, mylc_stage **out, uint32_t cap)
{
    uint32_t n = 0, total = 0;
    for (mylc_stage *st = d->stages; st; st = st->next)
        total++;
    while (n < total && n < cap) {
        mylc_stage *pick = NULL;
        for (mylc_stage *st = d->stages; st && !pick; st = st->next) {
            bool placed = false, ready = true;
            for (uint32_t i = 0; i < n; i++)
                placed = placed || out[i] == st;
            for (uint32_t k = 0; k < st->nafter && ready; k++) {
                bool dep = false;
                for (uint32_t i = 0; i < n; i++)
                    dep = dep || out[i] == st->after[k];
                ready = dep;
            }
            if (!placed && ready)
                pick = st;
        }
        if (!pick)
            break; /* a cycle: reported by the checks */
        out[n++] = pick;
    }
    return n;
}

#define MAX_STAGES 256

void mylc_check_pipeline_emit(mylc_ctx *c, mylc_schema *s, mylc_decl *d)
{
#define ERR(off, ...) mylc_error(c, s->file, (off), __VA_ARGS__)
    if (d->input && kind_of(d->input) == PK_NONE)
        ERR(d->off,
            "the input of pipeline '%.*s' must be a channel of events, one per ring slot, or "
            "of messages over one framed ring ('%.*s' is not)",
            (int)d->name.n, d->name.p, (int)d->input->name.n, d->input->name.p);
    const mylc_stage *durable = NULL;
    for (const mylc_stage *st = d->stages; st; st = st->next) {
        if (st->output && kind_of(st->output) == PK_NONE)
            ERR(st->off,
                "the output of stage '%.*s' must be a channel of events, one per ring slot, or "
                "of messages over one framed ring ('%.*s' is not)",
                (int)st->name.n, st->name.p, (int)st->output->name.n, st->output->name.p);
        if (!st->durable)
            continue;
        if (durable) {
            ERR(st->off, "a pipeline has one durable stage (its journal)");
            mylc_note(c, s->file, durable->off, "the first is here");
        }
        durable = st;
        if (st->nafter)
            ERR(st->off, "the durable stage '%.*s' is the journal: it comes first, not 'after'",
                (int)st->name.n, st->name.p);
        if (st->output)
            ERR(st->off, "the durable stage '%.*s' is the journal: it has no output",
                (int)st->name.n, st->name.p);
    }
    /* A stage's name makes members and locals of the generated code
     * (handlers.<s>, <s>_released, <s>_tx, <s>_on; the stub's on_<s>,
     * <s>_ring, --<s>): these would be another member's or helper's. */
    static const char *const taken[] = {"on_tick",     "reset", "save",   "restore", "released_arg",
                                        "app_version", "rx",    "signal", "tick",    "in",
                                        "dir",         "input", NULL};
    for (const mylc_stage *st = d->stages; st; st = st->next)
        for (const char *const *k = taken; *k; k++)
            if (mylc_str_eq(st->name, *k))
                ERR(st->off,
                    "stage name '%s' is taken by the generated runner or its stub (a member, "
                    "a helper or an option of the same name)",
                    *k);
                /* The C names (emit below). */
#define CLAIM(n, what) mylc_name_claim(c, (n), s->file, d->off, (what))
    const char *t = d->cname;
    CLAIM(t, "pipeline");
    static const char *const calls[] = {"TYPE",   "SYNC",     "tick_fn", "handlers", "cfg",
                                        "ctx",    "cfg_init", "create",  "recover",  "open",
                                        "submit", "commit",   "run",     "stop",     "snapshot",
                                        "close",  NULL};
    for (const char *const *k = calls; *k; k++)
        CLAIM(mylc_name_join(c, t, *k), "pipeline");
    static const char *const helpers[] = {"RESET",   "SAVE",  "RESTORE", "APPLY",
                                          "DELIVER", "START", "PUT",     NULL};
    for (const char *const *k = helpers; *k; k++)
        CLAIM(mylc_name_join(c, t, *k), "pipeline helper");
    static const char *const framed[] = {"CHECK", "JOURNAL", NULL};
    pipe_kind ik = kind_of(d->input);
    for (const char *const *k = framed; ik < PK_COUNT && pipe_kinds[ik].framed && *k; k++)
        CLAIM(mylc_name_join(c, t, *k), "pipeline helper");
    for (const mylc_stage *st = d->stages; st; st = st->next) {
        bool dup = false; /* reported by the checks */
        for (const mylc_stage *q = d->stages; q != st; q = q->next)
            dup = dup || mylc_str_same(q->name, st->name);
        if (st->durable || dup)
            continue;
        const char *sn = mylc_name_join(c, t, pstr(c, st->name));
        CLAIM(mylc_name_join(c, sn, "fn"), "pipeline stage");
        if (st->output) {
            CLAIM(mylc_name_join(c, sn, "out"), "pipeline stage");
            CLAIM(mylc_name_join(c, sn, "send"), "pipeline stage");
            CLAIM(mylc_name_join(c, sn, "released_fn"), "pipeline stage");
        }
    }
#undef CLAIM
#undef ERR
}

bool mylc_has_pipeline(const mylc_schema *s)
{
    for (const mylc_decl *d = s->decls; d; d = d->next)
        if (d->kind == MYLC_D_PIPELINE && d->input)
            return true;
    return false;
}

/* The journal's sync policy from the durable stage: `fsync batch` syncs
 * every commit, `fsync` groups commits, neither never syncs. */
static const char *sync_macro(const mylc_decl *d)
{
    for (const mylc_stage *st = d->stages; st; st = st->next)
        if (st->durable)
            return !st->fsync  ? "MYL_JOURNAL_SYNC_NONE"
                   : st->batch ? "MYL_JOURNAL_SYNC_BATCH"
                               : "MYL_JOURNAL_SYNC_GROUP";
    return "MYL_JOURNAL_SYNC_NONE";
}

/* The input side's holes: a compact message's decoding (and its arena's
 * reset) in apply, and the check of a framed message before it is
 * journaled. */
static void input_holes(mylc_ctx *c, const mylc_decl *d, pipe_kind k, mylc_buf *checkbody,
                        const char **decode, const char **reset)
{
    const char *ic = carried(d->input);
    const mylc_decl *t = d->input->chan.carries.decl;
    bool arena = k == PK_COMPACT && t->kind == MYLC_D_TABLE;
    *reset = arena ? "myl_carena_reset(x->arena);" : "";
    *decode = k == PK_COMPACT
                  ? pfmt(c, "%s_compact_decode(&in, msg, len%s)", ic, arena ? ", x->arena" : "")
                  : "";
    switch (k) {
    case PK_BYTES:
        line(checkbody, "(void)px;\n(void)msg;\nreturn 0;");
        break;
    case PK_COMPACT:
        line(checkbody, arena ? pfmt(c, "const %s_ctx *x = &px->main;", d->cname) : "(void)px;");
        line(checkbody, pfmt(c, "%s in;", ic));
        if (arena)
            line(checkbody, "myl_carena_reset(x->arena);");
        line(checkbody, pfmt(c, "return %s;", *decode));
        break;
    case PK_FB:
        line(checkbody, pfmt(c, "(void)px;\nreturn %s_verify(msg, len);", ic));
        break;
    default:
        break;
    }
}

void mylc_emit_pipeline(mylc_ctx *c, mylc_schema *s, mylc_decl *d, mylc_buf *h, mylc_buf *src,
                        bool first)
{
    (void)s;
    const char *t = d->cname;
    pipe_kind ik = kind_of(d->input);
    const pipe_kind_row *ir = &pipe_kinds[ik];
    const char *ic = carried(d->input);
    const mylc_decl *it = d->input->chan.carries.decl;
    bool arena = ik == PK_COMPACT && it->kind == MYLC_D_TABLE;
    uint64_t maxin = d->input->chan.max_message, maxout = 0;
    mylc_stage *order[MAX_STAGES];
    uint32_t n = stage_order(d, order, MAX_STAGES);
    mylc_buf outtypes = {0}, stagetypes = {0}, stagefields = {0}, released = {0}, cfgrings = {0},
             txfields = {0}, sendcalls = {0}, stagecalls = {0}, delivers = {0}, txopens = {0},
             txcloses = {0}, sends = {0}, list = {0}, checkbody = {0}, pxfields = {0}, allocs = {0},
             frees = {0};
    uint32_t index = 0;
    for (uint32_t i = 0; i < n; i++) {
        mylc_stage *st = order[i];
        const char *sn = pstr(c, st->name);
        if (list.n)
            mylc_buf_puts(&list, ", ");
        if (st->durable) {
            mylc_buf_printf(&list, "%s (durable%s%s)", sn, st->fsync ? ", fsync" : "",
                            st->batch ? ", batch" : "");
            continue;
        }
        mylc_buf_printf(&list, "%s", sn);
        const char *fn = pfmt(c, "%s_%s_fn", t, sn);
        const char *params = pfmt(c, ir->params, ic);
        if (!st->output) {
            line(&stagetypes,
                 pfmt(c, "typedef int %s(void *state, uint64_t seq, %s);", fn, params));
            line(&stagecalls, pfmt(c,
                                   "if (h->%s && (rc = h->%s(x->state, rec->seq, %s)) < 0)\n"
                                   "    return rc;",
                                   sn, sn, ir->args));
        } else {
            pipe_kind ok = kind_of(st->output);
            const pipe_kind_row *orow = &pipe_kinds[ok];
            const char *ot = carried(st->output);
            const char *oc = st->output->cname;
            const char *outt = pfmt(c, "%s_%s_out", t, sn);
            uint64_t mx = st->output->chan.max_message;
            if (orow->framed && mx > maxout)
                maxout = mx;
            mylc_buf_printf(&list, " (output %.*s)", (int)st->output->name.n, st->output->name.p);
            line(&outtypes, pfmt(c,
                                 "typedef struct %s {\n"
                                 "    myl_pipeline_out *out;%s\n"
                                 "} %s;",
                                 outt, orow->framed ? "\n    unsigned char *buf;" : "", outt));
            line(&stagetypes, pfmt(c,
                                   "typedef int %s(void *state, uint64_t seq, %s, "
                                   "%s *out);",
                                   fn, params, outt));
            line(&stagetypes,
                 pfmt(c, "typedef void %s_%s_released_fn(void *arg, uint64_t seq, %s);", t, sn,
                      pfmt(c, orow->released_params, ot)));
            line(&released, pfmt(c, "%s_%s_released_fn *%s_released;", t, sn, sn));
            line(&cfgrings, pfmt(c, "myl_ring *%s_ring;", sn));
            line(&txfields, pfmt(c, "%s_%s %s_tx;\nbool %s_on;", oc, orow->tx, sn, sn));
            line(&sendcalls, pfmt(c, "int %s_%s_send(%s *out, %s);", t, sn, outt,
                                  pfmt(c, orow->send_params, ot)));
            line(&stagecalls,
                 pfmt(c,
                      "%s %s_out = {o%s};\n"
                      "if (h->%s && (rc = h->%s(x->state, rec->seq, %s, &%s_out)) < 0)\n"
                      "    return rc;",
                      outt, sn, orow->framed ? ", x->px->obuf" : "", sn, sn, ir->args, sn));
            line(&txopens, pfmt(c,
                                "if (cfg->%s_ring) {\n"
                                "    if ((rc = %s_%s_open(cfg->%s_ring, NULL, &px->%s_tx)) < 0)\n"
                                "        goto fail;\n"
                                "    px->%s_on = true;\n"
                                "}",
                                sn, oc, orow->tx, sn, sn, sn));
            line(&txcloses, pfmt(c,
                                 "if (px->%s_on)\n"
                                 "    %s_%s_close(&px->%s_tx);\n"
                                 "px->%s_on = false;",
                                 sn, oc, orow->tx, sn, sn));
            mylc_hole oh[] = {
                {"T", t},
                {"S", sn},
                {"OUT", ot},
                {"OUTCHAN", oc},
                {"INDEX", pfmt(c, "%u", index)},
                {"MAX", pfmt(c, "%llu", (unsigned long long)mx)},
                {NULL, NULL},
            };
            mylc_buf_putc(&sends, '\n');
            mylc_tpl_fill(&sends, mylc_tpl_section(mylc_tpl_pipe_source, orow->send), oh);
            mylc_tpl_fill(&delivers, mylc_tpl_section(mylc_tpl_pipe_source, orow->deliver), oh);
            index++;
        }
        line(&stagefields, pfmt(c, "%s *%s;", fn, sn));
    }
    if (!list.n)
        mylc_buf_puts(&list, "no stages");
    /* Buffers: a framed input's record (prefix and message), the framed
     * outputs' held message, a compact table's decoding arena per state. */
    const char *decode = "", *reset = "";
    input_holes(c, d, ik, &checkbody, &decode, &reset);
    if (ir->framed) {
        line(&pxfields, "unsigned char *ibuf;");
        line(&allocs, pfmt(c,
                           "if (!(px->ibuf = (unsigned char *)malloc(8 + %lluu))) {\n"
                           "    rc = -ENOMEM;\n"
                           "    goto fail;\n"
                           "}",
                           (unsigned long long)maxin));
        line(&frees, "free(px->ibuf);\npx->ibuf = NULL;");
    }
    if (maxout) {
        line(&pxfields, "unsigned char *obuf;");
        line(&allocs, pfmt(c,
                           "if (!(px->obuf = (unsigned char *)malloc(8 + %lluu))) {\n"
                           "    rc = -ENOMEM;\n"
                           "    goto fail;\n"
                           "}",
                           (unsigned long long)maxout));
        line(&frees, "free(px->obuf);\npx->obuf = NULL;");
    }
    if (arena) {
        line(&cfgrings, "size_t arena_bytes;");
        line(&pxfields, "myl_carena arenas[2];");
        line(&allocs, "px->main.arena = &px->arenas[0];\n"
                      "px->shadow.arena = &px->arenas[1];\n"
                      "for (int i = 0; i < 2; i++) {\n"
                      "    void *a = cfg->arena_bytes ? malloc(cfg->arena_bytes) : NULL;\n"
                      "    if (!a) {\n"
                      "        rc = -ENOMEM;\n"
                      "        goto fail;\n"
                      "    }\n"
                      "    myl_carena_init(&px->arenas[i], a, cfg->arena_bytes);\n"
                      "}");
        line(&frees, "for (int i = 0; i < 2; i++) {\n"
                     "    free(px->arenas[i].base);\n"
                     "    px->arenas[i].base = NULL;\n"
                     "}");
    }
    mylc_hole kh[] = {
        {"T", t},
        {"NAME", pstr(c, d->name)},
        {"INCHAN", d->input->cname},
        {"IN", ic},
        {"MAXIN", pfmt(c, "%llu", (unsigned long long)maxin)},
        {"CHECKBODY", indent(c, &checkbody, "    ")},
        {"ARENARESET", reset},
        {"DECODE", decode},
        {NULL, NULL},
    };
    mylc_buf applyin = {0};
    if (ir->framed) {
        mylc_tpl_fill(&applyin, mylc_tpl_section(mylc_tpl_pipe_source, "apply_framed"), kh);
    }
    mylc_tpl_fill(&applyin, mylc_tpl_section(mylc_tpl_pipe_source, ir->decode), kh);
    mylc_buf submits = {0};
    if (ir->framed)
        mylc_tpl_fill(&submits, mylc_tpl_section(mylc_tpl_pipe_source, "submit_framed"), kh);
    if (submits.n)
        mylc_buf_putc(&submits, '\n');
    mylc_tpl_fill(&submits, mylc_tpl_section(mylc_tpl_pipe_source, ir->submit), kh);
    while (submits.n && submits.p[submits.n - 1] == '\n')
        submits.n--;
    const char *submitdecl =
        ik == PK_EVENT ? pfmt(c, "int %s_submit(%s *px, const %s *in, uint64_t *seq);", t, t, ic)
        : ik == PK_COMPACT
            ? pfmt(c, "int %s_submit(%s *px, const %s *in, uint16_t kind, uint64_t *seq);", t, t,
                   ic)
            : pfmt(c,
                   "int %s_submit(%s *px, const void *msg, size_t len, uint16_t kind, "
                   "uint64_t *seq);",
                   t, t);
    mylc_buf poll = {0}, resume = {0};
    mylc_tpl_fill(&poll, mylc_tpl_section(mylc_tpl_pipe_source, ir->poll), kh);
    const char *after = ik == PK_EVENT ? "event" : "framed"; /* resume, release */
    mylc_tpl_fill(&resume, mylc_tpl_section(mylc_tpl_pipe_source, pfmt(c, "resume_%s", after)), kh);
    const char *resume_text = indent(c, &resume, "    ");
    mylc_buf release = {0};
    mylc_tpl_fill(&release, mylc_tpl_section(mylc_tpl_pipe_source, pfmt(c, "release_%s", after)),
                  kh);
    const char *release_text = indent(c, &release, "        ");
    const char *record =
        ik == PK_EVENT
            ? "the input event's bytes"
            : pfmt(c,
                   "an 8-byte prefix (the message's u32 kind, u32 input ring positions) and the "
                   "%s message",
                   ir->name);
    /* The arena of a compact table input (8 bytes per byte of message
     * covers every array of scalars: one byte on the wire at least, eight
     * in memory at most; a message that needs more fails the check, with
     * the same arena size as apply's, so apply never fails where the check
     * passed); and a journal record that holds the largest input (8 bytes
     * of kind, then the message), past the journal's 16 MiB default. */
    mylc_buf cfg_lines = {0};
    if (arena)
        mylc_buf_printf(&cfg_lines, "    cfg->arena_bytes = %lluu;\n", 8ull * maxin + 4096);
    if (maxin + 8 > (16u << 20))
        mylc_buf_printf(&cfg_lines, "    cfg->opts.journal.max_record = %lluu;\n",
                        (unsigned long long)maxin + 8);
    if (cfg_lines.n)
        cfg_lines.p[--cfg_lines.n] = '\0'; /* the hole's line ends it */
    const char *cfginit = cfg_lines.n ? pfmt(c, "%s", cfg_lines.p) : "";
    mylc_buf_free(&cfg_lines);
    mylc_hole holes[] = {
        {"T", t},
        {"NAME", pstr(c, d->name)},
        {"INCHAN", d->input->cname},
        {"IN", ic},
        {"RX", ir->rx},
        {"RECORD", record},
        {"STAGELIST", pfmt(c, "stages %.*s", (int)list.n, list.p)},
        {"FP", pfmt(c, "0x%016llx", (unsigned long long)d->input->fingerprint)},
        {"SYNC", sync_macro(d)},
        {"OUTTYPES", text_of(c, &outtypes)},
        {"STAGETYPES", text_of(c, &stagetypes)},
        {"STAGEFIELDS", indent(c, &stagefields, "    ")},
        {"RELEASEDFIELDS", indent(c, &released, "    ")},
        {"CFGRINGS", indent(c, &cfgrings, "    ")},
        {"TXFIELDS", indent(c, &txfields, "    ")},
        {"PXFIELDS", indent(c, &pxfields, "    ")},
        {"CTXFIELDS", arena ? "    myl_carena *arena;" : ""},
        {"SENDCALLS", text_of(c, &sendcalls)},
        {"SUBMITDECL", submitdecl},
        {"SUBMITS", text_of(c, &submits)},
        {"APPLYIN", indent(c, &applyin, "    ")},
        {"POLL", indent(c, &poll, "        ")},
        {"RXDETACH",
         ik == PK_EVENT ? "myl_consumer_detach(px->rx.c)" : "myl_defrag_detach(px->rx.d)"},
        {"RESUME", resume_text},
        {"RELEASE", release_text},
        {"STAGECALLS", indent(c, &stagecalls, "    ")},
        {"DELIVERCASES", indent(c, &delivers, "    ")},
        {"TXOPENS", indent(c, &txopens, "    ")},
        {"TXCLOSES", indent(c, &txcloses, "    ")},
        {"ALLOCS", indent(c, &allocs, "    ")},
        {"CFGINIT", cfginit},
        {"FREES", indent(c, &frees, "    ")},
        {NULL, NULL},
    };
    mylc_buf_free(&list);
    if (first) {
        static const mylc_hole none[] = {{NULL, NULL}};
        mylc_buf_putc(h, '\n');
        mylc_tpl_fill(h, mylc_tpl_section(mylc_tpl_pipe_header, "pipe_doc"), none);
    }
    mylc_buf_putc(h, '\n');
    mylc_tpl_fill(h, mylc_tpl_section(mylc_tpl_pipe_header, "pipe"), holes);
    mylc_buf_putc(src, '\n');
    mylc_tpl_fill(src, mylc_tpl_section(mylc_tpl_pipe_source, "pipe"), holes);
    mylc_buf_put(src, sends.p ? sends.p : "", sends.n);
    mylc_buf_free(&sends);
}

/* ---- stubs (myelonc --stubs) ---- */

const char *mylc_pipe_stub_name(mylc_ctx *c, mylc_decl *d)
{
    (void)c;
    return d->cname;
}

void mylc_emit_pipe_stub(mylc_ctx *c, mylc_schema *s, mylc_decl *d, mylc_buf *out)
{
    const char *t = d->cname;
    const pipe_kind_row *ir = &pipe_kinds[kind_of(d->input)];
    const char *ic = carried(d->input);
    const char *params = pfmt(c, ir->params, ic);
    const char *unused = ir->framed && !strcmp(ir->args, "msg, len, (uint16_t)kind")
                             ? "(void)msg;\n    (void)len;\n    (void)kind;"
                             : "(void)in;";
    mylc_stage *order[MAX_STAGES];
    uint32_t n = stage_order(d, order, MAX_STAGES);
    mylc_buf handlers = {0}, sets = {0}, usage = {0}, vars = {0}, args = {0}, attach = {0},
             detach = {0};
    bool counted = false;
    for (uint32_t i = 0; i < n; i++) {
        mylc_stage *st = order[i];
        if (st->durable)
            continue;
        const char *sn = pstr(c, st->name);
        const pipe_kind_row *orow = st->output ? &pipe_kinds[kind_of(st->output)] : NULL;
        const mylc_decl *otd = st->output ? st->output->chan.carries.decl : NULL;
        const char *ot = st->output ? carried(st->output) : "";
        mylc_hole ah[] = {
            {"S", sn},
            {"T", t},
            {"OUT", ot},
            {"OUTINIT", otd && otd->kind == MYLC_D_TABLE ? pfmt(c, "%s_init(&m);", ot)
                                                         : "memset(&m, 0, sizeof m);"},
            {NULL, NULL},
        };
        mylc_buf answer = {0};
        if (orow)
            mylc_tpl_fill(&answer, mylc_tpl_section(mylc_tpl_pipe_stub, orow->answer), ah);
        mylc_hole hh[] = {
            {"S", sn},
            {"T", t},
            {"PARAMS", params},
            {"UNUSED", pfmt(c, "    %s", unused)},
            {"OUTCHAN", st->output ? pstr(c, st->output->name) : ""},
            {"COUNT", counted ? "    (void)s;" : "    s->records++;"},
            {"ANSWER", indent(c, &answer, "    ")},
            {NULL, NULL},
        };
        counted = true;
        mylc_buf_putc(&handlers, '\n');
        mylc_tpl_fill(&handlers,
                      mylc_tpl_section(mylc_tpl_pipe_stub, st->output ? "handler_out" : "handler"),
                      hh);
        line(&sets, pfmt(c, "h.%s = on_%s;", sn, sn));
        if (!st->output)
            continue;
        const char *oc = st->output->cname;
        mylc_buf_printf(&usage, "%s[--%s RING]", usage.n ? " " : "", sn);
        line(&vars, pfmt(c, "const char *%s_name = NULL;\nmyl_ring *%s_ring = NULL;", sn, sn));
        line(&args, pfmt(c,
                         "} else if (strcmp(argv[i], \"--%s\") == 0 && i + 1 < argc) {\n"
                         "    %s_name = argv[++i];",
                         sn, sn));
        line(&attach, pfmt(c,
                           "if (rc >= 0 && %s_name)\n"
                           "    rc = %s_attach(%s_name, 5000000000, &%s_ring);\n"
                           "cfg.%s_ring = %s_ring;",
                           sn, oc, sn, sn, sn, sn));
        line(&detach, pfmt(c,
                           "if (%s_ring)\n"
                           "    myl_ring_close(%s_ring);",
                           sn, sn));
    }
    if (handlers.n)
        handlers.p[--handlers.n] = 0;
    mylc_hole h[] = {
        {"T", t},
        {"NAME", pstr(c, d->name)},
        {"SCHEMA", pfmt(c, "%s.myl", s->stem)},
        {"STEM", s->stem},
        {"INCHAN", d->input->cname},
        {"USAGE", usage.n ? pfmt(c, "%.*s", (int)usage.n, usage.p) : ""},
        {"HANDLERS", text_of(c, &handlers)},
        {"SETHANDLERS", indent(c, &sets, "    ")},
        {"RINGVARS", indent(c, &vars, "    ")},
        {"RINGARGS", indent(c, &args, "        ")},
        {"RINGATTACH", indent(c, &attach, "    ")},
        {"RINGDETACH", indent(c, &detach, "    ")},
        {NULL, NULL},
    };
    mylc_buf_free(&usage);
    mylc_buf raw = {0};
    mylc_tpl_fill(&raw, mylc_tpl_section(mylc_tpl_pipe_stub, "stub"), h);
    mylc_format(&raw, out);
    mylc_buf_free(&raw);
}
