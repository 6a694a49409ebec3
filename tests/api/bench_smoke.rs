//! The load harness in smoke mode (benches/harness, issue 6): every
//! scenario's code path with tiny numbers against the real executable, so
//! the instruments cannot rot. Asserts what was acknowledged, delivered
//! and counted; never timing.

use std::path::Path;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_load_harness_runs_every_scenario_small() {
    let smoke = switchboard_bench::smoke(Path::new(env!("CARGO_BIN_EXE_switchboard")))
        .await
        .unwrap_or_else(|e| panic!("smoke run failed: {e:#}"));

    // Closed loop: 200 webhooks, 2 tenants with a manager and a staff
    // socket each: every message acknowledged and on both sockets.
    let closed = smoke.closed.ours.as_ref().expect("our run");
    assert_eq!((closed.load.sent, closed.load.ok), (200, 200), "errors: {:?}", closed.load.errors);
    assert_eq!(closed.load.ack.count, 200);
    let delivery = smoke.closed.delivery.as_ref().expect("delivery check");
    assert_eq!(delivery.sockets, 4);
    assert_eq!((delivery.expected, delivery.delivered, delivery.missing), (400, 400, 0));
    assert_eq!(delivery.duplicates, 0);
    assert!(delivery.ended.is_empty(), "sockets ended: {:?}", delivery.ended);
    assert_eq!(delivery.latency.count, 400);
    let baseline = smoke.closed.baseline.as_ref().expect("baseline run");
    assert_eq!(
        (baseline.load.sent, baseline.load.ok),
        (200, 200),
        "baseline errors: {:?}",
        baseline.load.errors
    );
    assert!(smoke.closed.ratio.is_some_and(|r| r > 0.0));

    // Open loop: 100/s for 2 s is exactly 200 scheduled messages.
    let open = smoke.open.ours.as_ref().expect("our run");
    assert_eq!(
        (open.load.sent, open.load.ok, open.load.unsent),
        (200, 200, 0),
        "errors: {:?}",
        open.load.errors
    );
    assert_eq!(open.load.send_lag.count, 200);
    let delivery = smoke.open.delivery.as_ref().expect("delivery check");
    assert_eq!((delivery.expected, delivery.missing), (400, 0));

    // Outbound: 2 numbers x 10 sends, every one at the fake Graph API.
    assert_eq!(smoke.outbound.queued, 20, "errors: {:?}", smoke.outbound.errors);
    assert_eq!((smoke.outbound.graph.sends, smoke.outbound.graph.numbers), (20, 2));

    // Scale: 300 conversations, 200 of them in tenant 0, seen there before
    // and after a restart.
    assert_eq!(smoke.scale.load.ok, 300, "errors: {:?}", smoke.scale.load.errors);
    assert_eq!((smoke.scale.warm.counted, smoke.scale.cold.counted), (200, 200));
    assert_eq!((smoke.scale.warm.first_page, smoke.scale.cold.first_page), (50, 50));
    assert_eq!(smoke.scale.cold.not_assigned.count, 5);
    assert_eq!(smoke.reports.len(), 4);
}
