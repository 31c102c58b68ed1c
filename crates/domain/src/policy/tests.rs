use super::columns::Row;
use super::plan::{Scratch, run};
use super::*;
use arrow_array::StringArray;
use proptest::prelude::*;
use rstest::rstest;

fn field(name: &str, ty: FieldType) -> Field {
    Field { name: name.into(), ty, values: Vec::new(), label: None }
}

/// The schema of the tests: money in 万元, counts, flags, an enumeration, a date.
fn schema() -> Schema {
    Schema::new(vec![
        field("id", FieldType::Int),
        Field { label: Some("研发费用".into()), ..field("rd_expense", FieldType::Float) },
        Field { label: Some("营业收入".into()), ..field("revenue", FieldType::Float) },
        field("revenue_prev", FieldType::Float),
        field("employees", FieldType::Int),
        field("is_high_tech", FieldType::Flag),
        Field {
            values: vec!["电子信息".into(), "新材料".into(), "其他".into()], ..field("industry", FieldType::Enum)
        },
        field("name", FieldType::Text),
        field("founded", FieldType::Date),
    ])
    .unwrap()
}

fn policy(condition: &str, amount: &str) -> PolicyDef {
    PolicyDef { id: "T1".into(), name: "测试".into(), condition: condition.into(), amount: amount.into() }
}

/// A batch from rows of cells (None = empty), in the schema's column order.
fn batch(schema: &Schema, rows: &[Vec<Option<&str>>]) -> Batch {
    let columns: Vec<StringArray> =
        (0..schema.fields().len()).map(|c| StringArray::from(rows.iter().map(|r| r[c]).collect::<Vec<_>>())).collect();
    let refs: Vec<&StringArray> = columns.iter().collect();
    Batch::from_text(schema, &refs, 2).unwrap()
}

/// An empty column (a field the file lacks) is read as views of one shared zeroed
/// buffer; it decides as empty cells read one by one do (in a batch too long to share).
#[test]
fn an_empty_column_decides_as_empty_cells() {
    let s = schema();
    let empty_rows = |n: usize| vec![vec![None; s.fields().len()]; n];
    let shared = batch(&s, &empty_rows(3));
    let own = batch(&s, &empty_rows(5000));
    for condition in
        ["revenue > 100", "rd_expense / revenue >= 0.05", "employees >= 0", "is_high_tech", "not is_high_tech", "true"]
    {
        for amount in ["1", "revenue * 0.1", "employees"] {
            let def = policy(condition, amount);
            if Policy::compile(&def, &s).is_err() {
                continue;
            }
            assert_eq!(decide_both(&def, &s, &shared), decide_both(&def, &s, &own)[..3], "{condition} → {amount}");
        }
    }
    for (a, b) in shared.columns.iter().zip(&own.columns) {
        assert_eq!((a.array().len(), a.array().null_count()), (3, 3));
        assert_eq!(b.array().null_count(), 5000);
    }
}

