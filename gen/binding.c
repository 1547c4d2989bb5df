/* Channel bindings as data: what code a channel gets, decided by two
 * independent fields of the checked channel, its shape (how messages
 * travel: one ring of events, one framed ring, a group of size classes or
 * of lanes) and its codec (what a message is: raw bytes or events,
 * compact, FlatBuffers). One row per shape and one per codec name the
 * template sections their code comes from and the suffixes of the C names
 * it declares; names.c claims exactly those names (check.c,
 * claim_channel_names) and the emitter fills exactly those sections
 * (emit_chan.c: mylc_emit_shape and mylc_emit_codec). tests/gen/claims checks that the
 * two agree with the generated code. docs/COMPILER.md, "How to add a
 * channel shape or codec".
 */
#include "myelon/compat.h" /* MYL_COMPAT_* */
#include "myelon/ring.h"   /* MYL_PRODUCERS_*, MYL_MODE_*, MYL_WAIT_*, MYL_BACKING_* */
#include "mylc.h"

/* ---- shapes ---- */

static const char *const ring_suffixes[] = {
    "desc",
    "schema",
    "create",
    "attach",
    "unlink",
    "check",
    "producer",
    "producer_open",
    "producer_close",
    "producer_try_claim",
    "producer_claim",
    "producer_slot",
    "producer_publish",
    "producer_try_send",
    "producer_send",
    "consumer",
    "consumer_open",
    "consumer_close",
    "consumer_try_poll",
    "consumer_poll",
    "consumer_slot",
    "consumer_valid",
    "consumer_release",
    "consumer_take_lost",
    NULL,
};

static const char *const framed_suffixes[] = {
    "desc",
    "schema",
    "frame_opts",
    "create",
    "attach",
    "unlink",
    "check",
    "sender",
    "sender_open",
    "sender_close",
    "sender_send",
    "sender_claim",
    "sender_claim_data",
    "sender_commit",
    "sender_abort",
    "receiver",
    "receiver_open",
    "receiver_close",
    "receiver_recv",
    "receiver_release",
    NULL,
};

/* Size classes and lanes: a group of framed rings. */
#define GROUP_SUFFIXES                                                                             \
    "desc", "schema", "opts", "create", "wait", "attach", "unlink", "check", "sender",             \
        "sender_open", "sender_close", "sender_send", "sender_pressure", "receiver",               \
        "receiver_open", "receiver_close", "receiver_recv"

static const char *const classes_suffixes[] = {GROUP_SUFFIXES, "CLASSES", "frame_sizes", NULL};
static const char *const lanes_suffixes[] = {GROUP_SUFFIXES, "LANES", "lane_names", NULL};

const mylc_shape_row mylc_shapes[MYLC_CS_COUNT] = {
    /* not bound (only after errors): the names of a ring are kept */
    [MYLC_CS_NONE] = {.name = "none", .suffixes = ring_suffixes},
    [MYLC_CS_RING] =
        {
            .name = "ring",
            .header = "channel",
            .source = {"channel"},
            .suffixes = ring_suffixes,
        },
    [MYLC_CS_FRAMED] =
        {
            .name = "framed",
            .framed = true,
            .header = "framed",
            .source = {"framed"},
            .suffixes = framed_suffixes,
        },
    [MYLC_CS_CLASSES] =
        {
            .name = "classes",
            .framed = true,
            .header = "classes",
            .source = {"classes", "group", "classes_recv"},
            .ring = "cls",
            .suffixes = classes_suffixes,
            .sizes = true,
        },
    [MYLC_CS_LANES] =
        {
            .name = "lanes",
            .framed = true,
            .header = "lanes",
            .source = {"lanes", "group", "lanes_recv"},
            .ring = "lane",
            .suffixes = lanes_suffixes,
            .lanes = true,
        },
};

/* ---- codecs ---- */

static const char *const compact_suffixes[] = {"sender_put", "receiver_get", NULL};
static const char *const fb_framed_suffixes[] = {"sender_build_begin", "sender_build_commit",
                                                 "receiver_read", NULL};
static const char *const fb_classes_suffixes[] = {"sender_send_built", "receiver_read", NULL};
static const char *const fb_lanes_suffixes[] = {"sender_send_built", "sender_build_begin",
                                                "sender_build_commit", "receiver_read", NULL};

