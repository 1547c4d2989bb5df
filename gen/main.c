/* myelonc: the .myl schema compiler's command line.
 *
 *   myelonc [-o OUT_DIR] [-I DIR]... [--depfile FILE] [--emit-fbs] [--stubs DIR] file.myl...
 *
 * writes OUT_DIR/<stem>.myl.h and OUT_DIR/<stem>.myl.c for each schema (and
 * OUT_DIR/<stem>.fbs with --emit-fbs; with --stubs, DIR/<prefix>_<Topology>_<role>.c
 * for each role of each topology and DIR/<prefix>_<Pipeline>.c for each
 * pipeline that has no such file yet).
 * Exit status: 0 success, 1 errors in a schema (or an unreadable input),
 * 2 bad command line, 3 outputs could not be written.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mylc.h"

enum { EXIT_SCHEMA = 1, EXIT_USAGE = 2, EXIT_WRITE = 3 };

static const char usage[] =
    "usage: myelonc [options] file.myl...\n"
    "\n"
    "Compiles .myl schemas into C: for each file.myl, OUT_DIR/file.myl.h and\n"
    "OUT_DIR/file.myl.c, which bind to libmyelon.\n"
    "\n"
    "options:\n"
    "  -o DIR          write outputs into DIR (default: the current directory)\n"
    "  -I DIR          search DIR for imports (after the importing file's directory);\n"
    "                  may be repeated, searched in order\n"
    "  --depfile FILE  write the outputs' dependencies (every schema read) to FILE,\n"
    "                  in Make syntax\n"
    "  --emit-fbs      also write OUT_DIR/file.fbs, the FlatBuffers schema of the\n"
    "                  enums, structs, tables and unions\n"
    "  --stubs DIR     also write, for each role of each topology, a stub to edit:\n"
    "                  DIR/<prefix>_<Topology>_<role>.c (a main loop and one handler\n"
    "                  per inbound route), and for each pipeline DIR/<prefix>_<Pipeline>.c\n"
    "                  (a main loop and one handler per stage); a file that exists is\n"
    "                  never overwritten\n"
    "  --check         check the schemas and report errors; write nothing\n"
    "  --check-compat  with two files OLD.myl NEW.myl: report every change from OLD\n"
    "                  to NEW that breaks peers built from OLD (an error at NEW's\n"
    "                  place, a note at OLD's) and list the compatible ones on\n"
    "                  standard output; exit status 1 if any change breaks\n"
    "  --print         print the resolved schema (layout, field ids, fingerprints)\n"
    "                  to standard output; write nothing\n"
    "  --dump-tokens   print the tokens of each file (the lexer's output) and stop\n"
    "  --dump-ast      print each file's syntax tree as parsed and stop\n"
    "  --dump-claims   print the C names each schema claims (names.c), sorted,\n"
    "                  one a line; write nothing (for myelonc's own tests)\n"
    "  --version       print the version and exit\n"
    "  --help          print this help and exit\n"
    "\n"
    "exit status: 0 success; 1 errors in a schema or an input that cannot be\n"
    "read; 2 invalid command line; 3 an output could not be written.\n";

typedef enum mode {
    MODE_GEN,
    MODE_CHECK,
    MODE_PRINT,
    MODE_TOKENS,
    MODE_AST,
    MODE_CLAIMS,
    MODE_COMPAT
} mode;

typedef struct output {
    char *stem;
    mylc_buf h, c, fbs;
    unsigned nstubs;
    char **stub_names; /* <prefix>_<Topology>_<role> */
    mylc_buf *stubs;
} output;

/* mkdir -p: dir and any parent that is missing. */
static int make_dirs(const char *dir)
{
    char *p = strdup(dir);
    if (!p)
        return -1;
    int rc = 0;
    for (char *q = p; rc == 0; q++) {
        char c = *q;
        if (q != p && (c == '/' || !c)) {
            *q = 0;
            if (mkdir(p, 0777) != 0 && errno != EEXIST)
                rc = -1;
            *q = c;
        }
        if (!c)
            break;
    }
    free(p);
    return rc;
}

/* Is path one of the schemas this run read (deps: their paths)? A .fbs
 * input and its --emit-fbs output have the same name. */
