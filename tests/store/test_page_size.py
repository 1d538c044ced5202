"""Cipher page sizes: new books use 16 KiB pages; books made with the old 4 KiB pages still open."""

from __future__ import annotations

from pathlib import Path

import pytest

from bookbridge.core.errors import WrongPassphrase
from bookbridge.store import engine
from bookbridge.store.book import create_book, open_book, rekey_book
from bookbridge.store.models import Company
from tests.conftest import TEST_PASSPHRASE


def _page_sizes(book) -> set[int]:
    """The page size of several pooled connections at once (each keyed separately)."""
    connections = [book.engine.connect() for _ in range(3)]
    try:
        return {engine.page_size_of(c.connection.driver_connection) for c in connections}
    finally:
        for c in connections:
            c.close()


def _legacy_book(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A book as releases before 16 KiB pages made them."""
    with monkeypatch.context() as patch:
        patch.setattr(engine, "NEW_BOOK_PAGE_SIZE", engine.LEGACY_PAGE_SIZE)
        create_book(path, TEST_PASSPHRASE, company="Old Page Freight").close()


def test_new_book_uses_16_kib_pages(book_path: Path) -> None:
    with create_book(book_path, TEST_PASSPHRASE, company="New Page Freight") as book:
        assert _page_sizes(book) == {16_384}
    # Page 1 holds the file header (salt + encrypted header); the file is whole pages of 16 KiB.
    assert book_path.stat().st_size % 16_384 == 0


def test_legacy_4_kib_book_opens_and_keeps_its_page_size(book_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _legacy_book(book_path, monkeypatch)
    with open_book(book_path, TEST_PASSPHRASE) as book:
        assert _page_sizes(book) == {4_096}
        assert book.company().name == "Old Page Freight"
        with book.unit_of_work() as s:  # writes go in 4 KiB pages too: the book stays readable
            s.get(Company, 1).name = "Still Old Page Freight"
    with open_book(book_path, TEST_PASSPHRASE) as book:
        assert (book.company().name, _page_sizes(book)) == ("Still Old Page Freight", {4_096})


@pytest.mark.parametrize("legacy", [False, True], ids=["16k", "4k"])
def test_wrong_passphrase_is_still_wrong_at_either_page_size(book_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                             legacy: bool) -> None:
    if legacy:
        _legacy_book(book_path, monkeypatch)
    else:
        create_book(book_path, TEST_PASSPHRASE, company="Page Freight").close()
    before = book_path.read_bytes()
    with pytest.raises(WrongPassphrase):
        open_book(book_path, "not the passphrase at all")
    assert book_path.read_bytes() == before


def test_rekey_keeps_the_page_size(book_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _legacy_book(book_path, monkeypatch)
    rekey_book(book_path, TEST_PASSPHRASE, "a brand new passphrase")
    with open_book(book_path, "a brand new passphrase") as book:
        assert (book.company().name, _page_sizes(book)) == ("Old Page Freight", {4_096})
