/* The segment lifecycle (issue 13, problems 5-8): a creator killed at any
 * point of myl_ring_create leaves no half-built segment under the name;
 * attach refuses segments of other users or with a mode wider than asked;
 * a read-only attach cannot write; create reserves the segment's memory
 * (MYL_ENOSPC on a full tmpfs, nothing left behind); a truncated segment
 * is reported; stale segments are replaced on request and swept.
 *
 * Deterministic kill points: a forked child sets MYL_TEST_KILL_AT to one
 * named point (myl__fault_point, runtime/src/os.c) and dies of SIGKILL
 * there. Cases that need root (a second user, a tmpfs mount) exit
 * 77 with a message otherwise.
 */
#define _GNU_SOURCE
#include "harness.h"
#include "truncator.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>

#include "unit_util.h"

/* Is there a creator's temporary in dir left by pid? */
static int temps_of(const char *dir, pid_t pid)
{
    char prefix[64];
    snprintf(prefix, sizeof prefix, ".myl-tmp-%d-", (int)pid);
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        n += !strncmp(e->d_name, prefix, strlen(prefix));
    closedir(d);
    return n;
}

static myl_ring_opts big_opts(const char *tag, uint32_t backing)
{
    myl_ring_opts o = myl_ut_opts(tag, backing);
    o.slot_size = 240;
    o.capacity = 1u << 12; /* 1 MiB of slots: creation takes a while */
    return o;
}

/* A child that creates the ring and dies at kill point `point` (or, with
 * point NULL, exits leaving the ring behind without unlinking it). */
static pid_t child_create(const myl_ring_opts *o, const char *point)
{
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        if (point)
            setenv("MYL_TEST_KILL_AT", point, 1); /* dies of SIGKILL there */
        myl_ring *r = NULL;
        int rc = myl_ring_create(o, &r);
        _exit(rc == 0 ? 0 : 100 + (-rc % 100));
    }
    return pid;
}

static void expect_killed(pid_t pid)
{
    int st = 0;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFSIGNALED(st));
    assert_int_equal(WTERMSIG(st), SIGKILL);
}

/* Problem 5: at every kill point inside create, the survivor sees either
 * no segment (ENOENT: create again works at once) or a complete one,
 * never one stuck in INIT; the dead creator's temporary is swept. */
static void test_create_kill_points(void **state)
{
    (void)state;
    const char *points[] = {"create.open", "create.sized", "create.header", "create.ready"};
    for (uint32_t b = MYL_BACKING_SHM; b <= MYL_BACKING_FILE; b++) {
        for (size_t i = 0; i < sizeof points / sizeof points[0]; i++) {
            myl_ring_opts o = big_opts("killpt", b);
            (void)myl_ring_unlink(b, o.name);
            pid_t pid = child_create(&o, points[i]);
            expect_killed(pid);
            myl_ring *r = NULL, *a = NULL;
            int rc = myl_ring_attach(&o, &a);
            if (rc != -ENOENT)
                fprintf(stderr, "%s (%s): attach gave %s\n", points[i],
                        b == MYL_BACKING_SHM ? "shm" : "file", myl_errname(rc));
            assert_int_equal(rc, -ENOENT);
            assert_int_equal(myl_ring_create(&o, &r), 0);
            myl_ring_close(r);
            /* The dead creator's temporary is swept, nothing else. (Not
             * counted: a sweep run by a concurrent test may take it.) */
            const char *dir =
                b == MYL_BACKING_FILE && access("/dev/shm", W_OK) != 0 ? "/tmp" : "/dev/shm";
            assert_true(myl_sweep(b, o.name) >= 0);
            assert_int_equal(temps_of(dir, pid), 0);
            assert_int_equal(myl_ring_attach(&o, &a), 0); /* the live one stays */
            myl_ring_close(a);
            assert_int_equal(myl_ring_unlink(b, o.name), 0);
        }
    }
}

/* Problem 5, at random: a child creating, closing and unlinking in a
 * loop is killed with SIGKILL at a random moment; whatever it left, the
 * name is either free, or a complete segment that replace-if-stale takes
 * over. Never ENOTREADY, never EEXIST from create with replacement. */
