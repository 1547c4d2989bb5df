/* Schema descriptions and their compatibility (docs/myl.md §8).
 *
 * myelonc writes, for every channel, a schema description: a compact byte
 * string with the channel's codec, frames, lanes, max_message, compat mode
 * and the carried type with every type it reaches (byte layout in
 * docs/ARCHITECTURE.md, "Schema description"). The creator of a ring
 * stores it in the segment; an attacher with another fingerprint compares
 * its own with the segment's under the evolution rules. myelonc's
 * --check-compat compares whole schemas with the same code (this module
 * is compiled into both), from OLD to NEW.
 *
 * A description read from shared memory is hostile input: the decoder
 * checks every length, count and index and never reads past `len`.
 */
#ifndef MYELON_COMPAT_H
#define MYELON_COMPAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "myelon/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/* "MYLS" read as a little-endian u32. */
#define MYL_SCHEMA_MAGIC UINT32_C(0x534c594d)
#define MYL_SCHEMA_VERSION 2u  /* 2: union members carry their type code; 1 is read too */
#define MYL_SCHEMA_MAX 262144u /* bytes (256 KiB); a longer description is refused */

/* Compat modes (the channel property `compat`). */
#define MYL_COMPAT_NONE 0u /* no description: fingerprints decide */
#define MYL_COMPAT_STRICT 1u
#define MYL_COMPAT_EVOLVE 2u

/* Kinds of described types. */
#define MYL_SK_ENUM 1u
#define MYL_SK_EVENT 2u
#define MYL_SK_STRUCT 3u
#define MYL_SK_TABLE 4u
#define MYL_SK_UNION 5u

/* Base types of a field: the numbering of myelonc's mylc_builtin. */
#define MYL_SB_NONE 0u
#define MYL_SB_BOOL 11u
#define MYL_SB_STRING 13u
#define MYL_SB_BYTES 14u
#define MYL_SB_NAMED 15u /* a described type, by index */

/* Field shapes. */
#define MYL_SS_PLAIN 0u
#define MYL_SS_ARRAY 1u  /* T[N] */
#define MYL_SS_VECTOR 2u /* [T] */

/* Table field flags. */
#define MYL_SF_REQUIRED 1u
#define MYL_SF_DEPRECATED 2u

#define MYL_SCHEMA_NO_TYPE UINT32_MAX

typedef struct myl_schema myl_schema;

/* Decodes a description (copied: buf may change or go away afterwards).
 * 0, MYL_ECORRUPT (why, unless NULL, says what is wrong), -ENOMEM. */
MYL_API int myl_schema_decode(const void *buf, size_t len, myl_schema **out, char *why,
                              size_t why_cap);
MYL_API void myl_schema_free(myl_schema *s);
MYL_API uint32_t myl_schema_type_count(const myl_schema *s);
/* The root type (the carried type), or MYL_SCHEMA_NO_TYPE (bytes). */
MYL_API uint32_t myl_schema_root(const myl_schema *s);
/* The type with this qualified name ("pkg.Name"), or MYL_SCHEMA_NO_TYPE. */
MYL_API uint32_t myl_schema_find(const myl_schema *s, const char *qname, size_t len);
MYL_API uint32_t myl_schema_compat_mode(const myl_schema *s);
/* A 64-bit FNV-1a hash of the description's bytes: a short name for a
 * schema version (myelon-stat). */
MYL_API uint64_t myl_schema_hash(const void *buf, size_t len);

/* One difference found by myl_schema_compare. Types and items are
 * indices in the old and new descriptions (items: the type's fields,
 * enum values or union members in description order), or
 * MYL_SCHEMA_NO_TYPE when the difference has no such place (channel
 * properties; an item that exists on one side only). */
typedef struct myl_compat_diff {
    bool breaking;
    uint32_t old_type, new_type;
    uint32_t old_item, new_item;
    const char *msg; /* "table 'p.T': field 'f' (id 2) added"; valid during the call */
} myl_compat_diff;

/* Called for every difference; returning false stops the comparison. */
typedef bool (*myl_compat_fn)(void *ud, const myl_compat_diff *d);

#define MYL_COMPAT_DIRECTED 1u /* old -> new known: removals break */
#define MYL_COMPAT_NO_TYPES 2u /* channel level: properties and the carried type's name */

/* Compares pairs of types (npairs pairs of old, new indices; pairs NULL:
 * the channels' properties and their roots) and every pair of types they
 * reach. Returns the number of breaking differences reported (the
 * comparison stops early when fn returns false), or -ENOMEM. */
MYL_API int myl_schema_compare(const myl_schema *o, const myl_schema *n, const uint32_t *pairs,
                               size_t npairs, unsigned flags, myl_compat_fn fn, void *ud);

/* Whether two channel descriptions are a compatible evolution of one
 * another in either direction: 0, MYL_EINCOMPAT (the first breaking
 * difference in why), MYL_ECORRUPT (one does not decode), -ENOMEM. */
MYL_API int myl_schema_compat(const void *a, size_t alen, const void *b, size_t blen, char *why,
                              size_t why_cap);

/* Why the calling thread's last attach was refused with MYL_EINCOMPAT,
 * MYL_EFINGERPRINT or MYL_ECORRUPT from a schema description ("" if no
 * reason was recorded). */
MYL_API const char *myl_compat_last_reason(void);

#ifdef __cplusplus
}
#endif

#endif
