//! "三个一批" campaign batches.

use crate::AppState;
use crate::auth::PageUser;
use crate::error::PageError;
use crate::forms::optional_date;
use crate::shared::{opt_num, see_other};
use axum::Router;
use axum::extract::{Form, Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use fengkou_app::AppError;
use fengkou_domain::campaign::BatchList;
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/batches", get(list).post(create))
        .route("/batches/{id}/items", post(add_item))
        .route("/batch-items/{id}/delete", post(remove_item))
}

async fn list(State(state): State<AppState>, u: PageUser) -> Result<Response, PageError> {
    let batches = state.app.batches().list(&u.actor).await?;
    let mut items = Vec::new();
    for b in &batches {
        items.extend(state.app.batches().batch_items(b.id).await?);
    }
    let next_seq = batches.iter().map(|b| b.seq).max().unwrap_or(0) + 1;
    let choices =
        if u.actor.can_manage_pipeline() { state.app.batches().project_choices(None).await? } else { Vec::new() };
    Ok(u.page
        .render(
            "batches/list.html",
            crate::ctx! {
                batches => batches,
                items => items,
                next_seq => next_seq,
                today => state.app.today().to_string(),
                choices => choices,
            },
        )
        .into_response())
}

#[derive(Deserialize)]
struct BatchForm {
    #[serde(default)]
    seq: Option<String>,
    #[serde(default)]
    held_on: String,
}

async fn create(State(state): State<AppState>, u: PageUser, Form(f): Form<BatchForm>) -> Result<Response, PageError> {
    let err = PageError::on(&u.page);
    let seq: i32 = opt_num(&f.seq).ok_or_else(|| err(AppError::invalid("期数", "请填写数字")))?;
    let mut problems = Vec::new();
    let held_on = optional_date("日期", &f.held_on, &mut problems)
        .ok_or_else(|| err(AppError::invalid("日期", "请填写有效的日期")))?;
    state.app.batches().create_batch(&u.actor, seq, held_on).await.map_err(err)?;
    Ok(see_other("/batches"))
}

#[derive(Deserialize)]
struct ItemForm {
    /// "name（office）" from the list, or any part of a name.
    #[serde(default)]
    project: String,
    #[serde(default)]
    list: String,
}

async fn add_item(
    State(state): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    Form(f): Form<ItemForm>,
) -> Result<Response, PageError> {
    let err = PageError::on(&u.page);
    let project = state.app.batches().project_by_name(&f.project, None).await.map_err(err)?;
    let list =
        BatchList::from_code(&f.list).ok_or_else(|| err(AppError::invalid("名单", "须为 签约、开工 或 投产")))?;
    state.app.batches().add_to_batch(&u.actor, id, project, list).await.map_err(err)?;
    Ok(see_other(&format!("/batches#batch-{id}")))
}

async fn remove_item(State(state): State<AppState>, u: PageUser, Path(id): Path<i64>) -> Result<Response, PageError> {
    let batch = state.app.batches().remove_from_batch(&u.actor, id).await.map_err(PageError::on(&u.page))?;
    Ok(see_other(&format!("/batches#batch-{batch}")))
}
