"""Prints fairl-native's coverage of DJL's PyTorchLibrary natives.

Inputs: `javap -p` output of ai.djl.pytorch.jni.PyTorchLibrary, the JNI symbols the library
exports, and (optional) the natives the op suite exercised (FusedNatives.usedNatives()).
A native is "implemented" when its JNI symbol is exported, "exercised" when the op suite ran it.
Overloaded natives use JNI's long names (name__signature); the others the short name.
"""
import os
import re
import sys

MANGLE = {
    "boolean": "Z", "byte": "B", "char": "C", "short": "S", "int": "I", "long": "J",
    "float": "F", "double": "D",
}


def mangle_type(t):
    t = t.strip()
    if t.endswith("..."):
        t = t[:-3] + "[]"
    dims = 0
    while t.endswith("[]"):
        dims += 1
        t = t[:-2]
    base = MANGLE.get(t) or "L" + t.replace("_", "_1").replace(".", "_") + "_2"
    return "_3" * dims + base


def main():
    javap, symbols, exercised = sys.argv[1], sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else ""
    decls = []
    for line in open(javap):
        m = re.match(r"\s*.*\bnative\b.*?(\w+)\((.*)\);", line)
        if m:
            args = [a for a in m.group(2).split(",") if a.strip()]
            decls.append((m.group(1), args))
    counts = {}
    for name, _ in decls:
        counts[name] = counts.get(name, 0) + 1
    prefix = "Java_ai_djl_pytorch_jni_PyTorchLibrary_"
    exported = {s.strip()[len(prefix):] for s in open(symbols) if s.startswith(prefix)}
    ran = set()
    if exercised and os.path.exists(exercised):
        ran = {s.strip() for s in open(exercised) if s.strip()}
    rows = []
    for name, args in decls:
        key = name if counts[name] == 1 else name + "__" + "".join(mangle_type(a) for a in args)
        label = f"{name}({', '.join(a.strip() for a in args)})"
        rows.append((key, label, key in exported, key in ran))
    total = len(rows)
    impl = sum(1 for r in rows if r[2])
    print(f"fairl-native coverage: {impl}/{total} PyTorchLibrary natives implemented")
    if ran:
        ex = sum(1 for r in rows if r[3])
        print(f"fairl-native coverage: {ex}/{total} exercised by the op suite ({exercised})")
    missing = [r[1] for r in rows if not r[2]]
    if missing:
        print("not implemented (the JVM throws UnsatisfiedLinkError naming the method):")
        for m in missing:
            print("  " + m)
    if ran:
        unexercised = [r[1] for r in rows if r[2] and not r[3]]
        print(f"implemented but not exercised by the op suite ({len(unexercised)}):")
        print("  " + ", ".join(sorted(u.split("(")[0] for u in unexercised)))


if __name__ == "__main__":
    main()
