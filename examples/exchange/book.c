/* The limit-order book (book.h). */
#include "book.h"

#include <stdlib.h>
#include <string.h>

static uint64_t mix(uint64_t x)
{
    x ^= x >> 30;
    x *= UINT64_C(0xbf58476d1ce4e5b9);
    x ^= x >> 27;
    x *= UINT64_C(0x94d049bb133111eb);
    return x ^ (x >> 31);
}

static uint64_t order_hash(const book_order *o)
{
    uint64_t h = mix(o->cseq ^ ((uint64_t)o->client << 56));
    h = mix(h ^ o->arrival);
    h = mix(h ^ ((uint64_t)o->price << 32 | o->qty));
    return mix(h ^ o->side);
}

static uint64_t client_hash(uint32_t client, uint64_t cseq)
{
    return mix(mix(UINT64_C(0x5eed) + client) ^ cseq);
}

void book_reset(book *b)
{
    memset(b, 0, sizeof *b);
    for (uint32_t s = 0; s < 2; s++)
        for (uint32_t p = 0; p <= BOOK_PRICES; p++)
            b->head[s][p] = b->tail[s][p] = BOOK_NONE;
    b->free_head = BOOK_NONE;
}

uint64_t book_digest(const book *b)
{
    return b->xor_digest ^ mix(b->trades * 31u + b->volume) ^ mix(b->arrivals);
}

uint64_t book_digest_full(const book *b)
{
    uint64_t x = 0;
    for (uint32_t c = 0; c < BOOK_CLIENTS; c++)
        if (b->last_cseq[c])
            x ^= client_hash(c, b->last_cseq[c]);
    for (uint32_t s = 0; s < 2; s++)
        for (uint32_t p = 1; p <= BOOK_PRICES; p++)
            for (uint32_t i = b->head[s][p]; i != BOOK_NONE; i = b->pool[i].next)
                x ^= order_hash(&b->pool[i]);
    return x ^ mix(b->trades * 31u + b->volume) ^ mix(b->arrivals);
}

static uint32_t alloc_order(book *b)
{
    if (b->free_head != BOOK_NONE) {
        uint32_t i = b->free_head;
        b->free_head = b->pool[i].next;
        return i;
    }
    return b->used < BOOK_CAPACITY ? b->used++ : BOOK_NONE;
}

static void rest(book *b, const book_order *o)
{
    uint32_t i = alloc_order(b);
    b->pool[i] = *o;
    b->pool[i].next = BOOK_NONE;
    uint32_t s = o->side, p = o->price;
    if (b->tail[s][p] == BOOK_NONE)
        b->head[s][p] = i;
    else
        b->pool[b->tail[s][p]].next = i;
    b->tail[s][p] = i;
    b->resting++;
    b->xor_digest ^= order_hash(&b->pool[i]);
}

/* Removes the head of level (s, p). */
static void pop_head(book *b, uint32_t s, uint32_t p)
{
    uint32_t i = b->head[s][p];
    b->head[s][p] = b->pool[i].next;
    if (b->head[s][p] == BOOK_NONE)
        b->tail[s][p] = BOOK_NONE;
    b->pool[i].next = b->free_head;
    b->free_head = i;
    b->resting--;
}

static void set_last(book *b, uint32_t client, uint64_t cseq)
{
    if (b->last_cseq[client])
        b->xor_digest ^= client_hash(client, b->last_cseq[client]);
    b->last_cseq[client] = cseq;
    b->xor_digest ^= client_hash(client, cseq);
}

static void cancel(book *b, const exchange_Order *o, exchange_Report *r)
{
    r->status = exchange_Status_NOT_FOUND;
    for (uint32_t s = 0; s < 2; s++)
        for (uint32_t p = 1; p <= BOOK_PRICES; p++) {
            uint32_t prev = BOOK_NONE;
            for (uint32_t i = b->head[s][p]; i != BOOK_NONE; prev = i, i = b->pool[i].next) {
                book_order *x = &b->pool[i];
                if (x->client != o->client || x->cseq != o->target)
                    continue;
                b->xor_digest ^= order_hash(x);
                if (prev == BOOK_NONE)
                    b->head[s][p] = x->next;
                else
                    b->pool[prev].next = x->next;
                if (b->tail[s][p] == i)
                    b->tail[s][p] = prev;
                x->next = b->free_head;
                b->free_head = i;
                b->resting--;
                r->status = exchange_Status_CANCELLED;
                r->resting = 0;
                return;
            }
        }
}

