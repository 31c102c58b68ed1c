//! Templates (minijinja, embedded), the per-request page context and the zh/en
//! dictionary. Chinese is the source language; English is looked up by the Chinese
//! text, so a missing translation shows Chinese rather than nothing.

use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{Html, Response};
use fengkou_app::Actor;
use minijinja::value::{Kwargs, Serde};
use minijinja::{Environment, State, UndefinedBehavior, Value, context};
use rust_embed::RustEmbed;
use serde::Serialize;
use std::collections::HashMap;
use std::sync::Arc;

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
        let dictionary = Arc::new(Dictionary::embedded());
        env.add_function("t", move |state: &State, text: String, kwargs: Kwargs| {
            dictionary.translate(state, text, kwargs)
        });
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

/// Chinese text → English, from `i18n/en.json` (embedded).
///
/// `texts` are the templates' own: looked up whole, and a key may hold named
/// placeholders, `{name}`, which the call's keyword arguments fill in either language:
/// `t("第{page}/{pages}页", page=2, pages=9)`.
///
/// `composed` are the shapes of text the app composes in Chinese ("2026年10月",
/// "湖北路办事处尚无确认的观摩点"): a text with no entry of its own is matched against
/// them; what a placeholder takes is translated in turn (a month inside a sentence) or
/// kept (a name). Placeholders named like numbers (`year`, `month`, `n`, `n1`, …) take
/// only a number. Only these entries are matched, so that a name or a remark that
/// happens to look like a template's sentence is never rewritten.
pub struct Dictionary {
    english: HashMap<String, String>,
    /// The `composed` entries, the most literal text first.
    patterns: Vec<Pattern>,
}

struct Pattern {
    pieces: Vec<Piece>,
    english: String,
}

enum Piece {
    Text(String),
    Slot(String),
}

/// Placeholders that take a number when text is matched (and `n1`, `n2`, …).
const NUMBER_SLOTS: [&str; 12] =
    ["year", "month", "day", "n", "m", "count", "version", "seq", "page", "pages", "times", "points"];

fn takes_a_number(name: &str) -> bool {
    NUMBER_SLOTS.contains(&name) || name.strip_prefix('n').is_some_and(|d| d.chars().all(|c| c.is_ascii_digit()))
}

/// The dictionary file, embedded in the binary.
const ENGLISH_JSON: &str = include_str!("../i18n/en.json");

impl Dictionary {
    /// The embedded dictionary. A file that does not read stops the server at start:
    /// a page half in Chinese is a bug to see, not to serve.
    pub fn embedded() -> Dictionary {
        Dictionary::parse(ENGLISH_JSON)
            .unwrap_or_else(|problems| panic!("crates/web/i18n/en.json:\n{}", problems.join("\n")))
    }

