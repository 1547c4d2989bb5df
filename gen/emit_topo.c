/* Emit: topologies as typed endpoints (docs/myl.md, "Topologies"), from
 * templates/topo_header.h and templates/topo_source.c, on top of the
 * runtime's myelon/topo.h. One constant myl_topo_desc per topology, then
 * per role an endpoint type, its open/close, a send call per outbound
 * route in the route's codec, a handlers struct and a fair poll over its
 * inbound rings. The C names written here are the ones
 * claim_topology_names() (check.c) claims.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "emit.h" /* mylc_init_short */
#include "format.h"
#include "myelon/ring.h" /* MYL_WAIT_* */
#include "mylc.h"
#include "template.h"

static const char *tfmt(mylc_ctx *c, const char *f, ...) __attribute__((format(printf, 2, 3)));
static const char *tfmt(mylc_ctx *c, const char *f, ...)
{
    char tmp[512];
    va_list ap;
    va_start(ap, f);
    int n = vsnprintf(tmp, sizeof tmp, f, ap);
    va_end(ap);
    if (n < 0)
        n = 0;
    if ((size_t)n < sizeof tmp)
        return mylc_strdup(&c->arena, tmp, (size_t)n);
    char *s = mylc_alloc(&c->arena, (size_t)n + 1);
    va_start(ap, f);
    vsnprintf(s, (size_t)n + 1, f, ap);
    va_end(ap);
    return s;
}

static const char *sstr(mylc_ctx *c, mylc_str s)
{
    return mylc_strdup(&c->arena, s.p, s.n);
}

/* Section sec of tpl filled, each line indented by ind, as a string (no
 * trailing newline). */
static const char *section(mylc_ctx *c, const char *tpl, const char *sec, const mylc_hole *holes,
                           const char *ind)
{
    mylc_buf raw = {0}, out = {0};
    mylc_tpl_fill(&raw, mylc_tpl_section(tpl, sec), holes);
    const char *p = raw.p, *end = raw.p + raw.n;
    while (p && p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        if (!eol)
            eol = end;
        if (eol > p)
            mylc_buf_printf(&out, "%s%.*s", ind, (int)(eol - p), p);
        mylc_buf_putc(&out, '\n');
        p = eol + 1;
    }
    while (out.n && out.p[out.n - 1] == '\n')
        out.n--;
    const char *r = mylc_strdup(&c->arena, out.p ? out.p : "", out.n);
    mylc_buf_free(&raw);
    mylc_buf_free(&out);
    return r;
}

/* "lhs = rhs;" at indent ind, broken after the "=" (with 4 more columns
 * of indent) when it does not fit, as clang-format breaks it. */
static const char *assign(mylc_ctx *c, const char *ind, const char *lhs, const char *rhs)
{
    /* the open sections are indented by 4 after they are filled */
    size_t more = *ind ? 0 : 4;
    if (more + strlen(ind) + strlen(lhs) + strlen(rhs) + 4 <= MYLC_COLUMNS)
        return tfmt(c, "%s%s = %s;", ind, lhs, rhs);
    return tfmt(c, "%s%s =\n%s    %s;", ind, lhs, ind, rhs);
}

/* Appends b to a, separated by a newline. */
static void add_lines(mylc_buf *a, const char *b)
{
    if (!*b)
        return;
    if (a->n)
        mylc_buf_putc(a, '\n');
    mylc_buf_puts(a, b);
}

static const char *text_of(mylc_ctx *c, mylc_buf *b)
{
    const char *r = mylc_strdup(&c->arena, b->p ? b->p : "", b->n);
    mylc_buf_free(b);
    return r;
}

/* The prototypes of the non-static functions defined in text: each
 * signature, from its first line to the line before its "{", with ";". */
static void prototypes(const char *text, mylc_buf *out)
{
    const char *p = text;
    while (*p) {
        const char *eol = strchr(p, '\n');
        if (!eol)
            eol = p + strlen(p);
        bool starts = *p && *p != ' ' && *p != '{' && *p != '}' && *p != '/' && *p != '#' &&
                      strncmp(p, "static", 6) != 0 && memchr(p, '(', (size_t)(eol - p));
        if (starts) {
            const char *q = p;
            const char *brace = strstr(q, "\n{\n");
            if (brace) {
                if (out->n)
                    mylc_buf_putc(out, '\n');
                mylc_buf_put(out, q, (size_t)(brace - q));
                mylc_buf_putc(out, ';');
                p = brace + 1;
                continue;
            }
        }
        p = *eol ? eol + 1 : eol;
    }
}

/* What a route's messages are, for the sections that send and receive
 * them. */
typedef enum route_kind { RK_EVENT, RK_BYTES, RK_COMPACT, RK_FB } route_kind;

static route_kind kind_of(const mylc_route *rt)
{
    const mylc_channel *ch = &rt->channel->chan;
    if (ch->shape == MYLC_CS_RING)
        return RK_EVENT;
    if (ch->codec == MYLC_CODEC_COMPACT)
        return RK_COMPACT;
    if (ch->codec == MYLC_CODEC_FLATBUFFERS)
        return RK_FB;
    return RK_BYTES;
}

/* A route over lanes or size classes: each of its rings is a group. */
static bool is_group(const mylc_route *rt)
{
    mylc_chan_shape sh = rt->channel->chan.shape;
    return sh == MYLC_CS_LANES || sh == MYLC_CS_CLASSES;
}

/* A tracked route partitioned by a hash key: its messages are tracked
 * with their key (myl_topo_track_key), and re-dispatch picks by it. */
static bool keyed_track(const mylc_route *rt)
{
    return rt->track && rt->shape == MYLC_RS_PARTITIONED && rt->partition == MYLC_PART_HASH &&
           rt->key;
}

static bool is_lanes(const mylc_route *rt)
{
    return rt->channel->chan.shape == MYLC_CS_LANES;
}

static const char *msg_type(const mylc_route *rt)
{
    const mylc_decl *t = rt->channel->chan.carries.decl;
    return t ? t->cname : "";
}

/* What a handler of the route receives: the event, the compact value,
 * the table handle or the bytes. */
static const char *view_type(mylc_ctx *c, const mylc_route *rt)
{
    switch (kind_of(rt)) {
    case RK_BYTES:
        return "myl_frame_msg";
    case RK_FB:
        return tfmt(c, "%s_table", msg_type(rt));
    default:
        return msg_type(rt);
    }
}

/* An integer field of the message type of a route called like f. */
static const mylc_field *same_field(const mylc_route *rt, const mylc_field *f)
{
    const mylc_decl *t = rt->channel->chan.has_carries ? rt->channel->chan.carries.decl : NULL;
    if (!t || kind_of(rt) == RK_BYTES)
        return NULL;
    for (const mylc_field *g = t->fields; g; g = g->next) {
        if (!mylc_str_same(g->name, f->name) || g->deprecated || g->type.shape != MYLC_SHAPE_PLAIN)
            continue;
        mylc_builtin b =
            g->type.base == MYLC_T_NAMED && g->type.decl && g->type.decl->kind == MYLC_D_ENUM
                ? g->type.decl->under.base
                : g->type.base;
        return mylc_builtin_is_int(b) ? g : NULL;
    }
    return NULL;
}

