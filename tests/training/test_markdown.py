"""Module and update bodies are Markdown rendered through an nh3 allowlist."""

import re

import pytest

from training.markdown import render_markdown

XSS_CORPUS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=https://evil.example/x.js></SCRIPT>",
    '<img src="x" onerror="alert(1)">',
    "<img src=x onerror=alert(1)//>",
    '<body onload="alert(1)">',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](jav&#x09;ascript:alert(1))",
    '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">x</a>',
    '<a href="javascript&colon;alert(1)">x</a>',
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[x](vbscript:msgbox(1))",
    "<svg><script>alert(1)</script></svg>",
    '<svg onload="alert(1)"><circle r="1"/></svg>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<iframe src="javascript:alert(1)"></iframe>',
    '<object data="javascript:alert(1)"></object>',
    '<embed src="javascript:alert(1)">',
    '<form action="javascript:alert(1)"><button>go</button></form>',
    '<a href="https://ok.example" onclick="alert(1)">ok</a>',
    '<p style="background:url(javascript:alert(1))">styled</p>',
    "<details open ontoggle=alert(1)>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "<<script>script>alert(1)<</script>/script>",
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '![img](javascript:alert(1) "t")',
    '<div><a href="  javascript:alert(1)">spaces</a></div>',
]

EXECUTABLE = [
    re.compile(r"<\s*(script|iframe|object|embed|svg|math|form|meta|style|body|details)\b", re.I),
    re.compile(r"\son[a-z]+\s*=", re.I),
    re.compile(r"(href|src|action|data)\s*=\s*[\"']?\s*(javascript|vbscript|data):", re.I),
    re.compile(r"\sstyle\s*=", re.I),
]


@pytest.mark.parametrize("payload", XSS_CORPUS)
def test_it_renders_no_executable_content(payload):
    html = render_markdown(payload)
    for pattern in EXECUTABLE:
        assert not pattern.search(html), (payload, html)


def test_it_keeps_ordinary_markdown():
    html = render_markdown("## Why\n\n**Bold** and a [link](https://example.com) and `code`.\n\n- one\n- two")
    assert "<h2>Why</h2>" in html
    assert "<strong>Bold</strong>" in html
    assert '<a href="https://example.com" rel="noopener noreferrer">link</a>' in html
    assert "<li>one</li>" in html


def test_it_keeps_mailto_links_and_adds_noopener():
    html = render_markdown("[mail](mailto:team@example.com)")
    assert 'href="mailto:team@example.com"' in html
    assert "noopener" in html


def test_escaped_entities_stay_text():
    html = render_markdown("&lt;script&gt;alert(1)&lt;/script&gt;")
    assert "&lt;script&gt;" in html
