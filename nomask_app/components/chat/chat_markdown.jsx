// Markdown for chat replies (and the policy page), safe by construction:
// - no raw HTML is ever rendered (react-markdown without rehype-raw shows it as text),
// - javascript: and other unsafe URLs are dropped by react-markdown's urlTransform,
// - images load only from this app's own file route; others become plain links,
//   so a reply cannot make the browser contact a third party.
// Code highlighting (lowlight) and LaTeX (KaTeX) are loaded only when a reply
// needs them. With `streamSrc`, the reply grows from a Server-Sent Events stream
// that carries only new text, and `onDone(status)` fires when it ends. The
// server does not send a streamed reply's text again when it ends: with
// `messageId`, the whole text is kept (reply_texts.js) for the reply's "Copy"
// button and for this component, should the page mount it again.
import { Fragment, memo, useEffect, useRef, useState } from "react";
import { replyTexts } from "../message_copy/reply_texts.js";
import Markdown from "react-markdown";
import remarkGfm from "remark-gfm";
import { toJsxRuntime } from "hast-util-to-jsx-runtime";
import { jsx, jsxs } from "react/jsx-runtime";

const MATH = /\$\$[\s\S]+?\$\$|\\\([\s\S]+?\\\)|\\\[[\s\S]+?\\\]|(^|[^\\$])\$[^\s$][^$\n]*\$/;
const OWN_FILE = /^\/api\/files\/[A-Za-z0-9]+$/;
// Each render of a growing reply is a React render, a layout and a paint (~7 ms
// on a 2-core machine): ten a second keep the text moving at half the cost of
// twenty (issue 18, target 6). The server still sends text every 40 ms (BATCH
// in services/chat/generation.py): its gaps between tokens are what other
// followers and the load targets see.
const RENDER_EVERY_MS = 100;

let mathPlugins = null;
let mathLoading = null;
function loadMath() {
  mathLoading ??= Promise.all([
    import("remark-math"),
    import("rehype-katex"),
    import("katex/dist/katex.min.css"),
  ]).then(([remarkMath, rehypeKatex]) => {
    mathPlugins = { remark: remarkMath.default, rehype: rehypeKatex.default };
    return mathPlugins;
  });
  return mathLoading;
}

let highlighter = null;
let highlighterLoading = null;
function loadHighlighter() {
  highlighterLoading ??= import("lowlight").then(({ common, createLowlight }) => {
    highlighter = createLowlight(common);
    return highlighter;
  });
  return highlighterLoading;
}

function useLoaded(needed, current, load) {
  const [value, setValue] = useState(current);
  useEffect(() => {
    let active = true;
    if (needed && !value) load().then((loaded) => active && setValue(loaded));
    return () => {
      active = false;
    };
  }, [needed]);
  return value;
}

function CopyButton({ text }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setCopied(true);
      setTimeout(() => setCopied(false), 1500);
    } catch {
      setCopied(false);
    }
  };
  return (
    <button type="button" className="nm-copy" onClick={copy} aria-label="Copy code">
      {copied ? "Copied" : "Copy"}
    </button>
  );
}

