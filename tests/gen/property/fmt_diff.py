#!/usr/bin/env python3
"""Differential test of myelonc's formatter (gen/format.c) against
clang-format with the root .clang-format, on random function declarations
and definitions (every return type and parameter shape the templates use,
names up to 90 characters) and initializer items of table descriptors.
Exit 77 (skipped) without clang-format.

Usage: fmt_diff.py FMT_FILTER SOURCE_DIR [SEED] [COUNT]
"""
import random
import shutil
import subprocess
import sys


def name(r, lo, hi):
    n = r.randint(lo, hi)
    return "".join(r.choice("abcdefghij_") for _ in range(n)).strip("_") or "x"


def decls(r, count):
    heads = ["void", "int", "static inline int", "static inline int64_t", "static inline void",
             "static inline bool", "const char *"]
    out = []
    for _ in range(count):
        pre = name(r, 1, 60)
        h = r.choice(heads + ["static inline %s_T *" % pre, "static inline const %s_T *" % pre])
        fn = pre + "_" + name(r, 1, 30)
        ps = [r.choice(["uint32_t n", "uint64_t *seq", "int64_t timeout_ns",
                        "const myl_frame_span *span", "%s_sender *s" % pre,
                        "const %s_T *m" % pre, "myl_ring **out", "const char *name"])
              for _ in range(r.randint(1, 5))]
        sep = "" if h.endswith("*") else " "
        tail = r.choice([";", "\n{\n    return 0;\n}"])
        out.append("%s%s%s(%s)%s\n" % (h, sep, fn, ", ".join(ps), tail))
    return out


def descs(r, count):
    out = []
    for _ in range(count):
        pre = name(r, 1, 70)
        items = ["    {\"%s\", %d, MYL_FB_K_%s, %s, 0, 0, 0, %s, NULL}," % (
            name(r, 1, 48), r.randint(0, 300), r.choice(["TABLE", "VEC_TABLE", "UNION"]),
            r.choice(["0", "MYL_FB_F_REQUIRED"]), r.choice(["NULL", "&%s_desc" % pre]))
            for _ in range(r.randint(1, 4))]
        out.append("static const myl_fb_field_desc %s_fields[] = {\n%s\n};\n"
                   % (pre, "\n".join(items)))
    return out


def main():
    filt, src = sys.argv[1], sys.argv[2]
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    count = int(sys.argv[4]) if len(sys.argv) > 4 else 600
    cf = shutil.which("clang-format")
    if not cf:
        print("clang-format not installed: skipped")
        return 77
    r = random.Random(seed)
    cases = decls(r, count) + descs(r, count // 2)
    text = "\n".join(cases)
    want = subprocess.run([cf, "--style=file:%s/.clang-format" % src, "--assume-filename=x.c"],
                          input=text, capture_output=True, text=True, check=True).stdout
    got = subprocess.run([filt], input=text, capture_output=True, text=True, check=True).stdout
    w, g = want.split("\n\n"), got.split("\n\n")
    bad = [(x, y) for x, y in zip(w, g) if x != y]
    if len(w) != len(g):
        print("different number of blocks: clang-format %d, myelonc %d" % (len(w), len(g)))
        return 1
    for x, y in bad[:5]:
        print("clang-format:\n%s\nmyelonc:\n%s\n" % (x, y))
    print("%d of %d differ (seed %d)" % (len(bad), len(w), seed))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