static void test_create_random_kills(void **state)
{
    (void)state;
    uint64_t rng = myl_ut_now();
    int rounds = 40 / MYL_UT_SCALE + 4, complete = 0, free_name = 0;
    for (int round = 0; round < rounds; round++) {
        uint32_t b = round % 2 ? MYL_BACKING_FILE : MYL_BACKING_SHM;
        myl_ring_opts o = big_opts("rndkill", b);
        o.flags = MYL_SEG_REPLACE_STALE;
        (void)myl_ring_unlink(b, o.name);
        fflush(NULL);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            for (;;) {
                myl_ring *r = NULL;
                if (myl_ring_create(&o, &r) == 0) {
                    /* Hold it a while as its producer: kills land there too. */
                    myl_producer *p = NULL;
                    uint8_t ev[240] = {0};
                    if (myl_producer_open(r, NULL, &p) == 0 && myl_producer_try_send(p, ev) == 0)
                        myl_ut_nap(2000000);
                    myl_producer_close(p);
                    myl_ring_close(r);
                    (void)myl_ring_unlink(o.backing, o.name);
                }
            }
        }
        rng = rng * 6364136223846793005u + 1442695040888963407u;
        myl_ut_nap((long)((rng >> 33) % 20000000)); /* 0-20 ms */
        kill(pid, SIGKILL);
        expect_killed(pid);
        myl_ring *a = NULL, *r = NULL;
        int rc = myl_ring_attach(&o, &a);
        if (rc == 0) {
            complete++;
            myl_ring_close(a);
        } else {
            if (rc != -ENOENT)
                fprintf(stderr, "round %d: attach gave %s\n", round, myl_errname(rc));
            assert_int_equal(rc, -ENOENT);
            free_name++;
        }
        rc = myl_ring_create(&o, &r);
        if (rc != 0)
            fprintf(stderr, "round %d: create gave %s\n", round, myl_errname(rc));
        assert_int_equal(rc, 0);
        myl_ring_close(r);
        assert_int_equal(myl_ring_unlink(b, o.name), 0);
        (void)myl_sweep(b, o.name); /* the dead child's temporary */
    }
    printf("[ info     ] %d rounds: %d left a complete segment, %d a free name\n", rounds, complete,
           free_name);
}

/* Problem 8: replace-if-stale takes over a segment whose recorded peers
 * are all dead, and refuses while any of them lives. */
static void test_replace_stale(void **state)
{
    (void)state;
    for (uint32_t b = MYL_BACKING_SHM; b <= MYL_BACKING_FILE; b++) {
        myl_ring_opts o = myl_ut_opts("stale", b);
        (void)myl_ring_unlink(b, o.name);
        /* A creator that left without unlinking. */
        myl_ut_reap_child(child_create(&o, NULL));
        myl_ring *r = NULL, *a = NULL;
        assert_int_equal(myl_ring_create(&o, &r), -EEXIST);
        /* A live consumer on it keeps it. */
        int go[2], done[2];
        assert_int_equal(pipe(go), 0);
        assert_int_equal(pipe(done), 0);
        fflush(NULL);
        pid_t cons = fork();
        assert_true(cons >= 0);
        if (cons == 0) {
            myl_ring *cr = NULL;
            myl_consumer *c = NULL;
            char x = 0;
            if (myl_ring_attach(&o, &cr) != 0 || myl_consumer_open(cr, "held", NULL, &c) != 0)
                _exit(1);
            (void)!write(go[1], &x, 1);
            (void)!read(done[0], &x, 1);
            _exit(0);
        }
        char x;
        assert_int_equal(read(go[0], &x, 1), 1);
        o.flags = MYL_SEG_REPLACE_STALE;
        assert_int_equal(myl_ring_create(&o, &r), -EEXIST);
        kill(cons, SIGKILL);
        expect_killed(cons);
        /* A replacer killed while it holds the old segment's lock: the
         * kernel drops the lock, the stale segment is still there. */
        expect_killed(child_create(&o, "create.replace_locked"));
        /* A lock held on it by anyone else: not judged (no hang). */
        char lpath[512];
        snprintf(lpath, sizeof lpath, "%s",
                 b == MYL_BACKING_SHM ? myl_ut_shm_path(o.name) : o.name);
        int lfd = open(lpath, O_RDONLY);
        assert_true(lfd >= 0);
        assert_int_equal(flock(lfd, LOCK_EX), 0);
        assert_int_equal(myl_ring_create(&o, &r), -EEXIST);
        close(lfd);
        /* Now every recorded peer is dead: replaced. */
        assert_int_equal(myl_ring_create(&o, &r), 0);
        assert_int_equal(myl_ring_attach(&o, &a), 0);
        myl_ring_stats s;
        assert_int_equal(myl_ring_stats_get(a, &s), 0);
        assert_int_equal(s.creator_pid, (int32_t)getpid());
        assert_int_equal(s.consumers, 0);
        /* We are alive: a second replace is refused. */
        myl_ring *r2 = NULL;
        assert_int_equal(myl_ring_create(&o, &r2), -EEXIST);
        myl_ring_close(a);
        myl_ut_destroy(r, &o);
        assert_true(myl_sweep(b, o.name) >= 0); /* the killed replacer's temporary */
        close(go[0]);
        close(go[1]);
        close(done[0]);
        close(done[1]);
    }
}

