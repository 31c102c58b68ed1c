//! Templates (minijinja, embedded), the per-request page context and the zh/en
//! dictionary. Chinese is the source language; English is looked up by the Chinese
//! text, so a missing translation shows Chinese rather than nothing.

use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{Html, Response};
use fengkou_app::Actor;
use minijinja::value::Serde;
use minijinja::{Environment, State, UndefinedBehavior, Value, context};
use rust_embed::RustEmbed;
use serde::Serialize;
use std::collections::HashMap;
use std::sync::{Arc, LazyLock};

#[derive(RustEmbed)]
#[folder = "templates/"]
struct TemplateFiles;

pub struct Templates {
    env: Environment<'static>,
}

impl Templates {
    pub fn load() -> Templates {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        for name in TemplateFiles::iter() {
            let file = TemplateFiles::get(&name).expect("listed template exists");
            let source = String::from_utf8_lossy(&file.data).into_owned();
            env.add_template_owned(name.to_string(), source).unwrap_or_else(|e| panic!("template {name}: {e}"));
        }
        env.add_function("t", translate);
        env.add_filter("wan", wan_filter);
        env.add_filter("pct", pct_filter);
        env.add_filter("dt", datetime_filter);
        // Limits the pages state, from the one place that enforces them.
        env.add_global("max_upload_rows", format!("{}", crate::MAX_UPLOAD_ROWS));
        env.add_global("max_upload_mb", crate::MAX_UPLOAD_BYTES / 1024 / 1024);
        Templates { env }
    }

    pub fn render(&self, name: &str, ctx: Value) -> Result<String, minijinja::Error> {
        self.env.get_template(name)?.render(ctx)
    }
}

/// Yuan (as stored) to 万元 for people: 12345600 → "1,234.56".
fn wan_filter(value: Value) -> String {
    match i64::try_from(value) {
        Ok(yuan) => fengkou_domain::Wan::from_yuan(yuan).display(),
        Err(_) => "—".to_string(),
    }
}

/// A share as "45.8%", or "—" when there is none (no plan to compare with).
fn pct_filter(value: Value) -> String {
    match f64::try_from(value) {
        Ok(v) if v.is_finite() => format!("{v:.1}%"),
        _ => "—".to_string(),
    }
}

