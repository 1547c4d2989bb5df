/* Template of the topology part of a generated header (gen/emit_topo.c);
 * conventions as in header.h: MYLT_<NAME> holes, sections from their @@
 * marker to the next one, a section <name>_doc written once per header. */

/* @@topo_doc */
/* Topologies (docs/myl.md, "Topologies"; runtime API myelon/topo.h): roles
 * and the routes between them, run as one instance (named by
 * cfg->instance) whose rings the owner (the first role, one instance)
 * creates. Per role R: a typed endpoint, <topology>_R_open() (with the
 * instance index for a role that can have more than one) joins the
 * instance and opens a sender per outbound ring and a receiver per
 * inbound ring, sized from the instance counts (cfg->counts, else
 * $MYELON_<TOPOLOGY>_<ROLE>, else the schema's, within its bounds);
 * _close() leaves it. Sends, per outbound route, in the route's codec:
 * _send_<route>() (a partitioned route picks the destination; a direct
 * route to a role of several instances takes it: _send_<route>_to()); a
 * FlatBuffers route builds in place with _begin_<route>() and
 * _commit_<route>(), or sends a finished buffer with _send_<route>().
 * A tracked route (track <field>) keeps every message sent until the
 * answer carrying the same id comes back (cfg->track on the owner); after
 * a member died, _redispatch() resends its unanswered messages to live
 * members. _poll() receives from every inbound ring in turn, calls the
 * handler of the message's route (a negative return stops the poll and is
 * returned; ep->from is the sending instance, UINT32_MAX on a shared
 * route; ep->lane the lane or size class on a route over lanes or size
 * classes, whose sends take the lane first), and while waiting (not with
 * timeout_ns 0) spins briefly, then yields, then sleeps, runs
 * the liveness checks every check interval and hands membership events
 * to on_event; it returns the number of messages handled, 0 when
 * timeout_ns (< 0: none) passed, or an error. _events() runs the checks
 * and hands the pending events now. */
#include <myelon/topo.h>

/* @@topo */
/* Topology MYLT_NAME: MYLT_NROLES roles, MYLT_NROUTES routes. */
extern const myl_topo_desc MYLT_T_desc;
MYLT_CONSTS

/* @@topo_role */
/* Role MYLT_NAME of topology MYLT_TNAME (MYLT_COUNTS). */
typedef struct MYLT_R {
    myl_topo *topo;
    /* this member's instance index; the sender of the message handled */
    uint32_t index;
    uint32_t from;
    /* the message handled carries the id of a tracked message that was
     * answered before (a re-dispatched one answered twice) or never
     * tracked: the owner of a tracked route with cfg.track only */
    bool repeat;
    MYLT_FIELDS
    /* _poll(): the inbound ring served first, liveness checks */
    uint32_t poll_next;
    uint32_t since_check;
    uint32_t idle_calls;
    bool track_on;
    int64_t check_ns;
    int64_t resend_ns;
    uint64_t check_at;
} MYLT_R;

MYLT_HANDLERTYPES
typedef void MYLT_EVENTFN(const myl_topo_event *ev, MYLT_R *ep, void *user);

typedef struct MYLT_R_handlers {
    MYLT_HANDLERS
    MYLT_EVENTFN *on_event;
} MYLT_R_handlers;

int MYLT_R_open(const myl_topo_cfg *cfgMYLT_INDEXPARAM, MYLT_R *ep);
void MYLT_R_close(MYLT_R *ep);
int MYLT_R_poll(MYLT_R *ep, const MYLT_R_handlers *h, void *user, int64_t timeout_ns);
int MYLT_R_events(MYLT_R *ep, const MYLT_R_handlers *h, void *user);
MYLT_CALLS
