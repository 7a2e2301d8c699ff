"""The architecture registry: one entry per --arch, other entries' options refused generically."""

import pytest

from seqkit.errors import OptionError
from seqkit.models import registry


def test_every_arch_has_an_entry_with_a_loadable_builder_and_runner():
    assert set(registry.ARCHITECTURES) >= {"rnn", "lstm", "gru", "transformer", "mlp", "linear"}
    for arch in registry.ARCHITECTURES.values():
        assert callable(registry._load(arch.builder)) and callable(registry._load(arch.runner))


def test_another_architectures_option_is_refused_and_shared_ones_pass():
    linear, gru = registry.get("linear"), registry.get("gru")
    with pytest.raises(OptionError, match="--hidden does not apply to --arch linear"):
        registry.check_options(linear, {"hidden", "lr"})
    with pytest.raises(OptionError, match="--word-ngrams does not apply to --arch gru"):
        registry.check_options(gru, {"word_ngrams"})
    registry.check_options(linear, {"lr", "epochs", "word_ngrams", "embed_dim", "threads"})
    registry.check_options(gru, {"lr", "hidden", "max_vocab"})


def test_a_new_entry_is_one_registration(monkeypatch):
    monkeypatch.setattr(registry, "ARCHITECTURES", dict(registry.ARCHITECTURES))
    toy = registry.register(registry.Architecture("toy", frozenset({"kernel_size"}), "builtins:dict", "builtins:print"))
    assert registry.get("toy") is toy and toy.build({"a": 1}) == {"a": 1}
    with pytest.raises(OptionError, match="--kernel-size does not apply to --arch linear"):
        registry.check_options(registry.get("linear"), {"kernel_size"})
    with pytest.raises(OptionError, match="--hidden does not apply to --arch toy"):
        registry.check_options(toy, {"hidden"})


def test_unknown_arch():
    with pytest.raises(OptionError, match="--arch must be one of"):
        registry.get("nope")
