#!/usr/bin/env python3
"""Compile time of myelonc on a generated schema of N types (default 2,000),
compared with flatc on the equivalent .fbs.

The schema: N/4 enums, N/4 fixed-size records (half myelonc events, half
structs; all FlatBuffers structs), N/2 tables, each record and table with 8 fields that refer to
earlier types, and N/16 channels carrying the events. myelonc generates C
(header + source, including channel bindings); flatc generates C++ (--cpp)
from the same types (no channels: FlatBuffers has none). myelonc also
writes a compact codec for every event, struct and table, so its output is
more than twice flatc's; --check times myelonc's front end alone. Both are run
several times, interleaved; the median and minimum wall times are printed.

With --compile INCLUDE_DIR... it also times the C and C++ compilers on the
output (issue 8's third target): gcc -O2 -std=c11 -c on the generated
.myl.c (which includes the .myl.h) against g++ -O2 -std=c++17 -c on a file
that includes flatc's generated header, interleaved, --compile-runs times;
also gcc -O2 on a file that includes the .myl.h alone.
INCLUDE_DIRs are myelon's headers: runtime/include and the build's
runtime/include (the generated config header).
Timing is reported, never judged.

usage: bench_myelonc.py MYELONC [--types N] [--runs R] [--flatc FLATC]
                        [--compile INCLUDE_DIR...] [--compile-runs R]
                        [--cc CC] [--cxx CXX]
"""
import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

SCALARS = ["u8", "u16", "u32", "u64", "i8", "i16", "i32", "i64", "f32", "f64"]
FBS = {"u8": "ubyte", "u16": "ushort", "u32": "uint", "u64": "ulong", "i8": "byte",
       "i16": "short", "i32": "int", "i64": "long", "f32": "float", "f64": "double"}


