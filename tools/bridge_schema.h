/* myelon-bridge's schema forms (tools/myelon-bridge.c): a channel or a
 * bridge declaration of a .myl or .fbs schema, read with myelonc's front
 * end, turned into what the RING form takes from the command line. */
#ifndef MYELON_TOOLS_BRIDGE_SCHEMA_H
#define MYELON_TOOLS_BRIDGE_SCHEMA_H

#include <stdbool.h>
#include <stdint.h>

#include "myelon/topo.h"

typedef struct mbr_target {
    char label[256];  /* the channel's default segment label (package.channel) */
    uint32_t backing; /* MYL_BACKING_* */
    uint64_t fingerprint;
    bool framed;
    uint8_t *schema; /* the channel's schema description (malloc'ed), or NULL */
    uint32_t schema_len;
    /* Set only when NAME is a bridge declaration: */
    bool declared;
    bool exporting;
    char endpoint[512];
    uint64_t hwm, batch, reconnect_ms, timeout_ms;
} mbr_target;

/* Compile the schema at path (imports searched in incdirs, then beside
 * it) and look NAME up among its channels and bridge declarations. 0, or
 * -1 after a diagnostic on stderr (the schema's errors, an unknown name,
 * a channel of lanes or size classes, which are several rings). */
int mbr_resolve(const char *path, const char *name, const char **incdirs, unsigned nincdirs,
                mbr_target *t);
void mbr_free(mbr_target *t);

/* A topology of the schema, as the generated myl_topo_desc says it (the
 * same names, counts, channels and fingerprint), for the topology form
 * (myelon-bridge SCHEMA TOPOLOGY --role R --home|--remote ENDPOINT). */
typedef struct mbr_topology {
    myl_topo_desc desc;
    myl_topo_role_desc roles[MYL_TOPO_MAX_ROLES];
    myl_topo_route_desc routes[MYL_TOPO_MAX_ROUTES];
    myl_channel_desc chans[MYL_TOPO_MAX_ROUTES];
    char *strings[2 * MYL_TOPO_MAX_ROUTES + MYL_TOPO_MAX_ROLES + 1]; /* malloc'ed */
    uint8_t *schemas[MYL_TOPO_MAX_ROUTES];
    unsigned nstrings;
    /* Set only when NAME is a bridge declaration of a topology's role: */
    bool declared;
    char role[64];
    char endpoint[512];
    uint64_t hwm, batch, reconnect_ms, timeout_ms;
} mbr_topology;

/* 1 and *t filled when NAME is a topology of the schema or a bridge
 * declaration of one (`bridge B { topology T; role R; endpoint "..."; }`:
 * declared, with its role, endpoint and options), 0 when it is not
 * (nothing printed), -1 after a diagnostic (the schema's errors, a
 * route over lanes or size classes, which the relay does not carry). */
int mbr_topology_resolve(const char *path, const char *name, const char **incdirs,
                         unsigned nincdirs, mbr_topology *t);
void mbr_topology_free(mbr_topology *t);

#endif