/* The expression reading field f of the message of a route: from ev or m
 * (pointers), msg (a compact value or a table handle), or a buffer. */
static const char *field_expr(mylc_ctx *c, const mylc_route *rt, const mylc_field *f,
                              const char *var)
{
    const char *fn = sstr(c, f->name);
    switch (kind_of(rt)) {
    case RK_FB:
        return tfmt(c, "(uint64_t)%s_%s(%s)", msg_type(rt), fn, var);
    default:
        return tfmt(c, "(uint64_t)%s%s", var, fn);
    }
}

/* A hash key field that is a string or a char[N], hashed by its bytes. */
static bool string_key(const mylc_field *f)
{
    return f->type.shape == MYLC_SHAPE_ARRAY || f->type.base == MYLC_T_STRING;
}

/* A hash key's value as a uint64_t expression: an integer field, or the
 * FNV-1a hash of a string's or a char[N]'s bytes (myl_topo_hash_bytes). */
static const char *key_expr(mylc_ctx *c, const mylc_route *rt, const mylc_field *f, const char *var)
{
    const char *fn = sstr(c, f->name);
    if (f->type.shape == MYLC_SHAPE_ARRAY)
        return tfmt(c, "myl_topo_hash_chars(%s%s, %llu)", var, fn,
                    (unsigned long long)f->type.count);
    if (f->type.base != MYLC_T_STRING)
        return field_expr(c, rt, f, var);
    if (kind_of(rt) == RK_FB)
        return tfmt(c, "myl_topo_hash_bytes(%s_%s(%s).ptr, %s_%s(%s).len)", msg_type(rt), fn, var,
                    msg_type(rt), fn, var);
    return tfmt(c, "myl_topo_hash_bytes(%s%s.p, %s%s.n)", var, fn, var, fn);
}

typedef struct topo_ctx {
    mylc_ctx *c;
    mylc_schema *s;
    mylc_decl *d;
    const char *t; /* the topology's C name */
} topo_ctx;

static const char *role_type(topo_ctx *x, const mylc_role *r)
{
    return mylc_name_join(x->c, x->t, sstr(x->c, r->name));
}

static const char *role_const(topo_ctx *x, const mylc_role *r)
{
    return mylc_name_join(x->c, mylc_name_join(x->c, x->t, "ROLE"), sstr(x->c, r->name));
}

static const char *route_const(topo_ctx *x, const mylc_route *rt)
{
    return mylc_name_join(x->c, mylc_name_join(x->c, x->t, "ROUTE"), rt->name);
}

/* Roles and routes by number in the source file: their constants are
 * for users, and too long for a line with long names. */
static const char *role_num(topo_ctx *x, const mylc_role *r)
{
    return tfmt(x->c, "%uu", r->index);
}

static const char *route_num(topo_ctx *x, const mylc_route *rt)
{
    return tfmt(x->c, "%uu", rt->index);
}

/* Names of the static helpers: the topology's name and an upper-case
 * word with a number (role names are lower case). Handler types are the
 * role type's name with on_<route>_fn and event_fn. */
static const char *helper(topo_ctx *x, const char *word, uint32_t i)
{
    return tfmt(x->c, "%s_%s%u", x->t, word, i);
}

static bool many_dst(const mylc_route *rt)
{
    return rt->shape == MYLC_RS_DIRECT && rt->to->max > 1;
}

/* The number of rings a member uses on a route, as a C expression. */
static const char *ring_count(topo_ctx *x, const mylc_route *rt, bool out)
{
    if (rt->shape == MYLC_RS_SHARED || (out && rt->shape == MYLC_RS_BROADCAST))
        return "1";
    return tfmt(x->c, "myl_topo_count(ep->topo, %s)", role_num(x, out ? rt->to : rt->from));
}

/* The section that picks dst in a send (pick: the key's expression for a
 * hash partition). */
static const char *pick_code(topo_ctx *x, const mylc_route *rt, const char *key)
{
    const char *sec = rt->shape == MYLC_RS_PARTITIONED ? "pick_partitioned"
                      : many_dst(rt)                   ? "pick_to"
                                                       : "pick_one";
    const char *k = "0";
    if (rt->shape == MYLC_RS_PARTITIONED && rt->partition == MYLC_PART_HASH)
        k = tfmt(x->c, "%s_HASH(%s)", x->t, key);
    mylc_hole h[] = {
        {"ROUTE", route_num(x, rt)},
        {"KEY", k},
        {"N", rt->out_name},
        {NULL, NULL},
    };
    return section(x->c, mylc_tpl_topo_source, sec, h, "    ");
}

