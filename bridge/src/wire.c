/* libmyelon_bridge: encoding and decoding of the wire format (wire.h). */
#include "wire.h"

#include <stdbool.h>
#include <string.h>

#include "myelon/error.h"

size_t myl__br_put_hdr(uint8_t *buf, uint32_t type, uint64_t session)
{
    myl__br_put32(buf, MYL__BR_MAGIC);
    buf[4] = MYL__BR_VERSION;
    buf[5] = (uint8_t)type;
    buf[6] = 0;
    buf[7] = 0;
    myl__br_put64(buf + 8, session);
    return MYL__BR_HDR;
}

size_t myl__br_hello(uint8_t *buf, const myl__br_msg *m)
{
    uint8_t *b = buf + myl__br_put_hdr(buf, MYL__BR_HELLO, m->session);
    myl__br_put64(b, m->fingerprint);
    myl__br_put32(b + 8, m->slot_size);
    myl__br_put32(b + 12, m->kind);
    myl__br_put32(b + 16, m->mode);
    myl__br_put32(b + 20, 0);
    myl__br_put64(b + 24, m->next);
    myl__br_put64(b + 32, m->stream);
    return MYL__BR_HELLO_SIZE;
}

size_t myl__br_welcome(uint8_t *buf, uint64_t session, uint64_t stream, uint64_t start,
                       uint32_t mode)
{
    uint8_t *b = buf + myl__br_put_hdr(buf, MYL__BR_WELCOME, session);
    myl__br_put64(b, stream);
    myl__br_put64(b + 8, start);
    myl__br_put32(b + 16, mode);
    myl__br_put32(b + 20, 0);
    return MYL__BR_WELCOME_SIZE;
}

size_t myl__br_refuse(uint8_t *buf, uint64_t session, uint32_t reason, const char *text)
{
    uint8_t *b = buf + myl__br_put_hdr(buf, MYL__BR_REFUSE, session);
    size_t n = text ? strlen(text) : 0;
    if (n > MYL__BR_REFUSE_TEXT_MAX)
        n = MYL__BR_REFUSE_TEXT_MAX;
    myl__br_put32(b, reason);
    myl__br_put32(b + 4, (uint32_t)n);
    /* Not NUL-terminated on the wire: the length says where it ends. */
    for (size_t i = 0; i < n; i++)
        b[8 + i] = (uint8_t)text[i];
    return MYL__BR_HDR + 8 + n;
}

size_t myl__br_ack(uint8_t *buf, uint64_t session, uint64_t next)
{
    uint8_t *b = buf + myl__br_put_hdr(buf, MYL__BR_ACK, session);
    myl__br_put64(b, next);
    return MYL__BR_ACK_SIZE;
}

void myl__br_set_flags(uint8_t *buf, uint32_t flags)
{
    buf[6] = (uint8_t)flags;
    buf[7] = (uint8_t)(flags >> 8);
}

static size_t batch_hdr(uint8_t *buf, uint32_t type, uint64_t session, uint64_t first,
                        uint64_t prev, uint32_t count, uint32_t slot_size)
{
    uint8_t *b = buf + myl__br_put_hdr(buf, type, session);
    myl__br_put64(b, first);
    myl__br_put64(b + 8, prev);
    myl__br_put32(b + 16, count);
    myl__br_put32(b + 20, slot_size);
    return MYL__BR_BATCH_HDR;
}

size_t myl__br_batch_hdr(uint8_t *buf, uint64_t session, uint64_t first, uint64_t prev,
                         uint32_t count, uint32_t slot_size)
{
    return batch_hdr(buf, MYL__BR_BATCH, session, first, prev, count, slot_size);
}

size_t myl__br_batchz_hdr(uint8_t *buf, uint64_t session, uint64_t first, uint64_t prev,
                          uint32_t count, uint32_t slot_size)
{
    return batch_hdr(buf, MYL__BR_BATCHZ, session, first, prev, count, slot_size);
}

