/* The check of bench/fbs_bench.cc's read-all case: both sides read the
 * same values, term by term (fbs_bench_read.h). */
#include <cstdio>
#include <vector>

#include "fbs_bench_read.h"

/* The check that both sides read the same: read_*<Terms> records every
 * term, compared one by one. A double sum would not do: a difference
 * below the last bit of its largest terms (1.8e19, 6e23) is lost in it. */
struct Terms {
    std::vector<double> v;
    Terms() = default;
    template <class T> explicit Terms(T x) : v{static_cast<double>(x)}
    {
    }
    template <class T> Terms operator+(T x) const
    {
        Terms r = *this;
        r.v.push_back(static_cast<double>(x));
        return r;
    }
    Terms operator+(const Terms &o) const
    {
        Terms r = *this;
        r.v.insert(r.v.end(), o.v.begin(), o.v.end());
        return r;
    }
    template <class T> Terms &operator+=(T x)
    {
        v.push_back(static_cast<double>(x));
        return *this;
    }
};

template <> struct Lead<Terms> {
    template <class T> static Terms of(T x)
    {
        return Terms(x);
    }
};

static bool same_terms(const Terms &a, const Terms &b)
{
    if (a.v.size() != b.v.size())
        return false;
    for (size_t i = 0; i < a.v.size(); i++)
        if (!(a.v[i] == b.v[i] || (a.v[i] != a.v[i] && b.v[i] != b.v[i]))) {
            std::fprintf(stderr, "read-all term %zu differs: %.17g, %.17g\n", i, a.v[i], b.v[i]);
            return false;
        }
    return true;
}

bool fbs_bench_same_reads(const uint8_t *buf);

bool fbs_bench_same_reads(const uint8_t *buf)
{
    Terms to = read_ours<Terms>(Zoo_Animal_root(buf), 0);
    Terms tt = read_theirs<Terms>(Zoo::GetAnimal(buf), 0);
    Terms tv = read_ours_vec<Terms>(Zoo_Animal_root(buf), 0);
    if (tt.v.size() >= 100 && same_terms(to, tt) && same_terms(tv, tt))
        return true;
    std::fprintf(stderr, "read-all: the two sides read different values (%zu, %zu terms)\n",
                 to.v.size(), tt.v.size());
    return false;
}
