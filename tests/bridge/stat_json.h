/* The bridge tests' look at myelon-stat: its --json output for one ring. */
#ifndef MYELON_TESTS_BRIDGE_STAT_JSON_H
#define MYELON_TESTS_BRIDGE_STAT_JSON_H

#include <stdio.h>

/* Runs `STAT_TOOL --json RING` and reads its output into out (cap bytes,
 * NUL-terminated). -1 when the command cannot be started. */
static inline int stat_json(const char *stat_tool, const char *ring, char *out, size_t cap)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "%s --json %s", stat_tool, ring);
    FILE *p = popen(cmd, "r");
    if (!p)
        return -1;
    size_t n = fread(out, 1, cap - 1, p);
    out[n] = '\0';
    pclose(p);
    return 0;
}

#endif
