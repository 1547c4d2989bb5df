#!/usr/bin/env bash
# Schema evolution between processes (docs/myl.md §8.3): peers built from
# v1, v2 and v3 of tests/gen/evolve/*/orders.myl on one ring.
#   - v1 and v2 (compatible) exchange orders over a FlatBuffers table
#     channel in both directions, whichever of them creates the ring, and
#     read each other's buffers (unknown fields ignored, missing ones read
#     as defaults);
#   - v3 (qty changed type) is refused by a v1 ring and the reverse, with
#     MYL_EINCOMPAT and a reason naming the field;
#   - the raw event channel (Tick grew in v2) is refused both ways with
#     MYL_EFINGERPRINT.
# Usage: test_evolve.sh <peer v1> <peer v2> <peer v3> [myelon-stat]
set -euo pipefail
v1=$1 v2=$2 v3=$3 stat=${4:-}
n=evo-$$
names=()
cleanup() {
  for x in "${names[@]}"; do
    "$v1" unlink orders "$x" 2>/dev/null || true
    "$v1" unlink ticks "$x" 2>/dev/null || true
  done
}
trap cleanup EXIT
N=300

pair() { # reader-version creator-side name: $1 recv peer, $2 from, $3 send peer, $4 who creates
  local rx=$1 from=$2 tx=$3 who=$4 name=$n.$5
  names+=("$name")
  if [ "$who" = recv ]; then
    "$rx" recv create "$name" "$from" $N & local p=$!
    "$tx" send attach "$name" $N
  else
    "$tx" send create "$name" $N & local p=$!
    "$rx" recv attach "$name" "$from" $N
  fi
  wait "$p"
  echo "ok: v$from -> $(basename "$rx") ($who created the ring)"
}

pair "$v1" 2 "$v2" recv a  # a v2 sender attaches to a v1 receiver's ring
pair "$v2" 1 "$v1" recv b  # a v1 sender attaches to a v2 receiver's ring
pair "$v2" 1 "$v1" send c  # a v2 receiver attaches to a v1 sender's ring
pair "$v1" 2 "$v2" send d  # a v1 receiver attaches to a v2 sender's ring

# Topology Shop (identical in every version): a v2 worker joins a v1
# scheduler's instance, and a v1 worker a v2 scheduler's.
topo() { # scheduler worker from
  local inst=evo$$t$RANDOM
  "$1" topo-sched "$inst" $N & local p=$!
  "$2" topo-work "$inst" "$3" $N
  wait "$p"
  echo "ok: topology: $(basename "$2") worker joined a $(basename "$1") scheduler"
}
topo "$v1" "$v2" 1
topo "$v2" "$v1" 2

refused() { # creator attacher channel code
  local name=$n.r$RANDOM
  names+=("$name")
  "$1" hold "$3" "$name"
  out=$("$2" refused "$3" "$name" "$4")
  echo "$out"
  "$1" unlink "$3" "$name"
  case $3/$4 in
    orders/EINCOMPAT) grep -q "field 'qty' (id 1) changed type from u" <<<"$out" ;;
    ticks/EFINGERPRINT) grep -q "compat strict" <<<"$out" ;;
  esac
}
refused "$v1" "$v3" orders EINCOMPAT
refused "$v3" "$v1" orders EINCOMPAT
refused "$v1" "$v2" ticks EFINGERPRINT
refused "$v2" "$v1" ticks EFINGERPRINT

# A hostile creator: the stored description damaged, with or without the
# hash that covers it; an attacher with another fingerprint gets a clean
# MYL_ECORRUPT and a reason, never a crash or an attach.
for how in hash body; do
  name=$n.c$how
  names+=("$name")
  "$v1" hold orders "$name"
  "$v1" corrupt orders "$name" $how
  out=$("$v2" refused orders "$name" ECORRUPT)
  echo "$out"
  case $how in
    hash) grep -q "does not match its hash" <<<"$out" ;;
    body) grep -q "schema description, byte" <<<"$out" ;;
  esac
  "$v1" unlink orders "$name"
done

# myelon-stat shows the stored description and each peer's fingerprint.
if [ -n "$stat" ]; then
  name=$n.s
  names+=("$name")
  "$v1" hold orders "$name"
  "$stat" "$name" | grep -q "schema .*-byte description, version" ||
    { echo "myelon-stat does not show the schema"; exit 1; }
  "$v1" unlink orders "$name"
fi
echo "schema evolution between processes: ok"
