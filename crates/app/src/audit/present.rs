//! An entry as officials read it: Chinese action, object and field names, money in
//! 万元, dates as precise as they were given, China time; and what stays hidden from
//! whom (meeting scores before release).

use crate::Actor;
use fengkou_storage::entity::audit;
use serde::Serialize;

/// One entry as officials read it: Chinese names, field-level before → after with
/// money in 万元, China time.
#[derive(Debug, Clone, Serialize)]
pub struct AuditEntry {
    pub id: i64,
    /// "2026-11-30 17:43:05" (UTC+8).
    pub at: String,
    pub username: String,
    pub action: String,
    pub action_label: String,
    pub entity_label: String,
    pub project_id: Option<i64>,
    pub project: String,
    pub changes: Vec<AuditChange>,
    /// A line for entries that are not field changes (an import's summary).
    pub note: String,
    /// "127.0.0.1 · Mozilla/5.0 …": where the request came from ("" for the CLI).
    pub client: String,
}

/// One field of an entry: "总投资：5,000 万元 → 5,200 万元".
#[derive(Debug, Clone, Serialize)]
pub struct AuditChange {
    pub field: String,
    pub before: String,
    pub after: String,
}

impl std::fmt::Display for AuditChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}：{} → {}", self.field, self.before, self.after)
    }
}

/// The actions, as people name them.
pub const ACTIONS: [(&str, &str); 39] = [
    ("create", "新增"),
    ("recompute", "重算预警"),
    ("seed", "写入基准数据"),
    ("update", "修改"),
    ("delete", "删除"),
    ("transition", "阶段变更"),
    ("import", "导入"),
    ("open", "开启填报期"),
    ("close", "关闭填报期"),
    ("reopen", "重新开放"),
    ("remind", "催报"),
    ("request_step_back", "申请阶段退回"),
    ("approve_step_back", "批准阶段退回"),
    ("reject_step_back", "驳回阶段退回"),
    ("confirm", "确认观摩点"),
    ("rank", "排名投票"),
    ("decline", "评委回避"),
    ("withdraw_decline", "取消回避"),
    ("submit", "提交评分表"),
    ("release", "发布评比结果"),
    ("correct", "发布更正版"),
    ("withdraw", "撤回排名"),
    ("login", "登录"),
    ("login_failed", "登录失败"),
    ("logout", "退出"),
    ("token", "创建API令牌"),
    ("reset", "重置"),
    ("login_throttled", "登录受限（尝试过多）"),
    ("denied", "拒绝访问"),
    ("export", "导出"),
    ("import_dry_run", "试导入（预检）"),
    ("import_rejected", "导入被拒"),
    ("password", "修改密码"),
    ("reset_password", "重置密码"),
    ("disable", "停用"),
    ("enable", "启用"),
    ("revoke", "吊销API令牌"),
    ("compute", "计算创新积分"),
    ("publish", "公示"),
];

fn action_label(code: &str) -> String {
    ACTIONS.iter().find(|(c, _)| *c == code).map_or_else(|| code.to_string(), |(_, l)| l.to_string())
}

fn entity_label(code: &str) -> &str {
    match code {
        "project" => "项目",
        "enterprise" | "enterprises" => "企业",
        "indicator_value" => "企业指标",
        "indicator_choice" => "指标来源核定",
        "enterprise_tier" => "企业认定",
        "enterprise_project" => "企业与项目",
        "tier_target" => "培育目标",
        "ladder_rule_set" => "梯度培育规则",
        "ladder_assessment" => "梯度培育评估",
        "credit_scheme" => "积分方案",
        "credit_run" => "创新积分计算",
        "credit_objection" => "积分异议",
        "warning" => "预警灯",
        "bench" => "基准数据",
        "report" => "月报",
        "period" => "填报期",
        "ledger" => "台账",
        "opening_balance" => "本年完成投资（期初数）",
        "stage_event" => "阶段历程",
        "stage_request" => "阶段退回申请",
        "reminder" => "催报",
        "problem" => "问题",
        "milestone" => "节点",
        "comment" => "点评",
        "batch" => "“三个一批”批次",
        "batch_item" => "批次名单",
        "office" => "办事处",
        "industry" => "产业类别",
        "user" => "用户",
        "api_token" => "API令牌",
        "settings" => "预警阈值",
        "meeting" => "观摩活动",
        "meeting_site" => "观摩点",
        "meeting_judge" => "评委",
        "meeting_score" => "评委评分",
        "meeting_adjustment" => "加减分",
        "meeting_comment" => "观摩点评",
        "meeting_scope" => "参加范围",
        "meeting_route" => "观摩路线",
        "meeting_rubric" => "评分细则",
        "request" => "请求",
        other => other,
    }
}

