"""word2vec speed and quality: seqkit against gensim (and, with --peers, word2vec.c and the fastText CLI).

    python benchmarks/bench_w2v.py ../shared/corpora/imdb [--peers] [--seeds 3] [--threads 2] [--epochs 1]
                                   [--modes sg-ns,cbow-ns,sg-hs,cbow-hs] [--limit 3000000] [--jsonl runs.jsonl]
    python benchmarks/bench_w2v.py ../shared/corpora/imdb --deterministic [--seeds 3]

--deterministic: seqkit (Hogwild) against seqkit --deterministic ("seqkit-det"), interleaved: speed and
quality of the deterministic one against the default's means (issue 30: at least 0.85x the speed, analogy
within 0.3 points, Spearman within 0.01), and for the first seed its vectors trained again with --threads 1
and compared, byte for byte, with the 2-thread file.

The IMDB text (train + test + unsup) is tokenized once with seqkit's default normalizer into one token
file (one review a line, tokens separated by spaces); every tool then trains on that same file as a user
would, in its own process, with the same hyperparameters (gensim's defaults: dim 100, window 5,
min-count 5, sample 1e-3, 5 noise words, alpha 0.025 -> 0.0001):

- seqkit:     `seqkit train-w2v tok.txt --format word2vec-bin ...` (raw text in, vectors out)
- gensim:     `Word2Vec(LineSentence(tok.txt), ...)` then `save_word2vec_format` (a child Python process)
- word2vec.c: `word2vec -train tok.txt -binary 1 ...`        (--peers; built by ../shared/peers/build.sh)
- fastText:   `fasttext skipgram|cbow -input tok.txt -minn 0 -maxn 0 ...` (--peers; no subwords)
- seqkit-folder (--tools): `seqkit preprocess tok.txt -o DIR` then `seqkit train-w2v DIR ...`, times summed

Per run: the whole command's wall time, training time where the tool reports it (seqkit's summary line,
gensim's train() call), peak RSS (the child's, from wait4), and quality through `seqkit evaluate-w2v`
on the tool's own output file (analogies over the 30k most frequent words, WordSim353, SimLex-999).
The 30k words are one list for every tool (`evaluate-w2v --restrict-words`): the token file's words down
to the count of the 30,000th, ties included. Each file's own first 30,000 would not do: the 30,000th
word's count is shared by some 900 words (on full IMDB), which gensim orders last-seen first and
word2vec.c and seqkit first-seen first, so their questions differed (10,194 against 10,463) and the
same gensim vectors scored 0.3 points lower when cut at seqkit's words.
Tools run interleaved (their order rotates with the seed) so that drift in the machine's speed spreads
over all of them. word2vec.c has no seed option: its runs differ by thread scheduling only.

Prints one JSON line per run, then per mode each tool's mean and spread (min-max for times, standard
deviation for quality) and the checks of issue 13: seqkit's mean whole command against the fastest
peer's, and its mean quality against gensim's.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MODES = {"sg-ns": ("skipgram", "ns"), "cbow-ns": ("cbow", "ns"), "sg-hs": ("skipgram", "hs"), "cbow-hs": ("cbow", "hs")}
# seqkit's --batch-negatives (HogBatch) as a fifth "tool" in skip-gram modes: --tools seqkit-batch
HERE = Path(__file__).resolve().parent
PEERS_BUILD = HERE.parent.parent / "shared" / "peers" / "build.sh"


# Token streams of the same reviews (--stream): "seqkit", seqkit's default normalizer; "plain", the stream
# of issue 32 as a user would make it without seqkit: `<br />` to a space, lowercase, [a-z0-9]+('[a-z]+)?
PLAIN_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
STREAMS = ("seqkit", "plain")


def plain_tokenize(text: str) -> list[str]:
    return PLAIN_TOKEN.findall(text.replace("<br />", " ").lower())


def make_token_file(folder: Path, out: Path, limit: int | None, stream: str = "seqkit") -> int:
    """The IMDB text (train + test + unsup) as one token stream, one review a line. Returns the tokens."""
    from seqkit.text.normalize import Normalizer
    from seqkit.text.sources import iter_documents

    tokenize, total = (Normalizer().tokenize if stream == "seqkit" else plain_tokenize), 0
    with open(out, "w") as f:
        for name in ("train.tsv.gz", "test.tsv.gz", "unsup.txt.gz"):
            for text in iter_documents(str(folder / name)):
                tokens = tokenize(text)
                if not tokens:
                    continue
                f.write(" ".join(tokens) + "\n")
                total += len(tokens)
                if limit and total >= limit:
                    return total
    return total


def analogy_words(counts: dict[str, int], out: Path, n: int = 30000, min_count: int = 5) -> int:
    """Write the words every tool's analogies are asked over: the ``n`` most frequent of ``counts``
    (those of at least ``min_count``), and every word as frequent as the n-th (ties are in no
    tool-independent order). Returns how many."""
    from seqkit.embed.evaluate import frequent_words

    kept = {w: c for w, c in counts.items() if c >= min_count}
    words = frequent_words(list(kept), list(kept.values()), n)
    out.write_text("".join(w + "\n" for w in sorted(words)), encoding="utf-8")
    return len(words)


def token_counts(tok: Path) -> dict[str, int]:
    from collections import Counter

    counts: Counter = Counter()
    with open(tok, encoding="utf-8") as f:
        for line in f:
            counts.update(line.split())
    return counts


def timed(cmd: list[str]) -> tuple[float, float, str, str]:
    """Run ``cmd``; (wall seconds, its peak RSS in MB from wait4, stdout, stderr). Exits on failure."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, text=True)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0), err.seek(0)
        stdout, stderr = out.read(), err.read()
    if proc.returncode != 0:
        raise SystemExit(f"failed ({proc.returncode}): {' '.join(cmd)}\n{stderr[-3000:]}")
    return wall, usage.ru_maxrss / 1024, stdout, stderr


