/* A message with one field of every compact kind, encoded and decoded the
 * way myelonc-generated compact codecs will be (a straight run of cursor
 * calls, one error check at the end). Shared by the unit test, the fuzz
 * target and the benchmark. Compiles as C and C++. */
#ifndef MYELON_TESTS_FB_COMPACT_MSG_H
#define MYELON_TESTS_FB_COMPACT_MSG_H

#include "myelon/compact.h"

#define CM_MAX_BYTES 64
#define CM_MAX_ITEMS 16

typedef struct cm_msg {
    uint8_t kind;
    bool urgent;
    uint16_t port;
    int32_t delta;
    uint64_t id;     /* uvar */
    int64_t offset;  /* svar */
    uint32_t count;  /* uvar, u32 range */
    int32_t balance; /* svar, i32 range */
    float ratio;
    double price;
    const uint8_t *blob; /* bytes, in place */
    size_t blob_len;
    const char *name; /* string, in place */
    size_t name_len;
    uint32_t nitems; /* uvar, then svar items */
    int64_t items[CM_MAX_ITEMS];
} cm_msg;

static inline int cm_encode(const cm_msg *m, void *buf, size_t cap, size_t *len)
{
    myl_cenc e;
    myl_cenc_init(&e, buf, cap);
    myl_cenc_u8(&e, m->kind);
    myl_cenc_bool(&e, m->urgent);
    myl_cenc_u16(&e, m->port);
    myl_cenc_i32(&e, m->delta);
    myl_cenc_uvar(&e, m->id);
    myl_cenc_svar(&e, m->offset);
    myl_cenc_uvar(&e, m->count);
    myl_cenc_svar(&e, m->balance);
    myl_cenc_f32(&e, m->ratio);
    myl_cenc_f64(&e, m->price);
    myl_cenc_bytes(&e, m->blob, m->blob_len);
    myl_cenc_str(&e, m->name, m->name_len);
    myl_cenc_uvar(&e, m->nitems);
    for (uint32_t i = 0; i < m->nitems && i < CM_MAX_ITEMS; i++)
        myl_cenc_svar(&e, m->items[i]);
    *len = myl_cenc_len(&e);
    return e.err;
}

static inline int cm_decode(cm_msg *m, const void *buf, size_t len)
{
    myl_cdec d;
    myl_cdec_init(&d, buf, len);
    m->kind = myl_cdec_u8(&d);
    m->urgent = myl_cdec_bool(&d);
    m->port = myl_cdec_u16(&d);
    m->delta = myl_cdec_i32(&d);
    m->id = myl_cdec_uvar(&d);
    m->offset = myl_cdec_svar(&d);
    m->count = myl_cdec_uvar32(&d);
    m->balance = myl_cdec_svar32(&d);
    m->ratio = myl_cdec_f32(&d);
    m->price = myl_cdec_f64(&d);
    m->blob_len = myl_cdec_bytes(&d, &m->blob, CM_MAX_BYTES);
    m->name_len = myl_cdec_str(&d, &m->name, CM_MAX_BYTES);
    m->nitems = (uint32_t)myl_cdec_uvar_max(&d, CM_MAX_ITEMS);
    for (uint32_t i = 0; i < m->nitems; i++)
        m->items[i] = myl_cdec_svar(&d);
    return myl_cdec_finish(&d);
}

#endif
