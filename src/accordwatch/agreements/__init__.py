"""Agreements as YAML files: find, validate and load them. No network.

An agreement file is checked in three passes, and every problem found is
reported as ``<file>:<line>: <field path>: <problem>; <how to fix>``:

1. YAML syntax (with line and column),
2. shape and values (pydantic models, unknown fields refused),
3. cross-references (unique ids, ``depends_on`` targets and cycles, obligors
   and beneficiaries naming parties or actors, due vs due_rule, ...).

A valid file becomes a frozen :class:`accordwatch.model.Agreement`; provision
ids written locally in YAML (``6-kalbajar``) become ``<agreement-id>/<local>``.

Folders searched, in order: the bundled ``data/`` folder, each folder in the
environment variable ``ACCORDWATCH_AGREEMENTS`` (``os.pathsep``-separated),
then the folders (or single files) passed as ``extra``. An id found in a later
folder replaces the same id from an earlier one (a user's corrected copy
overrides the bundled file); the same id twice in one folder is an error.

Example::

    >>> from accordwatch.agreements import get_agreement
    >>> nk = get_agreement("nk-2020-11-10")
    >>> nk.resolved_due(nk.provision("6-kalbajar"))
    datetime.date(2020, 11, 15)

The file format is documented in ``docs/AGREEMENT_FORMAT.md``.
"""

from __future__ import annotations

import datetime as dt
import difflib
import os
import re
import stat
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError
from pydantic_core import PydanticCustomError

from ..errors import AgreementError
from ..model import Agreement, DueRule, EventType, Party, PartyRole, Provision, Term

__all__ = [
    "ENV_VAR",
    "agreement_dirs",
    "bundled_dir",
    "get_agreement",
    "load_agreement",
    "load_all",
    "validate_file",
]

ENV_VAR = "ACCORDWATCH_AGREEMENTS"
SUFFIXES = (".yaml", ".yml")
DUE_RULE_BASES = ("effect", "signing")

_SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_DURATION_RE = re.compile(
    r"^P(?!$)(?:\d+Y)?(?:\d+M)?(?:\d+W)?(?:\d+D)?(?:T(?=\d)(?:\d+H)?(?:\d+M)?(?:\d+S)?)?$"
)
_HOWTO = "add a YAML file to a folder given by --agreements or " + ENV_VAR


# --------------------------------------------------------------------------
# value checkers (raise PydanticCustomError so messages come out verbatim)
# --------------------------------------------------------------------------


def _err(message: str) -> PydanticCustomError:
    return PydanticCustomError("accordwatch", message)


def _slug(value: Any) -> str:
    if not isinstance(value, str):
        raise _err(f"{value!r} is not a slug; write lowercase letters, digits and hyphens, e.g. 6-kalbajar")
    if not _SLUG_RE.match(value):
        suggestion = re.sub(r"[^a-z0-9]+", "-", value.lower()).strip("-") or "6-kalbajar"
        raise _err(
            f"{value!r} is not a slug; use lowercase letters, digits and single hyphens only, "
            f"e.g. {suggestion!r}"
        )
    return value


def _text(value: Any) -> str:
    if value is None:
        raise _err("is empty; write some text (or leave out an optional field)")
    if isinstance(value, str):
        if not value.strip():
            raise _err("is empty; write some text (or leave out an optional field)")
        return value.strip()
    raise _err(f"{value!r} is not text; put it in quotes")


def _text_or_number(value: Any) -> str:
    """Articles and quantities: ``article: 6`` is fine, ``article: 3.1`` is not."""
    if isinstance(value, bool):
        raise _err(f"{value!r} is not text; put it in quotes")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        raise _err(f"{value!r} was read as a number; put it in quotes, e.g. '{value}'")
    return _text(value)


def _text_list(value: Any) -> list[str]:
    """A list of non-empty strings; a single string is a one-item list."""
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        raise _err(f"{value!r} is not a list; write a list such as [Armenia, Azerbaijan]")
    out = []
    for item in value:
        if not isinstance(item, str) or not item.strip():
            raise _err(f"item {item!r} is not a name; every item must be non-empty text (quote numbers)")
        out.append(item.strip())
    return out


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str) or not re.match(r"^\d{4}-\d{2}-\d{2}$", value.strip()):
        raise _err(f"{value!r} is not a date; write it as YYYY-MM-DD, e.g. 2020-11-15")
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError as exc:
        raise _err(f"{value!r} is not a real date ({exc}); check the day and month") from None


