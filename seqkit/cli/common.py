"""Options shared by several commands, so that `preprocess`, `train-w2v` and `train-classifier`
take the same preprocessing flags with the same defaults and help. Each option is defined once here;
cli/options.py joins them into groups that build the library's configs."""

from __future__ import annotations

from enum import Enum

import typer


class UrlMode(str, Enum):
    token = "token"
    drop = "drop"
    keep = "keep"


class NumberMode(str, Enum):
    keep = "keep"
    drop = "drop"
    token = "token"


class KeepDrop(str, Enum):
    drop = "drop"
    keep = "keep"


LOWERCASE = typer.Option(True, "--lowercase/--keep-case", help="Fold case.", rich_help_panel="Preprocessing")
HTML = typer.Option(True, "--strip-html/--keep-html", help="Remove HTML tags (<br />) and decode entities (&amp;).", rich_help_panel="Preprocessing")
URLS = typer.Option(UrlMode.token, "--urls", help="URLs and e-mail addresses: <url>/<email> tokens, drop, or keep as text.", rich_help_panel="Preprocessing")
NUMBERS = typer.Option(NumberMode.keep, "--numbers", help="Numbers: keep, drop, or replace each by <num>.", rich_help_panel="Preprocessing")
PUNCT = typer.Option(KeepDrop.drop, "--punct", help="Punctuation: drop, or keep each mark as a token.", rich_help_panel="Preprocessing")
SYMBOLS = typer.Option(KeepDrop.drop, "--symbols", help="Other symbols and emoji: drop or keep.", rich_help_panel="Preprocessing")
COLUMN = typer.Option(None, "--column", help="For TSV input with a header: the column that holds the text (default: 'text' when the header has it).", rich_help_panel="Preprocessing")
MAX_DOC_TOKENS = typer.Option(10000, "--max-doc-tokens", min=1, help="Cut longer documents (or one huge line, like text8) into pieces of at most this many tokens.", rich_help_panel="Preprocessing")
MIN_COUNT = typer.Option(5, "--min-count", min=1, help="Drop words seen fewer times than this.", rich_help_panel="Vocabulary")
MAX_VOCAB = typer.Option(None, "--max-vocab", min=1, help="Keep at most this many of the most frequent words.", rich_help_panel="Vocabulary")
QUIET = typer.Option(False, "--quiet", "-q", help="No progress bar.")
JSON = typer.Option(False, "--json", help="JSON output for machines.")
FORCE = typer.Option(False, "--force", "-f", help="Replace the output if it exists.")


class W2vModel(str, Enum):
    skipgram = "skipgram"
    cbow = "cbow"


class W2vLoss(str, Enum):
    ns = "ns"
    hs = "hs"


# word2vec's training options, shared by train-w2v and crosscheck (gensim's defaults)
_T = "Training"
W2V_MODEL = typer.Option(W2vModel.skipgram, "--model", help="skipgram or cbow.", rich_help_panel=_T)
W2V_LOSS = typer.Option(W2vLoss.ns, "--loss", help="ns: negative sampling; hs: hierarchical softmax.", rich_help_panel=_T)
DIM = typer.Option(100, "--dim", help="Vector size.", rich_help_panel=_T)
WINDOW = typer.Option(5, "--window", help="Maximum context distance (reduced at random per word).", rich_help_panel=_T)
SAMPLE = typer.Option(1e-3, "--sample", help="Frequent-word subsampling threshold (0: off).", rich_help_panel=_T)
NEGATIVE = typer.Option(5, "--negative", help="Noise words per example (--loss ns).", rich_help_panel=_T)
NS_EXPONENT = typer.Option(0.75, "--ns-exponent", help="Noise distribution ~ count^exponent.", rich_help_panel=_T)
ALPHA = typer.Option(0.025, "--alpha", help="Initial learning rate.", rich_help_panel=_T)
MIN_ALPHA = typer.Option(0.0001, "--min-alpha", help="Final learning rate (linear decay over the run).", rich_help_panel=_T)
EPOCHS = typer.Option(5, "--epochs", help="Passes over the corpus.", rich_help_panel=_T)
SEED = typer.Option(1, "--seed", help="Random seed.", rich_help_panel=_T)
THREADS = typer.Option(0, "--threads", min=0, help="Threads (0: all cores). Only --threads 1 is bit-reproducible for a --seed; more threads race (Hogwild), unless --deterministic.", rich_help_panel=_T)
BATCH_NEGATIVES = typer.Option(False, "--batch-negatives", help="Skip-gram: the contexts of a window share the output rows (one draw of negatives, or the word's Huffman path), which take one summed update after the window (HogBatch, Ji et al. 2016). About 2x faster; see README for its quality.", rich_help_panel=_T)
DETERMINISTIC = typer.Option(False, "--deterministic", help="The same model from a --seed on any number of --threads, bit for bit (same platform, NumPy and Numba): chunks trained in rounds against a common start, their changes merged in order. See docs/design/deterministic.md.", rich_help_panel=_T)
CBOW_SUM = typer.Option(False, "--cbow-sum", help="CBOW sums the context vectors instead of averaging them.", rich_help_panel=_T)


