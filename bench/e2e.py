#!/usr/bin/env python3
"""End-to-end benchmark of the `copydesk` command (issue 16). Standard library only.

  bench/e2e.py --copydesk BIN --work DIR [--web FILE] [--articles DIR] [--reps N] [--no-peer] [--json OUT]
               [--only NAME,NAME…]

Every task is a whole process, timed as a user would time it (report written to a file), several runs; each run
of copydesk is followed by a run of the peer, autocorrect-py `format` of the same text in its own process (start-up,
reading and writing included), so the ratio compares numbers of the same minute. Peak RSS and CPU time come from
wait4() of each child. Prints a markdown table (min and median wall time, CPU, peak RSS, ratio to the peer) and
writes the raw numbers as JSON.

Tasks: lint --fix / lint (text) / json / sarif of the one file (pangu style, every recommended rule), the same
with the duplicates pack, text / json / sarif of the article files, print style with --no-config, the other
report formats (rdjson, github, checkstyle, junit, codequality, html: tasks `f-…`, without peer runs, for the
memory limit), per-file overhead of clean small files, and start-up on one small file (median of 20 runs).
"""
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

PEER_ONE = r"""
import sys, autocorrect_py
src, dst = sys.argv[1], sys.argv[2]
with open(src, encoding="utf-8") as f: text = f.read()
with open(dst, "w", encoding="utf-8") as f: f.write(autocorrect_py.format(text))
"""

PEER_DIR = r"""
import os, sys, autocorrect_py
src, dst = sys.argv[1], sys.argv[2]
with open(dst, "w", encoding="utf-8") as out:
    for name in sorted(os.listdir(src)):
        if name.endswith(".txt"):
            with open(os.path.join(src, name), encoding="utf-8") as f:
                out.write(autocorrect_py.format(f.read()))
"""


def run(argv, stdout_path=None, cwd=None):
    """Runs argv, returns (wall_s, cpu_s, maxrss_kb, exit code). An argument `<FILE` (the last one) is not passed:
    the file is the command's standard input instead."""
    out = open(stdout_path, "wb") if stdout_path else subprocess.DEVNULL
    stdin = subprocess.DEVNULL
    if argv and argv[-1].startswith("<"):
        stdin = open(argv[-1][1:], "rb")
        argv = argv[:-1]
    t0 = time.perf_counter()
    p = subprocess.Popen(argv, stdout=out, stderr=subprocess.DEVNULL, stdin=stdin, cwd=cwd)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    if stdout_path:
        out.close()
    return wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss, p.returncode


def stats(samples):
    walls = [s[0] for s in samples]
    return {"min_s": min(walls), "median_s": statistics.median(walls), "times_s": walls,
            "cpu_median_s": statistics.median(s[1] for s in samples),
            "rss_mb": max(s[2] for s in samples) / 1024.0, "exit_codes": sorted(set(s[3] for s in samples))}


def size_of(path):
    if os.path.isdir(path):
        return sum(os.path.getsize(os.path.join(path, n)) for n in os.listdir(path) if n.endswith(".txt")), \
            max(os.path.getsize(os.path.join(path, n)) for n in os.listdir(path) if n.endswith(".txt"))
    s = os.path.getsize(path)
    return s, s


def split_articles(web, folder):
    """The web news as one file per article (cut before each `### ` title line), as /work/corpora/articles is."""
    if os.path.isdir(folder) and os.listdir(folder):
        return folder
    os.makedirs(folder, exist_ok=True)
    with open(web, "rb") as f:
        data = f.read()
    parts, cur = [], []
    for line in data.splitlines(keepends=True):
        if line.startswith(b"### ") and cur:
            parts.append(b"".join(cur)); cur = []
        cur.append(line)
    if cur:
        parts.append(b"".join(cur))
    for k, p in enumerate(parts):
        with open(os.path.join(folder, f"{k:05d}.txt"), "wb") as f:
            f.write(p)
    return folder


