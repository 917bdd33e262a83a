"""Compact sets of key values: 64-bit hashes in sorted numpy arrays, for tables read in batches.

A table read in batches never holds all its keys as text. Its primary keys
(to find a key repeated across batches) and the media table's ``mediaID``
(for the foreign key of observations, and the deployment of each media file)
are kept as one ``uint64`` hash per key (pandas' SipHash of the UTF-8 text,
:func:`pandas.util.hash_array`), with the row number of the row that first
kept it and an optional ``int32`` payload: 20 bytes a key, about a tenth of
the same keys as Python strings in a set.

Two different keys with the same 64-bit hash would be taken for one (a key
reported as repeated, or a reference found): for n keys the chance of any
such pair is about n^2 / 2^65, one in 3,700 for 100 million keys.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def hash_keys(values: pd.Series) -> np.ndarray:
    """The 64-bit hash of each value's text (missing values hash as the empty text; callers leave them out)."""
    text = np.asarray(values.astype(object).where(values.notna(), ""), dtype=object)
    return pd.util.hash_array(text, categorize=False)


class KeyIndex:
    """A set of text keys as sorted 64-bit hashes, with the row that first kept each key and a payload.

    Examples
    --------
    >>> index = KeyIndex()
    >>> index.add(pd.Series(["a", "b"]), np.array([2, 3]))
    >>> index.first_rows(pd.Series(["b", "c"])).tolist()
    [3, -1]
    """

    def __init__(self) -> None:
        self.hashes = np.empty(0, dtype=np.uint64)
        self.rows = np.empty(0, dtype=np.int64)
        self.payload = np.empty(0, dtype=np.int32)

    def __len__(self) -> int:
        return len(self.hashes)

    @property
    def nbytes(self) -> int:
        """Bytes held by the index's arrays."""
        return self.hashes.nbytes + self.rows.nbytes + self.payload.nbytes

    def positions(self, values: pd.Series) -> np.ndarray:
        """Position of each value in the index, -1 where it is absent or missing."""
        found = np.full(len(values), -1, dtype=np.int64)
        if not len(self.hashes) or not len(values):
            return found
        at = self.positions_of_hashes(hash_keys(values))
        hit = (at >= 0) & values.notna().to_numpy()
        found[hit] = at[hit]
        return found

    def first_rows(self, values: pd.Series) -> np.ndarray:
        """The row that first kept each value, -1 where none did."""
        at = self.positions(values)
        return np.where(at >= 0, self.rows[np.maximum(at, 0)] if len(self.rows) else -1, -1)

    def add(self, values: pd.Series, rows: np.ndarray, payload: np.ndarray | None = None) -> None:
        """Add keys not yet in the index (missing values are left out), with their rows and payload."""
        present = values.notna().to_numpy()
        if not present.any():
            return
        hashes = hash_keys(values[present])
        extra = payload[present] if payload is not None else np.zeros(int(present.sum()), dtype=np.int32)
        new_rows = np.asarray(rows)[present]
        unique, first = np.unique(hashes, return_index=True)  # one entry per key, its first row, sorted
        if len(self.hashes):
            known = self.positions_of_hashes(unique) >= 0
            unique, first = unique[~known], first[~known]
        # Inserted into the sorted arrays: the new arrays are the only allocation (no sort of the whole index).
        at = np.searchsorted(self.hashes, unique)
        self.hashes = np.insert(self.hashes, at, unique)
        self.rows = np.insert(self.rows, at, new_rows[first])
        self.payload = np.insert(self.payload, at, extra[first].astype(np.int32))

    def positions_of_hashes(self, hashes: np.ndarray) -> np.ndarray:
        """Position of each hash in the index, -1 where absent."""
        at = np.searchsorted(self.hashes, hashes)
        inside = at < len(self.hashes)
        hit = inside.copy()
        hit[inside] = self.hashes[at[inside]] == hashes[inside]
        return np.where(hit, at, -1)
