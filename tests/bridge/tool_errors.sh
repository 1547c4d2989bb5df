#!/usr/bin/env bash
# myelon-bridge's schema and topology forms refusing what they cannot do,
# each with its exit status and its message; numeric options out of
# bounds; the topology form's options accepted (their largest values too)
# and its run bounded by --run-for-ms; --help and --version.
#   tool_errors.sh MYELON_BRIDGE SOURCE_DIR
set -u
tool=$1 src=$2
golden=$src/tests/golden
work=$(mktemp -d /tmp/myl-bridge-tool-XXXXXX)
trap 'rm -rf "$work"' EXIT
fails=0

# expect STATUS TEXT ARGS...: the tool exits with STATUS and its output
# (stdout and stderr) contains TEXT.
expect() {
  local want=$1 text=$2 out st
  shift 2
  out=$("$tool" "$@" 2>&1)
  st=$?
  if [ "$st" -ne "$want" ] || [[ "$out" != *"$text"* ]]; then
    echo "FAIL: myelon-bridge $*: status $st (want $want), output:"
    echo "$out"
    echo "(wanted it to contain: $text)"
    fails=$((fails + 1))
  else
    echo "ok: myelon-bridge $* -> $st, \"$text\""
  fi
}

ep=ipc://$work/x.sock
# The channel form: a channel of several rings, a name that is not a
# channel or a bridge (missing, or a table), a schema that does not
# compile, no direction given.
expect 1 "channel sized is a group of rings (size classes); a bridge carries one ring" \
  "$golden/framed.myl" sized --export "$ep"
expect 1 "channel control is a group of rings (lanes)" "$golden/framed.myl" control --import "$ep"
expect 1 "declares no channel or bridge named 'nope'" "$golden/framed.myl" nope --export "$ep"
expect 1 "declares no channel or bridge named 'Job'" "$golden/topo.myl" Job --export "$ep"
printf 'myelon 1;\npackage p;\nchannel c { carries Nope; }\n' >"$work/bad.myl"
expect 1 "myelon-bridge: $work/bad.myl: 1 error" "$work/bad.myl" c --export "$ep"
expect 1 "blobs is a channel: give --export or --import ENDPOINT" "$golden/framed.myl" blobs
# The topology form: a route over lanes, a role it does not have, no side,
# an unknown option.
expect 1 "topology Grouped: route boss_hands_alerts is over lanes; a relay carries routes of one ring" \
  "$golden/topo.myl" Grouped --role hands --remote "$ep"
expect 1 "topology gtopo.Plain has no role 'nobody'" "$golden/topo.myl" Plain --role nobody --remote "$ep"
expect 1 "gtopo.Plain is a topology: give --role R and --home or --remote ENDPOINT" \
  "$golden/topo.myl" Plain --role hands
expect 1 "bad argument for a topology: --bogus" "$golden/topo.myl" Plain --bogus
# Every option of the topology form, on a remote relay that no home
# relay reaches: it waits, and --run-for-ms ends it with status 0.
expect 0 "" "$src/tests/bridge/farm.myl" Farm --role hands --remote "$ep" --instance "t$$" \
  --prefix "$work/r-" --file --check-ms 5 --hwm 4 --batch 8 --reconnect-ms 20 --timeout-ms 500 \
  --run-for-ms 300
# Numeric options: a value out of a bridge declaration's bounds, not a
# number, too large for its type, or missing is refused by name before
# anything is opened; an option of the other form is a bad argument.
expect 1 "myelon-bridge: --hwm: '0' is not an integer in [1, 1000000]" --export r "$ep" --hwm 0
expect 1 "myelon-bridge: --batch: '65537' is not an integer in [1, 65536]" --import r "$ep" --batch 65537
expect 1 "myelon-bridge: --reconnect-ms: '-5' is not an integer in [1, 3600000]" \
  --export r "$ep" --reconnect-ms -5
expect 1 "myelon-bridge: --timeout-ms: '99999999999999999999' is not an integer in [1, 86400000]" \
  --export r "$ep" --timeout-ms 99999999999999999999
expect 1 "myelon-bridge: --attach-ms: '1x' is not an integer in [0, 9223372036854]" \
  --export r "$ep" --attach-ms 1x
expect 1 "myelon-bridge: --run-for-ms: '' is not an integer in [0, 9223372036854]" \
  --export r "$ep" --run-for-ms ""
expect 1 "myelon-bridge: --hwm needs a value" --export r "$ep" --hwm
expect 1 "myelon-bridge: bad argument: --check-ms" --export r "$ep" --check-ms 5
expect 1 "myelon-bridge: --timeout-ms: '86400001' is not an integer in [1, 86400000]" \
  "$golden/framed.myl" blobs --export "$ep" --timeout-ms 86400001
expect 1 "myelon-bridge: --check-ms: '0' is not an integer in [1, 3600000]" \
  "$golden/topo.myl" Plain --role hands --remote "$ep" --check-ms 0
expect 1 "bad argument for a topology: --attach-ms" "$golden/topo.myl" Plain --attach-ms 5
# The largest values are taken, by the tool and by the relay it opens,
# and --run-for-ms still ends the run (not the hour-long check interval).
expect 0 "" "$src/tests/bridge/farm.myl" Farm --role hands \
  --remote "$ep" --instance "u$$" --prefix "$work/u-" --file --check-ms 3600000 --hwm 1000000 \
  --batch 65536 --reconnect-ms 3600000 --timeout-ms 86400000 --run-for-ms 300
expect 0 "usage: myelon-bridge --export|--import RING ENDPOINT" --help
expect 0 "myelon-bridge " --version
expect 1 "myelon-bridge: bad argument: --bogus" --export r "$ep" --bogus

# Signals (myelon-bridge(1), SIGNALS). SIGTERM while waiting for the ring
# (--attach-ms): stopped, status 0 (the handlers used to be installed only
# after the wait: status 143). SIGUSR1 to the topology form: the relay's
# counts printed, and it goes on (it used to kill it).
signalled() {
  local what=$1 sig=$2 want=$3 text=$4 pid st
  shift 4
  "$tool" "$@" >"$work/sig.out" 2>&1 &
  pid=$!
  sleep 0.5
  kill -"$sig" "$pid"
  if [ "$sig" = USR1 ]; then
    sleep 0.5
    kill -0 "$pid" 2>/dev/null || { echo "FAIL: $what: exited on SIGUSR1"; fails=$((fails + 1)); }
    kill -TERM "$pid"
  fi
  wait "$pid"
  st=$?
  if [ "$st" -ne "$want" ] || { [ -n "$text" ] && ! grep -qF "$text" "$work/sig.out"; }; then
    echo "FAIL: $what: status $st (want $want), output:"
    cat "$work/sig.out"
    echo "(wanted it to contain: $text)"
    fails=$((fails + 1))
  else
    echo "ok: $what -> $st"
  fi
}
signalled "SIGTERM during --attach-ms" TERM 0 "" --import "nosuch-$$" "$ep" --attach-ms 60000
signalled "SIGUSR1 to a relay" USR1 0 "rings relayed" "$src/tests/bridge/farm.myl" Farm \
  --role hands --remote "$ep" --instance "v$$" --prefix "$work/v-" --file

if [ "$fails" -ne 0 ]; then
  echo "$fails case(s) failed"
  exit 1
fi
echo "all cases passed"
