/* The bridge tests' two "hosts" are network namespaces made by netns.sh:
 * a child process enters its side's namespace with enter_netns(). */
#ifndef MYELON_TESTS_BRIDGE_NETNS_H
#define MYELON_TESTS_BRIDGE_NETNS_H

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Enter network namespace ns (its name under /var/run/netns; "" stays
 * where it is); on failure say so, prefixed with who, and _exit(126). */
static inline void enter_netns(const char *who, const char *ns)
{
    if (!ns[0])
        return;
    char path[128];
    snprintf(path, sizeof path, "/var/run/netns/%s", ns);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || setns(fd, CLONE_NEWNET) != 0) {
        fprintf(stderr, "%ssetns %s: %s\n", who, ns, strerror(errno));
        _exit(126);
    }
    close(fd);
}

#endif
