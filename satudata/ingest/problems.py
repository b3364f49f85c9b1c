"""The one shape of a problem found in an upload, shared by readers, validation and the guard.

Messages and hints are in Bahasa Indonesia (through gettext) and name the place: sheet,
row (as the Produsen sees it in their spreadsheet, 1-based, header rows counted) and
column (header text and letter).
"""

from dataclasses import asdict, dataclass, field


class Severity:
    ERROR = "error"  # blocks the version from being used
    WARNING = "warning"  # shown, does not block


@dataclass
class Problem:
    code: str  # stable machine name, e.g. "type.integer", "header.duplicate", "pii.nik"
    severity: str
    message: str  # Indonesian, for the Produsen
    hint: str = ""  # Indonesian: how to fix it
    sheet: str = ""
    row: int | None = None  # 1-based row in the original file; None for the whole column/file
    column: str = ""  # header text of the column
    column_index: int | None = None  # 0-based
    value: str = ""  # the offending value, cut to 100 characters
    count: int = 1  # how many cells share this problem when it is reported once per column
    extra: dict = field(default_factory=dict)

    def as_dict(self):
        data = asdict(self)
        data["value"] = (self.value or "")[:100]
        return data


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA (spreadsheet column names)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters
