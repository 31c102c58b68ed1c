//! The enterprise side's vocabulary: the yearly indicators (DOMAIN.md §11 and more),
//! each with its English name, its Chinese label, the other headers departments write
//! for it, its kind and unit; and the tiers of the cultivation ladder (梯度培育).
//!
//! The same names are CSV headers, Excel headers, rule fields and API keys, so a rule
//! written against `rd_expense` reads the column a tax sheet calls “研发费用（万元）”.

use crate::code::coded_enum;
use crate::policy::columns::{Column, LISTED_CELL_ERRORS};
use crate::policy::{BadCells, Batch, CellError, Field, FieldType, Schema};
use chrono::Datelike as _;

/// What kind of value an indicator holds, and so how a cell is read and checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// 万元, exact decimal, never negative.
    Money,
    /// 万元 that may be negative (profit).
    SignedMoney,
    /// A whole count (people, items), never negative.
    Count,
    /// 0/1 (是/否); an empty flag counts as 0 in the ladder's rules.
    Flag,
    /// A share in per cent, 0–100.
    Percent,
    /// A score (0–100).
    Score,
    Date,
}

impl Kind {
    pub fn field_type(self) -> FieldType {
        match self {
            Kind::Money | Kind::SignedMoney | Kind::Percent | Kind::Score => FieldType::Float,
            Kind::Count => FieldType::Int,
            Kind::Flag => FieldType::Flag,
            Kind::Date => FieldType::Date,
        }
    }

    pub fn unit(self) -> &'static str {
        match self {
            Kind::Money | Kind::SignedMoney => "万元",
            Kind::Count => "",
            Kind::Flag => "",
            Kind::Percent => "%",
            Kind::Score => "分",
            Kind::Date => "",
        }
    }
}

/// One indicator of the vocabulary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Indicator {
    pub name: &'static str,
    pub label: &'static str,
    /// Other headers that mean this indicator (after [`header_key`]).
    pub synonyms: &'static [&'static str],
    pub kind: Kind,
    /// Where the value usually comes from (税务, 统计, 科技 …): a hint for the import page.
    pub usual_source: &'static str,
}

macro_rules! indicators {
    ($( $name:literal, $label:literal, $kind:ident, $source:literal, [$($syn:literal),*]; )+) => {
        /// Every yearly indicator, in the order pages and exports show them.
        pub const INDICATORS: &[Indicator] = &[
            $( Indicator { name: $name, label: $label, synonyms: &[$($syn),*], kind: Kind::$kind, usual_source: $source }, )+
        ];
    };
}

