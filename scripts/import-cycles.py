"""Module import graph of src-tauri (file level): which files import which, and the pairs
that import each other. Usage: python3 scripts/import-cycles.py [src-tauri]; exits 1 when a
pair exists."""
import re, os, sys, itertools
root = sys.argv[1] if len(sys.argv) > 1 else "src-tauri"
mods = {}
for dp, _, fs in os.walk(root):
    for f in fs:
        if f.endswith(".rs"):
            p = os.path.join(dp, f)
            rel = os.path.relpath(p, root)[:-3]
            parts = rel.split(os.sep)
            if parts[-1] == "mod": parts = parts[:-1]
            mods["::".join(parts)] = p
def resolve(cur, path):
    # cur: module path list; path: list of segments after use
    segs = path
    if segs[0] == "crate": base = []; segs = segs[1:]
    elif segs[0] == "super":
        base = cur[:-1]; segs = segs[1:]
        while segs and segs[0] == "super": base = base[:-1]; segs = segs[1:]
    elif segs[0] == "self": base = [c for c in cur if c != "__self"]; segs = segs[1:]
    else: return None
    # longest prefix that is a module
    for n in range(len(segs), -1, -1):
        cand = "::".join(base + segs[:n])
        if cand in mods: return cand
    return None
edges = {m: set() for m in mods}
for m, p in mods.items():
    text = open(p).read()
    # drop test modules
    text = re.split(r"#\[cfg\(test\)\]\s*mod tests", text)[0]
    cur = m.split("::") if m else []
    # is this file a mod.rs? then super refers to parent of its module
    if p.endswith("mod.rs") or p.endswith("lib.rs"):
        cur = cur + ["__self"]
    is_parent = p.endswith("mod.rs") or p.endswith("lib.rs")
    found = re.findall(r"\b((?:crate|super|self)(?:::\w+)+)", text)
    for base_path, items in re.findall(r"\b((?:crate|super|self)(?:::\w+)*)::\{([^}]*)\}", text):
        for item in items.split(","):
            item = item.strip().split("::")[0].split(" ")[0]
            if item and item not in ("self",):
                found.append(f"{base_path}::{item}")
            elif item == "self":
                found.append(base_path)
    if is_parent:
        # `pub use child::X` in a mod.rs / lib.rs names a child module.
        children = set(re.findall(r"\bmod\s+(\w+)\s*;", text))
        found += ["self::" + u for u in re.findall(r"\b(\w+)::", text) if u in children]
    for use in found:
        segs = use.split("::")
        t = resolve(cur if not (p.endswith("mod.rs") or p.endswith("lib.rs")) else cur, segs)
        if t and t != m:
            edges[m].add(t)
pairs = sorted({tuple(sorted((a, b))) for a in edges for b in edges[a] if a in edges.get(b, ())})
for a, b in pairs:
    print(f"{a} <-> {b}")
print(f"{len(pairs)} pair(s) importing each other", file=sys.stderr)
sys.exit(1 if pairs else 0)
