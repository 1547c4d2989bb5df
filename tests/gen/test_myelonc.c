/* myelonc's phases through its library (myelonc_core), in memory: the
 * lexer, the parser, resolve (imports), check, layout and fingerprints, and
 * hostile inputs that must end in diagnostics, never a crash or a hang. */
#define _POSIX_C_SOURCE 200809L
#include "harness.h"

#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mylc.h"
#include "template.h"
#include "grammar.h"

/* ---- an in-memory compilation ---- */

typedef struct memfs {
    const char *path[8];
    const char *text[8];
    size_t len[8];
    unsigned n;
} memfs;

static const char *mem_lookup(void *ud, const char *path, size_t *len)
{
    memfs *fs = ud;
    for (unsigned i = 0; i < fs->n; i++)
        if (strcmp(fs->path[i], path) == 0) {
            *len = fs->len[i];
            return fs->text[i];
        }
    return NULL;
}

typedef struct run {
    mylc_ctx ctx;
    memfs fs;
    char *diag;
    size_t diag_len;
    FILE *err;
    mylc_schema *schema;
    bool ok;
} run;

static void add(run *r, const char *path, const char *text, size_t len)
{
    r->fs.path[r->fs.n] = path;
    r->fs.text[r->fs.n] = text;
    r->fs.len[r->fs.n++] = len;
}

static void start(run *r)
{
    r->err = open_memstream(&r->diag, &r->diag_len);
    assert_non_null(r->err);
    mylc_ctx_init(&r->ctx, r->err);
    r->ctx.mem_lookup = mem_lookup;
    r->ctx.mem_ud = &r->fs;
}

/* Compiles fs.path[0]; returns whether it succeeded. */
static bool compile(run *r)
{
    start(r);
    mylc_file *f = mylc_load(&r->ctx, r->fs.path[0], NULL, 0);
    r->ok = f && mylc_compile(&r->ctx, f, &r->schema);
    fflush(r->err);
    return r->ok;
}

static void finish(run *r)
{
    mylc_ctx_free(&r->ctx);
    fclose(r->err);
    free(r->diag);
    memset(r, 0, sizeof *r);
}

static bool compile_text(run *r, const char *text)
{
    memset(r, 0, sizeof *r);
    add(r, "t.myl", text, strlen(text));
    return compile(r);
}

static mylc_decl *decl(mylc_schema *s, const char *name)
{
    for (mylc_decl *d = s->decls; d; d = d->next)
        if (mylc_str_eq(d->name, name))
            return d;
    return NULL;
}

/* ---- lexer ---- */

static void test_lexer_tokens(void **state)
{
    (void)state;
    run r;
    memset(&r, 0, sizeof r);
    start(&r);
    const char *src = "\xEF\xBB\xBF"
                      "event a.b x: u8[4K] = -1.5e3 \"s\\\"t\" -> // c\n/* d */ }";
    mylc_file *f = mylc_load_mem(&r.ctx, "l.myl", src, strlen(src));
    mylc_lexer lx;
    mylc_lex_init(&lx, &r.ctx, f);
    static const int want[] = {
        MYL_TK_EVENT,  MYL_TK_ID,     MYL_TK_ID,     MYL_TK_COLON,  MYL_TK_ID,
        MYL_TK_LBRACK, MYL_TK_INT,    MYL_TK_RBRACK, MYL_TK_EQ,     MYL_TK_MINUS,
        MYL_TK_FLOAT,  MYL_TK_STRING, MYL_TK_ARROW,  MYL_TK_RBRACE, 0};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        mylc_tok t = mylc_lex_next(&lx);
        assert_int_equal(t.type, want[i]);
        if (i == 1)
            assert_true(mylc_str_eq(t.s, "a.b"));
        if (i == 6)
            assert_true(mylc_str_eq(t.s, "4K"));
        if (i == 0)
            assert_int_equal(t.off, 3); /* after the BOM */
    }
    assert_int_equal(r.ctx.errors, 0);
    uint32_t line, col;
    mylc_line_col(f, 3, &line, &col);
    assert_int_equal(line, 1);
    assert_int_equal(col, 1); /* the BOM does not count */
    finish(&r);
}

