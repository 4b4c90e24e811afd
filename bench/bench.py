#!/usr/bin/env python3
"""Helpers for bench/run.sh (issue 4). Standard library only.

  bench.py peer OP FILE [--reps N]            time autocorrect_py OP (format | lint) on FILE in this process
  bench.py cmd [--reps N] [--copy SRC DST] -- COMMAND…
                                              time a command (wall clock), optionally copying SRC to DST
                                              before each run (for commands that rewrite their input)
  bench.py report OUT_DIR                     merge OUT_DIR/*.json into OUT_DIR/results.json and print the table

Each of peer/cmd prints one JSON object on stdout: best_s, median_s, times_s, bytes, mbps_best, mbps_median,
peak_rss_kb (ru_maxrss of this process, or of the children for cmd).
"""
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time

CHUNK = 100_000


def summary(times, nbytes, rss_kb, **extra):
    best, med = min(times), statistics.median(times)
    d = {"best_s": best, "median_s": med, "times_s": times, "bytes": nbytes, "peak_rss_kb": rss_kb}
    if nbytes:
        d["mbps_best"] = nbytes / 1e6 / best if best > 0 else 0
        d["mbps_median"] = nbytes / 1e6 / med if med > 0 else 0
    d.update(extra)
    return d


def take_reps(args):
    reps = 3
    if "--reps" in args:
        i = args.index("--reps")
        reps = max(1, int(args[i + 1]))
        del args[i:i + 2]
    return reps


