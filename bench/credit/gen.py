#!/usr/bin/env python3
"""Invented firms for `fengkou credit score`: valid 统一社会信用代码, the §11 vocabulary
as headers (with the credit's 上年 columns), revenue spread over the five 龙湾 cohorts,
ties (whole counts, repeated amounts), zero denominators, empty cells and vetoes.

    python3 gen.py N OUT.csv [SEED]
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
    """A valid 统一社会信用代码 for firm n (both check characters, GB 32100 and GB 11714)."""
    body = "%08d" % n
    first17 = "91410303" + body + org_check(body)
    s = sum(CHARSET.index(c) * pow(3, i, 31) for i, c in enumerate(first17))
    return first17 + CHARSET[(31 - s % 31) % 31]

HEADER = ["uscc", "name", "registered_on", "employees", "tech_staff", "rd_staff", "revenue", "revenue_prev",
          "total_income", "total_cost", "rd_expense", "rd_expense_prev", "high_tech_income", "profit", "tax_paid",
          "tech_contract_turnover", "ip_class1", "ip_class2", "programmes", "equity_financing_3y", "violation",
          "is_high_tech", "national_award", "provincial_rd_institution", "led_standard"]


def money(x):
    return "%.2f" % x


def row(n, rnd):
    revenue = rnd.choice([rnd.uniform(0, 100), rnd.uniform(100, 500), rnd.uniform(500, 2000),
                          rnd.uniform(2000, 10000), rnd.uniform(10000, 90000), 100.0, 500.0, 2000.0, 10000.0])
    employees = rnd.choice([rnd.randint(0, 20), rnd.randint(20, 300), rnd.randint(300, 3000)])
    rd = revenue * rnd.choice([0.0, 0.03, 0.05, rnd.uniform(0, 0.12)])
    cells = {
        "uscc": uscc(n), "name": "积分演示企业%d有限公司" % n,
        "registered_on": "%04d-%02d-%02d" % (rnd.randint(1995, 2025), rnd.randint(1, 12), rnd.randint(1, 28)),
        "employees": str(employees), "tech_staff": str(int(employees * rnd.random() * 0.5)),
        "rd_staff": str(int(employees * rnd.random() * 0.3)),
        "revenue": money(revenue), "revenue_prev": money(revenue * rnd.uniform(0.6, 1.3)) if rnd.random() < 0.9 else "0",
        "total_income": money(revenue * rnd.uniform(1.0, 1.2)), "total_cost": money(revenue * rnd.uniform(0.3, 1.1)),
        "rd_expense": money(rd), "rd_expense_prev": money(rd * rnd.uniform(0.5, 1.4)),
        "high_tech_income": money(revenue * rnd.uniform(0, 1)),
        "profit": money(revenue * rnd.uniform(-0.2, 0.3)), "tax_paid": money(revenue * rnd.uniform(0, 0.08)),
        "tech_contract_turnover": rnd.choice(["0", "0", "50", money(rnd.uniform(0, 800))]),
        "ip_class1": str(rnd.choice([0, 0, 1, 2, 5])), "ip_class2": str(rnd.choice([0, 1, 2, 3, 4, 8])),
        "programmes": str(rnd.choice([0, 0, 1, 2, 3])),
        "equity_financing_3y": rnd.choice(["", "0", "500", money(rnd.uniform(0, 2000))]),
        "violation": rnd.choice(["0"] * 40 + ["1", ""]), "is_high_tech": rnd.choice(["0"] * 5 + ["1", ""]),
        "national_award": rnd.choice(["0"] * 30 + ["1"]), "provincial_rd_institution": rnd.choice(["0"] * 10 + ["1"]),
        "led_standard": rnd.choice(["0"] * 20 + ["1"]),
    }
    for key in HEADER[2:]:
        if rnd.random() < 0.01:
            cells[key] = ""
    return [cells[h] for h in HEADER]


def main():
    n, out = int(sys.argv[1]), sys.argv[2]
    rnd = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 7)
    with open(out, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(HEADER)
        for i in range(1, n + 1):
            w.writerow(row(i, rnd))


if __name__ == "__main__":
    main()
