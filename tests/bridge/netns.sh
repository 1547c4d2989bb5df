#!/usr/bin/env bash
# Two "hosts" as two network namespaces, made here and removed on exit:
# a veth pair between them with addresses this script assigns (198.18.0.0/15
# is the range set aside for benchmarking networks, RFC 2544; the pair is
# the only path and no traffic leaves it), then bridge_e2e with the
# exporter in one namespace and the importer in the other.
#
#   netns.sh BRIDGE_E2E MYELON_BRIDGE raw|framed FAULT
#   netns.sh --run PROGRAM ARGS...   (gen_bridge: MYL_BRIDGE_NETNS set)
#
# Skipped (exit 77, with the reason) when not root, or when `ip netns`
# (iproute2) is missing or namespaces cannot be made here.
set -u
if [ "$1" = --run ]; then
  shift
  run=("$@")
else
  e2e=$1 bridge=$2 kind=$3 fault=$4
  run=("$e2e" "$bridge" "$kind" netns "$fault")
fi
if [ "$(id -u)" != 0 ]; then
  echo "skipped: network namespaces need root"
  exit 77
fi
if ! command -v ip >/dev/null 2>&1 || ! ip netns list >/dev/null 2>&1; then
  echo "skipped: 'ip netns' (iproute2) is not available"
  exit 77
fi
id=$$
nsa=mylbr$id-a nsb=mylbr$id-b
# interface names: at most 15 characters
va=mbr${id}a vb=mbr${id}b
# a /30 of its own per run (198.18.x.y, x.y from the pid), so that runs in
# parallel never share an address
x=$(( (id / 64) % 256 )) y=$(( (id % 64) * 4 ))
addr_a=198.18.$x.$((y + 1)) addr_b=198.18.$x.$((y + 2))
cleanup() {
  ip netns del "$nsa" 2>/dev/null
  ip netns del "$nsb" 2>/dev/null
}
trap cleanup EXIT
if ! ip netns add "$nsa" 2>/dev/null || ! ip netns add "$nsb" 2>/dev/null; then
  echo "skipped: cannot create network namespaces here"
  exit 77
fi
set -e
ip link add "$va" type veth peer name "$vb"
ip link set "$va" netns "$nsa"
ip link set "$vb" netns "$nsb"
ip -n "$nsa" addr add "$addr_a/30" dev "$va"
ip -n "$nsb" addr add "$addr_b/30" dev "$vb"
for ns in "$nsa" "$nsb"; do ip -n "$ns" link set lo up; done
ip -n "$nsa" link set "$va" up
ip -n "$nsb" link set "$vb" up
# the two hosts see each other, and only through the pair
ip netns exec "$nsb" ping -c 1 -W 5 "$addr_a" >/dev/null 2>&1 ||
  ip netns exec "$nsb" ip route get "$addr_a" >/dev/null
set +e
echo "hosts: $nsa ($addr_a, $va) <-> $nsb ($addr_b, $vb)"
MYL_BRIDGE_NETNS="$nsa $nsb $addr_a $va" "${run[@]}"
