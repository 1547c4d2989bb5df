/* Debug output: the token stream (--dump-tokens), the AST as parsed
 * (--dump-ast) and the resolved, checked and laid-out schema (--print).
 * Each is the test entry of its phase. */
#include <string.h>

#include "parse.h"

#define S(x) (int)(x).n, (x).p

void mylc_dump_tokens(mylc_ctx *c, mylc_file *f, mylc_buf *out)
{
    mylc_lexer lx;
    mylc_lex_init(&lx, c, f);
    for (;;) {
        mylc_tok t = mylc_lex_next(&lx);
        uint32_t line, col;
        mylc_line_col(f, t.off, &line, &col);
        if (t.type == 0) {
            mylc_buf_printf(out, "%u:%u eof\n", line, col);
            break;
        }
        unsigned n = t.s.n > 60 ? 60 : t.s.n;
        mylc_buf_printf(out, "%u:%u %s '%.*s'%s\n", line, col, mylc_tok_name(t.type), (int)n, t.s.p,
                        n < t.s.n ? "..." : "");
    }
}

static void dump_value(mylc_buf *out, const mylc_value *v)
{
    mylc_buf_printf(out, "%s%.*s", v->neg ? "-" : "", S(v->text));
}

static void dump_attrs(mylc_buf *out, const mylc_attr *a)
{
    if (!a)
        return;
    mylc_buf_puts(out, " (");
    for (; a; a = a->next) {
        mylc_buf_printf(out, "%.*s", S(a->name));
        if (a->value) {
            mylc_buf_puts(out, ": ");
            dump_value(out, a->value);
        }
        mylc_buf_puts(out, a->next ? ", " : ")");
    }
}

static void dump_type(mylc_buf *out, const mylc_type *t)
{
    if (t->shape == MYLC_SHAPE_VECTOR)
        mylc_buf_printf(out, "[%.*s]", S(t->name));
    else if (t->shape == MYLC_SHAPE_ARRAY && t->len)
        mylc_buf_printf(out, "%.*s[%.*s]", S(t->name), S(t->len->text));
    else
        mylc_buf_printf(out, "%.*s", S(t->name));
}

void mylc_dump_ast(mylc_schema *s, mylc_buf *out)
{
    mylc_buf_printf(out, "schema %s\n", s->file->path);
    if (s->has_package)
        mylc_buf_printf(out, "  package %.*s\n", S(s->package));
    for (mylc_import *im = s->imports; im; im = im->next)
        mylc_buf_printf(out, "  import %.*s\n", S(im->path));
    for (mylc_decl *d = s->decls; d; d = d->next) {
        uint32_t line, col;
        mylc_line_col(s->file, d->off, &line, &col);
        mylc_buf_printf(out, "  %s %.*s @%u:%u", mylc_kind_name(d->kind), S(d->name), line, col);
        if (d->kind == MYLC_D_ENUM)
            mylc_buf_printf(out, " : %.*s", S(d->under.name));
        dump_attrs(out, d->attrs);
        mylc_buf_putc(out, '\n');
        for (mylc_enumval *e = d->values; e; e = e->next) {
            mylc_buf_printf(out, "    value %.*s", S(e->name));
            if (e->value) {
                mylc_buf_puts(out, " = ");
                dump_value(out, e->value);
            }
            mylc_buf_putc(out, '\n');
        }
        for (mylc_field *f = d->fields; f; f = f->next) {
            mylc_buf_printf(out, "    field %.*s: ", S(f->name));
            dump_type(out, &f->type);
            if (f->dflt) {
                mylc_buf_puts(out, " = ");
                dump_value(out, f->dflt);
            }
            dump_attrs(out, f->attrs);
            mylc_buf_putc(out, '\n');
        }
        for (mylc_value *m = d->members; m; m = m->next)
            mylc_buf_printf(out, "    member %.*s\n", S(m->text));
        for (mylc_prop *p = d->props; p; p = p->next) {
            if (p->route)
                mylc_buf_printf(out, "    route %.*s -> %.*s :", S(p->key), S(p->to));
            else
                mylc_buf_printf(out, "    %.*s", S(p->key));
            for (mylc_value *v = p->args; v; v = v->next) {
                mylc_buf_putc(out, ' ');
                dump_value(out, v);
            }
            mylc_buf_putc(out, '\n');
        }
    }
}