def _aware_datetime(value: Any) -> dt.datetime:
    example = "write it as an ISO date-time with offset, e.g. 2020-11-10T00:00:00+03:00"
    if isinstance(value, dt.datetime):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            raise _err(f"{value!r} is not a date-time; {example}") from None
    else:
        raise _err(f"{value!r} is not a date-time; {example}")
    if not isinstance(value, dt.datetime) and re.match(r"^\d{4}-\d{2}-\d{2}$", str(value).strip()):
        raise _err(f"{value!r} has no time of day; {example}")
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise _err(f"{value!r} has no UTC offset; {example}")
    return parsed


def _duration(value: Any) -> str:
    if not isinstance(value, str) or not _DURATION_RE.match(value.strip()):
        raise _err(f"{value!r} is not an ISO 8601 duration; write e.g. P5Y, P120D, P6M or PT72H")
    return value.strip()


def _event_type(value: Any) -> EventType:
    try:
        return EventType(value)
    except ValueError:
        choices = ", ".join(t.value for t in EventType)
        raise _err(f"{value!r} is not an event type; use one of: {choices}") from None


def _role(value: Any) -> PartyRole:
    try:
        return PartyRole(value)
    except ValueError:
        choices = ", ".join(r.value for r in PartyRole)
        raise _err(f"{value!r} is not a party role; use one of: {choices}") from None


def _due_base(value: Any) -> str:
    if value not in DUE_RULE_BASES:
        raise _err(
            f"{value!r} is not a base date; use 'effect' (the agreement's effective date) "
            "or 'signing' (its signed date)"
        )
    return value


