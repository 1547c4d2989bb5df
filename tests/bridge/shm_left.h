/* What a bridge test (bridge_e2e, gen_bridge) checks after its cleanup:
 * nothing of its own left in /dev/shm. Its names start with a prefix
 * that holds its pid, so tests running at the same time (ctest -j) are
 * not seen. Include once. */
#ifndef MYL_TESTS_SHM_LEFT_H
#define MYL_TESTS_SHM_LEFT_H

#include <dirent.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

/* The /dev/shm entries whose names start with prefix (the cleanup's
 * ring and state object names did not cover them), each named on stderr
 * and removed. Returns how many there were: nonzero fails the test. */
static size_t shm_left(const char *prefix)
{
    DIR *d = opendir("/dev/shm");
    struct dirent *e;
    size_t n = 0, lp = strlen(prefix);
    while (d && (e = readdir(d)) != NULL) {
        char name[300];
        if (strncmp(e->d_name, prefix, lp) != 0 ||
            snprintf(name, sizeof name, "/%s", e->d_name) >= (int)sizeof name)
            continue;
        fprintf(stderr, "left in /dev/shm: %s\n", e->d_name);
        shm_unlink(name);
        n++;
    }
    if (d)
        closedir(d);
    return n;
}

#endif
