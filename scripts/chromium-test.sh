#!/usr/bin/env bash
# Makes sure Debian's Chromium (and a Korean font for the portal's screenshots) is installed for the
# browser tests. Idempotent; safe to run concurrently (flock). Needs root to install; without root it
# says what to run instead.
set -euo pipefail
log() { echo "chromium-test: $*" >&2; }
[ -x /usr/bin/chromium ] && fc-list 2>/dev/null | grep -qi nanum && exit 0
if [ "$(id -u)" -ne 0 ]; then
  [ -x /usr/bin/chromium ] && exit 0
  log "ERROR: /usr/bin/chromium is missing and this is not root: run  sudo apt-get install -y chromium fonts-nanum"
  exit 1
fi
exec 9>/tmp/cheomdan-chromium.lock
flock -w 600 9
export DEBIAN_FRONTEND=noninteractive
pkgs=()
[ -x /usr/bin/chromium ] || pkgs+=(chromium)
fc-list 2>/dev/null | grep -qi nanum || pkgs+=(fonts-nanum)
[ ${#pkgs[@]} -eq 0 ] && exit 0
log "installing ${pkgs[*]} from Debian"
apt-get install -y -qq "${pkgs[@]}" >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq "${pkgs[@]}" >/dev/null; }