function CodeBlock({ node, children }) {
  const code = node?.children?.[0];
  const className = (code?.properties?.className || []).join(" ");
  const language = /language-([\w+#-]+)/.exec(className)?.[1];
  const text = (code?.children || []).map((child) => child.value || "").join("").replace(/\n$/, "");
  const lowlight = useLoaded(true, highlighter, loadHighlighter);
  let highlighted = null;
  if (lowlight && text) {
    try {
      const tree =
        language && lowlight.registered(language)
          ? lowlight.highlight(language, text)
          : lowlight.highlightAuto(text);
      // A syntax tree rendered as React elements: no HTML string is ever injected.
      highlighted = toJsxRuntime(tree, { Fragment, jsx, jsxs });
    } catch {
      highlighted = null;
    }
  }
  return (
    <div className="nm-code">
      <div className="nm-code-bar">
        <span>{language || "code"}</span>
        <CopyButton text={text} />
      </div>
      <pre tabIndex={0}>
        <code className={className}>{highlighted || text}</code>
      </pre>
    </div>
  );
}

function SafeImage({ src, alt }) {
  if (src && OWN_FILE.test(src)) return <img src={src} alt={alt || ""} loading="lazy" />;
  const label = alt ? `Image: ${alt}` : "Image";
  return src ? (
    <a href={src} target="_blank" rel="noopener noreferrer nofollow">
      {label}
    </a>
  ) : (
    <span>{label}</span>
  );
}

// Whether a link stays in this app: a fragment, or a path on this origin.
// Browsers drop tabs and newlines and read a backslash as "/", so "//host",
// "/\host" and "\\host" all lead to another site: those open in a new tab.
function isInternal(href) {
  const raw = (href || "").replace(/[\t\n\r]/g, "").replace(/^[\u0000-\u0020]+/, "");
  if (raw.startsWith("#")) return true;
  if (!raw.startsWith("/") || raw.startsWith("//") || raw.includes("\\")) return false;
  try {
    return new URL(raw, window.location.origin).origin === window.location.origin;
  } catch {
    return false;
  }
}

function SafeLink({ href, children }) {
  return isInternal(href) ? (
    <a href={href}>{children}</a>
  ) : (
    <a href={href} target="_blank" rel="noopener noreferrer nofollow">
      {children}
    </a>
  );
}

function Table({ children }) {
  return (
    <div className="nm-table" tabIndex={0}>
      <table>{children}</table>
    </div>
  );
}

const components = { pre: CodeBlock, img: SafeImage, a: SafeLink, table: Table };

function useStream(content, streamSrc, onDone, messageId) {
  // A stream goes on from `content`; without one, a streamed reply's kept text wins.
  const shown = () => (streamSrc ? content : (replyTexts.get(messageId) ?? content));
  const [text, setText] = useState(shown);
  const pending = useRef("");
  const timer = useRef(null);
  const doneRef = useRef(onDone);
  doneRef.current = onDone;

  useEffect(() => {
    // Also when the stream address goes (the reply ended): a page that mounted this
    // reply again, from the database's stream, may not have had all of it yet.
    setText(shown());
    pending.current = "";
    if (!streamSrc) return undefined;
    let renderedAt = Number.NEGATIVE_INFINITY;
    const flush = () => {
      timer.current = null;
      renderedAt = performance.now();
      const piece = pending.current;
      pending.current = "";
      if (piece) setText((current) => current + piece);
    };
    const source = new EventSource(streamSrc);
    let whole = content;
    source.addEventListener("delta", (event) => {
      const piece = JSON.parse(event.data).t;
      whole += piece;
      pending.current += piece;
      // Text shows at once when the last render is RENDER_EVERY_MS old (the first
      // words, or after a pause), else with the next render, one interval after
      // the last: a steady pace, whatever the provider's.
      if (timer.current === null) {
        const wait = renderedAt + RENDER_EVERY_MS - performance.now();
        if (wait <= 0) flush();
        else timer.current = setTimeout(flush, wait);
      }
    });
    source.addEventListener("done", (event) => {
      source.close();
      clearTimeout(timer.current);
      flush();
      if (messageId) replyTexts.set(messageId, whole);
      const { status } = JSON.parse(event.data);
      if (doneRef.current) doneRef.current(status);
    });
    return () => {
      source.close();
      clearTimeout(timer.current);
      timer.current = null;
    };
  }, [content, streamSrc]);
  return text;
}

// Split at blank lines outside fenced code: while a reply streams only its
// last block changes, so only that block is parsed again on each update.
function blocks(text) {
  const parts = [];
  let current = [];
  let fenced = false;
  for (const line of text.split("\n")) {
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
    if (!fenced && line.trim() === "" && current.length) {
      parts.push(current.join("\n"));
      current = [];
    } else {
      current.push(line);
    }
  }
  if (current.length) parts.push(current.join("\n"));
  return parts;
}

const Rendered = memo(function Rendered({ text, math }) {
  return (
    <Markdown
      remarkPlugins={math ? [remarkGfm, math.remark] : [remarkGfm]}
      rehypePlugins={math ? [[math.rehype, { throwOnError: false, strict: "ignore" }]] : []}
      components={components}
    >
      {text}
    </Markdown>
  );
});

export function ChatMarkdown({
  content = "",
  streamSrc = "",
  onDone,
  messageId = "",
  className = "",
}) {
  // Keeping the view at the bottom as the text grows is the composer's
  // follow (composer.jsx), once per frame for the whole page.
  const text = useStream(content, streamSrc, onDone, messageId);
  const math = useLoaded(MATH.test(text), mathPlugins, loadMath);
  // Whole once it has ended: split at blank lines, loose lists and reference
  // links would come apart. As the first of the same list of parts, so that a
  // reply of one block is not rendered again at its end, and a longer one keeps
  // its first block's elements.
  const parts = streamSrc ? blocks(text) : [text];
  return (
    <div className={`nm-md ${className}`}>
      {parts.map((part, index) => (
        <Rendered key={index} text={part} math={math} />
      ))}
    </div>
  );
}
