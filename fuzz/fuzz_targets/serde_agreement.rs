//! On every document serde_json accepts (without duplicate keys, which it merges), the core
//! accepts it too and builds the same value; numbers compare as integers' text or as the
//! nearest f64.
#![no_main]

use deltajson::core::{Options, Scanner, TreeBuilder, TreeValues, Value};
use libfuzzer_sys::fuzz_target;

// `number`, `canonical` and `from_serde` mirror the helpers of src/core/tests/table.rs, which
// are compiled for `cargo test` only and so out of this crate's reach.

fn number(text: &str) -> String {
    if text.contains(['.', 'e', 'E']) {
        format!("{:?}", text.parse::<f64>().unwrap_or(f64::NAN))
    } else if text == "-0" {
        "0".to_owned()
    } else {
        text.to_owned()
    }
}

/// Ours, numbers canonical; `None` if an object repeats a key (serde_json keeps one).
fn canonical(v: Value) -> Option<Value> {
    Some(match v {
        Value::Number(n) => Value::Number(number(&n)),
        Value::Array(items) => {
            Value::Array(items.into_iter().map(canonical).collect::<Option<_>>()?)
        }
        Value::Object(members) => {
            let mut keys: Vec<&Vec<u8>> = members.iter().map(|(k, _)| k).collect();
            keys.sort();
            if keys.windows(2).any(|w| w[0] == w[1]) {
                return None;
            }
            Value::Object(
                members
                    .into_iter()
                    .map(|(k, v)| Some((k, canonical(v)?)))
                    .collect::<Option<_>>()?,
            )
        }
        other => other,
    })
}

fn from_serde(v: &serde_json::Value) -> Value {
    match v {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => Value::Number(number(&n.to_string())),
        serde_json::Value::String(s) => Value::String(s.as_bytes().to_vec()),
        serde_json::Value::Array(items) => Value::Array(items.iter().map(from_serde).collect()),
        serde_json::Value::Object(members) => Value::Object(
            members
                .iter()
                .map(|(k, v)| (k.as_bytes().to_vec(), from_serde(v)))
                .collect(),
        ),
    }
}

fn sorted(v: Value) -> Value {
    match v {
        Value::Array(items) => Value::Array(items.into_iter().map(sorted).collect()),
        Value::Object(members) => {
            let mut members: Vec<_> = members.into_iter().map(|(k, v)| (k, sorted(v))).collect();
            members.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(members)
        }
        other => other,
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(theirs) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    let mut scanner = Scanner::new(Options {
        max_depth: usize::MAX,
        ..Options::default()
    });
    let mut tree = TreeBuilder::default();
    let result = scanner
        .feed(data, &mut tree)
        .and_then(|()| scanner.finish(&mut tree));
    if let Err(e) = result {
        panic!("serde_json accepts what deltajson rejects: {e}");
    }
    assert_eq!(tree.values.len(), 1);
    let ours = tree.values.pop().unwrap();
    // The fast path of a whole document takes every object or array of moderate depth, and
    // builds the same value.
    let container = matches!(
        theirs,
        serde_json::Value::Array(_) | serde_json::Value::Object(_)
    );
    if container && depth(&theirs) <= deltajson::core::descent::MAX_DESCENT_DEPTH {
        let mut fast = Scanner::new(Options::default());
        let descended = fast.feed_whole(data, &mut TreeValues::default());
        assert_eq!(descended.as_ref(), Some(&ours), "the descent differs");
    }
    if let Some(ours) = canonical(ours) {
        assert_eq!(sorted(ours), sorted(from_serde(&theirs)));
    }
});

fn depth(v: &serde_json::Value) -> usize {
    match v {
        serde_json::Value::Array(items) => 1 + items.iter().map(depth).max().unwrap_or(0),
        serde_json::Value::Object(members) => 1 + members.values().map(depth).max().unwrap_or(0),
        _ => 0,
    }
}
