use logfix_runtime::LogEvent;

#[derive(LogEvent)]
#[log(component = "shop", message = "{type} item {r#match}")]
struct r#ItemMatched {
    r#type: &'static str,
    r#match: u32,
}

fn main() {
    let event = ItemMatched {
        r#type: "book",
        r#match: 3,
    };
    assert_eq!(event.metadata().event(), "item_matched");
    assert_eq!(event.metadata().fields(), ["type", "match"]);
    let line = logfix_runtime::__private::render_json(&event);
    assert!(
        line.ends_with(r#""message":"book item 3","type":"book","match":3}"#),
        "{line}"
    );
}
