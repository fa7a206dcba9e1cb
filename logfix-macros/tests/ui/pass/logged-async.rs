//! Async functions and methods: the signature stays `async fn`, the future stays `Send` when
//! its captures are, and `return`, `?` and borrows of `self` keep working.
use logfix_runtime::logged;

#[derive(Debug)]
struct NotFound;

impl std::fmt::Display for NotFound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("not found")
    }
}

impl std::error::Error for NotFound {}

#[logged(component = "api", enter)]
async fn fetch(id: u64, #[log(skip)] token: String) -> Result<String, Box<dyn std::error::Error>> {
    if token.is_empty() {
        return Err(Box::new(NotFound));
    }
    let n: u64 = "7".parse()?;
    Ok(format!("{id}-{n}"))
}

#[logged(component = "api")]
async fn ping() {}

struct Cache {
    entries: Vec<String>,
}

impl Cache {
    #[logged(component = "cache")]
    async fn first(&self) -> Option<&String> {
        self.entries.first()
    }

    #[logged(component = "cache")]
    async fn push(&mut self, entry: String) -> &mut String {
        self.entries.push(entry);
        let last = self.entries.len() - 1;
        &mut self.entries[last]
    }

    #[logged(component = "cache")]
    async fn into_entries(self) -> Vec<String> {
        self.entries
    }
}

fn assert_send<T: Send>(_: &T) {}

fn main() {
    let future = ping();
    assert_send(&future);
    drop(future);
    drop(fetch(1, String::new()));
    let mut cache = Cache {
        entries: Vec::new(),
    };
    let future = cache.push("a".to_owned());
    assert_send(&future);
    drop(future);
    drop(cache.first());
    drop(cache.into_entries());
}
