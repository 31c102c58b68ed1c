//! Observation meetings over HTTP: judges on the pages, the board's event stream,
//! the bulletin and workbook, and who may do what through the pages and the API.

use super::*;

#[tokio::test]
async fn judges_score_on_the_meeting_pages_and_the_board_follows() {
    let db = fengkou_testkit::fresh_sqlite();
    let t = spawn_app(&db.url).await;
    assert!(t.app.seed_demo().await.unwrap());
    let login = |name: &'static str, password: &'static str| {
        let base = t.base.clone();
        async move {
            let c = reqwest::Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap();
            c.post(format!("{base}/login")).form(&[("username", name), ("password", password)]).send().await.unwrap();
            c
        }
    };
    let judge = login("tianjinlu", "fengkou-office").await;
    let outsider = login("hubeilu", "fengkou-office").await;
    assert_eq!(
        outsider.get(format!("{}/meetings/1/score", t.base)).send().await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
    let html = judge.get(format!("{}/meetings/1/score", t.base)).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("观摩点，按规定回避"));

    let m = t.app.meetings().meeting_for(&fengkou_app::ledger::cli_actor(), 1).await.unwrap();
    let foreign = m.sites.iter().rev().find(|s| s.office != "天津路办事处").unwrap().id;
    let own = m.sites.iter().find(|s| s.office == "天津路办事处").unwrap().id;
    let mut form: Vec<(String, String)> = m.criterion_ids.iter().map(|c| (format!("c{c}"), "5".to_string())).collect();
    form.push(("remark".into(), "现场整洁".into()));
    let res = judge.post(format!("{}/meetings/1/sites/{own}/score", t.base)).form(&form).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN, "own office");
    let res = outsider.post(format!("{}/meetings/1/sites/{foreign}/score", t.base)).form(&form).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN, "not a judge");
    form[0].1 = "999".into();
    let res = judge.post(format!("{}/meetings/1/sites/{foreign}/score", t.base)).form(&form).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("超出范围"));
    form[0].1 = "5".into();
    for _ in 0..2 {
        let res = judge.post(format!("{}/meetings/1/sites/{foreign}/score", t.base)).form(&form).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "saving twice is harmless");
    }
    // Not every site is scored yet: submitting is refused with the names.
    let res = judge.post(format!("{}/meetings/1/submit", t.base)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("还有观摩点未评完"));

    // The board's event stream sends the current state straight away.
    let leader = login("leader", "fengkou-leader").await;
    let mut res = leader.get(format!("{}/meetings/1/events", t.base)).send().await.unwrap();
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/event-stream"));
    let chunk = tokio::time::timeout(std::time::Duration::from_secs(10), res.chunk()).await.unwrap().unwrap().unwrap();
    let text = String::from_utf8_lossy(&chunk);
    assert!(text.contains("event: board") && text.contains("\"released\":false"), "{text}");

    // A leader's 点评 from the meeting page lands on the project, the board and the bulletin.
    let project = m.sites[0].project_id;
    let res = leader
        .post(format!("{}/projects/{project}/comments", t.base))
        .form(&[("body", "进度快、质量好，要总结推广"), ("back", "/meetings/1#comments")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["location"], "/meetings/1#comments");
    let html = leader.get(format!("{}/meetings/1/board", t.base)).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("进度快、质量好，要总结推广"));

    // The bulletin downloads and is a Word document.
    let res = leader.get(format!("{}/meetings/1/bulletin.docx", t.base)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()["content-type"].to_str().unwrap().contains("wordprocessingml"));
    assert!(res.bytes().await.unwrap().starts_with(b"PK"));

    // The API: results only for leaders and the project office until released; scoring
    // with a token follows the same rules as the page.
    let judge_token = t.app.accounts().create_token("tianjinlu", "api", None).await.unwrap();
    let office_token = t.app.accounts().create_token("hubeilu", "api", None).await.unwrap();
    let (s, _) = t.api(&office_token, reqwest::Method::GET, "/meetings/1/results", None).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let leader_token = t.app.accounts().create_token("leader", "api", None).await.unwrap();
    let (s, body) = t.api(&leader_token, reqwest::Method::GET, "/meetings/1/results", None).await;
    assert_eq!(s, StatusCode::OK);
    assert!(body["offices"].as_array().unwrap().len() >= 2, "{body}");
    let scores: serde_json::Map<String, Value> = m.criterion_ids.iter().map(|c| (c.to_string(), json!("4"))).collect();
    let path = format!("/meetings/1/sites/{foreign}/scores");
    let (s, _) = t.api(&judge_token, reqwest::Method::PUT, &path, Some(json!({"scores": scores}))).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _) = t.api(&office_token, reqwest::Method::PUT, &path, Some(json!({"scores": scores}))).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, body) = t.api(&judge_token, reqwest::Method::PUT, &path, Some(json!({"scores": {"1": "1000"}}))).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");

    // The ballots workbook: ranking, site totals and every judge's scores.
    let res = leader.get(format!("{}/meetings/1/ballots.xlsx", t.base)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ballots.xlsx");
    std::fs::write(&path, res.bytes().await.unwrap()).unwrap();
    let script = "import openpyxl,sys\nwb=openpyxl.load_workbook(sys.argv[1])\nprint(','.join(wb.sheetnames))\nws=wb['评分明细']\nprint(ws.cell(row=4,column=1).value)";
    match std::process::Command::new("python3").arg("-c").arg(script).arg(&path).output() {
        Ok(out) if out.status.success() => {
            let text = String::from_utf8_lossy(&out.stdout);
            assert!(text.starts_with("排名,观摩点得分,评分明细"), "{text}");
            assert!(text.contains("leader") || text.contains("tianjinlu"), "{text}");
        }
        Ok(out) if String::from_utf8_lossy(&out.stderr).contains("No module named") && std::env::var("CI").is_err() => {
        }
        Ok(out) => panic!("openpyxl could not read the ballots: {}", String::from_utf8_lossy(&out.stderr)),
        Err(e) => assert!(std::env::var("CI").is_err(), "python3 missing in CI: {e}"),
    }
}