def peer(args):
    reps = take_reps(args)
    op, path = args[0], args[1]
    import autocorrect_py  # noqa: imported here so that a missing peer only fails this sub-command
    with open(path, encoding="utf-8") as f:
        text = f.read()
    nbytes = len(text.encode("utf-8"))
    if op == "format":
        fn = lambda: autocorrect_py.format(text)
    elif op == "lint":
        # lint_for on a whole multi-megabyte text stops with "call limit reached" (its parser's limit), so the
        # text is linted in chunks of about 100,000 characters cut at line ends, as an editor or CI would.
        chunks, start = [], 0
        while start < len(text):
            end = min(len(text), start + CHUNK)
            nl = text.find("\n", end)
            end = len(text) if nl < 0 or end == len(text) else nl + 1
            chunks.append(text[start:end])
            start = end

        # Some real texts hit the limit even in such chunks: halve a failing chunk at a line end (untimed, once),
        # down to single lines; a single line that still fails is left out and counted.
        skipped = 0

        def refine(c):
            nonlocal skipped
            try:
                autocorrect_py.lint_for(c, "txt")
                return [c]
            except ValueError:
                mid = c.find("\n", len(c) // 2)
                if mid < 0 or mid + 1 >= len(c):
                    mid = c.rfind("\n", 0, len(c) // 2)
                if mid < 0:
                    skipped += 1
                    return []
                return refine(c[:mid + 1]) + refine(c[mid + 1:])

        chunks = [p for c in chunks for p in refine(c)]

        class Joined:
            def __init__(self, results):
                self.lines = [l for r in results for l in r.lines]

        fn = lambda: Joined([autocorrect_py.lint_for(c, "txt") for c in chunks])
    else:
        sys.exit(f"unknown peer op {op}")
    times, result = [], None
    for _ in range(reps):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    extra = {"tool": "autocorrect-py", "op": op, "version": getattr(autocorrect_py, "__version__", "2.14.0")}
    if op == "lint":
        extra["findings"] = len(result.lines)
        extra["chunks"] = len(chunks)
        extra["skipped_lines"] = skipped
    else:
        extra["changed"] = result != text
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KB on Linux
    print(json.dumps(summary(times, nbytes, rss, **extra)))


def cmd(args):
    reps = take_reps(args)
    copy = None
    if "--copy" in args:
        i = args.index("--copy")
        copy = (args[i + 1], args[i + 2])
        del args[i:i + 3]
    nbytes = 0
    if "--bytes" in args:
        i = args.index("--bytes")
        nbytes = int(args[i + 1])
        del args[i:i + 2]
    if args and args[0] == "--":
        args = args[1:]
    times, codes = [], []
    for _ in range(reps):
        if copy:
            shutil.copyfile(*copy)
        t0 = time.perf_counter()
        p = subprocess.run(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - t0)
        codes.append(p.returncode)
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(json.dumps(summary(times, nbytes, rss, exit_codes=sorted(set(codes)), command=" ".join(args))))


def fmt(x, spec):
    return "-" if x is None else format(x, spec)


def report(args):
    out = args[0]
    runs = {}
    path = os.path.join(out, "runs.jsonl")
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            for line in f:
                line = line.strip()
                if line:
                    r = json.loads(line)
                    runs[(r["input"], r["what"])] = r  # the latest run of a measurement wins
    benches = {}
    for name in sorted(os.listdir(out)):
        if name.startswith("bench-") and name.endswith(".json"):
            with open(os.path.join(out, name), encoding="utf-8") as f:
                benches[name[len("bench-"):-len(".json")]] = json.load(f)
    meta = {}
    mpath = os.path.join(out, "meta.json")
    if os.path.exists(mpath):
        with open(mpath, encoding="utf-8") as f:
            meta = json.load(f)

    inputs = []
    for (inp, _) in runs:
        if inp not in inputs:
            inputs.append(inp)
    for b in benches:
        if b not in inputs:
            inputs.append(b)

    def get(inp, what):
        return runs.get((inp, what))

    def inproc(inp, prefix):
        b = benches.get(inp)
        if not b:
            return None
        for r in b["results"]:
            if r["name"].startswith(prefix):
                return r
        return None

    rows = []
    for inp in inputs:
        mb = None
        for what in ("peer-format", "cli-lint", "peer-lint"):
            r = get(inp, what)
            if r and r.get("bytes"):
                mb = r["bytes"] / 1e6
                break
        if mb is None and inp in benches:
            mb = benches[inp]["input"]["bytes"] / 1e6
        pf, pl = get(inp, "peer-format"), get(inp, "peer-lint")
        cl, cf = get(inp, "cli-lint"), get(inp, "cli-fix")
        # One core ("… one core", measured first) for the ratios; the all-cores runs next to them.
        il, ix, isc = inproc(inp, "lint: parse"), inproc(inp, "fix:"), inproc(inp, "scan: BoundaryScanner alone")
        ilp = next((r for r in (benches.get(inp) or {}).get("results", []) if r["name"].startswith("lint: parse") and "one core" not in r["name"]), None)
        ixp = next((r for r in (benches.get(inp) or {}).get("results", []) if r["name"].startswith("fix:") and "one core" not in r["name"]), None)

        def ratio(a, b):
            if not a or not b or not b.get("mbps_median"):
                return None
            return a["mbps_median"] / b["mbps_median"]

        rows.append({
            "input": inp, "mb": mb,
            "ratio_fix_vs_format": ratio(ix, pf), "ratio_cli_fix_vs_format": ratio(cf, pf),
            "ratio_lint_vs_lint_for": ratio(il, pl), "ratio_cli_lint_vs_lint_for": ratio(cl, pl),
            "copydesk_scan_mbps": isc and isc["mbps_median"], "copydesk_lint_mbps": il and il["mbps_median"],
            "copydesk_fix_mbps": ix and ix["mbps_median"],
            "copydesk_lint_all_cores_mbps": ilp and ilp["mbps_median"], "copydesk_fix_all_cores_mbps": ixp and ixp["mbps_median"],
            "ratio_fix_all_cores_vs_format": ratio(ixp, pf),
            "copydesk_cli_lint_mbps": cl and cl["mbps_median"], "copydesk_cli_lint_rss_mb": cl and cl["peak_rss_kb"] / 1024,
            "copydesk_cli_fix_mbps": cf and cf["mbps_median"], "copydesk_cli_fix_rss_mb": cf and cf["peak_rss_kb"] / 1024,
            "peer_format_mbps": pf and pf["mbps_median"], "peer_format_rss_mb": pf and pf["peak_rss_kb"] / 1024,
            "peer_lint_mbps": pl and pl["mbps_median"], "peer_lint_rss_mb": pl and pl["peak_rss_kb"] / 1024,
        })

    print()
    print(f"machine: {meta.get('nproc', '?')} cores, {meta.get('cpu', '?')}; copydesk {meta.get('commit', '?')}; "
          f"peer: {meta.get('peer', 'not measured')}")
    print("MB/s are medians (1 MB = 10^6 bytes); ratios are copydesk / autocorrect-py on the same text.")
    print()
    print("Ratios first:")
    print(f"{'input':<14}{'MB':>8}{'fix/format':>12}{'(all cores)':>12}{'CLI fix/format':>16}{'lint/lint_for':>15}{'CLI lint/lint_for':>19}")
    for r in rows:
        print(f"{r['input']:<14}{fmt(r['mb'], '.1f'):>8}{fmt(r['ratio_fix_vs_format'], '.2f'):>12}{fmt(r['ratio_fix_all_cores_vs_format'], '.2f'):>12}"
              f"{fmt(r['ratio_cli_fix_vs_format'], '.2f'):>16}{fmt(r['ratio_lint_vs_lint_for'], '.2f'):>15}"
              f"{fmt(r['ratio_cli_lint_vs_lint_for'], '.2f'):>19}")
    print()
    print("Throughput (MB/s) and peak RSS (MB):")
    hdr = (f"{'input':<14}{'scan':>8}{'lint':>8}{'(all)':>8}{'fix':>8}{'(all)':>8}{'CLI lint':>10}{'RSS':>7}{'CLI fix':>9}{'RSS':>7}"
           f"{'ac format':>11}{'RSS':>7}{'ac lint':>9}{'RSS':>7}")
    print(hdr)
    for r in rows:
        print(f"{r['input']:<14}{fmt(r['copydesk_scan_mbps'], '.1f'):>8}{fmt(r['copydesk_lint_mbps'], '.1f'):>8}"
              f"{fmt(r['copydesk_lint_all_cores_mbps'], '.1f'):>8}"
              f"{fmt(r['copydesk_fix_mbps'], '.1f'):>8}{fmt(r['copydesk_fix_all_cores_mbps'], '.1f'):>8}{fmt(r['copydesk_cli_lint_mbps'], '.1f'):>10}"
              f"{fmt(r['copydesk_cli_lint_rss_mb'], '.0f'):>7}{fmt(r['copydesk_cli_fix_mbps'], '.1f'):>9}"
              f"{fmt(r['copydesk_cli_fix_rss_mb'], '.0f'):>7}{fmt(r['peer_format_mbps'], '.1f'):>11}"
              f"{fmt(r['peer_format_rss_mb'], '.0f'):>7}{fmt(r['peer_lint_mbps'], '.1f'):>9}"
              f"{fmt(r['peer_lint_rss_mb'], '.0f'):>7}")
    print("  scan: the bare boundary scanner (recommended rules); lint/fix: in-process (copydesk-bench), one core, and")
    print("  (all) with a large document spread over the cores; CLI: end-to-end `copydesk lint [--fix]` incl. start-up and report;")
    print("  ac: autocorrect-py 2.14.0 format(text) / lint_for(text, 'txt') in one Python process.")
    st = meta.get("startup")
    if st:
        print()
        print(f"start-up: `copydesk lint` on a {st.get('bytes', '?')}-byte file: median {fmt(st.get('median_ms'), '.1f')} ms, "
              f"best {fmt(st.get('best_ms'), '.1f')} ms over {st.get('runs', '?')} runs ({st.get('method', '?')})")
    for name, b in benches.items():
        extra = [r for r in b["results"] if r["name"].startswith(("files:", "phrases:"))]
        if extra:
            print()
            print(f"{name}: scaling (in-process)")
            for r in extra:
                print(f"  {r['name']:<48} {fmt(r.get('mbps_median'), '8.1f')} MB/s  {r.get('note', '')}")
    results = {"machine": meta, "summary": rows, "runs": [dict(v, input=k[0], what=k[1]) for k, v in runs.items()],
               "copydesk_bench": benches}
    with open(os.path.join(out, "results.json"), "w", encoding="utf-8") as f:
        json.dump(results, f, indent=2, ensure_ascii=False)
    print()
    print(f"wrote {os.path.join(out, 'results.json')}")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    sub, rest = sys.argv[1], sys.argv[2:]
    {"peer": peer, "cmd": cmd, "report": report}.get(sub, lambda _: sys.exit(__doc__))(rest)
