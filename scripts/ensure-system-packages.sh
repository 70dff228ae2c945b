#!/bin/sh
# The Debian packages the local cloud and the tests need, installed with apt-get when missing.
# Idempotent and quiet when everything is there; called by `make run` and `make test` (and so by CI,
# which starts on a bare Debian machine as root). Each line of NEEDS: a file or command that must
# exist, and the package that provides it.
set -eu

NEEDS="
/usr/sbin/sshd openssh-server
ssh openssh-client
ssh-keygen openssh-client
tmux tmux
"

missing=""
for pair in $(printf '%s' "$NEEDS" | tr ' ' ':'); do
    what=${pair%%:*}
    package=${pair#*:}
    case "$what" in
        /*) [ -x "$what" ] && continue ;;
        *) command -v "$what" >/dev/null 2>&1 && continue ;;
    esac
    case " $missing " in *" $package "*) ;; *) missing="$missing $package" ;; esac
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" = 0 ]; then
    sudo=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo="sudo -n"
else
    echo "ensure-system-packages: missing Debian packages:$missing" >&2
    echo "ensure-system-packages: install them (sudo apt-get install$missing); tests that need them are skipped" >&2
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure-system-packages: no apt-get here; install$missing by hand (tests that need them are skipped)" >&2
    exit 0
fi
echo "ensure-system-packages: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq >/dev/null
# shellcheck disable=SC2086 # the package list is meant to split
$sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
