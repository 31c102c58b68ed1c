//! The credit's arithmetic by hand (each cohort's sums in the comments), its edges
//! (ties, missing values, a division by zero, a veto, bonuses and deductions, the ⌈⌉
//! limits of the lists), the scheme's checks and the shipped scheme.

use super::*;
use crate::policy::Batch;
use arrow_array::StringArray;
use rstest::rstest;

fn on() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()
}

/// A scheme of one cohort boundary (revenue 100) and two indicators: A (weight 3,
/// higher is better) and B (weight 1, lower is better), on a scale of 100.
fn two_indicators(normalise: Normalise) -> Scheme {
    serde_json::from_value(serde_json::json!({
        "name": "测试方案", "scale": 100, "normalise": normalise,
        "cohorts": {"field": "revenue", "bounds": [100], "names": ["小", "大"]},
        "indicators": [
            {"id": "a", "name": "A", "group": "技术创新", "value": "rd_expense", "direction": "higher", "weight": 3},
            {"id": "b", "name": "B", "group": "成长经营", "value": "total_cost", "direction": "lower", "weight": 1}
        ],
        "bonus": [{"id": "plus", "name": "加分", "when": "national_award == 1", "points": 30}],
        "deduct": [{"id": "minus", "name": "减分", "when": "led_standard == 1", "points": 50}],
        "veto": [{"id": "bad", "name": "失信", "when": "violation == 1"}]
    }))
    .unwrap()
}

/// Facts written by hand: every firm in the cohort 大 (revenue 500) unless given, the
/// two indicators' values (None: empty), no item holding.
fn facts(scorer: &Scorer, a: &[Option<f64>], b: &[Option<f64>]) -> Facts {
    let n = a.len();
    let value = |v: &Option<f64>| v.unwrap_or(f64::NAN);
    Facts {
        len: n,
        cohort_value: vec![500.0; n],
        values: vec![a.iter().map(value).collect(), b.iter().map(value).collect()],
        errors: vec![vec![false; n]; 2],
        bonus: vec![vec![false; n]; scorer.scheme().bonus.len()],
        deduct: vec![vec![false; n]; scorer.scheme().deduct.len()],
        veto: vec![vec![false; n]; scorer.scheme().veto.len()],
    }
}

fn cents(scores: &[FirmScore]) -> Vec<Option<i64>> {
    scores.iter().map(|s| s.cents).collect()
}

fn ranks(scores: &[FirmScore]) -> Vec<Option<u32>> {
    scores.iter().map(|s| s.rank).collect()
}

fn lists(scores: &[FirmScore]) -> Vec<&'static str> {
    scores.iter().map(|s| s.list.label()).collect()
}

#[test]
fn six_firms_by_percentile_as_worked_by_hand() {
    // A (factor 100 × 3/4 = 75): values 10, 20, 20, 40, 50 and one empty. n = 5, ranks
    // 1, 2.5, 2.5, 4, 5 → (r − 1)/4 = 0, 0.375, 0.375, 0.75, 1; the empty one earns 0.
    // B (factor 25, lower is better): 5, 4, 3, 2, 1, 1. n = 6, ascending ranks 6, 5, 4,
    // 3, 1.5, 1.5 → from the highest (6 − r)/5 = 0, 0.2, 0.4, 0.6, 0.9, 0.9.
    // f0 = 0 + 0 = 0; f1 = 28.125 + 5 = 33.125 → 33.13 (half up); f2 = 28.125 + 10 =
    // 38.125 → 38.13; f3 = 56.25 + 15 = 71.25; f4 = 75 + 22.5 = 97.5; f5 = 0 + 22.5.
    let scorer = Scorer::new(&two_indicators(Normalise::Percentile)).unwrap();
    let facts = facts(
        &scorer,
        &[Some(10.0), Some(20.0), Some(20.0), Some(40.0), Some(50.0), None],
        &[Some(5.0), Some(4.0), Some(3.0), Some(2.0), Some(1.0), Some(1.0)],
    );
    let scores = scorer.score(&facts);
    assert_eq!(cents(&scores), [Some(0), Some(3313), Some(3813), Some(7125), Some(9750), Some(2250)]);
    assert_eq!(ranks(&scores), [Some(6), Some(4), Some(3), Some(2), Some(1), Some(5)]);
    // n = 6: 领跑 rank ≤ ⌈0.3⌉ = 1, 竞跑 ≤ ⌈0.6⌉ = 1 (nobody), 进取 ≤ ⌈1.2⌉ = 2.
    assert_eq!(lists(&scores), ["", "", "", "进取", "领跑", ""]);
    assert!(scores.iter().all(|s| s.cohort == Some(1)));
}

