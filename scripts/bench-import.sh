#!/usr/bin/env bash
# scripts/bench-import.sh: time `kam import revenue` against the database
# shells' own bulk loaders, on the same CSV file, and print the ratios
# (the performance target: kam takes at most 1.5× the shell's time).
#
# Usage:
#   scripts/bench-import.sh [-r RUNS] [-e sqlite,postgres] [-p] DATA_DIR
#
#   DATA_DIR  holds accounts.csv and revenue.csv, written by
#             kam demo --accounts 1000000 --lines 10000000 --now 2026-11-27 --csv DATA_DIR
#   -r RUNS   runs of each measurement (default 3); the median is reported
#   -e LIST   engines to measure (default sqlite,postgres)
#   -p        write CPU profiles of the last kam import of each engine
#             (KAM_CPUPROFILE) to $WORK/cpu-import-ENGINE.out
#
# Environment:
#   KAM      the kam binary (default: built from this checkout into $WORK/kam-bench;
#            named kam-bench so that nobody's `pkill kam` hits it)
#   WORK     scratch directory for databases, logs and profiles (default /tmp/kam-bench)
#   PG_URL   PostgreSQL server (default postgres://postgres@127.0.0.1:5432/test?sslmode=disable)
#   PG_BASE_SCHEMA, PG_KAM_SCHEMA  schemas used and dropped/re-created on each run
#            (default bench_base and bench_kam)
#
# Per run and engine, in this order (interleaved, so that the machine's noise
# falls on both sides alike):
#   SQLite      sqlite3 base.db -cmd '.mode csv' '.import revenue.csv t'    (timed; fresh file)
#               kam migrate; kam import accounts (not timed); kam import revenue (timed)
#   PostgreSQL  CREATE TABLE t(a text, b text, c text, d text, e text);
#               \copy t FROM revenue.csv WITH (FORMAT csv, HEADER true)     (timed; fresh schema)
#               kam migrate; kam import accounts (not timed); kam import revenue (timed)
# A timing is the wall clock of the whole command. `sync` (and CHECKPOINT on
# PostgreSQL) runs before each timed step, so that no step pays for the
# previous one's writes. The databases of the last run are kept:
# $WORK/kam.db and schema $PG_KAM_SCHEMA, for scripts/bench-serve.sh.
set -euo pipefail

runs=3
engines=sqlite,postgres
profile=0
while getopts "r:e:ph" opt; do
	case $opt in
	r) runs=$OPTARG ;;
	e) engines=$OPTARG ;;
	p) profile=1 ;;
	*)
		sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
		exit 2
		;;
	esac