indicators! {
    "employees", "职工总数", Count, "统计", ["从业人员", "从业人员数", "职工人数", "员工总数", "年末从业人员", "从业人员期末人数", "从业人员平均人数"];
    "tech_staff", "科技人员数", Count, "科技", ["科技人员", "科技人员总数"];
    "rd_staff", "研发人员数", Count, "统计", ["研发人员", "R&D人员"];
    "revenue", "销售收入", Money, "税务", ["营业收入", "主营业务收入", "销售收入总额"];
    "revenue_prev", "上年销售收入", Money, "税务", ["上年营业收入", "上年主营业务收入"];
    "total_income", "总收入", Money, "税务", ["收入总额", "企业总收入"];
    "total_assets", "资产总额", Money, "统计", ["总资产", "资产总计"];
    "total_cost", "成本费用总额", Money, "税务", ["成本费用", "成本费用合计"];
    "rd_expense", "研发费用", Money, "税务", ["研发投入", "研究开发费用", "R&D经费", "研发费用总额", "研究开发费用合计", "研发费用合计"];
    "rd_expense_prev", "上年研发费用", Money, "税务", ["上年研发投入", "上年研究开发费用"];
    "rd_expense_domestic", "境内研发费用", Money, "税务", ["境内研究开发费用"];
    "high_tech_income", "高新技术产品收入", Money, "科技", ["高新技术产品（服务）收入", "高品收入"];
    "profit", "利润总额", SignedMoney, "税务", ["利润", "净利润"];
    "tax_paid", "纳税总额", Money, "税务", ["实缴税金", "纳税额", "税收"];
    "tech_contract_turnover", "技术合同成交额", Money, "科技", ["技术合同交易额"];
    "ip_class1", "I类知识产权数", Count, "市场监管", ["一类知识产权", "Ⅰ类知识产权数", "发明专利数"];
    "ip_class2", "II类知识产权数", Count, "市场监管", ["二类知识产权", "Ⅱ类知识产权数"];
    "programmes", "承担科技项目数", Count, "科技", ["科技项目数", "承担项目数"];
    "innovation_score", "高企创新能力评价得分", Score, "科技", ["创新能力评价得分", "创新能力得分"];
    "equity_financing_3y", "近三年新增股权融资", Money, "科技", ["股权融资"];
    "rd_expense_3y", "近三年研发费用", Money, "税务", ["近三年研发费用合计"];
    "revenue_3y", "近三年销售收入", Money, "税务", ["近三年销售收入合计"];
    "capacity_utilisation", "产能利用率", Percent, "统计", [];
    "violation", "重大安全质量事故、严重环境违法或严重失信", Flag, "市场监管", ["严重失信", "违法失信"];
    "is_high_tech", "有效期内高新技术企业", Flag, "科技", ["高新技术企业"];
    "national_award", "近五年国家级科技奖励", Flag, "科技", ["国家级科技奖励"];
    "provincial_rd_institution", "省部级以上研发机构", Flag, "科技", ["省级研发机构"];
    "led_standard", "近五年主导制定国际、国家或行业标准", Flag, "市场监管", ["主导制定标准"];
    "high_tech_field", "主要产品属于国家重点支持的高新技术领域", Flag, "科技", ["高新技术领域"];
    "rd_activity", "有研发活动", Flag, "统计", ["开展研发活动", "有无研发活动", "是否有研发活动"];
}

/// The registry's own columns, which are not yearly indicators.
pub const USCC: (&str, &str) = ("uscc", "统一社会信用代码");
pub const NAME: (&str, &str) = ("name", "企业名称");
pub const REGISTERED_ON: (&str, &str) = ("registered_on", "成立日期");
/// The date the ladder assesses on; filled in by the assessment, never read from data.
pub const ASSESSMENT_DATE: (&str, &str) = ("assessment_date", "评估日期");

/// A header as people write it, reduced for matching: spaces gone, full-width brackets
/// half-width, a trailing unit in brackets dropped ("研发费用（万元）" → "研发费用").
pub fn header_key(header: &str) -> String {
    let mut text: String = header
        .trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}')
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '（' => '(',
            '）' => ')',
            '：' => ':',
            other => other,
        })
        .collect();
    // "其中：境内研发费用" is a sub-column of the one before it: the name is what follows.
    if let Some(rest) = text.strip_prefix("其中:") {
        text = rest.to_string();
    }
    if text.ends_with(')')
        && let Some(open) = text.rfind('(')
    {
        let inside = &text[open + 1..text.len() - 1];
        if matches!(inside, "万元" | "人" | "个" | "项" | "%" | "分" | "是/否" | "0/1" | "件" | "元" | "千元" | "亿元")
        {
            text.truncate(open);
        }
    }
    text.to_lowercase()
}

/// The unit a header writes in parentheses at its end ("营业收入（元）" → "元"), if any.
pub fn header_unit(header: &str) -> Option<String> {
    let text: String = header.trim().chars().filter(|c| !c.is_whitespace()).collect();
    let text = text.replace('（', "(").replace('）', ")");
    let inner = text.strip_suffix(')')?;
    let open = inner.rfind('(')?;
    Some(inner[open + 1..].to_string())
}

