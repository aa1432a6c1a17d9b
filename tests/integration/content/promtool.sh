#!/bin/sh
# promtool.sh check|test: `promtool check rules` on every alert-rules/*.rules.yml, or
# `promtool test rules` on every alert-rules/tests/*.test.yml (globbed at run time, so new files count;
# the test files run in parallel, each its own promtool, and all must pass).
set -eu
src=${HOMEOPS_SOURCE_DIR:?HOMEOPS_SOURCE_DIR is not set}
if ! command -v promtool >/dev/null 2>&1; then
	echo "promtool.sh: promtool is not installed (Debian package prometheus)" >&2
	exit 1
fi
case ${1:-} in
check)
	exec promtool check rules "$src"/alert-rules/*.rules.yml
	;;
test)
	out=$(mktemp -d)
	trap 'rm -rf "$out"' EXIT
	n=0
	for f in "$src"/alert-rules/tests/*.test.yml; do
		n=$((n + 1))
		(if promtool test rules "$f" >"$out/$n.log" 2>&1; then echo 0; else echo 1; fi >"$out/$n.rc") &
	done
	wait
	rc=0
	i=0
	while [ $i -lt $n ]; do
		i=$((i + 1))
		cat "$out/$i.log"
		[ "$(cat "$out/$i.rc")" = 0 ] || rc=1
	done
	[ $n -gt 0 ] || { echo "promtool.sh: no alert-rules/tests/*.test.yml" >&2; rc=1; }
	exit $rc
	;;
*)
	echo "usage: promtool.sh check|test" >&2
	exit 2
	;;
esac
