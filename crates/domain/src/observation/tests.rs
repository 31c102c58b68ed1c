use super::*;
use crate::project::Stage;
use rstest::rstest;

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn line(judge: &str, unit: &str, rank: u32) -> RankLine {
    RankLine { judge: judge.into(), group: None, unit: unit.into(), rank }
}

fn score(judge: &str, unit: &str, s: &str) -> ScoreLine {
    ScoreLine { judge: judge.into(), unit: unit.into(), score: d(s) }
}

const UNITS: [&str; 13] = [
    "湖北路",
    "天津路",
    "长春路",
    "南昌路",
    "长安路",
    "重庆路",
    "郑州路",
    "武汉路",
    "工农",
    "瀛洲",
    "周山",
    "徐家营",
    "辛店",
];

#[test]
fn rank_points_for_thirteen_units_run_from_100_to_64() {
    let points: Vec<Decimal> = (1..=13).map(|k| rank_points(k, d("3"))).collect();
    assert_eq!(points.first(), Some(&d("100")));
    assert_eq!(points[1], d("97"));
    assert_eq!(points.last(), Some(&d("64")));
}

/// DOMAIN.md §2's worked example: 13 units, three judges, points 100, 97, …, 64,
/// published to two decimals.
#[test]
fn thirteen_units_three_judges_published_to_two_decimals() {
    let mut lines = Vec::new();
    // Judge A ranks in list order; B swaps the first two; C reverses the last three.
    for (k, u) in UNITS.iter().enumerate() {
        lines.push(line("A", u, k as u32 + 1));
        let b = match k {
            0 => 2,
            1 => 1,
            _ => k as u32 + 1,
        };
        lines.push(line("B", u, b));
        let c = match k {
            10 => 13,
            12 => 11,
            _ => k as u32 + 1,
        };
        lines.push(line("C", u, c));
    }
    let (scores, void) = rank_ballots(&lines, d("3"));
    assert!(void.is_empty());
    let ranked = ranking(&scores);
    assert_eq!(ranked[0], Ranked { unit: "湖北路".into(), score: "99.00".into(), rank: 1 });
    assert_eq!(ranked[1], Ranked { unit: "天津路".into(), score: "98.00".into(), rank: 2 });
    // 周山: 70, 70, 64 → 68.00; 辛店: 64, 64, 70 → 66.00; 徐家营 67 three times.
    let find = |u: &str| ranked.iter().find(|r| r.unit == u).unwrap().clone();
    assert_eq!(find("周山").score, "68.00");
    assert_eq!(find("徐家营").score, "67.00");
    assert_eq!(find("辛店").score, "66.00");
    assert_eq!(find("辛店").rank, 13);
}

#[test]
fn averages_round_half_up_to_two_decimals() {
    // 100 and 97 and 97 → 98.0; 100, 100, 97 → 99.0; thirds: (100+97+91)/3 = 96.00
    let lines = vec![
        line("A", "甲", 1),
        line("A", "乙", 2),
        line("B", "甲", 2),
        line("B", "乙", 1),
        line("C", "甲", 1),
        line("C", "乙", 2),
    ];
    let ranked = ranking(&rank_ballots(&lines, d("3")).0);
    assert_eq!(ranked[0].score, "99.00");
    assert_eq!(ranked[1].score, "98.00");
    assert_eq!(round2(d("97.125")), d("97.13"));
    assert_eq!(round2(d("97.124999")), d("97.12"));
    assert_eq!(round2(d("64.005")), d("64.01"));
}

#[rstest]
#[case::tie(vec![("甲", 1), ("乙", 1), ("丙", 2)], "并列第1名")]
#[case::gap(vec![("甲", 1), ("乙", 3)], "缺少第2名")]
#[case::zero(vec![("甲", 0), ("乙", 1)], "名次须从1开始")]
#[case::unit_twice(vec![("甲", 1), ("甲", 2)], "被排了两次")]
fn a_bad_ballot_is_void_and_says_why(#[case] ranks: Vec<(&str, u32)>, #[case] reason: &str) {
    let mut lines: Vec<RankLine> = ranks.iter().map(|(u, r)| line("坏票", u, *r)).collect();
    lines.extend([line("好票", "甲", 1), line("好票", "乙", 2), line("好票", "丙", 3)]);
    let (scores, void) = rank_ballots(&lines, d("3"));
    assert_eq!(void.len(), 1);
    assert_eq!(void[0].judge, "坏票");
    assert!(void[0].reason.contains(reason), "{}", void[0].reason);
    // Only the good ballot counts.
    assert!(scores.iter().all(|s| s.votes == 1));
}