class DataFormat(str, Enum):
    auto = "auto"
    tsv = "tsv"
    csv = "csv"
    jsonl = "jsonl"
    fasttext = "fasttext"
    imdb = "imdb"


# labelled input (train-classifier, evaluate)
DATA_FORMAT = typer.Option(DataFormat.auto, "--format", help="Input format: detected from the name and content, or tsv, csv, jsonl, fasttext (__label__x text), imdb (aclImdb folder or tarball).", rich_help_panel="Input")
TEXT_COL = typer.Option(None, "--text-col", help="TSV/CSV/JSON lines: the field holding the text (default: 'text').", rich_help_panel="Input")
LABEL_COL = typer.Option(None, "--label-col", help="TSV/CSV/JSON lines: the field holding the label (default: 'label').", rich_help_panel="Input")


def normalize_options(lowercase: bool, html: bool, urls: UrlMode, numbers: NumberMode, punct: KeepDrop, symbols: KeepDrop):
    from seqkit.text.normalize import NormalizeOptions

    return NormalizeOptions(
        lowercase=lowercase, html=html, urls=urls.value, numbers=numbers.value, punct=punct.value, symbols=symbols.value
    )
def _cluster_address(value):
    """--cluster checked while the options are parsed, before any work (seqkit/cluster/address.py)."""
    if value is not None:
        from seqkit.cluster.address import parse_cluster

        parse_cluster(value)
    return value


CLUSTER = typer.Option(None, "--cluster", callback=_cluster_address, help="Run on Dask workers: 'local' or 'local:N' (N worker processes on this machine) or a scheduler address (tcp://host:8786). Needs pip install 'seqkit[dask]'; inputs and models must be at the same paths on every worker.", rich_help_panel="Cluster")


# subword (fastText-style) options, shared by train-w2v and crosscheck (fastText's and gensim's defaults)
_S = "Subwords"
SUBWORDS = typer.Option(False, "--subwords", help="fastText-style vectors: a word is the mean of its own row and its character n-gram rows, so any word gets a vector.", rich_help_panel=_S)
MINN = typer.Option(3, "--minn", help="Shortest character n-gram (with --subwords).", rich_help_panel=_S)
MAXN = typer.Option(6, "--maxn", help="Longest character n-gram (with --subwords).", rich_help_panel=_S)
BUCKETS = typer.Option(2_000_000, "--buckets", help="Hash buckets for the n-grams: rows of the n-gram matrix (with --subwords).", rich_help_panel=_S)


def subword_config(subwords: bool, minn: int, maxn: int, buckets: int):
    """The checked SubwordConfig, or None without --subwords (bad values exit 2 either way)."""
    from seqkit.embed.subwords import SubwordConfig

    config = SubwordConfig(minn, maxn, buckets)  # checked when built
    return config if subwords else None
