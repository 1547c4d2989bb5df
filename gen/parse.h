/* The parser's state and the AST-building helpers the grammar calls. */
#ifndef MYLC_PARSE_H
#define MYLC_PARSE_H

#include "mylc.h"
#include "grammar.h"

/* Parentheses and brackets open before the current token, innermost
 * MYLC_BRACES of them with where they are, for "missing ')'": the same in
 * both front ends. */
typedef struct mylc_groups {
    unsigned n;
    uint32_t off[16];
    char open[16]; /* '(' or '[' */
} mylc_groups;

typedef struct mylc_pstate {
    mylc_ctx *ctx;
    mylc_file *file;
    mylc_schema *schema;
    bool error;     /* a syntax error in the current parser instance */
    bool failed;    /* the parser gave up */
    mylc_tok prev;  /* the token fed before the current one */
    mylc_tok prev2; /* and the one before it */
    unsigned items; /* top-level items seen */
    /* Braces open before the current token, and where the innermost
     * MYLC_BRACES of them are, for "missing '}'". */
    unsigned depth;
    uint32_t brace_off[16];
    mylc_groups groups;
    /* A top-level keyword that began a line inside braces and was followed
     * by a name ("event B" where a field was expected): most likely the
     * next declaration after a '}' left out. type -1: none. */
    mylc_tok suspect;
} mylc_pstate;
#define MYLC_BRACES 16u

/* Tracks c, one of "([)]" (anything else is ignored), fed at off. */
void mylc_groups_feed(mylc_groups *g, char c, uint32_t off);
/* Reports the innermost open group when found (0 for the end of the file,
 * or one of ";{})]") cannot be in it or closes the wrong one; false when
 * there is none to report. */
bool mylc_groups_error(mylc_ctx *c, mylc_file *f, const mylc_groups *g, char found, uint32_t at);
/* Reports "expected a value after '='" at `at` when prev is '=' and the
 * end of the file or one of ";,})" (found) follows; false otherwise. */
bool mylc_value_missing(mylc_ctx *c, mylc_file *f, char prev, char found, bool eof, uint32_t at);
void mylc_p_syntax_error(mylc_pstate *st, int major, const mylc_tok *tok);
void mylc_p_stack_overflow(mylc_pstate *st);
void mylc_p_header(mylc_pstate *st, const mylc_tok *kw, const mylc_tok *ver);
void mylc_p_package(mylc_pstate *st, const mylc_tok *kw, const mylc_tok *name);
void mylc_p_import(mylc_pstate *st, const mylc_tok *kw, const mylc_tok *path);
void mylc_p_decl(mylc_pstate *st, mylc_decl *d);
mylc_decl *mylc_p_enum(mylc_pstate *st, const mylc_tok *kw, const mylc_tok *name,
                       const mylc_tok *under, mylc_attr *attrs, mylc_enumval *vals);
mylc_decl *mylc_p_record(mylc_pstate *st, mylc_decl_kind kind, const mylc_tok *kw,
                         const mylc_tok *name, mylc_attr *attrs, mylc_field *fields);
mylc_decl *mylc_p_union(mylc_pstate *st, const mylc_tok *kw, const mylc_tok *name,
                        mylc_value *members);
mylc_decl *mylc_p_body(mylc_pstate *st, mylc_decl_kind kind, const mylc_tok *kw,
                       const mylc_tok *name, mylc_prop *props);
mylc_enumval *mylc_p_enumval(mylc_pstate *st, const mylc_tok *name, mylc_value *v);
mylc_value *mylc_p_value(mylc_pstate *st, mylc_value_kind kind, const mylc_tok *t,
                         const mylc_tok *minus);
mylc_value *mylc_p_values_done(mylc_value *rev);
/* A union member: [alias:] type [= value]. */
mylc_value *mylc_p_member(mylc_pstate *st, const mylc_tok *alias, const mylc_tok *type,
                          mylc_value *v);
mylc_attr *mylc_p_attr(mylc_pstate *st, const mylc_tok *name, mylc_value *v);
mylc_attr *mylc_p_attrs_done(mylc_attr *rev);
mylc_field *mylc_p_field(mylc_pstate *st, const mylc_tok *name, const mylc_type *t,
                         mylc_value *dflt, mylc_attr *attrs);
void mylc_p_type(mylc_pstate *st, mylc_type *out, mylc_type_shape shape, const mylc_tok *name,
                 mylc_value *len, const mylc_tok *open);
mylc_prop *mylc_p_prop(mylc_pstate *st, const mylc_tok *key, const mylc_tok *to, mylc_value *args);

/* lemon's interface */
void *mylcParseAlloc(void *(*alloc)(size_t), mylc_pstate *st);
void mylcParseFree(void *p, void (*dealloc)(void *));
void mylcParse(void *p, int major, mylc_tok minor);

#endif
