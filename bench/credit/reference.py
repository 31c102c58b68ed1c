#!/usr/bin/env python3
"""A second, independent reading of the innovation credit (issue 12's five steps),
written from the issue's text alone, for the schemes whose expressions are simple
(fields, + - * /, comparisons, `if c then a else b`, and, or, not): they are translated
to Python and evaluated in double precision, as the issue allows.

    python3 reference.py FIRMS.csv SCHEME.json OUT.csv

Writes `uscc,cohort,score,rank,list` exactly as `fengkou credit score` must.
"""
import csv
import json
import math
import re
import sys
from decimal import Decimal, ROUND_HALF_UP

FLAGS = {"violation", "is_high_tech", "national_award", "provincial_rd_institution", "led_standard",
         "high_tech_field", "rd_activity"}


class Missing(Exception):
    pass


class DivZero(Exception):
    pass


def translate(expr):
    """Rule text → a Python expression over `f(name)` and `div(a, b)`."""
    tokens = re.findall(r"[A-Za-z_][A-Za-z_0-9]*|\d+(?:\.\d+)?|==|!=|<=|>=|[-+*/()<>]", expr)
    out = []
    for t in tokens:
        if t in ("and", "or", "not"):
            out.append(" %s " % t)
        elif t in ("if", "then", "else"):
            out.append(" %s " % t)
        elif re.match(r"[A-Za-z_]", t):
            out.append("f(%r)" % t)
        else:
            out.append(t)
    text = " ".join(out)
    # if c then a else b  →  ((a) if (c) else (b))
    m = re.match(r"^\s*if (.*) then (.*) else (.*)$", text)
    if m:
        text = "((%s) if (%s) else (%s))" % (m.group(2), m.group(1), m.group(3))
    # a / b → div(a, b) for the simple forms used: X / Y where X, Y are f('..') terms
    text = re.sub(r"(f\('[a-z_0-9]+'\))\s*/\s*(f\('[a-z_0-9]+'\))", r"div(\1, \2)", text)
    if "/" in text:
        raise SystemExit("reference.py: division only between two fields: %s" % expr)
    return text


def div(a, b):
    if b == 0:
        raise DivZero()
    return a / b


def evaluate(code, row):
    def f(name):
        cell = (row.get(name) or "").strip()
        if cell == "":
            if name in FLAGS:
                return 0  # an empty 0/1 flag counts as 0
            raise Missing()
        return float(cell)
    return eval(code, {"f": f, "div": div})


def main():
    firms_path, scheme_path, out_path = sys.argv[1:4]
    scheme = json.load(open(scheme_path, encoding="utf-8"))
    with open(firms_path, encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    cohorts = scheme["cohorts"]
    bounds, names = cohorts["bounds"], cohorts["names"]
    indicators = scheme["indicators"]
    values_code = [translate(i["value"]) for i in indicators]
    items = {k: [(translate(x["when"]), x.get("points", 0)) for x in scheme.get(k, [])] for k in ("bonus", "deduct", "veto")}

    def holds(code, row):
        try:
            return bool(evaluate(code, row))
        except (Missing, DivZero):
            return False

    firms = []
    for row in rows:
        x = (row.get(cohorts["field"]) or "").strip()
        cohort = None
        if x != "":
            x = float(x)
            cohort = sum(1 for b in bounds if b <= x)
        values = []
        for code in values_code:
            try:
                values.append(float(evaluate(code, row)))
            except (Missing, DivZero):
                values.append(None)
        firms.append({
            "uscc": row["uscc"].strip(), "cohort": cohort, "values": values,
            "veto": any(holds(c, row) for c, _ in items["veto"]),
            "bonus": [holds(c, row) for c, _ in items["bonus"]],
            "deduct": [holds(c, row) for c, _ in items["deduct"]],
        })

    results = {}
    for c, name in enumerate(names):
        members = [i for i, f in enumerate(firms) if f["cohort"] == c and not f["veto"]]
        weights = [scheme.get("cohort_weights", {}).get(name, {}).get(ind["id"], ind["weight"]) for ind in indicators]
        total_weight = sum(weights)
        points = {i: 0.0 for i in members}
        for k, ind in enumerate(indicators):
            have = [(firms[i]["values"][k], i) for i in members if firms[i]["values"][k] is not None]
            n = len(have)
            norm = {}
            vals = sorted(v for v, _ in have)
            if scheme["normalise"] == "percentile":
                # average ascending rank of each distinct value
                rank_of = {}
                pos = 0
                while pos < n:
                    end = pos
                    while end < n and vals[end] == vals[pos]:
                        end += 1
                    rank_of[vals[pos]] = (pos + 1 + end) / 2
                    pos = end
                for v, i in have:
                    if n == 1:
                        norm[i] = 1.0
                    elif ind["direction"] == "higher":
                        norm[i] = (rank_of[v] - 1) / (n - 1)
                    else:
                        norm[i] = (n - rank_of[v]) / (n - 1)
            else:
                lo, hi = (vals[0], vals[-1]) if vals else (0, 0)
                for v, i in have:
                    if hi == lo:
                        norm[i] = 0.5
                    elif ind["direction"] == "higher":
                        norm[i] = (v - lo) / (hi - lo)
                    else:
                        norm[i] = (hi - v) / (hi - lo)
            factor = scheme["scale"] * weights[k] / total_weight
            for i, nv in norm.items():
                points[i] += factor * nv
        scored = []
        for i in members:
            total = points[i]
            for (code, p), h in zip(items["bonus"], firms[i]["bonus"]):
                if h:
                    total += p
            for (code, p), h in zip(items["deduct"], firms[i]["deduct"]):
                if h:
                    total -= p
            total = max(total, 0.0)
            cents = int(Decimal(total).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) * 100)
            scored.append((cents, i))
        scored.sort(key=lambda s: -s[0])
        n = len(scored)
        lead, chase, strive = math.ceil(5 * n / 100), math.ceil(10 * n / 100), math.ceil(20 * n / 100)
        rank = 0
        for pos, (cents, i) in enumerate(scored):
            if pos == 0 or scored[pos - 1][0] != cents:
                rank = pos + 1
            lst = "领跑" if rank <= lead else "竞跑" if rank <= chase else "进取" if rank <= strive else ""
            results[i] = (name, "%d.%02d" % divmod(cents, 100), str(rank), lst)

    with open(out_path, "w", encoding="utf-8", newline="") as out:
        out.write("uscc,cohort,score,rank,list\n")
        for i, f in enumerate(firms):
            if f["cohort"] is None:
                out.write("%s,,,,缺数据\n" % f["uscc"])
            elif f["veto"]:
                out.write("%s,%s,0.00,,否决\n" % (f["uscc"], names[f["cohort"]]))
            else:
                out.write("%s,%s,%s,%s,%s\n" % ((f["uscc"],) + results[i]))


if __name__ == "__main__":
    main()