/// Field names as people read them; fields not listed keep their name.
fn field_label(key: &str) -> &str {
    match key {
        "uscc" => "统一社会信用代码",
        "indicator" => "指标",
        "source" => "来源",
        "value" => "数值",
        "tier" => "认定类型",
        "recognised_on" => "认定日期",
        "valid_until" => "有效期至",
        "certificate" => "证书编号",
        "liaison" => "包联干部",
        "rung" => "档次",
        "effective_from" => "生效日期",
        "code" => "项目编号",
        "name" => "名称",
        "office_id" => "办事处",
        "industry_id" => "产业类别",
        "stage" => "阶段",
        "location" => "建设地点",
        "content" => "建设规模及内容",
        "leader" => "包联领导",
        "responsible_unit" => "责任单位",
        "owner_unit" => "业主单位",
        "total_investment" => "总投资",
        "amount" => "金额",
        "completed" => "完成投资",
        "annual_plan" => "年度计划投资",
        "planned_start" => "计划开工",
        "planned_finish" => "计划竣工",
        "actual_start" => "实际开工",
        "actual_finish" => "实际竣工",
        "actual_start_inferred" => "开工日期取自计划开工",
        "year" => "年",
        "month" => "月",
        "through_month" => "截至月份",
        "deadline" => "截止日期",
        "status" => "状态",
        "progress" => "形象进度",
        "problems" => "存在问题",
        "help_needed" => "需协调事项",
        "description" => "问题",
        "responsible" => "责任单位/人",
        "resolved" => "已解决",
        "resolution" => "解决情况",
        "body" => "内容",
        "date" => "日期",
        "on_date" => "日期",
        "reason" => "原因",
        "held_on" => "日期",
        "ends_on" => "结束日期",
        "method" => "评比方法",
        "released" => "已发布",
        "score" => "分数",
        "points" => "分值",
        "penalty" => "扣分",
        "penalty_reason" => "扣分原因",
        "concentrated_start" => "集中开工活动",
        "role" => "角色",
        "username" => "用户名",
        "display_name" => "姓名",
        "note" => "说明",
        "version" => "版本",
        "doc_number" => "文号",
        "band_mode" => "等次划分",
        "from_stage" => "原阶段",
        "proposed_by" => "申报人",
        "seq" => "顺序",
        "visit_time" => "到达时间",
        "group_name" => "分组",
        "weight" => "权重",
        "max" => "满分",
        "remark" => "评语",
        "declined_reason" => "回避理由",
        "reopened_reason" => "重新开放原因",
        "aggregate" => "汇总方法",
        "combination" => "办事处得分",
        "excellent_from" => "优秀线",
        "good_from" => "良好线",
        "excellent_share" => "优秀比例",
        "good_share" => "良好比例",
        "doc_prefix" => "机关代字",
        "rank_step" => "名次分差",
        "weight_rubric" => "综合权重：评委打分",
        "weight_rank" => "综合权重：排名投票",
        "weight_formula" => "综合权重：台账积分",
        "own_office_id" => "所属办事处",
        "industry" => "产业类别",
        "office" => "办事处",
        "submitted_by" => "填报人",
        "user_id" => "用户编号",
        "release_id" => "发布记录编号",
        "created_by" => "录入人",
        "criterion_id" => "评分项编号",
        "judge_id" => "评委编号",
        "site_id" => "观摩点编号",
        "batch_id" => "批次编号",
        "scores_removed" => "删除的评分数",
        "submitted" => "已提交评委",
        "summary" => "摘要",
        "held_on_end" => "结束日期",
        "entity_id" => "编号",
        "declared_office_id" => "申报回避的办事处",
        "list" => "名单",
        "seq_no" => "期数",
        "to_stage" => "申请阶段",
        "decision_reason" => "审批意见",
        other => other,
    }
}

/// Keys that are bookkeeping, not content.
const NOISE: [&str; 17] = [
    "id",
    "created_at",
    "updated_at",
    "submitted_at",
    "warning_light",
    "warning_detail",
    "demo",
    "project_id",
    "meeting_id",
    "planned_start_precision",
    "planned_finish_precision",
    "actual_start_precision",
    "actual_finish_precision",
    "password_hash",
    "token_hash",
    "snapshot",
    "sort_order",
];