/// A policy run on the rows where a test fails decides as one whose condition is that
/// the test fails, on every row: where the amount is computed, where it is not (the
/// test holds, is empty, or divides by zero).
#[test]
fn run_where_a_test_fails_decides_as_the_condition_that_it_fails() {
    use super::plan::run_where;
    let s = schema();
    let rows: Vec<Vec<Option<&str>>> = [
        ("4.99", "100"),
        ("5", "100"),
        ("", "100"),
        ("1", "0"),
        ("0.00005", "1"),
        ("3.3333", "100.0001"),
        ("-1", "100"),
        ("1,234.5", "30000"),
    ]
    .iter()
    .map(|(rd, revenue)| row(rd, revenue))
    .collect();
    let batch = batch(&s, &rows);
    let test = Policy::compile(&policy("rd_expense / revenue >= 0.05", "0"), &s).unwrap();
    for amount in ["revenue * 0.05 - rd_expense", "rd_expense / revenue", "max(revenue * 0.05 - rd_expense, 0)"] {
        let given = Policy::compile(&policy("true", amount), &s).unwrap();
        let conditioned = Policy::compile(&policy("not (rd_expense / revenue >= 0.05)", amount), &s).unwrap();
        let mut scratch = Scratch::new(batch.len, &[&test.program, &given.program, &conditioned.program]);
        let verdicts = run(&test, &batch, &mut scratch).verdicts(batch.len);
        let mut fails = vec![0u64; 1];
        for (row, verdict) in verdicts.iter().enumerate() {
            if *verdict == Verdict::NotEligible {
                fails[0] |= 1 << row;
            }
        }
        assert_eq!(fails[0], 0b1111_0001, "the rows where the test fails");
        let where_fails = run_where(&given, &batch, &mut scratch, &fails);
        let expected = run(&conditioned, &batch, &mut scratch);
        assert_eq!(where_fails.paid, expected.paid, "{amount}");
        // Elsewhere nothing is computed: no row is empty or in error there.
        let elsewhere = !fails[0] & 0xff;
        assert_eq!(
            (where_fails.missing_rows[0] & elsewhere, where_fails.error_rows[0] & elsewhere),
            (0, 0),
            "{amount}"
        );
        assert_eq!(where_fails.error_rows[0], expected.error_rows[0] & fails[0], "{amount}");
    }
}

/// What both evaluators decide for every row; they must agree.
fn decide_both(def: &PolicyDef, schema: &Schema, batch: &Batch) -> Vec<Verdict> {
    let compiled = Policy::compile(def, schema).unwrap();
    let exact: Vec<Verdict> = (0..batch.len).map(|row| compiled.decide(&Row { batch, row })).collect();
    let mut scratch = Scratch::new(batch.len, &[&compiled.program]);
    let fast = run(&compiled, batch, &mut scratch);
    let paid: Vec<(u32, i64)> = exact
        .iter()
        .enumerate()
        .filter_map(|(r, v)| if let Verdict::Paid(a) = v { Some((r as u32, *a)) } else { None })
        .collect();
    assert_eq!(fast.paid, paid, "columnar and exact disagree on payments for {def:?}");
    let missing = exact.iter().filter(|v| **v == Verdict::MissingData).count() as u64;
    let errors = exact.iter().filter(|v| matches!(v, Verdict::Error(_))).count() as u64;
    assert_eq!((fast.missing, fast.errors), (missing, errors), "missing/error counts for {def:?}");
    exact
}

fn row<'a>(rd: &'a str, revenue: &'a str) -> Vec<Option<&'a str>> {
    let cell = |s: &'a str| if s.is_empty() { None } else { Some(s) };
    vec![
        Some("1"),
        cell(rd),
        cell(revenue),
        Some("100"),
        Some("10"),
        Some("1"),
        Some("电子信息"),
        Some("甲"),
        Some("2020-01-01"),
    ]
}

// --- the checker's messages -----------------------------------------------------------

