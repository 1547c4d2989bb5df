#!/usr/bin/env python3
"""Name-claim test: the C names myelonc claims for a schema (gen/names.c,
checked for collisions before anything is emitted) are exactly the public
names its generated header declares.

For each schema given, runs `myelonc -o TMP` and `myelonc --dump-claims`,
then compares
  - every name the schema itself claims appears in the generated header, and
  - no name it reserves (kept for constructs not emitted yet) appears, and
  - every identifier of the header and source that starts with the schema's C prefix
    ("<prefix>_") is claimed, by the schema or by one of its imports.
The identifiers of the generated .myl.h and .myl.c (static helpers there
are claimed too: they share the translation unit with the header) are
read from their tokens after comments and literals are removed: a name
used but declared nowhere would not compile, so the set is the set of
names they declare (or use from imports).

Usage: check_claims.py MYELONC INCLUDE_DIR SCHEMA...
"""
import os
import re
import subprocess
import sys
import tempfile

TOKEN = re.compile(r'/\*.*?\*/|//[^\n]*|"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'|[A-Za-z_]\w*',
                   re.S)


def identifiers(text):
    out = set()
    for m in TOKEN.finditer(text):
        t = m.group(0)
        if t[0] not in '/"\'':
            out.add(t)
    return out


def main():
    myelonc, incdir, schemas = sys.argv[1], sys.argv[2], sys.argv[3:]
    failed = False
    with tempfile.TemporaryDirectory() as tmp:
        for schema in schemas:
            stem = os.path.basename(schema)[:-len('.myl')]
            subprocess.run([myelonc, '-o', tmp, '-I', incdir, schema], check=True)
            dump = subprocess.run([myelonc, '--dump-claims', '-I', incdir, schema], check=True,
                                  capture_output=True, text=True).stdout.splitlines()
            prefix = dump[0].split(' ', 1)[1]
            own = {ln.split(' ', 1)[1] for ln in dump[1:] if ln.startswith('own ')}
            reserved = {ln.split(' ', 1)[1] for ln in dump[1:] if ln.startswith('reserved ')}
            every = {ln.split(' ', 1)[1] for ln in dump[1:]}
            header = set()
            for ext in ('.myl.h', '.myl.c'):
                with open(os.path.join(tmp, stem + ext), encoding='utf-8') as f:
                    header |= {i for i in identifiers(f.read()) if i.startswith(prefix + '_')}
            missing = sorted(own - header)
            unclaimed = sorted(header - every)
            early = sorted(reserved & header)
            for n in early:
                print(f'{schema}: reserved but generated (claim it instead): {n}')
            for n in missing:
                print(f'{schema}: claimed but not generated: {n}')
            for n in unclaimed:
                print(f'{schema}: generated but not claimed: {n}')
            failed = failed or bool(missing or unclaimed or early)
            print(f'{schema}: {len(own)} names claimed, {len(header)} in the header'
                  + ('' if missing or unclaimed or early else ': same'))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
