//! The JSON API under `/api/v1`, described by the OpenAPI document at
//! `/api/v1/openapi.json` (Swagger UI at `/api/docs`). Authentication: the session
//! cookie or `Authorization: Bearer <token>` (`fengkou token create NAME`). Money is a
//! decimal string in 万元 with four decimals; permissions are the web UI's.

use crate::AppState;
use crate::error::ApiErrorBody;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;

#[derive(OpenApi)]
#[openapi(
    info(title = "fengkou API", description = "重点项目“三个一批”台账、月报、预警与办事处对比；现场观摩评比（观摩点、评分、排名投票、结果）。金额单位：万元（四位小数的字符串）；分数为字符串形式的小数。"),
    modifiers(&BearerAuth),
    security(("bearer" = []), ("cookie" = [])),
    components(schemas(ApiErrorBody))
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components.add_security_scheme(
            "cookie",
            SecurityScheme::ApiKey(utoipa::openapi::security::ApiKey::Cookie(
                utoipa::openapi::security::ApiKeyValue::new("fk_session"),
            )),
        );
    }
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(crate::projects::api::router())
        .merge(crate::overview::api::router())
        .merge(crate::reports::api::router())
        .merge(crate::meetings::api::router())
        .merge(crate::enterprises::api::router())
        .merge(crate::credit::api::router())
}
