#!/bin/sh
# Print the path of a working Python >= 3.12, or fail with a clear message.
# Order: a real python3.12 / python3.13 / python3 on PATH, then pyenv's installed 3.12+ versions.
# (A pyenv shim that refuses to run because no version is selected fails the check and is skipped.)
ok() { "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1; }
for c in python3.12 python3.13 python3.14 python3; do
    p=$(command -v "$c" 2>/dev/null) || continue
    if ok "$p"; then
        # resolve a pyenv shim to the interpreter it runs, so the venv does not depend on the shim
        "$p" -c 'import sys; print(sys.executable)'
        exit 0
    fi
done
if command -v pyenv >/dev/null 2>&1; then
    root=$(pyenv root)
    for p in $(ls -d "$root"/versions/3.1[2-9]*/bin/python3 2>/dev/null | sort -V); do
        if ok "$p"; then echo "$p"; exit 0; fi
    done
fi
echo "error: no Python >= 3.12 found (tried python3.12, python3.13, python3.14, python3 on PATH and pyenv's versions). Install Python 3.12 (e.g. 'pyenv install 3.12') and retry." >&2
exit 1