#[rstest]
#[case::unknown_field_names_the_nearest("rd_expence > 1", "条件", 1, "未知字段“rd_expence”，最接近的有 rd_expense")]
#[case::text_compared_with_a_number("name > 3", "条件", 1, "不能把文本（name）与数字比较")]
#[case::enum_value_it_does_not_have(
    "industry in ('电子信息', '软件')",
    "条件",
    22,
    "“软件”不是 industry 的取值（可选：电子信息、新材料、其他）"
)]
#[case::enum_equality_with_unknown_value(
    "industry == '软件'",
    "条件",
    13,
    "“软件”不是 industry 的取值（可选：电子信息、新材料、其他）"
)]
#[case::flag_in_arithmetic(
    "is_high_tech + 1 > 1",
    "条件",
    1,
    "标志字段 is_high_tech（0/1）不能参与加法：把它当条件用，如 is_high_tech == 1"
)]
#[case::flag_against_two("is_high_tech == 2", "条件", 17, "标志字段 is_high_tech 只取 0 或 1，不能与 2 比较")]
#[case::condition_that_is_a_number(
    "revenue * 2",
    "条件",
    1,
    "条件应得出是/否，这里得出的是数字（是否缺少比较，如 > 0？）"
)]
#[case::single_equals("revenue = 0", "条件", 9, "相等请写 ==（一个 = 不是比较）")]
#[case::unclosed_parenthesis("(revenue > 0", "条件", 13, "括号内的表达式之后应有“)”，却遇到结尾")]
#[case::unterminated_string("industry == '电子信息", "条件", 13, "文字缺少结尾的引号 '")]
#[case::trailing_words(
    "revenue > 0 revenue",
    "条件",
    13,
    "表达式在这里应已结束，却遇到“revenue”（是否缺少 and / or 或运算符？）"
)]
#[case::empty("  ", "条件", 1, "表达式为空")]
#[case::chained_comparison("1 < revenue < 5", "条件", 13, "比较不能连写（“<”）：请用 and 连接两个比较")]
#[case::unknown_function(
    "maxx(revenue, 1) > 0",
    "条件",
    1,
    "未知函数“maxx”，是否想写 max（可用：min、max、abs、round、date、years_between、known）"
)]
#[case::known_needs_a_field("known(revenue + 1)", "条件", 7, "known(…) 的参数应是一个字段，如 known(rd_expense_3y)")]
#[case::round_needs_constant_places(
    "round(revenue, employees) > 0",
    "条件",
    16,
    "round 的小数位数应是 0 到 10 的整数常量"
)]
#[case::date_arithmetic("founded + 1 > 0", "条件", 1, "日期不能参与加法：相隔年数请用 years_between(a, b)")]
#[case::bad_date_literal("founded > date('2026-02-30')", "条件", 16, "“2026-02-30”不是日期（应写成 2026-01-01）")]
#[case::number_and_condition(
    "revenue > 0 and 5",
    "条件",
    17,
    "and 两边应是条件（是/否），这里是数字（数字不是条件：请写成比较，如 x > 0）"
)]
#[case::enum_value_without_quotes(
    "industry == 新材料",
    "条件",
    13,
    "未知字段“新材料”：它是 industry 的取值，取值要加引号：'新材料'"
)]
#[case::a_product_of_two_hundred_factors(&format!("{} >= 0", vec!["revenue"; 200].join(" * ")), "条件", 1, "表达式层层嵌套超过 120 层（如一长串相乘）：请拆成几项")]
#[case::control_character("revenue\u{7} > 0", "条件", 8, "不可见的控制字符 U+0007")]
fn a_bad_condition_is_refused_with_position_and_reason(
    #[case] condition: &str,
    #[case] part: &str,
    #[case] position: usize,
    #[case] reason: &str,
) {
    let error = Policy::compile(&policy(condition, "1"), &schema()).unwrap_err();
    assert_eq!((error.part.label(), error.position, error.reason.as_str()), (part, position, reason));
    assert_eq!(error.policy, "T1");
}

#[rstest]
#[case::amount_is_a_condition("revenue > 0", 1, "金额应是数字（万元），这里得出的是条件（是/否）")]
#[case::amount_is_text("name", 1, "金额应是数字（万元），这里得出的是文本")]
#[case::amount_never_payable("-5", 1, "金额对每家企业都无法支付：金额为负数（-5）")]
#[case::amount_always_divides_by_zero("1 / 0", 1, "金额对每家企业都无法支付：除数为零")]
#[case::amount_from_unknown_field("min(rd * 0.1, 20)", 5, "未知字段“rd”，最接近的有 id、rd_expense")]
fn an_amount_that_is_not_a_number_is_refused(#[case] amount: &str, #[case] position: usize, #[case] reason: &str) {
    let error = Policy::compile(&policy("revenue > 0", amount), &schema()).unwrap_err();
    assert_eq!((error.part, error.position, error.reason.as_str()), (Part::Amount, position, reason));
    assert_eq!(error.to_string(), format!("策略 T1 的金额，第 {position} 个字符处：{reason}"));
}

