#!/usr/bin/env python3
"""Invented firms for `fengkou ladder assess`: valid 统一社会信用代码, the §11
vocabulary as headers, figures spread over every rung's thresholds, some cells empty.

    python3 gen.py N OUT.csv [SEED] [BOUNDARY_SHARE]

BOUNDARY_SHARE (default 0.4) is the share of firms whose figures sit exactly on a
threshold (revenue 5,000 or 20,000 万元, R&D exactly 5 % …): many for the tests, which
check exactness; few (0.02) for the benchmark, as in a real district's data.
"""
import csv
import random
import sys

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def org_check(body):
    weights = [3, 7, 9, 10, 5, 8, 4, 2]
    value = lambda c: int(c) if c.isdigit() else ord(c) - 55
    v = 11 - sum(value(c) * w for c, w in zip(body, weights)) % 11
    return "X" if v == 10 else "0" if v == 11 else str(v)


def uscc(n):
    body = "%08d" % n
    first17 = "91410303" + body + org_check(body)
    s = sum(CHARSET.index(c) * pow(3, i, 31) for i, c in enumerate(first17))
    return first17 + CHARSET[(31 - s % 31) % 31]


HEADER = ["uscc", "name", "registered_on", "employees", "tech_staff", "revenue", "total_income", "total_assets",
          "total_cost", "rd_expense", "rd_expense_domestic", "high_tech_income", "ip_class1", "ip_class2",
          "violation", "is_high_tech", "national_award", "provincial_rd_institution", "led_standard",
          "high_tech_field", "innovation_score", "equity_financing_3y"]


def money(x):
    return "%.2f" % x


def row(n, rnd, boundary):
    employees = rnd.choice([rnd.randint(5, 80), rnd.randint(80, 600), rnd.randint(0, 3000)])
    if rnd.random() < boundary:
        tech = int(employees * rnd.choice([0.05, 0.1, 0.15, 0.2, 0.25, 0.3, rnd.random() * 0.5]))
        revenue = rnd.choice([rnd.uniform(100, 5000), 5000.0, rnd.uniform(5000, 20000), 20000.0, rnd.uniform(20000, 90000)])
        rd = revenue * rnd.choice([0.02, 0.03, 0.04, 0.05, 0.06, rnd.uniform(0, 0.1)])
    else:
        tech = int(employees * rnd.random() * 0.5)
        revenue = rnd.choice([rnd.uniform(100, 5000), rnd.uniform(5000, 20000), rnd.uniform(20000, 90000)])
        rd = revenue * rnd.uniform(0, 0.1)
    cells = {
        "uscc": uscc(n), "name": "演示企业%d有限公司" % n,
        "registered_on": "%04d-%02d-%02d" % (rnd.randint(1995, 2026), rnd.randint(1, 12), rnd.randint(1, 28)),
        "employees": str(employees), "tech_staff": str(tech), "revenue": money(revenue),
        "total_income": money(revenue * rnd.uniform(1.0, 1.2)), "total_assets": money(revenue * rnd.uniform(0.5, 2)),
        "total_cost": money(revenue * rnd.uniform(0.2, 0.9)), "rd_expense": money(rd),
        "rd_expense_domestic": money(rd * rnd.uniform(0.4, 1)), "high_tech_income": money(revenue * rnd.uniform(0.3, 1)),
        "ip_class1": str(rnd.choice([0, 0, 1, 3])), "ip_class2": str(rnd.choice([0, 1, 2, 3, 4, 8])),
        "violation": rnd.choice(["0"] * 30 + ["1", ""]), "is_high_tech": rnd.choice(["0"] * 5 + ["1", ""]),
        "national_award": rnd.choice(["0"] * 30 + ["1"]), "provincial_rd_institution": rnd.choice(["0"] * 10 + ["1"]),
        "led_standard": rnd.choice(["0"] * 20 + ["1"]), "high_tech_field": rnd.choice(["0", "1", "1", "1"]),
        "innovation_score": rnd.choice(["", "%.1f" % rnd.uniform(50, 95), "70"]),
        "equity_financing_3y": rnd.choice(["", "0", "500", money(rnd.uniform(0, 2000))]),
    }
    for key in HEADER[2:]:
        if rnd.random() < 0.01:
            cells[key] = ""
    return [cells[h] for h in HEADER]


def main():
    n, out = int(sys.argv[1]), sys.argv[2]
    rnd = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 7)
    boundary = float(sys.argv[4]) if len(sys.argv) > 4 else 0.4
    with open(out, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(HEADER)
        for i in range(1, n + 1):
            w.writerow(row(i, rnd, boundary))


if __name__ == "__main__":
    main()