static void test_lexer_bad_bytes(void **state)
{
    (void)state;
    run r;
    memset(&r, 0, sizeof r);
    start(&r);
    const char src[] = "a \0\0\0 b \x80\x81 c @@ d";
    mylc_file *f = mylc_load_mem(&r.ctx, "l.myl", src, sizeof src - 1);
    mylc_lexer lx;
    mylc_lex_init(&lx, &r.ctx, f);
    int ids = 0;
    for (mylc_tok t = mylc_lex_next(&lx); t.type; t = mylc_lex_next(&lx))
        ids += t.type == MYL_TK_ID;
    assert_int_equal(ids, 4);
    assert_int_equal(r.ctx.errors, 3); /* one per run of bad bytes */
    fflush(r.err);
    assert_non_null(strstr(r.diag, "l.myl:1:3: error: invalid NUL byte in input"));
    finish(&r);
}

/* ---- parse, resolve, check, layout ---- */

static const char *const ticks_src = "myelon 1;\n"
                                     "package ticks;\n"
                                     "enum Side : u8 { BUY, SELL }\n"
                                     "event Tick { seq: u64; side: Side; sym: char[3]; px: i64; }\n"
                                     "channel ticks { carries Tick; capacity 1024; }\n";

static void test_parse_and_layout(void **state)
{
    (void)state;
    run r;
    assert_true(compile_text(&r, ticks_src));
    mylc_schema *s = r.schema;
    assert_string_equal(s->prefix, "ticks");
    mylc_decl *t = decl(s, "Tick");
    assert_non_null(t);
    assert_int_equal(t->kind, MYLC_D_EVENT);
    assert_int_equal(t->size, 24);
    assert_int_equal(t->align, 8);
    uint64_t offs[] = {0, 8, 9, 16};
    unsigned i = 0;
    for (mylc_field *f = t->fields; f; f = f->next, i++)
        assert_int_equal(f->offset, offs[i]);
    assert_int_equal(i, 4);
    mylc_decl *c = decl(s, "ticks");
    assert_int_equal(c->chan.slot_size, 24);
    assert_int_equal(c->chan.capacity, 1024);
    assert_int_equal(c->chan.mode, 1);
    assert_int_not_equal(c->chan.fingerprint, 0);
    assert_string_equal(t->cname, "ticks_Tick");
    finish(&r);
}

/* The fingerprint ignores comments, whitespace and field names, and
 * follows types, order, sizes and enum values. */
static uint64_t channel_fp(const char *src)
{
    run r;
    if (!compile_text(&r, src)) {
        fprintf(stderr, "%s", r.diag);
        fail();
    }
    uint64_t fp = decl(r.schema, "ticks")->chan.fingerprint;
    finish(&r);
    return fp;
}