#[test]
fn six_firms_by_minmax_as_worked_by_hand() {
    // A: min 10, max 50: (v − 10)/40 = 0, 0.25, 0.25, 0.75, 1; empty → 0.
    // B (lower): min 1, max 5: (5 − v)/4 = 0, 0.25, 0.5, 0.75, 1, 1.
    // f0 = 0; f1 = 18.75 + 6.25 = 25; f2 = 18.75 + 12.5 = 31.25; f3 = 56.25 + 18.75 =
    // 75; f4 = 75 + 25 = 100; f5 = 0 + 25 = 25 (tied with f1: both rank 4, then 6).
    let scorer = Scorer::new(&two_indicators(Normalise::Minmax)).unwrap();
    let facts = facts(
        &scorer,
        &[Some(10.0), Some(20.0), Some(20.0), Some(40.0), Some(50.0), None],
        &[Some(5.0), Some(4.0), Some(3.0), Some(2.0), Some(1.0), Some(1.0)],
    );
    let scores = scorer.score(&facts);
    assert_eq!(cents(&scores), [Some(0), Some(2500), Some(3125), Some(7500), Some(10000), Some(2500)]);
    assert_eq!(ranks(&scores), [Some(6), Some(4), Some(3), Some(2), Some(1), Some(4)]);
}

#[test]
fn equal_values_share_the_middle_and_a_lone_firm_is_top() {
    assert_eq!(normalise::minmax(&[7.0, 7.0, 7.0], Direction::Higher), [0.5, 0.5, 0.5]);
    assert_eq!(normalise::minmax(&[7.0, 7.0], Direction::Lower), [0.5, 0.5]);
    assert_eq!(normalise::percentile(&[7.0], Direction::Higher), [1.0]);
    assert_eq!(normalise::percentile(&[7.0], Direction::Lower), [1.0]);
    // Three equal of three: ranks 2, 2, 2 → (2 − 1)/2 = 0.5 each way.
    assert_eq!(normalise::percentile(&[7.0, 7.0, 7.0], Direction::Higher), [0.5, 0.5, 0.5]);
    assert_eq!(average_ranks(&[1.0, 2.0, 2.0, 2.0, 5.0]), [1.0, 3.0, 3.0, 3.0, 5.0]);
}

#[test]
fn a_vetoed_firm_scores_zero_and_moves_no_one() {
    // A over three firms 1, 2, 3 with the third vetoed: the other two normalise over
    // (1, 2) alone → 0 and 1 → A's 75 points to the second. B is empty for all.
    let scorer = Scorer::new(&two_indicators(Normalise::Percentile)).unwrap();
    let mut facts = facts(&scorer, &[Some(1.0), Some(2.0), Some(3.0)], &[None, None, None]);
    facts.veto[0][2] = true;
    let scores = scorer.score(&facts);
    assert_eq!(cents(&scores), [Some(0), Some(7500), Some(0)]);
    assert_eq!(ranks(&scores), [Some(2), Some(1), None]);
    assert_eq!(lists(&scores), ["", "领跑", "否决"]);
    assert_eq!(scores[2].cohort, Some(1));
}

#[test]
fn without_the_cohort_field_a_firm_is_missing_data_even_when_vetoed() {
    let scorer = Scorer::new(&two_indicators(Normalise::Percentile)).unwrap();
    let mut facts = facts(&scorer, &[Some(1.0), Some(2.0)], &[None, None]);
    facts.cohort_value[1] = f64::NAN;
    facts.veto[0][1] = true;
    let scores = scorer.score(&facts);
    assert_eq!(scores[1], FirmScore { cohort: None, cents: None, rank: None, list: List::MissingData });
    // Alone in its cohort, the first firm's A normalises to 1.
    assert_eq!(scores[0].cents, Some(7500));
}

#[test]
fn bonuses_add_deductions_subtract_and_a_score_never_goes_below_zero() {
    // f0: A = 2 of (1, 2) → 75, + 30 bonus = 105. f1: A → 0, + 30 − 50 = −20 → 0.
    let scorer = Scorer::new(&two_indicators(Normalise::Percentile)).unwrap();
    let mut facts = facts(&scorer, &[Some(2.0), Some(1.0)], &[None, None]);
    facts.bonus[0] = vec![true, true];
    facts.deduct[0] = vec![false, true];
    let scores = scorer.score(&facts);
    assert_eq!(cents(&scores), [Some(10500), Some(0)]);
    let breakdown = scorer.explain(&facts, 1);
    assert!(breakdown.bonus[0].holds && breakdown.deduct[0].holds);
    assert_eq!(breakdown.score_text(), "0.00");
}

