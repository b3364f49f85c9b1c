"""docs/audit.md documents every audit action, and nothing that is not one."""

import re
from pathlib import Path

from satudata.audit.constants import AuditAction

DOC = Path(__file__).resolve().parents[3] / "docs" / "audit.md"


def table_actions():
    """The action names in the first column of the table under "## Actions"."""
    text = DOC.read_text()
    section = text[text.index("## Actions") :]
    return re.findall(r"^\| `([a-z_]+\.[a-z_]+)` \|", section, flags=re.MULTILINE)


def test_every_audit_action_is_documented():
    documented = set(table_actions())
    missing = sorted(a.value for a in AuditAction if a.value not in documented)
    assert not missing, f"audit actions missing from docs/audit.md: {missing}"


def test_the_table_lists_no_unknown_action_and_none_twice():
    rows = table_actions()
    assert len(rows) == len(set(rows))
    unknown = sorted(set(rows) - {a.value for a in AuditAction})
    assert not unknown, f"docs/audit.md lists actions that do not exist: {unknown}"
