#!/usr/bin/env python3
"""Writes a C file holding the Lua modules twsim ships (sim/lua/lmodules.c
loads them): embed.py OUTPUT.c MODULE.lua...  A file NAME.lua becomes the
module twsim.NAME."""
import os
import sys


def c_string(text):
    out = []
    for line in text.splitlines(keepends=True):
        esc = line.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        out.append(f'    "{esc}"')
    return "\n".join(out) if out else '    ""'


def main():
    output, sources = sys.argv[1], sys.argv[2:]
    parts = ["/* Generated from the files of sim/lua/modules/ by embed.py: do not edit. */",
             '#include "lmodules.h"', "",
             "const SimLuaModuleSource sim_lua_module_sources[] = {"]
    for path in sources:
        with open(path, encoding="utf-8") as f:
            text = f.read()
        name = os.path.splitext(os.path.basename(path))[0]
        parts.append(f'  {{ "twsim.{name}", "twsim/{name}.lua",\n{c_string(text)},\n'
                     f'    {len(text.encode("utf-8"))} }},')
    parts += ["  { NULL, NULL, NULL, 0 },", "};", ""]
    with open(output, "w", encoding="utf-8") as f:
        f.write("\n".join(parts))


if __name__ == "__main__":
    main()
