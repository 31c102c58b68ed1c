//! The shipped rules of DOMAIN.md §11 at their boundaries, and the columnar and exact
//! paths held together.

use super::*;
use crate::policy::columns::BadCells;
use arrow_array::StringArray;
use rstest::rstest;

fn on() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()
}

/// A firm that is eligible for 科小 by points, 高企 and 创新型 (by 高企 status off:
/// only by equity), so that each test changes one thing.
fn base() -> Vec<(&'static str, &'static str)> {
    vec![
        ("uscc", "914403001922038216"),
        ("name", "测试企业"),
        ("registered_on", "2020-01-01"),
        ("employees", "100"),
        ("tech_staff", "30"),
        ("revenue", "3000"),
        ("total_income", "3200"),
        ("total_assets", "5000"),
        ("total_cost", "2500"),
        ("rd_expense", "200"),
        ("rd_expense_domestic", "200"),
        ("high_tech_income", "2500"),
        ("ip_class1", "1"),
        ("ip_class2", "0"),
        ("violation", "0"),
        ("is_high_tech", "0"),
        ("national_award", "0"),
        ("provincial_rd_institution", "0"),
        ("led_standard", "0"),
        ("high_tech_field", "1"),
        ("innovation_score", "75"),
        ("equity_financing_3y", "600"),
    ]
}

fn with(changes: &[(&'static str, &'static str)]) -> Vec<(&'static str, &'static str)> {
    let mut cells = base();
    for (name, value) in changes {
        match cells.iter_mut().find(|(n, _)| n == name) {
            Some(cell) => cell.1 = value,
            None => cells.push((name, value)),
        }
    }
    cells
}

fn batch(rows: &[Vec<(&str, &str)>], assessor: &Assessor) -> Result<Batch, BadCells> {
    let schema = assessor.schema();
    let columns: Vec<StringArray> = schema
        .fields()
        .iter()
        .map(|f| {
            StringArray::from(
                rows.iter()
                    .map(|cells| {
                        cells.iter().find(|(n, _)| *n == f.name).map(|(_, v)| v.to_string()).filter(|v| !v.is_empty())
                    })
                    .collect::<Vec<_>>(),
            )
        })
        .collect();
    let text: Vec<&StringArray> = columns.iter().collect();
    let mut batch = Batch::from_text(schema, &text, 2)?;
    prepare_batch(&mut batch, schema, on());
    Ok(batch)
}

fn assess(cells: Vec<(&str, &str)>) -> Vec<RungVerdict> {
    let assessor = Assessor::new(&default_rule_sets()).unwrap();
    let batch = batch(&[cells], &assessor).unwrap();
    let fast = assessor.assess_batch(&batch, &mut assessor.scratch(batch.len)).remove(0);
    let exact: Vec<RungVerdict> = assessor.explain_row(&batch, 0).into_iter().map(|e| e.verdict).collect();
    assert_eq!(fast, exact, "the columnar and the exact paths differ");
    fast
}

fn rung<'a>(verdicts: &'a [RungVerdict], name: &str) -> &'a RungVerdict {
    verdicts.iter().find(|v| v.rung == name).unwrap()
}

fn texts(v: &RungVerdict) -> Vec<String> {
    v.missing.iter().map(|s| s.text.clone()).collect()
}

#[test]
fn the_base_firm_is_on_every_rung() {
    let verdicts = assess(base());
    let kx = rung(&verdicts, "科技型中小企业");
    // tech staff 30 % → 20, R&D 200/3000 = 6.67 % → 50, class-I IP → 30.
    assert_eq!((kx.eligible, kx.route, kx.score), (true, Some(Route::Points), Some(1_000_000)));
    let gq = rung(&verdicts, "高新技术企业");
    assert_eq!((gq.eligible, gq.route, gq.score), (true, Some(Route::Points), None), "{:?}", texts(gq));
    let cx = rung(&verdicts, "创新型中小企业");
    assert_eq!((cx.eligible, cx.route), (true, Some(Route::Direct)));
}

#[rstest]
// R&D / revenue at the 5 % band's edge (revenue ≤ 5,000 万元): 4.99 % fails, 5.00 % holds.
#[case::rd_4_99("rd_expense", "149.7", "revenue", "3000", false)]
#[case::rd_5_00("rd_expense", "150", "revenue", "3000", true)]
// Exactly 6 % as a person computes it: 35.91 / 598.50.
#[case::exactly_six_percent_band("rd_expense", "35.91", "revenue", "598.50", true)]
// Revenue exactly 5,000 万元 is still in the 5 % band: 4 % is not enough.
#[case::revenue_5000_needs_5("rd_expense", "200", "revenue", "5000", false)]
#[case::revenue_5000_01_needs_4("rd_expense", "200.0004", "revenue", "5000.01", true)]
// Tech staff exactly 10 %.
#[case::tech_staff_10("tech_staff", "10", "employees", "100", true)]
#[case::tech_staff_9_99("tech_staff", "999", "employees", "10001", false)]
fn high_tech_thresholds(
    #[case] a: &'static str,
    #[case] a_value: &'static str,
    #[case] b: &'static str,
    #[case] b_value: &'static str,
    #[case] eligible: bool,
) {
    let verdicts = assess(with(&[(a, a_value), (b, b_value), ("rd_expense_domestic", "100000")]));
    let gq = rung(&verdicts, "高新技术企业");
    assert_eq!(gq.eligible, eligible, "{:?}", texts(gq));
}