done
shift $((OPTIND - 1))
if (($# != 1)); then
	echo "usage: $0 [-r RUNS] [-e sqlite,postgres] [-p] DATA_DIR" >&2
	exit 2
fi
data=$(cd "$1" && pwd)
accounts_csv=$data/accounts.csv
revenue_csv=$data/revenue.csv
for f in "$accounts_csv" "$revenue_csv"; do
	[[ -f $f ]] || {
		echo "missing $f (kam demo --accounts 1000000 --lines 10000000 --now 2026-11-27 --csv $1)" >&2
		exit 2
	}
done

repo=$(cd "$(dirname "$0")/.." && pwd)
WORK=${WORK:-/tmp/kam-bench}
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)
PG_URL=${PG_URL:-postgres://postgres@127.0.0.1:5432/test?sslmode=disable}
PG_BASE_SCHEMA=${PG_BASE_SCHEMA:-bench_base}
PG_KAM_SCHEMA=${PG_KAM_SCHEMA:-bench_kam}
if [[ -z ${KAM:-} ]]; then
	KAM=$WORK/kam-bench
	(cd "$repo" && go build -o "$KAM" ./cmd/kam)
fi
log=$WORK/bench-import.log
: >"$log"

# kam_pg_url adds search_path=SCHEMA to the server URL.
kam_pg_url() {
	local sep='?'
	[[ $PG_URL == *\?* ]] && sep='&'
	echo "${PG_URL}${sep}search_path=$1"
}
psql_in() { # psql_in SCHEMA psql-args…
	PGOPTIONS="-c search_path=$1" psql "$PG_URL" -X -q -v ON_ERROR_STOP=1 "${@:2}" >>"$log" 2>&1
}
reset_schema() {
	psql "$PG_URL" -X -q -v ON_ERROR_STOP=1 -c "DROP SCHEMA IF EXISTS $1 CASCADE" -c "CREATE SCHEMA $1" >>"$log" 2>&1
}
quiesce() { # flush earlier writes so that the next timed step does not pay for them
	sync
	if [[ ${1:-} == postgres ]]; then psql "$PG_URL" -X -q -c CHECKPOINT >>"$log" 2>&1; fi
}
# timed CMD…: runs CMD with its output in the log and prints its wall-clock
# time in milliseconds.
timed() {
	local s e
	echo "\$ $*" >>"$log"
	s=$(date +%s%N)
	"$@" >>"$log" 2>&1
	e=$(date +%s%N)
	echo $(((e - s) / 1000000))
}
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print int((a[NR/2]+a[NR/2+1])/2)}'; }
secs() { awk -v ms="$1" 'BEGIN {printf "%.2f", ms/1000}'; }

declare -A times
add() { times[$1]="${times[$1]:-} $2"; }

echo "kam import benchmark: $(($(wc -l <"$revenue_csv") - 1)) lines in $revenue_csv ($(du -h "$revenue_csv" | cut -f1)), $runs run(s)"
echo "binary: $KAM ($(cd "$repo" && git describe --always --dirty 2>/dev/null || echo '?')); work dir: $WORK; log: $log"
for ((run = 1; run <= runs; run++)); do
	if [[ ,$engines, == *,sqlite,* ]]; then
		rm -f "$WORK"/base.db*
		quiesce
		t=$(timed sqlite3 "$WORK/base.db" -cmd '.mode csv' ".import '$revenue_csv' t")
		add sqlite_base "$t"
		rm -f "$WORK"/base.db*

		rm -f "$WORK"/kam.db*
		"$KAM" migrate --db "$WORK/kam.db" >>"$log" 2>&1
		ta=$(timed "$KAM" import accounts --db "$WORK/kam.db" "$accounts_csv")
		add sqlite_accounts "$ta"
		quiesce
		prof=()
		if ((profile && run == runs)); then prof=(env KAM_CPUPROFILE="$WORK/cpu-import-sqlite.out"); fi
		t2=$(timed "${prof[@]}" "$KAM" import revenue --db "$WORK/kam.db" "$revenue_csv")
		add sqlite_kam "$t2"
		printf 'run %d sqlite:   sqlite3 .import %6ss   kam import revenue %6ss   ratio %.2f   (kam import accounts %ss, not compared)\n' \
			"$run" "$(secs "$t")" "$(secs "$t2")" "$(awk -v a="$t2" -v b="$t" 'BEGIN {print a/b}')" "$(secs "$ta")"
	fi
	if [[ ,$engines, == *,postgres,* ]]; then
		reset_schema "$PG_BASE_SCHEMA"
		psql_in "$PG_BASE_SCHEMA" -c "CREATE TABLE t(a text, b text, c text, d text, e text)"
		quiesce postgres
		echo "\$ psql \\copy t FROM '$revenue_csv' WITH (FORMAT csv, HEADER true)" >>"$log"
		s=$(date +%s%N)
		psql_in "$PG_BASE_SCHEMA" -c "\\copy t FROM '$revenue_csv' WITH (FORMAT csv, HEADER true)"
		e=$(date +%s%N)
		t=$(((e - s) / 1000000))
		add pg_base "$t"
		reset_schema "$PG_BASE_SCHEMA"

		reset_schema "$PG_KAM_SCHEMA"
		url=$(kam_pg_url "$PG_KAM_SCHEMA")
		"$KAM" migrate --db "$url" >>"$log" 2>&1
		ta=$(timed "$KAM" import accounts --db "$url" "$accounts_csv")
		add pg_accounts "$ta"
		quiesce postgres
		prof=()
		if ((profile && run == runs)); then prof=(env KAM_CPUPROFILE="$WORK/cpu-import-postgres.out"); fi
		t2=$(timed "${prof[@]}" "$KAM" import revenue --db "$url" "$revenue_csv")
		add pg_kam "$t2"
		printf 'run %d postgres: psql \\copy      %6ss   kam import revenue %6ss   ratio %.2f   (kam import accounts %ss, not compared)\n' \
			"$run" "$(secs "$t")" "$(secs "$t2")" "$(awk -v a="$t2" -v b="$t" 'BEGIN {print a/b}')" "$(secs "$ta")"
	fi
done

echo
echo "medians of $runs run(s):"
verdict() { awk -v r="$1" 'BEGIN {if (r <= 1.5) print "pass"; else print "MISS"}'; }
for e in sqlite pg; do
	[[ -n ${times[${e}_kam]:-} ]] || continue
	# shellcheck disable=SC2086
	b=$(median ${times[${e}_base]})
	# shellcheck disable=SC2086
	k=$(median ${times[${e}_kam]})
	# shellcheck disable=SC2086
	a=$(median ${times[${e}_accounts]})
	r=$(awk -v a="$k" -v b="$b" 'BEGIN {printf "%.2f", a/b}')
	name=SQLite
	base="sqlite3 .import"
	if [[ $e == pg ]]; then
		name=PostgreSQL
		base="psql \\copy"
	fi
	printf '%-10s %-16s %6ss   kam import revenue %6ss   ratio %s (target <= 1.5: %s)   kam import accounts %ss\n' \
		"$name" "$base" "$(secs "$b")" "$(secs "$k")" "$r" "$(verdict "$r")" "$(secs "$a")"
done
if ((profile)); then
	echo "profiles: go tool pprof -top $KAM $WORK/cpu-import-sqlite.out (and …-postgres.out)"
fi
