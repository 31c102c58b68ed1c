//! The HTTP surface against a running server on a random port, a fresh database per
//! test, on SQLite and (with FENGKOU_TEST_PG) PostgreSQL: pages, API, permissions per
//! role and route, CSRF, bad input.

use fengkou_app::App;
use fengkou_domain::Role;
use fengkou_testkit::{Backend, test_database};
use reqwest::StatusCode;
use rstest::rstest;
use serde_json::{Value, json};

/// The served app (`fengkou_testkit::spawn_app`) with what the HTTP tests do with it:
/// users, signed-in clients, API calls.
struct TestApp {
    base: String,
    app: App,
}

async fn spawn_app(url: &str) -> TestApp {
    let fengkou_testkit::TestServer { base, app } = fengkou_testkit::spawn_app(url).await;
    TestApp { base, app }
}

impl TestApp {
    async fn user(&self, name: &str, role: Role, office: Option<&str>) -> String {
        self.app.accounts().add_user(None, name, "", role, office, "password-123").await.unwrap();
        self.app.accounts().create_token(name, "test", None).await.unwrap()
    }

    /// A browser-like client logged in through the login form.
    async fn browser(&self, name: &str) -> reqwest::Client {
        let client =
            reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let res = client
            .post(format!("{}/login", self.base))
            .form(&[("username", name), ("password", "password-123")])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "login of {name}");
        client
    }

    async fn api(&self, token: &str, method: reqwest::Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let mut req =
            reqwest::Client::new().request(method, format!("{}/api/v1{}", self.base, path)).bearer_auth(token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.unwrap();
        let status = res.status();
        let text = res.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }
}

/// A browser-like client signed in with a demo account's password.
async fn signed_in(base: &str, name: &str, password: &str) -> reqwest::Client {
    let c = reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
    c.post(format!("{base}/login")).form(&[("username", name), ("password", password)]).send().await.unwrap();
    c
}

