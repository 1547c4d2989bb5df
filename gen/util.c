/* Arena, buffers, a string map and FNV-1a: the compiler's only containers. */
#include <stdlib.h>
#include <string.h>

#include "mylc.h"

/* Without strlen(z): most calls compare against word lists (keywords,
 * reserved words) and differ in the first byte. */
bool mylc_str_eq(mylc_str a, const char *z)
{
    for (uint32_t i = 0; i < a.n; i++)
        if (z[i] == 0 || z[i] != a.p[i]) /* never reads past z's NUL */
            return false;
    return z[a.n] == 0;
}

bool mylc_str_same(mylc_str a, mylc_str b)
{
    return a.n == b.n && (a.n == 0 || memcmp(a.p, b.p, a.n) == 0);
}

struct mylc_arena_block {
    mylc_arena_block *next;
    size_t used, cap;
    max_align_t data[];
};

#define ARENA_BLOCK ((size_t)64 * 1024)

void *mylc_alloc(mylc_arena *a, size_t n)
{
    n = (n + sizeof(max_align_t) - 1) & ~(sizeof(max_align_t) - 1);
    mylc_arena_block *b = a->head;
    if (!b || b->cap - b->used < n) {
        size_t cap = n > ARENA_BLOCK ? n : ARENA_BLOCK;
        b = malloc(sizeof *b + cap);
        if (!b) {
            fputs("myelonc: out of memory\n", stderr);
            abort();
        }
        b->cap = cap;
        b->used = 0;
        b->next = a->head;
        a->head = b;
    }
    void *p = (char *)b->data + b->used;
    b->used += n;
    memset(p, 0, n);
    return p;
}

char *mylc_strdup(mylc_arena *a, const char *p, size_t n)
{
    char *s = mylc_alloc(a, n + 1);
    if (n)
        memcpy(s, p, n);
    s[n] = 0;
    return s;
}

void mylc_arena_free(mylc_arena *a)
{
    while (a->head) {
        mylc_arena_block *n = a->head->next;
        free(a->head);
        a->head = n;
    }
}

static void buf_grow(mylc_buf *b, size_t need)
{
    if (b->cap - b->n >= need)
        return;
    size_t cap = b->cap ? b->cap : 256;
    while (cap - b->n < need)
        cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) {
        fputs("myelonc: out of memory\n", stderr);
        abort();
    }
    b->p = p;
    b->cap = cap;
}

void mylc_buf_put(mylc_buf *b, const char *p, size_t n)
{
    buf_grow(b, n + 1);
    if (n)
        memcpy(b->p + b->n, p, n);
    b->n += n;
    b->p[b->n] = 0;
}

void mylc_buf_puts(mylc_buf *b, const char *z)
{
    mylc_buf_put(b, z, strlen(z));
}

/* Prints into the room left first, and again after growing only when the
 * text did not fit: one pass of vsnprintf for nearly every call. */
void mylc_buf_printf(mylc_buf *b, const char *fmt, ...)
{
    va_list ap;
    buf_grow(b, 128);
    size_t room = b->cap - b->n;
    va_start(ap, fmt);
    int n = vsnprintf(b->p + b->n, room, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->p[b->n] = 0;
        return;
    }
    if ((size_t)n >= room) {
        buf_grow(b, (size_t)n + 1);
        va_start(ap, fmt);
        vsnprintf(b->p + b->n, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    b->n += (size_t)n;
}

void mylc_buf_free(mylc_buf *b)
{
    free(b->p);
    b->p = NULL;
    b->n = b->cap = 0;
}

int mylc_hex_digit(char ch)
{
    return ch >= '0' && ch <= '9'   ? ch - '0'
           : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
           : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10
                                    : -1;
}

uint64_t mylc_int_text(mylc_str t)
{
    uint64_t x = 0;
    uint32_t i = 0;
    if (t.n > 2 && t.p[0] == '0' && (t.p[1] == 'x' || t.p[1] == 'X')) {
        for (i = 2; i < t.n && mylc_hex_digit(t.p[i]) >= 0; i++)
            x = x * 16 + (uint64_t)mylc_hex_digit(t.p[i]);
        return x;
    }
    for (; i < t.n && t.p[i] >= '0' && t.p[i] <= '9'; i++)
        x = x * 10 + (uint64_t)(t.p[i] - '0');
    return x;
}

uint64_t mylc_fnv1a(uint64_t h, const void *p, size_t n)
{
    const unsigned char *s = p;
    for (size_t i = 0; i < n; i++) {
        h ^= s[i];
        h *= UINT64_C(0x100000001b3);
    }
    return h;
}

static uint32_t map_hash(const char *k, uint32_t n)
{
    return (uint32_t)mylc_fnv1a(MYLC_FNV_OFFSET, k, n);
}

void *mylc_map_get(const mylc_map *m, const char *k, uint32_t n)
{
    if (!m->cap)
        return NULL;
    uint32_t mask = m->cap - 1, h = map_hash(k, n);
    for (uint32_t i = h & mask;; i = (i + 1) & mask) {
        mylc_map_ent *e = &m->e[i];
        if (!e->k)
            return NULL;
        if (e->h == h && e->n == n && memcmp(e->k, k, n) == 0)
            return e->v;
    }
}

/* Inserts k (hash h), or returns the value of the key already there. */
static void *map_insert(mylc_map *m, const char *k, uint32_t n, uint32_t h, void *v)
{
    uint32_t mask = m->cap - 1;
    for (uint32_t i = h & mask;; i = (i + 1) & mask) {
        mylc_map_ent *e = &m->e[i];
        if (!e->k) {
            e->k = k;
            e->n = n;
            e->h = h;
            e->v = v;
            m->len++;
            return NULL;
        }
        if (e->h == h && e->n == n && memcmp(e->k, k, n) == 0)
            return e->v;
    }
}

void *mylc_map_put(mylc_map *m, const char *k, uint32_t n, void *v)
{
    if ((m->len + 1) * 2 > m->cap) {
        mylc_map old = *m;
        m->cap = old.cap ? old.cap * 2 : 64;
        m->len = 0;
        m->e = calloc(m->cap, sizeof *m->e);
        if (!m->e) {
            fputs("myelonc: out of memory\n", stderr);
            abort();
        }
        for (uint32_t i = 0; i < old.cap; i++)
            if (old.e[i].k)
                map_insert(m, old.e[i].k, old.e[i].n, old.e[i].h, old.e[i].v);
        free(old.e);
    }
    return map_insert(m, k, n, map_hash(k, n), v);
}

void mylc_map_free(mylc_map *m)
{
    free(m->e);
    m->e = NULL;
    m->cap = m->len = 0;
}