static void emit_send(topo_ctx *x, const mylc_route *rt, const char *R, mylc_buf *defs)
{
    mylc_ctx *c = x->c;
    route_kind k = kind_of(rt);
    const char *M = msg_type(rt);
    const char *n = rt->out_name;
    const char *to = role_num(x, rt->to);
    bool tracked = rt->track != NULL;
    const char *sec = "";
    const char *key = "";
    const char *keyparam = "";
    const char *pickmsg = "";
    const char *track = "", *untrack = "";
    switch (k) {
    case RK_EVENT:
        sec = "send_event";
        if (rt->key)
            key = key_expr(c, rt, rt->key, "ev->");
        if (tracked) {
            track = tfmt(c,
                         "    uint64_t id = %s;\n"
                         "    if (ep->track_on) {\n"
                         "        int trc = myl_topo_track_key(ep->topo, %s, dst, id, %s, ev, "
                         "sizeof *ev);\n"
                         "        if (trc < 0)\n"
                         "            return trc;\n"
                         "    }",
                         field_expr(c, rt, rt->track, "ev->"), to, keyed_track(rt) ? key : "0");
        }
        break;
    case RK_BYTES:
        sec = "send_bytes";
        break;
    case RK_COMPACT:
        sec = tracked ? "send_compact_tracked" : "send_compact";
        if (rt->key)
            key = key_expr(c, rt, rt->key, "m->");
        break;
    case RK_FB: {
        /* over one ring: built in place (begin/commit) or a finished
         * buffer; over a group: a finished buffer */
        sec = is_group(rt) ? "send_fb_buffer" : "send_fb";
        const char *root = tfmt(c, "%s_root(msg)", M);
        if (rt->key && string_key(rt->key)) {
            key = "myl_topo_hash_bytes(key, key_len)";
            keyparam = "const char *key, size_t key_len, ";
            /* the key read once from the finished buffer (a short line) */
            pickmsg = tfmt(c, "    myl_fb_str key = %s_%s(%s);\n%s", M, sstr(c, rt->key->name),
                           root, pick_code(x, rt, "myl_topo_hash_bytes(key.ptr, key.len)"));
        } else if (rt->key) {
            key = "key";
            keyparam = "uint64_t key, ";
            pickmsg = pick_code(x, rt, field_expr(c, rt, rt->key, root));
        }
        if (tracked) {
            /* the key as the pick read it from the buffer */
            const char *tkey = !keyed_track(rt)      ? "0"
                               : string_key(rt->key) ? "myl_topo_hash_bytes(key.ptr, key.len)"
                                                     : field_expr(c, rt, rt->key, root);
            track = tfmt(c,
                         "    uint64_t id = %s;\n"
                         "    if (ep->track_on) {\n"
                         "        int trc = myl_topo_track_key(ep->topo, %s, dst, id, %s, msg, "
                         "len);\n"
                         "        if (trc < 0)\n"
                         "            return trc;\n"
                         "    }",
                         field_expr(c, rt, rt->track, root), to, tkey);
        }
        break;
    }
    }
    if (tracked && k != RK_COMPACT)
        untrack = "    if (rc < 0 && ep->track_on)\n"
                  "        (void)myl_topo_answered(ep->topo, id);";
    const char *pick = pick_code(x, rt, key);
    if (!*pickmsg)
        pickmsg = pick;
    mylc_hole h[] = {
        {"R", R},
        {"N", n},
        {"NAME", many_dst(rt) ? mylc_name_join(c, n, "to") : n},
        {"CHAN", rt->channel->cname},
        {"M", M},
        {"F", rt->track ? sstr(c, rt->track->name) : ""},
        {"TOROLE", to},
        {"DSTPARAM", tfmt(c, "%s%s", many_dst(rt) ? ", uint32_t dst" : "",
                          is_lanes(rt) ? ", uint32_t lane" : "")},
        {"LANE", is_lanes(rt) ? "lane, " : ""},
        {"KEYPARAM", keyparam},
        {"PICK", pick},
        {"PICKMSG", pickmsg},
        {"TRACK", track},
        {"UNTRACK", untrack},
        {"TKEY", !keyed_track(rt) ? "0"
                 : k == RK_FB     ? tfmt(c, "ep->%s_key", n)
                                  : key},
        {"SAVEKEY", k == RK_FB && keyed_track(rt) ? tfmt(c, "    ep->%s_key = %s;", n, key) : ""},
        {NULL, NULL},
    };
    bool inplace = k == RK_FB && !is_group(rt);
    /* begin_ with a hash key: the key before the builder */
    if (inplace && *keyparam) {
        mylc_buf tmp = {0};
        mylc_tpl_fill(&tmp, mylc_tpl_section(mylc_tpl_topo_source, sec), h);
        mylc_buf_putc(&tmp, '\n');
        mylc_tpl_fill(&tmp, mylc_tpl_section(mylc_tpl_topo_source, "send_fb_buffer"), h);
        /* the begin call takes the key, the send of a buffer reads it */
        const char *text = text_of(c, &tmp);
        const char *begin = strstr(text, "myl_fb_builder *b");
        mylc_buf fixed = {0};
        mylc_buf_put(&fixed, text, (size_t)(begin - text));
        mylc_buf_puts(&fixed, keyparam);
        mylc_buf_puts(&fixed, begin);
        mylc_buf_putc(defs, '\n');
        mylc_buf_put(defs, fixed.p, fixed.n);
        mylc_buf_free(&fixed);
    } else {
        mylc_buf_putc(defs, '\n');
        mylc_tpl_fill(defs, mylc_tpl_section(mylc_tpl_topo_source, sec), h);
        if (inplace) {
            mylc_buf_putc(defs, '\n');
            mylc_tpl_fill(defs, mylc_tpl_section(mylc_tpl_topo_source, "send_fb_buffer"), h);
        }
    }
    if (inplace) {
        mylc_buf_putc(defs, '\n');
        mylc_tpl_fill(
            defs,
            mylc_tpl_section(mylc_tpl_topo_source, tracked ? "commit_fb_tracked" : "commit_fb"), h);
    }
}

/* The resend function of a tracked route, for _redispatch(). */
static void emit_resend(topo_ctx *x, const mylc_route *rt, const char *R, mylc_buf *defs)
{
    mylc_ctx *c = x->c;
    const char *n = rt->out_name;
    const char *to = role_num(x, rt->to);
    const char *repick;
    if (rt->shape == MYLC_RS_PARTITIONED)
        /* a hash route: by the key it was sent with (else any key will do) */
        repick = tfmt(c,
                      "    int pick = myl_topo_pick(ep->topo, %s, %s_HASH(%s));\n"
                      "    if (pick < 0)\n"
                      "        return pick;\n"
                      "    uint32_t dst = (uint32_t)pick;\n"
                      "    if (dst >= ep->%s_ntx)\n"
                      "        return MYL_EINVAL;",
                      route_num(x, rt), x->t,
                      keyed_track(rt) ? "myl_topo_resend_key(ep->topo)" : "id", n);
    else
        repick = tfmt(c,
                      "    uint32_t dst = ep->%s_ntx;\n"
                      "    for (uint32_t k = 1; k <= ep->%s_ntx && dst == ep->%s_ntx; k++) {\n"
                      "        uint32_t d = (ep->%s_dst + k) %% ep->%s_ntx;\n"
                      "        if (myl_topo_is_alive(ep->topo, %s, d))\n"
                      "            dst = d;\n"
                      "    }\n"
                      "    if (dst == ep->%s_ntx)\n"
                      "        return MYL_EPEERDEAD;\n"
                      "    ep->%s_dst = dst;",
                      n, n, n, n, n, to, n, n);
    const char *resend;
    if (kind_of(rt) == RK_EVENT)
        resend = tfmt(c,
                      "    rc = MYL_EINVAL;\n"
                      "    if (len == sizeof(%s))\n"
                      "        rc = %s_producer_send(&ep->%s_tx[dst], (const %s *)msg, "
                      "ep->resend_ns);",
                      msg_type(rt), rt->channel->cname, n, msg_type(rt));
    else
        /* on lanes: the first (highest) lane */
        resend = tfmt(c, "    rc = %s_sender_send(&ep->%s_tx[dst], %smsg, len, 0, ep->resend_ns);",
                      rt->channel->cname, n, is_lanes(rt) ? "0, " : "");
    mylc_hole h[] = {
        {"R", R},           {"RESENDFN", helper(x, "RESEND", rt->index)},
        {"N", n},           {"TOROLE", to},
        {"REPICK", repick}, {"RESEND", resend},
        {NULL, NULL},
    };
    mylc_buf_putc(defs, '\n');
    mylc_tpl_fill(defs, mylc_tpl_section(mylc_tpl_topo_source, "resend"), h);
}

