//! Snapshots of what the district's other systems read: the JSON API and the exported
//! ledger, on the demo district (seeded from a fixed seed, the clock pinned), so that
//! any change to a field, a figure or a column shows up as a reviewed diff
//! (`cargo insta review`). Instants are redacted: they carry the time the test ran.

use fengkou_app::demo::DEMO_USERS;
use serde_json::Value;

/// Every instant ("…_at", "at") replaced: they are the test run's, not the data's.
fn redact(v: &mut Value) {
    match v {
        Value::Object(map) => {
            for (key, value) in map.iter_mut() {
                if (key == "at" || key.ends_with("_at")) && value.is_string() {
                    *value = Value::String("[instant]".into());
                } else {
                    redact(value);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact),
        _ => {}
    }
}

async fn demo() -> (String, fengkou_testkit::TestDb, String) {
    let db = fengkou_testkit::fresh_sqlite();
    let app = fengkou_testkit::test_app(&db.url).await;
    assert!(app.seed_demo().await.unwrap());
    let token = app.accounts().create_token("xmb", "snapshots", None).await.unwrap();
    let base = fengkou_testkit::serve(&app).await;
    (base, db, token)
}

async fn get(base: &str, token: &str, path: &str) -> Value {
    let res = reqwest::Client::new().get(format!("{base}/api/v1{path}")).bearer_auth(token).send().await.unwrap();
    assert!(res.status().is_success(), "{path}: {}", res.status());
    let mut v: Value = res.json().await.unwrap();
    redact(&mut v);
    v
}

#[tokio::test]
async fn the_json_api_on_the_demo_district() {
    let (base, _db, token) = demo().await;
    for (name, path) in [
        ("projects_page", "/projects?year=2026&sort=total&per_page=5"),
        ("projects_summary", "/projects/summary?year=2026"),
        ("project_1", "/projects/1"),
        ("project_1_reports", "/projects/1/reports"),
        ("meetings", "/meetings"),
        ("meeting_1", "/meetings/1"),
        ("meeting_history", "/meetings/history"),
    ] {
        let value = get(&base, &token, path).await;
        insta::assert_json_snapshot!(name, value);
    }
}

#[tokio::test]
async fn the_exported_ledger_on_the_demo_district() {
    let (base, _db, _token) = demo().await;
    let password = DEMO_USERS.iter().find(|u| u.0 == "xmb").map(|u| u.3).unwrap();
    let client =
        reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let res = client.post(format!("{base}/login")).form(&[("username", "xmb"), ("password", password)]).send().await;
    assert_eq!(res.unwrap().status(), reqwest::StatusCode::SEE_OTHER);
    let bytes = client.get(format!("{base}/projects.xlsx?year=2026")).send().await.unwrap().bytes().await.unwrap();
    // Read back by a second reader (calamine), cell by cell, as a table of text.
    use calamine::{Reader, Xlsx};
    let mut book = Xlsx::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let mut text = String::new();
    for sheet in book.sheet_names() {
        let range = book.worksheet_range(&sheet).unwrap();
        text.push_str(&format!("## {sheet}\n"));
        for row in range.rows() {
            let cells: Vec<String> = row.iter().map(ToString::to_string).collect();
            text.push_str(cells.join("\t").trim_end());
            text.push('\n');
        }
    }
    insta::assert_snapshot!("ledger_export", text);
}
