"""Make the README's pictures under docs/ from models you trained (nothing here is downloaded).

    seqkit train-w2v ../shared/corpora/imdb/unsup.txt.gz -o /tmp/imdb.w2v --epochs 1
    python docs/make_figures.py --w2v /tmp/imdb.w2v [--classifier gru.npz --test ../shared/corpora/imdb/test.tsv.gz]

It runs the same commands a user would (`seqkit plot ...`), then checks each image stays under 300 KB.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
MAX_BYTES = 300_000
SEEDS = ["good", "bad", "great", "awful", "funny", "boring"]


def seqkit(*args: str) -> None:
    cmd = [sys.executable, "-m", "seqkit", *args, "--force"]
    print("$", "seqkit", *args, file=sys.stderr)
    subprocess.run(cmd, check=True)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--w2v", required=True, help="word vectors from `seqkit train-w2v` (native format)")
    p.add_argument("--classifier", help="a model from `seqkit train-classifier` (optional)")
    p.add_argument("--test", help="labelled test data for the confusion matrix (with --classifier)")
    a = p.parse_args()
    made = [DOCS / "imdb_words.png", DOCS / "imdb_w2v_history.png"]
    seqkit("plot", "words", a.w2v, *SEEDS, "--neighbours", "6", "-o", str(made[0]))
    seqkit("plot", "history", a.w2v, "-o", str(made[1]))
    if a.classifier:
        made.append(DOCS / "imdb_classifier_history.png")
        seqkit("plot", "history", a.classifier, "-o", str(made[-1]))
        if a.test:
            made.append(DOCS / "imdb_confusion.png")
            seqkit("plot", "confusion", a.classifier, a.test, "-o", str(made[-1]))
    for path in made:
        size = path.stat().st_size
        print(f"{path.relative_to(DOCS.parent)}: {size / 1000:.0f} KB", file=sys.stderr)
        if size > MAX_BYTES:
            sys.exit(f"{path} is {size:,} bytes, over the {MAX_BYTES:,} the repository allows for an image")


if __name__ == "__main__":
    main()
