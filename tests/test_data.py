"""Tests for attnbook.data (run from the repository root: python -m pytest tests/test_data.py)."""

from __future__ import annotations

import datetime
import pathlib
import shutil

import pooch
import pytest
import requests
import torch

from attnbook import data
from attnbook.data import (
    BOS,
    DATA_FILES,
    DATE_MAX,
    DATE_MIN,
    EOS,
    PAD,
    TATOEBA_FILE,
    UNK,
    DataFileError,
    DateExample,
    Seq2SeqBatch,
    TranslationPair,
    Vocab,
    batches,
    date_source_tokens,
    date_target_tokens,
    detokenize,
    fetch,
    group_references,
    load_tatoeba,
    make_batch,
    make_date_splits,
    make_dates,
    pad_sequences,
    render_date,
    split_by_source,
    word_tokenize,
)

REPO_ROOT = pathlib.Path(__file__).resolve().parents[1]
SHARED_DATA = (REPO_ROOT / ".." / "shared" / "data").resolve()
GOOD_LINE = "I love you.\tJe t'aime.\tCC-BY 2.0 (France) Attribution: tatoeba.org #1 (a) & #2 (b)\n"


@pytest.fixture
def shared_data(monkeypatch: pytest.MonkeyPatch) -> pathlib.Path:
    """Point ATTNBOOK_DATA at the offline mirror, or skip when it is absent."""
    if not (SHARED_DATA / TATOEBA_FILE).is_file():
        pytest.skip(f"offline data mirror {SHARED_DATA / TATOEBA_FILE} not found")
    monkeypatch.setenv(data.DATA_ENV_VAR, str(SHARED_DATA))
    return SHARED_DATA


@pytest.fixture
def no_download(monkeypatch: pytest.MonkeyPatch, tmp_path: pathlib.Path) -> list[dict]:
    """Replace pooch.retrieve by a fake that records its arguments and fails like a dead network."""
    calls: list[dict] = []

    def fake_retrieve(url, known_hash, fname, path, **kwargs):
        calls.append({"url": url, "known_hash": known_hash, "fname": fname, "path": path})
        raise requests.exceptions.ConnectionError("no network in tests")

    monkeypatch.setattr(pooch, "retrieve", fake_retrieve)
    monkeypatch.setenv(data.CACHE_ENV_VAR, str(tmp_path / "cache"))
    return calls


@pytest.fixture(scope="module")
def tatoeba_pairs() -> list[TranslationPair]:
    """The real 5,000 pairs, read straight from the mirror (no environment needed)."""
    path = SHARED_DATA / TATOEBA_FILE
    if not path.is_file():
        pytest.skip(f"offline data mirror {path} not found")
    return load_tatoeba(path)


# --- 1. Files and download ---------------------------------------------------


def test_fetch_uses_data_folder(shared_data: pathlib.Path, no_download: list[dict]) -> None:
    path = fetch(TATOEBA_FILE)
    assert path == shared_data / TATOEBA_FILE
    assert no_download == []  # found locally, nothing downloaded


def test_fetch_unknown_name_lists_known_names() -> None:
    with pytest.raises(KeyError, match=TATOEBA_FILE):
        fetch("no-such-file.tsv")


def test_fetch_rejects_local_file_with_wrong_hash(
    monkeypatch: pytest.MonkeyPatch, tmp_path: pathlib.Path, no_download: list[dict]
) -> None:
    (tmp_path / TATOEBA_FILE).write_text(GOOD_LINE, encoding="utf-8")
    monkeypatch.setenv(data.DATA_ENV_VAR, str(tmp_path))
    with pytest.raises(DataFileError) as excinfo:
        fetch(TATOEBA_FILE)
    message = str(excinfo.value)
    assert str(tmp_path / TATOEBA_FILE) in message
    assert DATA_FILES[TATOEBA_FILE].sha256 in message
    assert pooch.file_hash(str(tmp_path / TATOEBA_FILE)) in message
    assert "Delete" in message