#[test]
fn chinese_names_full_width_signs_and_keywords_in_any_case_are_read() {
    let s = schema();
    let b = batch(&s, &[row("35.91", "718.20")]);
    let def = policy("研发费用 / 营业收入 ≥ 0.05 AND industry IN （'电子信息'，'新材料'）", "30");
    assert_eq!(decide_both(&def, &s, &b), vec![Verdict::Paid(300_000)]);
}

// --- exact thresholds ------------------------------------------------------------------

#[rstest]
#[case::exactly_five_percent("35.91", "718.20", true)]
#[case::a_hair_below("35.9099", "718.20", false)]
#[case::a_hair_above("35.9101", "718.20", true)]
#[case::six_percent_exactly("35.91", "598.50", true)]
fn ratios_are_judged_exactly_at_the_threshold(#[case] rd: &str, #[case] revenue: &str, #[case] meets: bool) {
    let s = schema();
    let b = batch(&s, &[row(rd, revenue)]);
    let threshold = if revenue == "598.50" { "0.06" } else { "0.05" };
    let def = policy(&format!("rd_expense / revenue >= {threshold}"), "1");
    let expected = if meets { Verdict::Paid(10_000) } else { Verdict::NotEligible };
    assert_eq!(decide_both(&def, &s, &b), vec![expected]);
}

#[rstest]
#[case::just_below_the_ratio("0.0499999", true)]
#[case::the_ratio_itself("0.05", true)]
#[case::just_above_the_ratio("0.0500001", false)]
fn exactly_five_percent_against_nearby_thresholds(#[case] threshold: &str, #[case] meets: bool) {
    let s = schema();
    let b = batch(&s, &[row("35.91", "718.20")]);
    let def = policy(&format!("rd_expense / revenue >= {threshold}"), "1");
    let expected = if meets { Verdict::Paid(10_000) } else { Verdict::NotEligible };
    assert_eq!(decide_both(&def, &s, &b), vec![expected]);
}

#[rstest]
#[case::half_a_yuan_rounds_up("0.00005", 1)]
#[case::just_below_half_rounds_down("0.000049", 0)]
#[case::a_third_rounds_to_the_yuan("1 / 3", 3333)]
#[case::two_thirds_rounds_up("2 / 3", 6667)]
fn amounts_are_exact_then_rounded_half_up_to_the_yuan(#[case] amount: &str, #[case] scaled: i64) {
    let s = schema();
    let b = batch(&s, &[row("1", "1")]);
    assert_eq!(decide_both(&policy("true", amount), &s, &b), vec![Verdict::Paid(scaled)]);
}

#[test]
fn a_computed_half_yuan_rounds_up_as_on_paper() {
    // 0.15 × 0.001 = 0.00015 万元 = 1.5 yuan: a float gives 0.000149999…
    let s = schema();
    let b = batch(&s, &[row("0.15", "1")]);
    assert_eq!(decide_both(&policy("true", "rd_expense * 0.001"), &s, &b), vec![Verdict::Paid(2)]);
}

#[test]
fn a_negative_amount_is_an_error_for_that_record() {
    let s = schema();
    let b = batch(&s, &[row("10", "1"), row("0", "1")]);
    let verdicts = decide_both(&policy("true", "rd_expense - 5"), &s, &b);
    assert_eq!(verdicts[0], Verdict::Paid(50_000));
    assert_eq!(verdicts[1], Verdict::Error("金额为负数（-5）".into()));
}

// --- missing values and division by zero -------------------------------------------------

