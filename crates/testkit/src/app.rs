//! The app as tests start it: on a fresh database, the clock pinned, the reference
//! data (offices, industries) in; and served on a random port for HTTP and browser
//! tests. One place, instead of a copy in every test file.

use chrono::NaiveDate;
use fengkou_app::demo::ensure_reference_data;
use fengkou_app::{App, Clock};

/// The day tests run on, whatever the machine's date: the periods and warnings the
/// tests expect are those of late November 2026.
pub const TEST_DAY: &str = "2026-11-25";

/// The app on `url` on [`TEST_DAY`], with the reference data.
pub async fn test_app(url: &str) -> App {
    test_app_on(url, TEST_DAY.parse().expect("TEST_DAY is a date")).await
}

/// The app on `url` on `day`, with the reference data.
pub async fn test_app_on(url: &str, day: NaiveDate) -> App {
    let app = App::open(url).await.expect("the test database opens").with_clock(Clock::Fixed(day));
    ensure_reference_data(&app).await.expect("reference data");
    app
}

#[cfg(feature = "web")]
/// Serves `app` on a random local port; returns the base URL ("http://127.0.0.1:…").
pub async fn serve(app: &App) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a free port");
    let base = format!("http://{}", listener.local_addr().expect("a bound port"));
    let served = app.clone();
    tokio::spawn(async move { fengkou_web::serve_on(served, listener).await });
    base
}

#[cfg(feature = "web")]
/// The app served for a test: its base URL and the app itself (to add users, read back).
pub struct TestServer {
    pub base: String,
    pub app: App,
}

#[cfg(feature = "web")]
/// [`test_app`] on `url`, served.
pub async fn spawn_app(url: &str) -> TestServer {
    let app = test_app(url).await;
    let base = serve(&app).await;
    TestServer { base, app }
}
