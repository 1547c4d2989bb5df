/* myelonc internals: the one header shared by the compiler's phases.
 *
 *   lex (lexer.c) -> parse (parse.c + grammar.y) -> resolve (resolve.c)
 *   -> check (check.c) -> layout (layout.c) -> emit (emit_c.c, emit_*.c, filling
 *   templates with template.c, laid out by format.c); docs/COMPILER.md.
 *   What code a channel gets is data: the shape and codec rows of
 *   binding.c, read by check.c (names claimed) and emit_chan.c (sections).
 *
 * Every node keeps the byte offset of its first token in its file; offsets
 * become line:column only when a diagnostic is printed (diag.c). All nodes
 * live in one arena owned by the context and die with it.
 */
#ifndef MYLC_H
#define MYLC_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define MYLC_MAX_ERRORS 50
#define MYLC_MAX_FILE_SIZE (16u << 20) /* bytes per schema file */
#define MYLC_MAX_IDENT 255             /* bytes per identifier */
#define MYLC_MAX_STRING 4096           /* bytes per string literal */
#define MYLC_MAX_IMPORT_DEPTH 64       /* nested imports */
#define MYLC_MAX_NESTING 64            /* nested events/structs/tables */
#define MYLC_MAX_EVENT_SIZE (1u << 26) /* = MYL_MAX_SLOT_SIZE */
#define MYLC_MAX_ARRAY (1u << 26)      /* elements of T[N] */
#define MYLC_MAX_LANES 8
#define MYLC_MAX_FRAMES 16
#define MYLC_MAX_ROLE_COUNT 1024

/* ---- small utilities (util.c) ---- */

typedef struct mylc_str {
    const char *p;
    uint32_t n;
} mylc_str;

bool mylc_str_eq(mylc_str a, const char *z);
bool mylc_str_same(mylc_str a, mylc_str b);

typedef struct mylc_arena_block mylc_arena_block;
typedef struct mylc_arena {
    mylc_arena_block *head;
} mylc_arena;

void *mylc_alloc(mylc_arena *a, size_t n); /* zeroed; aborts on out of memory */
char *mylc_strdup(mylc_arena *a, const char *p, size_t n);
void mylc_arena_free(mylc_arena *a);

/* A growable byte buffer. */
typedef struct mylc_buf {
    char *p;
    size_t n, cap;
} mylc_buf;

void mylc_buf_put(mylc_buf *b, const char *p, size_t n);
void mylc_buf_puts(mylc_buf *b, const char *z);
/* One character: inline, as the formatter and the template engine put
 * most of their output a character at a time. */