/// A stored time (UTC, "2026-11-25T08:01:02.123Z") as people in China read it:
/// "2026-11-25 16:01" (UTC+8).
fn datetime_filter(value: String) -> String {
    let china = chrono::FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset");
    match chrono::DateTime::parse_from_rfc3339(&value) {
        Ok(t) => t.with_timezone(&china).format("%Y-%m-%d %H:%M").to_string(),
        Err(_) => value.replace('T', " ").chars().take(16).collect(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn times_are_shown_in_china_time() {
        assert_eq!(super::datetime_filter("2026-11-25T20:01:02.123Z".into()), "2026-11-26 04:01");
        assert_eq!(super::datetime_filter("2026-11-25".into()), "2026-11-25");
    }
}

fn translate(state: &State, text: String) -> String {
    let english = state.lookup("lang").is_some_and(|l| l.as_str() == Some("en"));
    if english { DICTIONARY.get(text.as_str()).map_or(text, |e| (*e).to_string()) } else { text }
}

static DICTIONARY: LazyLock<HashMap<&'static str, &'static str>> = LazyLock::new(|| {
    [
        ("风口", "Fengkou"),
        ("驾驶舱", "Dashboard"),
        ("项目台账", "Project ledger"),
        ("月报填报", "Monthly reports"),
        ("办事处对比", "Office comparison"),
        ("三个一批", "Campaign batches"),
        ("现场观摩", "Site meetings"),
        ("台账导入", "Import ledger"),
        ("操作日志", "Audit trail"),
        ("系统管理", "Administration"),
        ("退出", "Log out"),
        ("我的账号", "My account"),
        ("登录", "Log in"),
        ("用户名", "Username"),
        ("密码", "Password"),
        ("演示数据：本系统当前载有演示用的虚拟区县数据。", "Demo data: this system holds an invented demo district."),
        ("项目数", "Projects"),
        ("总投资", "Total investment"),
        ("年度计划投资", "Annual plan"),
        ("年度计划", "Annual plan"),
        ("年初至今完成", "Completed this year"),
        ("完成率", "Completion rate"),
        ("预警", "Warning"),
        ("红灯", "Red"),
        ("黄灯", "Yellow"),
        ("绿灯", "Green"),
        ("项目名称", "Project"),
        ("办事处", "Office"),
        ("产业", "Industry"),
        ("阶段", "Stage"),
        ("年份", "Year"),
        ("搜索", "Search"),
        ("筛选", "Filter"),
        ("全部", "All"),
        ("新建项目", "New project"),
        ("导出Excel", "Export to Excel"),
        ("保存", "Save"),
        ("提交", "Submit"),
        ("取消", "Cancel"),
        ("编辑", "Edit"),
        ("填报月报", "Submit monthly report"),
        ("阶段变更", "Change stage"),
        ("阶段历程", "Stage history"),
        ("投资计划", "Investment plan"),
        ("月报", "Monthly reports"),
        ("节点", "Milestones"),
        ("问题", "Problems"),
        ("照片", "Photos"),
        ("领导点评", "Leaders' comments"),
        ("分值", "Points"),
        ("分组", "Group"),
        ("到达时间", "Arrival"),
        ("加减分", "Bonus/penalty"),
        ("原因", "Reason"),
        ("合计", "Total"),
        ("回避办事处", "Recuses office"),
        ("已评项", "Entries"),
        ("年度完成", "Done this year"),
        ("录入人", "Entered by"),
        ("得分", "Score"),
        ("排名", "Rank"),
        ("排名投票", "Rank ballots"),
        ("日期", "Date"),
        ("权重", "Weight"),
        ("活动", "Meeting"),
        ("满分", "Max"),
        ("状态", "Status"),
        ("申报人", "Proposed by"),
        ("积分项", "Items"),
        ("等次", "Band"),
        ("结果", "Results"),
        ("观摩点", "Site"),
        ("评分项", "Criterion"),
        ("评委打分", "Judges' scores"),
        ("较上次", "Change"),
        ("集中开工 / 扣分", "Start event / penalty"),
        ("项目", "Project"),
        ("顺序", "Order"),
        ("优秀线", "Excellent from"),
        ("分值（减分填负数）", "Points (negative for a penalty)"),
        ("办事处得分", "Office score from sites"),
        ("名次分差", "Points per place"),
        ("回避理由", "Reason for recusal"),
        ("开始日期", "First day"),
        ("方法", "Method"),
        ("汇总方法", "Aggregation"),
        ("活动名称", "Meeting name"),
        ("点评内容", "Comment"),
        ("点评对象", "On"),
        ("申报回避的办事处（默认为其所属办事处）", "Office to recuse from (default: their own)"),
        ("简短评语", "Short remark"),
        ("结束日期", "Last day"),
        ("结束日期（一天的可不填）", "Last day (blank for one day)"),
        ("综合权重：评委打分", "Composite weights: judges' scores"),
        ("良好线", "Good from"),
        ("评委用户名", "Judge's username"),
        ("项目（输入名称后从列表中选择）", "Project (type, then pick from the list)"),
        ("评比结果", "Results"),
        ("评比方法", "Scoring method"),
        ("参加办事处", "Offices taking part"),
        ("观摩路线", "Route"),
        ("台账积分", "Ledger points"),
        ("加减分项", "Bonus and penalty items"),
        ("评委", "Judges"),
        ("“好项目”前十", "Top 10 projects"),
        ("历次观摩排名", "Rank at each meeting"),
        ("办事处排名", "Office ranking"),
        ("评委评分进度", "Judges' progress"),
        ("进入评分", "Score"),
        ("大屏", "Board"),
        ("下载通报（Word）", "Bulletin (Word)"),
        ("评分明细（Excel）", "Ballots (Excel)"),
        ("发布排名到大屏", "Release the ranking"),
        ("撤回排名", "Withdraw the ranking"),
        ("提交评分表", "Submit my sheet"),
        ("保存排名", "Save ranking"),
        ("保存本点评分", "Save scores for this site"),
        ("“好项目”", "Top projects"),
        ("办事处申报，待确认", "Proposed by offices, to confirm"),
        ("新建观摩活动", "New meeting"),
        ("操作记录", "Change history"),
        ("阶段漏斗", "Stage funnel"),
        ("分产业投资", "Investment by industry"),
        ("累计完成与计划", "Completed vs planned (cumulative)"),
        ("最新问题", "Latest problems"),
        ("万元", "10k yuan"),
        ("单位：万元", "Unit: 10k yuan"),
        ("未报月报", "Missing reports"),
        ("新签约", "New signed"),
        ("新开工", "New started"),
        ("新投产", "New in production"),
        ("上一页", "Previous"),
        ("下一页", "Next"),
        ("共", "Total"),
        ("个项目", "projects"),
        ("清除", "Clear"),
        ("谋划", "Planning"),
        ("洽谈", "Negotiating"),
        ("签约", "Signed"),
        ("开工", "Started"),
        ("建设", "Building"),
        ("投产", "Producing"),
        ("达产", "Full production"),
        ("本期需填报的项目", "Projects to report this period"),
        ("填报期", "Reporting periods"),
        ("基本情况", "Basic facts"),
    ]
    .into_iter()
    .collect()
});

#[derive(Debug, Clone, Serialize)]
pub struct UserCtx {
    pub username: String,
    pub role: &'static str,
    pub role_label: &'static str,
    pub can_manage: bool,
    pub can_admin: bool,
    pub can_audit: bool,
    pub can_create: bool,
    pub is_office_user: bool,
}

impl UserCtx {
    pub fn of(a: &Actor) -> UserCtx {
        UserCtx {
            username: a.username.clone(),
            role: a.role.code(),
            role_label: a.role.label(),
            can_manage: a.can_manage_pipeline(),
            can_admin: a.can_administer(),
            can_audit: a.can_read_audit(),
            can_create: a.can_create_projects(),
            is_office_user: a.confined_to().is_some(),
        }
    }
}

/// What every page needs: who is looking, in which language, and where they are.
#[derive(Clone)]
pub struct Page {
    pub templates: Arc<Templates>,
    pub lang: &'static str,
    pub user: Option<UserCtx>,
    pub demo: bool,
    /// Reminders to file reports, for an office user.
    pub notices: Vec<fengkou_app::reports::ReminderNotice>,
    pub path: String,
}

impl Page {
    pub fn render(&self, name: &str, ctx: Value) -> Html<String> {
        let full = context! {
            lang => self.lang,
            user => Serde(&self.user),
            demo => self.demo,
            notices => Serde(&self.notices),
            path => self.path.clone(),
            ..ctx
        };
        match self.templates.render(name, full) {
            Ok(html) => Html(html),
            Err(e) => {
                tracing::error!("template {name} failed: {e:#}");
                bare_error_page("页面生成失败，请联系管理员")
            }
        }
    }

    pub fn error_page(&self, message: &str) -> Html<String> {
        self.render("error.html", context! { message => message.to_string() })
    }
}

/// `minijinja::context!` for any `Serialize` values (minijinja 3 converts only through
/// `Into<Value>`; serde values are wrapped in `Serde`).
#[macro_export]
macro_rules! ctx {
    ($($key:ident => $value:expr),* $(,)?) => {
        minijinja::context! { $($key => minijinja::value::Serde($value)),* }
    };
}

/// A minimal page for errors where no page context exists.
pub fn bare_error_page(message: &str) -> Html<String> {
    let escaped = message.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
    Html(format!(
        "<!doctype html><html lang=\"zh-CN\"><meta charset=\"utf-8\"><title>出错了</title>\
         <link rel=\"stylesheet\" href=\"/assets/app.css\"><main class=\"narrow\"><h1>出错了</h1>\
         <p class=\"alert\">{escaped}</p><p><a href=\"/\">返回首页</a></p></main></html>"
    ))
}

/// Headers that keep pages from being framed, sniffed or leaking their address.
pub async fn security_headers(req: Request, next: Next) -> Response {
    let docs = req.uri().path().starts_with("/api/docs");
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    // `base-uri` and `form-action` keep an injected `<base>` or form from pointing the
    // page elsewhere. Swagger UI (`/api/docs`) loads its script from a file too; it
    // only needs inline styles and data: images, like our pages.
    let policy = if docs {
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    } else {
        "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    };
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(policy));
    // Pages and API answers are one user's view (a new API token is shown once): no
    // cache keeps them. Assets and photos say their own.
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}
