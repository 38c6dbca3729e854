"""Regenerate samples/ from partnersheet/sample_returns.toml (run after a template changes).

    python scripts/make_samples.py
"""

from pathlib import Path

from partnersheet.samples import build_samples

if __name__ == "__main__":
    target = Path(__file__).resolve().parent.parent / "samples" / "returns"
    for sample in build_samples(target, force=True, roster=target.parent / "roster.csv"):
        print(f"{sample.path.relative_to(target.parent.parent)}  {sample.purpose}")
