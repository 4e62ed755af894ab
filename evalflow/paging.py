"""Long lists on the pages are cut into numbered pages: `?page=N`, a fixed number of rows each."""

from __future__ import annotations

from dataclasses import dataclass

from flask import request


@dataclass(frozen=True)
class Page:
    """Which page of a list is shown, and how many there are once the total is known."""

    number: int
    size: int
    total: int = 0

    @property
    def offset(self) -> int:
        """Rows before this page."""
        return (self.number - 1) * self.size

    @property
    def pages(self) -> int:
        """How many pages the list has (at least one, even when empty)."""
        return max((self.total + self.size - 1) // self.size, 1)

    def of(self, total: int) -> Page:
        """The same page, knowing the list's length."""
        return Page(self.number, self.size, total)


def requested_page(size: int) -> Page:
    """The page the request asks for; anything but a positive whole number is page 1."""
    number = request.args.get("page", 1, type=int) or 1
    return Page(max(number, 1), size)