class Runner:
    """Each tool's command line for one (mode, seed); each returns (wall, train seconds or None, peak MB)."""

    def __init__(self, tok: Path, work: Path, args, peers: dict[str, str], words: Path | None = None):
        self.tok, self.work, self.args, self.peers, self.words = tok, work, args, peers, words
        self.seqkit = str(Path(sys.executable).with_name("seqkit"))

    def run(self, tool: str, mode: str, seed: int, out: Path):
        model, loss = MODES[mode]
        a = self.args
        if tool == "seqkit-folder":  # `seqkit preprocess` then `train-w2v` on the folder: two commands, summed
            folder = self.work / "corpus"
            wall0, peak0, _, _ = timed([self.seqkit, "preprocess", str(self.tok), "-o", str(folder), "--force", "-q"])
            wall, train_s, peak = self._seqkit(str(folder), out, model, loss, seed, [])
            shutil.rmtree(folder)
            return wall0 + wall, train_s, max(peak0, peak)
        if tool in ("seqkit", "seqkit-batch", "seqkit-det"):
            extra = {"seqkit": [], "seqkit-batch": ["--batch-negatives"], "seqkit-det": ["--deterministic"]}[tool]
            return self._seqkit(str(self.tok), out, model, loss, seed, extra)
        if tool == "gensim":
            cmd = [sys.executable, __file__, "--gensim", str(self.tok), mode, str(a.threads), str(a.epochs), str(a.dim),
                   str(seed), str(out)]
            wall, peak, stdout, _ = timed(cmd)
            return wall, json.loads(stdout.strip().splitlines()[-1])["train_s"], peak
        if tool == "word2vec":
            cmd = [self.peers["word2vec"], "-train", str(self.tok), "-output", str(out), "-cbow", str(int(model == "cbow")),
                   "-size", str(a.dim), "-window", "5", "-negative", "5" if loss == "ns" else "0",
                   "-hs", str(int(loss == "hs")), "-sample", "1e-3", "-threads", str(a.threads), "-iter", str(a.epochs),
                   "-min-count", "5", "-binary", "1", "-alpha", "0.025"]
            wall, peak, _, _ = timed(cmd)
            return wall, None, peak
        if tool == "fasttext":
            stem = str(out.with_name(out.stem + "-fasttext"))
            cmd = [self.peers["fasttext"], model, "-input", str(self.tok), "-output", stem, "-dim", str(a.dim), "-ws", "5",
                   "-neg", "5", "-loss", loss, "-minCount", "5", "-t", "1e-3", "-thread", str(a.threads),
                   "-epoch", str(a.epochs), "-lr", "0.025", "-minn", "0", "-maxn", "0", "-seed", str(seed), "-verbose", "0"]
            wall, peak, _, _ = timed(cmd)
            os.unlink(stem + ".bin")
            os.replace(stem + ".vec", out)
            return wall, None, peak
        raise SystemExit(f"unknown tool {tool}")

    def _seqkit(self, corpus: str, out: Path, model: str, loss: str, seed: int, extra: list[str]):
        a = self.args
        cmd = [self.seqkit, "train-w2v", corpus, "-o", str(out), "--format", "word2vec-bin", "--model", model,
               "--loss", loss, "--dim", str(a.dim), "--epochs", str(a.epochs), "--threads", str(a.threads),
               "--seed", str(seed), "--force", *extra]
        wall, peak, _, err = timed(cmd)
        found = re.search(r" words in ([0-9.]+) s \(", err)
        return wall, float(found.group(1)) if found else None, peak

    def quality(self, vectors: Path) -> dict:
        _, _, stdout, _ = timed([self.seqkit, "evaluate-w2v", str(vectors), "--json",
                                 *(["--restrict-words", str(self.words)] if self.words else [])])
        q = json.loads(stdout)
        return {"analogy": q["analogy_accuracy"], "wordsim353": q["wordsim353_spearman"], "simlex999": q["simlex999_spearman"]}


