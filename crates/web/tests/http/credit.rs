//! The innovation credit over HTTP on the demo district (two published years): every
//! role's reach through pages, API and workbooks (read back by openpyxl), an
//! unpublished run hidden from all but the bureau, a what-if, a refused scheme kept as
//! typed, and hostile text shown as text.

use super::*;

#[tokio::test]
async fn each_role_reaches_only_what_it_may_of_the_credit() {
    let db = fengkou_testkit::fresh_sqlite();
    let t = spawn_app(&db.url).await;
    assert!(t.app.seed_demo().await.unwrap());
    let base = t.base.clone();
    let bureau = signed_in(&base, "kjj", "fengkou-kjj").await;
    let hubei = signed_in(&base, "hubeilu", "fengkou-office").await;
    let viewer = signed_in(&base, "viewer", "fengkou-viewer").await;
    let admin = signed_in(&base, "admin", "fengkou-admin").await;
    let leader = signed_in(&base, "leader", "fengkou-leader").await;
    let get = |c: &reqwest::Client, path: &str| c.get(format!("{base}{path}")).send();

    // The demo's two years are published: every reader of firms sees them.
    let runs: Value = get(&leader, "/api/v1/credit/runs").await.unwrap().json().await.unwrap();
    let runs = runs.as_array().unwrap();
    assert_eq!(runs.len(), 2, "{runs:?}");
    let run = runs[0]["id"].as_i64().unwrap();
    assert_eq!(runs[0]["status"], "published");
    assert!(runs[0]["lists"]["lead"].as_u64().unwrap() > 10, "{}", runs[0]);
    for who in [&bureau, &leader, &hubei] {
        let page = get(who, "/credit").await.unwrap();
        assert_eq!(page.status(), StatusCode::OK);
        assert!(page.text().await.unwrap().contains("领跑"));
    }
    for who in [&viewer, &admin] {
        assert_eq!(get(who, "/credit").await.unwrap().status(), StatusCode::FORBIDDEN);
        assert_eq!(get(who, "/api/v1/credit/runs").await.unwrap().status(), StatusCode::FORBIDDEN);
    }
    // The administrator reviews schemes (without firms' figures).
    assert_eq!(get(&admin, "/credit/schemes").await.unwrap().status(), StatusCode::OK);

    // An office sees its own firms only, everywhere.
    let banks: Value = get(&hubei, &format!("/api/v1/credit/runs/{run}/banks")).await.unwrap().json().await.unwrap();
    let banks = banks.as_array().unwrap();
    assert!(!banks.is_empty() && banks.iter().all(|r| r["office"] == "湖北路办事处"), "{banks:?}");
    let all: Value = get(&bureau, &format!("/api/v1/credit/runs/{run}/banks")).await.unwrap().json().await.unwrap();
    let foreign = all.as_array().unwrap().iter().find(|r| r["office"] != "湖北路办事处").unwrap();
    let code = foreign["uscc"].as_str().unwrap();
    assert_eq!(get(&hubei, &format!("/api/v1/credit/firms/{code}")).await.unwrap().status(), StatusCode::NOT_FOUND);
    let firm: Value = get(&leader, &format!("/api/v1/credit/firms/{code}")).await.unwrap().json().await.unwrap();
    assert_eq!(firm["score"], foreign["score"]);
    assert_eq!(firm["rank"], foreign["rank"]);
    assert_eq!(firm["breakdown"]["indicators"].as_array().unwrap().len(), 18);
    // The scheme's words are put back into the stored breakdown, the same on the API.
    let line = &firm["breakdown"]["indicators"][0];
    assert!(line["name"].is_string() && line["group"].is_string() && line["expression"].is_string(), "{line}");
    assert!(firm["breakdown"]["veto"][0]["when"].is_string(), "{}", firm["breakdown"]["veto"]);
    // A list that does not exist is not quietly read as "no list".
    assert_eq!(
        get(&leader, &format!("/api/v1/credit/runs/{run}/scores?list=bogus")).await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    // The run's header only: no counts rather than zeros.
    assert!(firm["run"]["lists"].as_object().unwrap().is_empty(), "{}", firm["run"]);
    assert!(firm["last_year"]["year"].is_i64(), "{}", firm["last_year"]);

    // Workbooks: the notice holds the three lists, the banks' list every scored firm;
    // both read back in openpyxl, the office's with its own firms only.
    let dir = tempfile::tempdir().unwrap();
    for (who, file, only_hubei) in [(&bureau, "notice.xlsx", false), (&hubei, "notice-hubei.xlsx", true)] {
        let res = get(who, &format!("/credit/runs/{run}/notice.xlsx")).await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let path = dir.path().join(file);
        std::fs::write(&path, res.bytes().await.unwrap()).unwrap();
        let script = "import openpyxl,sys\nws=openpyxl.load_workbook(sys.argv[1]).active\n\
            rows=[[c.value for c in r] for r in ws.iter_rows(min_row=4)]\n\
            print(ws['A1'].value); print(len(rows)); print(sorted(set(r[2] for r in rows))); print(sorted(set(r[7] for r in rows))); print(ws['A2'].value)";
        if let Some(out) = python(script, &path) {
            let lines: Vec<&str> = out.lines().collect();
            assert!(lines[0].contains("年度企业创新积分评价结果公示（领跑、竞跑、进取名单）"), "{out}");
            assert_eq!(only_hubei, lines[0].ends_with("（本办事处企业）"), "{out}");
            assert!(lines[1].parse::<usize>().unwrap() > 0, "{out}");
            assert!(lines[2].contains("领跑"), "{out}");
            assert_eq!(only_hubei, lines[3] == "['湖北路办事处']", "{out}");
            // Who issues the notice, how many took part, where objections go.
            assert!(lines[4].starts_with("公示单位：区科技局；全区参评企业 "), "{out}");
            assert!(lines[4].contains("请在公示期内向区科技局书面提出"), "{out}");
        }
    }
    let res = get(&bureau, &format!("/credit/runs/{run}/banks.xlsx")).await.unwrap();
    let path = dir.path().join("banks.xlsx");
    std::fs::write(&path, res.bytes().await.unwrap()).unwrap();
    let script = "import openpyxl,sys\nws=openpyxl.load_workbook(sys.argv[1]).active\n\
        print([c.value for c in ws[3]]); print(ws.max_row - 3); print(type(ws['D4'].value).__name__)";
    if let Some(out) = python(script, &path) {
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines[0], "['统一社会信用代码', '企业名称', '分组', '积分', '组内排名', '名单']", "{out}");
        assert_eq!(lines[1].parse::<usize>().unwrap(), all.as_array().unwrap().len(), "{out}");
        assert_eq!(lines[2], "float", "the score is a number: {out}");
    }

    // A new computation stays with the bureau until it is published.
    assert_eq!(
        leader.post(format!("{base}/credit/compute")).form(&[("year", "2025")]).send().await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
    let res = bureau.post(format!("{base}/credit/compute")).form(&[("year", "2025")]).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let fresh = res.headers()["location"].to_str().unwrap().trim_start_matches("/credit?run=").parse::<i64>().unwrap();
    assert_eq!(get(&leader, &format!("/credit?run={fresh}")).await.unwrap().status(), StatusCode::NOT_FOUND);
    assert_eq!(
        get(&leader, &format!("/api/v1/credit/runs/{fresh}/scores")).await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    let listed: Value = get(&leader, "/api/v1/credit/runs").await.unwrap().json().await.unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 2);
    assert_eq!(get(&bureau, &format!("/credit?run={fresh}")).await.unwrap().status(), StatusCode::OK);

    // A what-if over the API, and a bad one refused with the reason.
    let ask = |delta: &str| json!({"run": run, "field": "研发费用", "delta": delta});
    let res = leader.post(format!("{base}/api/v1/credit/firms/{code}/what-if")).json(&ask("100")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let answer: Value = res.json().await.unwrap();
    assert!(answer["sentence"].as_str().unwrap().starts_with("研发费用再增加 100 万元："), "{answer}");
    for bad in ["1e9999", "--5", "5\u{0}", &"9".repeat(100)] {
        let res =
            leader.post(format!("{base}/api/v1/credit/firms/{code}/what-if")).json(&ask(bad)).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{bad:?}");
    }

    // A refused scheme comes back with the text as typed and the reason.
    let res = bureau
        .post(format!("{base}/credit/schemes"))
        .form(&[("effective_year", "2026"), ("body", "{\"name\": \"坏方案</script>\"")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = res.text().await.unwrap();
    assert!(page.contains("方案 JSON") && page.contains("坏方案&lt;"), "kept as typed, escaped");
    assert!(!page.contains("坏方案</script>"));
}

#[tokio::test]
async fn the_credit_api_is_in_the_openapi_document() {
    let db = fengkou_testkit::fresh_sqlite();
    let t = spawn_app(&db.url).await;
    let doc: Value = reqwest::get(format!("{}/api/v1/openapi.json", t.base)).await.unwrap().json().await.unwrap();
    let paths = doc["paths"].as_object().unwrap();
    for path in [
        "/credit/runs",
        "/credit/runs/{id}/scores",
        "/credit/runs/{id}/banks",
        "/credit/firms/{uscc}",
        "/credit/schemes",
    ] {
        assert!(paths.keys().any(|p| p.ends_with(path)), "{path} missing: {:?}", paths.keys().collect::<Vec<_>>());
    }
}
