/* libmyelon: rings of events in shared memory between processes. */
#ifndef MYELON_MYELON_H
#define MYELON_MYELON_H

#include "myelon/version.h"
#include "myelon/error.h"
#include "myelon/layout.h"
#include "myelon/ring.h"
#include "myelon/channel.h"
#include "myelon/compat.h"
#include "myelon/frame.h"
#include "myelon/group.h"
#include "myelon/compact.h"
#include "myelon/fb.h"
#include "myelon/journal.h"
#include "myelon/stage.h"
#include "myelon/snapshot.h"
#include "myelon/pipeline.h"
#include "myelon/topo.h"

#endif
