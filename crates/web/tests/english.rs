//! Every page in English: the real server on a fresh SQLite database with the demo
//! district, each demo account signed in with English chosen, every HTML page it can
//! reach (by following the links of the pages, from a list of starting points), parsed;
//! any text node or user-visible attribute that still holds Chinese which is not data
//! fails the test, listed with the page it is on.
//!
//! Data is what people entered or the district is made of: every text stored in the
//! database (names of offices, projects, industries, people, meetings, reports, audit
//! entries…), read from the database itself after the demo and a few actions below. A
//! text passes when what is left after taking out every data string is free of Chinese
//! characters. A data string that is also fixed vocabulary (a key of the dictionary, a
//! stage, role or list name) is not data: it has to be translated. Two more things are
//! not fixed text: the app's message on an error page (the `role="alert"` of a 403 or
//! 404, in Chinese in both languages), and what is marked as Chinese (`lang="zh-CN"`,
//! the switch back to 中文).

use fengkou_app::demo::DEMO_USERS;
use fengkou_web::render::is_han;
use reqwest::StatusCode;
use scraper::{Html, Node, Selector};
use sea_orm::{ConnectionTrait, Database, DbBackend, Statement};
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

/// People's names for the demo accounts. The demo names each account after its role
/// ("区领导"), which would make an untranslated role label look like data.
const NAMES: [(&str, &str); 6] = [
    ("admin", "王建国"),
    ("leader", "李明远"),
    ("xmb", "赵敏"),
    ("hubeilu", "陈静"),
    ("tianjinlu", "刘洋"),
    ("viewer", "孙丽华"),
];

/// Pages visited per account at most, and per shape of address (digits and query
/// values aside), so that a hundred project pages do not make a hundred visits.
const MAX_PAGES: usize = 400;
const MAX_PER_SHAPE: usize = 6;

struct Server {
    base: String,
    url: String,
}

async fn spawn() -> (Server, fengkou_testkit::TestDb) {
    let db = fengkou_testkit::fresh_sqlite();
    let app = fengkou_testkit::test_app(&db.url).await;
    assert!(app.seed_demo().await.unwrap());
    let base = fengkou_testkit::serve(&app).await;
    (Server { base, url: db.url.clone() }, db)
}

fn password_of(username: &str) -> &'static str {
    DEMO_USERS.iter().find(|u| u.0 == username).map(|u| u.3).expect("a demo account")
}

impl Server {
    fn client() -> reqwest::Client {
        reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap()
    }

    /// A browser signed in through the login form, in Chinese (the default).
    async fn sign_in(&self, username: &str) -> reqwest::Client {
        let client = Server::client();
        let res = client
            .post(format!("{}/login", self.base))
            .form(&[("username", username), ("password", password_of(username))])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "sign-in of {username}");
        client
    }

    /// Chooses English the way the page's switch does.
    async fn english(&self, client: &reqwest::Client) {
        let res = client.get(format!("{}/lang/en", self.base)).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
    }

    async fn get(&self, client: &reqwest::Client, path: &str) -> (StatusCode, String) {
        let res = client.get(format!("{}{}", self.base, path)).send().await.unwrap();
        (res.status(), res.text().await.unwrap())
    }

    async fn post(&self, client: &reqwest::Client, path: &str, form: &[(String, String)]) -> StatusCode {
        let res = client.post(format!("{}{}", self.base, path)).form(form).send().await.unwrap();
        let status = res.status();
        assert!(status == StatusCode::SEE_OTHER || status == StatusCode::OK, "POST {path}: {status}");
        status
    }
}

fn sel(css: &str) -> Selector {
    Selector::parse(css).unwrap()
}

/// The named fields of a form (hidden ones included), as a browser sends them when
/// nothing is typed, and where it goes.
fn fields_of(form: scraper::ElementRef) -> (String, Vec<(String, String)>) {
    let action = form.value().attr("action").unwrap_or_default().to_string();
    let mut fields = Vec::new();
    for input in form.select(&sel("input[name], select[name]")) {
        let name = input.value().attr("name").unwrap_or_default().to_string();
        let value = if input.value().name() == "select" {
            input
                .select(&sel("option[selected]"))
                .next()
                .or_else(|| input.select(&sel("option")).next())
                .map(|o| o.value().attr("value").map_or_else(|| o.text().collect(), str::to_string))
                .unwrap_or_default()
        } else {
            input.value().attr("value").unwrap_or_default().to_string()
        };
        fields.push((name, value));
    }
    (action, fields)
}