#[test]
fn cohorts_include_their_lower_bound_and_exclude_the_upper() {
    let scorer = Scorer::new(&default_scheme()).unwrap();
    let cohort = |x: f64| scorer.cohort_of(x);
    assert_eq!(cohort(99.99), Some(0));
    assert_eq!(cohort(100.0), Some(1));
    assert_eq!(cohort(499.99), Some(1));
    assert_eq!(cohort(500.0), Some(2));
    assert_eq!(cohort(10000.0), Some(4));
    assert_eq!(cohort(0.0), Some(0));
    assert_eq!(cohort(f64::NAN), None);
}

/// The lists at n = 19, 20 and 21 distinct scores: ⌈5 %⌉, ⌈10 %⌉, ⌈20 %⌉ of n.
#[rstest]
#[case(19, 1, 2, 4)]
#[case(20, 1, 2, 4)]
#[case(21, 2, 3, 5)]
fn the_lists_end_at_the_ceilings(#[case] n: usize, #[case] lead: u32, #[case] chase: u32, #[case] strive: u32) {
    let scores: Vec<(i64, u32)> = (0..n as u32).map(|f| (1000 - i64::from(f), f)).collect();
    for (firm, _, rank, list) in rank_cohort(scores) {
        assert_eq!(rank, firm + 1);
        let want = if rank <= lead {
            List::Lead
        } else if rank <= chase {
            List::Chase
        } else if rank <= strive {
            List::Strive
        } else {
            List::None
        };
        assert_eq!(list, want, "n = {n}, rank {rank}");
    }
}

#[test]
fn a_tie_on_a_limit_brings_the_whole_group_in() {
    // n = 20: 竞跑 ends at rank 2; three firms tied at rank 2 are all 竞跑; then 进取 ends
    // at 4, and the two tied at rank 5 are out.
    let mut scores = vec![(900, 0), (800, 1), (800, 2), (800, 3), (700, 4), (700, 5)];
    scores.extend((6..20).map(|f| (600 - i64::from(f), f)));
    let ranked = rank_cohort(scores);
    let of = |firm: u32| ranked.iter().find(|r| r.0 == firm).map(|r| (r.2, r.3)).unwrap();
    assert_eq!(of(0), (1, List::Lead));
    assert_eq!(of(1), (2, List::Chase));
    assert_eq!(of(3), (2, List::Chase));
    assert_eq!(of(4), (5, List::None));
    assert_eq!(of(5), (5, List::None));
}

#[rstest]
#[case(33.125, 3313)]
#[case(0.125, 13)]
#[case(812.405, 81240)] // the double nearest 812.405 is 812.40499…
#[case(812.415, 81241)] // … and the one nearest 812.415 is 812.41499…
#[case(0.0, 0)]
#[case(999.994_999, 99999)]
fn scores_round_half_up_on_the_double_as_computed(#[case] score: f64, #[case] want: i64) {
    assert_eq!(round_half_up_cents(score), want);
}

fn batch(scorer: &Scorer, rows: &[&[(&str, &str)]]) -> Batch {
    let schema = scorer.schema();
    let columns: Vec<StringArray> = schema
        .fields()
        .iter()
        .map(|f| {
            StringArray::from(
                rows.iter()
                    .map(|row| row.iter().find(|(n, _)| *n == f.name).map(|(_, v)| v.to_string()))
                    .collect::<Vec<_>>(),
            )
        })
        .collect();
    let refs: Vec<&StringArray> = columns.iter().collect();
    Batch::from_text(schema, &refs, 2).unwrap()
}

fn ratio_scheme() -> Scheme {
    serde_json::from_value(serde_json::json!({
        "name": "比值", "scale": 1000, "normalise": "percentile",
        "cohorts": {"field": "revenue", "bounds": [], "names": ["全部"]},
        "indicators": [{"id": "share", "name": "研发人员占比", "value": "rd_staff / employees", "direction": "higher", "weight": 1}],
        "veto": [{"id": "bad", "name": "失信", "when": "violation == 1"}]
    }))
    .unwrap()
}