static void test_fingerprint(void **state)
{
    (void)state;
    uint64_t base = channel_fp(ticks_src);
    assert_int_equal(base, channel_fp(ticks_src)); /* stable */
    assert_int_equal(base, channel_fp("// comment\nmyelon 1; package ticks;\n"
                                      "enum Side:u8{BUY,SELL} /* c */\n"
                                      "event Tick{seq:u64;side:Side;sym:char[3];px:i64;}\n"
                                      "channel ticks{carries Tick;capacity 1024;}"));
    /* field names are not on the wire */
    assert_int_equal(base, channel_fp("myelon 1;\npackage ticks;\n"
                                      "enum Side : u8 { B, S }\n"
                                      "event Tick { n: u64; s: Side; y: char[3]; p: i64; }\n"
                                      "channel ticks { carries Tick; capacity 1024; }\n"));
    /* capacity is checked by the runtime, not the fingerprint */
    assert_int_equal(base,
                     channel_fp("myelon 1;\npackage ticks;\n"
                                "enum Side : u8 { BUY, SELL }\n"
                                "event Tick { seq: u64; side: Side; sym: char[3]; px: i64; }\n"
                                "channel ticks { carries Tick; capacity 2048; }\n"));
    const char *changed[] = {
        /* a type */
        "myelon 1;\npackage ticks;\nenum Side : u8 { BUY, SELL }\n"
        "event Tick { seq: i64; side: Side; sym: char[3]; px: i64; }\n"
        "channel ticks { carries Tick; }\n",
        /* an array length */
        "myelon 1;\npackage ticks;\nenum Side : u8 { BUY, SELL }\n"
        "event Tick { seq: u64; side: Side; sym: char[4]; px: i64; }\n"
        "channel ticks { carries Tick; }\n",
        /* an enum value */
        "myelon 1;\npackage ticks;\nenum Side : u8 { BUY, SELL = 2 }\n"
        "event Tick { seq: u64; side: Side; sym: char[3]; px: i64; }\n"
        "channel ticks { carries Tick; }\n",
        /* the order of fields */
        "myelon 1;\npackage ticks;\nenum Side : u8 { BUY, SELL }\n"
        "event Tick { side: Side; seq: u64; sym: char[3]; px: i64; }\n"
        "channel ticks { carries Tick; }\n",
        /* the package (type identity) */
        "myelon 1;\npackage other;\nenum Side : u8 { BUY, SELL }\n"
        "event Tick { seq: u64; side: Side; sym: char[3]; px: i64; }\n"
        "channel ticks { carries Tick; }\n",
    };
    for (size_t i = 0; i < sizeof changed / sizeof changed[0]; i++)
        assert_int_not_equal(base, channel_fp(changed[i]));
}

static void test_imports(void **state)
{
    (void)state;
    run r;
    memset(&r, 0, sizeof r);
    const char *a = "myelon 1;\nimport \"b.myl\";\nevent A { h: common.H; }\n";
    const char *b = "myelon 1;\npackage common;\nevent H { x: u32; }\n";
    add(&r, "a.myl", a, strlen(a));
    add(&r, "b.myl", b, strlen(b));
    assert_true(compile(&r));
    assert_int_equal(decl(r.schema, "A")->size, 4);
    finish(&r);

    memset(&r, 0, sizeof r);
    const char *c1 = "myelon 1;\nimport \"c2.myl\";\n";
    const char *c2 = "myelon 1;\nimport \"c1.myl\";\n";
    add(&r, "c1.myl", c1, strlen(c1));
    add(&r, "c2.myl", c2, strlen(c2));
    assert_false(compile(&r));
    assert_non_null(strstr(r.diag, "import cycle: c1.myl -> c2.myl -> c1.myl"));
    finish(&r);

    memset(&r, 0, sizeof r);
    const char *self = "myelon 1;\nimport \"s.myl\";\n";
    add(&r, "s.myl", self, strlen(self));
    assert_false(compile(&r));
    assert_non_null(strstr(r.diag, "s.myl:2:8: error: schema imports itself"));
    finish(&r);
}

static void test_several_errors(void **state)
{
    (void)state;
    run r;
    assert_false(compile_text(&r, "myelon 1;\n"
                                  "event A { x: u8; x: u16; }\n"
                                  "enum E : u8 { V = 256 }\n"
                                  "channel c { carries A; capacity 3; }\n"));
    assert_int_equal(r.ctx.errors, 3);
    assert_non_null(strstr(r.diag, "t.myl:2:18: error: duplicate field 'x' in event 'A'"));
    assert_non_null(strstr(r.diag, "t.myl:2:11: note: previous definition is here"));
    assert_non_null(strstr(r.diag, "t.myl:3:19: error: enum value 256 is out of range of u8"));
    assert_non_null(strstr(r.diag, "t.myl:4:33: error: capacity 3 is not a power of two"));
    finish(&r);
}

/* ---- hostile input ---- */

static void expect_errors(const char *text, size_t len)
{
    run r;
    memset(&r, 0, sizeof r);
    add(&r, "h.myl", text, len);
    assert_false(compile(&r));
    assert_true(r.ctx.errors > 0);
    finish(&r);
}

