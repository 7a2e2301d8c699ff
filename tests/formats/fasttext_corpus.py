"""Small labelled corpora in fastText's format, and the fastText CLI that builds models from them
(for tests/formats; `python -m tests.formats.fasttext_corpus DIR` remakes the committed fixtures)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np

PEERS = Path(__file__).resolve().parents[2].parent / "shared" / "peers"
EXTRA = ["café", "naïve", "日本語", "über", "x", "a-b"]


def corpus(n_lines: int, n_labels: int, seed: int = 0, multi: bool = False, topics: int = 0) -> list[str]:
    """Lines `__label__L3 w12 w7 ...`: each label prefers a few of 80 words (some non-ASCII), drawn
    with the seed `topics` (the same preferences for every sample seed)."""
    rng = np.random.default_rng(topics)
    words = [f"w{i}" for i in range(80 - len(EXTRA))] + EXTRA
    liked = rng.integers(0, len(words), size=(n_labels, 4))
    if seed != topics:
        rng = np.random.default_rng(seed)
    lines = []
    for _ in range(n_lines):
        y = int(rng.integers(n_labels))
        toks = [words[j] for j in rng.integers(0, len(words), size=int(rng.integers(3, 12)))]
        toks += [words[j] for j in liked[y, rng.integers(0, 4, size=3)]]
        rng.shuffle(toks)
        labels = [y] + ([int(rng.integers(n_labels))] if multi and rng.random() < 0.3 else [])
        lines.append(" ".join([f"__label__L{t}" for t in dict.fromkeys(labels)] + toks))
    return lines


def texts(n_lines: int = 60, seed: int = 7) -> list[str]:
    """Unlabelled test lines, with unknown words, a label-like token and stray whitespace."""
    lines = [line.split(" ", 1)[1] for line in corpus(n_lines, 3, seed, topics=seed)]
    return lines + ["zzz unknown-word w1", "  w3\tw4  \u00e9t\u00e9 w5  ", "__label__L0 w2 w9", "日本語 über café"]


def fasttext_cli(build_dir: Path | None = None) -> str | None:
    """The fastText binary ($SEQKIT_FASTTEXT, the peers' build, PATH), else built into build_dir; None if impossible."""
    for c in (os.environ.get("SEQKIT_FASTTEXT", ""), str(Path(os.environ.get("TMPDIR", "/tmp")) / "seqkit-peers" / "fasttext"),
              shutil.which("fasttext") or ""):
        if c and os.access(c, os.X_OK):
            return c
    if build_dir is None or not (PEERS / "build.sh").exists():
        return None
    try:
        subprocess.run(["bash", str(PEERS / "build.sh"), str(build_dir)], check=True, capture_output=True, timeout=600)
    except (OSError, subprocess.SubprocessError):
        return None
    path = build_dir / "fasttext"
    return str(path) if os.access(path, os.X_OK) else None


def run(cli: str, *args: str, stdin: str | None = None) -> str:
    return subprocess.run([cli, *args], check=True, capture_output=True, text=True, input=stdin, timeout=300).stdout


def predict_prob(cli: str, model: Path, lines: list[str], k: int = -1, threshold: float = 0.0) -> list[list[tuple[str, float]]]:
    out = run(cli, "predict-prob", str(model), "-", str(k), str(threshold), stdin="".join(t + "\n" for t in lines))
    return [parse_line(r) for r in out.split("\n")[: len(lines)]]


def parse_line(line: str) -> list[tuple[str, float]]:
    f = line.split()
    return [(f[i].removeprefix("__label__"), float(f[i + 1])) for i in range(0, len(f), 2)]


def make_fixtures(out: Path, cli: str) -> None:
    """The committed fixtures: three tiny models and fastText's predictions for texts()."""
    out.mkdir(parents=True, exist_ok=True)
    train = out / "train.txt"
    train.write_text("\n".join(corpus(300, 4)) + "\n", encoding="utf-8")
    base = ["-input", str(train), "-dim", "4", "-epoch", "5", "-lr", "0.2", "-verbose", "0"]
    run(cli, "supervised", *base, "-output", str(out / "tiny"), "-minn", "2", "-maxn", "3", "-bucket", "64", "-wordNgrams", "2")
    run(cli, "supervised", *base, "-output", str(out / "tiny_hs"), "-loss", "hs", "-bucket", "300", "-wordNgrams", "2")
    run(cli, "quantize", "-input", str(train), "-output", str(out / "tiny_hs"), "-qnorm", "-cutoff", "270", "-dsub", "2")
    for name in ("tiny.bin", "tiny_hs.bin", "tiny_hs.ftz"):
        got = predict_prob(cli, out / name, texts())
        (out / (name + ".expected")).write_text("\n".join(" ".join(f"{l} {p!r}" for l, p in line) for line in got) + "\n")
    train.unlink()
    for f in out.glob("*.vec"):
        f.unlink()


if __name__ == "__main__":
    make_fixtures(Path(sys.argv[1]), fasttext_cli())
