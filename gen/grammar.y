/* The .myl grammar (lemon). Organised like SQLite's parse.y: tokens are
 * {ptr,len} views into the source, the parse state travels as
 * %extra_context, and the actions only build the AST through the mylc_p_*
 * helpers of parse.c, which also report the errors that are easier to give
 * there than in the grammar (header and package placement).
 *
 * Lists are built by left recursion, newest first (keeping the parser stack
 * flat whatever the input), and reversed once complete. The grammar nests
 * nothing beyond one body, so the parser stack stays shallow: deep nesting
 * in the input is a syntax error, never a deep stack.
 *
 * Keywords fall back to identifiers where one is expected, so a field may be
 * called "event" (the checker still rejects C keywords). Channel, topology,
 * pipeline and bridge bodies are lists of "key args ;" items (and "a -> b : args ;"
 * routes) that the checker interprets, so that an unknown or misspelt key
 * gets a precise message rather than a syntax error.
 */

%include {
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"
}

%name mylcParse
%token_prefix MYL_TK_
%token_type {mylc_tok}
%extra_context {mylc_pstate *st}
%stack_size 100
%start_symbol schema

%syntax_error {
    mylc_p_syntax_error(st, yymajor, &TOKEN);
}
%stack_overflow {
    mylc_p_stack_overflow(st);
}
/* Tokens are views into the source and nodes live in the arena: nothing to
 * free. This no-op also uses the two names lempar.c's yy_destructor()
 * declares, which -Wunused would otherwise flag in the generated parser. */
%token_destructor {
    (void)st;
    (void)yypminor;
}
%parse_failure {
    st->failed = true;
}

%token SEMI COLON COMMA LBRACE RBRACE LPAREN RPAREN LBRACK RBRACK EQ MINUS ARROW.
%token INT FLOAT STRING ID.
%token MYELON PACKAGE IMPORT ENUM EVENT STRUCT TABLE UNION CHANNEL TOPOLOGY PIPELINE.
%token TRUE FALSE.
%token BRIDGE.

%fallback ID MYELON PACKAGE IMPORT ENUM EVENT STRUCT TABLE UNION CHANNEL TOPOLOGY PIPELINE
             TRUE FALSE BRIDGE.

schema ::= items.

items ::= .
items ::= items item.

item ::= MYELON(K) INT(V) SEMI.   { mylc_p_header(st, &K, &V); }
item ::= PACKAGE(K) ID(N) SEMI.   { mylc_p_package(st, &K, &N); }
item ::= IMPORT(K) STRING(S) SEMI. { mylc_p_import(st, &K, &S); }
item ::= decl(D).                 { mylc_p_decl(st, D); }

%type decl {mylc_decl *}
decl(D) ::= ENUM(K) ID(N) COLON ID(T) attrs(A) LBRACE enumvals(L) RBRACE.
    { D = mylc_p_enum(st, &K, &N, &T, A, L); }
decl(D) ::= EVENT(K) ID(N) attrs(A) LBRACE fields(F) RBRACE.
    { D = mylc_p_record(st, MYLC_D_EVENT, &K, &N, A, F); }
decl(D) ::= STRUCT(K) ID(N) attrs(A) LBRACE fields(F) RBRACE.
    { D = mylc_p_record(st, MYLC_D_STRUCT, &K, &N, A, F); }
decl(D) ::= TABLE(K) ID(N) attrs(A) LBRACE fields(F) RBRACE.
    { D = mylc_p_record(st, MYLC_D_TABLE, &K, &N, A, F); }
decl(D) ::= UNION(K) ID(N) LBRACE names(L) RBRACE.
    { D = mylc_p_union(st, &K, &N, L); }
decl(D) ::= CHANNEL(K) ID(N) LBRACE props(P) RBRACE.
    { D = mylc_p_body(st, MYLC_D_CHANNEL, &K, &N, P); }
decl(D) ::= TOPOLOGY(K) ID(N) LBRACE props(P) RBRACE.
    { D = mylc_p_body(st, MYLC_D_TOPOLOGY, &K, &N, P); }
decl(D) ::= PIPELINE(K) ID(N) LBRACE props(P) RBRACE.
    { D = mylc_p_body(st, MYLC_D_PIPELINE, &K, &N, P); }
decl(D) ::= BRIDGE(K) ID(N) LBRACE props(P) RBRACE.
    { D = mylc_p_body(st, MYLC_D_BRIDGE, &K, &N, P); }

/* enum values */
%type enumvals {mylc_enumval *}
enumvals(A) ::= .                         { A = NULL; }
enumvals(A) ::= enumlist(L).              { A = L; }
enumvals(A) ::= enumlist(L) COMMA.        { A = L; }
%type enumlist {mylc_enumval *}
enumlist(A) ::= enumval(V).               { A = V; }
enumlist(A) ::= enumlist(L) COMMA enumval(V). { V->next = L; A = V; }
%type enumval {mylc_enumval *}
enumval(A) ::= ID(N).                     { A = mylc_p_enumval(st, &N, NULL); }
enumval(A) ::= ID(N) EQ value(V).         { A = mylc_p_enumval(st, &N, V); }

