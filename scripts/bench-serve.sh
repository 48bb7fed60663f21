#!/usr/bin/env bash
# scripts/bench-serve.sh: measure a running `kam serve` against the
# performance targets (docs/benchmarks.md): pyramid latency, account-list
# latency under concurrent clients, and resident memory.
#
# Usage:
#   scripts/bench-serve.sh [-r RUNS] [-n REQUESTS] [-d SECONDS] [-c CLIENTS] [-s] DB [DB …]
#
#   DB    a database as kam's --db takes it: an SQLite file, or a postgres://
#         URL with search_path=SCHEMA (for example the ones
#         scripts/bench-import.sh leaves: $WORK/kam.db and
#         'postgres://postgres@127.0.0.1:5432/test?sslmode=disable&search_path=bench_kam')
#   -r    runs of each load test (default 3; the median of the runs is reported)
#   -n    requests per load-test run (default 3000)
#   -d    … unless this many seconds passed first (default 60): a slow server
#         is measured on fewer requests (the count is in the log)
#   -c    concurrent clients (default 50)
#   -s    clear the stored standings first (cur_tier … of every account), so
#         that "standings fresh after" times a full recomputation by kam serve
#
# Environment: KAM (kam binary; default built from this checkout as
# $WORK/kam-bench), WORK (default /tmp/kam-bench), PORT (default 18090).
#
# Every request is signed in: the script makes (or resets) the administrator
# bench@kam.invalid in each DB with kam user, signs in (the web page gets the
# session cookie) and creates an API token (the API gets it as a bearer).
#
# For each DB it:
#   1. starts kam serve and times how long until it listens (/healthz);
#   2. asks for the pyramid of 2024 at once: the answer waits for the revenue
#      ledger to load (the cold case);
#   3. waits until the account list has tier-D accounts, i.e. until the
#      standings kam serve recomputes in the background are stored;
#   4. asks for the pyramid by thresholds (year=2025), Pareto, trailing twelve
#      months, a date range: the first request (not cached), then 5 more
#      (cached) — and 5 date ranges never asked before (median);
#   5. runs the load generator (scripts/loadtest) on the API list, page 1 and
#      page 1000 of tier D sorted by revenue, and on the web page of page
#      1000, with CLIENTS clients, RUNS times each, after a lone-client
#      measurement of the same URL;
#   6. samples VmRSS of kam serve every 0.2 s throughout and prints the
#      largest values after the ledger load and during the load tests, and
#      VmHWM.
# The load generator runs on the same machine and takes CPU from the server.
set -euo pipefail

runs=3
requests=3000
duration=60
clients=50
reset=0
while getopts "r:n:d:c:sh" opt; do
	case $opt in
	r) runs=$OPTARG ;;
	n) requests=$OPTARG ;;
	d) duration=$OPTARG ;;
	c) clients=$OPTARG ;;
	s) reset=1 ;;
	*)
		sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
		exit 2
		;;
	esac