def test_fetch_offline_download_failure(
    monkeypatch: pytest.MonkeyPatch, tmp_path: pathlib.Path, no_download: list[dict]
) -> None:
    empty_folder = tmp_path / "empty"
    empty_folder.mkdir()
    monkeypatch.setenv(data.DATA_ENV_VAR, str(empty_folder))
    with pytest.raises(DataFileError, match="could not be downloaded") as excinfo:
        fetch(TATOEBA_FILE)
    assert DATA_FILES[TATOEBA_FILE].url in str(excinfo.value)
    assert data.DATA_ENV_VAR in str(excinfo.value)
    assert isinstance(excinfo.value.__cause__, requests.exceptions.ConnectionError)
    # pooch was asked for the right file, verified by hash, into the cache folder.
    (call,) = no_download
    assert call["url"] == DATA_FILES[TATOEBA_FILE].url
    assert call["known_hash"] == "sha256:" + DATA_FILES[TATOEBA_FILE].sha256
    assert call["fname"] == TATOEBA_FILE
    assert pathlib.Path(call["path"]) == tmp_path / "cache"


def test_fetch_finds_file_in_download_cache(
    monkeypatch: pytest.MonkeyPatch, tmp_path: pathlib.Path, shared_data: pathlib.Path
) -> None:
    # A correct file already in the cache: the real pooch.retrieve checks its hash and
    # returns it without touching the network.
    monkeypatch.delenv(data.DATA_ENV_VAR)
    monkeypatch.setenv(data.CACHE_ENV_VAR, str(tmp_path))
    shutil.copy(shared_data / TATOEBA_FILE, tmp_path / TATOEBA_FILE)
    assert fetch(TATOEBA_FILE) == tmp_path / TATOEBA_FILE


def test_fetch_without_data_folder_downloads(
    monkeypatch: pytest.MonkeyPatch, no_download: list[dict]
) -> None:
    monkeypatch.delenv(data.DATA_ENV_VAR, raising=False)
    with pytest.raises(DataFileError):
        fetch(TATOEBA_FILE)
    assert len(no_download) == 1


def test_fetch_download_hash_mismatch(
    monkeypatch: pytest.MonkeyPatch, tmp_path: pathlib.Path
) -> None:
    def fake_retrieve(url, known_hash, fname, path, **kwargs):
        raise ValueError("SHA256 hash of downloaded file does not match the known hash")

    monkeypatch.setattr(pooch, "retrieve", fake_retrieve)
    monkeypatch.delenv(data.DATA_ENV_VAR, raising=False)
    monkeypatch.setenv(data.CACHE_ENV_VAR, str(tmp_path))
    with pytest.raises(DataFileError, match="expected SHA-256 hash"):
        fetch(TATOEBA_FILE)


def test_fetch_data_env_var_not_a_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: pathlib.Path
) -> None:
    monkeypatch.setenv(data.DATA_ENV_VAR, str(tmp_path / "missing"))
    with pytest.raises(DataFileError, match="not a folder"):
        fetch(TATOEBA_FILE)


# --- 2. Tatoeba ---------------------------------------------------------------


def test_load_tatoeba_real_file(shared_data: pathlib.Path) -> None:
    pairs = load_tatoeba()
    assert len(pairs) == 5000
    assert all(isinstance(pair, TranslationPair) for pair in pairs)
    assert any(pair.source == "I love you." and pair.target == "Je t'aime." for pair in pairs)
    assert pairs[0].attribution.startswith("CC-BY 2.0 (France)")