/// Each value of the four-state logic, written as a condition on a row whose
/// rd_expense is 1, revenue 0 and revenue_prev empty.
fn state(name: &str) -> &'static str {
    match name {
        "是" => "rd_expense > 0",
        "否" => "rd_expense < 0",
        "缺" => "revenue_prev > 0",
        _ => "rd_expense / revenue > 0",
    }
}

#[rstest]
#[case("是", "and", "是", "是")]
#[case("是", "and", "否", "否")]
#[case("是", "and", "缺", "缺")]
#[case("是", "and", "错", "错")]
#[case("否", "and", "缺", "否")]
#[case("缺", "and", "否", "否")]
#[case("否", "and", "错", "否")]
#[case("错", "and", "否", "否")]
#[case("缺", "and", "缺", "缺")]
#[case("缺", "and", "错", "错")]
#[case("是", "or", "缺", "是")]
#[case("缺", "or", "是", "是")]
#[case("否", "or", "缺", "缺")]
#[case("否", "or", "否", "否")]
#[case("错", "or", "是", "是")]
#[case("否", "or", "错", "错")]
#[case("缺", "or", "错", "错")]
#[case("缺", "not", "", "缺")]
#[case("错", "not", "", "错")]
#[case("否", "not", "", "是")]
fn three_valued_logic_with_errors(#[case] left: &str, #[case] op: &str, #[case] right: &str, #[case] result: &str) {
    let s = schema();
    let mut cells = row("1", "0");
    cells[3] = None;
    let b = batch(&s, &[cells]);
    let condition = if op == "not" {
        format!("not ({})", state(left))
    } else {
        format!("({}) {op} ({})", state(left), state(right))
    };
    let verdict = &decide_both(&policy(&condition, "1"), &s, &b)[0];
    let got = match verdict {
        Verdict::Paid(_) => "是",
        Verdict::NotEligible => "否",
        Verdict::MissingData => "缺",
        Verdict::Error(_) => "错",
    };
    assert_eq!(got, result, "{condition}");
}

#[test]
fn guarded_divisions_never_count_as_errors() {
    let s = schema();
    let rows = vec![row("1", "0"), row("2", "10"), row("0", "0")];
    let b = batch(&s, &rows);
    for condition in [
        "revenue > 0 and rd_expense / revenue >= 0.1",
        "rd_expense / max(revenue, 1) >= 0.1",
        "revenue == 0 or rd_expense / revenue >= 0.1",
        "if revenue > 0 then rd_expense / revenue >= 0.1 else false",
    ] {
        let verdicts = decide_both(&policy(condition, "1"), &s, &b);
        assert!(verdicts.iter().all(|v| !matches!(v, Verdict::Error(_))), "{condition}: {verdicts:?}");
    }
    let unguarded = decide_both(&policy("rd_expense / revenue >= 0.1", "1"), &s, &b);
    assert_eq!(unguarded[0], Verdict::Error("除数为零".into()));
    assert_eq!(unguarded[1], Verdict::Paid(10_000));
}

#[test]
fn an_empty_cell_the_amount_needs_is_missing_data() {
    let s = schema();
    let mut cells = row("1", "10");
    cells[3] = None;
    let b = batch(&s, &[cells]);
    assert_eq!(decide_both(&policy("revenue > 0", "revenue_prev * 0.1"), &s, &b), vec![Verdict::MissingData]);
}

#[test]
fn dates_compare_with_date_literals_and_count_full_years() {
    let s = schema();
    let mut leap = row("1", "1");
    leap[8] = Some("2024-02-29");
    let b = batch(&s, &[row("1", "1"), leap]);
    let def = policy(
        "founded >= date('2020-01-01') and years_between(founded, date('2025-02-28')) >= 1",
        "years_between(founded, date('2025-03-01'))",
    );
    assert_eq!(decide_both(&def, &s, &b), vec![Verdict::Paid(50_000), Verdict::NotEligible]);
}

// --- reading cells -----------------------------------------------------------------------

