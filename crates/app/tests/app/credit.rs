//! The innovation credit on both backends: a year computed, seen only by the bureau
//! until published, published once and never changed, reproducible from what it
//! stored, confined per office; schemes approved by a second person; objections during
//! the notice; what-if; concurrent publications and decisions on PostgreSQL.

use super::*;
use fengkou_app::credit::CreditError;
use fengkou_domain::enterprise::Source;

/// A district of ~60 firms with three years of figures (the demo's generator).
async fn district(app: &App) {
    app.enterprises().seed_scale(48).await.unwrap();
}

const YEAR: i32 = 2025;

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn a_year_is_computed_published_once_and_reproduced_from_what_it_stored(#[case] backend: Backend) {
    let Some(db) = test_database(backend).await else { return };
    let app = app_on(&db.url).await;
    district(&app).await;
    let bureau = login(&app, "kjj", Role::TechBureau, None).await;
    let leader = login(&app, "ld", Role::Leader, None).await;
    let viewer = login(&app, "kan", Role::Viewer, None).await;
    let hubei = login(&app, "hb", Role::OfficeUser, Some("湖北路办事处")).await;
    let credit = app.credit();

    for who in [&leader, &hubei, &viewer] {
        assert!(matches!(credit.compute(who, YEAR).await, Err(AppError::Forbidden(_))));
    }
    assert!(matches!(credit.compute(&bureau, 2099).await, Err(AppError::Credit(CreditError::Year(2099)))));
    // A year without figures is refused, not published as a list of nobody.
    assert!(matches!(
        credit.compute(&bureau, 2010).await,
        Err(AppError::Credit(CreditError::NoData { year: 2010, .. }))
    ));
    let run = credit.compute(&bureau, YEAR).await.unwrap();
    assert_eq!(run.status, "computed");
    assert!(run.firms >= 60, "{}", run.firms);
    let scored: u64 = run.cohorts.iter().map(|c| c.1).sum();
    assert!(scored > 40, "{:?}", run.cohorts);
    assert!(run.lists.get("lead").copied().unwrap_or(0) > 0, "{:?}", run.lists);

    // Before the notice only the bureau sees it.
    assert!(credit.current_run(&leader, None).await.unwrap().is_none());
    assert!(matches!(credit.ranking(&leader, run.id, None, None, 1).await, Err(AppError::NotFound(_))));
    assert!(matches!(credit.ranking(&viewer, run.id, None, None, 1).await, Err(AppError::Forbidden(_))));
    let page = credit.ranking(&bureau, run.id, None, None, 1).await.unwrap();
    assert!(!page.rows.is_empty());
    let first = &page.rows[0];
    assert_eq!(first.rank, Some(1));

    assert!(matches!(credit.publish(&leader, run.id).await, Err(AppError::Forbidden(_))));
    credit.publish(&bureau, run.id).await.unwrap();
    assert!(matches!(credit.publish(&bureau, run.id).await, Err(AppError::Credit(CreditError::AlreadyPublished(_)))));
    let seen = credit.ranking(&leader, run.id, None, None, 1).await.unwrap();
    assert_eq!(seen.rows[0].uscc, first.uscc);
    // Five days of notice, the first and the last included.
    assert_eq!(seen.run.notice_until, Some(d("2026-11-29")));

    // An office user sees its own firms only, with their district-wide ranks.
    let mine = credit.ranking(&hubei, run.id, Some(&page.cohort), None, 1).await.unwrap();
    assert!(
        mine.rows.iter().all(|r| r.office == "湖北路办事处"),
        "{:?}",
        mine.rows.iter().map(|r| &r.office).collect::<Vec<_>>()
    );
    let (_, banks) = credit.all_rows(&hubei, run.id, false).await.unwrap();
    assert!(banks.iter().all(|r| r.office == "湖北路办事处"));
    let other = page.rows.iter().find(|r| r.office != "湖北路办事处").unwrap();
    assert!(matches!(credit.firm_credit(&hubei, other.firm_id, Some(run.id)).await, Err(AppError::NotFound(_))));

    // A firm's page says what the ranking says, and its lines add up.
    let firm = credit.firm_credit(&leader, first.firm_id, Some(run.id)).await.unwrap().unwrap();
    assert_eq!((firm.score.as_str(), firm.rank), (first.score.as_str(), first.rank));
    let lines = firm.breakdown["indicators"].as_array().unwrap();
    assert_eq!(lines.len(), 18);
    assert!(lines.iter().all(|l| l["distribution"]["n"].is_u64()), "each line has its cohort's distribution");

    // Data change after publication: the published run stays as it was, and it is
    // reproduced exactly from its stored inputs and scheme.
    let before = credit.all_rows(&bureau, run.id, false).await.unwrap().1;
    app.enterprises().set_value(&bureau, first.firm_id, YEAR, "revenue", Source::Tax, "1").await.unwrap();
    let after = credit.all_rows(&bureau, run.id, false).await.unwrap().1;
    let key = |rows: &[fengkou_app::credit::CreditRow]| {
        rows.iter().map(|r| (r.uscc.clone(), r.score.clone(), r.rank, r.list)).collect::<Vec<_>>()
    };
    assert_eq!(key(&before), key(&after));
    assert_eq!(credit.verify_run(&bureau, run.id).await.unwrap(), Vec::<String>::new());

    // What-if on the run's own data: more R&D never lowers this scheme's score.
    let what = credit.what_if(&leader, first.firm_id, run.id, "研发费用", "+100").await.unwrap();
    assert_eq!(what.before, first.score);
    assert!(what.after.parse::<f64>().unwrap() >= what.before.parse::<f64>().unwrap(), "{what:?}");
    assert!(what.sentence.starts_with("研发费用再增加 100 万元："), "{}", what.sentence);
    for (field, delta) in [("name", "1"), ("研发人员数", "0.5"), ("revenue", "-999999999"), ("rd_expense", "abc")]
    {
        assert!(
            matches!(
                credit.what_if(&leader, first.firm_id, run.id, field, delta).await,
                Err(AppError::Credit(CreditError::WhatIf(_)))
            ),
            "{field} {delta}"
        );
    }

    // The audit trail has the computation and the publication.
    let admin = login(&app, "adm", Role::Admin, None).await;
    let (trail, _) = app.audit().audit_log(&admin, &Default::default(), 1).await.unwrap();
    let actions: Vec<(String, String)> = trail.iter().map(|e| (e.entity_label.clone(), e.action.clone())).collect();
    assert!(actions.contains(&("创新积分计算".into(), "compute".into())), "{actions:?}");
    assert!(actions.contains(&("创新积分计算".into(), "publish".into())), "{actions:?}");
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn a_scheme_is_used_only_once_someone_else_approved_it(#[case] backend: Backend) {
    let Some(db) = test_database(backend).await else { return };
    let app = app_on(&db.url).await;
    district(&app).await;
    let bureau = login(&app, "kjj", Role::TechBureau, None).await;
    let second = login(&app, "kjj2", Role::TechBureau, None).await;
    let admin = login(&app, "adm", Role::Admin, None).await;
    let leader = login(&app, "ld", Role::Leader, None).await;
    let credit = app.credit();
    let shipped = credit.shipped_scheme_text().to_string();

    let broken = shipped.replace("\"rd_expense / revenue\"", "\"rd_expens / revenue\"");
    match credit.propose_scheme(&bureau, &broken, YEAR).await {
        Err(AppError::Credit(CreditError::Scheme(why))) => {
            assert!(why.contains("rd_intensity") && why.contains("第 1 个字符") && why.contains("rd_expense"), "{why}")
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(credit.propose_scheme(&leader, &shipped, YEAR).await, Err(AppError::Forbidden(_))));
    let minmax =
        shipped.replace("\"percentile\"", "\"minmax\"").replace("企业创新积分（默认方案", "企业创新积分（最小-最大");
    let id = credit.propose_scheme(&bureau, &minmax, YEAR).await.unwrap();
    // Not in force while it waits.
    let run = credit.compute(&bureau, YEAR).await.unwrap();
    assert_eq!(run.scheme_id, None);
    assert!(matches!(
        credit.decide_scheme(&bureau, id, true, "").await,
        Err(AppError::Forbidden(why)) if why.contains("自己提交")
    ));
    assert!(matches!(credit.decide_scheme(&leader, id, true, "").await, Err(AppError::Forbidden(_))));
    credit.decide_scheme(&second, id, true, "核对无误").await.unwrap();
    assert!(matches!(
        credit.decide_scheme(&admin, id, false, "").await,
        Err(AppError::Credit(CreditError::AlreadyDecided(_)))
    ));
    let run = credit.compute(&bureau, YEAR).await.unwrap();
    assert_eq!(run.scheme_id, Some(id));
    assert!(run.scheme_label.contains("最小-最大"), "{}", run.scheme_label);
    // An earlier year still uses the shipped scheme.
    assert_eq!(credit.compute(&bureau, YEAR - 1).await.unwrap().scheme_id, None);
    let versions = credit.schemes(&admin).await.unwrap();
    assert_eq!(versions[0].status, "approved");
    assert_eq!(versions[0].decided_by, "kjj2");
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn objections_are_recorded_during_the_notice_and_answered_once(#[case] backend: Backend) {
    let Some(db) = test_database(backend).await else { return };
    let app = app_on(&db.url).await;
    district(&app).await;
    let bureau = login(&app, "kjj", Role::TechBureau, None).await;
    let leader = login(&app, "ld", Role::Leader, None).await;
    let credit = app.credit();
    let run = credit.compute(&bureau, YEAR).await.unwrap();
    let firm = credit.ranking(&bureau, run.id, None, None, 1).await.unwrap().rows[0].firm_id;
    assert!(matches!(
        credit.object(&bureau, run.id, firm, "企业联系人", "研发费用少计").await,
        Err(AppError::Credit(CreditError::NotPublished))
    ));
    credit.publish(&bureau, run.id).await.unwrap();
    assert!(matches!(credit.object(&leader, run.id, firm, "", "x").await, Err(AppError::Forbidden(_))));
    assert!(matches!(credit.object(&bureau, run.id, firm, "", "  ").await, Err(AppError::Invalid(_))));
    let id = credit.object(&bureau, run.id, firm, "企业联系人", "研发费用少计 50 万元").await.unwrap();
    credit.answer_objection(&bureau, id, false, "已核对税务数据，无误").await.unwrap();
    assert!(matches!(
        credit.answer_objection(&bureau, id, true, "改判").await,
        Err(AppError::Credit(CreditError::AlreadyAnswered))
    ));
    let page = credit.firm_credit(&leader, firm, Some(run.id)).await.unwrap().unwrap();
    assert_eq!(page.objections.len(), 1);
    assert_eq!(page.objections[0].outcome, "dismissed");

    // A later publication of the year replaces this one: objections go to the new one.
    let again = credit.compute(&bureau, YEAR).await.unwrap();
    credit.publish(&bureau, again.id).await.unwrap();
    assert!(matches!(
        credit.object(&bureau, run.id, firm, "", "针对旧公示").await,
        Err(AppError::Credit(CreditError::Superseded(id))) if id == again.id
    ));
    credit.object(&bureau, again.id, firm, "", "针对新公示").await.unwrap();

    // After the notice, no more objections.
    let later = fengkou_testkit::test_app_on(&db.url, d("2026-12-31")).await;
    assert!(matches!(
        later.credit().object(&bureau, run.id, firm, "", "迟到的异议").await,
        Err(AppError::Credit(CreditError::NoticeOver(_)))
    ));
}

#[tokio::test]
async fn two_publications_or_decisions_at_once_on_postgres_one_wins() {
    let Some(db) = test_database(Backend::Postgres).await else { return };
    let app = app_on(&db.url).await;
    district(&app).await;
    let bureau = login(&app, "kjj", Role::TechBureau, None).await;
    let second = login(&app, "kjj2", Role::TechBureau, None).await;
    let admin = login(&app, "adm", Role::Admin, None).await;
    let credit = app.credit();
    let run = credit.compute(&bureau, YEAR).await.unwrap();
    let (a, b) = tokio::join!(credit.publish(&bureau, run.id), credit.publish(&second, run.id));
    assert_eq!(usize::from(a.is_ok()) + usize::from(b.is_ok()), 1, "{a:?} {b:?}");
    let id = credit.propose_scheme(&bureau, credit.shipped_scheme_text(), YEAR).await.unwrap();
    let (a, b) = tokio::join!(credit.decide_scheme(&second, id, true, ""), credit.decide_scheme(&admin, id, false, ""));
    assert_eq!(usize::from(a.is_ok()) + usize::from(b.is_ok()), 1, "{a:?} {b:?}");
}