const mylc_codec_row mylc_codecs[MYLC_CODEC_COUNT] = {
    /* Events one per slot of a ring, or bytes over frames: the shape's
     * binding is the whole binding. */
    [MYLC_CODEC_RAW] = {.name = "raw"},
    [MYLC_CODEC_COMPACT] =
        {
            .name = "compact",
            .carries = 1u << MYLC_D_EVENT | 1u << MYLC_D_STRUCT | 1u << MYLC_D_TABLE,
            .over =
                {
                    [MYLC_CS_FRAMED] = {"compact_framed", NULL, compact_suffixes},
                    [MYLC_CS_CLASSES] = {"compact_classes", "compact_group_get", compact_suffixes},
                    [MYLC_CS_LANES] = {"compact_lanes", "compact_group_get", compact_suffixes},
                },
        },
    [MYLC_CODEC_FLATBUFFERS] =
        {
            .name = "flatbuffers",
            .carries = 1u << MYLC_D_TABLE, /* a FlatBuffer's root is a table */
            .over =
                {
                    [MYLC_CS_FRAMED] = {"fb_channel", NULL, fb_framed_suffixes},
                    [MYLC_CS_CLASSES] = {"fb_classes", "fb_group_read", fb_classes_suffixes},
                    [MYLC_CS_LANES] = {"fb_lanes", "fb_group_read", fb_lanes_suffixes},
                },
        },
};

mylc_chan_shape mylc_channel_shape(const mylc_channel *ch)
{
    if (!ch->framed)
        return MYLC_CS_RING;
    mylc_chan_shape framed = ch->nlanes    ? MYLC_CS_LANES
                             : ch->classes ? MYLC_CS_CLASSES
                                           : MYLC_CS_FRAMED;
    if (ch->carries.base == MYLC_T_BYTES)
        return framed;
    const mylc_decl *t = ch->carries.decl;
    const mylc_codec_row *codec = &mylc_codecs[ch->codec];
    if (t && codec->carries & 1u << t->kind && codec->over[framed].header)
        return framed;
    return MYLC_CS_NONE;
}

/* ---- the words of channel properties, and the runtime's values ---- */

const mylc_word mylc_producers_words[] = {
    {"single", MYL_PRODUCERS_SINGLE, "MYL_PRODUCERS_SINGLE"},
    {"multi", MYL_PRODUCERS_MULTI, "MYL_PRODUCERS_MULTI"},
    {NULL, 0, NULL},
};
const mylc_word mylc_backing_words[] = {
    {"shm", MYL_BACKING_SHM, "MYL_BACKING_SHM"},
    {"mmap", MYL_BACKING_FILE, "MYL_BACKING_FILE"},
    {NULL, 0, NULL},
};
const mylc_word mylc_wait_words[] = {
    {"spin", MYL_WAIT_SPIN, "MYL_WAIT_SPIN"},
    {"yield", MYL_WAIT_YIELD, "MYL_WAIT_YIELD"},
    {"block", MYL_WAIT_BLOCK, "MYL_WAIT_BLOCK"},
    {"hybrid", MYL_WAIT_HYBRID, "MYL_WAIT_HYBRID"},
    {NULL, 0, NULL},
};
const mylc_word mylc_fences_words[] = {
    {"asymmetric", MYL_SEG_FENCE_ASYMMETRIC, "MYL_SEG_FENCE_ASYMMETRIC"},
    {"symmetric", MYL_SEG_FENCE_SYMMETRIC, "MYL_SEG_FENCE_SYMMETRIC"},
    {NULL, 0, NULL},
};
const mylc_word mylc_mode_words[] = {
    {"gated", MYL_MODE_GATED, "MYL_MODE_GATED"},
    {"lossy", MYL_MODE_LOSSY, "MYL_MODE_LOSSY"},
    {NULL, 0, NULL},
};

const mylc_word mylc_compat_words[] = {
    {"strict", MYL_COMPAT_STRICT, "MYL_COMPAT_STRICT"},
    {"evolve", MYL_COMPAT_EVOLVE, "MYL_COMPAT_EVOLVE"},
    {NULL, 0, NULL},
};

const mylc_word *mylc_word_of(const mylc_word *w, uint32_t value)
{
    for (const mylc_word *x = w; x->word; x++)
        if (x->value == value)
            return x;
    return w; /* not reached for checked channels: the list's first */
}
