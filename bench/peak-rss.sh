#!/usr/bin/env bash
# bench/peak-rss.sh SRPLAY_BIN ARGS...
# Runs srplay and samples, every 0.2 s, the summed RSS of srplay itself plus
# its ssh ControlMasters. The masters daemonize (`ssh -M -f`), so they are not
# srplay's children: they are found by their control socket directory
# `.../r<srplay pid>-N/` on their command line. Prints the wall time, the peak
# of the sum, srplay's own peak and the most masters seen at once; exits with
# srplay's status. The RSS sum counts the pages the masters share (the ssh
# binary, libcrypto, libc) once per master; with PSS=1 the script also sums
# the proportional set size (Pss in /proc/PID/smaps_rollup), which counts
# shared pages once in total: the memory the run really occupies.
set -uo pipefail
[ $# -ge 1 ] || { echo "usage: peak-rss.sh SRPLAY_BIN ARGS..." >&2; exit 2; }
start=$(date +%s.%N)
"$@" &
pid=$!
peak=0 own=0 masters=0 pss_peak=0
while kill -0 "$pid" 2>/dev/null; do
  read -r sum me n < <(ps -eo pid=,rss=,args= | awk -v p="$pid" '
    $1 == p { me = $2; sum += $2; next }
    index($0, "/r" p "-") && $3 ~ /ssh$/ { sum += $2; n++ }
    END { print sum + 0, me + 0, n + 0 }')
  (( sum > peak )) && peak=$sum
  (( me > own )) && own=$me
  (( n > masters )) && masters=$n
  if [ "${PSS:-0}" = 1 ]; then
    pss=0
    for p in $(ps -eo pid=,args= | awk -v p="$pid" '$1 == p || (index($0, "/r" p "-") && $2 ~ /ssh$/) { print $1 }'); do
      kb=$(awk '/^Pss:/ { print $2 }' "/proc/$p/smaps_rollup" 2>/dev/null || true)
      pss=$((pss + ${kb:-0}))
    done
    (( pss > pss_peak )) && pss_peak=$pss
  fi
  sleep 0.2
done
wait "$pid"; rc=$?
end=$(date +%s.%N)
[ "${PSS:-0}" = 1 ] && awk -v p="$pss_peak" 'BEGIN { printf "peak PSS srplay+masters %.1f MiB\n", p / 1024 }' >&2
awk -v s="$start" -v e="$end" -v p="$peak" -v o="$own" -v m="$masters" -v rc="$rc" 'BEGIN {
  printf "wall %.2f s  peak RSS srplay+masters %.1f MiB (srplay alone %.1f MiB, %d masters, %.2f MiB each on average)  rc=%d\n",
    e - s, p / 1024, o / 1024, m, (m ? (p - o) / m / 1024 : 0), rc }' >&2
exit "$rc"
