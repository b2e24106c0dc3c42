#!/usr/bin/env python3
"""Removes the native libraries of other platforms from a jar, keeping Linux x86-64's.

Used by scripts/dist.sh for jars that bundle a JNI library per platform (zstd-jni, snappy-java,
JNA, DJL tokenizers): the dist targets Linux x86-64 only.

usage: strip-natives.py IN.jar OUT.jar
"""
import re
import sys
import zipfile

NATIVE = re.compile(r"\.(so|dll|dylib|jnilib|a)$")
KEEP = re.compile(r"(linux/amd64/|Linux/x86_64/|linux-x86-64/|linux-x86_64/)")

src, dst = sys.argv[1], sys.argv[2]
kept = dropped = 0
with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
    for info in zin.infolist():
        n = info.filename
        if NATIVE.search(n) and not KEEP.search(n):
            dropped += 1
            continue
        if NATIVE.search(n):
            kept += 1
        if n.upper().endswith((".SF", ".RSA", ".DSA")):
            continue
        zout.writestr(info, zin.read(n))
if kept == 0:
    sys.exit(f"strip-natives: {src} has no Linux x86-64 native library; refusing to strip it")
print(f"strip-natives: {src.split('/')[-1]}: kept {kept}, dropped {dropped} native libraries")
