#!/usr/bin/env bash
# Prints the image to build the Dockerfile FROM (its PYTHON_IMAGE): python:3.11-slim where a registry serves it;
# else a Debian bookworm root filesystem with Python 3.11 and pip, made here with debootstrap from the Debian mirror
# apt uses, and imported once (kept in podman's store, so later runs reuse it). The Dockerfile is the same either way.
#
# The local base carries this machine's certificate bundle (/etc/ssl/certs/ca-certificates.crt), so that pip inside
# the build trusts what the host trusts (a package proxy's own CA, where there is one).
set -euo pipefail
P="podman --runtime runc --cgroup-manager=cgroupfs"
LOCAL="localhost/asr-emulator-base:bookworm"
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"

if $P image exists python:3.11-slim 2>/dev/null; then echo python:3.11-slim; exit 0; fi
if $P image exists "$LOCAL"; then echo "$LOCAL"; exit 0; fi
if timeout 120 $P pull -q docker.io/library/python:3.11-slim >/dev/null 2>&1; then echo python:3.11-slim; exit 0; fi

echo "no registry serves python:3.11-slim here: building $LOCAL with debootstrap from $MIRROR" >&2
root="$(mktemp -d)"
trap 'rm -rf "$root"' EXIT
debootstrap --variant=minbase --include=python3,python3-pip,python3-venv,python-is-python3,ca-certificates \
    bookworm "$root" "$MIRROR" >/dev/null
rm -f "$root"/usr/lib/python3.*/EXTERNALLY-MANAGED            # pip installs system-wide, as in python:3.11-slim
cp /etc/ssl/certs/ca-certificates.crt "$root"/etc/ssl/certs/ca-certificates.crt
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/archives/*.deb
tar -C "$root" -c . | $P import --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change "ENV LANG=C.UTF-8" --quiet - "$LOCAL" >/dev/null
echo "$LOCAL"
