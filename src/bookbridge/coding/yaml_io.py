"""Templates and rules as YAML files a firm can keep in version control.

* Export writes keys in the documented order (:mod:`bookbridge.coding.schema`), numbers and dates
  as plain YAML, account codes and other text quoted when YAML would otherwise read them as
  numbers, so the file means the same to any YAML tool.
* Import composes the text (keeping every scalar's source text and line) and validates it; every
  problem comes back as a :class:`TemplateIssue` with its 1-based line number.
* Comments are kept where possible: a version remembers the text it was imported from, and export
  gives that text back when it still means exactly the stored content, so export → import →
  export is byte-identical whether the file came from us or from a person with comments.
"""

from __future__ import annotations

import io
import re
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError

from bookbridge.coding.nodes import YamlSyntaxError, parse_yaml
from bookbridge.coding.reader import Reader, Severity, TemplateIssue
from bookbridge.coding.rules import RuleSpec
from bookbridge.coding.schema import read_template, template_to_data
from bookbridge.coding.schema_rules import read_rules, rules_to_data
from bookbridge.coding.spec import TemplateSpec

TEMPLATE_HEADER = (
    "# Bookbridge mapping template. Edit it, then check and load it with:\n"
    "#   bookbridge mapping import BOOK FILE --as YOUR-NAME\n"
)
RULES_HEADER = (
    "# Bookbridge coding rules (they run by ascending precedence). Load them with:\n"
    "#   bookbridge rules import BOOK FILE --as YOUR-NAME\n"
)

# Keys whose text values are numbers or dates: written plain (rate: 0.70), everything else quoted
# when YAML would take it for something other than text (account: '6100').
_NUMERIC_KEYS = {"rate", "recoverable", "tax_recoverable", "share", "min", "max", "default"}
_NUMERIC_PARENTS = {"rates"}
_DATE_KEYS = {"effective_from", "from", "to"}
_FLOW_MAX_KEYS = 3
_FLOW_SAFE = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_ .&/-]*[A-Za-z0-9_.&/-])?")
_INT = re.compile(r"[-+]?[0-9]+")
_FLOAT = re.compile(r"[-+]?[0-9]*\.[0-9]+")


class _Plain(str):
    """A number or date written without quotes."""


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.default_flow_style = False
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 100
    yaml.allow_unicode = True
    yaml.representer.add_representer(_Plain, _represent_plain)
    return yaml


def _represent_plain(representer: Any, value: _Plain) -> Any:
    text = str(value)
    if _INT.fullmatch(text):
        tag = "tag:yaml.org,2002:int"
    elif _FLOAT.fullmatch(text):
        tag = "tag:yaml.org,2002:float"
    else:
        tag = "tag:yaml.org,2002:timestamp"
    return representer.represent_scalar(tag, text)


def _commented(value: Any, key: str | None = None, parent: str | None = None) -> Any:
    """Plain data → ruamel containers, marking numbers and dates to be written plain."""
    if isinstance(value, dict):
        result = CommentedMap()
        for k, v in value.items():
            result[k] = _commented(v, k, key)
        if 0 < len(value) <= _FLOW_MAX_KEYS and all(_flow_safe(k) and _flow_safe(v) for k, v in value.items()):
            result.fa.set_flow_style()  # `vendor: {contains: shell}` reads better than 2 lines
        return result
    if isinstance(value, list):
        return CommentedSeq(_commented(v, None, key) for v in value)
    if isinstance(value, str) and (key in _NUMERIC_KEYS or parent in _NUMERIC_PARENTS):
        if _INT.fullmatch(value) or _FLOAT.fullmatch(value):
            return _Plain(value)
    if isinstance(value, str) and key in _DATE_KEYS and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return _Plain(value)
    return value


def _flow_safe(value: Any) -> bool:
    """Plain words and numbers only: ruamel can emit some indicator-led text (``?0``) unquoted
    inside ``{...}``, where it is not valid YAML, so anything else goes in block style."""
    if isinstance(value, (dict, list)):
        return False
    return isinstance(value, bool) or bool(_FLOW_SAFE.fullmatch(str(value)))


def _dump(data: dict[str, Any], header: str) -> str:
    stream = io.StringIO()
    _yaml().dump(_commented(data), stream)
    return header + stream.getvalue()


def dump_template(spec: TemplateSpec) -> str:
    """The template as YAML text, generated (no remembered comments)."""
    return _dump(template_to_data(spec), TEMPLATE_HEADER)


def dump_rules(template_name: str, rules: tuple[RuleSpec, ...]) -> str:
    """A rules-only file: the template it belongs to and its rules."""
    return _dump({"template": template_name, "rules": rules_to_data(rules)}, RULES_HEADER)


def export_template(spec: TemplateSpec, source_text: str | None = None) -> str:
    """The text to export: the remembered source when it still means ``spec``, else generated."""
    if source_text is not None:
        remembered, issues = load_template(source_text)
        if remembered == spec:
            return source_text
    return dump_template(spec)


def load_template(text: str) -> tuple[TemplateSpec | None, list[TemplateIssue]]:
    """Read and validate a template file; the spec is ``None`` when any issue is an error."""
    try:
        root = parse_yaml(text)
    except YamlSyntaxError as exc:
        return None, [TemplateIssue(Severity.ERROR, "", f"not valid YAML: {exc.message}", exc.line)]
    if root.kind == "null":
        return None, [TemplateIssue(Severity.ERROR, "", "the file is empty", 1)]
    return read_template(root)


def load_rules(text: str) -> tuple[tuple[RuleSpec, ...] | None, str | None, list[TemplateIssue]]:
    """Read a rules file (``template:`` optional, ``rules:`` list) → (rules, template name, issues).

    A full template file is accepted too: its ``rules`` are read and the rest is ignored, so
    `rules import` works on a file from `mapping export`.
    """
    try:
        root = parse_yaml(text)
    except YamlSyntaxError as exc:
        return None, None, [TemplateIssue(Severity.ERROR, "", f"not valid YAML: {exc.message}", exc.line)]
    reader = Reader()
    if root.kind != "map" or "rules" not in root.entries:
        reader.error("rules", "the file needs a 'rules:' list", root.line)
        return None, None, reader.issues
    name = reader.text(root, "template", "")
    rules = read_rules(reader, root.entries["rules"])
    reader.issues.sort(key=lambda issue: (issue.line or 0))
    if any(issue.severity is Severity.ERROR for issue in reader.issues):
        return None, name, reader.issues
    return rules, name, reader.issues


def replace_rules_text(template_text: str, rules_text: str) -> str | None:
    """The template text with its ``rules`` section replaced by the rules file's, comments kept.

    Returns ``None`` when either text cannot be edited that way (the caller then generates the
    file afresh; only the comments are lost, never content).
    """
    yaml = _yaml()
    try:
        document = yaml.load(template_text)
        rules_document = yaml.load(rules_text)
    except YAMLError:
        return None
    if not isinstance(document, CommentedMap) or not isinstance(rules_document, CommentedMap):
        return None
    document["rules"] = rules_document.get("rules", CommentedSeq())
    stream = io.StringIO()
    yaml.dump(document, stream)
    return stream.getvalue()