/* A consumer killed inside myl_consumer_open leaves its entry claimed
 * with its pid in the state word: the segment is stale once that pid is
 * dead (and the creator too). */
static void test_replace_after_dead_registrant(void **state)
{
    (void)state;
    myl_ring_opts o = myl_ut_opts("deadreg", MYL_BACKING_SHM);
    (void)myl_ring_unlink(o.backing, o.name);
    myl_ut_reap_child(child_create(&o, NULL));
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        myl_ring *a = NULL;
        myl_consumer *c = NULL;
        if (myl_ring_attach(&o, &a) != 0)
            _exit(1);
        setenv("MYL_TEST_KILL_AT", "consumer_open.claimed", 1);
        (void)myl_consumer_open(a, "half", NULL, &c);
        _exit(2);
    }
    expect_killed(pid);
    myl_ring *r = NULL, *a = NULL;
    /* The same state word naming a live claimant keeps the segment. */
    assert_int_equal(myl_ring_attach(&o, &a), 0);
    int hold[2];
    assert_int_equal(pipe(hold), 0);
    fflush(NULL);
    pid_t live = fork();
    if (live == 0) {
        char x;
        close(hold[1]);
        (void)!read(hold[0], &x, 1);
        _exit(0);
    }
    close(hold[0]);
    uint32_t forged = MYL_ENTRY_CLAIMING_BIT | ((uint32_t)live & MYL_ENTRY_PID_MASK);
    atomic_store(&a->consumers[1].state, forged);
    o.flags = MYL_SEG_REPLACE_STALE;
    assert_int_equal(myl_ring_create(&o, &r), -EEXIST);
    close(hold[1]);
    myl_ut_reap_child(live);
    myl_ring_close(a);
    /* Both claimants dead: replaced. */
    assert_int_equal(myl_ring_create(&o, &r), 0);
    myl_ut_destroy(r, &o);
}

/* Problem 8: myl_sweep removes the stale segments under a prefix and
 * leaves live ones and files that are not myelon segments. */