/// A decimal column is kept in 64-bit mantissas when they fit and in 128 when one does
/// not; either way each cell reads back exactly, at the batch's largest scale.
#[rstest]
#[case::narrow(&["35.91", "-2", "1,234.5"], &[(3591, 2), (-200, 2), (123450, 2)])]
#[case::wide(&["123456789012345678901234", "0.5"], &[(1234567890123456789012340, 1), (5, 1)])]
fn decimals_read_back_exactly_in_narrow_or_wide_mantissas(#[case] cells: &[&str], #[case] exact: &[(i128, u32)]) {
    use super::exact::{Cell, Record};
    let s = schema();
    let rows: Vec<Vec<Option<&str>>> = cells.iter().map(|c| row(c, "1")).collect();
    let batch = batch(&s, &rows);
    for (r, (mantissa, scale)) in exact.iter().enumerate() {
        assert_eq!(Row { batch: &batch, row: r }.cell(1), Cell::Decimal { mantissa: *mantissa, scale: *scale });
    }
}

/// 10^27 beside a cell with twelve decimals would need 39 digits: the cell is refused
/// by its line, not wrapped around.
#[test]
fn a_decimal_too_wide_for_its_column_is_refused_not_wrapped() {
    let s = schema();
    let rows = [row("0.000000000001", "1"), row("1000000000000000000000000000", "1")];
    let columns: Vec<StringArray> =
        (0..s.fields().len()).map(|c| StringArray::from(rows.iter().map(|r| r[c]).collect::<Vec<_>>())).collect();
    let refs: Vec<&StringArray> = columns.iter().collect();
    let Err(errors) = Batch::from_text(&s, &refs, 2) else { panic!("a value that does not fit was read") };
    assert_eq!(errors.total, 1);
    assert_eq!(
        errors.listed[0].to_string(),
        "第3行 rd_expense：“1000000000000000000000000000”与本列其他数的小数位数相差太大，超出可表示的范围"
    );
}

#[test]
fn a_bad_cell_is_named_by_line_column_and_reason() {
    let s = schema();
    let mut bad = row("12,5x", "1");
    bad[2] = Some("0,500");
    bad[4] = Some("3.5");
    bad[5] = Some("2");
    bad[6] = Some("软件");
    bad[8] = Some("2026-13-01");
    let columns: Vec<StringArray> =
        (0..s.fields().len()).map(|c| StringArray::from(vec![row("1", "1")[c], bad[c]])).collect();
    let refs: Vec<&StringArray> = columns.iter().collect();
    let Err(errors) = Batch::from_text(&s, &refs, 2) else { panic!("bad cells were read") };
    assert_eq!(errors.total, 6);
    let shown: Vec<String> = errors.listed.iter().map(ToString::to_string).collect();
    assert_eq!(
        shown,
        vec![
            "第3行 rd_expense：“12,5x”不是数字（千分位逗号的位置不对）",
            "第3行 revenue：“0,500”不是数字（千分位逗号的位置不对）",
            "第3行 employees：“3.5”不是整数",
            "第3行 is_high_tech：“2”不是 0 或 1（也可写 是/否、true/false）",
            "第3行 industry：“软件”不是 industry 的取值（可选：电子信息、新材料、其他）",
            "第3行 founded：“2026-13-01”不是日期（应写成 2026-03-31）",
        ]
    );
}

