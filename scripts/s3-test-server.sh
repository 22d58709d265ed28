#!/usr/bin/env bash
# A real S3-speaking server for the S3 blob driver's tests: Ceph's RADOS Gateway (Debian 12's radosgw
# 16.2) on a one-node Ceph cluster — one monitor, one manager, one OSD (memstore: objects in the OSD's
# memory, 1 GiB), pools of size 1 — all on loopback, without authentication between the daemons (the
# gateway still signs and checks S3 requests with the user's keys). It is the most real S3 these machines
# can install: the gateway AWS-compatible clients meet in production Ceph clusters, not an emulator.
#
#   scripts/s3-test-server.sh [start]   installs the packages when missing (root), starts the cluster and the
#                                       gateway, makes a user and a bucket, prints the environment for tests
#   scripts/s3-test-server.sh stop      stops the daemons (the cluster's files stay until the next start)
#
# Then: eval "$(scripts/s3-test-server.sh)" && npx vitest run src/blobs/s3.test.ts
# (without CHEOMDAN_TEST_S3 the test runs s3rver, an S3 protocol server in Node, instead).
set -euo pipefail

DIR=${CHEOMDAN_CEPH_DIR:-/tmp/cheomdan-ceph}
PORT=${CHEOMDAN_S3_PORT:-7480}
MON_PORT=${CHEOMDAN_CEPH_MON_PORT:-6789}
ACCESS=cheomdan-test-key
SECRET=cheomdan-test-secret-0123456789
BUCKET=cheomdan-test
CONF="$DIR/ceph.conf"
log() { echo "s3-test-server: $*" >&2; }

stop() {
  for pidfile in "$DIR"/run/*.pid; do
    [ -f "$pidfile" ] || continue
    pid=$(cat "$pidfile")
    kill "$pid" 2>/dev/null || true
  done
  sleep 1
  for pidfile in "$DIR"/run/*.pid; do
    [ -f "$pidfile" ] || continue
    kill -9 "$(cat "$pidfile")" 2>/dev/null || true
    rm -f "$pidfile"
  done
}

if [ "${1:-start}" = stop ]; then stop; exit 0; fi

if ! command -v radosgw >/dev/null || ! command -v ceph-mon >/dev/null || ! command -v ceph-osd >/dev/null || ! command -v ceph-mgr >/dev/null; then
  [ "$(id -u)" = 0 ] || { log "radosgw, ceph-mon, ceph-mgr and ceph-osd are not installed; run as root to install them"; exit 1; }
  log "installing ceph-mon ceph-mgr ceph-osd radosgw (Debian)"
  (apt-get install -y -qq --no-install-recommends ceph-mon ceph-mgr ceph-osd radosgw ceph-common >/dev/null 2>&1) ||
    (apt-get update -qq && apt-get install -y -qq --no-install-recommends ceph-mon ceph-mgr ceph-osd radosgw ceph-common >/dev/null)
fi

# Already up (a user exists and the gateway answers): print the environment again.
if curl -sf -o /dev/null "http://127.0.0.1:$PORT/" 2>/dev/null && [ -f "$DIR/ready" ]; then
  :
else
  stop
  rm -rf "$DIR"
  mkdir -p "$DIR"/{mon,osd,mgr,rgw,run,log}
  FSID=$(cat /proc/sys/kernel/random/uuid)
  cat > "$CONF" <<EOF
[global]
fsid = $FSID
mon host = v1:127.0.0.1:$MON_PORT
public network = 127.0.0.0/8
auth cluster required = none
auth service required = none
auth client required = none
run dir = $DIR/run
log file = $DIR/log/\$name.log
pid file = $DIR/run/\$name.pid
admin socket = $DIR/run/\$name.asok
osd pool default size = 1
osd pool default min size = 1
mon allow pool size one = true
mon allow pool delete = true
osd pool default pg autoscale mode = off
osd pool default pg num = 8
osd pool default pgp num = 8
mon max pg per osd = 1000
osd crush chooseleaf type = 0
mon warn on pool no redundancy = false
ms bind ipv6 = false
[mon.a]
mon data = $DIR/mon
[mgr.x]
mgr data = $DIR/mgr
[osd.0]
osd data = $DIR/osd
osd objectstore = memstore
memstore device bytes = 1073741824
osd max object name len = 460
osd max object namespace len = 64
[client.rgw.a]
rgw frontends = beast endpoint=127.0.0.1:$PORT
rgw data = $DIR/rgw
rgw dns name = 127.0.0.1
EOF
  export CEPH_CONF="$CONF"
  monmaptool --create --clobber --fsid "$FSID" --addv a "[v1:127.0.0.1:$MON_PORT]" "$DIR/monmap" >/dev/null
  ceph-mon -c "$CONF" --mkfs -i a --monmap "$DIR/monmap" >/dev/null 2>&1
  ceph-mon -c "$CONF" -i a
  for i in $(seq 1 60); do ceph -c "$CONF" --connect-timeout 2 mon stat >/dev/null 2>&1 && break; sleep 0.5; done
  ceph-mgr -c "$CONF" -i x
  OSD_UUID=$(cat /proc/sys/kernel/random/uuid)
  ID=$(ceph -c "$CONF" osd new "$OSD_UUID")
  ceph-osd -c "$CONF" -i "$ID" --mkfs --osd-uuid "$OSD_UUID" >/dev/null 2>&1
  ceph-osd -c "$CONF" -i "$ID"
  for i in $(seq 1 120); do ceph -c "$CONF" osd stat 2>/dev/null | grep -q "1 up" && break; sleep 0.5; done
  radosgw -c "$CONF" -n client.rgw.a
  for i in $(seq 1 120); do curl -sf -o /dev/null "http://127.0.0.1:$PORT/" && break; sleep 0.5; done
  curl -sf -o /dev/null "http://127.0.0.1:$PORT/" || { log "the gateway did not answer on port $PORT; see $DIR/log"; exit 1; }
  radosgw-admin -c "$CONF" user create --uid=cheomdan-test --display-name="Cheomdan tests" --access-key="$ACCESS" --secret-key="$SECRET" >/dev/null
  touch "$DIR/ready"
  log "radosgw ready on http://127.0.0.1:$PORT (cluster in $DIR)"
fi
echo "export CHEOMDAN_TEST_S3=http://127.0.0.1:$PORT CHEOMDAN_TEST_S3_KEY=$ACCESS CHEOMDAN_TEST_S3_SECRET=$SECRET CHEOMDAN_TEST_S3_BUCKET=$BUCKET"
