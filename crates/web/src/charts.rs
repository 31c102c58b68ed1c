//! ECharts options built in Rust as JSON; the page's script only hands them to ECharts.

use fengkou_app::views::{IndustryFigure, MonthFigure, OfficeComparison, Summary};
use serde_json::{Value, json};

const PALETTE: [&str; 7] = ["#1f5fa8", "#2f8fd8", "#43a9a3", "#7cb66b", "#e3a33b", "#d9653b", "#8e6bbf"];

fn en(lang: &str) -> bool {
    lang == "en"
}

/// The stage funnel: how many projects stand at each stage.
pub fn funnel(s: &Summary, lang: &str) -> Value {
    let labels: Vec<&str> = s.by_stage.iter().map(|(st, _)| if en(lang) { st.english() } else { st.label() }).collect();
    let values: Vec<i64> = s.by_stage.iter().map(|(_, n)| *n).collect();
    json!({
        "color": PALETTE,
        "tooltip": {"trigger": "axis"},
        "grid": {"left": 60, "right": 20, "top": 20, "bottom": 30},
        "xAxis": {"type": "value"},
        "yAxis": {"type": "category", "data": labels, "inverse": true},
        "series": [{"type": "bar", "data": values, "label": {"show": true, "position": "right"}, "itemStyle": {"color": "#1f5fa8"}}]
    })
}

/// Total investment by industry (万元), a pie.
pub fn industry(rows: &[IndustryFigure], lang: &str) -> Value {
    let data: Vec<Value> = rows
        .iter()
        .filter(|r| r.projects > 0)
        .map(|r| json!({"name": r.industry, "value": (r.investment.as_f64() * 100.0).round() / 100.0}))
        .collect();
    json!({
        "color": PALETTE,
        "tooltip": {"trigger": "item", "formatter": if en(lang) { "{b}: {c} (10k yuan, {d}%)" } else { "{b}：{c} 万元（{d}%）" }},
        "legend": {"bottom": 0, "type": "scroll"},
        "series": [{"type": "pie", "radius": ["35%", "65%"], "center": ["50%", "45%"], "data": data}]
    })
}

/// Cumulative completed vs the planned pace (annual plan × m/12), by month.
pub fn monthly(rows: &[MonthFigure], lang: &str) -> Value {
    let months: Vec<String> =
        rows.iter().map(|m| if en(lang) { format!("M{}", m.month) } else { format!("{}月", m.month) }).collect();
    let done: Vec<Value> = rows
        .iter()
        .map(|m| if m.cumulative.yuan() > 0 { json!((m.cumulative.as_f64()).round()) } else { Value::Null })
        .collect();
    let plan: Vec<f64> = rows.iter().map(|m| m.planned_cumulative.as_f64().round()).collect();
    let (a, b) = if en(lang) { ("Completed (cumulative)", "Planned pace") } else { ("累计完成", "序时计划") };
    json!({
        "color": ["#1f5fa8", "#d9653b"],
        "tooltip": {"trigger": "axis"},
        "legend": {"data": [a, b], "bottom": 0},
        "grid": {"left": 80, "right": 20, "top": 40, "bottom": 50},
        "xAxis": {"type": "category", "data": months},
        "yAxis": {"type": "value", "name": if en(lang) { "10k yuan" } else { "万元" }},
        "series": [
            {"name": a, "type": "bar", "data": done},
            {"name": b, "type": "line", "data": plan, "lineStyle": {"type": "dashed"}}
        ]
    })
}

