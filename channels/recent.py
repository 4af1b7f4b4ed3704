"""Remember recently seen delivery ids, so a platform's redelivery is answered only once."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable


class RecentKeys:
    """The last `size` keys seen (oldest forgotten first); one process, in memory."""

    def __init__(self, size: int = 5000) -> None:
        self.size = size
        self._keys: OrderedDict[Hashable, None] = OrderedDict()

    def first_time(self, *keys: Hashable | None) -> bool:
        """True, and remember the keys, unless any of them was seen before (None keys are skipped)."""
        given = [key for key in keys if key is not None and key != ""]
        if any(key in self._keys for key in given):
            return False
        for key in given:
            self._keys[key] = None
        while len(self._keys) > self.size:
            self._keys.popitem(last=False)
        return True
