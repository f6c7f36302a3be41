"""The development figures of sentiment toward a target hold: a change to the scorer that loses accuracy on
../shared/eval/target fails here (measured as `python bench/eval_target.py` measures them).

The target sets are for development and measurement only (PROVENANCE.md): nothing shipped is trained on them, and
these are floors a little under the figures of the day, not pinned numbers. Figures when written (light backend,
all three sets, 12,171 sentences): negative about the target P 0.548 R 0.624 F1 0.584, and "negative" on 30.1% of
the targets that are not negative while another target of the sentence is; on the whole text, as before targets,
P 0.523 F1 0.594 and 43.4%. Since complaint phrases are learnt from composed rows (no boost after the model): P 0.546
R 0.623 F1 0.582, 30.3%. Since a target written as a common noun and named only in passing is not what its
clause is about: P 0.548 R 0.620 F1 0.581, 29.4% (issue 22's bound on paging for someone else's complaint is 30%, and
holds here); and a sentence
about another thing after it ("My old charger broke") is not about it: P 0.547 R 0.619 F1 0.581, 29.4%.
"""

from __future__ import annotations

from monitor.sentiment import Scorer
from tests.sentiment.bench_modules import bench_module

PRECISION_FLOOR = 0.53
F1_FLOOR = 0.57
CROSSFIRE_CEILING = 0.30  # issue 22's target itself


def test_negative_about_the_target_stays_above_its_floor(scorer: Scorer) -> None:
    data = bench_module("target_data")
    figures = data.measure(lambda r: scorer.score(r.sentence, target=r.target).label)["all"]
    assert figures.n > 12_000 and figures.crossfire_n > 400
    assert figures.precision >= PRECISION_FLOOR, figures.line()
    assert figures.f1 >= F1_FLOOR, figures.line()
    assert figures.crossfire <= CROSSFIRE_CEILING, figures.line()