/// Who may do what at a meeting, through the pages and the API: the project office
/// plans, offices propose their own projects, leaders comment, judges rank; results,
/// ballots, bulletin and workbook only for the project office and leaders until
/// released.
#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn meeting_permissions_proposals_and_rank_ballots_through_pages_and_api(#[case] backend: Backend) {
    use fengkou_app::meetings::{MethodSettings, ScopeLine};
    use fengkou_domain::project::ProjectHeader;
    use reqwest::Method as M;
    let Some(db) = test_database(backend).await else { return };
    let t = spawn_app(&db.url).await;
    let xmb = t.user("xmb", Role::ProjectOffice, None).await;
    let hb = t.user("hb", Role::OfficeUser, Some("湖北路办事处")).await;
    let tj = t.user("tj", Role::OfficeUser, Some("天津路办事处")).await;
    let leader = t.user("leader", Role::Leader, None).await;
    let viewer = t.user("viewer", Role::Viewer, None).await;
    let po = t.app.accounts().login("xmb", "password-123", std::net::Ipv4Addr::LOCALHOST.into()).await.unwrap().0;
    let project = |name: &str, office: &str| ProjectHeader {
        name: name.into(),
        office: office.into(),
        industry: "智能制造".into(),
        total_investment: fengkou_domain::Wan::from_wan(5_000),
        ..Default::default()
    };
    let hb_project = t.app.projects().create_project(&po, &project("湖北路观摩项目", "湖北路办事处")).await.unwrap();
    let tj_project = t.app.projects().create_project(&po, &project("天津路观摩项目", "天津路办事处")).await.unwrap();
    let m = t.app.meetings().create_meeting(&po, "排名投票观摩", "2026-11-20".parse().unwrap()).await.unwrap();
    let offices = t.app.offices().await.unwrap();
    let id_of = |name: &str| offices.iter().find(|o| o.name == name).unwrap().id;
    let three = ["湖北路办事处", "天津路办事处", "长春路办事处"];
    let scope: Vec<ScopeLine> = offices
        .iter()
        .map(|o| ScopeLine { office_id: o.id, taking_part: three.contains(&o.name.as_str()), group: String::new() })
        .collect();
    t.app.meetings().set_scope(&po, m, &scope).await.unwrap();

    // Pages: an office proposes only its own projects and cannot plan.
    let hb_page = t.browser("hb").await;
    let post = |client: &reqwest::Client, path: String, form: Vec<(&str, String)>| {
        let req = client.post(format!("{}{path}", t.base)).form(&form);
        async move { req.send().await.unwrap() }
    };
    // Projects are chosen by name, never by an internal id; an office finds only its own.
    let res =
        post(&hb_page, format!("/meetings/{m}/sites"), vec![("project", "天津路观摩项目（天津路办事处）".into())])
            .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("没有名称含"));
    let res = post(&hb_page, format!("/meetings/{m}/sites"), vec![("project", "湖北路观摩".into())]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    for path in [format!("/meetings/{m}/scope"), format!("/meetings/{m}/method"), format!("/meetings/{m}/adjustments")]
    {
        assert_eq!(post(&hb_page, path.clone(), vec![]).await.status(), StatusCode::FORBIDDEN, "{path}");
    }
    let view = t.app.meetings().meeting_for(&fengkou_app::ledger::cli_actor(), m).await.unwrap();
    let proposal = view.proposals[0].id;
    let res = post(&hb_page, format!("/meetings/{m}/sites/{proposal}/confirm"), vec![]).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let html = hb_page.get(format!("{}/meetings/{m}", t.base)).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("办事处申报，待确认") && html.contains("申报观摩点"), "office sees its proposal");

    // The project office confirms; a bad method names every bad field, in Chinese.
    let xmb_page = t.browser("xmb").await;
    let res = post(&xmb_page, format!("/meetings/{m}/sites/{proposal}/confirm"), vec![]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let bad = vec![
        ("method", "borda".to_string()),
        ("aggregate", "mean".into()),
        ("combination", "mean".into()),
        ("rank_step", "abc".into()),
        ("weight_rubric", "0".into()),
        ("weight_rank", "0".into()),
        ("weight_formula", "0".into()),
        ("excellent_from", "90".into()),
        ("good_from", "80".into()),
    ];
    let res = post(&xmb_page, format!("/meetings/{m}/method"), bad).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let text = res.text().await.unwrap();
    assert!(text.contains("评比方法") && text.contains("名次分差"), "{text}");
    let settings = MethodSettings {
        method: "rank_ballot".into(),
        aggregate: "mean".into(),
        combination: "mean".into(),
        rank_step: "3".into(),
        weight_rubric: "0".into(),
        weight_rank: "0".into(),
        weight_formula: "0".into(),
        excellent_from: "95".into(),
        good_from: "90".into(),
        ..Default::default()
    };
    t.app.meetings().set_meeting_method(&po, m, &settings).await.unwrap();
    t.app.meetings().invite_judge(&po, m, "tj", None).await.unwrap();
    t.app.meetings().invite_judge(&po, m, "leader", None).await.unwrap();

    // Leaders comment on an office; offices cannot.
    let leader_page = t.browser("leader").await;
    let target = vec![("target", format!("o{}", id_of("长春路办事处"))), ("body", "长春路要加油".to_string())];
    assert_eq!(
        post(&leader_page, format!("/meetings/{m}/comments"), target.clone()).await.status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(post(&hb_page, format!("/meetings/{m}/comments"), target).await.status(), StatusCode::FORBIDDEN);

    // The API: a judge's rank ballot — ties refused with the reason, then saved,
    // saving again harmless; bad JSON gets the Chinese error body.
    let path = format!("/meetings/{m}/ranking");
    let ballot =
        |a: i32, b: i32| json!({"ranks": {id_of("湖北路办事处").to_string(): a, id_of("长春路办事处").to_string(): b}});
    let (s, body) = t.api(&tj, M::PUT, &path, Some(ballot(1, 1))).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.to_string().contains("并列第1名"), "{body}");
    let (s, _) = t.api(&hb, M::PUT, &path, Some(ballot(1, 2))).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "not a judge");
    for _ in 0..2 {
        let (s, body) = t.api(&tj, M::PUT, &path, Some(ballot(2, 1))).await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{body}");
    }
    let (s, body) = t.api(&tj, M::PUT, &path, Some(json!({"ranks": "first"}))).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["error"].as_str().unwrap().contains("请求体"), "{body}");
    let (s, _) = t.api(&tj, M::POST, &format!("/meetings/{m}/submit"), None).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, body) = t.api(&tj, M::PUT, &path, Some(ballot(1, 2))).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["error"].as_str().unwrap().contains("锁定"), "{body}");

    // Results and ballots: leaders and the project office before release, others after.
    for (token, expected) in [
        (&viewer, StatusCode::FORBIDDEN),
        (&hb, StatusCode::FORBIDDEN),
        (&leader, StatusCode::OK),
        (&xmb, StatusCode::OK),
    ] {
        let (s, _) = t.api(token, M::GET, &format!("/meetings/{m}/ballots"), None).await;
        assert_eq!(s, expected);
        let (s, _) = t.api(token, M::GET, &format!("/meetings/{m}/results"), None).await;
        assert_eq!(s, expected);
    }
    let viewer_page = t.browser("viewer").await;
    let bulletin = format!("{}/meetings/{m}/bulletin.docx", t.base);
    assert_eq!(viewer_page.get(&bulletin).send().await.unwrap().status(), StatusCode::FORBIDDEN);
    let html = viewer_page.get(format!("{}/meetings/{m}", t.base)).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("评比结果由项目办发布后可见") && !html.contains("100.00"));
    let (_, body) = t.api(&leader, M::GET, &format!("/meetings/{m}/ballots"), None).await;
    assert_eq!(body["ranks"].as_array().unwrap().len(), 2, "{body}");
    let (_, body) = t.api(&leader, M::GET, &format!("/meetings/{m}/results"), None).await;
    assert_eq!(body["offices"][0]["office"], "长春路办事处", "{body}");
    assert_eq!(body["offices"][0]["score"], "100.00", "{body}");
    // One judge has not submitted: an early release needs a reason.
    let err = t.app.meetings().release_results(&po, m, "").await.unwrap_err();
    assert!(err.to_string().contains("1/2名评委未提交"), "{err}");
    t.app.meetings().release_results(&po, m, "领导出差，未能提交评分表").await.unwrap();
    assert_eq!(viewer_page.get(&bulletin).send().await.unwrap().status(), StatusCode::OK);
    let (s, body) = t.api(&viewer, M::GET, "/meetings/history", None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(body["meetings"].as_array().unwrap().len(), 1, "{body}");

    // The plan through the API: the list, the meeting, a proposal.
    let (_, body) = t.api(&viewer, M::GET, "/meetings", None).await;
    assert_eq!(body[0]["method"], "评委排名投票", "{body}");
    let (s, body) = t.api(&hb, M::GET, &format!("/meetings/{m}"), None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(body["sites"][0]["project"], "湖北路观摩项目", "{body}");
    assert_eq!(body["offices"].as_array().unwrap().len(), 3);
    // The route of a released meeting is what was published.
    let (s, body) = t.api(&tj, M::POST, &format!("/meetings/{m}/sites"), Some(json!({"project_id": tj_project}))).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body["error"].as_str().unwrap().contains("评比结果已发布"), "{body}");
    let (s, _) = t.api(&tj, M::POST, &format!("/meetings/{m}/sites"), Some(json!({"project_id": hb_project}))).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
}