static inline void mylc_buf_putc(mylc_buf *b, char c)
{
    if (b->cap - b->n >= 2) {
        b->p[b->n++] = c;
        b->p[b->n] = 0;
    } else {
        mylc_buf_put(b, &c, 1);
    }
}
void mylc_buf_printf(mylc_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void mylc_buf_free(mylc_buf *b);

/* Open-addressing map from a string to a pointer. Keys are not copied. */
typedef struct mylc_map_ent {
    const char *k;
    uint32_t n;
    uint32_t h; /* the key's hash, kept for growing and probing */
    void *v;
} mylc_map_ent;
typedef struct mylc_map {
    mylc_map_ent *e;
    uint32_t cap, len;
} mylc_map;

void *mylc_map_get(const mylc_map *m, const char *k, uint32_t n);
/* Inserts k -> v unless k is present; returns the existing value or NULL. */
void *mylc_map_put(mylc_map *m, const char *k, uint32_t n, void *v);
void mylc_map_free(mylc_map *m);

uint64_t mylc_fnv1a(uint64_t h, const void *p, size_t n);
/* The magnitude of an integer literal the checker accepted: decimal (a
 * leading zero is not octal: "010" is ten, as flatc reads it) or 0x hex. */
uint64_t mylc_int_text(mylc_str t);
/* A hexadecimal digit's value, or -1. */
int mylc_hex_digit(char ch);
#define MYLC_FNV_OFFSET UINT64_C(0xcbf29ce484222325)

/* ---- sources and diagnostics (diag.c) ---- */

typedef struct mylc_schema mylc_schema;

typedef struct mylc_file {
    char *path; /* as given on the command line or resolved from an import */
    char *text; /* NUL-terminated copy; may contain NULs */
    uint32_t len;
    uint32_t start;  /* 3 when the file begins with a UTF-8 BOM */
    uint32_t *lines; /* offsets of line starts, built on first diagnostic */
    uint32_t nlines;
    uint64_t dev, ino; /* identity, for import cycles and dedup */
    mylc_schema *schema;
} mylc_file;

typedef struct mylc_ctx mylc_ctx;

void mylc_error(mylc_ctx *c, const mylc_file *f, uint32_t off, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void mylc_note(mylc_ctx *c, const mylc_file *f, uint32_t off, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void mylc_line_col(mylc_file *f, uint32_t off, uint32_t *line, uint32_t *col);

/* "Did you mean" (diag.c): offer candidates with mylc_suggest_add; hint
 * is then "; did you mean 'x'?" for the closest one that is a likely typo
 * of word (edit distance, case-insensitive, transpositions counted as one
 * edit: at most 1 for words of up to 4 bytes, 2 up to 8, else 3), or "". */
typedef struct mylc_suggest {
    const char *word;
    uint32_t n;
    const char *best;
    uint32_t best_n;
    unsigned dist;
    char hint[96];
} mylc_suggest;
void mylc_suggest_init(mylc_suggest *sg, const char *word, uint32_t n);
void mylc_suggest_add(mylc_suggest *sg, const char *cand, uint32_t n);
const char *mylc_suggest_hint(mylc_suggest *sg);

/* ---- tokens (lexer.c; token codes from the lemon-generated grammar.h) ---- */

typedef struct mylc_tok {
    int type;
    uint32_t off;
    mylc_str s;
    /* The "///" doc comment lines right before the token (only blanks
     * between), from the first "///" to the end of the last line; n == 0
     * if none. */
    mylc_str doc;
} mylc_tok;

typedef struct mylc_lexer {
    mylc_ctx *ctx;
    mylc_file *file;
    uint32_t pos;
} mylc_lexer;

void mylc_lex_init(mylc_lexer *lx, mylc_ctx *c, mylc_file *f);
/* The next token; 0 at end of input. Bad input is reported and skipped. */
mylc_tok mylc_lex_next(mylc_lexer *lx);
const char *mylc_tok_name(int type);

/* ---- the AST ---- */

typedef enum mylc_value_kind {
    MYLC_V_INT,   /* decimal or hex digits, maybe a size suffix */
    MYLC_V_FLOAT, /* digits with '.' or an exponent */
    MYLC_V_BOOL,
    MYLC_V_IDENT,  /* a name, maybe dotted */
    MYLC_V_STRING, /* the literal, quotes included */
} mylc_value_kind;

typedef struct mylc_value {
    mylc_value_kind kind;
    bool neg;
    uint32_t off;
    mylc_str text;
    struct mylc_value *next;
    /* union members "[alias:] Type [= value]": text is Type; alias.n is 0
     * and uval NULL when not given; code (after check) the type code */
    mylc_str alias;
    uint32_t alias_off;
    struct mylc_value *uval;
    uint32_t code;
} mylc_value;

typedef struct mylc_attr {
    mylc_str name;
    uint32_t off;
    mylc_value *value; /* NULL for a bare flag */
    struct mylc_attr *next;
} mylc_attr;

/* Built-in types; MYLC_T_NAMED refers to a declaration. */
typedef enum mylc_builtin {
    MYLC_T_NONE,
    MYLC_T_U8,
    MYLC_T_U16,
    MYLC_T_U32,
    MYLC_T_U64,
    MYLC_T_I8,
    MYLC_T_I16,
    MYLC_T_I32,
    MYLC_T_I64,
    MYLC_T_F32,
    MYLC_T_F64,
    MYLC_T_BOOL,
    MYLC_T_CHAR,
    MYLC_T_STRING,
    MYLC_T_BYTES,
    MYLC_T_NAMED,
} mylc_builtin;

typedef enum mylc_type_shape {
    MYLC_SHAPE_PLAIN,  /* T */
    MYLC_SHAPE_ARRAY,  /* T[N] */
    MYLC_SHAPE_VECTOR, /* [T] */
} mylc_type_shape;

typedef struct mylc_decl mylc_decl;

typedef struct mylc_type {
    mylc_type_shape shape;
    mylc_str name;
    uint32_t off;
    mylc_value *len; /* ARRAY: N as written */
    uint64_t count;  /* ARRAY: N, after check */
    /* after resolve */
    mylc_builtin base;
    mylc_decl *decl;
} mylc_type;

typedef struct mylc_field {
    mylc_str name;
    uint32_t off;
    mylc_type type;
    mylc_value *dflt;
    mylc_attr *attrs;
    mylc_str doc;         /* "///" lines before it, carried into the header */
    mylc_attr *fbs_attrs; /* .fbs attributes without effect here (parse_fbs.c) */
    struct mylc_field *next;
    /* after check */
    bool deprecated, required;
    bool optional;            /* tables: a scalar with default null (present or not) */
    bool key;                 /* tables: attribute key (sorted vectors, lookup by key) */
    struct mylc_decl *nested; /* tables: [u8] holding a FlatBuffer of this root table */
    uint32_t id;              /* tables */
    uint32_t align;           /* events: explicit alignment, 0 if none */
    /* after layout (events, structs) */
    uint64_t offset, size, falign;
} mylc_field;

typedef struct mylc_enumval {
    mylc_str name;
    uint32_t off;
    mylc_value *value; /* NULL: previous + 1 */
    mylc_str doc;      /* "///" lines before it, carried into the header */
    struct mylc_enumval *next;
    /* after check: the value as an unsigned 64-bit pattern, and signed */
    uint64_t u;
    int64_t i;
    bool ok;
} mylc_enumval;

/* One "key args ;" item of a channel, topology or pipeline body, or a
 * "from -> to : args ;" route of a topology. */
typedef struct mylc_prop {
    mylc_str key;
    uint32_t off;
    bool route;
    mylc_str to;
    uint32_t to_off;
    mylc_value *args;
    struct mylc_prop *next;
} mylc_prop;

typedef enum mylc_decl_kind {
    MYLC_D_ENUM,
    MYLC_D_EVENT,
    MYLC_D_STRUCT,
    MYLC_D_TABLE,
    MYLC_D_UNION,
    MYLC_D_CHANNEL,
    MYLC_D_TOPOLOGY,
    MYLC_D_PIPELINE,
    MYLC_D_BRIDGE,
} mylc_decl_kind;

/* What a message of a channel is (docs/myl.md): raw (an event, one per
 * slot, or bytes), compact or FlatBuffers. A row of mylc_codecs each. */
typedef enum mylc_codec {
    MYLC_CODEC_RAW,
    MYLC_CODEC_COMPACT,
    MYLC_CODEC_FLATBUFFERS,
    MYLC_CODEC_COUNT
} mylc_codec;

/* How a channel's messages travel, independent of the codec. A row of
 * mylc_shapes each. */
typedef enum mylc_chan_shape {
    MYLC_CS_NONE,    /* checked and fingerprinted, not bound (after errors) */
    MYLC_CS_RING,    /* one event per slot of one ring (codec raw) */
    MYLC_CS_FRAMED,  /* 'frame' (or neither): one framed ring */
    MYLC_CS_CLASSES, /* 'frames': a size-class group (even of one size) */
    MYLC_CS_LANES,   /* 'lanes': a priority-lane group */
    MYLC_CS_COUNT
} mylc_chan_shape;

typedef struct mylc_channel {
    mylc_type carries; /* base MYLC_T_BYTES or a named decl */
    bool has_carries;
    mylc_codec codec;
    uint64_t capacity;
    /* the runtime's values (myelon/ring.h; mylc_*_words in binding.c) */
    uint32_t producers; /* MYL_PRODUCERS_* */
    uint32_t backing;   /* MYL_BACKING_* */
    uint32_t wait;      /* MYL_WAIT_* */
    uint32_t mode;      /* MYL_MODE_* */
    uint32_t compat;    /* MYL_COMPAT_STRICT or _EVOLVE (myelon/compat.h) */
    uint32_t fences;    /* MYL_SEG_FENCE_*, 0 = the runtime's choice by wait */
    bool framed;        /* variable-size messages (frames) */
    bool classes;       /* 'frames': a size-class group (even of one size) */
    uint32_t nframes;
    uint64_t frames[MYLC_MAX_FRAMES];
    uint32_t nlanes;
    mylc_str lanes[MYLC_MAX_LANES];
    uint64_t max_message;
    uint64_t slot_size; /* after layout */
    uint64_t fingerprint;
    mylc_chan_shape shape; /* after check: mylc_channel_shape() */
} mylc_channel;

/* ---- channel bindings as data (binding.c) ----
 *
 * A channel's binding is its shape's code, then its codec's code over that
 * shape. Each row names the template sections (templates/header.h,
 * templates/source.c) the code comes from and the suffixes of the C names
 * it declares: <channel>_<suffix>, claimed from these rows (check.c) before
 * anything is emitted. docs/COMPILER.md, "How to add a channel shape or
 * codec". */
typedef struct mylc_shape_row {
    const char *name;            /* for diagnostics and docs */
    const char *header;          /* header section; NULL: nothing emitted */
    const char *source[3];       /* source sections, in order (NULL-padded) */
    const char *ring;            /* a group: what its receiver names a ring */
    const char *const *suffixes; /* NULL-terminated */
    bool lanes;                  /* also claims <channel>_LANE_<lane>; its
                                  * ARRAY hole lists the lane names */
    bool sizes;                  /* its ARRAY hole lists the frame sizes */
    bool framed;                 /* of frames: every codec with code over
                                  * frames has code over it */
} mylc_shape_row;

/* A codec's code over one shape. */
typedef struct mylc_codec_part {
    const char *header;          /* header section; NULL: not over this shape */
    const char *group;           /* header section of a group's typed receive */
    const char *const *suffixes; /* NULL-terminated, after the shape's */
} mylc_codec_part;

typedef struct mylc_codec_row {
    const char *name; /* as written after 'codec' */
    unsigned carries; /* 1u << mylc_decl_kind it encodes over frames */
    mylc_codec_part over[MYLC_CS_COUNT];
} mylc_codec_row;

/* A word of a channel property (producers, backing, wait, mode), the
 * runtime's value for it (myelon/ring.h) and the macro generated code
 * names that value by. Lists end with a NULL word. */
typedef struct mylc_word {
    const char *word;
    uint32_t value;
    const char *macro;
} mylc_word;

extern const mylc_word mylc_producers_words[];
extern const mylc_word mylc_backing_words[];
extern const mylc_word mylc_wait_words[];
extern const mylc_word mylc_fences_words[];
extern const mylc_word mylc_mode_words[];
extern const mylc_word mylc_compat_words[];
/* The entry of list w with this value. */
const mylc_word *mylc_word_of(const mylc_word *w, uint32_t value);

extern const mylc_shape_row mylc_shapes[MYLC_CS_COUNT];
extern const mylc_codec_row mylc_codecs[MYLC_CODEC_COUNT];

/* The shape of a checked channel: RING for events one per slot, else the
 * framed shape its properties ask for, or NONE if its codec has no code
 * for what it carries over that shape. */
mylc_chan_shape mylc_channel_shape(const mylc_channel *ch);

/* States of the graph walks, in the mark of a declaration, a schema or a
 * pipeline stage. Walks run one after the other and none resets the marks:
 * each moves a node into states of its own, which the walks before it do
 * not use, so a mark left by an earlier walk reads as "not visited yet". */
typedef enum mylc_mark {
    MYLC_MARK_NEW,        /* no walk has visited it */
    MYLC_MARK_ON_PATH,    /* cycle checks (event and struct nesting in check.c,
                           * imports in resolve.c, stage order): on the path
                           * being walked; met again, a cycle */
    MYLC_MARK_DONE,       /* cycle checks: left, no cycle through it; layout
                           * (layout_record): laid out; reach: out of the set */
    MYLC_MARK_LAYING_OUT, /* layout_record: being laid out, or failed */
    MYLC_MARK_CHECKED,    /* schemas: checked (check_imports_first) */
    MYLC_MARK_REACHED,    /* reach (layout.c): in the set being collected */
    MYLC_MARK_LAID_OUT,   /* schemas: laid out (mylc_compile) */
} mylc_mark;

/* A role of a topology: its instance count (the default) and run-time
 * bounds; role 0, the first declared, is the owner (exactly one). */
typedef struct mylc_role {
    mylc_str name;
    uint32_t off;
    uint64_t count, min, max;
    uint32_t index; /* in the topology: MYL_TOPO role index */
    bool declared;  /* declared as a role, not only named by a route */
    struct mylc_role *next;
} mylc_role;

/* Route shapes and partitionings: the runtime's values (myelon/topo.h). */
typedef enum mylc_route_shape {
    MYLC_RS_DIRECT,      /* MYL_ROUTE_DIRECT */
    MYLC_RS_BROADCAST,   /* MYL_ROUTE_BROADCAST */
    MYLC_RS_SHARED,      /* MYL_ROUTE_SHARED */
    MYLC_RS_PARTITIONED, /* MYL_ROUTE_PARTITIONED */
} mylc_route_shape;

typedef enum mylc_partition {
    MYLC_PART_ROUND_ROBIN, /* MYL_PART_ROUND_ROBIN */
    MYLC_PART_HASH,        /* MYL_PART_HASH */
    MYLC_PART_LEAST_LOADED /* MYL_PART_LEAST_LOADED */
} mylc_partition;

typedef struct mylc_route {
    mylc_role *from, *to;
    mylc_decl *channel;
    mylc_route_shape shape;
    mylc_partition partition;
    mylc_field *key;   /* partitioned hash <field> */
    mylc_field *track; /* track <field> */
    uint32_t off;
    uint32_t index;       /* in the topology */
    const char *name;     /* <from>_<to>_<channel>, part of ring names */
    const char *out_name; /* in the source role's calls: the channel's name, or
                             <channel>_to_<to> if the role sends it to two roles */
    const char *in_name;  /* in the destination role's calls and handlers: the
                             channel's name, or <channel>_from_<from> */
    struct mylc_route *next;
} mylc_route;

typedef struct mylc_stage {
    mylc_str name;
    uint32_t off;
    bool durable, fsync, batch;
    uint32_t nafter;
    struct mylc_stage **after;
    mylc_decl *output;
    struct mylc_stage *next;
    mylc_mark mark;
} mylc_stage;

/* A bridge declaration (docs/myl.md, "Bridges"): one channel carried to or
 * from another host by libmyelon_bridge. 0 means the library's default. */
typedef struct mylc_bridge {
    mylc_decl *channel;
    /* or, a topology relay (docs/BRIDGE.md, "Topologies across hosts"):
     * the topology and its remote role (after check); channel is NULL */
    mylc_decl *topology;
    struct mylc_role *role;
    bool exporting;
    mylc_str endpoint; /* the string literal's text, quotes included */
    uint64_t hwm, reconnect_ms, batch, timeout_ms;
} mylc_bridge;

struct mylc_decl {
    mylc_decl_kind kind;
    mylc_str name;
    uint32_t off;
    mylc_schema *schema;
    mylc_attr *attrs;
    mylc_str doc;         /* "///" lines before its keyword, carried into the header */
    mylc_attr *fbs_attrs; /* .fbs attributes without effect here (parse_fbs.c) */
    struct mylc_decl *next;
    /* .fbs: the namespace it is declared in ("" for none), as flatc
     * resolves names from it; NULL in .myl. pkg and prefix: its own when
     * that namespace is not the schema's (several namespaces in one .fbs
     * file), else NULL; read them with mylc_decl_pkg / mylc_decl_prefix. */
    const char *fbs_ns;
    const char *pkg, *prefix;
    /* enum */
    mylc_type under;
    mylc_enumval *values;
    bool bit_flags; /* after check: values are bit positions, u = 1 << position */
    /* event, struct, table */
    mylc_field *fields;
    /* union: member type names */
    mylc_value *members;
    /* channel, topology, pipeline */
    mylc_prop *props;
    mylc_channel chan;
    mylc_role *roles;
    mylc_route *routes;
    mylc_stage *stages;
    mylc_decl *input;
    mylc_bridge bridge;
    /* after check / layout */
    const char *cname; /* the C name: prefix + name */
    uint32_t align;    /* explicit (events, structs), then effective */
    uint64_t size;     /* events, structs */
    uint32_t nids;     /* tables: field ids used */
    mylc_field *key;   /* tables: the field with attribute key, or NULL */
    mylc_mark mark;    /* graph walks */
    uint32_t height;   /* events, structs: levels of nesting, itself included (check.c) */
    uint64_t fingerprint;
    mylc_str canon; /* layout.c: canonical text once computed (enums, events, structs) */
};

/* What a FlatBuffers schema (.fbs, parse_fbs.c) says beyond its types. */
typedef struct mylc_fbs_info {
    mylc_value *root_type;  /* root_type X; (an IDENT) or NULL */
    mylc_value *file_ident; /* file_identifier "ABCD"; (the literal) or NULL */
    mylc_value *file_ext;   /* file_extension "ext"; or NULL */
    mylc_value *attributes; /* attribute "name"; declarations, in order */
    mylc_decl *root;        /* after check: the root table */
    const char *root_ns;    /* the namespace root_type is resolved from */
} mylc_fbs_info;

typedef struct mylc_import {
    mylc_str path; /* the literal, quotes included */
    uint32_t off;
    mylc_file *file; /* after resolve */
    struct mylc_import *next;
} mylc_import;

struct mylc_schema {
    mylc_file *file;
    bool has_header, has_package;
    uint32_t header_off, package_off;
    mylc_str package;
    mylc_import *imports;
    mylc_decl *decls;
    mylc_decl **decls_tail;
    uint32_t ndecls;
    bool syntax_error;
    bool resolved;
    mylc_mark mark;   /* import graph walk, check, layout */
    mylc_map names;   /* decl name -> decl; "pkg.Name" for a decl with its own pkg */
    mylc_map fqnames; /* .fbs: flatc's fully qualified name -> decl */
    char *stem;       /* file name without directories and ".myl" */
    char *prefix;     /* C prefix, "fabric" (no trailing '_') */
    char *pkg;        /* dotted package, or the stem */
    uint64_t fingerprint;
    mylc_fbs_info *fbs; /* parsed from a FlatBuffers schema (.fbs); else NULL */
};

/* ---- the compilation context ---- */

struct mylc_ctx {
    mylc_arena arena;
    FILE *err; /* diagnostics go here */
    unsigned errors;
    bool stop;           /* too many errors: stop reporting and working */
    bool suppress_notes; /* the error they belong to was not printed */
    const char **incdirs;
    unsigned nincdirs;
    mylc_file **files; /* every loaded file, in load order */
    unsigned nfiles, capfiles;
    /* In-memory sources (fuzzing, tests): when set, imports are looked up
     * here instead of the file system. */
    const char *(*mem_lookup)(void *ud, const char *path, size_t *len);
    void *mem_ud;
    mylc_map cnames; /* C name -> mylc_cname (names.c) */
};

void mylc_ctx_init(mylc_ctx *c, FILE *err);
void mylc_ctx_free(mylc_ctx *c);

/* ---- phases ---- */

/* Loads a file (path as given), or NULL with a diagnostic at (from, off). */
mylc_file *mylc_load(mylc_ctx *c, const char *path, const mylc_file *from, uint32_t off);
/* Registers in-memory text as a file. */
mylc_file *mylc_load_mem(mylc_ctx *c, const char *path, const char *text, size_t len);

mylc_schema *mylc_parse(mylc_ctx *c, mylc_file *f);
/* FlatBuffers schemas (parse_fbs.c): a path ending in ".fbs" is one, parsed
 * by mylc_parse() into the same AST; checked after mylc_check(). */
bool mylc_is_fbs_path(const char *path);
mylc_schema *mylc_parse_fbs(mylc_ctx *c, mylc_file *f);
void mylc_fbs_check(mylc_ctx *c, mylc_schema *s);
/* Loads and parses every import, transitively; reports missing files and
 * cycles; builds each schema's name table. */
void mylc_resolve(mylc_ctx *c, mylc_schema *root);
void mylc_check(mylc_ctx *c, mylc_schema *s);
/* Whether myelonc emits T_create() for table d (emit_fb.c): its fields
 * allow a layout fixed at compile time. */
bool mylc_fb_has_create(const mylc_decl *d);
void mylc_layout(mylc_ctx *c, mylc_schema *s);

/* Everything up to layout for one root file; false if any error. */
bool mylc_compile(mylc_ctx *c, mylc_file *f, mylc_schema **out);

/* The root table (root.c): the table with attribute 'root' (from .fbs:
 * root_type), its file_identifier / file_extension value (a string), the
 * checks and names of the root, and its readers' line in the header. */
mylc_decl *mylc_root_table(const mylc_schema *s);
const mylc_value *mylc_root_attr(const mylc_decl *d, const char *name);
void mylc_check_root(mylc_ctx *c, mylc_schema *s);
void mylc_emit_root(mylc_ctx *c, mylc_decl *d, mylc_buf *h);

/* Emission into buffers (emit_c.c). */
extern const char *const mylc_version;
void mylc_emit(mylc_ctx *c, mylc_schema *s, mylc_buf *header, mylc_buf *source);
/* Topologies (emit_topo.c): a topology's descriptor and typed endpoints,
 * into the header h and source src (first: the first topology of the
 * header, which gets the shared explanation); the feature macros and
 * includes a source with topologies needs at its top ("" without). */
void mylc_emit_topology(mylc_ctx *c, mylc_schema *s, mylc_decl *d, mylc_buf *h, mylc_buf *src,
                        bool first);
const char *mylc_topo_features(mylc_ctx *c, mylc_schema *s);
/* Bridges' entry points, behind MYL_WITH_BRIDGE (gen/emit_bridge.c). */
void mylc_emit_bridges(mylc_ctx *c, mylc_schema *s, mylc_buf *h, mylc_buf *src);
bool mylc_has_topology(const mylc_schema *s);
/* Does topology d's source need its <T>_HASH helper (a hash-partitioned
 * route, or a tracked partitioned one whose resend re-picks by id)? */
bool mylc_topo_hashed(const mylc_decl *d);
/* The stub of role r of topology d (myelonc --stubs): a C file with a
 * main loop and one handler per inbound route; its name (without ".c"). */
void mylc_emit_stub(mylc_ctx *c, mylc_schema *s, mylc_decl *d, mylc_role *r, mylc_buf *out);
const char *mylc_stub_name(mylc_ctx *c, mylc_decl *d, mylc_role *r);
/* Pipelines (emit_pipe.c): the checks of what emission needs and the C
 * names a pipeline claims (after its channels are checked); its stage
 * handler types and runner into h and src (first: the first pipeline of
 * the header); its stub (myelonc --stubs) and the stub's name. */
void mylc_check_pipeline_emit(mylc_ctx *c, mylc_schema *s, mylc_decl *d);
bool mylc_has_pipeline(const mylc_schema *s);
void mylc_emit_pipeline(mylc_ctx *c, mylc_schema *s, mylc_decl *d, mylc_buf *h, mylc_buf *src,
                        bool first);
void mylc_emit_pipe_stub(mylc_ctx *c, mylc_schema *s, mylc_decl *d, mylc_buf *out);
const char *mylc_pipe_stub_name(mylc_ctx *c, mylc_decl *d);
/* The equivalent FlatBuffers schema (emit_fbs.c). */
void mylc_emit_fbs(mylc_ctx *c, mylc_schema *s, mylc_buf *out);

/* --check-compat (compat_check.c): the changes from old to nw that break
 * peers (errors in cn, at nw's places, with notes at old's), compatible
 * ones as "compatible: file:line:col: what" lines and a count line into
 * summary. Returns the number of breaking changes. */
int mylc_check_compat(mylc_ctx *cn, mylc_schema *old, mylc_schema *nw, mylc_buf *summary);

/* Debug output (dump.c). */
void mylc_dump_tokens(mylc_ctx *c, mylc_file *f, mylc_buf *out);
void mylc_dump_ast(mylc_schema *s, mylc_buf *out);
void mylc_dump_schema(mylc_schema *s, mylc_buf *out);

/* Naming (names.c): the one place generated C names are made. */
const char *mylc_name_type(mylc_ctx *c, mylc_schema *s, mylc_str name);
const char *mylc_name_join(mylc_ctx *c, const char *a, const char *b);
/* A union member's name in C (U_<name>, T_f_as_<name>): its alias, else
 * its type as written with '.' as '_' (as flatc names it). */
const char *mylc_member_name(mylc_ctx *c, const mylc_value *m);
const char *mylc_name_upper(mylc_ctx *c, const char *a);
const char *mylc_name_guard(mylc_ctx *c, mylc_schema *s);
bool mylc_is_reserved_word(mylc_str name);
/* A macro of a standard header the generated code includes, or myelon's
 * (MYL_*, myl_*): as a field name, the macro would replace it. */
bool mylc_is_std_macro(mylc_str name);
/* The C name of lane i of a lanes channel: <channel>_LANE_<lane>. */
const char *mylc_name_lane(mylc_ctx *c, const mylc_decl *d, uint32_t i);
/* Records a global C name; reports a collision with the earlier owner. */
void mylc_name_claim(mylc_ctx *c, const char *cname, const mylc_file *f, uint32_t off,
                     const char *what);
/* The same for a name nothing generates yet, kept for a later construct
 * (topologies, pipelines): a collision with it is reported all the same. */
void mylc_name_reserve(mylc_ctx *c, const char *cname, const mylc_file *f, uint32_t off,
                       const char *what);
/* Every claimed C name, sorted, one a line: "prefix P" first (s's C
 * prefix), then "own NAME" for names s claims, "reserved NAME" for names
 * s reserves and "import NAME" for names its imports claim or reserve
 * (myelonc --dump-claims; tests/gen/claims). */
void mylc_dump_claims(mylc_ctx *c, mylc_schema *s, mylc_buf *out);

/* Name lookup (resolve.c): a type name as seen from schema s. */
mylc_decl *mylc_lookup(mylc_ctx *c, mylc_schema *s, mylc_str name, uint32_t off, bool report);
/* The same, for a name written in declaration from: in a .fbs schema it is
 * looked up as flatc does (from's namespace, then its parents, then as a
 * fully qualified name) before the .myl rules. */
mylc_decl *mylc_lookup_ns(mylc_ctx *c, mylc_schema *s, const char *ns, mylc_str name, uint32_t off,
                          bool report);
/* .fbs: the declaration flatc's fully qualified name names, in s or the
 * schemas it includes; NULL if none. */
mylc_decl *mylc_lookup_fq(mylc_schema *s, mylc_str name);
mylc_decl *mylc_lookup_from(mylc_ctx *c, const mylc_decl *from, mylc_str name, uint32_t off,
                            bool report);
/* A declaration's dotted package and C prefix (its namespace's in a .fbs
 * file with several, else its schema's). */
const char *mylc_decl_pkg(const mylc_decl *d);
/* Are a and b distinct schemas that include each other, directly or not
 * (.fbs files only: an include cycle, as flatc allows)? */
bool mylc_in_cycle(const mylc_schema *a, const mylc_schema *b);
const char *mylc_decl_prefix(const mylc_decl *d);
mylc_builtin mylc_builtin_lookup(mylc_str name);
const char *mylc_kind_name(mylc_decl_kind k);

/* Facts about the built-in types (builtins.c), indexed by mylc_builtin;
 * the functions below read the same table. */
typedef struct mylc_builtin_row {
    const char *name;  /* as written in a schema; NULL for NONE and NAMED */
    const char *ctype; /* the C type; "void" if none */
    uint32_t size;     /* bytes in an event or struct; 0 if not fixed */
    bool is_int, is_signed;
    bool scalar;      /* a table scalar (defaults, FlatBuffers inline) */
    const char *fbs;  /* the FlatBuffers schema type; NULL if none */
    const char *fb;   /* suffix of myl_fb_get_* and myl_fb_vec_* */
    const char *cput; /* the compact cursor call that writes it */
    const char *cget; /* the compact cursor call that reads it, range-checked */
} mylc_builtin_row;
extern const mylc_builtin_row mylc_builtins[MYLC_T_NAMED + 1];

/* Layout helpers shared with the emitter. */
const char *mylc_builtin_name(mylc_builtin b);
const char *mylc_builtin_ctype(mylc_builtin b);
uint32_t mylc_builtin_size(mylc_builtin b);
bool mylc_builtin_is_int(mylc_builtin b);
bool mylc_builtin_is_signed(mylc_builtin b);
void mylc_canonical_decl(mylc_decl *d, mylc_buf *out);
/* A table field's default as the fingerprint writes it ("=0", "=1.5"); nothing
 * for a field without one (not a scalar). */
void mylc_canonical_default(const mylc_field *f, mylc_buf *out);

/* Schema descriptions (describe.c, myelon/compat.h). A channel's: what its
 * binding stores in the segment; false (nothing written) when a limit of
 * the format is exceeded (65534 types, 65535 fields, names of 255 bytes,
 * MYL_SCHEMA_MAX bytes). Types': roots and every type they reach, for
 * --check-compat; *types (malloc'ed) gets the declaration of each index. */
bool mylc_describe_channel(const mylc_decl *ch, mylc_buf *out);
bool mylc_describe_types(mylc_decl **roots, uint32_t nroots, mylc_buf *out, mylc_decl ***types,
                         uint32_t *ntypes);

#endif
