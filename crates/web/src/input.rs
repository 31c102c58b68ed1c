//! Text is text: one guard, before any handler, refuses a request whose query string,
//! form or JSON body holds a control character (NUL, backspace, vertical tab, escape …)
//! anywhere but tab, newline and carriage return, naming the field. Done once here
//! rather than in every use case so that no field can be forgotten, and so that
//! SQLite and PostgreSQL answer alike (PostgreSQL cannot store NUL in text and used to
//! answer 500; SQLite stored it and a pasted vertical tab later broke the Word bulletin).
//! Multipart uploads carry files, not text: their text fields are checked by the use
//! cases that read them.

use crate::error::{Surface, respond};
use axum::body::Body;
use axum::extract::Request;
use axum::http::header;
use axum::middleware::Next;
use axum::response::Response;
use fengkou_app::AppError;

/// The first field holding a character that no text field may hold, and that character.
fn forbidden_in(pairs: impl Iterator<Item = (String, String)>) -> Option<(String, char)> {
    pairs.into_iter().find_map(|(k, v)| {
        k.chars().chain(v.chars()).find(|c| is_forbidden(*c)).map(|c| (k.chars().take(40).collect(), c))
    })
}

fn is_forbidden(c: char) -> bool {
    (c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
        // Direction overrides and isolates make a name display as something else
        // ("exe.txt"); a byte-order mark inside text is invisible junk.
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

fn forbidden_in_json(value: &serde_json::Value, path: &str) -> Option<(String, char)> {
    match value {
        serde_json::Value::String(s) => s.chars().find(|c| is_forbidden(*c)).map(|c| (path.to_string(), c)),
        serde_json::Value::Array(items) => {
            items.iter().enumerate().find_map(|(i, v)| forbidden_in_json(v, &format!("{path}[{i}]")))
        }
        serde_json::Value::Object(map) => map.iter().find_map(|(k, v)| {
            if let Some(c) = k.chars().find(|c| is_forbidden(*c)) {
                return Some((path.to_string(), c));
            }
            let inner = if path.is_empty() { k.chars().take(40).collect() } else { format!("{path}.{k}") };
            forbidden_in_json(v, &inner)
        }),
        _ => None,
    }
}

fn refusal(api: bool, field: &str, c: char) -> Response {
    let field = if field.is_empty() { "请求" } else { field };
    let e = AppError::invalid(
        "请求",
        format!("“{field}”含有不可见的控制字符（U+{:04X}），请删除后重试（复制粘贴时常带入）", c as u32),
    );
    respond(&e, if api { Surface::Api } else { Surface::Page(None) })
}

pub async fn text_guard(req: Request, next: Next) -> Response {
    let api = req.uri().path().starts_with("/api/");
    if let Some(query) = req.uri().query()
        && let Some((field, c)) = forbidden_in(form_urlencoded::parse(query.as_bytes()).into_owned())
    {
        return refusal(api, &field, c);
    }
    let content_type =
        req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_ascii_lowercase();
    let form = content_type.starts_with("application/x-www-form-urlencoded");
    let json = content_type.starts_with("application/json");
    if !form && !json {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    // Text bodies are small (see MAX_FORM_BYTES); a longer one is refused here as the
    // extractor would refuse it.
    let bytes = match axum::body::to_bytes(body, crate::MAX_FORM_BYTES).await {
        Ok(b) => b,
        Err(_) => {
            let e = AppError::invalid("请求", format!("提交的内容超过 {} KB", crate::MAX_FORM_BYTES / 1024));
            let mut res = respond(&e, if api { Surface::Api } else { Surface::Page(None) });
            *res.status_mut() = axum::http::StatusCode::PAYLOAD_TOO_LARGE;
            return res;
        }
    };
    let found = if form {
        forbidden_in(form_urlencoded::parse(&bytes).into_owned())
    } else {
        // Not JSON at all is the extractor's to say; only text inside is ours.
        serde_json::from_slice::<serde_json::Value>(&bytes).ok().and_then(|v| forbidden_in_json(&v, ""))
    };
    if let Some((field, c)) = found {
        return refusal(api, &field, c);
    }
    next.run(Request::from_parts(parts, Body::from(bytes))).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_found_with_their_field() {
        let pairs = form_urlencoded::parse(b"name=ok&note=a%00b").into_owned();
        assert_eq!(forbidden_in(pairs), Some(("note".to_string(), '\0')));
        let pairs = form_urlencoded::parse(b"note=line%0Aline%09tab%0D").into_owned();
        assert_eq!(forbidden_in(pairs), None);
        let pairs = form_urlencoded::parse(b"x=%0B").into_owned();
        assert_eq!(forbidden_in(pairs), Some(("x".to_string(), '\u{b}')));
        let pairs = form_urlencoded::parse("name=甲\u{202E}txt.exe".as_bytes()).into_owned();
        assert_eq!(forbidden_in(pairs), Some(("name".to_string(), '\u{202E}')));
    }

    #[test]
    fn json_paths_name_the_field() {
        let v: serde_json::Value = serde_json::json!({"name": "ok", "items": [{"note": "a\u{1b}b"}]});
        assert_eq!(forbidden_in_json(&v, ""), Some(("items[0].note".to_string(), '\u{1b}')));
        let v: serde_json::Value = serde_json::json!({"name": "多行\n文字\t"});
        assert_eq!(forbidden_in_json(&v, ""), None);
    }
}
