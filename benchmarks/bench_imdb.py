"""IMDB sentiment: train each architecture with the command line README gives, evaluate on the 25k test
reviews, print one JSON line per model: arch, accuracy, train_seconds, command.

    flock /tmp/seqkit-bench.lock python benchmarks/bench_imdb.py ../shared/corpora [--only gru,lstm] [--embeddings-effect]

The training data are `imdb/train.tsv.gz` (25k reviews; 10% held out for validation), the test data
`imdb/test.tsv.gz` (25k). First `seqkit train-w2v` makes word vectors from `imdb/unsup.txt.gz` (50k
unlabelled reviews); every recipe starts from them. With --embeddings-effect it also reports the GRU
without vectors and with vectors that gensim trained on the same text (`embeddings`: none | seqkit | gensim).
`train_seconds` is the time of the training epochs as the model file records it; `wall_seconds` the whole
command (reading, tokenizing, validation, saving).
"""

from __future__ import annotations

import argparse
import json
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# The README's command lines; {train}, {out} and {vectors} are filled in. Every recipe starts from word
# vectors trained by `seqkit train-w2v` on the 50k unlabelled reviews (VECTORS below).
VECTORS = "seqkit train-w2v {unsup} -o {vectors} --dim 100 --epochs 5 --min-count 5 --quiet"
COMMON = "--max-len 400 --truncate tail --batch-size 64 --embeddings {vectors} --quiet"
RECIPES = {
    "gru": "seqkit train-classifier {train} -o {out}/gru.npz --arch gru --bidirectional --pool meanmax --hidden 64 "
    "--dropout 0.3 --lr 2e-3 --epochs 4 --patience 1 " + COMMON,
    "rnn": "seqkit train-classifier {train} -o {out}/rnn.npz --arch rnn --bidirectional --pool meanmax --hidden 64 "
    "--dropout 0.3 --lr 1e-3 --epochs 3 --patience 1 " + COMMON,
    "transformer": "seqkit train-classifier {train} -o {out}/transformer.npz --arch transformer --pool mean --heads 4 "
    "--ffn 128 --layers 1 --dropout 0.1 --lr 1e-3 --schedule warmup --epochs 3 --patience 1 " + COMMON,
    "lstm": "seqkit train-classifier {train} -o {out}/lstm.npz --arch lstm --bidirectional --pool meanmax --hidden 64 "
    "--dropout 0.3 --lr 2e-3 --epochs 4 --patience 1 " + COMMON,
}


def _run(cmd: str) -> float:
    t0 = time.perf_counter()
    subprocess.run(shlex.split(cmd), check=True)
    return time.perf_counter() - t0


def _evaluate(model: str, test: str) -> dict:
    out = subprocess.run(["seqkit", "evaluate", model, test, "--json"], check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def _train_seconds(model: str) -> float | None:
    """The training time the model file records (epochs only, no reading or tokenizing)."""
    from seqkit.models.bundle import TrainedClassifier

    return TrainedClassifier.load(model).info.get("train_seconds")


def bench(name: str, cmd: str, test: str, extra: dict | None = None) -> dict:
    wall = _run(cmd)
    model = shlex.split(cmd)[shlex.split(cmd).index("-o") + 1]
    report = _evaluate(model, test)
    row = {
        "arch": name.split("+")[0],
        "accuracy": round(report["accuracy"], 4),
        "macro_f1": round(report["macro_f1"], 4),
        "train_seconds": _train_seconds(model),
        "wall_seconds": round(wall, 1),
        "command": cmd,
        **(extra or {}),
    }
    print(json.dumps(row), flush=True)
    return row


def _gensim_vectors(corpora: Path, out: Path) -> str:
    """The cross-check: gensim's skip-gram with the same settings on the same tokens, in word2vec format."""
    from gensim.models import Word2Vec

    from seqkit.text.normalize import Normalizer
    from seqkit.text.sources import iter_documents

    path = out / "imdb-gensim.txt"
    t0 = time.perf_counter()
    tok = Normalizer().tokenize
    sentences = [tok(d) for d in iter_documents(str(corpora / "imdb/unsup.txt.gz"))]
    w2v = Word2Vec(sentences, vector_size=100, window=5, min_count=5, epochs=5, sg=1, negative=5, workers=2, seed=1)
    w2v.wv.save_word2vec_format(str(path))
    print(json.dumps({"vectors": "gensim", "seconds": round(time.perf_counter() - t0, 1)}), flush=True)
    return str(path)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("corpora", type=Path)
    ap.add_argument("--only", default="gru,rnn,transformer,lstm")
    ap.add_argument("--vectors", default=None, help="reuse vectors made by the VECTORS command instead of training them")
    ap.add_argument("--embeddings-effect", action="store_true",
                    help="also the GRU without vectors and with gensim's vectors (the cross-check)")
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    test = str(args.corpora / "imdb/test.tsv.gz")
    out = args.out or Path(tempfile.mkdtemp(prefix="bench-imdb-"))
    fill = {"train": str(args.corpora / "imdb/train.tsv.gz"), "out": str(out), "unsup": str(args.corpora / "imdb/unsup.txt.gz")}
    fill["vectors"] = args.vectors or str(out / "imdb.w2v")
    if not args.vectors:
        cmd = VECTORS.format(**fill)
        t = _run(cmd)
        print(json.dumps({"vectors": "seqkit", "seconds": round(t, 1), "command": cmd}), flush=True)
    for name in args.only.split(","):
        if name:
            bench(name, RECIPES[name].format(**fill) + " --force", test, {"embeddings": "seqkit"})
    if args.embeddings_effect:
        gru = RECIPES["gru"].format(**fill)
        bench("gru", gru.replace(f" --embeddings {fill['vectors']}", "").replace("gru.npz", "gru-none.npz") + " --force",
              test, {"embeddings": "none"})
        gensim = _gensim_vectors(args.corpora, out)
        bench("gru", gru.replace(fill["vectors"], gensim).replace("gru.npz", "gru-gensim.npz") + " --force",
              test, {"embeddings": "gensim"})


if __name__ == "__main__":
    sys.exit(main())
