#!/usr/bin/env python3
"""Reference scrypt hashes for PasswordHashTests, from Python's hashlib.scrypt (OpenSSL's
implementation, not ours). One at the standard cost (N=2^15, r=8, p=3), the others cheaper, so
that the tests stay quick in a debug build. Run from this folder: ./make-scrypt-fixtures.py > scrypt.json"""
import base64
import hashlib
import json

cases = [
    ("correct horse battery staple", bytes(range(16)), 15, 8, 3),
    ("mật khẩu tiếng Việt có dấu", b"saltsaltsaltsalt", 14, 8, 1),
    ("", b"\x00" * 16, 10, 1, 1),
    ("pw-province-123456", bytes(range(100, 116)), 12, 8, 2),
]
out = []
for password, salt, log_n, r, p in cases:
    digest = hashlib.scrypt(password.encode(), salt=salt, n=1 << log_n, r=r, p=p, maxmem=256 << 20, dklen=32)
    out.append({
        "password": password,
        "stored": f"scrypt${log_n}${r}${p}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}",
    })
print(json.dumps(out, ensure_ascii=False, indent=1))