#[test]
fn groups_rank_separately() {
    let g = |judge: &str, group: &str, unit: &str, rank| RankLine {
        judge: judge.into(),
        group: Some(group.into()),
        unit: unit.into(),
        rank,
    };
    let lines =
        vec![g("A", "一组", "甲", 1), g("A", "一组", "乙", 2), g("A", "二组", "丙", 1), g("A", "二组", "丁", 2)];
    let (scores, void) = rank_ballots(&lines, d("3"));
    assert!(void.is_empty());
    let ranked = ranking(&scores);
    assert_eq!(ranked.iter().filter(|r| r.score == "100.00").count(), 2);
    assert_eq!(ranked[0].rank, 1);
    assert_eq!(ranked[1].rank, 1, "equal scores share a rank");
    assert_eq!(ranked[2].rank, 3);
}

#[rstest]
#[case::mean(Aggregation::Mean, "甲", "86.00")]
#[case::trimmed_drops_high_and_low(Aggregation::Trimmed, "甲", "85.00")]
#[case::trimmed_needs_five(Aggregation::Trimmed, "乙", "80.00")]
fn mean_and_trimmed(#[case] how: Aggregation, #[case] unit: &str, #[case] expected: &str) {
    let mut lines: Vec<ScoreLine> =
        ["95", "85", "84", "86", "80"].iter().enumerate().map(|(i, s)| score(&format!("J{i}"), "甲", s)).collect();
    lines.extend(["70", "90", "80", "80"].iter().enumerate().map(|(i, s)| score(&format!("J{i}"), "乙", s)));
    let scores = aggregate_scores(&lines, how);
    let s = scores.iter().find(|s| s.unit == unit).unwrap();
    assert_eq!(format!("{:.2}", round2(s.score)), expected);
}

#[test]
fn zscore_removes_a_judges_leniency() {
    // J2 scores everyone 10 points higher than J1; after normalisation they agree.
    let lines = vec![
        score("J1", "甲", "80"),
        score("J1", "乙", "70"),
        score("J1", "丙", "60"),
        score("J2", "甲", "90"),
        score("J2", "乙", "80"),
        score("J2", "丙", "70"),
    ];
    let ranked = ranking(&aggregate_scores(&lines, Aggregation::ZScore));
    // Population SD of (80, 70, 60) is 8.165: z = ±1.2247 → 100 ± 24.49.
    assert_eq!(ranked[0], Ranked { unit: "甲".into(), score: "124.49".into(), rank: 1 });
    assert_eq!(ranked[1].score, "100.00");
    assert_eq!(ranked[2].score, "75.51");
}

#[test]
fn zscore_of_a_judge_who_gave_all_the_same_is_neutral() {
    let lines = vec![score("J1", "甲", "80"), score("J1", "乙", "80")];
    let ranked = ranking(&aggregate_scores(&lines, Aggregation::ZScore));
    assert!(ranked.iter().all(|r| r.score == "100.00" && r.rank == 1));
}

#[rstest]
#[case::big_new_industrial_in_production(
    StartKind::NewStart,
    "120000",
    ProjectKind::Industrial,
    "60000",
    true,
    false,
    "0",
    "90"
)]
#[case::small_continuing_social(StartKind::Continuing, "5000", ProjectKind::Social, "2500", false, false, "0", "43")]
#[case::progress_is_capped(StartKind::Continuing, "20000", ProjectKind::Functional, "40000", false, true, "5", "99")]
#[case::signed_project_earns_no_start_points(
    StartKind::Neither,
    "5000",
    ProjectKind::Social,
    "0",
    false,
    false,
    "0",
    "11"
)]
fn points_formula_table(
    #[case] start: StartKind,
    #[case] plan: &str,
    #[case] kind: ProjectKind,
    #[case] completed: &str,
    #[case] in_production: bool,
    #[case] at_concentrated_start: bool,
    #[case] penalties: &str,
    #[case] expected: &str,
) {
    let f = FormulaFacts {
        start,
        annual_plan_wan: d(plan),
        kind,
        completed_wan: d(completed),
        in_production,
        at_concentrated_start,
        penalties: d(penalties),
    };
    assert_eq!(points_formula(&f), d(expected));
}

#[rstest]
#[case::planning(false, Stage::Planning, StartKind::Neither)]
#[case::negotiating(false, Stage::Negotiating, StartKind::Neither)]
#[case::signed(false, Stage::Signed, StartKind::Neither)]
#[case::started_last_year(false, Stage::Started, StartKind::Continuing)]
#[case::building_since_last_year(false, Stage::Building, StartKind::Continuing)]
#[case::producing_since_last_year(false, Stage::Producing, StartKind::Neither)]
#[case::started_this_year(true, Stage::Building, StartKind::NewStart)]
fn continuing_points_only_for_projects_under_construction(
    #[case] started_this_year: bool,
    #[case] stage: Stage,
    #[case] expected: StartKind,
) {
    assert_eq!(StartKind::of(started_this_year, stage), expected);
}

