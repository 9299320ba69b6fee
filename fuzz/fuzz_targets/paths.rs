//! Any path text against a fixed message: a path error or a value, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pipehat::Message;

const MESSAGE: &[u8] = b"MSH|^~\\&|A|B|C|D|20240101||ADT^A01^ADT_A01|1|P|2.5.1\rPID|1||1^^^H&1.2&ISO^MR~2||DOE^J\rOBX|1|TX|||a\\T\\b\rOBX|2\r";

fuzz_target!(|data: &[u8]| {
    let Ok(path) = std::str::from_utf8(data) else {
        return;
    };
    let msg = Message::parse(MESSAGE).expect("fixed message parses");
    if let Ok(p) = path.parse::<pipehat::Path>() {
        assert_eq!(p.to_string().parse::<pipehat::Path>(), Ok(p));
    }
    let _ = msg.get(path);
    let _ = msg.get_raw(path);
    let _ = msg.get_all(path);
});
