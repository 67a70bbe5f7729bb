#!/usr/bin/python3
"""The budget-split question, end to end, as a notebook would ask it:
"I have 2 million yuan for TV boot ads, phone splash screens and smart
speaker voice ads over two weeks: how should I split it?"

    aiotreach serve --listen 127.0.0.1:50051 &
    clients/python/examples/budget_split.py --address 127.0.0.1:50051

Steps, each a call to the service:
  1. the planner's own split (sims/field/budget_split_optimize.textproto),
     run as it is;
  2. the optimizer's split of the same total (common random numbers), with
     its frontier: the best reach at each total on the way;
  3. the two splits compared, with the deltas;
  4. the reach curve of the total budget at the optimizer's split.
Figures are the platform's (the scenario is in platform units).
"""

import argparse
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
try:
    from aiotreach_client import (Client, comparison_to_frame, load_scenario,
                                  optimization_to_frames, parse_budget,
                                  sweep_to_frame)
except ImportError:  # not installed (pip install clients/python): the clone's
    sys.path.insert(0, os.path.dirname(HERE))
    from aiotreach_client import (Client, comparison_to_frame, load_scenario,
                                  optimization_to_frames, parse_budget,
                                  sweep_to_frame)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--address", default="127.0.0.1:50051")
    parser.add_argument("--token", default=None)
    parser.add_argument(
        "--scenario",
        default=os.path.join(
            HERE, "../../../sims/field/budget_split_optimize.textproto"))
    parser.add_argument("--budget", default="2m", help="the total, as 2m")
    parser.add_argument("--step", default="100k")
    parser.add_argument("--scale", type=float, default=0,
                        help="the preset's scale (0: the scenario's)")
    args = parser.parse_args()
    total = parse_budget(args.budget)
    planned = load_scenario(args.scenario)
    if args.scale:
        planned.ecosystem.preset.scale = args.scale

    with Client(args.address, token=args.token) as client:
        # 1. The planner's split, scaled to the total.
        given = sum(p.budget for p in planned.placements)
        for p in planned.placements:
            p.budget *= total / given
        mine = client.run(planned)
        print("1. the planner's split: %s" % ", ".join(
            "%s %.0f" % (p.name, p.budget) for p in planned.placements))
        print("   reaches %d people (%.2f%%)\n" % (
            mine.platform.reach_people.value, mine.reach_pct))

        # 2. The optimizer's split, with its frontier.
        o = client.optimize(planned, total, step=args.step)
        frames = optimization_to_frames(o)
        print("2. the optimizer's split:")
        print(frames["allocation"][["placement", "budget", "share", "served"]]
              .to_string(index=False))
        print("   reaches %d people; one more point of reach costs about "
              "%.0f yuan\n" % (o.report.platform.reach_people.value,
                               o.marginal_cost_per_reach_point))
        print("   frontier (best reach at each total):")
        print(frames["frontier"][["budget", "objective"]].tail(5)
              .to_string(index=False))

        # 3. The two compared (same seed).
        best = type(planned)()
        best.CopyFrom(planned)
        best.name = "optimized"
        chosen = {a.placement: a.budget for a in o.allocation}
        for p in best.placements:
            if chosen[p.name] > 0:
                p.budget = chosen[p.name]
            else:  # none for it: bought at no share, its draws kept
                p.share_of_voice = 0.0
        planned.name = "planned"
        comparison = comparison_to_frame(client.compare(planned, [best]))
        print("\n3. optimized against planned (the sample's figures):")
        print(comparison[comparison["figure"].isin(
            ["reach_people", "reach_3_plus", "average_frequency", "spend"])]
              [["figure", "base", "variant_value", "delta"]].to_string(index=False))

        # 4. The total budget's reach curve at the optimizer's split.
        split = {name: budget / total for name, budget in chosen.items()
                 if budget > 0}
        curve = sweep_to_frame(client.sweep_budget(
            best, budgets=[total / 4, total / 2, total, 2 * total],
            split=split))
        print("\n4. the reach curve at that split (the sample's figures):")
        print(curve[["budget", "reach_people", "reach_pct"]]
              .to_string(index=False))


if __name__ == "__main__":
    main()
