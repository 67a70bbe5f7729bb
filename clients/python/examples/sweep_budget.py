#!/usr/bin/python3
"""A budget sweep over gRPC: the reach curve of the phone splash budget in
sims/field/budget_split_even.textproto, printed as a table.

    aiotreach serve --listen 127.0.0.1:50051 &
    clients/python/examples/sweep_budget.py --address 127.0.0.1:50051
"""

import argparse
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
try:
    from aiotreach_client import Client, load_scenario
except ImportError:  # not installed (pip install clients/python): the clone's
    sys.path.insert(0, os.path.dirname(HERE))
    from aiotreach_client import Client, load_scenario


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--address", default="127.0.0.1:50051")
    parser.add_argument("--token", default=None)
    parser.add_argument(
        "--scenario",
        default=os.path.join(HERE, "../../../sims/field/budget_split_even.textproto"))
    parser.add_argument("--placement", default="phone_splash")
    parser.add_argument("--budgets", default="250,500,1000,2000,4000,8000",
                        help="yuan, comma-separated")
    args = parser.parse_args()
    budgets = [float(b) for b in args.budgets.split(",")]
    with Client(args.address, token=args.token) as client:
        curve = client.sweep_budget(load_scenario(args.scenario), args.placement,
                                    budgets)
    print("%-10s %12s %9s %12s %9s %12s" % (
        curve.placement + " yuan", "reach", "reach %", "3+ reach", "freq",
        "impressions"))
    for p in curve.points:
        three_plus = p.reach_k_plus[2] if len(p.reach_k_plus) > 2 else 0
        print("%10.0f %12d %9.2f %12d %9.2f %12d" % (
            p.budget, p.reach_people, p.reach_pct, three_plus,
            p.average_frequency, p.impressions))


if __name__ == "__main__":
    main()
