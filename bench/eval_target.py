"""Print how well the scorer reads sentiment *toward a target* on ../shared/eval/target, whole text against targeted.

    python bench/eval_target.py
    python bench/eval_target.py --backend transformer     # the optional backend (about two minutes)

The sets (PROVENANCE.md): Dong et al. 2014 Twitter and SemEval-2014 Task 4 restaurants and laptops, training splits,
one sentence per (sentence, target) with a label for the sentiment toward that target. For development and
measurement only: nothing shipped is trained on them.

Each sentence is scored twice through `build_scorer().score(...)`, as `mention-monitor score --jsonl` does: on its
whole text (what the scorer did before targets existed) and with `target=` the record's target. Printed per corpus
and over all: precision, recall and F1 of "negative about the target" (gold -1 against label "negative"), and the
share of "negative" on targets that are not negative while another target of the same sentence is (the scorer paging
the owner for someone else's complaint: "The food was great but the service was awful", target "food").

Last, the same figures on the sentences whose targets all carry one label (10,759 of 12,171: every tweet, and the
reviews' sentences without a conflict). There the whole text is the right reading, so its whole-text F1 is the most
that reading the target's own parts could reach with this backend; the rest is the backend's reading of the words.
"""

from __future__ import annotations

import argparse
import functools
import time

from target_data import CORPORA, Record, agreeing_rows, measure, records, target_figures

from monitor.sentiment import build_scorer


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=("light", "transformer"), default="light")
    args = parser.parse_args()
    started = time.perf_counter()
    scorer = build_scorer(backend=args.backend)

    # Each record is scored once per reading: the last figures reuse them.
    @functools.cache
    def whole_label(r: Record) -> str:
        return scorer.score(r.sentence).label

    @functools.cache
    def targeted_label(r: Record) -> str:
        return scorer.score(r.sentence, target=r.target).label

    whole = measure(whole_label)
    targeted = measure(targeted_label)
    print(f"backend: {args.backend}; issue 22's targets: negative F1 >= 0.68 (light), >= 0.75 (transformer);")
    print("negative on another's target <= 0.30")
    for corpus in (*CORPORA, "all"):
        w, t = whole[corpus], targeted[corpus]
        print(f"  {corpus} (n={w.n}, negatives={w.negatives}, another's negative={w.crossfire_n})")
        print(f"    whole text   {w.line()}")
        print(f"    toward it    {t.line()}")
    print("  sentences whose targets all share one label (whole text is the right reading there):")
    every: list[Record] = []
    for corpus in CORPORA:
        rows = records(corpus)
        every += [rows[i] for i in agreeing_rows(rows)]
    for name, label in (("whole text  ", whole_label), ("toward it   ", targeted_label)):
        figures = target_figures(every, [label(r) for r in every])
        print(f"    {name} n={figures.n}: neg P {figures.precision:.3f} R {figures.recall:.3f} F1 {figures.f1:.3f}")
    print(f"done in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
