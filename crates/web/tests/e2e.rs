//! End-to-end in headless Chromium (Debian's chromium + chromium-driver), on a
//! phone-sized screen: an office user submits a monthly report and the leader sees the
//! warning colour and the dashboard change; two judges score meeting sites and the
//! board shows the ranking; an office proposes a site, the project office confirms it
//! and a judge ranks the offices. Skipped (with a note) where chromedriver is missing,
//! except under CI, where .ci/run installs it.

use fengkou_app::ledger::cli_actor;
use fengkou_domain::project::ProjectHeader;
use fengkou_domain::{Month, Role, Stage, Wan};
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use thirtyfour::prelude::*;

struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

async fn start_chromedriver() -> Option<(Driver, String)> {
    let path = ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists());
    let Some(path) = path else {
        assert!(std::env::var("CI").is_err(), "CI must install chromium-driver");
        eprintln!("chromedriver not installed: end-to-end test skipped");
        return None;
    };
    let port = free_port();
    let driver = Driver(
        Command::new(path).arg(format!("--port={port}")).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap(),
    );
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Some((driver, format!("http://127.0.0.1:{port}")));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("chromedriver did not start");
}

async fn browser(driver_url: &str) -> WebDriver {
    let mut caps = DesiredCapabilities::chrome();
    for arg in [
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-quic",
        "--no-first-run",
        "--window-size=390,844",
    ] {
        caps.add_arg(arg).unwrap();
    }
    caps.set_binary("/usr/bin/chromium").unwrap();
    WebDriver::new(driver_url, caps).await.expect("start headless chromium")
}

async fn login(d: &WebDriver, base: &str, user: &str, password: &str) {
    d.delete_all_cookies().await.unwrap();
    d.goto(format!("{base}/login")).await.unwrap();
    d.find(By::Name("username")).await.unwrap().send_keys(user).await.unwrap();
    d.find(By::Name("password")).await.unwrap().send_keys(password).await.unwrap();
    d.find(By::Css("button[type=submit]")).await.unwrap().click().await.unwrap();
    wait_for(d, "退出").await;
}