/// Money fields stored in yuan.
const MONEY: [&str; 4] = ["total_investment", "amount", "completed", "annual_plan"];

fn value_text(key: &str, v: &serde_json::Value, names: &crate::rows::Names) -> String {
    use serde_json::Value;
    match v {
        Value::Null => "（空）".to_string(),
        Value::Bool(b) => if *b { "是" } else { "否" }.to_string(),
        Value::Number(n) if MONEY.contains(&key) => {
            n.as_i64().map_or_else(|| n.to_string(), |y| format!("{} 万元", fengkou_domain::Wan::from_yuan(y)))
        }
        Value::Number(n) if key == "office_id" => n.as_i64().map_or_else(|| n.to_string(), |id| names.office(id)),
        Value::Number(n) if key == "industry_id" => n.as_i64().map_or_else(|| n.to_string(), |id| names.industry(id)),
        Value::Number(n) => n.to_string(),
        Value::String(s) if code_label(key, s).is_some() => code_label(key, s).unwrap_or_default().to_string(),
        Value::String(s) if matches!(key, "stage" | "from_stage" | "to_stage") => fengkou_domain::Stage::from_code(s)
            .or_else(|| fengkou_domain::Stage::from_label(s))
            .map_or_else(|| s.clone(), |st| st.label().to_string()),
        Value::String(s) if s.is_empty() => "（空）".to_string(),
        Value::String(s) => s.chars().take(300).collect(),
        // A header stored whole (a ledger's dates with their precision, …).
        Value::Object(o) if o.contains_key("date") && o.contains_key("precision") => {
            let date = o.get("date").and_then(Value::as_str).unwrap_or("");
            match o.get("precision").and_then(Value::as_str) {
                Some("Year") => format!("{}年", &date[..date.len().min(4)]),
                Some("Month") => format!(
                    "{}年{}月",
                    &date[..date.len().min(4)],
                    date.get(5..7).unwrap_or("").trim_start_matches('0')
                ),
                _ => date.to_string(),
            }
        }
        other => other.to_string().chars().take(300).collect(),
    }
}

/// Stored codes as people name them.
fn code_label(key: &str, code: &str) -> Option<&'static str> {
    Some(match (key, code) {
        ("band_mode", "score") => "按分数线",
        ("band_mode", "share") => "按名次比例",
        ("method", "rubric") => "评委按细则打分",
        ("method", "rank_ballot") => "评委排名投票",
        ("method", "formula") => "台账积分公式",
        ("method", "composite") => "综合（加权）",
        ("aggregate", "mean") => "平均",
        ("aggregate", "trimmed") => "去掉最高最低",
        ("aggregate", "zscore") => "标准分",
        ("combination", "mean") => "观摩点平均",
        ("combination", "sum") => "观摩点合计",
        ("status", "proposed") => "待确认",
        ("status", "confirmed") => "已确认",
        ("status", "pending") => "待审批",
        ("status", "approved") => "已批准",
        ("status", "rejected") => "已驳回",
        ("status", "open") => "填报中",
        ("status", "closed") => "已关闭",
        ("role", "admin") => "系统管理员",
        ("role", "leader") => "区领导",
        ("role", "project_office") => "项目办",
        ("role", "office_user") => "办事处用户",
        ("role", "viewer") => "只读用户",
        ("role", "tech_bureau") => "科技局",
        ("list", "sign") => "签约",
        ("list", "start") => "开工",
        ("list", "produce") => "投产",
        _ => return None,
    })
}

/// Is this entry's content a meeting's scores, ballots, penalties or bonuses, which
/// only the project office and the leaders may read before release?
pub(crate) fn is_meeting_secret(a: &audit::Model) -> bool {
    matches!(a.entity.as_str(), "meeting_score" | "meeting_adjustment")
        || matches!(a.action.as_str(), "rank" | "decline")
        || (a.entity == "meeting_site" && a.action == "update")
}

/// A site's formula inputs, in entries that are otherwise public (a site added or
/// withdrawn): left out for those who may not see them.
const SITE_SECRETS: [&str; 3] = ["penalty", "penalty_reason", "concentrated_start"];

