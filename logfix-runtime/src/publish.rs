//! A logger's counters through the `metrics` facade (feature `metrics`): whatever exporter the
//! application installed (a Prometheus, `StatsD` or OpenTelemetry one) serves them.

use ::metrics::{counter, describe_counter, describe_gauge, gauge, Unit};

use crate::event::Level;
use crate::metrics::MetricsSnapshot;

/// A counter without labels: name, description, value.
type Total = (&'static str, &'static str, fn(&MetricsSnapshot) -> u64);

/// The counters without labels.
const TOTALS: [Total; 13] = [
    ("logfix_written_lines_total", "lines written to the file (or the console without one)", |m| {
        m.lines_written
    }),
    ("logfix_written_bytes_total", "bytes of those lines", |m| m.bytes_written),
    (
        "logfix_events_dropped_total",
        "events dropped: the queue was full (LOGFIX_OVERFLOW=drop) or the logger had shut down",
        |m| m.dropped,
    ),
    (
        "logfix_render_failures_total",
        "events whose Display or Debug impl panicked (each written as render_failed)",
        |m| m.render_failures,
    ),
    ("logfix_format_errors_total", "Display or Debug impls that returned an error", |m| {
        m.format_errors
    }),
    ("logfix_write_errors_total", "failed writes to the log file", |m| m.write_errors),
    (
        "logfix_stderr_lines_total",
        "lines written to stderr because the file could not be written",
        |m| m.stderr_lines,
    ),
    ("logfix_lost_lines_total", "lines that reached neither the file nor stderr", |m| m.lost_lines),
    ("logfix_rotations_total", "rotations of the active file", |m| m.rotations),
    ("logfix_compressions_total", "rotated files compressed", |m| m.compressions),
    (
        "logfix_compression_failures_total",
        "compressions that failed (the rotated file is kept uncompressed)",
        |m| m.compression_failures,
    ),
    ("logfix_files_deleted_total", "rotated files deleted by retention", |m| m.files_deleted),
    (
        "logfix_schema_failures_total",
        "lines written in the logfix schema because they could not be converted to LOGFIX_SCHEMA's",
        |m| m.schema_failures,
    ),
];

impl MetricsSnapshot {
    /// Publishes these counters through the [`metrics`](https://docs.rs/metrics) facade, to
    /// whatever recorder the application installed (`metrics-exporter-prometheus`, a `StatsD` one,
    /// OpenTelemetry, ...). Counters are set to their totals (`Counter::absolute`); call it
    /// before each scrape (in the `/metrics` handler), or every few seconds for a recorder that
    /// pushes.
    ///
    /// | metric | type | what |
    /// |---|---|---|
    /// | `logfix_events_total{level}` | counter | events accepted by the filter, by level: the log volume, and with `level="error"` the error rate |
    /// | `logfix_component_events_total{component}` | counter | the same by component: the first [`MAX_COMPONENTS`](crate::MAX_COMPONENTS) by name, then [`OTHER_COMPONENTS`](crate::OTHER_COMPONENTS) |
    /// | `logfix_written_lines_total`, `logfix_written_bytes_total` | counter | lines and bytes written |
    /// | `logfix_events_dropped_total`, `logfix_lost_lines_total` | counter | events dropped (full queue), lines that reached neither the file nor stderr |
    /// | `logfix_write_errors_total`, `logfix_stderr_lines_total` | counter | failed writes to the file, lines sent to stderr instead |
    /// | `logfix_render_failures_total`, `logfix_format_errors_total` | counter | panicking and failing `Display`/`Debug` impls |
    /// | `logfix_rotations_total`, `logfix_compressions_total`, `logfix_compression_failures_total`, `logfix_files_deleted_total` | counter | rotation, compression and retention |
    /// | `logfix_schema_failures_total` | counter | lines that could not be converted to `LOGFIX_SCHEMA=ecs` (written in the logfix schema; expected to stay 0) |
    /// | `logfix_queue_high_water_batches` | gauge | the most batches (up to 64 events each) the queue held at once |
    ///
    /// # Examples
    /// ```
    /// use metrics_exporter_prometheus::PrometheusBuilder;
    ///
    /// let recorder = PrometheusBuilder::new().build_recorder();
    /// let prometheus = recorder.handle();
    /// // In a service: `PrometheusBuilder::new().install_recorder()` once, and this in the
    /// // `/metrics` handler, before `prometheus.render()`.
    /// metrics::with_local_recorder(&recorder, || logfix_runtime::metrics().publish());
    /// assert!(prometheus.render().contains("logfix_events_total{level=\"error\"} 0"));
    /// ```
    #[cfg_attr(all(docsrs, logfix_doc_cfg), doc(cfg(feature = "metrics")))]
    pub fn publish(&self) {
        describe();
        for level in Level::ALL {
            counter!("logfix_events_total", "level" => level.as_str())
                .absolute(self.lines_by_level.get(level));
        }
        for (component, count) in &self.lines_by_component {
            counter!("logfix_component_events_total", "component" => component.clone())
                .absolute(*count);
        }
        for (name, _, value) in TOTALS {
            counter!(name).absolute(value(self));
        }
        #[allow(
            clippy::cast_precision_loss,
            reason = "at most LOGFIX_QUEUE_CAPACITY / 64 batches, far below 2^53"
        )]
        gauge!("logfix_queue_high_water_batches").set(self.queue_high_water as f64);
    }
}