static char *repeat(const char *prefix, char ch, size_t n, const char *suffix, size_t *len)
{
    size_t a = strlen(prefix), b = strlen(suffix);
    char *s = malloc(a + n + b + 1);
    assert_non_null(s);
    memcpy(s, prefix, a);
    memset(s + a, ch, n);
    memcpy(s + a + n, suffix, b + 1);
    *len = a + n + b;
    return s;
}

static void test_hostile(void **state)
{
    (void)state;
    size_t len;
    char *s = repeat("myelon 1;\nevent A { ", 'x', 1u << 20, " }\n", &len);
    expect_errors(s, len); /* a 1 MB line, and a 1 MB identifier */
    free(s);
    s = repeat("myelon 1;\nevent A ", '{', 10000, "", &len);
    expect_errors(s, len); /* 10,000-deep nesting */
    free(s);
    s = repeat("myelon 1;\nevent A { x: ", '[', 10000, "u8", &len);
    expect_errors(s, len);
    free(s);
    s = repeat("myelon 1;\n", '(', 10000, "", &len);
    expect_errors(s, len);
    free(s);
    static const char unterminated_comment[] = "myelon 1;\n/* never closed";
    static const char unterminated_string[] = "myelon 1;\nimport \"never closed";
    static const char bom_crlf[] = "\xEF\xBB\xBFmyelon 1;\r\nevent A {\r\n x: u8\r\n}\r\n";
    expect_errors(unterminated_comment, sizeof unterminated_comment - 1);
    expect_errors(unterminated_string, sizeof unterminated_string - 1);
    expect_errors(bom_crlf, sizeof bom_crlf - 1);
    /* deterministic pseudo-random garbage, NULs included */
    uint32_t x = 12345;
    char *g = malloc(1 << 16);
    assert_non_null(g);
    for (int round = 0; round < 8; round++) {
        for (size_t i = 0; i < (1 << 16); i++) {
            x = x * 1103515245u + 12345u;
            g[i] = (char)(x >> 16);
        }
        expect_errors(g, 1 << 16);
    }
    free(g);
    /* events nested deeper than the limit, and a long chain of tables */
    mylc_buf b = {0};
    mylc_buf_puts(&b, "myelon 1;\n");
    for (int i = 0; i < 200; i++)
        mylc_buf_printf(&b, "event E%d { x: E%d; }\n", i, i + 1);
    mylc_buf_puts(&b, "event E200 { x: u8; }\n");
    expect_errors(b.p, b.n);
    mylc_buf_free(&b);
}

static void test_table_chain_ok(void **state)
{
    (void)state;
    /* 5,000 tables, each holding the next: fine, and no deep recursion. */
    mylc_buf b = {0};
    mylc_buf_puts(&b, "myelon 1;\n");
    for (int i = 0; i < 5000; i++)
        mylc_buf_printf(&b, "table T%d { x: T%d; }\n", i, i + 1);
    mylc_buf_puts(&b, "table T5000 { x: u8; }\nchannel c { carries T0; }\n");
    run r;
    assert_true(compile_text(&r, b.p));
    finish(&r);
    mylc_buf_free(&b);
}

/* The binding a channel gets (its shape and codec) follows its
 * properties; byte channels with frames, size classes or lanes emit their
 * own names, lane constants in lane order. */
