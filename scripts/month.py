"""A synthetic month of digests, for the benchmark: ``generate(folder, days=30, seed=0)``.

The build-time goals are stated on a month (30 digests, about 300 PDF pages, rebuilt as one
digest is added or one word edited); the four samples alone are too few and too uneven to
show them.  Each day is recombined from the *structure* of the samples (``content/`` and
``../shared/corpus`` when present): their paper entries, table rows, topic sections, survey
sections and display formulas are split apart, drawn with a seeded random generator and
joined again under fresh dates and fresh arXiv ids.  Nothing here hard-codes their text, so
a new sample changes the month without a code change.  Remote image URLs are kept: the
bench builds ``--offline``, where they become placeholders, and never touches the network.

    .venv/bin/python scripts/month.py FOLDER [--days 30] [--seed 0]
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
import sys
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # run as a script from a checkout without `pip install -e`
    sys.path.insert(0, str(REPO))

from publish.pack import resolve_inputs  # noqa: E402
from publish.read.document import read_text  # noqa: E402
from publish.read.source import read_source  # noqa: E402

CONTENT = REPO / "content"
CORPUS = REPO.parent / "shared" / "corpus"
KINDS = ("daily", "blog", "arxiv-daily", "survey")
# A month no sample is dated in; arXiv ids of this month (2604.*) cannot clash with theirs.
START = date(2026, 4, 1)
# How many parts a day draws, per kind: sized so that 30 days make about 300 A4 pages.
SIZES: dict[str, dict[str, tuple[int, int]]] = {
    "daily": {"entry": (10, 14)},
    "blog": {"entry": (4, 5)},
    "arxiv-daily": {"topic": (3, 3), "row": (8, 12)},
    "survey": {"group": (2, 2), "entry": (3, 3)},
}
ARXIV = re.compile(r"(?i)(arxiv\.org/(?:abs|pdf)/|arxiv:\s*)(\d{4}\.\d{4,5})")
DATE = re.compile(r"\b(\d{4})([-./])(\d{1,2})\2(\d{1,2})\b")
SECTION = "## "
SUBSECTION = "### "
NUMBERED = re.compile(r"###\s+\d+[.、)]")  # a survey's paper, "### 3. Name (year)"; other subsections are prose
TABLE_RULE = re.compile(r"^\|\s*:?-{3,}")
IN_PAGE_LINK = re.compile(r"\]\(#|href=[\"']?#")
DISPLAY_MATH = re.compile(r"\$\$[^$\n]+\$\$")
RELATIVE_IMAGE = re.compile(r"(?<![\w/:.-])([\w][\w./-]*\.(?:png|jpe?g|gif|svg|webp))\b", re.I)
IDS_PER_DAY = 2900  # 31 days x 2900 fit in arXiv's five-digit numbers 10000-99999


@dataclass(frozen=True)
class Piece:
    """A slice of a sample; ``origin`` resolves the relative image paths it may hold."""

    text: str
    origin: Path


Pool = dict[str, list[Piece]]


def default_sources() -> list[Path]:
    """The project's own samples, plus the reference corpus on machines that have it."""
    return resolve_inputs([d for d in (CONTENT, CORPUS) if d.is_dir()]).files


def arxiv_ids(text: str) -> set[str]:
    return {m.group(2) for m in ARXIV.finditer(text)}


def split_at(text: str, marker: str) -> list[str]:
    """``text`` cut before every line that starts with ``marker``; the first chunk is what precedes."""
    return re.split(rf"(?m)^(?={re.escape(marker)})", text)


def heading(piece: Piece) -> str:
    return piece.text.split("\n", 1)[0].lstrip("#").strip()


def read_pools(sources: Iterable[Path]) -> dict[str, Pool]:
    """Each sample, classified by the reader's own kind detection, split into its parts."""
    pools: dict[str, Pool] = {kind: defaultdict(list) for kind in KINDS}
    for path in sources:
        text = read_source(path).text
        kind = read_text(text, path).kind
        if kind in pools:
            _split_sample(kind, text, path, pools[kind])
    for kind, pool in pools.items():
        for role in ("topic", "group"):  # a title may recur across samples; anchors must not
            unique: dict[str, Piece] = {}
            for piece in pool[role]:
                unique.setdefault(heading(piece), piece)
            pool[role] = list(unique.values())
        if not pool["entry"] and not pool["row"]:
            raise ValueError(f"no sample of kind {kind!r} among the sources")
    return pools