/// How a column's values are brought to the indicator's own unit: the power of ten to
/// multiply by (营业收入（元） → −4: 12,345,678 元 is 1,234.5678 万元), or why the
/// header's unit cannot be this indicator's ("研发人员（万元）"). A header without a
/// unit, or with a unit that is not one (“（含税）”), is read in the indicator's unit.
pub fn unit_scale(indicator: &Indicator, unit: Option<&str>) -> Result<i32, String> {
    let Some(unit) = unit else { return Ok(0) };
    let money = matches!(indicator.kind, Kind::Money | Kind::SignedMoney);
    let mismatch = || Err(format!("单位“{unit}”不是{}的单位（{}）", indicator.label, unit_of(indicator)));
    match unit {
        "元" if money => Ok(-4),
        "千元" if money => Ok(-1),
        "万元" if money => Ok(0),
        "亿元" if money => Ok(4),
        "元" | "千元" | "万元" | "亿元" => mismatch(),
        "人" | "个" | "项" | "件" if indicator.kind == Kind::Count => Ok(0),
        "人" | "个" | "项" | "件" => mismatch(),
        "%" if indicator.kind == Kind::Percent => Ok(0),
        "%" => mismatch(),
        "分" if indicator.kind == Kind::Score => Ok(0),
        "分" => mismatch(),
        _ => Ok(0),
    }
}

fn unit_of(indicator: &Indicator) -> &'static str {
    match indicator.kind {
        Kind::Count => "人、个、项或件",
        Kind::Flag => "是/否",
        Kind::Date => "日期",
        other => other.unit(),
    }
}

/// The indicator a header names: its English name, its label or a synonym.
pub fn indicator_for_header(header: &str) -> Option<&'static Indicator> {
    let key = header_key(header);
    INDICATORS
        .iter()
        .find(|i| i.name == key || header_key(i.label) == key || i.synonyms.iter().any(|s| header_key(s) == key))
}

/// The ladder schema's field a header names: an indicator, or the registry's code, name
/// and registration date by their names, labels or usual synonyms.
pub fn field_for_header(header: &str) -> Option<&'static str> {
    if let Some(found) = indicator_for_header(header) {
        return Some(found.name);
    }
    let key = header_key(header);
    let is = |names: &[&str]| names.iter().any(|n| header_key(n) == key);
    // Tax sheets write the code under the taxpayer's number ("纳税人识别号（统一社会信用代码）").
    if is(&[USCC.0, USCC.1, "社会信用代码", "信用代码", "统一代码", "纳税人识别号"])
        || key.contains("统一社会信用代码")
        || key.starts_with("纳税人识别号")
    {
        Some(USCC.0)
    } else if is(&[NAME.0, NAME.1, "单位名称", "企业全称", "名称", "纳税人名称", "单位详细名称", "企业(单位)名称"])
    {
        Some(NAME.0)
    } else if is(&[REGISTERED_ON.0, REGISTERED_ON.1, "注册日期", "成立时间", "注册时间"]) {
        Some(REGISTERED_ON.0)
    } else {
        None
    }
}

pub fn indicator(name: &str) -> Option<&'static Indicator> {
    INDICATORS.iter().find(|i| i.name == name)
}

/// The schema the ladder's rules are written against: the registry's columns, every
/// indicator, and the assessment date.
pub fn ladder_schema() -> Schema {
    let mut fields = vec![
        Field { name: USCC.0.into(), ty: FieldType::Text, values: Vec::new(), label: Some(USCC.1.into()) },
        Field { name: NAME.0.into(), ty: FieldType::Text, values: Vec::new(), label: Some(NAME.1.into()) },
        Field {
            name: REGISTERED_ON.0.into(),
            ty: FieldType::Date,
            values: Vec::new(),
            label: Some(REGISTERED_ON.1.into()),
        },
    ];
    fields.extend(INDICATORS.iter().map(|i| Field {
        name: i.name.into(),
        ty: i.kind.field_type(),
        values: Vec::new(),
        label: Some(i.label.into()),
    }));
    fields.push(Field {
        name: ASSESSMENT_DATE.0.into(),
        ty: FieldType::Date,
        values: Vec::new(),
        label: Some(ASSESSMENT_DATE.1.into()),
    });
    Schema::new(fields).expect("the vocabulary is a valid schema")
}

