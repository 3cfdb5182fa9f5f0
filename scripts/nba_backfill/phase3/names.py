"""Names from outside sources -> the warehouse's keys: player_lookup, and team tricodes from full names."""

from __future__ import annotations

import functools
import re
import unicodedata

# The 30 teams' full names as The Odds API (and most books) spell them -> NBA tricode.
TEAM_TRICODES = {
    "Atlanta Hawks": "ATL",
    "Boston Celtics": "BOS",
    "Brooklyn Nets": "BKN",
    "Charlotte Hornets": "CHA",
    "Chicago Bulls": "CHI",
    "Cleveland Cavaliers": "CLE",
    "Dallas Mavericks": "DAL",
    "Denver Nuggets": "DEN",
    "Detroit Pistons": "DET",
    "Golden State Warriors": "GSW",
    "Houston Rockets": "HOU",
    "Indiana Pacers": "IND",
    "LA Clippers": "LAC",
    "Los Angeles Clippers": "LAC",
    "Los Angeles Lakers": "LAL",
    "Memphis Grizzlies": "MEM",
    "Miami Heat": "MIA",
    "Milwaukee Bucks": "MIL",
    "Minnesota Timberwolves": "MIN",
    "New Orleans Pelicans": "NOP",
    "New York Knicks": "NYK",
    "Oklahoma City Thunder": "OKC",
    "Orlando Magic": "ORL",
    "Philadelphia 76ers": "PHI",
    "Phoenix Suns": "PHX",
    "Portland Trail Blazers": "POR",
    "Sacramento Kings": "SAC",
    "San Antonio Spurs": "SAS",
    "Toronto Raptors": "TOR",
    "Utah Jazz": "UTA",
    "Washington Wizards": "WAS",
}

# Known spellings of one player that normalisation alone does not join (books vs NBA Stats), as lookups.
ALIASES = (
    ("nicclaxton", "nicolasclaxton"),
    ("herbjones", "herbertjones"),
    ("camthomas", "cameronthomas"),
    ("moewagner", "moritzwagner"),
    ("boneshyland", "nahshonhyland"),
    ("kjmartin", "kenyonmartinjr"),
    ("ggjackson", "gregoryjackson"),
    # without their suffixes (base_lookup): "B.J. Boston Jr" / "Brandon Boston Jr.", "Ron Holland" / "Ronald Holland II"
    ("bjboston", "brandonboston"),
    ("ronholland", "ronaldholland"),
    ("carltoncarrington", "bubcarrington"),
    ("jameshuff", "jayhuff"),
)
_ALIAS_OF = {name: group for group in ALIASES for name in group}


@functools.cache  # a box-score name comes once per game of its player
def player_lookup(name: str) -> str:
    """The platform's normalisation: accents stripped (NFKD), lower case, no spaces or punctuation.

    "Nikola Jokić" and "Nikola Jokic" -> "nikolajokic"; "P.J. Washington" -> "pjwashington"."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", ascii_name.lower())


# Generational suffixes, which books and NBA Stats each write or drop ("Derrick Jones" / "Derrick Jones Jr.").
SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv", "v"})


@functools.cache
def base_lookup(name: str) -> str:
    """The player_lookup of the name without its trailing generational suffixes: "Isaiah Stewart II" and
    "B.J. Boston Jr" -> "isaiahstewart", "bjboston". A first and a last name always stay."""
    words = re.sub(r"[.,]", " ", name).split()
    while len(words) > 2 and words[-1].lower() in SUFFIXES:
        words.pop()
    return player_lookup(" ".join(words))


def lookup_variants(lookup: str) -> tuple[str, ...]:
    """The lookup itself, then its known aliases."""
    return (lookup, *(name for name in _ALIAS_OF.get(lookup, ()) if name != lookup))
