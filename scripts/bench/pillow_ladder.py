"""The baseline of `npm run bench:compress`: the Pillow quality ladder of the media change log
(connector-docs-changelog-2026-02-16.md): images over 5 MB are re-saved as JPEG with optimize=True at
quality 85, 75, 65, 55, 45, 35 until one fits; at 35 it keeps the best effort.
Usage: /usr/bin/python3 pillow_ladder.py <image>...  prints one JSON line per image."""
import io
import json
import sys
import time

from PIL import Image

LIMIT = 5 * 1024 * 1024
LADDER = [85, 75, 65, 55, 45, 35]


def compress(data: bytes) -> tuple[bytes, int, int]:
    img = Image.open(io.BytesIO(data))
    if img.mode in ("RGBA", "P", "LA"):
        img = img.convert("RGB")
    out = data
    steps = 0
    for quality in LADDER:
        buf = io.BytesIO()
        img.save(buf, format="JPEG", quality=quality, optimize=True)
        out = buf.getvalue()
        steps += 1
        if len(out) <= LIMIT:
            break
    return out, quality, steps


for path in sys.argv[1:]:
    with open(path, "rb") as f:
        data = f.read()
    start = time.perf_counter()
    out, quality, steps = compress(data)
    ms = (time.perf_counter() - start) * 1000
    print(json.dumps({"file": path, "ms": ms, "bytes": len(out), "quality": quality, "encodes": steps}), flush=True)
