#!/usr/bin/env python3
"""The layers stay layers (docs/architecture.md).

Usage: check-layers.py SOURCE_ROOT BUILD_DIR

Three checks, each of which fails this test:
1. Every quoted #include in a layer's folder names a header of that layer
   or of a layer below it (or the build's twsim-config.h).  A path with a
   folder in it ("../lua/world.h") counts as an include of whatever file it
   reaches.
2. The build enforces it: in compile_commands.json, no file of a layer is
   compiled with a higher layer's folder on its include path.
3. A proof by compiling: for every layer and every higher layer, a one-line
   file that includes one of the higher layer's headers, compiled with the
   lower layer's own flags, must fail to compile.
"""
import json
import os
import shlex
import subprocess
import sys
import tempfile

# Bottom to top.  Layers of the same rank may not include each other.
LAYERS = [
    ("sim/engine", 0),
    ("models", 1),
    ("sim/outputs", 2),
    ("sim/lua", 3),
    ("sim/pkt", 3),
    ("sim/cli", 4),
]
ALLOWED_OUTSIDE = {"twsim-config.h"}


def layer_of(path, root):
    rel = os.path.relpath(os.path.realpath(path), os.path.realpath(root))
    for folder, rank in LAYERS:
        if rel == folder or rel.startswith(folder + "/"):
            return folder, rank
    return None, None


def may_include(src_folder, src_rank, dst_folder, dst_rank):
    return dst_folder == src_folder or dst_rank < src_rank


def quoted_includes(path):
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            s = line.strip()
            if s.startswith("#") and s[1:].lstrip().startswith("include") and '"' in s:
                yield number, s.split('"')[1]


def headers_by_name(root):
    found = {}
    for folder, _ in LAYERS:
        full = os.path.join(root, folder)
        if not os.path.isdir(full):
            continue
        for name in os.listdir(full):
            if name.endswith(".h"):
                found.setdefault(name, []).append(os.path.join(full, name))
    return found


def check_sources(root):
    errors = []
    headers = headers_by_name(root)
    for folder, rank in LAYERS:
        full = os.path.join(root, folder)
        if not os.path.isdir(full):
            continue
        for name in sorted(os.listdir(full)):
            if not name.endswith((".c", ".h")):
                continue
            path = os.path.join(full, name)
            for number, inc in quoted_includes(path):
                if "/" in inc:
                    targets = [os.path.normpath(os.path.join(full, inc))]
                elif os.path.exists(os.path.join(full, inc)):
                    targets = [os.path.join(full, inc)]
                else:
                    targets = headers.get(inc, [])
                if not targets:
                    if inc not in ALLOWED_OUTSIDE:
                        errors.append(f"{folder}/{name}:{number}: includes \"{inc}\", "
                                      "which is in no layer")
                    continue
                for target in targets:
                    t_folder, t_rank = layer_of(target, root)
                    if t_folder is None or not may_include(folder, rank, t_folder, t_rank):
                        where = t_folder or os.path.relpath(target, root)
                        errors.append(f"{folder}/{name}:{number}: includes \"{inc}\" "
                                      f"from {where}, a layer it may not use")
    return errors


def compile_commands(build):
    with open(os.path.join(build, "compile_commands.json"), encoding="utf-8") as f:
        return json.load(f)


def include_dirs(entry):
    args = shlex.split(entry["command"]) if "command" in entry else entry["arguments"]
    dirs = []
    for i, a in enumerate(args):
        if a == "-I" and i + 1 < len(args):
            dirs.append(args[i + 1])
        elif a.startswith("-I"):
            dirs.append(a[2:])
    return args, [os.path.normpath(os.path.join(entry["directory"], d)) for d in dirs]


def check_build(root, build):
    errors = []
    flags_of_layer = {}
    for entry in compile_commands(build):
        src = os.path.normpath(os.path.join(entry["directory"], entry["file"]))
        folder, rank = layer_of(src, root)
        if folder is None:
            continue
        args, dirs = include_dirs(entry)
        flags_of_layer.setdefault(folder, (entry, args))
        for d in dirs:
            d_folder, d_rank = layer_of(d, root)
            if d_folder and not may_include(folder, rank, d_folder, d_rank):
                errors.append(f"{os.path.relpath(src, root)} is compiled with {d_folder} "
                              "on its include path")
    return errors, flags_of_layer


def check_compiles(root, flags_of_layer):
    """Every lower layer's flags fail on every higher layer's header."""
    errors = []
    tried = 0
    with tempfile.TemporaryDirectory() as tmp:
        for folder, rank in LAYERS:
            if folder not in flags_of_layer:
                continue
            entry, args = flags_of_layer[folder]
            for h_folder, h_rank in LAYERS:
                full = os.path.join(root, h_folder)
                if may_include(folder, rank, h_folder, h_rank) or not os.path.isdir(full):
                    continue
                header = sorted(n for n in os.listdir(full) if n.endswith(".h"))[0]
                probe = os.path.join(tmp, "probe.c")
                with open(probe, "w", encoding="utf-8") as f:
                    f.write(f'#include "{header}"\n')
                cmd = [args[0]] + [a for a in args[1:] if a.startswith(("-I", "-D", "-std"))]
                cmd += ["-fsyntax-only", probe]
                run = subprocess.run(cmd, cwd=entry["directory"], capture_output=True, text=True)
                tried += 1
                if run.returncode == 0:
                    errors.append(f"{folder} can compile #include \"{header}\" of {h_folder}")
                elif "No such file" not in run.stderr:
                    errors.append(f"{folder}: #include \"{header}\" of {h_folder} failed, "
                                  f"but not for want of the file: {run.stderr.strip()[:200]}")
    return errors, tried


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    root, build = sys.argv[1], sys.argv[2]
    errors = check_sources(root)
    build_errors, flags = check_build(root, build)
    errors += build_errors
    missing = [f for f, _ in LAYERS if os.path.isdir(os.path.join(root, f)) and f not in flags]
    errors += [f"{f}: no file of it in compile_commands.json" for f in missing]
    compile_errors, tried = check_compiles(root, flags)
    errors += compile_errors
    for e in errors:
        print(e)
    print(f"layers: {len(flags)} layers, {tried} forbidden includes tried and refused, "
          f"{len(errors)} problems")
    return 1 if errors or tried == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