static void test_channel_kinds(void **state)
{
    (void)state;
    run r;
    assert_true(compile_text(&r, "myelon 1;\n"
                                 "event E { x: u64; }\n"
                                 "table T { s: string; }\n"
                                 "channel raw { carries E; }\n"
                                 "channel one { carries bytes; }\n"
                                 "channel cls { carries bytes; frames 1024; }\n"
                                 "channel ln { carries bytes; lanes b, a; }\n"
                                 "channel fb { carries T; }\n"
                                 "channel cp { carries E codec compact; }\n"
                                 "channel cpc { carries T codec compact; frames 64, 256; }\n"
                                 "channel cpl { carries T codec compact; lanes x, y; }\n"
                                 "channel fbl { carries T; lanes x, y; }\n"));
    mylc_schema *s = r.schema;
    assert_int_equal(decl(s, "raw")->chan.shape, MYLC_CS_RING);
    assert_int_equal(decl(s, "raw")->chan.codec, MYLC_CODEC_RAW);
    assert_int_equal(decl(s, "one")->chan.shape, MYLC_CS_FRAMED);
    assert_int_equal(decl(s, "one")->chan.codec, MYLC_CODEC_RAW);
    assert_int_equal(decl(s, "one")->chan.frames[0], 1024);
    assert_int_equal(decl(s, "cls")->chan.shape, MYLC_CS_CLASSES);
    assert_int_equal(decl(s, "cls")->chan.codec, MYLC_CODEC_RAW);
    assert_int_equal(decl(s, "ln")->chan.shape, MYLC_CS_LANES);
    assert_int_equal(decl(s, "ln")->chan.codec, MYLC_CODEC_RAW);
    assert_int_equal(decl(s, "fb")->chan.shape, MYLC_CS_FRAMED);
    assert_int_equal(decl(s, "fb")->chan.codec, MYLC_CODEC_FLATBUFFERS);
    assert_int_equal(decl(s, "cp")->chan.shape, MYLC_CS_FRAMED);
    assert_int_equal(decl(s, "cp")->chan.codec, MYLC_CODEC_COMPACT);
    assert_int_equal(decl(s, "cpc")->chan.shape, MYLC_CS_CLASSES);
    assert_int_equal(decl(s, "cpc")->chan.codec, MYLC_CODEC_COMPACT);
    assert_int_equal(decl(s, "cpl")->chan.shape, MYLC_CS_LANES);
    assert_int_equal(decl(s, "cpl")->chan.codec, MYLC_CODEC_COMPACT);
    assert_int_equal(decl(s, "fbl")->chan.shape, MYLC_CS_LANES);
    assert_int_equal(decl(s, "fbl")->chan.codec, MYLC_CODEC_FLATBUFFERS);
    /* frame 1024 and frames 1024 bind differently but have one wire format */
    assert_int_equal(decl(s, "one")->chan.fingerprint, decl(s, "cls")->chan.fingerprint);
    mylc_buf h = {0}, c = {0}, fbs = {0};
    mylc_emit(&r.ctx, s, &h, &c);
    mylc_emit_fbs(&r.ctx, s, &fbs);
    mylc_buf_putc(&h, 0);
    mylc_buf_putc(&fbs, 0);
    assert_non_null(strstr(h.p, "#define t_ln_LANE_b 0u\n#define t_ln_LANE_a 1u\n"));
    assert_non_null(strstr(h.p, "int t_one_sender_open(myl_ring *ring,"));
    assert_non_null(
        strstr(h.p, "int t_cls_receiver_open(myl_group *g, const char *id, uint32_t flags,"));
    /* a FlatBuffers table over one framed ring: a typed channel */
    assert_non_null(strstr(h.p, "static inline int t_fb_receiver_read(t_fb_receiver *r,"));
    assert_non_null(strstr(h.p, "    rc = t_T_verify(m->data, m->len);\n"));
    assert_non_null(strstr(h.p, "static inline int t_fb_sender_build_begin(t_fb_sender *s,"));
    /* compact channels: typed put/get over each shape; FlatBuffers over
     * lanes: send a built buffer, read in place */
    assert_non_null(strstr(h.p, "static inline int t_cp_sender_put(t_cp_sender *s, const t_E *m,"));
    assert_non_null(strstr(h.p, "    rc = t_E_compact_decode(out, m->data, m->len);\n"));
    assert_non_null(strstr(
        h.p,
        "    return myl_group_send_ext(s->s, 0, buf, len, ext, next, 0, kind, timeout_ns);\n"));
    assert_non_null(
        strstr(h.p, "static inline int t_cpl_sender_put(t_cpl_sender *s, uint32_t lane,"));
    assert_non_null(strstr(h.p, "    rc = t_T_compact_decode(out, m->data, m->len, arena);\n"));
    assert_non_null(
        strstr(h.p, "static inline int t_fbl_sender_send_built(t_fbl_sender *s, uint32_t lane,"));
    assert_non_null(strstr(fbs.p, "\ntable T {\n  s:string (id: 0);\n}\n"));
    assert_non_null(strstr(fbs.p, "//   event E\n"));
    mylc_buf_free(&h);
    mylc_buf_free(&c);
    mylc_buf_free(&fbs);
    finish(&r);
}