def _days(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise _err(f"{value!r} is not a number of days; write a whole number, e.g. 60")
    return value


def _actor_shorthand(value: Any) -> Any:
    return {"name": value} if isinstance(value, str) else value


Slug = Annotated[str, BeforeValidator(_slug)]
Text = Annotated[str, BeforeValidator(_text)]
TextOrNumber = Annotated[str, BeforeValidator(_text_or_number)]
Names = Annotated[list[str], BeforeValidator(_text_list)]
Date = Annotated[dt.date, BeforeValidator(_date)]
AwareDateTime = Annotated[dt.datetime, BeforeValidator(_aware_datetime)]
Duration = Annotated[str, BeforeValidator(_duration)]
Kind = Annotated[EventType, BeforeValidator(_event_type)]
Role = Annotated[PartyRole, BeforeValidator(_role)]
DueBase = Annotated[str, BeforeValidator(_due_base)]
Days = Annotated[int, BeforeValidator(_days)]


# --------------------------------------------------------------------------
# file schema
# --------------------------------------------------------------------------


class _Doc(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DueRuleDoc(_Doc):
    days: Days
    of: DueBase = "effect"


class TermDoc(_Doc):
    start: Date | None = None
    end: Date | None = None
    duration: Duration | None = None
    renewal: Text | None = None


class PartyDoc(_Doc):
    name: Text
    role: Role
    aliases: Names = []


class ActorDoc(_Doc):
    name: Text
    aliases: Names = []
    note: Text | None = None


class ProvisionDoc(_Doc):
    id: Slug
    article: TextOrNumber
    kind: Kind
    text: Text
    obligor: Names = []
    beneficiary: Names = []
    places: Names = []
    quantity: TextOrNumber | None = None
    due: Date | None = None
    due_rule: DueRuleDoc | None = None
    term: TermDoc | None = None
    depends_on: Names = []
    keywords: Names = []


class AgreementDoc(_Doc):
    id: Slug
    title: Text
    signed: Date
    effective: AwareDateTime | None = None
    source: Text = ""
    theatre: Slug | None = None
    aliases: Names = []
    parties: Annotated[list[PartyDoc], Field(min_length=1)]
    actors: list[Annotated[ActorDoc, BeforeValidator(_actor_shorthand)]] = []
    provisions: Annotated[list[ProvisionDoc], Field(min_length=1)]


# Which model sits at a location (integers removed): for "unknown field" hints.
_MODEL_AT: dict[tuple[str, ...], type[BaseModel]] = {
    (): AgreementDoc,
    ("parties",): PartyDoc,
    ("actors",): ActorDoc,
    ("provisions",): ProvisionDoc,
    ("provisions", "due_rule"): DueRuleDoc,
    ("provisions", "term"): TermDoc,
}


# --------------------------------------------------------------------------
# YAML reading with line numbers
# --------------------------------------------------------------------------


class _Loader(yaml.SafeLoader):
    """SafeLoader that leaves dates as strings, so pydantic (not PyYAML) checks them.

    PyYAML would otherwise raise a bare ``ValueError`` for ``2020-02-30`` and
    turn ``2020-11-10T00:00:00+03:00`` into a naive UTC datetime.
    """


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}

Loc = tuple[str | int, ...]


def _walk(node: yaml.Node, loc: Loc, lines: dict[Loc, int], dupes: list[tuple[Loc, int, int]]) -> None:
    lines.setdefault(loc, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            line = key_node.start_mark.line + 1
            if key is None:
                continue
            if key in seen:
                dupes.append((loc + (key,), line, seen[key]))
            seen[key] = line
            lines[loc + (key,)] = line
            _walk(value_node, loc + (key,), lines, dupes)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _walk(item, loc + (i,), lines, dupes)


def _read_yaml(path: Path, name: str) -> tuple[Any, dict[Loc, int], list[str]]:
    """Return (data, line map, errors)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None, {}, [f"{name}: file not found; check the path"]
    except IsADirectoryError:
        return None, {}, [f"{name}: is a folder, not a YAML file"]
    except UnicodeDecodeError as exc:
        return None, {}, [f"{name}: not UTF-8 text ({exc.reason} at byte {exc.start}); save the file as UTF-8"]
    except OSError as exc:
        return None, {}, [f"{name}: cannot be read ({exc.strerror})"]
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        where = f"{name}:{mark.line + 1}:{mark.column + 1}" if mark else name
        problem = getattr(exc, "problem", None) or str(exc)
        context = getattr(exc, "context", None)
        detail = f"{problem} ({context})" if context else problem
        return None, {}, [
            f"{where}: YAML syntax error: {detail}; check indentation, colons and quotes around text "
            "containing ': ' or '#'"
        ]
    finally:
        loader.dispose()
    if node is None:
        return None, {}, [f"{name}: file is empty; start from the example in docs/AGREEMENT_FORMAT.md"]
    lines: dict[Loc, int] = {}
    dupes: list[tuple[Loc, int, int]] = []
    _walk(node, (), lines, dupes)
    errors = [
        f"{name}:{line}: {_fmt_loc(loc)}: key written twice (first on line {first}); keep one"
        for loc, line, first in dupes
    ]
    if not isinstance(data, dict):
        errors.append(
            f"{name}:1: the file must be a mapping of fields (id:, title:, signed:, parties:, provisions:, ...), "
            f"not a {type(data).__name__}"
        )
    return data, lines, errors


def _fmt_loc(loc: Loc) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "(top level)"


def _line_of(loc: Loc, lines: dict[Loc, int]) -> int | None:
    for n in range(len(loc), -1, -1):
        if loc[:n] in lines:
            return lines[loc[:n]]
    return None


class _Report:
    """Collects messages for one file."""

    def __init__(self, name: str, lines: dict[Loc, int]):
        self.name = name
        self.lines = lines

        self._entries: list[tuple[int, int, str]] = []

    def add(self, loc: Loc, problem: str) -> None:
        line = _line_of(loc, self.lines)
        where = f"{self.name}:{line}" if line else self.name
        self._entries.append((line or 0, len(self._entries), f"{where}: {_fmt_loc(loc)}: {problem}"))

    @property
    def messages(self) -> list[str]:
        """Messages in file order."""
        return [message for _, _, message in sorted(self._entries)]


# --------------------------------------------------------------------------
# pydantic errors -> human messages
# --------------------------------------------------------------------------


def _pydantic_message(error: dict[str, Any]) -> tuple[Loc, str]:
    loc: Loc = tuple(p for p in error["loc"] if isinstance(p, (str, int)))
    kind = error["type"]
    value = error.get("input")
    if kind == "accordwatch":
        return loc, error["msg"]
    if kind == "missing":
        return loc, "is required but missing; add it (see docs/AGREEMENT_FORMAT.md)"
    if kind == "extra_forbidden":
        field_name = str(loc[-1])
        model = _MODEL_AT.get(tuple(p for p in loc[:-1] if isinstance(p, str)))
        allowed = list(model.model_fields) if model else []
        close = difflib.get_close_matches(field_name, allowed, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        return loc, f"unknown field {field_name!r}; {hint}allowed here: {', '.join(allowed)}"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return loc, f"{value!r} is not a mapping; write fields as 'name: value' lines indented under it"
    if kind == "list_type":
        return loc, f"{value!r} is not a list; write one '- item' per line under it"
    if kind == "too_short":
        return loc, "is empty; list at least one item"
    return loc, f"{error['msg']} (got {value!r})"


# --------------------------------------------------------------------------
# cross-reference checks
# --------------------------------------------------------------------------


def _check_references(doc: AgreementDoc, rep: _Report) -> None:
    # names of parties and actors, and their aliases
    canonical: dict[str, Loc] = {}
    alias_of: dict[str, str] = {}
    people = [("parties", i, p.name, p.aliases) for i, p in enumerate(doc.parties)]
    people += [("actors", i, a.name, a.aliases) for i, a in enumerate(doc.actors)]
    for section, i, name, aliases in people:
        loc: Loc = (section, i, "name")
        if name in canonical:
            rep.add(loc, f"{name!r} is listed twice (also at {_fmt_loc(canonical[name])}); keep one entry")
        else:
            canonical[name] = loc
        for alias in aliases:
            alias_of.setdefault(alias, name)
    for section, i, name, aliases in people:
        for alias in aliases:
            if alias in canonical and alias != name:
                rep.add((section, i, "aliases"), f"alias {alias!r} is also the name of another party or actor; remove it")
            elif alias_of.get(alias) not in (None, name):
                rep.add(
                    (section, i, "aliases"),
                    f"alias {alias!r} is also an alias of {alias_of[alias]}; an alias must point to one name",
                )

    known_names = ", ".join(canonical)
    ids: dict[str, int] = {}
    for i, p in enumerate(doc.provisions):
        if p.id in ids:
            rep.add(
                ("provisions", i, "id"),
                f"{p.id!r} is used twice (also provisions[{ids[p.id]}]); give each provision its own id",
            )
        else:
            ids[p.id] = i

    for i, p in enumerate(doc.provisions):
        base: Loc = ("provisions", i)
        for field_name in ("obligor", "beneficiary"):
            for name in getattr(p, field_name):
                if name in canonical:
                    continue
                if name in alias_of:
                    rep.add(
                        base + (field_name,),
                        f"{name!r} is an alias of {alias_of[name]}; write the canonical name {alias_of[name]!r}",
                    )
                else:
                    rep.add(
                        base + (field_name,),
                        f"{name!r} is not a party or actor of this agreement; use one of: {known_names}, "
                        "or add it under 'actors:'",
                    )
        if p.due is not None and p.due_rule is not None:
            rep.add(base + ("due_rule",), "both 'due' and 'due_rule' are given; keep only one of them")
        if p.due is not None and p.due < doc.signed:
            rep.add(
                base + ("due",),
                f"{p.due.isoformat()} is before the signing date {doc.signed.isoformat()}; check the year",
            )
        if p.term is not None:
            t = p.term
            if t.start and t.end and t.end < t.start:
                rep.add(
                    base + ("term", "end"),
                    f"{t.end.isoformat()} is before the term's start {t.start.isoformat()}; swap or fix them",
                )
            if t.end and t.duration:
                rep.add(base + ("term",), "give either 'end' or 'duration', not both")
        for j, dep in enumerate(p.depends_on):
            if dep == p.id:
                rep.add(base + ("depends_on", j), f"provision {p.id!r} cannot depend on itself; remove it")
            elif dep not in ids:
                close = difflib.get_close_matches(dep, list(ids), n=1)
                hint = f"did you mean {close[0]!r}? " if close else ""
                rep.add(
                    base + ("depends_on", j),
                    f"{dep!r} is not a provision id of this agreement; {hint}use the local id of another "
                    "provision (e.g. 3-peacekeepers)",
                )

    # cycles among depends_on (self-references are reported above)
    graph: dict[str, list[str]] = {}
    for p in doc.provisions:
        graph.setdefault(p.id, [d for d in p.depends_on if d in ids and d != p.id])
    reported: set[frozenset[str]] = set()
    state: dict[str, int] = {}  # 1 = on stack, 2 = done

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in graph.get(node, []):
            if state.get(nxt) == 1:
                cycle = stack[stack.index(nxt):] + [nxt]
                key = frozenset(cycle)
                if key not in reported:
                    reported.add(key)
                    rep.add(
                        ("provisions", ids[nxt], "depends_on"),
                        f"dependency cycle {' -> '.join(cycle)}; remove one of these depends_on entries",
                    )
            elif state.get(nxt) is None:
                visit(nxt, stack)
        stack.pop()
        state[node] = 2

    for pid in graph:
        if pid not in state:
            visit(pid, [])


# --------------------------------------------------------------------------
# conversion
# --------------------------------------------------------------------------


def _to_model(doc: AgreementDoc, path: Path) -> Agreement:
    def pid(local: str) -> str:
        return f"{doc.id}/{local}"

    provisions = tuple(
        Provision(
            id=pid(p.id),
            article=p.article,
            kind=p.kind,
            text=p.text,
            obligor=tuple(p.obligor),
            beneficiary=tuple(p.beneficiary),
            places=tuple(p.places),
            quantity=p.quantity,
            due=p.due,
            due_rule=DueRule(days=p.due_rule.days, of=p.due_rule.of) if p.due_rule else None,
            term=(
                Term(start=p.term.start, end=p.term.end, duration=p.term.duration, renewal=p.term.renewal)
                if p.term
                else None
            ),
            depends_on=tuple(pid(d) for d in p.depends_on),
            keywords=tuple(p.keywords),
        )
        for p in doc.provisions
    )
    return Agreement(
        id=doc.id,
        title=doc.title,
        signed=doc.signed,
        effective=doc.effective,
        parties=tuple(Party(id=p.name, role=p.role, aliases=tuple(p.aliases)) for p in doc.parties),
        provisions=provisions,
        source=doc.source,
        theatre=doc.theatre,
        aliases=tuple(doc.aliases),
        path=str(path),
    )


def _parse(path: Path) -> tuple[Agreement | None, list[str]]:
    path = Path(path)
    name = path.name
    data, lines, errors = _read_yaml(path, name)
    if errors or data is None:
        return None, errors
    rep = _Report(name, lines)
    try:
        doc = AgreementDoc.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors(include_url=False):
            rep.add(*_pydantic_message(error))
        return None, rep.messages
    _check_references(doc, rep)
    if rep.messages:
        return None, rep.messages
    return _to_model(doc, path), []


# --------------------------------------------------------------------------
# public API
# --------------------------------------------------------------------------

_cache: dict[tuple[str, int, int], Agreement] = {}


def validate_file(path: str | os.PathLike[str]) -> list[str]:
    """Check one agreement file; return human-readable problems (empty list = valid).

    Example: ``validate_file("my/nk.yaml")`` ->
    ``["nk.yaml:42: provisions[3].kind: 'handoff' is not an event type; use one of: ..."]``
    """
    return _parse(Path(path))[1]


def load_agreement(path: str | os.PathLike[str]) -> Agreement:
    """Load and validate one agreement file; raise AgreementError listing every problem.

    Example: ``load_agreement("agreements/nk-2020-11-10.yaml").provision("6-lachin").due``
    """
    p = Path(path)
    try:
        st = p.stat()
        key: tuple[str, int, int] | None = (str(p.resolve()), st.st_mtime_ns, st.st_size)
    except OSError:
        key = None
    if key is not None and key in _cache:
        return _cache[key]
    agreement, errors = _parse(p)
    if errors or agreement is None:
        plural = "s" if len(errors) != 1 else ""
        raise AgreementError(
            f"agreement file {p} has {len(errors)} problem{plural}:\n" + "\n".join(f"  {e}" for e in errors)
        )
    if key is not None:
        _cache[key] = agreement
    return agreement


def bundled_dir() -> Path:
    """The folder of agreements shipped with AccordWatch."""
    return Path(__file__).resolve().parent / "data"


def agreement_dirs(extra: list[Path] | None = None) -> list[Path]:
    """Where agreements are looked up, lowest precedence first.

    The bundled folder, then each entry of ``$ACCORDWATCH_AGREEMENTS``
    (separated by ``os.pathsep``), then ``extra`` (e.g. ``--agreements``).
    """
    dirs = [bundled_dir()]
    for entry in os.environ.get(ENV_VAR, "").split(os.pathsep):
        if entry.strip():
            dirs.append(Path(entry.strip()).expanduser())
    for entry in extra or []:
        dirs.append(Path(entry).expanduser())
    return dirs


def _files_in(location: Path) -> list[Path]:
    if location.is_file():
        return [location]
    return sorted(p for p in location.iterdir() if p.is_file() and p.suffix.lower() in SUFFIXES)


_all_cache: dict[tuple[Any, ...], dict[str, Agreement]] = {}
_ALL_CACHE_MAX = 32


def _signature(dirs: list[Path]) -> tuple[Any, ...] | None:
    """What :func:`load_all`'s result depends on: each location with the name,
    mtime and size of its agreement files. ``None`` when a location cannot be
    read (then nothing is cached)."""
    sig: list[Any] = []
    for location in dirs:
        try:
            st = os.stat(location)
        except OSError:
            return None
        if stat.S_ISREG(st.st_mode):
            sig.append((str(location), "file", st.st_mtime_ns, st.st_size))
            continue
        entries = []
        try:
            with os.scandir(location) as it:
                for entry in it:
                    if os.path.splitext(entry.name)[1].lower() not in SUFFIXES:
                        continue
                    est = entry.stat()
                    if stat.S_ISREG(est.st_mode):
                        entries.append((entry.name, est.st_mtime_ns, est.st_size, est.st_ino))
        except OSError:
            return None
        sig.append((str(location), "dir", tuple(sorted(entries))))
    return tuple(sig)


def load_all(extra: list[Path] | None = None) -> dict[str, Agreement]:
    """Load every agreement from :func:`agreement_dirs`, keyed by id.

    A file in a later folder replaces a same-id agreement from an earlier one;
    the same id twice within one folder, a missing folder, or any invalid file
    raises AgreementError naming the files.

    The result is cached, keyed by the folders and the names, mtimes and sizes
    of their files, so an edited, added or removed file is picked up on the next
    call; errors are not cached.
    """
    dirs = agreement_dirs(extra)
    key = _signature(dirs)
    if key is not None:
        hit = _all_cache.get(key)
        if hit is not None:
            return dict(hit)
    found = _load_all(dirs)
    if key is not None:
        if len(_all_cache) >= _ALL_CACHE_MAX:
            _all_cache.clear()
        _all_cache[key] = dict(found)
    return found


def _load_all(dirs: list[Path]) -> dict[str, Agreement]:
    found: dict[str, Agreement] = {}
    problems: list[str] = []
    for location in dirs:
        if not location.exists():
            problems.append(
                f"{location}: agreements folder does not exist; create it or fix --agreements / {ENV_VAR}"
            )
            continue
        here: dict[str, Path] = {}
        for file in _files_in(location):
            try:
                agreement = load_agreement(file)
            except AgreementError as exc:
                problems.append(str(exc))
                continue
            if agreement.id in here:
                problems.append(
                    f"agreement id {agreement.id!r} is defined twice in {location}: in {here[agreement.id].name} "
                    f"and in {file.name}; remove one file or change its id"
                )
                continue
            here[agreement.id] = file
            found[agreement.id] = agreement
    if problems:
        raise AgreementError("\n".join(problems))
    return found


def get_agreement(agreement_id: str, extra: list[Path] | None = None) -> Agreement:
    """The agreement with this id from :func:`load_all`, or AgreementError naming the known ids.

    Example: ``get_agreement("lebanon-2024-11-27").effective``
    """
    agreements = load_all(extra)
    if agreement_id in agreements:
        return agreements[agreement_id]
    known = sorted(agreements)
    close = difflib.get_close_matches(agreement_id, known, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    raise AgreementError(f"unknown agreement {agreement_id!r}{hint}; known: {', '.join(known)} — {_HOWTO}")