/// Checks a value already read as a number against its indicator's kind: the sign and,
/// for a share, the range. The reason is in Chinese, for "第N行 列名：原因".
pub fn check_value(indicator: &Indicator, value: f64) -> Result<(), String> {
    match indicator.kind {
        Kind::SignedMoney | Kind::Date | Kind::Flag => Ok(()),
        _ if value < 0.0 => Err("不能为负数".into()),
        Kind::Percent if value > 100.0 => Err(format!("比例不能超过 100%（这里是 {value}%）")),
        Kind::Score if value > 100.0 => Err(format!("得分不能超过 100 分（这里是 {value}）")),
        _ => Ok(()),
    }
}

/// The cells of a typed batch that break their indicator's kind (a negative count, a
/// share over 100 %), as "第N行 列名：原因".
pub fn check_batch(schema: &Schema, batch: &Batch) -> BadCells {
    let mut bad = BadCells::default();
    for (field, column) in schema.fields().iter().zip(&batch.columns) {
        let Some(indicator) = indicator(&field.name) else { continue };
        let mut note = |row: usize, reason: String| {
            bad.total += 1;
            if bad.listed.len() < LISTED_CELL_ERRORS {
                bad.listed.push(CellError {
                    line: batch.first_line + row,
                    column: field.label.clone().unwrap_or_else(|| field.name.clone()),
                    reason,
                });
            }
        };
        match column {
            Column::Int(values) => {
                for (row, value) in values.iter().enumerate() {
                    if let Some(Err(why)) = value.map(|v| check_value(indicator, v as f64)) {
                        note(row, why);
                    }
                }
            }
            Column::Decimal { exact, scale, approx } => {
                for row in 0..arrow_array::Array::len(approx) {
                    // The exact value decides (a share of 100.0000001 % is over 100).
                    if arrow_array::Array::is_valid(approx, row)
                        && let Err(why) = check_exact(indicator, exact.value(row), *scale)
                    {
                        note(row, why);
                    }
                }
            }
            _ => {}
        }
    }
    bad
}

/// Reads a value as a department's sheet or a form writes it ("1,234.5", "是", "30%"
/// for a share) and checks it against the indicator's kind. The value comes back as
/// canonical decimal text ("1234.5", "1", "30"), exactly as written, for storage.
pub fn parse_value(indicator: &Indicator, text: &str) -> Result<String, String> {
    let text = text.trim();
    let text = text.strip_suffix('%').filter(|_| indicator.kind == Kind::Percent).unwrap_or(text).trim();
    match indicator.kind {
        Kind::Flag => match text {
            "1" | "是" | "有" | "true" | "TRUE" | "True" | "Y" | "y" => Ok("1".into()),
            "0" | "否" | "无" | "false" | "FALSE" | "False" | "N" | "n" => Ok("0".into()),
            other => Err(format!("{}不是 是/否（或 1/0）", crate::policy::columns::quote(other))),
        },
        Kind::Date => Err("日期不是年度指标".into()),
        _ => {
            let (mantissa, scale) = crate::policy::columns::parse_decimal(text)?;
            if indicator.kind == Kind::Count && scale > 0 && mantissa % 10i128.pow(scale) != 0 {
                return Err(format!("{}应是整数", crate::policy::columns::quote(text)));
            }
            check_exact(indicator, mantissa, scale)?;
            let shown = crate::policy::exact::fixed(&num_bigint::BigInt::from(mantissa), scale);
            let shown =
                if shown.contains('.') { shown.trim_end_matches('0').trim_end_matches('.').to_string() } else { shown };
            Ok(if shown == "-0" { "0".into() } else { shown })
        }
    }
}

/// The largest magnitude a yearly figure may have (a trillion: 万元 of revenue, people,
/// patents). Larger is a slip (a unit, digits pasted twice), and sums of such values
/// would overflow the exact arithmetic that rules and totals rely on.
pub const MAX_VALUE: i64 = 1_000_000_000_000;