fn ranked(scores: &[(&str, &str, u32)]) -> Vec<Ranked> {
    scores.iter().map(|(u, s, r)| Ranked { unit: u.to_string(), score: s.to_string(), rank: *r }).collect()
}

#[test]
fn rank_ballot_scores_are_banded_by_shares_not_cut_offs() {
    // Ten offices ranked by ballots score 73–100: cut-offs of 90/80 would call four 优秀.
    let places: Vec<(String, String, u32)> =
        (1..=10u32).map(|k| (format!("O{k}"), format!("{}", 100 - 3 * (k - 1)), k)).collect();
    let r: Vec<Ranked> =
        places.iter().map(|(u, s, k)| Ranked { unit: u.clone(), score: s.clone(), rank: *k }).collect();
    let shares = bands(&r, Banding::Shares { excellent: d("30"), good: d("40") });
    assert_eq!(shares.iter().filter(|b| **b == "优秀").count(), 3);
    assert_eq!(shares.iter().filter(|b| **b == "良好").count(), 4);
    assert_eq!(shares[9], "一般");
    // Nine offices: 30 % is 2.7, rounded down to two (不超过).
    let nine = bands(&r[..9], Banding::Shares { excellent: d("30"), good: d("40") });
    assert_eq!(nine.iter().filter(|b| **b == "优秀").count(), 2);
    // Shared ranks share a band.
    let tied = ranked(&[("甲", "100", 1), ("乙", "97", 2), ("丙", "97", 2), ("丁", "91", 4)]);
    assert_eq!(bands(&tied, Banding::Shares { excellent: d("50"), good: d("0") }), ["优秀", "优秀", "优秀", "一般"]);
    let scores = bands(&tied, Banding::Scores { excellent: d("97"), good: d("92") });
    assert_eq!(scores, ["优秀", "优秀", "优秀", "一般"]);
}

#[test]
fn bands_by_cut_offs() {
    assert_eq!(band(d("90"), d("90"), d("80")), "优秀");
    assert_eq!(band(d("89.99"), d("90"), d("80")), "良好");
    assert_eq!(band(d("79.99"), d("90"), d("80")), "一般");
}

fn rubric() -> Vec<Criterion> {
    [
        ("投资规模", "20", "20"),
        ("建设进度", "30", "10"),
        ("产业层次", "20", "20"),
        ("科技含量", "10", "10"),
        ("亩均效益", "10", "10"),
        ("现场管理", "10", "10"),
    ]
    .iter()
    .map(|(n, w, m)| Criterion { name: n.to_string(), weight: d(w), max: d(m) })
    .collect()
}

#[test]
fn rubric_totals_weigh_each_criterion() {
    let c = rubric();
    assert_eq!(check_rubric(&c), Ok(()));
    let full: Vec<(String, Decimal)> = c.iter().map(|c| (c.name.clone(), c.max)).collect();
    assert_eq!(rubric_total(&c, &full).unwrap(), d("100"));
    let mut half = full.clone();
    half[1].1 = d("5"); // 建设进度 5 of 10 at weight 30 → loses 15
    assert_eq!(rubric_total(&c, &half).unwrap(), d("85"));
}

#[rstest]
#[case::above_max("建设进度", "11", "超出范围（0 到 10）")]
#[case::negative("投资规模", "-1", "超出范围")]
fn rubric_scores_outside_the_range_are_refused(#[case] name: &str, #[case] score: &str, #[case] reason: &str) {
    let c = rubric();
    let mut scores: Vec<(String, Decimal)> = c.iter().map(|c| (c.name.clone(), Decimal::ZERO)).collect();
    scores.iter_mut().find(|(n, _)| n == name).unwrap().1 = d(score);
    let err = rubric_total(&c, &scores).unwrap_err().to_string();
    assert!(err.contains(reason), "{err}");
}

#[test]
fn rubric_must_add_to_100_and_be_complete() {
    let mut c = rubric();
    c[0].weight = d("25");
    assert!(check_rubric(&c).unwrap_err().to_string().contains("105"));
    let c = rubric();
    assert_eq!(rubric_total(&c, &[]).unwrap_err(), RubricError::Missing("投资规模".into()));
    let extra = vec![("颜值".to_string(), d("1"))];
    assert_eq!(rubric_total(&c, &extra).unwrap_err(), RubricError::Unknown("颜值".into()));
}

