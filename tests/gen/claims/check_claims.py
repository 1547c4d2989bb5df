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
names they declare (or use from imports). Lines of the generated code
that invoke the runtime's macros for generated code (MYL_FB_*, MYL_CDEC_*,
MYL_COMPACT_*, from myelon/fb.h and myelon/compact.h) declare their names
in the macro's expansion: those invocations are expanded by the C
preprocessor (with only those macros defined) and the expansion's
identifiers counted too, but for the macros' own (their locals).

Then the same for MYELON_CLAIMS_SEEDS (default 200) random schemas made by
the property test's generator (tests/gen/property/myl_property.py).

Usage: check_claims.py MYELONC INCLUDE_DIR SCHEMA...
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

TOKEN = re.compile(r'/\*.*?\*/|//[^\n]*|"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'|[A-Za-z_]\w*',
                   re.S)


RUNTIME = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', 'runtime',
                       'include', 'myelon')
INVOCATION = re.compile(r'\bMYL_(?:FB|CDEC|COMPACT)_\w+\s*\((?:[^()]|\((?:[^()]|\([^()]*\))*\))*\)')
DEFINE = re.compile(r'^#define (MYL_\w+)\(.*?(?<!\\)$', re.M | re.S)


def runtime_macros():
    """The function-like MYL_* macro definitions of fb.h and compact.h."""
    out = []
    for h in ('fb.h', 'compact.h'):
        with open(os.path.join(RUNTIME, h), encoding='utf-8') as f:
            out += [m.group(0) for m in DEFINE.finditer(f.read())]
    return '\n'.join(out) + '\n'


def expand(text, macros):
    """The expansion of the runtime macro invocations in text."""
    calls = [m.group(0) for m in INVOCATION.finditer(text)]
    if not calls:
        return ''
    cpp = shutil.which('cpp')
    cmd = [cpp, '-P'] if cpp else [os.environ.get('CC', 'cc'), '-E', '-P', '-x', 'c', '-']
    return subprocess.run(cmd, input=macros + '\n'.join(calls) + '\n', capture_output=True,
                          text=True, check=True).stdout


def identifiers(text):
    out = set()
    for m in TOKEN.finditer(text):
        t = m.group(0)
        if t[0] not in '/"\'':
            out.add(t)
    return out


def check(myelonc, incdir, schema, tmp):
    """Compares the claims and the generated names of one schema: a list of
    problems (empty if none), or None if myelonc diagnosed the schema."""
    stem = os.path.basename(schema)[:-len('.myl')]
    os.makedirs(tmp, exist_ok=True)
    if subprocess.run([myelonc, '-o', tmp, '-I', incdir, schema],
                      capture_output=True).returncode == 1:
        return None
    dump = subprocess.run([myelonc, '--dump-claims', '-I', incdir, schema], check=True,
                          capture_output=True, text=True).stdout.splitlines()
    prefix = dump[0].split(' ', 1)[1]
    own = {ln.split(' ', 1)[1] for ln in dump[1:] if ln.startswith('own ')}
    reserved = {ln.split(' ', 1)[1] for ln in dump[1:] if ln.startswith('reserved ')}
    every = {ln.split(' ', 1)[1] for ln in dump[1:]}
    generated = set()
    macros = runtime_macros()
    for ext in ('.myl.h', '.myl.c'):
        with open(os.path.join(tmp, stem + ext), encoding='utf-8') as f:
            text = f.read()
        # the macros' own locals (n_, p, ...) are not the schema's names
        names = identifiers(text) | (identifiers(expand(text, macros)) - identifiers(macros))
        generated |= {i for i in names if i.startswith(prefix + '_')}
    problems = ['reserved but generated (claim it instead): ' + n
                for n in sorted(reserved & generated)]
    problems += ['claimed but not generated: ' + n for n in sorted(own - generated)]
    problems += ['generated but not claimed: ' + n for n in sorted(generated - every)]
    return problems


def main():
    myelonc, incdir, schemas = sys.argv[1], sys.argv[2], sys.argv[3:]
    failed = False
    with tempfile.TemporaryDirectory() as tmp:
        for schema in schemas:
            problems = check(myelonc, incdir, schema, tmp)
            if problems is None:
                print(f'{schema}: diagnosed by myelonc')
                failed = True
                continue
            for p in problems:
                print(f'{schema}: {p}')
            failed = failed or bool(problems)
            print(f'{schema}: ' + ('%d problems' % len(problems) if problems else 'same names'))
        # Random schemas of the property test's generator, every construct
        # and names of 1 to 48 characters.
        sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..',
                                        'property'))
        import myl_property  # noqa: E402
        n = int(os.environ.get('MYELON_CLAIMS_SEEDS', '200'))
        checked = 0
        for seed in range(1, n + 1):
            d = os.path.join(tmp, 's%d' % seed)
            os.makedirs(d)
            path, _ = myl_property.make_seed(seed, d)
            problems = check(myelonc, d, path, os.path.join(d, 'out'))
            if problems is None:
                continue
            checked += 1
            for p in problems:
                print(f'random seed {seed}: {p}')
            failed = failed or bool(problems)
        print(f'{checked} of {n} random schemas compiled and checked')
        if n >= 20 and checked < n * 0.8:
            print('too few random schemas compiled')
            failed = True
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
