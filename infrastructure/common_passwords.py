"""The common and breached passwords no account may use, shipped with the code.

zxcvbn's list (30,000 passwords ranked by frequency in leaked password dumps),
from the installed package: nothing is fetched at run time. Most of it is
shorter than the minimum length; the policy also looks for these words under
the usual disguises (``domain/identity/passwords.py``), which is where the
list earns its place. A few long passphrases that every cracking dictionary
holds since they were printed as examples are added here.
"""

from __future__ import annotations

from functools import cache

from zxcvbn.frequency_lists import FREQUENCY_LISTS

FAMOUS_PASSPHRASES = (
    "correcthorsebatterystaple",
    "thequickbrownfoxjumpsoverthelazydog",
    "iloveyouforever",
    "letmeinplease",
    "passwordpassword",
)


@cache
def common_passwords() -> frozenset[str]:
    """Lower-case common passwords, loaded once per process."""
    return frozenset(p.lower() for p in FREQUENCY_LISTS["passwords"]) | set(FAMOUS_PASSPHRASES)
