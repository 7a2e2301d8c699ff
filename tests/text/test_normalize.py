import pytest

from seqkit.text.normalize import NormalizeOptions, Normalizer


def tok(text, **kw):
    return Normalizer(NormalizeOptions(**kw)).tokenize(text)


def test_defaults_lowercase_strip_html_drop_punct():
    assert tok("The MOVIE was<br /><br />great!") == ["the", "movie", "was", "great"]


def test_html_entities_decoded_and_tags_removed():
    assert tok("Tom &amp; Jerry <i>rock</i>", punct="keep", symbols="keep") == ["tom", "&", "jerry", "rock"]
    assert tok("a<br/>b", html=False, punct="keep", symbols="keep") == ["a", "<", "br", "/", ">", "b"]


def test_case_kept_on_request():
    assert tok("The Movie", lowercase=False) == ["The", "Movie"]


def test_contractions_stay_one_token_and_curly_apostrophes_fold():
    assert tok("I don't know, it’s fine") == ["i", "don't", "know", "it's", "fine"]


def test_unicode_letters_are_letters():
    assert tok("Café crème brûlée naïve Ωmega") == ["café", "crème", "brûlée", "naïve", "ωmega"]


@pytest.mark.parametrize(
    "mode,expected",
    [
        ("keep", ["pi", "is", "3.14", "not", "1,000", "or", "7"]),
        ("drop", ["pi", "is", "not", "or"]),
        ("token", ["pi", "is", "<num>", "not", "<num>", "or", "<num>"]),
    ],
)
def test_numbers(mode, expected):
    assert tok("Pi is 3.14, not 1,000 or 7.", numbers=mode) == expected


def test_words_with_digits_are_words_not_numbers():
    assert tok("the 1950s on mp3", numbers="drop") == ["the", "1950s", "on", "mp3"]


@pytest.mark.parametrize(
    "mode,expected",
    [
        ("token", ["see", "<url>", "or", "mail", "<email>"]),
        ("drop", ["see", "or", "mail"]),
    ],
)
def test_urls_and_emails(mode, expected):
    assert tok("See https://example.com/a?b=1 or mail jo.x@example.org", urls=mode) == expected


def test_urls_kept_as_text_are_tokenized_normally():
    assert tok("www.example.com", urls="keep") == ["www", "example", "com"]


def test_punctuation_kept_as_tokens_symbols_dropped():
    assert tok("Wow! 5 € — great 😀", punct="keep") == ["wow", "!", "5", "—", "great"]


def test_symbols_kept_punctuation_dropped():
    assert tok("Wow! 5 € great 😀", symbols="keep") == ["wow", "5", "€", "great", "😀"]


def test_both_kept():
    assert tok("a, b 😀", punct="keep", symbols="keep") == ["a", ",", "b", "😀"]


def test_underscore_is_not_part_of_words():
    assert tok("snake_case") == ["snake", "case"]
