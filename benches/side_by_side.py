#!/usr/bin/env python3
"""The side-by-side table of benches/side_by_side.sh: OUT/peer.json (the peer's bench.py) and
OUT/claimdb-N.json (claimdb's suite) for each size N given, as Markdown."""
import json
import os
import sys


def main():
    out, sizes = sys.argv[1], [int(n) for n in sys.argv[2:]]
    with open(os.path.join(out, "peer.json")) as f:
        peer = {r["n"]: r for r in json.load(f)["runs"] if r.get("mode") == "leveldb"}
    rows = []

    def row(n, what, p, c, ratio=None, unit=""):
        if ratio is None and isinstance(p, (int, float)) and isinstance(c, (int, float)) and p:
            ratio = f"{c / p:.2f}x"
        fmt = lambda v: f"{v:,.0f}{unit}" if isinstance(v, (int, float)) else (v or "-")
        rows.append(f"| {n:,} | {what} | {fmt(p)} | {fmt(c)} | {ratio or ''} |")

    for n in sizes:
        p = peer.get(n, {})
        try:
            with open(os.path.join(out, f"claimdb-{n}.json")) as f:
                c = json.load(f)["results"][0]
        except OSError:
            continue
        docs = c["size"]
        ops_per_doc = c["ops"] / docs
        row(n, "push, docs/s (claimdb: whole `claimdb push`, durable)", p.get("push_docs_per_s"),
            c["push_docs_per_s"])
        row(n, "a new member joins: peer pull / claimdb join (snapshot, checked, searchable), docs/s",
            p.get("pull_docs_per_s"), c["join_docs_per_s"])
        if c.get("replay_pull_docs_per_s"):
            row(n, "claimdb replaying the whole log instead, docs/s", p.get("pull_docs_per_s"),
                c["replay_pull_docs_per_s"])
        if c.get("incremental_docs_per_s"):
            row(n, f"incremental pull of {c['incremental_docs']:,} more docs, applied, docs/s "
                "(peer: its pull rate)", p.get("pull_docs_per_s"), c["incremental_docs_per_s"])
        row(n, "server pages alone, docs/s (peer: its pull)", p.get("pull_docs_per_s"),
            c["server_transfer_ops_per_s"] / ops_per_doc)
        one_p, one_c = p.get("one_change_pull_ms_median"), c["one_change_pull_round_trip_ms"]["median"]
        if one_p:
            speed = (f"{one_p / one_c:.1f}x faster" if one_c <= one_p
                     else f"{one_c / one_p:.1f}x slower")
            rows.append(f"| {n:,} | one-change pull round trip, ms | {one_p:.2f} | {one_c:.2f} | {speed} |")
        else:
            rows.append(f"| {n:,} | one-change pull round trip, ms | - | {one_c:.2f} | |")
        row(n, "server peak memory, MB", p.get("server_peak_rss_mb"), c["server_rss_mb"], ratio="",
            unit="")
        rows.append(f"| {n:,} | claimdb: server replica caught up after the push, s; snapshot MB "
                    f"| | {c['replica_catch_up_s']:.1f}; {c['snapshot_mb']:.0f} | |")
        rows.append(f"| {n:,} | claimdb: import, docs/s (ratio to raw inserts); peak RSS MB | | "
                    f"{c['import_claims_per_s']['median']:,.0f} ({c['import_ratio']:.2f}x); "
                    f"{c['import_peak_rss_mb']:.0f} | |")
    print("| documents | measure | peer | claimdb | claimdb / peer |")
    print("| --- | --- | --- | --- | --- |")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
