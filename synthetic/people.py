"""Synthetic identities: replacement CPR numbers, valid CVR numbers, Danish names.

Every citizen gets a *replacement* CPR number (erstatningspersonnummer): the
day of birth plus 60. Such numbers never belong to a real person, so no file
this package writes can hold one. CVR numbers are random 8-digit numbers with a
correct modulus-11 check digit; they may belong to a real company, as any
8-digit number may, but carry nothing about it.
"""

from __future__ import annotations

import numpy as np

from invoicekit.identifiers import cvr_checksum_digit


def replacement_cprs(rng: np.random.Generator, birth_days: np.ndarray) -> np.ndarray:
    """One distinct 10-digit replacement CPR number (``DDMMYYSSSS``, day + 60)
    per birth date (``datetime64[D]``), with the 7th digit giving the century
    as ``stdnum.dk.cpr`` reads it."""
    birth = np.asarray(birth_days, dtype="datetime64[D]")
    years = birth.astype("datetime64[Y]").astype(np.int64) + 1970
    months = birth.astype("datetime64[M]").astype(np.int64) % 12 + 1
    days = (birth - birth.astype("datetime64[M]").astype("datetime64[D]")).astype(np.int64) + 1
    if ((years < 1900) | (years > 2036)).any():
        raise ValueError("birth years must be 1900-2036")
    # 7th digit: 0-3 means 1900-1999; 4 with 00-36 means 2000-2036
    seventh = np.where(years >= 2000, 4, rng.integers(0, 4, len(birth)))
    out = np.empty(len(birth), dtype=object)
    taken: set[str] = set()
    serial = rng.integers(0, 1000, len(birth))
    for i in range(len(birth)):
        head = f"{days[i] + 60:02d}{months[i]:02d}{years[i] % 100:02d}{seventh[i]}"
        s = int(serial[i])
        while (number := f"{head}{s:03d}") in taken:
            s = (s + 1) % 1000
        taken.add(number)
        out[i] = number
    return out


def valid_cvrs(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` distinct 8-digit CVR numbers that pass the modulus-11 check."""
    out: list[str] = []
    taken: set[str] = set()
    while len(out) < n:
        for first in rng.integers(1_000_000, 10_000_000, 2 * (n - len(out)) + 8):
            head = str(first)
            check = cvr_checksum_digit(head)
            if check is None or head + check in taken:
                continue
            taken.add(head + check)
            out.append(head + check)
            if len(out) == n:
                break
    return np.array(out, dtype=object)


class NamePool:
    """Danish first and last names from faker's ``da_DK`` locale, drawn once and
    combined at random (fast enough for a national-scale world)."""

    def __init__(self, seed: int, size: int = 400) -> None:
        from faker import Faker

        fake = Faker("da_DK")
        fake.seed_instance(seed)
        self.first = np.array(sorted({fake.first_name() for _ in range(size)}), dtype=object)
        self.last = np.array(sorted({fake.last_name() for _ in range(size)}), dtype=object)
        self.fake = fake

    def people(self, rng: np.random.Generator, n: int) -> np.ndarray:
        f = self.first[rng.integers(0, len(self.first), n)]
        last = self.last[rng.integers(0, len(self.last), n)]
        return np.array([f"{a} {b}" for a, b in zip(f, last, strict=True)], dtype=object)

    def last_names(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return self.last[rng.integers(0, len(self.last), n)]
