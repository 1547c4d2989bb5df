/* myelon error codes.
 *
 * Every call returns 0 (or a count) on success and a negative value on
 * failure: -errno for failures of the operating system, MYL_E* (all below
 * MYL_EBASE) for myelon's own conditions. "Ring full" and "nothing to read"
 * are results, not failures: MYL_EAGAIN.
 */
#ifndef MYELON_ERROR_H
#define MYELON_ERROR_H

#include "myelon/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The one table of myelon's own codes: name, value, message. */
#define MYL_ERROR_TABLE(X)                                                                         \
    X(EAGAIN, -1001, "would block: ring full or nothing to read")                                  \
    X(ETIMEDOUT, -1002, "timed out")                                                               \
    X(EINVAL, -1003, "invalid argument")                                                           \
    X(EBADMAGIC, -1004, "not a myelon segment (bad magic)")                                        \
    X(EVERSION, -1005, "segment layout version differs from this library's")                       \
    X(EFINGERPRINT, -1006, "schema fingerprint differs from the segment's")                        \
    X(ESLOTSIZE, -1007, "slot size differs from the segment's")                                    \
    X(ECAPACITY, -1008, "capacity differs from the segment's")                                     \
    X(EPRODMODE, -1009, "producer mode (single/multi) differs from the segment's")                 \
    X(ERINGMODE, -1010, "ring mode (gated/lossy) differs from the segment's")                      \
    X(ECORRUPT, -1011, "segment header is inconsistent or corrupt")                                \
    X(ETRUNCATED, -1012, "segment is smaller than its header requires")                            \
    X(ENOTREADY, -1013, "segment is still being initialised by its creator")                       \
    X(ECLOSED, -1014, "ring was shut down")                                                        \
    X(EFULL, -1015, "no free entry in the consumer or producer table")                             \
    X(EEXIST, -1016, "a live consumer with this id is already registered")                         \
    X(EBUSY, -1017, "single-producer ring already has a live producer")                            \
    X(EPEERDEAD, -1018, "a peer process died")                                                     \
    X(EOVERRUN, -1019, "consumer was overrun; events were lost")                                   \
    X(ETOOBIG, -1020, "message or batch too large")                                                \
    X(ENAME, -1021, "invalid segment name or path")                                                \
    X(EEVICTED, -1022, "consumer was evicted")                                                     \
    X(EWAIT, -1023, "wait strategy not allowed on this ring")                                      \
    X(EOWNER, -1024, "segment is owned by another user")                                           \
    X(EMODE, -1025, "segment's mode is wider than asked")                                          \
    X(ENOSPC, -1026, "no space to reserve the segment's memory")                                   \
    X(EREADONLY, -1027, "ring was attached read-only")                                             \
    X(ERANGE, -1028, "instance count out of the schema's bounds")                                  \
    X(EINCOMPAT, -1029, "schema is not a compatible evolution of the segment's")                   \
    X(EHELD, -1030, "a message too long to hold waits until what is held is given back")           \
    X(EFBBOUNDS, -1100, "FlatBuffer: offset, object or vtable out of bounds")                      \
    X(EFBALIGN, -1101, "FlatBuffer: misaligned scalar, offset, vector or struct")                  \
    X(EFBVTABLE, -1102, "FlatBuffer: bad vtable (odd size, or inconsistent in strict mode)")       \
    X(EFBOFFSET, -1103, "FlatBuffer: zero or negative uoffset")                                    \
    X(EFBSTRING, -1104, "FlatBuffer: string not NUL-terminated")                                   \
    X(EFBVECLEN, -1105, "FlatBuffer: vector too long")                                             \
    X(EFBDEPTH, -1106, "FlatBuffer: tables nested too deep")                                       \
    X(EFBTABLES, -1107, "FlatBuffer: too many tables")                                             \
    X(EFBREQUIRED, -1108, "FlatBuffer: required field missing")                                    \
    X(EFBUNION, -1109, "FlatBuffer: bad union type or value")                                      \
    X(EFBIDENT, -1110, "FlatBuffer: file identifier differs")                                      \
    X(EFBSIZE, -1111, "FlatBuffer: buffer too small or too large")                                 \
    X(ECTRUNC, -1120, "compact: input truncated")                                                  \
    X(ECVARINT, -1121, "compact: overlong or out-of-range varint")                                 \
    X(ECODEC, -1122, "compact: malformed value or trailing bytes")

enum {
#define MYL__ERR_ENUM(name, value, msg) MYL_##name = (value),
    MYL_ERROR_TABLE(MYL__ERR_ENUM)
#undef MYL__ERR_ENUM
        MYL_EBASE = -1000
};

/* A message for any value a myelon call returned: MYL_E* codes, -errno
 * values, and 0. Never NULL; the string is static. */
MYL_API const char *myl_strerror(int err);

/* The symbolic name ("MYL_EAGAIN", "ENOENT", "OK"), for logs and tools. */
MYL_API const char *myl_errname(int err);

#ifdef __cplusplus
}
#endif

#endif
