//! The hall's live board: the page, and its server-sent events, which wait on
//! committed meeting writes instead of polling, a few per user at most.

use super::pages::err;
use crate::AppState;
use crate::auth::PageUser;
use crate::error::PageError;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use fengkou_app::AppError;
use std::convert::Infallible;
use std::time::Duration;

pub fn router() -> Router<AppState> {
    Router::new().route("/meetings/{id}/board", get(board)).route("/meetings/{id}/events", get(events))
}

async fn board(State(state): State<AppState>, u: PageUser, Path(id): Path<i64>) -> Result<Response, PageError> {
    let m = state.app.meetings().meeting_for(&u.actor, id).await.map_err(err(&u))?;
    let board = board_json(&state, id).await.map_err(err(&u))?;
    Ok(u.page.render("meetings/board.html", crate::ctx! { m => &m, board => board }).into_response())
}

/// What the hall's screen shows: who has submitted (N/M), and the ranking once
/// released: always the published one, never a figure in progress.
async fn board_json(state: &AppState, id: i64) -> Result<serde_json::Value, AppError> {
    let board = state.app.meetings().hall_board(id).await?;
    Ok(serde_json::to_value(board).unwrap_or_default())
}

/// Streams one user may hold open at once (a hall has a screen or two; a forgotten
/// tab should not hold a connection each).
pub const MAX_STREAMS_PER_USER: usize = 4;

/// Server-sent events: the board's data whenever it changes. A stream sleeps until a
/// meeting write is committed (or a minute passes), so an unchanged board costs
/// nothing; after a change the data is computed once for every stream (see
/// [`cached_board`]).
async fn events(State(state): State<AppState>, u: PageUser, Path(id): Path<i64>) -> Result<Response, PageError> {
    state.app.meetings().meeting_for(&u.actor, id).await.map_err(err(&u))?;
    let Some(slot) = StreamSlot::take(&state, u.actor.user_id) else {
        let why = format!("你已打开 {MAX_STREAMS_PER_USER} 个实时大屏，请先关闭不用的页面");
        return Ok((StatusCode::TOO_MANY_REQUESTS, why).into_response());
    };
    let changes = state.app.meeting_changes();
    let stream = futures::stream::unfold(
        (state, None::<String>, changes, slot),
        move |(state, last, mut changes, slot)| async move {
            loop {
                // Marked before computing: a write committed while we compute wakes us.
                changes.borrow_and_update();
                let current = cached_board(&state, id).await;
                if last.as_deref() != Some(current.as_str()) {
                    let event: Result<Event, Infallible> = Ok(Event::default().event("board").data(current.clone()));
                    return Some((event, (state, Some(current), changes, slot)));
                }
                let _ = tokio::time::timeout(Duration::from_secs(60), changes.changed()).await;
                // Judges save in bursts: one board per second is enough for a hall.
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        },
    );
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()).into_response())
}

/// One of a user's open streams; given back when the stream ends (the client left).
struct StreamSlot {
    state: AppState,
    user_id: i64,
}

impl StreamSlot {
    fn take(state: &AppState, user_id: i64) -> Option<StreamSlot> {
        let mut open = state.streams.lock().unwrap_or_else(|e| e.into_inner());
        let count = open.entry(user_id).or_insert(0);
        if *count >= MAX_STREAMS_PER_USER {
            return None;
        }
        *count += 1;
        Some(StreamSlot { state: state.clone(), user_id })
    }
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        let mut open = self.state.streams.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(count) = open.get_mut(&self.user_id) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                open.remove(&self.user_id);
            }
        }
    }
}

/// The board's data for the event streams: computed once per meeting-write count,
/// shared by every open stream.
async fn cached_board(state: &AppState, id: i64) -> String {
    let generation = *state.app.meeting_changes().borrow();
    let cached = state
        .boards
        .lock()
        .ok()
        .and_then(|cache| cache.get(&id).filter(|b| b.generation == generation).map(|b| b.json.clone()));
    if let Some(json) = cached {
        return json;
    }
    let current = board_json(state, id).await.map(|v| v.to_string()).unwrap_or_default();
    if let Ok(mut cache) = state.boards.lock() {
        cache.insert(id, crate::BoardSnapshot { generation, json: current.clone() });
    }
    current
}