/* Every template section a binding row names exists (a misspelt one would
 * be filled as nothing); every shape but NONE has code, and every codec
 * that encodes over frames has code over every shape of frames (a shape
 * it lacked would leave such channels unbound, with no diagnostic). */
static void tpl_present(const char *tpl, const char *sec)
{
    if (!sec)
        return;
    mylc_str t;
    if (!mylc_tpl_find(tpl, sec, &t) || t.n == 0)
        fail_msg("binding row names template section '%s', which does not exist", sec);
}

/* A misspelt section or hole name is an internal error that stops
 * myelonc (abort), never an empty string in the output: checked in a
 * child process each. */
static void child_section(void)
{
    mylc_tpl_section(mylc_tpl_compact, "put_scalarr");
}

static void child_hole(void)
{
    mylc_buf b = {0};
    static const mylc_hole holes[] = {{"V", "m->x"}, {"FN", "f"}, {NULL, NULL}};
    mylc_tpl_fill(&b, mylc_tpl_section(mylc_tpl_compact, "get_cast"), holes); /* no MYLT_T */
}

static void expect_abort(void (*child)(void))
{
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        if (!freopen("/dev/null", "w", stderr))
            _exit(1);
        child();
        _exit(0);
    }
    int st = 0;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFSIGNALED(st));
    assert_int_equal(WTERMSIG(st), SIGABRT);
}

static void test_template_names(void **state)
{
    (void)state;
    mylc_str t;
    assert_true(mylc_tpl_find(mylc_tpl_compact, "put_scalar", &t));
    assert_true(mylc_str_eq(t, "    MYLT_FN(e, MYLT_V);"));
    assert_false(mylc_tpl_find(mylc_tpl_compact, "put_scalarr", &t));
    assert_int_equal(t.n, 0);
    expect_abort(child_section);
    expect_abort(child_hole);
}

static void test_binding_rows(void **state)
{
    (void)state;
    for (int k = 0; k < MYLC_CS_COUNT; k++) {
        const mylc_shape_row *row = &mylc_shapes[k];
        assert_non_null(row->name);
        assert_non_null(row->suffixes);
        assert_true(k == MYLC_CS_NONE || row->header);
        tpl_present(mylc_tpl_header, row->header);
        for (size_t i = 0; i < sizeof row->source / sizeof row->source[0]; i++)
            tpl_present(mylc_tpl_source, row->source[i]);
    }
    for (int k = 0; k < MYLC_CODEC_COUNT; k++) {
        const mylc_codec_row *row = &mylc_codecs[k];
        assert_non_null(row->name);
        for (int sh = 0; sh < MYLC_CS_COUNT; sh++) {
            const mylc_codec_part *p = &row->over[sh];
            if (row->carries && mylc_shapes[sh].framed && !p->header)
                fail_msg("codec %s has no code over shape %s", row->name, mylc_shapes[sh].name);
            assert_true(!p->header || p->suffixes);
            /* a group's typed receive, exactly for shapes that are groups */
            assert_true(!p->header || !p->group == !mylc_shapes[sh].ring);
            tpl_present(mylc_tpl_header, p->header);
            tpl_present(mylc_tpl_header, p->group);
        }
    }
}

/* "///" comments are kept on the declaration, field or enum value that
 * follows (any other comment in between drops them) and written above it
 * in the header, wrapped at the column limit, without a trailing
 * backslash (which would splice the next line into the comment). */
