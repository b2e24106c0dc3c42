#!/usr/bin/env python3
"""Shrinks a library jar to the classes the rest of the classpath can reach.

Used by scripts/dist.sh for fastutil (23 MB, of which Tablesaw uses a small part) and icu4j
(14 MB, of which Tablesaw uses the charset detector). Seeds are the classes of the big jar that
other jars reference (jdeps -verbose:class); the closure follows the big jar's own references.
Nested classes of a kept class are kept too, and so are META-INF resources and any non-class
files, so service files and data tables stay. Nothing reflective is guessed: a class reached only
by reflection would be missing, which is why the dist's smoke test runs the CLIs after packing.

usage: minimize-jar.py [--drop-resources PREFIX] JDEPS BIG.jar OUT.jar OTHER.jar...
--drop-resources drops non-class files under PREFIX (icu4j's locale data, which its charset
detector does not read).
"""
import re
import subprocess
import sys
import zipfile

args = sys.argv[1:]
drop = None
if args and args[0] == "--drop-resources":
    drop, args = args[1], args[2:]
jdeps, big, out, others = args[0], args[1], args[2], args[3:]
EDGE = re.compile(r"^\s+(\S+)\s+->\s+(\S+)\s")


def edges(jar, classpath):
    cmd = [jdeps, "--multi-release", "17", "-verbose:class", "-filter:none"]
    if classpath:
        cmd += ["-cp", ":".join(classpath)]
    cmd.append(jar)
    res = subprocess.run(cmd, capture_output=True, text=True)
    for line in res.stdout.splitlines():
        m = EDGE.match(line)
        if m:
            yield m.group(1), m.group(2)


with zipfile.ZipFile(big) as z:
    names = z.namelist()
classes = {n[:-6].replace("/", ".") for n in names if n.endswith(".class") and not n.startswith("META-INF/")}

seeds = set()
for jar in others:
    for _, dst in edges(jar, [big] + others):
        if dst in classes:
            seeds.add(dst)

graph = {}
for src, dst in edges(big, []):
    if dst in classes:
        graph.setdefault(src, set()).add(dst)

nested = {}
for k in classes:
    if "$" in k:
        nested.setdefault(k.split("$")[0], []).append(k)

keep, todo = set(), list(seeds)
while todo:
    c = todo.pop()
    if c in keep:
        continue
    keep.add(c)
    outer = c.split("$")[0]
    todo.extend(graph.get(c, ()))
    todo.extend(k for k in nested.get(outer, ()) if k not in keep)
    if "$" in c:
        todo.append(outer)

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
print(f"minimize-jar: {big.split('/')[-1]}: kept {len(keep)} of {len(classes)} classes")