/// The enterprise side's entities: their contents are firms' figures.
const ENTERPRISE_ENTITIES: [&str; 12] = [
    "enterprise",
    "enterprises",
    "indicator_value",
    "indicator_choice",
    "enterprise_tier",
    "enterprise_project",
    "tier_target",
    "ladder_rule_set",
    "ladder_assessment",
    "credit_scheme",
    "credit_run",
    "credit_objection",
];

/// Presents one entry for `actor`.
pub(crate) fn present(
    a: &audit::Model,
    actor: &Actor,
    names: &crate::rows::Names,
    projects: &std::collections::HashMap<i64, String>,
) -> AuditEntry {
    let china = chrono::FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset");
    let parse = |s: &Option<String>| s.as_deref().and_then(|t| serde_json::from_str::<serde_json::Value>(t).ok());
    let (before, after) = (parse(&a.before), parse(&a.after));
    let mut changes = Vec::new();
    let mut note = String::new();
    if is_meeting_secret(a) && !actor.can_see_meeting_results(false) {
        note = "（评分、排名和加减分的内容只对项目办和区领导显示）".to_string();
    } else if ENTERPRISE_ENTITIES.contains(&a.entity.as_str()) && !actor.can_read_enterprises() {
        // Firms' figures are the bureau's, the leaders' and the project office's to read.
        note = "（企业数据的内容只对科技局、区领导和项目办显示）".to_string();
    } else if a.entity == "request" {
        // A refusal or a download: what was asked for.
        note = after
            .as_ref()
            .map(|v| {
                let field = |k: &str| v.get(k).and_then(|x| x.as_str()).unwrap_or("").to_string();
                format!("{} {}", field("method"), field("path")).trim().to_string()
            })
            .unwrap_or_default();
    } else if a.entity == "ledger" {
        note = after
            .as_ref()
            .and_then(|v| v.get("summary"))
            .and_then(|v| v.as_str())
            .map(str::to_string)
            .unwrap_or_else(|| "台账导入".to_string());
    } else {
        let object =
            |v: &Option<serde_json::Value>| v.as_ref().and_then(|v| v.as_object()).cloned().unwrap_or_default();
        let (b, f) = (object(&before), object(&after));
        let mut keys: Vec<&String> = b.keys().chain(f.keys()).collect();
        keys.sort();
        keys.dedup();
        for key in keys {
            // A project's version only orders edits (see `update_project`).
            if NOISE.contains(&key.as_str()) || (a.entity == "project" && key == "version") {
                continue;
            }
            if a.entity == "meeting_site"
                && SITE_SECRETS.contains(&key.as_str())
                && !actor.can_see_meeting_results(false)
            {
                continue;
            }
            let (x, y) = (b.get(key), f.get(key));
            if x == y {
                continue;
            }
            let text =
                |v: Option<&serde_json::Value>| v.map_or_else(|| "（空）".to_string(), |v| value_text(key, v, names));
            let (bt, at) = (text(x), text(y));
            if bt != at {
                changes.push(AuditChange { field: field_label(key).to_string(), before: bt, after: at });
            }
        }
    }
    AuditEntry {
        id: a.id,
        at: a.at.with_timezone(&china).format("%Y-%m-%d %H:%M:%S").to_string(),
        username: a.username.clone(),
        action: a.action.clone(),
        action_label: action_label(&a.action),
        entity_label: entity_label(&a.entity).to_string(),
        project_id: a.project_id,
        project: a.project_id.and_then(|p| projects.get(&p).cloned()).unwrap_or_default(),
        changes,
        note,
        client: [a.client_addr.as_str(), a.user_agent.as_str()]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" · "),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn stored_values_read_as_people_name_them() {
        let names = crate::rows::Names::default();
        let cases = [
            ("band_mode", json!("score"), "按分数线"),
            ("method", json!("rank_ballot"), "评委排名投票"),
            ("stage", json!("building"), "建设"),
            ("total_investment", json!(123_450_000), "12,345 万元"),
            ("approved", json!(true), "是"),
            ("note", json!(""), "（空）"),
            ("planned_start", json!({"date": "2024-03-01", "precision": "Month"}), "2024年3月"),
            ("planned_start", json!({"date": "2024-01-01", "precision": "Year"}), "2024年"),
            ("status", json!("unknown-code"), "unknown-code"),
        ];
        for (key, value, expected) in cases {
            assert_eq!(value_text(key, &value, &names), expected, "{key} = {value}");
        }
    }
}