#[rstest]
#[case::one_full_year("2025-12-01", true)]
#[case::a_day_short("2025-12-02", false)]
#[case::leap_day_needs_march_first("2025-02-28", true)]
fn high_tech_needs_one_full_year(#[case] registered: &'static str, #[case] eligible: bool) {
    let verdicts = assess(with(&[("registered_on", registered)]));
    let gq = rung(&verdicts, "高新技术企业");
    assert_eq!(gq.eligible, eligible, "{:?}", texts(gq));
    if !eligible {
        assert_eq!(texts(gq), vec!["注册成立满一年：不符合（成立日期 2025-12-02，评估日期 2026-12-01）".to_string()]);
    }
}

#[test]
fn the_gap_is_said_in_the_fields_unit() {
    // R&D 3.1 % of 1,000 万元 (band 5 %): 还差 19 万元; tech staff 8 of 100: n with (8+n)/(100+n) ≥ 10 % is 3.
    let verdicts =
        assess(with(&[("rd_expense", "31"), ("revenue", "1000"), ("tech_staff", "8"), ("innovation_score", "")]));
    let gq = rung(&verdicts, "高新技术企业");
    assert!(!gq.eligible);
    assert_eq!(
        texts(gq),
        vec![
            "科技人员占比 8% < 10%（还差科技人员 3 人）".to_string(),
            "研发费用/销售收入 3.1% < 5%（还差研发费用 19 万元）".to_string(),
            "创新能力评价得分：缺数据".to_string(),
        ]
    );
}

#[test]
fn a_measure_equal_to_four_decimals_is_shown_exactly() {
    let verdicts = assess(with(&[("rd_expense", "149.9999"), ("revenue", "3000")]));
    let gq = rung(&verdicts, "高新技术企业");
    assert_eq!(texts(gq), vec!["研发费用/销售收入 4.9999966667…% < 5%（还差研发费用 0.0001 万元）".to_string()]);
}

#[test]
fn an_empty_score_is_missing_data_never_a_failed_threshold() {
    let verdicts = assess(with(&[("innovation_score", "")]));
    let gq = rung(&verdicts, "高新技术企业");
    assert!(!gq.eligible);
    assert_eq!(gq.missing.len(), 1);
    assert_eq!(gq.missing[0].kind, ShortfallKind::MissingData);
}

#[test]
fn three_year_sums_decide_the_intensity_when_both_are_given() {
    // The last year alone is 2 % (fails 5 %); the three years are 5 %.
    let cells = with(&[("rd_expense", "60"), ("rd_expense_3y", "450"), ("revenue_3y", "9000")]);
    assert!(rung(&assess(cells), "高新技术企业").eligible);
    let only_one = with(&[("rd_expense", "60"), ("rd_expense_3y", "450")]);
    assert!(!rung(&assess(only_one), "高新技术企业").eligible);
}

#[rstest]
// Points: tech staff share bands 30/25/20/15/10 % → 20/16/12/8/4.
#[case::share_30("30", 1_000_000)]
#[case::share_29("29", 960_000)]
#[case::share_10("10", 840_000)]
fn tech_sme_points_by_band(#[case] tech_staff: &'static str, #[case] score: i64) {
    let verdicts = assess(with(&[("tech_staff", tech_staff)]));
    assert_eq!(rung(&verdicts, "科技型中小企业").score, Some(score));
}

#[test]
fn tech_sme_needs_tech_staff_points_or_takes_a_direct_route() {
    // 9 % tech staff: 0 points for it, 80 in all, but the route needs them.
    let verdicts = assess(with(&[("tech_staff", "9")]));
    let kx = rung(&verdicts, "科技型中小企业");
    assert_eq!((kx.eligible, kx.score), (false, Some(800_000)));
    assert_eq!(texts(kx), vec!["科技人员占比得分为 0（须得分）".to_string()]);
    // The same firm with a provincial R&D institution takes the direct route.
    let verdicts = assess(with(&[("tech_staff", "9"), ("provincial_rd_institution", "1")]));
    let kx = rung(&verdicts, "科技型中小企业");
    assert_eq!((kx.eligible, kx.route, kx.score), (true, Some(Route::Direct), Some(800_000)));
}

#[rstest]
#[case::employees_500("employees", "500", true)]
#[case::employees_501("employees", "501", false)]
#[case::revenue_20000("revenue", "20000", true)]
#[case::revenue_20000_01("revenue", "20000.01", false)]
fn tech_sme_size_limits(#[case] field: &'static str, #[case] value: &'static str, #[case] eligible: bool) {
    let staff = if field == "employees" { "200" } else { "30" };
    let verdicts = assess(with(&[(field, value), ("tech_staff", staff), ("rd_expense", "2000")]));
    assert_eq!(rung(&verdicts, "科技型中小企业").eligible, eligible);
}