static void emit_role(topo_ctx *x, mylc_role *r, mylc_buf *h, mylc_buf *src)
{
    mylc_ctx *c = x->c;
    const char *R = role_type(x, r);
    bool owner = r->index == 0;
    mylc_buf fields = {0}, handlers = {0}, htypes = {0}, opens = {0}, closes = {0}, dispatch = {0},
             total = {0}, defs = {0}, recvs = {0}, cases = {0}, rejoins = {0};
    uint64_t arena = 0;
    mylc_buf lanes = {0}; /* the lane field, with an inbound group route */
    bool lane_field = false;
    uint32_t waits = 0;      /* bit w: an inbound channel waits MYL_WAIT_w */
    const char *prev = NULL; /* the inbound route before, in dispatch */
    for (mylc_route *rt = x->d->routes; rt; rt = rt->next) {
        const char *ch = rt->channel->cname;
        route_kind k = kind_of(rt);
        if (rt->from == r) {
            const char *n = rt->out_name;
            const char *end = k == RK_EVENT ? "producer" : "sender";
            mylc_buf_printf(&fields, "    /* %s -> %s : %.*s */\n    %s_%s *%s_tx;\n",
                            sstr(c, rt->from->name), sstr(c, rt->to->name),
                            (int)rt->channel->name.n, rt->channel->name.p, ch, end, n);
            mylc_buf_printf(&fields, "    uint32_t %s_ntx;\n", n);
            if ((k == RK_FB && !is_group(rt)) || rt->track)
                mylc_buf_printf(&fields, "    uint32_t %s_dst;\n", n);
            if (k == RK_FB && !is_group(rt) && keyed_track(rt))
                mylc_buf_printf(&fields, "    uint64_t %s_key; /* begin's, for commit */\n", n);
            if (is_group(rt))
                mylc_buf_printf(&fields, "    myl_group *%s_gtx; /* the senders' groups */\n", n);
            const char *set =
                assign(c, "", tfmt(c, "ep->%s_tx", n), tfmt(c, "(%s_%s *)mem", ch, end));
            mylc_hole oh[] = {
                {"N", n},
                {"COUNT", ring_count(x, rt, true)},
                {"CHAN", ch},
                {"END", end},
                {"ROUTE", route_num(x, rt)},
                {"SETARRAY", set},
                {"SETGROUPS", assign(c, "", tfmt(c, "ep->%s_gtx", n), "(myl_group *)mem")},
                {NULL, NULL},
            };
            bool g = is_group(rt);
            mylc_buf_puts(&opens, section(c, mylc_tpl_topo_source, g ? "open_tx_group" : "open_tx",
                                          oh, "    "));
            mylc_buf_putc(&opens, '\n');
            add_lines(&closes, section(c, mylc_tpl_topo_source, g ? "close_tx_group" : "close_tx",
                                       oh, "    "));
            emit_send(x, rt, R, &defs);
            if (rt->track) {
                emit_resend(x, rt, R, &recvs);
                mylc_buf_printf(&cases,
                                "%s    case %s:\n        return myl_topo_redispatch(ep->topo, "
                                "role, index, %s, ep);",
                                cases.n ? "\n" : "", role_num(x, rt->to),
                                helper(x, "RESEND", rt->index));
            }
        }
        if (rt->to == r) {
            const char *n = rt->in_name;
            const char *end = k == RK_EVENT ? "consumer" : "receiver";
            waits |= 1u << (rt->channel->chan.wait & 31u);
            mylc_buf_printf(&fields, "    /* %s -> %s : %.*s */\n    %s_%s *%s_rx;\n",
                            sstr(c, rt->from->name), sstr(c, rt->to->name),
                            (int)rt->channel->name.n, rt->channel->name.p, ch, end, n);
            mylc_buf_printf(&fields, "    uint32_t %s_nrx;\n", n);
            bool g = is_group(rt);
            if (g)
                mylc_buf_printf(&fields, "    myl_group *%s_grx; /* the receivers' groups */\n", n);
            if (g && !lane_field) {
                mylc_buf_puts(&lanes, "    /* the lane (or size class) of the message handled */\n"
                                      "    uint32_t lane;\n");
                lane_field = true;
            }
            const char *M = msg_type(rt);
            const char *view = view_type(c, rt);
            const char *on = tfmt(c, "%s_on_%s_fn", R, n);
            mylc_buf_printf(&handlers, "%s    %s *on_%s;", handlers.n ? "\n" : "", on, n);
            mylc_buf_printf(&htypes, "%stypedef int %s(const %s *msg, %s *ep, void *user);",
                            htypes.n ? "\n" : "", on, view, R);
            const char *set =
                assign(c, "", tfmt(c, "ep->%s_rx", n), tfmt(c, "(%s_%s *)mem", ch, end));
            mylc_hole oh[] = {
                {"N", n},
                {"COUNT", ring_count(x, rt, false)},
                {"CHAN", ch},
                {"END", end},
                {"ROUTE", route_num(x, rt)},
                {"ROLE", role_num(x, r)},
                {"SETARRAY", set},
                {"SETGROUPS", assign(c, "", tfmt(c, "ep->%s_grx", n), "(myl_group *)mem")},
                /* size classes restore each sender's order; lanes are
                 * served by priority (starvation guard: 16, the default) */
                {"RXFLAGS", is_lanes(rt) ? "0, NULL" : "MYL_GROUP_ORDERED"},
                /* the receiver's handle, and its eviction check */
                {"H", k == RK_EVENT ? "c" : "d"},
                {"CHECK", k == RK_EVENT ? "myl_consumer_check(old->c)"
                                        : "myl_consumer_check(myl_defrag_consumer(old->d))"},
                {NULL, NULL},
            };
            mylc_buf_puts(&opens, section(c, mylc_tpl_topo_source, g ? "open_rx_group" : "open_rx",
                                          oh, "    "));
            mylc_buf_putc(&opens, '\n');
            add_lines(&closes, section(c, mylc_tpl_topo_source, g ? "close_rx_group" : "close_rx",
                                       oh, "    "));
            add_lines(&rejoins, section(c, mylc_tpl_topo_source,
                                        g ? "rejoin_rx_group" : "rejoin_rx", oh, "    "));
            mylc_buf_printf(&total, "%s    total += ep->%s_nrx;", total.n ? "\n" : "", n);
            mylc_hole dh[] = {
                {"RECVFN", helper(x, "RECV", rt->index)},
                {"N", n},
                {"PREV", prev ? tfmt(c, "ep->%s_nrx", prev) : ""},
                {NULL, NULL},
            };
            const char *disp = section(c, mylc_tpl_topo_source, "dispatch", dh, "    ");
            if (!prev) /* the first: no rings before */
                disp = strchr(disp, '\n') + 1;
            add_lines(&dispatch, disp);
            prev = n;
            /* the answer of a tracked message: the owner receives a
             * message with the tracked id field */
            const char *answered = "";
            for (mylc_route *q = x->d->routes; owner && q && !*answered; q = q->next) {
                const mylc_field *f = q->track ? same_field(rt, q->track) : NULL;
                if (!f)
                    continue;
                const char *ind = k == RK_EVENT ? "            " : "    ";
                const char *var = k == RK_EVENT ? "msg->" : k == RK_COMPACT ? "msg." : "msg";
                answered = tfmt(
                    c, "%sif (ep->track_on)\n%s    ep->repeat = !myl_topo_answered(ep->topo, %s);",
                    ind, ind, field_expr(c, rt, f, var));
            }
            const char *decode = "";
            if (k == RK_COMPACT) {
                const mylc_decl *t = rt->channel->chan.carries.decl;
                if (t->kind == MYLC_D_TABLE) {
                    /* the arena grows for a message whose decoded form
                     * needs more (up to what its length can need) */
                    decode =
                        tfmt(c,
                             "    do {\n"
                             "        myl_carena_reset(&ep->arena);\n"
                             "        rc = %s_compact_decode(&msg, m.data, m.len, &ep->arena);\n"
                             "        if (rc == MYL_ETOOBIG)\n"
                             "            rc = %s(ep, m.len, %lluu);\n"
                             "    } while (rc == MYL_EAGAIN);",
                             M, helper(x, "GROW", r->index),
                             (unsigned long long)mylc_compact_arena_unit(c, t));
                    if (rt->channel->chan.max_message > arena)
                        arena = rt->channel->chan.max_message;
                } else {
                    decode = tfmt(c, "    rc = %s_compact_decode(&msg, m.data, m.len);", M);
                }
            }
            static const char *const secs[] = {"recv_event", "recv_bytes", "recv_compact",
                                               "recv_fb"};
            static const char *const gsecs[] = {"", "recv_group_bytes", "recv_group_compact",
                                                "recv_group_fb"};
            mylc_hole rh[] = {
                {"R", R},
                {"RECVFN", helper(x, "RECV", rt->index)},
                {"N", n},
                {"CHAN", ch},
                {"M", M},
                {"FROM", rt->shape == MYLC_RS_SHARED ? "UINT32_MAX" : "i"},
                {"ANSWERED", answered},
                {"DECODE", decode},
                {"MSGDECL", assign(c, "            ", tfmt(c, "const %s *msg", M),
                                   tfmt(c, "(const %s *)slot", M))},
                {NULL, NULL},
            };
            mylc_buf_putc(&recvs, '\n');
            mylc_tpl_fill(&recvs, mylc_tpl_section(mylc_tpl_topo_source, g ? gsecs[k] : secs[k]),
                          rh);
        }
    }
    if (arena) {
        mylc_buf_puts(&fields, "    /* compact messages' sequences and tables */\n");
        mylc_buf_puts(&fields, "    myl_carena arena;\n");
        mylc_buf_puts(&fields, "    void *arena_mem;\n");
        mylc_buf_printf(&opens,
                        "    ep->arena_mem = malloc(%lluu);\n"
                        "    if (!ep->arena_mem) {\n"
                        "        rc = -ENOMEM;\n"
                        "        goto fail;\n"
                        "    }\n"
                        "    myl_carena_init(&ep->arena, ep->arena_mem, %lluu);\n",
                        (unsigned long long)arena, (unsigned long long)arena);
        add_lines(&closes, "    free(ep->arena_mem);");
    }
    if (lanes.n)
        mylc_buf_put(&fields, lanes.p, lanes.n);
    mylc_buf_free(&lanes);
    if (fields.n)
        fields.p[--fields.n] = 0;
    if (opens.n)
        opens.p[--opens.n] = 0;
    const char *counts =
        r->min == r->max
            ? tfmt(c, "%llu instance%s", (unsigned long long)r->count, r->count == 1 ? "" : "s")
            : tfmt(c, "%llu instances by default, from %llu to %llu", (unsigned long long)r->count,
                   (unsigned long long)r->min, (unsigned long long)r->max);
    if (owner)
        counts = "the owner, one instance";
    bool indexed = r->max > 1;
    /* _poll's idle rounds (the IDLE helper): spin, then yield, then sleep,
     * as the inbound channels wait when they agree, else as hybrid. */
    const char *spins = "64u", *yields = "192u";
    if (waits == 1u << MYL_WAIT_SPIN)
        spins = "UINT32_MAX", yields = "0u";
    else if (waits == 1u << MYL_WAIT_YIELD)
        spins = "0u", yields = "UINT32_MAX";
    else if (waits == 1u << MYL_WAIT_BLOCK)
        spins = "0u", yields = "0u";
    /* the calls: sends first, then the helpers they use */
    mylc_buf calls = {0};
    const char *sends = text_of(c, &defs);
    prototypes(sends, &calls);
    if (cases.n) {
        mylc_hole rh[] = {{"R", R}, {"CASES", cases.p}, {NULL, NULL}};
        mylc_buf red = {0};
        mylc_tpl_fill(&red, mylc_tpl_section(mylc_tpl_topo_source, "redispatch"), rh);
        prototypes(red.p, &calls);
        mylc_buf_putc(&recvs, '\n');
        mylc_buf_put(&recvs, red.p, red.n);
        mylc_buf_free(&red);
    }
    mylc_hole holes[] = {
        {"R", R},
        {"T", x->t},
        {"NAME", sstr(c, r->name)},
        {"TNAME", sstr(c, x->d->name)},
        {"COUNTS", counts},
        {"FIELDS", fields.p ? fields.p : ""},
        {"HANDLERS", handlers.p ? handlers.p : ""},
        {"HANDLERTYPES", htypes.p ? htypes.p : ""},
        {"INDEXPARAM", indexed ? ", uint32_t index" : ""},
        {"INDEXVAR", indexed ? "" : "    const uint32_t index = 0;"},
        {"CALLS", calls.p ? calls.p : ""},
        {"ROLE", role_num(x, r)},
        {"POLLFN", helper(x, "POLL", r->index)},
        {"REJOINFN", helper(x, "REJOIN", r->index)},
        {"GROWFN", helper(x, "GROW", r->index)},
        {"REJOINS", rejoins.p ? rejoins.p : "    (void)ep; /* it receives nothing */"},
        {"EVENTFN", tfmt(c, "%s_event_fn", R)},
        {"OPENS", opens.p ? opens.p : ""},
        {"CLOSES", closes.p ? closes.p : ""},
        {"DISPATCH", dispatch.p ? dispatch.p : ""},
        {"TOTAL", total.p ? total.p : ""},
        {"SPINS", spins},
        {"YIELDS", yields},
        {NULL, NULL},
    };
    mylc_buf_putc(h, '\n');
    mylc_tpl_fill(h, mylc_tpl_section(mylc_tpl_topo_header, "topo_role"), holes);
    mylc_buf_putc(src, '\n');
    mylc_tpl_fill(src, mylc_tpl_section(mylc_tpl_topo_source, "role_open"), holes);
    mylc_buf_puts(src, sends);
    if (arena) {
        mylc_buf_putc(src, '\n');
        mylc_tpl_fill(src, mylc_tpl_section(mylc_tpl_topo_source, "arena_grow"), holes);
    }
    mylc_buf_put(src, recvs.p ? recvs.p : "", recvs.n);
    mylc_buf_putc(src, '\n');
    mylc_tpl_fill(src, mylc_tpl_section(mylc_tpl_topo_source, "role_poll"), holes);
    mylc_buf_free(&fields);
    mylc_buf_free(&handlers);
    mylc_buf_free(&htypes);
    mylc_buf_free(&opens);
    mylc_buf_free(&closes);
    mylc_buf_free(&dispatch);
    mylc_buf_free(&rejoins);
    mylc_buf_free(&total);
    mylc_buf_free(&recvs);
    mylc_buf_free(&cases);
    mylc_buf_free(&calls);
}