    /// Reads a dictionary: a JSON object with `texts` and `composed`, each an object of
    /// Chinese keys and English values. Every problem is listed: bad JSON, a key given
    /// twice, an empty side, English that still holds Chinese, placeholders that differ
    /// between the two sides or that touch.
    pub fn parse(json: &str) -> Result<Dictionary, Vec<String>> {
        #[derive(serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct File {
            texts: Entries,
            composed: Entries,
        }
        let file: File = serde_json::from_str(json).map_err(|e| vec![format!("not a dictionary: {e}")])?;
        let composed = file.composed.0.into_iter().map(|e| (e, true));
        let mut problems = Vec::new();
        let mut english = HashMap::new();
        let mut patterns = Vec::new();
        for ((zh, en), is_composed) in file.texts.0.into_iter().map(|e| (e, false)).chain(composed) {
            if zh.trim().is_empty() || en.trim().is_empty() {
                problems.push(format!("empty text: {zh:?} → {en:?}"));
            }
            // Chinese punctuation carries its own space; its English may need one
            // ("、" → ", ", "（第3次）：" → " (3rd time): ").
            let open_start = zh.starts_with(is_fullwidth_punctuation);
            let open_end = zh.ends_with(is_fullwidth_punctuation);
            if zh.trim() != zh || (en.trim_start() != en && !open_start) || (en.trim_end() != en && !open_end) {
                problems.push(format!("spaces around the text: {zh:?} → {en:?}"));
            }
            if !has_chinese(&zh) && !zh.chars().any(is_fullwidth_punctuation) {
                problems.push(format!("the key holds no Chinese: {zh:?}"));
            }
            if has_chinese(&en) || en.chars().any(is_fullwidth_punctuation) {
                problems.push(format!("the English holds Chinese characters or punctuation: {zh:?} → {en:?}"));
            }
            let (mut a, mut b) = (placeholders(&zh), placeholders(&en));
            a.sort();
            b.sort();
            if a != b {
                problems.push(format!("placeholders differ: {zh:?} has {a:?}, {en:?} has {b:?}"));
            }
            if is_composed {
                let pieces = pieces(&zh);
                if a.is_empty() {
                    problems.push(format!("a composed text without placeholders belongs in texts: {zh:?}"));
                }
                if pieces.windows(2).any(|w| matches!(w, [Piece::Slot(_), Piece::Slot(_)])) {
                    problems.push(format!("placeholders with no text between them: {zh:?}"));
                }
                patterns.push(Pattern { pieces, english: en.clone() });
            }
            if english.insert(zh.clone(), en).is_some() {
                problems.push(format!("key given twice: {zh:?}"));
            }
        }
        let literal = |p: &Pattern| {
            p.pieces.iter().map(|x| if let Piece::Text(t) = x { t.chars().count() } else { 0 }).sum::<usize>()
        };
        patterns.sort_by_key(|p| std::cmp::Reverse(literal(p)));
        if problems.is_empty() { Ok(Dictionary { english, patterns }) } else { Err(problems) }
    }

    pub fn len(&self) -> usize {
        self.english.len()
    }

    pub fn is_empty(&self) -> bool {
        self.english.is_empty()
    }

    /// The English for a Chinese text: its entry, or the first `composed` entry that
    /// matches it, with what the placeholders took translated in turn.
    pub fn english(&self, zh: &str) -> Option<String> {
        self.english_of(zh, 0)
    }

    fn english_of(&self, zh: &str, depth: u8) -> Option<String> {
        if let Some(en) = self.english.get(zh) {
            return Some(en.clone());
        }
        if depth > 3 || !has_chinese(zh) {
            return None;
        }
        self.patterns.iter().find_map(|p| {
            let mut taken = Vec::new();
            match_pieces(&p.pieces, zh, &mut taken).then(|| {
                fill(&p.english, |name| {
                    let value = taken.iter().find(|(n, _)| *n == name).map(|(_, v)| *v)?;
                    Some(self.english_of(value, depth + 1).unwrap_or_else(|| value.to_string()))
                })
            })
        })
    }

    /// The keys (the Chinese texts).
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.english.keys().map(String::as_str)
    }

    /// `text` in the page's language. With keyword arguments, `text` is a key whose
    /// placeholders they fill; without, any text (a label the app composed, a name),
    /// shown as it is when the dictionary has nothing for it.
    fn translate(&self, state: &State, text: String, kwargs: Kwargs) -> Result<String, minijinja::Error> {
        let english = state.lookup("lang").is_some_and(|l| l.as_str() == Some("en"));
        if kwargs.args().next().is_none() {
            return Ok(if english { self.english_of(&text, 0).unwrap_or(text) } else { text });
        }
        if let Some(name) = placeholders(&text).into_iter().find(|name| !kwargs.has(name)) {
            return Err(minijinja::Error::new(
                minijinja::ErrorKind::MissingArgument,
                format!("t({text:?}) needs the argument {name}"),
            ));
        }
        let template = match self.english.get(&text) {
            Some(en) if english => en.as_str(),
            _ => text.as_str(),
        };
        let out = fill(template, |name| kwargs.get::<Value>(name).ok().map(|v| v.to_string()));
        kwargs.assert_all_used()?;
        Ok(out)
    }
}

/// A key as text and placeholders.
fn pieces(key: &str) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut rest = key;
    for name in placeholders(key) {
        let slot = format!("{{{name}}}");
        let at = rest.find(&slot).expect("a placeholder found in its key");
        if at > 0 {
            out.push(Piece::Text(rest[..at].to_string()));
        }
        out.push(Piece::Slot(name.to_string()));
        rest = &rest[at + slot.len()..];
    }
    if !rest.is_empty() {
        out.push(Piece::Text(rest.to_string()));
    }
    out
}