def gensim_child(tok: str, mode: str, threads: int, epochs: int, dim: int, seed: int, out: str) -> None:
    """What a gensim user runs: stream the token file, train, write word2vec binary vectors."""
    import logging

    logging.disable(logging.WARNING)
    from gensim.models import Word2Vec
    from gensim.models.word2vec import LineSentence

    model, loss = MODES[mode]
    g = Word2Vec(vector_size=dim, window=5, min_count=5, sample=1e-3, negative=5 if loss == "ns" else 0,
                 hs=int(loss == "hs"), sg=int(model == "skipgram"), workers=threads, epochs=epochs, seed=seed)
    g.build_vocab(LineSentence(tok))
    start = time.perf_counter()
    g.train(LineSentence(tok), total_examples=g.corpus_count, epochs=epochs)
    train_s = time.perf_counter() - start
    g.wv.save_word2vec_format(out, binary=True)
    print(json.dumps({"train_s": train_s}))


def spread(values: list[float]) -> str:
    if len(values) == 1:
        return f"{values[0]:.1f}"
    return f"{statistics.mean(values):.1f} ({min(values):.1f}-{max(values):.1f})"


def quality_cell(values: list[float], scale: float = 1.0, digits: int = 3) -> str:
    mean = statistics.mean(values) * scale
    if len(values) == 1:
        return f"{mean:.{digits}f}"
    return f"{mean:.{digits}f} ± {statistics.stdev(values) * scale:.{digits}f}"


def summarize(runs: list[dict], tools: list[str], modes: list[str]) -> list[dict]:
    rows = []
    for mode in modes:
        per = {t: [r for r in runs if r["mode"] == mode and r["tool"] == t] for t in tools}
        row = {"mode": mode}
        for t, rs in per.items():
            if not rs:
                continue
            row[t] = {k: [r[k] for r in rs] for k in ("whole_s", "train_s", "peak_mb", "analogy", "wordsim353", "simlex999")}
        peers = [t for t in ("gensim", "word2vec", "fasttext") if t in row]
        if "seqkit" in row and peers:
            sk = statistics.mean(row["seqkit"]["whole_s"])
            fastest = min(peers, key=lambda t: statistics.mean(row[t]["whole_s"]))
            row["fastest_peer"] = fastest
            row["speedup"] = statistics.mean(row[fastest]["whole_s"]) / sk
        if "seqkit" in row and "seqkit-folder" in row:
            row["raw_over_folder"] = statistics.mean(row["seqkit"]["whole_s"]) / statistics.mean(row["seqkit-folder"]["whole_s"])
        if "seqkit" in row and "seqkit-det" in row:
            row["det"] = deterministic_checks(row["seqkit"], row["seqkit-det"])
            row["det"]["same_on_1_thread"] = [r["same_on_1_thread"] for r in per["seqkit-det"] if "same_on_1_thread" in r]
        if "seqkit" in row and "gensim" in row:
            m = {k: statistics.mean(row["seqkit"][k]) - statistics.mean(row["gensim"][k])
                 for k in ("analogy", "wordsim353", "simlex999")}
            row["minus_gensim"] = m
            row["quality_ok"] = m["analogy"] >= -0.002 and m["wordsim353"] >= -0.01 and m["simlex999"] >= -0.01
        rows.append(row)
    return rows


def deterministic_checks(default: dict, det: dict) -> dict:
    """seqkit --deterministic against the default's means: speed ratios (training, whole command) and quality
    differences, with issue 30's margins."""
    mean, median = statistics.mean, statistics.median
    out = {"speed_train": mean(default["train_s"]) / mean(det["train_s"]),
           # the default's times have outliers (2x on this 2-core machine), which flatter a ratio of means
           "speed_train_median": median(default["train_s"]) / median(det["train_s"]),
           "speed_whole": mean(default["whole_s"]) / mean(det["whole_s"]),
           **{k: mean(det[k]) - mean(default[k]) for k in ("analogy", "wordsim353", "simlex999")}}
    out["ok"] = (min(out["speed_train"], out["speed_train_median"]) >= 0.85 and abs(out["analogy"]) <= 0.003
                 and abs(out["wordsim353"]) <= 0.01 and abs(out["simlex999"]) <= 0.01)
    return out


