"""Rule sets replayed together decide and weigh as each alone, on generated worlds (the worlds and the
test are in ``test_tune.py``; a file of its own so that the suite's two processes run it beside the rest
of ``tune``'s tests, where the one file ran alone at the suite's end)."""

from tests.test_tune import rule_sets_replayed_together_decide_and_weigh_as_each_alone_on_generated_worlds

test_rule_sets_replayed_together_decide_and_weigh_as_each_alone_on_generated_worlds = (
    rule_sets_replayed_together_decide_and_weigh_as_each_alone_on_generated_worlds
)
