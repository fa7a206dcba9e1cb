//! Benchmarks for logfix: `cargo bench -p logfix-benches --bench pipeline`. Results and the
//! machine they were measured on are in `docs/BENCHMARKS.md`.
