/* Linked into every executable of a coverage build (scripts/coverage.sh)
 * with -Wl,--wrap=_exit: a forked test child ends in _exit(), which skips
 * the atexit handler that writes gcov's counters, so its coverage would be
 * lost. The wrapper writes them first. Processes killed by a signal (the
 * fault tests' kill -9) still write nothing. */
void __gcov_dump(void);
void __real__exit(int status);
void __wrap__exit(int status);

void __wrap__exit(int status)
{
    __gcov_dump();
    __real__exit(status);
}
