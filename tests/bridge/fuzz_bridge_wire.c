/* libFuzzer target: the bridge's wire decoder (bridge/src/wire.c), the only
 * code that reads bytes from the network: HELLO (the handshake), WELCOME,
 * REFUSE, BATCH, BATCHZ (the header frame of a batch whose events follow
 * in their own frames), ACK, PING. Whatever it accepts must re-encode to the
 * same bytes (the format has one encoding per message), and a batch's
 * payload must lie inside the input. */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "myelon/error.h"
#include "wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    myl__br_msg m;
    int rc = myl__br_decode(data, size, &m);
    if (rc != 0) {
        if (rc != MYL_EINVAL && rc != MYL_EVERSION)
            abort();
        return 0;
    }
    uint8_t out[MYL__BR_HDR + 8 + MYL__BR_REFUSE_TEXT_MAX + 64];
    size_t n = 0;
    switch (m.type) {
    case MYL__BR_HELLO:
        n = myl__br_hello(out, &m);
        break;
    case MYL__BR_WELCOME:
        n = myl__br_welcome(out, m.session, m.stream, m.start, m.mode);
        break;
    case MYL__BR_ACK:
        n = myl__br_ack(out, m.session, m.next);
        break;
    case MYL__BR_PING:
        n = myl__br_put_hdr(out, MYL__BR_PING, m.session);
        break;
    case MYL__BR_REFUSE:
        /* the text is sanitised: compare the length only */
        if (myl__br_refuse(out, m.session, m.reason, m.text) != size)
            abort();
        return 0;
    case MYL__BR_BATCH:
        if (m.payload < data || m.payload + (size_t)m.count * m.slot_size != data + size)
            abort();
        n = myl__br_batch_hdr(out, m.session, m.first, m.prev, m.count, m.slot_size);
        myl__br_set_flags(out, m.flags);
        if (memcmp(out, data, n) != 0)
            abort();
        return 0;
    case MYL__BR_BATCHZ:
        if (m.payload || m.count > MYL__BR_MAX_PARTS)
            abort();
        n = myl__br_batchz_hdr(out, m.session, m.first, m.prev, m.count, m.slot_size);
        myl__br_set_flags(out, m.flags);
        break;
    default:
        abort();
    }
    if (n != size || memcmp(out, data, n) != 0)
        abort();
    return 0;
}