def print_tables(rows: list[dict], tools: list[str], n_seeds: int) -> None:
    print(f"\nwhole command, seconds: mean (min-max) over {n_seeds} seed(s); training-only where the tool reports it\n")
    print("| mode | " + " | ".join(tools) + " | fastest peer / seqkit |")
    print("|---|" + "---|" * len(tools) + "---|")
    for r in rows:
        cells = []
        for t in tools:
            if t not in r:
                cells.append("-")
                continue
            cell = spread(r[t]["whole_s"])
            trains = [x for x in r[t]["train_s"] if x is not None]
            if trains:
                cell += f" [train {statistics.mean(trains):.1f}]"
            cells.append(cell)
        ratio = f"**{r['speedup']:.2f}x** ({r['fastest_peer']})" if "speedup" in r else "-"
        print(f"| {r['mode']} | " + " | ".join(cells) + f" | {ratio} |")
    print("\npeak RSS, MB (mean)\n")
    print("| mode | " + " | ".join(tools) + " |")
    print("|---|" + "---|" * len(tools))
    for r in rows:
        print(f"| {r['mode']} | " + " | ".join(f"{statistics.mean(r[t]['peak_mb']):.0f}" if t in r else "-" for t in tools) + " |")
    for key, label in (("analogy", "analogy accuracy, % (mean ± sd)"), ("wordsim353", "WordSim353 Spearman"),
                       ("simlex999", "SimLex-999 Spearman")):
        scale, digits = (100.0, 2) if key == "analogy" else (1.0, 3)
        print(f"\n{label}\n")
        print("| mode | " + " | ".join(tools) + " | seqkit - gensim |")
        print("|---|" + "---|" * len(tools) + "---|")
        for r in rows:
            diff = f"{r['minus_gensim'][key] * scale:+.{digits}f}" if "minus_gensim" in r else "-"
            print(f"| {r['mode']} | " + " | ".join(quality_cell(r[t][key], scale, digits) if t in r else "-" for t in tools)
                  + f" | {diff} |")
    print()
    for r in rows:
        checks = []
        if "speedup" in r:
            checks.append(f"speed {r['speedup']:.2f}x the fastest peer ({'ok' if r['speedup'] >= 1.5 else 'below 1.5x'})")
        if "raw_over_folder" in r:
            checks.append(f"raw text {r['raw_over_folder']:.2f}x the time of preprocess + train-w2v on the folder")
        if "quality_ok" in r:
            checks.append(f"quality vs gensim {'ok' if r['quality_ok'] else 'below'}")
        if "det" in r:
            d = r["det"]
            checks.append(f"--deterministic: {d['speed_train']:.3f}x the default's training speed by means, "
                          f"{d['speed_train_median']:.3f}x by medians ({d['speed_whole']:.3f}x whole command), analogy {100 * d['analogy']:+.2f} points, WordSim353 "
                          f"{d['wordsim353']:+.4f}, SimLex-999 {d['simlex999']:+.4f}: {'ok' if d['ok'] else 'OUTSIDE the margins'}; "
                          f"byte-identical with --threads 1: {d['same_on_1_thread']}")
        print(f"{r['mode']}: " + "; ".join(checks))


def same_on_one_thread(runner: Runner, mode: str, out: Path) -> bool:
    """Whether seqkit --deterministic writes the same file, byte for byte, with --threads 1 as ``out``."""
    import filecmp

    one = out.with_name("seqkit-det-1thread.bin")
    args = runner.args
    runner.args = argparse.Namespace(**{**vars(args), "threads": 1})
    try:
        runner.run("seqkit-det", mode, 1, one)
    finally:
        runner.args = args
    same = filecmp.cmp(out, one, shallow=False)
    one.unlink()
    return same


