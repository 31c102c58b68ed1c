#!/usr/bin/env python3
"""An independent reading of DOMAIN.md §11 in exact fractions, for holding
`fengkou ladder assess --json` to: prints, per firm, uscc and per rung eligible, route
and score, as JSON.

    python3 reference.py FIRMS.csv 2026-12-01
"""
import csv
import datetime
import json
import sys
from fractions import Fraction as F

NUMBERS = ["employees", "tech_staff", "revenue", "total_income", "total_assets", "total_cost", "rd_expense",
           "rd_expense_domestic", "high_tech_income", "ip_class1", "ip_class2", "innovation_score",
           "equity_financing_3y", "rd_expense_3y", "revenue_3y"]
FLAGS = ["violation", "is_high_tech", "national_award", "provincial_rd_institution", "led_standard", "high_tech_field"]


def ratio(a, b):
    """None when a value is missing; 'zero' when the denominator is 0."""
    if a is None or b is None:
        return None
    return "zero" if b == 0 else a / b


def band(r, edges):
    if r is None or r == "zero":
        return r
    for edge, points in edges:
        if r >= edge:
            return points
    return 0


def full_year(registered, on):
    try:
        anniversary = registered.replace(year=registered.year + 1)
    except ValueError:  # 29 February
        anniversary = datetime.date(registered.year + 1, 3, 1)
    return anniversary <= on


def tech_sme(f):
    cond = [f["employees"] is not None and f["employees"] <= 500, f["revenue"] is not None and f["revenue"] <= 20000,
            f["total_assets"] is not None and f["total_assets"] <= 20000, f["violation"] == 0]
    staff = band(ratio(f["tech_staff"], f["employees"]),
                 [(F(30, 100), 20), (F(25, 100), 16), (F(20, 100), 12), (F(15, 100), 8), (F(10, 100), 4)])
    sales = band(ratio(f["rd_expense"], f["revenue"]),
                 [(F(6, 100), 50), (F(5, 100), 40), (F(4, 100), 30), (F(3, 100), 20), (F(2, 100), 10)])
    cost = band(ratio(f["rd_expense"], f["total_cost"]),
                [(F(30, 100), 50), (F(25, 100), 40), (F(20, 100), 30), (F(15, 100), 20), (F(10, 100), 10)])
    known = [p for p in (sales, cost) if p is not None]
    rd = max([0 if p == "zero" else p for p in known], default=0)
    ip1 = None if f["ip_class1"] is None else (30 if f["ip_class1"] >= 1 else 0)
    ip2 = None if f["ip_class2"] is None else band(f["ip_class2"], [(4, 24), (3, 18), (2, 12), (1, 6)])
    ip = max([p for p in (ip1, ip2) if p is not None], default=0)
    staff_points = 0 if staff in (None, "zero") else staff
    score = staff_points + rd + ip
    if all(cond) and score >= 60 and staff_points > 0:
        return {"eligible": True, "route": "评分", "score": score}
    if all(cond) and any(f[k] == 1 for k in ["is_high_tech", "national_award", "provincial_rd_institution", "led_standard"]):
        return {"eligible": True, "route": "直通车", "score": score}
    return {"eligible": False, "route": None, "score": score}


def holds(r, threshold):
    return r is not None and r != "zero" and r >= threshold


def high_tech(f, on):
    revenue = f["revenue"]
    rate = None if revenue is None else F(5, 100) if revenue <= 5000 else F(4, 100) if revenue <= 20000 else F(3, 100)
    if f["rd_expense_3y"] is not None and f["revenue_3y"] is not None:
        intensity = ratio(f["rd_expense_3y"], f["revenue_3y"])
    else:
        intensity = ratio(f["rd_expense"], f["revenue"])
    ip = None if f["ip_class1"] is None or f["ip_class2"] is None else f["ip_class1"] + f["ip_class2"]
    ok = [f["registered_on"] is not None and full_year(f["registered_on"], on), ip is not None and ip >= 1,
          f["high_tech_field"] == 1, holds(ratio(f["tech_staff"], f["employees"]), F(10, 100)),
          rate is not None and holds(intensity, rate), holds(ratio(f["rd_expense_domestic"], f["rd_expense"]), F(60, 100)),
          holds(ratio(f["high_tech_income"], f["total_income"]), F(60, 100)),
          f["innovation_score"] is not None and f["innovation_score"] >= 70, f["violation"] == 0]
    return {"eligible": all(ok), "route": "评分" if all(ok) else None, "score": None}


def innovative(f):
    direct = any(f[k] == 1 for k in ["is_high_tech", "national_award", "provincial_rd_institution"]) or (
        f["equity_financing_3y"] is not None and f["equity_financing_3y"] >= 500)
    return {"eligible": direct, "route": "直通车" if direct else None, "score": None}


def main():
    on = datetime.date.fromisoformat(sys.argv[2])
    out = []
    with open(sys.argv[1], encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            f = {}
            for k in NUMBERS:
                v = (row.get(k) or "").strip().replace(",", "")
                f[k] = F(v) if v else None
            for k in FLAGS:
                v = (row.get(k) or "").strip()
                f[k] = int(v) if v else 0
            r = (row.get("registered_on") or "").strip()
            f["registered_on"] = datetime.date.fromisoformat(r) if r else None
            out.append({"uscc": row["uscc"].strip(), "rungs": [
                dict(rung="科技型中小企业", **tech_sme(f)), dict(rung="高新技术企业", **high_tech(f, on)),
                dict(rung="创新型中小企业", **innovative(f))]})
    json.dump(out, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
