"""Salesforce metadata (`*-meta.xml`): a safe, position-aware parse, then the XML rules.

The standard library's expat reads the file; a DOCTYPE is refused outright
(Salesforce metadata never has one), so no entity can expand or be fetched.
Elements keep the position of their start tag; suppressions are comments:
`<!-- intlint: ignore[IL601] reason -->`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence
from xml.parsers import expat

from lint.findings import Span
from lint.rules.base import XmlRule
from lint.sources.model import Site, run_checks
from lint.sources.result import SourceResult, line_and_column, parse_error, skipped_template
from lint.suppressions import Directive, parse_comment

RULE_BASE = XmlRule


@dataclass(frozen=True)
class XmlElement:
    tag: str  # the local name, without its namespace
    site: Site  # the start tag
    text: str  # the character data directly inside, stripped
    children: tuple[XmlElement, ...] = ()

    def find(self, tag: str) -> XmlElement | None:
        """The first child named `tag`."""
        return next((child for child in self.children if child.tag == tag), None)

    def findtext(self, tag: str) -> str | None:
        child = self.find(tag)
        return child.text if child is not None else None


@dataclass(frozen=True)
class XmlDocument:
    path: str
    root: XmlElement

    @property
    def file_name(self) -> str:
        return self.path.rsplit("/", 1)[-1]


class XmlError(Exception):
    """The file is not XML intlint reads: IL001 at `line`:`column`; `syntax` for malformed XML (maybe a template)."""

    def __init__(self, line: int, column: int, message: str, syntax: bool = False) -> None:
        super().__init__(message)
        self.line, self.column, self.message, self.syntax = line, column, message, syntax


@dataclass
class _Open:
    tag: str
    site: Site
    text: list[str] = field(default_factory=list)
    children: list[XmlElement] = field(default_factory=list)


class Reader:
    """Builds the element tree and collects `intlint:` comments from expat's callbacks."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.lines = data.split(b"\n")
        self.parser = expat.ParserCreate(namespace_separator=" ")
        self.parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        self.parser.StartDoctypeDeclHandler = self._refuse_doctype
        self.parser.EntityDeclHandler = self._refuse_doctype
        self.parser.StartElementHandler = self._start
        self.parser.EndElementHandler = self._end
        self.parser.CharacterDataHandler = self._text
        self.parser.CommentHandler = self._comment
        self.stack: list[_Open] = []
        self.root: XmlElement | None = None
        self.directives: list[Directive] = []

    def read(self, document: bytes | str) -> None:
        """Parse `document` (`self.data`, or its text: expat then ignores the declared encoding); raises XmlError."""
        try:
            self.parser.Parse(document, True)
        except expat.ExpatError as error:
            raise XmlError(error.lineno, error.offset + 1, f"XML syntax error: {expat.ErrorString(error.code)}", syntax=True) from None
        except LookupError as error:  # expat asks Python for an encoding it does not know itself
            raise XmlError(1, 1, f"the XML declaration names an encoding Python does not know ({error})") from None

    def _position(self) -> tuple[int, int]:
        return self.parser.CurrentLineNumber, self.parser.CurrentColumnNumber + 1

    def _refuse_doctype(self, *_: Any) -> None:
        # expat calls this at the end of the declaration's head (its `[` or `>`); point at `<!DOCTYPE` itself.
        start = self.data.find(b"<!DOCTYPE")
        where = line_and_column(self.data, start) if start != -1 else self._position()
        raise XmlError(*where, "the file declares a DOCTYPE, which Salesforce metadata never has; it is not read, so its entities cannot expand or be fetched")

    def _start(self, name: str, _attributes: dict) -> None:
        tag = name.rsplit(" ", 1)[-1]
        line, column = self._position()
        self.stack.append(_Open(tag, Site(Span(line, column, line, column + len(tag) + 1), f"<{tag}>")))

    def _end(self, _name: str) -> None:
        done = self.stack.pop()
        element = XmlElement(done.tag, done.site, "".join(done.text).strip(), tuple(done.children))
        if self.stack:
            self.stack[-1].children.append(element)
        else:
            self.root = element

    def _text(self, data: str) -> None:
        if self.stack:
            self.stack[-1].text.append(data)

    def _comment(self, text: str) -> None:
        if "intlint:" in text:
            line, column = self._position()
            own_line = not self.lines[line - 1][: column - 1].strip() if line <= len(self.lines) else True
            directive = parse_comment(text, line, column, own_line)
            if directive is not None:
                self.directives.append(directive)


def lint_file(path: str, data: bytes, rules: Sequence[type[XmlRule]], options: Mapping[str, Any]) -> SourceResult:
    reader = Reader(data)
    try:
        reader.read(data)
    except XmlError as error:
        failed = SourceResult([parse_error(path, error.line, error.column, error.message)], [])
        return (skipped_template(path, data, "XML") if error.syntax else None) or failed
    document = XmlDocument(path, reader.root)
    applicable = [rule for rule in rules if not rule.files or document.file_name.endswith(rule.files)]
    return SourceResult(run_checks(path, applicable, options, "check_xml", document), reader.directives)