static void test_doc_comments(void **state)
{
    (void)state;
    run r;
    assert_true(compile_text(&r, "myelon 1;\n"
                                 "/// An event.\n"
                                 "///   second line \\\n"
                                 "event E {\n"
                                 "  /// dropped\n"
                                 "  // by this comment\n"
                                 "  a: u8;\n"
                                 "  /// The b.\n"
                                 "  b: u8;\n"
                                 "}\n"
                                 "//// not a doc comment\n"
                                 "enum K : u8 { /// The X.\n X, Y }\n"
                                 "/// A table.\n"
                                 "table T {\n"
                                 "  /// " /* a 120-character line */
                                 "aaaaaaaaa bbbbbbbbb ccccccccc ddddddddd eeeeeeeee fffffffff "
                                 "ggggggggg hhhhhhhhh iiiiiiiii jjjjjjjjj kkkkkkkkk lllllllll\n"
                                 "  s: string;\n"
                                 "}\n"
                                 "/// A channel.\n"
                                 "channel c { carries E; }\n"));
    mylc_schema *s = r.schema;
    assert_true(mylc_str_eq(decl(s, "E")->doc, "/// An event.\n///   second line \\"));
    assert_int_equal(decl(s, "E")->fields->doc.n, 0);
    assert_true(mylc_str_eq(decl(s, "E")->fields->next->doc, "/// The b."));
    assert_int_equal(decl(s, "K")->doc.n, 0);
    assert_true(mylc_str_eq(decl(s, "K")->values->doc, "/// The X."));
    assert_int_equal(decl(s, "K")->values->next->doc.n, 0);
    mylc_buf h = {0}, c = {0};
    mylc_emit(&r.ctx, s, &h, &c);
    mylc_buf_putc(&h, 0);
    assert_non_null(strstr(h.p, "\n/// An event.\n///   second line\n/* event E:"));
    assert_non_null(strstr(h.p, "\n    uint8_t a;\n    /// The b.\n    uint8_t b;\n"));
    assert_null(strstr(h.p, "dropped"));
    assert_null(strstr(h.p, "not a doc"));
    assert_non_null(strstr(h.p, "\n/// The X.\n#define t_K_X ((t_K)0)\n#define t_K_Y"));
    assert_non_null(strstr(h.p, "\n/// A table.\n/* table T */\n"));
    assert_non_null(strstr(h.p, "\n/// aaaaaaaaa bbbbbbbbb ccccccccc ddddddddd eeeeeeeee fffffffff "
                                "ggggggggg hhhhhhhhh iiiiiiiii\n/// jjjjjjjjj kkkkkkkkk "
                                "lllllllll\nMYL_FB_STRING(t_T, s, 0)\n"));
    assert_non_null(strstr(h.p, "\n/// A channel.\n/* Channel c"));
    mylc_buf_free(&h);
    mylc_buf_free(&c);
    finish(&r);
}

/* Unions come before tables in the .fbs, enum values ascending. */
static void test_fbs_order(void **state)
{
    (void)state;
    run r;
    assert_true(compile_text(&r, "myelon 1;\npackage a.b;\n"
                                 "table T { u: U; }\n"
                                 "union U { L }\n"
                                 "table L { x: u8; }\n"
                                 "enum E : i8 { P = 5, N = -3, Z = 0 }\n"));
    mylc_buf fbs = {0};
    mylc_emit_fbs(&r.ctx, r.schema, &fbs);
    mylc_buf_putc(&fbs, 0);
    const char *ns = strstr(fbs.p, "namespace a.b;");
    const char *e = strstr(fbs.p, "enum E : byte {\n  N = -3,\n  Z = 0,\n  P = 5\n}");
    const char *u = strstr(fbs.p, "union U {");
    const char *t = strstr(fbs.p, "table T {\n  u:U (id: 1);\n}");
    assert_true(ns && e && u && t);
    assert_true(ns < e && e < u && u < t);
    mylc_buf_free(&fbs);
    finish(&r);
}

MYL_TEST_MAIN("myelonc", cmocka_unit_test(test_lexer_tokens),
              cmocka_unit_test(test_lexer_bad_bytes), cmocka_unit_test(test_parse_and_layout),
              cmocka_unit_test(test_fingerprint), cmocka_unit_test(test_imports),
              cmocka_unit_test(test_several_errors), cmocka_unit_test(test_hostile),
              cmocka_unit_test(test_table_chain_ok), cmocka_unit_test(test_channel_kinds),
              cmocka_unit_test(test_binding_rows), cmocka_unit_test(test_template_names),
              cmocka_unit_test(test_fbs_order), cmocka_unit_test(test_doc_comments))