def build_peers() -> dict[str, str]:
    if not PEERS_BUILD.exists():
        raise SystemExit(f"--peers needs {PEERS_BUILD} (the shared folder beside the repository)")
    paths = subprocess.run(["bash", str(PEERS_BUILD)], capture_output=True, text=True, check=True).stdout.split()
    return {Path(p).name: p for p in paths}


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--gensim":
        tok, mode, threads, epochs, dim, seed, out = sys.argv[2:9]
        gensim_child(tok, mode, int(threads), int(epochs), int(dim), int(seed), out)
        return
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folder", type=Path, help="folder with train.tsv.gz, test.tsv.gz, unsup.txt.gz")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--dim", type=int, default=100)
    ap.add_argument("--limit", type=int, default=None, help="use only the first N tokens (whole reviews)")
    ap.add_argument("--modes", default=",".join(MODES))
    ap.add_argument("--peers", action="store_true", help="add word2vec.c and the fastText CLI")
    ap.add_argument("--tools", default=None, help="comma-separated, from seqkit,gensim,word2vec,fasttext; also seqkit-batch (--batch-negatives) and "
                    "seqkit-folder (preprocess, then train-w2v on the folder: two commands)")
    ap.add_argument("--seeds", type=int, default=1, help="runs per tool and mode, seeds 1..N")
    ap.add_argument("--jsonl", type=Path, default=None, help="also append every run's JSON line to this file")
    ap.add_argument("--stream", default="seqkit", choices=STREAMS,
                    help="token stream: seqkit's normalizer, or plain (lowercase [a-z0-9]+('[a-z]+)?, as issue 32)")
    ap.add_argument("--deterministic", action="store_true", help="seqkit against seqkit --deterministic (tool seqkit-det)")
    args = ap.parse_args()
    tools = args.tools.split(",") if args.tools else ["seqkit", "gensim"] + (["word2vec", "fasttext"] if args.peers else [])
    if args.deterministic and not args.tools:
        tools = ["seqkit", "seqkit-det"]
    modes = args.modes.split(",")
    for m in modes:
        if m not in MODES:
            raise SystemExit(f"unknown mode {m}: choose from {', '.join(MODES)}")
    peers = build_peers() if {"word2vec", "fasttext"} & set(tools) else {}
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        tok = work / "tok.txt"
        n_tokens = make_token_file(args.folder, tok, args.limit, args.stream)
        print(f"token file ({args.stream} stream): {n_tokens:,} tokens, {tok.stat().st_size / 1e6:.0f} MB; tools: {', '.join(tools)}", file=sys.stderr)
        words = work / "analogy-words.txt"
        n_words = analogy_words(token_counts(tok), words)
        print(f"analogies over {n_words:,} words (the 30,000 most frequent, ties included)", file=sys.stderr)
        runner = Runner(tok, work, args, peers, words)
        # compile seqkit's kernels (cached by Numba after) before anything is timed
        warm = work / "warm.txt"
        warm.write_text("".join(line for _, line in zip(range(200), open(tok))))
        for mode in ("sg-ns", "cbow-ns"):
            Runner(warm, work, argparse.Namespace(dim=8, epochs=1, threads=1), peers).run("seqkit", mode, 1, work / "w.bin")
        if "seqkit-det" in tools:
            for mode in ("sg-ns", "cbow-ns"):
                Runner(warm, work, argparse.Namespace(dim=8, epochs=1, threads=1), peers).run("seqkit-det", mode, 1, work / "w.bin")
        if "seqkit-batch" in tools:
            Runner(warm, work, argparse.Namespace(dim=8, epochs=1, threads=1), peers).run("seqkit-batch", "sg-ns", 1, work / "w.bin")
        for seed in range(1, args.seeds + 1):
            for mode in modes:
                order = tools[(seed - 1) % len(tools):] + tools[: (seed - 1) % len(tools)]
                for tool in order:
                    if tool == "seqkit-batch" and MODES[mode][0] != "skipgram":
                        continue
                    out = work / f"{tool}.bin"
                    wall, train_s, peak = runner.run(tool, mode, seed, out)
                    run = {"tool": tool, "mode": mode, "seed": seed, "threads": args.threads, "epochs": args.epochs,
                           "tokens": n_tokens, "whole_s": round(wall, 2),
                           "train_s": None if train_s is None else round(train_s, 2), "peak_mb": round(peak),
                           **{k: round(v, 4) for k, v in runner.quality(out).items()}}
                    if tool == "seqkit-det" and seed == 1:
                        run["same_on_1_thread"] = same_on_one_thread(runner, mode, out)
                    out.unlink()
                    runs.append(run)
                    print(json.dumps(run), flush=True)
                    if args.jsonl:
                        with open(args.jsonl, "a") as f:
                            f.write(json.dumps(run) + "\n")
    rows = summarize(runs, tools, modes)
    print_tables(rows, tools, args.seeds)


if __name__ == "__main__":
    main()