#[test]
fn explanations_show_each_step_and_agree_with_the_verdict() {
    let s = schema();
    let b = batch(&s, &[row("22.36", "718.20")]);
    let compiled = Policy::compile(&policy("研发费用 / 营业收入 >= 0.05 and is_high_tech", "30"), &s).unwrap();
    let explanation = compiled.explain(&Row { batch: &b, row: 0 });
    assert_eq!(explanation.verdict, Verdict::NotEligible);
    let ratio = &explanation.condition.children[0];
    let parenthesised = Policy::compile(&policy("(revenue - rd_expense) / revenue > 0", "1"), &s).unwrap();
    let steps = parenthesised.explain(&Row { batch: &b, row: 0 });
    assert_eq!(steps.condition.children[0].expr, "(revenue - rd_expense) / revenue");
    assert_eq!(steps.condition.children[0].children[0].expr, "(revenue - rd_expense)");
    // A chain of `and` is one step with its parts, not pairs nested.
    let chain = Policy::compile(&policy("revenue > 0 and rd_expense > 0 and employees >= 10", "1"), &s).unwrap();
    let steps = chain.explain(&Row { batch: &b, row: 0 });
    let parts: Vec<&str> = steps.condition.children.iter().map(|c| c.shown.as_str()).collect();
    assert_eq!(parts, vec!["revenue = 718.2 > 0 → 是", "rd_expense = 22.36 > 0 → 是", "employees = 10 ≥ 10 → 是"]);
    assert_eq!(ratio.shown, "研发费用 / 营业收入 = 0.031133389… ≥ 0.05 → 否");
    assert_eq!(explanation.condition.value, serde_json::Value::Bool(false));
}

// --- the two evaluators agree: a property test -------------------------------------------

fn number_cell() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        1 => Just(None),
        2 => Just(Some("0".to_string())),
        2 => prop::sample::select(vec!["0.1", "0.2", "0.3", "0.05", "1", "3", "10", "-0.1", "718.20", "35.91", "0.00005"])
            .prop_map(|s| Some(s.to_string())),
        3 => (-2000i64..2000, 0u32..4).prop_map(|(m, s)| Some(fengkou_text(m, s))),
    ]
}

fn fengkou_text(mantissa: i64, scale: u32) -> String {
    let m = mantissa.unsigned_abs().to_string();
    let s = scale as usize;
    let padded = if m.len() <= s { format!("{}{m}", "0".repeat(s + 1 - m.len())) } else { m };
    let (whole, fraction) = padded.split_at(padded.len() - s);
    let sign = if mantissa < 0 { "-" } else { "" };
    if s == 0 { format!("{sign}{whole}") } else { format!("{sign}{whole}.{fraction}") }
}

fn int_cell() -> impl Strategy<Value = Option<String>> {
    prop_oneof![1 => Just(None), 2 => Just(Some("0".into())), 4 => (-20i64..50).prop_map(|v| Some(v.to_string()))]
}

fn num_expr(depth: u32) -> BoxedStrategy<String> {
    let leaf = prop_oneof![
        prop::sample::select(vec!["a", "b", "m", "n"]).prop_map(str::to_string),
        prop::sample::select(vec!["0", "1", "3", "0.1", "0.3", "0.05", "10", "0.00005", "2.5"])
            .prop_map(str::to_string),
    ];
    if depth == 0 {
        return leaf.boxed();
    }
    let sub = num_expr(depth - 1);
    prop_oneof![
        2 => leaf,
        3 => (sub.clone(), prop::sample::select(vec!["+", "-", "*", "/"]), sub.clone()).prop_map(|(a, op, b)| format!("({a} {op} {b})")),
        1 => (sub.clone(), sub.clone()).prop_map(|(a, b)| format!("min({a}, {b})")),
        1 => (sub.clone(), sub.clone(), sub.clone()).prop_map(|(a, b, c)| format!("max({a}, {b}, {c})")),
        1 => sub.clone().prop_map(|a| format!("abs({a})")),
        1 => sub.clone().prop_map(|a| format!("-{a}")),
        1 => (sub.clone(), 0u32..3).prop_map(|(a, k)| format!("round({a}, {k})")),
        1 => (bool_expr(depth - 1), sub.clone(), sub).prop_map(|(c, a, b)| format!("(if {c} then {a} else {b})")),
    ]
    .boxed()
}

