# Regenerates UnicodeNormalization.data.gz (Unicode data used by UnicodeNormalizer) from Python's unicodedata.
# Lines: "C cp ccc" (non-zero canonical combining class), "D cp x y..." (canonical decomposition, one level),
# "K cp x y..." (compatibility decomposition, one level), "E cp" (excluded from composition). Hex code points.
import gzip, sys, unicodedata
lines = [f"# unicodedata {unicodedata.unidata_version}"]
for cp in range(0x110000):
    if 0xD800 <= cp < 0xE000 or 0xAC00 <= cp <= 0xD7A3:
        continue  # surrogates; Hangul syllables are algorithmic
    ch = chr(cp)
    ccc = unicodedata.combining(ch)
    if ccc:
        lines.append(f"C {cp:X} {ccc}")
    d = unicodedata.decomposition(ch)
    if not d:
        continue
    parts = d.split()
    if parts[0].startswith("<"):
        lines.append(f"K {cp:X} " + " ".join(parts[1:]))
    else:
        lines.append(f"D {cp:X} " + " ".join(parts))
        if unicodedata.normalize("NFC", ch) != ch:
            lines.append(f"E {cp:X}")
data = ("\n".join(lines) + "\n").encode()
with gzip.GzipFile(sys.argv[1] if len(sys.argv) > 1 else "UnicodeNormalization.data.gz", "wb", mtime=0) as f:
    f.write(data)