async fn wait_for(d: &WebDriver, text: &str) -> String {
    for _ in 0..50 {
        let html = d.source().await.unwrap();
        if html.contains(text) {
            return html;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("page never showed “{text}”: {}", d.source().await.unwrap_or_default());
}

/// Waits until an element matching `css` exists (after a form's page has reloaded).
async fn wait_for_css(d: &WebDriver, css: &str) {
    for _ in 0..50 {
        if !d.find_all(By::Css(css)).await.unwrap_or_default().is_empty() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("page never showed {css}");
}

/// The number in a dashboard KPI box, e.g. the count under "红灯".
async fn kpi(d: &WebDriver, class: &str) -> String {
    d.find(By::Css(format!(".kpi.{class} b"))).await.unwrap().text().await.unwrap()
}

#[tokio::test]
async fn office_reports_on_a_phone_and_the_leader_sees_the_change() {
    let Some((_chromedriver, driver_url)) = start_chromedriver().await else { return };
    let db = fengkou_testkit::fresh_sqlite();
    let app = fengkou_testkit::test_app(&db.url).await;
    app.accounts()
        .add_user(None, "hubeilu", "", Role::OfficeUser, Some("湖北路办事处"), "office-pass-1")
        .await
        .unwrap();
    app.accounts().add_user(None, "leader", "", Role::Leader, None, "leader-pass-1").await.unwrap();
    let project = app
        .projects()
        .create_project(
            &cli_actor(),
            &ProjectHeader {
                name: "东旭氢能电机产业园".into(),
                office: "湖北路办事处".into(),
                industry: "智能制造".into(),
                stage: Some(Stage::Building),
                total_investment: Wan::from_wan(120_000),
                annual_plan: Wan::from_wan(1_200),
                actual_start: Some("2026-03-01".parse().unwrap()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    // October's reports were due on 10 November: this project has none, so it is red.
    app.reports()
        .open_period(&cli_actor(), Month::new(2026, 10).unwrap(), "2026-11-10".parse().unwrap())
        .await
        .unwrap();

    let base = fengkou_testkit::serve(&app).await;

    let d = browser(&driver_url).await;
    let result = async {
        // The leader sees one red project.
        login(&d, &base, "leader", "leader-pass-1").await;
        d.goto(format!("{base}/dashboard")).await.unwrap();
        wait_for(&d, "驾驶舱").await;
        assert_eq!(kpi(&d, "light-red").await, "1");
        d.goto(format!("{base}/projects/{project}")).await.unwrap();
        let html = wait_for(&d, "本期未报送月报").await;
        assert!(html.contains("红灯"));

        // The office user, on a phone, reports from the checklist.
        login(&d, &base, "hubeilu", "office-pass-1").await;
        d.goto(format!("{base}/reports")).await.unwrap();
        wait_for(&d, "本期需填报的项目").await;
        d.find(By::Css(format!("a[href='/projects/{project}/report']"))).await.unwrap().click().await.unwrap();
        wait_for(&d, "本月完成投资").await;
        d.find(By::Name("completed")).await.unwrap().send_keys("1,000").await.unwrap();
        d.find(By::Name("progress")).await.unwrap().send_keys("电机装配车间主体封顶").await.unwrap();
        d.find(By::Name("problems")).await.unwrap().send_keys("施工用电增容待批复").await.unwrap();
        d.find(By::Css("form button.primary")).await.unwrap().click().await.unwrap();
        let html = wait_for(&d, "电机装配车间主体封顶").await;
        assert!(html.contains("83.3%"), "year-to-date share of the plan is derived");

        // The leader now sees green and the dashboard moved.
        login(&d, &base, "leader", "leader-pass-1").await;
        d.goto(format!("{base}/dashboard")).await.unwrap();
        let html = wait_for(&d, "施工用电增容待批复").await;
        assert_eq!(kpi(&d, "light-red").await, "0");
        assert_eq!(kpi(&d, "light-green").await, "1");
        assert!(html.contains("1,000"), "completed this year shows on the dashboard");
        d.goto(format!("{base}/projects/{project}")).await.unwrap();
        let html = wait_for(&d, "东旭氢能电机产业园").await;
        assert!(html.contains("各项指标正常") && html.contains("绿灯"));
        // Charts are drawn from the embedded ECharts (a canvas exists).
        d.goto(format!("{base}/dashboard")).await.unwrap();
        wait_for(&d, "<canvas").await;
    }
    .await;
    d.quit().await.ok();
    result
}

/// Two judges score on a phone; the project office releases; the hall's board shows
/// the ranking; the bulletin downloads as a Word document.
#[tokio::test]
async fn judges_score_on_phones_and_the_board_shows_the_ranking() {
    let Some((_chromedriver, driver_url)) = start_chromedriver().await else { return };
    let db = fengkou_testkit::fresh_sqlite();
    let app = fengkou_testkit::test_app(&db.url).await;
    for name in ["judge_a", "judge_b"] {
        app.accounts().add_user(None, name, "", Role::Leader, None, "judge-pass-1").await.unwrap();
    }
    app.accounts().add_user(None, "xmb", "", Role::ProjectOffice, None, "xmb-pass-1").await.unwrap();
    let po = cli_actor();
    let meeting = app.meetings().create_meeting(&po, "第四季度项目观摩", "2026-11-20".parse().unwrap()).await.unwrap();
    for (name, office) in [("卓阳兴业城", "湖北路办事处"), ("清洛基地", "天津路办事处")] {
        let header = ProjectHeader {
            name: name.into(),
            office: office.into(),
            industry: "智能制造".into(),
            stage: Some(Stage::Building),
            total_investment: Wan::from_wan(50_000),
            actual_start: Some("2026-03-01".parse().unwrap()),
            ..Default::default()
        };
        let project = app.projects().create_project(&po, &header).await.unwrap();
        app.meetings().add_site(&po, meeting, project, "09:00").await.unwrap();
    }
    app.meetings().invite_judge(&po, meeting, "judge_a", None).await.unwrap();
    app.meetings().invite_judge(&po, meeting, "judge_b", None).await.unwrap();
    let view = app.meetings().meeting_for(&fengkou_app::ledger::cli_actor(), meeting).await.unwrap();

    let base = fengkou_testkit::serve(&app).await;
    let d = browser(&driver_url).await;
    let result = async {
        // Each judge gives full marks to one site and 80% to the other, on the phone.
        for (judge, favourite) in [("judge_a", 0usize), ("judge_b", 0usize)] {
            login(&d, &base, judge, "judge-pass-1").await;
            d.goto(format!("{base}/meetings/{meeting}/score")).await.unwrap();
            wait_for(&d, "保存本点评分").await;
            for (i, site) in view.sites.iter().enumerate() {
                let form = d
                    .find(By::Css(format!("form[action='/meetings/{meeting}/sites/{}/score']", site.id)))
                    .await
                    .unwrap();
                for (cid, c) in view.criterion_ids.iter().zip(&view.criteria) {
                    let value = if i == favourite { c.max } else { c.max * rust_decimal::Decimal::new(8, 1) };
                    let input = form.find(By::Name(format!("c{cid}"))).await.unwrap();
                    input.clear().await.unwrap();
                    input.send_keys(value.normalize().to_string()).await.unwrap();
                }
                form.find(By::Css("button.primary")).await.unwrap().click().await.unwrap();
                wait_for_css(&d, &format!("#site-{}.done", site.id)).await;
            }
            d.find(By::Css(format!("form[action='/meetings/{meeting}/submit'] button")))
                .await
                .unwrap()
                .click()
                .await
                .unwrap();
            wait_for(&d, "评分表已提交并锁定").await;
        }
        // The project office releases, after confirming; the result is frozen.
        login(&d, &base, "xmb", "xmb-pass-1").await;
        d.goto(format!("{base}/meetings/{meeting}")).await.unwrap();
        wait_for(&d, "2/2 名评委已提交").await;
        let form = d.find(By::Css(format!("form[action='/meetings/{meeting}/release']"))).await.unwrap();
        form.find(By::Name("confirm")).await.unwrap().click().await.unwrap();
        form.find(By::Css("button")).await.unwrap().click().await.unwrap();
        wait_for(&d, "第1版").await;
        // The hall's board: a big screen of its own, no app navigation, filling 1920×1080.
        d.set_window_rect(0, 0, 1920, 1080).await.unwrap();
        d.goto(format!("{base}/meetings/{meeting}/board")).await.unwrap();
        let html = wait_for(&d, "100.00 分").await;
        assert!(html.contains("湖北路办事处") && html.contains("80.00 分"), "{html}");
        assert!(html.contains("2/2 名评委已提交"), "{html}");
        assert!(d.find_all(By::Css("nav, .topbar, .demo-banner")).await.unwrap().is_empty(), "no navigation bar");
        let shot = d.screenshot_as_png().await.unwrap();
        assert!(shot.starts_with(b"\x89PNG") && shot.len() > 10_000, "a real screenshot");
        std::fs::write(std::env::temp_dir().join("fengkou-board-1920.png"), &shot).ok();
        let geometry: Vec<i64> = d
            .execute(
                "const g = document.querySelector('.hall-grid').getBoundingClientRect(); \
                 return [Math.round(g.width), Math.round(g.bottom), document.documentElement.scrollWidth, \
                 Math.round(parseFloat(getComputedStyle(document.querySelector('#board-ranking li')).fontSize))];",
                vec![],
            )
            .await
            .unwrap()
            .convert()
            .unwrap();
        let [width, bottom, scroll_width, font] = geometry[..] else { panic!("{geometry:?}") };
        assert!(width >= 1800 && bottom >= 900 && scroll_width <= 1920, "fills the screen: {geometry:?}");
        assert!(font >= 28, "readable from across a hall: {font}px");
        // The bulletin downloads with the browser's session and is a Word document.
        let cookie = d.get_named_cookie("fk_session").await.unwrap();
        let res = reqwest::Client::new()
            .get(format!("{base}/meetings/{meeting}/bulletin.docx"))
            .header("cookie", format!("fk_session={}", cookie.value))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), reqwest::StatusCode::OK);
        assert!(res.bytes().await.unwrap().starts_with(b"PK"));
    }
    .await;
    d.quit().await.ok();
    result
}

/// A rank-ballot meeting on phones: an office proposes one of its projects, the
/// project office confirms it, a judge's ballot with a tie is refused with the reason,
/// the corrected ballot is saved and submitted, and the released ranking is on the
/// meeting page.
#[tokio::test]
async fn an_office_proposes_a_site_and_a_judge_ranks_the_offices_on_a_phone() {
    use fengkou_app::meetings::{MethodSettings, ScopeLine};
    let Some((_chromedriver, driver_url)) = start_chromedriver().await else { return };
    let db = fengkou_testkit::fresh_sqlite();
    let app = fengkou_testkit::test_app(&db.url).await;
    app.accounts().add_user(None, "hb", "", Role::OfficeUser, Some("湖北路办事处"), "office-pass-1").await.unwrap();
    app.accounts().add_user(None, "xmb", "", Role::ProjectOffice, None, "xmb-pass-1").await.unwrap();
    app.accounts().add_user(None, "judge", "", Role::Leader, None, "judge-pass-1").await.unwrap();
    let po = cli_actor();
    let header = ProjectHeader {
        name: "湖北路智造园".into(),
        office: "湖北路办事处".into(),
        industry: "智能制造".into(),
        total_investment: Wan::from_wan(30_000),
        ..Default::default()
    };
    app.projects().create_project(&po, &header).await.unwrap();
    let meeting = app.meetings().create_meeting(&po, "排名投票观摩", "2026-11-20".parse().unwrap()).await.unwrap();
    let offices = app.offices().await.unwrap();
    let three = ["湖北路办事处", "天津路办事处", "长春路办事处"];
    let scope: Vec<ScopeLine> = offices
        .iter()
        .map(|o| ScopeLine { office_id: o.id, taking_part: three.contains(&o.name.as_str()), group: String::new() })
        .collect();
    app.meetings().set_scope(&po, meeting, &scope).await.unwrap();
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
    app.meetings().set_meeting_method(&po, meeting, &settings).await.unwrap();
    app.meetings().invite_judge(&po, meeting, "judge", None).await.unwrap();
    let id_of = |name: &str| offices.iter().find(|o| o.name == name).unwrap().id;

    let base = fengkou_testkit::serve(&app).await;
    let d = browser(&driver_url).await;
    let result = async {
        // The office proposes its project on the phone.
        login(&d, &base, "hb", "office-pass-1").await;
        d.goto(format!("{base}/meetings/{meeting}")).await.unwrap();
        wait_for(&d, "申报观摩点").await;
        let form = d.find(By::Css(format!("form[action='/meetings/{meeting}/sites']"))).await.unwrap();
        // Chosen by typing part of its name; no internal id is shown.
        form.find(By::Name("project")).await.unwrap().send_keys("智造园").await.unwrap();
        form.find(By::Css("button")).await.unwrap().click().await.unwrap();
        wait_for(&d, "办事处申报，待确认").await;

        // The project office confirms it.
        login(&d, &base, "xmb", "xmb-pass-1").await;
        d.goto(format!("{base}/meetings/{meeting}")).await.unwrap();
        wait_for(&d, "办事处申报，待确认").await;
        d.find(By::Css("form[action$='/confirm'] button")).await.unwrap().click().await.unwrap();
        wait_for_css(&d, "input[name^='seq']").await;

        // The judge ranks on the phone: a tie is refused and says why.
        login(&d, &base, "judge", "judge-pass-1").await;
        d.goto(format!("{base}/meetings/{meeting}/score")).await.unwrap();
        wait_for(&d, "保存排名").await;
        let fill = |ranks: [(&'static str, &'static str); 3]| {
            let d = d.clone();
            async move {
                for (office, rank) in ranks {
                    let input = d.find(By::Name(format!("r{}", id_of(office)))).await.unwrap();
                    input.clear().await.unwrap();
                    input.send_keys(rank).await.unwrap();
                }
                d.find(By::Css("form.rank-form button")).await.unwrap().click().await.unwrap();
            }
        };
        fill([("湖北路办事处", "1"), ("天津路办事处", "1"), ("长春路办事处", "2")]).await;
        wait_for(&d, "并列第1名").await;
        d.goto(format!("{base}/meetings/{meeting}/score")).await.unwrap();
        wait_for(&d, "保存排名").await;
        fill([("湖北路办事处", "2"), ("天津路办事处", "1"), ("长春路办事处", "3")]).await;
        wait_for_css(&d, "#ranking.done").await;
        d.find(By::Css(format!("form[action='/meetings/{meeting}/submit'] button")))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        wait_for(&d, "评分表已提交并锁定").await;

        // Released, the ranking is on the meeting page: 天津路 100, 湖北路 97, 长春路 94.
        app.meetings().release_results(&po, meeting, "").await.unwrap();
        d.goto(format!("{base}/meetings/{meeting}")).await.unwrap();
        let html = wait_for(&d, "100.00").await;
        assert!(html.contains("97.00") && html.contains("94.00"), "{html}");
    }
    .await;
    d.quit().await.ok();
    result
}

/// An office user's slip cannot move a project back: on a phone the stage form has no
/// preselected target, a step back becomes a request, and the project office approves
/// it on the project page.
#[tokio::test]
async fn a_step_back_is_requested_on_a_phone_and_approved_by_the_project_office() {
    let Some((_chromedriver, driver_url)) = start_chromedriver().await else { return };
    let db = fengkou_testkit::fresh_sqlite();
    let app = fengkou_testkit::test_app(&db.url).await;
    app.accounts()
        .add_user(None, "hubeilu", "", Role::OfficeUser, Some("湖北路办事处"), "office-pass-1")
        .await
        .unwrap();
    app.accounts().add_user(None, "xmb", "", Role::ProjectOffice, None, "xmb-pass-1").await.unwrap();
    let project = app
        .projects()
        .create_project(
            &cli_actor(),
            &ProjectHeader {
                name: "东旭氢能电机产业园".into(),
                office: "湖北路办事处".into(),
                industry: "智能制造".into(),
                stage: Some(Stage::Building),
                total_investment: Wan::from_wan(120_000),
                actual_start: Some("2026-03-01".parse().unwrap()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let base = fengkou_testkit::serve(&app).await;
    let d = browser(&driver_url).await;
    let result = async {
        login(&d, &base, "hubeilu", "office-pass-1").await;
        d.goto(format!("{base}/projects/{project}")).await.unwrap();
        wait_for(&d, "阶段变更").await;
        let form = d.find(By::Css("#stage-form")).await.unwrap();
        let selected = form.find(By::Css("select[name=stage] option:checked")).await.unwrap();
        assert_eq!(selected.text().await.unwrap(), "请选择新阶段", "no preselected target");
        form.find(By::Css("select[name=stage]")).await.unwrap().send_keys("谋划").await.unwrap();
        form.find(By::Name("reason")).await.unwrap().send_keys("项目终止谈判").await.unwrap();
        form.find(By::Css("button")).await.unwrap().click().await.unwrap();
        let html = wait_for(&d, "退回申请已提交").await;
        assert!(html.contains("待审批的阶段退回申请") && html.contains("stage big\">建设"), "the stage stays");

        login(&d, &base, "xmb", "xmb-pass-1").await;
        d.goto(format!("{base}/reports")).await.unwrap();
        wait_for(&d, "待审批的阶段退回申请").await;
        d.goto(format!("{base}/projects/{project}")).await.unwrap();
        wait_for(&d, "批准退回").await;
        d.find(By::Css("#request input[name=reason]")).await.unwrap().send_keys("同意，项目终止").await.unwrap();
        d.find(By::Css("#request button[value='1']")).await.unwrap().click().await.unwrap();
        let html = wait_for(&d, "已批准退回申请").await;
        assert!(html.contains("stage big\">谋划"), "approved: the stage moved back");
        assert!(html.contains("批准阶段退回"), "in the audit trail");
    }
    .await;
    d.quit().await.ok();
    result
}

/// A name or comment carrying markup (`</script><meta http-equiv=refresh…>`, `<base>`)
/// is text on every page: the browser stays on the page and loads nothing elsewhere.
#[tokio::test]
async fn markup_in_names_changes_nothing_in_the_browser() {
    let Some((_chromedriver, driver_url)) = start_chromedriver().await else { return };
    let db = fengkou_testkit::fresh_sqlite();
    let app = fengkou_testkit::test_app(&db.url).await;
    app.accounts().add_user(None, "leader", "", Role::Leader, None, "leader-pass-1").await.unwrap();
    let evil = "</script><meta http-equiv=refresh content=0;url=//x.invalid/><base href=//x.invalid/>";
    let po = cli_actor();
    let header = ProjectHeader {
        name: format!("甲{evil}"),
        office: "湖北路办事处".into(),
        industry: "智能制造".into(),
        stage: Some(Stage::Building),
        total_investment: Wan::from_wan(50_000),
        annual_plan: Wan::from_wan(5_000),
        actual_start: Some("2026-03-01".parse().unwrap()),
        ..Default::default()
    };
    let project = app.projects().create_project(&po, &header).await.unwrap();
    let meeting =
        app.meetings().create_meeting(&po, &format!("观摩{evil}"), "2026-11-20".parse().unwrap()).await.unwrap();
    app.meetings().add_site(&po, meeting, project, "09:00").await.unwrap();
    let base = fengkou_testkit::serve(&app).await;

    let d = browser(&driver_url).await;
    let result = async {
        login(&d, &base, "leader", "leader-pass-1").await;
        for path in [
            "/dashboard".to_string(),
            "/comparison".to_string(),
            "/projects".to_string(),
            format!("/projects/{project}"),
            "/meetings".to_string(),
            format!("/meetings/{meeting}"),
            format!("/meetings/{meeting}/board"),
        ] {
            d.goto(format!("{base}{path}")).await.unwrap();
            tokio::time::sleep(Duration::from_millis(1500)).await;
            let url = d.current_url().await.unwrap().to_string();
            assert_eq!(url, format!("{base}{path}"), "the page stayed");
            let found = d
                .execute(
                    "return [document.querySelectorAll('meta[http-equiv], base').length, \
                     performance.getEntriesByType('resource').map(r => r.name).filter(n => !n.startsWith(arguments[0]))]",
                    vec![serde_json::json!(base)],
                )
                .await
                .unwrap()
                .json()
                .clone();
            assert_eq!(found, serde_json::json!([0, []]), "{path}: injected elements or foreign loads");
            if path.starts_with("/projects") || path == format!("/meetings/{meeting}") {
                assert!(d.source().await.unwrap().contains("x.invalid"), "{path}: the text is shown as text");
            }
        }
    }
    .await;
    d.quit().await.ok();
    result
}

/// A department's sheet as it arrives: a title row, the header, the rows.
fn department_sheet(path: &std::path::Path, title: &str, header: &[&str], rows: &[Vec<&str>]) {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.write_string(0, 0, title).unwrap();
    for (c, h) in header.iter().enumerate() {
        ws.write_string(1, c as u16, *h).unwrap();
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            match v.parse::<f64>() {
                Ok(n) if v.len() < 15 => ws.write_number(r as u32 + 2, c as u16, n).unwrap(),
                _ => ws.write_string(r as u32 + 2, c as u16, *v).unwrap(),
            };
        }
    }
    wb.save(path).unwrap();
}

/// The S&T bureau imports the tax and the statistics bureaus' sheets, resolves the
/// revenue they disagree on, opens the 高企 candidate list and reads on the firm's page
/// why it misses 高企.
#[tokio::test]
async fn the_bureau_imports_two_sources_and_reads_why_a_firm_misses_high_tech() {
    let Some((_chromedriver, driver_url)) = start_chromedriver().await else { return };
    let db = fengkou_testkit::fresh_sqlite();
    let app = fengkou_testkit::test_app(&db.url).await;
    app.accounts().add_user(None, "kjj", "", Role::TechBureau, None, "bureau-pass-1").await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (tax, stats) = (dir.path().join("税务.xlsx"), dir.path().join("统计.xlsx"));
    department_sheet(
        &tax,
        "2025年度企业纳税数据",
        &[
            "序号",
            "统一社会信用代码",
            "企业名称",
            "所属办事处",
            "年度",
            "销售收入（万元）",
            "研发费用（万元）",
            "境内研发费用",
            "总收入",
            "高新技术产品收入",
        ],
        &[vec![
            "1",
            "914403001922038216",
            "洛阳甲科技有限公司",
            "湖北路办事处",
            "2025",
            "1000",
            "31",
            "31",
            "1000",
            "700",
        ]],
    );
    department_sheet(
        &stats,
        "统计局",
        &[
            "统一社会信用代码",
            "年度",
            "从业人员",
            "科技人员数",
            "营业收入",
            "资产总额",
            "I类知识产权数",
            "主要产品属于国家重点支持的高新技术领域",
            "成立日期",
        ],
        &[vec!["914403001922038216", "2025", "100", "8", "1100", "3000", "1", "是", "2019-05-01"]],
    );
    let base = fengkou_testkit::serve(&app).await;
    let d = browser(&driver_url).await;
    let result = async {
        login(&d, &base, "kjj", "bureau-pass-1").await;
        for (file, source, create) in [(&tax, "tax", true), (&stats, "statistics", false)] {
            d.goto(format!("{base}/enterprises/import")).await.unwrap();
            wait_for(&d, "导入部门数据").await;
            d.find(By::Css("input[type=file]")).await.unwrap().send_keys(file.to_str().unwrap()).await.unwrap();
            d.find(By::Css(format!("select[name=source] option[value={source}]")))
                .await
                .unwrap()
                .click()
                .await
                .unwrap();
            if create {
                d.find(By::Css("input[name=create]")).await.unwrap().click().await.unwrap();
            }
            d.find(By::Css("form button.primary")).await.unwrap().click().await.unwrap();
            wait_for(&d, "导入完成").await;
        }
        let html = d.source().await.unwrap();
        assert!(html.contains("2025 年销售收入：统计 1100 与 税务 1000 不一致"), "the difference is reported");

        d.goto(format!("{base}/ladder/candidates?rung=高新技术企业")).await.unwrap();
        wait_for(&d, "高新技术企业培育名单").await;
        d.find(By::LinkText("洛阳甲科技有限公司")).await.unwrap().click().await.unwrap();
        let html = wait_for(&d, "梯度培育：距下一档还差什么").await;
        assert!(html.contains("来源不一致"), "the page shows the open difference");

        // The bureau takes the tax figure; the firm's distance to 高企 is then exact.
        d.find(By::Css("form[action$='/choices'] option[value=tax]")).await.unwrap().click().await.unwrap();
        d.find(By::Css("form[action$='/choices'] input[name=reason]"))
            .await
            .unwrap()
            .send_keys("以纳税申报为准")
            .await
            .unwrap();
        d.find(By::Css("form[action$='/choices'] button")).await.unwrap().click().await.unwrap();
        let html = wait_for(&d, "科技局核定采用税务").await;
        assert!(html.contains("研发费用/销售收入 3.1% &lt; 5%（还差研发费用 19 万元）"), "{html}");
        assert!(html.contains("科技人员占比 8% &lt; 10%（还差科技人员 3 人）"));
        assert!(html.contains("创新能力评价得分：缺数据"));
        // The explanation tree is there to open.
        d.find(By::Css("#ladder details summary")).await.unwrap().click().await.unwrap();
        wait_for(&d, "rd_expense / revenue").await;
    }
    .await;
    d.quit().await.ok();
    result
}

/// The bureau computes a year's credit on a phone, opens the first firm's breakdown and
/// asks what more R&D would change; the answer is the same code's, on the run's data.
#[tokio::test]
async fn the_bureau_computes_the_credit_opens_a_breakdown_and_runs_a_what_if() {
    let Some((_chromedriver, driver_url)) = start_chromedriver().await else { return };
    let db = fengkou_testkit::fresh_sqlite();
    let app = fengkou_testkit::test_app(&db.url).await;
    app.enterprises().seed_scale(200).await.unwrap();
    app.accounts().add_user(None, "kjj", "", Role::TechBureau, None, "bureau-pass-1").await.unwrap();
    let base = fengkou_testkit::serve(&app).await;
    let d = browser(&driver_url).await;
    let result = async {
        login(&d, &base, "kjj", "bureau-pass-1").await;
        d.goto(format!("{base}/credit")).await.unwrap();
        wait_for(&d, "还没有可查看的积分结果").await;
        d.find(By::Css("#compute-form select[name=year] option[value='2025']")).await.unwrap().click().await.unwrap();
        d.find(By::Css("#compute-form button")).await.unwrap().click().await.unwrap();
        let html = wait_for(&d, "2025 年度积分").await;
        assert!(html.contains("未公示（仅科技局可见）"), "a fresh run waits for its notice");
        // The first firm of the first cohort with firms.
        let first = d.find(By::Css("table.table tbody tr td a")).await.unwrap();
        let name = first.text().await.unwrap();
        first.click().await.unwrap();
        let html = wait_for(&d, "逐项得分").await;
        assert!(html.contains(&name), "{name}");
        assert!(html.contains("研发投入强度") && html.contains("rd_expense / revenue"));
        let score = d.find(By::Id("credit-score")).await.unwrap().text().await.unwrap();
        let score = score.trim_end_matches('分').trim().to_string();
        assert!(score.parse::<f64>().is_ok(), "{score}");
        // What if R&D were 100 万元 more?
        d.find(By::Css("#what-if select[name=field] option[value=rd_expense]")).await.unwrap().click().await.unwrap();
        let delta = d.find(By::Css("#what-if input[name=delta]")).await.unwrap();
        delta.clear().await.unwrap();
        delta.send_keys("100").await.unwrap();
        d.find(By::Css("#what-if button")).await.unwrap().click().await.unwrap();
        wait_for_css(&d, "#what-if-result").await;
        let sentence = d.find(By::Id("what-if-result")).await.unwrap().text().await.unwrap();
        assert!(sentence.starts_with(&format!("研发费用再增加 100 万元：{score} → ")), "{sentence}");
        Ok::<(), WebDriverError>(())
    }
    .await;
    d.quit().await.ok();
    result.unwrap();
}
