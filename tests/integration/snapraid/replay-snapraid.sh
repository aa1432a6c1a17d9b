#!/bin/sh
# replay-snapraid.sh: a stand-in for `snapraid` that replays recorded output (golden tests).
# Called as snapraid would be: [-c CONF] [-l LOGFILE] ... COMMAND. For COMMAND it copies
# $SNAPRAID_REPLAY_DIR/COMMAND.log to LOGFILE, prints COMMAND.stdout and COMMAND.stderr, and exits
# with the status in COMMAND.rc (0 when absent). Missing files replay as empty output.
set -eu
log=
cmd=
while [ $# -gt 0 ]; do
  case $1 in
    -l|--log) log=$2; shift 2 ;;
    -c|--conf) shift 2 ;;
    -*) shift ;;
    *) cmd=$1; shift ;;
  esac
done
d=${SNAPRAID_REPLAY_DIR:?SNAPRAID_REPLAY_DIR is not set}
if [ -n "$log" ] && [ -f "$d/$cmd.log" ]; then
  cat "$d/$cmd.log" >"$log"
fi
[ -f "$d/$cmd.stdout" ] && cat "$d/$cmd.stdout"
[ -f "$d/$cmd.stderr" ] && cat "$d/$cmd.stderr" >&2
rc=0
[ -f "$d/$cmd.rc" ] && rc=$(cat "$d/$cmd.rc")
exit "$rc"
