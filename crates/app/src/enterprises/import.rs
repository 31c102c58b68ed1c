//! A department's enterprise sheet, all or nothing: the header found by text (the
//! vocabulary's English names, Chinese labels and synonyms, units in brackets), rows
//! merged by 统一社会信用代码, every bad cell "第N行 列名：原因" and then nothing written;
//! a firm fengkou does not know is created only when asked (`--create`, a checkbox);
//! a value that differs from another department's for the same year is written and
//! reported as a conflict for the bureau to choose.

use super::values::read_value;
use super::{EnterpriseError, Enterprises, split_tags};
use crate::{Actor, AppError, Result};
use chrono::{Datelike, NaiveDate};
use fengkou_domain::enterprise::{
    self, Indicator, Source, Tier, field_for_header, header_key, header_unit, indicator_for_header, unit_scale,
};
use fengkou_domain::uscc::Uscc;
use fengkou_domain::{Coded, parse_ledger_date};
use fengkou_office::sheets::{Cell, read_table};
use fengkou_storage::entity::{enterprise as firm_table, enterprise_tier, indicator_value, industry, office};
use rust_decimal::Decimal;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde::Serialize;
use std::collections::HashMap;

/// Rows per upload through the web; the command line takes the ledger's bound.
pub const MAX_WEB_ROWS: usize = 30_000;

/// The actor the command line imports as (the bureau's rights, named "cli").
pub fn cli_bureau_actor() -> Actor {
    Actor { user_id: 0, username: "cli".into(), role: fengkou_domain::Role::TechBureau, office_id: None }
}

#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    pub source: Option<Source>,
    pub year: Option<i32>,
    /// Create the firms the registry does not know.
    pub create: bool,
    pub dry_run: bool,
    pub max_rows: Option<usize>,
}

/// What an import did (or, in a dry run, would do).
#[derive(Debug, Clone, Default, Serialize)]
pub struct EnterpriseImport {
    pub dry_run: bool,
    pub sheet: String,
    pub source: String,
    pub rows: usize,
    pub created: Vec<String>,
    pub updated: usize,
    pub values_added: usize,
    pub values_changed: usize,
    pub values_unchanged: usize,
    pub tiers_added: usize,
    /// "甲公司 2025 年研发费用：税务 120 与 统计 118 不一致，待科技局核定"
    pub conflicts: Vec<String>,
    /// Firms imported without a 办事处 (未分配办事处).
    pub unassigned: Vec<String>,
    /// Headers that mean nothing to fengkou (kept out of the data).
    pub ignored_columns: Vec<String>,
    /// How each understood column was read ("研发费用（万元） → 研发费用").
    pub columns: Vec<String>,
}

