"""How well invoice types carry from one municipality to another, and how fast.

Generates two baseline municipalities (a year each, different seeds), learns
the types from a labelled 20 % sample of the first, and predicts every invoice
of the second. Prints the macro F1 and the per-type report, and the time to
compute features, fit and predict.

    python benchmarks/bench_types.py
    python benchmarks/bench_types.py --seeds 1 2 --sample 0.2 --figure docs/images/types-confusion.png

Worlds are written under benchmarks/data/ (not committed) and reused.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).parent
DATA = HERE / "data"


def world(seed: int) -> Path:
    from synthetic import synthesize

    out = DATA / f"types-baseline-{seed}"
    if not (out / "world.json").exists():
        synthesize("baseline", seed=seed, out=out)
    return out


def labelled(folder: Path):
    from invoicekit.types import match_labels, read_extracts

    inv = read_extracts(sorted((folder / "invoices").glob("invoices-*.csv")))
    truth = pd.read_csv(folder / "truth.csv", dtype=str, keep_default_na=False)
    return inv, match_labels(inv, truth).labels.astype(str)


def main() -> None:
    from sklearn.metrics import classification_report, f1_score

    from invoicekit.types import InvoiceTypeClassifier, confusion_figure, invoice_features

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", nargs=2, type=int, default=[1, 2], metavar=("TRAIN", "TEST"))
    ap.add_argument("--sample", type=float, default=0.2, help="share of the first world labelled (default 0.2)")
    ap.add_argument("--figure", type=Path, help="write the confusion matrix here (PNG)")
    args = ap.parse_args()

    train_world, test_world = world(args.seeds[0]), world(args.seeds[1])
    inv_a, y_a = labelled(train_world)
    inv_b, y_b = labelled(test_world)
    t0 = time.perf_counter()
    f_a = invoice_features(inv_a)
    f_b = invoice_features(inv_b)
    t1 = time.perf_counter()
    sample = np.random.default_rng(0).random(len(f_a)) < args.sample
    model = InvoiceTypeClassifier().fit(f_a[sample], y_a[sample])
    t2 = time.perf_counter()
    predicted = model.predict(f_b)
    t3 = time.perf_counter()
    macro = f1_score(y_b, predicted, average="macro")
    print(
        f"Trained on {sample.sum()} labelled invoices ({args.sample:.0%}) of seed {args.seeds[0]}; "
        f"tested on all {len(f_b)} invoices of seed {args.seeds[1]}."
    )
    print(f"Macro F1: {macro:.3f}   accuracy: {(predicted == y_b).mean():.3f}")
    print(f"Features {t1 - t0:.1f} s for {len(f_a) + len(f_b)} invoices; fit {t2 - t1:.1f} s; predict {t3 - t2:.1f} s")
    print(classification_report(y_b, predicted, digits=3))
    if args.figure:
        args.figure.parent.mkdir(parents=True, exist_ok=True)
        fig = confusion_figure(
            y_b,
            predicted,
            f"Lært på {args.sample:.0%} af én kommune (seed {args.seeds[0]}),\n"
            f"testet på en anden (seed {args.seeds[1]}): macro F1 {macro:.2f}",
        )
        fig.savefig(args.figure, dpi=90)
        print(f"Confusion matrix: {args.figure}")


if __name__ == "__main__":
    main()
