#!/usr/bin/env python3
"""Shrinks several library jars at once to the classes the rest of the classpath can reach.

One jdeps pass (-verbose:class -filter:none) over every jar gives the class graph. For each jar
to shrink, the seeds are its classes that any other jar references (shrunk ones counted in full,
so what one shrunk jar needs from another is kept), then the closure follows the jar's own
references. Nested classes of a kept class are kept too, and so are META-INF and other non-class
files (service files, data tables), except under --drop-resources PREFIX for that jar. Nothing
reflective is guessed: the dist's smoke test runs the CLIs after packing.

usage: minimize-jars.py JDEPS OUTDIR ALL.jar... -- SHRINK.jar[=DROP_PREFIX]...
"""
import os
import re
import subprocess
import sys
import tempfile
import zipfile
from concurrent.futures import ThreadPoolExecutor

args = sys.argv[1:]
jdeps, outdir = args[0], args[1]
sep = args.index("--")
all_jars, shrink_specs = args[2:sep], args[sep + 1 :]
EDGE = re.compile(r"^\s+(\S+)\s+->\s+(\S+)\s")


def classes_of(jar):
    with zipfile.ZipFile(jar) as z:
        return {
            n[:-6].replace("/", ".")
            for n in z.namelist()
            if n.endswith(".class") and not n.startswith("META-INF/")
        }


owner = {}
for j in all_jars:
    for c in classes_of(j):
        owner.setdefault(c, j)

def plain_copy(jar, tmp):
    """The jar without module-info.class, so jdeps reads it as a plain class-path jar."""
    out = os.path.join(tmp, os.path.basename(jar))
    with zipfile.ZipFile(jar) as zin, zipfile.ZipFile(out, "w") as zout:
        for info in zin.infolist():
            if not info.filename.endswith("module-info.class"):
                zout.writestr(info, zin.read(info.filename))
    return out


def edges(jar):
    # One jar at a time, without a class path and without module-info: jdeps refuses modular jars
    # whose optional modules are absent; references to other jars still show, as "not found".
    with tempfile.TemporaryDirectory() as tmp:
        res = subprocess.run(
            [jdeps, "--multi-release", "17", "-verbose:class", "-filter:none", plain_copy(jar, tmp)],
            capture_output=True,
            text=True,
        )
    if res.returncode != 0:
        sys.exit(f"minimize-jars: jdeps failed on {jar}: {res.stdout.strip()} {res.stderr.strip()}")
    return [(m.group(1), m.group(2)) for m in map(EDGE.match, res.stdout.splitlines()) if m]


graph = {}
with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
    for found in pool.map(edges, all_jars):
        for src, dst in found:
            graph.setdefault(src, set()).add(dst)

for spec in shrink_specs:
    big, _, drop = spec.partition("=")
    mine = classes_of(big)
    nested = {}
    for k in mine:
        if "$" in k:
            nested.setdefault(k.split("$")[0], []).append(k)
    seeds = {d for s, ds in graph.items() if owner.get(s) != big for d in ds if d in mine}
    keep, todo = set(), list(seeds)
    while todo:
        c = todo.pop()
        if c in keep:
            continue
        keep.add(c)
        outer = c.split("$")[0]
        todo.extend(d for d in graph.get(c, ()) if d in mine)
        todo.extend(k for k in nested.get(outer, ()) if k not in keep)
        if "$" in c:
            todo.append(outer)
    out = os.path.join(outdir, os.path.basename(big))
    with zipfile.ZipFile(big) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            n = info.filename
            if n.endswith(".class") and not n.startswith("META-INF/"):
                if n[:-6].replace("/", ".") not in keep:
                    continue
            elif drop and n.startswith(drop):
                continue
            if n.upper().endswith((".SF", ".RSA", ".DSA")):
                continue
            zout.writestr(info, zin.read(n))
    print(f"minimize-jars: {os.path.basename(big)}: kept {len(keep)} of {len(mine)} classes")
