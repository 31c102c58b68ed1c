//! What-if (“研发费用再增加 100 万元：812.40 → 839.10 分”): one firm's row with one
//! field changed by an exact decimal amount, as a one-row batch that the scorer
//! evaluates with the same compiled expressions as everyone else's.

use crate::enterprise::{check_batch, indicator};
use crate::policy::columns::{Column, parse_decimal};
use crate::policy::{Batch, FieldType, Schema};
use arrow_array::{Array, StringArray};
use serde::{Deserialize, Serialize};

/// A change to try: a number field and how much to add (negative to take away).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WhatIf {
    pub field: String,
    /// A decimal as written ("100", "-2.5").
    pub delta: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WhatIfError(pub String);

impl std::fmt::Display for WhatIfError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for WhatIfError {}

/// A decimal (mantissa, places) as canonical text: (-12345, 2) → "-123.45".
fn decimal_text(mantissa: i128, scale: u32) -> String {
    let digits = mantissa.unsigned_abs().to_string();
    let sign = if mantissa < 0 { "-" } else { "" };
    if scale == 0 {
        return format!("{sign}{digits}");
    }
    let scale = scale as usize;
    let padded = format!("{digits:0>width$}", width = scale + 1);
    let (whole, fraction) = padded.split_at(padded.len() - scale);
    format!("{sign}{whole}.{fraction}")
}

/// One cell as text a batch reads back the same (None: empty).
fn cell_text(column: &Column, row: usize) -> Option<String> {
    if column.array().is_null(row) {
        return None;
    }
    Some(match column {
        Column::Int(a) => a.value(row).to_string(),
        Column::Decimal { exact, scale, .. } => decimal_text(exact.value(row), *scale),
        Column::Flag(a) => if a.value(row) { "1" } else { "0" }.to_string(),
        Column::Enum(a) => {
            let key = a.keys().value(row);
            let values = a.values().as_any().downcast_ref::<StringArray>().expect("string dictionary");
            values.value(key as usize).to_string()
        }
        Column::Text(a) => a.value(row).to_string(),
        Column::Date(a) => crate::policy::check::date_of(a.value(row)).to_string(),
    })
}

/// Row `row` of a batch with `change` applied, as a one-row batch (ready for
/// [`super::Scorer::batch_facts`]). Refused, in Chinese: an unknown or non-number
/// field, a delta that is not a number (or not whole for a count), and a result the
/// indicator does not allow (a negative amount).
pub fn changed_row(schema: &Schema, batch: &Batch, row: usize, change: &WhatIf) -> Result<Batch, WhatIfError> {
    let field =
        schema.find(change.field.trim()).ok_or_else(|| WhatIfError(format!("没有字段 {}", change.field.trim())))?;
    let def = &schema.fields()[field];
    let label = def.label.clone().unwrap_or_else(|| def.name.clone());
    if !matches!(def.ty, FieldType::Int | FieldType::Float) || indicator(&def.name).is_none() {
        return Err(WhatIfError(format!("{label} 不是可以增减的数值指标")));
    }
    let (delta, delta_scale) = parse_decimal(&change.delta).map_err(|why| WhatIfError(format!("变化量：{why}")))?;
    if def.ty == FieldType::Int && delta_scale > 0 && delta % 10i128.pow(delta_scale) != 0 {
        return Err(WhatIfError(format!("{label} 是整数，变化量应是整数")));
    }
    let mut cells: Vec<Option<String>> = batch.columns.iter().map(|c| cell_text(c, row)).collect();
    let (old, old_scale) = match &cells[field] {
        Some(text) => parse_decimal(text).map_err(WhatIfError)?,
        None => (0, 0),
    };
    let scale = old_scale.max(delta_scale);
    let widen = |m: i128, s: u32| m.checked_mul(10i128.pow(scale - s));
    let sum = widen(old, old_scale)
        .zip(widen(delta, delta_scale))
        .and_then(|(a, b)| a.checked_add(b))
        .ok_or_else(|| WhatIfError("变化后的数值超出可表示的范围".into()))?;
    let (sum, scale) = if def.ty == FieldType::Int { (sum / 10i128.pow(scale), 0) } else { (sum, scale) };
    cells[field] = Some(decimal_text(sum, scale));
    let arrays: Vec<StringArray> = cells.into_iter().map(|c| StringArray::from(vec![c])).collect();
    let refs: Vec<&StringArray> = arrays.iter().collect();
    let changed = Batch::from_text(schema, &refs, batch.first_line + row).map_err(|bad| {
        WhatIfError(
            bad.listed
                .first()
                .map_or_else(|| "变化后的数据无法读取".to_string(), |c| format!("{}：{}", c.column, c.reason)),
        )
    })?;
    let bad = check_batch(schema, &changed);
    if let Some(cell) = bad.listed.first() {
        return Err(WhatIfError(format!("变化后 {}：{}", cell.column, cell.reason)));
    }
    Ok(changed)
}

#[cfg(test)]
mod tests {
    use super::decimal_text;

    #[test]
    fn decimals_are_written_back_as_they_read() {
        assert_eq!(decimal_text(-12345, 2), "-123.45");
        assert_eq!(decimal_text(5, 3), "0.005");
        assert_eq!(decimal_text(1200, 0), "1200");
        assert_eq!(decimal_text(-5, 1), "-0.5");
    }
}