bool mylc_has_topology(const mylc_schema *s)
{
    for (const mylc_decl *d = s->decls; d; d = d->next)
        if (d->kind == MYLC_D_TOPOLOGY && d->routes)
            return true;
    return false;
}

bool mylc_topo_hashed(const mylc_decl *d)
{
    for (const mylc_route *rt = d->routes; rt; rt = rt->next)
        if (rt->shape == MYLC_RS_PARTITIONED && (rt->partition == MYLC_PART_HASH || rt->track))
            return true;
    return false;
}

const char *mylc_topo_features(mylc_ctx *c, mylc_schema *s)
{
    static const mylc_hole none[] = {{NULL, NULL}};
    if (!mylc_has_topology(s) && !mylc_has_pipeline(s))
        return "";
    return section(c, mylc_tpl_topo_source, "features", none, "");
}

static const char *const shape_macros[] = {"MYL_ROUTE_DIRECT", "MYL_ROUTE_BROADCAST",
                                           "MYL_ROUTE_SHARED", "MYL_ROUTE_PARTITIONED"};
static const char *const part_macros[] = {"MYL_PART_ROUND_ROBIN", "MYL_PART_HASH",
                                          "MYL_PART_LEAST_LOADED"};

void mylc_emit_topology(mylc_ctx *c, mylc_schema *s, mylc_decl *d, mylc_buf *h, mylc_buf *src,
                        bool first)
{
    topo_ctx x = {c, s, d, d->cname};
    uint32_t nroles = 0, nroutes = 0;
    mylc_buf consts = {0};
    const char *roles[MYLC_MAX_ROLE_COUNT];
    for (mylc_role *r = d->roles; r && nroles < MYLC_MAX_ROLE_COUNT; r = r->next) {
        mylc_buf_printf(&consts, "%s#define %s %uu", consts.n ? "\n" : "", role_const(&x, r),
                        r->index);
        roles[nroles++] = tfmt(c, "{\"%.*s\", %llu, %llu, %llu}", (int)r->name.n, r->name.p,
                               (unsigned long long)r->count, (unsigned long long)r->min,
                               (unsigned long long)r->max);
    }
    mylc_buf routes = {0};
    mylc_buf_printf(&routes, "static const myl_topo_route_desc %s_ROUTES[", d->cname);
    for (mylc_route *rt = d->routes; rt; rt = rt->next)
        nroutes++;
    mylc_buf_printf(&routes, "%u] = {\n", nroutes);
    for (mylc_route *rt = d->routes; rt; rt = rt->next) {
        mylc_buf_printf(&consts, "\n#define %s %uu", route_const(&x, rt), rt->index);
        mylc_buf_printf(&routes,
                        "    {\n"
                        "        .name = \"%s\",\n"
                        "        .from = %s,\n"
                        "        .to = %s,\n"
                        "        .shape = %s,\n"
                        "        .partition = %s,\n"
                        "        .channel = %s%s%s,\n"
                        "        .group = %s%s%s,\n"
                        "    },\n",
                        rt->name, role_num(&x, rt->from), role_num(&x, rt->to),
                        shape_macros[rt->shape], part_macros[rt->partition],
                        is_group(rt) ? "NULL" : "&", is_group(rt) ? "" : rt->channel->cname,
                        is_group(rt) ? "" : "_desc", is_group(rt) ? "&" : "NULL",
                        is_group(rt) ? rt->channel->cname : "", is_group(rt) ? "_desc" : "");
    }
    mylc_buf_puts(&routes, "};");
    const char *rolesdecl = mylc_init_short(
        c, tfmt(c, "static const myl_topo_role_desc %s_ROLES[%u] =", d->cname, nroles), roles,
        nroles);
    mylc_hole holes[] = {
        {"T", d->cname},
        {"NAME", sstr(c, d->name)},
        {"LABEL", tfmt(c, "%s.%.*s", s->pkg, (int)d->name.n, d->name.p)},
        {"FP", tfmt(c, "0x%016llx", (unsigned long long)d->fingerprint)},
        {"NROLES", tfmt(c, "%u", nroles)},
        {"NROUTES", tfmt(c, "%u", nroutes)},
        {"CONSTS", consts.p ? consts.p : ""},
        {"ROLES", rolesdecl},
        {"ROUTES", routes.p},
        {NULL, NULL},
    };
    if (first) {
        static const mylc_hole none[] = {{NULL, NULL}};
        mylc_buf_putc(h, '\n');
        mylc_tpl_fill(h, mylc_tpl_section(mylc_tpl_topo_header, "topo_doc"), none);
    }
    mylc_buf_putc(h, '\n');
    mylc_tpl_fill(h, mylc_tpl_section(mylc_tpl_topo_header, "topo"), holes);
    mylc_buf_putc(src, '\n');
    mylc_tpl_fill(src, mylc_tpl_section(mylc_tpl_topo_source, "topo"), holes);
    /* The key hash, only where a send or a resend calls it: an unused
     * static function is a warning (clang's -Wunused-function). */
    if (mylc_topo_hashed(d)) {
        mylc_buf_putc(src, '\n');
        mylc_tpl_fill(src, mylc_tpl_section(mylc_tpl_topo_source, "topo_hash"), holes);
    }
    for (mylc_role *r = d->roles; r; r = r->next)
        emit_role(&x, r, h, src);
    mylc_buf_free(&consts);
    mylc_buf_free(&routes);
}

