#!/usr/bin/env bash
# Installs the programs the blocklist export tests feed their output to: exim (match_ip /
# match_domain), nft (nftables) and postmap (Postfix). Safe to run again: it only installs
# what is missing. Postfix conflicts with exim4, so its package is unpacked, not installed.
set -euo pipefail

POSTFIX_ROOT="${POSTFIX_ROOT:-/opt/postfix-extract}"
export DEBIAN_FRONTEND=noninteractive

have() { command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] || [ -x "/sbin/$1" ]; }

need=()
# Never put a mail server on a machine that has another one: apt would remove it (Postfix,
# OpenSMTPD…) to make room. There the exim consumer test cannot run, and says so.
if ! have exim && ! have exim4; then
    if have sendmail || [ -e /usr/sbin/sendmail ]; then
        echo "install-consumers: another mail server provides sendmail here; not installing exim4 (the exim test will not run)" >&2
    else
        need+=(exim4-daemon-light)
    fi
fi
have nft || need+=(nftables)
have unshare || need+=(util-linux)
postmap="$POSTFIX_ROOT/usr/sbin/postmap"

if [ "${#need[@]}" -gt 0 ] || [ ! -x "$postmap" ]; then
    apt-get update -qq
fi
if [ "${#need[@]}" -gt 0 ]; then
    echo "install-consumers: installing ${need[*]}" >&2
    apt-get install -y -qq --no-install-recommends "${need[@]}"
fi

if [ ! -x "$postmap" ]; then
    work="$(mktemp -d)"
    trap 'rm -rf "$work"' EXIT
    # apt drops to the _apt user for downloads; let it write here.
    chmod 0777 "$work"
    (cd "$work" && apt-get download -qq postfix)
    mkdir -p "$POSTFIX_ROOT"
    dpkg -x "$work"/postfix_*.deb "$POSTFIX_ROOT"
fi

echo "exim:    $(command -v exim || command -v exim4 || echo /usr/sbin/exim4)"
echo "nft:     $(command -v nft || echo /usr/sbin/nft)"
# The unpacked postmap finds its private libraries only through LD_LIBRARY_PATH; the tests set it.
echo "postmap: $postmap (LD_LIBRARY_PATH=$POSTFIX_ROOT/usr/lib/postfix; export MAILTRIAGE_POSTMAP=$postmap)"