fn project_body(name: &str, office: &str) -> Value {
    json!({
        "name": name, "office": office, "industry": "电子信息", "stage": "开工",
        "total_investment_wan": "12,000.5", "annual_plan_wan": "1200", "actual_start": "2026-03-01",
        "planned_start": "2026-03-01"
    })
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn api_projects_reports_and_summary_on_every_backend(#[case] backend: Backend) {
    let Some(db) = test_database(backend).await else { return };
    let t = spawn_app(&db.url).await;
    let xmb = t.user("xmb", Role::ProjectOffice, None).await;
    let hb = t.user("hb", Role::OfficeUser, Some("湖北路办事处")).await;
    let tj = t.user("tj", Role::OfficeUser, Some("天津路办事处")).await;
    let leader = t.user("leader", Role::Leader, None).await;
    let viewer = t.user("viewer", Role::Viewer, None).await;
    use reqwest::Method as M;

    // Bad body: every bad field named, nothing written.
    let (s, body) = t
        .api(
            &xmb,
            M::POST,
            "/projects",
            Some(json!({"name": "", "office": "火星办事处", "industry": "电子信息", "total_investment_wan": "很多"})),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body["problems"].as_array().unwrap().iter().any(|p| p.as_str().unwrap().contains("总投资")), "{body}");
    let (s, body) = t
        .api(&xmb, M::POST, "/projects", Some(json!({"name": "x", "office": "火星办事处", "industry": "电子信息"})))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["error"].as_str().unwrap().contains("没有名为“火星办事处”的办事处"), "{body}");
    let (s, _) = t.api(&viewer, M::POST, "/projects", Some(project_body("v", "湖北路办事处"))).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // An office user cannot register a project for another office.
    let (s, _) = t.api(&hb, M::POST, "/projects", Some(project_body("越权项目", "天津路办事处"))).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);

    let (s, body) = t.api(&xmb, M::POST, "/projects", Some(project_body("国威科创锂电池PACK包", "湖北路办事处"))).await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    let id = body["id"].as_i64().unwrap();
    let (s, _) = t.api(&xmb, M::POST, "/projects", Some(project_body("天津路项目", "天津路办事处"))).await;
    assert_eq!(s, StatusCode::CREATED);

    // Transitions: refused with a reason, then done.
    let (s, body) = t
        .api(&hb, M::POST, &format!("/projects/{id}/transitions"), Some(json!({"stage": "达产", "date": "2027-01-01"})))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["error"].as_str().unwrap().contains("晚于今天"), "{body}");
    let (s, body) = t
        .api(&hb, M::POST, &format!("/projects/{id}/transitions"), Some(json!({"stage": "建设", "date": "2026-04-01"})))
        .await;
    assert_eq!((s, body["status"].as_str()), (StatusCode::OK, Some("done")), "{body}");
    // What GET gives, PUT takes back unchanged: nulls for dates it has not, every date
    // it has (an edit through the API once cleared 实际竣工, which GET did not give).
    let (s, detail) = t.api(&xmb, M::GET, &format!("/projects/{id}"), None).await;
    assert_eq!(s, StatusCode::OK);
    assert!(detail.get("actual_finish").is_some() && detail["planned_finish"].is_null(), "{detail}");
    let (s, body) = t.api(&xmb, M::PUT, &format!("/projects/{id}"), Some(detail.clone())).await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{body}");
    let (_, again) = t.api(&xmb, M::GET, &format!("/projects/{id}"), None).await;
    for field in ["actual_start", "actual_finish", "planned_start", "planned_finish", "total_investment_wan"] {
        assert_eq!(again[field], detail[field], "{field}");
    }
    // No project reaches 开工 or later without an actual start date.
    let mut undated = project_body("无开工日期项目", "湖北路办事处");
    undated["stage"] = json!("建设");
    undated["actual_start"] = json!("");
    let (s, body) = t.api(&xmb, M::POST, "/projects", Some(undated)).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.to_string().contains("须填写实际开工日期"), "{body}");
    // An office user's step back is a request: 202, and the stage stays.
    let (s, body) = t
        .api(
            &hb,
            M::POST,
            &format!("/projects/{id}/transitions"),
            Some(json!({"stage": "签约", "date": "2026-05-01", "reason": "用地手续退回"})),
        )
        .await;
    assert_eq!((s, body["status"].as_str()), (StatusCode::ACCEPTED, Some("requested")), "{body}");
    let (_, body) = t.api(&hb, M::GET, &format!("/projects/{id}"), None).await;
    assert_eq!(body["stage"], "建设", "{body}");

    // Reports.
    t.app
        .reports()
        .open_period(
            &t.app.accounts().login("xmb", "password-123", std::net::Ipv4Addr::LOCALHOST.into()).await.unwrap().0,
            fengkou_domain::Month::new(2026, 10).unwrap(),
            "2026-11-10".parse().unwrap(),
        )
        .await
        .unwrap();
    let report = json!({"month": "2026-10", "completed_wan": "600.25", "progress": "主体封顶"});
    let (s, _) = t.api(&tj, M::POST, &format!("/projects/{id}/reports"), Some(report.clone())).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = t
        .api(
            &hb,
            M::POST,
            &format!("/projects/{id}/reports"),
            Some(json!({"month": "2026-10", "completed_wan": "-3", "progress": "x"})),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, body) = t.api(&hb, M::POST, &format!("/projects/{id}/reports"), Some(report)).await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    let (s, body) = t.api(&leader, M::GET, &format!("/projects/{id}/reports"), None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(body[0]["year_to_date_wan"], "600.2500");
    assert_eq!(body[0]["share_of_annual_plan"].as_f64().unwrap().round(), 50.0);

    // Summary: the promised shape, money as 4-decimal strings.
    let (s, body) = t.api(&leader, M::GET, "/projects/summary?year=2026", None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(body["count"], 2);
    assert_eq!(body["total_investment_wan"], "24001.0000");
    assert_eq!(body["annual_plan_wan"], "2400.0000");
    assert_eq!(body["completed_wan"], "600.2500");
    assert_eq!(body["by_stage"]["建设"], 1);
    assert_eq!(body["by_stage"]["开工"], 1);
    assert_eq!(body["by_office"]["湖北路办事处"], 1);
    // An office user's summary covers only its office.
    let (_, body) = t.api(&hb, M::GET, "/projects/summary", None).await;
    assert_eq!(body["count"], 1, "{body} ({})", db.backend);

    // Lists: office users see only their own; search by two characters.
    let (_, body) = t.api(&hb, M::GET, "/projects", None).await;
    assert_eq!(body["total"], 1);
    let (_, body) = t.api(&leader, M::GET, "/projects?q=锂电", None).await;
    assert_eq!(body["total"], 1);
    // 600.25 of 1200 by October, started in March: 序时进度 over March–October is
    // 8/10 = 80%, 30.0 points behind → yellow (red is above 30), and it says why.
    assert_eq!(body["projects"][0]["warning"], "yellow", "{body}");
    let detail = body["projects"][0]["warning_detail"].as_str().unwrap();
    assert!(detail.contains("落后 30.0 个百分点") && detail.contains("（3月开工，按3-10月计）"), "{body}");

    // Every project route refuses another office's user.
    for (method, path, body) in [
        (M::GET, format!("/projects/{id}"), None),
        (M::PUT, format!("/projects/{id}"), Some(project_body("改名", "湖北路办事处"))),
        (M::POST, format!("/projects/{id}/transitions"), Some(json!({"stage": "投产", "date": "2026-10-01"}))),
        (M::GET, format!("/projects/{id}/reports"), None),
        (
            M::POST,
            format!("/projects/{id}/reports"),
            Some(json!({"month": "2026-10", "completed_wan": "1", "progress": "x"})),
        ),
    ] {
        let (s, _) = t.api(&tj, method.clone(), &path, body).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{method} {path}");
    }
    // Leaders read but do not edit.
    let (s, _) = t.api(&leader, M::PUT, &format!("/projects/{id}"), Some(project_body("改名", "湖北路办事处"))).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // No token, wrong token.
    let res = reqwest::get(format!("{}/api/v1/projects", t.base)).await.unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let (s, _) = t.api("fk_wrong", M::GET, "/projects", None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);

    let (s, body) = t.api(&leader, M::GET, "/offices/comparison", None).await;
    assert_eq!(s, StatusCode::OK);
    assert!(body.as_array().unwrap().len() >= 8);
}

#[tokio::test]
async fn pages_render_for_every_role_and_guard_other_offices() {
    let db = fengkou_testkit::fresh_sqlite();
    let t = spawn_app(&db.url).await;
    assert!(t.app.seed_demo().await.unwrap());
    for (name, _, _, password) in fengkou_app::demo::DEMO_USERS {
        let client =
            reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let res = client
            .post(format!("{}/login", t.base))
            .form(&[("username", name), ("password", password)])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{name}");
        for path in [
            "/dashboard",
            "/projects",
            "/projects?q=基地&sort=total",
            "/projects/1",
            "/reports",
            "/comparison",
            "/batches",
            "/import",
            "/audit",
            "/admin",
            "/projects/new",
            "/projects/1/edit",
            "/projects/1/report",
        ] {
            let res = client.get(format!("{}{}", t.base, path)).send().await.unwrap();
            let status = res.status();
            let html = res.text().await.unwrap();
            assert!(!html.contains("页面生成失败"), "{name} {path}: template failed");
            assert!(status == StatusCode::OK || status == StatusCode::FORBIDDEN, "{name} {path}: {status}");
            if status == StatusCode::OK {
                assert!(html.contains("风口"), "{name} {path}: {}", &html[..html.len().min(3000)]);
            }
        }
    }
    // Project 1 (卓阳兴业城) belongs to 湖北路办事处; 天津路's user may not see it.
    let tj =
        t.app.accounts().login("tianjinlu", "fengkou-office", std::net::Ipv4Addr::LOCALHOST.into()).await.unwrap().0;
    let other = t
        .app
        .projects()
        .list_projects(&tj, &fengkou_app::projects::ListQuery { per_page: 1, ..Default::default() })
        .await
        .unwrap();
    let client =
        reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
    client
        .post(format!("{}/login", t.base))
        .form(&[("username", "tianjinlu"), ("password", "fengkou-office")])
        .send()
        .await
        .unwrap();
    for path in ["/projects/1", "/projects/1/edit", "/projects/1/report"] {
        let res = client.get(format!("{}{}", t.base, path)).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{path}");
    }
    for path in ["/projects/1/transition", "/projects/1/milestones", "/projects/1/problems", "/projects/1"] {
        let res = client
            .post(format!("{}{}", t.base, path))
            .form(&[("stage", "投产"), ("date", "2026-10-01"), ("body", "x"), ("name", "x")])
            .send()
            .await
            .unwrap();
        assert!(
            matches!(res.status(), StatusCode::FORBIDDEN | StatusCode::UNPROCESSABLE_ENTITY),
            "{path}: {}",
            res.status()
        );
    }
    // Milestones and problems of another office's project cannot be closed, nor its
    // monthly report submitted.
    let xmb = t.app.accounts().login("xmb", "fengkou-xmb", std::net::Ipv4Addr::LOCALHOST.into()).await.unwrap().0;
    t.app.projects().add_milestone(&xmb, 1, "主体封顶", None, "张三").await.unwrap();
    t.app.projects().add_problem(&xmb, 1, "用地指标不足", "区自然资源局", None).await.unwrap();
    let detail = t.app.projects().project_detail(&xmb, 1).await.unwrap();
    let (milestone, problem) = (detail.milestones[0].id, detail.problems[0].id);
    for path in [format!("/milestones/{milestone}/done"), format!("/problems/{problem}/resolve")] {
        let res = client.post(format!("{}{}", t.base, path)).form(&[("body", "x")]).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{path}");
    }
    let form = reqwest::multipart::Form::new().text("month", "2026-10").text("completed", "1").text("progress", "越权");
    let res = client.post(format!("{}/projects/1/report", t.base)).multipart(form).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = client.post(format!("{}/projects/1/comments", t.base)).form(&[("body", "x")]).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN, "office users do not comment");
    let after = t.app.projects().project_detail(&xmb, 1).await.unwrap();
    assert!(after.milestones[0].done_on.is_none() && !after.problems[0].resolved);
    assert!(after.reports.iter().all(|r| r.progress != "越权"));

    // The ledger page of an office user lists only its own office.
    let html = client.get(format!("{}/projects", t.base)).send().await.unwrap().text().await.unwrap();
    assert!(html.contains(&other.rows[0].name));
    assert!(!html.contains("卓阳兴业城"));
}