/* ---- stubs (myelonc --stubs) ---- */

/* The C type of an integer field (a builtin or an enum). */
static const char *int_ctype(const mylc_field *f)
{
    if (f->type.base == MYLC_T_NAMED && f->type.decl)
        return f->type.decl->cname;
    return mylc_builtin_ctype(f->type.base);
}

/* The expression of field f of the received message msg of route rt. */
static const char *recv_field(mylc_ctx *c, const mylc_route *rt, const mylc_field *f)
{
    if (kind_of(rt) == RK_FB)
        return tfmt(c, "%s_%s(*msg)", msg_type(rt), sstr(c, f->name));
    return tfmt(c, "msg->%s", sstr(c, f->name));
}

/* A field of route rt's message type called like f, of f's class: an
 * integer for an integer f, a string or a char[N] for a string f. */
static const mylc_field *same_key(const mylc_route *rt, const mylc_field *f)
{
    if (!string_key(f))
        return same_field(rt, f);
    const mylc_decl *t = rt->channel->chan.has_carries ? rt->channel->chan.carries.decl : NULL;
    if (!t || kind_of(rt) == RK_BYTES)
        return NULL;
    for (const mylc_field *g = t->fields; g; g = g->next)
        if (mylc_str_same(g->name, f->name) && !g->deprecated &&
            ((g->type.shape == MYLC_SHAPE_ARRAY && g->type.base == MYLC_T_CHAR) ||
             (g->type.shape == MYLC_SHAPE_PLAIN && g->type.base == MYLC_T_STRING)))
            return g;
    return NULL;
}

