"""Hexo and Astro front matter → ``Meta``.

Front matter is optional and often hand-edited, so broken YAML must cost the
author a warning, never the text: the raw lines are handed back for the body.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

import yaml

from publish.model import Meta

_FENCE = re.compile(r"---[ \t]*")
_CLOSE = re.compile(r"(?:---|\.\.\.)[ \t]*")
_KEY = re.compile(r"[A-Za-z_][\w-]*:(?:\s|$)")
_DATE = re.compile(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})(?!\d)")

# Which front-matter keys feed which Meta field; the first present wins.
_TITLE = ("title",)
_DATE_KEYS = ("date", "published", "pubDate", "pubdate")
_AUTHOR = ("author", "authors")
_TAGS = ("tags", "tag")
_CATEGORIES = ("categories", "category")
_DESCRIPTION = ("description",)
_COVER = ("cover", "ogImage", "image", "banner", "heroImage")
_LANGUAGE = ("lang", "language")
_KNOWN = {*_TITLE, *_DATE_KEYS, *_AUTHOR, *_TAGS, *_CATEGORIES, *_DESCRIPTION, *_COVER, *_LANGUAGE}


@dataclass
class FrontMatter:
    """What the leading ``---`` block yielded.

    ``body_line`` is the 1-based line where the Markdown body starts;
    ``raw_lines`` (with ``raw_line``) are set when the block could not be used
    as metadata, so the reader can keep its words in the document.
    """

    meta: Meta = field(default_factory=Meta)
    present: bool = False
    body_line: int = 1
    raw_lines: list[str] = field(default_factory=list)
    raw_line: int = 0
    warnings: list[tuple[int, str]] = field(default_factory=list)


def split_front_matter(text: str) -> tuple[FrontMatter, str]:
    """Separate the front matter from the body; the body keeps its original line numbers via ``body_line``."""
    lines = text.split("\n")
    start = next((i for i, line in enumerate(lines) if line.strip()), 0)  # some authors leave blank lines first
    if not _FENCE.fullmatch(lines[start]):
        return FrontMatter(), text
    end = next((i for i in range(start + 1, len(lines)) if _CLOSE.fullmatch(lines[i])), None)
    if end is None:
        unclosed = FrontMatter()
        if start + 1 < len(lines) and _KEY.match(lines[start + 1]):  # a rule followed by prose is no front matter
            unclosed.warnings.append(
                (start + 1, "front matter is never closed (no `---` line after it): it was read as text; close it")
            )
        return unclosed, text
    block = lines[start + 1 : end]
    body = "\n".join(lines[end + 1 :])
    return parse_front_matter(block, first_line=start + 2), body


def parse_front_matter(block: list[str], first_line: int) -> FrontMatter:
    """Parse YAML lines starting at source line ``first_line``."""
    result = FrontMatter(present=True, body_line=first_line + len(block) + 1)
    data, problem = _load_yaml("\n".join(block), first_line)
    if problem is not None:
        result.warnings.append(problem)
        if any(line.strip() for line in block):
            result.raw_lines, result.raw_line = block, first_line
        return result
    if data is None:
        return result
    result.meta, notes = to_meta(data)
    result.warnings.extend((first_line, note) for note in notes)
    return result


def _load_yaml(text: str, first_line: int) -> tuple[dict | None, tuple[int, str] | None]:
    try:
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = first_line + (mark.line if mark else 0)
        what = exc.problem or "invalid YAML"
        if exc.context and exc.context_mark:
            what = f"{exc.context} from line {first_line + exc.context_mark.line}: {what}"
        return None, (line, f"front matter is not valid YAML ({what}); it was kept as text, fix it to get metadata")
    except Exception as exc:  # yaml raises assorted errors (bad dates, deep nesting) on hand-edited input
        return None, (first_line, f"front matter could not be read ({exc}); it was kept as text")
    if data is None or isinstance(data, dict):
        return data, None
    return None, (
        first_line,
        f"front matter is a {type(data).__name__}, not a `key: value` mapping; it was kept as text",
    )


def to_meta(data: dict) -> tuple[Meta, list[str]]:
    """Map Hexo/Astro keys onto ``Meta``; unknown keys go to ``extra`` as JSON-friendly values."""
    notes: list[str] = []
    meta = Meta(
        title=_text(_first(data, _TITLE)),
        author=_names(_first(data, _AUTHOR)),
        tags=_string_list(_first(data, _TAGS)),
        categories=_string_list(_first(data, _CATEGORIES)),
        description=_text(_first(data, _DESCRIPTION)),
        cover=_url(_first(data, _COVER)),
        extra={str(k): _jsonable(v) for k, v in data.items() if str(k) not in _KNOWN and v is not None},
    )
    language = _text(_first(data, _LANGUAGE))
    if language:
        meta.language = language
    raw_date = _first(data, _DATE_KEYS)
    if raw_date is not None:
        meta.date = iso_date(raw_date)
        if not meta.date:
            notes.append(f"front matter date {raw_date!r} is not a date; write it as YYYY-MM-DD")
            meta.extra["date"] = _jsonable(raw_date)
    return meta, notes


def iso_date(value: object) -> str:
    """``YYYY-MM-DD`` from a YAML date, datetime or date-like string; '' when there is none."""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    m = _DATE.search(str(value))
    if not m:
        return ""
    try:
        return dt.date(int(m[1]), int(m[2]), int(m[3])).isoformat()
    except ValueError:
        return ""


def _first(data: dict, keys: tuple[str, ...]) -> object:
    for key in keys:
        value = data.get(key)
        if value not in (None, "", []):
            return value
    return None


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(_text(v) for v in value if v is not None)
    return str(_jsonable(value)).strip()


def _names(value: object) -> str:
    """Authors as one string, from a name, a list of names or ``{name: …}`` records."""
    if isinstance(value, dict):
        return _text(value.get("name", ""))
    if isinstance(value, list):
        return ", ".join(filter(None, (_names(v) for v in value)))
    return _text(value)


def _string_list(value: object) -> list[str]:
    """Tags or categories from a list, a single string, or a ``"[a, b]"`` string."""
    if value is None:
        return []
    if isinstance(value, list):
        return [t for v in value for t in _string_list(v)]
    if isinstance(value, dict):
        return [str(k) for k in value]
    text = _text(value)
    if text.startswith("[") and text.endswith("]"):
        return [t.strip().strip("'\"") for t in text[1:-1].split(",") if t.strip()]
    return [text] if text else []


def _url(value: object) -> str:
    """Astro allows ``image: {src: …, alt: …}``; Hexo a plain string."""
    if isinstance(value, dict):
        return _text(value.get("src") or value.get("url") or "")
    return _text(value)


def _jsonable(value: object) -> object:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, set):
        return sorted((_jsonable(v) for v in value), key=str)
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return str(value)
