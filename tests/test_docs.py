"""Settings and commands stay documented in docs/operations.md."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OPERATIONS = (ROOT / "docs" / "operations.md").read_text()


def test_every_setting_is_documented():
    sources = [ROOT / "satudata" / "settings.py", ROOT / "satudata" / "lib" / "browser.py"]
    names = set()
    for source in sources:
        text = source.read_text()
        names |= {f"SATUDATA_{n}" for n in re.findall(r'env(?:_bool)?\("([A-Z_]+)"', text)}
        names |= set(re.findall(r'"(SATUDATA_[A-Z_]+)"', text))
    undocumented = sorted(n for n in names if f"`{n}`" not in OPERATIONS)
    assert not undocumented


def test_every_command_is_documented():
    commands = {
        p.stem.replace("_", "-")
        for p in ROOT.glob("satudata/*/management/commands/*.py")
        if not p.stem.startswith("_")
    }
    undocumented = sorted(c for c in commands if f"satudata {c}" not in OPERATIONS)
    assert not undocumented