int myl__br_decode(const void *buf, size_t len, myl__br_msg *m)
{
    const uint8_t *p = buf;
    memset(m, 0, sizeof *m);
    if (!p || len < MYL__BR_HDR)
        return MYL_EINVAL;
    if (myl__br_get32(p) != MYL__BR_MAGIC)
        return MYL_EINVAL;
    m->session = myl__br_get64(p + 8);
    if (p[4] != MYL__BR_VERSION)
        return MYL_EVERSION; /* a peer of another version: refused by name */
    m->type = p[5];
    m->flags = (uint32_t)p[6] | (uint32_t)p[7] << 8;
    bool batch = m->type == MYL__BR_BATCH || m->type == MYL__BR_BATCHZ;
    if (m->flags & ~(batch ? MYL__BR_F_ACK_NOW : 0u))
        return MYL_EINVAL;
    const uint8_t *b = p + MYL__BR_HDR;
    size_t body = len - MYL__BR_HDR;
    switch (m->type) {
    case MYL__BR_HELLO:
        if (len != MYL__BR_HELLO_SIZE || myl__br_get32(b + 20) != 0)
            return MYL_EINVAL;
        m->fingerprint = myl__br_get64(b);
        m->slot_size = myl__br_get32(b + 8);
        m->kind = myl__br_get32(b + 12);
        m->mode = myl__br_get32(b + 16);
        m->next = myl__br_get64(b + 24);
        m->stream = myl__br_get64(b + 32);
        return 0;
    case MYL__BR_WELCOME:
        if (len != MYL__BR_WELCOME_SIZE || myl__br_get32(b + 20) != 0)
            return MYL_EINVAL;
        m->stream = myl__br_get64(b);
        m->start = myl__br_get64(b + 8);
        m->mode = myl__br_get32(b + 16);
        return 0;
    case MYL__BR_REFUSE: {
        if (body < 8)
            return MYL_EINVAL;
        uint32_t n = myl__br_get32(b + 4);
        if (n > MYL__BR_REFUSE_TEXT_MAX || body != 8u + n)
            return MYL_EINVAL;
        m->reason = myl__br_get32(b);
        /* Printable ASCII only: the text is shown to an operator. */
        for (uint32_t i = 0; i < n; i++) {
            uint8_t ch = b[8 + i];
            char out = '?';
            if (ch >= 0x20 && ch < 0x7f)
                out = (char)ch;
            m->text[i] = out;
        }
        m->text[n] = '\0';
        return 0;
    }
    case MYL__BR_BATCH:
    case MYL__BR_BATCHZ: {
        if (body < 24)
            return MYL_EINVAL;
        m->first = myl__br_get64(b);
        m->prev = myl__br_get64(b + 8);
        m->count = myl__br_get32(b + 16);
        m->slot_size = myl__br_get32(b + 20);
        if (m->count == 0 || m->count > MYL__BR_MAX_COUNT || m->slot_size == 0 ||
            m->prev > m->first)
            return MYL_EINVAL;
        uint64_t bytes = (uint64_t)m->count * m->slot_size;
        if (bytes > MYL__BR_MAX_BYTES)
            return MYL_EINVAL;
        /* BATCH: the payload in this frame; BATCHZ: the header alone, the
         * events in the frames that follow (the caller checks those). */
        if (m->type == MYL__BR_BATCH ? body - 24 != bytes
                                     : body != 24 || m->count > MYL__BR_MAX_PARTS)
            return MYL_EINVAL;
        /* The sequences must not wrap. */
        if (m->first > UINT64_MAX - m->count)
            return MYL_EINVAL;
        m->payload = m->type == MYL__BR_BATCH ? b + 24 : NULL;
        return 0;
    }
    case MYL__BR_ACK:
        if (len != MYL__BR_ACK_SIZE)
            return MYL_EINVAL;
        m->next = myl__br_get64(b);
        return 0;
    case MYL__BR_PING:
        if (len != MYL__BR_HDR)
            return MYL_EINVAL;
        return 0;
    default:
        return MYL_EINVAL;
    }
}