static void test_sweep(void **state)
{
    (void)state;
    for (uint32_t b = MYL_BACKING_SHM; b <= MYL_BACKING_FILE; b++) {
        myl_ring_opts dead = myl_ut_opts("sw-dead", b), live = myl_ut_opts("sw-live", b);
        myl_ring_opts other = myl_ut_opts("sw-other", b);
        (void)myl_ring_unlink(b, dead.name);
        myl_ut_reap_child(child_create(&dead, NULL));
        myl_ring *lr = myl_ut_create(&live), *a = NULL;
        char path[512];
        snprintf(path, sizeof path, "%s",
                 b == MYL_BACKING_SHM ? myl_ut_shm_path(other.name) : other.name);
        int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
        assert_true(fd >= 0);
        char junk[4096];
        memset(junk, 0x5a, sizeof junk);
        assert_int_equal(write(fd, junk, sizeof junk), (ssize_t)sizeof junk);
        close(fd);
        char prefix[256];
        if (b == MYL_BACKING_SHM)
            snprintf(prefix, sizeof prefix, "myl-test-%d-sw-", (int)getpid());
        else
            snprintf(prefix, sizeof prefix, "%s", myl_ut_path("sw-"));
        if (b == MYL_BACKING_FILE)
            *strstr(prefix, ".seg") = '\0';
        char fifo[600];
        snprintf(fifo, sizeof fifo, "%s.fifo", path); /* matches the prefix too */
        unlink(fifo);
        assert_int_equal(mkfifo(fifo, 0600), 0); /* opening it would block */
        /* Counted as at least one: a sweep also removes the temporaries of
         * creators that died half-way, and concurrent tests (this file's
         * kill points) leave some. What is ours is checked by name. */
        assert_true(myl_sweep(b, prefix) >= 1);
        assert_int_equal(access(fifo, F_OK), 0);
        unlink(fifo);
        assert_int_equal(myl_ring_attach(&dead, &a), -ENOENT);
        assert_int_equal(myl_ring_attach(&live, &a), 0);
        myl_ring_close(a);
        assert_int_equal(access(path, F_OK), 0);
        assert_true(myl_sweep(b, prefix) >= 0);
        assert_int_equal(myl_ring_attach(&live, &a), 0);
        myl_ring_close(a);
        unlink(path);
        myl_ut_destroy(lr, &live);
    }
    assert_int_equal(myl_sweep(7, "x"), MYL_EINVAL);
    assert_int_equal(myl_sweep(MYL_BACKING_SHM, "a/b"), MYL_ENAME);
}

/* A sweep judges a segment while another process truncates it to one
 * page and writes it back: judged from a pread() copy, never through a
 * mapping cut under it (which died of SIGBUS). The segment's creator is
 * dead and its one live holder is its last consumer entry, past the cut,
 * so that judging it reads the tables there; a sweep that meets the
 * written-back tables still zero judges it stale and removes it, and the
 * round begins again. */
static void test_sweep_truncated(void **state)
{
    (void)state;
    char path[512], prefix[512];
    snprintf(path, sizeof path, "%s", myl_ut_path("swt-ring"));
    snprintf(prefix, sizeof prefix, "%s", myl_ut_path("swt-"));
    *strstr(prefix, ".seg") = '\0';
    uint64_t sweeps = 0;
    int rounds = 0;
    while (sweeps < 4000 && rounds < 100) {
        rounds++;
        fflush(NULL);
        pid_t kid = fork();
        assert_true(kid >= 0);
        if (kid == 0) {
            (void)myl_test_truncatable_ring(path); /* dies with its creator */
            _exit(0);
        }
        myl_ut_reap_child(kid);
        myl_ring_opts o = {.size = sizeof o, .backing = MYL_BACKING_FILE, .name = path};
        myl_ring *r = NULL;
        assert_int_equal(myl_ring_attach(&o, &r), 0);
        myl_consumer *c[64];
        for (int i = 0; i < 64; i++) {
            char id[16];
            snprintf(id, sizeof id, "c%d", i);
            assert_int_equal(myl_consumer_open(r, id, NULL, &c[i]), 0);
        }
        for (int i = 0; i < 63; i++)
            myl_consumer_close(c[i]);
        struct stat sb;
        int fd = open(path, O_RDWR);
        assert_true(fd >= 0 && fstat(fd, &sb) == 0);
        pid_t cut = myl_test_truncator_run(path, 4096, 20000, true);
        for (int i = 0; i < 400 && access(path, F_OK) == 0; i++, sweeps++)
            assert_true(myl_sweep(MYL_BACKING_FILE, prefix) >= 0);
        myl_test_truncator_stop(cut);
        /* killed perhaps while the file was cut: whole again for our own
         * handles (whatever the tables hold now) */
        assert_int_equal(ftruncate(fd, sb.st_size), 0);
        close(fd);
        myl_consumer_close(c[63]);
        myl_ring_close(r);
        unlink(path);
    }
    print_message("%llu sweeps in %d rounds\n", (unsigned long long)sweeps, rounds);
    assert_true(sweeps >= 500);
}

