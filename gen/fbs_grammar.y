/* The FlatBuffers schema language (.fbs) grammar (lemon), beside the .myl
 * one (grammar.y) and built the same way. It covers flatc's grammar
 * (https://flatbuffers.dev/flatbuffers_grammar.html) so that a schema
 * written for flatc parses as it is; the actions (parse_fbs.c) build the
 * same AST the .myl front end builds, and report what myelon does not
 * support (rpc_service, union aliases, ...) as clear diagnostics rather
 * than syntax errors.
 *
 * Tokens come from the .myl lexer (lexer.c), re-coded by parse_fbs.c:
 * the keywords are FlatBuffers' own, every other word is an ID. Lists are
 * built newest first, by left recursion, and reversed once complete, as
 * in grammar.y.
 */

%include {
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "parse_fbs.h"
}

%name mylcFbsParse
%token_prefix FBS_TK_
%token_type {mylc_tok}
%extra_context {mylc_fbs_state *st}
%stack_size 100
%start_symbol schema

%syntax_error {
    mylc_fbs_syntax_error(st, yymajor, &TOKEN);
}
%stack_overflow {
    mylc_fbs_stack_overflow(st);
}
%token_destructor {
    (void)st;
    (void)yypminor;
}
%parse_failure {
    st->failed = true;
}

%token SEMI COLON COMMA LBRACE RBRACE LPAREN RPAREN LBRACK RBRACK EQ MINUS.
%token INT FLOAT STRING ID.
%token INCLUDE NATIVE_INCLUDE NAMESPACE ATTRIBUTE TABLE STRUCT ENUM UNION ROOT_TYPE
       FILE_EXTENSION FILE_IDENTIFIER RPC_SERVICE.
%token TRUE FALSE.

%fallback ID INCLUDE NATIVE_INCLUDE NAMESPACE ATTRIBUTE TABLE STRUCT ENUM UNION ROOT_TYPE
             FILE_EXTENSION FILE_IDENTIFIER RPC_SERVICE TRUE FALSE.

schema ::= items.

items ::= .
items ::= items item.

item ::= INCLUDE(K) STRING(S) SEMI.         { mylc_fbs_include(st, &K, &S); }
item ::= NATIVE_INCLUDE(K) STRING SEMI.     { mylc_fbs_unsupported(st, &K, "native_include"); }
item ::= NAMESPACE(K) ID(N) SEMI.           { mylc_fbs_namespace(st, &K, &N); }
item ::= NAMESPACE(K) SEMI.                 { mylc_fbs_namespace(st, &K, NULL); }
item ::= ATTRIBUTE(K) STRING(S) SEMI.       { mylc_fbs_attribute(st, &K, &S); }
item ::= ATTRIBUTE(K) ID(S) SEMI.           { mylc_fbs_attribute(st, &K, &S); }
item ::= ROOT_TYPE(K) ID(N) SEMI.           { mylc_fbs_root_type(st, &K, &N); }
item ::= FILE_IDENTIFIER(K) STRING(S) SEMI. { mylc_fbs_file_ident(st, &K, &S); }
item ::= FILE_EXTENSION(K) STRING(S) SEMI.  { mylc_fbs_file_ext(st, &K, &S); }
item ::= RPC_SERVICE(K) ID LBRACE rpcs RBRACE. { mylc_fbs_unsupported(st, &K, "rpc_service"); }
item ::= LBRACE(K) json RBRACE.             { mylc_fbs_unsupported(st, &K, "json"); }
item ::= decl(D).                           { mylc_fbs_decl(st, D); }

%type decl {mylc_decl *}
decl(D) ::= TABLE(K) ID(N) attrs(A) LBRACE fields(F) RBRACE.
    { D = mylc_fbs_record(st, MYLC_D_TABLE, &K, &N, A, F); }
decl(D) ::= STRUCT(K) ID(N) attrs(A) LBRACE fields(F) RBRACE.
    { D = mylc_fbs_record(st, MYLC_D_STRUCT, &K, &N, A, F); }
decl(D) ::= ENUM(K) ID(N) COLON ID(T) attrs(A) LBRACE enumvals(L) RBRACE.
    { D = mylc_fbs_enum(st, &K, &N, &T, A, L); }
decl(D) ::= ENUM(K) ID(N) attrs(A) LBRACE enumvals(L) RBRACE.
    { D = mylc_fbs_enum(st, &K, &N, NULL, A, L); }
decl(D) ::= UNION(K) ID(N) attrs(A) LBRACE members(L) RBRACE.
    { D = mylc_fbs_union(st, &K, &N, A, L); }

/* enum values: NAME [= [-]INT] [attrs] */
%type enumvals {mylc_enumval *}
enumvals(A) ::= .                         { A = NULL; }
enumvals(A) ::= enumlist(L).              { A = L; }
enumvals(A) ::= enumlist(L) COMMA.        { A = L; }
%type enumlist {mylc_enumval *}
enumlist(A) ::= enumval(V).               { A = V; }
enumlist(A) ::= enumlist(L) COMMA enumval(V). { V->next = L; A = V; }
%type enumval {mylc_enumval *}
enumval(A) ::= ID(N) attrs(X).            { A = mylc_fbs_enumval(st, &N, NULL, X); }
enumval(A) ::= ID(N) EQ value(V) attrs(X). { A = mylc_fbs_enumval(st, &N, V, X); }