void mylc_dump_schema(mylc_schema *s, mylc_buf *out)
{
    mylc_buf_printf(out, "schema %s package %s prefix %s fingerprint 0x%016llx\n", s->file->path,
                    s->pkg, s->prefix, (unsigned long long)s->fingerprint);
    for (mylc_import *im = s->imports; im; im = im->next)
        if (im->file)
            mylc_buf_printf(out, "import %s\n", im->file->path);
    for (mylc_decl *d = s->decls; d; d = d->next) {
        mylc_buf_printf(out, "%s %s.%.*s -> %s", mylc_kind_name(d->kind), mylc_decl_pkg(d),
                        S(d->name), d->cname);
        switch (d->kind) {
        case MYLC_D_EVENT:
        case MYLC_D_STRUCT:
            mylc_buf_printf(out, " size %llu align %u\n", (unsigned long long)d->size, d->align);
            for (mylc_field *f = d->fields; f; f = f->next) {
                mylc_buf_printf(out, "  @%llu %.*s: ", (unsigned long long)f->offset, S(f->name));
                dump_type(out, &f->type);
                mylc_buf_printf(out, " size %llu align %llu\n", (unsigned long long)f->size,
                                (unsigned long long)f->falign);
            }
            break;
        case MYLC_D_TABLE:
            mylc_buf_printf(out, " ids %u\n", d->nids);
            for (mylc_field *f = d->fields; f; f = f->next) {
                mylc_buf_printf(out, "  id %u %.*s: ", f->id, S(f->name));
                dump_type(out, &f->type);
                mylc_buf_printf(out, "%s%s\n", f->required ? " required" : "",
                                f->deprecated ? " deprecated" : "");
            }
            break;
        case MYLC_D_ENUM:
            mylc_buf_printf(out, " : %s\n", mylc_builtin_name(d->under.base));
            for (mylc_enumval *e = d->values; e; e = e->next)
                if (mylc_builtin_is_signed(d->under.base))
                    mylc_buf_printf(out, "  %.*s = %lld\n", S(e->name), (long long)e->i);
                else
                    mylc_buf_printf(out, "  %.*s = %llu\n", S(e->name), (unsigned long long)e->u);
            break;
        case MYLC_D_CHANNEL: {
            mylc_channel *ch = &d->chan;
            mylc_buf_printf(out,
                            " carries %.*s codec %s capacity %llu producers %s mode %s wait %s "
                            "backing %s slot %llu",
                            S(ch->carries.name), mylc_codecs[ch->codec].name,
                            (unsigned long long)ch->capacity,
                            mylc_word_of(mylc_producers_words, ch->producers)->word,
                            mylc_word_of(mylc_mode_words, ch->mode)->word,
                            mylc_word_of(mylc_wait_words, ch->wait)->word,
                            mylc_word_of(mylc_backing_words, ch->backing)->word,
                            (unsigned long long)ch->slot_size);
            if (ch->framed) {
                mylc_buf_puts(out, " frames");
                for (uint32_t i = 0; i < ch->nframes; i++)
                    mylc_buf_printf(out, " %llu", (unsigned long long)ch->frames[i]);
                mylc_buf_printf(out, " max_message %llu", (unsigned long long)ch->max_message);
            }
            for (uint32_t i = 0; i < ch->nlanes; i++)
                mylc_buf_printf(out, "%s%.*s", i ? ", " : " lanes ", S(ch->lanes[i]));
            if (ch->fences)
                mylc_buf_printf(out, " fences %s",
                                mylc_word_of(mylc_fences_words, ch->fences)->word);
            mylc_buf_putc(out, '\n');
            break;
        }
        case MYLC_D_TOPOLOGY:
            mylc_buf_putc(out, '\n');
            for (mylc_role *r = d->roles; r; r = r->next)
                mylc_buf_printf(out, "  role %.*s x%llu [%llu, %llu]\n", S(r->name),
                                (unsigned long long)r->count, (unsigned long long)r->min,
                                (unsigned long long)r->max);
            for (mylc_route *r = d->routes; r; r = r->next) {
                static const char *const shapes[] = {"", " broadcast", " shared", " partitioned"};
                static const char *const parts[] = {" round_robin", " hash", " least_loaded"};
                mylc_buf_printf(out, "  route %.*s -> %.*s : %.*s%s%s", S(r->from->name),
                                S(r->to->name), S(r->channel->name), shapes[r->shape],
                                r->shape == MYLC_RS_PARTITIONED ? parts[r->partition] : "");
                if (r->key)
                    mylc_buf_printf(out, " %.*s", S(r->key->name));
                if (r->track)
                    mylc_buf_printf(out, " track %.*s", S(r->track->name));
                mylc_buf_printf(out, " (%s)\n", r->name);
            }
            break;
        case MYLC_D_BRIDGE:
            if (d->bridge.topology && d->bridge.role) {
                mylc_buf_printf(out,
                                " topology %.*s role %.*s %.*s reconnect_ms %llu "
                                "timeout_ms %llu\n",
                                S(d->bridge.topology->name), S(d->bridge.role->name),
                                S(d->bridge.endpoint), (unsigned long long)d->bridge.reconnect_ms,
                                (unsigned long long)d->bridge.timeout_ms);
                break;
            }
            mylc_buf_printf(out,
                            " channel %.*s %s %.*s hwm %llu batch %llu reconnect_ms %llu "
                            "timeout_ms %llu\n",
                            d->bridge.channel ? (int)d->bridge.channel->name.n : 0,
                            d->bridge.channel ? d->bridge.channel->name.p : "",
                            d->bridge.exporting ? "export" : "import", S(d->bridge.endpoint),
                            (unsigned long long)d->bridge.hwm, (unsigned long long)d->bridge.batch,
                            (unsigned long long)d->bridge.reconnect_ms,
                            (unsigned long long)d->bridge.timeout_ms);
            break;
        case MYLC_D_PIPELINE:
            mylc_buf_printf(out, " input %.*s\n", d->input ? (int)d->input->name.n : 0,
                            d->input ? d->input->name.p : "");
            for (mylc_stage *st = d->stages; st; st = st->next) {
                mylc_buf_printf(out, "  stage %.*s%s%s%s", S(st->name),
                                st->durable ? " durable" : "", st->fsync ? " fsync" : "",
                                st->batch ? " batch" : "");
                for (uint32_t i = 0; i < st->nafter; i++)
                    mylc_buf_printf(out, " after %.*s", S(st->after[i]->name));
                if (st->output)
                    mylc_buf_printf(out, " output %.*s", S(st->output->name));
                mylc_buf_putc(out, '\n');
            }
            break;
        default:
            mylc_buf_putc(out, '\n');
            break;
        }
        /* A bridge has no fingerprint of its own: its channel's (or its
         * topology's) travels in the handshake. */
        if (d->kind == MYLC_D_BRIDGE)
            continue;
        mylc_buf_printf(out, "  fingerprint 0x%016llx canonical ",
                        (unsigned long long)d->fingerprint);
        mylc_canonical_decl(d, out);
        mylc_buf_putc(out, '\n');
    }
}
