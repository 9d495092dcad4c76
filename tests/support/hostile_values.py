"""Values the API refuses (and some it takes) that a careless or hostile user could write, by kind.

The provider's check, the stack-file loader and the fake API are each tested against them.
"""

from __future__ import annotations

VALID_URLS = [
    "https://example.com",
    "http://hooks.example.com:8080/telnyx?token=abc#x",
    "https://user:p%40ss@hooks.example.com/telnyx",
    "HTTPS://Hooks.Example.COM./",
    "https://xn--bcher-kva.example/",
    "https://localhost/",
    "http://192.0.2.10:65535/",
    "http://[2001:db8::1]/",
    "http://[::ffff:192.0.2.1]:1/",
    "https://example.com/bücher?q=ü",
]
BAD_URLS = {
    "no scheme": ("example.com/hooks", "does not start with http:// or https://"),
    "a relative path": ("/webhooks", "does not start with http:// or https://"),
    "another scheme": ("ftp://example.com", "does not start with http:// or https://"),
    "no slashes": ("mailto:ops@example.com", "does not start with http:// or https://"),
    "no host": ("https://", "it has no host"),
    "a host with a space": ("https://exa mple.com/", "whitespace"),
    "a space in the path": ("https://example.com/a b", "whitespace"),
    "a tab": ("https://example.com/\t", "whitespace"),
    "a newline at the end": ("https://example.com/\n", "whitespace"),
    "a NUL": ("https://example.com/\x00", "control character"),
    "a C1 control": ("https://example.com/\x85", "control character"),
    "a zero-width space": ("https://exam\u200bple.com/", "invisible character"),
    "a non-breaking space": ("https://example.com/\u00a0", "whitespace"),
    "port 0": ("https://example.com:0/", "port is not a number from 1 to 65535"),
    "port 65536": ("https://example.com:65536/", "port is not a number from 1 to 65535"),
    "a huge port": ("https://example.com:99999999999999999999/", "port is not a number from 1 to 65535"),
    "a word for a port": ("https://example.com:http/", "port is not a number from 1 to 65535"),
    "an empty port": ("https://example.com:/", "port is not a number from 1 to 65535"),
    "an underscore in the host": ("https://hooks_1.example.com/", "not a valid DNS name"),
    "a label starting with a hyphen": ("https://-hooks.example.com/", "not a valid DNS name"),
    "a label of 64 characters": ("https://" + "a" * 64 + ".example.com/", "not a valid DNS name"),
    "a non-ASCII host": ("https://bücher.example/", "not a valid DNS name"),
    "an IPv4 address out of range": ("http://192.0.2.256/", "not a valid DNS name or IPv4 address"),
    "a numeric top-level label": ("http://example.123/", "not a valid DNS name or IPv4 address"),
    "an IPv6 address without brackets": ("http://2001:db8::1/", "IPv6 address without brackets"),
    "an IPv4 address in brackets": ("http://[192.0.2.1]/", "in brackets is not an IPv6 address"),
    "an unclosed bracket": ("http://[::1/", "in brackets is not an IPv6 address"),
    "an IPv6 zone": ("http://[fe80::1%25eth0]/", "in brackets is not an IPv6 address"),
    "a backslash before the user part": ("https://example.com\\@evil.example/", "user part"),
}

# Ids the API refuses: other scripts' digits, superscripts, full-width digits, signs, spaces, exponents.
BAD_IDS = ["١٢٣٤", "12²", "\uff11\uff12", "", " 12", "12 ", "12a", "-12", "1e3", "0x1F"]
VALID_IDS = ["1293384261075731499", "0", "42"]
# Names may hold any printable text, but no control character or line break.
BAD_NAMES = ["call\nrouter", "router\t", "\x1b[31mred", "a\x00b", "a\x7fb", "a\x85b", "a\u2028b"]