/// Describes the metrics to the recorder in force (each time: the application may install its
/// recorder after the first call).
fn describe() {
    describe_counter!(
        "logfix_events_total",
        Unit::Count,
        "events accepted by the filter, by level"
    );
    describe_counter!(
        "logfix_component_events_total",
        Unit::Count,
        "events accepted by the filter, by component"
    );
    for (name, description, _) in TOTALS {
        let unit = if name.ends_with("_bytes_total") { Unit::Bytes } else { Unit::Count };
        describe_counter!(name, unit, description);
    }
    describe_gauge!(
        "logfix_queue_high_water_batches",
        Unit::Count,
        "the most batches (up to 64 events each) the queue held at once"
    );
}

#[cfg(test)]
mod tests {
    use metrics_exporter_prometheus::PrometheusBuilder;

    use crate::Config;

    #[derive(crate::LogEvent)]
    #[log(crate = "crate", component = "db", level = "error", message = "query failed")]
    struct QueryFailed;

    #[derive(crate::LogEvent)]
    #[log(crate = "crate", component = "api", message = "served")]
    struct Served;

    /// The value of `series` (`name{labels}`) in Prometheus text, if it is there.
    fn value(text: &str, series: &str) -> Option<f64> {
        text.lines().find_map(|line| line.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
    }

    #[test]
    fn the_counters_reach_the_recorder_and_move() {
        let dir = std::env::temp_dir().join(format!("logfix-publish-{}", std::process::id()));
        let logger = Config::new().dir(dir.clone()).build();
        let recorder = PrometheusBuilder::new().build_recorder();
        let prometheus = recorder.handle();
        let scrape = || {
            metrics::with_local_recorder(&recorder, || logger.metrics().publish());
            prometheus.render()
        };
        logger.emit(&Served);
        let before = scrape();
        for _ in 0..3 {
            logger.emit(&QueryFailed);
            logger.emit(&Served);
        }
        logger.flush();
        let after = scrape();
        let moved = |series: &str| {
            let (a, b) = (value(&before, series), value(&after, series));
            Some(b? - a.unwrap_or(0.0))
        };
        assert_eq!(moved("logfix_events_total{level=\"error\"}"), Some(3.0), "{after}");
        // `logging_started` is an `info` event too.
        assert_eq!(moved("logfix_events_total{level=\"info\"}"), Some(3.0), "{after}");
        assert_eq!(moved("logfix_component_events_total{component=\"db\"}"), Some(3.0));
        assert_eq!(moved("logfix_component_events_total{component=\"api\"}"), Some(3.0));
        assert_eq!(value(&after, "logfix_written_lines_total"), Some(8.0), "{after}");
        assert!(value(&after, "logfix_written_bytes_total") > Some(400.0), "{after}");
        assert_eq!(value(&after, "logfix_events_dropped_total"), Some(0.0));
        assert!(value(&after, "logfix_queue_high_water_batches").is_some());
        assert!(after.contains("# TYPE logfix_rotations_total counter"), "{after}");
        assert!(after.contains("# HELP logfix_lost_lines_total lines that reached neither"));
        logger.shutdown();
        let _ = std::fs::remove_dir_all(dir);
    }
}