/// Does `text` read as `pieces`? What each placeholder took goes into `taken`.
fn match_pieces<'p, 't>(pieces: &'p [Piece], text: &'t str, taken: &mut Vec<(&'p str, &'t str)>) -> bool {
    match pieces.split_first() {
        None => text.is_empty(),
        Some((Piece::Text(t), rest)) => text.strip_prefix(t.as_str()).is_some_and(|r| match_pieces(rest, r, taken)),
        Some((Piece::Slot(name), rest)) => {
            let number = takes_a_number(name);
            let ends = text.char_indices().skip(1).map(|(i, _)| i).chain(std::iter::once(text.len()));
            for end in ends.filter(|e| *e > 0) {
                let value = &text[..end];
                if number && !value.chars().all(|c| c.is_ascii_digit() || matches!(c, '.' | ',' | '-' | '+')) {
                    break;
                }
                taken.push((name, value));
                if match_pieces(rest, &text[end..], taken) {
                    return true;
                }
                taken.pop();
            }
            false
        }
    }
}

/// `template` with each `{name}` replaced by `value(name)`, in one pass (a value that
/// holds braces is not read again); a name with no value stays as it is.
fn fill(template: &str, value: impl Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    for name in placeholders(template) {
        let slot = format!("{{{name}}}");
        let at = rest.find(&slot).expect("a placeholder found in its text");
        out.push_str(&rest[..at]);
        match value(name) {
            Some(v) => out.push_str(&v),
            None => out.push_str(&slot),
        }
        rest = &rest[at + slot.len()..];
    }
    out.push_str(rest);
    out
}

/// The dictionary file's entries in their order, duplicates kept (a JSON object read
/// into a map would keep the last of two equal keys without a word).
struct Entries(Vec<(String, String)>);

impl<'de> serde::Deserialize<'de> for Entries {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Entries, D::Error> {
        struct Pairs;
        impl<'de> serde::de::Visitor<'de> for Pairs {
            type Value = Entries;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object of Chinese texts and their English")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Entries, A::Error> {
                let mut out = Vec::new();
                while let Some(pair) = map.next_entry::<String, String>()? {
                    out.push(pair);
                }
                Ok(Entries(out))
            }
        }
        d.deserialize_map(Pairs)
    }
}

/// The `{name}` placeholders of a text, in order.
pub fn placeholders(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) if after[..close].chars().all(|c| c.is_ascii_alphanumeric() || c == '_') && close > 0 => {
                out.push(&after[..close]);
                rest = &after[close + 1..];
            }
            _ => rest = after,
        }
    }
    out
}

/// A Han character (the Chinese script), as in Unicode's Script=Han.
pub fn is_han(c: char) -> bool {
    matches!(c as u32,
        0x2E80..=0x2FDF | 0x3005..=0x3007 | 0x3021..=0x3029 | 0x3038..=0x303B | 0x3400..=0x4DBF
        | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x3134F)
}

pub fn has_chinese(text: &str) -> bool {
    text.chars().any(is_han)
}

/// Punctuation only Chinese text uses: ideographic (、。〈〉《》「」【】…) and full-width
/// (，：；！？（）) forms.
fn is_fullwidth_punctuation(c: char) -> bool {
    matches!(c as u32, 0x3000..=0x303F | 0xFF01..=0xFF0F | 0xFF1A..=0xFF20 | 0xFF3B..=0xFF40 | 0xFF5B..=0xFF65)
}

#[cfg(test)]
mod dictionary_tests {
    use super::{Dictionary, placeholders};

    #[test]
    fn the_embedded_dictionary_reads_whole() {
        let d = Dictionary::parse(super::ENGLISH_JSON).unwrap_or_else(|p| panic!("{}", p.join("\n")));
        assert!(d.len() > 100, "{} entries", d.len());
        assert_eq!(d.english("项目办").as_deref(), Some("Project Office"));
    }