/* Problem 6: a read-only handle reads statistics and cannot write. */
static void test_readonly_attach(void **state)
{
    (void)state;
    myl_ring_opts o = myl_ut_opts("ro", MYL_BACKING_SHM);
    myl_ring *r = myl_ut_create(&o), *ro = NULL;
    myl_producer *p = NULL;
    assert_int_equal(myl_producer_open(r, NULL, &p), 0);
    uint64_t ev[3] = {1, 2, 3};
    assert_int_equal(myl_producer_try_send(p, ev), 0);
    myl_ring_opts ao = o;
    ao.flags = MYL_SEG_READONLY;
    assert_int_equal(myl_ring_attach(&ao, &ro), 0);
    myl_ring_stats s;
    assert_int_equal(myl_ring_stats_get(ro, &s), 0);
    assert_int_equal(s.published, 1);
    myl_consumer *c = NULL;
    myl_producer *p2 = NULL;
    assert_int_equal(myl_consumer_open(ro, "obs", NULL, &c), MYL_EREADONLY);
    assert_int_equal(myl_producer_open(ro, NULL, &p2), MYL_EREADONLY);
    assert_int_equal(myl_ring_shutdown(ro), MYL_EREADONLY);
    assert_int_equal(myl_ring_evict(ro, 0), MYL_EREADONLY);
    assert_int_equal(myl_ring_reap(ro), MYL_EREADONLY);
    /* The mapping itself is read-only: a store faults. */
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        signal(SIGSEGV, SIG_DFL); /* not cmocka's handler */
        ((volatile uint8_t *)ro->base)[512] = 1;
        _exit(0);
    }
    int st = 0;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV);
    /* Not for create; ANY_OWNER only read-only. */
    myl_ring *x = NULL;
    myl_ring_opts bad = myl_ut_opts("ro2", MYL_BACKING_SHM);
    bad.flags = MYL_SEG_READONLY;
    assert_int_equal(myl_ring_create(&bad, &x), MYL_EINVAL);
    ao.flags = MYL_SEG_ANY_OWNER;
    assert_int_equal(myl_ring_attach(&ao, &x), MYL_EINVAL);
    myl_ring_close(ro);
    myl_producer_close(p);
    myl_ut_destroy(r, &o);
}

/* Problem 6: a mode wider than the attacher asked for is refused. */
static void test_mode_wider(void **state)
{
    (void)state;
    for (uint32_t b = MYL_BACKING_SHM; b <= MYL_BACKING_FILE; b++) {
        myl_ring_opts o = myl_ut_opts("wide", b);
        o.perm = 0644;
        myl_ring *r = myl_ut_create(&o), *a = NULL;
        myl_ring_opts ao = o;
        ao.perm = 0;
        assert_int_equal(myl_ring_attach(&ao, &a), MYL_EMODE);
        ao.perm = 0640;
        assert_int_equal(myl_ring_attach(&ao, &a), MYL_EMODE);
        ao.perm = 0644;
        assert_int_equal(myl_ring_attach(&ao, &a), 0);
        myl_ring_close(a);
        ao.perm = 01000;
        assert_int_equal(myl_ring_attach(&ao, &a), MYL_EINVAL);
        myl_ut_destroy(r, &o);
    }
    assert_string_equal(myl_errname(MYL_EMODE), "MYL_EMODE");
    assert_string_equal(myl_strerror(MYL_EOWNER), "segment is owned by another user");
}

/* ---- cases as root: a second user, a small tmpfs ---- */