/// A judge who signs in while a meeting is under way lands on their score sheet;
/// after submitting, or on another day, on their usual page.
#[tokio::test]
async fn a_judge_lands_on_the_score_sheet_while_the_meeting_is_under_way() {
    let db = fengkou_testkit::fresh_sqlite();
    let t = spawn_app(&db.url).await;
    t.user("xmb", Role::ProjectOffice, None).await;
    t.user("judge", Role::Leader, None).await;
    let po = t.app.accounts().login("xmb", "password-123", std::net::Ipv4Addr::LOCALHOST.into()).await.unwrap().0;
    // The test clock says 2026-11-25: a meeting of 24–25 November is under way.
    let today = t
        .app
        .meetings()
        .create_meeting_spanning(&po, "现场观摩", d("2026-11-24"), Some(d("2026-11-25")))
        .await
        .unwrap();
    let later = t.app.meetings().create_meeting(&po, "下次观摩", d("2026-12-20")).await.unwrap();
    t.app.meetings().invite_judge(&po, later, "judge", None).await.unwrap();
    let judge = t.browser("judge").await;
    let home = |c: reqwest::Client| {
        let base = t.base.clone();
        async move {
            let res = c.get(format!("{base}/")).send().await.unwrap();
            res.headers()["location"].to_str().unwrap().to_string()
        }
    };
    assert_eq!(home(judge.clone()).await, "/dashboard", "not judging today");
    t.app.meetings().invite_judge(&po, today, "judge", None).await.unwrap();
    assert_eq!(home(judge.clone()).await, format!("/meetings/{today}/score"));
    // The login form's default destination is the same.
    let fresh =
        reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let res = fresh
        .post(format!("{}/login", t.base))
        .form(&[("username", "judge"), ("password", "password-123")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["location"], "/");
    assert_eq!(home(fresh).await, format!("/meetings/{today}/score"));
}

fn d(s: &str) -> chrono::NaiveDate {
    s.parse().unwrap()
}
