"""RFC 5545 text for the Jadwal Rilis feed, written by hand (no extra dependency).

Text values escape backslash, comma, semicolon and newlines; lines are folded at 75 octets
without splitting a UTF-8 character; lines end with CRLF.
"""

import datetime as dt


def escape(value) -> str:
    text = str(value).replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return text.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")


def fold(line: str) -> str:
    """Split a content line into 75-octet pieces joined by CRLF + space."""
    pieces, current, size = [], [], 0
    for char in line:
        width = len(char.encode("utf-8"))
        # The first line holds 75 octets; continuation lines 74 plus their leading space.
        limit = 75 if not pieces else 74
        if size + width > limit:
            pieces.append("".join(current))
            current, size = [], 0
        current.append(char)
        size += width
    pieces.append("".join(current))
    return "\r\n ".join(pieces)


def utc_stamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def calendar(events, *, name, prodid) -> str:
    """`events`: dicts with uid, date, summary, description, url (optional), stamp (datetime)."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{prodid}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape(name)}",
    ]
    for event in events:
        lines += [
            "BEGIN:VEVENT",
            f"UID:{event['uid']}",
            f"DTSTAMP:{utc_stamp(event['stamp'])}",
            f"DTSTART;VALUE=DATE:{event['date']:%Y%m%d}",
            f"DTEND;VALUE=DATE:{event['date'] + dt.timedelta(days=1):%Y%m%d}",
            f"SUMMARY:{escape(event['summary'])}",
            f"DESCRIPTION:{escape(event['description'])}",
            "TRANSP:TRANSPARENT",
        ]
        if event.get("url"):
            lines.append(f"URL:{event['url']}")
        if event.get("categories"):
            lines.append(f"CATEGORIES:{escape(event['categories'])}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)