done
shift $((OPTIND - 1))
if (($# < 1)); then
	echo "usage: $0 [-r RUNS] [-n REQUESTS] [-d SECONDS] [-c CLIENTS] [-s] DB [DB …]" >&2
	exit 2
fi

repo=$(cd "$(dirname "$0")/.." && pwd)
WORK=${WORK:-/tmp/kam-bench}
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)
PORT=${PORT:-18090}
if [[ -z ${KAM:-} ]]; then
	KAM=$WORK/kam-bench
	(cd "$repo" && go build -o "$KAM" ./cmd/kam)
fi
LOADTEST=$WORK/loadtest
(cd "$repo" && go build -o "$LOADTEST" ./scripts/loadtest)
base=http://127.0.0.1:$PORT

server=""
sampler=""
cleanup() {
	[[ -n $sampler ]] && kill "$sampler" 2>/dev/null || true
	if [[ -n $server ]] && kill -0 "$server" 2>/dev/null; then
		kill -INT "$server" 2>/dev/null || true
		wait "$server" 2>/dev/null || true
	fi
}
trap cleanup EXIT

now_ms() { echo $(($(date +%s%N) / 1000000)); }
secs() { awk -v ms="$1" 'BEGIN {printf "%.2f s", ms/1000}'; }
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
bench_user=bench@kam.invalid
bench_password=bench-serve-$$-password
auth_api=()
auth_web=()
# sign_up DB: the benchmark's administrator, with a fresh password.
sign_up() {
	printf '%s\n' "$bench_password" | "$KAM" user create --admin --db "$1" --email "$bench_user" --name bench --password-stdin >/dev/null 2>&1 ||
		printf '%s\n' "$bench_password" | "$KAM" user password --db "$1" --email "$bench_user" --password-stdin >/dev/null
}
# sign_in: a session cookie for the pages and a token for the API.
sign_in() {
	local cookie token
	cookie=$(curl -s -o /dev/null -D - --data-urlencode "email=$bench_user" --data-urlencode "password=$bench_password" "$base/signin" |
		sed -n 's/^[Ss]et-[Cc]ookie: *\(kam_session=[^;]*\).*/\1/p' | tr -d '\r')
	if [[ -z $cookie ]]; then
		echo "sign-in as $bench_user failed" >&2
		exit 1
	fi
	token=$(curl -s -H "Cookie: $cookie" -H 'Content-Type: application/json' -d '{"name":"bench-serve","valid_days":1}' "$base/api/v1/me/tokens" |
		sed -n 's/.*"token": *"\([^"]*\)".*/\1/p')
	if [[ -z $token ]]; then
		echo "no API token for $bench_user" >&2
		exit 1
	fi
	auth_web=(-H "Cookie: $cookie")
	auth_api=(-H "Authorization: Bearer $token")
}
# auth URL: the curl/loadtest header arguments for URL.
auth() {
	if [[ $1 == /api/* ]]; then printf '%s\n' "${auth_api[@]}"; else printf '%s\n' "${auth_web[@]}"; fi
}

# get URL: the time of one GET in milliseconds (fails on a status other than 200).
get() {
	local out code t
	local h=()
	mapfile -t h < <(auth "$1")
	out=$(curl -s -o /dev/null "${h[@]}" -w '%{http_code} %{time_total}' "$base$1")
	code=${out% *}
	t=${out#* }
	if [[ $code != 200 ]]; then
		echo "GET $1: status $code" >&2
		return 1
	fi
	awk -v t="$t" 'BEGIN {printf "%.1f", t*1000}'
}
tier_d_total() {
	curl -s "${auth_api[@]}" "$base/api/v1/accounts?tier=D&per_page=1" | sed -n 's/.*"total": *\([0-9]*\).*/\1/p'
}
kb_mb() { echo $(($1 / 1024)); }
max_rss_since() { # max_rss_since LINE: the largest VmRSS sample (kB) from that line of the trace on
	tail -n +"$1" "$rss_trace" | sort -n | tail -1
}

reset_standings() {
	local db=$1
	echo "clearing the stored standings of $db …"
	if [[ $db == postgres://* || $db == postgresql://* ]]; then
		local schema url
		schema=$(sed -n 's/.*[?&]search_path=\([^&]*\).*/\1/p' <<<"$db")
		url=$(sed -E 's/([?&])search_path=[^&]*&?/\1/; s/[?&]$//' <<<"$db")
		PGOPTIONS="-c search_path=${schema:-public}" psql "$url" -X -q -v ON_ERROR_STOP=1 \
			-c "UPDATE accounts SET cur_revenue = 0, cur_tier = '', cur_band = '', cur_rank = 0 WHERE cur_tier <> '' OR cur_band <> '' OR cur_revenue <> 0" \
			-c "DELETE FROM app_state WHERE key LIKE 'standing%'" -c "VACUUM ANALYZE accounts"
	else
		sqlite3 "$db" "UPDATE accounts SET cur_revenue = 0, cur_tier = '', cur_band = '', cur_rank = 0 WHERE cur_tier <> '' OR cur_band <> '' OR cur_revenue <> 0;
			DELETE FROM app_state WHERE key LIKE 'standing%'; PRAGMA wal_checkpoint(TRUNCATE);" >/dev/null
	fi
}

bench_db() {
	local db=$1 engine=sqlite
	[[ $db == postgres://* || $db == postgresql://* ]] && engine=postgres
	((reset)) && reset_standings "$db"
	local slog=$WORK/serve-$engine.log
	rss_trace=$WORK/rss-$engine.txt
	: >"$rss_trace"
	echo
	echo "== $engine: $db"
	sign_up "$db"
	local start t_listen t_first t_fresh
	start=$(now_ms)
	"$KAM" serve --db "$db" --addr "127.0.0.1:$PORT" >"$slog" 2>&1 &
	server=$!
	(while kill -0 "$server" 2>/dev/null; do
		awk '/^VmRSS/ {print $2}' "/proc/$server/status" 2>/dev/null || true
		sleep 0.2
	done >>"$rss_trace") &
	sampler=$!
	until curl -sf -o /dev/null "$base/healthz"; do
		kill -0 "$server" 2>/dev/null || {
			echo "kam serve exited; see $slog" >&2
			exit 1
		}
		sleep 0.05
	done
	t_listen=$(($(now_ms) - start))
	sign_in
	get "/api/v1/pyramid?year=2024" >/dev/null # not among the periods timed below
	t_first=$(($(now_ms) - start))
	local n
	until n=$(tier_d_total) && [[ -n $n && $n -gt 0 ]]; do
		kill -0 "$server" 2>/dev/null || {
			echo "kam serve exited; see $slog" >&2
			exit 1
		}
		sleep 0.2
	done
	t_fresh=$(($(now_ms) - start))
	sleep 1
	local hwm_loaded rss_loaded
	rss_loaded=$(awk '/^VmRSS/ {print $2}' "/proc/$server/status")
	hwm_loaded=$(awk '/^VmHWM/ {print $2}' "/proc/$server/status")
	printf '%-44s %s\n' "listening after" "$(secs "$t_listen")"
	printf '%-44s %s\n' "first pyramid answered after (ledger load)" "$(secs "$t_first")"
	printf '%-44s %s   (%s tier-D accounts)\n' "standings fresh after" "$(secs "$t_fresh")" "$n"
	printf '%-44s %s MB (VmHWM so far %s MB)\n' "VmRSS with the ledger loaded, idle" "$(kb_mb "$rss_loaded")" "$(kb_mb "$hwm_loaded")"

	echo "pyramid (ms)                                 first    warm (median of 5)"
	local q first w ws
	for q in 'year=2025' 'scheme=pareto' 'ttm=1' 'from=2025-02-01&to=2025-08-15'; do
		first=$(get "/api/v1/pyramid?$q")
		ws=()
		for _ in 1 2 3 4 5; do ws+=("$(get "/api/v1/pyramid?$q")"); done
		printf '  %-42s %7s  %7s\n' "$q" "$first" "$(median "${ws[@]}")"
	done
	ws=()
	local pws=() d
	for d in 02-03 04-07 06-11 08-19 10-23; do
		ws+=("$(get "/api/v1/pyramid?from=2024-$d&to=2025-$d")")
		pws+=("$(get "/api/v1/pyramid?scheme=pareto&from=2024-$d&to=2025-${d%-*}-28")")
	done
	printf '  %-42s %7s  (median of 5 distinct periods)\n' "new period, thresholds" "$(median "${ws[@]}")"
	printf '  %-42s %7s  (median of 5 distinct periods)\n' "new period, pareto" "$(median "${pws[@]}")"

	local line0 u
	line0=$(($(wc -l <"$rss_trace") + 1))
	echo "lists under $clients clients, $requests requests or ${duration} s a run, median of $runs runs (ms; requests per run in $WORK/bench-serve-$engine.log):"
	printf '  %-58s %8s | %7s %7s %7s %7s %6s %8s\n' url "alone" p50 p90 p99 max rps "rss max"
	for u in '/api/v1/accounts?tier=D&sort=revenue&page=1&per_page=50' \
		'/api/v1/accounts?tier=D&sort=revenue&page=1000&per_page=50' \
		'/accounts?tier=D&page=1000'; do
		local alone out p50s=() p90s=() p99s=() maxs=() rpss=() rsss=() errs=0 h=() lh=()
		mapfile -t h < <(auth "$u")
		[[ ${#h[@]} -eq 2 ]] && lh=(-H "${h[1]}")
		alone=$("$LOADTEST" "${lh[@]}" -url "$base$u" -c 1 -n 10 -warmup 2 | sed -n 's/.* p50=\([0-9.]*\)ms.*/\1/p')
		for ((r = 1; r <= runs; r++)); do
			out=$("$LOADTEST" "${lh[@]}" -url "$base$u" -c "$clients" -n "$requests" -d "${duration}s" -warmup 100 -pid "$server" 2>>"$WORK/bench-serve-$engine.log")
			echo "    run $r: $out" >>"$WORK/bench-serve-$engine.log"
			p50s+=("$(sed -n 's/.* p50=\([0-9.]*\)ms.*/\1/p' <<<"$out")")
			p90s+=("$(sed -n 's/.* p90=\([0-9.]*\)ms.*/\1/p' <<<"$out")")
			p99s+=("$(sed -n 's/.* p99=\([0-9.]*\)ms.*/\1/p' <<<"$out")")
			maxs+=("$(sed -n 's/.* max=\([0-9.]*\)ms.*/\1/p' <<<"$out")")
			rpss+=("$(sed -n 's/.* rps=\([0-9.]*\) .*/\1/p' <<<"$out")")
			rsss+=("$(sed -n 's/.* rss_max=\([0-9]*\)MB.*/\1/p' <<<"$out")")
			errs=$((errs + $(sed -n 's/.* errors=\([0-9]*\) .*/\1/p' <<<"$out")))
		done
		printf '  %-58s %8s | %7s %7s %7s %7s %6s %5s MB   p99 of runs: %s; errors: %d\n' "$u" "$alone" "$(median "${p50s[@]}")" \
			"$(median "${p90s[@]}")" "$(median "${p99s[@]}")" "$(median "${maxs[@]}")" "$(median "${rpss[@]}")" \
			"$(printf '%s\n' "${rsss[@]}" | sort -n | tail -1)" "${p99s[*]}" "$errs"
	done
	local hwm rss_load
	hwm=$(awk '/^VmHWM/ {print $2}' "/proc/$server/status")
	rss_load=$(max_rss_since "$line0")
	printf '%-44s %s MB\n' "VmRSS max during the load tests" "$(kb_mb "${rss_load:-0}")"
	printf '%-44s %s MB\n' "VmRSS max overall (sampled every 0.2 s)" "$(kb_mb "$(max_rss_since 1)")"
	printf '%-44s %s MB\n' "VmHWM at the end" "$(kb_mb "$hwm")"
	kill -INT "$server"
	wait "$server" || true
	server=""
	kill "$sampler" 2>/dev/null || true
	sampler=""
}

echo "kam serve benchmark: binary $KAM ($(cd "$repo" && git describe --always --dirty 2>/dev/null || echo '?')), port $PORT, work dir $WORK"
for db in "$@"; do
	bench_db "$db"
done