#[test]
fn a_division_by_zero_and_an_empty_field_earn_nothing_and_say_why() {
    // Three firms: 10/100, 5/0 (division by zero) and rd_staff empty. Only the first has
    // a value: alone, it normalises to 1 → 1000 points.
    let scorer = Scorer::new(&ratio_scheme()).unwrap();
    let mut data = batch(
        &scorer,
        &[
            &[("revenue", "10"), ("rd_staff", "10"), ("employees", "100")],
            &[("revenue", "10"), ("rd_staff", "5"), ("employees", "0")],
            &[("revenue", "10"), ("employees", "50")],
        ],
    );
    let facts = scorer.facts(std::slice::from_mut(&mut data), on(), 1);
    let scores = scorer.score(&facts);
    assert_eq!(cents(&scores), [Some(100000), Some(0), Some(0)]);
    let second = scorer.explain(&facts, 1);
    assert_eq!(second.indicators[0].none_reason, Some("除数为零"));
    assert_eq!(second.indicators[0].points, 0.0);
    let third = scorer.explain(&facts, 2);
    assert_eq!(third.indicators[0].none_reason, Some("缺数据"));
    let first = scorer.explain(&facts, 0);
    assert_eq!(first.indicators[0].value, Some(0.1));
    assert_eq!(first.indicators[0].normalised, Some(1.0));
    assert_eq!(first.indicators[0].distribution.n, 1);
    assert_eq!(first.score_text(), "1000.00");
    // An empty flag counts as 0 (as in the ladder), so no veto holds.
    assert!(!first.veto[0].holds);
}

#[test]
fn a_what_if_rescores_the_firm_against_its_unchanged_cohort() {
    // Shares 0.1, 0.2, 0.3: the first is last (0 points). With 25 more R&D staff its
    // share is 0.35, the highest: (3 − 1)/2 → 1000.
    let scorer = Scorer::new(&ratio_scheme()).unwrap();
    let rows: [&[(&str, &str)]; 3] = [
        &[("revenue", "10"), ("rd_staff", "10"), ("employees", "100")],
        &[("revenue", "10"), ("rd_staff", "20"), ("employees", "100")],
        &[("revenue", "10"), ("rd_staff", "30"), ("employees", "100")],
    ];
    let mut data = batch(&scorer, &rows);
    let facts = scorer.facts(std::slice::from_mut(&mut data), on(), 1);
    let change = WhatIf { field: "rd_staff".into(), delta: "25".into() };
    let mut changed = changed_row(scorer.schema(), &data, 0, &change).unwrap();
    let changed_facts = scorer.facts(std::slice::from_mut(&mut changed), on(), 1);
    let (before, after) = scorer.what_if(&facts, 0, &changed_facts);
    assert_eq!((before.score_text(), after.score_text()), ("0.00".to_string(), "1000.00".to_string()));
    assert_eq!(after.score.rank, Some(1));
    // Counts stay whole, amounts stay non-negative.
    let half = WhatIf { field: "rd_staff".into(), delta: "0.5".into() };
    assert!(changed_row(scorer.schema(), &data, 0, &half).err().unwrap().0.contains("整数"));
    let negative = WhatIf { field: "rd_staff".into(), delta: "-11".into() };
    assert!(changed_row(scorer.schema(), &data, 0, &negative).err().unwrap().0.contains("负数"));
    let text = WhatIf { field: "name".into(), delta: "1".into() };
    assert!(changed_row(scorer.schema(), &data, 0, &text).is_err());
}

#[test]
fn the_shipped_scheme_has_three_groups_and_eighteen_indicators_and_compiles() {
    let scheme = default_scheme();
    assert_eq!(scheme.indicators.len(), 18);
    let mut groups: Vec<&str> = scheme.indicators.iter().map(|i| i.group.as_str()).collect();
    groups.dedup();
    assert_eq!(groups, ["技术创新", "成长经营", "辅助"]);
    assert_eq!(scheme.cohorts.names.len(), 5);
    assert!(!scheme.cohort_weights.is_empty(), "weights differ by stage");
    assert!(scheme.veto.iter().any(|v| v.when.contains("violation")));
    Scorer::new(&scheme).unwrap();
}

fn refused(change: impl FnOnce(&mut serde_json::Value)) -> SchemeError {
    let mut value = serde_json::to_value(two_indicators(Normalise::Percentile)).unwrap();
    change(&mut value);
    let scheme: Scheme = serde_json::from_value(value).unwrap();
    Scorer::new(&scheme).unwrap_err()
}

