/* libmyelon_bridge: a topology across two hosts (docs/BRIDGE.md,
 * "Topologies across hosts").
 *
 * One topology instance is split in two *sites*: the home site (the owner
 * and every role but one) and a remote site on another host holding every
 * instance of one remote role R. Members on both hosts use the same
 * generated endpoints; a relay on each host joins the two:
 *
 *   home relay:   stands in for every member of R in the home instance
 *                 (a myl_topo handle per member, joined while that member
 *                 is up at the remote site, marked DEAD when it dies there
 *                 or the link goes silent), and bridges the rings of R's
 *                 members (exporter: rings into R; importer: rings out of R);
 *   remote relay: owns the remote site's instance (role 0, with the home
 *                 instance's counts, learned from the home relay), so that
 *                 R's members attach to it as usual; bridges the same
 *                 rings the other way, and reports its members' states;
 *                 stands in there for the home members of the other roles
 *                 that R's routes reach, while home says they are up (so
 *                 that R's members see them: myl_topo_wait_ready, picks);
 *                 when home is silent for the peer timeout, marks itself
 *                 DEAD there (the members see their owner dead and
 *                 reopen) and makes the site anew once home is back.
 *
 * Supported: the routes between R and the other roles that are direct or
 * partitioned, over one ring (no lanes or size classes); routes among
 * home roles or among R's members are not relayed. Broadcast and shared
 * routes to or from R are refused (myl_topo_relay_open: MYL_EINVAL and
 * myl_topo_relay_error() says which).
 *
 *   myl_topo_relay *r;
 *   myl_topo_relay_open(&fabric_Fabric_desc, &opts, &r);
 *   while (myl_topo_relay_run(r, MYL_FOREVER) == 0 && !stopped) ..;
 *   myl_topo_relay_close(r);
 */
#ifndef MYELON_TOPO_RELAY_H
#define MYELON_TOPO_RELAY_H

#include <stdint.h>

#include "myelon/topo.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MYL_RELAY_HOME 1u   /* the host of the owner */
#define MYL_RELAY_REMOTE 2u /* the host of the remote role's members */

typedef struct myl_topo_relay_opts {
    uint32_t size; /* sizeof(myl_topo_relay_opts), or 0 */
    uint32_t side; /* MYL_RELAY_HOME or MYL_RELAY_REMOTE */
    uint32_t role; /* the remote role (not 0, the owner) */
    /* The remote relay binds it, the home relay connects to it: a ZeroMQ
     * endpoint, tcp://host:port (the control link at port, relayed ring j
     * at port + 1 + j) or ipc://path (path, and path.j). Required. */
    const char *endpoint;
    /* Instance, prefix, backing and liveness of this host's site (the
     * remote site's counts come from home; cfg->counts is not used). NULL:
     * myl_topo_cfg_init's defaults. */
    const myl_topo_cfg *cfg;
    /* Times as myl_bridge_opts' (0 to INT32_MAX ms). The control messages
     * go out every cfg->liveness.check_interval_ns, or every quarter of
     * peer_timeout_ns where that is shorter: they are the link's
     * heartbeats. */
    int64_t peer_timeout_ns; /* link silence after which the remote members are
                                dead at home; default 3 s */
    int64_t reconnect_ns;    /* ZeroMQ reconnect interval; default 100 ms */
    uint32_t hwm, batch;     /* the bridges' (myl_bridge_opts); 0: theirs */
} myl_topo_relay_opts;

typedef struct myl_topo_relay myl_topo_relay;

/* Checks the options and the topology (what is relayed, what is refused),
 * opens the control link; the sites are opened by myl_topo_relay_run as
 * they become ready. On refusal *out is NULL and the reason is on stderr:
 * MYL_EINVAL, or MYL_ENAME for an instance or prefix longer than
 * MYL_TOPO_NAME_MAX - 1 bytes or an endpoint longer than 511 (cut short,
 * they would name another instance or site). */
MYL_API int myl_topo_relay_open(const myl_topo_desc *desc, const myl_topo_relay_opts *opts,
                                myl_topo_relay **out);
/* Run for at most timeout_ns (MYL_FOREVER: until stopped). 0, or
 * MYL_EFINGERPRINT / MYL_EINVAL when the other relay runs another
 * topology, role or layout (myl_topo_relay_error() says which). Each
 * relayed ring's bridge runs in a thread of its own; this thread runs the
 * control link and the membership. */
MYL_API int myl_topo_relay_run(myl_topo_relay *r, int64_t timeout_ns);
/* Make myl_topo_relay_run return soon. Async-signal-safe. */
MYL_API void myl_topo_relay_stop(myl_topo_relay *r);
/* Relayed rings (once the counts are known; 0 before). */
MYL_API uint32_t myl_topo_relay_rings(const myl_topo_relay *r);
/* Remote members up as this relay sees them (home: stand-ins up). */
MYL_API uint32_t myl_topo_relay_up(const myl_topo_relay *r);
MYL_API const char *myl_topo_relay_error(const myl_topo_relay *r);
/* Stops the bridges; the home relay's stand-ins leave (LEFT), the remote
 * relay closes its site (its members see the owner leave). */
MYL_API void myl_topo_relay_close(myl_topo_relay *r);

#ifdef __cplusplus
}
#endif

#endif
