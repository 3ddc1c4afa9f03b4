"""Files: :func:`fetch` finds a known data file, checking its SHA-256 hash.

Either in a local folder named by the ``ATTNBOOK_DATA`` environment variable (how the course
runs offline) or by downloading it with `pooch <https://www.fatiando.org/pooch/>`_ into
:func:`cache_dir`. :data:`DATA_FILES` is the registry of every file the course reads.
"""

from __future__ import annotations

import os
import pathlib
from dataclasses import dataclass

import pooch

DATA_ENV_VAR = "ATTNBOOK_DATA"
"""Environment variable naming a folder that :func:`fetch` looks in first."""

CACHE_ENV_VAR = "ATTNBOOK_CACHE"
"""Environment variable naming the download cache folder (overrides pooch's default)."""


class DataFileError(RuntimeError):
    """A data file is missing, corrupted, could not be downloaded or could not be parsed."""


@dataclass(frozen=True)
class RemoteFile:
    """Where a known data file is downloaded from and its expected SHA-256 hash (hex)."""

    url: str
    sha256: str


TATOEBA_FILE = "tatoeba-eng-fra-5k.tsv"
"""Name of the Tatoeba English->French file (5,000 lines, 562,864 bytes)."""

SHAKESPEARE_FILE = "tinyshakespeare.txt"
"""Name of the Tiny Shakespeare file (40,000 lines, 1,115,394 bytes of plain text)."""

DATA_FILES: dict[str, RemoteFile] = {
    TATOEBA_FILE: RemoteFile(
        url=(
            "https://raw.githubusercontent.com/NJUxlj/seq2seq-attention-translation/"
            "7aa6f6bdf644b3efb0678e2510ff1f7b52b59501/data/eng-fra.txt"
        ),
        sha256="d952b56a181da5270b7bb4ded3f3bbe61e67a9b1de0e0fbc1d46438c71fb55a7",
    ),
    SHAKESPEARE_FILE: RemoteFile(
        url=(
            "https://raw.githubusercontent.com/karpathy/char-rnn/"
            "6f9487a6fe5b420b7ca9afb0d7c078e37c1d1b4e/data/tinyshakespeare/input.txt"
        ),
        sha256="86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed",
    ),
}
"""Registry of the files :func:`fetch` knows: file name -> :class:`RemoteFile`."""


def cache_dir() -> pathlib.Path:
    """Return the folder where downloaded files are cached.

    This is ``$ATTNBOOK_CACHE`` when that variable is set (and not empty),
    otherwise the operating system's cache folder for ``attnbook`` as given by
    ``pooch.os_cache("attnbook")`` (for example ``~/.cache/attnbook`` on Linux).
    The folder is not created here; :func:`fetch` creates it when downloading.
    """
    override = os.environ.get(CACHE_ENV_VAR, "")
    if override:
        return pathlib.Path(override)
    return pathlib.Path(pooch.os_cache("attnbook"))


def _check_local_file(path: pathlib.Path, expected_sha256: str) -> None:
    """Raise :class:`DataFileError` if the SHA-256 hash of ``path`` is not ``expected_sha256``."""
    actual = pooch.file_hash(str(path), alg="sha256")
    if actual != expected_sha256:
        raise DataFileError(
            f"The file {path} is corrupted or is not the expected file: its SHA-256 hash is "
            f"{actual} but {expected_sha256} was expected. Delete it and download it again "
            f"(or copy a correct version into {path.parent})."
        )


def fetch(name: str) -> pathlib.Path:
    """Return the local path of the known data file ``name``, downloading it if needed.

    Lookup order:

    1. If the environment variable ``ATTNBOOK_DATA`` names a folder that holds
       ``name``, that file is used after checking its SHA-256 hash. This is how
       the course runs offline (CI, machines without internet).
    2. Otherwise (variable unset or empty, or file not in that folder) the
       file is downloaded with ``pooch.retrieve`` into
       :func:`cache_dir` (only once: later calls find it in the cache) and its
       hash is checked by pooch.

    Args:
        name: a key of :data:`DATA_FILES`, e.g. ``"tatoeba-eng-fra-5k.tsv"``.

    Returns:
        The path of a file whose SHA-256 hash matches the registry.

    Raises:
        KeyError: ``name`` is not a known file; the message lists the known names.
        DataFileError: ``ATTNBOOK_DATA`` is set but is not a folder; the local
            file has the wrong hash; the download failed (for example there is
            no network); or the downloaded file has the wrong hash.
    """
    if name not in DATA_FILES:
        raise KeyError(f"unknown data file {name!r}; known files: {sorted(DATA_FILES)}")
    remote = DATA_FILES[name]

    data_dir = os.environ.get(DATA_ENV_VAR, "")
    if data_dir:
        if not pathlib.Path(data_dir).is_dir():
            raise DataFileError(
                f"{DATA_ENV_VAR} is set to {data_dir!r}, which is not a folder. "
                f"Point it to the folder that holds {name!r}, or unset it to download the file."
            )
        local_path = pathlib.Path(data_dir) / name
        if local_path.exists():
            _check_local_file(local_path, remote.sha256)
            return local_path

    try:
        downloaded = pooch.retrieve(
            remote.url,
            known_hash=f"sha256:{remote.sha256}",
            fname=name,
            path=cache_dir(),
        )
    except ValueError as error:
        # pooch raises ValueError when the downloaded file's hash does not match.
        raise DataFileError(
            f"The file {name!r} downloaded from {remote.url} does not have the expected "
            f"SHA-256 hash {remote.sha256}, so it was not used. The file on the server may "
            f"have changed or the download was corrupted. Details: {error}"
        ) from error
    except OSError as error:
        # requests' network errors are subclasses of OSError, as are disk errors.
        raise DataFileError(
            f"The file {name!r} could not be downloaded from {remote.url} ({error}). "
            f"To work offline, put the file {name!r} in a folder and set the environment "
            f"variable {DATA_ENV_VAR} to that folder."
        ) from error
    return pathlib.Path(downloaded)
