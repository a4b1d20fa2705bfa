"""A small reader and writer of gettext .po files (no dependency): enough to tell which
messages lack a translation or are fuzzy, and to fill translations in."""

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

_KEYWORD = re.compile(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)\s+(\".*\")\s*$")


@dataclass
class Entry:
    comments: list[str] = field(default_factory=list)
    flags: set[str] = field(default_factory=set)
    fields: dict[str, str] = field(default_factory=dict)
    obsolete: bool = False

    @property
    def key(self) -> tuple[str, str]:
        return self.fields.get("msgctxt", ""), self.fields.get("msgid", "")

    @property
    def msgid(self) -> str:
        return self.fields.get("msgid", "")

    @property
    def plural(self) -> str | None:
        return self.fields.get("msgid_plural")

    def translations(self) -> list[str]:
        return [v for k, v in self.fields.items() if k.startswith("msgstr")]

    @property
    def translated(self) -> bool:
        return all(self.translations()) and bool(self.translations())

    @property
    def fuzzy(self) -> bool:
        return "fuzzy" in self.flags


def read(path: Path) -> list[Entry]:
    entries: list[Entry] = []
    current = Entry()
    last = ""
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            if current.fields:
                entries.append(current)
            current, last = Entry(), ""
            continue
        if line.startswith("#~"):
            current.obsolete = True
            continue
        if line.startswith("#,"):
            current.flags |= {f.strip() for f in line[2:].split(",")}
            continue
        if line.startswith("#"):
            current.comments.append(raw)
            continue
        found = _KEYWORD.match(line)
        if found:
            last = found.group(1)
            current.fields[last] = ast.literal_eval(found.group(2))
        elif line.startswith('"') and last:
            current.fields[last] += ast.literal_eval(line)
    if current.fields:
        entries.append(current)
    return [e for e in entries if not e.obsolete]


def _quote(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t")
    parts = escaped.split("\n")
    if len(parts) == 1:
        return f'"{escaped}"'
    pieces = [p + "\\n" for p in parts[:-1]] + ([parts[-1]] if parts[-1] else [])
    return '""\n' + "\n".join(f'"{p}"' for p in pieces)


def write(path: Path, entries: list[Entry]) -> None:
    blocks = []
    for entry in entries:
        lines = [c for c in entry.comments if not c.startswith("#|")]
        if entry.flags:
            lines.append("#, " + ", ".join(sorted(entry.flags)))
        # The earlier msgid of a fuzzy entry: after the flags, as gettext writes it.
        lines += [c for c in entry.comments if c.startswith("#|")]
        lines += [f"{k} {_quote(v)}" for k, v in entry.fields.items()]
        blocks.append("\n".join(lines))
    path.write_text("\n\n".join(blocks) + "\n", encoding="utf-8")