/// The first form matching `css` on a page.
fn form_of(html: &str, css: &str) -> Option<(String, Vec<(String, String)>)> {
    let doc = Html::parse_document(html);
    doc.select(&sel(css)).next().map(fields_of)
}

fn set(fields: &mut Vec<(String, String)>, name: &str, value: &str) {
    fields.retain(|(n, _)| n != name);
    fields.push((name.to_string(), value.to_string()));
}

/// What the demo lacks and the pages can show: people's names, a step back waiting for
/// approval, milestones and problems (open and closed), a comment, a reminder.
async fn fill_in(s: &Server) {
    let admin = s.sign_in("admin").await;
    let (_, page) = s.get(&admin, "/admin").await;
    for (username, name) in NAMES {
        let doc = Html::parse_document(&page);
        let form = doc
            .select(&sel("tbody tr"))
            .find(|tr| {
                tr.select(&sel("td")).next().is_some_and(|td| td.text().collect::<String>().starts_with(username))
            })
            .and_then(|tr| tr.select(&sel("form.user-actions")).next())
            .unwrap_or_else(|| panic!("{username}'s form on the admin page"));
        let (action, mut fields) = fields_of(form);
        set(&mut fields, "display_name", name);
        s.post(&admin, &action, &fields).await;
    }

    // 湖北路 asks to take its project 1 back a stage; the project office has to decide.
    let hubeilu = s.sign_in("hubeilu").await;
    let requested = async {
        for stage in ["谋划", "洽谈"] {
            let form = [("stage", stage), ("date", "2026-11-20"), ("reason", "招商协议重新谈判")]
                .map(|(k, v)| (k.to_string(), v.to_string()));
            let res = hubeilu.post(format!("{}/projects/1/transition", s.base)).form(&form).send().await.unwrap();
            let to = res.headers().get("location").and_then(|l| l.to_str().ok()).unwrap_or_default().to_string();
            if to.contains("requested") {
                return true;
            }
        }
        false
    };
    assert!(requested.await, "a step back requested");

    let xmb = s.sign_in("xmb").await;
    for (what, body, extra, who) in [
        ("milestones", "主体封顶", "2026-12-31", "张三"),
        ("milestones", "设备安装调试", "2027-03-31", "李四"),
        ("problems", "用地指标不足", "2026-12-31", "区自然资源局"),
        ("problems", "施工用电未接通", "2026-12-15", "区供电公司"),
    ] {
        let form = [("body", body), ("date", extra), ("responsible", who)].map(|(k, v)| (k.to_string(), v.to_string()));
        s.post(&xmb, &format!("/projects/1/{what}"), &form).await;
    }
    let (_, project) = s.get(&xmb, "/projects/1").await;
    let (action, _) = form_of(&project, "form[action^='/milestones/']").expect("a milestone to close");
    s.post(&xmb, &action, &[]).await;
    let (action, _) = form_of(&project, "form[action^='/problems/']").expect("a problem to close");
    s.post(&xmb, &action, &[("body".into(), "已协调供电公司接通临时用电".into())]).await;

    let leader = s.sign_in("leader").await;
    s.post(&leader, "/projects/1/comments", &[("body".into(), "抓紧办理用地手续，确保年底前主体封顶。".into())]).await;

    // A reminder to an office whose reports are overdue: its users see the banner.
    let (_, reports) = s.get(&xmb, "/reports").await;
    if let Some((action, mut fields)) = form_of(&reports, "form.inline-form[action='/reminders']") {
        set(&mut fields, "note", "请于本周内补报");
        s.post(&xmb, &action, &fields).await;
    }
}

/// Every text stored in the database: every text value of every table, and the strings
/// inside the values that hold JSON (audit entries, published results).
async fn stored_texts(url: &str) -> BTreeSet<String> {
    let db = Database::connect(url).await.unwrap();
    let rows = |sql: String| {
        let db = &db;
        async move { db.query_all_raw(Statement::from_string(DbBackend::Sqlite, sql)).await.unwrap() }
    };
    let mut out = BTreeSet::new();
    let tables = rows("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'".into()).await;
    for table in tables.iter().map(|r| r.try_get_by_index::<String>(0).unwrap()) {
        let columns = rows(format!("SELECT name FROM pragma_table_info('{table}')")).await;
        for column in columns.iter().map(|r| r.try_get_by_index::<String>(0).unwrap()) {
            let sql = format!("SELECT DISTINCT \"{column}\" FROM \"{table}\" WHERE typeof(\"{column}\") = 'text'");
            for value in rows(sql).await.iter().filter_map(|r| r.try_get_by_index::<String>(0).ok()) {
                if let Ok(json) = serde_json::from_str::<serde_json::Value>(&value) {
                    json_strings(&json, &mut out);
                }
                out.insert(value);
            }
        }
    }
    db.close().await.ok();
    out
}