void book_apply(book *b, const exchange_Order *o, exchange_Report *r)
{
    memset(r, 0, sizeof *r);
    r->client = o->client;
    r->cseq = o->cseq;
    if (o->client >= BOOK_CLIENTS || o->cseq == 0) {
        r->status = exchange_Status_REJECTED;
        r->digest = book_digest(b);
        return;
    }
    if (o->cseq <= b->last_cseq[o->client]) { /* a client's retry: applied once */
        r->status = exchange_Status_DUPLICATE;
        r->digest = book_digest(b);
        return;
    }
    set_last(b, o->client, o->cseq);
    b->arrivals++;
    if (o->op == exchange_Op_CANCEL) {
        cancel(b, o, r);
    } else if (o->op != exchange_Op_NEW || o->side > 1 || o->price < 1 ||
               o->price > (int64_t)BOOK_PRICES || o->qty == 0 ||
               (b->free_head == BOOK_NONE && b->used == BOOK_CAPACITY)) {
        r->status = exchange_Status_REJECTED;
    } else {
        uint32_t s = o->side, other = s ^ 1u, price = (uint32_t)o->price;
        uint32_t left = o->qty;
        /* Price priority: the best opposite level first (lowest ask for a
         * buy, highest bid for a sell) while it crosses; time priority:
         * the head of each level's queue first. */
        for (uint32_t k = 1; k <= BOOK_PRICES && left; k++) {
            uint32_t p = s == exchange_Side_BUY ? k : BOOK_PRICES + 1 - k;
            if (s == exchange_Side_BUY ? p > price : p < price)
                break;
            while (left && b->head[other][p] != BOOK_NONE) {
                book_order *x = &b->pool[b->head[other][p]];
                uint32_t q = x->qty < left ? x->qty : left;
                b->xor_digest ^= order_hash(x);
                x->qty -= q;
                left -= q;
                b->trades++;
                b->volume += q;
                if (x->qty == 0)
                    pop_head(b, other, p);
                else
                    b->xor_digest ^= order_hash(x);
            }
        }
        r->status = exchange_Status_ACCEPTED;
        r->filled = o->qty - left;
        r->resting = left;
        if (left) {
            book_order n = {o->cseq, b->arrivals, o->client, left, BOOK_NONE, price, (uint8_t)s};
            rest(b, &n);
        }
    }
    r->digest = book_digest(b);
}

/* Payload: magic, counters, last_cseq[], then the resting orders level by
 * level in queue order (side, price ascending). */
#define BOOK_MAGIC UINT64_C(0x314b4f4f42584345) /* "ECXBOOK1" */

int book_save(const book *b, void **out, uint64_t *size)
{
    size_t n = 8 * 5 + 8 * BOOK_CLIENTS + (size_t)b->resting * 32;
    uint8_t *p = malloc(n), *q = p;
    if (!p)
        return -1;
    uint64_t hdr[5] = {BOOK_MAGIC, b->arrivals, b->trades, b->volume, b->resting};
    memcpy(q, hdr, sizeof hdr);
    q += sizeof hdr;
    memcpy(q, b->last_cseq, sizeof b->last_cseq);
    q += sizeof b->last_cseq;
    for (uint32_t s = 0; s < 2; s++)
        for (uint32_t pr = 1; pr <= BOOK_PRICES; pr++)
            for (uint32_t i = b->head[s][pr]; i != BOOK_NONE; i = b->pool[i].next) {
                const book_order *x = &b->pool[i];
                uint64_t rec[4] = {x->cseq, x->arrival, (uint64_t)x->client << 32 | x->qty,
                                   (uint64_t)x->price << 8 | x->side};
                memcpy(q, rec, sizeof rec);
                q += sizeof rec;
            }
    *out = p;
    *size = (uint64_t)(q - p);
    return 0;
}

int book_restore(book *b, const void *payload, uint64_t size)
{
    const uint8_t *q = payload;
    uint64_t hdr[5];
    book_reset(b);
    if (size < sizeof hdr + sizeof b->last_cseq)
        return -1;
    memcpy(hdr, q, sizeof hdr);
    q += sizeof hdr;
    if (hdr[0] != BOOK_MAGIC || hdr[4] > BOOK_CAPACITY ||
        size != sizeof hdr + sizeof b->last_cseq + hdr[4] * 32)
        return -1;
    memcpy(b->last_cseq, q, sizeof b->last_cseq);
    q += sizeof b->last_cseq;
    b->arrivals = hdr[1];
    b->trades = hdr[2];
    b->volume = hdr[3];
    for (uint64_t k = 0; k < hdr[4]; k++) {
        uint64_t rec[4];
        memcpy(rec, q, sizeof rec);
        q += sizeof rec;
        book_order o = {rec[0],           rec[1],    (uint32_t)(rec[2] >> 32),
                        (uint32_t)rec[2], BOOK_NONE, (uint32_t)(rec[3] >> 8),
                        (uint8_t)rec[3]};
        if (o.side > 1 || o.price < 1 || o.price > BOOK_PRICES || o.client >= BOOK_CLIENTS)
            return -1;
        rest(b, &o);
    }
    for (uint32_t c = 0; c < BOOK_CLIENTS; c++)
        if (b->last_cseq[c])
            b->xor_digest ^= client_hash(c, b->last_cseq[c]);
    return 0;
}