#[tokio::test]
async fn login_logout_throttle_and_cross_site_guard() {
    let db = fengkou_testkit::fresh_sqlite();
    let t = spawn_app(&db.url).await;
    t.user("xmb", Role::ProjectOffice, None).await;
    let anon = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    assert_eq!(anon.get(format!("{}/healthz", t.base)).send().await.unwrap().status(), StatusCode::OK);
    let res = anon.get(format!("{}/projects", t.base)).send().await.unwrap();
    assert_eq!(res.headers()["location"], "/login?next=/projects");

    let client = t.browser("xmb").await;
    assert_eq!(client.get(format!("{}/projects", t.base)).send().await.unwrap().status(), StatusCode::OK);
    // A cross-site form post is refused even with the session cookie.
    let res = client
        .post(format!("{}/periods", t.base))
        .header("sec-fetch-site", "cross-site")
        .form(&[("month", "2026-10"), ("deadline", "2026-11-10")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = client
        .post(format!("{}/periods", t.base))
        .header("origin", "http://evil.example")
        .form(&[("month", "2026-10")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(t.app.reports().periods().await.unwrap().is_empty());
    let res = client.post(format!("{}/logout", t.base)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(client.get(format!("{}/projects", t.base)).send().await.unwrap().status(), StatusCode::SEE_OTHER);

    // Wrong passwords: a Chinese message, then a slow-down.
    let mut statuses = Vec::new();
    for _ in 0..4 {
        let res = anon
            .post(format!("{}/login", t.base))
            .form(&[("username", "xmb"), ("password", "nope")])
            .send()
            .await
            .unwrap();
        statuses.push(res.status());
        let html = res.text().await.unwrap();
        assert!(html.contains("用户名或密码错误") || html.contains("秒后再试"), "{html}");
    }
    assert_eq!(statuses[0], StatusCode::UNAUTHORIZED);
    assert_eq!(statuses[3], StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn hostile_uploads_change_nothing() {
    let db = fengkou_testkit::fresh_sqlite();
    let t = spawn_app(&db.url).await;
    t.user("xmb", Role::ProjectOffice, None).await;
    let client = t.browser("xmb").await;
    let upload = |bytes: Vec<u8>| {
        let part = reqwest::multipart::Part::bytes(bytes).file_name("ledger.xlsx");
        client.post(format!("{}/import", t.base)).multipart(reqwest::multipart::Form::new().part("file", part)).send()
    };
    let res = upload(b"PK\x03\x04garbage".to_vec()).await.unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("不是有效的 Excel"));
    // Above the upload limit: refused before it is read.
    let res = upload(vec![0u8; fengkou_web::MAX_UPLOAD_BYTES + 1024]).await;
    if let Ok(res) = res {
        assert!(
            matches!(res.status(), StatusCode::PAYLOAD_TOO_LARGE | StatusCode::UNPROCESSABLE_ENTITY),
            "{}",
            res.status()
        );
    }
    // Still serving, nothing written.
    assert_eq!(client.get(format!("{}/healthz", t.base)).send().await.unwrap().status(), StatusCode::OK);
    let xmb = t.app.accounts().login("xmb", "password-123", std::net::Ipv4Addr::LOCALHOST.into()).await.unwrap().0;
    assert_eq!(t.app.views().summary(&xmb, None).await.unwrap().count, 0);
}

/// Every response the API publishes has a typed schema: no array of free-form objects
/// (each item a `$ref` or a plain type), so a client can be generated from the document.
#[tokio::test]
async fn every_api_response_has_a_typed_schema() {
    let db = fengkou_testkit::fresh_sqlite();
    let t = spawn_app(&db.url).await;
    let doc: Value = reqwest::get(format!("{}/api/v1/openapi.json", t.base)).await.unwrap().json().await.unwrap();
    let schemas = doc["components"]["schemas"].as_object().expect("schemas");
    for name in ["MeetingOut", "SiteOut", "JudgeOut", "OfficeResultOut", "TopSiteOut", "BallotsOut", "BallotScoreOut"] {
        assert!(schemas.contains_key(name), "{name} missing from the OpenAPI schemas");
    }
    let mut untyped = Vec::new();
    for (name, schema) in schemas {
        for (field, prop) in schema["properties"].as_object().into_iter().flatten() {
            let items = &prop["items"];
            let free_object = |v: &Value| {
                v.is_object()
                    && v.get("$ref").is_none()
                    && v.get("type").is_none()
                    && v.get("prefixItems").is_none()
                    && v.get("oneOf").is_none()
            };
            if prop["type"] == "array" && (items.is_null() || free_object(items)) {
                untyped.push(format!("{name}.{field}"));
            }
            if prop.as_object().is_some_and(|o| o.is_empty()) {
                untyped.push(format!("{name}.{field}"));
            }
        }
    }
    assert!(untyped.is_empty(), "fields without a typed schema: {untyped:?}");
}

#[tokio::test]
async fn openapi_swagger_assets_and_exports_are_served() {
    let db = fengkou_testkit::fresh_sqlite();
    let t = spawn_app(&db.url).await;
    let token = t.user("xmb", Role::ProjectOffice, None).await;
    let doc: Value = reqwest::get(format!("{}/api/v1/openapi.json", t.base)).await.unwrap().json().await.unwrap();
    for path in
        ["/projects", "/projects/summary", "/projects/{id}", "/projects/{id}/transitions", "/projects/{id}/reports"]
    {
        assert!(doc["paths"][path].is_object(), "{path} missing from OpenAPI");
    }
    let ui = reqwest::get(format!("{}/api/docs/", t.base)).await.unwrap();
    assert_eq!(ui.status(), StatusCode::OK);
    let echarts = reqwest::get(format!("{}/assets/echarts.min.js", t.base)).await.unwrap();
    assert_eq!(echarts.status(), StatusCode::OK);
    assert!(echarts.bytes().await.unwrap().len() > 500_000);

    t.api(&token, reqwest::Method::POST, "/projects", Some(project_body("清洛基地", "湖北路办事处"))).await;
    let client = t.browser("xmb").await;
    let res = client.get(format!("{}/projects.xlsx?year=2026", t.base)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()["content-type"].to_str().unwrap().contains("spreadsheetml"));
    let bytes = res.bytes().await.unwrap();
    assert!(bytes.starts_with(b"PK"));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.xlsx");
    std::fs::write(&path, &bytes).unwrap();
    second_reader_check(&path, "清洛基地");
    // The comparison workbook: a named sheet, counts as whole numbers, rates as
    // numbers in percent format (a spreadsheet can sort them).
    let res = client.get(format!("{}/comparison.xlsx", t.base)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let path = dir.path().join("comparison.xlsx");
    std::fs::write(&path, res.bytes().await.unwrap()).unwrap();
    let script = "import openpyxl,sys\nwb=openpyxl.load_workbook(sys.argv[1])\nws=wb['办事处对比']\n\
        heads=[c.value for c in ws[3]]\nrow=[c for c in ws[4]]\n\
        n=row[heads.index('项目数')]\nr=row[heads.index('完成率')]\n\
        print(type(n.value).__name__, n.number_format, isinstance(r.value, (int, float)), '%' in r.number_format, 0 <= r.value <= 1)";
    if let Some(out) = python(script, &path) {
        assert_eq!(out.trim(), "int 0 True True True", "{out}");
    }
    // The audit trail exports as officials read it.
    let res = client.get(format!("{}/audit.xlsx?user=xmb", t.base)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let path = dir.path().join("audit.xlsx");
    std::fs::write(&path, res.bytes().await.unwrap()).unwrap();
    let script = "import openpyxl,sys\nws=openpyxl.load_workbook(sys.argv[1])['操作日志']\n\
        print([c.value for c in ws[3]][:4]); print(any(c.value == '新增' for c in ws['C']))";
    if let Some(out) = python(script, &path) {
        assert_eq!(out.trim(), "['时间', '操作人', '操作', '对象']\nTrue", "{out}");
    }
}

/// Runs a Python script (openpyxl, python-docx: independent readers) on a file; None
/// when the module is missing outside CI (CI installs it).
fn python(script: &str, path: &std::path::Path) -> Option<String> {
    match std::process::Command::new("python3").arg("-c").arg(script).arg(path).output() {
        Ok(out) if out.status.success() => Some(String::from_utf8_lossy(&out.stdout).into_owned()),
        Ok(out) if String::from_utf8_lossy(&out.stderr).contains("No module named") && std::env::var("CI").is_err() => {
            eprintln!("a Python reader is not installed: second-reader check skipped (CI installs it)");
            None
        }
        Ok(out) => panic!("the second reader failed: {}", String::from_utf8_lossy(&out.stderr)),
        Err(e) => {
            assert!(std::env::var("CI").is_err(), "python3 missing in CI: {e}");
            None
        }
    }
}

/// Reads an exported workbook with openpyxl, a second, independent reader. CI installs
/// it; elsewhere the check is skipped with a note.
fn second_reader_check(path: &std::path::Path, expected: &str) {
    let script = format!(
        "import openpyxl,sys\nwb=openpyxl.load_workbook(sys.argv[1])\nws=wb.active\nvals=[c.value for r in ws.iter_rows() for c in r if c.value is not None]\nassert '{expected}' in vals, vals\nassert str(ws['A1'].value).endswith('重点项目建设台账')\nprint('ok')"
    );
    match std::process::Command::new("python3").arg("-c").arg(&script).arg(path).output() {
        Ok(out) if out.status.success() => assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "ok"),
        Ok(out)
            if String::from_utf8_lossy(&out.stderr).contains("No module named 'openpyxl'")
                && std::env::var("CI").is_err() =>
        {
            eprintln!("openpyxl not installed: second-reader check skipped (CI installs it)");
        }
        Ok(out) => panic!("openpyxl could not read the export: {}", String::from_utf8_lossy(&out.stderr)),
        Err(e) => assert!(std::env::var("CI").is_err(), "python3 missing in CI: {e}"),
    }
}

#[tokio::test]
async fn photos_are_checked_stored_and_confined_to_their_office() {
    let db = fengkou_testkit::fresh_sqlite();
    let t = spawn_app(&db.url).await;
    let xmb = t.user("xmb", Role::ProjectOffice, None).await;
    t.user("hb", Role::OfficeUser, Some("湖北路办事处")).await;
    t.user("tj", Role::OfficeUser, Some("天津路办事处")).await;
    let (_, body) =
        t.api(&xmb, reqwest::Method::POST, "/projects", Some(project_body("中科慧远总部基地", "湖北路办事处"))).await;
    let id = body["id"].as_i64().unwrap();
    let actor = t.app.accounts().login("xmb", "password-123", std::net::Ipv4Addr::LOCALHOST.into()).await.unwrap().0;
    t.app
        .reports()
        .open_period(&actor, fengkou_domain::Month::new(2026, 10).unwrap(), "2026-11-10".parse().unwrap())
        .await
        .unwrap();

    let hb = t.browser("hb").await;
    let submit = |photo: Vec<u8>, name: &'static str| {
        let form = reqwest::multipart::Form::new()
            .text("month", "2026-10")
            .text("completed", "88")
            .text("progress", "钢结构吊装")
            .part("photos", reqwest::multipart::Part::bytes(photo).file_name(name));
        hb.post(format!("{}/projects/{id}/report", t.base)).multipart(form).send()
    };
    // A GIF (or anything not JPEG/PNG) is refused with the file named, nothing saved.
    let res = submit(b"GIF89a....".to_vec(), "site.gif").await.unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("“site.gif”不是 JPEG 或 PNG 图片"));
    let leader = t.app.accounts().login("xmb", "password-123", std::net::Ipv4Addr::LOCALHOST.into()).await.unwrap().0;
    assert!(t.app.projects().project_detail(&leader, id).await.unwrap().reports.is_empty());

    let png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR".to_vec();
    let res = submit(png.clone(), "site.png").await.unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let detail = t.app.projects().project_detail(&leader, id).await.unwrap();
    assert_eq!(detail.reports.len(), 1);
    let photo = detail.photos[0].id;
    let res = hb.get(format!("{}/photos/{photo}", t.base)).send().await.unwrap();
    assert_eq!(res.headers()["content-type"], "image/png");
    assert_eq!(res.bytes().await.unwrap().to_vec(), png);
    let tj = t.browser("tj").await;
    assert_eq!(tj.get(format!("{}/photos/{photo}", t.base)).send().await.unwrap().status(), StatusCode::FORBIDDEN);
}

#[path = "http/credit.rs"]
mod credit;
#[path = "http/enterprises.rs"]
mod enterprises;
#[path = "http/hostile.rs"]
mod hostile;
#[path = "http/meetings.rs"]
mod meetings;
