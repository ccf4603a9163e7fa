"""Ticket references as patients type them."""

from __future__ import annotations

import pytest

from actions.request_status import reference_in


@pytest.mark.parametrize(
    ("text", "reference"),
    [
        ("status of MC-7K3Q9 please", "MC-7K3Q9"),
        ("mc 7k3q9?", "MC-7K3Q9"),
        ("my ref is mc7k3q9", "MC-7K3Q9"),
        ("any news on my request", None),
        ("MC-7K3Q", None),  # too short
        ("MC-0OIL1", None),  # letters references never use
    ],
)
def test_reference_in(text: str, reference: str | None) -> None:
    assert reference_in(text) == reference