def test_load_tatoeba_two_fields_names_line(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "bad.tsv"
    path.write_text(GOOD_LINE + GOOD_LINE + "Hello.\tBonjour.\n", encoding="utf-8")
    with pytest.raises(DataFileError, match=r"line 3: expected 3 tab-separated fields .* found 2"):
        load_tatoeba(path)


def test_load_tatoeba_empty_field(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "bad.tsv"
    path.write_text(GOOD_LINE + "Hello.\t\tattribution\n", encoding="utf-8")
    with pytest.raises(DataFileError, match="line 2: expected a non-empty french field"):
        load_tatoeba(path)


def test_load_tatoeba_bad_utf8(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "bad.tsv"
    path.write_bytes(GOOD_LINE.encode() + b"Caf\xe9.\tCaf\xe9.\tx\n")
    with pytest.raises(DataFileError, match="line 2: expected UTF-8"):
        load_tatoeba(path)


def test_load_tatoeba_empty_file(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "empty.tsv"
    path.write_bytes(b"")
    with pytest.raises(DataFileError, match="empty"):
        load_tatoeba(path)


def test_split_by_source_no_leak_and_complete(tatoeba_pairs: list[TranslationPair]) -> None:
    splits = split_by_source(tatoeba_pairs)
    assert set(splits) == {"train", "valid", "test"}
    sources = {name: {pair.source for pair in split} for name, split in splits.items()}
    assert not sources["train"] & sources["valid"]
    assert not sources["train"] & sources["test"]
    assert not sources["valid"] & sources["test"]
    all_split_pairs = splits["train"] + splits["valid"] + splits["test"]
    assert sorted(all_split_pairs, key=repr) == sorted(tatoeba_pairs, key=repr)
    n_sentences = len({pair.source for pair in tatoeba_pairs})
    assert abs(len(sources["train"]) - 0.8 * n_sentences) <= 1
    assert abs(len(sources["test"]) - 0.1 * n_sentences) <= 1


def test_split_by_source_deterministic(tatoeba_pairs: list[TranslationPair]) -> None:
    first = split_by_source(tatoeba_pairs, seed=3)
    assert first == split_by_source(tatoeba_pairs, seed=3)
    # The order of the input pairs does not change which sentences go where.
    reversed_split = split_by_source(list(reversed(tatoeba_pairs)), seed=3)
    assert {p.source for p in reversed_split["test"]} == {p.source for p in first["test"]}
    assert first["test"] != split_by_source(tatoeba_pairs, seed=4)["test"]


@pytest.mark.parametrize(
    "fractions", [(0.8, 0.2), (0.9, 0.2, -0.1), (0.5, 0.3, 0.1), (0.5, 0.5, 0.0, 0.0)]
)
def test_split_by_source_bad_fractions(fractions: tuple[float, ...]) -> None:
    pairs = [TranslationPair("a", "b", "c")]
    with pytest.raises(ValueError, match="fractions"):
        split_by_source(pairs, fractions=fractions)


def test_group_references() -> None:
    pairs = [
        TranslationPair("Go.", "Va !", "x"),
        TranslationPair("Hi.", "Salut !", "x"),
        TranslationPair("Go.", "Marche.", "x"),
    ]
    assert group_references(pairs) == (["Go.", "Hi."], [["Va !", "Marche."], ["Salut !"]])


# --- 3. Tokenization and vocabulary ---------------------------------------------


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("Je t'aime.", ["je", "t", "'", "aime", "."]),
        ("I love you.", ["i", "love", "you", "."]),
        ("Va !", ["va", "!"]),
        ("Ｆｕｌｌ width", ["full", "width"]),  # NFKC folds full-width letters
        ("", []),
    ],
)
def test_word_tokenize(text: str, tokens: list[str]) -> None:
    assert word_tokenize(text) == tokens


def test_word_tokenize_rejects_non_str() -> None:
    with pytest.raises(TypeError, match="expected a str"):
        word_tokenize(["a", "list"])  # type: ignore[arg-type]


def test_detokenize() -> None:
    assert detokenize(["je", "t", "'", "aime", "."]) == "je t ' aime ."


def test_vocab_specials_and_order() -> None:
    # Most frequent first ("z": 3, "y": 2), ties alphabetical ("b", "c", "x": 1 each).
    vocab = Vocab([["z", "y", "x"], ["z", "c", "y"], ["b", "z"]])
    assert vocab.itos == [PAD, BOS, EOS, UNK, "z", "y", "b", "c", "x"]
    assert (vocab.pad_id, vocab.bos_id, vocab.eos_id, vocab.unk_id) == (0, 1, 2, 3)
    assert len(vocab) == 9
    assert vocab["z"] == 4
    assert vocab["never seen"] == vocab.unk_id
    assert vocab.lookup_token(6) == "b"


def test_vocab_min_freq_maps_rare_tokens_to_unk() -> None:
    vocab = Vocab([["a", "a", "rare"]], min_freq=2)
    assert "rare" not in vocab
    assert vocab.encode(["a", "rare"]) == [4, vocab.unk_id]


def test_vocab_round_trip() -> None:
    sentences = [word_tokenize("I love you."), word_tokenize("You love me.")]
    vocab = Vocab(sentences)
    for tokens in sentences:
        ids = vocab.encode(tokens, add_bos=True, add_eos=True)
        assert ids[0] == vocab.bos_id and ids[-1] == vocab.eos_id
        assert vocab.decode(ids) == tokens
        assert vocab.decode(torch.tensor(ids)) == tokens


def test_vocab_decode_stops_at_eos() -> None:
    vocab = Vocab([["a", "b"]])
    a, b = vocab["a"], vocab["b"]
    ids = [vocab.bos_id, a, vocab.pad_id, b, vocab.eos_id, a, vocab.pad_id]
    assert vocab.decode(ids) == ["a", "b"]
    assert vocab.decode(ids, strip_special=False) == [BOS, "a", PAD, "b", EOS, "a", PAD]
    assert vocab.decode([vocab.unk_id]) == [UNK]


def test_vocab_errors() -> None:
    vocab = Vocab([["a"]])
    with pytest.raises(IndexError, match=r"id 99 .* size 5"):
        vocab.decode([4, 99])
    with pytest.raises(IndexError, match="-1"):
        vocab.lookup_token(-1)
    with pytest.raises(ValueError, match="min_freq"):
        Vocab([["a"]], min_freq=0)
    with pytest.raises(TypeError, match="list of tokens"):
        Vocab(["a sentence, not tokens"])
    with pytest.raises(TypeError, match="list of tokens"):
        vocab.encode("a")
    with pytest.raises(ValueError, match="special"):
        Vocab([["<eos>", "a"]])
    with pytest.raises(ValueError, match="missing"):
        Vocab([["a"]], specials=("<pad>",))


# --- 4. Dates ----------------------------------------------------------------------

MAY_2 = datetime.date(2022, 5, 2)


@pytest.mark.parametrize(
    ("locale", "format", "text"),
    [
        ("en_US", "full", "Monday, May 2, 2022"),
        ("ko_KR", "full", "2022년 5월 2일 월요일"),
        ("fr_FR", "long", "2 mai 2022"),
        ("en_US", "short", "5/2/22"),
        ("es_ES", "short", "2/5/22"),
    ],
)
def test_render_date_known_values(locale: str, format: str, text: str) -> None:
    assert render_date(MAY_2, locale, format) == text


def test_render_date_errors() -> None:
    with pytest.raises(ValueError, match="en_US"):
        render_date(MAY_2, "xx_XX", "full")
    with pytest.raises(ValueError, match="medium"):
        render_date(MAY_2, "en_US", "tiny")
    with pytest.raises(ValueError, match="outside"):
        render_date(datetime.date(1949, 12, 31), "en_US", "full")


def test_date_tokens() -> None:
    example = DateExample(text="5/2/22", locale="en_US", format="short", iso="2022-05-02")
    assert date_source_tokens(example) == ["<en_US>", "5", "/", "2", "/", "2", "2"]
    assert date_target_tokens(example) == list("2022-05-02")


def test_make_dates_iso_matches_text() -> None:
    examples = make_dates(200, seed=1)
    assert len({example.iso for example in examples}) == 200
    for example in examples:
        date = datetime.date.fromisoformat(example.iso)
        assert DATE_MIN <= date <= DATE_MAX
        assert render_date(date, example.locale, example.format) == example.text
    assert {example.locale for example in examples} == set(data.DATE_LOCALES)


def test_make_dates_exclude_and_errors() -> None:
    examples = make_dates(500, seed=0, exclude={MAY_2, DATE_MIN})
    assert not {MAY_2.isoformat(), DATE_MIN.isoformat()} & {ex.iso for ex in examples}
    assert {ex.locale for ex in make_dates(20, locales=("ja_JP",))} == {"ja_JP"}
    with pytest.raises(ValueError, match="locales"):
        make_dates(5, locales=("xx_XX",))
    with pytest.raises(ValueError, match="available dates"):
        make_dates(36526)


def test_make_date_splits_disjoint_and_deterministic() -> None:
    splits = make_date_splits(n_train=2000, n_valid=200, n_test=200, seed=0)
    sizes = {name: len(split) for name, split in splits.items()}
    assert sizes == {"train": 2000, "valid": 200, "test": 200}
    dates = {name: {ex.iso for ex in split} for name, split in splits.items()}
    assert not dates["train"] & dates["valid"]
    assert not dates["train"] & dates["test"]
    assert not dates["valid"] & dates["test"]
    assert splits == make_date_splits(n_train=2000, n_valid=200, n_test=200, seed=0)
    assert splits["test"] != make_date_splits(n_train=2000, n_valid=200, n_test=200, seed=1)["test"]


# --- 5. Padding and batching ---------------------------------------------------------


def test_pad_sequences() -> None:
    padded, lengths = pad_sequences([[5, 6, 7], [8]], pad_id=0)
    assert padded.dtype == torch.int64 and lengths.dtype == torch.int64
    assert padded.tolist() == [[5, 6, 7], [8, 0, 0]]
    assert lengths.tolist() == [3, 1]


def test_pad_sequences_errors() -> None:
    with pytest.raises(ValueError, match="empty batch"):
        pad_sequences([], pad_id=0)
    with pytest.raises(ValueError, match="sequence 1"):
        pad_sequences([[1], []], pad_id=0)


@pytest.fixture
def toy_pairs() -> list[tuple[list[str], list[str]]]:
    return [
        (word_tokenize("I love you."), word_tokenize("Je t'aime.")),
        (word_tokenize("Go."), word_tokenize("Va !")),
        (word_tokenize("Hi."), word_tokenize("Salut.")),
    ]


def test_make_batch_shapes_and_shift(toy_pairs: list[tuple[list[str], list[str]]]) -> None:
    src_vocab = Vocab(src for src, _ in toy_pairs)
    tgt_vocab = Vocab(tgt for _, tgt in toy_pairs)
    batch = make_batch(toy_pairs, src_vocab, tgt_vocab)
    assert isinstance(batch, Seq2SeqBatch)
    assert len(batch) == 3
    assert batch.src.shape == (3, 4) and batch.src.dtype == torch.int64
    assert batch.src_lengths.tolist() == [4, 2, 2]
    assert batch.tgt_in.shape == batch.tgt_out.shape == (3, 6)
    assert (batch.tgt_in[:, 0] == tgt_vocab.bos_id).all()
    # tgt_out is tgt_in shifted left by one, ending with <eos>.
    y = tgt_vocab.encode(word_tokenize("Je t'aime."))
    assert batch.tgt_in[0].tolist() == [tgt_vocab.bos_id] + y
    assert batch.tgt_out[0].tolist() == y + [tgt_vocab.eos_id]
    padding = [tgt_vocab.pad_id] * 3
    assert batch.tgt_out[1].tolist() == tgt_vocab.encode(["va", "!"], add_eos=True) + padding
    assert src_vocab.decode(batch.src[1]) == ["go", "."]


def test_make_batch_too_long_source(toy_pairs: list[tuple[list[str], list[str]]]) -> None:
    vocab = Vocab(tokens for pair in toy_pairs for tokens in pair)
    with pytest.raises(ValueError, match=r"4 tokens.*max_src_len=3.*'love'"):
        make_batch(toy_pairs, vocab, vocab, max_src_len=3)
    with pytest.raises(ValueError, match=r"source 0 has 4 tokens"):
        batches(toy_pairs, vocab, vocab, batch_size=2, max_src_len=3)


def test_make_batch_empty() -> None:
    vocab = Vocab([["a"]])
    with pytest.raises(ValueError, match="empty batch"):
        make_batch([], vocab, vocab)


def test_batches_cover_all_pairs(toy_pairs: list[tuple[list[str], list[str]]]) -> None:
    vocab = Vocab(tokens for pair in toy_pairs for tokens in pair)
    plain = list(batches(toy_pairs, vocab, vocab, batch_size=2))
    assert [len(batch) for batch in plain] == [2, 1]
    assert vocab.decode(plain[1].src[0]) == ["hi", "."]

    many = [([str(i)], [str(i)]) for i in range(30)]
    numbers = Vocab(src for src, _ in many)

    def sources(batch_list: list[Seq2SeqBatch]) -> list[str]:
        return [numbers.decode(row)[0] for batch in batch_list for row in batch.src]

    in_order = list(batches(many, numbers, numbers, batch_size=4))
    shuffled = list(batches(many, numbers, numbers, batch_size=4, shuffle=True, seed=5))
    again = list(batches(many, numbers, numbers, batch_size=4, shuffle=True, seed=5))
    assert [len(batch) for batch in shuffled] == [4] * 7 + [2]
    assert sources(in_order) == [str(i) for i in range(30)]
    assert sorted(sources(shuffled)) == sorted(sources(in_order))  # every pair exactly once
    assert sources(shuffled) != sources(in_order)
    assert sources(shuffled) == sources(again)
    with pytest.raises(ValueError, match="batch_size"):
        batches(toy_pairs, vocab, vocab, batch_size=0)


# --- 6-7. Numbers read aloud, and the long-input task of chapters 1, 2 and 7 ----------

@pytest.mark.parametrize(
    "number, language, text",
    [
        (21, "en", "twenty-one"),
        (21, "fr", "vingt et un"),
        (80, "fr", "quatre-vingts"),
        (99, "fr", "quatre-vingt-dix-neuf"),
        (42, "ko", "사십이"),
        (0, "ko", "영"),
        (310, "en", "three hundred and ten"),
    ],
)
def test_render_number_known_values(number: int, language: str, text: str) -> None:
    assert data.render_number(number, language) == text


def test_render_number_errors() -> None:
    with pytest.raises(ValueError, match="non-negative int"):
        data.render_number(-1, "en")
    with pytest.raises(ValueError, match="non-negative int"):
        data.render_number(True, "en")
    with pytest.raises(ValueError, match="unknown language 'de'"):
        data.render_number(3, "de")


def test_number_source_tokens() -> None:
    assert data.number_source_tokens("사십이, 칠", "ko") == ["<ko>", "사", "십", "이", ",", "칠"]
    assert data.number_source_tokens("forty-two, seven", "en") == ["<en>", "forty", "two", ",", "seven"]
    assert data.number_source_tokens("vingt et un", "fr") == ["<fr>", "vingt", "et", "un"]
    with pytest.raises(ValueError, match="unknown language"):
        data.number_source_tokens("tres", "es")


def test_make_number_lists_renders_each_number_and_never_repeats_a_list() -> None:
    examples = data.make_number_lists(300, min_count=1, max_count=4, max_value=99, seed=1)
    assert len({e.numbers for e in examples}) == 300
    assert {e.language for e in examples} == set(data.NUMBER_LANGUAGES)
    for e in examples:
        assert 1 <= len(e.numbers) <= 4 and all(0 <= n <= 99 for n in e.numbers)
        assert e.text == ", ".join(data.render_number(n, e.language) for n in e.numbers)
        assert e.digits == " ".join(map(str, e.numbers)) and e.target == list(e.digits)
        assert e.source[0] == f"<{e.language}>" and e.source.count(",") == len(e.numbers) - 1
    korean = next(e for e in examples if e.language == "ko")
    assert all(len(token) == 1 for token in korean.source[1:])  # one Hangul syllable per token
    assert examples == data.make_number_lists(300, min_count=1, max_count=4, max_value=99, seed=1)
    assert examples != data.make_number_lists(300, min_count=1, max_count=4, max_value=99, seed=2)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"n": -1}, "n must be a non-negative int"),
        ({"n": 5, "min_count": 0}, "1 <= min_count <= max_count"),
        ({"n": 5, "min_count": 3, "max_count": 2}, "1 <= min_count <= max_count"),
        ({"n": 5, "max_value": 0}, "max_value must be an int >= 1"),
        ({"n": 5, "languages": ()}, "languages must not be empty"),
        ({"n": 5, "languages": ("en", "xx")}, "unknown languages"),
        ({"n": 60, "min_count": 1, "max_count": 1, "max_value": 99}, "more than half"),
    ],
)
def test_make_number_lists_errors(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        data.make_number_lists(**kwargs)


def test_bottleneck_task_is_deterministic_disjoint_and_gives_lengths() -> None:
    task = data.bottleneck_task(n_train=400, n_valid=50, n_test=100, seed=3)
    again = data.bottleneck_task(n_train=400, n_valid=50, n_test=100, seed=3)
    assert task.splits == again.splits and task.train == again.train
    assert [len(task.splits[name]) for name in data.SPLIT_NAMES] == [400, 50, 100]
    seen = {e.numbers for e in task.splits["train"]}
    assert not seen & {e.numbers for e in task.splits["valid"] + task.splits["test"]}
    for name, examples in task.splits.items():
        assert task.lengths[name] == [len(e.source) for e in examples]
    assert sorted(task.train) == sorted((e.source, e.target) for e in task.splits["train"])
    assert [len(t) for _, t in task.train] == sorted(len(t) for _, t in task.train)  # bucketed
    assert set(task.tgt_vocab.itos[4:]) == set("0123456789 ")
    assert task.max_src_len == max(len(e.source) for e in task.splits["train"])
    assert min(task.lengths["test"]) >= 2 and max(task.lengths["test"]) > 20  # long inputs
    assert data.bottleneck_task(n_train=400, n_valid=50, n_test=100, seed=4).splits != task.splits


def test_bottleneck_task_errors() -> None:
    with pytest.raises(ValueError, match="n_test must be a non-negative int"):
        data.bottleneck_task(n_train=10, n_valid=0, n_test=-1)
    with pytest.raises(ValueError, match="empty training split"):
        data.bottleneck_task(n_train=0, n_valid=5, n_test=5)
    with pytest.raises(ValueError, match="unknown languages"):
        data.bottleneck_task(n_train=10, n_test=5, languages=("de",))


def test_tatoeba_task_min_freq_shrinks_the_vocabularies(tatoeba_pairs: list[TranslationPair]) -> None:
    full = data.tatoeba_task(tatoeba_pairs, seed=0)
    small = data.tatoeba_task(tatoeba_pairs, seed=0, min_freq=2)
    assert small.train == full.train and len(small.tgt_vocab) < len(full.tgt_vocab)
    assert all(small.tgt_vocab.counts[t] >= 2 for t in small.tgt_vocab.itos[4:])
    assert small.lengths["test"] == [len(data.word_tokenize(p.source)) for p in small.splits["test"]]
    with pytest.raises(ValueError, match="min_freq must be >= 1"):
        data.tatoeba_task(tatoeba_pairs, min_freq=0)


def test_the_package_re_exports_each_name_from_its_one_home() -> None:
    """``from attnbook.data import X`` works for every public name of the data modules (but
    date_validity's), and the chapters' other import paths give the very same objects."""
    import importlib

    from attnbook import hub, lm, training

    homes = ["download", "tatoeba", "vocab", "dates", "batching", "number_lists", "seq2seq_tasks",
             "sentences", "characters"]
    for home in homes:
        module = importlib.import_module(f"attnbook.data.{home}")
        public = [name for name, value in vars(module).items()
                  if not name.startswith("_") and getattr(value, "__module__", module.__name__) == module.__name__
                  and not isinstance(value, type(module)) and name != "annotations"]
        for name in public:
            assert name in data.__all__ and getattr(data, name) is getattr(module, name), (home, name)
    assert all(hasattr(data, name) for name in data.__all__)
    for name in ("Seq2SeqConfig", "DATES_CONFIG", "TATOEBA_CONFIG", "BOTTLENECK_CONFIG"):
        assert getattr(data, name) is getattr(training, name)
    for name in ("CharVocab", "random_windows", "consecutive_windows"):
        assert getattr(lm, name) is getattr(data, name)
    assert hub.SentenceBatching is data.SentenceBatching
