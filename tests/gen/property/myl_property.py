#!/usr/bin/env python3
"""Random-schema property test of myelonc (issue 8, item 4).

For each seed, a seeded generator writes a schema (and a schema it
imports) that uses every construct of the .myl language -- enums, events,
structs, tables with every field kind, unions, channels of every shape and
codec, imports, topologies and pipelines -- with identifier names of 1 to
48 characters. Then:

  1. myelonc succeeds or reports a diagnostic (exit 1 with "error:"),
     never crashes (a signal, another status, or no message);
  2. a second run writes byte-identical files;
  3. every generated .c compiles as C11 with -Wall -Wextra -Werror
     -pedantic against runtime/include, and every generated header as
     C++17 with -Wall -Wextra -Werror;
  4. `clang-format --dry-run -Werror` with the root .clang-format reports
     nothing on any generated file (skipped, with a message, when
     clang-format is not installed).

Compilers and clang-format run over batches of schemas (one process per
batch, two batches at a time), so that 200 schemas take about a minute.

Usage: myl_property.py MYELONC SOURCE_DIR BUILD_INCLUDE_DIR [WORK_DIR]
Environment:
  MYELON_PROPERTY_SEEDS  number of seeds (default 200)
  MYELON_PROPERTY_BASE   first seed (default 1)
  MYELON_PROPERTY_SEED   run this one seed only (replay a failure)
  MYELON_PROPERTY_KEEP   keep the work directory
  MYELON_PROPERTY_MAX_NAME  longest identifier generated (default 48)
  MYELON_PROPERTY_FORMAT    0: skip the clang-format check (default 1)
  MYELON_PROPERTY_COMPILE   0: skip checks 3 and 4, the compilers and
                            clang-format (default 1); sanitizer builds set
                            it, whose myelonc writes the same bytes as the
                            plain build's, where they are checked
A failure prints the seed and the command that replays it.
"""

import concurrent.futures
import os
import random
import shutil
import subprocess
import sys
import tempfile

MAX_NAME = int(os.environ.get("MYELON_PROPERTY_MAX_NAME", "48"))

C_WORDS = set(
    """auto break case char const continue default do double else enum extern float for
    goto if inline int long register restrict return short signed sizeof static struct
    switch typedef union unsigned void volatile while alignas alignof and and_eq asm bitand
    bitor bool catch char16_t char32_t char8_t class compl concept consteval constexpr
    constinit const_cast co_await co_return co_yield decltype delete dynamic_cast explicit
    export false friend mutable namespace new noexcept not not_eq nullptr operator or
    or_eq private protected public reinterpret_cast requires static_assert static_cast
    template this thread_local throw true try typeid typename using virtual wchar_t xor
    xor_eq assert offsetof errno NULL main FILE""".split()
    # stage names the generated pipeline runner or its stub use (emit_pipe.c)
    + "reset save restore on_tick released_arg app_version rx signal tick in dir input".split()
)
MYL_WORDS = set(
    """myelon package import enum event struct table union channel topology pipeline true
    false u8 u16 u32 u64 i8 i16 i32 i64 f32 f64 bool char string bytes NONE""".split()
)
STD_MACROS = set(
    """NAN INFINITY HUGE_VAL HUGE_VALF HUGE_VALL EOF BUFSIZ SEEK_SET SEEK_CUR SEEK_END CHAR_BIT
    EXIT_SUCCESS EXIT_FAILURE FD_SETSIZE FP_NAN FP_INFINITE FP_ZERO FP_NORMAL FP_SUBNORMAL
    MATH_ERRNO MATH_ERREXCEPT math_errhandling stdin stdout stderr CLOCKS_PER_SEC TIME_UTC
    NDEBUG linux unix i386 BYTE_ORDER LITTLE_ENDIAN BIG_ENDIAN PDP_ENDIAN NFDBITS WNOHANG
    WUNTRACED WCONTINUED WEXITED WNOWAIT WSTOPPED""".split()
)


