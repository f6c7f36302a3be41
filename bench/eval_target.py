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
"""

from __future__ import annotations

import argparse
import time

from target_data import CORPORA, measure

from monitor.sentiment import build_scorer


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=("light", "transformer"), default="light")
    args = parser.parse_args()
    started = time.perf_counter()
    scorer = build_scorer(backend=args.backend)
    whole = measure(lambda r: scorer.score(r.sentence).label)
    targeted = measure(lambda r: scorer.score(r.sentence, target=r.target).label)
    print(f"backend: {args.backend}; issue 22's targets: negative F1 >= 0.68 (light), >= 0.75 (transformer);")
    print("negative on another's target <= 0.30")
    for corpus in (*CORPORA, "all"):
        w, t = whole[corpus], targeted[corpus]
        print(f"  {corpus} (n={w.n}, negatives={w.negatives}, another's negative={w.crossfire_n})")
        print(f"    whole text   {w.line()}")
        print(f"    toward it    {t.line()}")
    print(f"done in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
