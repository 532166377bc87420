// "Copy" on a message: puts its Markdown source on the clipboard and confirms it
// in a polite live region (the button keeps its name, so it stays findable).
// A reply streamed into the page has no `text` from the server: its shown
// text is read by `messageId` (reply_texts.js).
import { useEffect, useRef, useState } from "react";
import { replyTexts } from "./reply_texts.js";

const SHOWN_MS = 2000;

export function MessageCopy({ text = "", messageId = "" }) {
  const [said, setSaid] = useState("");
  const timer = useRef(null);
  useEffect(() => () => clearTimeout(timer.current), []);
  const copy = async () => {
    let outcome = "Copied to clipboard";
    try {
      await navigator.clipboard.writeText(text || replyTexts.get(messageId) || "");
    } catch {
      outcome = "Could not copy: the browser refused clipboard access";
    }
    setSaid(outcome);
    clearTimeout(timer.current);
    timer.current = setTimeout(() => setSaid(""), SHOWN_MS);
  };
  return (
    <span className="nm-message-copy">
      <button type="button" className="nm-copy" onClick={copy}>
        <span aria-hidden="true">{said.startsWith("Copied") ? "✓ " : ""}</span>Copy
      </button>
      <span role="status" className="nm-copy-status">
        {said}
      </span>
    </span>
  );
}
