//! The Scans page: `gofed scan`'s job table (in the store, shared by every worker): how many jobs are queued,
//! running, done and failed, with a progress bar, and the jobs themselves, paged, failed ones with their error.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use gofed_store::{Cursor, JobState, PageRequest};
use maud::html;
use serde::Deserialize;

use crate::page;
use crate::Ctx;

#[derive(Deserialize)]
pub(crate) struct ScanQuery {
    #[serde(default)]
    after: Option<String>,
}

pub(crate) async fn page(State(ctx): State<Ctx>, Query(query): Query<ScanQuery>) -> Response {
    let Some(store) = &ctx.console.store else {
        return page::error(
            StatusCode::SERVICE_UNAVAILABLE,
            "Scans",
            "this console has no store ([store] url / GOFED_STORE is off)",
        );
    };
    let after = match query.after.as_deref().filter(|a| !a.is_empty()) {
        Some(after) => match after.parse::<Cursor>() {
            Ok(cursor) => Some(cursor),
            Err(err) => return page::error(StatusCode::BAD_REQUEST, "Scans", &err.to_string()),
        },
        None => None,
    };
    let kind = &ctx.console.scan_kind;
    let (counts, jobs) = tokio::join!(
        store.job_counts(kind),
        store.list_jobs(kind, PageRequest { after, limit: 100 })
    );
    let (counts, jobs) = match (counts, jobs) {
        (Ok(counts), Ok(jobs)) => (counts, jobs),
        (Err(err), _) | (_, Err(err)) => {
            return page::error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Scans",
                &gofed_service::error_chain(&err),
            )
        }
    };
    let total = counts.queued + counts.claimed + counts.done + counts.failed;
    let finished = counts.done + counts.failed;
    let body = html! {
        @if total == 0 {
            p { "No scan job in the store. " code { "gofed scan" } " adds them." }
        } @else {
            p.summary {
                (finished) " of " (total) " job(s) finished: "
                (counts.done) " done, " span.bad { (counts.failed) " failed" } ", "
                (counts.claimed) " running, " (counts.queued) " queued."
            }
            progress max=(total) value=(finished) { (finished) "/" (total) }
        }
        @if !jobs.items.is_empty() {
            div.scroll {
                table {
                    thead { tr { th { "Job" } th { "State" } th { "Worker" } th.num { "Attempts" } th { "Error" } } }
                    tbody {
                        @for job in &jobs.items {
                            @let state = match job.state {
                                JobState::Queued => "queued",
                                JobState::Claimed => "running",
                                JobState::Done => "done",
                                JobState::Failed => "failed",
                            };
                            tr class=(if job.state == JobState::Failed { "bad" } else { "" }) {
                                td { code { (job.key) } }
                                td { (state) }
                                td { (job.worker.as_deref().unwrap_or("-")) }
                                td.num { (job.attempts) }
                                td { (job.error.as_deref().unwrap_or("")) }
                            }
                        }
                    }
                }
            }
        }
        (page::next_link("/console/scans", &[], jobs.next.map(|c| c.to_string())))
    };
    page::shell("Scans", "/console/scans", body).into_response()
}