/* union members: Type, or Alias: Type, maybe "= value" */
%type members {mylc_value *}
members(A) ::= .                          { A = NULL; }
members(A) ::= memberlist(L).             { A = mylc_p_values_done(L); }
members(A) ::= memberlist(L) COMMA.       { A = mylc_p_values_done(L); }
%type memberlist {mylc_value *}
memberlist(A) ::= member(M).              { A = M; }
memberlist(A) ::= memberlist(L) COMMA member(M). { M->next = L; A = M; }
%type member {mylc_value *}
member(A) ::= ID(N) mdflt(V) attrs.       { A = mylc_fbs_member(st, NULL, &N, V); }
member(A) ::= ID(L) COLON ID(N) mdflt(V) attrs. { A = mylc_fbs_member(st, &L, &N, V); }
%type mdflt {mylc_value *}
mdflt(A) ::= .                            { A = NULL; }
mdflt(A) ::= EQ value(V).                 { A = V; }

/* scalar constants, names (enum values, nan, inf, null), strings */
%type value {mylc_value *}
value(A) ::= INT(T).            { A = mylc_p_value(st->p, MYLC_V_INT, &T, NULL); }
value(A) ::= MINUS(M) INT(T).   { A = mylc_p_value(st->p, MYLC_V_INT, &T, &M); }
value(A) ::= FLOAT(T).          { A = mylc_p_value(st->p, MYLC_V_FLOAT, &T, NULL); }
value(A) ::= MINUS(M) FLOAT(T). { A = mylc_p_value(st->p, MYLC_V_FLOAT, &T, &M); }
value(A) ::= TRUE(T).           { A = mylc_p_value(st->p, MYLC_V_BOOL, &T, NULL); }
value(A) ::= FALSE(T).          { A = mylc_p_value(st->p, MYLC_V_BOOL, &T, NULL); }
value(A) ::= ID(T).             { A = mylc_p_value(st->p, MYLC_V_IDENT, &T, NULL); }
value(A) ::= MINUS(M) ID(T).    { A = mylc_p_value(st->p, MYLC_V_IDENT, &T, &M); }
value(A) ::= STRING(T).         { A = mylc_p_value(st->p, MYLC_V_STRING, &T, NULL); }

/* metadata: (deprecated, id: 3, force_align: 8, priority: "x") */
%type attrs {mylc_attr *}
attrs(A) ::= .                            { A = NULL; }
attrs(A) ::= LPAREN RPAREN.               { A = NULL; }
attrs(A) ::= LPAREN attrlist(L) RPAREN.   { A = mylc_p_attrs_done(L); }
%type attrlist {mylc_attr *}
attrlist(A) ::= attr(X).                  { A = X; }
attrlist(A) ::= attrlist(L) COMMA attr(X). { X->next = L; A = X; }
%type attr {mylc_attr *}
attr(A) ::= ID(N).                        { A = mylc_p_attr(st->p, &N, NULL); }
attr(A) ::= ID(N) COLON value(V).         { A = mylc_p_attr(st->p, &N, V); }

/* fields of structs and tables */
%type fields {mylc_field *}
fields(A) ::= .                           { A = NULL; }
fields(A) ::= fields(L) field(F).         { F->next = L; A = F; }
%type field {mylc_field *}
field(A) ::= ID(N) COLON type(T) dflt(D) attrs(X) SEMI.
    { A = mylc_fbs_field(st, &N, &T, D, X); }

%type type {mylc_type}
type(A) ::= ID(N).                        { mylc_fbs_type(st, &A, MYLC_SHAPE_PLAIN, &N, NULL, NULL); }
type(A) ::= LBRACK(B) ID(N) RBRACK.       { mylc_fbs_type(st, &A, MYLC_SHAPE_VECTOR, &N, NULL, &B); }
type(A) ::= LBRACK(B) ID(N) COLON value(V) RBRACK.
    { mylc_fbs_type(st, &A, MYLC_SHAPE_ARRAY, &N, V, &B); }

%type dflt {mylc_value *}
dflt(A) ::= .                             { A = NULL; }
dflt(A) ::= EQ value(V).                  { A = V; }

/* rpc_service bodies: parsed to be reported as one unsupported item */
rpcs ::= .
rpcs ::= rpcs rpc.
rpc ::= ID LPAREN ID RPAREN COLON ID attrs SEMI.

/* a JSON object at the top level (flatc parses it as data): reported */
json ::= .
json ::= jsonlist.
json ::= jsonlist COMMA.
jsonlist ::= jsonitem.
jsonlist ::= jsonlist COMMA jsonitem.
jsonitem ::= ID COLON jsonval.
jsonitem ::= STRING COLON jsonval.
jsonval ::= value.
jsonval ::= LBRACE json RBRACE.
jsonval ::= LBRACK jsonvals RBRACK.
jsonvals ::= .
jsonvals ::= jsonvlist.
jsonvlist ::= jsonval.
jsonvlist ::= jsonvlist COMMA jsonval.
