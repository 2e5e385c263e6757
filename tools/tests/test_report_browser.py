"""The conference report as a browser shows it: headless Chromium renders the page for an
uncleared viewer, and the test asserts what the rendered page shows (the child's level, the
policy override, a restricted item shown only as restricted), that a screenshot was produced
and shows the page (not a blank or error page), and that printing gives A4 pages; then the
family version of the same case: its headings, no mention of restricted evidence, A4 pages.

Exits 77 (CTest: skipped) when Chromium is not installed."""
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

sys.path.insert(0, os.path.dirname(__file__))
from cli_helpers import OAK, run  # noqa: E402

SKIP = 77
LEVEL_COLOUR = (0xC6, 0x2A, 0x0F)  # src/render/page.cpp's colour for the highest level


def find_chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def chromium(browser, profile, *args):
    command = [browser, "--headless", "--disable-gpu", "--no-sandbox", "--no-first-run",
               "--disable-dev-shm-usage", "--user-data-dir=" + profile, *args]
    return subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=180)


def decode_png(data):
    """Width, height and rows of RGB(A) pixels of an 8-bit, non-interlaced PNG (what Chromium
    writes). Standard library only: zlib plus the five PNG row filters."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    position, chunks, header = 8, [], None
    while position < len(data):
        length, kind = struct.unpack(">I4s", data[position:position + 8])
        body = data[position + 8:position + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            chunks.append(body)
        position += 12 + length
    width, height, depth, colour, _, _, interlace = header
    assert depth == 8 and interlace == 0 and colour in (2, 6), header
    channels = 3 if colour == 2 else 4
    raw = zlib.decompress(b"".join(chunks))
    stride = width * channels
    rows, previous = [], bytearray(stride)
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up = previous[i]
            upper_left = previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                estimate = left + up - upper_left
                pa, pb, pc = abs(estimate - left), abs(estimate - up), abs(estimate - upper_left)
                predictor = left if pa <= pb and pa <= pc else (up if pb <= pc else upper_left)
                line[i] = (line[i] + predictor) & 0xFF
        rows.append(bytes(line))
        previous = line
    return width, height, channels, rows


def check(condition, message):
    if not condition:
        print("FAIL: " + message)
        sys.exit(1)
    print("ok: " + message)


def main():
    browser = find_chromium()
    if not browser:
        print("chromium is not installed; skipping (CI installs it through scripts/setup.sh)")
        return SKIP
    work = os.environ.get("SAFEGUARD_TEST_WORK_DIR") or tempfile.mkdtemp()
    os.makedirs(work, exist_ok=True)
    report = os.path.join(work, "report-P-OAK-C8.html")
    screenshot = os.path.join(work, "report-P-OAK-C8.png")
    pdf = os.path.join(work, "report-P-OAK-C8.pdf")
    for stale in (screenshot, pdf):
        if os.path.exists(stale):
            os.remove(stale)
    made = run("report", OAK, "--child", "P-OAK-C8", "--as-of", "2026-11-01", "-o", report)
    check(made.code == 0, "safeguard report exits 0 (%s)" % made.errtext().strip())
    url = "file://" + os.path.abspath(report)

    with tempfile.TemporaryDirectory(prefix="safeguard-chromium-") as profile:
        dumped = chromium(browser, profile, "--dump-dom", url)
        check(dumped.returncode == 0, "chromium --dump-dom exits 0")
        dom = dumped.stdout.decode("utf-8")
        text = re.sub(r"<[^>]+>", " ", dom)
        text = re.sub(r"\s+", " ", text)
        check("Child protection (section 47)" in re.sub(
            r"\s+", " ", re.search(r'id="level-name"[^>]*>(.*?)</div>', dom, re.S).group(1)),
            "the rendered page shows the child's level, child protection")
        check("baby-serious-injury" in text and "serious injury to a baby" in text,
              "the rendered page shows the policy override and its reason")
        check("Immediate safety" in text, "the rendered page flags immediate safety")
        restricted_rows = re.findall(r'<tr class="item restricted-item">(.*?)</tr>', dom, re.S)
        check(len(restricted_rows) >= 1 and all("restricted source" in row for row in restricted_rows),
              "restricted evidence is shown as 'restricted source' to an uncleared viewer")
        for secret in ("C-OAK-02", "C-OAK-05", "Fictional Constabulary", "door being broken"):
            check(secret not in dom, "no restricted detail (%s) in the rendered page" % secret)
        check("<svg" in dom and "P-OAK-C8" in dom, "the ecomap is inline in the page")

        shot = chromium(browser, profile, "--hide-scrollbars", "--window-size=1240,1754",
                        "--screenshot=" + screenshot, url)
        check(shot.returncode == 0 and os.path.exists(screenshot), "chromium wrote a screenshot")
        with open(screenshot, "rb") as f:
            png = f.read()
        width, height, channels, rows = decode_png(png)
        check((width, height) == (1240, 1754), "the screenshot is 1240x1754 (%dx%d)" % (width, height))
        colours, inked, level_pixels = set(), 0, 0
        for row in rows[::3]:
            for x in range(0, width * channels, channels * 3):
                pixel = tuple(row[x:x + 3])
                colours.add(pixel)
                inked += pixel != (255, 255, 255)
                level_pixels += all(abs(a - b) <= 3 for a, b in zip(pixel, LEVEL_COLOUR))
        samples = len(rows[::3]) * len(range(0, width * channels, channels * 3))
        check(len(colours) > 100, "the screenshot is not blank (%d colours)" % len(colours))
        check(inked > samples * 0.03, "the screenshot has ink on it (%.1f%%)" % (100.0 * inked / samples))
        check(level_pixels > 500, "the level panel is painted in the level's colour (%d samples)" % level_pixels)

        printed = chromium(browser, profile, "--no-pdf-header-footer", "--print-to-pdf=" + pdf, url)
        check(printed.returncode == 0 and os.path.exists(pdf), "chromium printed the page to PDF")
        with open(pdf, "rb") as f:
            boxes = re.findall(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", f.read())
        check(boxes and all(abs(float(w) - 595.3) < 3 and abs(float(h) - 841.9) < 3 for w, h in boxes),
              "every printed page is A4 (%d pages)" % len(boxes))

        # The family version of the same case, as a parent would print it.
        family = os.path.join(work, "family-P-OAK-C8.html")
        family_pdf = os.path.join(work, "family-P-OAK-C8.pdf")
        if os.path.exists(family_pdf):
            os.remove(family_pdf)
        made = run("report", OAK, "--child", "P-OAK-C8", "--as-of", "2026-11-01", "--for",
                   "family", "-o", family)
        check(made.code == 0, "safeguard report --for family exits 0 (%s)" % made.errtext().strip())
        family_url = "file://" + os.path.abspath(family)
        dumped = chromium(browser, profile, "--dump-dom", family_url)
        dom = dumped.stdout.decode("utf-8")
        for heading in ("What the workers are worried about", "What is going well",
                        "What needs to happen", "Your views"):
            check(heading in dom, "the family version shows '%s'" % heading)
        check("estricted" not in dom and "C-OAK-02" not in dom,
              "the family version never mentions restricted evidence")
        printed = chromium(browser, profile, "--no-pdf-header-footer",
                           "--print-to-pdf=" + family_pdf, family_url)
        check(printed.returncode == 0 and os.path.exists(family_pdf),
              "chromium printed the family version to PDF")
        with open(family_pdf, "rb") as f:
            boxes = re.findall(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", f.read())
        check(boxes and all(abs(float(w) - 595.3) < 3 and abs(float(h) - 841.9) < 3 for w, h in boxes),
              "every printed page of the family version is A4 (%d pages)" % len(boxes))
    print("screenshot: " + screenshot)
    return 0


if __name__ == "__main__":
    sys.exit(main())
