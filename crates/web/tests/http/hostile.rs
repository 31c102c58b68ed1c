//! Hostile input and load (one test per finding): sign-in floods and guessing,
//! markup in names, overflowing figures, control characters, stale edits, redirects
//! elsewhere, accounts an administrator runs, refusals on the audit trail, and open
//! event streams.

use super::*;
use std::net::{IpAddr, Ipv4Addr};

fn from(addr: [u8; 4]) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(IpAddr::V4(Ipv4Addr::from(addr)))
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .build()
        .unwrap()
}

async fn trail(t: &TestApp, action: &str) -> Vec<fengkou_app::audit::AuditEntry> {
    let admin = fengkou_domain::Actor { user_id: 0, username: "test".into(), role: Role::Admin, office_id: None };
    let filter = fengkou_app::audit::AuditFilter { action: Some(action.into()), ..Default::default() };
    t.app.audit().audit_log(&admin, &filter, 1).await.unwrap().0
}

async fn login_status(client: &reqwest::Client, base: &str, username: &str, password: &str) -> StatusCode {
    client
        .post(format!("{base}/login"))
        .form(&[("username", username), ("password", password)])
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn the_sign_in_form_refuses_huge_names_before_storing_anything() {
    let db = fengkou_testkit::fresh_sqlite();
    let t = spawn_app(&db.url).await;
    t.user("xmb", Role::ProjectOffice, None).await;
    let anon = from([127, 0, 0, 1]);
    // A 1 MB username is refused by the body limit, before it is parsed.
    let huge = "a".repeat(1024 * 1024);
    assert_eq!(login_status(&anon, &t.base, &huge, "x").await, StatusCode::PAYLOAD_TOO_LARGE);
    // 65 characters is refused as a name; 1,025 as a password; nothing is audited.
    let long = "名".repeat(65);
    assert_eq!(login_status(&anon, &t.base, &long, "x").await, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(login_status(&anon, &t.base, "xmb", &"p".repeat(1025)).await, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(trail(&t, "login_failed").await.is_empty());
    // A wrong password is audited with the name as typed (at most 64 characters).
    assert_eq!(login_status(&anon, &t.base, &"名".repeat(64), "x").await, StatusCode::UNAUTHORIZED);
    let failed = trail(&t, "login_failed").await;
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].username.chars().count(), 64);
    assert!(failed[0].client.starts_with("127.0.0.1"), "{}", failed[0].client);
}

#[tokio::test]
async fn guessing_is_held_per_address_and_the_owner_still_gets_in() {
    let db = fengkou_testkit::fresh_sqlite();
    let t = spawn_app(&db.url).await;
    t.user("xmb", Role::ProjectOffice, None).await;
    // Forty guesses at once from one address: each is counted before it is checked,
    // so only the free three are checked at all.
    let attacker = from([127, 0, 0, 2]);
    let mut guesses = tokio::task::JoinSet::new();
    for i in 0..40 {
        let (c, base) = (attacker.clone(), t.base.clone());
        guesses.spawn(async move { login_status(&c, &base, "xmb", &format!("guess-{i}")).await });
    }
    let mut checked = 0;
    while let Some(s) = guesses.join_next().await {
        match s.unwrap() {
            StatusCode::UNAUTHORIZED => checked += 1,
            StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE => {}
            other => panic!("{other}"),
        }
    }
    assert!(checked <= 3, "{checked} of 40 guesses were checked");
    // Even the right password waits at that address…
    assert_eq!(login_status(&attacker, &t.base, "xmb", "password-123").await, StatusCode::TOO_MANY_REQUESTS);
    // …while the owner, elsewhere, signs in.
    assert_eq!(login_status(&from([127, 0, 0, 1]), &t.base, "xmb", "password-123").await, StatusCode::SEE_OTHER);
    // A forged X-Forwarded-For does not change the address (no trusted proxy).
    let res = attacker
        .post(format!("{}/login", t.base))
        .header("x-forwarded-for", "10.9.8.7")
        .form(&[("username", "xmb"), ("password", "password-123")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(!trail(&t, "login_throttled").await.is_empty());
}

#[tokio::test]
async fn after_the_wait_the_right_password_works() {
    let db = fengkou_testkit::fresh_sqlite();
    let t = spawn_app(&db.url).await;
    t.user("xmb", Role::ProjectOffice, None).await;
    let c = from([127, 0, 0, 3]);
    for _ in 0..3 {
        assert_eq!(login_status(&c, &t.base, "xmb", "wrong-one").await, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(login_status(&c, &t.base, "xmb", "password-123").await, StatusCode::TOO_MANY_REQUESTS);
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(login_status(&c, &t.base, "xmb", "password-123").await, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn markup_in_names_stays_text_on_every_page() {
    let db = fengkou_testkit::fresh_sqlite();
    let t = spawn_app(&db.url).await;
    let token = t.user("xmb", Role::ProjectOffice, None).await;
    let evil = "</script><meta http-equiv=refresh content=0;url=//elsewhere><base href=//elsewhere/>'&";
    let (s, body) = t.api(&token, reqwest::Method::POST, "/projects", Some(project_body(evil, "湖北路办事处"))).await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    let id = body["id"].as_i64().unwrap();
    let browser = t.browser("xmb").await;
    for path in ["/dashboard", "/comparison", "/projects", &format!("/projects/{id}"), "/meetings", "/audit"] {
        let res = browser.get(format!("{}{path}", t.base)).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        let csp = res.headers()["content-security-policy"].to_str().unwrap().to_string();
        assert!(csp.contains("base-uri 'none'"), "{path}: {csp}");
        let html = res.text().await.unwrap();
        for raw in ["</script><meta", "<meta http-equiv=refresh", "<base href"] {
            assert!(!html.contains(raw), "{path} carries {raw} raw");
        }
    }
    let res = browser.get(format!("{}/api/docs/", t.base)).send().await.unwrap();
    assert!(res.headers().contains_key("content-security-policy"));
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn figures_cannot_be_overflowed_and_pages_are_clamped(#[case] backend: Backend) {
    let Some(db) = test_database(backend).await else { return };
    let t = spawn_app(&db.url).await;
    let token = t.user("xmb", Role::ProjectOffice, None).await;
    let mut body = project_body("天价项目", "湖北路办事处");
    body["total_investment_wan"] = json!("922337203685477");
    let (s, answer) = t.api(&token, reqwest::Method::POST, "/projects", Some(body)).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{}", db.backend);
    assert!(answer.to_string().contains("10,000,000 万元"), "{answer}");
    let (s, created) =
        t.api(&token, reqwest::Method::POST, "/projects", Some(project_body("大项目", "湖北路办事处"))).await;
    assert_eq!(s, StatusCode::CREATED);
    let id = created["id"].as_i64().unwrap();
    let october = fengkou_domain::Month::new(2026, 10).unwrap();
    t.app
        .reports()
        .open_period(&fengkou_app::ledger::cli_actor(), october, "2026-11-10".parse().unwrap())
        .await
        .unwrap();
    let report = json!({"month": "2026-10", "completed_wan": "922337203685477", "progress": "x"});
    let (s, _) = t.api(&token, reqwest::Method::POST, &format!("/projects/{id}/reports"), Some(report)).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{}", db.backend);
    for path in ["/projects/summary", "/projects?page=9223372036854775807", "/projects?per_page=18446744073709551615"] {
        let (s, _) = t.api(&token, reqwest::Method::GET, path, None).await;
        assert_eq!(s, StatusCode::OK, "{path} on {}", db.backend);
    }
    // The API says which filter it cannot read instead of ignoring it.
    for (path, field) in [
        ("/projects?warning=purple", "warning"),
        ("/projects?year=99999", "year"),
        ("/projects?page=abc", "page"),
        ("/projects?stage=完工", "stage"),
        ("/projects/summary?year=abc", "年份"),
        ("/offices/comparison?year=-1", "年份"),
        ("/offices/comparison?year=99999", "年份"),
    ] {
        let (s, body) = t.api(&token, reqwest::Method::GET, path, None).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{path}");
        assert!(body.to_string().contains(field), "{path}: {body}");
    }
    let browser = t.browser("xmb").await;
    for path in ["/dashboard", "/comparison", "/projects?page=9223372036854775807", "/audit?page=99999999999999"] {
        let s = browser.get(format!("{}{path}", t.base)).send().await.unwrap().status();
        assert_eq!(s, StatusCode::OK, "{path} on {}", db.backend);
    }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn control_characters_are_refused_alike_on_both_backends(#[case] backend: Backend) {
    let Some(db) = test_database(backend).await else { return };
    let t = spawn_app(&db.url).await;
    let token = t.user("xmb", Role::ProjectOffice, None).await;
    let (s, body) =
        t.api(&token, reqwest::Method::POST, "/projects", Some(project_body("甲\u{0}乙", "湖北路办事处"))).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{}: {body}", db.backend);
    assert!(body["error"].as_str().unwrap().contains("“name”"), "{body}");
    let browser = t.browser("xmb").await;
    let res = browser
        .post(format!("{}/projects", t.base))
        .form(&[("name", "甲\u{b}乙"), ("office", "湖北路办事处")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{}", db.backend);
    assert!(res.text().await.unwrap().contains("U+000B"));
    let s = browser.get(format!("{}/projects?q=%00", t.base)).send().await.unwrap().status();
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{}", db.backend);
    // A multipart report: refused by the use case, and the NUL is not echoed.
    let (_, created) =
        t.api(&token, reqwest::Method::POST, "/projects", Some(project_body("报表项目", "湖北路办事处"))).await;
    let id = created["id"].as_i64().unwrap();
    let october = fengkou_domain::Month::new(2026, 10).unwrap();
    t.app
        .reports()
        .open_period(&fengkou_app::ledger::cli_actor(), october, "2026-11-10".parse().unwrap())
        .await
        .unwrap();
    let form = reqwest::multipart::Form::new()
        .text("month", "2026-10")
        .text("completed", "1")
        .text("progress", "正常")
        .text("problems", "甲\u{0}乙");
    let res = browser.post(format!("{}/projects/{id}/report", t.base)).multipart(form).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{}", db.backend);
    let html = res.text().await.unwrap();
    assert!(html.contains("甲乙") && !html.contains('\0'), "{}", db.backend);
    // Newlines and tabs in a long text are text.
    let mut body = project_body("丙", "湖北路办事处");
    body["content"] = json!("第一行\n第二行\t附注");
    let (s, _) = t.api(&token, reqwest::Method::POST, "/projects", Some(body)).await;
    assert_eq!(s, StatusCode::CREATED, "{}", db.backend);
    assert_eq!(t.app.views().summary(&fengkou_app::ledger::cli_actor(), None).await.unwrap().count, 2);
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn a_stale_edit_is_refused_on_the_api_and_the_page(#[case] backend: Backend) {
    let Some(db) = test_database(backend).await else { return };
    let t = spawn_app(&db.url).await;
    let token = t.user("xmb", Role::ProjectOffice, None).await;
    let (_, created) =
        t.api(&token, reqwest::Method::POST, "/projects", Some(project_body("甲", "湖北路办事处"))).await;
    let id = created["id"].as_i64().unwrap();
    let (_, read) = t.api(&token, reqwest::Method::GET, &format!("/projects/{id}"), None).await;
    let version = read["version"].as_i64().unwrap();
    let mut first = project_body("甲（改）", "湖北路办事处");
    // As the OpenAPI document says: an integer (text works too).
    first["version"] = json!(version);
    let (s, _) = t.api(&token, reqwest::Method::PUT, &format!("/projects/{id}"), Some(first.clone())).await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{}", db.backend);
    let mut stale = project_body("甲（旧表单）", "湖北路办事处");
    stale["version"] = json!(version.to_string());
    let (s, body) = t.api(&token, reqwest::Method::PUT, &format!("/projects/{id}"), Some(stale)).await;
    assert_eq!(s, StatusCode::CONFLICT, "{}: {body}", db.backend);
    assert!(body["error"].as_str().unwrap().contains("xmb"), "{body}");
    // Without a version the edit is refused too (nothing is overwritten blindly).
    let (s, _) =
        t.api(&token, reqwest::Method::PUT, &format!("/projects/{id}"), Some(project_body("乙", "湖北路办事处"))).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (_, now) = t.api(&token, reqwest::Method::GET, &format!("/projects/{id}"), None).await;
    assert_eq!(now["name"], "甲（改）", "{}", db.backend);
    // The page: a form opened before that change is refused with who changed it.
    let browser = t.browser("xmb").await;
    let old_form = project_body("甲（页面旧表单）", "湖北路办事处");
    let mut form: Vec<(&str, String)> = vec![("version", version.to_string())];
    for (k, v) in old_form.as_object().unwrap() {
        form.push((k.as_str(), v.as_str().unwrap().to_string()));
    }
    let res = browser.post(format!("{}/projects/{id}", t.base)).form(&form).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let html = res.text().await.unwrap();
    assert!(html.contains("保存未生效") && html.contains("名称：甲 → 甲（改）"), "{html}");
}

#[tokio::test]
async fn redirects_stay_home() {
    let db = fengkou_testkit::fresh_sqlite();
    let t = spawn_app(&db.url).await;
    t.user("xmb", Role::ProjectOffice, None).await;
    let anon = from([127, 0, 0, 1]);
    for next in
        ["/\t/evil.example", "//evil.example", "/\\evil.example", "/a\r\nSet-Cookie: x=1", "https://evil.example"]
    {
        let res = anon
            .post(format!("{}/login", t.base))
            .form(&[("username", "xmb"), ("password", "password-123"), ("next", next)])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{next:?}");
        assert_eq!(res.headers()["location"], "/", "{next:?}");
    }
    let html = anon.get(format!("{}/login?next=/%09/evil.example", t.base)).send().await.unwrap().text().await.unwrap();
    assert!(!html.contains("evil"), "{html}");
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn accounts_an_administrator_runs(#[case] backend: Backend) {
    let Some(db) = test_database(backend).await else { return };
    let t = spawn_app(&db.url).await;
    t.user("admin", Role::Admin, None).await;
    let zhang_token = t.user("zhang", Role::OfficeUser, Some("湖北路办事处")).await;
    let admin = t.browser("admin").await;
    let zhang = t.browser("zhang").await;
    let root = fengkou_domain::Actor { user_id: 0, username: "t".into(), role: Role::Admin, office_id: None };
    let zhang_id = t.app.accounts().users(&root).await.unwrap().iter().find(|u| u.username == "zhang").unwrap().id;
    let post = |client: &reqwest::Client, path: String, form: Vec<(&'static str, String)>| {
        let (client, base) = (client.clone(), t.base.clone());
        async move { client.post(format!("{base}{path}")).form(&form).send().await.unwrap() }
    };
    // Rules: long enough, not the username, not a common password.
    for bad in ["short-1", "zhang", "password123", "aaaaaaaaaaaa"] {
        let res = post(&admin, format!("/admin/users/{zhang_id}/password"), vec![("password", bad.into())]).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    }
    // A reset ends zhang's sessions; the reset password leads to the password page.
    let res =
        post(&admin, format!("/admin/users/{zhang_id}/password"), vec![("password", "临时密码-2026-xyz".into())]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "{}", db.backend);
    let res = zhang.get(format!("{}/reports", t.base)).send().await.unwrap();
    assert!(res.headers()["location"].to_str().unwrap().starts_with("/login"), "{}", db.backend);
    let again = from([127, 0, 0, 1]);
    assert_eq!(login_status(&again, &t.base, "zhang", "临时密码-2026-xyz").await, StatusCode::SEE_OTHER);
    let res = again.get(format!("{}/reports", t.base)).send().await.unwrap();
    assert_eq!(res.headers()["location"], "/account/password");
    let res = post(
        &again,
        "/account/password".into(),
        vec![
            ("current", "临时密码-2026-xyz".into()),
            ("new_password", "我自己的-新密码-9".into()),
            ("confirm", "我自己的-新密码-9".into()),
        ],
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "{}", db.backend);
    assert_eq!(again.get(format!("{}/reports", t.base)).send().await.unwrap().status(), StatusCode::OK);
    // Role and office changes apply at once; disabling ends sessions and tokens.
    let res = post(
        &admin,
        format!("/admin/users/{zhang_id}"),
        vec![("role", "office_user".into()), ("office", "天津路办事处".into()), ("display_name", "张三".into())],
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let users = t.app.accounts().users(&root).await.unwrap();
    let z = users.iter().find(|u| u.username == "zhang").unwrap();
    assert_eq!((z.office.as_deref(), z.display_name.as_str()), (Some("天津路办事处"), "张三"));
    // The reset ended the token made before it.
    let (s, _) = t.api(&zhang_token, reqwest::Method::GET, "/projects", None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "a reset ends tokens: {}", db.backend);
    let second = t.app.accounts().create_token("zhang", "第二个", None).await.unwrap();
    let res = post(&admin, format!("/admin/users/{zhang_id}/active"), vec![("active", "false".into())]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(again.get(format!("{}/reports", t.base)).send().await.unwrap().status(), StatusCode::SEE_OTHER);
    assert_eq!(
        login_status(&from([127, 0, 0, 4]), &t.base, "zhang", "我自己的-新密码-9").await,
        StatusCode::UNAUTHORIZED
    );
    post(&admin, format!("/admin/users/{zhang_id}/active"), vec![("active", "true".into())]).await;
    let (s, _) = t.api(&second, reqwest::Method::GET, "/projects", None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "re-enabling does not revive tokens: {}", db.backend);
    // Tokens are listed and revoked.
    let third = t.app.accounts().create_token("zhang", "第三个", Some(30)).await.unwrap();
    let (s, _) = t.api(&third, reqwest::Method::GET, "/projects", None).await;
    assert_eq!(s, StatusCode::OK, "{}", db.backend);
    let tokens = t.app.accounts().api_tokens(None).await.unwrap();
    let z_token = tokens.iter().find(|x| x.username == "zhang").unwrap();
    assert!(z_token.expires_at.is_some());
    let res = post(&admin, format!("/account/tokens/{}/revoke", z_token.id), vec![]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (s, _) = t.api(&third, reqwest::Method::GET, "/projects", None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{}", db.backend);
    for action in ["reset_password", "password", "update", "disable", "enable", "revoke"] {
        assert!(!trail(&t, action).await.is_empty(), "{action} on {}", db.backend);
    }
}

#[tokio::test]
async fn refusals_exports_and_sign_outs_are_on_the_trail() {
    let db = fengkou_testkit::fresh_sqlite();
    let t = spawn_app(&db.url).await;
    t.user("xmb", Role::ProjectOffice, None).await;
    t.user("tj", Role::OfficeUser, Some("天津路办事处")).await;
    let tj = t.browser("tj").await;
    let res = tj.get(format!("{}/audit", t.base)).header("user-agent", "TestBrowser/1.0").send().await.unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let denied = trail(&t, "denied").await;
    assert_eq!(denied.len(), 1);
    assert_eq!(denied[0].username, "tj");
    assert!(denied[0].note.contains("/audit"), "{}", denied[0].note);
    assert!(
        denied[0].client.contains("127.0.0.1") && denied[0].client.contains("TestBrowser/1.0"),
        "{}",
        denied[0].client
    );
    let xmb = t.browser("xmb").await;
    let res = xmb.get(format!("{}/projects.xlsx?stage=建设", t.base)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let exports = trail(&t, "export").await;
    assert_eq!(exports.len(), 1);
    assert!(exports[0].note.contains("/projects.xlsx"), "{}", exports[0].note);
    xmb.post(format!("{}/logout", t.base)).send().await.unwrap();
    assert_eq!(trail(&t, "logout").await.len(), 1);
}

#[tokio::test]
async fn a_user_holds_a_few_board_streams_at_most() {
    let db = fengkou_testkit::fresh_sqlite();
    let t = spawn_app(&db.url).await;
    assert!(t.app.seed_demo().await.unwrap());
    let xmb =
        reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
    xmb.post(format!("{}/login", t.base))
        .form(&[("username", "xmb"), ("password", "fengkou-xmb")])
        .send()
        .await
        .unwrap();
    let meeting = t.app.meetings().list().await.unwrap()[0].id;
    let url = format!("{}/meetings/{meeting}/events", t.base);
    let mut open = Vec::new();
    for _ in 0..fengkou_web::pages::MAX_STREAMS_PER_USER {
        let res = xmb.get(&url).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        open.push(res);
    }
    assert_eq!(xmb.get(&url).send().await.unwrap().status(), StatusCode::TOO_MANY_REQUESTS);
    drop(open.pop());
    // The slot comes back when a stream ends.
    let mut freed = false;
    for _ in 0..50 {
        let res = xmb.get(&url).send().await.unwrap();
        if res.status() == StatusCode::OK {
            freed = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(freed, "a closed stream gives its slot back");
}

#[tokio::test]
async fn a_ledger_full_of_problems_lists_200_and_offers_them_all() {
    let db = fengkou_testkit::fresh_sqlite();
    let t = spawn_app(&db.url).await;
    t.user("xmb", Role::ProjectOffice, None).await;
    let client = t.browser("xmb").await;
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in ["项目名称", "所在办事处", "产业类别", "总投资"].iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    for r in 1..=300u32 {
        ws.write_string(r, 0, format!("项目{r}")).unwrap();
        ws.write_string(r, 1, "湖北路办事处").unwrap();
        ws.write_string(r, 2, "智能制造").unwrap();
        ws.write_string(r, 3, "一千万").unwrap();
    }
    let part = reqwest::multipart::Part::bytes(wb.save_to_buffer().unwrap()).file_name("ledger.xlsx");
    let res = client
        .post(format!("{}/import", t.base))
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(html.contains("发现 300 个问题"), "{html}");
    assert_eq!(html.matches("<li>第").count(), 200);
    let rejected = trail(&t, "import_rejected").await;
    assert_eq!(rejected.len(), 1);
    assert!(rejected[0].note.contains("300 个问题"), "{}", rejected[0].note);
    let res = client.get(format!("{}/import/problems.xlsx", t.base)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("problems.xlsx");
    std::fs::write(&path, res.bytes().await.unwrap()).unwrap();
    let script = "import openpyxl,sys\nws=openpyxl.load_workbook(sys.argv[1]).active\nrows=[r for r in ws.iter_rows(values_only=True) if isinstance(r[0], int)]\nprint(len(rows), rows[-1][0])";
    if let Some(out) = python(script, &path) {
        assert_eq!(out.trim(), "300 301");
    }
    // A dry run is on the trail too, though it writes nothing else.
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (c, v) in ["项目名称", "所在办事处", "产业类别", "甲", "湖北路办事处", "智能制造"].iter().enumerate()
    {
        ws.write_string((c / 3) as u32, (c % 3) as u16, *v).unwrap();
    }
    let part = reqwest::multipart::Part::bytes(wb.save_to_buffer().unwrap()).file_name("ledger.xlsx");
    let form = reqwest::multipart::Form::new().part("file", part).text("dry_run", "1");
    let res = client.post(format!("{}/import", t.base)).multipart(form).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(trail(&t, "import_dry_run").await.len(), 1);
    // Someone else has no list of theirs.
    t.user("xmb2", Role::ProjectOffice, None).await;
    let other = t.browser("xmb2").await;
    assert_eq!(
        other.get(format!("{}/import/problems.xlsx", t.base)).send().await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
}