fn check_exact(indicator: &Indicator, mantissa: i128, scale: u32) -> Result<(), String> {
    let hundred = 100i128.checked_mul(10i128.pow(scale)).unwrap_or(i128::MAX);
    let largest = i128::from(MAX_VALUE).checked_mul(10i128.pow(scale)).unwrap_or(i128::MAX);
    let shown = || crate::policy::exact::fixed(&num_bigint::BigInt::from(mantissa), scale);
    if mantissa.unsigned_abs() > largest.unsigned_abs() {
        return Err(format!("数值过大（{}），超过一万亿；请核对单位和位数", shown()));
    }
    match indicator.kind {
        Kind::SignedMoney | Kind::Date | Kind::Flag => Ok(()),
        _ if mantissa < 0 => Err(format!("不能为负数（这里是 {}）", shown())),
        Kind::Percent if mantissa > hundred => Err(format!("比例不能超过 100%（这里是 {}%）", shown())),
        Kind::Score if mantissa > hundred => Err(format!("得分不能超过 100 分（这里是 {}）", shown())),
        _ => Ok(()),
    }
}

coded_enum! {
    /// A rung of the ladder, or another recognised status (规上).
    Tier, "tier" {
        TechSme = "tech_sme" / "科技型中小企业",
        InnovativeSme = "innovative_sme" / "创新型中小企业",
        HighTech = "high_tech" / "高新技术企业",
        Specialised = "specialised" / "专精特新中小企业",
        LittleGiant = "little_giant" / "专精特新“小巨人”",
        Champion = "champion" / "单项冠军",
        AboveScale = "above_scale" / "规上工业企业",
    }
}

impl Tier {
    /// The tier a sheet's text names ("高企", "小巨人", "专精特新小巨人" …).
    pub fn from_text(text: &str) -> Option<Tier> {
        let key: String = text.chars().filter(|c| !c.is_whitespace() && !"“”\"'「」".contains(*c)).collect();
        Tier::from_code(&key).or_else(|| {
            Some(match key.as_str() {
                "科技型中小企业" | "科小" | "科技型中小" => Tier::TechSme,
                "创新型中小企业" | "创新型" => Tier::InnovativeSme,
                "高新技术企业" | "高企" | "国家高新技术企业" => Tier::HighTech,
                "专精特新中小企业" | "专精特新" | "省级专精特新" => Tier::Specialised,
                "专精特新小巨人" | "小巨人" | "专精特新“小巨人”企业" | "国家级专精特新小巨人" => {
                    Tier::LittleGiant
                }
                "单项冠军" | "制造业单项冠军" | "隐形冠军" => Tier::Champion,
                "规上工业企业" | "规上" | "规模以上工业企业" => Tier::AboveScale,
                _ => return None,
            })
        })
    }

    /// The tier's name in English (charts in English pages).
    pub fn english(self) -> &'static str {
        match self {
            Tier::TechSme => "Tech-based SME",
            Tier::InnovativeSme => "Innovative SME",
            Tier::HighTech => "High-tech enterprise",
            Tier::Specialised => "Specialised SME",
            Tier::LittleGiant => "Little giant",
            Tier::Champion => "Single champion",
            Tier::AboveScale => "Above-scale industrial",
        }
    }

    /// How long a recognition lasts when the certificate does not say: 高企, 专精特新,
    /// 小巨人, 单项冠军 and 创新型 three years, 科小 one (evaluated yearly); 规上 has no end.
    pub fn default_years(self) -> Option<i32> {
        match self {
            Tier::TechSme => Some(1),
            Tier::AboveScale => None,
            _ => Some(3),
        }
    }

    /// The last day of a recognition given on `from` (the day before its anniversary).
    pub fn default_valid_until(self, from: chrono::NaiveDate) -> Option<chrono::NaiveDate> {
        let years = self.default_years()?;
        let end = from.with_year(chrono::Datelike::year(&from) + years).or_else(|| {
            // 29 February: the anniversary is 1 March.
            chrono::NaiveDate::from_ymd_opt(chrono::Datelike::year(&from) + years, 3, 1)
        })?;
        end.pred_opt()
    }

    /// The rung above this one on the ladder (规上 stands beside it).
    pub fn next(self) -> Option<Tier> {
        match self {
            Tier::TechSme => Some(Tier::InnovativeSme),
            Tier::InnovativeSme => Some(Tier::HighTech),
            Tier::HighTech => Some(Tier::Specialised),
            Tier::Specialised => Some(Tier::LittleGiant),
            Tier::LittleGiant => Some(Tier::Champion),
            Tier::Champion | Tier::AboveScale => None,
        }
    }
}

