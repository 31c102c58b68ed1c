//! The data's columns: name, type and, for an enumerated column, its values. A schema
//! is given with the policies, or inferred from the data and reported.

use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FieldType {
    Int,
    /// A decimal number such as money in 万元, read exactly.
    Float,
    /// 0 or 1, used as a condition.
    Flag,
    /// One of a fixed list of values.
    Enum,
    Text,
    Date,
}

impl FieldType {
    pub fn code(self) -> &'static str {
        match self {
            FieldType::Int => "int",
            FieldType::Float => "float",
            FieldType::Flag => "flag",
            FieldType::Enum => "enum",
            FieldType::Text => "text",
            FieldType::Date => "date",
        }
    }
}

/// One column, as the policies file writes it: `{"name", "type", "values"?, "label"?}`.
/// `label` is a second name (研发费用 for rd_expense) that rules and CSV headers may use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Field {
    pub name: String,
    #[serde(rename = "type")]
    pub ty: FieldType,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaError(pub String);

impl fmt::Display for SchemaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "schema：{}", self.0)
    }
}

#[derive(Debug, Clone)]
pub struct Schema {
    fields: Vec<Field>,
    by_name: HashMap<String, usize>,
}

impl Schema {
    pub fn new(fields: Vec<Field>) -> Result<Schema, SchemaError> {
        let mut by_name = HashMap::new();
        for (index, field) in fields.iter().enumerate() {
            let name = field.name.trim();
            if name.is_empty() {
                return Err(SchemaError(format!("第 {} 个字段没有名字", index + 1)));
            }
            if keyword_like(name) {
                return Err(SchemaError(format!("字段名“{name}”是语言的关键字")));
            }
            match field.ty {
                FieldType::Enum if field.values.is_empty() => {
                    return Err(SchemaError(format!("枚举字段 {name} 没有给出取值（values）")));
                }
                FieldType::Enum => {}
                _ if !field.values.is_empty() => {
                    return Err(SchemaError(format!("字段 {name} 不是 enum，却给出了取值（values）")));
                }
                _ => {}
            }
            for alias in std::iter::once(name).chain(field.label.as_deref().map(str::trim)) {
                if by_name.insert(alias.to_string(), index).is_some_and(|other| other != index) {
                    return Err(SchemaError(format!("字段名“{alias}”出现了两次")));
                }
            }
        }
        Ok(Schema { fields, by_name })
    }

    pub fn fields(&self) -> &[Field] {
        &self.fields
    }

    /// The column a rule or a CSV header names, by its name or its label.
    pub fn find(&self, name: &str) -> Option<usize> {
        self.by_name.get(name.trim()).copied()
    }

    /// The known names closest to a misspelt one (at most three).
    pub fn nearest(&self, name: &str) -> Vec<String> {
        nearest(name, self.by_name.keys().map(String::as_str))
    }
}

fn keyword_like(name: &str) -> bool {
    matches!(
        name.to_ascii_lowercase().as_str(),
        "and" | "or" | "not" | "in" | "if" | "then" | "else" | "true" | "false"
    )
}

/// Up to three candidates within a small edit distance, closest first.
pub fn nearest<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> Vec<String> {
    let wanted = name.to_lowercase();
    let limit = (wanted.chars().count() / 3).clamp(1, 4);
    let mut scored: Vec<(usize, String)> = candidates
        .map(|c| (strsim::levenshtein(&wanted, &c.to_lowercase()), c.to_string()))
        .filter(|(d, c)| {
            let c = c.to_lowercase();
            *d <= limit || c.contains(&wanted) || wanted.contains(&c) || strsim::jaro_winkler(&wanted, &c) >= 0.85
        })
        .collect();
    scored.sort();
    scored.dedup();
    scored.into_iter().take(3).map(|(_, c)| c).collect()
}