/* The unprivileged user the security cases run as, created on first use
 * and kept (a system account without home or shell): deleting it could
 * pull it from under a concurrent run. */
static struct passwd *second_user(void)
{
    myl_ut_need_root("a second user");
    const char *name = "myl-test-user";
    struct passwd *pw = getpwnam(name);
    if (!pw) {
        int rc = system("useradd --system --no-create-home --shell /usr/sbin/nologin "
                        "myl-test-user >/dev/null 2>&1");
        pw = getpwnam(name);
        /* A concurrent run may have created it first (then rc != 0). */
        if (!pw) {
            printf("[ skip     ] cannot create user %s (useradd: status %d)\n", name, rc);
            fflush(stdout);
            exit(MYL_TEST_SKIP);
        }
    }
    return pw;
}

static void become(const struct passwd *pw)
{
    if (setgroups(0, NULL) != 0 || setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0)
        _exit(90);
}

/* Problem 6: another user creates the victim's name first, mode 0666;
 * the victim's attach refuses it, and replace-if-stale does not touch it. */
static void test_squatting(void **state)
{
    (void)state;
    struct passwd *pw = second_user();
    myl_ring_opts o = myl_ut_opts("squat", MYL_BACKING_SHM);
    o.perm = 0666;
    (void)myl_ring_unlink(o.backing, o.name);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        become(pw);
        myl_ring *r = NULL;
        _exit(myl_ring_create(&o, &r) == 0 && getuid() == pw->pw_uid ? 0 : 1);
    }
    myl_ut_reap_child(pid);
    struct stat st;
    assert_int_equal(stat(myl_ut_shm_path(o.name), &st), 0);
    assert_int_equal(st.st_uid, pw->pw_uid);
    myl_ring *r = NULL, *a = NULL;
    myl_ring_opts v = o;
    v.perm = 0;
    assert_int_equal(myl_ring_create(&v, &r), -EEXIST);
    assert_int_equal(myl_ring_attach(&v, &a), MYL_EOWNER);
    v.perm = 0666; /* even asking for the mode it has */
    assert_int_equal(myl_ring_attach(&v, &a), MYL_EOWNER);
    v.flags = MYL_SEG_REPLACE_STALE; /* its creator is dead, but it is not ours */
    assert_int_equal(myl_ring_create(&v, &r), MYL_EOWNER);
    assert_true(myl_sweep(MYL_BACKING_SHM, o.name) >= 0); /* counts others' temporaries too */
    assert_int_equal(access(myl_ut_shm_path(o.name), F_OK), 0);
    /* Trusting that uid explicitly accepts it. */
    v.flags = MYL_SEG_TRUST_UID;
    v.trusted_uid = pw->pw_uid;
    assert_int_equal(myl_ring_attach(&v, &a), 0);
    myl_ring_close(a);
    assert_int_equal(myl_ring_unlink(o.backing, o.name), 0);
}

/* Problem 6: a second user can observe a segment it was given read
 * access to, read-only, and cannot write it or open it read-write. */
static void test_readonly_other_user(void **state)
{
    (void)state;
    struct passwd *pw = second_user();
    myl_ring_opts o = myl_ut_opts("rouser", MYL_BACKING_SHM);
    o.perm = 0644;
    myl_ring *r = myl_ut_create(&o);
    myl_producer *p = NULL;
    assert_int_equal(myl_producer_open(r, NULL, &p), 0);
    uint64_t ev[3] = {7, 8, 9};
    assert_int_equal(myl_producer_try_send(p, ev), 0);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        become(pw);
        myl_ring *a = NULL;
        myl_ring_opts ao = o;
        /* read-write: the kernel refuses */
        if (myl_ring_attach(&ao, &a) != -EACCES)
            _exit(2);
        ao.flags = MYL_SEG_READONLY;
        if (myl_ring_attach(&ao, &a) != MYL_EOWNER) /* owner is root: not trusted */
            _exit(3);
        ao.flags = MYL_SEG_READONLY | MYL_SEG_TRUST_UID;
        ao.trusted_uid = 0;
        if (myl_ring_attach(&ao, &a) != 0)
            _exit(4);
        myl_ring_stats s;
        if (myl_ring_stats_get(a, &s) != 0 || s.published != 1)
            _exit(5);
        myl_consumer *c = NULL;
        if (myl_consumer_open(a, "spy", NULL, &c) != MYL_EREADONLY)
            _exit(6);
        myl_ring_close(a);
        ao.flags = MYL_SEG_READONLY | MYL_SEG_ANY_OWNER;
        ao.perm = 0;
        if (myl_ring_attach(&ao, &a) != 0)
            _exit(7);
        myl_ring_close(a);
        _exit(0);
    }
    myl_ut_reap_child(pid);
    myl_producer_close(p);
    myl_ut_destroy(r, &o);
}