def is_std_macro(s):
    """What myelonc refuses as a field name (gen/names.c, mylc_is_std_macro):
    a standard header's macro, a name reserved for one, or myelon's."""
    if s in STD_MACROS or s.startswith(("MYL_", "myl_")) and len(s) > 4:
        return True
    if any(s.endswith(x) and len(s) > len(x) for x in ("_MYL_H", "_MYL_FINGERPRINT")):
        return True
    if not all(ch.isupper() or ch.isdigit() or ch == "_" for ch in s):
        return False
    if len(s) >= 2 and s[0] == "E":
        return True
    return any(s.endswith(x) and len(s) > len(x) for x in ("_MAX", "_MIN", "_C", "_WIDTH")) or any(
        s.startswith(p) and len(s) > len(p)
        for p in ("PTHREAD_", "SIG", "ATOMIC_", "PRI", "SCN", "FLT_", "DBL_", "LDBL_", "FP_",
                  "M_", "CLOCK_", "TIMER_", "SCHED_"))


INTS = ["u8", "u16", "u32", "u64", "i8", "i16", "i32", "i64"]
SCALARS = INTS + ["f32", "f64", "bool"]
RANGES = {
    "u8": (0, 255), "u16": (0, 65535), "u32": (0, 2**32 - 1), "u64": (0, 2**64 - 1),
    "i8": (-128, 127), "i16": (-32768, 32767), "i32": (-2**31, 2**31 - 1),
    "i64": (-2**63, 2**63 - 1),
}