impl EnterpriseImport {
    pub fn summary_line(&self) -> String {
        format!(
            "{} 行；新建企业 {} 家，更新 {} 家；指标新增 {} 项、修改 {} 项、未变 {} 项；认定 {} 条；来源不一致 {} 处；未分配办事处 {} 家",
            self.rows,
            self.created.len(),
            self.updated,
            self.values_added,
            self.values_changed,
            self.values_unchanged,
            self.tiers_added,
            self.conflicts.len(),
            self.unassigned.len()
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Column {
    Uscc,
    Name,
    RegisteredOn,
    Office,
    Industry,
    Address,
    Contact,
    Phone,
    Liaison,
    Tags,
    Year,
    AsOf,
    Source,
    Tier,
    TierOn,
    TierUntil,
    Certificate,
    Indicator(&'static Indicator),
    Ignored,
}

/// A value times 10^power, exactly (元 → 万元 is power −4).
fn scaled(value: rust_decimal::Decimal, power: i32) -> Option<rust_decimal::Decimal> {
    let step = rust_decimal::Decimal::from(10i64.pow(power.unsigned_abs()));
    let out = if power < 0 { value.checked_div(step)? } else { value.checked_mul(step)? };
    (out.abs() <= rust_decimal::Decimal::from(enterprise::MAX_VALUE)).then(|| out.normalize())
}

fn column_for(header: &str) -> Option<Column> {
    if header.trim().is_empty() {
        return None;
    }
    match field_for_header(header) {
        Some(n) if n == enterprise::USCC.0 => return Some(Column::Uscc),
        Some(n) if n == enterprise::NAME.0 => return Some(Column::Name),
        Some(n) if n == enterprise::REGISTERED_ON.0 => return Some(Column::RegisteredOn),
        _ => {}
    }
    if let Some(i) = indicator_for_header(header) {
        return Some(Column::Indicator(i));
    }
    let key = header_key(header);
    let any = |names: &[&str]| names.iter().any(|n| header_key(n) == key);
    Some(if any(&["office", "办事处", "所属办事处", "街道办事处", "街道", "所属街道"]) {
        Column::Office
    } else if any(&["industry", "行业", "所属行业", "产业", "产业类别", "所属产业"]) {
        Column::Industry
    } else if any(&["address", "地址", "注册地址", "企业地址", "经营地址"]) {
        Column::Address
    } else if any(&["contact", "联系人", "企业联系人"]) {
        Column::Contact
    } else if any(&["phone", "联系电话", "电话", "手机", "联系方式"]) {
        Column::Phone
    } else if any(&["liaison", "包联干部", "包联领导", "联系干部", "服务专员"]) {
        Column::Liaison
    } else if any(&["tags", "标签"]) {
        Column::Tags
    } else if any(&["year", "年度", "年份", "统计年度", "数据年度"]) {
        Column::Year
    } else if any(&["as_of", "数据日期", "截止日期", "统计日期", "数据截止日期"]) {
        Column::AsOf
    } else if any(&["source", "来源", "数据来源", "来源部门"]) {
        Column::Source
    } else if any(&["tier", "认定类型", "档次", "梯度", "资质类型", "认定称号", "企业类型"]) {
        Column::Tier
    } else if any(&["recognised_on", "认定日期", "认定时间", "批准日期", "发证日期"]) {
        Column::TierOn
    } else if any(&["valid_until", "有效期至", "有效期截止", "到期日期", "有效期"]) {
        Column::TierUntil
    } else if any(&["certificate", "证书编号", "认定编号", "入库编号"]) {
        Column::Certificate
    } else {
        Column::Ignored
    })
}

/// A row as read: its Excel number, code and the cells that mean something.
struct RowFacts {
    line: usize,
    uscc: Uscc,
    name: Option<String>,
    registered_on: Option<NaiveDate>,
    office: Option<String>,
    industry: Option<String>,
    text: Vec<(Column, String)>,
    tags: Option<String>,
    year: Option<i32>,
    as_of: Option<NaiveDate>,
    source: Option<Source>,
    values: Vec<(&'static Indicator, Decimal)>,
    tier: Option<(Tier, NaiveDate, Option<NaiveDate>, String)>,
}

fn cell_date(cell: &Cell) -> std::result::Result<Option<NaiveDate>, String> {
    match cell {
        Cell::Empty => Ok(None),
        Cell::Date(d) => Ok(Some(*d)),
        other => {
            let text = other.text();
            if text.is_empty() {
                return Ok(None);
            }
            match parse_ledger_date(&text) {
                Ok(d) => Ok(Some(d)),
                Err(e) => Err(e.to_string()),
            }
        }
    }
}

impl Enterprises<'_> {
    /// Imports a department's sheet (科技局); every problem refuses the whole sheet.
    pub async fn import_sheet(
        &self,
        actor: &Actor,
        bytes: Vec<u8>,
        options: ImportOptions,
    ) -> Result<EnterpriseImport> {
        let permit = actor.permit(actor.can_edit_enterprises(), "只有科技局可以导入企业数据")?;
        let _turn = self.imports.acquire().await.map_err(|_| AppError::Busy)?;
        let max_rows = options.max_rows.unwrap_or(fengkou_office::ledger::MAX_DATA_ROWS);
        let table = tokio::task::spawn_blocking(move || {
            read_table(&bytes, max_rows, |cells| cells.iter().any(|c| column_for(c) == Some(Column::Uscc)))
        })
        .await
        .map_err(|e| AppError::internal("读取表格", e))?
        .map_err(|e| EnterpriseError::ImportRejected(vec![e.to_string()]))?;

        let today = self.today();
        let columns: Vec<Option<Column>> = table.headers.iter().map(|h| column_for(h)).collect();
        let mut report =
            EnterpriseImport { dry_run: options.dry_run, sheet: table.sheet.clone(), ..Default::default() };
        let mut problems: Vec<String> = Vec::new();
        // A value column in 元 (or 千元, 亿元) is brought to the indicator's 万元; a
        // unit of another kind (研发人员（万元）) is refused before any row is read.
        let mut scales: Vec<i32> = vec![0; columns.len()];
        for ((header, column), scale) in table.headers.iter().zip(&columns).zip(scales.iter_mut()) {
            match column {
                Some(Column::Ignored) if !matches!(header_key(header).as_str(), "序号" | "备注" | "no" | "#") => {
                    report.ignored_columns.push(header.clone())
                }
                Some(Column::Indicator(i)) => match unit_scale(i, header_unit(header).as_deref()) {
                    Ok(0) => report.columns.push(format!("{header} → {}", i.label)),
                    Ok(power) => {
                        *scale = power;
                        let how = if power < 0 {
                            format!("÷{}", 10i64.pow(power.unsigned_abs()))
                        } else {
                            format!("×{}", 10i64.pow(power as u32))
                        };
                        report.columns.push(format!("{header} → {}（换算为万元，{how}）", i.label));
                    }
                    Err(why) => problems.push(format!("列“{header}”：{why}")),
                },
                _ => {}
            }
        }
        let has_values = columns.iter().any(|c| matches!(c, Some(Column::Indicator(_))));
        let sheet_source = Source::from_text(&table.sheet);
        let source = options.source.or(sheet_source);
        let has_source_column = columns.contains(&Some(Column::Source));
        if has_values && source.is_none() && !has_source_column {
            problems.push("请指明数据来源：导入时选择来源部门（命令行加 --source 税务），或在表中加“来源”列".into());
        }
        report.source = source.map_or_else(|| "按行".to_string(), |s| s.label().to_string());

        // Each row: its cells read and checked.
        let mut facts: Vec<RowFacts> = Vec::with_capacity(table.rows.len());
        for (line, cells) in &table.rows {
            let line = *line;
            let mut bad = |header: &str, why: String| problems.push(format!("第{line}行 {header}：{why}"));
            let mut row = RowFacts {
                line,
                uscc: Uscc::complete("00000000000000000").expect("a placeholder"),
                name: None,
                registered_on: None,
                office: None,
                industry: None,
                text: Vec::new(),
                tags: None,
                year: options.year,
                as_of: None,
                source,
                values: Vec::new(),
                tier: None,
            };
            let mut code_ok = false;
            let mut year_refused = false;
            let mut tier_cells: (Option<Tier>, Option<NaiveDate>, Option<NaiveDate>, String) =
                (None, None, None, String::new());
            for (((header, column), cell), scale) in table.headers.iter().zip(&columns).zip(cells).zip(&scales) {
                let Some(column) = column else { continue };
                let text = cell.text();
                if let Cell::Error(e) = cell {
                    bad(header, format!("单元格是错误值 {e}"));
                    continue;
                }
                match column {
                    Column::Uscc => match Uscc::parse(&text) {
                        Ok(code) => {
                            row.uscc = code;
                            code_ok = true;
                        }
                        Err(e) => {
                            let why = e.to_string();
                            bad(header, why.strip_prefix("统一社会信用代码").unwrap_or(&why).to_string())
                        }
                    },
                    Column::Name if !text.is_empty() => {
                        if text.chars().count() > 100 || !fengkou_domain::project::control_free(&text, false) {
                            bad(header, "企业名称过长或含控制字符".into());
                        } else {
                            row.name = Some(text);
                        }
                    }
                    Column::RegisteredOn | Column::AsOf | Column::TierOn | Column::TierUntil => match cell_date(cell) {
                        Ok(Some(day)) if *column != Column::TierUntil && day > today => {
                            bad(header, format!("{day} 晚于今天"))
                        }
                        Ok(day) => match column {
                            Column::RegisteredOn => row.registered_on = day,
                            Column::AsOf => row.as_of = day,
                            Column::TierOn => tier_cells.1 = day,
                            _ => tier_cells.2 = day,
                        },
                        Err(why) => bad(header, why),
                    },
                    Column::Office if !text.is_empty() => row.office = Some(text),
                    Column::Industry if !text.is_empty() => row.industry = Some(text),
                    Column::Address | Column::Contact | Column::Phone | Column::Liaison if !text.is_empty() => {
                        if text.chars().count() > 200 || !fengkou_domain::project::control_free(&text, false) {
                            bad(header, "过长或含控制字符".into());
                        } else {
                            row.text.push((*column, text));
                        }
                    }
                    Column::Tags if !text.is_empty() => row.tags = Some(text),
                    Column::Year if !text.is_empty() => match text.trim_end_matches('年').parse::<i32>() {
                        Ok(y) if (2000..=today.year()).contains(&y) => row.year = Some(y),
                        Ok(y) if y > today.year() => {
                            year_refused = true;
                            bad(header, format!("{y} 年还没有到"))
                        }
                        _ => {
                            year_refused = true;
                            bad(header, format!("“{text}”不是 2000 年以来的年份"))
                        }
                    },
                    Column::Source if !text.is_empty() => match Source::from_text(&text) {
                        Some(s) => row.source = Some(s),
                        None => bad(header, EnterpriseError::UnknownSource(text).to_string()),
                    },
                    Column::Tier if !text.is_empty() => match Tier::from_text(&text) {
                        Some(t) => tier_cells.0 = Some(t),
                        None => bad(
                            header,
                            format!(
                                "“{text}”不是已知的认定类型（{}）",
                                Tier::ALL.iter().map(|t| t.label()).collect::<Vec<_>>().join("、")
                            ),
                        ),
                    },
                    Column::Certificate => tier_cells.3 = text,
                    Column::Indicator(indicator) if !cell.is_empty() => match read_value(indicator.name, &text) {
                        Ok((_, value)) => match scaled(value, *scale) {
                            Some(value) => row.values.push((indicator, value)),
                            None => bad(header, format!("“{text}”换算为万元后超出可保存的范围")),
                        },
                        Err(why) => bad(header, why),
                    },
                    _ => {}
                }
            }
            if !code_ok && !problems.iter().any(|p| p.starts_with(&format!("第{line}行 "))) {
                problems.push(format!("第{line}行 统一社会信用代码：为空"));
            }
            if !row.values.is_empty() && row.year.is_none() && !year_refused {
                problems.push(format!("第{line}行 年度：缺少年度（在表中加“年度”列，或导入时指定年度 --year 2025）"));
            }
            if !row.values.is_empty() && row.source.is_none() && has_source_column {
                problems.push(format!("第{line}行 来源：为空"));
            }
            match tier_cells {
                (Some(tier), Some(on), until, certificate) => {
                    let until = until.or_else(|| tier.default_valid_until(on));
                    if until.is_some_and(|u| u < on) {
                        problems.push(format!("第{line}行 有效期至：早于认定日期"));
                    }
                    row.tier = Some((tier, on, until, certificate));
                }
                (Some(_), None, _, _) => problems.push(format!("第{line}行 认定日期：有认定类型却没有认定日期")),
                _ => {}
            }
            if code_ok {
                facts.push(row);
            }
        }
        report.rows = table.rows.len();
        // The same firm twice for the same year would be two truths in one sheet.
        let mut seen: HashMap<(String, Option<i32>), usize> = HashMap::new();
        for row in &facts {
            if let Some(first) = seen.insert((row.uscc.to_string(), row.year), row.line) {
                problems.push(format!("第{}行 统一社会信用代码：{} 与第{first}行重复（同一年度）", row.line, row.uscc));
            }
        }

        let mut w = self.write(permit).await?;
        // Two imports at once (the web and the command line) take turns.
        fengkou_storage::queries::lock_ladder(&w).await?;
        let codes: Vec<String> = facts.iter().map(|f| f.uscc.to_string()).collect();
        let mut known: HashMap<String, firm_table::Model> = HashMap::new();
        for chunk in codes.chunks(500) {
            for firm in
                firm_table::Entity::find().filter(firm_table::Column::Uscc.is_in(chunk.iter().cloned())).all(&w).await?
            {
                known.insert(firm.uscc.clone(), firm);
            }
        }
        let offices: HashMap<String, i64> =
            office::Entity::find().all(&w).await?.into_iter().map(|o| (o.name.trim().to_string(), o.id)).collect();
        let industries: HashMap<String, i64> =
            industry::Entity::find().all(&w).await?.into_iter().map(|i| (i.name.trim().to_string(), i.id)).collect();
        for row in &facts {
            if !known.contains_key(row.uscc.as_str()) {
                let name = row.name.as_deref().unwrap_or("表中无名称");
                if !options.create {
                    problems.push(format!(
                        "第{}行 统一社会信用代码：{}（{name}）不在企业名录中；确认是新企业请勾选“新建企业”（命令行加 --create）",
                        row.line, row.uscc
                    ));
                } else if row.name.is_none() {
                    problems.push(format!("第{}行 企业名称：新建企业 {} 需要企业名称", row.line, row.uscc));
                }
            }
            if let Some(name) = &row.office
                && !offices.contains_key(name.as_str())
            {
                let mut names: Vec<&str> = offices.keys().map(String::as_str).collect();
                names.sort_unstable();
                problems.push(format!("第{}行 办事处：“{name}”不是已登记的办事处（{}）", row.line, names.join("、")));
            }
            if let Some(name) = &row.industry
                && !industries.contains_key(name.as_str())
            {
                problems.push(format!("第{}行 行业：“{name}”不是已登记的行业", row.line));
            }
        }
        if !problems.is_empty() {
            w.rollback().await?;
            return Err(EnterpriseError::ImportRejected(problems).into());
        }

        // The registry.
        let now = w.now();
        let who = w.who().to_string();
        let mut touched: Vec<i64> = Vec::new();
        for row in &facts {
            let office_id = row.office.as_ref().map(|n| offices[n.as_str()]);
            let industry_id = row.industry.as_ref().map(|n| industries[n.as_str()]);
            let text_of = |c: Column| row.text.iter().find(|(k, _)| *k == c).map(|(_, t)| t.clone());
            match known.get(row.uscc.as_str()).cloned() {
                None => {
                    let saved = firm_table::ActiveModel {
                        uscc: Set(row.uscc.to_string()),
                        name: Set(row.name.clone().unwrap_or_default()),
                        office_id: Set(office_id),
                        industry_id: Set(industry_id),
                        registered_on: Set(row.registered_on),
                        address: Set(text_of(Column::Address).unwrap_or_default()),
                        contact: Set(text_of(Column::Contact).unwrap_or_default()),
                        phone: Set(text_of(Column::Phone).unwrap_or_default()),
                        liaison: Set(text_of(Column::Liaison).unwrap_or_default()),
                        tags: Set(row
                            .tags
                            .as_deref()
                            .map(|t| split_tags(&t.replace([',', '，', ';', '；'], "、")).join("、"))
                            .unwrap_or_default()),
                        note: Set(String::new()),
                        demo: Set(false),
                        version: Set(1),
                        created_at: Set(now),
                        updated_at: Set(now),
                        ..Default::default()
                    }
                    .insert(&w)
                    .await?;
                    w.created("enterprise", saved.id, None, &saved);
                    report.created.push(saved.name.clone());
                    if saved.office_id.is_none() {
                        report.unassigned.push(saved.name.clone());
                    }
                    touched.push(saved.id);
                    known.insert(saved.uscc.clone(), saved);
                }
                Some(before) => {
                    // Only what the sheet carries changes; a blank cell keeps the stored value.
                    let mut row_model: firm_table::ActiveModel = before.clone().into();
                    let mut changed = false;
                    let mut set_text =
                        |field: &mut sea_orm::ActiveValue<String>, current: &str, new: Option<String>| {
                            if let Some(new) = new
                                && new != current
                            {
                                *field = Set(new);
                                changed = true;
                            }
                        };
                    set_text(&mut row_model.name, &before.name, row.name.clone());
                    set_text(&mut row_model.address, &before.address, text_of(Column::Address));
                    set_text(&mut row_model.contact, &before.contact, text_of(Column::Contact));
                    set_text(&mut row_model.phone, &before.phone, text_of(Column::Phone));
                    set_text(&mut row_model.liaison, &before.liaison, text_of(Column::Liaison));
                    if let Some(tags) = &row.tags {
                        let mut all = split_tags(&before.tags);
                        for t in split_tags(&tags.replace([',', '，', ';', '；'], "、")) {
                            if !all.contains(&t) {
                                all.push(t);
                            }
                        }
                        set_text(&mut row_model.tags, &before.tags, Some(all.join("、")));
                    }
                    if office_id.is_some() && office_id != before.office_id {
                        row_model.office_id = Set(office_id);
                        changed = true;
                    }
                    if industry_id.is_some() && industry_id != before.industry_id {
                        row_model.industry_id = Set(industry_id);
                        changed = true;
                    }
                    if row.registered_on.is_some() && row.registered_on != before.registered_on {
                        row_model.registered_on = Set(row.registered_on);
                        changed = true;
                    }
                    if changed {
                        row_model.version = Set(before.version + 1);
                        row_model.updated_at = Set(now);
                        let after = row_model.update(&w).await?;
                        w.updated("enterprise", after.id, None, serde_json::to_value(&before).ok(), &after);
                        report.updated += 1;
                        known.insert(after.uscc.clone(), after);
                    }
                    if known[row.uscc.as_str()].office_id.is_none() {
                        report.unassigned.push(known[row.uscc.as_str()].name.clone());
                    }
                    touched.push(before.id);
                }
            }
        }

        // The values, merged by code, year and indicator; the same source's value is
        // replaced, another source's different value is a conflict.
        let firm_ids: Vec<i64> = touched.clone();
        let mut existing: HashMap<(i64, i32, String), Vec<indicator_value::Model>> = HashMap::new();
        for chunk in firm_ids.chunks(500) {
            for v in indicator_value::Entity::find()
                .filter(indicator_value::Column::EnterpriseId.is_in(chunk.iter().copied()))
                .all(&w)
                .await?
            {
                existing.entry((v.enterprise_id, v.year, v.indicator.clone())).or_default().push(v);
            }
        }
        let mut inserts = Vec::new();
        let mut changes = Vec::new();
        for row in &facts {
            let firm = &known[row.uscc.as_str()];
            let (Some(year), Some(source)) = (row.year, row.source) else { continue };
            for (indicator, value) in &row.values {
                let same_key = existing.get(&(firm.id, year, indicator.name.to_string()));
                let mine = same_key.and_then(|vs| vs.iter().find(|v| v.source.0 == source));
                for other in same_key.into_iter().flatten().filter(|v| v.source.0 != source && v.value.0 != *value) {
                    report.conflicts.push(format!(
                        "第{}行 {} {year} 年{}：{} {} 与 {} {} 不一致，待科技局核定",
                        row.line,
                        firm.name,
                        indicator.label,
                        source.label(),
                        value.normalize(),
                        other.source.0.label(),
                        other.value.0.normalize()
                    ));
                }
                match mine {
                    Some(before) if before.value.0 == *value && before.as_of == row.as_of.or(before.as_of) => {
                        report.values_unchanged += 1
                    }
                    Some(before) => {
                        let mut model: indicator_value::ActiveModel = before.clone().into();
                        model.value = Set((*value).into());
                        model.as_of = Set(row.as_of.or(before.as_of));
                        model.recorded_by = Set(who.clone());
                        model.recorded_at = Set(now);
                        changes.push((before.clone(), model));
                    }
                    None => inserts.push(indicator_value::ActiveModel {
                        enterprise_id: Set(firm.id),
                        year: Set(year),
                        indicator: Set(indicator.name.to_string()),
                        source: Set(source.into()),
                        value: Set((*value).into()),
                        as_of: Set(row.as_of),
                        recorded_by: Set(who.clone()),
                        recorded_at: Set(now),
                        ..Default::default()
                    }),
                }
            }
        }
        report.values_changed = changes.len();
        for (before, model) in changes {
            let after = model.update(&w).await?;
            w.updated("indicator_value", after.id, None, serde_json::to_value(&before).ok(), &after);
            super::values::reopen_choice(&mut w, &after).await?;
        }
        report.values_added = inserts.len();
        let mut pending = inserts;
        while !pending.is_empty() {
            let group: Vec<_> = pending.drain(..pending.len().min(300)).collect();
            indicator_value::Entity::insert_many(group).exec(&w).await?;
        }

        // Recognitions not yet recorded.
        for row in &facts {
            let Some((tier, on, until, certificate)) = &row.tier else { continue };
            let firm = &known[row.uscc.as_str()];
            let exists = enterprise_tier::Entity::find()
                .filter(enterprise_tier::Column::EnterpriseId.eq(firm.id))
                .filter(enterprise_tier::Column::Tier.eq(tier.code()))
                .filter(enterprise_tier::Column::RecognisedOn.eq(*on))
                .one(&w)
                .await?;
            if exists.is_some() {
                continue;
            }
            let saved = enterprise_tier::ActiveModel {
                enterprise_id: Set(firm.id),
                tier: Set((*tier).into()),
                recognised_on: Set(Some(*on)),
                valid_until: Set(*until),
                certificate: Set(certificate.clone()),
                source: Set(format!("导入：{}", report.source)),
                recorded_by: Set(who.clone()),
                recorded_at: Set(now),
                ..Default::default()
            }
            .insert(&w)
            .await?;
            w.created("enterprise_tier", saved.id, None, &saved);
            report.tiers_added += 1;
        }
        report.unassigned.sort();
        report.unassigned.dedup();
        w.record(crate::audit::Change {
            action: if options.dry_run { "import_dry_run" } else { "import" },
            entity: "enterprises",
            entity_id: None,
            project_id: None,
            before: None,
            after: Some(
                serde_json::json!({ "summary": report.summary_line(), "sheet": report.sheet, "source": report.source }),
            ),
        });
        touched.sort_unstable();
        touched.dedup();
        if options.dry_run {
            w.rollback().await?;
        } else {
            self.reassess_in(&w, Some(&touched)).await?;
            w.commit().await?;
            if report.rows > fengkou_storage::queries::BULK_ROWS {
                fengkou_storage::queries::refresh_statistics(
                    &self.writer,
                    &[
                        "enterprises",
                        "indicator_values",
                        "enterprise_tiers",
                        "ladder_assessments",
                        "enterprise_projects",
                        "audit_log",
                    ],
                )
                .await?;
            }
        }
        Ok(report)
    }
}
