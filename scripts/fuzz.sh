#!/usr/bin/env bash
# Runs every `go test -fuzz` target of the module for the given time each
# (for example `scripts/fuzz.sh 5s`). Go runs one fuzz target per invocation.
set -euo pipefail
fuzztime="${1:-30s}"
cd "$(dirname "$0")/.."
status=0
for pkg in $(go list ./...); do
	dir="$(go list -f '{{.Dir}}' "$pkg")"
	for target in $(grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go 2>/dev/null | sed 's/^func //' | sort -u); do
		echo "fuzz: $pkg $target for $fuzztime"
		if ! go test "$pkg" -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" >"/tmp/fuzz-$target.log" 2>&1; then
			cat "/tmp/fuzz-$target.log"
			echo "fuzz: $target FAILED (the failing input is under $dir/testdata/fuzz/$target)"
			status=1
		fi
	done
done
exit $status