/* literal values */
%type value {mylc_value *}
value(A) ::= INT(T).            { A = mylc_p_value(st, MYLC_V_INT, &T, NULL); }
value(A) ::= MINUS(M) INT(T).   { A = mylc_p_value(st, MYLC_V_INT, &T, &M); }
value(A) ::= FLOAT(T).          { A = mylc_p_value(st, MYLC_V_FLOAT, &T, NULL); }
value(A) ::= MINUS(M) FLOAT(T). { A = mylc_p_value(st, MYLC_V_FLOAT, &T, &M); }
value(A) ::= MINUS(M) ID(T).    { A = mylc_p_value(st, MYLC_V_IDENT, &T, &M); }
value(A) ::= TRUE(T).           { A = mylc_p_value(st, MYLC_V_BOOL, &T, NULL); }
value(A) ::= FALSE(T).          { A = mylc_p_value(st, MYLC_V_BOOL, &T, NULL); }
value(A) ::= ID(T).             { A = mylc_p_value(st, MYLC_V_IDENT, &T, NULL); }
value(A) ::= STRING(T).         { A = mylc_p_value(st, MYLC_V_STRING, &T, NULL); }

/* attributes: (deprecated, id: 3, align: 8) */
%type attrs {mylc_attr *}
attrs(A) ::= .                            { A = NULL; }
attrs(A) ::= LPAREN attrlist(L) RPAREN.   { A = mylc_p_attrs_done(L); }
%type attrlist {mylc_attr *}
attrlist(A) ::= attr(X).                  { A = X; }
attrlist(A) ::= attrlist(L) COMMA attr(X). { X->next = L; A = X; }
%type attr {mylc_attr *}
attr(A) ::= ID(N).                        { A = mylc_p_attr(st, &N, NULL); }
attr(A) ::= ID(N) COLON value(V).         { A = mylc_p_attr(st, &N, V); }

/* fields of events, structs and tables */
%type fields {mylc_field *}
fields(A) ::= .                           { A = NULL; }
fields(A) ::= fields(L) field(F).         { F->next = L; A = F; }
%type field {mylc_field *}
field(A) ::= ID(N) COLON type(T) dflt(D) attrs(X) SEMI.
    { A = mylc_p_field(st, &N, &T, D, X); }

%type type {mylc_type}
type(A) ::= ID(N).                        { mylc_p_type(st, &A, MYLC_SHAPE_PLAIN, &N, NULL, NULL); }
type(A) ::= ID(N) LBRACK value(V) RBRACK. { mylc_p_type(st, &A, MYLC_SHAPE_ARRAY, &N, V, NULL); }
type(A) ::= LBRACK(B) ID(N) RBRACK.       { mylc_p_type(st, &A, MYLC_SHAPE_VECTOR, &N, NULL, &B); }

%type dflt {mylc_value *}
dflt(A) ::= .                             { A = NULL; }
dflt(A) ::= EQ value(V).                  { A = V; }

/* union members */
%type names {mylc_value *}
names(A) ::= .                            { A = NULL; }
names(A) ::= namelist(L).                 { A = mylc_p_values_done(L); }
names(A) ::= namelist(L) COMMA.           { A = mylc_p_values_done(L); }
%type namelist {mylc_value *}
namelist(A) ::= member(M).                { A = M; }
namelist(A) ::= namelist(L) COMMA member(M). { M->next = L; A = M; }
/* Type, Alias: Type, either with "= code" */
%type member {mylc_value *}
member(A) ::= ID(N).                      { A = mylc_p_member(st, NULL, &N, NULL); }
member(A) ::= ID(N) EQ value(V).          { A = mylc_p_member(st, NULL, &N, V); }
member(A) ::= ID(L) COLON ID(N).          { A = mylc_p_member(st, &L, &N, NULL); }
member(A) ::= ID(L) COLON ID(N) EQ value(V). { A = mylc_p_member(st, &L, &N, V); }

/* channel, topology and pipeline bodies */
%type props {mylc_prop *}
props(A) ::= .                            { A = NULL; }
props(A) ::= props(L) prop(P).            { P->next = L; A = P; }
%type prop {mylc_prop *}
prop(A) ::= ID(K) args(V) SEMI.           { A = mylc_p_prop(st, &K, NULL, V); }
prop(A) ::= ID(K) ARROW ID(T) COLON args(V) SEMI. { A = mylc_p_prop(st, &K, &T, V); }

%type args {mylc_value *}
args(A) ::= .                             { A = NULL; }
args(A) ::= arglist(L).                   { A = mylc_p_values_done(L); }
%type arglist {mylc_value *}
arglist(A) ::= value(V).                  { A = V; }
arglist(A) ::= arglist(L) value(V).       { V->next = L; A = V; }
arglist(A) ::= arglist(L) COMMA value(V). { V->next = L; A = V; }