#[test]
fn a_scheme_that_cannot_work_is_refused_saying_where() {
    let e = refused(|s| s["indicators"][0]["value"] = "rd_expens / revenue".into());
    assert!(
        e.part.contains("指标 a（A）") && e.reason.contains("第 1 个字符") && e.reason.contains("rd_expense"),
        "{e}"
    );
    let e = refused(|s| s["bonus"][0]["when"] = "revenue + 1".into());
    assert!(e.part.contains("加分项 plus") && e.reason.contains("是/否"), "{e}");
    let e = refused(|s| s["cohorts"]["bounds"] = serde_json::json!([500, 100]));
    assert!(e.reason.contains("从小到大"), "{e}");
    let e = refused(|s| s["cohorts"]["names"] = serde_json::json!(["一"]));
    assert!(e.reason.contains("2 组"), "{e}");
    let e = refused(|s| s["cohorts"]["field"] = "name".into());
    assert!(e.reason.contains("不是数值字段"), "{e}");
    let e = refused(|s| s["cohort_weights"] = serde_json::json!({"中": {"a": 1}}));
    assert!(e.reason.contains("没有这个组"), "{e}");
    let e = refused(|s| s["cohort_weights"] = serde_json::json!({"小": {"a": 0, "b": 0}}));
    assert!(e.part.contains("小") && e.reason.contains("大于 0"), "{e}");
    let e = refused(|s| s["veto"][0]["id"] = "a".into());
    assert!(e.reason.contains("不能重复"), "{e}");
    let e = refused(|s| s["indicators"][1]["weight"] = (-1).into());
    assert!(e.part.contains("权重"), "{e}");
    let e = refused(|s| s["indicators"][0]["weight"] = 1e308.into());
    assert!(e.part.contains("权重") && e.reason.contains("1000000"), "{e}");
    let e = refused(|s| s["bonus"][0]["points"] = 1e17.into());
    assert!(e.part.contains("分值"), "{e}");
    let e = refused(|s| s["indicators"][0]["name"] = "\u{1b}[2J清屏".into());
    assert!(e.reason.contains("控制字符"), "{e}");
    let e = refused(|s| s["scale"] = 0.into());
    assert_eq!(e.part, "scale");
    assert!(parse_scheme("{\"name\": 1}").is_err());
    assert!(parse_scheme("{\"name\": \"x\", \"extra\": 1}").unwrap_err().reason.contains("不认识的字段“extra”"));
    let mut value = serde_json::to_value(two_indicators(Normalise::Percentile)).unwrap();
    value["normalise"] = "zscore".into();
    let e = parse_scheme(&serde_json::to_string_pretty(&value).unwrap()).unwrap_err();
    assert!(
        e.reason.contains("不认识的取值“zscore”，应为 percentile、minmax") && e.reason.matches("列").count() == 1,
        "{e}"
    );
    assert!(parse_scheme("{\"name\": \"x\"").unwrap_err().reason.contains("不完整"));
}

#[test]
fn the_list_the_breakdowns_and_any_number_of_threads_agree() {
    // 40 firms over both cohorts, ties, empty values and two vetoes.
    let scorer = Scorer::new(&two_indicators(Normalise::Percentile)).unwrap();
    let a: Vec<Option<f64>> = (0..40).map(|i| if i % 7 == 3 { None } else { Some(f64::from(i % 9)) }).collect();
    let b: Vec<Option<f64>> = (0..40).map(|i| if i % 11 == 5 { None } else { Some(f64::from(i % 4) * 0.1) }).collect();
    let mut facts = facts(&scorer, &a, &b);
    for f in 0..40 {
        facts.cohort_value[f] = if f % 3 == 0 { 50.0 } else { 500.0 };
    }
    facts.veto[0][4] = true;
    facts.veto[0][9] = true;
    facts.bonus[0][12] = true;
    let scores = scorer.score(&facts);
    assert_eq!(scorer.score_parallel(&facts, 3), scores);
    let all = scorer.explain_all(&facts, 2);
    for (firm, score) in scores.iter().enumerate() {
        let one = scorer.explain(&facts, firm);
        assert_eq!(one, all[firm]);
        assert_eq!(one.score, *score, "firm {firm}");
        if let Some(cents) = score.cents.filter(|_| score.list != List::Vetoed) {
            let bonus = if firm == 12 { 30.0 } else { 0.0 };
            let sum: f64 = one.indicators.iter().map(|l| l.points).sum::<f64>() + bonus;
            assert_eq!(round_half_up_cents(sum), cents, "firm {firm}: the lines add up to the score");
        }
    }
    assert_eq!(scores[4].list, List::Vetoed);
}