/* The lines declaring key and key_len, the bytes of string field f of the
 * received message msg of route rt. */
static const char *recv_key_bytes(mylc_ctx *c, const mylc_route *rt, const mylc_field *f)
{
    const char *fn = sstr(c, f->name);
    if (f->type.shape == MYLC_SHAPE_ARRAY)
        return tfmt(c,
                    "    const char *key = msg->%s;\n"
                    "    size_t key_len = strnlen(msg->%s, %llu);\n",
                    fn, fn, (unsigned long long)f->type.count);
    if (kind_of(rt) == RK_FB)
        return tfmt(c,
                    "    myl_fb_str in_key = %s_%s(*msg);\n"
                    "    const char *key = in_key.ptr ? in_key.ptr : \"\";\n"
                    "    size_t key_len = in_key.len;\n",
                    msg_type(rt), fn);
    return tfmt(c,
                "    const char *key = msg->%s.p ? msg->%s.p : \"\";\n"
                "    size_t key_len = msg->%s.n;\n",
                fn, fn, fn);
}

/* The body of a handler that answers a message of route in on route out
 * (back to its sender): an empty message of out's type, carrying the
 * tracked id of in's message when both types have it, and the key of a
 * hash-partitioned out (when in's message has a field of the key's name
 * and class: the answer goes where the request's key says, and holds it;
 * else the key is empty, one destination for every answer). */
static const char *echo_body(topo_ctx *x, const mylc_route *in, const mylc_route *out,
                             const char *R)
{
    mylc_ctx *c = x->c;
    const char *M = msg_type(out);
    const char *dst = many_dst(out) ? ", ep->from" : "";
    const char *call = many_dst(out) ? mylc_name_join(c, out->out_name, "to") : out->out_name;
    const mylc_field *src = in->track ? same_field(in, in->track) : NULL;
    const mylc_field *to = src ? same_field(out, src) : NULL;
    const char *val = to ? tfmt(c, "(%s)%s", int_ctype(to), recv_field(c, in, src)) : NULL;
    /* the key: out's key field, the same-named field of in's message */
    const mylc_field *okey = out->shape == MYLC_RS_PARTITIONED ? out->key : NULL;
    const mylc_field *ikey = okey ? same_key(in, okey) : NULL;
    bool skey = okey && string_key(okey);
    bool setkey = ikey && !(to && mylc_str_same(to->name, okey->name));
    const char *kname = okey ? sstr(c, okey->name) : "";
    /* on lanes: the first (highest) lane */
    const char *lane = is_lanes(out) ? tfmt(c, "%s_LANE_%s, ", out->channel->cname,
                                            sstr(c, out->channel->chan.lanes[0]))
                                     : "";
    mylc_buf b = {0};
    mylc_buf_puts(&b, "    /* A minimal answer, so that the topology runs. */\n");
    if (ikey && skey)
        mylc_buf_puts(&b, recv_key_bytes(c, in, ikey));
    switch (kind_of(out)) {
    case RK_EVENT:
    case RK_COMPACT: {
        bool table = out->channel->chan.carries.decl->kind == MYLC_D_TABLE;
        mylc_buf_printf(&b, "    %s out;\n", M);
        if (kind_of(out) == RK_COMPACT && table)
            mylc_buf_printf(&b, "    %s_init(&out);\n", M);
        else
            mylc_buf_puts(&b, "    memset(&out, 0, sizeof out);\n");
        if (val)
            mylc_buf_printf(&b, "    out.%s = %s;\n", sstr(c, to->name), val);
        if (setkey && !skey)
            mylc_buf_printf(&b, "    out.%s = (%s)%s;\n", kname, int_ctype(okey),
                            recv_field(c, in, ikey));
        else if (setkey && okey->type.shape == MYLC_SHAPE_ARRAY)
            mylc_buf_printf(&b,
                            "    memcpy(out.%s, key, key_len < sizeof out.%s ? key_len : sizeof "
                            "out.%s);\n",
                            kname, kname, kname);
        else if (setkey)
            mylc_buf_printf(&b, "    out.%s = (myl_cstr){key, key_len};\n", kname);
        if (kind_of(out) == RK_EVENT)
            mylc_buf_printf(&b, "    int rc = %s_send_%s(ep%s, &out, 1000000000);\n", R, call, dst);
        else if (out->channel->chan.shape == MYLC_CS_CLASSES) /* encoded into buf */
            mylc_buf_printf(
                &b,
                "    unsigned char buf[1024];\n"
                "    int rc = %s_send_%s(ep%s, &out, buf, sizeof buf, 0, 1000000000);\n",
                R, call, dst);
        else
            mylc_buf_printf(&b, "    int rc = %s_send_%s(ep%s, %s&out, NULL, 0, 0, 1000000000);\n",
                            R, call, dst, lane);
        break;
    }
    case RK_BYTES:
        if (kind_of(in) == RK_BYTES)
            mylc_buf_printf(&b,
                            "    int rc = %s_send_%s(ep%s, %smsg->data, msg->len, msg->kind, "
                            "1000000000);\n",
                            R, call, dst, lane);
        else
            mylc_buf_printf(&b, "    int rc = %s_send_%s(ep%s, %s\"\", 0, 0, 1000000000);\n", R,
                            call, dst, lane);
        break;
    case RK_FB: {
        const char *key = "";
        if (skey)
            key = ikey ? ", key, key_len" : ", \"\", 0";
        else if (okey)
            key = ikey ? tfmt(c, ", (uint64_t)%s", recv_field(c, in, ikey)) : ", 0";
        bool group = is_group(out); /* built here, sent as a finished buffer */
        if (group)
            mylc_buf_puts(&b, "    unsigned char buf[1024];\n"
                              "    myl_fb_builder b;\n"
                              "    myl_fb_ref root;\n"
                              "    myl_fb_msg m;\n"
                              "    myl_fb_builder_init(&b, buf, sizeof buf, NULL, 0);\n");
        else
            mylc_buf_printf(&b,
                            "    myl_fb_builder b;\n"
                            "    myl_frame_span span;\n"
                            "    myl_fb_ref root;\n"
                            "    int rc = %s_begin_%s(ep%s%s, &b, NULL, 0, &span, 1000000000);\n"
                            "    if (rc < 0)\n"
                            "        return rc;\n",
                            R, call, dst, key);
        if (setkey && skey)
            mylc_buf_puts(&b,
                          "    myl_fb_ref key_ref = 0; /* an error is the builder's: at _end */\n"
                          "    (void)myl_fb_create_string(&b, key, key_len, &key_ref);\n");
        mylc_buf_printf(&b, "    %s_start(&b);\n", M);
        if (val)
            mylc_buf_printf(&b, "    %s_add_%s(&b, %s);\n", M, sstr(c, to->name), val);
        if (setkey && skey)
            mylc_buf_printf(&b, "    %s_add_%s(&b, key_ref);\n", M, kname);
        else if (setkey)
            mylc_buf_printf(&b, "    %s_add_%s(&b, (%s)%s);\n", M, kname, int_ctype(okey),
                            recv_field(c, in, ikey));
        if (group)
            mylc_buf_printf(&b,
                            "    %s_end(&b, &root);\n"
                            "    int rc = %s_finish(&b, root, NULL, 0, &m);\n"
                            "    if (rc < 0)\n"
                            "        return rc;\n"
                            "    rc = %s_send_%s(ep%s, %sm.data, m.len, 1000000000);\n",
                            M, M, R, call, dst, lane);
        else
            mylc_buf_printf(&b,
                            "    %s_end(&b, &root);\n"
                            "    rc = %s_commit_%s(ep, &b, root, &span, 1000000000);\n",
                            M, R, out->out_name);
        break;
    }
    }
    mylc_buf_puts(&b, "    if (rc < 0)\n        return rc;");
    return text_of(c, &b);
}

