"""The stated limits: every size that a file or an option can claim is checked against one of these,
or against the file's real size, before anything is allocated for it (README, "Command-line conventions").
"""

from __future__ import annotations

from seqkit.errors import OptionError

MAX_DIM = 10_000  # word-vector / embedding size (--dim, --embed-dim); published vectors use 50-1000
MAX_HIDDEN = 8_192  # recurrent state (--hidden)
MAX_FFN = 65_536  # Transformer feed-forward width (--ffn)
MAX_LAYERS = 64  # --layers
MAX_HEADS = 256  # --heads
MAX_LEN = 100_000  # tokens per text (--max-len); the longest IMDB review has about 2,500
MAX_BATCH = 65_536  # texts per step (--batch-size, --batch)
MAX_FILTER_WIDTH = 1_000  # a convolution's width (--filters)
MAX_FILTERS = 64  # convolutions of different widths (--filters)
MAX_WINDOW = 1_000  # word2vec --window
MAX_NEGATIVE = 1_000  # word2vec --negative
MAX_EPOCHS = 100_000  # --epochs
MAX_COUNT_DIGITS = 18  # a count in vocab.tsv fits int64
MAX_IMDB_MEMBER = 16 << 20  # bytes of one review in an IMDB tarball (the longest is about 14 KB)
MAX_IMDB_ID_DIGITS = 9  # review ids in aclImdb file names (ID_RATING.txt) are at most 5 digits
MAX_INFLATED = 1 << 30  # bytes a compressed .npz member may inflate to (seqkit writes none)
MAX_INFLATE_RATIO = 100  # and at most this many times its compressed size
MAX_BUCKETS = 100_000_000  # hash buckets (--buckets, a model's `buckets`); fastText's default is 2,000,000
MAX_WORD_NGRAMS = 32  # --word-ngrams; fastText's examples use 1-5
MAX_LR = 10.0  # --lr and --alpha; the defaults are 0.1 (linear) and 0.025 (word2vec); above ~1 training diverges
MAX_SEED = 2**32 - 1  # --seed: NumPy's and scikit-learn's seeds are unsigned 32-bit
MAX_OOV_WORD_CHARS = 1_024  # characters of a word whose vector is built from its n-grams (a query)
MAX_TEXT_FEATURES = 1 << 26  # feature rows of one text in the linear classifier (tokens x --word-ngrams; 512 MiB)
MAX_LOCAL_WORKERS = 256  # --cluster local:N, and never more than the machine's cores


def check_finite(option: str, value: float, low: float, high: float) -> None:
    """OptionError (exit 2) unless value is a number (not NaN or infinity) with low < value <= high."""
    import math

    if not (math.isfinite(value) and low < value <= high):
        raise OptionError(f"{option} must be a number above {low:g} and at most {high:g}, not {value}")


def check_range(option: str, value: int, low: int, high: int) -> None:
    """OptionError (exit 2) unless low <= value <= high."""
    if not low <= value <= high:
        raise OptionError(f"{option} must be between {low:,} and {high:,}, not {value:,}")
