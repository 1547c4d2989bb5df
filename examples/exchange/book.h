/* The exchange example's limit-order book (docs/EXCHANGE.md): one
 * instrument, prices 1..BOOK_PRICES ticks, price-time priority. Pure and
 * deterministic: the same orders in the same order give the same book and
 * the same digest, which is what the pipeline's replay and the stress
 * checker rely on. */
#ifndef EXCHANGE_BOOK_H
#define EXCHANGE_BOOK_H

#include <stdbool.h>
#include <stdint.h>

#include "exchange.myl.h"

#define BOOK_PRICES 256u
#define BOOK_CLIENTS 64u
#define BOOK_CAPACITY 65536u /* resting orders */

typedef struct book_order {
    uint64_t cseq;
    uint64_t arrival; /* the book's order count when it came: time priority */
    uint32_t client;
    uint32_t qty;
    uint32_t next; /* in its level's queue; BOOK_NONE at the tail */
    uint32_t price;
    uint8_t side;
} book_order;

#define BOOK_NONE UINT32_MAX

typedef struct book {
    uint32_t head[2][BOOK_PRICES + 1], tail[2][BOOK_PRICES + 1];
    uint64_t last_cseq[BOOK_CLIENTS];
    uint64_t arrivals, trades, volume;
    uint64_t xor_digest; /* XOR of the resting orders' and clients' hashes */
    uint32_t resting, free_head, used;
    book_order pool[BOOK_CAPACITY];
} book;

/* The empty book. */
void book_reset(book *b);
/* Apply one order; *r gets client, cseq, status, filled, resting, digest
 * (not seq). Invalid orders are REJECTED, never an error. */
void book_apply(book *b, const exchange_Order *o, exchange_Report *r);
/* The digest of the book: its resting orders (with their priority), each
 * client's last sequence and the trade counters. */
uint64_t book_digest(const book *b);
/* The same, computed from scratch (a check of the incremental one). */
uint64_t book_digest_full(const book *b);
/* Serialise (malloc'ed *out) and load a book. */
int book_save(const book *b, void **out, uint64_t *size);
int book_restore(book *b, const void *p, uint64_t size);

#endif