coded_enum! {
    /// The department a value came from.
    Source, "indicator_source" {
        Tax = "tax" / "税务",
        Market = "market" / "市场监管",
        Statistics = "statistics" / "统计",
        Science = "science" / "科技",
        Industry = "industry" / "工信",
        Finance = "finance" / "财政",
        Firm = "firm" / "企业填报",
        Bureau = "bureau" / "科技局核定",
    }
}

impl Source {
    pub fn from_text(text: &str) -> Option<Source> {
        let key = text.trim();
        Source::from_code(key).or_else(|| {
            Source::ALL.iter().copied().find(|s| s.label() == key).or(match key {
                "税务局" => Some(Source::Tax),
                "市场监管局" | "市监" => Some(Source::Market),
                "统计局" => Some(Source::Statistics),
                "科技局" | "科工局" => Some(Source::Science),
                "工信局" | "工业和信息化局" => Some(Source::Industry),
                "财政局" => Some(Source::Finance),
                _ => None,
            })
        })
    }
}

use crate::code::Coded;

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case("rd_expense", "rd_expense")]
    #[case("研发费用", "rd_expense")]
    #[case("研发费用（万元）", "rd_expense")]
    #[case(" 研发费用 (万元) ", "rd_expense")]
    #[case("营业收入", "revenue")]
    #[case("从业人员", "employees")]
    #[case("Ⅰ类知识产权数", "ip_class1")]
    #[case("RD_EXPENSE", "rd_expense")]
    #[case("其中：境内研发费用（万元）", "rd_expense_domestic")]
    #[case("研究开发费用合计", "rd_expense")]
    #[case("从业人员期末人数", "employees")]
    fn headers_find_their_indicator(#[case] header: &str, #[case] name: &str) {
        assert_eq!(indicator_for_header(header).map(|i| i.name), Some(name));
    }

    /// A header's unit brings its values to the indicator's: money in 元, 千元 or 亿元
    /// is scaled to 万元; a unit of another kind is refused with the reason.
    #[rstest]
    #[case("营业收入（元）", Ok(-4))]
    #[case("营业收入(千元)", Ok(-1))]
    #[case("营业收入（万元）", Ok(0))]
    #[case("营业收入（亿元）", Ok(4))]
    #[case("营业收入", Ok(0))]
    #[case("从业人员（人）", Ok(0))]
    #[case("从业人员（万元）", Err("单位“万元”不是职工总数的单位（人、个、项或件）"))]
    #[case("研发费用（人）", Err("单位“人”不是研发费用的单位（万元）"))]
    #[case("从业人员（%）", Err("单位“%”不是职工总数的单位（人、个、项或件）"))]
    fn a_headers_unit_scales_or_is_refused(#[case] header: &str, #[case] expected: Result<i32, &str>) {
        let indicator = indicator_for_header(header).expect("a known indicator");
        let unit = header_unit(header);
        assert_eq!(unit_scale(indicator, unit.as_deref()), expected.map_err(str::to_string), "{header}");
    }

    #[test]
    fn tax_sheets_name_the_code_and_the_firm_their_own_way() {
        assert_eq!(field_for_header("纳税人识别号（统一社会信用代码）"), Some("uscc"));
        assert_eq!(field_for_header("纳税人识别号"), Some("uscc"));
        assert_eq!(field_for_header("纳税人名称"), Some("name"));
        assert_eq!(field_for_header("有无研发活动"), Some("rd_activity"));
    }

    #[test]
    fn unknown_headers_find_nothing() {
        assert_eq!(indicator_for_header("备注"), None);
        assert_eq!(indicator_for_header("研发费用占比"), None);
    }

    #[test]
    fn every_header_names_one_indicator() {
        let mut seen = std::collections::HashMap::new();
        for i in INDICATORS {
            for key in std::iter::once(i.name.to_string())
                .chain(std::iter::once(header_key(i.label)))
                .chain(i.synonyms.iter().map(|s| header_key(s)))
            {
                if let Some(other) = seen.insert(key.clone(), i.name) {
                    assert_eq!(other, i.name, "“{key}” names both {other} and {}", i.name);
                }
            }
        }
    }

    #[rstest]
    #[case("高企", Some(Tier::HighTech))]
    #[case("专精特新“小巨人”", Some(Tier::LittleGiant))]
    #[case("小巨人", Some(Tier::LittleGiant))]
    #[case("科小", Some(Tier::TechSme))]
    #[case("规上", Some(Tier::AboveScale))]
    #[case("高新", None)]
    fn tiers_read_as_sheets_write_them(#[case] text: &str, #[case] tier: Option<Tier>) {
        assert_eq!(Tier::from_text(text), tier);
    }

    #[test]
    fn a_recognition_lasts_its_years_to_the_day_before_the_anniversary() {
        let day = |y, m, d| chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(Tier::HighTech.default_valid_until(day(2024, 12, 1)), Some(day(2027, 11, 30)));
        assert_eq!(Tier::HighTech.default_valid_until(day(2024, 2, 29)), Some(day(2027, 2, 28)));
        assert_eq!(Tier::TechSme.default_valid_until(day(2026, 5, 1)), Some(day(2027, 4, 30)));
        assert_eq!(Tier::AboveScale.default_valid_until(day(2026, 5, 1)), None);
    }

    #[test]
    fn values_are_checked_by_kind() {
        let staff = indicator("employees").unwrap();
        assert!(check_value(staff, -1.0).is_err());
        assert!(check_value(indicator("profit").unwrap(), -5.0).is_ok());
        assert!(check_value(indicator("capacity_utilisation").unwrap(), 100.5).is_err());
        assert!(check_value(indicator("capacity_utilisation").unwrap(), 100.0).is_ok());
    }

    #[rstest]
    #[case("revenue", "1,234.50", Ok("1234.5"))]
    #[case("revenue", " 3000 ", Ok("3000"))]
    #[case("revenue", "-5", Err("不能为负数（这里是 -5）"))]
    #[case("revenue", "abc", Err("“abc”不是数字"))]
    #[case("profit", "-12.5", Ok("-12.5"))]
    #[case("employees", "12.0", Ok("12"))]
    #[case("employees", "12.5", Err("“12.5”应是整数"))]
    #[case("capacity_utilisation", "85%", Ok("85"))]
    #[case("capacity_utilisation", "120", Err("比例不能超过 100%（这里是 120%）"))]
    #[case("violation", "是", Ok("1"))]
    #[case("violation", "2", Err("“2”不是 是/否（或 1/0）"))]
    #[case("revenue", "1000000000000", Ok("1000000000000"))]
    #[case("revenue", "1000000000000.01", Err("数值过大（1000000000000.01），超过一万亿；请核对单位和位数"))]
    #[case(
        "profit",
        "-79228162514264337593543950335",
        Err("数值过大（-79228162514264337593543950335），超过一万亿；请核对单位和位数")
    )]
    fn values_are_read_as_sheets_write_them(
        #[case] name: &str,
        #[case] text: &str,
        #[case] expected: Result<&str, &str>,
    ) {
        let got = parse_value(indicator(name).unwrap(), text);
        assert_eq!(got.as_deref().map_err(String::as_str), expected);
    }

    #[test]
    fn the_ladder_schema_holds_the_vocabulary() {
        let schema = ladder_schema();
        assert!(schema.find("研发费用").is_some());
        assert!(schema.find("assessment_date").is_some());
        assert_eq!(schema.fields().len(), INDICATORS.len() + 4);
    }
}
