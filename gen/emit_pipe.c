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
    const char *p = b->p, *end = b->p + b->n;
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

/* The event type a channel carries, if it carries events one per slot of
 * one ring (what a pipeline's input and outputs must be), else NULL. */
static const mylc_decl *ring_event(const mylc_decl *ch)
{
    if (!ch || ch->kind != MYLC_D_CHANNEL || ch->chan.shape != MYLC_CS_RING)
        return NULL;
    const mylc_decl *t = ch->chan.carries.decl;
    return t && t->kind == MYLC_D_EVENT ? t : NULL;
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
    if (d->input && !ring_event(d->input))
        ERR(d->off,
            "the input of pipeline '%.*s' must be a channel of events, one per ring slot "
            "('%.*s' is not)",
            (int)d->name.n, d->name.p, (int)d->input->name.n, d->input->name.p);
    const mylc_stage *durable = NULL;
    for (const mylc_stage *st = d->stages; st; st = st->next) {
        if (st->output && !ring_event(st->output))
            ERR(st->off,
                "the output of stage '%.*s' must be a channel of events, one per ring slot "
                "('%.*s' is not)",
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
                                          "DELIVER", "START", NULL};
    for (const char *const *k = helpers; *k; k++)
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

void mylc_emit_pipeline(mylc_ctx *c, mylc_schema *s, mylc_decl *d, mylc_buf *h, mylc_buf *src,
                        bool first)
{
    (void)s;
    const char *t = d->cname;
    const mylc_decl *in = ring_event(d->input);
    mylc_stage *order[MAX_STAGES];
    uint32_t n = stage_order(d, order, MAX_STAGES);
    mylc_buf outtypes = {0}, stagetypes = {0}, stagefields = {0}, released = {0}, cfgrings = {0},
             txfields = {0}, sendcalls = {0}, stagecalls = {0}, delivers = {0}, txopens = {0},
             txcloses = {0}, sends = {0}, list = {0};
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
        if (!st->output) {
            line(&stagetypes, pfmt(c, "typedef int %s(void *state, uint64_t seq, const %s *in);",
                                   fn, in->cname));
            line(&stagecalls, pfmt(c,
                                   "if (h->%s && (rc = h->%s(x->state, rec->seq, &in)) < 0)\n"
                                   "    return rc;",
                                   sn, sn));
        } else {
            const mylc_decl *ot = ring_event(st->output);
            const char *oc = st->output->cname;
            const char *outt = pfmt(c, "%s_%s_out", t, sn);
            mylc_buf_printf(&list, " (output %.*s)", (int)st->output->name.n, st->output->name.p);
            line(&outtypes, pfmt(c,
                                 "typedef struct %s {\n"
                                 "    myl_pipeline_out *out;\n"
                                 "} %s;",
                                 outt, outt));
            line(&stagetypes, pfmt(c,
                                   "typedef int %s(void *state, uint64_t seq, const %s *in, "
                                   "%s *out);",
                                   fn, in->cname, outt));
            line(&stagetypes,
                 pfmt(c, "typedef void %s_%s_released_fn(void *arg, uint64_t seq, const %s *m);", t,
                      sn, ot->cname));
            line(&released, pfmt(c, "%s_%s_released_fn *%s_released;", t, sn, sn));
            line(&cfgrings, pfmt(c, "myl_ring *%s_ring;", sn));
            line(&txfields, pfmt(c, "%s_producer %s_tx;\nbool %s_on;", oc, sn, sn));
            line(&sendcalls,
                 pfmt(c, "int %s_%s_send(%s *out, const %s *m);", t, sn, outt, ot->cname));
            line(&stagecalls,
                 pfmt(c,
                      "%s %s_out = {o};\n"
                      "if (h->%s && (rc = h->%s(x->state, rec->seq, &in, &%s_out)) < 0)\n"
                      "    return rc;",
                      outt, sn, sn, sn, sn));
            line(&txopens,
                 pfmt(c,
                      "if (cfg->%s_ring) {\n"
                      "    if ((rc = %s_producer_open(cfg->%s_ring, NULL, &px->%s_tx)) < 0)\n"
                      "        goto fail;\n"
                      "    px->%s_on = true;\n"
                      "}",
                      sn, oc, sn, sn, sn));
            line(&txcloses, pfmt(c,
                                 "if (px->%s_on)\n"
                                 "    %s_producer_close(&px->%s_tx);\n"
                                 "px->%s_on = false;",
                                 sn, oc, sn, sn));
            mylc_hole oh[] = {
                {"T", t},
                {"S", sn},
                {"OUT", ot->cname},
                {"OUTCHAN", oc},
                {"INDEX", pfmt(c, "%u", index)},
                {NULL, NULL},
            };
            mylc_buf_putc(&sends, '\n');
            mylc_tpl_fill(&sends, mylc_tpl_section(mylc_tpl_pipe_source, "send"), oh);
            mylc_tpl_fill(&delivers, mylc_tpl_section(mylc_tpl_pipe_source, "deliver"), oh);
            index++;
        }
        line(&stagefields, pfmt(c, "%s *%s;", fn, sn));
    }
    if (!list.n)
        mylc_buf_puts(&list, "no stages");
    mylc_hole holes[] = {
        {"T", t},
        {"NAME", pstr(c, d->name)},
        {"INCHAN", d->input->cname},
        {"IN", in->cname},
        {"STAGELIST", pfmt(c, "stages %.*s", (int)list.n, list.p)},
        {"FP", pfmt(c, "0x%016llx", (unsigned long long)d->input->fingerprint)},
        {"SYNC", sync_macro(d)},
        {"OUTTYPES", text_of(c, &outtypes)},
        {"STAGETYPES", text_of(c, &stagetypes)},
        {"STAGEFIELDS", indent(c, &stagefields, "    ")},
        {"RELEASEDFIELDS", indent(c, &released, "    ")},
        {"CFGRINGS", indent(c, &cfgrings, "    ")},
        {"TXFIELDS", indent(c, &txfields, "    ")},
        {"SENDCALLS", text_of(c, &sendcalls)},
        {"STAGECALLS", indent(c, &stagecalls, "    ")},
        {"DELIVERCASES", indent(c, &delivers, "    ")},
        {"TXOPENS", indent(c, &txopens, "    ")},
        {"TXCLOSES", indent(c, &txcloses, "    ")},
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
    const mylc_decl *in = ring_event(d->input);
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
        const mylc_decl *ot = st->output ? ring_event(st->output) : NULL;
        mylc_hole hh[] = {
            {"S", sn},
            {"T", t},
            {"IN", in->cname},
            {"OUT", ot ? ot->cname : ""},
            {"OUTCHAN", st->output ? pstr(c, st->output->name) : ""},
            {"COUNT", counted ? "    (void)s;" : "    s->records++;"},
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