fn json_strings(v: &serde_json::Value, out: &mut BTreeSet<String>) {
    match v {
        serde_json::Value::String(s) => {
            out.insert(s.clone());
        }
        serde_json::Value::Array(a) => a.iter().for_each(|x| json_strings(x, out)),
        serde_json::Value::Object(o) => o.iter().for_each(|(k, x)| {
            out.insert(k.clone());
            json_strings(x, out)
        }),
        _ => {}
    }
}

/// Words the UI must translate even where they are stored: the dictionary's keys and
/// the domain's fixed names.
fn vocabulary() -> BTreeSet<String> {
    use fengkou_domain::Role;
    use fengkou_domain::campaign::BatchList;
    use fengkou_domain::project::Stage;
    let mut words: BTreeSet<String> = fengkou_web::render::Dictionary::embedded().keys().map(str::to_string).collect();
    words.extend(Stage::ALL.iter().map(|s| s.label().to_string()));
    words.extend(Role::ALL.iter().map(|r| r.label().to_string()));
    words.extend(BatchList::ALL.iter().flat_map(|l| [l.label().to_string(), l.ratio_label().to_string()]));
    words
}

/// Data to take out of a text: long strings first, so that a name holding a shorter one
/// goes whole. A one-character string would take a character out of any sentence.
struct Data(Vec<String>);

impl Data {
    fn new(stored: BTreeSet<String>, vocabulary: &BTreeSet<String>) -> Data {
        let mut list: Vec<String> = stored
            .into_iter()
            .map(|s| s.trim().to_string())
            .filter(|s| s.chars().filter(|c| is_han(*c)).count() >= 2 && !vocabulary.contains(s))
            .collect();
        list.sort_by_key(|s| std::cmp::Reverse(s.chars().count()));
        list.dedup();
        Data(list)
    }

    /// Does `text` hold Chinese that is not data?
    fn untranslated(&self, text: &str) -> bool {
        if !text.chars().any(is_han) {
            return false;
        }
        let mut rest = text.to_string();
        for d in &self.0 {
            if rest.contains(d.as_str()) {
                rest = rest.replace(d.as_str(), " ");
                if !rest.chars().any(is_han) {
                    return false;
                }
            }
        }
        rest.chars().any(is_han)
    }
}

/// The texts a person sees on a page: text nodes (not scripts or styles) and the
/// attributes read out or shown (title, placeholder, aria-label, alt, label, a button's
/// value), with the page's language. Left out: what is marked as Chinese (`lang="zh…"`)
/// and, when `app_message` (an error page), the app's message (`role="alert"`).
fn visible_texts(html: &str, app_message: bool) -> (Option<String>, Vec<String>) {
    let doc = Html::parse_document(html);
    let lang = doc.select(&sel("html")).next().and_then(|h| h.value().attr("lang")).map(str::to_string);
    let mut out = Vec::new();
    for node in doc.tree.nodes() {
        let skipped = std::iter::once(node).chain(node.ancestors()).filter_map(|n| n.value().as_element()).any(|e| {
            matches!(e.name(), "script" | "style" | "template") || (app_message && e.attr("role") == Some("alert"))
        });
        let own_lang = std::iter::once(node)
            .chain(node.ancestors())
            .filter_map(|n| n.value().as_element())
            .find_map(|e| e.attr("lang"));
        if skipped || own_lang.is_some_and(|l| l.starts_with("zh")) {
            continue;
        }
        match node.value() {
            Node::Text(t) => out.push(t.to_string()),
            Node::Element(e) => {
                for attr in ["title", "placeholder", "aria-label", "alt", "label"] {
                    if let Some(v) = e.attr(attr) {
                        out.push(v.to_string());
                    }
                }
                let button = e.name() == "button"
                    || (e.name() == "input" && matches!(e.attr("type"), Some("submit" | "button" | "reset")));
                if button && let Some(v) = e.attr("value") {
                    out.push(v.to_string());
                }
            }
            _ => {}
        }
    }
    let out = out.into_iter().map(|t| t.split_whitespace().collect::<Vec<_>>().join(" ")).filter(|t| !t.is_empty());
    (lang, out.collect())
}

