#!/usr/bin/env bash
# Prints the path of a Python 3.10 interpreter (Rasa 3.6.21 supports only 3.8-3.10),
# or explains what to install and fails.
set -u
if command -v python3.10 >/dev/null 2>&1 && python3.10 -c 'import sys; assert sys.version_info[:2] == (3, 10)' >/dev/null 2>&1; then
  command -v python3.10; exit 0
fi
roots=()
command -v pyenv >/dev/null 2>&1 && roots+=("$(pyenv root)")
roots+=("${PYENV_ROOT:-$HOME/.pyenv}")
for root in "${roots[@]}"; do
  for py in $(ls -d "$root"/versions/3.10.*/bin/python 2>/dev/null | sort -V -r); do
    if "$py" -c 'import sys; assert sys.version_info[:2] == (3, 10)' >/dev/null 2>&1; then
      echo "$py"; exit 0
    fi
  done
done
cat >&2 <<'MSG'
ERROR: Python 3.10 was not found. Rasa Open Source 3.6.21 runs only on Python 3.8-3.10.
Install Python 3.10, e.g. `pyenv install 3.10.13` or your system's python3.10 package
(Debian/Ubuntu: apt-get install python3.10 python3.10-venv), then run make again.
MSG
exit 1