/* Problem 6, as an unprivileged user: its own ring with a mode wider
 * than an attacher asks for is refused by that attacher. */
static void test_mode_wider_other_user(void **state)
{
    (void)state;
    struct passwd *pw = second_user();
    myl_ring_opts o = myl_ut_opts("wideuser", MYL_BACKING_SHM);
    (void)myl_ring_unlink(o.backing, o.name);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        become(pw);
        myl_ring *r = NULL, *a = NULL;
        myl_ring_opts co = o;
        co.perm = 0666;
        if (myl_ring_create(&co, &r) != 0)
            _exit(2);
        int rc1 = myl_ring_attach(&o, &a); /* asks 0600 (default) */
        co.perm = 0660;
        int rc2 = myl_ring_attach(&co, &a);
        co.perm = 0666;
        int rc3 = myl_ring_attach(&co, &a);
        myl_ring_close(a);
        myl_ring_close(r);
        int rc4 = myl_ring_unlink(o.backing, o.name);
        _exit(rc1 == MYL_EMODE && rc2 == MYL_EMODE && rc3 == 0 && rc4 == 0 ? 0 : 3);
    }
    myl_ut_reap_child(pid);
}

static int entries(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    closedir(d);
    return n;
}

/* Problem 7: a ring larger than the filesystem's free space is a clean
 * MYL_ENOSPC from create, with nothing left behind; one that fits is
 * reserved whole, so writing every slot cannot SIGBUS. */
static void test_enospc(void **state)
{
    (void)state;
    myl_ut_mount_tmpfs(4);
    const char *mnt = myl_ut_mnt();
    char path[128];
    snprintf(path, sizeof path, "%s/ring", mnt);
    myl_ring_opts o = {.size = sizeof o,
                       .backing = MYL_BACKING_FILE,
                       .name = path,
                       .slot_size = 1016,
                       .capacity = 8192}; /* 8 MiB of slots */
    myl_ring *r = NULL;
    assert_int_equal(myl_ring_create(&o, &r), MYL_ENOSPC);
    assert_null(r);
    assert_int_equal(entries(mnt), 0);
    /* 2 MiB fits; a second 2 MiB ring does not (the first is reserved). */
    o.capacity = 2048;
    assert_int_equal(myl_ring_create(&o, &r), 0);
    char path2[128];
    snprintf(path2, sizeof path2, "%s/ring2", mnt);
    myl_ring_opts o2 = o;
    o2.name = path2;
    myl_ring *r2 = NULL;
    assert_int_equal(myl_ring_create(&o2, &r2), MYL_ENOSPC);
    assert_int_equal(entries(mnt), 1);
    /* Every slot of the first can be written. */
    myl_producer *p = NULL;
    assert_int_equal(myl_producer_open(r, NULL, &p), 0);
    static uint8_t ev[1016];
    for (uint64_t i = 0; i < o.capacity; i++)
        assert_int_equal(myl_producer_try_send(p, ev), 0);
    myl_producer_close(p);
    myl_ring_close(r);
    assert_int_equal(myl_ring_unlink(o.backing, path), 0);
    myl_ut_umount_tmpfs();
}

/* Problem 7: a segment truncated under its users is reported by the slow
 * path checks (myl_ring_check, attach) rather than found by a SIGBUS. */