#[test]
fn composite_weighs_parts_and_adds_adjustments() {
    let parts = [(d("90"), d("0.7")), (d("80"), d("0.3"))];
    let adj = [
        Adjustment { points: d("-5"), reason: "安全生产通报批评".into() },
        Adjustment { points: d("2"), reason: "集中开工".into() },
    ];
    assert_eq!(composite(&parts, &adj), d("84"));
    assert_eq!(composite(&[(d("90"), d("70")), (d("80"), d("30"))], &[]), d("87"));
    assert_eq!(unit_from_sites(&[d("90"), d("80")], SiteCombination::Mean), d("85"));
    assert_eq!(unit_from_sites(&[d("90"), d("80")], SiteCombination::Sum), d("170"));
}

#[test]
fn most_improved_counts_places_gained() {
    let r = |u: &str, rank| Ranked { unit: u.into(), score: String::new(), rank };
    let before = [r("甲", 1), r("乙", 2), r("丙", 3), r("丁", 4)];
    let now = [r("丙", 1), r("甲", 2), r("丁", 3), r("新", 4)];
    assert_eq!(
        most_improved(&before, &now),
        vec![("丙".to_string(), 2), ("丁".to_string(), 1), ("甲".to_string(), -1)]
    );
}

#[test]
fn formula_items_name_every_point() {
    let f = FormulaFacts {
        start: StartKind::NewStart,
        annual_plan_wan: d("60000"),
        kind: ProjectKind::Industrial,
        completed_wan: d("30000"),
        in_production: false,
        at_concentrated_start: true,
        penalties: d("5"),
    };
    let items = formula_items(&f);
    let labels: Vec<&str> = items.iter().map(|(l, _)| *l).collect();
    assert_eq!(
        labels,
        ["新开工", "年度计划5–10亿元", "产业项目", "投资进度（60×完成/计划）", "集中开工活动", "通报批评扣分"]
    );
    assert_eq!(items[3].1, d("30"));
    assert_eq!(items[5].1, d("-5"));
    // 5 + 10 + 15 + 30 + 30 − 5
    assert_eq!(points_formula(&f), d("85"));
}

#[rstest]
#[case(Method::Rubric, "0", "0", (true, false))]
#[case(Method::RankBallot, "0", "0", (false, true))]
#[case(Method::Formula, "50", "50", (false, false))]
#[case(Method::Composite, "70", "0", (true, false))]
#[case(Method::Composite, "0", "40", (false, true))]
#[case(Method::Composite, "50", "20", (true, true))]
fn what_each_method_asks_of_judges(
    #[case] method: Method,
    #[case] rubric: &str,
    #[case] rank: &str,
    #[case] expected: (bool, bool),
) {
    assert_eq!(method.needs(d(rubric), d(rank)), expected);
    assert_eq!(Method::from_code(method.code()), Some(method));
}

#[rstest]
#[case(Method::Formula, "0", true)]
#[case(Method::Composite, "30", true)]
#[case(Method::Composite, "0", false)]
#[case(Method::Rubric, "30", false)]
#[case(Method::RankBallot, "30", false)]
fn which_methods_take_formula_inputs(#[case] method: Method, #[case] weight_formula: &str, #[case] expected: bool) {
    assert_eq!(method.uses_formula(d(weight_formula)), expected);
}

#[rstest]
#[case(&[("A", 1), ("B", 2), ("C", 3)], None)]
#[case(&[("A", 1), ("B", 1), ("C", 2)], Some("并列第1名"))]
#[case(&[("A", 1), ("B", 3)], Some("缺少第2名"))]
#[case(&[("A", 1), ("A", 2)], Some("被排了两次"))]
fn a_ranking_is_checked_before_it_is_saved(#[case] ranks: &[(&str, u32)], #[case] problem: Option<&str>) {
    let lines: Vec<RankLine> = ranks.iter().map(|(u, r)| line("J", u, *r)).collect();
    match (check_ranking(&lines), problem) {
        (Ok(()), None) => {}
        (Err(e), Some(p)) => assert!(e.contains(p), "{e}"),
        (got, want) => panic!("got {got:?}, wanted {want:?}"),
    }
}

#[test]
fn groups_are_ranked_apart() {
    let s = |u: &str, v: &str| UnitScore { unit: u.into(), score: d(v), votes: 1 };
    let ranked = ranking_by_group(&[
        ("城区".into(), s("湖北路", "90")),
        ("城区".into(), s("天津路", "95")),
        ("郊区".into(), s("工农", "80")),
        ("郊区".into(), s("瀛洲", "85")),
    ]);
    let got: Vec<(&str, &str, u32)> = ranked.iter().map(|(g, r)| (g.as_str(), r.unit.as_str(), r.rank)).collect();
    assert_eq!(got, [("城区", "天津路", 1), ("城区", "湖北路", 2), ("郊区", "瀛洲", 1), ("郊区", "工农", 2)]);
}
