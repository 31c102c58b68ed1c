//! The enterprise side over HTTP on the demo district: every role's reach through the
//! pages, the API and the Excel export (read back by openpyxl), and the rule versions.

use super::*;

#[tokio::test]
async fn each_role_reaches_only_its_firms_on_pages_api_and_exports() {
    let db = fengkou_testkit::fresh_sqlite();
    let t = spawn_app(&db.url).await;
    assert!(t.app.seed_demo().await.unwrap());
    let base = t.base.clone();
    let bureau = signed_in(&base, "kjj", "fengkou-kjj").await;
    let hubei = signed_in(&base, "hubeilu", "fengkou-office").await;
    let viewer = signed_in(&base, "viewer", "fengkou-viewer").await;
    let admin = signed_in(&base, "admin", "fengkou-admin").await;
    let leader = signed_in(&base, "leader", "fengkou-leader").await;

    // The bureau's registry holds every firm; the office's, its own.
    let all: Value = bureau.get(format!("{base}/api/v1/enterprises")).send().await.unwrap().json().await.unwrap();
    let mine: Value = hubei.get(format!("{base}/api/v1/enterprises")).send().await.unwrap().json().await.unwrap();
    assert!(all["total"].as_u64().unwrap() > 1_000, "{}", all["total"]);
    let own = mine["total"].as_u64().unwrap();
    assert!(own > 0 && own < all["total"].as_u64().unwrap() / 5, "{own}");
    assert!(mine["enterprises"].as_array().unwrap().iter().all(|f| f["office"] == "湖北路办事处"));
    // Another office's firm: 404 on its page and in the API; the unassigned ones too.
    let foreign = all["enterprises"].as_array().unwrap().iter().find(|f| f["office"] != "湖北路办事处").unwrap();
    let (id, code) = (foreign["id"].as_i64().unwrap(), foreign["uscc"].as_str().unwrap().to_string());
    assert_eq!(hubei.get(format!("{base}/enterprises/{id}")).send().await.unwrap().status(), StatusCode::NOT_FOUND);
    assert_eq!(
        hubei.get(format!("{base}/api/v1/enterprises/{code}")).send().await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    let unassigned: Value =
        bureau.get(format!("{base}/api/v1/enterprises?office=0")).send().await.unwrap().json().await.unwrap();
    let lost = unassigned["enterprises"][0]["id"].as_i64().unwrap();
    assert_eq!(hubei.get(format!("{base}/enterprises/{lost}")).send().await.unwrap().status(), StatusCode::NOT_FOUND);
    // The viewer and the administrator get no firms' figures.
    for who in [&viewer, &admin] {
        assert_eq!(who.get(format!("{base}/enterprises")).send().await.unwrap().status(), StatusCode::FORBIDDEN);
        assert_eq!(
            who.get(format!("{base}/api/v1/tiers/summary")).send().await.unwrap().status(),
            StatusCode::FORBIDDEN
        );
    }
    // Leaders read but do not write.
    assert_eq!(leader.get(format!("{base}/enterprises/{id}")).send().await.unwrap().status(), StatusCode::OK);
    let res = leader
        .post(format!("{base}/enterprises/{id}/values"))
        .form(&[("year", "2025"), ("indicator", "employees"), ("source", "statistics"), ("value", "9")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(hubei.get(format!("{base}/enterprises/import")).send().await.unwrap().status(), StatusCode::FORBIDDEN);

    // The office's candidate export holds its own firms only, and reads back in openpyxl.
    let dir = tempfile::tempdir().unwrap();
    for (who, name, only_hubei) in [(&bureau, "all.xlsx", false), (&hubei, "hubei.xlsx", true)] {
        let res = who.get(format!("{base}/ladder/candidates.xlsx?rung=高新技术企业")).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let path = dir.path().join(name);
        std::fs::write(&path, res.bytes().await.unwrap()).unwrap();
        let script = "import openpyxl,sys\nws=openpyxl.load_workbook(sys.argv[1]).active\n\
            rows=[[c.value for c in r] for r in ws.iter_rows(min_row=4)]\n\
            print(ws['A1'].value); print(len(rows)); print(sorted(set(r[3] for r in rows))); print(rows[0][4])";
        if let Some(out) = python(script, &path) {
            let lines: Vec<&str> = out.lines().collect();
            assert_eq!(lines[0], "高新技术企业培育对象名单（按接近程度排序）", "{out}");
            assert!(lines[1].parse::<usize>().unwrap() > 0, "{out}");
            if only_hubei {
                assert_eq!(lines[2], "['湖北路办事处']", "{out}");
            } else {
                assert!(lines[2].contains("天津路办事处"), "{out}");
            }
            assert_eq!(lines[3], "符合", "the eligible come first: {out}");
        }
    }

    // The candidate list's first page and a firm's page answer in English too.
    let page = bureau.get(format!("{base}/ladder/candidates?rung=科技型中小企业")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let api: Value = bureau
        .get(format!("{base}/api/v1/ladder/candidates?rung=高新技术企业"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let first = &api["candidates"][0];
    assert_eq!(first["eligible"], true, "{first}");
    let flags: Vec<bool> = api["candidates"].as_array().unwrap().iter().map(|c| c["eligible"] == true).collect();
    assert!(flags.windows(2).all(|w| w[0] >= w[1]), "the eligible first");
    assert!(api["total"].as_u64() > api["eligible"].as_u64(), "{api}");
}

#[tokio::test]
async fn a_new_rule_version_is_checked_before_it_counts() {
    let db = fengkou_testkit::fresh_sqlite();
    let t = spawn_app(&db.url).await;
    assert!(t.app.seed_demo().await.unwrap());
    let base = t.base.clone();
    let bureau = signed_in(&base, "kjj", "fengkou-kjj").await;
    let mut set = fengkou_domain::ladder::default_rule_sets().remove(1);
    set.conditions[3].when = "tech_staf / employees >= 0.10".into();
    set.version = "2026 试行".into();
    set.effective_from = "2026-01-01".parse().unwrap();
    let res = bureau
        .post(format!("{base}/ladder/rules"))
        .form(&[("body", serde_json::to_string(&set).unwrap())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(html.contains("规则无法保存：高新技术企业"), "names the rung");
    let typed = html.split("<textarea").nth(1).unwrap_or_default();
    assert!(typed.contains("tech_staf ") && typed.contains("2026 试行"), "the text comes back to be fixed");
    // Fixed and with a stricter tech-staff share: saved, in force, and the lists follow.
    let before: Value = bureau
        .get(format!("{base}/api/v1/ladder/candidates?rung=高新技术企业"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    set.conditions[3].when = "tech_staff / employees >= 0.40".into();
    let res = bureau
        .post(format!("{base}/ladder/rules"))
        .form(&[("body", serde_json::to_string(&set).unwrap())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let html = bureau.get(format!("{base}/ladder/rules")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("2026 试行"));
    let after: Value = bureau
        .get(format!("{base}/api/v1/ladder/candidates?rung=高新技术企业"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(after["eligible"].as_u64() < before["eligible"].as_u64(), "{} → {}", before["eligible"], after["eligible"]);
    // The change is in the audit trail.
    let xmb = signed_in(&base, "xmb", "fengkou-xmb").await;
    let audit = xmb.get(format!("{base}/audit")).send().await.unwrap().text().await.unwrap();
    assert!(audit.contains("kjj") && audit.contains("梯度培育规则"), "the bureau's change is recorded");
    // The administrator runs the system but does not read firms' figures, there either.
    let admin = signed_in(&base, "admin", "fengkou-admin").await;
    let audit = admin.get(format!("{base}/audit")).send().await.unwrap().text().await.unwrap();
    assert!(audit.contains("企业数据的内容只对科技局、区领导和项目办显示"), "{audit}");
    assert!(!audit.contains("tech_staff / employees &gt;= 0.40"));
}
