//! Benchmarks for logfix: `cargo bench -p logfix-benches --bench pipeline`, and
//! `--bench machine` for what the machine's slow states slow down. Results and the machine they
//! were measured on are in `docs/BENCHMARKS.md`.

/// The reference event as a hand-written render would put it, with the timestamp `stamp`: the
/// yardstick of the hand-off issue.
pub fn hand_render(line: &mut Vec<u8>, account_id: u64, stamp: &[u8; 27]) {
    line.extend_from_slice(b"{\"timestamp\":\"");
    line.extend_from_slice(stamp);
    line.extend_from_slice(b"\",\"level\":\"info\",\"component\":\"auth\",\"event\":\"user_login\",\"message\":\"user ");
    line.extend_from_slice(itoa::Buffer::new().format(account_id).as_bytes());
    line.extend_from_slice(b" logged in\",\"account_id\":");
    line.extend_from_slice(itoa::Buffer::new().format(account_id).as_bytes());
    line.extend_from_slice(
        b",\"request_id\":\"req-7f3a9c\",\"path\":\"/api/items\",\"ok\":true}\n",
    );
}
