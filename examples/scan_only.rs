//! Times the core scanner alone (no Python objects) on a file: `cargo run --release --example
//! scan_only -- FILE`.

use deltajson::core::{Literal, Options, Scanner, Sink};

/// Counts events and does nothing else.
#[derive(Default)]
struct Count(u64);

impl Sink for Count {
    fn begin_object(&mut self) {
        self.0 += 1
    }
    fn end_object(&mut self) {
        self.0 += 1
    }
    fn begin_array(&mut self) {
        self.0 += 1
    }
    fn end_array(&mut self) {
        self.0 += 1
    }
    fn key(&mut self, k: &[u8], _: bool) {
        self.0 += k.len() as u64
    }
    fn string(&mut self, t: &[u8], _: bool) {
        self.0 += t.len() as u64
    }
    fn begin_string(&mut self) {
        self.0 += 1
    }
    fn string_piece(&mut self, t: &[u8], _: bool) {
        self.0 += t.len() as u64
    }
    fn end_string(&mut self) {
        self.0 += 1
    }
    fn number(&mut self, t: &[u8], _: bool) {
        self.0 += t.len() as u64
    }
    fn literal(&mut self, _: Literal) {
        self.0 += 1
    }
}

fn main() {
    let path = std::env::args().nth(1).expect("usage: scan_only FILE");
    let data = std::fs::read(path).expect("readable file");
    let mut best = f64::MAX;
    let mut total = 0;
    for _ in 0..50 {
        let start = std::time::Instant::now();
        let mut scanner = Scanner::new(Options::default());
        let mut sink = Count::default();
        scanner.feed(&data, &mut sink).expect("valid JSON");
        scanner.finish(&mut sink).expect("complete JSON");
        total += sink.0;
        best = best.min(start.elapsed().as_secs_f64());
    }
    let secs = best;
    println!(
        "{:.3} ms per pass, {:.0} MB/s ({total} units)",
        secs * 1e3,
        data.len() as f64 / secs / 1e6
    );
}