static bool is_schema_read(char **deps, unsigned ndeps, const char *path)
{
    struct stat st, sd;
    if (stat(path, &st) != 0)
        return false;
    for (unsigned i = 0; i < ndeps; i++)
        if (stat(deps[i], &sd) == 0 && sd.st_dev == st.st_dev && sd.st_ino == st.st_ino)
            return true;
    return false;
}

static char *out_path(const char *dir, const char *stem, const char *ext)
{
    size_t n = strlen(dir) + strlen(stem) + strlen(ext) + 2;
    char *p = malloc(n);
    if (!p)
        abort();
    if (strcmp(dir, ".") == 0)
        snprintf(p, n, "%s%s", stem, ext);
    else
        snprintf(p, n, "%s%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", stem, ext);
    return p;
}

/* Writes through a temporary file and rename(2), so that a reader (or a
 * build that is interrupted) never sees half a file. */
static int write_file(const char *path, const char *data, size_t n)
{
    size_t pn = strlen(path) + 16;
    char *tmp = malloc(pn);
    if (!tmp)
        abort();
    snprintf(tmp, pn, "%s.tmp%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "wb");
    int rc = 0;
    if (!f || fwrite(data, 1, n, f) != n) {
        rc = -1;
    }
    if (f && fclose(f) != 0)
        rc = -1;
    if (rc == 0 && rename(tmp, path) != 0)
        rc = -1;
    if (rc != 0) {
        fprintf(stderr, "myelonc: error: cannot write '%s': %s\n", path, strerror(errno));
        remove(tmp);
    }
    free(tmp);
    return rc;
}

/* Writes a file that does not exist yet: through a temporary file and
 * link(2), which fails rather than replace a file that exists (or
 * appeared meanwhile). 1: written, 0: it exists (left as it is), -1: an
 * error (reported). */
static int write_new(const char *path, const char *data, size_t n)
{
    size_t pn = strlen(path) + 16;
    char *tmp = malloc(pn);
    if (!tmp)
        abort();
    snprintf(tmp, pn, "%s.tmp%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "wb");
    int rc = 1;
    if (!f || fwrite(data, 1, n, f) != n)
        rc = -1;
    if (f && fclose(f) != 0)
        rc = -1;
    if (rc == 1 && link(tmp, path) != 0)
        rc = errno == EEXIST ? 0 : -1;
    if (rc < 0)
        fprintf(stderr, "myelonc: error: cannot write '%s': %s\n", path, strerror(errno));
    remove(tmp);
    free(tmp);
    return rc;
}

/* Make syntax: spaces and '#' escaped with a backslash, '$' doubled. */
static void dep_path(mylc_buf *b, const char *p)
{
    for (; *p; p++) {
        if (*p == ' ' || *p == '#' || *p == '\\')
            mylc_buf_putc(b, '\\');
        if (*p == '$')
            mylc_buf_putc(b, '$');
        mylc_buf_putc(b, *p);
    }
}

static int need_arg(int argc, char **argv, int *i, const char *opt, const char **out)
{
    size_t n = strlen(opt);
    const char *a = argv[*i];
    if (strcmp(a, opt) == 0) {
        if (*i + 1 >= argc) {
            fprintf(stderr, "myelonc: option %s needs an argument\n", opt);
            return -1;
        }
        *out = argv[++*i];
        return 1;
    }
    if (strncmp(a, opt, n) == 0) {
        /* -oDIR, -IDIR, --depfile=FILE */
        const char *v = a + n;
        if (opt[1] == '-') {
            if (*v != '=')
                return 0;
            v++;
        }
        if (!*v) {
            fprintf(stderr, "myelonc: option %s needs an argument\n", opt);
            return -1;
        }
        *out = v;
        return 1;
    }
    return 0;
}

/* A new stub called name; its text is to be written into the result. */
static mylc_buf *add_stub(output *o, const char *name)
{
    o->stub_names = realloc(o->stub_names, sizeof *o->stub_names * (o->nstubs + 1));
    o->stubs = realloc(o->stubs, sizeof *o->stubs * (o->nstubs + 1));
    if (!o->stub_names || !o->stubs)
        abort();
    o->stub_names[o->nstubs] = strdup(name);
    if (!o->stub_names[o->nstubs])
        abort();
    memset(&o->stubs[o->nstubs], 0, sizeof o->stubs[o->nstubs]);
    return &o->stubs[o->nstubs++];
}

/* The stubs of every role of every topology of s, and of every pipeline
 * (--stubs). */
static void emit_stubs(mylc_ctx *ctx, mylc_schema *s, output *o)
{
    for (mylc_decl *d = s->decls; d; d = d->next) {
        if (d->kind == MYLC_D_PIPELINE && d->input)
            mylc_emit_pipe_stub(ctx, s, d, add_stub(o, mylc_pipe_stub_name(ctx, d)));
        if (d->kind != MYLC_D_TOPOLOGY || !d->routes)
            continue;
        for (mylc_role *r = d->roles; r; r = r->next)
            mylc_emit_stub(ctx, s, d, r, add_stub(o, mylc_stub_name(ctx, d, r)));
    }
}

/* --check-compat OLD NEW: each compiled in a context of its own (their C
 * names may well be the same). */
static int check_compat(const char **incdirs, unsigned nincdirs, const char *old, const char *nw)
{
    mylc_ctx co, cn;
    mylc_ctx_init(&co, stderr);
    mylc_ctx_init(&cn, stderr);
    co.incdirs = cn.incdirs = incdirs;
    co.nincdirs = cn.nincdirs = nincdirs;
    mylc_schema *so = NULL, *sn = NULL;
    mylc_file *fo = mylc_load(&co, old, NULL, 0);
    mylc_file *fn = mylc_load(&cn, nw, NULL, 0);
    bool ok_o = fo && mylc_compile(&co, fo, &so);
    bool ok_n = fn && mylc_compile(&cn, fn, &sn);
    int status = 0;
    if (!ok_o || !ok_n) {
        unsigned n = co.errors + cn.errors;
        if (n)
            fprintf(stderr, "%u error%s generated.\n", n, n == 1 ? "" : "s");
        status = EXIT_SCHEMA;
    } else {
        mylc_buf summary = {0};
        int breaking = mylc_check_compat(&cn, so, sn, &summary);
        if (summary.n && fwrite(summary.p, 1, summary.n, stdout) != summary.n)
            status = EXIT_WRITE;
        if (fflush(stdout) != 0)
            status = EXIT_WRITE;
        mylc_buf_free(&summary);
        if (breaking && !status)
            status = EXIT_SCHEMA;
    }
    mylc_ctx_free(&co);
    mylc_ctx_free(&cn);
    return status;
}

static int run(int argc, char **argv, const char **incdirs, const char **inputs)
{
    const char *outdir = ".";
    const char *depfile = NULL;
    const char *stubdir = NULL;
    unsigned nincdirs = 0, ninputs = 0;
    mode m = MODE_GEN;
    bool no_more_opts = false, fbs = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v;
        int r;
        if (no_more_opts || a[0] != '-' || strcmp(a, "-") == 0) {
            inputs[ninputs++] = a;
            continue;
        }
        if (strcmp(a, "--") == 0) {
            no_more_opts = true;
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(usage, stdout);
            return 0;
        } else if (strcmp(a, "--version") == 0) {
            printf("myelonc %s\n", mylc_version);
            return 0;
        } else if (strcmp(a, "--emit-fbs") == 0) {
            fbs = true;
        } else if (strcmp(a, "--check") == 0) {
            m = MODE_CHECK;
        } else if (strcmp(a, "--check-compat") == 0) {
            m = MODE_COMPAT;
        } else if (strcmp(a, "--print") == 0) {
            m = MODE_PRINT;
        } else if (strcmp(a, "--dump-tokens") == 0) {
            m = MODE_TOKENS;
        } else if (strcmp(a, "--dump-ast") == 0) {
            m = MODE_AST;
        } else if (strcmp(a, "--dump-claims") == 0) {
            m = MODE_CLAIMS;
        } else if ((r = need_arg(argc, argv, &i, "-o", &v)) != 0) {
            if (r < 0)
                return EXIT_USAGE;
            outdir = *v ? v : "."; /* -o "": the current directory */
        } else if ((r = need_arg(argc, argv, &i, "-I", &v)) != 0) {
            if (r < 0)
                return EXIT_USAGE;
            incdirs[nincdirs++] = v;
        } else if ((r = need_arg(argc, argv, &i, "--depfile", &v)) != 0) {
            if (r < 0)
                return EXIT_USAGE;
            depfile = v;
        } else if ((r = need_arg(argc, argv, &i, "--stubs", &v)) != 0) {
            if (r < 0)
                return EXIT_USAGE;
            stubdir = *v ? v : ".";
        } else {
            fprintf(stderr, "myelonc: unknown option '%s' (see myelonc --help)\n", a);
            return EXIT_USAGE;
        }
    }
    if (ninputs == 0) {
        fputs("myelonc: no input files (see myelonc --help)\n", stderr);
        return EXIT_USAGE;
    }
    if (m == MODE_COMPAT) {
        if (ninputs != 2) {
            fputs("myelonc: --check-compat takes two files: OLD.myl NEW.myl\n", stderr);
            return EXIT_USAGE;
        }
        return check_compat(incdirs, nincdirs, inputs[0], inputs[1]);
    }
    for (unsigned i = 0; i < ninputs; i++)
        for (unsigned j = 0; j < i; j++) {
            const char *a = strrchr(inputs[i], '/'), *b = strrchr(inputs[j], '/');
            if (strcmp(a ? a + 1 : inputs[i], b ? b + 1 : inputs[j]) == 0) {
                fprintf(stderr, "myelonc: '%s' and '%s' would write the same outputs\n", inputs[j],
                        inputs[i]);
                return EXIT_USAGE;
            }
        }

    int status = 0;
    output *outs = calloc(ninputs, sizeof *outs);
    mylc_buf printed = {0};
    char **deps = NULL;
    unsigned ndeps = 0, capdeps = 0;
    if (!outs)
        abort();
    for (unsigned i = 0; i < ninputs; i++) {
        mylc_ctx ctx;
        mylc_ctx_init(&ctx, stderr);
        ctx.incdirs = incdirs;
        ctx.nincdirs = nincdirs;
        mylc_file *f = mylc_load(&ctx, inputs[i], NULL, 0);
        if (!f) {
            status = EXIT_SCHEMA;
            mylc_ctx_free(&ctx);
            continue;
        }
        if (m == MODE_TOKENS) {
            mylc_dump_tokens(&ctx, f, &printed);
        } else if (m == MODE_AST) {
            mylc_dump_ast(mylc_parse(&ctx, f), &printed);
        } else {
            mylc_schema *s;
            if (mylc_compile(&ctx, f, &s)) {
                if (m == MODE_PRINT)
                    mylc_dump_schema(s, &printed);
                if (m == MODE_CLAIMS)
                    mylc_dump_claims(&ctx, s, &printed);
                if (m == MODE_GEN) {
                    outs[i].stem = strdup(s->stem);
                    if (!outs[i].stem)
                        abort();
                    mylc_emit(&ctx, s, &outs[i].h, &outs[i].c);
                    if (fbs)
                        mylc_emit_fbs(&ctx, s, &outs[i].fbs);
                    if (stubdir)
                        emit_stubs(&ctx, s, &outs[i]);
                    /* Room for every file read so far, counted after the
                     * emitters ran. */
                    if (ndeps + ctx.nfiles > capdeps) {
                        capdeps = (ndeps + ctx.nfiles) * 2;
                        deps = realloc(deps, sizeof *deps * capdeps);
                        if (!deps)
                            abort();
                    }
                    for (unsigned k = 0; k < ctx.nfiles; k++) {
                        const char *path = ctx.files[k]->path;
                        bool seen = false;
                        for (unsigned j = 0; j < ndeps && !seen; j++)
                            seen = strcmp(deps[j], path) == 0;
                        if (!seen)
                            deps[ndeps++] = strdup(path);
                    }
                }
            }
        }
        if (ctx.errors) {
            status = EXIT_SCHEMA;
            fprintf(stderr, "%u error%s generated.\n", ctx.errors, ctx.errors == 1 ? "" : "s");
        }
        mylc_ctx_free(&ctx);
    }
    if (printed.n &&
        (fwrite(printed.p, 1, printed.n, stdout) != printed.n || fflush(stdout) != 0)) {
        fprintf(stderr, "myelonc: error: cannot write to standard output: %s\n", strerror(errno));
        status = EXIT_WRITE;
    }
    if (status == 0 && m == MODE_GEN) {
        struct stat st;
        if (stat(outdir, &st) != 0 && make_dirs(outdir) != 0) {
            fprintf(stderr, "myelonc: error: cannot create '%s': %s\n", outdir, strerror(errno));
            status = EXIT_WRITE;
        }
        mylc_buf targets = {0};
        /* status 0: every input compiled and has a stem */
        for (unsigned i = 0; i < ninputs && status == 0 && outs[i].stem; i++) {
            char *h = out_path(outdir, outs[i].stem, ".myl.h");
            char *c = out_path(outdir, outs[i].stem, ".myl.c");
            if (write_file(h, outs[i].h.p, outs[i].h.n) || write_file(c, outs[i].c.p, outs[i].c.n))
                status = EXIT_WRITE;
            if (targets.n)
                mylc_buf_putc(&targets, ' ');
            dep_path(&targets, h);
            mylc_buf_putc(&targets, ' ');
            dep_path(&targets, c);
            if (fbs) {
                char *x = out_path(outdir, outs[i].stem, ".fbs");
                if (status == 0 && is_schema_read(deps, ndeps, x)) {
                    fprintf(stderr,
                            "myelonc: error: --emit-fbs would overwrite the schema '%s' "
                            "(write into another directory with -o)\n",
                            x);
                    status = EXIT_WRITE;
                }
                if (status == 0 && write_file(x, outs[i].fbs.p, outs[i].fbs.n))
                    status = EXIT_WRITE;
                mylc_buf_putc(&targets, ' ');
                dep_path(&targets, x);
                free(x);
            }
            free(h);
            free(c);
        }
        if (status == 0 && stubdir && stat(stubdir, &st) != 0 && make_dirs(stubdir) != 0) {
            fprintf(stderr, "myelonc: error: cannot create '%s': %s\n", stubdir, strerror(errno));
            status = EXIT_WRITE;
        }
        for (unsigned i = 0; i < ninputs && status == 0 && stubdir; i++)
            for (unsigned k = 0; k < outs[i].nstubs && status == 0; k++) {
                char *p = out_path(stubdir, outs[i].stub_names[k], ".c");
                int w = write_new(p, outs[i].stubs[k].p, outs[i].stubs[k].n);
                if (w < 0)
                    status = EXIT_WRITE;
                else if (w == 0)
                    fprintf(stderr, "myelonc: note: '%s' exists: left as it is\n", p);
                free(p);
            }
        if (status == 0 && depfile) {
            mylc_buf d = {0};
            mylc_buf_put(&d, targets.p, targets.n);
            mylc_buf_puts(&d, ":");
            for (unsigned j = 0; j < ndeps; j++) {
                mylc_buf_putc(&d, ' ');
                dep_path(&d, deps[j]);
            }
            mylc_buf_putc(&d, '\n');
            if (write_file(depfile, d.p, d.n))
                status = EXIT_WRITE;
            mylc_buf_free(&d);
        }
        mylc_buf_free(&targets);
    }
    for (unsigned i = 0; i < ninputs; i++) {
        free(outs[i].stem);
        mylc_buf_free(&outs[i].h);
        mylc_buf_free(&outs[i].c);
        mylc_buf_free(&outs[i].fbs);
        for (unsigned k = 0; k < outs[i].nstubs; k++) {
            free(outs[i].stub_names[k]);
            mylc_buf_free(&outs[i].stubs[k]);
        }
        free(outs[i].stub_names);
        free(outs[i].stubs);
    }
    free(outs);
    for (unsigned j = 0; j < ndeps; j++)
        free(deps[j]);
    free(deps);
    mylc_buf_free(&printed);
    return status;
}

int main(int argc, char **argv)
{
    const char **incdirs = calloc((size_t)argc + 1, sizeof *incdirs);
    const char **inputs = calloc((size_t)argc + 1, sizeof *inputs);
    if (!incdirs || !inputs)
        abort();
    int status = run(argc, argv, incdirs, inputs);
    free(incdirs);
    free(inputs);
    return status;
}
