#!/usr/bin/env python3
"""Plots decode rounds (lines of `engine --decode-only` output, each prefixed by a label) as paired roofline fraction
against the bandwidth sampled beside it: one colour per label, one marker per model. Standard library only.
usage: plot.py OUT.svg TITLE FILE[:PREFIX=LABEL,...] ..."""
import re, sys

out, title, inputs = sys.argv[1], sys.argv[2], sys.argv[3:]
line = re.compile(r"^(?P<tag>.*?)\s+(?P<model>synthetic:\S+): decode batch 1: .*?bandwidth sampled every \d+ tokens: median (?P<bw>[\d.]+).*?fraction of the roofline: (?P<frac>[\d.]+) % paired")
points = []  # (label, model, bandwidth, fraction)
for spec in inputs:
    path, _, labels = spec.partition(":")
    names = dict(p.split("=", 1) for p in labels.split(",") if p)
    for text in open(path):
        m = line.match(text.strip())
        if not m:
            continue
        tag = m["tag"].split()[-1] if m["tag"].split() else ""
        label = next((v for k, v in names.items() if k in m["tag"]), tag or path)
        points.append((label, m["model"], float(m["bw"]), float(m["frac"])))

W, H, L, R, T, B = 860, 440, 70, 250, 40, 60
xs = [p[2] for p in points]; x0, x1 = min(25, min(xs) - 1), max(60, max(xs) + 1)
y0, y1 = 60, 105
sx = lambda x: L + (x - x0) / (x1 - x0) * (W - L - R)
sy = lambda y: T + (y1 - y) / (y1 - y0) * (H - T - B)
colours = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd"]
labels = sorted({p[0] for p in points})
models = sorted({p[1] for p in points})
svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif" font-size="12">',
       f'<rect width="{W}" height="{H}" fill="white"/>',
       f'<text x="{(W - R + L) / 2}" y="22" text-anchor="middle" font-size="14">{title}</text>']
for x in range(int(x0 // 5 * 5 + 5), int(x1) + 1, 5):
    svg.append(f'<line x1="{sx(x)}" y1="{T}" x2="{sx(x)}" y2="{H - B}" stroke="#eee"/><text x="{sx(x)}" y="{H - B + 16}" text-anchor="middle">{x}</text>')
for y in range(y0, y1 + 1, 5):
    svg.append(f'<line x1="{L}" y1="{sy(y)}" x2="{W - R}" y2="{sy(y)}" stroke="{"#999" if y == 90 else "#eee"}"/><text x="{L - 6}" y="{sy(y) + 4}" text-anchor="end">{y} %</text>')
svg.append(f'<text x="{(W - R + L) / 2}" y="{H - 18}" text-anchor="middle">read bandwidth of the model\'s weights sampled beside the run (GB/s, median)</text>')
svg.append(f'<text x="16" y="{(H - B + T) / 2}" text-anchor="middle" transform="rotate(-90 16 {(H - B + T) / 2})">tokens × weight bytes ÷ that bandwidth</text>')
for label, model, bw, frac in points:
    c = colours[labels.index(label) % len(colours)]
    x, y = sx(bw), sy(max(y0, min(y1, frac)))
    if models.index(model) == 0:
        svg.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5" fill="{c}" fill-opacity="0.75"/>')
    else:
        svg.append(f'<rect x="{x - 5:.1f}" y="{y - 5:.1f}" width="10" height="10" fill="none" stroke="{c}" stroke-width="2"/>')
ly = T + 10
for i, label in enumerate(labels):
    svg.append(f'<rect x="{W - R + 14}" y="{ly - 9}" width="12" height="12" fill="{colours[i % len(colours)]}"/><text x="{W - R + 32}" y="{ly + 1}">{label}</text>')
    ly += 20
for i, model in enumerate(models):
    mark = f'<circle cx="{W - R + 20}" cy="{ly - 3}" r="5" fill="#555"/>' if i == 0 else f'<rect x="{W - R + 15}" y="{ly - 8}" width="10" height="10" fill="none" stroke="#555" stroke-width="2"/>'
    svg.append(f'{mark}<text x="{W - R + 32}" y="{ly + 1}">{model.replace("synthetic:llama-", "")}</text>')
    ly += 20
svg.append(f'<text x="{W - R + 14}" y="{ly + 10}" fill="#666">grey line: 90 % target</text>')
svg.append("</svg>")
open(out, "w").write("\n".join(svg) + "\n")
print(f"{len(points)} points -> {out}")