def generate(n):
    ne, nr, nt = n // 4, n // 4, n - 2 * (n // 4)
    myl = ["myelon 1;", "package bench;"]
    fbs = ["namespace bench;"]
    for i in range(ne):
        vals = ", ".join(f"V{k} = {k}" for k in range(8))
        myl.append(f"enum E{i} : u16 {{ {vals} }}")
        fbs.append(f"enum E{i} : ushort {{ {vals} }}")
    for i in range(nr):
        mf, ff = [], []
        for k in range(8):
            if k == 0 and i > 0:
                t = f"R{i - 1}"
                mf.append(f"f{k}: {t};")
                ff.append(f"f{k}: {t};")
            elif k == 1 and ne:
                t = f"E{i % ne}"
                mf.append(f"f{k}: {t};")
                ff.append(f"f{k}: {t};")
            else:
                s = SCALARS[(i + k) % len(SCALARS)]
                mf.append(f"f{k}: {s};")
                ff.append(f"f{k}: {FBS[s]};")
        # Records nest at most 8 deep (myelonc limits nesting to 64), and
        # the first half are events (for channels), the rest structs (for
        # tables): events and structs do not contain each other.
        if i % 8 == 0 or i == nr // 2:
            mf[0] = "f0: u64;"
            ff[0] = "f0: ulong;"
        kind = "event" if i < nr // 2 else "struct"
        myl.append(f"{kind} R{i} {{ {' '.join(mf)} }}")
        fbs.append(f"struct R{i} {{ {' '.join(ff)} }}")
    for i in range(nt):
        mf, ff = [], []
        for k in range(8):
            if k == 0 and i > 0:
                mf.append(f"f{k}: T{i - 1};")
                ff.append(f"f{k}: T{i - 1};")
            elif k == 1:
                mf.append(f"f{k}: string;")
                ff.append(f"f{k}: string;")
            elif k == 2:
                s = SCALARS[i % len(SCALARS)]
                mf.append(f"f{k}: [{s}];")
                ff.append(f"f{k}: [{FBS[s]}];")
            elif k == 3 and nr > 1:
                r = nr // 2 + i % (nr - nr // 2)
                mf.append(f"f{k}: [R{r}];")
                ff.append(f"f{k}: [R{r}];")
            else:
                s = SCALARS[(i + k) % len(SCALARS)]
                mf.append(f"f{k}: {s} = {k};")
                ff.append(f"f{k}: {FBS[s]} = {k};")
        myl.append(f"table T{i} {{ {' '.join(mf)} }}")
        fbs.append(f"table T{i} {{ {' '.join(ff)} }}")
    for i in range(0, nr // 2, 2):
        myl.append(f"channel c{i} {{ carries R{i}; capacity 1024; }}")
    fbs.append(f"root_type T{nt - 1};")
    return "\n".join(myl) + "\n", "\n".join(fbs) + "\n"


CPU = {}  # command name -> CPU times (user + system) of its runs


def timed(cmd, cwd):
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    r = subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    t = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    if r.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed:\n{r.stderr.decode(errors='replace')[:2000]}")
    key = os.path.basename(cmd[0]) + (" " + cmd[1] if cmd[1].startswith("--") else "")
    CPU.setdefault(key, []).append(r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime)
    return t


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("myelonc")
    ap.add_argument("--types", type=int, default=2000)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--flatc", default=shutil.which("flatc"))
    ap.add_argument("--compile", nargs="+", metavar="INCLUDE_DIR")
    ap.add_argument("--compile-runs", type=int, default=3)
    ap.add_argument("--cc", default=os.environ.get("CC", "gcc"))
    ap.add_argument("--cxx", default=os.environ.get("CXX", "g++"))
    a = ap.parse_args()
    myl, fbs = generate(a.types)
    with tempfile.TemporaryDirectory() as d:
        with open(os.path.join(d, "bench.myl"), "w") as f:
            f.write(myl)
        with open(os.path.join(d, "bench.fbs"), "w") as f:
            f.write(fbs)
        os.mkdir(os.path.join(d, "m"))
        os.mkdir(os.path.join(d, "f"))
        mt, ct, ft = [], [], []
        for _ in range(a.runs):  # interleaved, so that both see the same machine
            mt.append(timed([os.path.abspath(a.myelonc), "-o", "m", "bench.myl"], d))
            ct.append(timed([os.path.abspath(a.myelonc), "--check", "bench.myl"], d))
            if a.flatc:
                ft.append(timed([a.flatc, "--cpp", "-o", "f", "bench.fbs"], d))
        msize = sum(os.path.getsize(os.path.join(d, "m", x)) for x in os.listdir(os.path.join(d, "m")))
        print(f"schema: {a.types} types ({len(myl)} bytes .myl, {len(fbs)} bytes .fbs), {a.runs} runs")
        print(f"myelonc: median {statistics.median(mt) * 1e3:.1f} ms, min {min(mt) * 1e3:.1f} ms "
              f"({msize} bytes of C)")
        print(f"myelonc --check (front end only): median {statistics.median(ct) * 1e3:.1f} ms, "
              f"min {min(ct) * 1e3:.1f} ms")
        if ft:
            fsize = sum(os.path.getsize(os.path.join(d, "f", x)) for x in os.listdir(os.path.join(d, "f")))
            print(f"flatc --cpp: median {statistics.median(ft) * 1e3:.1f} ms, min {min(ft) * 1e3:.1f} ms "
                  f"({fsize} bytes of C++)")
            print(f"ratio myelonc/flatc (medians): wall time {statistics.median(mt) / statistics.median(ft):.2f}")
            mc = CPU[os.path.basename(a.myelonc)]
            fc = CPU[os.path.basename(a.flatc) + " --cpp"]
            print(f"CPU time (user + system; less sensitive to other load): myelonc median "
                  f"{statistics.median(mc) * 1e3:.1f} ms, flatc {statistics.median(fc) * 1e3:.1f} ms, "
                  f"ratio {statistics.median(mc) / statistics.median(fc):.2f}")
            print(f"ratio myelonc/flatc bytes: {msize / fsize:.3f}")
        else:
            print("flatc not found: no comparison")
        if a.compile and ft:
            compile_times(a, d)


def compile_times(a, d):
    """gcc -O2 on myelonc's C against g++ -O2 on a file including flatc's
    header, interleaved."""
    incs = [f"-I{os.path.abspath(x)}" for x in a.compile]
    with open(os.path.join(d, "f", "use.cc"), "w") as f:
        f.write('#include "bench_generated.h"\n')
    with open(os.path.join(d, "m", "use.c"), "w") as f:
        f.write('#include "bench.myl.h"\n')
    cc = [a.cc, "-O2", "-std=c11", "-Im", *incs, "-c", "m/bench.myl.c", "-o", "m/bench.o"]
    hc = [a.cc, "-O2", "-std=c11", "-Im", *incs, "-c", "m/use.c", "-o", "m/use.o"]
    cxx = [a.cxx, "-O2", "-std=c++17", "-If", "-c", "f/use.cc", "-o", "f/use.o"]
    print(" ".join(cc))
    print(" ".join(cxx))
    c_t, h_t, x_t = [], [], []
    for _ in range(a.compile_runs):
        c_t.append(timed(cc, d))
        h_t.append(timed(hc, d))
        x_t.append(timed(cxx, d))
    print(f"{a.cc} -O2, myelonc's C: median {statistics.median(c_t):.2f} s, min {min(c_t):.2f} s")
    print(f"{a.cc} -O2, a file including myelonc's header only: "
          f"median {statistics.median(h_t):.2f} s, min {min(h_t):.2f} s")
    print(f"{a.cxx} -O2, flatc's header: median {statistics.median(x_t):.2f} s, "
          f"min {min(x_t):.2f} s")
    print(f"ratio C/C++ compile time (medians): {statistics.median(c_t) / statistics.median(x_t):.2f}")


if __name__ == "__main__":
    main()