class Gen:
    """One seed's schemas. Names are unique per seed (case-insensitively),
    so that C names never collide by accident."""

    def __init__(self, seed):
        self.r = random.Random(seed)
        self.seed = seed
        self.used = set()

    def length(self, hi=MAX_NAME):
        r = self.r.random()
        if r < 0.25:
            return self.r.randint(1, 4)
        if r < 0.5:
            return self.r.randint(max(1, hi - 8), hi)
        return self.r.randint(1, hi)

    def name(self, hi=MAX_NAME, lower=False, upper=False):
        while True:
            n = self.length(hi)
            first = "abcdefghijklmnopqrstuvwxyz" if lower else (
                "ABCDEFGHIJKLMNOPQRSTUVWXYZ" if upper else
                "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
            rest = first + "0123456789"
            s = self.r.choice(first)
            while len(s) < n:
                if len(s) < n - 1 and s[-1] != "_" and self.r.random() < 0.12:
                    s += "_"
                else:
                    s += self.r.choice(rest)
            if s in C_WORDS or s in MYL_WORDS or is_std_macro(s) or s.lower() in self.used:
                continue
            self.used.add(s.lower())
            return s

    def chance(self, p):
        return self.r.random() < p

    def pow2(self, lo, hi):
        return 1 << self.r.randint(lo, hi)


def int_text(r, v):
    if v >= 0 and r.random() < 0.3:
        return hex(v)
    return str(v)


def topology(g, t, one_ring, lossy):
    """A topology over the channels one_ring (those over one ring), drawn
    from t; names from g (unique per seed). An endpoint's C names join the
    prefix, the topology, a role and a channel: short topology and role
    names keep them within what the formatter lays out as clang-format
    does (docs/COMPILER.md)."""
    def name():
        while True:
            n = t.randint(1, min(6, MAX_NAME))
            s = t.choice("abcdefghijklmnopqrstuvwxyz")
            s += "".join(t.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(n - 1))
            if s not in C_WORDS and s not in MYL_WORDS and s not in g.used:
                g.used.add(s)
                return s
    roles = [name() for _ in range(t.randint(2, 4))]
    body = ["%s;" % roles[0]]  # the owner (the first declared role): one instance
    for ro in roles[1:]:
        if t.random() < 0.5:
            continue
        # at most 32 by default: four routes of 32 x 32 rings stay within
        # a topology's 4096 (myelonc refuses more at the default counts)
        n = t.randint(1, 32)
        b = " max %d" % t.randint(n, 1024) if t.random() < 0.5 else ""
        b += " min %d" % t.randint(1, n) if t.random() < 0.3 else ""
        body.append("%s %d%s;" % (ro, n, b))
    routes = set()
    for _ in range(t.randint(1, 4)):
        a, b = t.sample(roles, 2)
        ch = t.choice(one_ring)
        if (a, b, ch) in routes:
            continue
        routes.add((a, b, ch))
        opts = ["", " broadcast", " partitioned", " partitioned round_robin",
                " partitioned least_loaded"]
        if ch not in lossy:
            opts.append(" shared")
        body.append("%s -> %s : %s%s;" % (a, b, ch, t.choice(opts)))
    return "topology %s {\n  %s\n}" % (name().capitalize(), "\n  ".join(body))


def schema(g, pkg, imported=None):
    """Declarations of one schema as text; returns (text, facts) where facts
    lists the declarations another schema may use (qualified)."""
    r = g.r
    out = ["myelon 1;", "package %s;" % pkg]
    if imported:
        out.append('import "%s";' % imported["file"])
    enums, events, carried_events, structs, tables, unions, channels = [], [], [], [], [], [], []
    ext = imported or {}
    ext_q = lambda k: ["%s.%s" % (ext["pkg"], n) for n in ext.get(k, [])]

    # enums
    enum_info = {}
    for _ in range(r.randint(1, 3)):
        name = g.name()
        under = r.choice(INTS)
        lo, hi = RANGES[under]
        vals, cur, seen, parts = [], None, set(), []
        for _ in range(r.randint(1, 5)):
            vn = g.name()
            if cur is None or r.random() < 0.4 or cur + 1 > hi:
                choices = [lo, hi, 0, 1, r.randint(lo, hi)]
                v = r.choice(choices)
                if v in seen:
                    continue
                parts.append("%s = %s" % (vn, int_text(r, v)))
            else:
                v = cur + 1
                if v in seen:
                    continue
                parts.append(vn)
            seen.add(v)
            vals.append((vn, v))
            cur = v
        if not vals:
            continue
        out.append("enum %s : %s { %s%s }" % (name, under, ", ".join(parts),
                                              "," if r.random() < 0.2 else ""))
        enums.append(name)
        enum_info[name] = vals
    all_enums = enums + ext_q("enums")
    for q in ext_q("enums"):
        enum_info[q] = ext["enum_info"][q.split(".")[-1]]

    # events
    def ev_field(allow_char=True, recs=()):
        k = r.random()
        if k < 0.45:
            t = r.choice(SCALARS)
        elif k < 0.6 and all_enums:
            t = r.choice(all_enums)
        elif k < 0.7 and allow_char:
            return "char[%d]" % r.randint(1, 40)
        elif k < 0.85 and recs:
            t = r.choice(recs)
        else:
            t = r.choice(SCALARS)
        if r.random() < 0.2:
            return "%s[%d]" % (t, r.choice([1, 2, 3, 7, 64, 1000]))
        return t

    rec_align = {}

    def record(kw, recs, allow_char, big_align):
        """big_align: events may be aligned beyond 8 (not carried then);
        struct fields take no align attribute."""
        name = g.name()
        al, most = "", 1
        if big_align and r.random() < 0.3:
            most = g.pow2(0, 6)
            al = " (align: %d)" % most
        elif r.random() < 0.2:
            most = g.pow2(0, 3)
            al = " (align: %d)" % most
        fields = []
        for _ in range(r.randint(1, 6)):
            fa = ""
            if kw == "event" and big_align and r.random() < 0.15:
                fa = " (align: %d)" % g.pow2(0, 5)
            elif kw == "event" and r.random() < 0.1:
                fa = " (align: %d)" % g.pow2(0, 3)
            t = ev_field(allow_char, recs)
            if kw == "struct" and t in enum_info and all(v != 0 for _, v in enum_info[t]):
                # a struct field starts as 0, so its enum needs a value 0
                # (myelonc says so; flatc rejects the .fbs otherwise). A
                # fixed type, so that the random stream (and every other
                # part of the schema) stays as it was.
                t = "u8"
            base = t.split("[")[0]
            most = max(most, rec_align.get(base, 1), int(fa[9:-1]) if fa else 1)
            fields.append("%s: %s%s;" % (g.name(), t, fa))
        sep = "\n  " if r.random() < 0.5 else " "
        out.append("%s %s%s {%s%s%s}" % (kw, name, al, sep, sep.join(fields), sep))
        rec_align[name] = most
        return name, most > 8

    for q in ext_q("events") + ext_q("structs"):
        rec_align[q] = ext["rec_align"][q.split(".")[-1]]
    for _ in range(r.randint(1, 3)):
        n, big = record("event", events + ext_q("events"), True, True)
        events.append(n)
        if not big:
            carried_events.append(n)
    for _ in range(r.randint(1, 3)):
        n, _big = record("struct", structs + ext_q("structs"), False, False)
        structs.append(n)
    all_structs = structs + ext_q("structs")

    # tables and unions: names first, so that fields may refer forward
    table_names = [g.name() for _ in range(r.randint(1, 4))]
    union_names = [g.name() for _ in range(r.randint(0, 2))]
    all_tables = table_names + ext_q("tables")
    all_unions = union_names + ext_q("unions")

    def scalar_default(t):
        if t in enum_info:
            vals = enum_info[t]
            if r.random() < 0.5:
                return vals[r.randrange(len(vals))][0]
            return int_text(r, vals[r.randrange(len(vals))][1])
        if t == "bool":
            return r.choice(["true", "false"])
        if t in ("f32", "f64"):
            return r.choice(["1.5", "-0.25e-3", "3", "0", "-2", "1e10", "123456.789"])
        lo, hi = RANGES[t]
        return int_text(r, r.choice([lo, hi, 0, 1, r.randint(lo, hi)]))

    def has_zero(t):
        return any(v == 0 for _, v in enum_info[t])

    for tn in table_names:
        fields = []
        kinds = []
        for _ in range(r.randint(0, 8)):
            k = r.random()
            attrs = []
            if k < 0.3:
                t = r.choice(SCALARS + all_enums)
                need = t in enum_info and not has_zero(t)
                d = " = %s" % scalar_default(t) if need or r.random() < 0.6 else ""
                ty = t
            elif k < 0.4:
                ty, d = "string", ""
            elif k < 0.5 and all_structs:
                ty, d = r.choice(all_structs), ""
            elif k < 0.6:
                ty, d = r.choice(all_tables), ""
            elif k < 0.7 and all_unions:
                ty, d = r.choice(all_unions), ""
                kinds.append("union")
            else:
                el = r.choice(SCALARS + all_enums + ["string"] + all_structs + all_tables)
                ty, d = "[%s]" % el, ""
            if ty not in SCALARS and ty not in enum_info and r.random() < 0.3:
                attrs.append("required")
            if r.random() < 0.1:
                attrs.append("deprecated")
            a = " (%s)" % ", ".join(attrs) if attrs else ""
            fields.append("%s: %s%s%s;" % (g.name(), ty, d, a))
        sep = "\n  " if r.random() < 0.5 else " "
        # explicit ids on some tables: every field then has one, a union's
        # id being its value's (type field id - 1)
        if fields and r.random() < 0.25:
            ids, nxt = [], 0
            for f in fields:
                is_union = any(("%s" % u) == f.split(": ")[1].split(" ")[0].rstrip(";")
                               for u in all_unions)
                if is_union:
                    nxt += 1
                ids.append(nxt)
                nxt += 1
            order = list(range(len(fields)))
            r.shuffle(order)
            nf = []
            for i in order:
                f = fields[i]
                body = f[:-1]
                if body.endswith(")"):
                    body = body[:-1] + ", id: %d)" % ids[i]
                else:
                    body += " (id: %d)" % ids[i]
                nf.append(body + ";")
            fields = nf
        out.append("table %s {%s%s%s}" % (tn, sep, sep.join(fields), sep))
        tables.append(tn)
    for un in union_names:
        ms = r.sample(all_tables, r.randint(1, min(4, len(all_tables))))
        out.append("union %s { %s }" % (un, ", ".join(ms)))
        unions.append(un)

    # channels
    def ring_props(framed):
        p = []
        if r.random() < 0.5:
            p.append("capacity %s" % r.choice(["2", "64", "4096", "1Ki", "65536", "1Mi"]))
        multi = r.random() < 0.3
        if multi:
            p.append("producers multi")
        elif r.random() < 0.3:
            p.append("producers single")
        if not multi and r.random() < 0.3:
            p.append("mode lossy")
        elif r.random() < 0.2:
            p.append("mode gated")
        if r.random() < 0.4:
            p.append("wait %s" % r.choice(["spin", "yield", "block", "hybrid"]))
        if r.random() < 0.3:
            p.append("backing %s" % r.choice(["shm", "mmap"]))
        return p, multi

    def frame_props(multi, lanes_ok=True):
        p = []
        shape = r.choice(["default", "frame", "frames", "lanes"] if lanes_ok else
                         ["default", "frame", "frames"])
        largest = 1024
        if shape == "frame":
            largest = r.choice([32, 64, 256, 1024, 4096, 65536])
            p.append("frame %d" % largest)
        elif shape == "frames":
            sizes = sorted(r.sample([32, 64, 128, 256, 512, 1024, 4096, 16384, 65536, 1 << 20,
                                     1 << 26], r.randint(1, 11)))
            largest = sizes[-1]
            p.append("frames %s" % ", ".join(str(s) for s in sizes))
        elif shape == "lanes":
            ls = [g.name(min(32, MAX_NAME), lower=True) for _ in range(r.randint(1, 8))]
            p.append("lanes %s" % ", ".join(ls))
            if r.random() < 0.5:
                largest = r.choice([64, 256, 4096])
                p.append("frame %d" % largest)
        if multi:
            # max_message must fit half the ring
            p.append("capacity 65536")
            p.append("max_message %d" % max(largest, 1024))
        elif r.random() < 0.3:
            p.append("max_message %d" % max(largest, r.choice([1024, 65536, 1 << 20])))
        return p

    one_ring = []  # channels a topology route may use: over one ring
    lossy = set()

    def chan(props):
        name = g.name()
        sep = "\n  " if r.random() < 0.5 else " "
        out.append("channel %s {%s%s;%s}" % (name, sep, (";" + sep).join(props), sep))
        channels.append(name)
        if not any(x.startswith(("frames ", "lanes ")) for x in props):
            one_ring.append(name)
        if "mode lossy" in props:
            lossy.add(name)

    ext_ev = ext_q("carried_events")
    event_chans = []  # channels of events over one ring: pipeline inputs and outputs
    for _ in range(r.randint(1, 3)):  # raw event channels
        props, _m = ring_props(False)
        ev = r.choice(carried_events + ext_ev) if carried_events + ext_ev else None
        if not ev:
            continue
        c = ["carries %s" % ev] if r.random() < 0.7 else ["carries %s codec raw" % ev]
        p = props
        if any(x.startswith("capacity") for x in p) is False and r.random() < 0.3:
            p = p + ["capacity 8"]
        chan(c + p)
        event_chans.append(channels[-1])
    for _ in range(r.randint(1, 3)):  # byte channels
        props, multi = ring_props(True)
        props = [x for x in props if not (multi and x.startswith("capacity"))]
        chan(["carries bytes"] + props + frame_props(multi))
    for _ in range(r.randint(1, 3)):  # flatbuffers channels
        if not all_tables:
            break
        props, multi = ring_props(True)
        props = [x for x in props if not (multi and x.startswith("capacity"))]
        t = r.choice(all_tables)
        c = "carries %s" % t if r.random() < 0.5 else "carries %s codec flatbuffers" % t
        chan([c] + props + frame_props(multi))
    for _ in range(r.randint(1, 3)):  # compact channels: tables, structs, events
        props, multi = ring_props(True)
        props = [x for x in props if not (multi and x.startswith("capacity"))]
        pool = all_tables + all_structs + events + ext_q("events")
        t = r.choice(pool)
        if t in all_structs and r.random() < 0.5:
            c = ["carries %s" % t]
        elif r.random() < 0.5:
            c = ["carries %s codec compact" % t]
        else:
            c = ["carries %s" % t, "codec compact"]
        chan(c + props + frame_props(multi))

    # topology (typed endpoints) and pipeline (stage handlers and a runner)
    all_chans = channels + ["%s.%s" % (ext["pkg"], c) for c in ext.get("channels", [])]
    # The draws of the generator before topologies were emitted, made as
    # then, so that every other declaration of a seed is what it was; the
    # topology itself comes from a stream of its own.
    if channels and r.random() < 0.7:
        roles = [g.name(lower=True) for _ in range(r.randint(2, 4))]
        [r.randint(1, 1024) for ro in roles if r.random() < 0.5]
        pairs = set()
        for _ in range(r.randint(1, 4)):
            a, b = r.sample(roles, 2)
            if (a, b) in pairs:
                continue
            pairs.add((a, b))
            r.choice(channels)
            r.random()
        g.name()
        if one_ring:
            t = random.Random("%d.%d" % (g.seed, len(out)))
            out.append(topology(g, t, one_ring, lossy))
    if channels and r.random() < 0.7:
        # The draws of the generator before pipelines were emitted, made as
        # then; the pipeline (over channels of events, one durable stage
        # first, as emission needs) comes from a stream of its own.
        stages = [g.name(lower=True) for _ in range(r.randint(1, 4))]
        r.choice(channels)
        for i, st in enumerate(stages):
            if r.random() < 0.4:
                r.random()
            r.random()
            if i and r.random() < 0.5:
                r.sample(stages[:i], r.randint(1, i))
            if r.random() < 0.3:
                r.choice(channels)
        pname = g.name()
        if event_chans:
            t = random.Random("p%d.%d" % (g.seed, len(out)))
            body = ["input %s;" % t.choice(event_chans)]
            durable = t.random() < 0.7
            for i, st in enumerate(stages):
                opts = []
                if i == 0 and durable:
                    opts.append("durable")
                    if t.random() < 0.6:
                        opts.append("fsync")
                    if t.random() < 0.5:
                        opts.append("batch")
                else:
                    if t.random() < 0.3:
                        opts.append("batch")
                    if i and t.random() < 0.5:
                        opts.append("after " + " ".join(t.sample(stages[:i], t.randint(1, i))))
                    if t.random() < 0.4:
                        opts.append("output %s" % t.choice(event_chans))
                body.append("stage %s%s;" % (st, (" " + " ".join(opts)) if opts else ""))
            out.append("pipeline %s {\n  %s\n}" % (pname, "\n  ".join(body)))
    del all_chans

    facts = {"pkg": pkg, "enums": enums, "events": events, "carried_events": carried_events,
             "structs": structs, "tables": tables, "unions": unions, "channels": channels,
             "enum_info": enum_info, "rec_align": rec_align}
    return "\n".join(out) + "\n", facts


def make_seed(seed, d):
    """Writes seed's schemas into directory d; returns the main schema's path
    and the list of stems."""
    g = Gen(seed)
    files = []
    imported = None
    if g.chance(0.6):
        stem = g.name(lower=True)
        pkg = ".".join(g.name(lower=True) for _ in range(g.r.randint(1, 2)))
        text, facts = schema(g, pkg)
        facts["file"] = stem + ".myl"
        with open(os.path.join(d, stem + ".myl"), "w") as f:
            f.write(text)
        imported = facts
        files.append(stem)
    stem = g.name(lower=True)
    pkg = ".".join(g.name(lower=True) for _ in range(g.r.randint(1, 2)))
    text, _ = schema(g, pkg, imported)
    path = os.path.join(d, stem + ".myl")
    with open(path, "w") as f:
        f.write(text)
    files.append(stem)
    return path, files


def run_myelonc(myelonc, schema_path, out):
    os.makedirs(out, exist_ok=True)
    return subprocess.run([myelonc, "-o", out, schema_path], capture_output=True, text=True)


def read_dir(d):
    return {n: open(os.path.join(d, n), "rb").read() for n in sorted(os.listdir(d))}


def one_seed(myelonc, work, seed):
    """Generates and compiles one seed. Returns (status, message, files)."""
    d = os.path.join(work, "s%d" % seed)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    path, stems = make_seed(seed, d)
    outs = []
    for run in ("a", "b"):
        out = os.path.join(d, "out_" + run)
        # the imported schema first (its header is included by the main one)
        for stem in stems:
            p = run_myelonc(myelonc, os.path.join(d, stem + ".myl"), out)
            if p.returncode != 0:
                if p.returncode == 1 and "error:" in p.stderr:
                    return ("diag", p.stderr.strip().splitlines()[0], [])
                return ("fail", "myelonc crashed or misbehaved (status %d):\n%s"
                        % (p.returncode, p.stderr), [])
        outs.append(out)
    a, b = read_dir(outs[0]), read_dir(outs[1])
    if a != b:
        diff = [n for n in set(a) | set(b) if a.get(n) != b.get(n)]
        return ("fail", "two runs differ: %s" % ", ".join(sorted(diff)), [])
    return ("ok", "", [os.path.join(outs[0], n) for n in sorted(a)])


def run_batch(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True)
    return p.returncode, p.stdout + p.stderr


def main():
    if len(sys.argv) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    myelonc = os.path.abspath(sys.argv[1])
    src = os.path.abspath(sys.argv[2])
    build_inc = os.path.abspath(sys.argv[3])
    work = os.path.abspath(sys.argv[4]) if len(sys.argv) > 4 else tempfile.mkdtemp(
        prefix="myl_property.")
    os.makedirs(work, exist_ok=True)
    if os.environ.get("MYELON_PROPERTY_SEED"):
        seeds = [int(os.environ["MYELON_PROPERTY_SEED"])]
    else:
        n = int(os.environ.get("MYELON_PROPERTY_SEEDS", "200"))
        base = int(os.environ.get("MYELON_PROPERTY_BASE", "1"))
        seeds = list(range(base, base + n))
    replay = "MYELON_PROPERTY_MAX_NAME=%d MYELON_PROPERTY_SEED=%%d %s %s %s %s %s" % (MAX_NAME,
        sys.executable, os.path.abspath(__file__), myelonc, src, build_inc)

    failures = []
    results = {}
    with concurrent.futures.ThreadPoolExecutor(2) as ex:
        for seed, res in zip(seeds, ex.map(lambda s: one_seed(myelonc, work, s), seeds)):
            results[seed] = res
            if res[0] == "fail":
                failures.append((seed, res[1]))
    ok = [s for s in seeds if results[s][0] == "ok"]
    diags = [s for s in seeds if results[s][0] == "diag"]
    print("%d seeds: %d compiled, %d diagnosed, %d failed in myelonc"
          % (len(seeds), len(ok), len(diags), len(failures)))
    for s in diags[:5]:
        print("  seed %d diagnosed: %s" % (s, results[s][1]))

    compiled = ok
    if os.environ.get("MYELON_PROPERTY_COMPILE", "1") == "0":
        print("compile and format checks off (MYELON_PROPERTY_COMPILE=0)")
        compiled = []
    cc = os.environ.get("CC") or "cc"
    cxx = os.environ.get("CXX") or "c++"
    incs = ["-I", os.path.join(src, "runtime", "include"), "-I", build_inc]
    cflags = ["-std=c11", "-Wall", "-Wextra", "-Werror", "-pedantic", "-fsyntax-only"] + incs
    cxxflags = ["-std=c++17", "-Wall", "-Wextra", "-Werror", "-fsyntax-only"] + incs
    clang_format = shutil.which("clang-format")
    if os.environ.get("MYELON_PROPERTY_FORMAT", "1") == "0":
        clang_format = None
        print("format check off (MYELON_PROPERTY_FORMAT=0)")
    elif not clang_format:
        print("clang-format not installed: format check skipped")
    style = "--style=file:" + os.path.join(src, ".clang-format")

    batch = 25
    jobs = []  # (what, seeds, cmd)
    for i in range(0, len(compiled), batch):
        group = compiled[i:i + batch]
        cs, hs, wrappers = [], [], []
        for s in group:
            for f in results[s][2]:
                (cs if f.endswith(".c") else hs).append(f)
            w = os.path.join(work, "s%d" % s, "headers.cpp")
            with open(w, "w") as fh:
                for f in results[s][2]:
                    if f.endswith(".h"):
                        fh.write('#include "%s"\n' % f)
            wrappers.append(w)
        jobs.append(("C11", group, [cc] + cflags + cs))
        jobs.append(("C++17", group, [cxx] + cxxflags + wrappers))
        if clang_format:
            jobs.append(("clang-format", group,
                         [clang_format, style, "--dry-run", "-Werror"] + cs + hs))
    with concurrent.futures.ThreadPoolExecutor(2) as ex:
        outs = list(ex.map(lambda j: run_batch(j[2]), jobs))
    for (what, group, _cmd), (rc, text) in zip(jobs, outs):
        if rc == 0 and not text.strip():
            continue
        bad = [s for s in group if ("/s%d/" % s) in text] or group
        for s in bad:
            mine = [line for line in text.splitlines() if ("/s%d/" % s) in line]
            failures.append((s, "%s:\n%s" % (what, "\n".join(mine[:12] or text.splitlines()[:12]))))

    if failures:
        seen = set()
        for seed, msg in failures:
            print("\nFAIL seed %d: %s" % (seed, msg))
            seen.add(seed)
        print("\n%d failing seeds: %s" % (len(seen), " ".join(str(s) for s in sorted(seen))))
        print("replay one with: " + replay % sorted(seen)[0])
        print("work directory kept: " + work)
        return 1
    # The generator must mostly produce valid schemas, else the test proves
    # little.
    if len(seeds) >= 20 and len(ok) < len(seeds) * 0.8:
        print("too few schemas compiled (%d of %d): fix the generator" % (len(ok), len(seeds)))
        return 1
    if not os.environ.get("MYELON_PROPERTY_KEEP"):
        shutil.rmtree(work, ignore_errors=True)
    print("property holds for %d seeds" % len(seeds))
    return 0


if __name__ == "__main__":
    sys.exit(main())