static void test_truncated(void **state)
{
    (void)state;
    for (uint32_t b = MYL_BACKING_SHM; b <= MYL_BACKING_FILE; b++) {
        myl_ring_opts o = myl_ut_opts("trunc", b);
        o.capacity = 1024;
        o.slot_size = 56;
        myl_ring *r = myl_ut_create(&o), *a = NULL;
        assert_int_equal(myl_ring_check(r), 0);
        const char *path = b == MYL_BACKING_SHM ? myl_ut_shm_path(o.name) : o.name;
        assert_int_equal(truncate(path, 8192), 0);
        assert_int_equal(myl_ring_check(r), MYL_ETRUNCATED);
        assert_int_equal(myl_ring_attach(&o, &a), MYL_ETRUNCATED);
        myl_ut_destroy(r, &o);
    }
    assert_int_equal(myl_ring_check(NULL), MYL_EINVAL);
}

/* Names a segment may not have, and names that are not segments:
 * - a label or file name starting with ".myl-tmp-", the prefix of
 *   creators' temporaries, which myl_sweep removes by the pid in the name
 *   whatever prefix it is given (a live ring so named was swept away);
 * - a FIFO planted at a name (/dev/shm is world-writable): a read-only
 *   attach opened it without O_NONBLOCK and blocked for good waiting for
 *   a writer; it is refused at once now (the alarm fails a hang). */
static void test_reserved_and_fifo_names(void **state)
{
    (void)state;
    myl_ring_opts o = myl_ut_opts("tmpname", MYL_BACKING_SHM);
    myl_ring *r = NULL;
    char name[64], out[300];
    snprintf(name, sizeof name, ".myl-tmp-%d-1-1", (int)getpid());
    o.name = name;
    assert_int_equal(myl_ring_create(&o, &r), MYL_ENAME);
    assert_int_equal(myl_shm_name(name, out, sizeof out), MYL_ENAME);
    snprintf(name, sizeof name, "/.myl-tmp-%d-1-1", (int)getpid());
    assert_int_equal(myl_shm_name(name, out, sizeof out), MYL_ENAME);
    char path[200];
    snprintf(path, sizeof path, "/tmp/.myl-tmp-%d-1-1", (int)getpid());
    o.backing = MYL_BACKING_FILE;
    o.name = path;
    assert_int_equal(myl_ring_create(&o, &r), MYL_ENAME);
    assert_int_equal(myl_ring_attach(&o, &r), MYL_ENAME);
    assert_null(r);

    /* FIFOs, shm and file: refused, read-only or not, without blocking. */
    for (int b = 0; b < 2; b++) {
        myl_ring_opts f = myl_ut_opts("fifo", b ? MYL_BACKING_FILE : MYL_BACKING_SHM);
        const char *fs = b ? f.name : myl_ut_shm_path(f.name);
        (void)unlink(fs);
        assert_int_equal(mkfifo(fs, 0600), 0);
        alarm(10);
        for (int ro = 0; ro < 2; ro++) {
            f.flags = ro ? MYL_SEG_READONLY : 0;
            int rc = myl_ring_attach(&f, &r);
            assert_true(rc < 0);
            assert_null(r);
        }
        alarm(0);
        assert_int_equal(unlink(fs), 0);
    }
}

MYL_TEST_MAIN("segment", cmocka_unit_test(test_create_kill_points),
              cmocka_unit_test(test_create_random_kills), cmocka_unit_test(test_replace_stale),
              cmocka_unit_test(test_replace_after_dead_registrant), cmocka_unit_test(test_sweep),
              cmocka_unit_test(test_sweep_truncated), cmocka_unit_test(test_readonly_attach),
              cmocka_unit_test(test_mode_wider), cmocka_unit_test(test_squatting),
              cmocka_unit_test(test_readonly_other_user),
              cmocka_unit_test(test_mode_wider_other_user),
              cmocka_unit_test_teardown(test_enospc, myl_ut_teardown_mount),
              cmocka_unit_test(test_truncated), cmocka_unit_test(test_reserved_and_fifo_names))