def main(argv):
    args = {"--reps": "5", "--work": "bench/out/e2e", "--json": None, "--web": None, "--articles": None,
            "--copydesk": None, "--only": None, "--split-articles": None, "--commit": None}
    flags = set()
    i = 0
    while i < len(argv):
        a = argv[i]
        if a in ("--no-peer",):
            flags.add(a); i += 1; continue
        if a not in args:
            sys.exit(f"e2e.py: unknown argument {a}")
        args[a] = argv[i + 1]; i += 2
    reps = int(args["--reps"])
    cd = args["--copydesk"] or sys.exit("e2e.py: --copydesk BIN is required")
    work = args["--work"]
    os.makedirs(work, exist_ok=True)
    peer = "--no-peer" not in flags
    if peer:
        try:
            import autocorrect_py  # noqa: F401
        except ImportError:
            print("e2e.py: autocorrect_py not importable; peer columns skipped", file=sys.stderr)
            peer = False
    only = set(args["--only"].split(",")) if args["--only"] else None
    if args["--split-articles"] and args["--web"] and not args["--articles"]:
        # In a child process: the children timed below start from this process (fork, or vfork, then exec), and
        # Linux carries the memory high-water mark of the process that forked into the child's peak RSS (wait4's
        # ru_maxrss), so reading the 25 MB corpus here put ~90 MB under every later task's peak.
        folder = args["--split-articles"]
        subprocess.run([sys.executable, "-c", "import sys; sys.path.insert(0, sys.argv[1]); import e2e; e2e.split_articles(sys.argv[2], sys.argv[3])",
                        os.path.dirname(os.path.abspath(__file__)), args["--web"], folder], check=True)
        args["--articles"] = folder

    pangu = os.path.join(work, "pangu.yml")
    with open(pangu, "w") as f:
        f.write("extends: [copydesk:recommended]\nstyle: pangu\n")
    pangu_dup = os.path.join(work, "pangu-duplicates.yml")
    with open(pangu_dup, "w") as f:
        f.write("extends: [copydesk:recommended, copydesk:duplicates]\nstyle: pangu\n")

    # Clean small files: the clean print sample, many times over as separate files and once as one file.
    clean_src = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "examples", "clean-print.txt")
    clean_dir = os.path.join(work, "clean")
    clean_one = os.path.join(work, "clean-one.txt")
    n_clean = 2000
    with open(clean_src, "rb") as f:
        clean = f.read()
    if not os.path.isdir(clean_dir) or len(os.listdir(clean_dir)) != n_clean:
        shutil.rmtree(clean_dir, ignore_errors=True)
        os.makedirs(clean_dir)
        for k in range(n_clean):
            with open(os.path.join(clean_dir, f"{k:05d}.txt"), "wb") as f:
                f.write(clean)
    with open(clean_one, "wb") as f:
        f.write((clean.rstrip(b"\n") + b"\n\n") * n_clean)

    report = os.path.join(work, "report.out")
    fixcopy = os.path.join(work, "fix-input.txt")
    tasks = []   # (name, label, input for size and peer, copydesk argv, copy before run)
    web, arts = args["--web"], args["--articles"]
    if web:
        tasks += [
            ("fix", "`lint --fix`, one file", web, [cd, "lint", "--fix", "--config", pangu, "--color", "never", fixcopy], (web, fixcopy)),
            ("text", "`lint` (text), one file", web, [cd, "lint", "--config", pangu, "--color", "never", web], None),
            ("json", "`lint --format json`, one file", web, [cd, "lint", "--config", pangu, "--format", "json", web], None),
            ("sarif", "`lint --format sarif`, one file", web, [cd, "lint", "--config", pangu, "--format", "sarif", web], None),
            ("print", "`lint --no-config` (print style), one file", web, [cd, "lint", "--no-config", "--color", "never", web], None),
            ("dup-text", "`lint` + duplicates pack, one file", web, [cd, "lint", "--config", pangu_dup, "--color", "never", web], None),
            ("dup-fix", "`lint --fix` + duplicates pack, one file", web, [cd, "lint", "--fix", "--config", pangu_dup, "--color", "never", fixcopy], (web, fixcopy)),
        ]
        # The other report formats (memory limit for every format; no peer runs: no ratio target).
        tasks += [(f"f-{f}", f"`lint --format {f}`, one file", web, [cd, "lint", "--config", pangu, "--format", f, web], None)
                  for f in ["rdjson", "github", "checkstyle", "junit", "codequality", "html"]]
        # The preview and the filter: the memory limit holds for them too.
        tasks += [("f-diff", "`lint --diff`, one file", web, [cd, "lint", "--diff", "--config", pangu, "--color", "never", web], None),
                  ("f-fix-stdin", "`lint --fix -` (standard input), one file", web,
                   [cd, "lint", "--fix", "--config", pangu, "--color", "never", "-", "<" + web], None)]
    if arts:
        tasks += [
            ("a-text", "`lint` (text), 7,135 article files", arts, [cd, "lint", "--config", pangu, "--color", "never", arts], None),
            ("a-json", "`lint --format json`, article files", arts, [cd, "lint", "--config", pangu, "--format", "json", arts], None),
            ("a-sarif", "`lint --format sarif`, article files", arts, [cd, "lint", "--config", pangu, "--format", "sarif", arts], None),
            ("a-dup", "`lint` + duplicates pack, article files", arts, [cd, "lint", "--config", pangu_dup, "--color", "never", arts], None),
        ]
        tasks += [(f"f-a-{f}", f"`lint --format {f}`, article files", arts, [cd, "lint", "--config", pangu, "--format", f, arts], None)
                  for f in ["github", "junit", "html"]]
        # The duplicates pack compares the files with one another: its findings between files come after the last
        # file, as a second part of each file (memory bounded by a file for every format).
        tasks += [(f"f-a-dup-{f}", f"`lint --format {f}` + duplicates pack, article files", arts,
                   [cd, "lint", "--config", pangu_dup, "--format", f, arts], None)
                  for f in ["json", "sarif", "html"]]
    if only:
        tasks = [t for t in tasks if t[0] in only]

    load0 = os.getloadavg()
    results = []
    peer_script = os.path.join(work, "peer.py")
    for name, label, inp, argv_, copy in tasks:
        total, largest = size_of(inp)
        mine, theirs = [], []
        for _ in range(reps):
            if copy:
                shutil.copyfile(*copy)
            mine.append(run(argv_, stdout_path=report))
            if peer and not name.startswith("f-"):
                with open(peer_script, "w") as f:
                    f.write(PEER_DIR if os.path.isdir(inp) else PEER_ONE)
                theirs.append(run([sys.executable, peer_script, inp, os.path.join(work, "peer.out")]))
        r = {"task": name, "label": label, "bytes": total, "largest": largest, "copydesk": stats(mine),
             "command": " ".join(argv_[1:]).replace(cd, "copydesk")}
        r["report_bytes"] = os.path.getsize(report)
        if theirs:
            r["peer"] = stats(theirs)
            r["ratio_median"] = r["peer"]["median_s"] / r["copydesk"]["median_s"]
            r["ratio_min"] = r["peer"]["min_s"] / r["copydesk"]["min_s"]
            r["ratio_cpu"] = r["peer"]["cpu_median_s"] / max(1e-9, r["copydesk"]["cpu_median_s"])
        r["rss_limit_mb"] = 2 * largest / 1e6 * (1e6 / 1048576) + 50
        results.append(r)
        print(f"{label}: {r['copydesk']['min_s']:.2f}/{r['copydesk']['median_s']:.2f} s, "
              f"{r['copydesk']['rss_mb']:.0f} MB" + (f", peer {r['peer']['median_s']:.2f} s, {r['ratio_median']:.2f}x" if theirs else ""),
              file=sys.stderr)

    # Per-file overhead of clean small files, and start-up.
    extra = {}
    if not only or "overhead" in only:
        many = [run([cd, "lint", "--no-config", "--color", "never", clean_dir], stdout_path=report) for _ in range(reps)]
        one = [run([cd, "lint", "--no-config", "--color", "never", clean_one], stdout_path=report) for _ in range(reps)]
        m, o = stats(many), stats(one)
        extra["overhead"] = {"files": n_clean, "bytes_each": len(clean), "many": m, "one": o,
                             "per_file_us_median": (m["median_s"] - o["median_s"]) / n_clean * 1e6,
                             "per_file_us_min": (m["min_s"] - o["min_s"]) / n_clean * 1e6}
        print(f"per-file overhead: {extra['overhead']['per_file_us_min']:.0f} µs (min) / "
              f"{extra['overhead']['per_file_us_median']:.0f} µs (median)", file=sys.stderr)
    if not only or "startup" in only:
        small = os.path.join(work, "small.txt")
        with open(small, "wb") as f:
            f.write(clean)
        for _ in range(3):
            run([cd, "lint", "--no-config", "--color", "never", small])
        s = stats([run([cd, "lint", "--no-config", "--color", "never", small]) for _ in range(20)])
        extra["startup"] = s
        print(f"start-up: median {s['median_s'] * 1000:.1f} ms, best {s['min_s'] * 1000:.1f} ms", file=sys.stderr)
    load1 = os.getloadavg()

    commit = args["--commit"] or subprocess.run(["git", "describe", "--always", "--dirty"], capture_output=True, text=True).stdout.strip()
    cpu = "unknown"
    try:
        for line in open("/proc/cpuinfo", encoding="utf-8"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip(); break
    except OSError:
        pass
    meta = {"commit": commit, "cpu": cpu, "nproc": os.cpu_count(), "load_before": load0, "load_after": load1,
            "reps": reps, "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
    doc = {"meta": meta, "tasks": results, **extra}
    if args["--json"]:
        with open(args["--json"], "w") as f:
            json.dump(doc, f, indent=1)
    print_table(doc)


def print_table(doc):
    m = doc["meta"]
    print(f"\nEnd to end (commit {m['commit']}, {m['nproc']} × {m['cpu']}, {m['date']}, load average "
          f"{m['load_before'][0]:.1f} → {m['load_after'][0]:.1f}, {m['reps']} runs each; "
          "wall time min / median, CPU median, peak RSS max; autocorrect-py `format` in the same runs)\n")
    print("| task (24.8 MB web news; pangu, recommended rules) | copydesk wall s | CPU s | peak RSS MB (limit) "
          "| autocorrect-py `format` s (CPU s) | ratio, wall median | ratio, CPU | target (wall) |")
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    targets = {"fix": 5, "text": 3, "json": 2, "sarif": 2, "a-text": 3, "a-json": 2, "a-sarif": 2}
    for r in doc["tasks"]:
        c = r["copydesk"]
        p = r.get("peer")
        t = targets.get(r["task"])
        ratio = r.get("ratio_median")
        rss_ok = c["rss_mb"] < r["rss_limit_mb"]
        target = "" if t is None or ratio is None else (f"≥ {t}×: " + ("met" if ratio >= t else "not met"))
        print(f"| {r['label']} | {c['min_s']:.2f} / {c['median_s']:.2f} | {c['cpu_median_s']:.2f} | "
              f"{c['rss_mb']:.0f} ({r['rss_limit_mb']:.0f}{'' if rss_ok else ', over'}) | "
              + (f"{p['min_s']:.2f} / {p['median_s']:.2f} ({p['cpu_median_s']:.2f}) | **{ratio:.2f}×** | {p['cpu_median_s'] / max(1e-9, c['cpu_median_s']):.2f}× | {target} |"
                 if p else "- | - | - | |"))
    o = doc.get("overhead")
    if o:
        print(f"\nPer-file overhead, clean {o['bytes_each']}-byte print file: {o['files']} files "
              f"{o['many']['median_s']:.3f} s vs the same text as one file {o['one']['median_s']:.3f} s → "
              f"**{o['per_file_us_median']:.0f} µs** per file (median; {o['per_file_us_min']:.0f} µs from the minima); target ≤ 50 µs")
    s = doc.get("startup")
    if s:
        print(f"Start-up, `copydesk lint` on one {o['bytes_each'] if o else ''}-byte file: median **{s['median_s'] * 1000:.1f} ms**, "
              f"best {s['min_s'] * 1000:.1f} ms (20 runs); target < 20 ms")


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "table":
        print_table(json.load(open(sys.argv[2])))
    else:
        main(sys.argv[1:])
