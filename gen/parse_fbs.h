/* The FlatBuffers schema front end's parser state and the helpers its
 * grammar (fbs_grammar.y) calls; parse_fbs.c. */
#ifndef MYLC_PARSE_FBS_H
#define MYLC_PARSE_FBS_H

#include "parse.h"
#include "fbs_grammar.h"

typedef struct mylc_fbs_state {
    mylc_pstate *p; /* ctx, file, schema: for the shared mylc_p_* helpers */
    mylc_ctx *ctx;
    mylc_file *file;
    mylc_schema *schema;
    bool error;    /* a syntax error in the current parser instance */
    bool failed;   /* the parser gave up */
    mylc_tok prev; /* the token fed before the current one */
    unsigned depth;
    mylc_groups groups;
    /* the current namespace ("" for none) and, after declarations in
     * another one, the package and C prefix of those that follow (NULL:
     * the file's) */
    const char *ns;
    const char *ns_pkg, *ns_prefix;
} mylc_fbs_state;

void mylc_fbs_syntax_error(mylc_fbs_state *st, int major, const mylc_tok *tok);
void mylc_fbs_stack_overflow(mylc_fbs_state *st);
void mylc_fbs_unsupported(mylc_fbs_state *st, const mylc_tok *at, const char *what);
void mylc_fbs_include(mylc_fbs_state *st, const mylc_tok *kw, const mylc_tok *path);
void mylc_fbs_namespace(mylc_fbs_state *st, const mylc_tok *kw, const mylc_tok *name);
void mylc_fbs_attribute(mylc_fbs_state *st, const mylc_tok *kw, const mylc_tok *name);
void mylc_fbs_root_type(mylc_fbs_state *st, const mylc_tok *kw, const mylc_tok *name);
void mylc_fbs_file_ident(mylc_fbs_state *st, const mylc_tok *kw, const mylc_tok *s);
void mylc_fbs_file_ext(mylc_fbs_state *st, const mylc_tok *kw, const mylc_tok *s);
void mylc_fbs_decl(mylc_fbs_state *st, mylc_decl *d);
mylc_decl *mylc_fbs_record(mylc_fbs_state *st, mylc_decl_kind kind, const mylc_tok *kw,
                           const mylc_tok *name, mylc_attr *attrs, mylc_field *fields);
mylc_decl *mylc_fbs_enum(mylc_fbs_state *st, const mylc_tok *kw, const mylc_tok *name,
                         const mylc_tok *under, mylc_attr *attrs, mylc_enumval *vals);
mylc_decl *mylc_fbs_union(mylc_fbs_state *st, const mylc_tok *kw, const mylc_tok *name,
                          mylc_attr *attrs, mylc_value *members);
mylc_enumval *mylc_fbs_enumval(mylc_fbs_state *st, const mylc_tok *name, mylc_value *v,
                               mylc_attr *attrs);
mylc_value *mylc_fbs_member(mylc_fbs_state *st, const mylc_tok *alias, const mylc_tok *type,
                            mylc_value *v);
mylc_field *mylc_fbs_field(mylc_fbs_state *st, const mylc_tok *name, const mylc_type *t,
                           mylc_value *dflt, mylc_attr *attrs);
void mylc_fbs_type(mylc_fbs_state *st, mylc_type *out, mylc_type_shape shape, const mylc_tok *name,
                   mylc_value *len, const mylc_tok *open);

/* lemon's interface */
void *mylcFbsParseAlloc(void *(*alloc)(size_t), mylc_fbs_state *st);
void mylcFbsParseFree(void *p, void (*dealloc)(void *));
void mylcFbsParse(void *p, int major, mylc_tok minor);

#endif
