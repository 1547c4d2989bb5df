/* mp_stress: every ring mode at scale, one command.
 *
 *   mp_stress [--events N] [--slot S] [--only SUBSTRING] [--watchdog S]
 *
 * Runs SP, MP2, MP4 x gated, lossy x shm, file x 1, 2, 4 consumers (lossy
 * rings are single-producer: the runtime refuses MP + lossy), each
 * with N events (default 10,000,000) through mp_run() (the same body as
 * test_mp), and prints one line per mode. Exit 0 if every mode passed.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mp_args.h"
#include "mp_driver.h"

int main(int argc, char **argv)
{
    uint64_t events = 10000000, slot = 64, watchdog = 0;
    const char *only = NULL;
    for (int i = 1; i + 1 < argc; i += 2) {
        int bad = 0;
        if (!strcmp(argv[i], "--events"))
            bad = mp_parse_u64(argv[i + 1], &events);
        else if (!strcmp(argv[i], "--slot"))
            bad = mp_parse_u64(argv[i + 1], &slot);
        else if (!strcmp(argv[i], "--watchdog"))
            bad = mp_parse_u64(argv[i + 1], &watchdog);
        else if (!strcmp(argv[i], "--only"))
            only = argv[i + 1];
        else
            bad = 1;
        if (bad) {
            fprintf(stderr, "usage: %s [--events N] [--slot S] [--only SUBSTR] [--watchdog S]\n",
                    argv[0]);
            return 2;
        }
    }
    if (argc % 2 == 0 || slot < 8 || slot % 8) {
        fprintf(stderr, "%s: options are --key value pairs; --slot a multiple of 8\n", argv[0]);
        return 2;
    }
    static const uint32_t nprods[] = {1, 2, 4};
    static const uint32_t modes[] = {MYL_MODE_GATED, MYL_MODE_LOSSY};
    static const uint32_t backings[] = {MYL_BACKING_SHM, MYL_BACKING_FILE};
    static const uint32_t nconss[] = {1, 2, 4};
    int failed = 0, ran = 0;
    double total_s = 0;
    for (size_t a = 0; a < 3; a++)
        for (size_t b = 0; b < 2; b++)
            for (size_t c = 0; c < 2; c++)
                for (size_t d = 0; d < 3; d++) {
                    /* Lossy rings are single-producer: MP is refused. */
                    if (nprods[a] > 1 && modes[b] == MYL_MODE_LOSSY)
                        continue;
                    char name[64], label[96];
                    snprintf(name, sizeof name, "%s%s-%s-%s-%uc", nprods[a] == 1 ? "sp" : "mp",
                             nprods[a] == 1   ? ""
                             : nprods[a] == 2 ? "2"
                                              : "4",
                             modes[b] == MYL_MODE_GATED ? "gated" : "lossy",
                             backings[c] == MYL_BACKING_SHM ? "shm" : "file", nconss[d]);
                    if (only && !strstr(name, only))
                        continue;
                    snprintf(label, sizeof label, "myl-stress-%d-%s", (int)getpid(), name);
                    mp_cfg cfg = {
                        .label = label,
                        .backing = backings[c],
                        .producers_mode =
                            nprods[a] == 1 ? MYL_PRODUCERS_SINGLE : MYL_PRODUCERS_MULTI,
                        .mode = modes[b],
                        .wait = MYL_WAIT_HYBRID,
                        .nprod = nprods[a],
                        .ncons = nconss[d],
                        .slot = (uint32_t)slot,
                        .batch = 16,
                        .cbatch = 256,
                        .capacity = 4096,
                        .count = events / nprods[a],
                        .pause_at = modes[b] == MYL_MODE_LOSSY ? 10000 : 0,
                        .watchdog_s = (uint32_t)(watchdog ? watchdog : 600),
                    };
                    if (cfg.pause_at && cfg.count * cfg.nprod < cfg.pause_at + 4 * cfg.capacity)
                        cfg.pause_at = 0;
                    static mp_result res;
                    int rc = mp_run(&cfg, &res);
                    ran++;
                    total_s += res.seconds;
                    uint64_t n = cfg.count * cfg.nprod, lost = 0;
                    for (uint32_t i = 0; i < cfg.ncons; i++)
                        lost += res.cons[i].lost;
                    printf("%-22s %s  %10llu events  %7.2f s  %6.2f M/s", name,
                           rc ? "FAIL" : "ok  ", (unsigned long long)n, res.seconds,
                           (double)n / res.seconds / 1e6);
                    if (cfg.mode == MYL_MODE_LOSSY)
                        printf("  lost %llu (all consumers)", (unsigned long long)lost);
                    if (rc)
                        printf("\n    %s", res.err);
                    printf("\n");
                    fflush(stdout);
                    failed += rc != 0;
                }
    printf("mp_stress: %d modes, %d failed, %.1f s\n", ran, failed, total_s);
    return failed || !ran ? 1 : 0;
}
