#!/usr/bin/env bash
# claimdb side by side with a CouchDB-compatible peer (pouchdb-server), on the same documents
# from the peer's own generator, one size after the other in one run: the peer's bench.py,
# then claimdb's suite (`--from-gen`), minutes apart on the same machine. Prints the table
# for BENCHMARKS.md and keeps every figure in the output directory.
#
#   benches/side_by_side.sh                   # 10k, 100k and 1M documents
#   benches/side_by_side.sh 10000 100000      # chosen sizes
#
# PEER_DIR is the peer's directory (default ../shared/peers/pouchdb beside this checkout);
# OUT the output directory (default /tmp/claimdb-side-by-side). For each size N the documents
# are gen.py's first N + H (H = max(10000, N/10)): the first N are the workspace both sides
# push and pull (bench.py generates the same ones), the last H what claimdb's incremental pull
# brings in.
set -euo pipefail
cd "$(dirname "$0")/.."
peer="${PEER_DIR:-$(cd .. && pwd)/shared/peers/pouchdb}"
out="${OUT:-/tmp/claimdb-side-by-side}"
if [ "$#" -gt 0 ]; then sizes=("$@"); else sizes=(10000 100000 1000000); fi
[ -f "$peer/bench.py" ] || { echo "no peer benchmark at $peer; set PEER_DIR" >&2; exit 1; }
mkdir -p "$out"
bash "$peer/setup.sh"
cargo build --release --bin claimdb
cargo bench --bench suite --no-run
for n in "${sizes[@]}"; do
  hold=$(( n / 10 > 10000 ? n / 10 : 10000 ))
  echo "== $n documents (+$hold held back)" >&2
  python3 "$peer/gen.py" "$((n + hold))" > "$out/gen-$n.jsonl"
  python3 "$peer/bench.py" "$n" --out "$out/peer.json" --max-seconds 1500 --tmp "$out"
  cargo bench --bench suite -- --from-gen "$out/gen-$n.jsonl" --hold-back "$hold" --runs 1 \
    --out "$out/claimdb-$n.json" 2> >(tee "$out/claimdb-$n.log" >&2)
  rm -f "$out/gen-$n.jsonl"
done
python3 benches/side_by_side.py "$out" "${sizes[@]}" | tee "$out/table.md"
