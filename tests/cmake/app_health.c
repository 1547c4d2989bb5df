/* Built out of tree against an installed myelon with libmyelon_health
 * (find_package: myelon::health; pkg-config: myelon-health): the endpoint
 * started on an ephemeral port, asked for its line, stopped. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <string.h>

#include <myelon/health.h>
#include <myelon/myelon.h>

int main(void)
{
    const char *rings[] = {"myl-outoftree-no-such-ring"};
    myl_health_config c = {.size = sizeof c, .rings = rings, .nrings = 1};
    myl_health *h;
    int rc = myl_health_start(&c, &h);
    if (rc < 0) {
        fprintf(stderr, "myl_health_start: %s\n", myl_strerror(rc));
        return 1;
    }
    char line[256];
    int st = myl_health_status_line(h, line, sizeof line);
    unsigned port = myl_health_port(h);
    myl_health_stop(h);
    const char *want = "myelon degraded 0 rings: myl-outoftree-no-such-ring: ENOENT\n";
    if (st != 1 || port == 0 || strcmp(line, want) != 0) {
        fprintf(stderr, "unexpected: %d, port %u, %s", st, port, line);
        return 1;
    }
    printf("health endpoint: port %u, %s", port, line);
    return 0;
}