/// A placeholder the template did not fill: "{name}".
fn unfilled(text: &str) -> bool {
    fengkou_web::render::placeholders(text).into_iter().next().is_some()
}

/// Same-site page links to follow: not downloads, photos, streams, the API or actions.
fn links(html: &str) -> Vec<String> {
    let doc = Html::parse_document(html);
    let mut out = Vec::new();
    for a in doc.select(&sel("a[href]")) {
        let href = a.value().attr("href").unwrap_or_default();
        let href = href.split('#').next().unwrap_or_default();
        if !href.starts_with('/') || href.starts_with("//") {
            continue;
        }
        let path = href.split('?').next().unwrap_or_default();
        let skip = [".xlsx", ".docx", ".json"].iter().any(|e| path.ends_with(e))
            || ["/api/", "/assets/", "/lang/", "/photos/", "/logout"].iter().any(|p| path.starts_with(p))
            || path.contains("/photos/")
            || path.ends_with("/events");
        if !skip {
            out.push(href.to_string());
        }
    }
    out
}

/// An address without its numbers and query values: "/projects/N?sort=".
fn shape(href: &str) -> String {
    let (path, query) = href.split_once('?').unwrap_or((href, ""));
    let path: String =
        path.split('/').map(|p| if p.parse::<i64>().is_ok() { "N" } else { p }).collect::<Vec<_>>().join("/");
    let mut keys: Vec<&str> =
        query.split('&').filter_map(|kv| kv.split('=').next()).filter(|k| !k.is_empty()).collect();
    keys.sort();
    keys.dedup();
    format!("{path}?{}", keys.join("&"))
}

/// Where each account starts; links take it on from there.
fn starting_points(username: &str) -> Vec<String> {
    let mut pages: Vec<String> = [
        "/",
        "/dashboard",
        "/dashboard?year=2025",
        "/projects",
        "/projects?q=基地&sort=total",
        "/projects?warning=red",
        "/projects/1",
        "/projects/new",
        "/projects/1/edit",
        "/projects/1/report",
        "/reports",
        "/comparison",
        "/batches",
        "/meetings",
        "/import",
        "/audit",
        "/admin",
        "/account",
        "/account/password",
        "/projects/99999",
        "/meetings/99999",
    ]
    .map(str::to_string)
    .to_vec();
    // The score sheet of the meeting under way, for its judges.
    if matches!(username, "leader" | "tianjinlu") {
        pages.push("/meetings/1/score".into());
    }
    pages
}

#[derive(Default)]
struct Findings {
    /// Offending text → the pages (account, address) it is on.
    texts: BTreeMap<String, BTreeSet<String>>,
    other: Vec<String>,
}

impl Findings {
    fn report(&self) -> String {
        let mut out = format!("{} texts in Chinese that did not go through the dictionary:\n", self.texts.len());
        for (text, pages) in &self.texts {
            let shown: Vec<&str> = pages.iter().take(3).map(String::as_str).collect();
            let more = if pages.len() > 3 { format!(" and {} more", pages.len() - 3) } else { String::new() };
            out.push_str(&format!("  {text:?}\n      on {}{more}\n", shown.join(", ")));
        }
        for o in &self.other {
            out.push_str(&format!("  {o}\n"));
        }
        out
    }
}

