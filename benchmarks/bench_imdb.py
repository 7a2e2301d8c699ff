"""IMDB sentiment: train each architecture with the command line README gives, evaluate on the 25k test
reviews, print one JSON line per model: arch, accuracy, train_seconds, command.

    flock /tmp/seqkit-bench.lock python benchmarks/bench_imdb.py ../shared/corpora [--only gru,lstm] [--embeddings-effect]
    flock /tmp/seqkit-bench.lock python benchmarks/bench_imdb.py ../shared/corpora --mlp [--vectors imdb.w2v]

The training data are `imdb/train.tsv.gz` (25k reviews; 10% held out for validation), the test data
`imdb/test.tsv.gz` (25k). First `seqkit train-w2v` makes word vectors from `imdb/unsup.txt.gz` (50k
unlabelled reviews); every recipe starts from them. With --embeddings-effect it also reports the GRU
without vectors and with vectors that gensim trained on the same text (`embeddings`: none | seqkit | gensim).
With --mlp it runs the lecture notes' four MLPs over tf-idf-weighted mean vectors (sigmoid, ReLU, ReLU +
batch norm, ReLU + dropout), with the vectors tuned and frozen, and prints a README table row for each.
`train_seconds` is the time of the training epochs as the model file records it; `wall_seconds` the whole
command (reading, tokenizing, validation, saving), `cpu_seconds` its CPU time on all cores.
"""

from __future__ import annotations

import argparse
import json
import resource
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
    "cnn": "seqkit train-classifier {train} -o {out}/cnn.npz --arch cnn --filters 3,4,5 --maps 100 --dropout 0.5 "
    "--lr 1e-3 --epochs 3 --patience 1 " + COMMON,
}

# The lecture notes' four MLPs over tf-idf-weighted mean vectors (--mlp): sigmoid, ReLU, ReLU + batch norm,
# ReLU + dropout, each with the vectors tuned (--tune-embeddings) and frozen (the notes' fixed features).
# Whole reviews (--max-len 2000 cuts one text of the 22.5k); big batches, as each step updates the whole table.
MLP_COMMON = ("--arch mlp --doc-weight tfidf --hidden 256 --max-len 2000 --batch-size 256 --embeddings {vectors} "
              "--quiet")
MLP_MODELS = {
    "sigmoid": "--activation sigmoid --dropout 0",
    "relu": "--activation relu --dropout 0",
    "relu+batchnorm": "--activation relu --dropout 0 --batch-norm",
    "relu+dropout": "--activation relu --dropout 0.5",
}
MLP_VECTORS = {
    "tuned": "--tune-embeddings --lr 3e-3 --epochs 3 --patience 1",
    "frozen": "--lr 1e-3 --epochs 15 --patience 3",
}
for _v, _train in MLP_VECTORS.items():
    for _m, _opts in MLP_MODELS.items():
        _name = f"mlp-{_m.replace('+', '-')}-{_v}"
        RECIPES[_name] = f"seqkit train-classifier {{train}} -o {{out}}/{_name}.npz {MLP_COMMON} {_opts} {_train}"
MLP_RECIPES = [n for n in RECIPES if n.startswith("mlp-")]


def _run(cmd: str) -> float:
    t0 = time.perf_counter()
    subprocess.run(shlex.split(cmd), check=True)
    return time.perf_counter() - t0


def _child_cpu() -> float:
    """CPU seconds (user + system) of the finished child processes so far."""
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def _evaluate(model: str, test: str) -> dict:
    out = subprocess.run(["seqkit", "evaluate", model, test, "--json"], check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def _train_seconds(model: str) -> float | None:
    """The training time the model file records (epochs only, no reading or tokenizing)."""
    from seqkit.models.bundle import TrainedClassifier

    return TrainedClassifier.load(model).info.get("train_seconds")


def bench(name: str, cmd: str, test: str, extra: dict | None = None) -> dict:
    cpu0 = _child_cpu()
    wall = _run(cmd)
    cpu = _child_cpu() - cpu0
    model = shlex.split(cmd)[shlex.split(cmd).index("-o") + 1]
    report = _evaluate(model, test)
    row = {
        "arch": name.split("+")[0] if not name.startswith("mlp-") else name,
        "accuracy": round(report["accuracy"], 4),
        "macro_f1": round(report["macro_f1"], 4),
        "train_seconds": _train_seconds(model),
        "wall_seconds": round(wall, 1),
        "cpu_seconds": round(cpu, 1),  # the whole command's, both cores: a figure a busy machine inflates less
        "command": cmd,
        **(extra or {}),
    }
    print(json.dumps(row), flush=True)
    return row


MLP_LABELS = {"sigmoid": "sigmoid", "relu": "ReLU", "relu-batchnorm": "ReLU + batch norm", "relu-dropout": "ReLU + dropout 0.5"}


def mlp_table_row(row: dict) -> str:
    """A README table row: | model | vectors | test accuracy | macro F1 | training time |."""
    _, rest = row["arch"].split("-", 1)
    model, vectors = rest.rsplit("-", 1)
    return (f"| MLP, {MLP_LABELS[model]} | {vectors} | {100 * row['accuracy']:.2f}% | {row['macro_f1']:.4f} "
            f"| {row['train_seconds']:.0f} s |")


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
    ap.add_argument("--only", default="gru,rnn,transformer,lstm,cnn")
    ap.add_argument("--mlp", action="store_true", help="the notes' four MLPs, tuned and frozen vectors (instead of --only)")
    ap.add_argument("--vectors", default=None, help="reuse vectors made by the VECTORS command instead of training them")
    ap.add_argument("--embeddings-effect", action="store_true",
                    help="also the GRU without vectors and with gensim's vectors (the cross-check)")
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    test = str(args.corpora / "imdb/test.tsv.gz")
    out = args.out or Path(tempfile.mkdtemp(prefix="bench-imdb-"))
    out.mkdir(parents=True, exist_ok=True)
    fill = {"train": str(args.corpora / "imdb/train.tsv.gz"), "out": str(out), "unsup": str(args.corpora / "imdb/unsup.txt.gz")}
    fill["vectors"] = args.vectors or str(out / "imdb.w2v")
    if not args.vectors:
        cmd = VECTORS.format(**fill)
        t = _run(cmd)
        print(json.dumps({"vectors": "seqkit", "seconds": round(t, 1), "command": cmd}), flush=True)
    rows = []
    for name in MLP_RECIPES if args.mlp else args.only.split(","):
        if name:
            rows.append(bench(name, RECIPES[name].format(**fill) + " --force", test, {"embeddings": "seqkit"}))
    if args.mlp:
        print("\n".join(mlp_table_row(r) for r in rows), flush=True)
    if args.embeddings_effect:
        gru = RECIPES["gru"].format(**fill)
        bench("gru", gru.replace(f" --embeddings {fill['vectors']}", "").replace("gru.npz", "gru-none.npz") + " --force",
              test, {"embeddings": "none"})
        gensim = _gensim_vectors(args.corpora, out)
        bench("gru", gru.replace(fill["vectors"], gensim).replace("gru.npz", "gru-gensim.npz") + " --force",
              test, {"embeddings": "gensim"})


if __name__ == "__main__":
    sys.exit(main())