fn bool_expr(depth: u32) -> BoxedStrategy<String> {
    let cmp =
        (num_expr(depth.min(2)), prop::sample::select(vec!["==", "!=", "<", "<=", ">", ">="]), num_expr(depth.min(2)))
            .prop_map(|(a, op, b)| format!("{a} {op} {b}"));
    let leaf = prop_oneof![
        3 => cmp,
        1 => Just("g".to_string()),
        1 => Just("g == 0".to_string()),
        1 => prop::sample::select(vec!["k in ('x', 'y')", "k not in ('z')", "k == 'y'", "k != 'x'", "t == 'p'"]).prop_map(str::to_string),
        1 => prop::sample::select(vec!["true", "false"]).prop_map(str::to_string),
        1 => prop::sample::select(vec!["known(a)", "known(m)", "not known(b)", "known(g)", "known(k)"]).prop_map(str::to_string),
    ];
    if depth == 0 {
        return leaf.boxed();
    }
    let sub = bool_expr(depth - 1);
    prop_oneof![
        2 => leaf,
        2 => (sub.clone(), prop::sample::select(vec!["and", "or"]), sub.clone()).prop_map(|(a, op, b)| format!("({a} {op} {b})")),
        1 => sub.clone().prop_map(|a| format!("not ({a})")),
        1 => (sub.clone(), sub.clone(), sub).prop_map(|(c, a, b)| format!("(if {c} then {a} else {b})")),
    ]
    .boxed()
}

fn prop_schema() -> Schema {
    Schema::new(vec![
        field("a", FieldType::Float),
        field("b", FieldType::Float),
        field("m", FieldType::Int),
        field("n", FieldType::Int),
        field("g", FieldType::Flag),
        Field { values: vec!["x".into(), "y".into(), "z".into()], ..field("k", FieldType::Enum) },
        field("t", FieldType::Text),
    ])
    .unwrap()
}

type PropRow = (Option<String>, Option<String>, Option<String>, Option<String>, Option<bool>, Option<u8>, Option<bool>);

fn prop_row() -> impl Strategy<Value = PropRow> {
    (
        number_cell(),
        number_cell(),
        int_cell(),
        int_cell(),
        prop::option::weighted(0.8, any::<bool>()),
        prop::option::weighted(0.8, 0u8..3),
        prop::option::weighted(0.8, any::<bool>()),
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn columnar_evaluation_and_one_record_explanation_agree(
        condition in bool_expr(3),
        amount in num_expr(3),
        rows in prop::collection::vec(prop_row(), 1..150),
    ) {
        let s = prop_schema();
        let text: Vec<Vec<Option<String>>> = rows
            .iter()
            .map(|(a, b, m, n, g, k, t)| vec![
                a.clone(),
                b.clone(),
                m.clone(),
                n.clone(),
                g.map(|g| if g { "1" } else { "0" }.to_string()),
                k.map(|k| ["x", "y", "z"][k as usize].to_string()),
                t.map(|t| if t { "p" } else { "q" }.to_string()),
            ])
            .collect();
        let columns: Vec<StringArray> = (0..7)
            .map(|c| StringArray::from(text.iter().map(|r| r[c].clone()).collect::<Vec<_>>()))
            .collect();
        let refs: Vec<&StringArray> = columns.iter().collect();
        let b = Batch::from_text(&s, &refs, 2).unwrap();
        let def = PolicyDef { id: "P".into(), name: String::new(), condition, amount };
        // A constant amount that can never be paid is refused when compiled; only that.
        if let Err(refused) = Policy::compile(&def, &s) {
            prop_assert!(refused.reason.starts_with("金额对每家企业都无法支付"), "{refused}");
            return Ok(());
        }
        // decide_both asserts that the two evaluators agree on every row; the
        // explanation's verdict is the exact one.
        let verdicts = decide_both(&def, &s, &b);
        let compiled = Policy::compile(&def, &s).unwrap();
        for (row, verdict) in verdicts.iter().enumerate() {
            prop_assert_eq!(&compiled.explain(&Row { batch: &b, row }).verdict, verdict);
        }
    }
}