    #[test]
    fn a_bad_dictionary_is_refused_with_every_problem() {
        let problems = Dictionary::parse(
            r#"{"texts": {"项目": "Project", "项目": "Projects", "办事处": "", "阶段": "阶段", "第{n}页": "Page {m}", "ok": "ok", "按": " by"},
                "composed": {"{a}{b}年": "{a}{b}", "全部": "All", "项目": "Project"}}"#,
        )
        .err()
        .expect("refused");
        let all = problems.join("\n");
        for expected in [
            "key given twice: \"项目\"",
            "empty text",
            "holds Chinese",
            "placeholders differ",
            "no Chinese",
            "spaces around",
            "no text between",
            "belongs in texts",
        ] {
            assert!(all.contains(expected), "{expected} in {all}");
        }
        assert_eq!(all.matches("given twice").count(), 2, "within and across sections: {all}");
        assert!(Dictionary::parse("[1, 2]").is_err());
        assert!(Dictionary::parse(r#"{"texts": {"项目": 1}, "composed": {}}"#).is_err());
        assert!(Dictionary::parse(r#"{"texts": {}}"#).is_err(), "both sections");
        assert!(Dictionary::parse(r#"{"texts": {}, "composed": {}, "other": {}}"#).is_err());
    }

    #[test]
    fn composed_text_is_matched_against_the_keys_with_placeholders() {
        let d = Dictionary::parse(
            r#"{"texts": {"按{basis}": "by {basis}"},
                "composed": {"{year}年{month}月": "{month}/{year}", "{year}年10月": "October {year}", "{name}尚无观摩点": "{name}: no sites yet",
                "红灯按{when}评价": "Lights as of {when}", "共{n}个": "{n} in all", "{a}至{b}": "{a} to {b}"}}"#,
        )
        .unwrap();
        assert_eq!(d.english("2026年10月").as_deref(), Some("October 2026"), "the most literal key first");
        assert_eq!(d.english("2026年9月").as_deref(), Some("9/2026"));
        assert_eq!(d.english("湖北路办事处尚无观摩点").as_deref(), Some("湖北路办事处: no sites yet"));
        assert_eq!(
            d.english("红灯按2026年10月评价").as_deref(),
            Some("Lights as of October 2026"),
            "taken text translated"
        );
        assert_eq!(d.english("共三个"), None, "a number placeholder takes only a number");
        assert_eq!(d.english("2026-01-01至2026年10月").as_deref(), Some("2026-01-01 to October 2026"));
        assert_eq!(d.english("至2026"), None, "a placeholder takes at least a character");
        assert_eq!(d.english("没有"), None);
        assert_eq!(d.english("按评委评分"), None, "only composed texts are matched");
    }

    #[test]
    fn placeholders_are_named_in_braces() {
        assert_eq!(placeholders("第{page}/{pages}页"), ["page", "pages"]);
        assert_eq!(placeholders("{ 不是 } {}"), Vec::<&str>::new());
    }

    /// Every literal `t("…")` in a template has its English, so a page cannot show a
    /// Chinese label in English because the dictionary lacks it.
    #[test]
    fn every_literal_in_the_templates_has_its_english() {
        let d = Dictionary::embedded();
        let mut missing = Vec::new();
        for name in super::TemplateFiles::iter() {
            let file = super::TemplateFiles::get(&name).expect("listed template exists");
            let source = String::from_utf8_lossy(&file.data).into_owned();
            for key in literal_keys(&source) {
                if !d.english.contains_key(&key) {
                    missing.push(format!("{name}: {key}"));
                }
            }
        }
        assert!(missing.is_empty(), "no English for:\n{}", missing.join("\n"));
    }

    /// The string literals passed whole as the first argument of `t(`: `t("…")`,
    /// `t('…', n=…)`.
    fn literal_keys(source: &str) -> Vec<String> {
        let mut out = Vec::new();
        let bytes = source.as_bytes();
        for (i, _) in source.match_indices("t(") {
            let before = i.checked_sub(1).map(|j| bytes[j]);
            if before.is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.') {
                continue;
            }
            let rest = &source[i + 2..];
            let Some(quote) = rest.chars().next().filter(|c| *c == '"' || *c == '\'') else { continue };
            let Some(end) = rest[1..].find(quote) else { continue };
            // The whole first argument, not the start of `"已" ~ label`.
            if rest[end + 2..].trim_start().starts_with([')', ',']) {
                out.push(rest[1..1 + end].to_string());
            }
        }
        out
    }
}

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
    pub can_enterprises: bool,
    pub can_edit_enterprises: bool,
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
            can_enterprises: a.can_read_enterprises(),
            can_edit_enterprises: a.can_edit_enterprises(),
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
