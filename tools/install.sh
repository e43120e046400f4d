#!/usr/bin/env bash
# Install anpr-edge on a device, or into a staging root for testing/image builds.
#   tools/install.sh [--prefix /opt/anpr-edge] [--root /] [--no-venv] [--python python3]
# Puts the code, models and profiles under PREFIX, a launcher PREFIX/bin/anpr-edge,
# the systemd unit, the volatile-journald drop-in, sysusers.d and tmpfiles.d
# entries, and /etc/anpr-edge (credentials/ 0700). Idempotent: files are replaced
# only when their content differs, and each is reported as installed or unchanged.
# The virtual environment (PREFIX/.venv) is built only when ROOT is / (a venv
# cannot move), unless --no-venv. Activating users/tmpfiles and reloading systemd
# happens only when ROOT is / and systemd runs; otherwise it says it skipped them.
# Next: anpr-edge provision, anpr-edge doctor, systemctl enable --now anpr-edge.
set -euo pipefail

src="$(cd "$(dirname "$0")/.." && pwd)"
prefix=/opt/anpr-edge
root=/
venv=auto
python=python3

while [ $# -gt 0 ]; do
    case "$1" in
        --prefix) prefix="$2"; shift 2 ;;
        --root) root="$2"; shift 2 ;;
        --no-venv) venv=no; shift ;;
        --python) python="$2"; shift 2 ;;
        -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
        *) echo "install.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
case "$prefix" in /*) ;; *) echo "install.sh: --prefix must be absolute" >&2; exit 2 ;; esac
[ -d "$root" ] || { echo "install.sh: root $root does not exist" >&2; exit 2; }
root="$(cd "$root" && pwd)"
r="${root%/}"          # "" for the real root, so "$r/etc" is "/etc"
dest="$r$prefix"
changed=0

# put SRC DST MODE: copy when the content differs, then set the mode.
put() {
    local from="$1" to="$2" mode="$3"
    mkdir -p "$(dirname "$to")"
    if [ -f "$to" ] && cmp -s "$from" "$to"; then
        echo "unchanged $to"
    else
        cp "$from" "$to.tmp.$$" && mv -f "$to.tmp.$$" "$to"
        echo "installed $to"
        changed=1
    fi
    chmod "$mode" "$to"
}

# put_text DST MODE < content
put_text() {
    local tmp
    tmp="$(mktemp)"
    cat > "$tmp"
    put "$tmp" "$1" "$2"
    rm -f "$tmp"
}

# put_tree SRCDIR DSTDIR: every file (no caches), and remove files gone from the source.
put_tree() {
    local from="$1" to="$2" f
    while IFS= read -r -d '' f; do
        put "$from/$f" "$to/$f" 0644
    done < <(cd "$from" && find . -type f ! -name '*.pyc' ! -path '*/__pycache__/*' -printf '%P\0')
    if [ -d "$to" ]; then
        while IFS= read -r -d '' f; do
            if [ ! -f "$from/$f" ]; then rm -f "$to/$f"; echo "removed   $to/$f"; changed=1; fi
        done < <(cd "$to" && find . -type f ! -name '*.pyc' ! -path '*/__pycache__/*' -printf '%P\0')
    fi
}

put_tree "$src/edge" "$dest/edge"
put_tree "$src/firmware_config" "$dest/firmware_config"
put_tree "$src/models" "$dest/models"
put_tree "$src/tools/mosquitto" "$dest/tools/mosquitto"
put "$src/systemd/jetson-anpr-edge.conf" "$dest/systemd/jetson-anpr-edge.conf" 0644
put "$src/pyproject.toml" "$dest/pyproject.toml" 0644
put "$src/README.md" "$dest/README.md" 0644

# The launcher runs the installed package with the venv's interpreter.
put_text "$dest/bin/anpr-edge" 0755 <<LAUNCHER
#!/bin/sh
# anpr-edge launcher written by tools/install.sh
PYTHONPATH="$prefix\${PYTHONPATH:+:\$PYTHONPATH}" exec "$prefix/.venv/bin/python" -m edge "\$@"
LAUNCHER

sed "s|/opt/anpr-edge|$prefix|g" "$src/systemd/anpr-edge.service" \
    | put_text "$r/etc/systemd/system/anpr-edge.service" 0644
before=$changed; changed=0
put "$src/systemd/journald-anpr-edge.conf" "$r/etc/systemd/journald.conf.d/anpr-edge.conf" 0644
journald_changed=$changed; changed=$((before | changed))
put "$src/systemd/sysusers-anpr-edge.conf" "$r/etc/sysusers.d/anpr-edge.conf" 0644
put "$src/systemd/tmpfiles-anpr-edge.conf" "$r/etc/tmpfiles.d/anpr-edge.conf" 0644
mkdir -p "$r/etc/anpr-edge/credentials"
chmod 0755 "$r/etc/anpr-edge"
chmod 0700 "$r/etc/anpr-edge/credentials"

if [ "$venv" = auto ] && [ -n "$r" ]; then
    echo "skipped   venv: a virtual environment cannot be moved out of a staging root;"
    echo "          build it on the device (tools/install.sh --prefix $prefix)"
elif [ "$venv" = auto ]; then
    if [ ! -x "$dest/.venv/bin/python" ]; then
        "$python" -m venv "$dest/.venv"
        changed=1
    fi
    stamp="$dest/.venv/.installed-$(sha256sum "$dest/pyproject.toml" | cut -c1-16)"
    if [ ! -f "$stamp" ]; then
        "$dest/.venv/bin/python" -m pip install -q --upgrade pip
        # The package and its dependencies; the launcher puts $prefix first on the
        # path, so a code update needs no reinstall (only a pyproject change does).
        "$dest/.venv/bin/python" -m pip install -q "$dest"
        touch "$stamp"
        echo "installed $dest/.venv"
    else
        echo "unchanged $dest/.venv"
    fi
else
    echo "skipped   venv (--no-venv)"
fi

if [ -z "$r" ] && [ -d /run/systemd/system ]; then
    systemd-sysusers /etc/sysusers.d/anpr-edge.conf
    systemd-tmpfiles --create /etc/tmpfiles.d/anpr-edge.conf
    systemctl daemon-reload
    if [ "$journald_changed" = 1 ]; then
        systemctl restart systemd-journald   # Storage=volatile takes effect on restart
    fi
    echo "activated users, tmpfiles and units"
else
    echo "skipped   systemd-sysusers, systemd-tmpfiles, daemon-reload (staging root or no systemd)"
fi
echo "next: anpr-edge provision --root ${root} ...; anpr-edge doctor; systemctl enable --now anpr-edge"