/// Visits every page the account reaches in English and records what is left in Chinese.
/// Returns the pages read, with their status.
async fn crawl(s: &Server, username: &str, data: &Data, found: &mut Findings) -> BTreeMap<String, u16> {
    let client = s.sign_in(username).await;
    s.english(&client).await;
    let mut queue: VecDeque<String> = starting_points(username).into();
    let mut seen = BTreeSet::new();
    let mut shapes: HashMap<String, usize> = HashMap::new();
    let mut visited = BTreeMap::new();
    while let Some(path) = queue.pop_front() {
        if visited.len() >= MAX_PAGES || !seen.insert(path.clone()) {
            continue;
        }
        let count = shapes.entry(shape(&path)).or_default();
        if *count >= MAX_PER_SHAPE && !starting_points(username).contains(&path) {
            continue;
        }
        *count += 1;
        let res = client.get(format!("{}{}", s.base, path)).send().await.unwrap();
        let status = res.status();
        if status.is_redirection() {
            let to = res.headers().get("location").and_then(|l| l.to_str().ok()).unwrap_or_default().to_string();
            queue.push_back(to);
            continue;
        }
        let html_page =
            res.headers().get("content-type").and_then(|c| c.to_str().ok()).is_some_and(|c| c.starts_with("text/html"));
        let body = res.text().await.unwrap();
        if !html_page {
            continue;
        }
        let at = format!("{username} {path} ({})", status.as_u16());
        if !matches!(status, StatusCode::OK | StatusCode::FORBIDDEN | StatusCode::NOT_FOUND) {
            found.other.push(format!("{at}: unexpected status"));
            continue;
        }
        visited.insert(path.clone(), status.as_u16());
        let (lang, texts) = visible_texts(&body, status != StatusCode::OK);
        if lang.as_deref() != Some("en") {
            found.other.push(format!("{at}: <html lang={lang:?}>, not \"en\""));
        }
        for text in texts {
            if data.untranslated(&text) || unfilled(&text) {
                found.texts.entry(text).or_default().insert(at.clone());
            }
        }
        queue.extend(links(&body));
    }
    visited
}

#[tokio::test]
async fn every_page_in_english_has_no_untranslated_chinese() {
    let (s, _db) = spawn().await;
    fill_in(&s).await;

    let data = Data::new(stored_texts(&s.url).await, &vocabulary());

    let mut found = Findings::default();
    // Signed out: the sign-in page, and its answer to a wrong password.
    let anonymous = Server::client();
    s.english(&anonymous).await;
    let mut pages = Vec::new();
    for path in ["/login", "/login?next=/projects"] {
        let (status, body) = s.get(&anonymous, path).await;
        assert_eq!(status, StatusCode::OK);
        pages.push((format!("(signed out) {path}"), body, false));
    }
    let res = anonymous
        .post(format!("{}/login", s.base))
        .form(&[("username", "viewer"), ("password", "not-the-password")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    pages.push(("(signed out) POST /login, a wrong password".into(), res.text().await.unwrap(), true));
    for (at, body, error) in pages {
        for text in visible_texts(&body, error).1.into_iter().filter(|t| data.untranslated(t) || unfilled(t)) {
            found.texts.entry(text).or_default().insert(at.clone());
        }
    }

    let mut reached = BTreeMap::new();
    for (username, ..) in DEMO_USERS {
        reached.insert(username, crawl(&s, username, &data, &mut found).await);
    }

    // The pages the accounts must have read, so that a change in links cannot make the
    // test pass by seeing less.
    let read = |user: &str, test: &dyn Fn(&str, u16) -> bool| reached[user].iter().any(|(p, s)| test(p, *s));
    for user in ["admin", "leader", "xmb", "hubeilu", "tianjinlu", "viewer"] {
        let meetings = reached[user].keys().filter(|p| shape(p) == "/meetings/N?").count();
        assert!(meetings >= 4, "{user} read {meetings} meeting pages");
        let projects = reached[user].keys().filter(|p| shape(p) == "/projects/N?").count();
        assert!(projects >= 3, "{user} read {projects} project pages");
        for page in ["/dashboard", "/projects", "/reports", "/comparison", "/batches", "/meetings", "/account"] {
            assert_eq!(reached[user].get(page), Some(&200), "{user} {page}");
        }
        assert!(read(user, &|p, s| p.ends_with("/board") && s == 200), "{user}: no hall board");
        assert!(read(user, &|_, s| s == 404), "{user}: no 404 page");
    }
    for (user, page, status) in [
        ("admin", "/admin", 200),
        ("admin", "/audit", 200),
        ("xmb", "/audit", 200),
        ("xmb", "/import", 200),
        ("xmb", "/projects/new", 200),
        ("hubeilu", "/projects/1/report", 200),
        ("hubeilu", "/projects/1/edit", 200),
        ("leader", "/meetings/1/score", 200),
        ("tianjinlu", "/meetings/1/score", 200),
        ("tianjinlu", "/projects/1", 403),
        ("viewer", "/admin", 403),
        // A form whose button could only be refused is the refusal itself.
        ("viewer", "/projects/1/report", 403),
        ("viewer", "/import", 403),
        ("hubeilu", "/import", 403),
    ] {
        assert_eq!(reached[user].get(page), Some(&status), "{user} {page}");
    }

    assert!(found.texts.is_empty() && found.other.is_empty(), "{}", found.report());
}
