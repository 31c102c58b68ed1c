//! Reading names as offices write them: short office names ("湖北路" for
//! "湖北路办事处"), the category a section row names, names fengkou may create, and
//! the words the dry run uses for columns.

use super::*;

/// "湖北路" for "湖北路办事处" (or "湖北路街道", "湖北路办"): the name without the usual
/// suffix.
pub(super) fn office_stem(name: &str) -> &str {
    let name = name.trim();
    ["街道办事处", "办事处", "街道办", "街道", "办"].iter().find_map(|s| name.strip_suffix(s)).unwrap_or(name)
}

/// The category of a new industry: the sheet's section ("一、产业项目（30个）") when it
/// names a known category, else 产业项目.
pub(super) fn category_from_section(section: Option<&str>, categories: &[String]) -> String {
    let section = section.unwrap_or("");
    categories
        .iter()
        .find(|c| section.contains(c.as_str()))
        .or_else(|| categories.iter().find(|c| c.as_str() == "产业项目"))
        .cloned()
        .unwrap_or_else(|| "产业项目".to_string())
}

/// A name fengkou may create: 1 to 40 characters, no control characters.
pub(super) fn plausible_name(name: &str) -> bool {
    let n = name.chars().count();
    (1..=40).contains(&n) && !name.chars().any(char::is_control)
}

/// A name as a message quotes it: at most 40 characters (a file may hold megabytes).
pub(super) fn clip(name: &str) -> String {
    let mut out: String = name.chars().filter(|c| !c.is_control()).take(40).collect();
    if name.chars().count() > 40 {
        out.push('…');
    }
    out
}

pub(super) enum OfficeMiss {
    Unknown(String),
    Ambiguous(String, Vec<String>),
}

/// An office by its full name, or by a short one ("湖北路" for "湖北路办事处") when
/// only one office has that stem; the reading says which.
pub(super) fn resolve_office(
    name: &str,
    offices: &[office::Model],
    row: usize,
) -> (Result<i64, OfficeMiss>, Option<Reading>) {
    let name = name.trim();
    if let Some(o) = offices.iter().find(|o| o.name == name) {
        return (Ok(o.id), None);
    }
    let stem = office_stem(name);
    let candidates: Vec<&office::Model> =
        offices.iter().filter(|o| !stem.is_empty() && office_stem(&o.name) == stem).collect();
    match candidates.as_slice() {
        [one] => (
            Ok(one.id),
            Some(Reading {
                row, column: "所在办事处".into(), text: format!("“{name}”按“{}”匹配", one.name)
            }),
        ),
        [] => (Err(OfficeMiss::Unknown(name.to_string())), None),
        many => {
            (Err(OfficeMiss::Ambiguous(name.to_string(), many.iter().map(|o| format!("“{}”", o.name)).collect())), None)
        }
    }
}

/// "开工时间 → 计划开工" for the dry run's list of columns.
pub(super) fn column_meaning(field: Field, text: &str) -> String {
    let meaning = match field {
        Field::Start => "按阶段读作计划开工（未开工）或实际开工（已开工）".to_string(),
        Field::Finish => "按阶段读作计划竣工（未投产）或实际竣工（已投产）".to_string(),
        Field::Period => "计划开工—计划竣工".to_string(),
        Field::Completed => "本年完成投资（期初数）".to_string(),
        other => other.label().to_string(),
    };
    if text == meaning { text.to_string() } else { format!("{text} → {meaning}") }
}

pub(super) fn column_of(field: &str) -> &str {
    match field {
        "办事处" => "所在办事处",
        "产业" => "产业类别",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn office_stems() {
        assert_eq!(office_stem("湖北路办事处"), "湖北路");
        assert_eq!(office_stem("湖北路街道"), "湖北路");
        assert_eq!(office_stem("湖北路"), "湖北路");
        assert_eq!(office_stem("湖北路办"), "湖北路");
        assert_eq!(
            category_from_section(Some("二、社会民生项目（5个）"), &["产业项目".into(), "社会民生项目".into()]),
            "社会民生项目"
        );
        assert_eq!(category_from_section(None, &["产业项目".into()]), "产业项目");
    }
}