void mylc_emit_stub(mylc_ctx *c, mylc_schema *s, mylc_decl *d, mylc_role *r, mylc_buf *out)
{
    topo_ctx x = {c, s, d, d->cname};
    const char *R = role_type(&x, r);
    const char *name = sstr(c, r->name);
    mylc_buf handlers = {0}, sets = {0};
    for (mylc_route *rt = d->routes; rt; rt = rt->next) {
        if (rt->to != r)
            continue;
        const char *n = rt->in_name;
        const char *view = view_type(c, rt);
        /* The answering side of a request/response pair: the tracked
         * route from that role, else the first from it, and a route back. */
        bool asked = rt->track != NULL;
        if (!asked) {
            const mylc_route *first = NULL;
            bool tracked = false;
            for (mylc_route *q = d->routes; q; q = q->next)
                if (q->from == rt->from && q->to == r) {
                    first = first ? first : q;
                    tracked = tracked || q->track;
                }
            asked = !tracked && first == rt;
        }
        const char *body = "";
        for (mylc_route *q = d->routes; q && asked && !*body; q = q->next) {
            if (q->from != r || q->to != rt->from)
                continue;
            /* A shared route does not say which instance sent a message
             * (ep->from is UINT32_MAX): no answer to one of several. */
            if (rt->shape == MYLC_RS_SHARED && many_dst(q))
                body = tfmt(c,
                            "    /* '%s' comes on a shared route, which does not say which %s "
                            "sent it:\n     * answer on '%s' with _send_%s(ep, dst, ...) "
                            "once the message says. */\n",
                            n, sstr(c, rt->from->name), sstr(c, q->channel->name),
                            mylc_name_join(c, q->out_name, "to"));
            else
                body = echo_body(&x, rt, q, R);
        }
        mylc_hole h[] = {
            {"FROM", sstr(c, rt->from->name)},
            {"NAME", name},
            {"CHANNEL", sstr(c, rt->channel->name)},
            {"N", n},
            {"VIEW", view},
            {"R", R},
            {"BODY", body},
            {NULL, NULL},
        };
        mylc_buf_putc(&handlers, '\n');
        mylc_tpl_fill(&handlers, mylc_tpl_section(mylc_tpl_topo_stub, "handler"), h);
        mylc_buf_printf(&sets, "%s    h.on_%s = on_%s;", sets.n ? "\n" : "", n, n);
    }
    if (handlers.n)
        handlers.p[--handlers.n] = 0;
    bool tracked = false;
    for (mylc_route *rt = d->routes; rt; rt = rt->next)
        tracked = tracked || (rt->from == r && rt->track);
    bool indexed = r->max > 1;
    mylc_buf sends = {0};
    for (mylc_route *rt = d->routes; rt; rt = rt->next) {
        if (rt->from != r)
            continue;
        const char *call = many_dst(rt) ? mylc_name_join(c, rt->out_name, "to") : rt->out_name;
        mylc_buf_printf(&sends, "         *   %s_%s_%s()\n", R,
                        kind_of(rt) == RK_FB && !is_group(rt) ? "begin" : "send", call);
    }
    const char *sendlist = "";
    if (sends.n)
        sendlist = tfmt(c, "        /* TODO: send on the outbound routes:\n%.*s         */",
                        (int)sends.n, sends.p);
    mylc_buf_free(&sends);
    mylc_hole h[] = {
        {"R", R},
        {"SENDS", sendlist},
        {"NAME", name},
        {"TNAME", sstr(c, d->name)},
        {"SCHEMA", tfmt(c, "%s.myl", s->stem)},
        {"STEM", s->stem},
        {"HANDLERS", handlers.p ? handlers.p : ""},
        {"SETHANDLERS", sets.p ? sets.p : ""},
        {"ONDEAD", tracked ? tfmt(c,
                                  "    /* a stalled member is out of rotation (its receivers are\n"
                                  "     * evicted after the grace): its unanswered messages go to\n"
                                  "     * the others, so an answer may come twice (the second\n"
                                  "     * with ep->repeat set) */\n"
                                  "    if (ev->kind == MYL_TOPO_EV_DEAD || ev->kind == "
                                  "MYL_TOPO_EV_STALLED)\n"
                                  "        (void)%s_redispatch(ep, ev->role, ev->index);",
                                  R)
                           : ""},
        {"CFG", tracked   ? "    cfg.track = 1; /* keep unanswered messages for re-dispatch */"
                : indexed ? ""
                          : "    (void)index; /* one instance */"},
        {"OPEN",
         indexed ? tfmt(c, "%s_open(&cfg, index, &ep)", R) : tfmt(c, "%s_open(&cfg, &ep)", R)},
        {NULL, NULL},
    };
    mylc_buf raw = {0};
    mylc_tpl_fill(&raw, mylc_tpl_section(mylc_tpl_topo_stub, "stub"), h);
    mylc_format(&raw, out);
    mylc_buf_free(&raw);
    mylc_buf_free(&handlers);
    mylc_buf_free(&sets);
}

const char *mylc_stub_name(mylc_ctx *c, mylc_decl *d, mylc_role *r)
{
    return mylc_name_join(c, d->cname, mylc_strdup(&c->arena, r->name.p, r->name.n));
}