#[test]
fn a_zero_denominator_earns_nothing_and_fails() {
    let verdicts = assess(with(&[("employees", "0"), ("tech_staff", "0")]));
    let kx = rung(&verdicts, "科技型中小企业");
    assert!(!kx.eligible);
    assert_eq!(kx.item_points[0], 0);
    let gq = rung(&verdicts, "高新技术企业");
    assert!(texts(gq).contains(&"科技人员占比：无法计算（除数为零），按不符合计".to_string()), "{:?}", texts(gq));
}

#[test]
fn an_empty_points_item_earns_zero_and_is_named() {
    let verdicts = assess(with(&[("rd_expense", ""), ("tech_staff", "30")]));
    let kx = rung(&verdicts, "科技型中小企业");
    // 20 + 0 + 30 = 50 < 60.
    assert_eq!((kx.eligible, kx.score), (false, Some(500_000)));
    assert!(texts(kx).iter().any(|t| t.starts_with("研发投入") && t.contains("缺数据（研发费用）")), "{:?}", texts(kx));
}

#[test]
fn an_empty_flag_counts_as_zero() {
    let verdicts = assess(with(&[("violation", ""), ("is_high_tech", "")]));
    assert!(rung(&verdicts, "科技型中小企业").eligible);
}

#[test]
fn innovative_sme_by_direct_routes_only() {
    let verdicts = assess(with(&[("equity_financing_3y", "499.99")]));
    let cx = rung(&verdicts, "创新型中小企业");
    assert!(!cx.eligible);
    assert!(texts(cx).iter().any(|t| t.contains("还差股权融资 0.01 万元")), "{:?}", texts(cx));
    let verdicts = assess(with(&[("equity_financing_3y", ""), ("national_award", "1")]));
    assert_eq!(rung(&verdicts, "创新型中小企业").route, Some(Route::Direct));
}

#[test]
fn a_rule_set_that_does_not_compile_names_the_rung_and_the_part() {
    let mut sets = default_rule_sets();
    sets[1].conditions[3].when = "tech_staf / employees >= 0.1".into();
    let error = Assessor::new(&sets).unwrap_err();
    assert_eq!(error.rung, "高新技术企业");
    assert!(error.part.contains("tech_staff"), "{error}");
    assert!(error.reason.contains("tech_staff"), "{error}");
}

#[test]
fn the_version_in_force_is_the_latest_before_the_day() {
    let mut sets = default_rule_sets();
    let mut newer = sets[0].clone();
    newer.version = "2027".into();
    newer.effective_from = NaiveDate::from_ymd_opt(2027, 1, 1).unwrap();
    sets.push(newer);
    assert_eq!(in_force(&sets, on())[0].version, "科技部 2017");
    assert_eq!(in_force(&sets, NaiveDate::from_ymd_opt(2027, 1, 1).unwrap())[0].version, "2027");
    assert_eq!(in_force(&sets, on()).len(), 3);
}

mod agreement {
    use super::*;
    use proptest::prelude::*;

    fn cell(values: &'static [&'static str]) -> impl Strategy<Value = &'static str> {
        prop::sample::select(values)
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]
        /// Many firms in one batch, the columnar path against the exact one, row by row.
        #[test]
        fn columnar_and_exact_agree(rows in prop::collection::vec((
            cell(&["", "0", "9", "10", "100", "501"]),
            cell(&["", "0", "1", "10", "30"]),
            cell(&["", "0", "598.50", "5000", "20000", "20000.01"]),
            cell(&["", "0", "35.91", "150", "250", "200.0004"]),
            cell(&["", "0", "1", "3"]),
            cell(&["", "0", "1"]),
            cell(&["", "69.99", "70"]),
            cell(&["", "2025-12-01", "2025-12-02", "2024-02-29"]),
        ), 1..40)) {
            let assessor = Assessor::new(&default_rule_sets()).unwrap();
            let firms: Vec<Vec<(&str, &str)>> = rows
                .iter()
                .map(|(employees, tech, revenue, rd, ip2, flag, score, registered)| {
                    with(&[
                        ("employees", employees), ("tech_staff", tech), ("revenue", revenue), ("rd_expense", rd),
                        ("rd_expense_domestic", rd), ("total_cost", revenue), ("ip_class1", ""), ("ip_class2", ip2),
                        ("is_high_tech", flag), ("innovation_score", score), ("registered_on", registered),
                    ])
                })
                .collect();
            let batch = batch(&firms, &assessor).unwrap();
            let fast = assessor.assess_batch(&batch, &mut assessor.scratch(batch.len));
            for (row, verdicts) in fast.iter().enumerate() {
                let exact: Vec<RungVerdict> = assessor.explain_row(&batch, row).into_iter().map(|e| e.verdict).collect();
                prop_assert_eq!(verdicts, &exact);
            }
        }
    }
}
