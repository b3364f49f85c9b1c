"""A corpus of cross-site scripting payloads for tests/test_xss.py.

Each payload, if it ever ran, calls alert() with its own number (91xx), so the browser test
can tell which one fired; the numbers also mark any attribute or element a payload managed
to create. The corpus covers the HTML element, attribute (double, single and no quotes),
URL, <script>/JSON-LD, <textarea>/<title>, SVG and MathML contexts, plus template and
Markdown injection and doubly-encoded text. Add a payload by giving it the next free number.
"""

PAYLOADS = {
    9101: "<script>alert(9101)</script>",
    9102: "<img src=x onerror=alert(9102)>",
    9103: "<svg onload=alert(9103)>",
    9104: '"><script>alert(9104)</script>',
    9105: "'><img src=x onerror=alert(9105)>",
    9106: '" autofocus onfocus="alert(9106)" x="',
    9107: "' autofocus onfocus='alert(9107)' x='",
    9108: "</script><script>alert(9108)</script>",
    9109: "</textarea><script>alert(9109)</script>",
    9110: "</title><script>alert(9110)</script>",
    9111: '<iframe srcdoc="<script>parent.alert(9111)</script>"></iframe>',
    9112: "<math><mtext><table><mglyph><style><img src=x onerror=alert(9112)>",
    9113: '<a href="javascript:alert(9113)">klik</a>',
    9114: "javascript:alert(9114)",
    9115: "{{ 9115|add:1 }}{% now 'Y' %}",
    9116: "<details open ontoggle=alert(9116)>",
    9117: "<input autofocus onfocus=alert(9117)>",
    9118: "<video><source onerror=alert(9118)></video>",
    9119: "[klik](javascript:alert(9119))",
    9120: '<object data="javascript:alert(9120)"></object>',
    9121: '<meta http-equiv="refresh" content="0;url=javascript:alert(9121)">',
    9122: "<!--<script>alert(9122)</script>-->",
    9123: "%3Cscript%3Ealert(9123)%3C/script%3E",
    9124: "&lt;script&gt;alert(9124)&lt;/script&gt;",
    9125: "<svg><animate onbegin=alert(9125) attributeName=x dur=1s>",
    9126: "<img src=x onerror=alert(9126)//",
    9127: '<a href=" java&#x09;script:alert(9127)">klik</a>',
    9128: "\u2028\u2029</script><script>alert(9128)</script>",
    9129: "x onmouseover=alert(9129) y",
    9130: "<style>*{background:url(javascript:alert(9130))}</style>",
}

# Text whose presence in a page would prove a template or double-decoding evaluated input.
EVALUATED = ["9116</", "alert(9123)</script>"]

MARKER = "xss"


def all_payloads():
    """Every payload in one string, for long text fields."""
    return " ".join(PAYLOADS.values())


def fitting(max_length, start=0):
    """Payloads from the `start`-th on, rotating, joined while they fit in `max_length`."""
    values = list(PAYLOADS.values())
    out = ""
    for i in range(len(values)):
        candidate = values[(start + i) % len(values)]
        joined = f"{out} {candidate}" if out else candidate
        if len(joined) > max_length:
            break
        out = joined
    return out or values[start % len(values)][:max_length]
