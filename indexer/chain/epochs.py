"""Epoch arithmetic as the contracts do it: epoch `e` runs from `genesis + e * length` up to, not including,
`genesis + (e + 1) * length`."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Epochs:
    genesis: int  # Unix time epoch 0 starts
    length: int  # seconds

    def of(self, timestamp: int) -> int:
        """The epoch `timestamp` falls in; negative before genesis."""
        return (timestamp - self.genesis) // self.length

    def start(self, epoch: int) -> int:
        return self.genesis + epoch * self.length

    def end(self, epoch: int) -> int:
        """The first second after `epoch`: from then on it can be closed."""
        return self.start(epoch + 1)