/// Completion rate per office, best first, so the spread is visible.
pub fn office_completion(rows: &[OfficeComparison], lang: &str) -> Value {
    let mut sorted: Vec<&OfficeComparison> = rows.iter().collect();
    sorted.sort_by(|a, b| b.completion_rate.unwrap_or(-1.0).total_cmp(&a.completion_rate.unwrap_or(-1.0)));
    let names: Vec<&str> = sorted.iter().map(|r| r.office.as_str()).collect();
    let values: Vec<Value> = sorted
        .iter()
        .map(|r| match r.completion_rate {
            Some(v) => json!({"value": (v * 10.0).round() / 10.0, "itemStyle": {"color": if v >= 80.0 { "#3a9d5d" } else if v >= 50.0 { "#e3a33b" } else { "#d9453b" }}}),
            None => Value::Null,
        })
        .collect();
    json!({
        "tooltip": {"trigger": "axis", "formatter": "{b0}：{c0}%"},
        "grid": {"left": 50, "right": 20, "top": 30, "bottom": 70},
        "xAxis": {"type": "category", "data": names, "axisLabel": {"rotate": 30}},
        "yAxis": {"type": "value", "name": if en(lang) { "Completion %" } else { "完成率 %" }},
        "series": [{"type": "bar", "data": values, "label": {"show": true, "position": "top", "formatter": "{c}%"}}]
    })
}

/// Projects by stage per office, stacked.
pub fn office_stages(rows: &[OfficeComparison], lang: &str) -> Value {
    let names: Vec<&str> = rows.iter().map(|r| r.office.as_str()).collect();
    let series: Vec<Value> = fengkou_domain::Stage::ALL
        .iter()
        .enumerate()
        .map(|(i, s)| {
            json!({
                "name": if en(lang) { s.english() } else { s.label() },
                "type": "bar",
                "stack": "stage",
                "data": rows.iter().map(|r| r.by_stage.get(i).copied().unwrap_or(0)).collect::<Vec<_>>()
            })
        })
        .collect();
    json!({
        "color": PALETTE,
        "tooltip": {"trigger": "axis"},
        "legend": {"bottom": 0},
        "grid": {"left": 40, "right": 20, "top": 20, "bottom": 90},
        "xAxis": {"type": "category", "data": names, "axisLabel": {"rotate": 30}},
        "yAxis": {"type": "value"},
        "series": series
    })
}

/// Each office's rank at every released meeting, a line per office; rank 1 at the top.
pub fn rank_history(h: &fengkou_app::meetings::History) -> Value {
    let labels: Vec<String> = h
        .meetings
        .iter()
        .map(|(_, name, held_on)| held_on.map_or_else(|| name.clone(), |d| d.format("%Y-%m-%d").to_string()))
        .collect();
    let series: Vec<Value> = h
        .offices
        .iter()
        .map(|(office, ranks)| json!({"name": office, "type": "line", "connectNulls": false, "data": ranks, "symbolSize": 8}))
        .collect();
    let worst = h.offices.iter().flat_map(|(_, r)| r.iter().flatten()).max().copied().unwrap_or(1);
    json!({
        "color": PALETTE,
        "tooltip": {"trigger": "axis"},
        "legend": {"bottom": 0, "type": "scroll"},
        "grid": {"left": 40, "right": 20, "top": 20, "bottom": 60},
        "xAxis": {"type": "category", "data": labels},
        "yAxis": {"type": "value", "inverse": true, "min": 1, "max": worst, "minInterval": 1, "name": "名次"},
        "series": series
    })
}

/// Firms holding each tier at each year's end and today, a line per tier.
pub fn tier_history(s: &fengkou_app::enterprises::tiers::TierSummary, lang: &str) -> Value {
    let labels: Vec<String> = s
        .history
        .iter()
        .map(
            |(label, _)| {
                if en(lang) { label.replace("年末", " year-end").replace("今天", "today") } else { label.clone() }
            },
        )
        .collect();
    let series: Vec<Value> = s
        .counts
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let data: Vec<usize> = s.history.iter().map(|(_, counts)| counts[i]).collect();
            let tier = fengkou_domain::enterprise::Tier::from_code(c.code);
            let name = match tier {
                Some(t) if en(lang) => t.english(),
                _ => c.tier,
            };
            json!({"name": name, "type": "line", "data": data, "symbolSize": 6})
        })
        .collect();
    json!({
        "color": PALETTE,
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0, "type": "scroll"},
        "grid": {"left": 50, "right": 20, "top": 40, "bottom": 30},
        "xAxis": {"type": "category", "data": labels},
        "yAxis": {"type": "value", "minInterval": 1},
        "series": series
    })
}