def _split_sample(kind: str, text: str, path: Path, pool: Pool) -> None:
    head, *sections = split_at(text, SECTION)
    if kind in ("daily", "blog"):
        # Sections without an arXiv link (a note, an index) belong to the head: they are not papers.
        first = next((i for i, s in enumerate(sections) if ARXIV.search(s)), len(sections))
        head += "".join(sections[:first])
        pool["head"].append(Piece(head, path))
        pool["entry"] += [Piece(s, path) for s in sections[first:] if ARXIV.search(s)]
    elif kind == "arxiv-daily":
        for section in sections:
            lines = section.splitlines(keepends=True)
            rule = next((i for i, line in enumerate(lines) if TABLE_RULE.match(line)), None)
            if rule is None:
                head += section  # the "Updated on" heading and its table of contents
                continue
            end = next((i for i in range(rule + 1, len(lines)) if not lines[i].startswith("|")), len(lines))
            rows = _join_lone_pipes(split_at("".join(lines[rule + 1 : end]), "|"))
            pool["topic"].append(Piece("".join(lines[: rule + 1]), path))
            pool["row"] += [Piece(r, path) for r in rows]
            pool["back"].append(Piece("".join(lines[end:]), path))
        pool["head"].append(Piece(head, path))
    else:  # survey
        pool["head"].append(Piece(head, path))
        seen_papers = False
        for section in sections:
            intro, *subsections = split_at(section, SUBSECTION)
            papers = [p for p in subsections if NUMBERED.match(p)]
            if papers:
                seen_papers = True
                pool["group"].append(Piece(intro, path))
                pool["entry"] += [Piece(p, path) for p in papers]
            elif IN_PAGE_LINK.search(section) and not seen_papers and all(p.origin != path for p in pool["toc"]):
                pool["toc"].append(Piece(section, path))
            else:
                pool["trail" if seen_papers else "lead"].append(Piece(section, path))
        pool["formula"] += [Piece(m.group(0), path) for m in DISPLAY_MATH.finditer(text)]


def _join_lone_pipes(chunks: list[str]) -> Iterable[str]:
    """Table rows, each with the lone ``|`` lines some authors put after it."""
    row = ""
    for chunk in chunks:
        if chunk.strip() == "|" or not row:
            row += chunk
        else:
            yield row
            row = chunk
    if row.strip():
        yield row


class Day:
    """One digest being composed: its date, random stream, fresh arXiv ids and the pieces so far."""

    def __init__(self, day: date, seed: int, kind: str) -> None:
        self.date = day
        self.kind = kind
        self.rng = random.Random(f"{seed}:{day.isoformat()}")  # str seeds are stable across runs
        first = 10000 + (day.day - 1) * IDS_PER_DAY
        self.ids = iter(self.rng.sample(range(first, first + IDS_PER_DAY), IDS_PER_DAY))
        self.pieces: list[Piece] = []

    def draw(self, pool: Pool, role: str) -> list[Piece]:
        low, high = SIZES[self.kind][role]
        return self.rng.sample(pool[role], min(self.rng.randint(low, high), len(pool[role])))

    def one(self, pool: Pool, role: str) -> list[Piece]:
        return [self.rng.choice(pool[role])] if pool[role] else []

    def add(self, pieces: Iterable[Piece]) -> None:
        self.pieces += [Piece(self.fresh_ids(p.text), p.origin) for p in pieces]

    def fresh_ids(self, text: str) -> str:
        """Each arXiv id replaced by a fresh one of this day's month; one paper's repeats by the same one."""
        fresh: dict[str, str] = {}

        def renumber(m: re.Match[str]) -> str:
            if m.group(2) not in fresh:
                fresh[m.group(2)] = f"{self.date:%y%m}.{next(self.ids):05d}"
            return m.group(1) + fresh[m.group(2)]

        return ARXIV.sub(renumber, text)

    def text(self) -> str:
        text = "".join(p.text if p.text.endswith("\n") else p.text + "\n" for p in self.pieces)
        compact = self.date.strftime("%Y%m%d")
        text = DATE.sub(lambda m: f"{self.date:%Y}{m.group(2)}{self.date:%m}{m.group(2)}{self.date:%d}", text)
        # Anchors spell the heading's date without separators ("#updated-on-20250918").
        return re.sub(r"(?<=-)(?:19|20)\d{6}\b", compact, text)


