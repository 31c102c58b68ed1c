//! The write context: a change and its audit entry land together, stamped by the
//! app's clock; a write that recorded nothing is not kept.

use super::*;
use fengkou_app::audit::Change;
use fengkou_storage::entity::{audit, office};
use sea_orm::{ActiveModelTrait, EntityTrait, PaginatorTrait, Set};

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn a_write_that_records_nothing_is_not_kept(#[case] backend: Backend) {
    let Some(db) = test_database(backend).await else { return };
    let app = app_on(&db.url).await;
    let offices = app.offices().await.unwrap().len();
    let w = app.write(fengkou_domain::Permit::system("tester")).await.unwrap();
    office::ActiveModel { name: Set("无记录办事处".into()), sort_order: Set(99), ..Default::default() }
        .insert(&w)
        .await
        .unwrap();
    w.commit().await.unwrap();
    assert_eq!(app.offices().await.unwrap().len(), offices, "{}", db.backend);
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn a_recorded_write_lands_with_its_entry_stamped_by_the_apps_clock(#[case] backend: Backend) {
    let Some(db) = test_database(backend).await else { return };
    let app = app_on(&db.url).await;
    let store = fengkou_storage::connect(&db.url).await.unwrap();
    let entries = audit::Entity::find().count(&store).await.unwrap();
    let mut w = app.write(fengkou_domain::Permit::system("tester")).await.unwrap();
    let saved =
        office::ActiveModel { name: Set("有记录办事处".into()), sort_order: Set(99), ..Default::default() }
            .insert(&w)
            .await
            .unwrap();
    w.record(Change {
        action: "create",
        entity: "office",
        entity_id: Some(saved.id),
        project_id: None,
        before: None,
        after: None,
    });
    w.commit().await.unwrap();
    assert!(app.offices().await.unwrap().iter().any(|o| o.id == saved.id), "{}", db.backend);
    let all = audit::Entity::find().all(&store).await.unwrap();
    assert_eq!(all.len() as u64, entries + 1, "{}", db.backend);
    let entry = all.iter().find(|e| e.entity == "office" && e.entity_id == Some(saved.id)).unwrap();
    assert_eq!(entry.username, "tester");
    // The test app's clock is pinned to 2026-11-25: the entry says so, whatever the
    // machine's date.
    assert_eq!(entry.at.date_naive(), d("2026-11-25"), "{}", db.backend);
}

/// A write whose rule needs its rows (`write_checking`) and that never asked it is
/// refused at commit and leaves nothing behind, entries or rows.
#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn a_write_that_never_asked_permission_is_refused_and_not_kept(#[case] backend: Backend) {
    let Some(db) = test_database(backend).await else { return };
    let app = app_on(&db.url).await;
    let viewer = login(&app, "kan", Role::Viewer, None).await;
    let offices = app.offices().await.unwrap().len();
    let mut w = app.write_checking(&viewer).await.unwrap();
    let saved = office::ActiveModel { name: Set("越权办事处".into()), sort_order: Set(99), ..Default::default() }
        .insert(&w)
        .await
        .unwrap();
    w.created("office", saved.id, None, &saved);
    let err = w.commit().await.unwrap_err();
    assert!(matches!(err, AppError::Forbidden(_)), "{}: {err}", db.backend);
    assert_eq!(app.offices().await.unwrap().len(), offices, "{}", db.backend);
    // Asked and refused: the refusal is the rule's, with its reason.
    let mut w = app.write_checking(&viewer).await.unwrap();
    let refused = w.permit(viewer.can_manage_pipeline(), "只有项目办可以调整").unwrap_err();
    assert_eq!(refused.to_string(), "没有权限：只有项目办可以调整");
}

/// Eight requests create a project with the same code at once: one is created, the
/// others are told the code is taken (the form's answer), none fails on the unique
/// index.
#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn one_code_created_eight_times_at_once_is_one_project(#[case] backend: Backend) {
    let Some(db) = test_database(backend).await else { return };
    let app = app_on(&db.url).await;
    let xmb = login(&app, "xmb", Role::ProjectOffice, None).await;
    let mut creates = tokio::task::JoinSet::new();
    for i in 0..8 {
        let (app, xmb) = (app.clone(), xmb.clone());
        let h =
            ProjectHeader { code: Some("DUP-001".into()), ..header(&format!("同号项目{i}"), "湖北路办事处") };
        creates.spawn(async move { app.projects().create_project(&xmb, &h).await });
    }
    let (mut created, mut taken) = (0, 0);
    while let Some(done) = creates.join_next().await {
        match done.unwrap() {
            Ok(_) => created += 1,
            Err(AppError::Invalid(errs)) if errs[0].field == "项目编号" => taken += 1,
            Err(e) => panic!("{}: {e:?}", db.backend),
        }
    }
    assert_eq!((created, taken), (1, 7), "{}", db.backend);
}

/// A database a hand edit broke is not served: opening it names each problem by
/// table, row and column, as damaged data (not "try again later").
#[tokio::test]
async fn a_damaged_database_is_not_opened() {
    use sea_orm::ConnectionTrait;
    let Some(db) = test_database(Backend::Sqlite).await else { return };
    let app = app_on(&db.url).await;
    let xmb = login(&app, "xmb", Role::ProjectOffice, None).await;
    let id = app.projects().create_project(&xmb, &header("手改项目", "湖北路办事处")).await.unwrap();
    drop(app);
    let conn = sea_orm::Database::connect(&db.url).await.unwrap();
    conn.execute_unprepared(&format!("UPDATE projects SET total_investment = '一亿' WHERE id = {id}")).await.unwrap();
    let err = App::open(&db.url).await.err().expect("a damaged database does not open");
    assert!(matches!(err, AppError::Damaged(_)), "{err:?}");
    assert!(err.to_string().contains(&format!("表 projects 的 id {id} 行：total_investment 列为“一亿”")), "{err}");
}

/// The demo district, reopened: a healthy database with every kind of row (first
/// stage events without a stage before them, released meetings, scores) passes the
/// start-up check.
#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn a_healthy_district_reopens(#[case] backend: Backend) {
    let Some(db) = test_database(backend).await else { return };
    let app = app_on(&db.url).await;
    app.seed_demo().await.unwrap();
    drop(app);
    if let Err(e) = App::open(&db.url).await {
        panic!("{}: {e}", db.backend);
    }
}
