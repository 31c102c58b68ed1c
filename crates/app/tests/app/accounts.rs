//! Sessions and tokens end when they should: 2 hours idle, 12 hours in all, at a
//! password change or a disable; tokens at their expiry.

use super::*;
use fengkou_storage::entity::{api_token, session};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};

const HOME: std::net::IpAddr = std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn sessions_end_when_idle_or_old_and_tokens_at_their_expiry(#[case] backend: Backend) {
    let Some(db) = test_database(backend).await else { return };
    let app = app_on(&db.url).await;
    app.accounts().add_user(None, "zhang", "", Role::Viewer, None, "password-123").await.unwrap();
    let conn = sea_orm::Database::connect(&db.url).await.unwrap();
    // The app's clock, not the machine's: the test pins the day.
    let now = app.now();

    let (_, idle) = app.accounts().login("zhang", "password-123", HOME).await.unwrap();
    assert!(app.accounts().session_actor(&idle).await.unwrap().is_some());
    session::Entity::update_many()
        .col_expr(session::Column::LastSeenAt, Expr::value(Some(now - chrono::Duration::minutes(121))))
        .exec(&conn)
        .await
        .unwrap();
    assert!(app.accounts().session_actor(&idle).await.unwrap().is_none(), "2 hours idle: {}", db.backend);

    let (_, old) = app.accounts().login("zhang", "password-123", HOME).await.unwrap();
    session::Entity::update_many()
        .col_expr(session::Column::ExpiresAt, Expr::value(now - chrono::Duration::minutes(1)))
        .exec(&conn)
        .await
        .unwrap();
    assert!(app.accounts().session_actor(&old).await.unwrap().is_none(), "12 hours in all: {}", db.backend);

    // A request within the idle window keeps the session alive.
    let (_, busy) = app.accounts().login("zhang", "password-123", HOME).await.unwrap();
    session::Entity::update_many()
        .col_expr(session::Column::LastSeenAt, Expr::value(Some(now - chrono::Duration::minutes(100))))
        .exec(&conn)
        .await
        .unwrap();
    assert!(app.accounts().session_actor(&busy).await.unwrap().is_some());
    // Noted in the background (a page never waits for the writer for it).
    let mut seen = None;
    for _ in 0..50 {
        seen = session::Entity::find().one(&conn).await.unwrap().unwrap().last_seen_at;
        if seen.is_some_and(|at| at > now - chrono::Duration::minutes(1)) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(seen.is_some_and(|at| at > now - chrono::Duration::minutes(1)), "the request was seen: {}", db.backend);

    let token = app.accounts().create_token("zhang", "脚本", Some(30)).await.unwrap();
    assert!(app.accounts().token_actor(&token).await.unwrap().is_some());
    api_token::Entity::update_many()
        .col_expr(api_token::Column::ExpiresAt, Expr::value(Some(now - chrono::Duration::minutes(1))))
        .filter(api_token::Column::Name.eq("脚本"))
        .exec(&conn)
        .await
        .unwrap();
    assert!(app.accounts().token_actor(&token).await.unwrap().is_none(), "expired token: {}", db.backend);
    assert!(app.accounts().api_tokens(None).await.unwrap()[0].expired);
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn a_password_change_ends_every_other_session(#[case] backend: Backend) {
    let Some(db) = test_database(backend).await else { return };
    let app = app_on(&db.url).await;
    app.accounts().add_user(None, "zhang", "", Role::Viewer, None, "password-123").await.unwrap();
    let (actor, phone) = app.accounts().login("zhang", "password-123", HOME).await.unwrap();
    let (_, desk) = app.accounts().login("zhang", "password-123", HOME).await.unwrap();
    assert!(app.accounts().change_password(&actor, "wrong", "新的密码-2026-abc", HOME).await.is_err());
    let kept = app.accounts().change_password(&actor, "password-123", "新的密码-2026-abc", HOME).await.unwrap();
    assert!(app.accounts().session_actor(&phone).await.unwrap().is_none(), "{}", db.backend);
    assert!(app.accounts().session_actor(&desk).await.unwrap().is_none(), "{}", db.backend);
    assert!(app.accounts().session_actor(&kept).await.unwrap().is_some(), "{}", db.backend);
    assert!(app.accounts().login("zhang", "password-123", HOME).await.is_err());
    assert!(app.accounts().login("zhang", "新的密码-2026-abc", HOME).await.is_ok());
}