def compose(day: Day, pool: Pool) -> None:
    if day.kind in ("daily", "blog"):
        day.add(day.one(pool, "head") + day.draw(pool, "entry"))
    elif day.kind == "arxiv-daily":
        topics = day.draw(pool, "topic")
        day.add(retitle_toc(day.one(pool, "head"), [heading(t) for t in topics]))
        for topic in topics:
            day.add([topic, *day.draw(pool, "row"), *day.one(pool, "back")])
    else:
        groups = day.draw(pool, "group")
        lead, trail = day.one(pool, "lead"), day.one(pool, "trail")
        titles = [heading(p) for p in (*lead, *groups, *trail)]
        day.add(day.one(pool, "head") + retitle_toc(day.one(pool, "toc"), titles) + lead)
        number = 0
        for group in groups:
            day.add([group])
            for entry in day.draw(pool, "entry"):
                number += 1
                text = re.sub(r"^(#+\s+)\d+", rf"\g<1>{number}", entry.text, count=1)
                text = DISPLAY_MATH.sub(lambda _: day.rng.choice(pool["formula"]).text, text)
                day.add([Piece(text, entry.origin)])
        day.add(trail)


def retitle_toc(pieces: list[Piece], titles: Sequence[str]) -> list[Piece]:
    """The first run of in-page links rewritten to list ``titles``, each line shaped like the first."""
    out = []
    for piece in pieces:
        lines = piece.text.splitlines(keepends=True)
        start = next((i for i, line in enumerate(lines) if IN_PAGE_LINK.search(line)), None)
        if start is None:
            out.append(piece)
            continue
        end = next((i for i in range(start, len(lines)) if not IN_PAGE_LINK.search(lines[i])), len(lines))
        template = lines[start]
        toc = [_toc_line(template, n, title) for n, title in enumerate(titles, 1)]
        out.append(Piece("".join(lines[:start] + toc + lines[end:]), piece.origin))
    return out


def _toc_line(template: str, number: int, title: str) -> str:
    slug = re.sub(r"[^\w\- ]", "", title.lower()).strip().replace(" ", "-")
    line = re.sub(r"^(\s*)\d+\.", rf"\g<1>{number}.", template)
    line = re.sub(r"\[[^\]]*\]\(#[^)]*\)", lambda _: f"[{title}](#{slug})", line)
    return re.sub(
        r"<a href=([\"']?)#[^\"'>]*\1>[^<]*</a>", lambda m: f"<a href={m.group(1)}#{slug}{m.group(1)}>{title}</a>", line
    )


def copy_images(pieces: Iterable[Piece], folder: Path) -> None:
    """Relative images the pieces name, copied beside the month so that its links resolve."""
    for piece in pieces:
        for ref in RELATIVE_IMAGE.findall(piece.text):
            source = piece.origin.parent / ref
            if ".." not in Path(ref).parts and source.is_file():
                target = folder / ref
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, target)


def generate(folder: Path, days: int = 30, seed: int = 0, sources: Sequence[Path] | None = None) -> list[Path]:
    """Write ``days`` digests named ``YYYY-MM-DD-KIND.md`` into ``folder``; the same arguments give the same bytes.

    Day *n* does not depend on how many days follow it, so ``days=31`` is ``days=30`` plus one.
    """
    pools = read_pools(sources if sources is not None else default_sources())
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for n in range(days):
        kind = KINDS[n % len(KINDS)]
        day = Day(START + timedelta(days=n), seed, kind)
        compose(day, pools[kind])
        path = folder / f"{day.date.isoformat()}-{kind}.md"
        path.write_text(day.text(), encoding="utf-8")
        copy_images(day.pieces, folder)
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path, help="where to write the digests (created if missing)")
    parser.add_argument("--days", type=int, default=30, help="how many digests (default 30)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    args = parser.parse_args(argv)
    files = generate(args.folder, args.days, args.seed)
    size = sum(p.stat().st_size for p in files)
    print(f"wrote {len(files)} digests ({size / 1024:.0f} KiB) to {args.folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
